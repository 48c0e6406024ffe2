//! Where things live: the per-user default ledger, and the files the app keeps beside a ledger
//! (its SQLite sidecars, lock, log and backups). Names only; nothing here touches the disk.

use std::path::{Path, PathBuf};

/// The per-user default ledger: `%APPDATA%\Taizhang\ledger.sqlite` on Windows, the XDG data
/// directory (`~/.local/share/Taizhang/ledger.sqlite`) on Linux.
pub fn default_ledger_path() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("Taizhang")
        .join("ledger.sqlite")
}

/// Rotated logs kept beside a ledger: `taizhang.log.1` … `taizhang.log.3`.
pub const KEPT_LOGS: usize = 3;

/// `<ledger><suffix>`: SQLite's `-wal`, `-shm`, `-journal`, our `.lock`.
pub fn sidecar(ledger: &Path, suffix: &str) -> PathBuf {
    let mut name = ledger.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The folder that holds a ledger's backups: `backups/` beside the ledger file.
pub fn backup_dir(ledger: &Path) -> PathBuf {
    ledger
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("backups")
}

/// The error log beside a ledger.
pub fn log_path(ledger: &Path) -> PathBuf {
    ledger
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("taizhang.log")
}

/// The `index`th rotated log beside a ledger.
pub fn rotated_log(ledger: &Path, index: usize) -> PathBuf {
    sidecar(&log_path(ledger), &format!(".{index}"))
}
