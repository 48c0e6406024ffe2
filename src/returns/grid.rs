//! Returned spreadsheets as grids of text, read within fixed bounds whatever the file declares.
//!
//! A 9 KB file can declare billions of cells or strings, one long string can be used by a
//! hundred thousand cells, an `.ods` row can repeat one cell over 16,384 columns, and merged
//! ranges can overlap by the hundred thousand. So: the zip parts' real inflated sizes are
//! checked before any reader opens them; `.xlsx` cells are streamed and a shared string is kept
//! once however many cells use it; `.ods` is read by our own streaming reader that never
//! expands repeated empty cells; `.xls` is checked by [`super::xls_scan`] before calamine parses
//! it; every grid is bounded in rows, columns and total text; merges fill each cell at most
//! once. A merge is filled downwards into the cells it covers, but not sideways: a department
//! that merged 进展情况 with 备注 wrote one text, not two.

use std::collections::HashMap;
use std::io::{Cursor, Read as _};
use std::rc::Rc;

use calamine::{Data, DataRef, Reader as _, Sheets};

use super::spreadsheet::ImportError;

/// Rows a sheet may have: the form has a few dozen; far more is not a return.
pub const MAX_ROWS: u32 = 2_000;
/// Columns a sheet may have.
pub const MAX_COLUMNS: u32 = 100;
/// Bytes of text all sheets together may hold (each distinct text counted once).
pub const MAX_TEXT_BYTES: u64 = 16 * 1024 * 1024;
/// Merged ranges a sheet may have.
pub const MAX_MERGES: usize = 10_000;
/// Bytes a spreadsheet's parts may inflate to in all.
pub const MAX_INFLATED: u64 = 100 * 1024 * 1024;
/// Bytes a returned file may have.
pub const MAX_FILE: usize = 30 * 1024 * 1024;
/// Sheets a workbook may have: each may fill a grid of [`MAX_ROWS`] × [`MAX_COLUMNS`].
pub const MAX_SHEETS: usize = 50;
/// Strings an `.xlsx` may declare in its shared-string table (calamine reserves that many).
pub const MAX_SHARED_STRINGS: u64 = 1_000_000;

/// One cell: its text, and the column of the cell it came from when a merge filled it.
#[derive(Clone, Debug, Default)]
struct Cell {
    text: Rc<str>,
    /// The merge's top-left column, for a cell a merge covers.
    merged_from: Option<u32>,
}

/// One sheet as text.
#[derive(Debug)]
pub struct Grid {
    pub name: String,
    rows: Vec<Vec<Cell>>,
}

impl Grid {
    fn new(name: String) -> Self {
        Self {
            name,
            rows: Vec::new(),
        }
    }

    /// Rows, including empty ones up to the last with text.
    pub fn height(&self) -> usize {
        self.rows.len()
    }

    /// Cells in a row.
    pub fn width(&self, row: usize) -> usize {
        self.rows.get(row).map_or(0, Vec::len)
    }

    /// The text that belongs to this cell: its own, or a merge's from above. A cell covered by
    /// a merge from a column to its left reads empty.
    pub fn get(&self, row: usize, column: usize) -> &str {
        match self.rows.get(row).and_then(|r| r.get(column)) {
            Some(cell) if cell.merged_from.is_none_or(|c| c as usize == column) => &cell.text,
            _ => "",
        }
    }

