//! The office mailbox against real servers: Dovecot (IMAP, IMAPS) and aiosmtpd (SMTP, SMTPS),
//! both started by the tests on 127.0.0.1 (`scripts/test-imap-server.sh`,
//! `scripts/test-smtp-server.py`; `.ci/run` installs them). Driven through the headless
//! commands, as a user's script or a check would.
#![expect(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::mail::{
    CODE, ImapServer, SmtpServer, USER, docx_return, gbk_filename, gbk_word, ledger_with_addresses,
    message, rows_of, utf8_word,
};
use common::{arg, stderr, taizhang, taizhang_command};
use serde_json::Value;
use taizhang::store::Ledger;

fn lines(stdout: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn fetch(db: &Path, port: u16, security: &str, extra: &[&str]) -> std::process::Output {
    let port = port.to_string();
    let mut args = vec![
        "--db",
        arg(db),
        "--today",
        "2019-08-10",
        "fetch-mail",
        "--host",
        "127.0.0.1",
        "--port",
        &port,
        "--security",
        security,
        "--user",
        USER,
        "--password-env",
        "TZ_MAIL_CODE",
        "--json",
    ];
    args.extend_from_slice(extra);
    taizhang_command()
        .args(&args)
        .env("TZ_MAIL_CODE", CODE)
        .output()
        .unwrap()
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

fn department<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap()
}

/// The mailbox of a month: the kinds of messages departments send.
fn deliver_month(server: &mut ImapServer, db: &Path) {
    let xls = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/returns/住建局-2019年7月.xls"),
    )
    .unwrap();
    // A GBK subject and a GBK RFC 2231 name, the .xls in base64; sent late on the 2nd, UTC.
    server.deliver(&message(
        "\"zjj\" <ZJJ@example.cn>",
        &gbk_word("县住建局2019年7月份报送"),
        "Fri, 02 Aug 2019 17:30:00 +0000",
        "xls@example.cn",
        "见附件。",
        &[(gbk_filename("住建局-2019年7月.xls"), &xls)],
    ));
    // A UTF-8 body with numbered rows and a signature.
    let farm = rows_of(db, "县农业农村局");
    let body = format!(
        "生态股：\n\n{} {}：已完成方案编制。\n{} {}：正在开展划定工作。\n\n县农业农村局\n联系人：张三\n电话：0772-5120000\n",
        farm[3].0, farm[3].1, farm[4].0, farm[4].1
    );
    let farm_message = message(
        "\"县农业农村局\" <nyj@example.cn>",
        &utf8_word("农业农村局7月份进展"),
        "Thu, 01 Aug 2019 10:00:00 +0800",
        "farm@example.cn",
        &body,
        &[],
    );
    server.deliver(&farm_message);
    // A reply quoting our chase message: only its own rows count.
    let health = rows_of(db, "县自然规划局");
    let reply = format!(
        "{} {}：已完成排查。\n\n在 2019年7月30日 上午9:00，生态股 写道：\n> {} {}：请于8月3日前报送。\n",
        health[0].0,
        health[0].1,
        health.last().unwrap().0,
        health.last().unwrap().1
    );
    server.deliver(&message(
        "<zrj@example.cn>",
        "Re: 请报送2019年7月《重点工作进展》",
        "Fri, 02 Aug 2019 08:00:00 +0800",
        "reply@example.cn",
        &reply,
        &[],
    ));
    // A forwarded return.
    let reform = rows_of(db, "县发改局");
    let forward = format!(
        "请查收。\n\n-------- 转发邮件信息 --------\n发件人：\"办公室\" <office@example.cn>\n发送日期：2019-08-01\n主题：7月进展\n\n{} {}：已按要求推进。\n",
        reform[0].0, reform[0].1
    );
    server.deliver(&message(
        "<fgj@example.cn>",
        &utf8_word("转发：7月进展"),
        "Fri, 02 Aug 2019 11:00:00 +0800",
        "forward@example.cn",
        &forward,
        &[],
    ));
    // Someone nobody knows.
    server.deliver(&message(
        "<stranger@example.com>",
        "hello",
        "Fri, 02 Aug 2019 12:00:00 +0800",
        "stranger@example.com",
        "请问报送表在哪里下载？",
        &[],
    ));
    // The same message again.
    server.deliver(&farm_message);
    // A Word table from an address not yet known: the 填报单位 says who.
    let land = rows_of(db, "县林业局");
    let filled: Vec<(String, String)> = land
        .iter()
        .map(|(_, text)| (text.clone(), "已完成。".to_owned()))
        .collect();
    server.deliver(&message(
        "<lyj@example.cn>",
        "7月份进展",
        "Sat, 03 Aug 2019 09:00:00 +0800",
        "docx@example.cn",
        "",
        &[(
            "filename=\"return.docx\"".to_owned(),
            &docx_return("县林业局", &filled),
        )],
    ));
    // 25 MB of photographs: refused without being downloaded.
    let photos: Vec<u8> = (0..25 * 1024 * 1024_u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    server.deliver(&message(
        "<zjj@example.cn>",
        "photos",
        "Sat, 03 Aug 2019 10:00:00 +0800",
        "photos@example.cn",
        "现场照片",
        &[("filename=\"photos.zip\"".to_owned(), &photos)],
    ));
}

#[test]
fn a_month_of_returns_is_read_from_the_mailbox_without_changing_it() {
    let mut server = ImapServer::start();
    let ledger = ledger_with_addresses(&[
        ("县住建局", "zjj@example.cn"),
        ("县农业农村局", "nyj@example.cn"),
        ("县自然规划局", "zrj@example.cn"),
        ("县发改局", "fgj@example.cn"),
    ]);
    deliver_month(&mut server, &ledger.path);
    let before = status(&ledger.path);

    // A dry run reads everything and records nothing.
    let dry = fetch(&ledger.path, server.port, "none", &["--dry-run"]);
    assert_eq!(lines(&dry.stdout).len(), 8, "{}", stderr(&dry));
    assert_eq!(status(&ledger.path), before);

    let output = fetch(&ledger.path, server.port, "none", &[]);
    let messages = lines(&output.stdout);
    assert_eq!(messages.len(), 8, "{}", stderr(&output));
    // The 25 MB message failed, so the run says so.
    assert!(!output.status.success());
    assert!(stderr(&output).contains("1 封邮件未能读取"));
    let by_id = |id: &str| messages.iter().find(|m| m["message_id"] == id).unwrap();

    let xls = by_id("xls@example.cn");
    assert_eq!(xls["subject"], "县住建局2019年7月份报送");
    assert_eq!(xls["department"], "县住建局");
    // 17:30 UTC on the 2nd is the 3rd in China.
    assert_eq!(xls["received"], "2019-08-03");
    assert_eq!(xls["attachments"][0]["name"], "住建局-2019年7月.xls");
    assert_eq!(xls["attachments"][0]["error"], Value::Null);
    assert_eq!(xls["committed"], true);

    let farm = by_id("farm@example.cn");
    assert_eq!(farm["department"], "县农业农村局");
    assert_eq!(farm["rows"].as_array().unwrap().len(), 2);
    assert_eq!(farm["rows"][0]["progress"], "已完成方案编制。");

    let reply = by_id("reply@example.cn");
    assert_eq!(reply["rows"].as_array().unwrap().len(), 1, "{reply}");
    assert_eq!(reply["rows"][0]["progress"], "已完成排查。");

    let forward = by_id("forward@example.cn");
    assert_eq!(forward["department"], "县发改局");
    assert_eq!(forward["rows"][0]["progress"], "已按要求推进。");
    assert_eq!(forward["committed"], true);

    let stranger = by_id("stranger@example.com");
    assert_eq!(stranger["department"], Value::Null);
    assert_eq!(stranger["committed"], false);
    assert!(stranger["warnings"][0].as_str().unwrap().contains("未识别"));

    let twice: Vec<&Value> = messages
        .iter()
        .filter(|m| m["message_id"] == "farm@example.cn")
        .collect();
    assert_eq!(twice.len(), 2);
    assert_eq!(twice[1]["committed"], false);
    assert!(twice[1]["warnings"].to_string().contains("读取过"));

    let docx = by_id("docx@example.cn");
    assert_eq!(docx["department"], "县林业局", "{docx}");
    assert_eq!(docx["committed"], true);

    let photos = messages.iter().find(|m| m["error"] != Value::Null).unwrap();
    assert!(photos["error"].as_str().unwrap().contains("邮件太大"));

    // Each department's return is recorded with the e-mail's date.
    let after = status(&ledger.path);
    assert_eq!(department(&after, "县住建局")["received"], "2019-08-03");
    assert_eq!(department(&after, "县农业农村局")["received"], "2019-08-01");
    assert_eq!(department(&after, "县农业农村局")["rows_filled"], 2);
    assert_eq!(department(&after, "县自然规划局")["rows_filled"], 1);
    assert_eq!(department(&after, "县发改局")["received"], "2019-08-02");
    let forest = department(&after, "县林业局");
    assert_eq!(forest["received"], "2019-08-03");
    assert_eq!(forest["complete"], true);

    // The unknown message waits for the user; the Word return's sender is remembered.
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    let waiting = open
        .mail_messages(Some(taizhang::store::MailState::Pending))
        .unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].sender, "stranger@example.com");
    assert!(waiting[0].source_file_id.is_some());
    let departments = open.departments().unwrap();
    let forest = departments.iter().find(|d| d.name == "县林业局").unwrap();
    assert_eq!(forest.addresses, vec!["lyj@example.cn".to_owned()]);
    drop(open);

    // A second fetch reads nothing new.
    let again = fetch(&ledger.path, server.port, "none", &[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert!(again.stdout.is_empty());

    // ID went before every EXAMINE, and nothing was flagged, moved or deleted.
    let sent = server.client_lines();
    let id = sent.iter().position(|l| l.contains(" ID (")).unwrap();
    let examine = sent.iter().position(|l| l.contains(" EXAMINE ")).unwrap();
    assert!(id < examine, "{sent:?}");
    assert!(!sent.iter().any(|l| l.contains(" SELECT ")
        || l.contains("STORE")
        || l.contains("EXPUNGE")
        || l.contains(" MOVE ")
        || l.contains(" COPY ")
        || l.contains("BODY[]")));
    let flags = server.flags();
    assert_eq!(flags.len(), 8);
    assert!(flags.iter().all(|f| f.is_empty()), "{flags:?}");
}

#[test]
fn mailbox_errors_are_plain_sentences_and_change_nothing() {
    let server = ImapServer::start();
    let ledger = ledger_with_addresses(&[]);
    let before = std::fs::read(&ledger.path).unwrap();

    let wrong = taizhang_command()
        .args([
            "--db",
            arg(&ledger.path),
            "fetch-mail",
            "--host",
            "127.0.0.1",
            "--port",
            &server.port.to_string(),
            "--security",
            "none",
            "--user",
            USER,
            "--password-env",
            "TZ_MAIL_CODE",
            "--json",
        ])
        .env("TZ_MAIL_CODE", "the-web-password")
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert!(
        stderr(&wrong).contains("登录失败：请确认填写的是客户端授权码"),
        "{}",
        stderr(&wrong)
    );

    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let refused = fetch(&ledger.path, closed_port, "none", &[]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("无法连接邮件服务器"),
        "{}",
        stderr(&refused)
    );

    // TLS spoken to a plain port, or STARTTLS to a server without it: said so.
    let plain = fetch(&ledger.path, server.port, "tls", &[]);
    assert!(
        stderr(&plain).contains("没有按 SSL/TLS 应答"),
        "{}",
        stderr(&plain)
    );

    // A certificate this machine does not trust is refused, with the reason.
    let untrusted = fetch(&ledger.path, server.tls_port, "tls", &[]);
    assert!(!untrusted.status.success());
    let message = stderr(&untrusted);
    assert!(message.contains("不受本机信任"), "{message}");
    assert!(message.contains("签发机构"), "{message}");
    assert_eq!(std::fs::read(&ledger.path).unwrap(), before);

    // Trusted (as a county network's own root would be), the same server works.
    let trusted = taizhang_command()
        .args([
            "--db",
            arg(&ledger.path),
            "fetch-mail",
            "--host",
            "localhost",
            "--port",
            &server.tls_port.to_string(),
            "--security",
            "tls",
            "--user",
            USER,
            "--password-env",
            "TZ_MAIL_CODE",
            "--json",
        ])
        .env("TZ_MAIL_CODE", CODE)
        .env("SSL_CERT_FILE", server.ca())
        .output()
        .unwrap();
    assert!(trusted.status.success(), "{}", stderr(&trusted));
}

fn chase(db: &Path, smtp: &SmtpServer, security: &str, host: &str) -> std::process::Output {
    // After July's due day (Monday 5 August, 3 August a Saturday).
    chase_on(db, smtp, security, host, ("2019-08-06", "2019-07"))
}

/// `chase --send` on a day for a month.
fn chase_on(
    db: &Path,
    smtp: &SmtpServer,
    security: &str,
    host: &str,
    (today, period): (&str, &str),
) -> std::process::Output {
    taizhang_command()
        .args([
            "--db",
            arg(db),
            "--today",
            today,
            "chase",
            "--period",
            period,
            "--send",
            "--smtp-host",
            host,
            "--smtp-port",
            &smtp.port.to_string(),
            "--security",
            security,
            "--user",
            USER,
            "--password-env",
            "TZ_MAIL_CODE",
            "--json",
        ])
        .env("TZ_MAIL_CODE", CODE)
        .output()
        .unwrap()
}

#[test]
fn chase_emails_arrive_at_a_real_smtp_server_and_are_recorded() {
    let smtp = SmtpServer::start(None);
    let ledger = ledger_with_addresses(&[
        ("县农业农村局", "nyj@example.cn"),
        ("县自然规划局", "zrj@example.cn"),
    ]);
    // STARTTLS asked of a server that does not offer it: said so, nothing sent or recorded.
    let refused = chase(&ledger.path, &smtp, "starttls", "127.0.0.1");
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("不支持 STARTTLS"),
        "{}",
        stderr(&refused)
    );
    assert!(smtp.messages().is_empty());

    let output = chase(&ledger.path, &smtp, "none", "127.0.0.1");
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let departments = report["departments"].as_array().unwrap();
    assert!(departments.len() > 2);
    let sent: Vec<&Value> = departments.iter().filter(|d| d["sent"] == true).collect();
    assert_eq!(sent.len(), 2);
    let without = departments.iter().find(|d| d["to"] == Value::Null).unwrap();
    assert_eq!(without["sent"], false);
    assert!(without["error"].as_str().unwrap().contains("没有邮箱地址"));

    let delivered = smtp.messages();
    assert_eq!(delivered.len(), 2);
    for (raw, recipients) in &delivered {
        let message = taizhang::mail::parse_mail(raw).unwrap();
        // The due day (5 August) has passed: the subject says so.
        assert_eq!(
            message.subject,
            "2019年7月《重点工作进展》已逾期未报，请尽快报送"
        );
        assert_eq!(message.from, USER);
        let department = sent.iter().find(|d| d["to"] == recipients.trim()).unwrap();
        assert_eq!(
            message.body.trim(),
            department["message"].as_str().unwrap().trim()
        );
    }
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    assert_eq!(open.chase_sends().unwrap().len(), 2);
}

