//! A pre-flight check of old Excel workbooks (`.xls`: BIFF5/BIFF8 in a compound file) before
//! calamine is allowed to open them.
//!
//! calamine's `.xls` reader parses the whole workbook when the file is opened, and it trusts what
//! the file declares:
//!
//! - a DIMENSIONS record makes it reserve `rows × columns` cells up front, so a 9 KB file can ask
//!   for billions of cells and the process aborts on the failed allocation (an abort, which
//!   `catch_unwind` cannot stop);
//! - each sheet becomes a dense grid over the bounding box of its cells, so one cell at IV65536
//!   costs a gigabyte;
//! - every LABELSST cell gets its own copy of its shared string, so one long string used by many
//!   cells costs gigabytes;
//! - LABEL and STRING records allocate the length they declare, present or not; formula text is
//!   rebuilt with repeated insertions (quadratic time, and up to 64 characters per formula byte);
//!   defined names and sheet names are copied and joined;
//! - its own compound-file reader follows sector chains without cycle checks (the directory chain
//!   with no length limit at all) and picks the first directory entry called `Workbook` in
//!   directory order, even one the directory tree does not reach.
//!
//! [`scan_xls`] reads the same bytes the way calamine will, allocating only in proportion to what
//! is present, and refuses a workbook that would make calamine go beyond the caller's limits. The
//! workbook stream is read twice — with the `cfb` crate, and the way calamine's compound-file
//! reader reads it — and the two copies must agree, so the scan checks exactly what calamine will
//! parse. The scan runs in time linear in the file.

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Read};

/// What a workbook may hold before it is refused. The same limits apply to every sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct XlsLimits {
    /// Rows a sheet may have (a cell's row index must be below this).
    pub max_rows: u32,
    /// Columns a sheet may have (a cell's column index must be below this).
    pub max_columns: u32,
    /// Bytes of text calamine may hold for the whole workbook: the shared-string table, each
    /// cell's own copy of its text, formula text, sheet and defined names.
    pub max_text_bytes: u64,
    /// Merged ranges all sheets may declare together.
    pub max_merges: usize,
    /// Bytes the workbook stream may have.
    pub max_stream_bytes: u64,
    /// Sheets (BOUNDSHEET records) a workbook may have. Each sheet may become a grid of up to
    /// `max_rows × max_columns` cells in calamine, so this bounds the memory of the whole file.
    pub max_sheets: usize,
}

/// What a workbook that passed holds, as calamine will read it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct XlsSummary {
    /// Sheets the workbook lists.
    pub sheets: usize,
    /// Cells calamine will collect, all sheets together.
    pub cells: u64,
    /// Upper bound of the bytes of text calamine will hold (see [`XlsLimits::max_text_bytes`]).
    pub text_bytes: u64,
    /// Merged ranges, all sheets together.
    pub merges: u64,
}

/// Why a workbook was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum XlsRefusal {
    /// A sheet declares or uses more rows than allowed.
    TooManyRows {
        /// The sheet's name.
        sheet: String,
        /// The rows it declares, or the row number (1-based) of a cell beyond the limit.
        rows: u64,
    },
    /// A sheet declares or uses more columns than allowed.
    TooManyColumns {
        /// The sheet's name.
        sheet: String,
        /// The columns it declares, or the column number (1-based) of a cell beyond the limit.
        columns: u64,
    },
    /// The text calamine would hold exceeds the limit (counted up to where it went over).
    TooMuchText {
        /// Bytes counted so far.
        bytes: u64,
    },
    /// The sheets declare more merged ranges than allowed (counted up to where it went over).
    TooManyMerges {
        /// Merged ranges counted so far.
        count: u64,
    },
    /// The workbook lists more sheets than allowed.
    TooManySheets {
        /// Sheets listed.
        count: u64,
    },
    /// The file has no `Workbook` or `Book` stream: it is not an Excel 97–2003 (or 5.0/95) file.
    NoWorkbook,
    /// The file is damaged, or built in a way calamine cannot read safely; the text says where.
    Damaged(String),
}

const CFB_DAMAGED: &str = "复合文档结构损坏";
const CFB_INCONSISTENT: &str = "复合文档目录前后不一致";
const STREAM_TOO_LARGE: &str = "工作簿数据流过大";
const RECORDS_DAMAGED: &str = "工作簿记录损坏";
const SST_DAMAGED: &str = "共享字符串表损坏";
const SHEETS_DAMAGED: &str = "工作表目录损坏";
const SHEET_POSITION: &str = "工作表位置无效";
const DUPLICATE_CELLS: &str = "单元格记录重复";
const MERGES_DAMAGED: &str = "合并单元格记录损坏";
const FORMULA_TOO_COMPLEX: &str = "公式过于复杂";

fn damaged(detail: &str) -> XlsRefusal {
    XlsRefusal::Damaged(detail.to_owned())
}

/// Checks an `.xls` file before calamine opens it: what it declares and what it holds must stay
/// within `limits`. Allocates in proportion to the file only.
pub fn scan_xls(bytes: &[u8], limits: &XlsLimits) -> Result<XlsSummary, XlsRefusal> {
    let stream = workbook_stream(bytes, limits)?;
    scan_stream(&stream, limits)
}

// ---------------------------------------------------------------------------------------------
// The compound file
// ---------------------------------------------------------------------------------------------

