//! The workbook globals: code page, sheet directory (`BOUNDSHEET`), defined names, shared strings.

use super::*;

/// A sheet the workbook lists.
pub(super) struct SheetEntry {
    pub(super) pos: usize,
    pub(super) name: String,
}

/// What the globals substream tells calamine.
pub(super) struct Globals {
    pub(super) biff8: bool,
    pub(super) encoding: Encoding,
    pub(super) sheets: Vec<SheetEntry>,
    pub(super) sheet_count: u64,
    pub(super) strings: Vec<u32>,
    pub(super) text_bytes: u64,
    pub(super) longest_sheet_name: u64,
    pub(super) longest_name: u64,
    pub(super) encrypted: bool,
}

/// Reads the globals the way calamine does: every record up to the first EOF.
pub(super) fn read_globals(stream: &[u8], limits: &XlsLimits) -> Result<Globals, XlsRefusal> {
    let mut globals = Globals {
        biff8: true,
        encoding: Encoding { codepage: 1200 },
        sheets: Vec::new(),
        sheet_count: 0,
        strings: Vec::new(),
        text_bytes: 0,
        longest_sheet_name: 0,
        longest_name: 0,
        encrypted: false,
    };
    let mut names = 0_u64;
    for record in Records::new(stream) {
        let record = record.map_err(|_| damaged(RECORDS_DAMAGED))?;
        let data = record.data;
        match record.typ {
            FILEPASS => {
                // Protected with a password, whatever the method (0: XOR obfuscation, 1: RC4
                // or CryptoAPI): nothing after this record is readable without it.
                u16_at(data, 0).ok_or_else(|| damaged(RECORDS_DAMAGED))?;
                globals.encrypted = true;
                break;
            }
            CODEPAGE => {
                globals.encoding = Encoding {
                    codepage: u16_at(data, 0).ok_or_else(|| damaged(RECORDS_DAMAGED))?,
                };
            }
            BOF => {
                let version = u16_at(data, 0).ok_or_else(|| damaged(RECORDS_DAMAGED))?;
                globals.biff8 = is_biff8(version, u16_at(data, 2).unwrap_or(0));
            }
            BOUNDSHEET => read_boundsheet(&mut globals, data, limits)?,
            LBL => {
                let cost = name_cost(&globals, data).ok_or_else(|| damaged(RECORDS_DAMAGED))?;
                globals.longest_name = globals.longest_name.max(cost);
                globals.text_bytes = globals.text_bytes.saturating_add(NAME_BYTES + cost);
                names += 1;
            }
            SST => {
                let lengths = sst_lengths(&record, globals.encoding, stream.len())
                    .ok_or_else(|| damaged(SST_DAMAGED))?;
                let text = lengths.iter().map(|l| u64::from(*l)).sum::<u64>();
                let entries = SST_ENTRY_BYTES.saturating_mul(lengths.len() as u64);
                globals.text_bytes = globals
                    .text_bytes
                    .saturating_add(text)
                    .saturating_add(entries);
                globals.strings = lengths;
            }
            EOF => break,
            _ => {}
        }
        if globals.text_bytes > limits.max_text_bytes {
            return Err(XlsRefusal::TooMuchText {
                bytes: globals.text_bytes,
            });
        }
    }
    // Each defined name that points at a sheet gets the sheet's name put in front.
    let name_formulas = names.saturating_mul(globals.longest_sheet_name + NAME_FORMULA_BYTES);
    globals.text_bytes = globals.text_bytes.saturating_add(name_formulas);
    if globals.sheet_count > limits.max_sheets as u64 {
        return Err(XlsRefusal::TooManySheets {
            count: globals.sheet_count,
        });
    }
    if globals.text_bytes > limits.max_text_bytes {
        return Err(XlsRefusal::TooMuchText {
            bytes: globals.text_bytes,
        });
    }
    Ok(globals)
}

/// calamine's `parse_sheet_metadata`.
pub(super) fn read_boundsheet(
    globals: &mut Globals,
    data: &[u8],
    limits: &XlsLimits,
) -> Result<(), XlsRefusal> {
    let fail = || damaged(SHEETS_DAMAGED);
    let pos = u32_at(data, 0).ok_or_else(fail)?;
    let (Some(state), Some(kind)) = (data.get(4), data.get(5)) else {
        return Err(fail());
    };
    if state & 0x3F > 2 || !matches!(kind, 0 | 1 | 2 | 6) {
        return Err(fail());
    }
    let short = data.get(6..).unwrap_or_default();
    let (cch, chars, high_byte) = if globals.biff8 {
        match short {
            [cch, flags, chars @ ..] => (*cch, chars, Some(flags & 1 != 0)),
            _ => return Err(fail()),
        }
    } else {
        match short {
            [cch, chars @ ..] => (*cch, chars, None),
            _ => return Err(fail()),
        }
    };
    let (_, used, utf8) = globals.encoding.decode(chars, usize::from(cch), high_byte);
    // The name is allocated with `cch` bytes, then copied three times.
    let cost = utf8.max(u64::from(cch));
    globals.longest_sheet_name = globals.longest_sheet_name.max(cost);
    globals.text_bytes = globals.text_bytes.saturating_add(4 * cost + SHEET_BYTES);
    globals.sheet_count += 1;
    if globals.sheets.len() < limits.max_sheets {
        let high_byte = high_byte.or(if globals.encoding.legacy() {
            None
        } else {
            Some(false)
        });
        let name = globals
            .encoding
            .name(chars.get(..used).unwrap_or_default(), high_byte);
        globals.sheets.push(SheetEntry {
            pos: usize::try_from(pos).map_err(|_| damaged(SHEET_POSITION))?,
            name,
        });
    }
    Ok(())
}

/// The text calamine's `parse_lbl` allocates for a defined name; `None` where it panics.
pub(super) fn name_cost(globals: &Globals, data: &[u8]) -> Option<u64> {
    let cch = *data.get(3)?;
    let rest = data.get(14..)?;
    let utf8 = if globals.biff8 {
        let (flags, chars) = rest.split_first()?;
        globals
            .encoding
            .decode(chars, usize::from(cch), Some(flags & 1 != 0))
            .2
    } else {
        globals.encoding.decode(rest, usize::from(cch), None).2
    };
    Some(utf8.max(u64::from(cch)))
}
