//! The monthly progress sheet: the city's form filled for one month from the departments'
//! returns, as edited by the coordinator, and its XLSX and PDF exports. No egui here.

mod pdf;
mod xlsx;

pub use pdf::{PdfOutput, TableDoc, table_pdf, write_pdf};
pub use xlsx::{cell_limit_warnings, write_xlsx};

/// Why an export failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("无法生成 Excel 文件，未写出任何文件；详细原因已记入日志 taizhang.log。")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("无法生成 PDF 文件，未写出任何文件；详细原因已记入日志 taizhang.log。")]
    Pdf(#[source] PdfError),
    #[error(transparent)]
    File(#[from] crate::files::FileError),
}

/// What the PDF writer said, kept for the log.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct PdfError(pub String);

use crate::model::{Plan, Settings};
use crate::returns::{ReturnRecord, RowKey, RowStatus};
use crate::schedule::Period;

/// The coordinator's saved text of one row for one period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetEdit {
    pub id: i64,
    pub period: Period,
    pub form_row_id: i64,
    pub progress: String,
    pub remark: String,
    /// The consolidated text the edit started from.
    pub based_on: String,
    pub updated_at: String,
    pub history_len: usize,
}

/// An earlier wording of a sheet row, kept when it was overwritten.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetHistoryEntry {
    pub progress: String,
    pub remark: String,
    pub written_at: String,
    pub replaced_at: String,
}

/// One row of the sheet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetRow {
    /// The form row; 0 for a task the form does not list.
    pub form_row_id: i64,
    /// A plan task the form does not list, reported on by the departments that lead it.
    pub task_id: Option<i64>,
    /// `1.8`
    pub code: String,
    /// The number printed in the form, `8`.
    pub number: String,
    pub text: String,
    pub units: Vec<String>,
    /// What the departments' returns consolidate to.
    pub consolidated: String,
    pub consolidated_remark: String,
    /// What the sheet says: the coordinator's edit, else the consolidation.
    pub progress: String,
    pub remark: String,
    /// The coordinator edited this row.
    pub edited: bool,
    /// Edited, and the returns have changed since: the edit may be out of date.
    pub stale: bool,
    /// Departments that answer for the row but have not answered.
    pub missing: Vec<String>,
    /// Departments whose text here is from a return sent back for correction (退回) and not
    /// corrected yet: the text stays, marked.
    pub returned: Vec<String>,
    pub edit: Option<SheetEdit>,
}

impl SheetRow {
    /// A key unique among the sheet's rows: the form row's id, or the task's id negated.
    pub fn key(&self) -> i64 {
        self.task_id.map_or(self.form_row_id, |id| -id)
    }
}

/// The group after the form's own, for tasks the form does not list.
pub const TASKS_GROUP: &str = "表中未列的牵头任务";

/// A group of rows under one `重点内容`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetGroup {
    pub name: String,
    pub rows: Vec<SheetRow>,
}

/// The month's sheet, ready to show or export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sheet {
    pub period: Period,
    pub label: String,
    pub title: String,
    pub columns: Vec<String>,
    /// (field, value): 填报单位, 填报人, 联系电话.
    pub header: Vec<(String, String)>,
    pub groups: Vec<SheetGroup>,
    pub notes: Vec<String>,
}

impl Sheet {
    /// `（2019年7月）`
    pub fn period_line(&self) -> String {
        format!("（{}）", self.period.label())
    }

    /// The header fields on one line (`填报单位：…`), joined by `gap`.
    pub fn header_line(&self, gap: &str) -> String {
        self.header
            .iter()
            .map(|(field, value)| format!("{field}：{value}"))
            .collect::<Vec<_>>()
            .join(gap)
    }

    /// All rows in order.
    pub fn rows(&self) -> impl Iterator<Item = &SheetRow> {
        self.groups.iter().flat_map(|g| g.rows.iter())
    }

