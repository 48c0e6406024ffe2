//! The month's 情况通报: built from the ledger for the plan that owns the month, and written
//! as a `.docx` through the guarded writer.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{ActionError, DayState, check_period};
use crate::files::{Existing, Protected};
use crate::report::MonthReport;
use crate::schedule::Period;
use crate::store::Ledger;

/// The month's report for the plan in focus, as the ledger stands on `today`.
pub fn month_report(
    ledger: &Ledger,
    period: Period,
    today: NaiveDate,
) -> Result<MonthReport, ActionError> {
    let holidays = crate::holidays::HolidayCalendar::bundled()
        .map_err(|e| crate::store::StoreError::Invalid(e.to_string()))?;
    let day = DayState::load(ledger, today, &holidays)?;
    check_period(&day.plan, period)?;
    let indicators = super::plan_indicators(ledger, day.plan.id)?;
    Ok(crate::report::month_report(
        &day,
        period,
        &indicators,
        today,
    ))
}

/// Writes the report as a `.docx` at `path` (replacing a file there, never the ledger or a
/// device); the path written.
pub fn write_report(
    report: &MonthReport,
    path: &Path,
    protected: &Protected,
    existing: Existing,
) -> Result<PathBuf, ActionError> {
    let bytes = crate::report::docx::report_docx(report)
        .map_err(|e| crate::files::FileError::io(path, "生成", e))?;
    Ok(crate::files::write_file(path, &bytes, protected, existing)?)
}
