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

fn binder(db: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "--db",
        arg(db),
        "--today",
        "2020-01-10",
        "binder",
        "--out",
        arg(out),
        "--json",
    ];
    args.extend_from_slice(extra);
    taizhang(&args)
}

/// Every file under `dir`, relative, with its bytes.
fn tree(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(at) = stack.pop() {
        for entry in std::fs::read_dir(&at).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push((
                    path.strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                    std::fs::read(&path).unwrap(),
                ));
            }
        }
    }
    found.sort();
    found
}

#[test]
fn the_binder_holds_every_original_byte_for_byte_and_an_index() {
    let ledger = ledger_with_returns();
    // 县住建局's July return also came as a spreadsheet: both originals are kept.
    let xls =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/returns/住建局-2019年7月.xls");
    let imported = taizhang(&[
        "--db",
        arg(&ledger.path),
        "--today",
        "2019-08-10",
        "import-returns",
        arg(&xls),
        "--json",
    ]);
    assert!(imported.status.success(), "{}", stderr(&imported));
    let out = ledger.dir.path().join("督察台账");
    let output = binder(&ledger.path, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["year"], 2019);
    assert_eq!(json["returns_received"], 3);
    let files = tree(&out);
    assert_eq!(json["files"], files.len());
    // The task folders, named by code and title.
    let building = "3.1.4 不断强化工业固体废物处理处置";
    let farming = "3.3 全面管控农业面源污染";
    let in_folder = |folder: &str| -> Vec<&(String, Vec<u8>)> {
        files
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("{folder}/")))
            .collect()
    };
    // The originals, byte for byte: the e-mails as received, and the spreadsheet.
    let eml = std::fs::read(ledger.path.with_file_name("build-july@example.cn.eml")).unwrap();
    assert!(
        in_folder(building)
            .iter()
            .any(|(p, b)| p.ends_with(".eml") && p.contains("2019-07 县住建局") && *b == eml),
        "{:?}",
        in_folder(building)
            .iter()
            .map(|(p, _)| p)
            .collect::<Vec<_>>()
    );
    assert!(
        in_folder(building)
            .iter()
            .any(|(p, b)| p.ends_with("住建局-2019年7月.xls") && *b == std::fs::read(&xls).unwrap())
    );
    for (id, month) in [("farm-july", "2019-07"), ("farm-august", "2019-08")] {
        let original =
            std::fs::read(ledger.path.with_file_name(format!("{id}@example.cn.eml"))).unwrap();
        assert!(
            in_folder(farming).iter().any(|(p, b)| p
                .starts_with(&format!("{farming}/{month} 县农业农村局"))
                && *b == original),
            "{month}"
        );
    }
    // Every month's answer as text, and the record.
    let text = in_folder(farming)
        .iter()
        .find(|(p, _)| p.ends_with("报送内容.txt"))
        .map(|(_, b)| String::from_utf8(b[3..].to_vec()).unwrap())
        .unwrap();
    assert!(
        text.contains("2019年7月 县农业农村局（2019年8月2日收到，按时·部分 2/6）"),
        "{text}"
    );
    assert!(
        text.contains("全县推广测土配方施肥12.50万亩，覆盖率93.6%；\r\n化肥使用量同比减少3.2%"),
        "{text}"
    );
    assert!(text.contains("2019年9月 县农业农村局（未报）"), "{text}");
    assert!(
        in_folder(farming)
            .iter()
            .any(|(p, _)| p.ends_with("催报和退回记录.txt"))
    );
    // The index, read back with calamine.
    use calamine::{Reader as _, Xlsx};
    let mut workbook: Xlsx<_> = calamine::open_workbook(out.join("索引.xlsx")).unwrap();
    let range = workbook.worksheet_range("索引").unwrap();
    let rows: Vec<Vec<String>> = range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(
        rows[2],
        [
            "任务",
            "月份",
            "部门",
            "收到日期",
            "状态",
            "报送内容",
            "原始文件"
        ]
    );
    let line = rows
        .iter()
        .find(|r| r[0] == farming && r[1] == "2019年8月" && r[2] == "县农业农村局")
        .unwrap();
    assert_eq!(line[3], "2019年9月3日");
    assert!(line[5].contains("8月回收废旧农膜 2,001 吨"), "{line:?}");
    assert!(out.join(&line[6]).is_file(), "{line:?}");
    assert!(
        std::fs::read(out.join("索引.pdf"))
            .unwrap()
            .starts_with(b"%PDF")
    );
    // A second run gives the same bytes.
    let again = ledger.dir.path().join("督察台账2");
    assert!(binder(&ledger.path, &again, &[]).status.success());
    assert_eq!(tree(&again), files);
}

