//! BIFF records: the record stream, `CONTINUE` pieces, text encodings and the shared-string
//! table's lengths.

use super::*;

pub(super) const BOF: u16 = 0x0809;
pub(super) const EOF: u16 = 0x000A;
pub(super) const CONTINUE: u16 = 0x003C;
pub(super) const FILEPASS: u16 = 0x002F;
pub(super) const CODEPAGE: u16 = 0x0042;
pub(super) const BOUNDSHEET: u16 = 0x0085;
pub(super) const LBL: u16 = 0x0018;
pub(super) const SST: u16 = 0x00FC;
pub(super) const DIMENSIONS: u16 = 0x0200;
pub(super) const BLANK: u16 = 0x0201;
pub(super) const MULBLANK: u16 = 0x00BE;
pub(super) const NUMBER: u16 = 0x0203;
pub(super) const LABEL: u16 = 0x0204;
pub(super) const RSTRING: u16 = 0x00D6;
pub(super) const BOOLERR: u16 = 0x0205;
pub(super) const STRING: u16 = 0x0207;
pub(super) const RK: u16 = 0x027E;
pub(super) const LABELSST: u16 = 0x00FD;
pub(super) const MULRK: u16 = 0x00BD;
pub(super) const MERGECELLS: u16 = 0x00E5;
pub(super) const FORMULA: u16 = 0x0006;

/// What one shared string costs besides its text (a `String` in calamine's table).
pub(super) const SST_ENTRY_BYTES: u64 = 24;
/// What one sheet costs besides its name's copies (metadata, map entry, empty ranges).
pub(super) const SHEET_BYTES: u64 = 256;
/// What one defined name costs besides its text.
pub(super) const NAME_BYTES: u64 = 64;
/// The longest text calamine makes of a defined name's formula, besides the sheet name.
pub(super) const NAME_FORMULA_BYTES: u64 = 64;
/// calamine's message when it cannot read a formula.
pub(super) const FORMULA_MESSAGE_BYTES: u64 = 128;
/// Bytes calamine may move while rebuilding formula text (insertions into, and splits of, the
/// text so far), the whole workbook together.
pub(super) const MAX_FORMULA_WORK: u64 = 1 << 31;

/// One BIFF record as calamine's `RecordIter` yields it: the CONTINUE records that follow are
/// part of it.
pub(super) struct Record<'a> {
    pub(super) typ: u16,
    /// Where its header starts in the stream.
    pub(super) start: usize,
    pub(super) data: &'a [u8],
    /// The CONTINUE records that follow, headers included.
    pub(super) continues: &'a [u8],
}

/// A record that runs past the end of the stream.
pub(super) struct Truncated;

pub(super) struct Records<'a> {
    pub(super) stream: &'a [u8],
    pub(super) pos: usize,
    pub(super) done: bool,
}

impl<'a> Records<'a> {
    pub(super) fn new(stream: &'a [u8]) -> Self {
        Records {
            stream,
            pos: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Record<'a>, Truncated>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = self.stream.get(self.pos..).unwrap_or_default();
        if rest.is_empty() {
            self.done = true;
            return None;
        }
        let header = u16_at(rest, 0).zip(u16_at(rest, 2));
        let Some((typ, len)) = header else {
            self.done = true;
            return Some(Err(Truncated));
        };
        let end = 4 + usize::from(len);
        let Some(data) = rest.get(4..end) else {
            self.done = true;
            return Some(Err(Truncated));
        };
        let start = self.pos;
        let continues_start = start + end;
        let mut pos = continues_start;
        // calamine merges a CONTINUE only while more than its 4-byte header is left.
        while self.stream.len().saturating_sub(pos) > 4
            && u16_at(self.stream, pos) == Some(CONTINUE)
        {
            let len = u16_at(self.stream, pos + 2).map_or(0, usize::from);
            if self.stream.len() - pos < len + 4 {
                self.done = true;
                return Some(Err(Truncated));
            }
            pos += 4 + len;
        }
        self.pos = pos;
        let continues = self.stream.get(continues_start..pos).unwrap_or_default();
        Some(Ok(Record {
            typ,
            start,
            data,
            continues,
        }))
    }
}

/// A record's data and its CONTINUE records, read the way calamine's `Record` reads them.
pub(super) struct Pieces<'a> {
    pub(super) data: &'a [u8],
    pub(super) rest: &'a [u8],
}

impl<'a> Pieces<'a> {
    /// Moves to the next CONTINUE record (calamine's `continue_record`).
    pub(super) fn next_piece(&mut self) -> bool {
        let Some(len) = u16_at(self.rest, 2) else {
            return false;
        };
        let end = 4 + usize::from(len);
        let Some(piece) = self.rest.get(4..end) else {
            return false;
        };
        self.data = piece;
        self.rest = self.rest.get(end..).unwrap_or_default();
        true
    }

    /// calamine's `skip`, which crosses CONTINUE records.
    pub(super) fn skip(&mut self, mut len: u64) -> bool {
        while len > 0 {
            if self.data.is_empty() && !self.next_piece() {
                return false;
            }
            let step = usize::try_from(len)
                .unwrap_or(usize::MAX)
                .min(self.data.len());
            self.data = self.data.get(step..).unwrap_or_default();
            len -= step as u64;
        }
        true
    }

    pub(super) fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let taken = self.data.get(..len)?;
        self.data = self.data.get(len..).unwrap_or_default();
        Some(taken)
    }
}

/// How calamine turns bytes into text: UTF-16 (code page 1200, the default) or a legacy code
/// page. Measures give an upper bound of the UTF-8 bytes calamine's decoding produces.
#[derive(Clone, Copy, Debug)]
pub(super) struct Encoding {
    pub(super) codepage: u16,
}

