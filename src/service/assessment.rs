//! The departments' 考核 of a plan's year, for the command and the window: the plan chosen
//! for the year, its day loaded as every page loads it, the counts, and the table written as
//! an XLSX through the guarded writer.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{ActionError, DayState};
use crate::assessment::{Assessment, assess};
use crate::files::{Existing, Protected};
use crate::store::{Ledger, StoreError};

/// The plan a year's 考核 is of: `plan` when given (it must be of that year), else the year's
/// only plan, or the current one among several. Closed plans count: a past year is assessed
/// after it ended.
pub fn plan_of_year(ledger: &Ledger, year: i32, plan: Option<i64>) -> Result<i64, ActionError> {
    let plans = ledger.plans()?;
    let list = || super::plan::plans_text(&plans);
    if let Some(id) = plan {
        let Some(found) = plans.iter().find(|p| p.id == id) else {
            return Err(ActionError::NoSuchPlan { id, plans: list() });
        };
        if found.year != year {
            return Err(StoreError::Invalid(format!(
                "计划“{}”是{}年的计划，不是{year}年的。",
                found.label(),
                found.year
            ))
            .into());
        }
        return Ok(id);
    }
    let of_year: Vec<_> = plans.iter().filter(|p| p.year == year).collect();
    match of_year.as_slice() {
        [] => Err(StoreError::Invalid(format!(
            "台账中没有{year}年的计划，无法考核。台账中的计划：{}",
            list()
        ))
        .into()),
        [only] => Ok(only.id),
        several => several
            .iter()
            .find(|p| p.is_current)
            .map(|p| p.id)
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "{year}年有几个计划：{}。请用 --plan 编号 指定其中一个。",
                    super::plan::plans_text(several.iter().copied())
                ))
                .into()
            }),
    }
}

/// The 考核 of the plan `plan_id` as of `today`.
pub fn assessment_of_plan(
    ledger: &Ledger,
    plan_id: i64,
    today: NaiveDate,
) -> Result<Assessment, ActionError> {
    let holidays = crate::holidays::HolidayCalendar::bundled()
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let day = DayState::load_plan(ledger, plan_id, today, &holidays)?;
    Ok(assessment_of_day(&day))
}

/// The 考核 of a day already loaded (the window's).
pub fn assessment_of_day(day: &DayState) -> Assessment {
    Assessment {
        year: day.plan.year,
        plan_id: day.plan.id,
        plan_label: day.plan.label(),
        as_of: day.today,
        departments: assess(
            &day.departments,
            &day.statuses,
            &day.deadlines,
            &day.send_backs,
            day.plan.id,
        ),
    }
}

/// Writes the table as an `.xlsx` at `path` (never over the ledger, its backups or a device);
/// the path written.
pub fn write_assessment(
    assessment: &Assessment,
    path: &Path,
    protected: &Protected,
    existing: Existing,
) -> Result<PathBuf, ActionError> {
    let bytes = crate::assessment::write_xlsx(assessment)
        .map_err(|e| crate::files::FileError::io(path, "生成", std::io::Error::other(e)))?;
    Ok(crate::files::write_file(path, &bytes, protected, existing)?)
}