const CFB_SIGNATURE: [u8; 8] = super::sniff::COMPOUND;
const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const DIFAT_SECTOR: u32 = 0xFFFF_FFFC;
const HEADER_DIFAT_ENTRIES: usize = 109;
const MINI_SECTOR: usize = 64;
const MINI_STREAM_CUTOFF: usize = 4096;

/// The workbook stream, read with the `cfb` crate and checked against the way calamine reads it.
fn workbook_stream(bytes: &[u8], limits: &XlsLimits) -> Result<Vec<u8>, XlsRefusal> {
    if !bytes.starts_with(&CFB_SIGNATURE) {
        return Err(XlsRefusal::NoWorkbook);
    }
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|_| damaged(CFB_DAMAGED))?;
    let name = ["Workbook", "Book"]
        .into_iter()
        .find(|name| file.is_stream(name));
    let as_calamine_reads = calamine_stream(bytes, limits)?;
    let (name, expected) = match (name, as_calamine_reads) {
        (None, None) => return Err(XlsRefusal::NoWorkbook),
        (Some(name), Some(expected)) => (name, expected),
        _ => return Err(damaged(CFB_INCONSISTENT)),
    };
    let mut stream = file.open_stream(name).map_err(|_| damaged(CFB_DAMAGED))?;
    let declared = stream.len();
    if declared > limits.max_stream_bytes {
        return Err(damaged(STREAM_TOO_LARGE));
    }
    let mut data = Vec::new();
    (&mut stream)
        .take(limits.max_stream_bytes)
        .read_to_end(&mut data)
        .map_err(|_| damaged(CFB_DAMAGED))?;
    if u64::try_from(data.len()).ok() != Some(declared) || data != expected {
        return Err(damaged(CFB_INCONSISTENT));
    }
    Ok(data)
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([bytes[0], bytes[1]]))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let bytes = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    let bytes = data.get(at..at.checked_add(8)?)?;
    let mut array = [0_u8; 8];
    array.copy_from_slice(bytes);
    Some(u64::from_le_bytes(array))
}

/// One sector as calamine's reader returns it: bytes of the file, then zeros where calamine's
/// buffer was grown past the end of the file.
struct SectorView<'a> {
    bytes: &'a [u8],
    zeros: usize,
}

impl SectorView<'_> {
    fn append_to(&self, out: &mut Vec<u8>, max: usize) {
        let from_file = self.bytes.len().min(max);
        out.extend_from_slice(self.bytes.get(..from_file).unwrap_or_default());
        let zeros = self.zeros.min(max - from_file);
        out.resize(out.len() + zeros, 0);
    }

    /// calamine's `to_u32`, which asserts a whole number of entries.
    fn entries(&self) -> Option<Vec<u32>> {
        let mut bytes = Vec::with_capacity(self.bytes.len() + self.zeros);
        self.append_to(&mut bytes, usize::MAX);
        if bytes.len() % 4 != 0 {
            return None;
        }
        Some(
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
}

/// calamine's `Sectors` over the file: a buffer filled from the file as far as needed, grown
/// with zeros at the end of the file.
struct Sectors<'a> {
    /// The file after its header.
    data: &'a [u8],
    size: usize,
    maxid: usize,
    /// How far calamine's buffer reaches.
    loaded: usize,
}

impl<'a> Sectors<'a> {
    /// `None` where calamine errs or panics.
    fn get(&mut self, id: u32) -> Option<SectorView<'a>> {
        let id = usize::try_from(id).ok()?;
        if id > self.maxid {
            return None;
        }
        let start = id.checked_mul(self.size)?;
        let end = start.checked_add(self.size)?;
        let available = self.data.len();
        let filled = if end > self.loaded {
            let filled = if self.loaded >= available {
                self.loaded
            } else {
                end.min(available)
            };
            self.loaded = end;
            filled
        } else {
            end
        };
        if start > filled {
            return None;
        }
        let bytes = self
            .data
            .get(start..filled.min(available))
            .unwrap_or_default();
        let zeros = filled.saturating_sub(start).saturating_sub(bytes.len());
        Some(SectorView { bytes, zeros })
    }

    /// A sector chain of at most `len` bytes. A chain that comes back to a sector is refused:
    /// calamine would go round it until `len` (which is unlimited for the directory).
    fn chain(&mut self, first: u32, fat: &[u32], len: usize) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut id = first;
        while id != END_OF_CHAIN {
            if !seen.insert(id) {
                return None;
            }
            let sector = self.get(id)?;
            let room = len.saturating_sub(out.len());
            sector.append_to(&mut out, room);
            if out.len() >= len {
                break;
            }
            id = *fat.get(usize::try_from(id).ok()?)?;
        }
        Some(out)
    }
}

/// A chain in calamine's mini stream. calamine reads past the end of the mini stream from
/// wherever its file reader happens to be, so that is refused.
fn mini_chain(
    ministream: &[u8],
    maxid: usize,
    first: u32,
    minifat: &[u32],
    len: usize,
) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut id = first;
    while id != END_OF_CHAIN {
        if !seen.insert(id) {
            return None;
        }
        let index = usize::try_from(id).ok()?;
        if index > maxid {
            return None;
        }
        let start = index.checked_mul(MINI_SECTOR)?;
        let sector = ministream.get(start..start.checked_add(MINI_SECTOR)?)?;
        let take = sector.len().min(len.saturating_sub(out.len()));
        out.extend_from_slice(sector.get(..take).unwrap_or_default());
        if out.len() >= len {
            break;
        }
        id = *minifat.get(index)?;
    }
    Some(out)
}

