//! Reading a returned file and committing it: the same steps for a file dropped on the window
//! and for `import-returns`. Read through the guarded reader, match, keep text the ledger holds
//! from being wiped by blank cells, recognise a file imported before, commit in one
//! transaction.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::{ActionError, Progress};
use crate::files::FileError;
use crate::returns::ReturnRecord;
use crate::returns::spreadsheet::{
    ImportChoice, ImportContext, ImportError, ParsedReturn, keep_stored_text, read_return,
};
use crate::store::Ledger;

/// Reads a file given as a return (a spreadsheet or an e-mail) through the guarded reader.
pub fn read_return_file(path: &Path) -> Result<Vec<u8>, FileError> {
    crate::files::read_file(path, crate::returns::spreadsheet::MAX_FILE as u64)
}

/// Reads and matches a returned file's bytes. Rows that would blank text the ledger already
/// holds (in `returns`) start unticked.
pub fn prepare_return(
    context: &ImportContext<'_>,
    returns: &[ReturnRecord],
    name: &str,
    bytes: &[u8],
    choice: ImportChoice,
) -> Result<ParsedReturn, ImportError> {
    let mut parsed = read_return(name, bytes, choice, context)?;
    let stored = returns
        .iter()
        .find(|r| r.department_id == parsed.department.0 && r.period == parsed.period);
    keep_stored_text(&mut parsed, stored);
    Ok(parsed)
}

/// Reads and matches a returned file under the plan of its month: first under the plan in
/// focus (`focused`, with its returns), then, when the month belongs to one of the `others`
/// in play, under that plan ([`super::mail::month_owner`], the rule `import-returns` and the
/// e-mail intake follow). Gives the other plan's id when it was read under one.
pub fn prepare_return_for_month(
    focused: (&ImportContext<'_>, &[ReturnRecord]),
    others: &[(ImportContext<'_>, &[ReturnRecord])],
    name: &str,
    bytes: &[u8],
    choice: ImportChoice,
) -> Result<(Option<i64>, ParsedReturn), ImportError> {
    let parsed = prepare_return(focused.0, focused.1, name, bytes, choice)?;
    let holds = |context: &ImportContext<'_>| {
        crate::schedule::plan_periods(context.plan).contains(&parsed.period)
    };
    let holders: Vec<i64> = std::iter::once(focused.0)
        .chain(others.iter().map(|(context, _)| context))
        .filter(|context| holds(context))
        .map(|context| context.plan.id)
        .collect();
    let owner = super::mail::month_owner(focused.0.plan.id, &holders);
    match others.iter().find(|(context, _)| context.plan.id == owner) {
        Some((context, returns)) => {
            let choice = ImportChoice {
                period: Some(parsed.period),
                ..choice
            };
            prepare_return(context, returns, name, bytes, choice).map(|p| (Some(owner), p))
        }
        None => Ok((None, parsed)),
    }
}

/// Commits a reviewed return under `plan` (the plan of its month, when it is not the one in
/// focus); the ledger's focus is put back afterwards. Rows changed.
pub fn commit_return_under(
    ledger: &mut Ledger,
    plan: Option<i64>,
    parsed: &ParsedReturn,
    received: NaiveDate,
    bytes: &[u8],
) -> Result<usize, crate::store::StoreError> {
    let Some(plan) = plan else {
        return ledger.commit_return_import(parsed, received, bytes);
    };
    let previous = ledger.focus();
    ledger.focus_plan(Some(plan))?;
    let result = ledger.commit_return_import(parsed, received, bytes);
    ledger.focus_plan(previous)?;
    result
}

/// When a file with these bytes was imported before: (its name, when).
pub fn duplicate_of(
    ledger: &Ledger,
    bytes: &[u8],
) -> Result<Option<(String, String)>, crate::store::StoreError> {
    ledger.find_source_file(&crate::hash::sha256_hex(bytes))
}

/// A file read (and committed, when asked).
#[derive(Clone, Debug)]
pub struct ImportedFile {
    pub parsed: ParsedReturn,
    /// The same contents were imported before: (name, when).
    pub duplicate: Option<(String, String)>,
    /// Rows changed by the commit; `None` when not committed.
    pub committed: Option<usize>,
}

/// What became of one file of a batch: read, or refused with a message (and, for the log,
/// what the OS or the reader said).
#[derive(Debug)]
pub struct FileOutcome {
    pub file: PathBuf,
    pub result: Result<ImportedFile, (String, String)>,
}

/// Reads every file, and commits each one read when `commit` gives the received date. Every
/// file gets its outcome; one file's failure changes nothing of it and stops nothing else.
pub fn import_files(
    ledger: &mut Ledger,
    files: &[PathBuf],
    choice: ImportChoice,
    commit: Option<NaiveDate>,
    progress: &mut dyn FnMut(Progress),
) -> Result<Vec<FileOutcome>, ActionError> {
    let plan = ledger.focused_plan()?;
    let departments = ledger.departments()?;
    let obligations = crate::returns::obligations(&plan, &departments);
    let context = ImportContext {
        plan: &plan,
        departments: &departments,
        obligations: &obligations,
    };
    let mut returns = ledger.returns(None)?;
    let mut outcomes = Vec::new();
    for (index, file) in files.iter().enumerate() {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        progress(Progress {
            done: index,
            total: files.len(),
            what: name.clone(),
        });
        let read = read_return_file(file)
            .map_err(|e| (e.to_string(), format!("{e:?}")))
            .and_then(|bytes| {
                prepare_return(&context, &returns, &name, &bytes, choice)
                    .map(|parsed| (parsed, bytes))
                    .map_err(|e| (e.to_string(), e.log_detail()))
            });
        let result = match read {
            Err(failure) => Err(failure),
            Ok((mut parsed, bytes)) => {
                let duplicate = duplicate_of(ledger, &bytes)?;
                // A file with no filled row is not a return: nothing is recorded for it.
                let blank = parsed.is_blank();
                if blank {
                    parsed
                        .warnings
                        .push(crate::returns::spreadsheet::BLANK_RETURN.to_owned());
                }
                match commit.filter(|_| !blank) {
                    None => Ok(ImportedFile {
                        parsed,
                        duplicate,
                        committed: None,
                    }),
                    Some(received_on) => {
                        match ledger.commit_return_import(&parsed, received_on, &bytes) {
                            Ok(changed) => {
                                // The next file sees what this one stored.
                                returns = ledger.returns(None)?;
                                Ok(ImportedFile {
                                    parsed,
                                    duplicate,
                                    committed: Some(changed),
                                })
                            }
                            Err(error) => Err((error.to_string(), error.log_detail())),
                        }
                    }
                }
            }
        };
        outcomes.push(FileOutcome {
            file: file.clone(),
            result,
        });
    }
    Ok(outcomes)
}
