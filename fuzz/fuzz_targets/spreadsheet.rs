//! The returned-spreadsheet reader on arbitrary bytes: recognition, the zip checks, the .xlsx
//! stream reader, the header search and the row matching must give a result or an error.
//!
//! Compound files (.xls) are included: they pass our own pre-scan before calamine parses them.
//! calamine's .xls reader still panics on some damaged files, which the app turns into that
//! file's error through `catch_unwind`; libFuzzer's panic hook would abort there, so this target
//! puts back a quiet hook and lets the app's own guard do its work. What remains a finding is
//! what would really end the process: an abort, an allocation over `-rss_limit_mb`, a hang over
//! `-timeout`.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use taizhang::returns::spreadsheet::{ImportChoice, ImportContext, read_return};
use taizhang::schedule::Period;

static QUIET_PANICS: std::sync::Once = std::sync::Once::new();

fuzz_target!(|data: &[u8]| {
    QUIET_PANICS.call_once(|| std::panic::set_hook(Box::new(|_| {})));
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
