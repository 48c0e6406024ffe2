use chrono::{Datelike as _, NaiveDate};

use super::{ExpectedRow, PeriodStatus};
use crate::schedule::{ReturnState, chase_deadline};

/// A department to chase for a period, with its ready message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChaseEntry {
    pub department_id: i64,
    pub department: String,
    pub state: ReturnState,
    pub missing_rows: Vec<ExpectedRow>,
    pub message: String,
}

/// The message to send: `XX局：请于X月X日前报送X月份《重点工作进展》，尚缺：……`.
pub fn chase_message(
    department: &str,
    deadline: NaiveDate,
    month: u32,
    missing_rows: &[ExpectedRow],
) -> String {
    let rows: Vec<String> = missing_rows
        .iter()
        .map(|row| format!("{} {}", row.code, row.text))
        .collect();
    format!(
        "{department}：请于{}月{}日前报送{month}月份《重点工作进展》，尚缺：{}。",
        deadline.month(),
        deadline.day(),
        rows.join("；")
    )
}

/// Every department still missing (whether or not the due day has passed) or incomplete for
/// the period, in department order.
pub fn chase_entries(status: &PeriodStatus, today: NaiveDate) -> Vec<ChaseEntry> {
    let deadline = chase_deadline(status.due, today);
    status
        .departments
        .iter()
        .filter(|d| {
            matches!(d.state, ReturnState::Missing | ReturnState::NotDue) || d.is_incomplete()
        })
        .map(|d| ChaseEntry {
            department_id: d.department_id,
            department: d.department.clone(),
            state: d.state,
            missing_rows: d.missing_rows.clone(),
            message: chase_message(
                &d.department,
                deadline,
                status.period.month,
                &d.missing_rows,
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;
    use crate::returns::RowKey;

    #[test]
    fn the_message_names_the_department_the_date_the_month_and_the_missing_rows() {
        let rows = [
            ExpectedRow {
                key: RowKey::FormRow(8),
                code: "1.8".to_owned(),
                text: "化肥农药使用量零增长情况".to_owned(),
                quarterly: false,
            },
            ExpectedRow {
                key: RowKey::FormRow(9),
                code: "1.9".to_owned(),
                text: "废弃农膜回收利用情况".to_owned(),
                quarterly: false,
            },
        ];
        let message = chase_message(
            "县农业农村局",
            NaiveDate::from_ymd_opt(2019, 8, 6).unwrap(),
            7,
            &rows,
        );
        assert_eq!(
            message,
            "县农业农村局：请于8月6日前报送7月份《重点工作进展》，尚缺：1.8 化肥农药使用量零增长情况；1.9 废弃农膜回收利用情况。"
        );
    }
}
