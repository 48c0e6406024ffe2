//! Monthly returns: who owes which rows, how a row's text reads (progress, not applicable,
//! empty), the state of each department's return, e-mail bodies split into rows, and chase
//! messages. No egui and no SQL here.

mod chase;
pub(crate) mod email;
mod send_back;
pub mod spreadsheet;
mod status;
pub mod template;

pub use chase::{
    ChaseContext, ChaseDates, ChaseEntry, chase_entries, chase_message, chase_subject,
};
pub use email::{EmailSplit, split_email, split_email_body};
pub use send_back::{
    REASON_LIMIT, RowInQuestion, clean_reason, returned_chase_message, returned_chase_subject,
    send_back_message, send_back_subject,
};
pub use status::{DepartmentStatus, PeriodStatus, on_time_rate, period_status, year_statuses};

use chrono::NaiveDate;

use crate::model::Plan;

/// How a row's progress text reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RowStatus {
    /// 有进展
    Progress,
    /// 无此项任务 (also 无, 无此项, 无该项任务 … as people type it)
    NotApplicable,
    /// 未填
    Empty,
}

impl RowStatus {
    /// Reads a progress text.
    pub fn of(progress: &str) -> Self {
        let trimmed: String = progress
            .chars()
            .filter(|c| {
                !c.is_whitespace()
                    && !matches!(c, '。' | '.' | '，' | ',' | '；' | ';' | '！' | '!')
            })
            .collect();
        if trimmed.is_empty() {
            return Self::Empty;
        }
        const NOT_APPLICABLE: [&str; 10] = [
            "无",
            "无此项",
            "无此项任务",
            "无该项任务",
            "无该项",
            "无此任务",
            "无该任务",
            "本单位无此项任务",
            "我单位无此项任务",
            "无相关任务",
        ];
        if NOT_APPLICABLE.contains(&trimmed.as_str()) || trimmed == "/" || trimmed == "—" {
            Self::NotApplicable
        } else {
            Self::Progress
        }
    }

    /// The UI word.
    pub fn label(self) -> &'static str {
        match self {
            Self::Progress => "有进展",
            Self::NotApplicable => "无此项任务",
            Self::Empty => "未填",
        }
    }

    /// The code used in JSON.
    pub fn code(self) -> &'static str {
        match self {
            Self::Progress => "progress",
            Self::NotApplicable => "not_applicable",
            Self::Empty => "empty",
        }
    }

    /// Whether the row counts as answered.
    pub fn is_filled(self) -> bool {
        self != Self::Empty
    }
}

/// Where a return's text came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReturnSource {
    /// 邮件正文
    Email,
    /// 表格导入
    Spreadsheet,
    /// 电话
    Phone,
    /// 手工修改
    Manual,
}

impl ReturnSource {
    pub const ALL: [Self; 4] = [Self::Email, Self::Spreadsheet, Self::Phone, Self::Manual];

    /// The UI word.
    pub fn label(self) -> &'static str {
        match self {
            Self::Email => "邮件正文",
            Self::Spreadsheet => "表格导入",
            Self::Phone => "电话",
            Self::Manual => "手工修改",
        }
    }

    /// The value stored in the ledger.
    pub fn code(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Spreadsheet => "spreadsheet",
            Self::Phone => "phone",
            Self::Manual => "manual",
        }
    }

    /// Reads a stored value; unknown values count as manual edits.
    pub fn from_code(code: &str) -> Self {
        match code {
            "email" => Self::Email,
            "spreadsheet" => Self::Spreadsheet,
            "phone" => Self::Phone,
            _ => Self::Manual,
        }
    }
}

/// Which row of a return: a form row, or (for a department without form rows) a task it leads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RowKey {
    FormRow(i64),
    Task(i64),
}

/// A row a department owes each month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedRow {
    pub key: RowKey,
    /// Form row code (`1.8`) or task code (`3.3`).
    pub code: String,
    pub text: String,
    /// A 试点示范 row: detailed each quarter, brief otherwise.
    pub quarterly: bool,
    /// The form's group the row stands under (`源头预防`), or `牵头任务` for a task: the
    /// form's numbers start again in each group.
    pub group: String,
    /// A task closed when the real plan did not continue it: owed only for the months before
    /// the one it was closed in.
    pub until: Option<crate::schedule::Period>,
}

impl ExpectedRow {
    /// Whether the row is owed for this month.
    pub fn owed_in(&self, period: crate::schedule::Period) -> bool {
        self.until.is_none_or(|until| period < until)
    }

    /// The row as the department's template, the city's form and the chase message show it:
    /// a form row by the number the form prints (`11．非正规垃圾堆放点排查整治情况`), a task by
    /// its code and title (`3.1.4 …`), so that one numbering is used everywhere.
    pub fn label(&self) -> String {
        match self.key {
            RowKey::FormRow(_) => format!(
                "{}．{}",
                self.code.rsplit('.').next().unwrap_or_default(),
                self.text
            ),
            RowKey::Task(_) => format!("{} {}", self.code, self.text),
        }
    }
}

