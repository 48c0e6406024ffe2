//! Who to chase for a month, and the message to send them.

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

/// Beyond this many rows, a department that sent nothing is told the count, not the list.
const LISTED_ROWS: usize = 6;

/// The message to send: `XX局：请于X月X日前报送X月份《重点工作进展》，尚缺：……`.
/// `rows_expected` tells a department that sent nothing from one that sent part.
pub fn chase_message(
    department: &str,
    deadline: NaiveDate,
    month: u32,
    missing_rows: &[ExpectedRow],
    rows_expected: usize,
) -> String {
    let missing = if missing_rows.len() == rows_expected && rows_expected > LISTED_ROWS {
        format!("全部{rows_expected}项")
    } else {
        missing_rows
            .iter()
            .map(|row| format!("{} {}", row.code, row.text))
            .collect::<Vec<_>>()
            .join("；")
    };
    format!(
        "{department}：请于{}月{}日前报送{month}月份《重点工作进展》，尚缺：{missing}。",
        deadline.month(),
        deadline.day(),
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
                d.rows_expected,
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
        let deadline = NaiveDate::from_ymd_opt(2019, 8, 6).unwrap();
        let message = chase_message("县农业农村局", deadline, 7, &rows, 6);
        assert_eq!(
            message,
            "县农业农村局：请于8月6日前报送7月份《重点工作进展》，尚缺：1.8 化肥农药使用量零增长情况；1.9 废弃农膜回收利用情况。"
        );
        // A department that sent nothing of many rows is told the count.
        let many: Vec<ExpectedRow> = (0..23).map(|_| rows[0].clone()).collect();
        let message = chase_message("融水生态环境局", deadline, 7, &many, 23);
        assert!(message.ends_with("尚缺：全部23项。"), "{message}");
    }
}