    /// The text shown in this cell, merges from any side included.
    pub fn shown(&self, row: usize, column: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.get(column))
            .map_or("", |cell| &cell.text)
    }

    /// Whether any cell of the sheet has text.
    pub fn is_blank(&self) -> bool {
        self.rows.iter().flatten().all(|c| c.text.is_empty())
    }

    fn set(&mut self, row: u32, column: u32, text: Rc<str>) -> Result<(), ImportError> {
        if row >= MAX_ROWS {
            return Err(ImportError::TooManyRows {
                sheet: self.name.clone(),
                rows: MAX_ROWS,
            });
        }
        if column >= MAX_COLUMNS {
            return Err(ImportError::TooManyColumns {
                sheet: self.name.clone(),
                columns: column + 1,
            });
        }
        let (row, column) = (row as usize, column as usize);
        if self.rows.len() <= row {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let cells = &mut self.rows[row];
        if cells.len() <= column {
            cells.resize_with(column + 1, Cell::default);
        }
        cells[column] = Cell {
            text,
            merged_from: None,
        };
        Ok(())
    }

    /// Fills the cells that merged ranges cover from each range's top-left cell. Each cell is
    /// filled at most once, so overlapping ranges cost no more than the grid's size.
    fn apply_merges(&mut self, merges: &[Merge]) -> Result<(), ImportError> {
        if merges.len() > MAX_MERGES {
            return Err(ImportError::TooManyMerges {
                sheet: self.name.clone(),
                count: merges.len(),
            });
        }
        let height = self.rows.len() as u32;
        let mut covered = vec![false; (self.rows.len()) * MAX_COLUMNS as usize];
        for merge in merges {
            if merge.top >= height || merge.left >= MAX_COLUMNS {
                continue;
            }
            let bottom = merge.bottom.min(height - 1);
            let right = merge.right.min(MAX_COLUMNS - 1);
            let Some(anchor) = self
                .rows
                .get(merge.top as usize)
                .and_then(|r| r.get(merge.left as usize))
                .map(|c| c.text.clone())
            else {
                continue;
            };
            'rows: for row in merge.top..=bottom {
                for column in merge.left..=right {
                    if row == merge.top && column == merge.left {
                        continue;
                    }
                    let index = row as usize * MAX_COLUMNS as usize + column as usize;
                    if covered[index] {
                        // Ranges overlap: the rest of this one was already filled by another.
                        break 'rows;
                    }
                    covered[index] = true;
                    let cells = &mut self.rows[row as usize];
                    if cells.len() <= column as usize {
                        cells.resize_with(column as usize + 1, Cell::default);
                    }
                    let cell = &mut cells[column as usize];
                    if cell.text.is_empty() {
                        *cell = Cell {
                            text: anchor.clone(),
                            merged_from: Some(merge.left),
                        };
                    }
                }
            }
        }
        Ok(())
    }
}

/// A merged range, inclusive, zero-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Merge {
    top: u32,
    left: u32,
    bottom: u32,
    right: u32,
}

/// Keeps the total text within [`MAX_TEXT_BYTES`], each distinct text counted once.
struct TextBudget {
    used: u64,
}

impl TextBudget {
    fn take(&mut self, text: &str) -> Result<Rc<str>, ImportError> {
        self.used = self.used.saturating_add(text.len() as u64);
        if self.used > MAX_TEXT_BYTES {
            return Err(ImportError::TooMuchText);
        }
        Ok(Rc::from(text))
    }
}

/// What a file's first bytes say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xls,
    Ods,
}

/// Recognises the file by content and checks what it declares before any reader opens it.
pub fn sniff(bytes: &[u8]) -> Result<Format, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    if bytes.len() > MAX_FILE {
        return Err(ImportError::TooLarge(bytes.len() as u64 / 1024 / 1024));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return check_zip(bytes);
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

/// Checks a zip's parts: how many, how large they really inflate (a part may declare a small
/// size and inflate to gigabytes), and the shared-string count an `.xlsx` declares.
fn check_zip(bytes: &[u8]) -> Result<Format, ImportError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ImportError::Corrupt(e.to_string()))?;
    if archive.len() > 5_000 {
        return Err(ImportError::Inflates);
    }
    let mut inflated = 0_u64;
    let mut is_ods = false;
    let mut is_xlsx = false;
    let mut mimetype = String::new();
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| ImportError::Corrupt(e.to_string()))?;
        let name = entry
            .name()
            .map_err(|e| ImportError::Corrupt(e.to_string()))?
            .into_owned();
        match name.as_str() {
            "xl/workbook.xml" => is_xlsx = true,
            "content.xml" => is_ods = true,
            _ => {}
        }
        if entry.is_dir() {
            continue;
        }
        let declared = entry.size();
        inflated = inflated.saturating_add(declared);
        if inflated > MAX_INFLATED {
            return Err(ImportError::Inflates);
        }
        // Only parts that a reader parses are inflated here; pictures are never read.
        let parsed = name.ends_with(".xml") || name.ends_with(".rels") || name == "mimetype";
        if !parsed {
            continue;
        }
        let mut head = Vec::new();
        let mut counted = 0_u64;
        let mut buffer = [0_u8; 64 * 1024];
        loop {
            let read = entry
                .read(&mut buffer)
                .map_err(|e| ImportError::Corrupt(e.to_string()))?;
            if read == 0 {
                break;
            }
            counted += read as u64;
            if counted > declared || inflated - declared + counted > MAX_INFLATED {
                return Err(ImportError::Inflates);
            }
            if head.len() < 4096 {
                let take = (4096 - head.len()).min(read);
                head.extend_from_slice(&buffer[..take]);
            }
        }
        if name == "mimetype" {
            mimetype = String::from_utf8_lossy(&head).into_owned();
        }
        if name.ends_with("sharedStrings.xml") {
            let head = String::from_utf8_lossy(&head);
            if let Some(count) = declared_count(&head, "uniqueCount")
                && count > MAX_SHARED_STRINGS
            {
                return Err(ImportError::DeclaresTooMuch { count });
            }
        }
    }
    if is_ods && mimetype.contains("spreadsheet") {
        return Ok(Format::Ods);
    }
    if is_xlsx {
        Ok(Format::Xlsx)
    } else {
        Err(ImportError::NotSpreadsheet)
    }
}

