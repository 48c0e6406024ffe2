//! The 督察台账: what the inspection team is shown, task by task, as a folder to copy to a USB
//! stick and print. One folder per task (`1.1 完成农用地土壤污染状况详查/`) holding the original
//! files of its departments' returns exactly as received (e-mails as `.eml`, which carry their
//! attachments, and each attachment beside it), named by month and department; every month's
//! answer of each department as text (`报送内容.txt`); the chase and 退回 record
//! (`催报和退回记录.txt`). At the top the index (`索引.xlsx`, `索引.pdf`): task, month,
//! department, received on, state, what they said, file.
//!
//! Plain logic on plain data: [`layout`] says what goes where (an original by its id, to be read
//! when it is written); `index.rs` writes the index. The service writes the files.

mod index;

use std::path::PathBuf;

use chrono::NaiveDate;

pub use index::{index_pdf, index_xlsx};

use crate::model::{Department, Plan, Task, format_date_cn};
use crate::returns::{Obligation, PeriodStatus, ReturnRecord, RowKey};
use crate::schedule::{Period, ReturnState};
use crate::store::{ChaseSend, ReturnFile, SendBack};

/// The longest task folder name, in characters (the path stays well under Windows' 260).
const FOLDER_NAME_LIMIT: usize = 60;
/// The longest file name, in characters.
const FILE_NAME_LIMIT: usize = 120;

/// What a file of the binder holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Content {
    /// Text written as UTF-8 with a byte-order mark (Notepad and WPS read it as Chinese).
    Text(String),
    /// An original file of the ledger, by id, written byte for byte.
    Original { source_file_id: i64, size: u64 },
}

/// One file of the binder, at a path relative to its folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinderFile {
    pub path: PathBuf,
    pub content: Content,
}

/// One line of the index.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexRow {
    /// The task's code and full title, as the plan gives it.
    pub task: String,
    /// The task's folder, as written (a safe name; the full name is `task`).
    pub folder: String,
    pub month: String,
    pub department: String,
    pub received_on: String,
    pub state: String,
    /// What the department said that month, row by row, as written.
    pub said: String,
    /// The originals, relative to the binder's folder.
    pub files: Vec<String>,
}

/// The whole binder, before anything is written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binder {
    pub title: String,
    pub plan_title: String,
    pub made_on: NaiveDate,
    pub files: Vec<BinderFile>,
    pub index: Vec<IndexRow>,
    pub tasks: usize,
    /// Returns received under the plan.
    pub returns_received: usize,
}

/// Everything the binder is made from.
pub struct BinderInputs<'a> {
    pub plan: &'a Plan,
    pub departments: &'a [Department],
    pub obligations: &'a [Obligation],
    pub returns: &'a [ReturnRecord],
    pub statuses: &'a [PeriodStatus],
    pub files: &'a [ReturnFile],
    pub chases: &'a [ChaseSend],
    pub send_backs: &'a [SendBack],
    pub today: NaiveDate,
}

/// A task's folder name: its code and title made safe for Windows and cut to a length every
/// path can hold.
pub fn folder_name(task: &Task) -> String {
    crate::files::safe_file_name_within(&format!("{} {}", task.code, task.title), FOLDER_NAME_LIMIT)
}

/// The name an original gets in a task's folder: `2019-07 县农业农村局 原名.xlsx`; an e-mail
/// keeps its `.eml` or Outlook's `.msg`, and gets `.eml` when it has neither.
fn original_name(period: Period, department: &str, file: &ReturnFile) -> String {
    let mut name = format!("{period} {department} {}", file.name);
    let lower = file.name.to_lowercase();
    if file.kind == "email" && !lower.ends_with(".eml") && !lower.ends_with(".msg") {
        name.push_str(".eml");
    }
    crate::files::safe_file_name_within(&name, FILE_NAME_LIMIT)
}

/// `name`, or `name（2）.ext` … when the folder has it already.
fn unique(taken: &mut Vec<String>, name: String) -> String {
    let lower = |n: &str| n.to_lowercase();
    if !taken.iter().any(|t| lower(t) == lower(&name)) {
        taken.push(name.clone());
        return name;
    }
    let (stem, extension) = match name.rfind('.') {
        Some(dot) if dot > 0 => (&name[..dot], &name[dot..]),
        _ => (name.as_str(), ""),
    };
    let mut n = 2;
    loop {
        let candidate = format!("{stem}（{n}）{extension}");
        if !taken.iter().any(|t| lower(t) == lower(&candidate)) {
            taken.push(candidate.clone());
            return candidate;
        }
        n += 1;
    }
}