struct DirectoryEntry {
    start: u32,
    len: usize,
}

/// A directory entry as calamine reads it: its name decoded from the first 64 bytes (the
/// length field ignored, cut at the first NUL), its start sector and length.
fn directory_entry(raw: &[u8], large_sectors: bool) -> Option<(String, DirectoryEntry)> {
    let mut name = encoding_rs::UTF_16LE.decode(raw.get(..64)?).0.into_owned();
    if let Some(nul) = name.as_bytes().iter().position(|b| *b == 0) {
        name.truncate(nul);
    }
    let start = u32_at(raw, 116)?;
    let len = if large_sectors {
        usize::try_from(u64_at(raw, 120)?).ok()?
    } else {
        usize::try_from(u32_at(raw, 120)?).ok()?
    };
    Some((name, DirectoryEntry { start, len }))
}

/// The workbook stream exactly as calamine's own compound-file reader would read it (the
/// first `Workbook`, else `Book`, entry in directory order), `None` if it finds neither.
/// Whatever calamine would fail on, loop on, or over-allocate for is refused.
fn calamine_stream(bytes: &[u8], limits: &XlsLimits) -> Result<Option<Vec<u8>>, XlsRefusal> {
    let fail = || damaged(CFB_DAMAGED);
    let header = bytes.get(..512).ok_or_else(fail)?;
    let version = u16_at(header, 26).ok_or_else(fail)?;
    let size = match u16_at(header, 30) {
        Some(0x0009) => 512,
        Some(0x000C) => 4096,
        _ => return Err(fail()),
    };
    if u16_at(header, 32) != Some(0x0006) {
        return Err(fail());
    }
    let dir_start = u32_at(header, 48).ok_or_else(fail)?;
    let mini_fat_start = u32_at(header, 60).ok_or_else(fail)?;
    let mini_fat_sectors =
        usize::try_from(u32_at(header, 64).ok_or_else(fail)?).map_err(|_| fail())?;
    let difat_start = u32_at(header, 68).ok_or_else(fail)?;
    let mut difat = Vec::with_capacity(HEADER_DIFAT_ENTRIES);
    for index in 0..HEADER_DIFAT_ENTRIES {
        difat.push(u32_at(header, 76 + 4 * index).ok_or_else(fail)?);
    }
    let maxid = bytes.len() / size;
    let mut sectors = Sectors {
        data: bytes.get(size..).ok_or_else(fail)?,
        size,
        maxid,
        loaded: 0,
    };

    // The DIFAT chain; calamine itself stops it after `maxid + 1` sectors.
    let mut id = difat_start;
    let mut difat_sectors = 0_usize;
    while id < RESERVED_SECTORS {
        difat_sectors += 1;
        if difat_sectors > maxid.saturating_add(1) {
            return Err(fail());
        }
        let sector = sectors.get(id).ok_or_else(fail)?;
        difat.extend(sector.entries().ok_or_else(fail)?);
        id = difat.pop().ok_or_else(fail)?;
    }

    // calamine loads every FAT sector the DIFAT names, repeats included: more FAT sectors than
    // the file could hold would multiply the file in memory.
    let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFAT_SECTOR).collect();
    if fat_sectors.len()
        > maxid
            .saturating_add(1)
            .saturating_mul(2)
            .saturating_add(256)
    {
        return Err(fail());
    }
    let mut fat = Vec::new();
    for id in fat_sectors {
        fat.extend(sectors.get(id).and_then(|s| s.entries()).ok_or_else(fail)?);
    }

    let directory = sectors
        .chain(dir_start, &fat, usize::MAX)
        .ok_or_else(fail)?;
    let large = size == 4096;
    let entries: Vec<(String, DirectoryEntry)> = directory
        .chunks_exact(128)
        .map(|raw| directory_entry(raw, large))
        .collect::<Option<_>>()
        .ok_or_else(fail)?;
    let Some((_, root)) = entries.first() else {
        return Err(fail());
    };
    if version != 3 && root.start == END_OF_CHAIN {
        return Err(fail());
    }
    let (ministream, minifat) = if mini_fat_sectors > 0 {
        let ministream = sectors.chain(root.start, &fat, root.len).ok_or_else(fail)?;
        let minifat_len = mini_fat_sectors.checked_mul(size).ok_or_else(fail)?;
        let minifat = sectors
            .chain(mini_fat_start, &fat, minifat_len)
            .ok_or_else(fail)?;
        if minifat.len() % 4 != 0 {
            return Err(fail());
        }
        let minifat: Vec<u32> = minifat
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        (ministream, minifat)
    } else {
        (Vec::new(), Vec::new())
    };

    // calamine looks through every entry in directory order, the root entry included, whatever
    // its type and wherever it sits in the tree.
    let find = |wanted: &[u8]| {
        entries
            .iter()
            .find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(wanted))
            .map(|(_, entry)| entry)
    };
    let Some(entry) = find(b"Workbook").or_else(|| find(b"Book")) else {
        return Ok(None);
    };
    if !u64::try_from(entry.len).is_ok_and(|len| len <= limits.max_stream_bytes) {
        return Err(damaged(STREAM_TOO_LARGE));
    }
    let stream = if entry.len < MINI_STREAM_CUTOFF {
        mini_chain(
            &ministream,
            maxid.saturating_mul(8),
            entry.start,
            &minifat,
            entry.len,
        )
    } else {
        sectors.chain(entry.start, &fat, entry.len)
    };
    stream.map(Some).ok_or_else(fail)
}

