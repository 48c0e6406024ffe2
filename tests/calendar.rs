//! The deadline calendar: every dated item with its light, through the headless command and
//! the window.
#![expect(clippy::unwrap_used)]

mod common;

use common::click;

use std::path::Path;
use std::process::Command;

use chrono::NaiveDate;
use common::TempLedger;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use serde_json::Value;
use taizhang::store::Ledger;
use taizhang::ui::{Page, TaizhangApp};

fn deadlines(db: &Path, today: &str, from: &str, to: &str) -> Value {
    let output = Command::new(env!("CARGO_BIN_EXE_taizhang"))
        .args([
            "--db",
            db.to_str().unwrap(),
            "--today",
            today,
            "deadlines",
            "--from",
            from,
            "--to",
            to,
            "--json",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn items_of<'a>(result: &'a Value, kind: &str) -> Vec<&'a Value> {
    result["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == kind)
        .collect()
}

#[test]
fn the_year_holds_every_milestone_due_date_and_quarterly_report() {
    let temp = TempLedger::new();
    let result = deadlines(&temp.path, "2019-06-25", "2019-01-01", "2020-01-31");
    assert_eq!(result["from"], "2019-01-01");
    let milestones = items_of(&result, "milestone");
    assert_eq!(milestones.len(), 8);
    let due: Vec<&str> = items_of(&result, "return_due")
        .iter()
        .map(|i| i["date"].as_str().unwrap())
        .collect();
    assert_eq!(
        due,
        // On rest days moved to the next working day (3 August 2019 a Saturday, 3 October
        // inside 国庆, 3 November a Sunday).
        [
            "2019-07-03",
            "2019-08-05",
            "2019-09-03",
            "2019-10-08",
            "2019-11-04",
            "2019-12-03",
            "2020-01-03"
        ]
    );
    let quarterly: Vec<&str> = items_of(&result, "quarterly_report")
        .iter()
        .map(|i| i["date"].as_str().unwrap())
        .collect();
    assert_eq!(quarterly, ["2019-07-03", "2019-10-08", "2020-01-03"]);

    // On 25 June the two 30 June milestones are due soon; later ones are upcoming.
    let june_30: Vec<&&Value> = milestones
        .iter()
        .filter(|m| m["date"] == "2019-06-30")
        .collect();
    assert_eq!(june_30.len(), 2);
    assert_eq!(june_30[0]["task"], "1.1");
    assert_eq!(june_30[1]["task"], "1.2");
    assert!(june_30.iter().all(|m| m["state"] == "due_soon"));
    assert!(
        june_30[0]["departments"]
            .as_array()
            .unwrap()
            .contains(&Value::from("融水生态环境局"))
    );
    let december: Vec<&&Value> = milestones
        .iter()
        .filter(|m| m["date"] == "2019-12-31")
        .collect();
    assert!(december.iter().all(|m| m["state"] == "upcoming"));

    // On 1 July they are overdue until marked done.
    let result = deadlines(&temp.path, "2019-07-01", "2019-06-30", "2019-06-30");
    assert!(
        result["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["state"] == "overdue")
    );
    {
        let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
        let plan = ledger.focused_plan().unwrap();
        let milestone = plan.tasks().next().unwrap().milestones[0].id;
        ledger
            .set_milestone_done(milestone, NaiveDate::from_ymd_opt(2019, 7, 1), "已入库")
            .unwrap();
    }
    let result = deadlines(&temp.path, "2019-07-01", "2019-06-30", "2019-06-30");
    let states: Vec<&str> = result["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["done", "overdue"]);
}

#[test]
fn due_dates_on_weekends_and_holidays_move_when_the_setting_says_so() {
    let temp = TempLedger::new();
    {
        let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
        let mut settings = ledger.settings().unwrap();
        settings.shift_due_dates = true;
        ledger.update_settings(&settings).unwrap();
        ledger
            .add_calendar_item(
                NaiveDate::from_ymd_opt(2019, 8, 20).unwrap(),
                "省级督察组现场检查",
                &["县农业农村局".to_owned()],
            )
            .unwrap();
    }
    let result = deadlines(&temp.path, "2019-08-01", "2019-08-01", "2019-10-31");
    let due = items_of(&result, "return_due");
    // 3 August 2019 is a Saturday; 3 October falls in the National Day break.
    assert_eq!(due[0]["date"], "2019-08-05");
    assert_eq!(due[0]["nominal_date"], "2019-08-03");
    assert_eq!(due[1]["date"], "2019-09-03");
    assert_eq!(due[1]["nominal_date"], Value::Null);
    assert_eq!(due[2]["date"], "2019-10-08");
    let custom = items_of(&result, "custom");
    assert_eq!(custom.len(), 1);
    assert_eq!(custom[0]["title"], "省级督察组现场检查");

    // The moved due date also moves the return states: on 5 August July is not yet late.
    let output = Command::new(env!("CARGO_BIN_EXE_taizhang"))
        .args([
            "--db",
            temp.path.to_str().unwrap(),
            "--today",
            "2019-08-05",
            "status",
            "--period",
            "2019-07",
            "--json",
        ])
        .output()
        .unwrap();
    let status: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status["due"], "2019-08-05");
    let agriculture = status["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "县农业农村局")
        .unwrap()
        .clone();
    assert_eq!(agriculture["state"], "not_due");
}

#[test]
fn bad_ranges_are_refused() {
    let temp = TempLedger::new();
    for args in [
        vec!["deadlines", "--from", "2019-07-01"],
        vec!["deadlines", "--from", "2019-07-01", "--to", "2019-06-01"],
        vec!["deadlines", "--from", "2019-13-01", "--to", "2019-12-01"],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_taizhang"))
            .args(["--db", temp.path.to_str().unwrap()])
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
    }
}

fn start(path: &Path, today: NaiveDate) -> Harness<'static, TaizhangApp> {
    common::start_app(path, today, [1400.0, 1000.0])
}

#[test]
fn the_home_page_warns_of_the_30_june_milestones_and_then_shows_them_overdue() {
    let temp = TempLedger::new();
    {
        let harness = start(&temp.path, NaiveDate::from_ymd_opt(2019, 6, 25).unwrap());
        assert_eq!(harness.state().page(), Page::Home);
        // The two 30 June milestones, the June returns due 3 July and the quarterly report.
        // This week (to Sunday 30 June): the two 30 June milestones; the fortnight after: the
        // June returns due 3 July and the quarterly report.
        harness.get_by_label_contains("本周到期（2019年6月25日至2019年6月30日，2 项）");
        harness.get_by_label_contains("下周起至2019年7月14日到期（2 项）");
        harness.get_by_label_contains("1.1 6月底前：完成水稻、土壤样品的入库工作");
        harness.get_by_label_contains("已逾期（0）");
    }
    let harness = start(&temp.path, NaiveDate::from_ymd_opt(2019, 7, 1).unwrap());
    harness.get_by_label_contains("已逾期（2）");
}

#[test]
fn clicking_30_june_lists_its_milestones_and_marking_one_done_turns_it_green() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path, NaiveDate::from_ymd_opt(2019, 6, 25).unwrap());
    click(&mut harness, "日历");
    click(&mut harness, "30");
    harness.get_by_label("2019年6月30日");
    harness.get_by_label("1.1 6月底前：完成水稻、土壤样品的入库工作");
    harness.get_by_label("1.2 6月底前：对已完成的基础信息调查工作进行系统的质量评估和提升完善");
    assert_eq!(harness.query_all_by_label(" 临近 ").count(), 2);
    harness.get_all_by_label("标记完成").next().unwrap().click();
    harness.run();
    assert_eq!(harness.query_all_by_label(" 已完成 ").count(), 1);
    assert_eq!(harness.query_all_by_label(" 临近 ").count(), 1);
    let data = harness.state().data().unwrap();
    let milestone = &data.plan.tasks().next().unwrap().milestones[0];
    assert_eq!(milestone.done_on, NaiveDate::from_ymd_opt(2019, 6, 25));
    // The lead department links to its page.
    harness
        .get_all_by_label("融水生态环境局")
        .next()
        .unwrap()
        .click();
    harness.run();
    assert_eq!(harness.state().page(), Page::Departments);
}

/// The year view marks a weekend worked by 调休 (29 September 2019, a Sunday) as the month
/// view does.
#[test]
fn the_year_view_marks_makeup_working_days() {
    use egui_kittest::kittest::Queryable as _;
    let temp = common::TempLedger::new();
    let mut harness = common::start_app(&temp.path, common::today(), [1400.0, 1000.0]);
    common::click(&mut harness, "日历");
    harness.get_by_label("年视图").click();
    harness.run();
    harness.get_by_label("29班");
    harness.get_by_label("12班");
    assert!(
        harness.query_by_label("13班").is_none(),
        "a plain weekend is not marked"
    );
}

/// Each event of the exported `.ics` and the reminder it carries.
fn events(ics: &str) -> Vec<(NaiveDate, Option<String>)> {
    ics.split("BEGIN:VEVENT\r\n")
        .skip(1)
        .map(|event| {
            let field = |name: &str| {
                event
                    .lines()
                    .find_map(|line| line.strip_prefix(name))
                    .map(str::to_owned)
            };
            let day = NaiveDate::parse_from_str(&field("DTSTART;VALUE=DATE:").unwrap(), "%Y%m%d")
                .unwrap();
            (day, field("TRIGGER;RELATED=START:"))
        })
        .collect()
}

/// The day and hour a relative trigger rings, for an all-day event on `day`.
fn rings_on(day: NaiveDate, trigger: &str) -> (NaiveDate, i64) {
    let rest = trigger.strip_prefix("-P").unwrap();
    let (days, time) = rest.split_once('T').unwrap();
    let days: i64 = days.strip_suffix('D').map_or(0, |d| d.parse().unwrap());
    let hours: i64 = time.strip_suffix('H').unwrap().parse().unwrap();
    let before = chrono::Duration::days(days) + chrono::Duration::hours(hours);
    let at = day.and_hms_opt(0, 0, 0).unwrap() - before;
    (at.date(), i64::from(chrono::Timelike::hour(&at)))
}

#[test]
fn the_calendar_file_reminds_the_working_day_before_each_due_date_and_milestone() {
    let temp = TempLedger::new();
    let ics_path = temp.dir.path().join("日程.ics");
    let output = common::taizhang(&[
        "--db",
        common::arg(&temp.path),
        "--today",
        "2019-06-25",
        "deadlines",
        "--from",
        "2019-01-01",
        "--to",
        "2019-12-31",
        "--ics",
        common::arg(&ics_path),
        "--json",
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(result["ics"], ics_path.display().to_string());
    let ics = std::fs::read_to_string(&ics_path).unwrap();
    let events = events(&ics);
    let items = result["items"].as_array().unwrap();
    assert_eq!(events.len(), items.len());
    let open = items.iter().filter(|i| i["state"] != "done").count();
    assert!(
        open > 10,
        "the 2019 example has its milestones and due dates open"
    );
    assert_eq!(ics.matches("BEGIN:VALARM").count(), open);

    let calendar = taizhang::holidays::HolidayCalendar::bundled().unwrap();
    for (day, trigger) in &events {
        let Some(trigger) = trigger else { continue };
        let (rings, hour) = rings_on(*day, trigger);
        assert_eq!(hour, 9, "{day}: {trigger}");
        assert!(rings < *day, "{day}: {trigger}");
        assert!(
            calendar.is_working_day(rings),
            "{day} rings on {rings}, a day off"
        );
        let mut between = rings.succ_opt().unwrap();
        while between < *day {
            assert!(
                !calendar.is_working_day(between),
                "{day} rings on {rings}, but {between} is a working day nearer to it"
            );
            between = between.succ_opt().unwrap();
        }
    }
    // The 30 June 2019 milestones fall on a Sunday: the reminder is Friday 28 June.
    let june = events
        .iter()
        .find(|(day, _)| *day == NaiveDate::from_ymd_opt(2019, 6, 30).unwrap())
        .unwrap();
    assert_eq!(june.1.as_deref(), Some("-P1DT15H"));
    // After 国庆: an item on 8 October rings on Monday 30 September.
    assert_eq!(
        rings_on(NaiveDate::from_ymd_opt(2019, 10, 8).unwrap(), "-P7DT15H").0,
        NaiveDate::from_ymd_opt(2019, 9, 30).unwrap()
    );
}

#[test]
fn a_calendar_file_over_the_ledger_or_a_folder_is_refused_and_nothing_changes() {
    let temp = TempLedger::new();
    deadlines(&temp.path, "2019-06-25", "2019-01-01", "2019-12-31");
    let before = std::fs::read(&temp.path).unwrap();
    for target in [temp.path.clone(), temp.dir.path().to_path_buf()] {
        let output = common::taizhang(&[
            "--db",
            common::arg(&temp.path),
            "--today",
            "2019-06-25",
            "deadlines",
            "--from",
            "2019-01-01",
            "--to",
            "2019-12-31",
            "--ics",
            common::arg(&target),
        ]);
        assert!(!output.status.success());
        assert!(!common::stderr(&output).is_empty());
    }
    assert_eq!(std::fs::read(&temp.path).unwrap(), before);
}

/// With two plans in play, the window's 导出到手机日历 holds what `deadlines --ics` holds over
/// the same days: every plan's items, each led by its plan's name, the user's own once.
#[test]
fn the_windows_calendar_file_holds_every_plan_in_play_as_the_command_does() {
    let temp = TempLedger::new();
    let db = common::arg(&temp.path).to_owned();
    let carried = Command::new(env!("CARGO_BIN_EXE_taizhang"))
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
    assert!(carried.status.success(), "{}", common::stderr(&carried));
    let today = NaiveDate::from_ymd_opt(2019, 12, 28).unwrap();
    let mut harness = common::start_app(&temp.path, today, [1280.0, 900.0]);
    click(&mut harness, "日历");
    click(&mut harness, "导出到手机日历（.ics）");
    let window = std::fs::read_to_string(temp.dir.path().join("exports/台账日程.ics")).unwrap();
    drop(harness);
    let path = temp.dir.path().join("命令.ics");
    let output = Command::new(env!("CARGO_BIN_EXE_taizhang"))
        .args(["--db", &db, "--today", "2019-12-28", "deadlines"])
        .args(["--from", "2000-01-01", "--to", "2100-12-31", "--ics"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", common::stderr(&output));
    let command = std::fs::read_to_string(&path).unwrap();
    let summaries = |ics: &str| -> Vec<String> {
        ics.lines()
            .filter(|l| l.starts_with("SUMMARY:"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(summaries(&window), summaries(&command));
    assert!(
        summaries(&window).iter().any(|s| s.contains("〔2019年")),
        "{window}"
    );
    assert!(
        summaries(&window).iter().any(|s| s.contains("〔2020年")),
        "{window}"
    );
}
