//! User actions that the window and the headless commands share, written once: checking the
//! month asked for, writing the return templates, writing the month's sheet, and reading a
//! returned file. No egui here, and no SQL: the ledger is reached through `store`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use crate::files::{Existing, FileError, Protected};
use crate::model::Plan;
use crate::returns::Obligation;
use crate::schedule::Period;

/// Why an action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("{period}不在当前计划的报送月份内（{months}），未生成任何文件。请选择计划的报送月份。", period = .period.label())]
    PeriodOutsidePlan { period: Period, months: String },
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Export(#[from] crate::sheet::ExportError),
    #[error("无法生成“{department}”的报送模板，未写出该文件；详细原因已记入日志 taizhang.log。")]
    Template {
        department: String,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
}

/// The plan's reporting months as one phrase: `2019年6月至2019年12月`.
pub fn plan_months_text(plan: &Plan) -> String {
    let months = crate::schedule::reporting_periods(plan.year, plan.issued_on);
    match (months.first(), months.last()) {
        (Some(first), Some(last)) if first == last => first.label(),
        (Some(first), Some(last)) => format!("{}至{}", first.label(), last.label()),
        _ => format!("{}年", plan.year),
    }
}

/// Refuses a month outside the plan's reporting months (2030-01, 0000-01): a sheet or a
/// template for it would name a year the plan never had.
pub fn check_period(plan: &Plan, period: Period) -> Result<(), ActionError> {
    if crate::schedule::reporting_periods(plan.year, plan.issued_on).contains(&period) {
        Ok(())
    } else {
        Err(ActionError::PeriodOutsidePlan {
            period,
            months: plan_months_text(plan),
        })
    }
}

/// A template written: where, and whether a file of that name was already there (and kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenTemplate {
    pub department: String,
    pub path: PathBuf,
    /// The name asked for, when a file of that name existed and was left alone.
    pub kept_existing: Option<PathBuf>,
}

/// Writes one return template per department into `folder`. A file already there (a
/// department's filled return, say) is never overwritten: the template goes under a free name
/// beside it and the result says so.
pub fn write_templates(
    plan: &Plan,
    obligations: &[Obligation],
    period: Period,
    due: NaiveDate,
    folder: &Path,
    protected: &Protected,
) -> Result<Vec<WrittenTemplate>, ActionError> {
    check_period(plan, period)?;
    crate::files::ensure_folder(folder)?;
    let mut written = Vec::new();
    for obligation in obligations {
        let bytes = crate::returns::template::write_template(plan, obligation, period, due)
            .map_err(|source| ActionError::Template {
                department: obligation.department.clone(),
                source,
            })?;
        let wanted = folder.join(crate::returns::template::template_file_name(
            &obligation.department,
            period,
        ));
        let path = crate::files::write_file(&wanted, &bytes, protected, Existing::KeepBoth)?;
        written.push(WrittenTemplate {
            department: obligation.department.clone(),
            kept_existing: (path != wanted).then_some(wanted),
            path,
        });
    }
    Ok(written)
}

/// What writing the month's sheet gave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetExport {
    pub rows: usize,
    /// What to check in the files written.
    pub warnings: Vec<String>,
    /// Rows some department has not answered yet.
    pub missing: Vec<String>,
}

/// Writes the month's sheet as XLSX and/or PDF, after checking the month and both paths.
pub fn export_sheet(
    sheet: &crate::sheet::Sheet,
    plan: &Plan,
    xlsx: Option<&Path>,
    pdf: Option<&Path>,
    protected: &Protected,
) -> Result<SheetExport, ActionError> {
    check_period(plan, sheet.period)?;
    let warnings = crate::sheet::export_files(sheet, xlsx, pdf, protected)?;
    let missing = sheet
        .rows()
        .filter(|row| !row.missing.is_empty())
        .map(|row| format!("{}：{}尚未报送", row.code, row.missing.join("、")))
        .collect();
    Ok(SheetExport {
        rows: sheet.rows().count(),
        warnings,
        missing,
    })
}

/// Reads a file given as a return (a spreadsheet or an e-mail) through the guarded reader.
pub fn read_return_file(path: &Path) -> Result<Vec<u8>, FileError> {
    crate::files::read_file(path, crate::returns::spreadsheet::MAX_FILE as u64)
}
