//! Reading returned spreadsheets: whatever departments send back — our template, the city's
//! original form, an old `.xls`, an `.ods`, moved columns, extra sheets — into a preview of the
//! rows it would change. Nothing here writes; a file that cannot be read gives a clear reason.

use super::template::{KEY_HEADER, META_MARK, META_SHEET, parse_key};
use super::{Obligation, RowKey, RowStatus};
use crate::model::Plan;
use crate::plan_text::DepartmentNames;
pub use crate::readers::ImportError;
use crate::readers::grid::Grid;
use crate::readers::workbook::load_grids;
use crate::schedule::Period;

mod rows;
use rows::*;

pub use crate::readers::limits::{MAX_COLUMNS, MAX_FILE, MAX_INFLATED, MAX_ROWS};

/// Characters of a file's text quoted in a message or kept for an unmatched row.
const QUOTE_CHARS: usize = 60;
/// Form rows are short: texts longer than this are not compared by similarity.
const MAX_COMPARED_CHARS: usize = 400;

/// How a file row was matched to a form row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MatchKind {
    /// By our template's hidden id.
    Id,
    /// By the row's text.
    Text,
    /// By similar text: shown for the user to confirm.
    Similar(f32),
    /// By the visible text, which disagrees with the template's hidden id (a row moved, or
    /// copied from another template): shown for the user to confirm.
    Conflict,
}

/// One row of the file, matched.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportedRow {
    pub key: RowKey,
    pub code: String,
    /// The form's text of the row.
    pub text: String,
    /// The row's number in the file (1-based, as Excel shows it).
    pub file_row: u32,
    pub progress: String,
    pub remark: String,
    pub status: RowStatus,
    pub matched_by: MatchKind,
    /// Imported on commit. Rows matched by similarity start unaccepted.
    pub accepted: bool,
    /// What disagrees about the row, for the preview (the hidden id and the visible text).
    pub conflict: Option<String>,
}

/// A file row that matches no row of the department.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnmatchedRow {
    pub row: u32,
    pub text: String,
}

/// What a returned file holds.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedReturn {
    pub file_name: String,
    pub sha256: String,
    pub department: (i64, String),
    pub period: Period,
    pub rows: Vec<ImportedRow>,
    pub unmatched: Vec<UnmatchedRow>,
    pub warnings: Vec<String>,
}

impl ParsedReturn {
    /// No row of the file is filled: an unfilled template is not a return.
    pub fn is_blank(&self) -> bool {
        self.rows.iter().all(|row| row.status == RowStatus::Empty)
    }
}

/// The warning for a file with no filled row.
pub const BLANK_RETURN: &str = "文件中没有填写任何一行（可能是未填写的模板），不算作报送，未记录。如确实收到，请在窗口中确认后导入。";

/// What the user chose, to use where the file is silent (or to override it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ImportChoice {
    pub department_id: Option<i64>,
    pub period: Option<Period>,
}

/// What the reader needs of the ledger.
pub struct ImportContext<'a> {
    pub plan: &'a Plan,
    pub departments: &'a [crate::model::Department],
    pub obligations: &'a [Obligation],
}

#[cfg(test)]
fn similarity(a: &str, b: &str) -> f32 {
    crate::similar::dice(&crate::similar::bigrams(a), &crate::similar::bigrams(b))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Group,
    Item,
    Units,
    Progress,
    Remark,
    Key,
}

fn role_of(header: &str) -> Option<Role> {
    let header: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    if header.is_empty() {
        return None;
    }
    if header == KEY_HEADER || header.eq_ignore_ascii_case("taizhang_key") {
        return Some(Role::Key);
    }
    if header.contains("进展") || header.contains("完成情况") {
        return Some(Role::Progress);
    }
    if header.contains("备注") {
        return Some(Role::Remark);
    }
    if header.contains("责任单位") || header.contains("牵头单位") {
        return Some(Role::Units);
    }
    if header.contains("事项") || header == "工作任务" || header == "任务" {
        return Some(Role::Item);
    }
    if header.contains("重点内容") || header == "类别" {
        return Some(Role::Group);
    }
    None
}

/// Year and month named in a text: `2019年7月`, or `7月` with the plan's year.
pub(crate) fn period_in(text: &str, plan_year: i32) -> Option<Period> {
    period_in_with(text, &|_| plan_year)
}

