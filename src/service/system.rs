//! Handing a file to the system: opening it with its associated program, and writing an
//! archived original out so that it can be opened.

use std::path::{Path, PathBuf};

use crate::files::{Existing, Protected};
use crate::store::Ledger;

/// Opens a file with the system's default program (Windows: its associated app).
pub fn open_with_system(path: &Path) -> std::io::Result<()> {
    #[cfg(windows)]
    let mut command = {
        let mut command = std::process::Command::new("cmd");
        command.args(["/C", "start", ""]).arg(path);
        command
    };
    #[cfg(not(windows))]
    let mut command = {
        let mut command = std::process::Command::new("xdg-open");
        command.arg(path);
        command
    };
    command.spawn().map(|_| ())
}

/// Writes an archived original file into `exports/原始文件/` beside the ledger and returns its
/// path.
pub fn write_source_file(ledger: &Ledger, file_id: i64) -> Result<PathBuf, super::ActionError> {
    let (name, bytes) = ledger.source_file(file_id)?;
    let dir = exports_dir(ledger.path()).join("原始文件");
    crate::files::ensure_folder(&dir)?;
    let safe = crate::returns::template::safe_file_name(&name);
    let path = dir.join(format!("{file_id}-{safe}"));
    Ok(crate::files::write_file(
        &path,
        &bytes,
        &Protected::for_ledger(ledger.path()),
        Existing::Replace,
    )?)
}

/// Writes an e-mail's attachment into `exports/邮件附件/` beside the ledger and returns its
/// path, so that a file to be entered by hand (an old `.doc`, a PDF) can be opened.
pub fn write_attachment(
    ledger_path: &Path,
    message_id: i64,
    name: &str,
    bytes: &[u8],
) -> Result<PathBuf, super::ActionError> {
    let dir = exports_dir(ledger_path).join("邮件附件");
    crate::files::ensure_folder(&dir)?;
    let safe = crate::returns::template::safe_file_name(name);
    let path = dir.join(format!("{message_id}-{safe}"));
    Ok(crate::files::write_file(
        &path,
        bytes,
        &Protected::for_ledger(ledger_path),
        Existing::Replace,
    )?)
}

/// `exports/` beside the ledger, where the window writes what it makes.
pub fn exports_dir(ledger_path: &Path) -> PathBuf {
    ledger_path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join("exports")
}
