//! Word 97–2003 (`.doc`) and WPS (`.wps`, the same binary format) documents: the main text
//! read from the compound file through the FIB and the piece table, paragraphs told apart
//! from table cells and rows by the paragraph properties (PAPX in their FKPs: in table, row
//! end, and the row's cell boundaries), so that a return's table becomes a grid as a `.docx`
//! table does and a plan's text reads as a `.txt` does.
//!
//! Every size is checked against what is present: the streams are read only after the
//! compound file's chains were walked once ([`super::compound::check_chains`]), the pieces
//! must lie inside the WordDocument stream and follow each other, and no count a file
//! declares is allocated for; the text is bounded by [`MAX_TEXT_BYTES`].

use std::io::Cursor;

use super::error::ImportError;
use super::grid::{Grid, SheetSink};
use super::limits::{MAX_COLUMNS, MAX_FILE, MAX_ROWS, MAX_TEXT_BYTES};

mod papx;

use super::compound::{u16_at, u32_at};
use papx::Papx;

type Compound<'a> = cfb::CompoundFile<Cursor<&'a [u8]>>;

/// One block of the document, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Block {
    Paragraph(String),
    /// Rows of cells: each cell's left and right edge (twips, from the row's TDefTable) and
    /// its text.
    Table(Vec<Vec<Cell>>),
}

/// A table cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub left: i32,
    pub right: i32,
    pub text: String,
}

fn corrupt(what: &str) -> ImportError {
    ImportError::Corrupt(format!("Word 97 document: {what}"))
}

fn stream(file: &mut Compound<'_>, path: &str) -> Result<Option<Vec<u8>>, ImportError> {
    super::compound::read_stream(file, path, MAX_FILE as u64).map_err(|error| match error {
        super::compound::CompoundError::TooMuch(bytes) => {
            ImportError::TooLarge(bytes / 1024 / 1024)
        }
        other => ImportError::Corrupt(other.to_string()),
    })
}

/// A piece of the main text: characters `cp_start..cp_end` at byte `fc` of the WordDocument
/// stream, one byte each (Windows-1252) when `compressed`, else UTF-16LE.
struct Piece {
    cp_start: u32,
    cp_end: u32,
    fc: u32,
    compressed: bool,
}

impl Piece {
    fn fc_of(&self, cp: u32) -> u32 {
        let offset = cp - self.cp_start;
        if self.compressed {
            self.fc + offset
        } else {
            self.fc + offset * 2
        }
    }
}

/// The document's fixed facts, read from its FIB.
struct Fib {
    table_stream: &'static str,
    ccp_text: u32,
    fc_clx: u32,
    lcb_clx: u32,
    fc_bte_papx: u32,
    lcb_bte_papx: u32,
}

fn read_fib(word: &[u8]) -> Result<Fib, ImportError> {
    let ident = u16_at(word, 0).ok_or_else(|| corrupt("no FIB"))?;
    if ident != 0xA5EC {
        // 0xA5DC is Word 6/95; older still have other marks.
        return Err(ImportError::OldWordVersion);
    }
    let flags = u16_at(word, 0x0A).ok_or_else(|| corrupt("no FIB flags"))?;
    if flags & 0x0100 != 0 {
        return Err(ImportError::Encrypted);
    }
    let table_stream = if flags & 0x0200 != 0 {
        "/1Table"
    } else {
        "/0Table"
    };
    let csw = usize::from(u16_at(word, 32).ok_or_else(|| corrupt("no csw"))?);
    let lw_at = 34 + csw * 2;
    let cslw = usize::from(u16_at(word, lw_at).ok_or_else(|| corrupt("no cslw"))?);
    let lw = lw_at + 2;
    let ccp_text = u32_at(word, lw + 3 * 4).ok_or_else(|| corrupt("no ccpText"))?;
    let fc_lcb = lw + cslw * 4 + 2;
    let pair = |index: usize| -> Result<(u32, u32), ImportError> {
        let at = fc_lcb + index * 8;
        Ok((
            u32_at(word, at).ok_or_else(|| corrupt("a short FIB"))?,
            u32_at(word, at + 4).ok_or_else(|| corrupt("a short FIB"))?,
        ))
    };
    let (fc_bte_papx, lcb_bte_papx) = pair(13)?;
    let (fc_clx, lcb_clx) = pair(33)?;
    Ok(Fib {
        table_stream,
        ccp_text,
        fc_clx,
        lcb_clx,
        fc_bte_papx,
        lcb_bte_papx,
    })
}

