use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rusqlite::{Connection, MAIN_DB};

use super::StoreError;

/// How many backups are kept beside a ledger.
pub const BACKUPS_KEPT: usize = 30;

/// A backup file in the ledger's `backups/` folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub size: u64,
    pub modified: Option<SystemTime>,
}

/// The folder that holds a ledger's backups: `backups/` beside the ledger file.
pub fn backup_dir(ledger_path: &Path) -> PathBuf {
    ledger_path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("backups")
}

fn backup_prefix(ledger_path: &Path) -> String {
    let stem = ledger_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ledger".to_owned());
    format!("{stem}-")
}

/// Backups of this ledger, newest first. Names carry the time, so name order is time order.
pub fn list_backups(ledger_path: &Path) -> Vec<BackupInfo> {
    let prefix = backup_prefix(ledger_path);
    let Ok(entries) = std::fs::read_dir(backup_dir(ledger_path)) else {
        return Vec::new();
    };
    let mut backups: Vec<BackupInfo> = entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            // Files kept aside by a restore are not backups and are never rotated away.
            name.starts_with(&prefix)
                && name.ends_with(".sqlite")
                && !name.contains("-before-restore-")
        })
        .map(|entry| {
            let metadata = entry.metadata().ok();
            BackupInfo {
                path: entry.path(),
                size: metadata.as_ref().map_or(0, |m| m.len()),
                modified: metadata.and_then(|m| m.modified().ok()),
            }
        })
        .collect();
    backups.sort_by(|a, b| b.path.cmp(&a.path));
    backups
}

/// The newest backup of a ledger, if any.
pub fn newest_backup(ledger_path: &Path) -> Option<PathBuf> {
    list_backups(ledger_path)
        .into_iter()
        .next()
        .map(|backup| backup.path)
}

/// Copies the open ledger through SQLite's backup API (safe with WAL and other readers) into
/// `backups/<stem>-YYYYMMDD-HHMMSS.sqlite`, then keeps only the newest [`BACKUPS_KEPT`].
pub(crate) fn create_backup(
    conn: &Connection,
    ledger_path: &Path,
    stamp: &str,
) -> Result<PathBuf, StoreError> {
    let dir = backup_dir(ledger_path);
    std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
        path: dir.clone(),
        source,
    })?;
    let prefix = backup_prefix(ledger_path);
    let mut target = dir.join(format!("{prefix}{stamp}.sqlite"));
    let mut counter = 2;
    while target.exists() {
        target = dir.join(format!("{prefix}{stamp}-{counter}.sqlite"));
        counter += 1;
    }
    // Write under a temporary name first so that a half-written copy never looks like a backup.
    let partial = target.with_extension("partial");
    let result = conn.backup(MAIN_DB, &partial, None::<fn(rusqlite::backup::Progress)>);
    if let Err(error) = result {
        let _ = std::fs::remove_file(&partial);
        return Err(error.into());
    }
    std::fs::rename(&partial, &target).map_err(|source| StoreError::Io {
        path: target.clone(),
        source,
    })?;
    for old in list_backups(ledger_path).into_iter().skip(BACKUPS_KEPT) {
        // A backup that cannot be removed now is removed at a later start.
        let _ = std::fs::remove_file(&old.path);
    }
    Ok(target)
}

/// Puts a backup in the ledger's place. The ledger must be closed. The current file (and any
/// journal files beside it) is kept aside as `<stem>-before-restore-<stamp>.sqlite` in the
/// backups folder; the backup is copied under a temporary name first. Returns where the
/// current file was put. On failure the current file is back where it was.
pub fn restore_backup(
    ledger_path: &Path,
    backup: &Path,
    stamp: &str,
) -> Result<PathBuf, StoreError> {
    // Only a backup that opens as a ledger of a version this build reads is used.
    {
        let conn = Connection::open_with_flags(backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|error| StoreError::from(error).for_file(backup))?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|error| StoreError::from(error).for_file(backup))?;
        if version == 0 || version > super::schema::VERSION {
            return Err(StoreError::NotALedger {
                path: backup.to_owned(),
            });
        }
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |row| row.get(0))
            .map_err(|error| StoreError::from(error).for_file(backup))?;
        if check != "ok" {
            return Err(StoreError::Corrupt {
                path: backup.to_owned(),
                newest_backup: None,
            });
        }
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| StoreError::Io { path, source }
    };
    let dir = backup_dir(ledger_path);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let stem = ledger_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ledger".to_owned());
    let aside = dir.join(format!("{stem}-before-restore-{stamp}.sqlite"));
    let incoming = ledger_path.with_extension("restoring");
    std::fs::copy(backup, &incoming).map_err(io(&incoming))?;
    if ledger_path.exists() {
        if let Err(source) = std::fs::rename(ledger_path, &aside) {
            let _ = std::fs::remove_file(&incoming);
            return Err(StoreError::Io {
                path: aside,
                source,
            });
        }
        for suffix in ["-wal", "-shm"] {
            let mut journal = ledger_path.as_os_str().to_owned();
            journal.push(suffix);
            let journal = PathBuf::from(journal);
            if journal.exists() {
                let mut kept = aside.as_os_str().to_owned();
                kept.push(suffix);
                let _ = std::fs::rename(&journal, PathBuf::from(kept));
            }
        }
    }
    if let Err(source) = std::fs::rename(&incoming, ledger_path) {
        let _ = std::fs::rename(&aside, ledger_path);
        let _ = std::fs::remove_file(&incoming);
        return Err(StoreError::Io {
            path: ledger_path.to_owned(),
            source,
        });
    }
    Ok(aside)
}
