//! A return sent as a Word document: each top-level table of `word/document.xml` becomes a
//! grid, with the paragraphs written above it (the title, 填报单位) as one-cell rows on top, so
//! that the same matching reads it as it reads a spreadsheet. Cells spanning columns
//! (`w:gridSpan`) keep the columns aligned; cells merged downwards (`w:vMerge`) are filled
//! down like a spreadsheet's merges. Nested tables' text goes into the outer cell. Everything
//! is bounded by the same grid limits as a spreadsheet.

use std::io::Cursor;

use quick_xml::events::{BytesStart, Event};

use super::error::ImportError;
use super::grid::{Grid, SheetSink};
use super::limits::MAX_ROWS;
use super::ods::attribute;

/// A cell being read.
#[derive(Default)]
struct CellState {
    text: String,
    span: u32,
    /// `Some(true)`: starts a vertical merge; `Some(false)`: continues the one above.
    vmerge: Option<bool>,
}

#[derive(Default)]
struct State {
    /// Paragraphs since the last table, written above the next one.
    above: Vec<String>,
    paragraph: String,
    depth: u32,
    in_text: bool,
    tables: u32,
    row: u32,
    column: u32,
    cell: Option<CellState>,
    /// Per column: the row where an open vertical merge started.
    open_merges: Vec<Option<u32>>,
}

