//! Departments through 机构改革 and hostile names, a closed plan's promise of 不再催报, and the
//! dates and names strangers' mail carries, driven through the headless commands.
#![expect(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::mail::message;
use common::{TempLedger, arg, stderr, taizhang};
use serde_json::Value;

fn new_ledger() -> TempLedger {
    let ledger = TempLedger::new();
    let made = taizhang(&["--db", arg(&ledger.path), "plan", "--json"]);
    assert!(made.status.success(), "{}", stderr(&made));
    ledger
}

fn status(db: &Path) -> Value {
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
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn owed(status: &Value, name: &str) -> Vec<String> {
    let department = status["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("{name} in {status}"));
    let mut rows: Vec<String> = department["missing_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap().to_owned())
        .collect();
    rows.sort();
    rows
}

fn chased(db: &Path) -> Value {
    let output = taizhang(&[
        "--db",
        arg(db),
        "--today",
        "2019-08-10",
        "chase",
        "--period",
        "2019-07",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// 县科工信局 answers for form row 3.7; 县发改局 is not on the form and reports task 4.3 it
/// leads. Merged, the one department owes both.
#[test]
fn merging_keeps_every_duty_of_both_departments() {
    let ledger = new_ledger();
    let before = status(&ledger.path);
    assert_eq!(owed(&before, "县科工信局"), ["3.7"]);
    assert_eq!(owed(&before, "县发改局"), ["4.3"]);
    let merged = taizhang(&[
        "--db",
        arg(&ledger.path),
        "merge-departments",
        "县科工信局",
        "县发改局",
    ]);
    assert!(merged.status.success(), "{}", stderr(&merged));
    let after = status(&ledger.path);
    assert_eq!(owed(&after, "县发改局"), ["3.7", "4.3"]);
    let chase = chased(&ledger.path);
    let message = chase["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "县发改局")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("4.3"), "{message}");
    // Form row 3.7, as the form prints it.
    assert!(message.contains("城镇人口密集区危险化学品"), "{message}");

    // The other way round too.
    let ledger = new_ledger();
    let merged = taizhang(&[
        "--db",
        arg(&ledger.path),
        "merge-departments",
        "县发改局",
        "县科工信局",
    ]);
    assert!(merged.status.success(), "{}", stderr(&merged));
    assert_eq!(owed(&status(&ledger.path), "县科工信局"), ["3.7", "4.3"]);
}

#[test]
fn department_names_lose_control_characters_and_keep_a_sensible_length() {
    let ledger = new_ledger();
    let renamed = taizhang(&[
        "--db",
        arg(&ledger.path),
        "rename-department",
        "县林业局",
        "县林业局\n\u{1b}[31m（新）\u{202e}",
    ]);
    assert!(renamed.status.success(), "{}", stderr(&renamed));
    let plan: Value =
        serde_json::from_slice(&taizhang(&["--db", arg(&ledger.path), "plan", "--json"]).stdout)
            .unwrap();
    let names: Vec<&str> = plan["departments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"县林业局 [31m（新）"), "{names:?}");
    assert!(names.iter().all(|n| !n.chars().any(char::is_control)));

    let before = std::fs::read(&ledger.path).unwrap();
    let long = "局".repeat(1000);
    let refused = taizhang(&[
        "--db",
        arg(&ledger.path),
        "rename-department",
        "县水利局",
        &long,
    ]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("部门名称过长"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read(&ledger.path).unwrap(), before);

    // Every department's template is written, whatever names older versions stored.
    {
        let conn = rusqlite::Connection::open(&ledger.path).unwrap();
        conn.execute(
            "UPDATE departments SET name = '县公安局' || char(10) || char(27) || 'CON' WHERE name = '县公安局'",
            [],
        )
        .unwrap();
    }
    let out = tempfile::tempdir().unwrap();
    let written = taizhang(&[
        "--db",
        arg(&ledger.path),
        "--today",
        "2019-08-01",
        "templates",
        "--period",
        "2019-07",
        "--out",
        arg(out.path()),
    ]);
    assert!(written.status.success(), "{}", stderr(&written));
    let files: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    // The seed plan's thirteen departments that report.
    assert_eq!(files.len(), 13, "{files:?}");
    assert_eq!(String::from_utf8_lossy(&written.stdout).lines().count(), 13);
    assert!(
        files
            .iter()
            .all(|f| !f.chars().any(char::is_control) && f.ends_with(".xlsx")),
        "{files:?}"
    );
}

#[test]
fn a_closed_plan_is_never_chased() {
    let ledger = new_ledger();
    let closed = taizhang(&["--db", arg(&ledger.path), "close-plan", "--plan", "1"]);
    assert!(closed.status.success(), "{}", stderr(&closed));
    let before = std::fs::read(&ledger.path).unwrap();
    for send in [false, true] {
        let mut args = vec![
            "--db",
            arg(&ledger.path),
            "--today",
            "2019-08-10",
            "chase",
            "--plan",
            "1",
            "--period",
            "2019-07",
            "--json",
        ];
        if send {
            args.extend([
                "--send",
                "--smtp-host",
                "127.0.0.1",
                "--smtp-port",
                "9",
                "--security",
                "none",
                "--user",
                "rsxstg@163.com",
                "--password-env",
                "PATH",
            ]);
        }
        let output = taizhang(&args);
        assert!(!output.status.success());
        assert!(
            stderr(&output).contains("已结束，不再催报"),
            "{}",
            stderr(&output)
        );
    }
    assert_eq!(std::fs::read(&ledger.path).unwrap(), before);
}

#[test]
fn impossible_dates_and_hidden_name_reversals_are_not_taken_as_written() {
    let ledger = new_ledger();
    let dir = tempfile::tempdir().unwrap();
    for (index, date) in [
        "Mon, 5 Aug 10000 09:00:00 +0800",
        "Mon, 5 Aug 0001 09:00:00 +0800",
    ]
    .iter()
    .enumerate()
    {
        let raw = message(
            "lyj@example.cn",
            "县林业局7月进展",
            date,
            &format!("date-{index}@example.cn"),
            "1.1 已完成",
            &[("filename=\"\u{202e}xslx.exe\"".to_owned(), b"MZ".as_slice())],
        );
        let path = dir.path().join(format!("{index}.eml"));
        std::fs::write(&path, raw).unwrap();
        let output = taizhang(&[
            "--db",
            arg(&ledger.path),
            "--today",
            "2019-08-10",
            "import-email",
            arg(&path),
            "--dry-run",
            "--json",
        ]);
        let read: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(read["date"], Value::Null, "{read}");
        assert_eq!(read["received"], "2019-08-10", "{read}");
        let warnings = read["warnings"].to_string();
        assert!(warnings.contains("发送日期"), "{warnings}");
        let name = read["attachments"][0]["name"].as_str().unwrap();
        assert_eq!(name, "xslx.exe", "{read}");
    }
}
