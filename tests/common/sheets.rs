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

/// A template with the progress of its department's first own row (marked ★) filled in.
pub fn fill_first_row(template: &[u8], progress: &str) -> Vec<u8> {
    let grid = cells(template);
    let header = grid
        .iter()
        .position(|r| r.iter().any(|c| c == "重点工作事项"))
        .unwrap();
    let progress_column = grid[header]
        .iter()
        .position(|c| c.starts_with("进展情况"))
        .unwrap() as u32;
    let row = grid
        .iter()
        .position(|r| r.iter().any(|c| c.starts_with('★')))
        .unwrap();
    let cell = format!("{}{}", column_name(progress_column), row + 1);
    rewrite_zip(template, |name, content| {
        if name != "xl/worksheets/sheet1.xml" {
            return content;
        }
        let xml = String::from_utf8(content).unwrap();
        let start = xml.find(&format!(r#"<c r="{cell}""#)).unwrap();
        let end = start + xml[start..].find("/>").unwrap() + 2;
        format!(
            r#"{}<c r="{cell}" t="inlineStr"><is><t>{progress}</t></is></c>{}"#,
            &xml[..start],
            &xml[end..]
        )
        .into_bytes()
    })
}
