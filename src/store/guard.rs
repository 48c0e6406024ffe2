//! What is checked about a ledger path before SQLite sees it, and the recovery copy kept while a
//! leftover `-wal` is checked.
//!
//! SQLite opens whatever it is given: a FIFO or a device node as `--db` gets "disk I/O error"
//! (and the old code then deleted the node); a `-wal` beside the ledger is applied whether it
//! belongs to the ledger or not. So the path and the files beside it are checked first, and a
//! non-empty `-wal` that no open window is using is copied aside, checked through a read-only
//! connection, and put back byte for byte when the result is not a sound ledger.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::{StoreError, backup};

/// The files SQLite keeps beside a ledger.
pub(super) const SIDECARS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// Tables every ledger version has.
const CORE_TABLES: [&str; 4] = ["settings", "plans", "departments", "tasks"];

pub(super) use crate::paths::sidecar;

/// What is at the ledger's path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum LedgerFile {
    /// Nothing yet, in an existing folder.
    Missing,
    /// A regular file of this many bytes.
    Regular(u64),
}

/// Refuses anything at the ledger's path (or beside it) that is not a regular file, and a
/// missing ledger in a missing folder.
pub(super) fn check_ledger_path(path: &Path) -> Result<LedgerFile, StoreError> {
    let state = match std::fs::metadata(path) {
        Ok(metadata) if metadata.is_file() => LedgerFile::Regular(metadata.len()),
        Ok(metadata) => {
            return Err(StoreError::NotAFile {
                path: path.to_owned(),
                folder: metadata.is_dir(),
            });
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if std::fs::symlink_metadata(path).is_ok() {
                // A link to nowhere: SQLite would create a file wherever it points.
                return Err(StoreError::NotAFile {
                    path: path.to_owned(),
                    folder: false,
                });
            }
            let folder = match path.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            if !std::fs::metadata(folder).is_ok_and(|m| m.is_dir()) {
                return Err(StoreError::NoFolder {
                    path: folder.to_owned(),
                });
            }
            LedgerFile::Missing
        }
        Err(source) => {
            return Err(StoreError::Io {
                path: path.to_owned(),
                source,
            });
        }
    };
    for suffix in SIDECARS {
        let beside = sidecar(path, suffix);
        if std::fs::symlink_metadata(&beside).is_ok()
            && !std::fs::metadata(&beside).is_ok_and(|m| m.is_file())
        {
            return Err(StoreError::NotAFile {
                path: beside,
                folder: false,
            });
        }
    }
    Ok(state)
}

/// The size of a file beside the ledger, 0 when missing.
pub(super) fn sidecar_len(path: &Path, suffix: &str) -> u64 {
    std::fs::metadata(sidecar(path, suffix)).map_or(0, |m| m.len())
}

/// Whether a window of ours holds the ledger open (its `<ledger>.lock` is locked), in which
/// case the `-wal` beside the ledger is that window's live log, not a leftover.
pub(super) fn held_by_a_window(path: &Path) -> bool {
    let lock = sidecar(path, ".lock");
    if !std::fs::metadata(&lock).is_ok_and(|m| m.is_file()) {
        return false;
    }
    let Ok(file) = std::fs::OpenOptions::new().write(true).open(&lock) else {
        return false;
    };
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            false
        }
        Err(std::fs::TryLockError::WouldBlock) => true,
        Err(std::fs::TryLockError::Error(_)) => false,
    }
}

/// Copies of the ledger and its leftover `-wal`/`-shm`, taken before SQLite applies the log.
pub(super) struct RecoveryCopy {
    ledger: PathBuf,
    /// (original, copy) for each file that existed.
    copies: Vec<(PathBuf, PathBuf)>,
    /// Sidecars that did not exist before: SQLite may create them, and they go again.
    absent: Vec<PathBuf>,
}

impl RecoveryCopy {
    /// Copies the ledger, its `-wal` and its `-shm` into the backups folder.
    pub(super) fn take(ledger: &Path) -> Result<Self, StoreError> {
        let dir = backup::backup_dir(ledger);
        crate::files::ensure_folder(&dir).map_err(|error| StoreError::Io {
            path: dir.clone(),
            source: std::io::Error::other(error.to_string()),
        })?;
        let stem = ledger
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "ledger".to_owned());
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S-%3f");
        let mut base = dir.join(format!("{stem}-recovery-{stamp}.sqlite"));
        let mut counter = 2;
        while base.exists() {
            base = dir.join(format!("{stem}-recovery-{stamp}-{counter}.sqlite"));
            counter += 1;
        }
        let mut copy = Self {
            ledger: ledger.to_owned(),
            copies: Vec::new(),
            absent: Vec::new(),
        };
        for suffix in ["", "-wal", "-shm"] {
            let original = sidecar(ledger, suffix);
            if !original.exists() {
                copy.absent.push(original);
                continue;
            }
            let target = sidecar(&base, suffix);
            if let Err(source) = std::fs::copy(&original, &target) {
                copy.discard();
                let _ = std::fs::remove_file(&target);
                return Err(StoreError::Io {
                    path: target,
                    source,
                });
            }
            copy.copies.push((original, target));
        }
        Ok(copy)
    }

    /// Puts every file back as it was, then removes the copies.
    pub(super) fn restore(self) -> Result<(), StoreError> {
        for (original, copy) in &self.copies {
            std::fs::copy(copy, original).map_err(|source| StoreError::Io {
                path: original.clone(),
                source,
            })?;
        }
        for created in &self.absent {
            if created != &self.ledger {
                let _ = std::fs::remove_file(created);
            }
        }
        self.discard();
        Ok(())
    }

    /// Removes the copies (made by this run, and no longer needed).
    pub(super) fn discard(&self) {
        for (_, copy) in &self.copies {
            let _ = std::fs::remove_file(copy);
        }
    }
}

/// Whether the file at `path` (with whatever `-wal` lies beside it) is a sound ledger, read
/// through a read-only connection that never writes the main file. `full` runs SQLite's
/// `integrity_check` rather than only the schema check.
pub(super) fn is_sound_ledger(path: &Path, full: bool) -> Result<bool, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let verdict = (|| -> rusqlite::Result<bool> {
        let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if !(1..=super::schema::VERSION).contains(&version) {
            return Ok(false);
        }
        for table in CORE_TABLES {
            let found: i64 = conn.query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
                [table],
                |row| row.get(0),
            )?;
            if found == 0 {
                return Ok(false);
            }
        }
        let pragma = if full {
            "PRAGMA integrity_check"
        } else {
            "PRAGMA quick_check"
        };
        let check: String = conn.query_row(pragma, [], |row| row.get(0))?;
        Ok(check == "ok")
    })();
    match verdict {
        Ok(sound) => Ok(sound),
        Err(error) => match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Err(StoreError::Busy)
            }
            // Anything else SQLite says about the file means it is not sound.
            _ => Ok(false),
        },
    }
}

/// The newest backup that opens as a sound ledger.
pub fn newest_sound_backup(ledger: &Path) -> Option<PathBuf> {
    backup::list_backups(ledger)
        .into_iter()
        .map(|b| b.path)
        .find(|path| is_sound_ledger(path, false).unwrap_or(false))
}