/// The piece table from the CLX: pieces in order, each inside the WordDocument stream.
fn read_pieces(table: &[u8], fib: &Fib, word_len: usize) -> Result<Vec<Piece>, ImportError> {
    let start = fib.fc_clx as usize;
    let end = start
        .checked_add(fib.lcb_clx as usize)
        .filter(|&end| end <= table.len())
        .ok_or_else(|| corrupt("the piece table lies outside its stream"))?;
    let clx = &table[start..end];
    let mut at = 0;
    // Prc entries (formatting of a fast save) come first.
    while clx.get(at) == Some(&0x01) {
        let size = u16_at(clx, at + 1).ok_or_else(|| corrupt("a short Prc"))?;
        at += 3 + usize::from(size);
    }
    if clx.get(at) != Some(&0x02) {
        return Err(corrupt("no piece table"));
    }
    let lcb = u32_at(clx, at + 1).ok_or_else(|| corrupt("a short piece table"))? as usize;
    let plc = clx
        .get(at + 5..at + 5 + lcb)
        .ok_or_else(|| corrupt("the piece table is longer than its stream"))?;
    if lcb < 4 || !(lcb - 4).is_multiple_of(12) {
        return Err(corrupt("a piece table of the wrong size"));
    }
    let count = (lcb - 4) / 12;
    let mut pieces = Vec::with_capacity(count.min(4096));
    let mut last_end = 0;
    for index in 0..count {
        let cp_start = u32_at(plc, index * 4).ok_or_else(|| corrupt("a short piece table"))?;
        let cp_end = u32_at(plc, index * 4 + 4).ok_or_else(|| corrupt("a short piece table"))?;
        let pcd = (count + 1) * 4 + index * 8;
        let raw_fc = u32_at(plc, pcd + 2).ok_or_else(|| corrupt("a short piece table"))?;
        // The pieces follow each other: a loop or an overlap is a damaged file.
        if cp_start != last_end || cp_end < cp_start {
            return Err(corrupt("pieces out of order"));
        }
        last_end = cp_end;
        let compressed = raw_fc & 0x4000_0000 != 0;
        let fc = if compressed {
            (raw_fc & 0x3FFF_FFFF) / 2
        } else {
            raw_fc & 0x3FFF_FFFF
        };
        let piece = Piece {
            cp_start,
            cp_end,
            fc,
            compressed,
        };
        let bytes = u64::from(cp_end - cp_start) * if compressed { 1 } else { 2 };
        if u64::from(fc) + bytes > word_len as u64 {
            return Err(corrupt("a piece lies outside the document stream"));
        }
        pieces.push(piece);
        if cp_end >= fib.ccp_text {
            break;
        }
    }
    Ok(pieces)
}

/// The main text's characters and, for each, its stream offset (for paragraph properties).
fn main_text(
    word: &[u8],
    pieces: &[Piece],
    ccp_text: u32,
) -> Result<Vec<(char, u32)>, ImportError> {
    let mut text = Vec::new();
    let mut bytes = 0_u64;
    for piece in pieces {
        let end = piece.cp_end.min(ccp_text);
        if end <= piece.cp_start {
            continue;
        }
        if piece.compressed {
            let start = piece.fc as usize;
            let slice = &word[start..start + (end - piece.cp_start) as usize];
            for (i, &byte) in slice.iter().enumerate() {
                let c = if byte < 0x80 {
                    char::from(byte)
                } else {
                    encoding_rs::WINDOWS_1252
                        .decode_without_bom_handling(&[byte])
                        .0
                        .chars()
                        .next()
                        .unwrap_or('\u{FFFD}')
                };
                text.push((c, piece.fc_of(piece.cp_start + i as u32)));
            }
        } else {
            let start = piece.fc as usize;
            let units = &word[start..start + (end - piece.cp_start) as usize * 2];
            let decoded = char::decode_utf16(
                units
                    .chunks_exact(2)
                    .map(|pair| u16::from_le_bytes([pair[0], pair[1]])),
            );
            let mut cp = piece.cp_start;
            for c in decoded {
                let c = c.unwrap_or('\u{FFFD}');
                text.push((c, piece.fc_of(cp)));
                cp += c.len_utf16() as u32;
            }
        }
        bytes += u64::from(end - piece.cp_start) * 3;
        if bytes > MAX_TEXT_BYTES {
            return Err(ImportError::TooMuchText);
        }
    }
    Ok(text)
}

