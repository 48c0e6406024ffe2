//! Each sheet's records as calamine will read them: cells, dimensions, merges, formulas.

use super::*;

/// A sheet's substream as calamine collects it.
#[derive(Default)]
pub(super) struct SheetState {
    pub(super) found: bool,
    pub(super) cells: u64,
    pub(super) formulas: u64,
}

/// Who owns the records at a depth of BOF/EOF nesting: a listed sheet, or nobody (globals,
/// embedded charts). Runs of unlisted substreams are kept as one entry with a count.
#[derive(Clone, Copy)]
pub(super) struct Frame {
    pub(super) sheet: Option<usize>,
    pub(super) depth: u64,
}

pub(super) struct Scanner<'a> {
    pub(super) limits: &'a XlsLimits,
    pub(super) globals: &'a Globals,
    pub(super) summary: XlsSummary,
    pub(super) merges: u64,
    pub(super) formula_work: u64,
    pub(super) cell_cap: u64,
}

impl Scanner<'_> {
    pub(super) fn add_text(&mut self, bytes: u64) -> Result<(), XlsRefusal> {
        self.summary.text_bytes = self.summary.text_bytes.saturating_add(bytes);
        if self.summary.text_bytes > self.limits.max_text_bytes {
            return Err(XlsRefusal::TooMuchText {
                bytes: self.summary.text_bytes,
            });
        }
        Ok(())
    }

    pub(super) fn check_cell(&self, sheet: &str, row: u32, column: u32) -> Result<(), XlsRefusal> {
        if row >= self.limits.max_rows {
            return Err(XlsRefusal::TooManyRows {
                sheet: sheet.to_owned(),
                rows: u64::from(row) + 1,
            });
        }
        if column >= self.limits.max_columns {
            return Err(XlsRefusal::TooManyColumns {
                sheet: sheet.to_owned(),
                columns: u64::from(column) + 1,
            });
        }
        Ok(())
    }

    pub(super) fn push_cells(
        &mut self,
        state: &mut SheetState,
        count: u64,
    ) -> Result<(), XlsRefusal> {
        state.cells = state.cells.saturating_add(count);
        self.summary.cells = self.summary.cells.saturating_add(count);
        // Every cell lies within the limits, so more cells than the grid has are repeats.
        if state.cells > self.cell_cap {
            return Err(damaged(DUPLICATE_CELLS));
        }
        Ok(())
    }

    /// The text calamine's `parse_string` allocates: `cch` bytes up front, then what it decodes.
    pub(super) fn string_cost(&self, data: &[u8]) -> u64 {
        let header = if self.globals.biff8 { 3 } else { 2 };
        let Some(cch) = u16_at(data, 0) else {
            return 0;
        };
        let high_byte = if self.globals.biff8 {
            match data.get(2) {
                Some(flags) => Some(flags & 1 != 0),
                None => return 0,
            }
        } else {
            None
        };
        let chars = data.get(header..).unwrap_or_default();
        let (_, _, utf8) = self
            .globals
            .encoding
            .decode(chars, usize::from(cch), high_byte);
        utf8.max(u64::from(cch))
    }

    /// One record at a listed sheet's own level (calamine skips nested substreams).
    pub(super) fn record(
        &mut self,
        state: &mut SheetState,
        sheet: &str,
        record: &Record<'_>,
    ) -> Result<(), XlsRefusal> {
        let data = record.data;
        let position = || Some((u32::from(u16_at(data, 0)?), u32::from(u16_at(data, 2)?)));
        match record.typ {
            DIMENSIONS => self.dimensions(sheet, data)?,
            // calamine stores no blank cell: a format reaching far out costs nothing.
            BLANK | MULBLANK => {}
            MULRK => {
                let last = data.len().checked_sub(2).and_then(|at| u16_at(data, at));
                if let (Some(row), Some(first), Some(last)) =
                    (u16_at(data, 0), u16_at(data, 2), last)
                {
                    self.check_cell(sheet, u32::from(row), u32::from(first))?;
                    self.check_cell(sheet, u32::from(row), u32::from(last))?;
                    // calamine takes a MULRK only when its length matches its columns (counted
                    // in wrapping u16 arithmetic), then one cell per 6 bytes from `first` on.
                    let columns = last.wrapping_sub(first).wrapping_add(1);
                    if record.typ == MULRK && data.len() == 6 + 6 * usize::from(columns) {
                        let count = u32::try_from((data.len() - 6) / 6).unwrap_or(u32::MAX);
                        if count > 0 {
                            let end = u32::from(first).saturating_add(count - 1);
                            self.check_cell(sheet, u32::from(row), end)?;
                            self.push_cells(state, u64::from(count))?;
                        }
                    }
                }
            }
            NUMBER | BOOLERR | RK => {
                let needed = match record.typ {
                    NUMBER => 14,
                    BOOLERR => 8,
                    _ => 10,
                };
                if let Some((row, column)) = position()
                    && data.len() >= needed
                {
                    self.check_cell(sheet, row, column)?;
                    self.push_cells(state, 1)?;
                }
            }
            LABEL | RSTRING => {
                if let Some((row, column)) = position()
                    && data.len() >= 6
                {
                    self.check_cell(sheet, row, column)?;
                    self.push_cells(state, 1)?;
                    let cost = self.string_cost(data.get(6..).unwrap_or_default());
                    self.add_text(cost)?;
                }
            }
            STRING => {
                // The value of the formula before it, at that formula's (checked) position.
                self.push_cells(state, 1)?;
                let cost = self.string_cost(data);
                self.add_text(cost)?;
            }
            LABELSST => {
                if let Some((row, column)) = position()
                    && let Some(index) = u32_at(data, 6)
                {
                    self.check_cell(sheet, row, column)?;
                    let length = usize::try_from(index)
                        .ok()
                        .and_then(|i| self.globals.strings.get(i));
                    if let Some(length) = length {
                        self.push_cells(state, 1)?;
                        self.add_text(u64::from(*length))?;
                    }
                }
            }
            MERGECELLS => {
                let count = u16_at(data, 0).ok_or_else(|| damaged(MERGES_DAMAGED))?;
                if data.len() < 2 + 8 * usize::from(count) {
                    return Err(damaged(MERGES_DAMAGED));
                }
                self.merges += u64::from(count);
                if self.merges > self.limits.max_merges as u64 {
                    return Err(XlsRefusal::TooManyMerges { count: self.merges });
                }
            }
            FORMULA => {
                if let Some((row, column)) = position()
                    && data.len() >= 20
                {
                    self.check_cell(sheet, row, column)?;
                    // A string result comes in the STRING record that follows.
                    let string_follows = data[6] == 0 && data[12] == 0xFF && data[13] == 0xFF;
                    if !string_follows {
                        self.push_cells(state, 1)?;
                    }
                    state.formulas += 1;
                    if state.formulas > self.cell_cap {
                        return Err(damaged(DUPLICATE_CELLS));
                    }
                    let cost = formula_cost(data.get(20..).unwrap_or_default(), self.globals);
                    self.formula_work = self.formula_work.saturating_add(cost.work);
                    if self.formula_work > MAX_FORMULA_WORK {
                        return Err(damaged(FORMULA_TOO_COMPLEX));
                    }
                    self.add_text(cost.text)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// calamine's `parse_dimensions` and the `reserve(rows × columns)` that follows.
    pub(super) fn dimensions(&self, sheet: &str, data: &[u8]) -> Result<(), XlsRefusal> {
        let read = |at| u16_at(data, at).map(u32::from);
        let fields = match data.len() {
            10 => (read(0), read(2), read(4), read(6)),
            14 | 16 => (u32_at(data, 0), u32_at(data, 4), read(8), read(10)),
            // calamine fails on any other length.
            _ => return Ok(()),
        };
        let (Some(first_row), Some(row_end), Some(mut first_column), Some(column_end)) = fields
        else {
            return Ok(());
        };
        if first_column > 0xFF || column_end < first_column {
            first_column = 0;
        }
        let (start, end) = if row_end >= 1 && column_end >= 1 {
            ((first_row, first_column), (row_end - 1, column_end - 1))
        } else {
            ((first_row, first_column), (first_row, first_column))
        };
        // calamine's arithmetic, which wraps (in release builds) when the first row is beyond
        // the last.
        let rows = end.0.wrapping_sub(start.0).wrapping_add(1);
        let columns = end.1.wrapping_sub(start.1).wrapping_add(1);
        let rows = u64::from(rows).max(u64::from(row_end));
        let columns = u64::from(columns).max(u64::from(column_end));
        // calamine reserves room for every declared cell; a sheet formatted a little past the
        // form's bounds is fine, one that declares millions of cells is not.
        let allowed = u64::from(self.limits.max_rows) * u64::from(self.limits.max_columns) * 5;
        if rows.saturating_mul(columns) <= allowed {
            return Ok(());
        }
        if rows > u64::from(self.limits.max_rows) {
            return Err(XlsRefusal::TooManyRows {
                sheet: sheet.to_owned(),
                rows,
            });
        }
        Err(XlsRefusal::TooManyColumns {
            sheet: sheet.to_owned(),
            columns,
        })
    }
}

/// What calamine's `parse_formula` costs for one FORMULA record.
pub(super) struct FormulaCost {
    /// Bytes of text it may hold (the buffer it starts with, and what it writes).
    pub(super) text: u64,
    /// Bytes it may move while inserting into and splitting the text.
    pub(super) work: u64,
}

/// Bounds calamine's `parse_formula` on `rest` (a FORMULA record's data from byte 20): each
/// token's output is bounded, and so are the bytes moved by the insertions and splits that
/// rebuild the text. Stops where calamine would stop (or panic).
pub(super) fn formula_cost(rest: &[u8], globals: &Globals) -> FormulaCost {
    let biff8 = globals.biff8;
    let encoding = globals.encoding;
    let sheet = globals.longest_sheet_name.max(4);
    let name = globals.longest_name.max(5);
    let mut written = 0_u64;
    let mut work = 0_u64;
    // calamine's stack of operand starts, by its size only.
    let mut depth = 0_u64;
    let tokens = u16_at(rest, 0)
        .and_then(|cce| rest.get(2..2 + usize::from(cce)))
        .unwrap_or_default();
    let mut at = 0_usize;
    while let Some(&ptg) = tokens.get(at) {
        at += 1;
        let operand = tokens.get(at..).unwrap_or_default();
        // (operand bytes, bytes written, bytes moved, operands pushed, operands popped)
        let step: Option<(usize, u64, u64, u64, u64)> = match ptg {
            0x3A | 0x5A | 0x7A => Some((6, sheet + 16, 0, 1, 0)),
            0x3B | 0x5B | 0x7B => Some((10, sheet + 32, 0, 1, 0)),
            0x3C | 0x5C | 0x7C => Some((6, sheet + 8, 0, 1, 0)),
            0x3D | 0x5D | 0x7D => Some((10, sheet + 8, 0, 1, 0)),
            0x01 => Some((4, 0, 0, 1, 0)),
            0x03..=0x11 => Some((0, 2, 2 * written, 0, 1)),
            0x12 | 0x13 => Some((0, 1, written, 0, 0)),
            0x14 => Some((0, 1, 0, 0, 0)),
            0x15 => Some((0, 2, written, 0, 0)),
            0x16 => Some((0, 0, 0, 1, 0)),
            0x17 => match (operand.first(), biff8) {
                (Some(&cch), true) => operand.get(1).map(|flags| {
                    let high_byte = flags & 1 != 0;
                    let len = usize::from(cch) * if high_byte { 2 } else { 1 };
                    let chars = operand.get(2..2 + len).unwrap_or_default();
                    let (_, _, utf8) = encoding.decode(chars, usize::from(cch), Some(high_byte));
                    (2 + len, 2 + utf8, 0, 1, 0)
                }),
                (Some(&cch), false) => {
                    let chars = operand.get(1..1 + usize::from(cch)).unwrap_or_default();
                    let (_, _, utf8) = encoding.decode(chars, usize::from(cch), None);
                    Some((1 + usize::from(cch), 2 + utf8, 0, 1, 0))
                }
                (None, _) => None,
            },
            0x18 => Some((5, 0, 0, 0, 0)),
            0x19 => match operand.first() {
                Some(0x01 | 0x02 | 0x08 | 0x20 | 0x21) => Some((3, 0, 0, 0, 0)),
                Some(0x04) => {
                    u16_at(operand, 1).map(|n| (3 + 2 * (usize::from(n) + 1), 0, 0, 0, 0))
                }
                Some(0x10) => Some((3, 5, 2 * written, 0, 0)),
                Some(0x40 | 0x41) => operand.get(2).map(|&cch| {
                    let cch = u64::from(cch);
                    (3, cch, cch * (written + cch), 0, 0)
                }),
                _ => None,
            },
            0x1C => Some((1, 13, 0, 1, 0)),
            0x1D => Some((1, 5, 0, 1, 0)),
            0x1E => Some((2, 5, 0, 1, 0)),
            // An f64 is written out in full: up to some 330 digits.
            0x1F => Some((8, 340, 0, 1, 0)),
            0x20 | 0x40 | 0x60 => Some((7, 10, 0, 1, 0)),
            // A function: its name, parentheses and a comma per argument; calamine takes at most
            // the whole stack as arguments, and may push without popping.
            0x21 | 0x41 | 0x61 => Some((2, 20 + depth, 2 * written, 1, 0)),
            0x22 | 0x42 | 0x62 => operand.first().map(|&argc| {
                let argc = u64::from(argc);
                (3, 20 + argc.min(depth), 2 * written, 1, argc.min(depth))
            }),
            0x23 | 0x43 | 0x63 => Some((4, name, 0, 1, 0)),
            0x24 | 0x44 | 0x64 => Some((if biff8 { 4 } else { 3 }, 16, 0, 1, 0)),
            0x25 | 0x45 | 0x65 => Some((if biff8 { 8 } else { 6 }, 32, 0, 1, 0)),
            0x2A | 0x4A | 0x6A => Some((if biff8 { 4 } else { 3 }, 5, 0, 1, 0)),
            0x2B | 0x4B | 0x6B => Some((if biff8 { 8 } else { 6 }, 5, 0, 1, 0)),
            0x39 | 0x59 => Some((6, 10, 0, 1, 0)),
            _ => None,
        };
        let Some((operand_len, output, moved, pushed, popped)) = step else {
            break;
        };
        if operand.len() < operand_len {
            break;
        }
        at += operand_len;
        written = written.saturating_add(output);
        work = work.saturating_add(moved);
        depth = depth.saturating_sub(popped).saturating_add(pushed);
    }
    FormulaCost {
        text: (rest.len() as u64)
            .saturating_add(written)
            .saturating_add(FORMULA_MESSAGE_BYTES),
        work,
    }
}

/// Walks the workbook stream: the globals, then every listed sheet's substream as calamine
/// reads it (from the BOF its BOUNDSHEET points at to the matching EOF, nested substreams
/// skipped). All sheets are found in one pass by keeping the BOF/EOF nesting.
pub(super) fn scan_stream(stream: &[u8], limits: &XlsLimits) -> Result<XlsSummary, XlsRefusal> {
    let globals = read_globals(stream, limits)?;
    let mut scanner = Scanner {
        limits,
        globals: &globals,
        summary: XlsSummary {
            sheets: globals.sheets.len(),
            text_bytes: globals.text_bytes,
            ..XlsSummary::default()
        },
        merges: 0,
        formula_work: 0,
        cell_cap: u64::from(limits.max_rows) * u64::from(limits.max_columns),
    };
    if globals.encrypted || globals.sheets.is_empty() {
        return Ok(XlsSummary {
            encrypted: globals.encrypted,
            ..scanner.summary
        });
    }
    let mut owners = HashMap::with_capacity(globals.sheets.len());
    for (index, sheet) in globals.sheets.iter().enumerate() {
        if owners.insert(sheet.pos, index).is_some() {
            return Err(damaged(SHEET_POSITION));
        }
    }
    let mut states: Vec<SheetState> = globals
        .sheets
        .iter()
        .map(|_| SheetState::default())
        .collect();
    let mut frames: Vec<Frame> = Vec::new();
    let mut open = 0_usize;
    let mut closed = 0_usize;
    for record in Records::new(stream) {
        let Ok(record) = record else {
            // calamine reads no further than the last sheet's end; past it, a torn record is
            // harmless.
            if open > 0 || states.iter().any(|s| !s.found) {
                return Err(damaged(RECORDS_DAMAGED));
            }
            break;
        };
        match record.typ {
            BOF => {
                let owner = owners.get(&record.start).copied();
                match (owner, frames.last_mut()) {
                    (Some(index), _) => {
                        if let Some(state) = states.get_mut(index) {
                            state.found = true;
                        }
                        open += 1;
                        frames.push(Frame {
                            sheet: Some(index),
                            depth: 1,
                        });
                    }
                    (None, Some(Frame { sheet: None, depth })) => *depth += 1,
                    (None, _) => frames.push(Frame {
                        sheet: None,
                        depth: 1,
                    }),
                }
                continue;
            }
            EOF => {
                if let Some(frame) = frames.last_mut() {
                    frame.depth -= 1;
                    if frame.depth == 0 {
                        if frame.sheet.is_some() {
                            open -= 1;
                            closed += 1;
                        }
                        frames.pop();
                    }
                }
                if closed == states.len() {
                    break;
                }
                continue;
            }
            _ => {}
        }
        let Some(Frame {
            sheet: Some(index), ..
        }) = frames.last().copied()
        else {
            continue;
        };
        let (Some(state), Some(sheet)) = (states.get_mut(index), globals.sheets.get(index)) else {
            continue;
        };
        scanner.record(state, &sheet.name, &record)?;
    }
    if states.iter().any(|s| !s.found) {
        return Err(damaged(SHEET_POSITION));
    }
    scanner.summary.merges = scanner.merges;
    Ok(scanner.summary)
}