/// The number in `name="N"` within the first element that has it.
fn declared_count(head: &str, name: &str) -> Option<u64> {
    let at = head.find(&format!("{name}="))? + name.len() + 1;
    let rest = head[at..].trim_start_matches(['"', '\'']);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    // More digits than a u64 holds is more than any limit.
    Some(digits.parse().unwrap_or(u64::MAX))
}

/// Reads every sheet of a file into grids, within the bounds above.
pub fn load_grids(bytes: &[u8], warnings: &mut Vec<String>) -> Result<Vec<Grid>, ImportError> {
    let format = sniff(bytes)?;
    let mut budget = TextBudget { used: 0 };
    match format {
        Format::Ods => super::ods::read(bytes, SheetSink::new(&mut budget), warnings),
        Format::Xlsx => load_xlsx(bytes, &mut budget, warnings),
        Format::Xls => load_xls(bytes, &mut budget, warnings),
    }
}

/// What the `.ods` reader calls to store a cell and a merge.
pub(super) struct SheetSink<'a> {
    budget: &'a mut TextBudget,
    grids: Vec<Grid>,
    merges: Vec<Merge>,
}

impl<'a> SheetSink<'a> {
    fn new(budget: &'a mut TextBudget) -> Self {
        Self {
            budget,
            grids: Vec::new(),
            merges: Vec::new(),
        }
    }

    /// Starts a new sheet (finishing the one before).
    pub fn start_sheet(&mut self, name: String) -> Result<(), ImportError> {
        self.finish_sheet()?;
        self.grids.push(Grid::new(name));
        Ok(())
    }

    /// Stores one text in a cell; `repeat` cells to the right and `rows` rows down share it.
    pub fn set(
        &mut self,
        row: u32,
        column: u32,
        text: &str,
    ) -> Result<Option<SharedText>, ImportError> {
        if text.is_empty() {
            return Ok(None);
        }
        let shared = self.budget.take(text)?;
        self.set_shared(row, column, &SharedText(shared.clone()))?;
        Ok(Some(SharedText(shared)))
    }

    /// Stores a text already counted against the budget.
    pub fn set_shared(
        &mut self,
        row: u32,
        column: u32,
        text: &SharedText,
    ) -> Result<(), ImportError> {
        match self.grids.last_mut() {
            Some(grid) => grid.set(row, column, text.0.clone()),
            None => Ok(()),
        }
    }

    /// Records a merged range of the current sheet.
    pub fn merge(
        &mut self,
        top: u32,
        left: u32,
        bottom: u32,
        right: u32,
    ) -> Result<(), ImportError> {
        self.merges.push(Merge {
            top,
            left,
            bottom,
            right,
        });
        if self.merges.len() > MAX_MERGES {
            let sheet = self
                .grids
                .last()
                .map(|g| g.name.clone())
                .unwrap_or_default();
            return Err(ImportError::TooManyMerges {
                sheet,
                count: self.merges.len(),
            });
        }
        Ok(())
    }