/// What a department said in a month, row by row, as written.
fn said(record: Option<&ReturnRecord>, owed: &[crate::returns::ExpectedRow]) -> String {
    let Some(record) = record else {
        return String::new();
    };
    let mut lines = Vec::new();
    for row in owed {
        if let Some(written) = record.row(row.key) {
            let mut line = format!("{}：{}", row.label(), written.progress);
            if !written.remark.trim().is_empty() {
                line.push_str(&format!("（备注：{}）", written.remark));
            }
            if !written.progress.trim().is_empty() || !written.remark.trim().is_empty() {
                lines.push(line);
            }
        }
    }
    lines.join("\n")
}

/// The departments a task's folder holds: its leads, and any department that reports on the
/// task by its own row. In the ledger's order.
fn task_departments<'a>(
    task: &Task,
    departments: &'a [Department],
    returns: &[ReturnRecord],
) -> Vec<&'a Department> {
    departments
        .iter()
        .filter(|d| {
            task.leads.iter().any(|l| l.department_id == d.id)
                || returns.iter().any(|r| {
                    r.department_id == d.id
                        && r.row(RowKey::Task(task.id))
                            .is_some_and(|row| !row.progress.trim().is_empty())
                })
        })
        .collect()
}

/// Says what goes where.
pub fn layout(inputs: &BinderInputs<'_>) -> Binder {
    let plan = inputs.plan;
    let months: Vec<Period> = crate::schedule::plan_periods(plan);
    let mut files = Vec::new();
    let mut index = Vec::new();
    let mut folders: Vec<String> = Vec::new();
    for task in plan.tasks() {
        let folder = unique(&mut folders, folder_name(task));
        let departments = task_departments(task, inputs.departments, inputs.returns);
        let mut taken: Vec<String> =
            vec!["报送内容.txt".to_owned(), "催报和退回记录.txt".to_owned()];
        let mut text = format!("{} {}\n", task.code, task.title);
        if !task.leads.is_empty() {
            text.push_str(&format!(
                "牵头单位：{}\n",
                task.leads
                    .iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            ));
        }
        let mut any_received = false;
        for period in &months {
            let Some(status) = inputs.statuses.iter().find(|s| s.period == *period) else {
                continue;
            };
            for department in &departments {
                let Some(state) = status
                    .departments
                    .iter()
                    .find(|d| d.department_id == department.id)
                else {
                    continue;
                };
                let record = inputs
                    .returns
                    .iter()
                    .find(|r| r.department_id == department.id && r.period == *period);
                let received = record.is_some_and(|r| r.received_on.is_some());
                if !received
                    && matches!(state.state, ReturnState::NotRequired | ReturnState::NotDue)
                {
                    continue;
                }
                let owed = inputs
                    .obligations
                    .iter()
                    .find(|o| o.department_id == department.id)
                    .map(|o| o.rows_in(*period))
                    .unwrap_or_default();
                let words = said(record, &owed);
                let mut originals = Vec::new();
                for file in inputs
                    .files
                    .iter()
                    .filter(|f| f.department_id == department.id && f.period == *period)
                {
                    let name = unique(
                        &mut taken,
                        original_name(
                            *period,
                            &crate::files::safe_file_name(&department.name),
                            file,
                        ),
                    );
                    files.push(BinderFile {
                        path: PathBuf::from(&folder).join(&name),
                        content: Content::Original {
                            source_file_id: file.source_file_id,
                            size: file.size,
                        },
                    });
                    originals.push(format!("{folder}/{name}"));
                }
                let received_on = state.received_on.map(format_date_cn).unwrap_or_default();
                text.push_str(&format!(
                    "\n{} {}（{}）\n",
                    period.label(),
                    department.name,
                    if received_on.is_empty() {
                        state.label()
                    } else {
                        format!("{received_on}收到，{}", state.label())
                    }
                ));
                if received {
                    any_received = true;
                    text.push_str(if words.is_empty() {
                        "（报送中没有填写内容）"
                    } else {
                        &words
                    });
                    text.push('\n');
                }
                index.push(IndexRow {
                    task: format!("{} {}", task.code, task.title),
                    folder: folder.clone(),
                    month: period.label(),
                    department: department.name.clone(),
                    received_on,
                    state: state.label(),
                    said: words,
                    files: originals,
                });
            }
        }
        if !any_received {
            text.push_str("\n本年度尚无该任务责任单位的报送。\n");
        }
        files.push(BinderFile {
            path: PathBuf::from(&folder).join("报送内容.txt"),
            content: Content::Text(text),
        });
        files.push(BinderFile {
            path: PathBuf::from(&folder).join("催报和退回记录.txt"),
            content: Content::Text(record_text(inputs, &departments)),
        });
    }
    Binder {
        title: format!("{}年度重点工作督察台账", plan.year),
        plan_title: plan.title.clone(),
        made_on: inputs.today,
        files,
        index,
        tasks: folders.len(),
        returns_received: inputs
            .returns
            .iter()
            .filter(|r| r.received_on.is_some())
            .count(),
    }
}