/// [`period_in`] where a month written without its year takes the year `year_of(month)`
/// gives (an e-mail's `12月` read in January is last December).
pub(crate) fn period_in_with(text: &str, year_of: &dyn Fn(u32) -> i32) -> Option<Period> {
    let chars: Vec<char> = text.chars().collect();
    for (index, c) in chars.iter().enumerate() {
        if *c != '月' {
            continue;
        }
        let digits: String = chars[..index]
            .iter()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let Ok(month) = digits.parse::<u32>() else {
            continue;
        };
        // `2019年8月5日` is a day (a 填报时间), not the month reported on.
        let after: String = chars[index + 1..]
            .iter()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if !after.is_empty() && chars.get(index + 1 + after.chars().count()) == Some(&'日') {
            continue;
        }
        let before = index - digits.chars().count();
        let year = if before >= 5 && chars[before - 1] == '年' {
            chars[before - 5..before - 1]
                .iter()
                .collect::<String>()
                .parse()
                .ok()
        } else {
            None
        };
        let year = year.or_else(|| {
            // `19年7月`
            (before >= 3 && chars[before - 1] == '年')
                .then(|| {
                    chars[before - 3..before - 1]
                        .iter()
                        .collect::<String>()
                        .parse::<i32>()
                        .ok()
                })
                .flatten()
                .map(|y| 2000 + y)
        });
        if let Some(period) = Period::new(year.unwrap_or_else(|| year_of(month)), month) {
            return Some(period);
        }
    }
    None
}

/// Reads a returned spreadsheet into what it would change. The department and period come
/// from the file (template ids, 填报单位, the title, the file name) unless the user chose them.
pub fn read_return(
    file_name: &str,
    bytes: &[u8],
    choice: ImportChoice,
    context: &ImportContext<'_>,
) -> Result<ParsedReturn, ImportError> {
    // A parser bug must not take the window down: it becomes this file's error.
    let result = crate::crash::catching(|| read_return_inner(file_name, bytes, choice, context));
    match result {
        Ok(result) => result,
        Err(panic) => {
            // Seen with damaged .xls files: calamine's compound-file reader slices past the end.
            let detail = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_else(|| "读取程序出错".to_owned());
            Err(ImportError::Failed(detail))
        }
    }
}

fn read_return_inner(
    file_name: &str,
    bytes: &[u8],
    choice: ImportChoice,
    context: &ImportContext<'_>,
) -> Result<ParsedReturn, ImportError> {
    let mut warnings = Vec::new();
    let is_word = matches!(
        crate::readers::workbook::sniff(bytes),
        Ok(crate::readers::workbook::Format::Docx | crate::readers::workbook::Format::Doc)
    );
    let grids = match load_grids(bytes, &mut warnings) {
        Err(ImportError::Empty | ImportError::NoTable) if is_word => Vec::new(),
        other => other?,
    };

    // Our template's hidden sheet says who and when.
    let meta = grids
        .iter()
        .find(|g| g.name == META_SHEET && g.get(0, 0) == META_MARK);
    let meta_department = meta
        .and_then(|g| g.get(1, 1).parse::<i64>().ok())
        .filter(|id| context.departments.iter().any(|d| d.id == *id));
    let meta_period = meta.and_then(|g| Period::parse(g.get(3, 1)));

    let table = match find_table(&grids) {
        Ok(table) => table,
        // A Word return whose progress is written as paragraphs: read as an e-mail body is.
        Err(ImportError::NoTable | ImportError::Empty) if is_word => {
            return read_word_paragraphs(file_name, bytes, choice, context, warnings);
        }
        Err(error) => return Err(error),
    };
    let above = table.text_above();
    let department_id = choose_department(
        file_name,
        &above,
        meta_department,
        choice,
        context,
        &mut warnings,
    )?;
    let Some(department) = context.departments.iter().find(|d| d.id == department_id) else {
        return Err(ImportError::NoDepartment);
    };
    let Some(obligation) = context
        .obligations
        .iter()
        .find(|o| o.department_id == department_id)
    else {
        return Err(ImportError::NotRequired(department.name.clone()));
    };
    let period = choose_period(
        file_name,
        &above,
        meta_period,
        choice,
        context,
        &mut warnings,
    )?;

    let matcher = RowMatcher::new(context.plan, obligation);
    let (rows, unmatched) = read_rows(&table, &matcher, &department.name, &mut warnings);
    for expected in &obligation.rows {
        if !rows.iter().any(|r| r.key == expected.key) {
            warnings.push(format!(
                "文件中没有第 {} 行“{}”",
                expected.code, expected.text
            ));
        }
    }
    for row in &rows {
        match row.matched_by {
            MatchKind::Similar(_) => warnings.push(format!(
                "第{}行按相近文字对应到 {}，请确认",
                row.file_row, row.code
            )),
            MatchKind::Conflict => {
                if let Some(conflict) = &row.conflict {
                    warnings.push(format!("第{}行{conflict}", row.file_row));
                }
            }
            MatchKind::Id | MatchKind::Text => {}
        }
    }
    if !crate::schedule::plan_periods(context.plan).contains(&period) {
        warnings.push(format!(
            "{}不在当前计划的报送月份内，导入后不会出现在各月的报送情况中；如月份不对请选择",
            period.label()
        ));
    }
    Ok(ParsedReturn {
        file_name: file_name.to_owned(),
        sha256: crate::hash::sha256_hex(bytes),
        department: (department.id, department.name.clone()),
        period,
        rows,
        unmatched,
        warnings,
    })
}

