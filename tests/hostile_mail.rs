//! Mail servers that fight back: misbehaving IMAP and SMTP servers on 127.0.0.1
//! (`scripts/hostile-mail-server.py`, started by each test), driven through the headless
//! commands as a check would. Each case ends with a clear sentence naming the server and what
//! it did, within its deadline, and a ledger that is unchanged or changed as it should be:
//! nothing lost, nothing twice, nothing refused stored by its bytes.
#![expect(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::mail::{Hostile, ledger_with_addresses};
use common::{TempLedger, arg, stderr, taizhang, taizhang_command};

/// Runs a command, killing it (and failing) if it has not ended within `limit`.
fn run_within(mut command: Command, limit: Duration) -> (Output, Duration) {
    let started = Instant::now();
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    loop {
        if child.try_wait().unwrap().is_some() {
            return (child.wait_with_output().unwrap(), started.elapsed());
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            panic!("the command still ran after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn fetch_command(db: &Path, port: u16, deadline: u64) -> Command {
    let mut command = taizhang_command();
    command
        .args(["--db", arg(db), "--today", "2019-08-10", "fetch-mail"])
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--security", "none", "--user", "rsxstg@163.com"])
        .args(["--password-env", "TZ_CODE", "--json"])
        .args(["--deadline", &deadline.to_string()])
        .env("TZ_CODE", "code");
    command
}

fn fetch(db: &Path, server: &Hostile, deadline: u64) -> (Output, Duration) {
    run_within(
        fetch_command(db, server.port, deadline),
        Duration::from_secs(deadline + 20),
    )
}

fn new_ledger() -> TempLedger {
    let ledger = TempLedger::new();
    let made = taizhang(&["--db", arg(&ledger.path), "plan", "--json"]);
    assert!(made.status.success(), "{}", stderr(&made));
    ledger
}

/// (message_id, state, note, has archived bytes) of every recorded message.
fn messages(db: &Path) -> Vec<(String, String, String, bool)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut statement = conn
        .prepare(
            "SELECT message_id, state, note, source_file_id IS NOT NULL FROM mail_messages
             ORDER BY id",
        )
        .unwrap();
    statement
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn ledger_bytes(db: &Path) -> Vec<u8> {
    std::fs::read(db).unwrap()
}

/// A server that refuses to behave before any message leaves the ledger as it was.
fn refused_before_anything(mode: &str, deadline: u64, expected: &[&str]) {
    let ledger = new_ledger();
    let before = ledger_bytes(&ledger.path);
    let server = Hostile::start(mode, &[]);
    let (output, took) = fetch(&ledger.path, &server, deadline);
    let said = stderr(&output);
    assert!(!output.status.success(), "{mode}: {said}");
    assert!(
        said.contains(&format!("127.0.0.1:{}", server.port)),
        "{mode} names the server: {said}"
    );
    assert!(said.contains("已连接"), "{mode}: {said}");
    for phrase in expected {
        assert!(said.contains(phrase), "{mode}: {said}");
    }
    assert!(!said.contains("无法连接"), "{mode}: {said}");
    assert!(took < Duration::from_secs(deadline + 5), "{mode}: {took:?}");
    assert_eq!(
        ledger_bytes(&ledger.path),
        before,
        "{mode} changed the ledger"
    );
}

#[test]
fn endless_lines_are_cut_at_their_cap() {
    refused_before_anything("imap-endless-greeting", 60, &["问候语", "超过 64 KB"]);
    refused_before_anything("imap-endless-id", 60, &["ID 命令的应答", "超过 64 KB"]);
}

#[test]
fn slow_and_silent_servers_end_at_the_deadline() {
    refused_before_anything("imap-trickle", 6, &["超过了 6 秒的时限"]);
    refused_before_anything("imap-silent", 6, &["超过了 6 秒的时限"]);
}

/// A message larger than the limit, however the server says or sends it, is recorded by its
/// headers only; the small messages beside it arrive; the ledger does not grow by its bytes.
#[test]
fn a_message_over_the_limit_is_recorded_by_its_headers_never_its_bytes() {
    for mode in [
        "imap-lying-size",
        "imap-honest-big",
        "imap-no-size",
        "imap-huge-literal",
        "imap-huge-header",
    ] {
        let ledger = new_ledger();
        let size_before = std::fs::metadata(&ledger.path).unwrap().len();
        let server = Hostile::start(mode, &[]);
        let (output, took) = fetch(&ledger.path, &server, 120);
        let said = stderr(&output);
        assert!(took < Duration::from_secs(120), "{mode}: {took:?}");
        let recorded = messages(&ledger.path);
        assert_eq!(recorded.len(), 3, "{mode}: {recorded:?} {said}");
        let big = &recorded[0];
        assert_eq!(big.1, "refused", "{mode}: {recorded:?}");
        // Too large by what it is, or by what the server sent past what was asked.
        let too_large = |text: &str| text.contains("邮件太大") || text.contains("超过 24 MB");
        assert!(too_large(&big.2), "{mode}: {recorded:?}");
        assert!(!big.3, "{mode}: the refused bytes were archived");
        // Its Message-ID comes from its headers (a later fetch knows it), or from its place
        // when the server would not send even those within their cap.
        if mode == "imap-huge-header" {
            assert!(big.0.ends_with(":7:1"), "{mode}: {recorded:?}");
        } else {
            assert!(
                big.0 == "hostile-big@test" || big.0 == "hostile-1@test",
                "{mode}: {recorded:?}"
            );
        }
        assert!(recorded[1..].iter().all(|m| m.1 == "pending" && m.3));
        let grown = std::fs::metadata(&ledger.path).unwrap().len() - size_before;
        assert!(
            grown < 2 * 1024 * 1024,
            "{mode}: the ledger grew {grown} bytes"
        );
        // The user is told that one message was refused.
        assert!(said.contains("1 封邮件未能读取"), "{mode}: {said}");
        let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(
            too_large(lines[0]["error"].as_str().unwrap()),
            "{mode}: {lines:?}"
        );
        // The JSON names the message by its headers.
        if mode != "imap-huge-header" {
            assert_eq!(lines[0]["from"], "lyj@example.cn", "{mode}: {lines:?}");
        }
    }
}

#[test]
fn a_message_the_server_did_not_deliver_is_fetched_next_time() {
    let ledger = new_ledger();
    let server = Hostile::start("imap-missing", &[]);
    let (first, _) = fetch(&ledger.path, &server, 60);
    let said = stderr(&first);
    assert!(!first.status.success());
    assert!(said.contains("没有送来 1 封邮件（UID 2）"), "{said}");
    assert!(said.contains("下次收取时再试"), "{said}");
    let ids: Vec<String> = messages(&ledger.path).into_iter().map(|m| m.0).collect();
    assert_eq!(ids, ["hostile-1@test", "hostile-3@test"]);

    let (second, _) = fetch(&ledger.path, &server, 60);
    assert!(second.status.success(), "{}", stderr(&second));
    let ids: Vec<String> = messages(&ledger.path).into_iter().map(|m| m.0).collect();
    assert_eq!(ids, ["hostile-1@test", "hostile-3@test", "hostile-2@test"]);
    // The second run downloaded UID 2 only: UID 3 was recorded already.
    let log = server.log();
    let second_run = log.rsplit("-- connection closed").nth(1).unwrap();
    assert!(second_run.contains("UID FETCH 2 (UID BODY.PEEK[]"), "{log}");
    assert!(
        !second_run.contains("UID FETCH 3 (UID BODY.PEEK[]"),
        "{log}"
    );

    // A third run finds nothing new.
    let (third, _) = fetch(&ledger.path, &server, 60);
    assert!(third.status.success());
    assert!(third.stdout.is_empty());
    assert_eq!(messages(&ledger.path).len(), 3);
}

#[test]
fn a_uidvalidity_that_changes_every_time_downloads_nothing_twice() {
    let ledger = new_ledger();
    let server = Hostile::start("imap-uidvalidity", &[]);
    let (first, _) = fetch(&ledger.path, &server, 60);
    assert!(first.status.success(), "{}", stderr(&first));
    assert_eq!(messages(&ledger.path).len(), 3);
    let before = ledger_bytes(&ledger.path);
    for _ in 0..2 {
        let (again, _) = fetch(&ledger.path, &server, 60);
        assert!(again.status.success(), "{}", stderr(&again));
        assert!(again.stdout.is_empty());
    }
    assert_eq!(messages(&ledger.path).len(), 3);
    let log = server.log();
    // Bodies are asked for several at once (`UID FETCH 1,2,3 (UID BODY.PEEK[]<0.N>)`).
    let bodies: usize = log
        .lines()
        .filter(|line| line.contains("BODY.PEEK[]<"))
        .filter_map(|line| line.split_whitespace().nth(3))
        .map(|set| set.split(',').count())
        .sum();
    assert_eq!(bodies, 3, "each message downloaded once: {log}");
    // Only the folder's mark moved.
    assert_eq!(before.len(), ledger_bytes(&ledger.path).len());
}

#[test]
fn two_fetches_at_once_record_each_message_once() {
    let ledger = new_ledger();
    let server = Hostile::start("imap-good", &["--messages", "120"]);
    let mut first = fetch_command(&ledger.path, server.port, 60);
    let mut second = fetch_command(&ledger.path, server.port, 60);
    let one = first
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let two = second
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let one = one.wait_with_output().unwrap();
    let two = two.wait_with_output().unwrap();
    let recorded = messages(&ledger.path);
    let mut ids: Vec<&String> = recorded.iter().map(|m| &m.0).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), recorded.len(), "a message recorded twice");
    // Whatever the interleaving, a later fetch completes the folder, once.
    let (third, _) = fetch(&ledger.path, &server, 60);
    assert!(third.status.success(), "{}", stderr(&third));
    assert_eq!(messages(&ledger.path).len(), 120);
    let refused = [stderr(&one), stderr(&two)].join("\n");
    assert!(
        one.status.success() && two.status.success() || refused.contains("另一处正在收取这个邮箱"),
        "{refused}"
    );
}

/// Killed at any moment, a fetch leaves the folder's mark before every message it did not
/// record, and never records a message twice; the next run completes the folder. (Messages
/// are recorded in their own transactions with one sync a second, the mark last and durably.)
#[test]
fn a_fetch_killed_at_any_moment_keeps_its_mark_honest_and_records_nothing_twice() {
    let ledger = new_ledger();
    let server = Hostile::start("imap-good", &["--messages", "160"]);
    let account = "rsxstg@163.com@127.0.0.1";
    let mut counts = Vec::new();
    for delay in [40, 90, 160, 250, 380, 550, 800] {
        let mut child = fetch_command(&ledger.path, server.port, 60)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        let (open, _) = taizhang::store::Ledger::open(&ledger.path).unwrap();
        if let Some((validity, last)) = open.mail_mark(account, "INBOX").unwrap() {
            let recorded = open
                .mail_recorded_uids(account, "INBOX", validity, 0)
                .unwrap();
            let passed: Vec<u32> = (1..=last).filter(|uid| !recorded.contains(uid)).collect();
            assert!(
                passed.is_empty(),
                "killed after {delay} ms: the mark {last} passes {passed:?}"
            );
        }
        drop(open);
        // The killed run's lease would free itself a minute after its deadline.
        rusqlite::Connection::open(&ledger.path)
            .unwrap()
            .execute("DELETE FROM settings WHERE key LIKE 'mail_lock%'", [])
            .unwrap();
        let recorded = messages(&ledger.path);
        let mut ids: Vec<&String> = recorded.iter().map(|m| &m.0).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(
            ids.len(),
            recorded.len(),
            "killed after {delay} ms: a message recorded twice"
        );
        counts.push(recorded.len());
    }
    // Some kill landed in the middle of a run.
    assert!(counts.iter().any(|n| *n > 0 && *n < 160), "{counts:?}");
    let (last, _) = fetch(&ledger.path, &server, 60);
    assert!(last.status.success(), "{}", stderr(&last));
    let recorded = messages(&ledger.path);
    let mut ids: Vec<&String> = recorded.iter().map(|m| &m.0).collect();
    ids.sort();
    ids.dedup();
    assert_eq!((ids.len(), recorded.len()), (160, 160));
}

fn chase_command(db: &Path, port: u16, user: &str) -> Command {
    let mut command = taizhang_command();
    command
        .args(["--db", arg(db), "--today", "2019-08-10", "chase"])
        .args(["--period", "2019-07", "--send", "--json"])
        .args(["--smtp-host", "127.0.0.1", "--smtp-port", &port.to_string()])
        .args(["--security", "none", "--user", user])
        .args(["--password-env", "TZ_CODE", "--deadline", "8"])
        .env("TZ_CODE", "code");
    command
}

#[test]
fn smtp_servers_that_misbehave_are_named_and_nothing_is_recorded() {
    for (mode, expected) in [
        ("smtp-endless-220", "问候语中有一行超过 4 KB"),
        ("smtp-no-auth", "不支持本程序能用的登录方式"),
        ("smtp-cram-only", "服务器提供：CRAM-MD5"),
        ("smtp-silent", "超过了 8 秒的时限"),
        ("smtp-trickle", "超过了 8 秒的时限"),
    ] {
        let ledger = ledger_with_addresses(&[("县林业局", "lyj@example.cn")]);
        let before = ledger_bytes(&ledger.path);
        let server = Hostile::start(mode, &[]);
        let (output, took) = run_within(
            chase_command(&ledger.path, server.port, "rsxstg@163.com"),
            Duration::from_secs(30),
        );
        let said = stderr(&output);
        assert!(!output.status.success(), "{mode}");
        assert!(said.contains(expected), "{mode}: {said}");
        assert!(
            said.contains(&format!("127.0.0.1:{}", server.port)),
            "{mode}: {said}"
        );
        assert!(!said.contains("请检查网络"), "{mode}: {said}");
        assert!(took < Duration::from_secs(13), "{mode}: {took:?}");
        assert_eq!(ledger_bytes(&ledger.path), before, "{mode}");
    }
}

#[test]
fn a_user_name_that_is_no_address_sends_from_the_units_address() {
    let ledger = ledger_with_addresses(&[("县林业局", "lyj@example.cn")]);
    let server = Hostile::start("smtp-good", &[]);
    // No unit address at all: the sender is what is missing, and the message says so.
    {
        let (mut open, _) = taizhang::store::Ledger::open(&ledger.path).unwrap();
        let mut settings = open.settings().unwrap();
        settings.email = String::new();
        open.update_settings(&settings).unwrap();
    }
    let (output, _) = run_within(
        chase_command(&ledger.path, server.port, "rsxstg"),
        Duration::from_secs(30),
    );
    let said = stderr(&output);
    assert!(!output.status.success());
    assert!(said.contains("发件地址"), "{said}");
    assert!(!said.contains("收件地址"), "{said}");
    {
        let (mut open, _) = taizhang::store::Ledger::open(&ledger.path).unwrap();
        let mut mailbox = open.mailbox_settings().unwrap();
        mailbox.address = "rsxstg@163.com".to_owned();
        open.save_mailbox_settings(&mailbox).unwrap();
    }
    let (output, _) = run_within(
        chase_command(&ledger.path, server.port, "rsxstg"),
        Duration::from_secs(30),
    );
    let log = server.log();
    assert!(log.contains("MAIL FROM:<rsxstg@163.com>"), "{log}");
    // Departments without an address are not sent; the one with an address is.
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let forestry = report["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "县林业局")
        .unwrap();
    assert_eq!(forestry["sent"], true, "{report}");
    assert!(output.status.success(), "{}", stderr(&output));
}

/// A directory entry's offset for every stream named `name` (UTF-16, its length with the NUL
/// at 64, type 2 at 66).
fn stream_entries(bytes: &[u8], name: &str) -> Vec<usize> {
    let encoded: Vec<u8> = name
        .encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect();
    (0..bytes.len().saturating_sub(128))
        .filter(|p| {
            bytes[*p..].starts_with(&encoded)
                && usize::from(u16::from_le_bytes([bytes[p + 64], bytes[p + 65]])) == encoded.len()
                && bytes[p + 66] == 2
        })
        .collect()
}

/// Fifty attachment streams that share one 400 KB chain would read out as fifty copies: the
/// file is refused before anything is read, and nothing is written.
#[test]
fn a_msg_whose_attachments_share_one_chain_is_refused() {
    let data = vec![7_u8; 400 * 1024];
    let attachments: Vec<(String, &[u8])> = (0..50)
        .map(|i| (format!("附件{i}.xlsx"), data.as_slice()))
        .collect();
    let borrowed: Vec<(&str, &[u8])> = attachments.iter().map(|(n, b)| (n.as_str(), *b)).collect();
    let mut bytes = taizhang::mail::msg::fixtures::msg_file(
        "县林业局7月进展",
        "lyj@example.cn",
        "1.1 已完成",
        1_564_707_600,
        &borrowed,
    );
    let entries = stream_entries(&bytes, "__substg1.0_37010102");
    assert_eq!(entries.len(), 50);
    let first = entries[0];
    let start: [u8; 4] = bytes[first + 116..first + 120].try_into().unwrap();
    for entry in &entries[1..] {
        bytes[entry + 116..entry + 120].copy_from_slice(&start);
    }
    let ledger = new_ledger();
    let path = ledger.dir.path().join("shared.msg");
    std::fs::write(&path, &bytes).unwrap();
    let before = ledger_bytes(&ledger.path);
    let output = taizhang(&[
        "--db",
        arg(&ledger.path),
        "import-email",
        arg(&path),
        "--json",
    ]);
    assert!(!output.status.success());
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(line["error"].as_str().unwrap().contains("已损坏"), "{line}");
    assert_eq!(ledger_bytes(&ledger.path), before);
}

/// Sets every central-directory entry's inflated size of a zip to `size`, as a bomb declares.
fn declare_inflated(zip: &mut [u8], size: u32) {
    let mut at = 0;
    while let Some(found) = zip[at..].windows(4).position(|w| w == b"PK\x01\x02") {
        let header = at + found;
        zip[header + 24..header + 28].copy_from_slice(&size.to_le_bytes());
        at = header + 4;
    }
}

/// One message's attachments share one budget: after two that may inflate to 100 MB each, the
/// rest are left unread with a sentence.
#[test]
fn a_messages_attachments_share_one_read_budget() {
    let ledger = new_ledger();
    let templates = common::july_templates(&ledger.path);
    let mut xlsx = std::fs::read(&templates[0]).unwrap();
    declare_inflated(&mut xlsx, 20 * 1024 * 1024);
    let attachments: Vec<(String, &[u8])> = (0..4)
        .map(|i| (format!("filename=\"{i}.xlsx\""), xlsx.as_slice()))
        .collect();
    let raw = common::mail::message(
        "lyj@example.cn",
        "县林业局7月进展",
        "Mon, 5 Aug 2019 09:00:00 +0800",
        "budget@example.cn",
        "见附件",
        &attachments,
    );
    let path = ledger.dir.path().join("budget.eml");
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
    let line: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<String> = line["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["error"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(errors.len(), 4, "{line}");
    assert!(
        errors[2..].iter().all(|e| e.contains("附件合计过大")),
        "{errors:?}"
    );
    assert!(!errors[0].contains("附件合计过大"), "{errors:?}");
}

/// The first new message not delivered is fetched next time too (the mark says so even when
/// nothing before it arrived).
#[test]
fn a_first_message_not_delivered_is_fetched_next_time() {
    let ledger = new_ledger();
    let server = Hostile::start("imap-missing-first", &[]);
    let (first, _) = fetch(&ledger.path, &server, 60);
    assert!(!first.status.success());
    assert!(stderr(&first).contains("UID 1"), "{}", stderr(&first));
    let (second, _) = fetch(&ledger.path, &server, 60);
    assert!(second.status.success(), "{}", stderr(&second));
    let mut ids: Vec<String> = messages(&ledger.path).into_iter().map(|m| m.0).collect();
    ids.sort();
    assert_eq!(ids, ["hostile-1@test", "hostile-2@test", "hostile-3@test"]);
}

/// A list of sizes the server garbles does not block the mailbox.
#[test]
fn a_garbled_size_list_does_not_block_the_mailbox() {
    let ledger = new_ledger();
    let server = Hostile::start("imap-size-overflow", &[]);
    let (output, _) = fetch(&ledger.path, &server, 60);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(messages(&ledger.path).len(), 3);
}

/// After a deadline every further send says so, never "cannot connect", and the summary
/// says how many were sent.
#[test]
fn a_send_run_out_of_time_says_so_for_every_department() {
    let ledger = common::mail::ledger_with_addresses(&[
        ("县林业局", "lyj@example.cn"),
        ("县农业农村局", "nyj@example.cn"),
        ("县公安局", "gaj@example.cn"),
    ]);
    let server = Hostile::start("smtp-silent-after-data", &[]);
    let (output, took) = run_within(
        chase_command(&ledger.path, server.port, "rsxstg@163.com"),
        Duration::from_secs(30),
    );
    assert!(took < Duration::from_secs(14), "{took:?}");
    let said = stderr(&output);
    assert!(!output.status.success());
    assert!(said.contains("已发送 0 封"), "{said}");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<&str> = report["departments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["to"].is_string())
        .map(|d| d["error"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(errors.len(), 3, "{report}");
    assert!(
        errors
            .iter()
            .all(|e| e.contains("时限") && !e.contains("无法连接")),
        "{errors:?}"
    );
}

/// The sender falls back to the unit's address in 设置 when the mailbox has none.
#[test]
fn the_units_own_address_is_the_sender_when_the_user_is_no_address() {
    let ledger = common::mail::ledger_with_addresses(&[("县林业局", "lyj@example.cn")]);
    let server = Hostile::start("smtp-good", &[]);
    {
        let (mut open, _) = taizhang::store::Ledger::open(&ledger.path).unwrap();
        let mut settings = open.settings().unwrap();
        settings.email = "unit@example.cn".to_owned();
        open.update_settings(&settings).unwrap();
    }
    let (output, _) = run_within(
        chase_command(&ledger.path, server.port, "rsxstg"),
        Duration::from_secs(30),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        server.log().contains("MAIL FROM:<unit@example.cn>"),
        "{}",
        server.log()
    );
}