/// Every chase and sending back of the task's departments under the plan, oldest first.
fn record_text(inputs: &BinderInputs<'_>, departments: &[&Department]) -> String {
    let name_of = |id: i64| {
        departments
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.name.as_str())
    };
    let mut lines: Vec<(String, String)> = Vec::new();
    for chase in inputs.chases {
        if let Some(name) = name_of(chase.department_id) {
            let period =
                Period::parse(&chase.period).map_or_else(|| chase.period.clone(), |p| p.label());
            lines.push((
                chase.sent_at.clone(),
                format!(
                    "{}  催报  {name}  {period}  {}（{}）\n{}\n",
                    chase.sent_at,
                    chase.subject,
                    match chase.outcome.code() {
                        "sent" => "已发送",
                        "failed" => "未能发送",
                        _ => "结果不明",
                    },
                    chase.message
                ),
            ));
        }
    }
    for send_back in inputs.send_backs {
        if let Some(name) = name_of(send_back.department_id) {
            lines.push((
                send_back.sent_at.clone(),
                format!(
                    "{}  退回  {name}  {}  {}\n退回原因：{}\n{}\n",
                    send_back.sent_at,
                    send_back.period.label(),
                    send_back.outcome.words(),
                    send_back.reason,
                    send_back.message
                ),
            ));
        }
    }
    lines.sort();
    if lines.is_empty() {
        return "本年度没有对该任务责任单位的催报或退回记录。\n".to_owned();
    }
    lines
        .into_iter()
        .map(|(_, text)| text)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The bytes of a text file of the binder.
pub fn text_bytes(text: &str) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(text.len() + 3);
    bytes.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
    bytes.extend_from_slice(text.replace('\n', "\r\n").as_bytes());
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_keeps_its_kind_of_file() {
        let file = |name: &str, kind: &str| ReturnFile {
            department_id: 1,
            period: Period {
                year: 2019,
                month: 7,
            },
            source_file_id: 1,
            name: name.to_owned(),
            kind: kind.to_owned(),
            size: 1,
            added_at: String::new(),
        };
        let july = Period {
            year: 2019,
            month: 7,
        };
        assert_eq!(
            original_name(july, "县林业局", &file("进展.msg", "email")),
            "2019-07 县林业局 进展.msg"
        );
        assert_eq!(
            original_name(july, "县林业局", &file("进展.EML", "email")),
            "2019-07 县林业局 进展.EML"
        );
        assert_eq!(
            original_name(july, "县林业局", &file("UID 12", "email")),
            "2019-07 县林业局 UID 12.eml"
        );
        assert_eq!(
            original_name(july, "县林/业局", &file("表:7月.xlsx", "return")),
            "2019-07 县林_业局 表_7月.xlsx"
        );
    }

    #[test]
    fn names_stay_unique_without_regard_to_case() {
        let mut taken = Vec::new();
        assert_eq!(unique(&mut taken, "a.eml".to_owned()), "a.eml");
        assert_eq!(unique(&mut taken, "A.eml".to_owned()), "A（2）.eml");
        assert_eq!(unique(&mut taken, "a.eml".to_owned()), "a（3）.eml");
    }
}
