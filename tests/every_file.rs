//! Every file a county office sends: e-mails with broken header lines, encoded words cut
//! inside a character, raw GBK headers and attachment names, read through `import-email` as
//! a mature parser would read them.
#![expect(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::mail::{base64, docx_return, ledger_with_addresses, rows_of};
use common::{arg, stderr, taizhang};
use serde_json::Value;

fn import(db: &Path, file: &Path) -> Value {
    let output = taizhang(&[
        "--db",
        arg(db),
        "--today",
        "2019-08-10",
        "import-email",
        arg(file),
        "--dry-run",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// A message from an address no department has, its header given as bytes, with the
/// department's return attached as a Word document named `name` (raw bytes).
fn message_with(header: &[u8], name: &[u8], attachment: &[u8]) -> Vec<u8> {
    let mut raw = header.to_vec();
    raw.extend_from_slice(
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n--=_b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n--=_b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"",
    );
    raw.extend_from_slice(name);
    raw.extend_from_slice(b"\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    raw.extend_from_slice(base64(attachment).as_bytes());
    raw.extend_from_slice(b"\r\n--=_b--\r\n");
    raw
}

fn forest_return(db: &Path) -> Vec<u8> {
    let rows: Vec<(String, String)> = rows_of(db, "县林业局")
        .into_iter()
        .map(|(code, text)| (format!("{code} {text}"), "已完成年度造林任务。".to_owned()))
        .collect();
    docx_return("县林业局", &rows)
}

#[test]
fn a_broken_header_line_loses_nothing_else() {
    let ledger = ledger_with_addresses(&[]);
    let attachment = forest_return(&ledger.path);
    let mut header = b"From: \"Office\" <oa@example.gov.cn>\r\nTo: rsxstg@163.com\r\n".to_vec();
    header.extend_from_slice(
        format!(
            "Subject: {}\r\n",
            common::mail::utf8_word("县林业局2019年7月进展")
        )
        .as_bytes(),
    );
    // An OA system's continuation line without indentation, and a line with no colon.
    header.extend_from_slice(b"X-OA-Route: gw1\r\nrelay-by gw2 without a colon\r\n");
    header.extend_from_slice(
        b"Date: Fri, 02 Aug 2019 09:00:00 +0800\r\nMessage-ID: <broken@example.cn>\r\n",
    );
    let raw = message_with(&header, b"report.docx", &attachment);
    let file = ledger.dir.path().join("broken.eml");
    std::fs::write(&file, raw).unwrap();
    let message = import(&ledger.path, &file);
    assert_eq!(message["from"], "oa@example.gov.cn", "{message}");
    assert_eq!(message["subject"], "县林业局2019年7月进展");
    assert_eq!(message["date"], "2019-08-02");
    assert_eq!(message["department"], "县林业局");
    assert_eq!(message["period"], "2019-07");
    let attachment = &message["attachments"][0];
    assert_eq!(attachment["name"], "report.docx");
    assert!(attachment["error"].is_null(), "{attachment}");
    assert!(
        message["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("格式不正确")),
        "{message}"
    );
}

#[test]
fn a_subject_cut_inside_a_character_decodes_whole() {
    let ledger = ledger_with_addresses(&[]);
    let subject = "关于报送县林业局2019年7月重点工作进展情况的函";
    let bytes = gbk(subject);
    // Cut after an odd number of bytes, as long Chinese subjects are folded.
    let (a, b) = bytes.split_at(7);
    let header = format!(
        "From: oa@example.gov.cn\r\nSubject: =?GBK?B?{}?=\r\n =?GBK?B?{}?=\r\nDate: Fri, 02 Aug 2019 09:00:00 +0800\r\nMessage-ID: <cut@example.cn>\r\n",
        base64(a).replace("\r\n", ""),
        base64(b).replace("\r\n", "")
    );
    let raw = message_with(
        header.as_bytes(),
        b"report.docx",
        &forest_return(&ledger.path),
    );
    let file = ledger.dir.path().join("cut.eml");
    std::fs::write(&file, raw).unwrap();
    let message = import(&ledger.path, &file);
    assert_eq!(message["subject"], subject, "{message}");
    assert_eq!(message["department"], "县林业局");
}

#[test]
fn raw_gbk_headers_and_names_are_read_as_gb18030() {
    let ledger = ledger_with_addresses(&[]);
    let mut header = b"From: ".to_vec();
    header.extend(gbk("\"县林业局\""));
    header.extend_from_slice(b" <lyj@example.cn>\r\nSubject: ");
    header.extend(gbk("县林业局2019年7月份工作进展"));
    header.extend_from_slice(
        b"\r\nDate: Fri, 02 Aug 2019 09:00:00 +0800\r\nMessage-ID: <raw@example.cn>\r\n",
    );
    let name = gbk("县林业局7月进展.docx");
    let raw = message_with(&header, &name, &forest_return(&ledger.path));
    let file = ledger.dir.path().join("raw.eml");
    std::fs::write(&file, raw).unwrap();
    let message = import(&ledger.path, &file);
    assert_eq!(
        message["subject"], "县林业局2019年7月份工作进展",
        "{message}"
    );
    assert_eq!(message["department"], "县林业局");
    assert_eq!(message["attachments"][0]["name"], "县林业局7月进展.docx");
    assert!(message["attachments"][0]["error"].is_null(), "{message}");
}

#[test]
fn a_name_that_lost_characters_matches_no_department() {
    let ledger = ledger_with_addresses(&[]);
    // Bytes no charset reads: the subject keeps a U+FFFD and is not trusted to name anyone.
    let mut header = b"From: someone@example.cn\r\nSubject: ".to_vec();
    header.extend(gbk("县林业局"));
    header.extend_from_slice(&[0xFF, 0xFF]);
    header.extend_from_slice(
        b"\r\nDate: Fri, 02 Aug 2019 09:00:00 +0800\r\nMessage-ID: <lost@example.cn>\r\n\r\n1.1 done\r\n",
    );
    let file = ledger.dir.path().join("lost.eml");
    std::fs::write(&file, header).unwrap();
    let message = import(&ledger.path, &file);
    assert!(
        message["subject"].as_str().unwrap().contains('\u{FFFD}'),
        "{message}"
    );
    assert!(message["department"].is_null(), "{message}");
    assert_eq!(message["committed"], false);
}

/// An Outlook message from an Exchange sender: the department is found by the SMTP address
/// the file holds, and 8-bit text is read in the code page the message declares.
#[test]
fn an_exchange_msg_finds_its_department_and_code_page() {
    let ledger = ledger_with_addresses(&[("县林业局", "linye@example.cn")]);
    let utf16 =
        |text: &str| -> Vec<u8> { text.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let mut entry_id = vec![0_u8; 24];
    entry_id.extend(utf16("林业局\0SMTP\0LinYe@example.cn\0"));
    let subject = encoding_rs::WINDOWS_1252
        .encode("Rapport défini (7月)")
        .0
        .to_vec();
    let bytes = taizhang::mail::msg::fixtures::msg_with(
        &[
            ("0037001E", subject),
            (
                "0C1F001F",
                utf16("/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=LINYE"),
            ),
            ("0C190102", entry_id),
            ("1000001F", utf16("1.1 已完成")),
        ],
        &[(0x3FFD, 1252)],
    );
    let file = ledger.dir.path().join("exchange.msg");
    std::fs::write(&file, bytes).unwrap();
    let message = import(&ledger.path, &file);
    assert_eq!(message["from"], "linye@example.cn", "{message}");
    assert_eq!(message["department"], "县林业局");
    // "7月" is not in code page 1252: it was never in this subject; the Latin text is.
    assert!(
        message["subject"]
            .as_str()
            .unwrap()
            .starts_with("Rapport défini"),
        "{message}"
    );
}
