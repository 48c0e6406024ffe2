//! The headless commands, run as the real binary.
#![expect(clippy::unwrap_used)]

mod common;

use common::taizhang;

use common::TempLedger;
use serde_json::Value;

fn plan_json(temp: &TempLedger) -> Value {
    let output = taizhang(&["--db", temp.path.to_str().unwrap(), "plan", "--json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn plan_json_gives_the_seeded_plan() {
    let temp = TempLedger::new();
    let plan = plan_json(&temp);
    assert!(temp.path.exists(), "the missing ledger was created");
    assert_eq!(
        plan["title"],
        "2019年度融水苗族自治县土壤污染防治攻坚重点工作实施计划"
    );
    assert_eq!(plan["year"], 2019);
    assert_eq!(plan["document_number"], "融政办发〔2019〕84号");

    let tasks = plan["tasks"].as_array().unwrap();
    assert_eq!(tasks.len(), 23);
    let milestones: usize = tasks
        .iter()
        .map(|t| t["milestones"].as_array().unwrap().len())
        .sum();
    assert_eq!(milestones, 8);
    let first = &tasks[0];
    assert_eq!(first["code"], "1.1");
    assert_eq!(first["leads"], serde_json::json!(["融水生态环境局"]));
    assert_eq!(
        first["participants"],
        serde_json::json!(["县农业农村局", "县自然规划局"])
    );
    assert_eq!(first["milestones"][0]["date"], "2019-06-30");
    assert_eq!(first["milestones"][1]["date"], "2019-08-31");
    assert!(
        first["milestones"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("6月底前")
    );
    let codes: Vec<&str> = tasks.iter().map(|t| t["code"].as_str().unwrap()).collect();
    assert!(codes.contains(&"3.1.2") && codes.contains(&"2.2") && codes.contains(&"9"));
    let several = tasks.iter().find(|t| t["code"] == "4.3").unwrap();
    assert_eq!(
        several["leads"],
        serde_json::json!(["县发改局", "县林业局", "县农业农村局"])
    );
    let separately = tasks.iter().find(|t| t["code"] == "3.1.4").unwrap();
    assert_eq!(separately["leads"].as_array().unwrap().len(), 6);
    assert_eq!(separately["leads_separately"], true);

    let departments = plan["departments"].as_array().unwrap();
    let names: Vec<&str> = departments
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names.len(),
        23,
        "20 of the notes plus 3 the form's units add"
    );
    assert!(names.contains(&"县自然规划局") && names.contains(&"县委宣传部"));
    assert!(!names.contains(&"自然规划局"), "canonical names only");
    let planning = departments
        .iter()
        .find(|d| d["name"] == "县自然规划局")
        .unwrap();
    let aliases: Vec<&str> = planning["aliases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(aliases.contains(&"县自然资源和规划局"));

    let groups = plan["form"]["groups"].as_array().unwrap();
    let rows: Vec<&Value> = groups
        .iter()
        .flat_map(|g| g["rows"].as_array().unwrap())
        .collect();
    assert_eq!(rows.len(), 31);
    assert_eq!(rows[0]["code"], "1.1");
    assert_eq!(rows[30]["code"], "5.4");
    let row = rows.iter().find(|r| r["code"] == "1.11").unwrap();
    assert_eq!(
        row["units"],
        serde_json::json!(["市住房城乡建设局", "市城管执法局"])
    );
    assert_eq!(
        row["departments"],
        serde_json::json!(["县住建局", "县城管执法局"])
    );
}

#[test]
fn plan_without_json_prints_chinese_text() {
    let temp = TempLedger::new();
    let output = taizhang(&["--db", temp.path.to_str().unwrap(), "plan"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("1.1 完成农用地土壤污染状况详查"));
    assert!(text.contains("2019年6月30日"));
}

#[test]
fn unknown_commands_and_bad_arguments_print_usage_and_fail_without_writing() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap();
    for args in [
        vec!["--db", db, "frobnicate"],
        vec!["--db", db, "plan", "--xml"],
        vec!["--db", db, "--today", "2019-02-30", "plan"],
        vec!["--db"],
    ] {
        let output = taizhang(&args);
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains("用法"), "{stderr}");
        assert!(output.stdout.is_empty());
    }
    assert!(!temp.path.exists(), "nothing was written");
    let help = taizhang(&["--help"]);
    assert!(help.status.success());
    assert!(String::from_utf8(help.stdout).unwrap().contains("plan"));
}

#[test]
fn a_corrupt_ledger_gives_a_clear_message_and_stays_as_it_was() {
    let temp = TempLedger::new();
    std::fs::write(&temp.path, "这不是数据库".repeat(1000)).unwrap();
    let before = std::fs::read(&temp.path).unwrap();
    let output = taizhang(&["--db", temp.path.to_str().unwrap(), "plan", "--json"]);
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("已损坏"), "{stderr}");
    assert!(
        std::fs::read(&temp.path).unwrap() == before,
        "the file was changed"
    );
    let log = std::fs::read_to_string(temp.dir.path().join("taizhang.log")).unwrap();
    assert!(
        log.contains("已损坏"),
        "the error is logged beside the ledger"
    );
}

#[test]
fn status_json_shows_every_department_of_july_missing_the_day_after_its_due_day() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap();
    let output = taizhang(&[
        "--db",
        db,
        "--today",
        "2019-08-06",
        "status",
        "--period",
        "2019-07",
        "--json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let status: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status["period"], "2019-07");
    // 3 August 2019 is a Saturday: due on Monday.
    assert_eq!(status["due"], "2019-08-05");
    let departments = status["departments"].as_array().unwrap();
    assert_eq!(departments.len(), 23);
    let agriculture = departments
        .iter()
        .find(|d| d["name"] == "县农业农村局")
        .unwrap();
    assert_eq!(agriculture["state"], "missing");
    assert_eq!(agriculture["received"], Value::Null);
    assert_eq!(agriculture["rows_expected"], 6);
    assert_eq!(agriculture["rows_filled"], 0);
    let health = departments
        .iter()
        .find(|d| d["name"] == "县卫健局")
        .unwrap();
    assert_eq!(health["state"], "not_required");
    let missing = departments
        .iter()
        .filter(|d| d["state"] == "missing")
        .count();
    let not_required = departments
        .iter()
        .filter(|d| d["state"] == "not_required")
        .count();
    assert_eq!(missing + not_required, 23);

    // Before the due day the same month is not yet due; the default period is last month.
    let early = taizhang(&["--db", db, "--today", "2019-08-03", "status", "--json"]);
    let early: Value = serde_json::from_slice(&early.stdout).unwrap();
    assert_eq!(early["period"], "2019-07");
    let agriculture = early["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "县农业农村局")
        .unwrap()
        .clone();
    assert_eq!(agriculture["state"], "not_due");

    let bad = taizhang(&["--db", db, "status", "--period", "2019-7x"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn import_plan_dry_run_prints_the_plan_and_stores_nothing() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap();
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/rongshui-2019-soil-plan.txt"
    );
    let output = taizhang(&["--db", db, "import-plan", fixture, "--dry-run", "--json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(plan["document_number"], "融政办发〔2019〕84号");
    assert_eq!(plan["tasks"].as_array().unwrap().len(), 23);
    assert_eq!(plan["departments"].as_array().unwrap().len(), 20);
    assert_eq!(plan["warnings"], serde_json::json!([]));
    assert_eq!(plan["stored"], false);
    let milestones: usize = plan["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["milestones"].as_array().unwrap().len())
        .sum();
    assert_eq!(milestones, 8);
    let (ledger, _) = taizhang::store::Ledger::open(&temp.path).unwrap();
    assert_eq!(ledger.plans().unwrap().len(), 1, "a dry run stores nothing");
}

#[test]
fn import_plan_stores_a_gbk_file_as_the_new_current_plan() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap();
    let text = "2020年度融水苗族自治县土壤污染防治工作计划\n二、重点任务\n（一）农用地\n1．安全利用。9月底前完成。（县农业农村局牵头，县林业局参与）\n";
    let (gbk, _, _) = encoding_rs::GBK.encode(text);
    let file = temp.dir.path().join("计划2020.txt");
    std::fs::write(&file, &gbk).unwrap();
    let output = taizhang(&["--db", db, "import-plan", file.to_str().unwrap(), "--json"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(plan["stored"], true);
    assert_eq!(plan["year"], 2020);
    assert_eq!(plan["tasks"][0]["milestones"][0]["date"], "2020-09-30");
    assert_eq!(
        plan["form"]["groups"].as_array().unwrap().len(),
        5,
        "the form is carried over"
    );

    let (ledger, _) = taizhang::store::Ledger::open(&temp.path).unwrap();
    let plans = ledger.plans().unwrap();
    assert_eq!(plans.len(), 2);
    assert!(plans[1].is_current && !plans[0].is_current);
    let current = ledger.focused_plan().unwrap();
    assert_eq!(current.year, 2020);
    assert_eq!(
        current.tasks().next().unwrap().leads[0].name,
        "县农业农村局"
    );
    assert_eq!(current.form.rows().count(), 31);
    let json = taizhang(&["--db", db, "plan", "--json"]);
    let json: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json["year"], 2020);
}

#[test]
fn import_plan_refuses_garbage_and_writes_nothing() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap();
    drop(taizhang(&["--db", db, "plan"]));
    let before = std::fs::read(&temp.path).unwrap();
    let email = temp.dir.path().join("mail.txt");
    std::fs::write(&email, "张科长：\n附件是我局7月份的进展，请查收。\n李四").unwrap();
    let empty = temp.dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let binary = temp.dir.path().join("photo.jpg");
    std::fs::write(
        &binary,
        (0..5000_u32)
            .map(|i| (i * 91 % 256) as u8)
            .collect::<Vec<u8>>(),
    )
    .unwrap();
    for (file, message) in [
        (&email, "不像工作计划"),
        (&empty, "空的"),
        (&binary, "不是文本文件"),
    ] {
        let output = taizhang(&["--db", db, "import-plan", file.to_str().unwrap(), "--json"]);
        assert!(!output.status.success());
        assert!(output.stdout.is_empty());
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert!(stderr.contains(message), "{stderr}");
    }
    let (ledger, _) = taizhang::store::Ledger::open(&temp.path).unwrap();
    assert_eq!(ledger.plans().unwrap().len(), 1);
    drop(ledger);
    assert!(std::fs::read(&temp.path).unwrap().len() >= before.len());
}

#[test]
fn export_sheet_writes_both_files_and_reports_them() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap();
    let xlsx = temp.dir.path().join("重点工作进展-2019年7月.xlsx");
    let pdf = temp.dir.path().join("重点工作进展-2019年7月.pdf");
    let output = taizhang(&[
        "--db",
        db,
        "export-sheet",
        "--period",
        "2019-07",
        "--xlsx",
        xlsx.to_str().unwrap(),
        "--pdf",
        pdf.to_str().unwrap(),
        "--json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["period"], "2019-07");
    assert_eq!(result["rows"], 31);
    assert_eq!(result["xlsx"], xlsx.to_str().unwrap());
    assert_eq!(result["pdf"], pdf.to_str().unwrap());
    assert!(
        result["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("尚未报送"))
    );
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));

    // Only a PDF, and a period without --period is refused.
    let only_pdf = taizhang(&[
        "--db",
        db,
        "export-sheet",
        "--period",
        "2019-08",
        "--pdf",
        pdf.to_str().unwrap(),
        "--json",
    ]);
    let result: Value = serde_json::from_slice(&only_pdf.stdout).unwrap();
    assert_eq!(result["xlsx"], Value::Null);
    assert_eq!(
        taizhang(&["--db", db, "export-sheet"]).status.code(),
        Some(2)
    );
    // A folder that does not exist: a clear error, no partial file.
    let nowhere = temp.dir.path().join("no/such/dir/x.pdf");
    let failed = taizhang(&[
        "--db",
        db,
        "export-sheet",
        "--period",
        "2019-07",
        "--pdf",
        nowhere.to_str().unwrap(),
    ]);
    assert!(!failed.status.success());
    let stderr = String::from_utf8(failed.stderr).unwrap();
    assert!(
        stderr.contains("文件夹") && stderr.contains("不存在"),
        "{stderr}"
    );
}