// ---------------------------------------------------------------------------------------------
// BIFF records
// ---------------------------------------------------------------------------------------------

const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const CONTINUE: u16 = 0x003C;
const FILEPASS: u16 = 0x002F;
const CODEPAGE: u16 = 0x0042;
const BOUNDSHEET: u16 = 0x0085;
const LBL: u16 = 0x0018;
const SST: u16 = 0x00FC;
const DIMENSIONS: u16 = 0x0200;
const BLANK: u16 = 0x0201;
const MULBLANK: u16 = 0x00BE;
const NUMBER: u16 = 0x0203;
const LABEL: u16 = 0x0204;
const RSTRING: u16 = 0x00D6;
const BOOLERR: u16 = 0x0205;
const STRING: u16 = 0x0207;
const RK: u16 = 0x027E;
const LABELSST: u16 = 0x00FD;
const MULRK: u16 = 0x00BD;
const MERGECELLS: u16 = 0x00E5;
const FORMULA: u16 = 0x0006;

/// What one shared string costs besides its text (a `String` in calamine's table).
const SST_ENTRY_BYTES: u64 = 24;
/// What one sheet costs besides its name's copies (metadata, map entry, empty ranges).
const SHEET_BYTES: u64 = 256;
/// What one defined name costs besides its text.
const NAME_BYTES: u64 = 64;
/// The longest text calamine makes of a defined name's formula, besides the sheet name.
const NAME_FORMULA_BYTES: u64 = 64;
/// calamine's message when it cannot read a formula.
const FORMULA_MESSAGE_BYTES: u64 = 128;
/// Bytes calamine may move while rebuilding formula text (insertions into, and splits of, the
/// text so far), the whole workbook together.
const MAX_FORMULA_WORK: u64 = 1 << 31;

/// One BIFF record as calamine's `RecordIter` yields it: the CONTINUE records that follow are
/// part of it.
struct Record<'a> {
    typ: u16,
    /// Where its header starts in the stream.
    start: usize,
    data: &'a [u8],
    /// The CONTINUE records that follow, headers included.
    continues: &'a [u8],
}

/// A record that runs past the end of the stream.
struct Truncated;

struct Records<'a> {
    stream: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Records<'a> {
    fn new(stream: &'a [u8]) -> Self {
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
struct Pieces<'a> {
    data: &'a [u8],
    rest: &'a [u8],
}

impl<'a> Pieces<'a> {
    /// Moves to the next CONTINUE record (calamine's `continue_record`).
    fn next_piece(&mut self) -> bool {
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
    fn skip(&mut self, mut len: u64) -> bool {
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

    fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        let taken = self.data.get(..len)?;
        self.data = self.data.get(len..).unwrap_or_default();
        Some(taken)
    }
}

/// How calamine turns bytes into text: UTF-16 (code page 1200, the default) or a legacy code
/// page. Measures give an upper bound of the UTF-8 bytes calamine's decoding produces.
#[derive(Clone, Copy, Debug)]
struct Encoding {
    codepage: u16,
}

impl Encoding {
    fn legacy(self) -> bool {
        self.codepage != 1200
    }

    /// 8-bit characters, which calamine widens to UTF-16 before decoding.
    fn compressed_len(self, bytes: &[u8]) -> u64 {
        if self.legacy() {
            6 * bytes.len() as u64 + 3
        } else {
            bytes.iter().map(|b| if *b < 0x80 { 1 } else { 2 }).sum()
        }
    }

