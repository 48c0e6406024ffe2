//! Writing the month's return templates, one per department that owes rows.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{ActionError, Progress, check_period};
use crate::files::{Existing, Protected};
use crate::model::Plan;
use crate::returns::Obligation;
use crate::schedule::Period;

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
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<WrittenTemplate>, ActionError> {
    check_period(plan, period)?;
    crate::files::ensure_folder(folder)?;
    let mut written = Vec::new();
    for (index, obligation) in obligations.iter().enumerate() {
        progress(Progress {
            done: index,
            total: obligations.len(),
            what: obligation.department.clone(),
        });
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
