//! Each department's return state for a month: not due, missing, on time, late.

use chrono::NaiveDate;

use super::{ExpectedRow, Obligation, ReturnRecord, RowStatus};
use crate::model::{Department, Plan};
use crate::schedule::{DueRule, Period, ReturnState, return_state};

/// One department's return for one period, as the pages and `status --json` show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepartmentStatus {
    pub department_id: i64,
    pub department: String,
    pub state: ReturnState,
    pub received_on: Option<NaiveDate>,
    /// When the return was sent back (退回), while the state is [`ReturnState::Returned`].
    pub sent_back_at: Option<String>,
    pub rows_expected: usize,
    pub rows_filled: usize,
    /// Expected rows with no answer yet, in form order.
    pub missing_rows: Vec<ExpectedRow>,
    /// Every row the department owes is answered (progress or 无此项任务).
    pub complete: bool,
}

impl DepartmentStatus {
    /// Received, but some rows are still unanswered.
    pub fn is_incomplete(&self) -> bool {
        self.state.is_received() && !self.complete
    }

    /// Received on time and complete: what the on-time rate counts.
    pub fn is_on_time_and_complete(&self) -> bool {
        self.state == ReturnState::OnTime && self.complete
    }

    /// The state as the pages show it: `按时·齐全`, `按时·部分 3/6`, `逾期补报·部分 3/6`,
    /// `已退回（2019-08-06）`, or the state alone where nothing was received.
    pub fn label(&self) -> String {
        if self.state == ReturnState::Returned {
            return match self.sent_back_at.as_deref().and_then(|at| at.get(..10)) {
                Some(day) => format!("已退回（{day}）"),
                None => self.state.label().to_owned(),
            };
        }
        if !self.state.is_received() {
            return self.state.label().to_owned();
        }
        let when = match self.state {
            ReturnState::OnTime => "按时",
            _ => "逾期补报",
        };
        if self.complete {
            format!("{when}·齐全")
        } else {
            format!("{when}·部分 {}/{}", self.rows_filled, self.rows_expected)
        }
    }

    /// The state in two characters, for the overview's grid: 按时, 逾期, 部分, 未报, 未到.
    pub fn short_label(&self) -> &'static str {
        match self.state {
            _ if self.is_incomplete() => "部分",
            ReturnState::OnTime => "按时",
            ReturnState::Late => "逾期",
            ReturnState::Returned => "退回",
            ReturnState::Missing => "未报",
            ReturnState::NotDue => "未到",
            ReturnState::NotRequired => "—",
        }
    }
}

/// A department's on-time rate over the months already due, and how many of its returns were
/// received but not complete: a return counts as on time only when it is complete and was
/// received by the due day. `None` when nothing was due yet.
pub fn on_time_rate<'a>(
    statuses: impl IntoIterator<Item = &'a DepartmentStatus>,
) -> Option<(f32, usize)> {
    let (mut due, mut on_time, mut partial) = (0, 0, 0);
    for status in statuses {
        if matches!(
            status.state,
            ReturnState::OnTime | ReturnState::Late | ReturnState::Missing | ReturnState::Returned
        ) {
            due += 1;
        }
        if status.is_on_time_and_complete() {
            on_time += 1;
        }
        if status.is_incomplete() {
            partial += 1;
        }
    }
    (due > 0).then(|| (on_time as f32 / due as f32, partial))
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
    let in_plan = crate::schedule::plan_periods(plan).contains(&period);
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
            let expected: Vec<ExpectedRow> =
                obligation.map_or_else(Vec::new, |o| o.rows_in(period));
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
            let required = in_plan && !expected.is_empty();
            let sent_back_at = record
                .and_then(|r| r.sent_back_at.clone())
                .filter(|_| required && received_on.is_some());
            DepartmentStatus {
                department_id: department.id,
                department: department.name.clone(),
                state: if sent_back_at.is_some() {
                    ReturnState::Returned
                } else {
                    return_state(required, due, received_on, today)
                },
                received_on,
                sent_back_at,
                rows_expected: expected.len(),
                rows_filled: expected.len() - missing_rows.len(),
                complete: missing_rows.is_empty(),
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
