//! The year closed inside the app: the 年度工作总结 (`summary` and 总览's 生成年度总结) read back
//! from the `.docx`, and the 督察台账 (`binder`) compared byte for byte with what was received.
#![expect(clippy::unwrap_used)]

mod common;

use std::io::Read as _;
use std::path::Path;

use common::mail::message;
use common::{TempLedger, arg, stderr, taizhang};
use serde_json::Value;

/// A department's e-mail for a month, with these body lines, received on `date`.
fn receive(db: &Path, department: &str, month: &str, lines: &str, id: &str, date: &str) {
    let raw = message(
        "someone@example.cn",
        &format!("{department}{month}重点工作进展"),
        date,
        id,
        &format!("{department}{month}重点工作进展：\n{lines}\n"),
        &[],
    );
    let file = db.with_file_name(format!("{id}.eml"));
    std::fs::write(&file, raw).unwrap();
    let imported = taizhang(&[
        "--db",
        arg(db),
        "--today",
        "2019-12-20",
        "import-email",
        arg(&file),
        "--department",
        department,
        "--json",
    ]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let outcome: Value = serde_json::from_slice(&imported.stdout).unwrap();
    assert_eq!(outcome["committed"], true, "{outcome}");
}

/// The July and August returns of 县农业农村局 (the August one says 无此项任务 on row 8, so
/// July's stays its latest full account) and 县住建局's July one, with words that must come
/// through as written.
fn ledger_with_returns() -> TempLedger {
    let ledger = TempLedger::new();
    let made = taizhang(&["--db", arg(&ledger.path), "plan", "--json"]);
    assert!(made.status.success(), "{}", stderr(&made));
    receive(
        &ledger.path,
        "县农业农村局",
        "2019年7月",
        "8．化肥农药使用量零增长情况：全县推广测土配方施肥12.50万亩，覆盖率93.6%；\n  化肥使用量同比减少3.2%（含“有机肥替代”试点）。\n9．废弃农膜回收利用情况：回收废旧农膜 1,234.5 吨",
        "farm-july@example.cn",
        "Fri, 02 Aug 2019 09:00:00 +0800",
    );
    receive(
        &ledger.path,
        "县农业农村局",
        "2019年8月",
        "8．化肥农药使用量零增长情况：无此项任务\n9．废弃农膜回收利用情况：8月回收废旧农膜 2,001 吨",
        "farm-august@example.cn",
        "Tue, 03 Sep 2019 09:00:00 +0800",
    );
    receive(
        &ledger.path,
        "县住建局",
        "2019年7月",
        "11．非正规垃圾堆放点排查整治情况：排查3处，已整治2处 <完成率66.7%> & 余下1处9月底前完成",
        "build-july@example.cn",
        "Mon, 05 Aug 2019 16:00:00 +0800",
    );
    ledger
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

/// Each `w:p` of a part as (its first run's font, its text).
fn paragraphs(xml: &str) -> Vec<(String, String)> {
    xml.split("<w:p>")
        .skip(1)
        .map(|p| {
            let font = p
                .split("w:eastAsia=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap_or_default()
                .to_owned();
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
            (
                font,
                text.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&amp;", "&"),
            )
        })
        .collect()
}

fn summary(db: &Path, docx: &Path, today: &str) -> std::process::Output {
    taizhang(&[
        "--db",
        arg(db),
        "--today",
        today,
        "summary",
        "--year",
        "2019",
        "--docx",
        arg(docx),
        "--json",
    ])
}

#[test]
fn the_summary_quotes_each_rows_latest_full_account_as_written() {
    let ledger = ledger_with_returns();
    let docx = ledger.dir.path().join("总结.docx");
    let output = summary(&ledger.path, &docx, "2020-01-10");
    assert!(output.status.success(), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["year"], 2019);
    assert_eq!(json["returns_received"], 3);
    let found = paragraphs(&zip_part(&docx, "word/document.xml"));
    let texts: Vec<&str> = found.iter().map(|(_, t)| t.as_str()).collect();
    // The JSON's paragraphs are the document's.
    let from_json: Vec<&str> = json["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert_eq!(texts, from_json);
    assert_eq!(
        found[0],
        (
            "方正小标宋简体".to_owned(),
            "关于2019年度融水苗族自治县土壤污染防治攻坚重点工作落实情况的总结".to_owned()
        )
    );
    for heading in [
        "一、目标完成情况",
        "二、重点任务推进情况",
        "三、各项工作进展",
        "四、目标指标完成情况",
        "五、各单位报送情况",
        "六、存在的问题和下一步工作打算",
    ] {
        let (font, _) = found.iter().find(|(_, t)| t == heading).unwrap();
        assert_eq!(font, "黑体", "{heading}");
    }
    assert!(texts.contains(&"（一）稳步推进土壤环境质量调查工作"));
    // Row 8: July's words (August said 无此项任务), each line as written, nothing cut.
    let at = texts
        .iter()
        .position(|t| {
            t.ends_with(
                "化肥农药使用量零增长情况（县农业农村局，2019年7月报送）：全县推广测土配方施肥12.50万亩，覆盖率93.6%；",
            )
        })
        .unwrap_or_else(|| panic!("{texts:#?}"));
    assert_eq!(
        texts[at + 1],
        "化肥使用量同比减少3.2%（含“有机肥替代”试点）。"
    );
    // Row 9: August's, the latest.
    assert!(
        texts
            .iter()
            .any(|t| t.ends_with("（县农业农村局，2019年8月报送）：8月回收废旧农膜 2,001 吨")),
        "{texts:#?}"
    );
    assert!(
        texts.iter().any(|t| t.ends_with(
            "（县住建局，2019年7月报送）：排查3处，已整治2处 <完成率66.7%> & 余下1处9月底前完成"
        )),
        "{texts:#?}"
    );
    // Milestones met or missed, the indicators, the reporting record, the part left to her.
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("6月底前：完成水稻、土壤样品的入库工作（2019年6月30日）：")),
        "{texts:#?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("1．受污染耕地安全利用率：目标")),
        "{texts:#?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("县农业农村局：应报7个月，按时报送2个月，内容不全2个月")),
        "{texts:#?}"
    );
    assert!(texts.contains(&"（此处由起草人填写存在的问题和下一步工作打算。）"));
    assert_eq!(texts.last().unwrap(), &"2020年1月10日");
    // The 公文 layout: A4, the footers with page numbers.
    let document = zip_part(&docx, "word/document.xml");
    assert!(document.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#));
    assert!(zip_part(&docx, "word/footer1.xml").contains("PAGE"));
    // The same ledger gives the same bytes.
    let again = ledger.dir.path().join("总结2.docx");
    assert!(summary(&ledger.path, &again, "2020-01-10").status.success());
    assert_eq!(
        std::fs::read(&docx).unwrap(),
        std::fs::read(&again).unwrap()
    );
}

#[test]
fn a_year_without_returns_gets_a_summary_that_says_so() {
    let ledger = TempLedger::new();
    let made = taizhang(&["--db", arg(&ledger.path), "plan", "--json"]);
    assert!(made.status.success());
    let docx = ledger.dir.path().join("总结.docx");
    let output = summary(&ledger.path, &docx, "2019-06-10");
    assert!(output.status.success(), "{}", stderr(&output));
    let texts: Vec<String> = paragraphs(&zip_part(&docx, "word/document.xml"))
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert!(
        texts
            .iter()
            .any(|t| t.contains("台账中尚无2019年度各单位的报送")),
        "{texts:#?}"
    );
    assert!(texts.contains(&"台账中尚无2019年度各单位报送的工作进展。".to_owned()));
    // The plan's tasks are still there.
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("1.1 完成农用地土壤污染状况详查"))
    );
}

#[test]
fn a_summary_that_cannot_be_written_writes_nothing() {
    let ledger = ledger_with_returns();
    let before = std::fs::read(&ledger.path).unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (vec!["--docx".into(), arg(&ledger.path).into()], ""),
        (
            vec![
                "--docx".into(),
                arg(&ledger.dir.path().join("没有/总结.docx")).into(),
            ],
            "",
        ),
        (
            vec![
                "--docx".into(),
                arg(&ledger.dir.path().join("backups/总结.docx")).into(),
            ],
            "",
        ),
        (vec![], "summary 需要 --docx"),
    ];
    for (extra, says) in cases {
        let mut args = vec!["--db", arg(&ledger.path), "summary", "--year", "2019"];
        args.extend(extra.iter().map(String::as_str));
        let output = taizhang(&args);
        assert!(!output.status.success(), "{args:?}");
        assert!(
            stderr(&output).contains(says),
            "{args:?} {}",
            stderr(&output)
        );
        assert_eq!(std::fs::read(&ledger.path).unwrap(), before, "{args:?}");
    }
    let none = taizhang(&[
        "--db",
        arg(&ledger.path),
        "summary",
        "--year",
        "2031",
        "--docx",
        arg(&ledger.dir.path().join("x.docx")),
    ]);
    assert!(!none.status.success());
    assert!(
        stderr(&none).contains("没有2031年的计划"),
        "{}",
        stderr(&none)
    );
    assert!(!ledger.dir.path().join("x.docx").exists());
    assert_eq!(std::fs::read(&ledger.path).unwrap(), before);
}

#[test]
fn the_overview_writes_the_years_summary() {
    let ledger = ledger_with_returns();
    let today = chrono::NaiveDate::from_ymd_opt(2020, 1, 10).unwrap();
    let mut harness = common::start_app(&ledger.path, today, [1280.0, 860.0]);
    common::click(&mut harness, "总览");
    common::click(&mut harness, "生成年度总结");
    harness.run();
    let written = ledger
        .dir
        .path()
        .join("exports")
        .join("年度总结")
        .join("2019年度工作总结.docx");
    let texts: Vec<String> = paragraphs(&zip_part(&written, "word/document.xml"))
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(
        texts[0],
        "关于2019年度融水苗族自治县土壤污染防治攻坚重点工作落实情况的总结"
    );
    assert!(texts.iter().any(|t| t.contains("8月回收废旧农膜 2,001 吨")));
}
