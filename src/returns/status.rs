//! Each department's return state for a month: not due, missing, on time, late.

use chrono::NaiveDate;

use super::{ExpectedRow, Obligation, ReturnRecord, RowStatus};
use crate::model::{Department, Plan};
use crate::schedule::{DueRule, Period, ReturnState, reporting_periods, return_state};

/// One department's return for one period, as the pages and `status --json` show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepartmentStatus {
    pub department_id: i64,
    pub department: String,
    pub state: ReturnState,
    pub received_on: Option<NaiveDate>,
    pub rows_expected: usize,
    pub rows_filled: usize,
    /// Expected rows with no answer yet, in form order.
    pub missing_rows: Vec<ExpectedRow>,
}

impl DepartmentStatus {
    /// Received, but some rows are still unanswered.
    pub fn is_incomplete(&self) -> bool {
        self.state.is_received() && self.rows_filled < self.rows_expected
    }
}

/// Every department's return for one period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodStatus {
    pub period: Period,
    pub due: NaiveDate,
    pub departments: Vec<DepartmentStatus>,
}

/// The states of all departments for `period`. `returns` may hold any periods; only those of
/// `period` are used. Departments that owe nothing are listed as not required.
pub fn period_status(
    plan: &Plan,
    departments: &[Department],
    obligations: &[Obligation],
    returns: &[ReturnRecord],
    period: Period,
    today: NaiveDate,
    rule: &DueRule<'_>,
) -> PeriodStatus {
    let (_, due) = rule.due(period);
    let in_plan = reporting_periods(plan.year, plan.issued_on).contains(&period);
    let departments = departments
        .iter()
        .map(|department| {
            let obligation = obligations
                .iter()
                .find(|o| o.department_id == department.id);
            let record = returns
                .iter()
                .find(|r| r.department_id == department.id && r.period == period);
            let received_on = record.and_then(|r| r.received_on);
            let expected: &[ExpectedRow] = obligation.map_or(&[], |o| o.rows.as_slice());
            let missing_rows: Vec<ExpectedRow> = expected
                .iter()
                .filter(|row| {
                    let text = record
                        .and_then(|r| r.row(row.key))
                        .map_or("", |r| r.progress.as_str());
                    !RowStatus::of(text).is_filled()
                })
                .cloned()
                .collect();
            DepartmentStatus {
                department_id: department.id,
                department: department.name.clone(),
                state: return_state(in_plan && obligation.is_some(), due, received_on, today),
                received_on,
                rows_expected: expected.len(),
                rows_filled: expected.len() - missing_rows.len(),
                missing_rows,
            }
        })
        .collect();
    PeriodStatus {
        period,
        due,
        departments,
    }
}

/// Every department's state in each month of the plan's year, January first (the overview
/// grid, the calendar's due dates and the checklist's strip read these).
pub fn year_statuses(
    plan: &Plan,
    departments: &[Department],
    obligations: &[Obligation],
    returns: &[ReturnRecord],
    today: NaiveDate,
    rule: &DueRule<'_>,
) -> Vec<PeriodStatus> {
    Period::months_of(plan.year)
        .map(|period| period_status(plan, departments, obligations, returns, period, today, rule))
        .collect()
}
