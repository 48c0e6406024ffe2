//! The calendar as an `.ics` file, for the phone's calendar.

use std::path::{Path, PathBuf};

use super::ActionError;
use crate::deadlines::Deadline;
use crate::files::{Existing, Protected};
use crate::holidays::HolidayCalendar;

/// Writes every deadline into `exports/台账日程.ics` beside the ledger; returns its path.
pub fn write_ics(
    ledger_path: &Path,
    deadlines: &[Deadline],
    calendar: &HolidayCalendar,
) -> Result<PathBuf, ActionError> {
    let dir = super::system::exports_dir(ledger_path);
    crate::files::ensure_folder(&dir)?;
    write_ics_to(
        &dir.join("台账日程.ics"),
        deadlines,
        calendar,
        &Protected::for_ledger(ledger_path),
    )
}

/// Writes the deadlines, each with its reminder the working day before, to `path` (replacing
/// a calendar file there, never a protected one).
pub fn write_ics_to(
    path: &Path,
    deadlines: &[Deadline],
    calendar: &HolidayCalendar,
    protected: &Protected,
) -> Result<PathBuf, ActionError> {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
    let ics = crate::deadlines::to_ics(deadlines, &stamp, calendar);
    Ok(crate::files::write_file(
        path,
        ics.as_bytes(),
        protected,
        Existing::Replace,
    )?)
}
