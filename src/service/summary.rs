//! The year's 工作总结, for the command and the window: the plan chosen for the year (as the 考核
//! chooses it), its day loaded as every page loads it, the indicators' last values and the
//! 考核, gathered into [`YearSummary`] and written as a `.docx` through the guarded writer.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{ActionError, DayState};
use crate::files::{Existing, Protected};
use crate::report::IndicatorLine;
use crate::report::summary::{SummaryInputs, YearSummary, year_summary};
use crate::store::{Ledger, StoreError};

/// The summary of the plan `plan_id` as the ledger stands on `today`.
pub fn summary_of_plan(
    ledger: &Ledger,
    plan_id: i64,
    today: NaiveDate,
) -> Result<YearSummary, ActionError> {
    let holidays = crate::holidays::HolidayCalendar::bundled()
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let day = DayState::load_plan(ledger, plan_id, today, &holidays)?;
    let indicators = super::plan_indicators(ledger, plan_id)?
        .iter()
        .map(|state| {
            let value = state.latest();
            IndicatorLine {
                name: state.indicator.name.clone(),
                target: state.indicator.target_label(),
                value: value.map(|v| {
                    (
                        v.value,
                        state.indicator.unit.clone(),
                        v.period,
                        v.source.clone(),
                    )
                }),
                met: value.map(|v| state.indicator.is_met(v.value)),
            }
        })
        .collect();
    let record = super::assessment_of_day(&day).departments;
    Ok(year_summary(SummaryInputs {
        plan: &day.plan,
        departments: &day.departments,
        returns: &day.returns,
        deadlines: &day.deadlines,
        indicators,
        record,
        unit: day.settings.unit.clone(),
        made_on: today,
    }))
}

/// Writes the summary as a `.docx` at `path` (never over the ledger, its backups or a
/// device); the path written.
pub fn write_summary(
    summary: &YearSummary,
    path: &Path,
    protected: &Protected,
    existing: Existing,
) -> Result<PathBuf, ActionError> {
    let bytes = crate::report::docx::docx_bytes(
        &summary.title(),
        &crate::report::summary::paragraphs(summary),
    )
    .map_err(|e| crate::files::FileError::io(path, "生成", e))?;
    Ok(crate::files::write_file(path, &bytes, protected, existing)?)
}