    /// `重点工作进展-2019年7月`, the base of the exported files' names.
    pub fn file_stem(&self) -> String {
        let title = self.title.rsplit('》').next().unwrap_or("重点工作进展");
        let title = if title.is_empty() {
            "重点工作进展"
        } else {
            title
        };
        format!("{title}-{}", self.period.label())
    }
}

/// Writes the sheet's files where asked, through the guarded writer: neither may be the ledger
/// or a file beside it, the two may not be one file, and each is written under a temporary
/// name first so that a failed export never leaves half a file. Everything is checked before
/// anything is written. Returns what the user should check: rows whose edit may be out of
/// date, cells cut to Excel's limit, and characters the PDF font lacks.
pub fn export_files(
    sheet: &Sheet,
    xlsx: Option<&std::path::Path>,
    pdf: Option<&std::path::Path>,
    protected: &crate::files::Protected,
) -> Result<Vec<String>, ExportError> {
    use crate::files::{Existing, check_output, distinct_outputs, write_file};
    let outputs: Vec<&std::path::Path> = xlsx.iter().chain(pdf.iter()).copied().collect();
    distinct_outputs(&outputs)?;
    for path in &outputs {
        check_output(path, protected)?;
    }
    let mut warnings: Vec<String> = sheet
        .rows()
        .filter(|row| row.stale)
        .map(|row| {
            format!(
                "{}：部门报送已更新，本行是此前修改的文字，可能已过时",
                row.code
            )
        })
        .collect();
    warnings.extend(
        sheet
            .rows()
            .filter(|row| !row.returned.is_empty())
            .map(|row| {
                format!(
                    "{}：{}的报送已退回修改，尚未重报，本行仍是原报内容",
                    row.code,
                    row.returned.join("、")
                )
            }),
    );
    // Both files are made before either is written: a failure leaves neither half-done.
    let xlsx_bytes = xlsx.map(|_| write_xlsx(sheet)).transpose()?;
    let pdf_output = pdf.map(|_| write_pdf(sheet)).transpose()?;
    if let (Some(path), Some(bytes)) = (xlsx, &xlsx_bytes) {
        write_file(path, bytes, protected, Existing::Replace)?;
        warnings.extend(cell_limit_warnings(sheet));
    }
    if let (Some(path), Some(output)) = (pdf, pdf_output) {
        write_file(path, &output.bytes, protected, Existing::Replace)?;
        warnings.extend(output.warnings);
    }
    Ok(warnings)
}

