//! Spreadsheets as tests handle them: parts of a zip rewritten, cells read back with
//! calamine at their real positions, a template filled in as a department would.
#![expect(clippy::unwrap_used)]

use std::io::{Read as _, Write as _};

/// Rewrites the parts of a zip: `edit(name, content)` returns the new content.
pub fn rewrite_zip(bytes: &[u8], edit: impl Fn(&str, Vec<u8>) -> Vec<u8>) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = Vec::new();
    {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for index in 0..archive.len() {
            let mut entry = archive.by_index(index).unwrap();
            let name = entry.name().unwrap().into_owned();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).unwrap();
            writer.start_file(name.clone(), options).unwrap();
            writer.write_all(&edit(&name, content)).unwrap();
        }
        writer.finish().unwrap();
    }
    out
}

pub fn column_name(mut column: u32) -> String {
    let mut name = String::new();
    column += 1;
    while column > 0 {
        let rem = (column - 1) % 26;
        name.insert(0, char::from(b'A' + rem as u8));
        column = (column - 1) / 26;
    }
    name
}

/// The first sheet's cells as calamine reads them.
pub fn cells(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::Reader as _;
    let mut workbook: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let name = workbook.sheet_names()[0].clone();
    let range = workbook.worksheet_range(&name).unwrap();
    // Absolute positions: the range may start below the first row or right of the first column.
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut grid: Vec<Vec<String>> = vec![Vec::new(); top as usize];
    grid.extend(range.rows().map(|r| {
        let mut row = vec![String::new(); left as usize];
        row.extend(r.iter().map(ToString::to_string));
        row
    }));
    grid
}

/// The column (zero-based) of 进展情况 in a template's header row.
pub fn progress_column(grid: &[Vec<String>]) -> u32 {
    let header = grid
        .iter()
        .position(|r| r.iter().any(|c| c == "重点工作事项"))
        .unwrap();
    grid[header]
        .iter()
        .position(|c| c.starts_with("进展情况"))
        .unwrap() as u32
}

/// Replaces cells of the first sheet, as a person editing in Excel would: each
/// `(reference, rest)` becomes `<c r="reference" s="…" rest`, the cell's style kept, where
/// `rest` is the type and content, e.g. `t="inlineStr"><is><t>…</t></is></c>`.
pub fn replace_cells(bytes: &[u8], cells: &[(String, String)]) -> Vec<u8> {
    rewrite_zip(bytes, |name, content| {
        if name != "xl/worksheets/sheet1.xml" {
            return content;
        }
        let mut xml = String::from_utf8(content).unwrap();
        for (reference, rest) in cells {
            let start = xml.find(&format!("<c r=\"{reference}\"")).unwrap();
            let open_end = start + xml[start..].find('>').unwrap();
            let end = if xml[..open_end].ends_with('/') {
                open_end + 1
            } else {
                open_end + xml[open_end..].find("</c>").unwrap() + 4
            };
            let style = xml[start..open_end]
                .split("s=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .map(|s| format!(" s=\"{s}\""))
                .unwrap_or_default();
            xml.replace_range(start..end, &format!("<c r=\"{reference}\"{style} {rest}"));
        }
        xml.into_bytes()
    })
}

/// Types texts into cells of the first sheet.
pub fn set_texts(bytes: &[u8], cells: &[(String, String)]) -> Vec<u8> {
    let cells: Vec<(String, String)> = cells
        .iter()
        .map(|(reference, text)| {
            (
                reference.clone(),
                format!("t=\"inlineStr\"><is><t>{text}</t></is></c>"),
            )
        })
        .collect();
    replace_cells(bytes, &cells)
}

/// A template with the progress of its department's first own row (marked ★) filled in.
pub fn fill_first_row(template: &[u8], progress: &str) -> Vec<u8> {
    let grid = cells(template);
    let row = grid
        .iter()
        .position(|r| r.iter().any(|c| c.starts_with('★')))
        .unwrap();
    let cell = format!("{}{}", column_name(progress_column(&grid)), row + 1);
    set_texts(template, &[(cell, progress.to_owned())])
}
