//! The returned-spreadsheet reader on arbitrary bytes: recognition, the zip checks, the .xlsx
//! stream reader, the header search and the row matching must give a result or an error.
//!
//! libFuzzer's panic hook aborts even inside `catch_unwind`, so a panic anywhere is a crash
//! here, though the app turns it into the file's error. Compound files (.xls) are left out:
//! calamine's reader for them panics on many damaged files (tests/mutations.rs), which the
//! app catches, and which would stop every run at once.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use taizhang::returns::spreadsheet::{ImportChoice, ImportContext, read_return};
use taizhang::schedule::Period;

const COMPOUND_FILE: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

fuzz_target!(|data: &[u8]| {
    if data.starts_with(&COMPOUND_FILE) {
        return;
    }
    let fixture = common::fixture();
    let context = ImportContext {
        plan: &fixture.plan,
        departments: &fixture.departments,
        obligations: &fixture.obligations,
    };
    for choice in [
        ImportChoice {
            department_id: None,
            period: None,
        },
        ImportChoice {
            department_id: fixture.obligations.first().map(|o| o.department_id),
            period: Period::new(2019, 7),
        },
    ] {
        let _ = read_return("return.xlsx", data, choice, &context);
    }
});
