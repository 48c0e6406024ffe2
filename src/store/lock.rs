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

/// One sender's claim of a batch of e-mails (a month's templates, its sheet, a chase), held as
/// an OS lock on `<ledger>.send-<key>.lock`: a second window or command sending the same batch
/// at once is refused instead of sending every message twice, and a claim whose process ended,
/// however it ended, is free at once. Who holds it (process, host, since, until) is written
/// beside it for the refusal's message. Taking it never writes the ledger.
#[derive(Debug)]
pub struct SendLock {
    _file: File,
    info: PathBuf,
}

impl SendLock {
    /// Claims the batch named `key` (letters, digits and `-` only) for at most `seconds`.
    pub fn acquire(ledger_path: &Path, key: &str, seconds: u64) -> Result<Self, StoreError> {
        let key: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut name = ledger_path.as_os_str().to_owned();
        name.push(format!(".send-{key}.lock"));
        let path = PathBuf::from(name);
        let mut info_name = path.as_os_str().to_owned();
        info_name.push(".who");
        let info = PathBuf::from(info_name);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| match source.kind() {
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem => {
                    StoreError::read_only(ledger_path)
                }
                _ => StoreError::Io {
                    path: path.clone(),
                    source,
                },
            })?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return Err(StoreError::SendRunning(holder_words(&info)));
            }
            Err(TryLockError::Error(source)) => return Err(StoreError::Io { path, source }),
        }
        let now = chrono::Local::now();
        let until = now + chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(86_400));
        let host = std::env::var("COMPUTERNAME")
            .or_else(|_| std::env::var("HOSTNAME"))
            .ok()
            .or_else(|| {
                std::fs::read_to_string("/etc/hostname")
                    .ok()
                    .map(|h| h.trim().to_owned())
            })
            .unwrap_or_default();
        // Best effort: the lock holds whether or not its description could be written.
        let _ = std::fs::write(
            &info,
            format!(
                "{}\t{}\t{}\t{}",
                std::process::id(),
                host.chars()
                    .filter(|c| !c.is_control())
                    .take(64)
                    .collect::<String>(),
                now.format("%Y-%m-%d %H:%M:%S"),
                until.format("%H:%M:%S")
            ),
        );
        Ok(Self { _file: file, info })
    }
}

impl Drop for SendLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.info);
    }
}

/// "进程 1234，主机 PC-01，自 2019-08-01 09:30:00 起，最迟至 09:36:00" from the holder's
/// description, or a plain phrase when it cannot be read.
fn holder_words(info: &Path) -> String {
    use std::io::Read as _;
    let mut text = String::new();
    let read = File::open(info).and_then(|f| f.take(512).read_to_string(&mut text));
    let parts: Vec<&str> = text.split('\t').collect();
    match (read, parts.as_slice()) {
        (Ok(_), [pid, host, since, until]) => {
            let host = if host.is_empty() {
                String::new()
            } else {
                format!("，主机 {host}")
            };
            format!("进程 {pid}{host}，自 {since} 起，最迟至 {until}")
        }
        _ => "另一个窗口或命令".to_owned(),
    }
}