/// A Word return (`.docx`, `.doc`, `.wps`) with no form table: its paragraphs split into the
/// department's rows by number and title, as an e-mail body is; the department and month from
/// its first lines (title, 填报单位), its name, or the user's choice.
fn read_word_paragraphs(
    file_name: &str,
    bytes: &[u8],
    choice: ImportChoice,
    context: &ImportContext<'_>,
    mut warnings: Vec<String>,
) -> Result<ParsedReturn, ImportError> {
    let text = crate::plan_text::decode_file(bytes).map_err(|error| match error {
        crate::plan_text::InputError::Empty => ImportError::Empty,
        other => ImportError::Corrupt(other.to_string()),
    })?;
    let above: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .take(8)
        .collect();
    let department_id = choose_department(file_name, &above, None, choice, context, &mut warnings)?;
    let Some(department) = context.departments.iter().find(|d| d.id == department_id) else {
        return Err(ImportError::NoDepartment);
    };
    let Some(obligation) = context
        .obligations
        .iter()
        .find(|o| o.department_id == department_id)
    else {
        return Err(ImportError::NotRequired(department.name.clone()));
    };
    let period = choose_period(file_name, &above, None, choice, context, &mut warnings)?;
    let split = super::split_email_body(&text, &obligation.rows);
    if split.rows.is_empty() {
        return Err(ImportError::NoTable);
    }
    let (rows, unmatched) = super::email::rows_of_split(&split, obligation);
    warnings.push("文件中没有进展表，各行按序号和事项名称从正文段落中读出，请核对。".to_owned());
    Ok(ParsedReturn {
        file_name: file_name.to_owned(),
        sha256: crate::hash::sha256_hex(bytes),
        department: (department.id, department.name.clone()),
        period,
        rows,
        unmatched,
        warnings,
    })
}

/// The table of a return: the sheet, its header row, and the columns the header names.
struct Table<'a> {
    grid: &'a Grid,
    header_row: usize,
    item: usize,
    progress: usize,
    remark: Option<usize>,
    key: Option<usize>,
}

impl Table<'_> {
    /// Every text above the header: the title, 填报单位, the month.
    fn text_above(&self) -> Vec<&str> {
        (0..self.header_row)
            .flat_map(|row| (0..self.grid.width(row)).map(move |column| (row, column)))
            .map(|(row, column)| self.grid.get(row, column))
            .filter(|text| !text.is_empty())
            .collect()
    }
}

/// The first sheet with a header row (within its first 30 rows) naming 进展 and 事项 or 单位.
fn find_table(grids: &[Grid]) -> Result<Table<'_>, ImportError> {
    for grid in grids.iter().filter(|g| g.name != META_SHEET) {
        for row in 0..grid.height().min(30) {
            let roles: Vec<(usize, Role)> = (0..grid.width(row))
                .filter_map(|column| role_of(grid.get(row, column)).map(|role| (column, role)))
                .collect();
            let column = |role: Role| roles.iter().find(|(_, r)| *r == role).map(|(c, _)| *c);
            let item = column(Role::Item).or(column(Role::Units));
            if let (Some(item), Some(progress)) = (item, column(Role::Progress)) {
                return Ok(Table {
                    grid,
                    header_row: row,
                    item,
                    progress,
                    remark: column(Role::Remark),
                    key: column(Role::Key),
                });
            }
        }
    }
    Err(if grids.iter().all(Grid::is_blank) {
        ImportError::Empty
    } else {
        ImportError::NoTable
    })
}

