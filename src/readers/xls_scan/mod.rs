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
    /// The workbook is encrypted (a FILEPASS record): nothing past it can be read.
    pub encrypted: bool,
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

mod container;
mod globals;
mod records;
mod sheets;

/// Builders of `.xls` files record by record, for tests and benchmarks that need real and
/// hostile workbooks. Not used by the app.
#[doc(hidden)]
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
#[cfg(test)]
mod tests;

use container::*;
use globals::*;
use records::*;
use sheets::*;