/// The document as paragraphs and tables, in order.
pub fn read_blocks(bytes: &[u8]) -> Result<Vec<Block>, ImportError> {
    super::compound::check_chains(bytes).map_err(|e| ImportError::Corrupt(e.to_string()))?;
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| ImportError::Corrupt(e.to_string()))?;
    let word = stream(&mut file, "/WordDocument")?.ok_or(ImportError::NotSpreadsheet)?;
    let fib = read_fib(&word)?;
    let table = stream(&mut file, fib.table_stream)?.ok_or_else(|| corrupt("no table stream"))?;
    let pieces = read_pieces(&table, &fib, word.len())?;
    let text = main_text(&word, &pieces, fib.ccp_text)?;
    let mut papx = Papx::new(&word, &table, &fib);
    Ok(blocks_of(&text, &mut papx))
}

/// Turns the characters into paragraphs and tables by the paragraph marks' properties.
fn blocks_of(text: &[(char, u32)], papx: &mut Papx<'_>) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut current = String::new();
    let mut cell = String::new();
    let mut row: Vec<String> = Vec::new();
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    // Field codes (between 0x13 and 0x14) are not text; their results (0x14 to 0x15) are.
    // Fields nest: each open field says whether its code is still being read.
    let mut fields: Vec<bool> = Vec::new();
    let close_table = |rows: &mut Vec<Vec<Cell>>, blocks: &mut Vec<Block>| {
        if !rows.is_empty() {
            blocks.push(Block::Table(std::mem::take(rows)));
        }
    };
    for &(c, fc) in text {
        match c {
            '\u{13}' => {
                if fields.len() < 64 {
                    fields.push(true);
                }
                continue;
            }
            '\u{14}' => {
                if let Some(in_code) = fields.last_mut() {
                    *in_code = false;
                }
                continue;
            }
            '\u{15}' => {
                fields.pop();
                continue;
            }
            _ if fields.iter().any(|in_code| *in_code) => continue,
            _ => {}
        }
        match c {
            '\r' | '\u{7}' => {
                let marks = papx.marks(fc);
                let paragraph = std::mem::take(&mut current);
                if marks.in_table && marks.depth <= 1 && c == '\u{7}' {
                    if marks.row_end {
                        // The row's end: its cells take their edges from the row's TDefTable.
                        let cells = std::mem::take(&mut row);
                        let edges = &marks.edges;
                        let row_cells = cells
                            .into_iter()
                            .enumerate()
                            .map(|(i, text)| Cell {
                                left: edges.get(i).copied().unwrap_or(i as i32 * 1000),
                                right: edges.get(i + 1).copied().unwrap_or(i as i32 * 1000 + 1000),
                                text,
                            })
                            .collect();
                        if rows.len() < MAX_ROWS as usize {
                            rows.push(row_cells);
                        }
                    } else {
                        if !cell.is_empty() && !paragraph.is_empty() {
                            cell.push('\n');
                        }
                        cell.push_str(&paragraph);
                        if row.len() < MAX_COLUMNS as usize {
                            row.push(std::mem::take(&mut cell).trim().to_owned());
                        } else {
                            cell.clear();
                        }
                    }
                } else if marks.in_table {
                    // A paragraph inside a cell (or a nested table's): part of the cell.
                    if !cell.is_empty() && !paragraph.is_empty() {
                        cell.push('\n');
                    }
                    cell.push_str(&paragraph);
                    if c == '\u{7}' && marks.depth > 1 && !marks.inner_row_end {
                        cell.push('\t');
                    }
                } else {
                    close_table(&mut rows, &mut blocks);
                    blocks.push(Block::Paragraph(paragraph));
                }
            }
            '\u{b}' => current.push('\n'),
            '\t' => current.push('\t'),
            '\u{a0}' => current.push(' '),
            '\u{1e}' => current.push('-'),
            '\u{c}' | '\u{e}' => {
                // A page or column break ends the paragraph.
                let paragraph = std::mem::take(&mut current);
                if !paragraph.trim().is_empty() {
                    close_table(&mut rows, &mut blocks);
                    blocks.push(Block::Paragraph(paragraph));
                }
            }
            c if c.is_control() || c == '\u{1f}' => {}
            c => current.push(c),
        }
    }
    if !current.trim().is_empty() {
        close_table(&mut rows, &mut blocks);
        blocks.push(Block::Paragraph(current));
    }
    close_table(&mut rows, &mut blocks);
    blocks
}

