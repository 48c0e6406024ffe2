//! Reading a plan document from a file: its text, and its tables when it is a Word or
//! spreadsheet file, for the prose reader and the table reader alike.

use crate::plan_text::{InputError, TableRows};
use crate::readers::workbook::{Format, load_grids, sniff};

/// A plan document's text (for the title, year and prose tasks) and its tables.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanDocument {
    pub text: String,
    pub tables: Vec<TableRows>,
}

/// Why a plan file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PlanFileError {
    #[error(transparent)]
    File(#[from] crate::files::FileError),
    #[error(transparent)]
    Input(#[from] InputError),
    #[error("读取文件时程序出错，文件未读入；详细原因已记入日志 taizhang.log。")]
    ReaderBug,
}

/// Reads a plan file through the guarded reader (its size capped) and then its document; a
/// reader bug becomes an error, never a crash. `import-plan` and the window's worker alike.
pub fn read_plan_file(path: &std::path::Path) -> Result<(Vec<u8>, PlanDocument), PlanFileError> {
    let bytes = crate::files::read_file(path, crate::plan_text::MAX_INPUT_BYTES)?;
    let document = crate::crash::catching(|| read_plan_document(&bytes))
        .map_err(|_| PlanFileError::ReaderBug)??;
    Ok((bytes, document))
}

/// Reads a plan file's bytes, choosing the format by content: `.txt` in any Chinese encoding,
/// `.docx` (paragraphs and tables), `.xlsx`/`.xls`/`.ods` (every sheet as a table, its cells
/// as the text). Every reader's size limits apply.
pub fn read_plan_document(bytes: &[u8]) -> Result<PlanDocument, InputError> {
    if bytes.len() as u64 > crate::plan_text::MAX_INPUT_BYTES {
        return Err(InputError::TooLarge(bytes.len() as u64 / 1024 / 1024));
    }
    let container = crate::readers::sniff::container(bytes);
    let is_zip = container == crate::readers::sniff::Container::Zip;
    let is_compound = container == crate::readers::sniff::Container::Compound;
    if !is_zip && !is_compound {
        return Ok(PlanDocument {
            text: crate::plan_text::decode_file(bytes)?,
            tables: Vec::new(),
        });
    }
    let format = sniff(bytes);
    let tables = || -> Result<Vec<TableRows>, String> {
        let mut warnings = Vec::new();
        let grids = crate::crash::catching(|| load_grids(bytes, &mut warnings))
            .map_err(|_| "读取表格时程序出错".to_owned())?
            .map_err(|e| e.to_string())?;
        Ok(grids
            .iter()
            .map(|grid| {
                (0..grid.height())
                    .map(|row| {
                        (0..grid.width(row))
                            .map(|column| grid.get(row, column).to_owned())
                            .collect()
                    })
                    .collect()
            })
            .collect())
    };
    match format {
        Ok(Format::Docx | Format::Doc) => {
            let text = crate::plan_text::decode_file(bytes)?;
            // A Word file whose tables cannot be read still has its text.
            let tables = tables().unwrap_or_default();
            Ok(PlanDocument { text, tables })
        }
        Ok(Format::Xlsx | Format::Ods | Format::Xls) => {
            let tables = tables().map_err(InputError::Spreadsheet)?;
            let text = tables
                .iter()
                .flatten()
                .map(|row| {
                    row.iter()
                        .map(|c| c.trim())
                        .filter(|c| !c.is_empty())
                        .collect::<Vec<_>>()
                        .join("\t")
                })
                .filter(|line| !line.is_empty())
                .collect::<Vec<_>>()
                .join("\n");
            if text.trim().is_empty() {
                return Err(InputError::Empty);
            }
            Ok(PlanDocument { text, tables })
        }
        Err(_) if is_compound && crate::readers::sniff::is_old_word(bytes) => {
            Err(InputError::OldWord)
        }
        // A zip that is no workbook (no `xl/` or `content.xml` part named in it): as a Word
        // file, with Word's message.
        Err(_) if is_zip && !names_workbook_part(bytes) => Ok(PlanDocument {
            text: crate::plan_text::decode_file(bytes)?,
            tables: Vec::new(),
        }),
        Err(error) => Err(InputError::Spreadsheet(error.to_string())),
    }
}

/// Whether a zip names a workbook's part (`xl/…` of an `.xlsx`, `content.xml` of an `.ods`).
fn names_workbook_part(bytes: &[u8]) -> bool {
    [b"xl/".as_slice(), b"content.xml".as_slice()]
        .iter()
        .any(|name| bytes.windows(name.len()).any(|w| w == *name))
}

/// The plan a command acts on: the one named (`--plan ID`), else the active plan whose
/// reporting months hold `period`; the current plan when none does (the command then says
/// the month is outside it). Several owners are refused, naming them.
pub fn plan_for_period(
    ledger: &crate::store::Ledger,
    explicit: Option<i64>,
    period: Option<crate::schedule::Period>,
) -> Result<i64, super::ActionError> {
    if let Some(id) = explicit {
        ledger
            .plan(id)
            .map_err(|_| super::ActionError::NoSuchPlan {
                id,
                plans: plan_list(ledger),
            })?;
        return Ok(id);
    }
    let current = ledger.focused_plan_id()?;
    let Some(period) = period else {
        return Ok(current);
    };
    let owners = plans_with_period(ledger, period)?;
    match owners.as_slice() {
        [] => Ok(current),
        [only] => Ok(only.id),
        several => Err(super::ActionError::SeveralPlans {
            period,
            candidates: several
                .iter()
                .map(|p| format!("{}（--plan {}）", p.label(), p.id))
                .collect::<Vec<_>>()
                .join("；"),
        }),
    }
}

/// The active plans whose reporting months hold `period`, in the ledger's order.
pub fn plans_with_period(
    ledger: &crate::store::Ledger,
    period: crate::schedule::Period,
) -> Result<Vec<crate::store::PlanSummary>, crate::store::StoreError> {
    Ok(ledger
        .plans()?
        .into_iter()
        .filter(|p| p.active && p.periods().contains(&period))
        .collect())
}

/// Every plan of the ledger as `label（--plan ID）`, for messages.
fn plan_list(ledger: &crate::store::Ledger) -> String {
    plans_text(&ledger.plans().unwrap_or_default())
}

/// Plans as `label（--plan ID）；…`, for messages that ask for `--plan`.
pub(super) fn plans_text<'a>(
    plans: impl IntoIterator<Item = &'a crate::store::PlanSummary>,
) -> String {
    plans
        .into_iter()
        .map(|p| format!("{}（--plan {}）", p.label(), p.id))
        .collect::<Vec<_>>()
        .join("；")
}

/// Why a plan's text could not be recognised.
#[derive(Debug, thiserror::Error)]
pub enum RecogniseError {
    #[error(transparent)]
    Text(#[from] crate::plan_text::PlanTextError),
    /// A reader's bug, caught: the user's text is kept and nothing is saved.
    #[error(
        "识别计划时程序出错，未能读取这段文字，未保存任何内容；详细原因已记入日志 taizhang.log。请把文件发给开发人员。"
    )]
    ReaderBug,
}

/// Recognises a plan in a document's text and tables, for the window and `import-plan`
/// alike; a reader's bug becomes [`RecogniseError::ReaderBug`] instead of ending the program.
pub fn recognise_plan(
    text: &str,
    tables: &[TableRows],
    departments: &[crate::model::Department],
) -> Result<crate::plan_text::ParsedPlan, RecogniseError> {
    let known = crate::plan_text::DepartmentNames::new(departments);
    crate::crash::catching(|| crate::plan_text::parse_plan_document(text, tables, &known))
        .map_err(|_| RecogniseError::ReaderBug)?
        .map_err(RecogniseError::from)
}