    /// UTF-16LE characters. encoding_rs sniffs a byte-order mark, which can switch the decoder
    /// (a UTF-8 mark makes every following byte a possible U+FFFD).
    fn wide_len(self, bytes: &[u8]) -> u64 {
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
    fn decode(self, stream: &[u8], len: usize, high_byte: Option<bool>) -> (usize, usize, u64) {
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
    fn name(self, bytes: &[u8], high_byte: Option<bool>) -> String {
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
fn is_biff8(version: u16, substream: u16) -> bool {
    match version {
        0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500 => false,
        0 => substream != 0x1000,
        _ => true,
    }
}

/// The UTF-8 length of each string of an SST record, read the way calamine's `parse_sst`
/// reads it; `None` where calamine would fail (or where the table could not fit the stream).
fn sst_lengths(record: &Record<'_>, encoding: Encoding, stream_len: usize) -> Option<Vec<u32>> {
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

/// A sheet the workbook lists.
struct SheetEntry {
    pos: usize,
    name: String,
}

/// What the globals substream tells calamine.
struct Globals {
    biff8: bool,
    encoding: Encoding,
    sheets: Vec<SheetEntry>,
    sheet_count: u64,
    strings: Vec<u32>,
    text_bytes: u64,
    longest_sheet_name: u64,
    longest_name: u64,
    encrypted: bool,
}

/// Reads the globals the way calamine does: every record up to the first EOF.
fn read_globals(stream: &[u8], limits: &XlsLimits) -> Result<Globals, XlsRefusal> {
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
                // calamine stops here with its own "password" error.
                let key = u16_at(data, 0).ok_or_else(|| damaged(RECORDS_DAMAGED))?;
                if key != 0 {
                    globals.encrypted = true;
                    break;
                }
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
fn read_boundsheet(
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
fn name_cost(globals: &Globals, data: &[u8]) -> Option<u64> {
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

/// A sheet's substream as calamine collects it.
#[derive(Default)]
struct SheetState {
    found: bool,
    cells: u64,
    formulas: u64,
}

/// Who owns the records at a depth of BOF/EOF nesting: a listed sheet, or nobody (globals,
/// embedded charts). Runs of unlisted substreams are kept as one entry with a count.
#[derive(Clone, Copy)]
struct Frame {
    sheet: Option<usize>,
    depth: u64,
}

struct Scanner<'a> {
    limits: &'a XlsLimits,
    globals: &'a Globals,
    summary: XlsSummary,
    merges: u64,
    formula_work: u64,
    cell_cap: u64,
}

impl Scanner<'_> {
    fn add_text(&mut self, bytes: u64) -> Result<(), XlsRefusal> {
        self.summary.text_bytes = self.summary.text_bytes.saturating_add(bytes);
        if self.summary.text_bytes > self.limits.max_text_bytes {
            return Err(XlsRefusal::TooMuchText {
                bytes: self.summary.text_bytes,
            });
        }
        Ok(())
    }

    fn check_cell(&self, sheet: &str, row: u32, column: u32) -> Result<(), XlsRefusal> {
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

    fn push_cells(&mut self, state: &mut SheetState, count: u64) -> Result<(), XlsRefusal> {
        state.cells = state.cells.saturating_add(count);
        self.summary.cells = self.summary.cells.saturating_add(count);
        // Every cell lies within the limits, so more cells than the grid has are repeats.
        if state.cells > self.cell_cap {
            return Err(damaged(DUPLICATE_CELLS));
        }
        Ok(())
    }

    /// The text calamine's `parse_string` allocates: `cch` bytes up front, then what it decodes.
    fn string_cost(&self, data: &[u8]) -> u64 {
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
    fn record(
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
    fn dimensions(&self, sheet: &str, data: &[u8]) -> Result<(), XlsRefusal> {
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
struct FormulaCost {
    /// Bytes of text it may hold (the buffer it starts with, and what it writes).
    text: u64,
    /// Bytes it may move while inserting into and splitting the text.
    work: u64,
}

/// Bounds calamine's `parse_formula` on `rest` (a FORMULA record's data from byte 20): each
/// token's output is bounded, and so are the bytes moved by the insertions and splits that
/// rebuild the text. Stops where calamine would stop (or panic).
fn formula_cost(rest: &[u8], globals: &Globals) -> FormulaCost {
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
fn scan_stream(stream: &[u8], limits: &XlsLimits) -> Result<XlsSummary, XlsRefusal> {
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
        return Ok(scanner.summary);
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

/// Builders of `.xls` files record by record, for tests and benchmarks that need real and
/// hostile workbooks. Not used by the app.
#[doc(hidden)]
pub mod fixtures {
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
        let placeholders: Vec<Vec<u8>> =
            sheets.iter().map(|(name, _)| boundsheet(0, name)).collect();
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
        let mut file = cfb::CompoundFile::create_with_version(version, Cursor::new(Vec::new()))
            .expect("fixture");
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
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]

    use super::fixtures::*;
    use super::*;
    use calamine::{Data, Reader};
    use std::io::Write;
    use std::time::{Duration, Instant};

    const LIMITS: XlsLimits = XlsLimits {
        max_rows: 2000,
        max_columns: 100,
        max_text_bytes: 16 << 20,
        max_merges: 10_000,
        max_stream_bytes: 30 << 20,
        max_sheets: 32,
    };

    fn small_stream() -> Vec<u8> {
        let sheet = body(&[
            dimensions(0, 4, 0, 4),
            labelsst(0, 0, 0),
            labelsst(0, 1, 1),
            number(1, 0, 2.5),
            mulrk(2, 0, &[1, 2, 3]),
            label(3, 0, "附注"),
            formula(3, 1, 2.0),
            mergecells(&[(0, 0, 1, 3)]),
        ]);
        let other = body(&[dimensions(0, 1, 0, 1), number(0, 0, 7.0)]);
        workbook(
            &sst(&["任务", "进展"], 8224),
            &[("Sheet1", sheet), ("第二页", other)],
        )
    }

    fn calamine_range(bytes: &[u8], sheet: &str) -> calamine::Range<Data> {
        let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
        workbook.worksheet_range(sheet).unwrap()
    }

    /// Opens with calamine (a panic is allowed, an abort is not): for files the scan passed.
    fn calamine_survives(bytes: &[u8]) {
        let _ = std::panic::catch_unwind(|| {
            if let Ok(mut workbook) = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) {
                for name in workbook.sheet_names() {
                    let _ = workbook.worksheet_range(&name);
                }
            }
        });
    }

    #[test]
    fn xls_scan_small_workbook_passes_and_calamine_reads_it() {
        let bytes = xls(&small_stream());
        let summary = scan_xls(&bytes, &LIMITS).unwrap();
        assert_eq!(summary.sheets, 2);
        // 2 LABELSST + NUMBER + 3 MULRK + LABEL + FORMULA, then NUMBER.
        assert_eq!(summary.cells, 9);
        assert_eq!(summary.merges, 1);
        assert!(summary.text_bytes > 12);

        let range = calamine_range(&bytes, "Sheet1");
        assert_eq!(range.get_value((0, 0)), Some(&Data::String("任务".into())));
        assert_eq!(range.get_value((0, 1)), Some(&Data::String("进展".into())));
        assert_eq!(range.get_value((1, 0)), Some(&Data::Float(2.5)));
        assert_eq!(range.get_value((2, 2)), Some(&Data::Int(3)));
        assert_eq!(range.get_value((3, 0)), Some(&Data::String("附注".into())));
        assert_eq!(range.get_value((3, 1)), Some(&Data::Float(2.0)));
        let range = calamine_range(&bytes, "第二页");
        assert_eq!(range.get_value((0, 0)), Some(&Data::Float(7.0)));
    }

    #[test]
    fn xls_scan_version_4_and_large_stream_with_padding_pass() {
        // A stream past the mini-stream cutoff, zero-padded after the last EOF as Excel does,
        // next to a small stream (in the mini stream) as real files have.
        let mut stream = small_stream();
        stream.resize(stream.len() + 9000, 0);
        for version in [cfb::Version::V3, cfb::Version::V4] {
            let mut file =
                cfb::CompoundFile::create_with_version(version, Cursor::new(Vec::new())).unwrap();
            file.create_stream("Workbook")
                .unwrap()
                .write_all(&stream)
                .unwrap();
            file.create_stream("\u{5}SummaryInformation")
                .unwrap()
                .write_all(&[0; 200])
                .unwrap();
            file.flush().unwrap();
            let bytes = file.into_inner().into_inner();
            let summary = scan_xls(&bytes, &LIMITS).unwrap();
            assert_eq!(summary.cells, 9);
            let range = calamine_range(&bytes, "Sheet1");
            assert_eq!(range.get_value((1, 0)), Some(&Data::Float(2.5)));
        }
        // calamine cannot open a version 4 file without a mini stream, and neither does the scan.
        let bytes = compound_file(cfb::Version::V4, "Workbook", &stream);
        assert!(calamine::open_workbook_auto_from_rs(Cursor::new(&bytes)).is_err());
        assert_eq!(
            scan_xls(&bytes, &LIMITS),
            Err(XlsRefusal::Damaged(CFB_DAMAGED.into()))
        );
        // A BIFF5-style "Book" stream is found too.
        let bytes = compound_file(cfb::Version::V3, "Book", &small_stream());
        assert_eq!(scan_xls(&bytes, &LIMITS).unwrap().sheets, 2);
    }

    #[test]
    fn xls_scan_reads_the_stream_calamine_reads() {
        // Two streams; the first one created is renamed "Workbook" in place. calamine takes the
        // first entry of that name in directory order; the directory tree leads elsewhere.
        let decoy = workbook(&sst(&[], 8224), &[("Sheet1", number(0, 0, 99.0))]);
        let mut file =
            cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new()))
                .unwrap();
        file.create_stream("AAAA")
            .unwrap()
            .write_all(&decoy)
            .unwrap();
        file.create_stream("Workbook")
            .unwrap()
            .write_all(&small_stream())
            .unwrap();
        file.flush().unwrap();
        let mut bytes = file.into_inner().into_inner();
        let old: Vec<u8> = "AAAA".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let at = bytes.windows(old.len()).position(|w| w == old).unwrap();
        let new: Vec<u8> = "Workbook"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        bytes[at..at + new.len()].copy_from_slice(&new);
        bytes[at + 64..at + 66].copy_from_slice(&18_u16.to_le_bytes());

        let range = calamine_range(&bytes, "Sheet1");
        assert_eq!(range.get_value((0, 0)), Some(&Data::Float(99.0)));
        assert!(matches!(
            scan_xls(&bytes, &LIMITS),
            Err(XlsRefusal::Damaged(_))
        ));
    }

    #[test]
    fn xls_scan_refuses_four_billion_declared_rows() {
        let sheet = body(&[dimensions(0, 4_000_000_000, 0, 2), number(0, 0, 1.0)]);
        let bytes = xls(&workbook(&sst(&[], 8224), &[("Sheet1", sheet)]));
        assert_eq!(
            scan_xls(&bytes, &LIMITS),
            Err(XlsRefusal::TooManyRows {
                sheet: "Sheet1".into(),
                rows: 4_000_000_000
            })
        );
        // A first row beyond the last wraps around to billions in calamine's arithmetic.
        let sheet = body(&[dimensions(5, 1, 0, 2)]);
        let bytes = xls(&workbook(&sst(&[], 8224), &[("Sheet1", sheet)]));
        assert!(matches!(
            scan_xls(&bytes, &LIMITS),
            Err(XlsRefusal::TooManyRows { .. })
        ));
    }

    #[test]
    fn xls_scan_refuses_a_cell_at_iv65536() {
        let sheet = body(&[number(0, 0, 1.0), number(65535, 255, 1.0)]);
        let bytes = xls(&workbook(&sst(&[], 8224), &[("Sheet1", sheet)]));
        assert_eq!(
            scan_xls(&bytes, &LIMITS),
            Err(XlsRefusal::TooManyRows {
                sheet: "Sheet1".into(),
                rows: 65536
            })
        );
        let sheet = body(&[mulrk(0, 98, &[1, 2, 3])]);
        let bytes = xls(&workbook(&sst(&[], 8224), &[("宽表", sheet)]));
        assert_eq!(
            scan_xls(&bytes, &LIMITS),
            Err(XlsRefusal::TooManyColumns {
                sheet: "宽表".into(),
                columns: 101
            })
        );
    }

    #[test]
    fn xls_scan_refuses_one_long_string_in_many_cells() {
        let long = "x".repeat(32_000);
        let mut sheet = Vec::with_capacity(198_000 * 14);
        for i in 0..198_000_u32 {
            let row = u16::try_from(i / 100 % 2000).unwrap();
            let column = u16::try_from(i % 100).unwrap();
            sheet.extend(labelsst(row, column, 0));
        }
        let bytes = xls(&workbook(&sst(&[&long], 8224), &[("Sheet1", sheet)]));
        let started = Instant::now();
        let result = scan_xls(&bytes, &LIMITS);
        assert!(started.elapsed() < Duration::from_secs(2));
        assert!(matches!(result, Err(XlsRefusal::TooMuchText { bytes }) if bytes > 16 << 20));
    }

    #[test]
    fn xls_scan_refuses_twenty_thousand_merges() {
        let ranges: Vec<(u16, u16, u16, u16)> = (0..1000).map(|i| (i, i, 0, 1)).collect();
        let sheet: Vec<u8> = (0..20).flat_map(|_| mergecells(&ranges)).collect();
        let bytes = xls(&workbook(&sst(&[], 8224), &[("Sheet1", sheet)]));
        assert!(matches!(
            scan_xls(&bytes, &LIMITS),
            Err(XlsRefusal::TooManyMerges { count }) if count > 10_000
        ));
    }

    #[test]
    fn xls_scan_measures_strings_split_across_continue_records() {
        // "ab" in the SST record, "台账" (UTF-16) in a CONTINUE; then a rich string whose
        // formatting runs cross into a third record, then an extended string.
        let mut first = Vec::new();
        first.extend_from_slice(&3_u32.to_le_bytes());
        first.extend_from_slice(&3_u32.to_le_bytes());
        first.extend_from_slice(&4_u16.to_le_bytes());
        first.push(0);
        first.extend_from_slice(b"ab");
        let mut second = vec![1];
        for unit in "台账".encode_utf16() {
            second.extend_from_slice(&unit.to_le_bytes());
        }
        second.extend_from_slice(&3_u16.to_le_bytes());
        second.push(0x08);
        second.extend_from_slice(&2_u16.to_le_bytes());
        second.extend_from_slice(b"xyz");
        second.extend_from_slice(&[0; 4]);
        let mut third = vec![0; 4];
        third.extend_from_slice(&2_u16.to_le_bytes());
        third.push(0x04);
        third.extend_from_slice(&3_i32.to_le_bytes());
        third.extend_from_slice(b"ok");
        third.extend_from_slice(&[9, 9, 9]);
        let sst_records = [
            record(SST, &first),
            record(CONTINUE, &second),
            record(CONTINUE, &third),
        ]
        .concat();

        let mut records = Records::new(&sst_records);
        let sst_record = records.next().unwrap().ok().unwrap();
        assert!(records.next().is_none());
        let lengths = sst_lengths(&sst_record, Encoding { codepage: 1200 }, 1000).unwrap();
        assert_eq!(lengths, vec![8, 3, 2]);

        let sheet = body(&[labelsst(0, 0, 0), labelsst(0, 1, 1), labelsst(0, 2, 2)]);
        let bytes = xls(&workbook(&sst_records, &[("Sheet1", sheet)]));
        assert!(scan_xls(&bytes, &LIMITS).is_ok());
        let range = calamine_range(&bytes, "Sheet1");
        assert_eq!(
            range.get_value((0, 0)),
            Some(&Data::String("ab台账".into()))
        );
        assert_eq!(range.get_value((0, 1)), Some(&Data::String("xyz".into())));
        assert_eq!(range.get_value((0, 2)), Some(&Data::String("ok".into())));

        // The test's own SST writer splits long strings the same way.
        let long = "台".repeat(5000);
        let split = sst(&["a", &long, "b"], 8224);
        let sst_record = Records::new(&split).next().unwrap().ok().unwrap();
        let lengths = sst_lengths(&sst_record, Encoding { codepage: 1200 }, split.len()).unwrap();
        assert_eq!(lengths, vec![1, 15_000, 1]);
    }

    #[test]
    fn xls_scan_refuses_too_many_sheets_and_bad_sheet_positions() {
        let sheets: Vec<(String, Vec<u8>)> = (0..40)
            .map(|i| (format!("S{i}"), number(0, 0, 1.0)))
            .collect();
        let sheets: Vec<(&str, Vec<u8>)> = sheets
            .iter()
            .map(|(name, body)| (name.as_str(), body.clone()))
            .collect();
        let bytes = xls(&workbook(&sst(&[], 8224), &sheets));
        assert_eq!(
            scan_xls(&bytes, &LIMITS),
            Err(XlsRefusal::TooManySheets { count: 40 })
        );

        // A sheet position inside another record's data, where a hidden sheet waits: the
        // "Hidden" sheet's BOUNDSHEET is patched (in place) to point into an unknown record.
        let hidden = [bof(0x0010), number(65535, 255, 1.0), eof()].concat();
        let mut stream = workbook(
            &sst(&[], 8224),
            &[("Sheet1", number(0, 0, 1.0)), ("Hidden", Vec::new())],
        );
        let unknown_at = stream.len();
        stream.extend(record(0x00EF, &hidden));
        assert_eq!(scan_xls(&xls(&stream), &LIMITS).unwrap().sheets, 2);
        let last_boundsheet = Records::new(&stream)
            .map(|r| r.ok().unwrap())
            .filter(|r| r.typ == BOUNDSHEET)
            .last()
            .unwrap()
            .start;
        let target = u32::try_from(unknown_at + 4).unwrap();
        stream[last_boundsheet + 4..last_boundsheet + 8].copy_from_slice(&target.to_le_bytes());
        assert_eq!(
            scan_xls(&xls(&stream), &LIMITS),
            Err(XlsRefusal::Damaged(SHEET_POSITION.into()))
        );
        // Two sheets at one position.
        let first_sheet = Records::new(&stream)
            .map(|r| r.ok().unwrap())
            .find(|r| r.typ == BOUNDSHEET)
            .unwrap()
            .start;
        let first_pos = stream[first_sheet + 4..first_sheet + 8].to_vec();
        stream[last_boundsheet + 4..last_boundsheet + 8].copy_from_slice(&first_pos);
        assert_eq!(
            scan_xls(&xls(&stream), &LIMITS),
            Err(XlsRefusal::Damaged(SHEET_POSITION.into()))
        );
    }

    #[test]
    fn xls_scan_refuses_a_formula_that_calamine_would_rebuild_forever() {
        let mut rgce = vec![0x1E, 1, 0];
        for _ in 0..2000 {
            rgce.extend_from_slice(&[0x19, 0x40, 0x00, 0xFF]);
        }
        let mut data = cell_head(0, 0);
        data.extend_from_slice(&1.0_f64.to_le_bytes());
        data.extend_from_slice(&[0; 6]);
        data.extend_from_slice(&u16::try_from(rgce.len()).unwrap().to_le_bytes());
        data.extend_from_slice(&rgce);
        let sheet = record(FORMULA, &data);
        let bytes = xls(&workbook(&sst(&[], 8224), &[("Sheet1", sheet)]));
        let result = scan_xls(&bytes, &LIMITS);
        assert!(
            matches!(&result, Err(XlsRefusal::Damaged(detail)) if detail == FORMULA_TOO_COMPLEX),
            "{result:?}"
        );
    }

    #[test]
    fn xls_scan_refuses_what_is_not_a_workbook() {
        assert_eq!(scan_xls(b"", &LIMITS), Err(XlsRefusal::NoWorkbook));
        assert_eq!(
            scan_xls(b"PK\x03\x04 not xls", &LIMITS),
            Err(XlsRefusal::NoWorkbook)
        );
        let bytes = compound_file(cfb::Version::V3, "Other", &small_stream());
        assert_eq!(scan_xls(&bytes, &LIMITS), Err(XlsRefusal::NoWorkbook));
        let mut garbage = CFB_SIGNATURE.to_vec();
        garbage.resize(4096, 0x5A);
        assert!(matches!(
            scan_xls(&garbage, &LIMITS),
            Err(XlsRefusal::Damaged(_))
        ));
        let huge = XlsLimits {
            max_stream_bytes: 100,
            ..LIMITS
        };
        assert!(matches!(
            scan_xls(&xls(&small_stream()), &huge),
            Err(XlsRefusal::Damaged(_))
        ));
    }

    #[test]
    fn xls_scan_survives_every_truncation() {
        let stream = small_stream();
        let bytes = xls(&stream);
        for len in 0..bytes.len() {
            let result = scan_xls(&bytes[..len], &LIMITS);
            if result.is_ok() {
                calamine_survives(&bytes[..len]);
            }
        }
        // Truncated workbook streams in a sound compound file.
        for len in 0..stream.len() {
            let bytes = xls(&stream[..len]);
            if scan_xls(&bytes, &LIMITS).is_ok() {
                calamine_survives(&bytes);
            }
        }
    }

    #[test]
    fn xls_scan_survives_byte_mutations() {
        let stream = small_stream();
        let bytes = xls(&stream);
        let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..400 {
            let mut mutated = stream.clone();
            let at = usize::try_from(next() % stream.len() as u64).unwrap();
            mutated[at] = u8::try_from(next() & 0xFF).unwrap();
            let file = xls(&mutated);
            if scan_xls(&file, &LIMITS).is_ok() {
                calamine_survives(&file);
            }
        }
        for _ in 0..400 {
            let mut mutated = bytes.clone();
            let at = usize::try_from(next() % bytes.len() as u64).unwrap();
            mutated[at] = u8::try_from(next() & 0xFF).unwrap();
            if scan_xls(&mutated, &LIMITS).is_ok() {
                calamine_survives(&mutated);
            }
        }
    }

    #[test]
    fn xls_scan_passes_the_real_fixture() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/returns/住建局-2019年7月.xls"
        );
        let bytes = std::fs::read(path).unwrap();
        let summary = scan_xls(&bytes, &LIMITS).unwrap();
        let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(&bytes)).unwrap();
        let names = workbook.sheet_names();
        assert_eq!(summary.sheets, names.len());
        let used: usize = names
            .iter()
            .map(|name| workbook.worksheet_range(name).unwrap().used_cells().count())
            .sum();
        assert!(used > 0);
        assert!(summary.cells >= used as u64, "{summary:?} vs {used}");
        assert!(
            summary.text_bytes > 0 && summary.text_bytes < 1 << 20,
            "{summary:?}"
        );
    }
}
