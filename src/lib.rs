//! Taizhang (台账): the county ecology bureau's ledger of the yearly key-work plan and of the
//! monthly returns of the departments that carry it out.
//!
//! The library holds everything; `main.rs` only parses arguments and hands over. Storage
//! (`store`), the seed data (`seed`) and the headless commands (`cli`) know nothing of egui;
//! the window lives in `ui`.

// No function of the library over `too-many-lines-threshold` (clippy.toml) unless it says why.
#![warn(clippy::too_many_lines)]

pub mod assessment;
pub mod assets;
pub mod binder;
pub mod cli;
pub mod crash;
pub mod deadlines;
pub mod excel;
pub mod files;
pub mod hash;
pub mod holidays;
pub mod indicators;
pub mod logfile;
pub mod mail;
pub mod model;
pub mod paths;
pub mod plan_text;
pub mod read_ahead;
pub mod readers;
pub mod report;
pub mod returns;
pub mod schedule;
pub mod seed;
pub mod service;
pub mod sheet;
pub mod similar;
pub mod store;
pub mod system_fonts;
pub mod ui;

/// `taizhang --version`: the name, version and build date, one line.
pub fn version_line() -> String {
    format!(
        "taizhang {}（构建于 {}）",
        env!("CARGO_PKG_VERSION"),
        env!("TAIZHANG_BUILD_DATE")
    )
}