/// Who: the user's choice, else our template's id, else 填报单位, else the file name.
fn choose_department(
    file_name: &str,
    above: &[&str],
    meta_department: Option<i64>,
    choice: ImportChoice,
    context: &ImportContext<'_>,
    warnings: &mut Vec<String>,
) -> Result<i64, ImportError> {
    let known = DepartmentNames::new(context.departments);
    let reported_unit = above.iter().find_map(|text| {
        let at = text.find("填报单位")?;
        let rest = text[at + "填报单位".len()..].trim_start_matches(['：', ':', ' ', '　']);
        let end = rest.find(['　', ' ', '\t']).unwrap_or(rest.len());
        let end = rest.find("填报人").map_or(end, |p| p.min(end));
        Some(rest[..end].trim().to_owned())
    });
    let by_name = |name: &str| {
        known
            .canonical_of(name.trim())
            .and_then(|canonical| context.departments.iter().find(|d| d.name == canonical))
            .map(|d| d.id)
    };
    let unit_department = reported_unit
        .as_deref()
        .filter(|u| !u.is_empty())
        .and_then(by_name);
    if let Some(unit) = reported_unit.as_deref().filter(|u| !u.is_empty())
        && unit_department.is_none()
    {
        warnings.push(format!(
            "表头“填报单位：{}”与台账中的部门对不上",
            quote(unit)
        ));
    }
    let file_department = context
        .departments
        .iter()
        .flat_map(|d| {
            std::iter::once(&d.name)
                .chain(&d.aliases)
                .map(move |n| (d.id, n))
        })
        .filter(|(_, name)| file_name.contains(name.as_str()))
        .max_by_key(|(_, name)| name.chars().count())
        .map(|(id, _)| id);
    let found = meta_department.or(unit_department).or(file_department);
    match (choice.department_id, found) {
        (Some(chosen), Some(found)) if chosen != found => {
            let name_of = |id: i64| {
                context
                    .departments
                    .iter()
                    .find(|d| d.id == id)
                    .map_or("", |d| d.name.as_str())
            };
            warnings.push(format!(
                "文件写的是“{}”，按所选的“{}”导入",
                name_of(found),
                name_of(chosen)
            ));
            Ok(chosen)
        }
        (Some(chosen), _) => Ok(chosen),
        (None, Some(found)) => Ok(found),
        (None, None) => Err(ImportError::NoDepartment),
    }
}

/// When: the user's choice, else our template's, else the title, else the file name.
fn choose_period(
    file_name: &str,
    above: &[&str],
    meta_period: Option<Period>,
    choice: ImportChoice,
    context: &ImportContext<'_>,
    warnings: &mut Vec<String>,
) -> Result<Period, ImportError> {
    let title_period = above
        .iter()
        .find_map(|text| period_in(text, context.plan.year));
    let found = meta_period
        .or(title_period)
        .or_else(|| period_in(file_name, context.plan.year));
    match (choice.period, found) {
        (Some(chosen), Some(found)) if chosen != found => {
            warnings.push(format!(
                "文件写的是{}，按所选的{}导入",
                found.label(),
                chosen.label()
            ));
            Ok(chosen)
        }
        (Some(chosen), _) => Ok(chosen),
        (None, Some(found)) => Ok(found),
        (None, None) => Err(ImportError::NoPeriod),
    }
}

/// A blank cell must not wipe text the ledger already holds: such rows start unticked.
pub fn keep_stored_text(parsed: &mut ParsedReturn, stored: Option<&super::ReturnRecord>) {
    for row in &mut parsed.rows {
        let has_text = stored
            .and_then(|r| r.row(row.key))
            .is_some_and(|r| !r.progress.trim().is_empty());
        if row.status == RowStatus::Empty && has_text {
            row.accepted = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::workbook::sniff;

    #[test]
    fn numbering_stars_spaces_and_punctuation_do_not_count() {
        assert_eq!(
            normalize("★8．化肥农药使用量零增长情况"),
            normalize("化肥农药使用量零增长情况")
        );
        assert_eq!(
            normalize("12． 将土壤污染重点监管"),
            normalize("将土壤污染重点监管")
        );
        assert_eq!(
            normalize("产粮(油)大县制定土壤\n环境保护方案"),
            normalize("产粮（油）大县制定土壤环境保护方案")
        );
        assert!(similarity("化肥农药使用量零增长情况", "化肥农药使用零增长情况") > 0.7);
        assert!(similarity("化肥农药使用量零增长情况", "废弃农膜回收利用情况") < 0.3);
    }

    #[test]
    fn months_in_titles_and_file_names() {
        assert_eq!(
            period_in("重点工作进展（2019年7月）", 2019),
            Period::new(2019, 7)
        );
        assert_eq!(
            period_in("农业农村局7月份报送.xlsx", 2019),
            Period::new(2019, 7)
        );
        assert_eq!(period_in("19年12月进展", 2019), Period::new(2019, 12));
        assert_eq!(period_in("进展表", 2019), None);
        assert_eq!(period_in("填报时间：2019年8月5日", 2019), None);
        assert_eq!(
            period_in("填报时间：2019年8月5日（2019年7月）", 2019),
            Period::new(2019, 7)
        );
    }

    #[test]
    fn what_is_not_a_spreadsheet_is_refused() {
        assert!(matches!(sniff(b""), Err(ImportError::Empty)));
        assert!(matches!(sniff(b"hello"), Err(ImportError::NotSpreadsheet)));
        assert!(matches!(
            sniff(b"PK\x03\x04broken"),
            Err(ImportError::Corrupt(_))
        ));
        let mut encrypted = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
        assert!(matches!(sniff(&encrypted), Err(ImportError::Encrypted)));
    }
}
