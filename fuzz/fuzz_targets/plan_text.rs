//! The plan importer on arbitrary bytes: file recognition (UTF-8, UTF-16, GBK, .docx) and the
//! plan-text parser must give a plan or an error, never a panic or a hang.
#![no_main]

mod common;

use libfuzzer_sys::fuzz_target;
use taizhang::plan_text::{DepartmentNames, decode_file, parse_plan};

fuzz_target!(|data: &[u8]| {
    let known = DepartmentNames::new(&common::fixture().departments);
    if let Ok(text) = decode_file(data) {
        let _ = parse_plan(&text, &known);
    }
    // The bytes as text straight away too, so that mutations reach the parser's corners
    // without first having to survive recognition.
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_plan(text, &known);
    }
});
