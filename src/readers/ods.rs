//! Our own streaming reader of an `.ods` spreadsheet's `content.xml`.
//!
//! calamine expands repeated cells and rows into memory before anything can check them: a
//! 993-byte file whose one cell repeats over 16,384 columns × 6,000 rows took 12 GB. This
//! reader walks the XML once, never stores an empty cell, stores a repeated text once for all
//! the cells that repeat it, and stops at the grid's bounds. It reads what a person sees: the
//! cell's paragraphs (`text:p`, with `text:s`, tabs and line breaks), else its value. Merges come
//! from `number-columns-spanned` / `number-rows-spanned`.

use std::io::Cursor;

use quick_xml::events::{BytesStart, Event};

use super::error::ImportError;
use super::grid::{Grid, SharedText, SheetSink};
use super::limits::{MAX_COLUMNS, MAX_ROWS, MAX_TEXT_BYTES};

/// One cell's attributes as far as they matter here.
#[derive(Default)]
struct CellStart {
    repeat: u32,
    columns_spanned: u32,
    rows_spanned: u32,
    value: Option<String>,
    has_formula: bool,
}

/// An attribute's value, entities resolved (also read by the `.docx` reader).
pub(super) fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .try_get_attribute(name)
        .ok()
        .flatten()
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

fn count_attribute(element: &BytesStart<'_>, name: &str) -> u32 {
    attribute(element, name)
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map_or(1, |n| u32::try_from(n.max(1)).unwrap_or(u32::MAX))
}

fn cell_start(element: &BytesStart<'_>) -> CellStart {
    let value = attribute(element, "office:value")
        .or_else(|| attribute(element, "office:date-value"))
        .or_else(|| attribute(element, "office:boolean-value"))
        .or_else(|| attribute(element, "office:time-value"))
        .or_else(|| attribute(element, "office:string-value"));
    CellStart {
        repeat: count_attribute(element, "table:number-columns-repeated"),
        columns_spanned: count_attribute(element, "table:number-columns-spanned"),
        rows_spanned: count_attribute(element, "table:number-rows-spanned"),
        value,
        has_formula: element
            .try_get_attribute("table:formula")
            .ok()
            .flatten()
            .is_some(),
    }
}

/// Where the reader is.
struct State {
    row: u32,
    column: u32,
    /// The current row's cells, kept so that a repeated row can be stored again.
    row_cells: Vec<(u32, SharedText)>,
    rows_repeat: u32,
    cell: Option<CellStart>,
    text: String,
    paragraphs: usize,
    /// Inside `office:annotation` (a comment): its text is not the cell's.
    in_annotation: usize,
    formulas_without_value: usize,
    first_formula_row: Option<u32>,
}

/// Reads `content.xml` of an `.ods` (already checked by the zip check) into grids.
pub fn read(
    bytes: &[u8],
    mut sink: SheetSink<'_>,
    warnings: &mut Vec<String>,
) -> Result<Vec<Grid>, ImportError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ImportError::Corrupt(e.to_string()))?;
    let mut reader = super::xml::part_reader(&mut archive, "content.xml")
        .map_err(|e| ImportError::Corrupt(e.to_string()))?;
    let mut buf = Vec::new();
    let mut state = State {
        row: 0,
        column: 0,
        row_cells: Vec::new(),
        rows_repeat: 1,
        cell: None,
        text: String::new(),
        paragraphs: 0,
        in_annotation: 0,
        formulas_without_value: 0,
        first_formula_row: None,
    };
    loop {
        buf.clear();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| ImportError::Corrupt(e.to_string()))?;
        match event {
            Event::Start(element) => match element.name().as_ref() {
                "table:table" => {
                    let name = attribute(&element, "table:name").unwrap_or_default();
                    sink.start_sheet(name)?;
                    state.row = 0;
                }
                "table:table-row" => {
                    state.column = 0;
                    state.row_cells.clear();
                    state.rows_repeat = count_attribute(&element, "table:number-rows-repeated");
                }
                "table:table-cell" | "table:covered-table-cell" => {
                    state.cell = Some(cell_start(&element));
                    state.text.clear();
                    state.paragraphs = 0;
                }
                "office:annotation" => state.in_annotation += 1,
                "text:p" | "text:h" if state.in_annotation == 0 && state.cell.is_some() => {
                    if state.paragraphs > 0 {
                        state.text.push('\n');
                    }
                    state.paragraphs += 1;
                }
                _ => {}
            },
            Event::Empty(element) => match element.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => {
                    let start = cell_start(&element);
                    state.text.clear();
                    finish_cell(&mut sink, &mut state, start)?;
                }
                "table:table-row" => {
                    // A row without cells: only its repeat counts.
                    let repeat = count_attribute(&element, "table:number-rows-repeated");
                    state.row = state.row.saturating_add(repeat);
                }
                "text:s" if state.in_annotation == 0 && state.cell.is_some() => {
                    let spaces = count_attribute(&element, "text:c").min(1_000);
                    state.text.extend(std::iter::repeat_n(' ', spaces as usize));
                }
                "text:tab" if state.in_annotation == 0 && state.cell.is_some() => {
                    state.text.push('\t');
                }
                "text:line-break" if state.in_annotation == 0 && state.cell.is_some() => {
                    state.text.push('\n');
                }
                _ => {}
            },
            Event::Text(text) if state.in_annotation == 0 && state.cell.is_some() => {
                let text: &str = text.as_ref();
                push_bounded(&mut state.text, text)?;
            }
            Event::GeneralRef(reference) if state.in_annotation == 0 && state.cell.is_some() => {
                push_bounded(&mut state.text, &super::xml::reference_text(&reference))?;
            }
            Event::End(element) => match element.name().as_ref() {
                "table:table-cell" | "table:covered-table-cell" => {
                    if let Some(start) = state.cell.take() {
                        finish_cell(&mut sink, &mut state, start)?;
                    }
                }
                "table:table-row" => finish_row(&mut sink, &mut state)?,
                "office:annotation" => state.in_annotation = state.in_annotation.saturating_sub(1),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    if state.formulas_without_value > 0 {
        warnings.push(format!(
            "第{}行等 {} 个单元格是公式，但文件中没有保存计算结果，按空白处理。请在 WPS 或 LibreOffice 中打开该文件、保存后重新导入。",
            state.first_formula_row.unwrap_or(0),
            state.formulas_without_value
        ));
    }
    sink.finish()
}

