//! A ledger that runs from the 2019 plan into 2020: the turn of the year, a carried plan
//! replaced by the real one with its returns kept, several plans at once, departments renamed
//! and merged. Driven through the headless commands, checked in the ledger.
#![expect(clippy::unwrap_used)]

mod common;

use common::{TempLedger, arg, taizhang};
use serde_json::Value;
use taizhang::store::Ledger;

fn run(db: &std::path::Path, today: &str, args: &[&str]) -> Value {
    let mut all = vec!["--db", arg(db), "--today", today];
    all.extend_from_slice(args);
    let output = taizhang(&all);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        common::stderr(&output)
    );
    serde_json::from_slice(&output.stdout).unwrap_or(Value::Null)
}

fn fails(db: &std::path::Path, today: &str, args: &[&str]) -> String {
    let mut all = vec!["--db", arg(db), "--today", today];
    all.extend_from_slice(args);
    let output = taizhang(&all);
    assert!(!output.status.success(), "{args:?} should fail");
    common::stderr(&output)
}

/// A department's return for a month, from an e-mail body saved as text.
fn send(db: &std::path::Path, dir: &std::path::Path, department: &str, period: &str, rows: &str) {
    let file = dir.join(format!("{department}-{period}.txt"));
    std::fs::write(&file, format!("{department}{period}进展情况\n{rows}\n")).unwrap();
    let (year, month): (i32, u32) = (period[..4].parse().unwrap(), period[5..].parse().unwrap());
    let received = if month == 12 {
        format!("{}-01-02", year + 1)
    } else {
        format!("{year}-{:02}-02", month + 1)
    };
    let result = run(
        db,
        &received,
        &[
            "import-email",
            arg(&file),
            "--department",
            department,
            "--period",
            period,
            "--received",
            &received,
            "--json",
        ],
    );
    assert_eq!(result["error"], Value::Null, "{result}");
    assert!(
        result["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["imported"] == true),
        "{result}"
    );
}

fn plans(db: &std::path::Path, today: &str) -> Vec<Value> {
    run(db, today, &["plans", "--json"])["plans"]
        .as_array()
        .unwrap()
        .clone()
}

fn department_state(status: &Value, name: &str) -> Value {
    status["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("{name} not in {status}"))
}

#[test]
fn on_the_second_of_january_december_and_the_fourth_quarter_are_due_under_the_old_plan() {
    let temp = TempLedger::new();
    let db = &temp.path;
    send(
        db,
        temp.dir.path(),
        "县农业农村局",
        "2019-11",
        "2.1 产粮（油）大县制定土壤环境保护方案：方案已印发。",
    );
    let carried = run(
        db,
        "2019-12-28",
        &["carry-forward", "--shift-dates", "--json"],
    );
    assert_eq!(carried["year"], 2020);
    assert_eq!(carried["kind"], "carried");
    assert!(carried["form_rows"].as_u64().unwrap() > 20);

    let listed = plans(db, "2020-01-02");
    assert_eq!(listed.len(), 2);
    let (old, new) = (&listed[0], &listed[1]);
    assert_eq!(old["year"], 2019);
    assert_eq!(new["year"], 2020);
    assert_eq!(new["current"], true);
    assert_eq!(new["periods"][0], "2020-01");
    assert_eq!(new["periods"][11], "2020-12");
    assert_eq!(old["in_play"], true, "{old}");
    assert_eq!(new["in_play"], true, "{new}");
    assert!(new["label"].as_str().unwrap().contains("沿用上年"));

    let deadlines = run(
        db,
        "2020-01-02",
        &[
            "deadlines",
            "--from",
            "2020-01-01",
            "--to",
            "2020-01-31",
            "--json",
        ],
    );
    let items = deadlines["items"].as_array().unwrap();
    let due = |kind: &str| {
        items
            .iter()
            .find(|i| i["kind"] == kind && i["plan"] == old["id"])
            .unwrap_or_else(|| panic!("no {kind} of the 2019 plan in {items:#?}"))
            .clone()
    };
    let december = due("return_due");
    assert_eq!(december["date"], "2020-01-03");
    assert_eq!(december["state"], "due_soon");
    assert!(december["title"].as_str().unwrap().contains("12月"));
    assert_eq!(due("quarterly_report")["date"], "2020-01-03");
    assert!(
        december["plan_label"].as_str().unwrap().contains("2019"),
        "{december}"
    );

    // December's status is the 2019 plan's without naming it; January's the 2020 plan's.
    let status = run(
        db,
        "2020-01-02",
        &["status", "--period", "2019-12", "--json"],
    );
    assert_eq!(status["due"], "2020-01-03");
    let status = run(
        db,
        "2020-02-05",
        &["status", "--period", "2020-01", "--json"],
    );
    assert_eq!(status["due"], "2020-02-03");
    assert_eq!(
        department_state(&status, "县农业农村局")["state"],
        "missing"
    );

    // Once the year's returns and reports are over and done with the old plan stays in
    // the list but is no longer in play; a past year's plan never is.
    let later = plans(db, "2021-03-01");
    assert!(
        later
            .iter()
            .all(|p| p["in_play"] == false || p["year"] == 2020)
    );
}

/// The seed document moved to 2020, its task （三）1.（3） dropped: the real 2020 plan.
fn plan_2020() -> String {
    let seed = include_str!("fixtures/rongshui-2019-soil-plan.txt");
    let start = seed.find("（3）扎实推进涉镉污染源排查整治").unwrap();
    let end = seed.find("（4）不断强化工业固体废物处理处置").unwrap();
    let mut text = String::new();
    text.push_str(&seed[..start]);
    text.push_str(&seed[end..].replacen("（4）不断强化", "（3）不断强化", 1));
    text.replace("2019", "2020").replace("2018", "2019")
}

#[test]
fn a_carried_plan_replaced_by_the_real_one_keeps_its_returns_on_the_matched_rows() {
    let temp = TempLedger::new();
    let db = &temp.path;
    let carried = run(
        db,
        "2019-12-28",
        &["carry-forward", "--all-tasks", "--json"],
    );
    let carried_id = carried["plan_id"].as_i64().unwrap();

    // The coordinator edits the draft: a task's title.
    {
        let (mut ledger, _) = Ledger::open(db).unwrap();
        let plan = ledger.focused_plan().unwrap();
        assert_eq!(plan.id, carried_id);
        let task = plan.tasks().find(|t| t.code == "1.1").unwrap();
        let mut edit = taizhang::store::TaskEdit::from_task(task);
        edit.title = "完成农用地土壤污染状况详查成果应用".to_owned();
        ledger.update_task(&edit).unwrap();
    }
    // January to May: 县公安局 reports on the task it leads (3.1.4 in the carried plan),
    // 县农业农村局 on its form rows.
    for month in 1..=5 {
        let period = format!("2020-{month:02}");
        send(
            db,
            temp.dir.path(),
            "县公安局",
            &period,
            &format!("3.1.4 不断强化工业固体废物处理处置：{month}月开展联合执法检查{month}次。"),
        );
        send(
            db,
            temp.dir.path(),
            "县农业农村局",
            &period,
            &format!("2.1 产粮（油）大县制定土壤环境保护方案：{month}月推进落实。"),
        );
    }
    let before: Vec<Value> = (1..=5)
        .map(|m| {
            run(
                db,
                "2020-06-20",
                &["status", "--period", &format!("2020-{m:02}"), "--json"],
            )
        })
        .collect();
    assert_eq!(department_state(&before[2], "县公安局")["rows_filled"], 1);

    let file = temp.dir.path().join("2020年计划.txt");
    std::fs::write(&file, plan_2020()).unwrap();
    let dry = run(
        db,
        "2020-06-20",
        &["import-plan", arg(&file), "--dry-run", "--json"],
    );
    assert_eq!(dry["replaces"], carried_id);
    let matches = dry["matches"].as_array().unwrap();
    let matched = |code: &str| {
        matches
            .iter()
            .find(|m| m["code"] == code)
            .unwrap_or_else(|| panic!("{code} in {matches:#?}"))["carried_code"]
            .clone()
    };
    assert_eq!(matched("3.1.3"), "3.1.4");
    assert_eq!(matched("1.1"), "1.1");
    assert_eq!(matched("2.1"), "2.1");
    assert_eq!(dry["closing"], serde_json::json!(["3.1.3"]));

    let stored = run(db, "2020-06-20", &["import-plan", arg(&file), "--json"]);
    assert_eq!(stored["plan_id"], carried_id);
    assert_eq!(stored["kind"], "imported");
    assert_eq!(stored["issued_on"], "2020-06-15");
    let listed = plans(db, "2020-06-20");
    let replaced = listed.iter().find(|p| p["id"] == carried_id).unwrap();
    assert_eq!(replaced["kind"], "imported");
    assert_eq!(replaced["periods"][0], "2020-01", "{replaced}");
    assert_eq!(listed.len(), 2, "no third plan: {listed:#?}");

    // Every month's state is as it was, the police's row now under the task's new code.
    for (m, earlier) in (1..=5).zip(&before) {
        let now = run(
            db,
            "2020-06-20",
            &["status", "--period", &format!("2020-{m:02}"), "--json"],
        );
        for name in ["县公安局", "县农业农村局"] {
            let (a, b) = (
                department_state(earlier, name),
                department_state(&now, name),
            );
            assert_eq!(a["state"], b["state"], "{name} {m}");
            assert_eq!(a["received"], b["received"], "{name} {m}");
            assert_eq!(a["rows_filled"], b["rows_filled"], "{name} {m}");
        }
    }
    let (ledger, _) = Ledger::open(db).unwrap();
    let plan = ledger.plan(carried_id).unwrap();
    let police_task = plan.tasks().find(|t| t.code == "3.1.3").unwrap();
    assert!(police_task.title.contains("固体废物"));
    let returns = ledger.plan_returns(carried_id, None).unwrap();
    let police_id = ledger
        .departments()
        .unwrap()
        .iter()
        .find(|d| d.name == "县公安局")
        .unwrap()
        .id;
    let police: Vec<&taizhang::returns::ReturnRecord> = returns
        .iter()
        .filter(|r| r.department_id == police_id)
        .collect();
    assert_eq!(police.len(), 5);
    for record in police {
        let row = record
            .row(taizhang::returns::RowKey::Task(police_task.id))
            .expect("the row stays on the matched task");
        assert!(row.progress.contains("联合执法检查"), "{}", row.progress);
    }
    // The task that did not continue is closed, with its last state.
    let closed = plan
        .tasks()
        .find(|t| t.code == "沿用3.1.3")
        .expect("the dropped task is kept, closed");
    assert_eq!(
        closed.closed_on,
        chrono::NaiveDate::from_ymd_opt(2020, 6, 20)
    );
    assert!(closed.title.contains("涉镉"));
    assert!(!plan.open_tasks().any(|t| t.id == closed.id));
}

#[test]
fn a_renamed_and_a_merged_department_keep_their_history() {
    let temp = TempLedger::new();
    let db = &temp.path;
    send(
        db,
        temp.dir.path(),
        "县住建局",
        "2019-07",
        "1.11 建筑垃圾：住建局7月完成排查。",
    );
    send(
        db,
        temp.dir.path(),
        "县城管执法局",
        "2019-07",
        "1.11 建筑垃圾：城管7月清运2处。",
    );
    send(
        db,
        temp.dir.path(),
        "县城管执法局",
        "2019-08",
        "1.11 建筑垃圾：城管8月清运3处。",
    );

    // 机构改革: renamed, the old name still finds it.
    let output = taizhang(&[
        "--db",
        arg(db),
        "rename-department",
        "县住建局",
        "县住房和城乡建设局",
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    send(
        db,
        temp.dir.path(),
        "县住建局",
        "2019-09",
        "1.11 建筑垃圾：9月巡查。",
    );
    let status = run(
        db,
        "2019-10-05",
        &["status", "--period", "2019-07", "--json"],
    );
    let renamed = department_state(&status, "县住房和城乡建设局");
    assert_eq!(renamed["state"], "on_time");

    // Merged: 城管's returns go with it; a month both sent keeps both texts.
    let output = taizhang(&[
        "--db",
        arg(db),
        "merge-departments",
        "县城管执法局",
        "县住房和城乡建设局",
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let status = run(
        db,
        "2019-10-05",
        &["status", "--period", "2019-08", "--json"],
    );
    assert_eq!(
        department_state(&status, "县住房和城乡建设局")["state"],
        "on_time"
    );
    assert!(
        !status["departments"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["name"] == "县城管执法局")
    );
    let (ledger, _) = Ledger::open(db).unwrap();
    let merged = ledger
        .departments()
        .unwrap()
        .into_iter()
        .find(|d| d.name == "县住房和城乡建设局")
        .unwrap();
    assert!(merged.aliases.contains(&"县住建局".to_owned()));
    assert!(merged.aliases.contains(&"县城管执法局".to_owned()));
    let returns = ledger.returns(None).unwrap();
    let july = returns
        .iter()
        .find(|r| r.department_id == merged.id && r.period.to_string() == "2019-07")
        .unwrap();
    let row = &july.rows[0];
    let history = ledger.row_history(row.id).unwrap();
    let texts: Vec<&str> = std::iter::once(row.progress.as_str())
        .chain(history.iter().map(|h| h.progress.as_str()))
        .collect();
    assert!(texts.iter().any(|t| t.contains("住建局7月")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("城管7月")), "{texts:?}");
    assert_eq!(
        returns
            .iter()
            .filter(|r| r.department_id == merged.id)
            .count(),
        3
    );
}

#[test]
fn two_plans_of_one_year_are_named_when_a_month_is_ambiguous_and_chased_together() {
    let temp = TempLedger::new();
    let db = &temp.path;
    let carried = run(db, "2019-12-28", &["carry-forward", "--json"]);
    let soil = carried["plan_id"].as_i64().unwrap();
    let water = temp.dir.path().join("水污染防治.txt");
    std::fs::write(
        &water,
        "融水县2020年水污染防治工作计划\n一、重点任务\n（一）饮用水水源保护\n1．开展县级饮用水水源地环境问题排查整治，2020年6月底前完成。（融水生态环境局牵头，县水利局、县农业农村局参与）\n2．推进农村黑臭水体治理。（县住建局牵头，融水生态环境局参与）\n",
    )
    .unwrap();
    let imported = run(
        db,
        "2020-01-10",
        &["import-plan", arg(&water), "--new", "--json"],
    );
    let water_id = imported["plan_id"].as_i64().unwrap();
    assert_ne!(water_id, soil);

    let error = fails(
        db,
        "2020-04-05",
        &["status", "--period", "2020-03", "--json"],
    );
    assert!(error.contains("--plan"), "{error}");
    assert!(error.contains(&format!("--plan {soil}")), "{error}");
    assert!(error.contains(&format!("--plan {water_id}")), "{error}");
    let soil_status = run(
        db,
        "2020-04-05",
        &[
            "status",
            "--period",
            "2020-03",
            "--plan",
            &soil.to_string(),
            "--json",
        ],
    );
    assert!(soil_status["departments"].as_array().unwrap().len() > 5);
    let water_status = run(
        db,
        "2020-04-05",
        &[
            "status",
            "--period",
            "2020-03",
            "--plan",
            &water_id.to_string(),
            "--json",
        ],
    );
    // The water plan has no form: its departments report on the tasks they lead.
    assert_eq!(
        department_state(&water_status, "县住建局")["rows_expected"],
        1
    );

    // 融水生态环境局 owes March under both plans: one message covers both.
    let chase = run(
        db,
        "2020-04-10",
        &["chase", "--period", "2020-03", "--json"],
    );
    let agency = chase["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "融水生态环境局")
        .unwrap();
    let message = agency["message"].as_str().unwrap();
    assert!(message.contains("水污染防治"), "{message}");
    assert!(message.contains("沿用上年"), "{message}");

    // Closing the water plan takes it off: the month is the soil plan's again.
    run(
        db,
        "2020-04-10",
        &["close-plan", "--plan", &water_id.to_string(), "--json"],
    );
    run(
        db,
        "2020-04-10",
        &["status", "--period", "2020-03", "--json"],
    );
    let deadlines = run(
        db,
        "2020-04-10",
        &[
            "deadlines",
            "--from",
            "2020-06-01",
            "--to",
            "2020-06-30",
            "--json",
        ],
    );
    assert!(
        deadlines["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["plan"] != water_id)
    );
}

/// A task the real plan leaves out is closed: owed for the months before, not after.
#[test]
fn a_closed_task_is_owed_before_it_was_closed_and_not_after() {
    let temp = TempLedger::new();
    let db = &temp.path;
    run(
        db,
        "2019-12-28",
        &["carry-forward", "--all-tasks", "--json"],
    );
    for month in 1..=3 {
        send(
            db,
            temp.dir.path(),
            "县公安局",
            &format!("2020-{month:02}"),
            "3.1.4 不断强化工业固体废物处理处置：开展联合执法检查。",
        );
    }
    // The 2020 plan without （三）1.（4）, the police's only task.
    let seed = include_str!("fixtures/rongshui-2019-soil-plan.txt");
    let start = seed.find("（4）不断强化工业固体废物处理处置").unwrap();
    let end = seed.find("2．严格控制重金属污染物排放总量").unwrap();
    let text = format!("{}{}", &seed[..start], &seed[end..])
        .replace("2019", "2020")
        .replace("2018", "2019");
    let file = temp.dir.path().join("2020.txt");
    std::fs::write(&file, text).unwrap();
    let stored = run(db, "2020-04-20", &["import-plan", arg(&file), "--json"]);
    assert_eq!(stored["closing"], serde_json::json!(["3.1.4"]));
    let march = run(
        db,
        "2020-04-20",
        &["status", "--period", "2020-03", "--json"],
    );
    let police = department_state(&march, "县公安局");
    assert_eq!(police["state"], "on_time", "{police}");
    assert_eq!(police["rows_filled"], 1);
    let may = run(
        db,
        "2020-06-20",
        &["status", "--period", "2020-05", "--json"],
    );
    assert_eq!(department_state(&may, "县公安局")["state"], "not_required");
}

/// The first start's own plan goes in the place of the blank one: its months run from its
/// issue, not from January.
#[test]
fn a_plan_replacing_a_blank_one_reports_from_its_issue() {
    let temp = TempLedger::new();
    let db = &temp.path;
    {
        let (mut ledger, _) = Ledger::open(db).unwrap();
        ledger.start_blank(2020).unwrap();
    }
    let file = temp.dir.path().join("2020年计划.txt");
    std::fs::write(&file, plan_2020()).unwrap();
    let stored = run(db, "2020-06-20", &["import-plan", arg(&file), "--json"]);
    assert!(stored["replaces"].is_i64(), "{stored}");
    let listed = plans(db, "2020-06-20");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["periods"][0], "2020-06");
    assert_eq!(listed[0]["kind"], "imported");
}

/// A December return arriving in February, without --period, is filed under last year's
/// plan, whose month it is.
#[test]
fn a_late_december_return_goes_to_last_years_plan() {
    let temp = TempLedger::new();
    let db = &temp.path;
    run(db, "2019-12-28", &["carry-forward", "--json"]);
    let out = temp.dir.path().join("templates");
    let output = taizhang(&[
        "--db",
        arg(db),
        "--today",
        "2020-01-02",
        "templates",
        "--period",
        "2019-12",
        "--out",
        arg(&out),
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let template = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("县农业农村局"))
        .unwrap();
    let filled = common::sheets::fill_first_row(&std::fs::read(&template).unwrap(), "已完成。");
    std::fs::write(&template, filled).unwrap();
    let result = run(
        db,
        "2020-02-10",
        &["import-returns", arg(&template), "--json"],
    );
    assert_eq!(result["period"], "2019-12", "{result}");
    let december = run(
        db,
        "2020-02-10",
        &["status", "--period", "2019-12", "--json"],
    );
    assert_eq!(department_state(&december, "县农业农村局")["state"], "late");
}

/// The same for a return sent by e-mail: its month, read from the body, picks the plan.
#[test]
fn a_late_december_e_mail_goes_to_last_years_plan() {
    let temp = TempLedger::new();
    let db = &temp.path;
    run(db, "2019-12-28", &["carry-forward", "--json"]);
    let body = temp.dir.path().join("农业农村局12月.txt");
    std::fs::write(
        &body,
        "县农业农村局2019年12月进展情况\n2.1 产粮（油）大县制定土壤环境保护方案：方案已印发实施。\n",
    )
    .unwrap();
    let result = run(
        db,
        "2020-02-10",
        &[
            "import-email",
            arg(&body),
            "--department",
            "县农业农村局",
            "--json",
        ],
    );
    assert_eq!(result["period"], "2019-12", "{result}");
    let december = run(
        db,
        "2020-02-10",
        &["status", "--period", "2019-12", "--json"],
    );
    let farming = department_state(&december, "县农业农村局");
    assert_eq!(farming["state"], "late", "{farming}");
    assert_eq!(farming["rows_filled"], 1);
}

/// A plan is carried forward when its year ends, not in July.
#[test]
fn a_plan_is_not_carried_forward_before_its_year_ends() {
    let temp = TempLedger::new();
    let db = &temp.path;
    let error = fails(db, "2019-07-01", &["carry-forward", "--json"]);
    assert!(error.contains("尚未结束"), "{error}");
    assert_eq!(plans(db, "2019-07-01").len(), 1);
    run(db, "2019-11-05", &["carry-forward", "--json"]);
    // Twice is refused while the first is there.
    let error = fails(
        db,
        "2019-11-06",
        &["carry-forward", "--from", "1", "--json"],
    );
    assert!(error.contains("已经从该计划沿用出"), "{error}");
}