/// Reads the document's tables into grids.
pub fn read(bytes: &[u8], mut sink: SheetSink<'_>) -> Result<Vec<Grid>, ImportError> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| ImportError::Corrupt(e.to_string()))?;
    let mut reader = super::xml::part_reader(&mut archive, "word/document.xml")
        .map_err(|e| ImportError::Corrupt(e.to_string()))?;
    let mut buf = Vec::new();
    let mut state = State::default();
    loop {
        buf.clear();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| ImportError::Corrupt(e.to_string()))?;
        match event {
            Event::Start(element) => start(&element, &mut state, &mut sink)?,
            Event::Empty(element) => {
                empty(&element, &mut state);
            }
            Event::End(end) => match end.name().as_ref() {
                "w:t" => state.in_text = false,
                "w:p" => end_paragraph(&mut state),
                "w:tc" if state.depth == 1 => end_cell(&mut state, &mut sink)?,
                "w:tr" if state.depth == 1 => {
                    state.row += 1;
                    if state.row >= MAX_ROWS {
                        return Err(ImportError::TooManyRows {
                            sheet: sink.sheet_name(),
                            rows: MAX_ROWS,
                        });
                    }
                }
                "w:tbl" => {
                    if state.depth == 1 {
                        close_merges(&mut state, &mut sink)?;
                    }
                    state.depth = state.depth.saturating_sub(1);
                }
                _ => {}
            },
            Event::Text(run) if state.in_text => {
                let run: &str = run.as_ref();
                push_text(&mut state, run)?;
            }
            Event::GeneralRef(reference) if state.in_text => {
                push_text(&mut state, &super::xml::reference_text(&reference))?;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    sink.finish()
}

fn push_text(state: &mut State, text: &str) -> Result<(), ImportError> {
    // One paragraph or cell can't hold more than a whole return's text.
    if state.paragraph.len() + text.len() > super::limits::MAX_TEXT_BYTES as usize {
        return Err(ImportError::TooMuchText);
    }
    state.paragraph.push_str(text);
    Ok(())
}

fn start(
    element: &BytesStart<'_>,
    state: &mut State,
    sink: &mut SheetSink<'_>,
) -> Result<(), ImportError> {
    match element.name().as_ref() {
        "w:t" => state.in_text = true,
        "w:tbl" => {
            state.depth += 1;
            if state.depth == 1 {
                state.tables += 1;
                sink.start_sheet(format!("表格{}", state.tables))?;
                state.row = 0;
                state.open_merges.clear();
                // The title and 填报单位 written above the table.
                let above = std::mem::take(&mut state.above);
                let start = above.len().saturating_sub(20);
                for line in &above[start..] {
                    sink.set(state.row, 0, line)?;
                    state.row += 1;
                }
            }
        }
        "w:tr" if state.depth == 1 => state.column = 0,
        "w:tc" if state.depth == 1 => {
            state.cell = Some(CellState {
                span: 1,
                ..CellState::default()
            });
        }
        _ => {}
    }
    Ok(())
}

fn empty(element: &BytesStart<'_>, state: &mut State) {
    match element.name().as_ref() {
        "w:tab" => state.paragraph.push('\t'),
        "w:br" | "w:cr" => state.paragraph.push('\n'),
        "w:gridSpan" if state.depth == 1 => {
            if let Some(cell) = &mut state.cell {
                cell.span = attribute(element, "w:val")
                    .and_then(|v| v.trim().parse::<u32>().ok())
                    .unwrap_or(1)
                    .clamp(1, super::limits::MAX_COLUMNS);
            }
        }
        "w:vMerge" if state.depth == 1 => {
            if let Some(cell) = &mut state.cell {
                cell.vmerge = Some(attribute(element, "w:val").as_deref() == Some("restart"));
            }
        }
        "w:p" => end_paragraph(state),
        // An empty cell still takes its column.
        "w:tc" if state.depth == 1 => state.column = state.column.saturating_add(1),
        _ => {}
    }
}

fn end_paragraph(state: &mut State) {
    let paragraph = std::mem::take(&mut state.paragraph);
    match (&mut state.cell, state.depth) {
        (Some(cell), depth) if depth >= 1 => {
            if !cell.text.is_empty() && !paragraph.is_empty() {
                cell.text.push('\n');
            }
            cell.text.push_str(&paragraph);
        }
        _ => {
            let line = paragraph.trim();
            if !line.is_empty() && state.above.len() < 1_000 {
                state.above.push(line.to_owned());
            }
        }
    }
}

fn end_cell(state: &mut State, sink: &mut SheetSink<'_>) -> Result<(), ImportError> {
    let Some(cell) = state.cell.take() else {
        return Ok(());
    };
    let column = state.column;
    let index = column as usize;
    if state.open_merges.len() <= index {
        state.open_merges.resize(index + 1, None)
    }
    match cell.vmerge {
        Some(false) => {
            // Continues the merge above: its text is the anchor's.
            if state.open_merges[index].is_none() {
                state.open_merges[index] = Some(state.row.saturating_sub(1));
            }
        }
        restart => {
            if let Some(top) = state.open_merges[index].take() {
                merge_down(sink, top, column, state.row.saturating_sub(1))?;
            }
            if restart == Some(true) {
                state.open_merges[index] = Some(state.row);
            }
            sink.set(state.row, column, cell.text.trim())?;
        }
    }
    state.column = state.column.saturating_add(cell.span);
    if state.column > super::limits::MAX_COLUMNS {
        return Err(ImportError::TooManyColumns {
            sheet: sink.sheet_name(),
            columns: state.column,
        });
    }
    Ok(())
}

fn merge_down(
    sink: &mut SheetSink<'_>,
    top: u32,
    column: u32,
    bottom: u32,
) -> Result<(), ImportError> {
    if bottom > top {
        sink.merge(top, column, bottom, column)?;
    }
    Ok(())
}

fn close_merges(state: &mut State, sink: &mut SheetSink<'_>) -> Result<(), ImportError> {
    let last = state.row.saturating_sub(1);
    for (column, top) in std::mem::take(&mut state.open_merges)
        .into_iter()
        .enumerate()
    {
        if let Some(top) = top {
            merge_down(sink, top, column as u32, last)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use std::io::Write as _;

    use super::super::grid::TextBudget;
    use super::*;

    fn docx(body: &str) -> Vec<u8> {
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default();
        zip.start_file("word/document.xml", options).unwrap();
        write!(
            zip,
            r#"<?xml version="1.0"?><w:document xmlns:w="x"><w:body>{body}</w:body></w:document>"#
        )
        .unwrap();
        zip.finish().unwrap().into_inner()
    }

    fn p(text: &str) -> String {
        format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
    }

    #[test]
    fn table_with_title_spans_and_vertical_merges() {
        let body = format!(
            "{}{}<w:tbl><w:tr><w:tc>{}</w:tc><w:tc><w:tcPr><w:gridSpan w:val=\"2\"/></w:tcPr>{}</w:tc><w:tc>{}</w:tc></w:tr>\
             <w:tr><w:tc><w:tcPr><w:vMerge w:val=\"restart\"/></w:tcPr>{}</w:tc><w:tc>{}</w:tc><w:tc>{}</w:tc><w:tc>{}</w:tc></w:tr>\
             <w:tr><w:tc><w:tcPr><w:vMerge/></w:tcPr><w:p/></w:tc><w:tc>{}</w:tc><w:tc/><w:tc>{}</w:tc></w:tr></w:tbl>",
            p("标题"),
            p("填报单位：县林业局"),
            p("类别"),
            p("重点工作事项"),
            p("进展情况"),
            p("一、调查"),
            p("1"),
            p("事项甲"),
            p("已完成"),
            p("2"),
            p("第二&amp;行"),
        );
        let mut budget = TextBudget { used: 0 };
        let grids = read(&docx(&body), SheetSink::new(&mut budget)).unwrap();
        let grid = &grids[0];
        assert_eq!(grid.get(0, 0), "标题");
        assert_eq!(grid.get(1, 0), "填报单位：县林业局");
        assert_eq!(grid.get(2, 1), "重点工作事项");
        assert_eq!(grid.get(2, 3), "进展情况");
        assert_eq!(grid.get(3, 0), "一、调查");
        assert_eq!(grid.get(4, 0), "一、调查");
        assert_eq!(grid.get(4, 3), "第二&行");
    }
}
