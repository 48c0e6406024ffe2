//! Where the per-user default ledger lives.

use std::path::PathBuf;

/// The per-user default ledger: `%APPDATA%\Taizhang\ledger.sqlite` on Windows, the XDG data
/// directory (`~/.local/share/Taizhang/ledger.sqlite`) on Linux.
pub fn default_ledger_path() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("Taizhang")
        .join("ledger.sqlite")
}
