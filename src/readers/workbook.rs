//! Recognising a returned file by its content and reading its sheets into grids, with what the
//! file declares checked before any reader allocates for it: the zip parts' real inflated
//! sizes and the shared-string count of an `.xlsx`, the records of an `.xls`
//! ([`super::xls_scan`]). `.xlsx` cells are streamed, each shared string kept once; `.ods` goes
//! through our own streaming reader ([`super::ods`]).

use std::collections::HashMap;
use std::io::{Cursor, Read as _};
use std::sync::Arc;

use calamine::{Data, DataRef, Reader as _, Sheets};

use super::error::ImportError;
use super::grid::{Grid, Merge, SheetSink, TextBudget};
use super::limits::{
    MAX_COLUMNS, MAX_FILE, MAX_INFLATED, MAX_MERGES, MAX_ROWS, MAX_SHARED_STRINGS, MAX_SHEETS,
    MAX_TEXT_BYTES,
};

/// What a file's first bytes say it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xlsx,
    Xls,
    Ods,
    /// A Word document whose table is the form.
    Docx,
    /// A Word 97–2003 (or WPS) document whose table is the form.
    Doc,
}

/// Recognises the file by content and checks what it declares before any reader opens it.
pub fn sniff(bytes: &[u8]) -> Result<Format, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    if bytes.len() > MAX_FILE {
        return Err(ImportError::TooLarge(bytes.len() as u64 / 1024 / 1024));
    }
    let container = super::sniff::container(bytes);
    if container == super::sniff::Container::Zip {
        return check_zip(bytes);
    }
    if container == super::sniff::Container::Compound {
        // An encrypted .xlsx is a compound file holding an `EncryptedPackage` stream.
        if super::sniff::names_stream(bytes, "EncryptedPackage") {
            return Err(ImportError::Encrypted);
        }
        if super::sniff::is_old_word(bytes) {
            return Ok(Format::Doc);
        }
        return Ok(Format::Xls);
    }
    if is_old_biff(bytes) {
        return Err(ImportError::OldExcel);
    }
    Err(ImportError::NotSpreadsheet)
}

/// An Excel 2.x–4.0 worksheet: a bare BIFF stream (no compound file) that opens with a BOF
/// record of BIFF2 (0x0009), BIFF3 (0x0209) or BIFF4 (0x0409).
fn is_old_biff(bytes: &[u8]) -> bool {
    let (Some(typ), Some(size)) = (
        bytes.get(..2).map(|b| u16::from_le_bytes([b[0], b[1]])),
        bytes.get(2..4).map(|b| u16::from_le_bytes([b[0], b[1]])),
    ) else {
        return false;
    };
    matches!(typ, 0x0009 | 0x0209 | 0x0409) && (4..=16).contains(&size)
}

/// What reading the file may cost in bytes: a zip's declared inflated size (which
/// [`sniff`] holds its parts to), else the file's own size.
pub fn read_cost(bytes: &[u8]) -> u64 {
    let own = bytes.len() as u64;
    if super::sniff::container(bytes) != super::sniff::Container::Zip {
        return own;
    }
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return own;
    };
    let mut total = own;
    for index in 0..archive.len().min(5_000) {
        if let Ok(entry) = archive.by_index_raw(index) {
            total = total.saturating_add(entry.size().min(MAX_INFLATED));
        }
    }
    total.min(MAX_INFLATED.saturating_add(own))
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
    let mut is_docx = false;
    let mut mimetype = String::new();
    let mut encrypted = false;
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| ImportError::Corrupt(e.to_string()))?;
        let name = entry
            .name()
            .map_err(|e| ImportError::Corrupt(e.to_string()))?
            .into_owned();
        let name = super::xml::canonical_part_name(&name);
        match name.as_str() {
            "xl/workbook.xml" => is_xlsx = true,
            "content.xml" => is_ods = true,
            "word/document.xml" => is_docx = true,
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
            // The manifest's entries may come late: more of it is kept.
            let keep = if name == "meta-inf/manifest.xml" || name == "[content_types].xml" {
                256 * 1024
            } else {
                4096
            };
            if head.len() < keep {
                let take = (keep - head.len()).min(read);
                head.extend_from_slice(&buffer[..take]);
            }
        }
        if name == "mimetype" {
            mimetype = String::from_utf8_lossy(&head).into_owned();
        }
        if name == "[content_types].xml" {
            // A workbook or document whose main part has another name: its content types say.
            let types = String::from_utf8_lossy(&head);
            is_xlsx |= types.contains("spreadsheetml.sheet.main")
                || types.contains("ms-excel.sheet.macroEnabled.main");
            is_docx |= types.contains("wordprocessingml.document.main");
        }
        if name == "meta-inf/manifest.xml"
            && String::from_utf8_lossy(&head).contains("encryption-data")
        {
            // An ODF package saved with a password: its content.xml is ciphertext.
            encrypted = true;
        }
        if name.ends_with("sharedstrings.xml") {
            let head = String::from_utf8_lossy(&head);
            if let Some(count) = declared_count(&head, "uniqueCount")
                && count > MAX_SHARED_STRINGS
            {
                return Err(ImportError::DeclaresTooMuch { count });
            }
        }
    }
    if encrypted {
        return Err(ImportError::Encrypted);
    }
    if is_ods && mimetype.contains("spreadsheet") {
        return Ok(Format::Ods);
    }
    if is_xlsx {
        Ok(Format::Xlsx)
    } else if is_docx {
        Ok(Format::Docx)
    } else {
        Err(ImportError::NotSpreadsheet)
    }
}

