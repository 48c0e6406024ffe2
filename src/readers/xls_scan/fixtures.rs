//! Builders of `.xls` files record by record, for tests and benchmarks that need real and
//! hostile workbooks. Not used by the app.

use std::io::{Cursor, Write as _};

use super::*;

pub fn record(typ: u16, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + 4);
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&u16::try_from(data.len()).expect("fixture").to_le_bytes());
    out.extend_from_slice(data);
    out
}

pub fn bof(substream: u16) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend_from_slice(&0x0600_u16.to_le_bytes());
    data.extend_from_slice(&substream.to_le_bytes());
    data.extend_from_slice(&0x0DBB_u16.to_le_bytes());
    data.extend_from_slice(&0x07CC_u16.to_le_bytes());
    data.extend_from_slice(&[0; 8]);
    record(BOF, &data)
}

pub fn eof() -> Vec<u8> {
    record(EOF, &[])
}

pub fn boundsheet(pos: u32, name: &str) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend_from_slice(&pos.to_le_bytes());
    data.extend_from_slice(&[0, 0]);
    let units: Vec<u16> = name.encode_utf16().collect();
    data.push(u8::try_from(units.len()).expect("fixture"));
    data.push(1);
    for unit in units {
        data.extend_from_slice(&unit.to_le_bytes());
    }
    record(BOUNDSHEET, &data)
}

pub fn dimensions(first_row: u32, row_end: u32, first_column: u16, column_end: u16) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend_from_slice(&first_row.to_le_bytes());
    data.extend_from_slice(&row_end.to_le_bytes());
    data.extend_from_slice(&first_column.to_le_bytes());
    data.extend_from_slice(&column_end.to_le_bytes());
    data.extend_from_slice(&[0, 0]);
    record(DIMENSIONS, &data)
}

pub fn cell_head(row: u16, column: u16) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend_from_slice(&row.to_le_bytes());
    data.extend_from_slice(&column.to_le_bytes());
    data.extend_from_slice(&0_u16.to_le_bytes());
    data
}

pub fn number(row: u16, column: u16, value: f64) -> Vec<u8> {
    let mut data = cell_head(row, column);
    data.extend_from_slice(&value.to_le_bytes());
    record(NUMBER, &data)
}

pub fn labelsst(row: u16, column: u16, index: u32) -> Vec<u8> {
    let mut data = cell_head(row, column);
    data.extend_from_slice(&index.to_le_bytes());
    record(LABELSST, &data)
}

pub fn label(row: u16, column: u16, text: &str) -> Vec<u8> {
    let mut data = cell_head(row, column);
    let units: Vec<u16> = text.encode_utf16().collect();
    data.extend_from_slice(&u16::try_from(units.len()).expect("fixture").to_le_bytes());
    data.push(1);
    for unit in units {
        data.extend_from_slice(&unit.to_le_bytes());
    }
    record(LABEL, &data)
}

pub fn mulrk(row: u16, first_column: u16, values: &[i32]) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend_from_slice(&row.to_le_bytes());
    data.extend_from_slice(&first_column.to_le_bytes());
    for value in values {
        data.extend_from_slice(&0_u16.to_le_bytes());
        data.extend_from_slice(&((value << 2) | 2).to_le_bytes());
    }
    let last = first_column + u16::try_from(values.len()).expect("fixture") - 1;
    data.extend_from_slice(&last.to_le_bytes());
    record(MULRK, &data)
}

/// `=A1+1` with a cached numeric value.
pub fn formula(row: u16, column: u16, value: f64) -> Vec<u8> {
    let mut data = cell_head(row, column);
    data.extend_from_slice(&value.to_le_bytes());
    data.extend_from_slice(&0_u16.to_le_bytes());
    data.extend_from_slice(&0_u32.to_le_bytes());
    let rgce = [0x24, 0, 0, 0, 0xC0, 0x1E, 1, 0, 0x03];
    data.extend_from_slice(&u16::try_from(rgce.len()).expect("fixture").to_le_bytes());
    data.extend_from_slice(&rgce);
    record(FORMULA, &data)
}

pub fn mergecells(ranges: &[(u16, u16, u16, u16)]) -> Vec<u8> {
    let mut data = Vec::new();
    data.extend_from_slice(&u16::try_from(ranges.len()).expect("fixture").to_le_bytes());
    for (first_row, last_row, first_column, last_column) in ranges {
        for field in [first_row, last_row, first_column, last_column] {
            data.extend_from_slice(&field.to_le_bytes());
        }
    }
    record(MERGECELLS, &data)
}

/// An SST of plain strings, split into CONTINUE records of at most `chunk` bytes; a string
/// cut in the middle goes on with a new flags byte, as Excel writes it.
pub fn sst(strings: &[&str], chunk: usize) -> Vec<u8> {
    let mut records = Vec::new();
    let mut current = Vec::new();
    let count = u32::try_from(strings.len()).expect("fixture");
    current.extend_from_slice(&count.to_le_bytes());
    current.extend_from_slice(&count.to_le_bytes());
    let mut typ = SST;
    for text in strings {
        let wide = !text.is_ascii();
        let units: Vec<u16> = text.encode_utf16().collect();
        if current.len() + 3 + 2 > chunk {
            records.extend(record(typ, &current));
            current.clear();
            typ = CONTINUE;
        }
        current.extend_from_slice(&u16::try_from(units.len()).expect("fixture").to_le_bytes());
        current.push(u8::from(wide));
        for unit in units {
            let width = if wide { 2 } else { 1 };
            if current.len() + width > chunk {
                records.extend(record(typ, &current));
                current.clear();
                typ = CONTINUE;
                current.push(u8::from(wide));
            }
            if wide {
                current.extend_from_slice(&unit.to_le_bytes());
            } else {
                current.push(u8::try_from(unit).expect("fixture"));
            }
        }
    }
    records.extend(record(typ, &current));
    records
}

/// A BIFF8 workbook stream: globals (with `sst`) and one substream per sheet.
pub fn workbook(sst: &[u8], sheets: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let codepage = record(CODEPAGE, &1200_u16.to_le_bytes());
    let placeholders: Vec<Vec<u8>> = sheets.iter().map(|(name, _)| boundsheet(0, name)).collect();
    let globals_len = bof(0x0005).len()
        + codepage.len()
        + placeholders.iter().map(Vec::len).sum::<usize>()
        + sst.len()
        + eof().len();
    let mut substreams = Vec::new();
    let mut positions = Vec::new();
    for (_, body) in sheets {
        positions.push(u32::try_from(globals_len + substreams.len()).expect("fixture"));
        substreams.extend(bof(0x0010));
        substreams.extend(body);
        substreams.extend(eof());
    }
    let mut stream = bof(0x0005);
    stream.extend(codepage);
    for ((name, _), pos) in sheets.iter().zip(positions) {
        stream.extend(boundsheet(pos, name));
    }
    stream.extend_from_slice(sst);
    stream.extend(eof());
    stream.extend(substreams);
    stream
}

pub fn compound_file(version: cfb::Version, name: &str, stream: &[u8]) -> Vec<u8> {
    let mut file =
        cfb::CompoundFile::create_with_version(version, Cursor::new(Vec::new())).expect("fixture");
    file.create_stream(name)
        .expect("fixture")
        .write_all(stream)
        .expect("fixture");
    file.flush().expect("fixture");
    file.into_inner().into_inner()
}

pub fn xls(stream: &[u8]) -> Vec<u8> {
    compound_file(cfb::Version::V3, "Workbook", stream)
}

pub fn body(records: &[Vec<u8>]) -> Vec<u8> {
    records.concat()
}
