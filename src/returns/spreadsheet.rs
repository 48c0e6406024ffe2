//! Reading returned spreadsheets: whatever departments send back — our template, the city's
//! original form, an old `.xls`, an `.ods`, moved columns, extra sheets — into a preview of the
//! rows it would change. Nothing here writes; a file that cannot be read gives a clear reason.

use std::io::{Cursor, Read as _};

use calamine::{Data, Reader as _, Sheets};

use super::template::{KEY_HEADER, META_MARK, META_SHEET, parse_key};
use super::{Obligation, RowKey, RowStatus};
use crate::model::Plan;
use crate::plan_text::DepartmentNames;
use crate::schedule::Period;

/// Rows a sheet may have: the form has a few dozen; far more is not a return.
pub const MAX_ROWS: u32 = 2_000;
/// Columns a sheet may have.
pub const MAX_COLUMNS: u32 = 100;
/// Bytes a spreadsheet's parts may inflate to in all.
pub const MAX_INFLATED: u64 = 100 * 1024 * 1024;
/// Bytes a returned file may have.
pub const MAX_FILE: usize = 30 * 1024 * 1024;

/// Why a file cannot be imported.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ImportError {
    #[error("这不是电子表格文件（不是 .xlsx、.xls 或 .ods）。")]
    NotSpreadsheet,
    #[error("文件设置了打开密码，无法读取。请让对方去掉密码后重新发送，或另存为无密码的文件。")]
    Encrypted,
    #[error("文件是空的。")]
    Empty,
    #[error("文件已损坏或不完整，无法读取：{0}")]
    Corrupt(String),
    #[error("文件太大（{0} MB），报送表不会这么大。")]
    TooLarge(u64),
    #[error("文件解压后过大（超过 {} MB），可能已损坏或是恶意文件，未读取。", MAX_INFLATED / 1024 / 1024)]
    Inflates,
    #[error("表格“{sheet}”有 {rows} 行以上，远多于进展表，未读取。")]
    TooManyRows { sheet: String, rows: u32 },
    #[error("没有找到进展表：任何工作表的前 30 行中都没有“进展情况”和“重点工作事项”这样的表头。")]
    NoTable,
    #[error("文件已损坏，读取时出错，未导入（{0}）")]
    Failed(String),
    #[error(
        "无法确定是哪个部门的报送：表头“填报单位”为空或不认识，文件名中也没有部门名称。请选择部门。"
    )]
    NoDepartment,
    #[error("无法确定报送月份：标题和文件名中都没有月份。请选择月份。")]
    NoPeriod,
    #[error("“{0}”不报送进展表，无法导入。")]
    NotRequired(String),
}

/// How a file row was matched to a form row.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MatchKind {
    /// By our template's hidden id.
    Id,
    /// By the row's text.
    Text,
    /// By similar text: shown for the user to confirm.
    Similar(f32),
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

enum Format {
    Xlsx,
    Xls,
    Ods,
}

fn sniff(bytes: &[u8]) -> Result<Format, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    if bytes.len() > MAX_FILE {
        return Err(ImportError::TooLarge(bytes.len() as u64 / 1024 / 1024));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| ImportError::Corrupt(e.to_string()))?;
        let mut inflated = 0_u64;
        let mut is_ods = false;
        let mut is_xlsx = false;
        if archive.len() > 5_000 {
            return Err(ImportError::Inflates);
        }
        for index in 0..archive.len() {
            let entry = archive
                .by_index_raw(index)
                .map_err(|e| ImportError::Corrupt(e.to_string()))?;
            inflated = inflated.saturating_add(entry.size());
            match entry.name().as_deref() {
                Ok("xl/workbook.xml") => is_xlsx = true,
                Ok("content.xml") => is_ods = true,
                _ => {}
            }
        }
        if inflated > MAX_INFLATED {
            return Err(ImportError::Inflates);
        }
        if is_ods {
            let mut mimetype = String::new();
            if let Ok(mut entry) = archive.by_name("mimetype") {
                let _ = entry.by_ref().take(200).read_to_string(&mut mimetype);
            }
            if mimetype.contains("spreadsheet") {
                return Ok(Format::Ods);
            }
        }
        return if is_xlsx {
            Ok(Format::Xlsx)
        } else {
            Err(ImportError::NotSpreadsheet)
        };
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        // An encrypted .xlsx is a compound file holding an `EncryptedPackage` stream.
        let marker: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        if bytes.windows(marker.len()).any(|w| w == marker.as_slice()) {
            return Err(ImportError::Encrypted);
        }
        return Ok(Format::Xls);
    }
    Err(ImportError::NotSpreadsheet)
}