    /// The sheet being read, for messages.
    pub fn sheet_name(&self) -> String {
        self.grids
            .last()
            .map(|g| g.name.clone())
            .unwrap_or_default()
    }

    fn finish_sheet(&mut self) -> Result<(), ImportError> {
        let merges = std::mem::take(&mut self.merges);
        if let Some(grid) = self.grids.last_mut() {
            grid.apply_merges(&merges)?;
        }
        Ok(())
    }

    /// The grids read.
    pub fn finish(mut self) -> Result<Vec<Grid>, ImportError> {
        self.finish_sheet()?;
        Ok(self.grids)
    }
}

/// A text stored once and shared by the cells that repeat it.
#[derive(Clone, Debug)]
pub(super) struct SharedText(Rc<str>);

fn load_xlsx(
    bytes: &[u8],
    budget: &mut TextBudget,
    warnings: &mut Vec<String>,
) -> Result<Vec<Grid>, ImportError> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| ImportError::Corrupt(e.to_string()))?;
    let Sheets::Xlsx(xlsx) = &mut workbook else {
        return Err(ImportError::NotSpreadsheet);
    };
    let mut grids = Vec::new();
    for name in xlsx.sheet_names() {
        let mut grid = Grid::new(name.clone());
        // A shared string used by many cells is stored once: the cache is keyed by the
        // string's address in the workbook's table.
        let mut shared: HashMap<usize, Rc<str>> = HashMap::new();
        let mut formulas_without_value = 0_usize;
        let mut first_formula_row = None;
        {
            let mut reader = xlsx
                .worksheet_cells_reader(&name)
                .map_err(|e| ImportError::Corrupt(e.to_string()))?;
            while let Some(cell) = reader
                .next_cell_with_formula_metadata()
                .map_err(|e| ImportError::Corrupt(e.to_string()))?
            {
                let (row, column) = cell.pos;
                let text = match &cell.value {
                    DataRef::SharedString(text) => {
                        if text.is_empty() {
                            None
                        } else {
                            let key = text.as_ptr() as usize;
                            match shared.get(&key) {
                                Some(existing) => Some(existing.clone()),
                                None => {
                                    let stored = budget.take(&normalize_newlines(text))?;
                                    shared.insert(key, stored.clone());
                                    Some(stored)
                                }
                            }
                        }
                    }
                    DataRef::Empty => {
                        if cell.formula.is_some() {
                            formulas_without_value += 1;
                            first_formula_row.get_or_insert(row + 1);
                        }
                        None
                    }
                    other => {
                        let place = format!("“{name}”第{}行", row + 1);
                        let text = data_text(&Data::from(other.clone()), warnings, &place);
                        if text.is_empty() {
                            None
                        } else {
                            Some(budget.take(&text)?)
                        }
                    }
                };
                // Empty cells (a format reaching far out) are not stored and not refused.
                if let Some(text) = text {
                    grid.set(row, column, text)?;
                }
            }
        }
        if formulas_without_value > 0 {
            warnings.push(format!(
                "“{name}”第{}行等 {formulas_without_value} 个单元格是公式，但文件中没有保存计算结果，按空白处理。请在 Excel 或 WPS 中打开该文件、保存后重新导入。",
                first_formula_row.unwrap_or(0)
            ));
        }
        let merges: Vec<Merge> = xlsx
            .merge_cells_by_sheet_name(&name)
            .unwrap_or_default()
            .into_iter()
            .map(|d| Merge {
                top: d.start.0,
                left: d.start.1,
                bottom: d.end.0,
                right: d.end.1,
            })
            .collect();
        grid.apply_merges(&merges)?;
        grids.push(grid);
    }
    Ok(grids)
}