/// What one department owes every month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Obligation {
    pub department_id: i64,
    pub department: String,
    /// The form rows mapped to the department; for a department that only leads tasks, the
    /// tasks it leads.
    pub rows: Vec<ExpectedRow>,
}

impl Obligation {
    /// The rows owed for a month (a closed task's only before it was closed).
    pub fn rows_in(&self, period: crate::schedule::Period) -> Vec<ExpectedRow> {
        self.rows
            .iter()
            .filter(|row| row.owed_in(period))
            .cloned()
            .collect()
    }
}

/// Every department that owes returns under a plan, in the ledger's department order:
/// those with form rows, and those that lead tasks (they report on their tasks).
pub fn obligations(plan: &Plan, departments: &[crate::model::Department]) -> Vec<Obligation> {
    departments
        .iter()
        .filter_map(|department| {
            let form_rows: Vec<ExpectedRow> = plan
                .form
                .groups
                .iter()
                .flat_map(|group| group.rows.iter().map(move |row| (group, row)))
                .filter(|(_, row)| row.departments.iter().any(|(id, _)| *id == department.id))
                .map(|(group, row)| ExpectedRow {
                    key: RowKey::FormRow(row.id),
                    code: row.code.clone(),
                    text: row.text.clone(),
                    quarterly: row.quarterly,
                    group: group.name.clone(),
                    until: None,
                })
                .collect();
            // A department on the form reports its form rows; one that is not reports the
            // tasks it leads; a merged one that did both before keeps both.
            let mut rows = form_rows;
            let by_tasks = rows.is_empty();
            if by_tasks || !department.extra_tasks.is_empty() {
                // Closed tasks too: they were owed for the months before they were closed.
                rows.extend(
                    plan.tasks()
                        .filter(|task| {
                            task.leads.iter().any(|d| d.department_id == department.id)
                                && (by_tasks || department.extra_tasks.contains(&task.id))
                        })
                        .map(|task| ExpectedRow {
                            key: RowKey::Task(task.id),
                            code: task.code.clone(),
                            text: task.title.clone(),
                            quarterly: false,
                            group: "牵头任务".to_owned(),
                            until: task.closed_on.map(crate::schedule::Period::of),
                        }),
                );
            }
            (!rows.is_empty()).then(|| Obligation {
                department_id: department.id,
                department: department.name.clone(),
                rows,
            })
        })
        .collect()
}

/// One department's return for one period, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnRecord {
    pub id: i64,
    pub department_id: i64,
    pub period: crate::schedule::Period,
    /// Set once the return has arrived.
    pub received_on: Option<NaiveDate>,
    pub source: ReturnSource,
    pub rows: Vec<ReturnRow>,
    /// The archived spreadsheet it was imported from: (file id, name).
    pub source_file: Option<(i64, String)>,
    /// When it was last sent back for correction (退回), until the corrected return arrives.
    pub sent_back_at: Option<String>,
}

impl ReturnRecord {
    /// The stored row for a key.
    pub fn row(&self, key: RowKey) -> Option<&ReturnRow> {
        self.rows.iter().find(|row| row.key == key)
    }
}

/// The current text of one row of a return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnRow {
    pub id: i64,
    pub key: RowKey,
    pub progress: String,
    pub remark: String,
    pub source: ReturnSource,
    pub updated_at: String,
    /// How many earlier values the history holds.
    pub history_len: usize,
}

/// An earlier value of a row, kept when it was overwritten.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryEntry {
    pub id: i64,
    pub progress: String,
    pub remark: String,
    pub source: ReturnSource,
    /// When this value was written.
    pub written_at: String,
    /// When it was replaced.
    pub replaced_at: String,
}

/// A row's new text as the user or an import gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowWrite {
    pub department_id: i64,
    pub period: crate::schedule::Period,
    pub key: RowKey,
    pub progress: String,
    pub remark: String,
    pub source: ReturnSource,
    /// The return's received date: a return not yet marked received is marked received on
    /// this day; `None` leaves the received date as it is.
    pub received_on: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_ways_people_write_not_applicable() {
        for text in [
            "无此项任务",
            "无",
            "无此项",
            "无该项任务",
            " 无此项任务。",
            "无。",
            "本单位无此项任务",
        ] {
            assert_eq!(RowStatus::of(text), RowStatus::NotApplicable, "{text}");
        }
        assert_eq!(RowStatus::of(""), RowStatus::Empty);
        assert_eq!(RowStatus::of(" \n "), RowStatus::Empty);
        assert_eq!(RowStatus::of("无人机巡查已完成3次"), RowStatus::Progress);
        assert_eq!(RowStatus::of("已完成详查成果集成"), RowStatus::Progress);
    }
}