fn cell_text(data: &Data, warnings: &mut Vec<String>, place: &str) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(text) => text.replace("\r\n", "\n").trim().to_owned(),
        Data::Int(value) => value.to_string(),
        Data::Float(value) => {
            if value.fract() == 0.0 && value.abs() < 1e15 {
                format!("{value:.0}")
            } else {
                value.to_string()
            }
        }
        Data::Bool(value) => value.to_string(),
        Data::DateTime(value) => {
            // Excel counts days from 1899-12-30.
            let days = value.as_f64().floor();
            chrono::NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|epoch| epoch.checked_add_signed(chrono::Duration::days(days as i64)))
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default()
        }
        Data::DateTimeIso(text) | Data::DurationIso(text) => text.clone(),
        Data::Error(error) => {
            warnings.push(format!("{place}的单元格是错误值（{error}），按空白处理"));
            String::new()
        }
    }
}

/// Letters and digits only, with a leading ★ and numbering (`8．`, `1.`, `3、`) removed.
fn normalize(text: &str) -> String {
    let text = text.trim().trim_start_matches('★').trim_start();
    let digits = text
        .chars()
        .take_while(|c| c.is_ascii_digit() || c.is_whitespace())
        .count();
    let after: String = text.chars().skip(digits).collect();
    let body = if digits > 0 && after.starts_with(['．', '.', '、']) {
        after.chars().skip(1).collect()
    } else {
        text.to_owned()
    };
    body.chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            c => c,
        })
        .collect()
}

fn bigrams(text: &str) -> std::collections::HashSet<(char, char)> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

/// How alike two bigram sets are (Dice coefficient, 0 to 1).
fn dice(
    a: &std::collections::HashSet<(char, char)>,
    b: &std::collections::HashSet<(char, char)>,
) -> f32 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let shared = a.intersection(b).count() as f32;
    shared / (a.len() + b.len()) as f32 * 2.0
}

#[cfg(test)]
fn similarity(a: &str, b: &str) -> f32 {
    dice(&bigrams(a), &bigrams(b))
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

/// One sheet as text, with the merged cells filled from their top-left cell.
struct Grid {
    name: String,
    cells: Vec<Vec<String>>,
}

impl Grid {
    fn get(&self, row: usize, column: usize) -> &str {
        self.cells
            .get(row)
            .and_then(|r| r.get(column))
            .map_or("", String::as_str)
    }
}

fn load_grids(bytes: &[u8], warnings: &mut Vec<String>) -> Result<Vec<Grid>, ImportError> {
    let format = sniff(bytes)?;
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| ImportError::Corrupt(e.to_string()))?;
    let names = workbook.sheet_names();
    let mut grids = Vec::new();
    for name in names {
        // Stream an .xlsx sheet's cells first: a small file may declare a huge sheet.
        if let (Format::Xlsx, Sheets::Xlsx(xlsx)) = (&format, &mut workbook) {
            let mut reader = xlsx
                .worksheet_cells_reader(&name)
                .map_err(|e| ImportError::Corrupt(e.to_string()))?;
            while let Some(cell) = reader
                .next_cell()
                .map_err(|e| ImportError::Corrupt(e.to_string()))?
            {
                let (row, column) = cell.get_position();
                if row >= MAX_ROWS {
                    return Err(ImportError::TooManyRows {
                        sheet: name.clone(),
                        rows: MAX_ROWS,
                    });
                }
                if column >= MAX_COLUMNS {
                    return Err(ImportError::TooManyRows {
                        sheet: name.clone(),
                        rows: row,
                    });
                }
            }
        }
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| ImportError::Corrupt(e.to_string()))?;
        let (height, width) = range.get_size();
        let start = range.start().unwrap_or((0, 0));
        if start.0 as usize + height > MAX_ROWS as usize {
            return Err(ImportError::TooManyRows {
                sheet: name.clone(),
                rows: start.0 + height as u32,
            });
        }
        if width > MAX_COLUMNS as usize {
            return Err(ImportError::TooManyRows {
                sheet: name.clone(),
                rows: height as u32,
            });
        }
        let mut cells =
            vec![vec![String::new(); start.1 as usize + width]; start.0 as usize + height];
        for (row, column, data) in range.used_cells() {
            let place = format!("“{name}”第{}行", start.0 as usize + row + 1);
            cells[start.0 as usize + row][start.1 as usize + column] =
                cell_text(data, warnings, &place);
        }
        let merges = match &mut workbook {
            Sheets::Xlsx(xlsx) => xlsx.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            Sheets::Xls(xls) => xls.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            _ => Vec::new(),
        };
        for merge in merges {
            let (top, left) = (merge.start.0 as usize, merge.start.1 as usize);
            let value = cells
                .get(top)
                .and_then(|r| r.get(left))
                .cloned()
                .unwrap_or_default();
            for row in top..=(merge.end.0 as usize).min(cells.len().saturating_sub(1)) {
                for column in left..=(merge.end.1 as usize) {
                    if let Some(cell) = cells.get_mut(row).and_then(|r| r.get_mut(column))
                        && cell.is_empty()
                    {
                        cell.clone_from(&value);
                    }
                }
            }
        }
        grids.push(Grid { name, cells });
    }
    Ok(grids)
}