#[test]
fn names_no_folder_can_hold_become_safe_and_the_index_keeps_them_whole() {
    let ledger = ledger_with_returns();
    let hostile = format!("完成/详查\\：a:b*c?\"d\"<e>|f\u{7}{}。. ", "长".repeat(200));
    {
        let conn = rusqlite::Connection::open(&ledger.path).unwrap();
        conn.execute("UPDATE tasks SET title = ?1 WHERE code = '3.3'", [&hostile])
            .unwrap();
        conn.execute("UPDATE tasks SET title = 'CON' WHERE code = '4.1'", [])
            .unwrap();
        conn.execute("UPDATE tasks SET title = 'nul .txt' WHERE code = '4.2'", [])
            .unwrap();
        conn.execute("UPDATE tasks SET code = 'NUL' WHERE code = '4.3'", [])
            .unwrap();
    }
    let out = ledger.dir.path().join("督察台账");
    let output = binder(&ledger.path, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    for entry in std::fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !name
                .chars()
                .any(|c| "/\\:*?\"<>|".contains(c) || c.is_control()),
            "{name}"
        );
        assert!(name.chars().count() <= 60, "{name}");
        assert!(!name.ends_with(['.', ' ']), "{name}");
        let stem = name.split('.').next().unwrap().trim_end().to_uppercase();
        assert!(
            !["CON", "NUL", "PRN", "AUX"].contains(&stem.as_str()),
            "{name}"
        );
    }
    assert!(out.join("4.1 CON").is_dir());
    // The index names the task in full.
    use calamine::{Reader as _, Xlsx};
    let mut workbook: Xlsx<_> = calamine::open_workbook(out.join("索引.xlsx")).unwrap();
    let range = workbook.worksheet_range("索引").unwrap();
    assert!(
        range.rows().any(
            |r| r[0].to_string() == format!("3.3 {}", hostile.trim_end())
                || r[0].to_string() == format!("3.3 {hostile}")
        ),
        "the full name"
    );
}

#[test]
fn a_binder_that_cannot_be_written_writes_nothing() {
    let ledger = ledger_with_returns();
    let before = std::fs::read(&ledger.path).unwrap();
    // A folder with something in it, without --add.
    let full = ledger.dir.path().join("已有");
    std::fs::create_dir(&full).unwrap();
    std::fs::write(full.join("她的文件.docx"), b"x").unwrap();
    let refused = binder(&ledger.path, &full, &[]);
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("里已有文件"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(std::fs::read_dir(&full).unwrap().count(), 1);
    // The ledger itself, a folder in the backups, a missing parent, a read-only place.
    std::fs::create_dir_all(ledger.dir.path().join("backups")).unwrap();
    for (out, says) in [
        (ledger.path.clone(), "台账文件"),
        (ledger.dir.path().join("backups/台账"), "备份文件夹"),
        (ledger.dir.path().join("没有/台账"), "不存在"),
        (Path::new("/proc/taizhang-binder").to_owned(), "无法"),
    ] {
        let output = binder(&ledger.path, &out, &[]);
        assert!(!output.status.success(), "{}", out.display());
        assert!(
            stderr(&output).contains(says),
            "{}: {}",
            out.display(),
            stderr(&output)
        );
        assert!(!out.is_dir(), "{}", out.display());
        assert_eq!(std::fs::read(&ledger.path).unwrap(), before);
    }
    // Told to add: written beside her file, which stays.
    let added = binder(&ledger.path, &full, &["--add"]);
    assert!(added.status.success(), "{}", stderr(&added));
    assert_eq!(std::fs::read(full.join("她的文件.docx")).unwrap(), b"x");
    assert!(full.join("索引.xlsx").is_file());
    // Adding again writes no second copy of what is there.
    let count = tree(&full).len();
    assert!(binder(&ledger.path, &full, &["--add"]).status.success());
    assert_eq!(tree(&full).len(), count);
    assert_eq!(std::fs::read(&ledger.path).unwrap(), before);
}

#[test]
fn a_plan_without_returns_gets_a_binder_that_says_so() {
    let ledger = TempLedger::new();
    assert!(
        taizhang(&["--db", arg(&ledger.path), "plan"])
            .status
            .success()
    );
    let out = ledger.dir.path().join("督察台账");
    let output = binder(&ledger.path, &out, &[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["returns_received"], 0);
    let text = std::fs::read(out.join("1.1 完成农用地土壤污染状况详查/报送内容.txt")).unwrap();
    let text = String::from_utf8(text[3..].to_vec()).unwrap();
    assert!(text.contains("本年度尚无该任务责任单位的报送"), "{text}");
    assert!(text.contains("2019年7月 融水生态环境局（未报）"), "{text}");
}

#[test]
fn the_plan_page_writes_the_binder() {
    let ledger = ledger_with_returns();
    let today = chrono::NaiveDate::from_ymd_opt(2020, 1, 10).unwrap();
    let mut harness = common::start_app(&ledger.path, today, [1280.0, 860.0]);
    common::click(&mut harness, "工作计划");
    common::click(&mut harness, "导出督察台账");
    let out = ledger
        .dir
        .path()
        .join("exports")
        .join("督察台账")
        .join("2019年度督察台账");
    common::run_until(&mut harness, |h| {
        h.state()
            .messages()
            .iter()
            .any(|(_, text)| text.contains("已写出督察台账"))
    });
    assert!(out.join("索引.xlsx").is_file());
    assert!(out.join("索引.pdf").is_file());
    assert!(out.join("3.3 全面管控农业面源污染").is_dir());
}
