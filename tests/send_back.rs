//! 退回: a department's return sent back for correction, by hand (the text to copy) and by
//! e-mail against a real SMTP server and servers that never confirm or refuse; its state
//! `returned` in `status`, the chase, the 通报, the 考核 and the sheet; the corrected return that
//! arrives next replaces it with history kept; every refusal leaves the ledger byte-identical.
#![expect(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::mail::{CODE, Hostile, SmtpServer, USER, ledger_with_addresses, message};
use common::{arg, stderr, taizhang_command};
use serde_json::Value;
use taizhang::store::{Delivered, Ledger, SendBackOutcome};

const FARMING: &str = "县农业农村局";

fn smtp_args(port: u16) -> Vec<String> {
    [
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &port.to_string(),
        "--security",
        "none",
        "--user",
        USER,
        "--password-env",
        "TZ_MAIL_CODE",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn run(db: &Path, today: &str, args: &[&str]) -> std::process::Output {
    taizhang_command()
        .args(["--db", arg(db), "--today", today])
        .args(args)
        .env("TZ_MAIL_CODE", CODE)
        .output()
        .unwrap()
}

/// The department's July return, as an e-mail body, received on `date`.
fn receive(db: &Path, text: &str, id: &str, date: &str) {
    let raw = message(
        "nyj@example.cn",
        "县农业农村局2019年7月重点工作进展",
        date,
        id,
        &format!("县农业农村局2019年7月重点工作进展：\n8．化肥农药使用量零增长情况：{text}\n"),
        &[],
    );
    let file = db.with_file_name(format!("{id}.eml"));
    std::fs::write(&file, raw).unwrap();
    let imported = run(
        db,
        "2019-08-10",
        &[
            "import-email",
            arg(&file),
            "--department",
            FARMING,
            "--period",
            "2019-07",
            "--json",
        ],
    );
    assert!(imported.status.success(), "{}", stderr(&imported));
    let outcome: Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(outcome["committed"], true, "{outcome}");
}

fn state_of(db: &Path, today: &str, department: &str) -> Value {
    let status = run(db, today, &["status", "--period", "2019-07", "--json"]);
    assert!(status.status.success(), "{}", stderr(&status));
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    status["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == department)
        .unwrap()
        .clone()
}

fn farming_ledger() -> common::TempLedger {
    let ledger = ledger_with_addresses(&[(FARMING, "nyj@example.cn")]);
    receive(
        &ledger.path,
        "按计划推进",
        "first@example.cn",
        "Fri, 02 Aug 2019 09:00:00 +0800",
    );
    ledger
}

#[test]
fn sent_back_by_hand_is_returned_everywhere_until_the_correction_arrives() {
    let ledger = farming_ledger();
    let db = &ledger.path;
    assert_eq!(state_of(db, "2019-08-06", FARMING)["state"], "on_time");
    let sent = run(
        db,
        "2019-08-06",
        &[
            "send-back",
            "--period",
            "2019-07",
            "--department",
            "农业农村局",
            "--reason",
            "只写了“按计划推进”，没有完成的数字",
            "--json",
        ],
    );
    assert!(sent.status.success(), "{}", stderr(&sent));
    let sent: Value = serde_json::from_slice(&sent.stdout).unwrap();
    assert_eq!(sent["outcome"], "by_hand");
    assert_eq!(sent["state"], "returned");
    assert_eq!(sent["department"], FARMING);
    let text = sent["message"].as_str().unwrap();
    assert!(
        text.contains("退回原因：只写了“按计划推进”，没有完成的数字"),
        "{text}"
    );
    assert!(
        text.contains("★8．化肥农药使用量零增长情况：原报“按计划推进”"),
        "{text}"
    );

    // status, the chase, the 通报 and the 考核 all read it.
    let state = state_of(db, "2019-08-06", FARMING);
    assert_eq!(state["state"], "returned");
    assert_eq!(state["received"], "2019-08-02");
    let chase = run(
        db,
        "2019-08-06",
        &["chase", "--period", "2019-07", "--json"],
    );
    let chase: Value = serde_json::from_slice(&chase.stdout).unwrap();
    let chased = chase["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == FARMING)
        .expect("a return sent back is chased");
    assert!(
        chased["message"]
            .as_str()
            .unwrap()
            .contains("已于8月6日退回修改，尚未收到修改后的报送"),
        "{chased}"
    );
    let docx = ledger.dir.path().join("通报.docx");
    let report = run(
        db,
        "2019-08-06",
        &[
            "report",
            "--period",
            "2019-07",
            "--docx",
            arg(&docx),
            "--json",
        ],
    );
    assert!(report.status.success(), "{}", stderr(&report));
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    assert_eq!(report["returned"], serde_json::json!([FARMING]));
    assert!(
        !report["on_time"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == FARMING)
    );
    assert!(
        report["paragraphs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().contains("退回修改尚未重报1个")),
        "{report}"
    );
    let assessment = run(
        db,
        "2019-08-06",
        &["assessment", "--year", "2019", "--json"],
    );
    let assessment: Value = serde_json::from_slice(&assessment.stdout).unwrap();
    let farming = assessment["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == FARMING)
        .unwrap();
    assert_eq!(farming["returned"], 1);
    assert_eq!(farming["on_time"], 0);
    // The sheet keeps the last content and says it was sent back.
    let xlsx = ledger.dir.path().join("表.xlsx");
    let sheet = run(
        db,
        "2019-08-06",
        &[
            "export-sheet",
            "--period",
            "2019-07",
            "--xlsx",
            arg(&xlsx),
            "--json",
        ],
    );
    assert!(sheet.status.success(), "{}", stderr(&sheet));
    let sheet_text = String::from_utf8_lossy(&sheet.stdout).into_owned();
    assert!(
        sheet_text.contains("县农业农村局的报送已退回修改"),
        "{sheet_text}"
    );

    // A second sending back is recorded too.
    let again = run(
        db,
        "2019-08-07",
        &[
            "send-back",
            "--period",
            "2019-07",
            "--department",
            FARMING,
            "--reason",
            "仍未填写数字",
        ],
    );
    assert!(again.status.success(), "{}", stderr(&again));
    // The corrected return replaces it, the old text kept in the history.
    receive(
        db,
        "全县推广测土配方施肥12.5万亩，化肥使用量同比减少3%。",
        "second@example.cn",
        "Thu, 08 Aug 2019 10:00:00 +0800",
    );
    let state = state_of(db, "2019-08-09", FARMING);
    assert_eq!(state["state"], "on_time", "{state}");
    // Each sending back stays on record.
    let record = state["sent_back"].as_array().unwrap();
    assert_eq!(record.len(), 2, "{state}");
    assert_eq!(record[0]["reason"], "只写了“按计划推进”，没有完成的数字");
    assert_eq!(record[1]["reason"], "仍未填写数字");
    assert!(record.iter().all(|s| s["outcome"] == "by_hand"));
    let (open, _) = Ledger::open(db).unwrap();
    let plan_id = open.focused_plan_id().unwrap();
    let send_backs = open.send_backs(plan_id, None).unwrap();
    assert_eq!(send_backs.len(), 2);
    assert!(
        send_backs
            .iter()
            .all(|s| s.outcome == SendBackOutcome::ByHand)
    );
    assert_eq!(send_backs[0].reason, "只写了“按计划推进”，没有完成的数字");
    assert!(send_backs[0].sent_at.starts_with("2019-08-06"));
    let july = common::july();
    let returns = open.returns(Some(july)).unwrap();
    let farming_id = open
        .departments()
        .unwrap()
        .iter()
        .find(|d| d.name == FARMING)
        .unwrap()
        .id;
    let record = returns
        .iter()
        .find(|r| r.department_id == farming_id)
        .unwrap();
    assert_eq!(record.sent_back_at, None);
    let row = record
        .rows
        .iter()
        .find(|r| r.progress.contains("12.5万亩"))
        .unwrap();
    let history = open.row_history(row.id).unwrap();
    assert_eq!(history[0].progress, "按计划推进");
    // The 考核 still counts the month as sent back once.
    let assessment = run(
        db,
        "2019-08-09",
        &["assessment", "--year", "2019", "--json"],
    );
    let assessment: Value = serde_json::from_slice(&assessment.stdout).unwrap();
    let farming = assessment["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == FARMING)
        .unwrap();
    assert_eq!(farming["returned"], 1);
    assert_eq!(farming["on_time"], 1);
    drop(open);
}

#[test]
fn a_sending_back_that_cannot_be_made_writes_nothing() {
    let ledger = farming_ledger();
    let db = &ledger.path;
    let before = std::fs::read(db).unwrap();
    let cases: [(&[&str], &str); 6] = [
        (
            &["--department", "县林业局", "--reason", "x"],
            "尚未收到县林业局2019年7月的报送，无可退回",
        ),
        (
            &["--department", "县气象局", "--reason", "x"],
            "台账中没有部门“县气象局”",
        ),
        (
            &["--department", FARMING, "--reason", " \u{200b}\n "],
            "请写明退回原因",
        ),
        (
            &["--department", FARMING, "--reason", &"长".repeat(1001)],
            "退回原因太长",
        ),
        (&["--department", FARMING], "send-back 需要 --reason"),
        (
            &[
                "--department",
                FARMING,
                "--reason",
                "x",
                "--smtp-host",
                "127.0.0.1",
            ],
            "",
        ),
    ];
    for (extra, says) in cases {
        let mut args = vec!["send-back", "--period", "2019-07"];
        args.extend_from_slice(extra);
        let output = run(db, "2019-08-06", &args);
        assert!(!output.status.success(), "{args:?}");
        assert!(
            stderr(&output).contains(says),
            "{args:?}: {}",
            stderr(&output)
        );
        assert_eq!(std::fs::read(db).unwrap(), before, "{args:?}");
    }
    let outside = run(
        db,
        "2019-08-06",
        &[
            "send-back",
            "--period",
            "2030-01",
            "--department",
            FARMING,
            "--reason",
            "x",
        ],
    );
    assert!(!outside.status.success());
    assert_eq!(std::fs::read(db).unwrap(), before);
}

#[test]
fn sent_back_by_email_is_recorded_with_what_the_server_said() {
    let ledger = farming_ledger();
    let db = &ledger.path;
    let send = |port: u16| {
        let mut args = vec![
            "send-back",
            "--period",
            "2019-07",
            "--department",
            FARMING,
            "--reason",
            "没有数字",
            "--json",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        args.extend(smtp_args(port));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(db, "2019-08-06", &args)
    };
    // Refused by the server: recorded failed, the return stands as it was.
    let refusing = Hostile::start("smtp-reject-data", &[]);
    let refused = send(refusing.port);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("报送状态未改"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(state_of(db, "2019-08-06", FARMING)["state"], "on_time");
    // Taken without a complete reply: uncertain, and returned (they may have it).
    let half = Hostile::start("smtp-half-reply", &[]);
    let unsure = send(half.port);
    assert!(!unsure.status.success());
    let unsure_json: Value = serde_json::from_slice(&unsure.stdout).unwrap();
    assert_eq!(unsure_json["outcome"], "uncertain");
    assert!(
        stderr(&unsure).contains("可能已收到"),
        "{}",
        stderr(&unsure)
    );
    assert_eq!(state_of(db, "2019-08-06", FARMING)["state"], "returned");
    // A real server takes it.
    let good = SmtpServer::start(None);
    let sent = send(good.port);
    assert!(sent.status.success(), "{}", stderr(&sent));
    let sent: Value = serde_json::from_slice(&sent.stdout).unwrap();
    assert_eq!(sent["outcome"], "sent");
    assert_eq!(sent["to"], "nyj@example.cn");
    let messages = good.messages();
    assert_eq!(messages.len(), 1);
    let parsed = mail_parser::MessageParser::default()
        .parse(&messages[0].0)
        .unwrap();
    assert_eq!(
        parsed.subject().unwrap(),
        "退回修改：2019年7月《重点工作进展》"
    );
    let body = parsed.body_text(0).unwrap();
    assert!(body.contains("退回原因：没有数字"), "{body}");
    assert!(body.contains("原报“按计划推进”"), "{body}");

    let (open, _) = Ledger::open(db).unwrap();
    let plan_id = open.focused_plan_id().unwrap();
    let outcomes: Vec<SendBackOutcome> = open
        .send_backs(plan_id, None)
        .unwrap()
        .iter()
        .map(|s| s.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [
            SendBackOutcome::Mail(Delivered::Failed),
            SendBackOutcome::Mail(Delivered::Uncertain),
            SendBackOutcome::Mail(Delivered::Sent),
        ]
    );
    assert_eq!(state_of(db, "2019-08-06", FARMING)["state"], "returned");
}

/// Every row of every table of a ledger file, as text, but for the tables named (and those
/// version 8 added); each of the others must have rows.
fn dump_rows(path: &Path, leave_out: &[&str]) -> Vec<String> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut rows = Vec::new();
    for table in tables {
        if ["send_backs", "return_files"].contains(&table.as_str())
            || leave_out.contains(&table.as_str())
        {
            continue;
        }
        // The columns versions 7 and 8 added are left out: an older file has none.
        let columns: Vec<String> = conn
            .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
            .unwrap()
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .into_iter()
            .filter(|c| {
                !(c == "sent_back_at"
                    || (["mail_sends", "chase_sends"].contains(&table.as_str())
                        && ["outcome", "reason", "message_id"].contains(&c.as_str())))
            })
            .map(|c| format!("quote(\"{c}\")"))
            .collect();
        let mut statement = conn
            .prepare(&format!(
                "SELECT {} FROM \"{table}\" ORDER BY rowid",
                columns.join(" || '|' || ")
            ))
            .unwrap();
        let found: Vec<String> = statement
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(!found.is_empty(), "the fixture has rows in {table}");
        rows.extend(
            found
                .into_iter()
                .filter(|r| !r.contains("change_id"))
                .map(|r| format!("{table}: {r}")),
        );
    }
    rows
}

/// A real file made by an earlier program (rows in every table) upgraded to 8: every row kept
/// but in `changed` (what that upgrade rewrites on purpose), the returns' states as before, and
/// each return's originals linked.
fn upgrade_keeps_every_row(fixture: &[u8], version: i64, changed: &[&str]) {
    let temp = common::TempLedger::new();
    std::fs::write(&temp.path, fixture).unwrap();
    {
        let conn = rusqlite::Connection::open(&temp.path).unwrap();
        let found: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(found, version);
    }
    let before = dump_rows(&temp.path, changed);
    let status_before = state_of(&temp.path, "2019-08-11", "县住建局");
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), 8);
    drop(ledger);
    // Each return's originals are linked: the spreadsheet and the e-mail.
    let conn = rusqlite::Connection::open(&temp.path).unwrap();
    let linked: i64 = conn
        .query_row("SELECT count(*) FROM return_files", [], |r| r.get(0))
        .unwrap();
    assert_eq!(linked, 2);
    drop(conn);
    assert_eq!(dump_rows(&temp.path, changed), before);
    assert_eq!(
        state_of(&temp.path, "2019-08-11", "县住建局"),
        status_before
    );
    assert_eq!(
        state_of(&temp.path, "2019-08-11", FARMING)["state"],
        "on_time"
    );
}

/// A real version-7 file (made by the version-7 program).
#[test]
fn a_real_version_seven_file_is_upgraded_with_every_row() {
    upgrade_keeps_every_row(include_bytes!("fixtures/ledger-v7.sqlite"), 7, &[]);
}

/// A real version-6 file (made by the version-6 program, with a carried plan): version 7 moves
/// the carried form's title on a year (keeping the old one in its history) and turns the
/// moving of due dates on; every other row stays.
#[test]
fn a_real_version_six_file_is_upgraded_with_every_row() {
    upgrade_keeps_every_row(
        include_bytes!("fixtures/ledger-v6.sqlite"),
        6,
        &["forms", "form_history", "settings"],
    );
    let temp = common::TempLedger::new();
    std::fs::write(&temp.path, include_bytes!("fixtures/ledger-v6.sqlite")).unwrap();
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let carried = ledger
        .plans()
        .unwrap()
        .into_iter()
        .find(|p| p.year == 2020)
        .unwrap();
    let plan = ledger.plan(carried.id).unwrap();
    assert!(plan.form.title.starts_with("2020年"), "{}", plan.form.title);
}
