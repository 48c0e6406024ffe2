//! `import-email` on saved e-mails as departments send them, and on hostile files: each
//! refusal is a clear sentence and leaves the ledger byte for byte as it was.
#![expect(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::mail::{base64, ledger_with_addresses, message, rows_of, utf8_word};
use common::{arg, stderr, taizhang};
use serde_json::Value;

fn import(db: &Path, files: &[&Path], extra: &[&str]) -> Output {
    let mut args = vec!["--db", arg(db), "--today", "2019-08-10", "import-email"];
    for file in files {
        args.push(arg(file));
    }
    args.extend_from_slice(extra);
    args.push("--json");
    taizhang(&args)
}

fn lines(output: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn status_of(db: &Path, department: &str) -> Value {
    let output = taizhang(&[
        "--db",
        arg(db),
        "--today",
        "2019-08-10",
        "status",
        "--period",
        "2019-07",
        "--json",
    ]);
    let status: Value = serde_json::from_slice(&output.stdout).unwrap();
    status["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == department)
        .unwrap()
        .clone()
}

#[test]
fn outlook_messages_bodies_and_html_are_read_with_their_dates() {
    let ledger = ledger_with_addresses(&[("县农业农村局", "nyj@example.cn")]);
    let dir = ledger.dir.path();
    let farm = rows_of(&ledger.path, "县农业农村局");
    // Outlook, 2019-08-02 09:00 in China.
    let msg = write(
        dir,
        "进展.msg",
        &taizhang::mail::msg::fixtures::msg_file(
            "县农业农村局7月份进展",
            "nyj@example.cn",
            &format!("{} {}：已完成。\r\n", farm[3].0, farm[3].1),
            1_564_707_600,
            &[],
        ),
    );
    let output = import(&ledger.path, &[&msg], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let message = &lines(&output)[0];
    assert_eq!(message["department"], "县农业农村局");
    assert_eq!(message["received"], "2019-08-02");
    assert_eq!(message["committed"], true);
    assert_eq!(
        status_of(&ledger.path, "县农业农村局")["received"],
        "2019-08-02"
    );

    // A GBK body in quoted-printable, HTML only.
    let html = format!(
        "<html><body><p>{} {}：正在划定。</p><p>县农业农村局</p></body></html>",
        farm[4].0, farm[4].1
    );
    let (html, _, _) = encoding_rs::GBK.encode(&html);
    let qp: String = html.iter().map(|b| format!("={b:02X}")).collect::<String>();
    let folded: Vec<String> = qp
        .as_bytes()
        .chunks(72)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let eml = format!(
        "From: <nyj@example.cn>\r\nTo: rsxstg@163.com\r\nSubject: {}\r\nDate: Sat, 03 Aug 2019 09:00:00 +0800\r\nMessage-ID: <html@example.cn>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=gbk\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{}\r\n",
        utf8_word("补充"),
        folded.join("=\r\n")
    );
    let html_file = write(dir, "补充.eml", eml.as_bytes());
    let output = import(&ledger.path, &[&html_file], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let message = &lines(&output)[0];
    assert_eq!(message["rows"][0]["progress"], "正在划定。", "{message}");
    assert_eq!(message["period"], "2019-07");

    // A body saved as text: the department and date come from the options.
    let forest = rows_of(&ledger.path, "县林业局");
    let text = write(
        dir,
        "林业局.txt",
        format!("{} {}：已完成。\n", forest[0].0, forest[0].1).as_bytes(),
    );
    let unknown = import(&ledger.path, &[&text], &["--dry-run"]);
    assert!(unknown.status.success());
    assert_eq!(lines(&unknown)[0]["department"], Value::Null);
    let output = import(
        &ledger.path,
        &[&text],
        &["--department", "林业局", "--received", "2019-08-01"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(lines(&output)[0]["committed"], true);
    assert_eq!(
        status_of(&ledger.path, "县林业局")["received"],
        "2019-08-01"
    );
}

#[test]
fn forwards_word_returns_and_files_to_enter_by_hand() {
    let ledger = ledger_with_addresses(&[]);
    let dir = ledger.dir.path();
    let forest = rows_of(&ledger.path, "县林业局");
    // A return forwarded as a whole message (message/rfc822), its spreadsheet inside; and an
    // old .doc beside it.
    let inner = message(
        "<lyj@example.cn>",
        &utf8_word("县林业局7月份进展"),
        "Thu, 01 Aug 2019 09:00:00 +0800",
        "inner@example.cn",
        &format!("{} {}：已完成年度造林任务。\n", forest[0].0, forest[0].1),
        &[],
    );
    let doc = {
        let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        bytes.extend("WordDocument".encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    };
    let outer = format!(
        "From: <office@example.cn>\r\nTo: rsxstg@163.com\r\nSubject: {}\r\nDate: Fri, 02 Aug 2019 09:00:00 +0800\r\nMessage-ID: <outer@example.cn>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n{}\r\n--b\r\nContent-Type: application/msword\r\nContent-Disposition: attachment; filename=\"old.doc\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
        utf8_word("转发：县林业局7月份进展"),
        String::from_utf8(inner).unwrap(),
        base64(&doc)
    );
    let file = write(dir, "forward.eml", outer.as_bytes());
    let output = import(&ledger.path, &[&file], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let message = &lines(&output)[0];
    assert_eq!(message["department"], "县林业局", "{message}");
    // Read as the forwarded message: the department's own sender, date and subject.
    assert_eq!(message["from"], "lyj@example.cn");
    assert_eq!(message["forwarded_by"], "office@example.cn");
    assert_eq!(message["subject"], "县林业局7月份进展");
    assert_eq!(message["date"], "2019-08-01");
    assert_eq!(message["message_id"], "inner@example.cn");
    assert_eq!(message["rows"][0]["progress"], "已完成年度造林任务。");
    let doc = &message["attachments"][0];
    assert_eq!(doc["name"], "old.doc");
    // A .doc is read as a return now; this one is only a broken header.
    assert!(doc["error"].as_str().unwrap().contains("损坏"), "{doc}");
    assert_eq!(message["committed"], true);
}

fn snapshot(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

#[test]
fn hostile_files_are_refused_and_nothing_is_written() {
    let ledger = ledger_with_addresses(&[("县农业农村局", "nyj@example.cn")]);
    let dir = ledger.dir.path();
    let before = snapshot(&ledger.path);

    let fifo = dir.join("mail.eml");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let zero = dir.join("zero.eml");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let huge = dir.join("huge.eml");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(2 * 1024 * 1024 * 1024)
        .unwrap();
    let folder = dir.join("folder.eml");
    std::fs::create_dir(&folder).unwrap();
    let binary = write(dir, "binary.eml", &[0_u8, 159, 146, 150, 0, 1, 2, 3]);
    let zip = write(dir, "return.eml", b"PK\x03\x04not really");
    let output = import(
        &ledger.path,
        &[&fifo, &zero, &huge, &folder, &binary, &zip],
        &[],
    );
    assert!(!output.status.success());
    let messages = lines(&output);
    assert_eq!(messages.len(), 6);
    for message in &messages {
        let error = message["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{message}"));
        assert!(
            error
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{error}"
        );
        assert!(!error.contains("os error"), "{error}");
    }
    assert!(messages[2]["error"].as_str().unwrap().contains("太大"));
    assert_eq!(snapshot(&ledger.path), before);

    // A message whose attachment is damaged and whose body has no rows: read, nothing
    // recorded, kept for the window.
    let damaged = message(
        "<nyj@example.cn>",
        "7月",
        "Fri, 02 Aug 2019 09:00:00 +0800",
        "damaged@example.cn",
        "见附件。",
        &[(
            "filename=\"return.xlsx\"".to_owned(),
            b"PK\x03\x04\x14\x00broken".as_slice(),
        )],
    );
    let damaged = write(dir, "damaged.eml", &damaged);
    let output = import(&ledger.path, &[&damaged], &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let message = &lines(&output)[0];
    assert_eq!(message["committed"], false);
    assert!(
        message["attachments"][0]["error"]
            .as_str()
            .unwrap()
            .contains("损坏")
    );
    assert_eq!(
        status_of(&ledger.path, "县农业农村局")["received"],
        Value::Null
    );

    // Thousands of parts: at most 50 attachments are read.
    let mut many = String::from(
        "From: <nyj@example.cn>\r\nSubject: many\r\nDate: Fri, 02 Aug 2019 09:00:00 +0800\r\nMessage-ID: <many@example.cn>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n",
    );
    for index in 0..5_000 {
        many.push_str(&format!(
            "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{index}.bin\"\r\n\r\nx\r\n"
        ));
    }
    many.push_str("--b--\r\n");
    let many = write(dir, "many.eml", many.as_bytes());
    let output = import(&ledger.path, &[&many], &["--dry-run"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let message = &lines(&output)[0];
    assert_eq!(message["attachments"].as_array().unwrap().len(), 50);
    assert!(message["warnings"].to_string().contains("附件超过 50 个"));
}
