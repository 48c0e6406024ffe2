//! What a fetch's reader thread reads ahead is exactly what the reading itself finds, and is
//! taken once (issue 36: the two cores share a fetch's work).
#![expect(clippy::unwrap_used)]

mod common;

use taizhang::mail::{parse_mail, parse_mail_now};
use taizhang::readers::workbook::{load_grids, load_grids_now};

#[test]
fn a_message_read_ahead_is_read_the_same_and_taken_once() {
    let sheet = std::fs::read("tests/fixtures/returns/住建局-2019年7月.xls").unwrap();
    let raw = common::mail::message(
        "<zjj@example.cn>",
        "=?UTF-8?B?N+aciOS7vemHjeeCueW3peS9nA==?=",
        "Mon, 05 Aug 2019 09:00:00 +0800",
        "read-ahead@example.cn",
        "生态股：\n\n1. 按计划推进。\n",
        &[("filename=\"zjj.xls\"".to_owned(), sheet.as_slice())],
    );
    let direct = parse_mail_now(&raw).unwrap();
    assert_eq!(direct.attachments.len(), 1);
    let mut warnings = Vec::new();
    let grids = format!("{:?}", load_grids_now(&sheet, &mut warnings).unwrap());

    taizhang::read_ahead::read_message(&raw);
    // Taken once: the same message and the same grids as read directly.
    assert_eq!(parse_mail(&raw).unwrap(), direct);
    let mut ahead_warnings = Vec::new();
    assert_eq!(
        format!("{:?}", load_grids(&sheet, &mut ahead_warnings).unwrap()),
        grids
    );
    assert_eq!(ahead_warnings, warnings);
    assert!(taizhang::read_ahead::MAIL.take(&raw).is_none());
    assert!(taizhang::read_ahead::GRIDS.take(&sheet).is_none());

    // A message that cannot be read is not kept: the reading finds the same refusal.
    taizhang::read_ahead::read_message(b"\x00\x01 not a message");
    assert!(
        taizhang::read_ahead::MAIL
            .take(b"\x00\x01 not a message")
            .is_none()
    );
}