/// The document's text as the `.docx` reader gives it: a line per paragraph, a table cell's
/// paragraphs each a line of their own.
pub fn text(bytes: &[u8]) -> Result<String, ImportError> {
    let blocks = read_blocks(bytes)?;
    let mut text = String::new();
    for block in blocks {
        match block {
            Block::Paragraph(paragraph) => {
                text.push_str(&paragraph);
                text.push('\n');
            }
            Block::Table(rows) => {
                for cell in rows.iter().flatten() {
                    text.push_str(&cell.text);
                    text.push('\n');
                }
            }
        }
    }
    if text.trim().is_empty() {
        return Err(ImportError::Empty);
    }
    Ok(text)
}

/// The document's tables as grids, each with the paragraphs above it as one-cell rows on
/// top (as a `.docx`'s); cells placed in columns by their edges, so that a cell spanning two
/// columns of another row keeps the columns aligned.
pub(super) fn read(bytes: &[u8], mut sink: SheetSink<'_>) -> Result<Vec<Grid>, ImportError> {
    let blocks = read_blocks(bytes)?;
    let mut above: Vec<String> = Vec::new();
    let mut tables = 0;
    for block in blocks {
        match block {
            Block::Paragraph(text) => {
                let line = text.trim();
                if !line.is_empty() && above.len() < 1_000 {
                    above.push(line.to_owned());
                }
            }
            Block::Table(rows) => {
                tables += 1;
                sink.start_sheet(format!("表格{tables}"))?;
                let mut row_index = 0_u32;
                let start = above.len().saturating_sub(20);
                for line in &above[start..] {
                    sink.set(row_index, 0, line)?;
                    row_index += 1;
                }
                above.clear();
                // Every left edge of the table is a column.
                let mut edges: Vec<i32> = rows
                    .iter()
                    .flat_map(|row| row.iter().map(|cell| cell.left))
                    .collect();
                edges.sort_unstable();
                edges.dedup();
                for row in rows {
                    for cell in row {
                        let column = edges.binary_search(&cell.left).unwrap_or(0) as u32;
                        if column >= MAX_COLUMNS {
                            return Err(ImportError::TooManyColumns {
                                sheet: sink.sheet_name(),
                                columns: column + 1,
                            });
                        }
                        sink.set(row_index, column, cell.text.trim())?;
                    }
                    row_index += 1;
                }
            }
        }
    }
    sink.finish()
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn paragraphs(text: &str) -> Vec<Block> {
        let chars: Vec<(char, u32)> = text.chars().map(|c| (c, 0)).collect();
        let mut papx = Papx {
            word: &[],
            pages: Vec::new(),
            cache: HashMap::new(),
        };
        blocks_of(&chars, &mut papx)
    }

    #[test]
    fn field_codes_are_dropped_and_their_results_kept_when_nested() {
        // A page field, then a hyperlink whose code holds another field.
        let text = "第\u{13} PAGE \u{14}3\u{15}页\r见\u{13} HYPERLINK \u{13} REF x \u{14}内\u{15} \"y\" \u{14}链接\u{15}。\r";
        assert_eq!(
            paragraphs(text),
            vec![
                Block::Paragraph("第3页".to_owned()),
                Block::Paragraph("见链接。".to_owned()),
            ]
        );
    }
}
