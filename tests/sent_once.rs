//! Sent once, recorded once: every batch of e-mails out (templates, the sheet to the city, the
//! chase) against servers that take the message but never confirm it, confirm half, answer late
//! or refuse it, a sender killed while waiting, and a second send of the same month. Nobody
//! gets a second copy without being asked; every refusal leaves the ledger byte-identical.
#![expect(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::mail::{CODE, Hostile, SmtpServer, USER, ledger_with_addresses};
use common::{arg, stderr, taizhang_command};
use serde_json::Value;
use taizhang::store::{Delivered, Ledger, SendKind};

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

fn run(db: &Path, args: &[String]) -> std::process::Output {
    taizhang_command()
        .args(["--db", arg(db), "--today", "2019-08-01"])
        .args(args)
        .env("TZ_MAIL_CODE", CODE)
        .output()
        .unwrap()
}

fn templates_args(out: &Path, port: u16, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "templates",
        "--period",
        "2019-07",
        "--out",
        arg(out),
        "--send",
        "--json",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args.extend(smtp_args(port));
    args
}

fn template_sends(db: &Path) -> Vec<taizhang::store::MailSend> {
    let (open, _) = Ledger::open(db).unwrap();
    let plan = open.focused_plan_id().unwrap();
    open.mail_sends(plan, SendKind::Template, Some("2019-07"))
        .unwrap()
}

const TWO: [(&str, &str); 2] = [
    ("县农业农村局", "nyj@example.cn"),
    ("县自然规划局", "zrj@example.cn"),
];

#[test]
fn a_reply_cut_after_250_dash_is_uncertain_and_unsent_never_resends_it() {
    let server = Hostile::start("smtp-half-reply", &[]);
    let ledger = ledger_with_addresses(&TWO);
    let out = ledger.dir.path().join("模板");
    let output = run(&ledger.path, &templates_args(&out, server.port, &[]));
    assert!(!output.status.success());
    // Both messages reached the server; neither was confirmed.
    assert_eq!(server.delivered(), 2);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["uncertain"].as_array().unwrap().len(), 2);
    assert!(report["sent"].as_array().unwrap().is_empty());
    let message = stderr(&output);
    assert!(message.contains("已发送 0 封"), "{message}");
    assert!(message.contains("2 封结果不明"), "{message}");
    let sends = template_sends(&ledger.path);
    assert_eq!(sends.len(), 2);
    assert!(sends.iter().all(|s| s.outcome == Delivered::Uncertain));
    assert!(sends.iter().all(|s| s.message_id.starts_with("<taizhang.")));

    // Following the advice for failures sends nobody a second copy.
    let good = SmtpServer::start(None);
    let again = run(
        &ledger.path,
        &templates_args(&out, good.port, &["--unsent"]),
    );
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(good.messages().is_empty());
    // A plain second send is refused and says that some may have it.
    let before = std::fs::read(&ledger.path).unwrap();
    let refused = run(&ledger.path, &templates_args(&out, good.port, &[]));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("结果不明"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read(&ledger.path).unwrap(), before);
    // Only its own confirmation sends them again, with the same Message-ID.
    let confirmed = run(
        &ledger.path,
        &templates_args(&out, good.port, &["--unsent", "--uncertain"]),
    );
    assert!(confirmed.status.success(), "{}", stderr(&confirmed));
    let delivered = good.messages();
    assert_eq!(delivered.len(), 2);
    let first_ids: Vec<String> = sends.iter().map(|s| s.message_id.clone()).collect();
    for (raw, _) in &delivered {
        let text = String::from_utf8_lossy(raw);
        let id = text
            .lines()
            .find_map(|l| l.strip_prefix("Message-ID: "))
            .unwrap()
            .trim()
            .to_owned();
        assert!(first_ids.contains(&id), "{id} not in {first_ids:?}");
        assert!(text.lines().any(|l| l.starts_with("Date: ")));
    }
}