/// A cell's text may not outgrow what a whole return may hold.
fn push_bounded(target: &mut String, text: &str) -> Result<(), ImportError> {
    if (target.len() + text.len()) as u64 > MAX_TEXT_BYTES {
        return Err(ImportError::TooMuchText);
    }
    target.push_str(text);
    Ok(())
}

fn finish_cell(
    sink: &mut SheetSink<'_>,
    state: &mut State,
    start: CellStart,
) -> Result<(), ImportError> {
    let mut text = state.text.replace("\r\n", "\n").trim().to_owned();
    if text.is_empty()
        && let Some(value) = &start.value
    {
        text = value.trim().to_owned();
    }
    if text.is_empty() && start.has_formula {
        state.formulas_without_value += 1;
        state.first_formula_row.get_or_insert(state.row + 1);
    }
    let column = state.column;
    state.column = state.column.saturating_add(start.repeat);
    if text.is_empty() {
        return Ok(());
    }
    if state.row >= MAX_ROWS {
        return Err(ImportError::TooManyRows {
            sheet: sink.sheet_name(),
            rows: MAX_ROWS,
        });
    }
    let last_column = column.saturating_add(start.repeat - 1);
    if last_column >= MAX_COLUMNS {
        return Err(ImportError::TooManyColumns {
            sheet: sink.sheet_name(),
            columns: last_column.saturating_add(1),
        });
    }
    let Some(shared) = sink.set(state.row, column, &text)? else {
        return Ok(());
    };
    state.row_cells.push((column, shared.clone()));
    for repeated in column + 1..=last_column {
        sink.set_shared(state.row, repeated, &shared)?;
        state.row_cells.push((repeated, shared.clone()));
    }
    if start.columns_spanned > 1 || start.rows_spanned > 1 {
        sink.merge(
            state.row,
            column,
            state.row.saturating_add(start.rows_spanned - 1),
            column.saturating_add(start.columns_spanned - 1),
        )?;
    }
    Ok(())
}

fn finish_row(sink: &mut SheetSink<'_>, state: &mut State) -> Result<(), ImportError> {
    let repeat = state.rows_repeat.max(1);
    if !state.row_cells.is_empty() && repeat > 1 {
        let last_row = state.row.saturating_add(repeat - 1);
        if last_row >= MAX_ROWS {
            return Err(ImportError::TooManyRows {
                sheet: sink.sheet_name(),
                rows: MAX_ROWS,
            });
        }
        for row in state.row + 1..=last_row {
            for (column, text) in &state.row_cells {
                sink.set_shared(row, *column, text)?;
            }
        }
    }
    state.row = state.row.saturating_add(repeat);
    state.row_cells.clear();
    state.rows_repeat = 1;
    Ok(())
}
