//! Paragraph properties of a Word 97 document: the PlcBtePapx in the table stream points at
//! 512-byte FKP pages of the WordDocument stream, whose PAPXs hold the sprms that say whether
//! a paragraph is in a table, ends a row, and where the row's cells begin and end.

use std::collections::HashMap;

use super::{Fib, u16_at, u32_at};

/// What a paragraph's properties say of tables.
#[derive(Clone, Debug, Default)]
pub(super) struct TableMarks {
    pub(super) in_table: bool,
    pub(super) row_end: bool,
    /// Nesting depth (1 for a table in the body).
    pub(super) depth: u32,
    pub(super) inner_cell: bool,
    pub(super) inner_row_end: bool,
    /// The row's cell edges, from the row end's TDefTable.
    pub(super) edges: Vec<i32>,
}

/// Paragraph properties, looked up by the stream offset of a paragraph's mark.
pub(super) struct Papx<'a> {
    pub(super) word: &'a [u8],
    /// (first fc, end fc, page number) of each FKP.
    pub(super) pages: Vec<(u32, u32, u32)>,
    pub(super) cache: HashMap<u32, Vec<(u32, u32, TableMarks)>>,
}

impl<'a> Papx<'a> {
    pub(super) fn new(word: &'a [u8], table: &[u8], fib: &Fib) -> Self {
        let mut pages = Vec::new();
        let start = fib.fc_bte_papx as usize;
        let lcb = fib.lcb_bte_papx as usize;
        if let Some(plc) = start.checked_add(lcb).and_then(|end| table.get(start..end))
            && lcb >= 4
            && (lcb - 4).is_multiple_of(8)
        {
            let count = (lcb - 4) / 8;
            for index in 0..count {
                let (Some(first), Some(end), Some(pn)) = (
                    u32_at(plc, index * 4),
                    u32_at(plc, index * 4 + 4),
                    u32_at(plc, (count + 1) * 4 + index * 4),
                ) else {
                    break;
                };
                pages.push((first, end, pn & 0x003F_FFFF));
            }
        }
        // Out of order, the table cannot be searched: no page is trusted.
        if !pages.windows(2).all(|w| w[0].0 <= w[1].0) {
            pages.clear();
        }
        Self {
            word,
            pages,
            cache: HashMap::new(),
        }
    }

    pub(super) fn marks(&mut self, fc: u32) -> TableMarks {
        // The pages are sorted by their first fc (checked in `new`): a binary search.
        let index = self.pages.partition_point(|(first, _, _)| *first <= fc);
        let Some(&(_, end, pn)) = index.checked_sub(1).and_then(|i| self.pages.get(i)) else {
            return TableMarks::default();
        };
        if fc >= end {
            return TableMarks::default();
        }
        let word = self.word;
        let runs = self.cache.entry(pn).or_insert_with(|| read_fkp(word, pn));
        runs.iter()
            .find(|(first, end, _)| *first <= fc && fc < *end)
            .map(|(_, _, marks)| marks.clone())
            .unwrap_or_default()
    }
}

/// One 512-byte FKP of paragraph properties: each run's fc range and its table marks.
fn read_fkp(word: &[u8], pn: u32) -> Vec<(u32, u32, TableMarks)> {
    let Some(page) = (pn as usize)
        .checked_mul(512)
        .and_then(|at| word.get(at..at.checked_add(512)?))
    else {
        return Vec::new();
    };
    let crun = usize::from(page[511]);
    // crun + 1 fcs, then crun 13-byte BxPaps, within the page.
    if (crun + 1) * 4 + crun * 13 > 511 {
        return Vec::new();
    }
    let mut runs = Vec::with_capacity(crun);
    for index in 0..crun {
        let (Some(first), Some(end)) = (u32_at(page, index * 4), u32_at(page, index * 4 + 4))
        else {
            break;
        };
        let bx = (crun + 1) * 4 + index * 13;
        let offset = usize::from(page[bx]) * 2;
        let marks = if offset == 0 {
            TableMarks::default()
        } else {
            papx_marks(page, offset)
        };
        runs.push((first, end, marks));
    }
    runs
}

/// The table marks of one PapxInFkp at `offset` of its page.
fn papx_marks(page: &[u8], offset: usize) -> TableMarks {
    let Some(&cb) = page.get(offset) else {
        return TableMarks::default();
    };
    let (start, size) = if cb == 0 {
        let Some(&cb2) = page.get(offset + 1) else {
            return TableMarks::default();
        };
        (offset + 2, usize::from(cb2) * 2)
    } else {
        (offset + 1, usize::from(cb) * 2 - 1)
    };
    let Some(grpprl) = page.get(start..(start + size).min(page.len())) else {
        return TableMarks::default();
    };
    // The style index first, then the sprms.
    sprm_marks(grpprl.get(2..).unwrap_or_default())
}

/// Reads the sprms that say where a paragraph stands in a table.
fn sprm_marks(mut sprms: &[u8]) -> TableMarks {
    let mut marks = TableMarks {
        depth: 0,
        ..TableMarks::default()
    };
    while sprms.len() >= 2 {
        let sprm = u16::from_le_bytes([sprms[0], sprms[1]]);
        let operand = &sprms[2..];
        let size = match sprm >> 13 {
            0 | 1 => 1,
            2 | 4 | 5 => 2,
            3 => 4,
            7 => 3,
            _ => {
                // Variable: TDefTable and PChgTabs have their own length fields.
                if sprm == 0xD608 {
                    usize::from(u16_at(operand, 0).unwrap_or(0)) + 1
                } else if sprm == 0xC615 {
                    match operand.first() {
                        Some(255) => break,
                        Some(&n) => usize::from(n) + 1,
                        None => break,
                    }
                } else {
                    usize::from(operand.first().copied().unwrap_or(0)) + 1
                }
            }
        };
        let Some(value) = operand.get(..size) else {
            break;
        };
        match sprm {
            0x2416 => marks.in_table = value[0] != 0,
            0x2417 => marks.row_end = value[0] != 0,
            0x6649 => marks.depth = u32_at(value, 0).unwrap_or(0),
            0x244B => marks.inner_cell = value[0] != 0,
            0x244C => marks.inner_row_end = value[0] != 0,
            0xD608 => {
                // cb (2 bytes), itcMac, then itcMac + 1 edges.
                let count = usize::from(value.get(2).copied().unwrap_or(0)).min(64);
                marks.edges = (0..=count)
                    .filter_map(|i| u16_at(value, 3 + i * 2).map(|v| i32::from(v as i16)))
                    .collect();
            }
            _ => {}
        }
        sprms = &operand[size..];
    }
    if marks.in_table && marks.depth == 0 {
        marks.depth = 1;
    }
    marks
}