fn load_xls(
    bytes: &[u8],
    budget: &mut TextBudget,
    warnings: &mut Vec<String>,
) -> Result<Vec<Grid>, ImportError> {
    // calamine parses a whole .xls when it opens it, trusting its declared sizes.
    let limits = super::xls_scan::XlsLimits {
        max_rows: MAX_ROWS,
        max_columns: MAX_COLUMNS,
        max_text_bytes: MAX_TEXT_BYTES,
        max_merges: MAX_MERGES,
        max_stream_bytes: MAX_FILE as u64,
        max_sheets: MAX_SHEETS,
    };
    super::xls_scan::scan_xls(bytes, &limits).map_err(ImportError::from)?;
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| ImportError::Corrupt(e.to_string()))?;
    let mut grids = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook
            .worksheet_range(&name)
            .map_err(|e| ImportError::Corrupt(e.to_string()))?;
        let start = range.start().unwrap_or((0, 0));
        let mut grid = Grid::new(name.clone());
        for (row, column, data) in range.used_cells() {
            let (row, column) = (start.0 + row as u32, start.1 + column as u32);
            let place = format!("“{name}”第{}行", row + 1);
            let text = data_text(data, warnings, &place);
            if !text.is_empty() {
                grid.set(row, column, budget.take(&text)?)?;
            }
        }
        let merges: Vec<Merge> = match &mut workbook {
            Sheets::Xls(xls) => xls.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            _ => Vec::new(),
        }
        .into_iter()
        .map(|d| Merge {
            top: d.start.0,
            left: d.start.1,
            bottom: d.end.0,
            right: d.end.1,
        })
        .collect();
        grid.apply_merges(&merges)?;
        grids.push(grid);
    }
    Ok(grids)
}

fn normalize_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").trim().to_owned()
}

/// A cell's value as the text a person sees.
fn data_text(data: &Data, warnings: &mut Vec<String>, place: &str) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(text) => normalize_newlines(text),
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
            if !days.is_finite() || days.abs() > 1e7 {
                return String::new();
            }
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

impl From<super::xls_scan::XlsRefusal> for ImportError {
    fn from(refusal: super::xls_scan::XlsRefusal) -> Self {
        use super::xls_scan::XlsRefusal;
        match refusal {
            XlsRefusal::TooManyRows { sheet, .. } => ImportError::TooManyRows {
                sheet,
                rows: MAX_ROWS,
            },
            XlsRefusal::TooManyColumns { sheet, columns } => ImportError::TooManyColumns {
                sheet,
                columns: u32::try_from(columns).unwrap_or(u32::MAX),
            },
            XlsRefusal::TooMuchText { .. } => ImportError::TooMuchText,
            XlsRefusal::TooManyMerges { count } => ImportError::TooManyMerges {
                sheet: String::new(),
                count: usize::try_from(count).unwrap_or(usize::MAX),
            },
            XlsRefusal::TooManySheets { .. } => ImportError::TooManySheets,
            XlsRefusal::NoWorkbook => ImportError::NotSpreadsheet,
            XlsRefusal::Damaged(detail) => ImportError::Corrupt(detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_fill_down_not_sideways_and_overlaps_cost_nothing() {
        let mut grid = Grid::new("表".to_owned());
        grid.set(0, 0, Rc::from("组")).unwrap_or_default();
        grid.set(0, 3, Rc::from("进展")).unwrap_or_default();
        grid.set(3, 4, Rc::from("")).unwrap_or_default();
        let mut merges = vec![
            Merge {
                top: 0,
                left: 0,
                bottom: 3,
                right: 0,
            },
            Merge {
                top: 0,
                left: 3,
                bottom: 0,
                right: 4,
            },
        ];
        for _ in 0..5_000 {
            merges.push(Merge {
                top: 0,
                left: 0,
                bottom: u32::MAX,
                right: u32::MAX,
            });
        }
        assert!(grid.apply_merges(&merges).is_ok());
        assert_eq!(grid.get(2, 0), "组");
        assert_eq!(grid.get(0, 4), "");
        assert_eq!(grid.shown(0, 4), "进展");
    }

    #[test]
    fn declared_counts() {
        assert_eq!(
            declared_count(r#"<sst count="5" uniqueCount="4000000000">"#, "uniqueCount"),
            Some(4_000_000_000)
        );
        assert_eq!(declared_count("<sst>", "uniqueCount"), None);
    }
}
