//! How large a returned file and what it holds may be: far more than any real return, far
//! less than what would cost the process its memory or time.

/// Rows a sheet may have: the form has a few dozen; far more is not a return.
pub const MAX_ROWS: u32 = 2_000;
/// Columns a sheet may have.
pub const MAX_COLUMNS: u32 = 100;
/// Bytes of text all sheets together may hold (each distinct text counted once).
pub const MAX_TEXT_BYTES: u64 = 16 * 1024 * 1024;
/// Merged ranges a sheet may have.
pub const MAX_MERGES: usize = 10_000;
/// Bytes a spreadsheet's parts may inflate to in all.
pub const MAX_INFLATED: u64 = 100 * 1024 * 1024;
/// Bytes a returned file may have.
pub const MAX_FILE: usize = 30 * 1024 * 1024;
/// Sheets a workbook may have: each may fill a grid of [`MAX_ROWS`] × [`MAX_COLUMNS`].
pub const MAX_SHEETS: usize = 50;
/// Strings an `.xlsx` may declare in its shared-string table (calamine reserves that many).
pub const MAX_SHARED_STRINGS: u64 = 1_000_000;
