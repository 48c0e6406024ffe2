//! The calendar as an `.ics` file, for the phone's calendar.

use std::path::{Path, PathBuf};

use super::ActionError;
use crate::files::{Existing, Protected};

/// Writes every deadline into `exports/台账日程.ics` beside the ledger; returns its path.
pub fn write_ics(
    ledger_path: &Path,
    deadlines: &[crate::deadlines::Deadline],
) -> Result<PathBuf, ActionError> {
    let dir = super::system::exports_dir(ledger_path);
    crate::files::ensure_folder(&dir)?;
    let path = dir.join("台账日程.ics");
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let ics = crate::deadlines::to_ics(deadlines, &stamp);
    Ok(crate::files::write_file(
        &path,
        ics.as_bytes(),
        &Protected::for_ledger(ledger_path),
        Existing::Replace,
    )?)
}