/// The names of the workbook's worksheets, in order (chart sheets and the like left out).
fn worksheet_names(sheets: &[calamine::Sheet]) -> Vec<String> {
    sheets
        .iter()
        .filter(|sheet| sheet.typ == calamine::SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .collect()
}

/// The number in `name="N"` within the first element that has it.
fn declared_count(head: &str, name: &str) -> Option<u64> {
    let at = head.find(&format!("{name}="))? + name.len() + 1;
    let rest = head[at..].trim_start_matches(['"', '\'']);
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    // More digits than a u64 holds is more than any limit.
    Some(digits.parse().unwrap_or(u64::MAX))
}

/// Reads every sheet of a file into grids, within the bounds above (or takes what was read
/// ahead from the same bytes, [`crate::read_ahead`]).
pub fn load_grids(bytes: &[u8], warnings: &mut Vec<String>) -> Result<Vec<Grid>, ImportError> {
    if let Some((grids, read_warnings)) = crate::read_ahead::GRIDS.take(bytes) {
        warnings.extend(read_warnings);
        return Ok(grids);
    }
    load_grids_now(bytes, warnings)
}

/// [`load_grids`] itself, never taken from what was read ahead.
pub fn load_grids_now(bytes: &[u8], warnings: &mut Vec<String>) -> Result<Vec<Grid>, ImportError> {
    let format = sniff(bytes)?;
    let mut budget = TextBudget { used: 0 };
    match format {
        Format::Ods => super::ods::read(bytes, SheetSink::new(&mut budget), warnings),
        Format::Xlsx => load_xlsx(bytes, &mut budget, warnings),
        Format::Xls => load_xls(bytes, &mut budget, warnings),
        Format::Docx => super::docx::read(bytes, SheetSink::new(&mut budget)),
        Format::Doc => super::doc::read(bytes, SheetSink::new(&mut budget)),
    }
}

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
    // Chart, dialog and macro sheets hold no cells to read: skipped, not taken for damage.
    for name in worksheet_names(xlsx.sheets_metadata()) {
        let mut grid = Grid::new(name.clone());
        // A shared string used by many cells is stored once: the cache is keyed by the
        // string's address in the workbook's table.
        let mut shared: HashMap<usize, Arc<str>> = HashMap::new();
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
        grid.apply_merges(&merges_of(
            xlsx.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        ))?;
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
    let summary = super::xls_scan::scan_xls(bytes, &limits).map_err(ImportError::from)?;
    if summary.encrypted {
        return Err(ImportError::Encrypted);
    }
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes))
        .map_err(|e| ImportError::Corrupt(e.to_string()))?;
    let mut grids = Vec::new();
    for name in worksheet_names(workbook.sheets_metadata()) {
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
        let merges = match &mut workbook {
            Sheets::Xls(xls) => xls.merge_cells_by_sheet_name(&name).unwrap_or_default(),
            _ => Vec::new(),
        };
        grid.apply_merges(&merges_of(merges))?;
        grids.push(grid);
    }
    Ok(grids)
}

/// calamine's merged regions as the grid's merges.
fn merges_of(regions: Vec<calamine::Dimensions>) -> Vec<Merge> {
    regions
        .into_iter()
        .map(|d| Merge {
            top: d.start.0,
            left: d.start.1,
            bottom: d.end.0,
            right: d.end.1,
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_counts() {
        assert_eq!(
            declared_count(r#"<sst count="5" uniqueCount="4000000000">"#, "uniqueCount"),
            Some(4_000_000_000)
        );
        assert_eq!(declared_count("<sst>", "uniqueCount"), None);
    }
}
