//! The month's two ends inside the app, driven through the headless commands: templates out by
//! e-mail and the sheet up to the city (against a real SMTP server, aiosmtpd on 127.0.0.1),
//! the leader's 情况通报 as a `.docx` read back (text, fonts, page), and the plan's 目标指标.
#![expect(clippy::unwrap_used)]

mod common;

use std::io::Read as _;
use std::path::Path;

use chrono::NaiveDate;
use common::mail::{CODE, SmtpServer, USER, ledger_with_addresses};
use common::{arg, stderr, taizhang, taizhang_command};
use serde_json::Value;
use taizhang::returns::{ReturnSource, RowWrite};
use taizhang::store::{Ledger, SendKind};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn smtp_args(smtp: &SmtpServer) -> Vec<String> {
    [
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &smtp.port.to_string(),
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

fn run(db: &Path, today: &str, args: &[String]) -> std::process::Output {
    taizhang_command()
        .args(["--db", arg(db), "--today", today])
        .args(args)
        .env("TZ_MAIL_CODE", CODE)
        .output()
        .unwrap()
}

fn strings(words: &[&str]) -> Vec<String> {
    words.iter().map(|s| (*s).to_owned()).collect()
}

/// Fills a department's July rows: `filled` of them (all when `None`), received on `day`.
fn report_july(ledger: &mut Ledger, department: &str, filled: Option<usize>, day: NaiveDate) {
    let plan = ledger.focused_plan().unwrap();
    let departments = ledger.departments().unwrap();
    let obligations = taizhang::returns::obligations(&plan, &departments);
    let owed = obligations
        .iter()
        .find(|o| o.department == department)
        .unwrap();
    let rows = owed.rows_in(common::july());
    let count = filled.unwrap_or(rows.len());
    let writes: Vec<RowWrite> = rows
        .iter()
        .take(count)
        .enumerate()
        .map(|(n, row)| RowWrite {
            department_id: owed.department_id,
            period: common::july(),
            key: row.key,
            progress: format!("{department}第{n}项：已完成排查整治。下一步继续推进。"),
            remark: String::new(),
            source: ReturnSource::Email,
            received_on: Some(day),
        })
        .collect();
    ledger.write_return_rows(&writes).unwrap();
}

fn zip_part(path: &Path, name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The text of each `w:p` of a part, runs joined.
fn paragraph_texts(xml: &str) -> Vec<String> {
    xml.split("<w:p>")
        .skip(1)
        .map(|p| {
            let mut text = String::new();
            let mut rest = p;
            while let Some(start) = rest.find("<w:t") {
                let after = &rest[start..];
                let open_end = after.find('>').unwrap();
                let close = after.find("</w:t>").unwrap_or(open_end + 1);
                if close > open_end {
                    text.push_str(&after[open_end + 1..close]);
                }
                rest = &after[open_end + 1..];
            }
            text.replace("&amp;", "&")
                .replace("&lt;", "<")
                .replace("&gt;", ">")
        })
        .collect()
}

#[test]
fn the_july_report_names_who_was_late_and_missing_as_the_ledger_does() {
    let temp = common::TempLedger::new();
    let made = taizhang(&["--db", arg(&temp.path), "plan", "--json"]);
    assert!(made.status.success(), "{}", stderr(&made));
    {
        let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
        report_july(&mut ledger, "县农业农村局", None, date(2019, 8, 2));
        report_july(&mut ledger, "县自然规划局", None, date(2019, 8, 9));
        report_july(&mut ledger, "融水生态环境局", Some(3), date(2019, 8, 1));
        report_july(&mut ledger, "县林业局", None, date(2019, 8, 3));
    }
    let docx = temp.dir.path().join("通报-2019年7月.docx");
    let output = run(
        &temp.path,
        "2019-08-12",
        &strings(&[
            "report",
            "--period",
            "2019-07",
            "--docx",
            arg(&docx),
            "--json",
        ]),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();

    // The names match the ledger's own status for the month.
    let status = taizhang(&[
        "--db",
        arg(&temp.path),
        "--today",
        "2019-08-12",
        "status",
        "--period",
        "2019-07",
        "--json",
    ]);
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    let of_state = |state: &str| -> Vec<String> {
        status["departments"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["state"] == state)
            .map(|d| d["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let names = |value: &Value| -> Vec<String> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                v.as_str()
                    .map_or_else(|| v["name"].as_str().unwrap().to_owned(), str::to_owned)
            })
            .collect()
    };
    assert_eq!(names(&report["late"]), of_state("late"));
    assert_eq!(names(&report["late"]), ["县自然规划局"]);
    assert_eq!(names(&report["missing"]), of_state("missing"));
    assert!(names(&report["missing"]).contains(&"县住建局".to_owned()));
    assert_eq!(names(&report["on_time"]), of_state("on_time"));
    assert_eq!(names(&report["partial"]), ["融水生态环境局"]);
    assert_eq!(report["partial"][0]["rows_filled"], 3);
    // Two of the departments that owed July (县农业农村局, 县林业局) were on time and complete.
    let owing = of_state("on_time").len() + of_state("late").len() + of_state("missing").len();
    let rate = report["month_on_time_rate"].as_f64().unwrap();
    assert!(
        (rate - 2.0 / owing as f64).abs() < 1e-6,
        "{rate} of {owing}"
    );
    assert!(!report["moved"].as_array().unwrap().is_empty());
    assert_eq!(
        report["moved"][0]["sentence"].as_str().unwrap(),
        "融水生态环境局第0项：已完成排查整治。"
    );

    // The document, read back: its text, its fonts, its page.
    let document = zip_part(&docx, "word/document.xml");
    let paragraphs = paragraph_texts(&document);
    assert_eq!(
        paragraphs[0],
        "关于2019年7月融水苗族自治县土壤污染防治攻坚重点工作推进情况的通报"
    );
    let late_line = paragraphs
        .iter()
        .position(|p| p == "（二）逾期报送的单位")
        .unwrap();
    assert_eq!(
        paragraphs[late_line + 1],
        "县自然规划局（2019年8月9日报送）。"
    );
    let missing_line = paragraphs
        .iter()
        .position(|p| p == "（四）未报送的单位")
        .unwrap();
    let missing: Vec<String> = paragraphs[missing_line + 1]
        .trim_end_matches('。')
        .split('、')
        .map(str::to_owned)
        .collect();
    assert_eq!(missing, of_state("missing"));
    assert!(
        paragraphs
            .iter()
            .any(|p| p.contains("受污染耕地安全利用率：目标≥ 50%"))
    );
    for font in ["方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"] {
        assert!(
            document.contains(&format!("w:eastAsia=\"{font}\"")),
            "{font}"
        );
    }
    // The title in 二号 (22 pt), the body in 三号 (16 pt).
    assert!(document.contains(r#"w:eastAsia="方正小标宋简体" w:hAnsi="方正小标宋简体" w:cs="方正小标宋简体"/><w:sz w:val="44"/>"#));
    assert!(document.contains(
        r#"w:eastAsia="仿宋_GB2312" w:hAnsi="仿宋_GB2312" w:cs="仿宋_GB2312"/><w:sz w:val="32"/>"#
    ));
    assert!(document.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#));
    assert!(document.contains(r#"w:top="2098""#) && document.contains(r#"w:left="1587""#));
    assert!(document.contains(r#"<w:docGrid w:type="linesAndChars" w:linePitch="579""#));
    let footer = zip_part(&docx, "word/footer1.xml");
    assert!(
        footer.contains("— </w:t>") && footer.contains(" PAGE ") && footer.contains(" —</w:t>")
    );
    assert!(zip_part(&docx, "word/settings.xml").contains("evenAndOddHeaders"));
    // The paragraphs of --json are the document's.
    let json_paragraphs: Vec<String> = report["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(json_paragraphs, paragraphs);
}

#[test]
fn a_report_refuses_a_bad_month_or_path_and_writes_nothing() {
    let temp = common::TempLedger::new();
    let made = taizhang(&["--db", arg(&temp.path), "plan", "--json"]);
    assert!(made.status.success());
    let before = std::fs::read(&temp.path).unwrap();
    let outside = temp.dir.path().join("a.docx");
    let refused = run(
        &temp.path,
        "2019-08-12",
        &strings(&["report", "--period", "2030-01", "--docx", arg(&outside)]),
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("不在该计划的报送月份内"),
        "{}",
        stderr(&refused)
    );
    assert!(!outside.exists());
    // The ledger itself as the output: refused, the ledger as it was.
    let onto = run(
        &temp.path,
        "2019-08-12",
        &strings(&["report", "--period", "2019-07", "--docx", arg(&temp.path)]),
    );
    assert!(!onto.status.success());
    assert_eq!(std::fs::read(&temp.path).unwrap(), before);
    #[cfg(unix)]
    {
        let device = run(
            &temp.path,
            "2019-08-12",
            &strings(&["report", "--period", "2019-07", "--docx", "/dev/null"]),
        );
        assert!(!device.status.success());
    }
}

#[test]
fn indicators_are_read_from_the_plan_and_values_recorded_with_history() {
    let temp = common::TempLedger::new();
    let made = taizhang(&["--db", arg(&temp.path), "plan", "--json"]);
    assert!(made.status.success());
    let listed = run(
        &temp.path,
        "2019-08-12",
        &strings(&["indicators", "--json"]),
    );
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let indicators = listed["indicators"].as_array().unwrap();
    assert_eq!(indicators.len(), 3);
    assert_eq!(indicators[0]["name"], "受污染耕地安全利用率");
    assert_eq!(indicators[0]["comparison"], "at_least");
    assert_eq!(indicators[0]["target"], 50.0);
    assert_eq!(indicators[0]["unit"], "%");
    assert_eq!(indicators[1]["comparison"], "reach");
    assert_eq!(indicators[2]["comparison"], "down_by");
    assert_eq!(indicators[2]["base_year"], 2013);

    // Bad values and names: a clear message, nothing written.
    let before = std::fs::read(&temp.path).unwrap();
    for (name, value, says) in [
        ("受污染耕地安全利用率", "五成", "不是数值"),
        ("受污染耕地安全利用率", "120%", "超过了 100%"),
        ("受污染耕地安全利用率", "101", "超过了 100%"),
        ("受污染耕地安全利用率", "-3", "负数"),
        ("PM2.5平均浓度", "30", "计划中没有名为"),
        (
            "安全利用率",
            "60",
            "可以指几个目标指标：受污染耕地安全利用率、污染地块安全利用率",
        ),
    ] {
        let refused = run(
            &temp.path,
            "2019-08-12",
            &strings(&[
                "set-indicator",
                name,
                "--period",
                "2019-07",
                "--value",
                value,
            ]),
        );
        assert!(!refused.status.success(), "{name} {value}");
        assert!(stderr(&refused).contains(says), "{}", stderr(&refused));
        assert_eq!(std::fs::read(&temp.path).unwrap(), before, "{name} {value}");
    }
    let outside = run(
        &temp.path,
        "2019-08-12",
        &strings(&[
            "set-indicator",
            "受污染耕地安全利用率",
            "--period",
            "2019-03",
            "--value",
            "60",
        ]),
    );
    assert!(!outside.status.success());

    for (value, source) in [
        ("48.5", "县农业农村局电话报"),
        ("52.5%", "县农业农村局7月报表"),
    ] {
        let set = run(
            &temp.path,
            "2019-08-12",
            &strings(&[
                "set-indicator",
                "受污染耕地安全利用率",
                "--period",
                "2019-07",
                "--value",
                value,
                "--source",
                source,
            ]),
        );
        assert!(set.status.success(), "{}", stderr(&set));
    }
    let listed = run(
        &temp.path,
        "2019-08-12",
        &strings(&["indicators", "--json"]),
    );
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    let first = &listed["indicators"][0];
    assert_eq!(first["values"].as_array().unwrap().len(), 1);
    assert_eq!(first["values"][0]["value"], 52.5);
    assert_eq!(first["values"][0]["source"], "县农业农村局7月报表");
    assert_eq!(first["values"][0]["origin"], "manual");
    assert_eq!(first["history"][0]["value"], 48.5);
    assert_eq!(first["met"], true);

    // The indicators go on with the plan into next year's carried plan.
    let carried = run(
        &temp.path,
        "2020-01-20",
        &strings(&["carry-forward", "--all-tasks", "--json"]),
    );
    assert!(carried.status.success(), "{}", stderr(&carried));
    let next: Value = serde_json::from_slice(&carried.stdout).unwrap();
    let plan_id = next["plan"]["id"]
        .as_i64()
        .or_else(|| next["id"].as_i64())
        .or_else(|| next["plan_id"].as_i64())
        .unwrap_or_else(|| panic!("{next}"));
    let listed = run(
        &temp.path,
        "2020-01-20",
        &strings(&["indicators", "--plan", &plan_id.to_string(), "--json"]),
    );
    assert!(listed.status.success(), "{}", stderr(&listed));
    let listed: Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed["indicators"].as_array().unwrap().len(), 3);
    assert_eq!(listed["indicators"][2]["base_year"], 2013);
}

#[test]
fn templates_go_out_by_email_once_unless_asked_and_each_send_is_recorded() {
    let smtp = SmtpServer::start(None);
    let ledger = ledger_with_addresses(&[
        ("县农业农村局", "nyj@example.cn"),
        ("县自然规划局", "zrj@example.cn"),
    ]);
    let out = ledger.dir.path().join("模板");
    let mut args = strings(&[
        "templates",
        "--period",
        "2019-07",
        "--out",
        arg(&out),
        "--send",
        "--json",
    ]);
    args.extend(smtp_args(&smtp));
    let output = run(&ledger.path, "2019-08-01", &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["sent"].as_array().unwrap().len(), 2);
    assert!(report["failed"].as_array().unwrap().is_empty());
    let skipped = report["skipped"].as_array().unwrap();
    assert!(skipped.len() > 5);
    assert!(skipped.iter().all(|s| s["to"].is_null()));
    assert!(skipped.iter().any(|s| s["department"] == "县住建局"));

    let delivered = smtp.messages();
    assert_eq!(delivered.len(), 2);
    for (raw, recipients) in &delivered {
        let message = taizhang::mail::parse_mail(raw).unwrap();
        assert!(message.subject.contains("2019年7月"), "{}", message.subject);
        assert!(
            message.body.contains("请贵单位于2019年8月"),
            "{}",
            message.body
        );
        assert_eq!(message.attachments.len(), 1);
        let attachment = &message.attachments[0];
        assert!(
            attachment.name.ends_with("2019年7月重点工作进展.xlsx"),
            "{}",
            attachment.name
        );
        let department = if recipients.trim() == "nyj@example.cn" {
            "县农业农村局"
        } else {
            "县自然规划局"
        };
        assert!(message.body.starts_with(&format!("{department}：")));
        assert!(attachment.name.starts_with(department));
        // The attachment is the template written into the folder.
        assert_eq!(
            std::fs::read(out.join(&attachment.name)).unwrap(),
            attachment.bytes
        );
    }
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    let plan = open.focused_plan_id().unwrap();
    assert_eq!(
        open.mail_sends(plan, SendKind::Template, Some("2019-07"))
            .unwrap()
            .len(),
        2
    );
    drop(open);

    // A second send is asked for: refused without --again, nothing sent.
    let again = run(&ledger.path, "2019-08-01", &args);
    assert!(!again.status.success());
    assert!(stderr(&again).contains("--again"), "{}", stderr(&again));
    assert_eq!(smtp.messages().len(), 2);
    // --unsent: both already have it.
    let mut unsent = args.clone();
    unsent.push("--unsent".to_owned());
    let rest = run(&ledger.path, "2019-08-01", &unsent);
    assert!(rest.status.success(), "{}", stderr(&rest));
    let rest: Value = serde_json::from_slice(&rest.stdout).unwrap();
    assert!(rest["sent"].as_array().unwrap().is_empty());
    assert_eq!(smtp.messages().len(), 2);
    // --again: everyone with an address once more.
    let mut all = args.clone();
    all.push("--again".to_owned());
    let resent = run(&ledger.path, "2019-08-01", &all);
    assert!(resent.status.success(), "{}", stderr(&resent));
    assert_eq!(smtp.messages().len(), 4);
}

#[test]
fn a_template_send_that_fails_halfway_records_exactly_who_received_it() {
    // The line goes dead at the end of each later message's data: the server may hold those
    // messages, so they are uncertain, not failed.
    let smtp = SmtpServer::start_with(None, Some(1));
    let ledger = ledger_with_addresses(&[
        ("县农业农村局", "nyj@example.cn"),
        ("县自然规划局", "zrj@example.cn"),
        ("县住建局", "zjj@example.cn"),
    ]);
    let out = ledger.dir.path().join("模板");
    let mut args = strings(&[
        "templates",
        "--period",
        "2019-07",
        "--out",
        arg(&out),
        "--send",
        "--json",
    ]);
    args.extend(smtp_args(&smtp));
    let output = run(&ledger.path, "2019-08-01", &args);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("已发送 1 封"), "{message}");
    assert!(message.contains("2 封结果不明"), "{message}");
    assert!(message.contains("--unsent --uncertain"), "{message}");
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let sent = report["sent"].as_array().unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(report["uncertain"].as_array().unwrap().len(), 2);
    assert_eq!(report["uncertain"][0]["outcome"], "uncertain");
    assert!(report["failed"].as_array().unwrap().is_empty());
    let delivered = smtp.messages();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].1.trim(), sent[0]["to"].as_str().unwrap());
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    let plan = open.focused_plan_id().unwrap();
    let recorded = open
        .mail_sends(plan, SendKind::Template, Some("2019-07"))
        .unwrap();
    assert_eq!(recorded.len(), 3);
    let sent_rows: Vec<_> = recorded
        .iter()
        .filter(|s| s.outcome == taizhang::store::Delivered::Sent)
        .collect();
    assert_eq!(sent_rows.len(), 1);
    assert_eq!(sent_rows[0].address, delivered[0].1.trim());
    assert_eq!(
        recorded
            .iter()
            .filter(|s| s.outcome == taizhang::store::Delivered::Uncertain)
            .count(),
        2
    );
    drop(open);

    // --unsent never sends to those who may have it.
    let working = SmtpServer::start(None);
    let mut rest = strings(&[
        "templates",
        "--period",
        "2019-07",
        "--out",
        arg(&out),
        "--send",
        "--unsent",
        "--json",
    ]);
    rest.extend(smtp_args(&working));
    let output = run(&ledger.path, "2019-08-01", &rest);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(working.messages().is_empty());
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let skipped: Vec<&Value> = report["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["outcome"] == "skipped")
        .collect();
    assert_eq!(skipped.len(), 3);
    assert!(
        skipped
            .iter()
            .filter(|s| s["reason"].as_str().unwrap().contains("结果不明"))
            .count()
            == 2
    );
    // Its own option sends them, reusing the templates written the first time.
    let files_before: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    rest.push("--uncertain".to_owned());
    let output = run(&ledger.path, "2019-08-01", &rest);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(working.messages().len(), 2);
    assert_eq!(
        std::fs::read_dir(&out).unwrap().count(),
        files_before.len(),
        "no copies of the templates"
    );
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    assert_eq!(
        open.mail_sends(plan, SendKind::Template, Some("2019-07"))
            .unwrap()
            .len(),
        5
    );
}

#[test]
fn the_sheet_goes_up_to_the_city_in_one_message_with_both_files() {
    let smtp = SmtpServer::start(None);
    let ledger = ledger_with_addresses(&[]);
    let xlsx = ledger.dir.path().join("进展表.xlsx");
    let pdf = ledger.dir.path().join("进展表.pdf");
    let before = std::fs::read(&ledger.path).unwrap();
    // Not an address: refused before anything is written or sent.
    for bad in [
        "市生态环境局",
        "a@b@c",
        "sthj@example.cn; other@example.cn",
        "@example.cn",
    ] {
        let mut args = strings(&[
            "export-sheet",
            "--period",
            "2019-07",
            "--xlsx",
            arg(&xlsx),
            "--pdf",
            arg(&pdf),
            "--send-to",
            bad,
        ]);
        args.extend(smtp_args(&smtp));
        let refused = run(&ledger.path, "2019-08-12", &args);
        assert!(!refused.status.success(), "{bad}");
        assert!(
            stderr(&refused).contains("不是有效的邮箱地址"),
            "{}",
            stderr(&refused)
        );
        assert!(!xlsx.exists() && !pdf.exists());
        assert!(smtp.messages().is_empty());
        assert_eq!(std::fs::read(&ledger.path).unwrap(), before);
    }
    let mut args = strings(&[
        "export-sheet",
        "--period",
        "2019-07",
        "--xlsx",
        arg(&xlsx),
        "--pdf",
        arg(&pdf),
        "--send-to",
        "sthj@example.cn",
        "--json",
    ]);
    args.extend(smtp_args(&smtp));
    let output = run(&ledger.path, "2019-08-12", &args);
    assert!(output.status.success(), "{}", stderr(&output));
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["sent_to"], "sthj@example.cn");
    let delivered = smtp.messages();
    assert_eq!(delivered.len(), 1);
    assert_eq!(delivered[0].1.trim(), "sthj@example.cn");
    let message = taizhang::mail::parse_mail(&delivered[0].0).unwrap();
    let names: Vec<&str> = message
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names, ["进展表.xlsx", "进展表.pdf"]);
    assert_eq!(message.attachments[0].bytes, std::fs::read(&xlsx).unwrap());
    assert_eq!(message.attachments[1].bytes, std::fs::read(&pdf).unwrap());
    assert!(message.subject.contains("2019年7月"), "{}", message.subject);
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    let plan = open.focused_plan_id().unwrap();
    let sends = open
        .mail_sends(plan, SendKind::Sheet, Some("2019-07"))
        .unwrap();
    assert_eq!(sends.len(), 1);
    assert_eq!(sends[0].address, "sthj@example.cn");
    assert_eq!(open.settings().unwrap().city_email, "sthj@example.cn");
}

#[test]
fn a_closed_plan_sends_no_templates_and_writes_none() {
    let smtp = SmtpServer::start(None);
    let ledger = ledger_with_addresses(&[("县农业农村局", "nyj@example.cn")]);
    let closed = taizhang(&["--db", arg(&ledger.path), "close-plan", "--plan", "1"]);
    assert!(closed.status.success(), "{}", stderr(&closed));
    let out = ledger.dir.path().join("模板");
    let mut args = strings(&[
        "templates",
        "--period",
        "2019-07",
        "--out",
        arg(&out),
        "--plan",
        "1",
        "--send",
    ]);
    args.extend(smtp_args(&smtp));
    let output = run(&ledger.path, "2019-08-01", &args);
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("已结束，不再发送报送模板"),
        "{}",
        stderr(&output)
    );
    assert!(!out.exists(), "nothing written");
    assert!(smtp.messages().is_empty());
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    assert!(
        open.mail_sends(1, SendKind::Template, None)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_second_sender_of_the_same_month_at_once_is_refused_and_sends_nothing() {
    let smtp = SmtpServer::start(None);
    let ledger = ledger_with_addresses(&[("县农业农村局", "nyj@example.cn")]);
    // Another window or command is sending July's templates right now.
    let claim =
        taizhang::store::SendLock::acquire(&ledger.path, "template-1-2019-07", 600).unwrap();
    let out = ledger.dir.path().join("模板");
    let mut args = strings(&[
        "templates",
        "--period",
        "2019-07",
        "--out",
        arg(&out),
        "--send",
    ]);
    args.extend(smtp_args(&smtp));
    let before = std::fs::read(&ledger.path).unwrap();
    let output = run(&ledger.path, "2019-08-01", &args);
    assert!(!output.status.success());
    let message = stderr(&output);
    assert!(message.contains("正在发送这批邮件"), "{message}");
    // Who holds it, since when and until when.
    assert!(
        message.contains(&format!("进程 {}", std::process::id())),
        "{message}"
    );
    assert!(message.contains("最迟至"), "{message}");
    assert!(smtp.messages().is_empty());
    assert!(!out.exists(), "nothing written");
    assert_eq!(std::fs::read(&ledger.path).unwrap(), before);
    // Once the other sender gives its claim back, the send goes, and its own claim is given
    // back when it ends.
    drop(claim);
    let output = run(&ledger.path, "2019-08-01", &args);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(smtp.messages().len(), 1);
    taizhang::store::SendLock::acquire(&ledger.path, "template-1-2019-07", 600).unwrap();
}

/// One answer: the December 通报 written in January names every milestone the calendar calls
/// overdue, those due on the year's last day included.
#[test]
fn the_december_report_and_the_calendar_agree_on_what_is_overdue() {
    let temp = common::TempLedger::new();
    let docx = temp.dir.path().join("通报.docx");
    let report = run(
        &temp.path,
        "2020-01-15",
        &strings(&[
            "report",
            "--period",
            "2019-12",
            "--docx",
            arg(&docx),
            "--json",
        ]),
    );
    assert!(report.status.success(), "{}", stderr(&report));
    let report: Value = serde_json::from_slice(&report.stdout).unwrap();
    let mut in_report: Vec<String> = report["overdue_milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["date"].as_str().unwrap().to_owned())
        .collect();
    let calendar = run(
        &temp.path,
        "2020-01-15",
        &strings(&[
            "deadlines",
            "--from",
            "2019-01-01",
            "--to",
            "2019-12-31",
            "--plan",
            "1",
            "--json",
        ]),
    );
    assert!(calendar.status.success(), "{}", stderr(&calendar));
    let calendar: Value = serde_json::from_slice(&calendar.stdout).unwrap();
    let mut in_calendar: Vec<String> = calendar["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "milestone" && i["state"] == "overdue")
        .map(|i| i["date"].as_str().unwrap().to_owned())
        .collect();
    in_report.sort();
    in_calendar.sort();
    assert!(
        in_calendar.iter().any(|d| d == "2019-12-31"),
        "{in_calendar:?}"
    );
    assert_eq!(in_report, in_calendar);
}