impl Encoding {
    pub(super) fn legacy(self) -> bool {
        self.codepage != 1200
    }

    /// 8-bit characters, which calamine widens to UTF-16 before decoding.
    pub(super) fn compressed_len(self, bytes: &[u8]) -> u64 {
        if self.legacy() {
            6 * bytes.len() as u64 + 3
        } else {
            bytes.iter().map(|b| if *b < 0x80 { 1 } else { 2 }).sum()
        }
    }

    /// UTF-16LE characters. encoding_rs sniffs a byte-order mark, which can switch the decoder
    /// (a UTF-8 mark makes every following byte a possible U+FFFD).
    pub(super) fn wide_len(self, bytes: &[u8]) -> u64 {
        if self.legacy() || bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
            return 3 * bytes.len() as u64 + 3;
        }
        if bytes.starts_with(&[0xFE, 0xFF]) {
            return 3 * (bytes.len() / 2) as u64;
        }
        bytes
            .chunks_exact(2)
            .map(|unit| match u16::from_le_bytes([unit[0], unit[1]]) {
                0..=0x7F => 1,
                0x80..=0x7FF => 2,
                _ => 3,
            })
            .sum()
    }

    /// calamine's `decode_to(stream, len, high_byte)`: (characters, bytes) consumed and the
    /// UTF-8 length bound.
    pub(super) fn decode(
        self,
        stream: &[u8],
        len: usize,
        high_byte: Option<bool>,
    ) -> (usize, usize, u64) {
        let high_byte = high_byte.or(if self.legacy() { None } else { Some(false) });
        match high_byte {
            Some(true) => {
                let chars = (stream.len() / 2).min(len);
                let bytes = stream.get(..2 * chars).unwrap_or_default();
                (chars, 2 * chars, self.wide_len(bytes))
            }
            Some(false) => {
                let chars = stream.len().min(len);
                let bytes = stream.get(..chars).unwrap_or_default();
                (chars, chars, self.compressed_len(bytes))
            }
            None => {
                let chars = stream.len().min(len);
                (chars, chars, 3 * chars as u64 + 3)
            }
        }
    }

    /// A readable (lossy) sheet name.
    pub(super) fn name(self, bytes: &[u8], high_byte: Option<bool>) -> String {
        let mut name: String = match high_byte {
            Some(true) => char::decode_utf16(
                bytes
                    .chunks_exact(2)
                    .map(|unit| u16::from_le_bytes([unit[0], unit[1]])),
            )
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
            Some(false) => bytes.iter().map(|b| char::from(*b)).collect(),
            None => {
                let encoding = match self.codepage {
                    936 => encoding_rs::GBK,
                    950 => encoding_rs::BIG5,
                    932 => encoding_rs::SHIFT_JIS,
                    949 => encoding_rs::EUC_KR,
                    65001 => encoding_rs::UTF_8,
                    _ => encoding_rs::WINDOWS_1252,
                };
                encoding.decode_without_bom_handling(bytes).0.into_owned()
            }
        };
        name.retain(|c| c != '\0');
        name
    }
}

/// calamine's `parse_bof`: whether the workbook is BIFF8.
pub(super) fn is_biff8(version: u16, substream: u16) -> bool {
    match version {
        0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500 => false,
        0 => substream != 0x1000,
        _ => true,
    }
}

/// The UTF-8 length of each string of an SST record, read the way calamine's `parse_sst`
/// reads it; `None` where calamine would fail (or where the table could not fit the stream).
pub(super) fn sst_lengths(
    record: &Record<'_>,
    encoding: Encoding,
    stream_len: usize,
) -> Option<Vec<u32>> {
    let mut r = Pieces {
        data: record.data,
        rest: record.continues,
    };
    // Each string takes at least three bytes (or an empty CONTINUE record's four).
    let room = stream_len / 3 + 1;
    let declared = usize::try_from(u32_at(r.data, 4)?).ok()?;
    if declared > room {
        return None;
    }
    r.take(8)?;
    let mut lengths = Vec::new();
    while !r.data.is_empty() || r.next_piece() {
        if lengths.len() >= room {
            return None;
        }
        if r.data.is_empty() {
            // calamine's reading of an empty CONTINUE: an empty string.
            lengths.push(0);
            continue;
        }
        let head = r.take(3)?;
        let mut left = usize::from(u16::from_le_bytes([head[0], head[1]]));
        let flags = head[2];
        let mut runs = 0_u64;
        if flags & 0x8 != 0 {
            let run_count = r.take(2)?;
            runs = u64::from(u16::from_le_bytes([run_count[0], run_count[1]]));
        }
        let mut extension = 0_u64;
        if flags & 0x4 != 0 {
            let size = r.take(4)?;
            let size = i32::from_le_bytes([size[0], size[1], size[2], size[3]]);
            extension = u64::try_from(size).unwrap_or(u64::MAX);
        }
        let mut high_byte = flags & 0x1 != 0;
        let mut utf8 = 0_u64;
        while left > 0 {
            let (chars, bytes, length) = encoding.decode(r.data, left, Some(high_byte));
            utf8 = utf8.saturating_add(length);
            r.data = r.data.get(bytes..).unwrap_or_default();
            left -= chars;
            if left > 0 {
                if !r.next_piece() {
                    return None;
                }
                high_byte = r.take(1)?[0] & 0x1 != 0;
            }
        }
        if !r.skip(runs * 4) || !r.skip(extension) {
            return None;
        }
        lengths.push(u32::try_from(utf8).unwrap_or(u32::MAX));
    }
    Some(lengths)
}