#[test]
fn chase_over_smtps_checks_the_certificate() {
    // The IMAP script leaves a CA and a server certificate signed by it.
    let imap = ImapServer::start();
    let dir = imap.dir.path();
    let smtp = SmtpServer::start(Some((
        &dir.join("server-cert.pem"),
        &dir.join("server-key.pem"),
    )));
    let ledger = ledger_with_addresses(&[("县农业农村局", "nyj@example.cn")]);
    let untrusted = chase(&ledger.path, &smtp, "tls", "localhost");
    assert!(!untrusted.status.success());
    assert!(
        stderr(&untrusted).contains("不受本机信任"),
        "{}",
        stderr(&untrusted)
    );
    assert!(smtp.messages().is_empty());

    let trusted = taizhang_command()
        .args([
            "--db",
            arg(&ledger.path),
            "--today",
            "2019-08-05",
            "chase",
            "--period",
            "2019-07",
            "--send",
            "--smtp-host",
            "localhost",
            "--smtp-port",
            &smtp.port.to_string(),
            "--security",
            "tls",
            "--user",
            USER,
            "--password-env",
            "TZ_MAIL_CODE",
            "--json",
        ])
        .env("TZ_MAIL_CODE", CODE)
        .env("SSL_CERT_FILE", imap.ca())
        .output()
        .unwrap();
    assert!(trusted.status.success(), "{}", stderr(&trusted));
    assert_eq!(smtp.messages().len(), 1);
}