/// Consolidates one form row from the returns: one department's text as is; several each
/// prefixed by its name; 无此项任务 only where every one said so.
fn consolidate_row(
    departments: &[(i64, String)],
    returns: &[ReturnRecord],
    key: RowKey,
) -> (String, String, Vec<String>) {
    let mut answers: Vec<(&str, RowStatus, &str, &str)> = Vec::new();
    let mut missing = Vec::new();
    for (department_id, name) in departments {
        let row = returns
            .iter()
            .find(|r| r.department_id == *department_id)
            .and_then(|r| r.row(key));
        let progress = row.map_or("", |r| r.progress.trim());
        let remark = row.map_or("", |r| r.remark.trim());
        let status = RowStatus::of(progress);
        if status == RowStatus::Empty {
            missing.push(name.clone());
        }
        answers.push((name.as_str(), status, progress, remark));
    }
    let answered: Vec<&(&str, RowStatus, &str, &str)> =
        answers.iter().filter(|a| a.1 != RowStatus::Empty).collect();
    let all_not_applicable = !answered.is_empty()
        && missing.is_empty()
        && answered.iter().all(|a| a.1 == RowStatus::NotApplicable);
    let progress = if all_not_applicable {
        "无此项任务".to_owned()
    } else if departments.len() == 1 {
        answered
            .first()
            .filter(|a| a.1 == RowStatus::Progress)
            .map(|a| a.2.to_owned())
            .unwrap_or_default()
    } else {
        answered
            .iter()
            .filter(|a| a.1 == RowStatus::Progress)
            .map(|a| format!("{}：{}", a.0, a.2))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let remarks: Vec<String> = answers
        .iter()
        .filter(|a| !a.3.is_empty())
        .map(|a| {
            if departments.len() == 1 {
                a.3.to_owned()
            } else {
                format!("{}：{}", a.0, a.3)
            }
        })
        .collect();
    (progress, remarks.join("\n"), missing)
}

/// The departments whose answer in a row comes from a return sent back and not corrected.
fn returned_of(
    departments: &[(i64, String)],
    returns: &[ReturnRecord],
    key: RowKey,
) -> Vec<String> {
    departments
        .iter()
        .filter(|(id, _)| {
            returns.iter().any(|r| {
                r.department_id == *id
                    && r.sent_back_at.is_some()
                    && r.row(key).is_some_and(|row| {
                        !row.progress.trim().is_empty() || !row.remark.trim().is_empty()
                    })
            })
        })
        .map(|(_, name)| name.clone())
        .collect()
}

/// The rows of the tasks the form does not list that a department reported on this month:
/// whatever a department reports reaches the month's sheet. In the plan's task order; each
/// row names the departments that answered.
fn task_rows(plan: &Plan, returns: &[ReturnRecord]) -> Vec<SheetRow> {
    plan.tasks()
        .filter_map(|task| {
            let key = RowKey::Task(task.id);
            let answered: Vec<(i64, String)> = returns
                .iter()
                .filter(|r| {
                    r.row(key).is_some_and(|row| {
                        !row.progress.trim().is_empty() || !row.remark.trim().is_empty()
                    })
                })
                .map(|r| {
                    let name = task
                        .leads
                        .iter()
                        .chain(task.participants.iter())
                        .find(|d| d.department_id == r.department_id)
                        .map(|d| d.name.clone())
                        .unwrap_or_default();
                    (r.department_id, name)
                })
                .collect();
            if answered.is_empty() {
                return None;
            }
            let (consolidated, consolidated_remark, missing) =
                consolidate_row(&answered, returns, key);
            let returned = returned_of(&answered, returns, key);
            Some(SheetRow {
                form_row_id: 0,
                task_id: Some(task.id),
                code: task.code.clone(),
                number: task.code.clone(),
                text: task.title.clone(),
                units: answered.into_iter().map(|(_, name)| name).collect(),
                progress: consolidated.clone(),
                remark: consolidated_remark.clone(),
                consolidated,
                consolidated_remark,
                edited: false,
                stale: false,
                returned,
                missing,
                edit: None,
            })
        })
        .collect()
}

/// Builds the sheet of a period from the plan's form, the period's returns and the saved edits.
pub fn build_sheet(
    plan: &Plan,
    settings: &Settings,
    returns: &[ReturnRecord],
    edits: &[SheetEdit],
    period: Period,
) -> Sheet {
    let returns: Vec<ReturnRecord> = returns
        .iter()
        .filter(|r| r.period == period)
        .cloned()
        .collect();
    let groups = plan
        .form
        .groups
        .iter()
        .map(|group| SheetGroup {
            name: group.name.clone(),
            rows: group
                .rows
                .iter()
                .map(|row| {
                    let (consolidated, consolidated_remark, missing) =
                        consolidate_row(&row.departments, &returns, RowKey::FormRow(row.id));
                    let edit = edits
                        .iter()
                        .find(|e| e.form_row_id == row.id && e.period == period)
                        .cloned();
                    let (progress, remark) = match &edit {
                        Some(edit) => (edit.progress.clone(), edit.remark.clone()),
                        None => (consolidated.clone(), consolidated_remark.clone()),
                    };
                    SheetRow {
                        form_row_id: row.id,
                        task_id: None,
                        code: row.code.clone(),
                        number: row.code.rsplit('.').next().unwrap_or_default().to_owned(),
                        text: row.text.clone(),
                        units: row.units.clone(),
                        stale: edit.as_ref().is_some_and(|e| e.based_on != consolidated),
                        edited: edit.is_some(),
                        consolidated,
                        consolidated_remark,
                        progress,
                        remark,
                        returned: returned_of(&row.departments, &returns, RowKey::FormRow(row.id)),
                        missing,
                        edit,
                    }
                })
                .collect(),
        })
        .collect::<Vec<_>>();
    let mut groups = groups;
    let task_rows = task_rows(plan, &returns);
    if !task_rows.is_empty() {
        groups.push(SheetGroup {
            name: TASKS_GROUP.to_owned(),
            rows: task_rows,
        });
    }
    let field = |name: &str, value: &str| (name.to_owned(), value.to_owned());
    let header_names = if plan.form.header_fields.len() == 3 {
        plan.form.header_fields.clone()
    } else {
        vec![
            "填报单位".to_owned(),
            "填报人".to_owned(),
            "联系电话".to_owned(),
        ]
    };
    Sheet {
        period,
        label: plan.form.label.clone(),
        title: plan.form.title.clone(),
        columns: plan.form.columns.clone(),
        header: vec![
            field(&header_names[0], &settings.unit),
            field(&header_names[1], &settings.contact_person),
            field(&header_names[2], &settings.phone),
        ],
        groups,
        notes: plan.form.notes.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::returns::{ReturnRow, ReturnSource};

    fn record(department_id: i64, progress: &str) -> ReturnRecord {
        ReturnRecord {
            sent_back_at: None,
            id: department_id,
            department_id,
            period: Period {
                year: 2019,
                month: 7,
            },
            received_on: None,
            source: ReturnSource::Email,
            source_file: None,
            rows: vec![ReturnRow {
                id: department_id,
                key: RowKey::FormRow(5),
                progress: progress.to_owned(),
                remark: String::new(),
                source: ReturnSource::Email,
                updated_at: String::new(),
                history_len: 0,
            }],
        }
    }

    fn departments() -> Vec<(i64, String)> {
        vec![(1, "县住建局".to_owned()), (2, "县城管执法局".to_owned())]
    }

    #[test]
    fn one_department_text_as_is() {
        let (text, _, missing) = consolidate_row(
            &departments()[..1],
            &[record(1, "排查3处")],
            RowKey::FormRow(5),
        );
        assert_eq!(text, "排查3处");
        assert!(missing.is_empty());
    }

    #[test]
    fn several_departments_each_prefixed_and_missing_flagged() {
        let (text, _, missing) = consolidate_row(
            &departments(),
            &[record(1, "排查3处"), record(2, "整治2处")],
            RowKey::FormRow(5),
        );
        assert_eq!(text, "县住建局：排查3处\n县城管执法局：整治2处");
        assert!(missing.is_empty());
        let (text, _, missing) =
            consolidate_row(&departments(), &[record(1, "排查3处")], RowKey::FormRow(5));
        assert_eq!(text, "县住建局：排查3处");
        assert_eq!(missing, ["县城管执法局"]);
    }

    #[test]
    fn not_applicable_only_where_every_one_said_so() {
        let (text, _, _) = consolidate_row(
            &departments(),
            &[record(1, "无此项任务"), record(2, "无")],
            RowKey::FormRow(5),
        );
        assert_eq!(text, "无此项任务");
        let (text, _, _) = consolidate_row(
            &departments(),
            &[record(1, "无此项任务"), record(2, "整治2处")],
            RowKey::FormRow(5),
        );
        assert_eq!(text, "县城管执法局：整治2处");
        let (text, _, missing) = consolidate_row(
            &departments(),
            &[record(1, "无此项任务")],
            RowKey::FormRow(5),
        );
        assert_eq!(
            text, "",
            "one said 无, one has not answered: not yet 无此项任务"
        );
        assert_eq!(missing, ["县城管执法局"]);
    }
}
