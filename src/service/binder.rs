//! The 督察台账 written out, for the command and the window: the plan's day loaded as every page
//! loads it, its originals and its chase and 退回 record, laid out by [`crate::binder`], the
//! index made before anything is written, then every file through the guarded writer into a
//! folder of its own (refused when it holds something and adding was not asked for), with
//! progress. An original is read from the ledger only when it is written.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{ActionError, DayState, Progress};
use crate::binder::{BinderInputs, Content, layout, text_bytes};
use crate::files::{Existing, Protected};
use crate::store::{Ledger, StoreError};

/// What was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BinderReport {
    pub plan_id: i64,
    pub year: i32,
    pub out: PathBuf,
    pub tasks: usize,
    /// Files written, the index included.
    pub files: usize,
    pub bytes: u64,
    pub index_rows: usize,
    pub returns_received: usize,
    /// What the reader should know (characters the PDF's fonts lack).
    pub warnings: Vec<String>,
}

/// Writes the binder of plan `plan_id` into `out` (created when missing; an existing folder
/// must be empty unless `add`). `progress` hears of every file.
pub fn write_binder(
    ledger: &Ledger,
    plan_id: i64,
    out: &Path,
    add: bool,
    today: NaiveDate,
    progress: &mut dyn FnMut(Progress),
) -> Result<BinderReport, ActionError> {
    let holidays = crate::holidays::HolidayCalendar::bundled()
        .map_err(|e| StoreError::Invalid(e.to_string()))?;
    let day = DayState::load_plan(ledger, plan_id, today, &holidays)?;
    let files = ledger.return_files(plan_id)?;
    let chases = ledger.plan_chase_sends(plan_id)?;
    let binder = layout(&BinderInputs {
        plan: &day.plan,
        departments: &day.departments,
        obligations: &day.obligations,
        returns: &day.returns,
        statuses: &day.statuses,
        files: &files,
        chases: &chases,
        send_backs: &day.send_backs,
        today,
    });
    // The index first: a failure there writes nothing.
    let xlsx = crate::binder::index_xlsx(&binder).map_err(|source| ActionError::Workbook {
        what: "督察台账的索引表",
        source,
    })?;
    let pdf = crate::binder::index_pdf(&binder)?;
    let protected = Protected::for_ledger(ledger.path());
    crate::files::prepare_output_folder(out, &protected, add)?;
    let total = binder.files.len() + 2;
    let mut written = 0usize;
    let mut bytes = 0u64;
    let mut step = |what: String, size: usize, written: &mut usize, bytes: &mut u64| {
        *written += 1;
        *bytes += size as u64;
        progress(Progress {
            done: *written,
            total,
            what,
        });
    };
    for (name, content) in [("索引.xlsx", &xlsx), ("索引.pdf", &pdf.bytes)] {
        crate::files::write_file(&out.join(name), content, &protected, Existing::KeepBoth)?;
        step(name.to_owned(), content.len(), &mut written, &mut bytes);
    }
    let mut made: Vec<PathBuf> = Vec::new();
    for file in &binder.files {
        let path = out.join(&file.path);
        if let Some(folder) = path.parent()
            && !made.iter().any(|m| m == folder)
        {
            crate::files::ensure_folder(folder)?;
            made.push(folder.to_owned());
        }
        let content = match &file.content {
            Content::Text(text) => text_bytes(text),
            Content::Original { source_file_id, .. } => ledger.source_file(*source_file_id)?.1,
        };
        crate::files::write_file(&path, &content, &protected, Existing::KeepBoth)?;
        step(
            file.path.display().to_string(),
            content.len(),
            &mut written,
            &mut bytes,
        );
    }
    Ok(BinderReport {
        plan_id,
        year: day.plan.year,
        out: out.to_owned(),
        tasks: binder.tasks,
        files: written,
        bytes,
        index_rows: binder.index.len(),
        returns_received: binder.returns_received,
        warnings: pdf.warnings,
    })
}