/// Year and month named in a text: `2019年7月`, or `7月` with the plan's year.
fn period_in(text: &str, plan_year: i32) -> Option<Period> {
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
        if let Some(period) = Period::new(year.unwrap_or(plan_year), month) {
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
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        read_return_inner(file_name, bytes, choice, context)
    }));
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
    let grids = load_grids(bytes, &mut warnings)?;
    let known = DepartmentNames::new(context.departments);

    // Our template's hidden sheet says who and when.
    let meta = grids
        .iter()
        .find(|g| g.name == META_SHEET && g.get(0, 0) == META_MARK);
    let meta_department = meta
        .and_then(|g| g.get(1, 1).parse::<i64>().ok())
        .filter(|id| context.departments.iter().any(|d| d.id == *id));
    let meta_period = meta.and_then(|g| Period::parse(g.get(3, 1)));

    // The table: the first sheet with a header row naming 进展 and 事项 or 单位.
    let mut table = None;
    for grid in grids.iter().filter(|g| g.name != META_SHEET) {
        for row in 0..grid.cells.len().min(30) {
            let roles: Vec<(usize, Role)> = grid.cells[row]
                .iter()
                .enumerate()
                .filter_map(|(column, text)| role_of(text).map(|role| (column, role)))
                .collect();
            let has = |role: Role| roles.iter().any(|(_, r)| *r == role);
            if has(Role::Progress) && (has(Role::Item) || has(Role::Units)) {
                table = Some((grid, row, roles));
                break;
            }
        }
        if table.is_some() {
            break;
        }
    }
    let Some((grid, header_row, roles)) = table else {
        return Err(
            if grids
                .iter()
                .all(|g| g.cells.iter().flatten().all(String::is_empty))
            {
                ImportError::Empty
            } else {
                ImportError::NoTable
            },
        );
    };
    let column = |role: Role| roles.iter().find(|(_, r)| *r == role).map(|(c, _)| *c);
    let (item_column, progress_column) = (
        column(Role::Item).or(column(Role::Units)),
        column(Role::Progress),
    );
    let (Some(item_column), Some(progress_column)) = (item_column, progress_column) else {
        return Err(ImportError::NoTable);
    };
    let remark_column = column(Role::Remark);
    let key_column = column(Role::Key);

    // Who: the user's choice, else our template's id, else 填报单位, else the file name.
    let above: Vec<&String> = grid.cells[..header_row]
        .iter()
        .flatten()
        .filter(|t| !t.is_empty())
        .collect();
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
        warnings.push(format!("表头“填报单位：{unit}”与台账中的部门对不上"));
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
    let found_department = meta_department.or(unit_department).or(file_department);
    let department_id = match (choice.department_id, found_department) {
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
            chosen
        }
        (Some(chosen), _) => chosen,
        (None, Some(found)) => found,
        (None, None) => return Err(ImportError::NoDepartment),
    };
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

    // When: the user's choice, else our template's, else the title, else the file name.
    let title_period = above
        .iter()
        .find_map(|text| period_in(text, context.plan.year));
    let found_period = meta_period
        .or(title_period)
        .or_else(|| period_in(file_name, context.plan.year));
    let period = match (choice.period, found_period) {
        (Some(chosen), Some(found)) if chosen != found => {
            warnings.push(format!(
                "文件写的是{}，按所选的{}导入",
                found.label(),
                chosen.label()
            ));
            chosen
        }
        (Some(chosen), _) => chosen,
        (None, Some(found)) => found,
        (None, None) => return Err(ImportError::NoPeriod),
    };

    // Rows.
    // Normalised texts and bigrams are computed once, not per file row.
    let all_rows: Vec<(RowKey, String, String)> = context
        .plan
        .form
        .rows()
        .map(|r| (RowKey::FormRow(r.id), normalize(&r.text), String::new()))
        .chain(context.plan.tasks().map(|t| {
            (
                RowKey::Task(t.id),
                normalize(&t.title),
                normalize(&format!("{} {}", t.code, t.title)),
            )
        }))
        .collect();
    let own_bigrams: Vec<(RowKey, std::collections::HashSet<(char, char)>)> = obligation
        .rows
        .iter()
        .map(|r| (r.key, bigrams(&normalize(&r.text))))
        .collect();
    let mut rows: Vec<ImportedRow> = Vec::new();
    let mut unmatched = Vec::new();
    let mut group = String::new();
    for (index, cells) in grid.cells.iter().enumerate().skip(header_row + 1) {
        let get = |column: usize| cells.get(column).map_or("", String::as_str);
        if let Some(group_column) = column(Role::Group)
            && !get(group_column).is_empty()
        {
            group = get(group_column).to_owned();
        }
        let item = get(item_column);
        let progress = get(progress_column).to_owned();
        let remark = remark_column.map(get).unwrap_or_default().to_owned();
        if item.is_empty() && progress.is_empty() {
            continue;
        }
        // A line spanning the table (our separator, notes under the form) is not a row.
        let spans_table =
            !item.is_empty() && cells.iter().filter(|c| c.as_str() == item).count() >= 3;
        if spans_table || item.starts_with("注：") || item.starts_with("注:") {
            continue;
        }
        let file_row = index as u32 + 1;
        let keyed = key_column
            .and_then(|c| parse_key(get(c)))
            .filter(|key| all_rows.iter().any(|(k, _, _)| k == key));
        let normalized = normalize(item);
        let same_text = |(_, text, with_code): &&(RowKey, String, String)| {
            !normalized.is_empty()
                && (*text == normalized || (!with_code.is_empty() && *with_code == normalized))
        };
        let matched = match keyed {
            Some(key) => Some((key, MatchKind::Id)),
            // Two rows of the form may read the same: the department's own comes first.
            None => all_rows
                .iter()
                .filter(|(key, _, _)| obligation.rows.iter().any(|r| r.key == *key))
                .find(same_text)
                .or_else(|| all_rows.iter().find(same_text))
                .map(|(key, _, _)| (*key, MatchKind::Text))
                .or_else(|| {
                    let file_bigrams = bigrams(&normalized);
                    let mut scored: Vec<(f32, RowKey)> = own_bigrams
                        .iter()
                        .map(|(key, grams)| (dice(grams, &file_bigrams), *key))
                        .collect();
                    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
                    match scored.as_slice() {
                        [(best, key), rest @ ..]
                            if *best >= 0.6
                                && rest.first().is_none_or(|(next, _)| best - next > 0.1) =>
                        {
                            Some((*key, MatchKind::Similar(*best)))
                        }
                        _ => None,
                    }
                }),
        };
        let Some((key, matched_by)) = matched else {
            unmatched.push(UnmatchedRow {
                row: file_row,
                text: if item.is_empty() {
                    progress.chars().take(40).collect()
                } else {
                    item.to_owned()
                },
            });
            continue;
        };
        let Some(expected) = obligation.rows.iter().find(|r| r.key == key) else {
            if RowStatus::of(&progress) == RowStatus::Progress {
                warnings.push(format!(
                    "第{file_row}行“{item}”不是{}负责的行，未导入",
                    department.name
                ));
            }
            continue;
        };
        if rows.iter().any(|r| r.key == key) {
            warnings.push(format!(
                "第{file_row}行与前面的行重复（{}），只取第一行",
                expected.code
            ));
            continue;
        }
        let _ = &group;
        rows.push(ImportedRow {
            key,
            code: expected.code.clone(),
            text: expected.text.clone(),
            file_row,
            status: RowStatus::of(&progress),
            progress,
            remark,
            accepted: !matches!(matched_by, MatchKind::Similar(_)),
            matched_by,
        });
    }
    for expected in &obligation.rows {
        if !rows.iter().any(|r| r.key == expected.key) {
            warnings.push(format!(
                "文件中没有第 {} 行“{}”",
                expected.code, expected.text
            ));
        }
    }
    for row in rows
        .iter()
        .filter(|r| matches!(r.matched_by, MatchKind::Similar(_)))
    {
        warnings.push(format!(
            "第{}行按相近文字对应到 {}，请确认",
            row.file_row, row.code
        ));
    }
    if !crate::schedule::reporting_periods(context.plan.year, context.plan.issued_on)
        .contains(&period)
    {
        warnings.push(format!(
            "{}不在当前计划的报送月份内，导入后不会出现在各月的报送情况中；如月份不对请选择",
            period.label()
        ));
    }
    Ok(ParsedReturn {
        file_name: file_name.to_owned(),
        sha256: crate::store::sha256_hex(bytes),
        department: (department.id, department.name.clone()),
        period,
        rows,
        unmatched,
        warnings,
    })
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