#[test]
fn a_closed_connection_a_late_reply_and_a_refusal_each_get_their_outcome() {
    let ledger = ledger_with_addresses(&TWO);
    let out = ledger.dir.path().join("模板");
    // The data went, the connection closed without a word: uncertain.
    let closed = Hostile::start("smtp-close-after-data", &["--good", "1"]);
    let output = run(&ledger.path, &templates_args(&out, closed.port, &[]));
    assert!(!output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["sent"].as_array().unwrap().len(), 1);
    assert_eq!(report["uncertain"].as_array().unwrap().len(), 1);
    assert_eq!(closed.delivered(), 2);

    // A reply later than the run's deadline: uncertain, and the run ends within it.
    let late_ledger = ledger_with_addresses(&TWO);
    let late = Hostile::start("smtp-late-reply", &["--late", "30"]);
    let mut args = templates_args(&out, late.port, &["--deadline", "5"]);
    args[4] = arg(&late_ledger.dir.path().join("模板")).to_owned();
    let started = Instant::now();
    let output = run(&late_ledger.path, &args);
    assert!(started.elapsed() < Duration::from_secs(20));
    assert!(!output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["uncertain"].as_array().unwrap().len(), 1);
    // The second never got its data handed over: failed, safe to send again.
    assert_eq!(report["failed"].as_array().unwrap().len(), 1);
    assert_eq!(late.delivered(), 1);

    // A clear refusal of the data: failed, and --unsent sends it again.
    let spam_ledger = ledger_with_addresses(&TWO);
    let spam_out = spam_ledger.dir.path().join("模板");
    let refusing = Hostile::start("smtp-reject-data", &["--good", "1"]);
    let output = run(
        &spam_ledger.path,
        &templates_args(&spam_out, refusing.port, &[]),
    );
    assert!(!output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["sent"].as_array().unwrap().len(), 1);
    let failed = report["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 1);
    assert!(
        failed[0]["reason"].as_str().unwrap().contains("554"),
        "{failed:?}"
    );
    assert!(stderr(&output).contains("--unsent"), "{}", stderr(&output));
    let good = SmtpServer::start(None);
    let rest = run(
        &spam_ledger.path,
        &templates_args(&spam_out, good.port, &["--unsent"]),
    );
    assert!(rest.status.success(), "{}", stderr(&rest));
    assert_eq!(good.messages().len(), 1);
}

#[test]
fn a_sender_killed_while_waiting_for_the_reply_leaves_the_message_uncertain_and_no_claim() {
    let server = Hostile::start("smtp-silent-after-data", &[]);
    let ledger = ledger_with_addresses(&TWO);
    let out = ledger.dir.path().join("模板");
    let mut child = taizhang_command()
        .args(["--db", arg(&ledger.path), "--today", "2019-08-01"])
        .args(templates_args(&out, server.port, &[]))
        .env("TZ_MAIL_CODE", CODE)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while server.delivered() < 1 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no data arrived"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // Waiting for the reply: kill -9.
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap();
    child.wait().unwrap();
    let sends = template_sends(&ledger.path);
    assert_eq!(sends.len(), 1, "recorded before its data went");
    assert_eq!(sends[0].outcome, Delivered::Uncertain);
    // The claim died with the process: the next run starts at once, and leaves out the
    // department that may have it.
    let good = SmtpServer::start(None);
    let output = run(
        &ledger.path,
        &templates_args(&out, good.port, &["--unsent"]),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(good.messages().len(), 1);
    assert_ne!(good.messages()[0].1.trim(), sends[0].address);
}

#[test]
fn refused_sends_write_nothing_at_all() {
    let good = SmtpServer::start(None);
    let ledger = ledger_with_addresses(&TWO);
    let out = ledger.dir.path().join("模板");
    let before = std::fs::read(&ledger.path).unwrap();
    let mut cases: Vec<(Vec<String>, &str)> = Vec::new();
    let mut outside = templates_args(&out, good.port, &[]);
    outside[2] = "2030-01".to_owned();
    cases.push((outside, "不在该计划的报送月份内"));
    // A wrong code: the login fails before a template is written.
    let mut wrong = templates_args(&out, good.port, &[]);
    let user = wrong.iter().position(|a| a == USER).unwrap();
    wrong[user] = "nobody@example.cn".to_owned();
    cases.push((wrong, "登录失败"));
    for (args, says) in &cases {
        let output = run(&ledger.path, args);
        assert!(!output.status.success());
        assert!(stderr(&output).contains(says), "{}", stderr(&output));
        assert!(!out.exists(), "no folder made");
        assert_eq!(std::fs::read(&ledger.path).unwrap(), before);
        assert!(good.messages().is_empty());
    }
    // Already sent: refused with the ledger as it was.
    let sent = run(&ledger.path, &templates_args(&out, good.port, &[]));
    assert!(sent.status.success(), "{}", stderr(&sent));
    let after_first = std::fs::read(&ledger.path).unwrap();
    let refused = run(&ledger.path, &templates_args(&out, good.port, &[]));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("未再次发送"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read(&ledger.path).unwrap(), after_first);
    assert_eq!(good.messages().len(), 2);
}

#[test]
fn addresses_are_checked_before_the_server_is_asked() {
    let server = Hostile::start("smtp-good", &[]);
    let ledger = ledger_with_addresses(&[
        ("县农业农村局", "nyj\u{200B}@example.cn"),
        ("县自然规划局", "zrj@融水.中国"),
        ("县住建局", "生态股@example.cn"),
    ]);
    let out = ledger.dir.path().join("模板");
    let output = run(&ledger.path, &templates_args(&out, server.port, &[]));
    assert!(!output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let failed = report["failed"].as_array().unwrap();
    let reason_of = |name: &str| {
        failed
            .iter()
            .find(|f| f["department"] == name)
            .map(|f| f["reason"].as_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    assert!(
        reason_of("县农业农村局").contains("看不见的字符"),
        "{failed:?}"
    );
    assert!(reason_of("县住建局").contains("SMTPUTF8"), "{failed:?}");
    // The IDN domain went out as punycode.
    assert_eq!(report["sent"].as_array().unwrap().len(), 1);
    let log = server.log();
    assert!(log.contains("RCPT TO:<zrj@xn--"), "{log}");
    assert!(!log.contains("200B") && !log.contains('\u{200B}'));
    // With a server that offers SMTPUTF8, the Chinese local part goes.
    let utf8 = Hostile::start("smtp-utf8", &[]);
    let output = run(
        &ledger.path,
        &templates_args(&out, utf8.port, &["--unsent"]),
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let sent = report["sent"].as_array().unwrap();
    assert!(
        sent.iter().any(|s| s["department"] == "县住建局"),
        "{report}"
    );
    assert!(utf8.log().contains("SMTPUTF8"), "{}", utf8.log());
}

#[test]
fn the_sheet_goes_up_once_unless_asked_again() {
    let good = SmtpServer::start(None);
    let ledger = ledger_with_addresses(&[]);
    let xlsx = ledger.dir.path().join("进展表.xlsx");
    let pdf = ledger.dir.path().join("进展表.pdf");
    let sheet_args = |to: &str, extra: &[&str]| {
        let mut args: Vec<String> = [
            "export-sheet",
            "--period",
            "2019-07",
            "--xlsx",
            arg(&xlsx),
            "--pdf",
            arg(&pdf),
            "--send-to",
            to,
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args.extend(smtp_args(good.port));
        args
    };
    // A zero-width space in the address is refused, with nothing written.
    let before = std::fs::read(&ledger.path).unwrap();
    let refused = run(&ledger.path, &sheet_args("sthj\u{200B}@example.cn", &[]));
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("看不见的字符"),
        "{}",
        stderr(&refused)
    );
    assert!(!xlsx.exists());
    assert_eq!(std::fs::read(&ledger.path).unwrap(), before);

    let first = run(&ledger.path, &sheet_args("sthj@example.cn", &[]));
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(good.messages().len(), 1);
    // The month named once; a title inside the title written with 〈〉.
    let message = taizhang::mail::parse_mail(&good.messages()[0].0).unwrap();
    assert!(
        message.subject.ends_with("（2019年7月）"),
        "{}",
        message.subject
    );
    assert!(
        !message.subject.contains("2019年7月2019年"),
        "{}",
        message.subject
    );
    let quoted = message.body.split('《').nth(1).unwrap_or_default();
    assert!(
        !quoted.split('》').next().unwrap_or_default().contains('《'),
        "{}",
        message.body
    );
    let written = std::fs::read(&xlsx).unwrap();
    let after_first = std::fs::read(&ledger.path).unwrap();
    // Run twice: refused, saying when and to whom, before anything is written.
    let second = run(&ledger.path, &sheet_args("sthj@example.cn", &[]));
    assert!(!second.status.success());
    let message = stderr(&second);
    assert!(message.contains("报送至 sthj@example.cn"), "{message}");
    assert!(message.contains("--again"), "{message}");
    assert_eq!(good.messages().len(), 1);
    assert_eq!(std::fs::read(&ledger.path).unwrap(), after_first);
    assert_eq!(std::fs::read(&xlsx).unwrap(), written);
    // With --again to another address: it says that 设置 keeps the first.
    let other = run(&ledger.path, &sheet_args("city@example.cn", &["--again"]));
    assert!(other.status.success(), "{}", stderr(&other));
    assert!(
        stderr(&other).contains("设置中的上级单位邮箱是 sthj@example.cn"),
        "{}",
        stderr(&other)
    );
    assert_eq!(good.messages().len(), 2);
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    assert_eq!(open.settings().unwrap().city_email, "sthj@example.cn");
    let plan = open.focused_plan_id().unwrap();
    let sends = open
        .mail_sends(plan, SendKind::Sheet, Some("2019-07"))
        .unwrap();
    assert_eq!(sends.len(), 2);
    assert!(sends.iter().all(|s| s.outcome == Delivered::Sent));
}

#[test]
fn a_chase_reply_lost_is_recorded_as_uncertain() {
    let server = Hostile::start("smtp-half-reply", &[]);
    let ledger = ledger_with_addresses(&TWO);
    let mut args: Vec<String> = ["chase", "--period", "2019-07", "--send", "--json"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    args.extend(smtp_args(server.port));
    let output = taizhang_command()
        .args(["--db", arg(&ledger.path), "--today", "2019-08-05"])
        .args(&args)
        .env("TZ_MAIL_CODE", CODE)
        .output()
        .unwrap();
    assert!(!output.status.success());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let outcomes: Vec<&str> = report["departments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| !d["to"].is_null())
        .map(|d| d["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["uncertain", "uncertain"]);
    assert!(stderr(&output).contains("结果不明"), "{}", stderr(&output));
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    let sends = open.chase_sends().unwrap();
    assert_eq!(sends.len(), 2);
    assert!(sends.iter().all(|s| s.outcome == Delivered::Uncertain));
}

#[test]
fn the_upgrade_moves_a_carried_plans_form_title_on_and_keeps_the_old_one() {
    let ledger = common::TempLedger::new();
    let made = common::taizhang(&["--db", arg(&ledger.path), "plan", "--json"]);
    assert!(made.status.success(), "{}", stderr(&made));
    let carried = common::taizhang(&[
        "--db",
        arg(&ledger.path),
        "--today",
        "2019-12-28",
        "carry-forward",
        "--json",
    ]);
    assert!(carried.status.success(), "{}", stderr(&carried));
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    let plan = open.focused_plan().unwrap();
    assert_eq!(plan.year, 2020);
    let title = plan.form.title.clone();
    assert!(title.starts_with("2020年"), "{title}");
    drop(open);
    // As the previous version left it: last year's title on the carried plan, schema 6.
    {
        let conn = rusqlite::Connection::open(&ledger.path).unwrap();
        conn.execute(
            "UPDATE forms SET title = replace(title, '2020年', '2019年') WHERE plan_id = ?1",
            [plan.id],
        )
        .unwrap();
        conn.execute_batch(
            "DELETE FROM form_history; DROP TABLE send_backs; DROP TABLE return_files;
             ALTER TABLE returns DROP COLUMN sent_back_at;",
        )
        .unwrap();
        for table in ["mail_sends", "chase_sends"] {
            for column in ["outcome", "reason", "message_id"] {
                conn.execute_batch(&format!("ALTER TABLE {table} DROP COLUMN {column};"))
                    .unwrap();
            }
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
    }
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    assert_eq!(open.schema_version().unwrap(), taizhang::store::VERSION);
    let plan = open.focused_plan().unwrap();
    assert_eq!(plan.form.title, title);
    let history = &plan.form.history;
    assert_eq!(history.len(), 1);
    assert!(
        history[0].title.starts_with("2019年"),
        "{}",
        history[0].title
    );
    // Last year's plan keeps its own title.
    let (mut open, _) = Ledger::open(&ledger.path).unwrap();
    let first = open
        .plans()
        .unwrap()
        .into_iter()
        .find(|p| p.year == 2019)
        .unwrap();
    open.focus_plan(Some(first.id)).unwrap();
    assert!(
        open.focused_plan()
            .unwrap()
            .form
            .title
            .starts_with("2019年")
    );
}

#[test]
fn a_busy_ledger_keeps_a_message_from_going_rather_than_leave_it_unrecorded() {
    let server = Hostile::start("smtp-good", &[]);
    let ledger = ledger_with_addresses(&TWO);
    let out = ledger.dir.path().join("模板");
    // Another writer holds the ledger for the whole run.
    let other = rusqlite::Connection::open(&ledger.path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE;").unwrap();
    let output = run(&ledger.path, &templates_args(&out, server.port, &[]));
    other.execute_batch("ROLLBACK;").unwrap();
    assert!(!output.status.success());
    // Nothing was handed over: the record comes first.
    assert_eq!(server.delivered(), 0);
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let failed = report["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 2);
    assert!(
        failed[0]["reason"]
            .as_str()
            .unwrap()
            .contains("未能先记入台账，未发送"),
        "{failed:?}"
    );
    assert!(template_sends(&ledger.path).is_empty());
    // Once the ledger is free, --unsent sends both.
    let again = run(
        &ledger.path,
        &templates_args(&out, server.port, &["--unsent"]),
    );
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(server.delivered(), 2);
}
