//! A year of returns from the mailbox: 240 messages (20 departments' worth × 12, cycled over
//! the 2019 plan's departments and reporting months), each with a filled return spreadsheet
//! attached and numbered rows in the body, delivered to a local Dovecot; then the release
//! binary's `fetch-mail --dry-run` (fetched and previewed: parsed, matched, nothing recorded)
//! and `fetch-mail` (recorded and committed), timed with their peak resident memory
//! (`/usr/bin/time`). The goal: under 10 s, bounded memory; and within 2× of `mbsync`
//! (Debian package `isync`) downloading the same folder into a Maildir: five runs of each,
//! alternating, each on a fresh copy of the ledger and an empty Maildir, medians compared.
//!
//! Run with `cargo bench --bench mail` (release build, Linux, as root, with Dovecot and isync
//! installed; see `scripts/mail-servers.md`).
#![expect(clippy::unwrap_used)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;

use common::mail::{CODE, ImapServer, USER, message, utf8_word};
use common::sheets::fill_first_row;
use common::{arg, taizhang};

const MESSAGES: usize = 240;

/// (seconds, peak MB, lines printed, messages with a department and rows) of one run.
fn timed(args: &[&str]) -> (f64, f64, usize, usize) {
    let output = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("TIMED %e %M %U %S")
        .arg(env!("CARGO_BIN_EXE_taizhang"))
        .args(args)
        .env("TZ_MAIL_CODE", CODE)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("TIMED "))
        .unwrap_or_else(|| panic!("no timing: {stderr}"));
    let mut parts = line.split_whitespace().skip(1);
    let seconds: f64 = parts.next().unwrap().parse().unwrap();
    let kb: f64 = parts.next().unwrap().parse().unwrap();
    let cpu: f64 = parts.map(|p| p.parse::<f64>().unwrap()).sum();
    eprintln!(
        "  ({} {seconds:.2} s, CPU {cpu:.2} s)",
        args.last().unwrap()
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let lines = stdout.lines().count();
    let matched = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| {
            m["department"].is_string()
                && m["attachments"][0]["rows"]
                    .as_array()
                    .is_some_and(|rows| rows.iter().any(|r| r["status"] == "progress"))
        })
        .count();
    (seconds, kb / 1024.0, lines, matched)
}

