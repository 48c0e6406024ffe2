//! The window's claim of a ledger: an OS lock on `<ledger>.lock`.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use super::StoreError;

/// Exclusive claim of a ledger by one window, held as an OS file lock on `<ledger>.lock`.
///
/// The OS drops the lock when the process ends, however it ends, so a crash never leaves a
/// ledger claimed. Headless commands do not take it: SQLite's own locking keeps them safe.
#[derive(Debug)]
pub struct LedgerLock {
    _file: File,
    path: PathBuf,
}

impl LedgerLock {
    /// Claims the ledger, or says that another window has it open.
    pub fn acquire(ledger_path: &Path) -> Result<Self, StoreError> {
        let path = lock_path(ledger_path);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| match source.kind() {
                // A folder the user may not write to: the ledger cannot be saved there either.
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                    StoreError::read_only(ledger_path)
                }
                _ => StoreError::Io {
                    path: path.clone(),
                    source,
                },
            })?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(StoreError::OpenElsewhere {
                path: ledger_path.to_owned(),
            }),
            Err(TryLockError::Error(source)) => Err(StoreError::Io { path, source }),
        }
    }

    /// The lock file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn lock_path(ledger_path: &Path) -> PathBuf {
    let mut name = ledger_path.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}
