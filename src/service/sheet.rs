//! The month's progress sheet: built from the ledger, and written as XLSX and PDF.

use std::path::Path;

use super::{ActionError, check_period};
use crate::files::Protected;
use crate::model::Plan;
use crate::schedule::Period;
use crate::store::Ledger;

/// The month's sheet from the ledger: the returns and the coordinator's edits of that month.
pub fn month_sheet(ledger: &Ledger, period: Period) -> Result<crate::sheet::Sheet, ActionError> {
    let plan = ledger.focused_plan()?;
    check_period(&plan, period)?;
    let settings = ledger.settings()?;
    let returns = ledger.returns(Some(period))?;
    let edits = ledger.sheet_edits(Some(period))?;
    Ok(crate::sheet::build_sheet(
        &plan, &settings, &returns, &edits, period,
    ))
}

/// What writing the month's sheet gave.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