/// On 6 January one chase e-mail asks 县农业农村局 for December under 2019's plan and nothing
/// yet under 2020's; with a water plan beside the soil plan, one message covers both plans'
/// March, and the send is recorded under each plan.
#[test]
fn one_chase_e_mail_covers_every_plan_and_is_recorded_under_each() {
    let smtp = SmtpServer::start(None);
    let ledger = ledger_with_addresses(&[("县农业农村局", "nyj@example.cn")]);
    let db = arg(&ledger.path).to_owned();
    let carried = taizhang_command()
        .args([
            "--db",
            &db,
            "--today",
            "2019-12-28",
            "carry-forward",
            "--json",
        ])
        .output()
        .unwrap();
    assert!(carried.status.success(), "{}", stderr(&carried));
    let water = ledger.dir.path().join("水.txt");
    std::fs::write(
        &water,
        "融水县2020年水污染防治工作计划\n一、重点任务\n（一）饮用水\n1．开展农村饮用水水源地排查。（县农业农村局牵头，县水利局参与）\n",
    )
    .unwrap();
    let imported = taizhang_command()
        .args(["--db", &db, "import-plan", arg(&water), "--new", "--json"])
        .output()
        .unwrap();
    assert!(imported.status.success(), "{}", stderr(&imported));
    let output = chase_on(
        &ledger.path,
        &smtp,
        "none",
        "127.0.0.1",
        ("2020-04-06", "2020-03"),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let delivered = smtp.messages();
    assert_eq!(
        delivered.len(),
        1,
        "one message for the one department with an address"
    );
    let message = taizhang::mail::parse_mail(&delivered[0].0).unwrap();
    assert!(message.body.contains("水污染防治"), "{}", message.body);
    assert!(message.body.contains("沿用上年"), "{}", message.body);
    let (mut open, _) = Ledger::open(&ledger.path).unwrap();
    let plans = open.plans().unwrap();
    let mut recorded = 0;
    for plan in plans.iter().filter(|p| p.year == 2020) {
        open.focus_plan(Some(plan.id)).unwrap();
        let sends = open.chase_sends().unwrap();
        assert_eq!(sends.len(), 1, "{}", plan.label());
        assert_eq!(sends[0].period, "2020-03");
        recorded += 1;
    }
    assert_eq!(recorded, 2);
}