fn main() {
    let mut server = ImapServer::start();
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("bench.sqlite");
    assert!(
        taizhang(&["--db", arg(&db), "plan", "--json"])
            .status
            .success()
    );
    let months: Vec<String> = (6..=12).map(|m| format!("2019-{m:02}")).collect();
    // Each month's templates, one per department, the first own row filled.
    let mut templates: Vec<(String, String, Vec<u8>)> = Vec::new();
    for month in &months {
        let out = work.path().join(month);
        let made = taizhang(&[
            "--db",
            arg(&db),
            "templates",
            "--period",
            month,
            "--out",
            arg(&out),
        ]);
        assert!(made.status.success());
        for path in String::from_utf8(made.stdout).unwrap().lines() {
            let path = std::path::Path::new(path);
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = fill_first_row(
                &std::fs::read(path).unwrap(),
                "本月已按计划推进，完成阶段任务。",
            );
            templates.push((month.clone(), name, bytes));
        }
    }
    let departments = templates.len() / months.len();
    let started = std::time::Instant::now();
    let mut bytes = 0;
    for index in 0..MESSAGES {
        let (month, name, attachment) = &templates[index % templates.len()];
        let raw = message(
            // One sender per department, as in a real mailbox.
            &format!(
                "<dept{}@example.cn>",
                (index % templates.len()) % departments
            ),
            &utf8_word(&format!("{}月份重点工作进展 {index}", &month[5..])),
            "Mon, 05 Aug 2019 09:00:00 +0800",
            &format!("bench-{index}@example.cn"),
            "生态股：\n\n1. 按计划推进。\n2. 已完成阶段任务。\n\n联系人：张三\n",
            &[(format!("filename=\"{name}\""), attachment.as_slice())],
        );
        bytes += raw.len();
        server.deliver(&raw);
    }
    println!(
        "delivered {MESSAGES} messages ({:.1} MB) in {:.1} s",
        bytes as f64 / 1024.0 / 1024.0,
        started.elapsed().as_secs_f64()
    );
    let port = server.port.to_string();
    let fetch = |extra: &[&str]| {
        let mut args = vec![
            "--db",
            arg(&db),
            "--today",
            "2020-01-10",
            "fetch-mail",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--security",
            "none",
            "--user",
            USER,
            "--password-env",
            "TZ_MAIL_CODE",
            "--json",
        ];
        args.extend_from_slice(extra);
        timed(&args)
    };
    let (seconds, peak, lines, matched) = fetch(&["--dry-run"]);
    println!(
        "fetch-mail --dry-run: {lines} messages fetched and previewed ({matched} with their department and filled rows) in {seconds:.2} s, peak {peak:.0} MB"
    );
    // Side by side with mbsync, alternating, each from scratch.
    let pristine = work.path().join("pristine.sqlite");
    std::fs::copy(&db, &pristine).unwrap();
    let config = work.path().join("mbsyncrc");
    let maildir = work.path().join("maildir");
    std::fs::write(
        &config,
        format!(
            "IMAPAccount bench\nHost 127.0.0.1\nPort {port}\nUser {USER}\nPass {CODE}\nSSLType None\nAuthMechs LOGIN\n\n\
             IMAPStore remote\nAccount bench\n\n\
             MaildirStore local\nPath {dir}/\nInbox {dir}/INBOX\n\n\
             Channel bench\nFar :remote:\nNear :local:\nPatterns INBOX\nSync Pull\nCreate Near\nSyncState *\n",
            dir = maildir.display()
        ),
    )
    .unwrap();
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let (mut peak, mut lines, mut matched) = (0.0, 0, 0);
    for run in 0..5 {
        for first in [run % 2 == 0, run % 2 != 0] {
            if first {
                std::fs::copy(&pristine, &db).unwrap();
                for suffix in ["sqlite-wal", "sqlite-shm"] {
                    let _ = std::fs::remove_file(db.with_extension(suffix));
                }
                let (seconds, run_peak, run_lines, run_matched) = fetch(&[]);
                ours.push(seconds);
                (peak, lines, matched) = (run_peak, run_lines, run_matched);
            } else {
                let _ = std::fs::remove_dir_all(&maildir);
                std::fs::create_dir_all(&maildir).unwrap();
                let started = std::time::Instant::now();
                let status = Command::new("mbsync")
                    .arg("-q")
                    .arg("-c")
                    .arg(&config)
                    .arg("bench")
                    .status()
                    .expect("mbsync (Debian package isync)");
                theirs.push(started.elapsed().as_secs_f64());
                assert!(status.success());
                let got = std::fs::read_dir(maildir.join("INBOX").join("cur"))
                    .unwrap()
                    .count()
                    + std::fs::read_dir(maildir.join("INBOX").join("new"))
                        .unwrap()
                        .count();
                assert_eq!(got, MESSAGES, "mbsync downloaded every message");
            }
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (ours, theirs) = (median(&mut ours), median(&mut theirs));
    println!(
        "fetch-mail: {lines} messages fetched and committed ({matched} with their department and filled rows) in {ours:.2} s (median of 5), peak {peak:.0} MB"
    );
    println!(
        "mbsync, the same folder into an empty Maildir: {theirs:.2} s (median of 5); fetch-mail / mbsync = {:.1}×",
        ours / theirs
    );
    let (seconds, peak, lines, _) = fetch(&[]);
    println!("fetch-mail again: {lines} new messages in {seconds:.2} s, peak {peak:.0} MB");
    let committed: usize = {
        let (open, _) = taizhang::store::Ledger::open(&db).unwrap();
        open.mail_messages(Some(taizhang::store::MailState::Committed))
            .unwrap()
            .len()
    };
    println!("recorded as committed: {committed} of {MESSAGES}");
    let conn = rusqlite::Connection::open(&db).unwrap();
    let mut statement = conn
        .prepare("SELECT state, note, count(*) FROM mail_messages GROUP BY state, note")
        .unwrap();
    let states: Vec<(String, String, i64)> = statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    println!("recorded by state and note: {states:?}");
}
