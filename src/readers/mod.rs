//! Reading the files people send: spreadsheets (`.xlsx`, `.xls`, `.ods`) and Word tables
//! (`.docx`) into bounded grids of text, for returned forms and for plans alike. Every reader
//! checks what a file declares (zip parts' real inflated sizes, shared-string counts, an old
//! workbook's records through [`xls_scan`]) before it allocates for it, and reaches the file
//! only through bytes that `crate::files` read. What the grids mean (which department, which
//! month, which row) is `crate::returns`'s business, not this module's.

pub mod compound;
pub mod doc;
mod docx;
mod error;
pub mod grid;
pub mod limits;
mod ods;
pub mod pdf;
pub mod sniff;
pub mod workbook;
pub mod xls_scan;
pub mod xml;

pub use error::ImportError;
