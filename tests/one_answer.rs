//! One answer everywhere: a walk through the 2019 plan's year and the turn into 2020 (month
//! ends, a due day on a Saturday, National Day, the Spring Festival, before and after carrying
//! forward and closing), checking that 首页, `deadlines`, `status`, `plans` and the 通报 say
//! the same of what is overdue, due this week, carried and due.
#![expect(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use chrono::{Datelike as _, NaiveDate};
use common::{TempLedger, arg, taizhang};
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use serde_json::Value;

fn run(db: &std::path::Path, today: NaiveDate, args: &[&str]) -> Value {
    let today = today.format("%Y-%m-%d").to_string();
    let mut all = vec!["--db", arg(db), "--today", &today];
    all.extend_from_slice(args);
    let output = taizhang(&all);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        common::stderr(&output)
    );
    serde_json::from_slice(&output.stdout).unwrap_or(Value::Null)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Every item `deadlines --json` lists, from long before to long after `today`.
fn all_items(db: &std::path::Path, today: NaiveDate) -> Vec<Value> {
    let json = run(
        db,
        today,
        &[
            "deadlines",
            "--from",
            "2018-01-01",
            "--to",
            "2021-12-31",
            "--json",
        ],
    );
    json["items"].as_array().unwrap().clone()
}

fn with_state<'a>(items: &'a [Value], state: &str) -> Vec<&'a Value> {
    items.iter().filter(|i| i["state"] == state).collect()
}

/// The number in a heading of 首页 such as `已逾期（8）` or `本周到期（…，3 项）`.
fn home_count(
    harness: &egui_kittest::Harness<'static, taizhang::ui::TaizhangApp>,
    starts: &str,
) -> usize {
    let node = harness.get_by_label_contains(starts);
    let label = node
        .accesskit_node()
        .label()
        .filter(|l| !l.is_empty())
        .or_else(|| node.value())
        .unwrap_or_default();
    let inner = label
        .rsplit('（')
        .next()
        .unwrap()
        .trim_end_matches('）')
        .trim_end_matches(" 项");
    let number = inner.rsplit('，').next().unwrap().trim();
    number
        .parse()
        .unwrap_or_else(|_| panic!("no count in {label:?}"))
}

/// What 首页 and the commands say on one day agree.
fn check_day(db: &std::path::Path, today: NaiveDate) -> Vec<Value> {
    let items = all_items(db, today);
    let overdue = with_state(&items, "overdue");
    // 临近 is the reminder setting's 7 days and nothing further.
    for item in with_state(&items, "due_soon") {
        let due = NaiveDate::parse_from_str(item["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
        assert!(
            (due - today).num_days() <= 7 && due >= today,
            "{today}: {item} is 临近"
        );
    }
    let sunday =
        today + chrono::Duration::days(6 - i64::from(today.weekday().num_days_from_monday()));
    let this_week = items
        .iter()
        .filter(|i| i["state"] == "due_soon" || i["state"] == "upcoming")
        .filter(|i| {
            let due = NaiveDate::parse_from_str(i["date"].as_str().unwrap(), "%Y-%m-%d").unwrap();
            due >= today && due <= sunday
        })
        .count();
    let harness = common::start_app(db, today, [1280.0, 900.0]);
    assert_eq!(
        home_count(&harness, "已逾期（"),
        overdue.len(),
        "{today}: 首页 and deadlines --json on what is overdue: {overdue:?}"
    );
    assert_eq!(
        home_count(&harness, "本周到期（"),
        this_week,
        "{today}: 首页 and deadlines --json on this week"
    );
    items
}

/// The milestones the 通报 of `period` lists as overdue, as `(date, clause)`.
fn report_overdue(
    db: &std::path::Path,
    today: NaiveDate,
    period: &str,
) -> BTreeSet<(String, String, bool)> {
    let out = db.parent().unwrap().join(format!("通报{period}.docx"));
    let json = run(
        db,
        today,
        &["report", "--period", period, "--docx", arg(&out), "--json"],
    );
    json["overdue_milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["date"].as_str().unwrap().to_owned(),
                m["what"].as_str().unwrap().to_owned(),
                m["carried"].as_bool().unwrap(),
            )
        })
        .collect()
}

/// The milestones `deadlines` gives a state, as `(date, clause)`: the title is `code wording：clause`.
fn milestones(items: &[&Value]) -> BTreeSet<(String, String)> {
    items
        .iter()
        .filter(|i| i["kind"] == "milestone")
        .map(|i| {
            let title = i["title"].as_str().unwrap();
            let clause = title.split_once('：').map_or(title, |(_, c)| c);
            (i["date"].as_str().unwrap().to_owned(), clause.to_owned())
        })
        .collect()
}

#[test]
fn every_surface_gives_one_answer_through_the_year_and_its_turn() {
    let temp = TempLedger::new();
    let db = &temp.path;
    run(db, date(2019, 7, 1), &["plan", "--json"]);

    // Month ends, a due day on a Saturday (3 August 2019), National Day (1-7 October), the
    // last month's due day, the turn of the year and the Spring Festival (25 January 2020).
    for today in [
        date(2019, 7, 31),
        date(2019, 8, 1),
        date(2019, 8, 3),
        date(2019, 8, 5),
        date(2019, 8, 6),
        date(2019, 10, 3),
        date(2019, 10, 8),
        date(2019, 10, 9),
        date(2019, 12, 31),
        date(2020, 1, 3),
        date(2020, 1, 15),
        date(2020, 1, 24),
    ] {
        let items = check_day(db, today);
        // The 通报 of the month just closed names the milestones every page calls overdue
        // on the first day after it.
        if today.day() == 1 {
            let month = today.pred_opt().unwrap().format("%Y-%m").to_string();
            let reported: BTreeSet<(String, String)> = report_overdue(db, today, &month)
                .into_iter()
                .map(|(d, w, _)| (d, w))
                .collect();
            assert_eq!(
                reported,
                milestones(&with_state(&items, "overdue")),
                "{today}: the 通报 of {month}"
            );
        }
    }

    // Due days as they apply: July's return moves from Saturday 3 August to Monday 5 August;
    // September's from 3 October (国庆) to 8 October. `status` and `deadlines` say the same.
    let items = all_items(db, date(2019, 10, 9));
    for (period, due, nominal) in [
        ("2019-07", "2019-08-05", "2019-08-03"),
        ("2019-09", "2019-10-08", "2019-10-03"),
    ] {
        let status = run(
            db,
            date(2019, 10, 9),
            &["status", "--period", period, "--json"],
        );
        assert_eq!(status["due"], due, "{period}");
        let month: u32 = period[5..].parse().unwrap();
        let item = items
            .iter()
            .find(|i| i["kind"] == "return_due" && i["title"] == format!("{month}月份进展报送截止"))
            .unwrap();
        assert_eq!(item["date"], due);
        assert_eq!(item["nominal_date"], nominal);
    }

    // 15 January 2020, the 2019 plan not closed: its unfinished milestones are overdue
    // everywhere, and 首页 says its year is over and offers to carry it or end it.
    let mid_january = date(2020, 1, 15);
    let before = all_items(db, mid_january);
    let overdue_2019 = milestones(&with_state(&before, "overdue"));
    assert!(overdue_2019.len() >= 8, "{overdue_2019:?}");
    let plans = run(db, mid_january, &["plans", "--json"]);
    assert_eq!(plans["plans"][0]["in_play"], true);
    assert_eq!(plans["plans"][0]["ended"], true);
    {
        let harness = common::start_app(db, mid_january, [1280.0, 900.0]);
        harness.get_by_label_contains("年度已结束");
        harness.get_by_label("结束该计划");
        harness.get_by_label_contains("沿用为2020年工作计划");
    }
    let december = report_overdue(db, mid_january, "2019-12");
    assert!(december.iter().all(|(_, _, carried)| !carried));

    // Carried forward: every carried task's milestones show as carried, not overdue, on every
    // page; the December 通报 still lists them, saying they were carried.
    run(db, mid_january, &["carry-forward", "--json"]);
    let after = check_day(db, mid_january);
    let carried = milestones(&with_state(&after, "carried"));
    assert!(!carried.is_empty());
    assert!(
        carried.is_subset(&overdue_2019),
        "only the unfinished are carried: {carried:?}"
    );
    let still_overdue = milestones(&with_state(&after, "overdue"));
    assert!(carried.is_disjoint(&still_overdue));
    let december_after = report_overdue(db, mid_january, "2019-12");
    assert_eq!(
        december_after
            .iter()
            .map(|(d, w, _)| (d.clone(), w.clone()))
            .collect::<BTreeSet<_>>(),
        december
            .iter()
            .map(|(d, w, _)| (d.clone(), w.clone()))
            .collect::<BTreeSet<_>>(),
        "the month's overdue milestones are history"
    );
    for (d, w, was_carried) in &december_after {
        assert_eq!(
            *was_carried,
            carried.contains(&(d.clone(), w.clone())),
            "{d} {w}"
        );
    }
    check_day(db, date(2020, 1, 24));

    // Closed: the 2019 plan's items are gone from every page.
    let plan_2019 = plans["plans"][0]["id"].as_i64().unwrap().to_string();
    run(db, mid_january, &["close-plan", "--plan", &plan_2019]);
    let closed = check_day(db, mid_january);
    assert!(
        closed
            .iter()
            .all(|i| i["plan"].as_i64().map(|p| p.to_string()) != Some(plan_2019.clone())),
        "a closed plan's items are not listed"
    );
}

/// The 通报 quotes each department's first sentence as written, character for character:
/// its figures at the start kept, its line breaks joined without spaces between Chinese.
#[test]
fn the_report_quotes_the_departments_character_for_character() {
    use taizhang::returns::{ReturnSource, RowWrite};
    let temp = TempLedger::new();
    let (mut ledger, _) = taizhang::store::Ledger::open(&temp.path).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let departments = ledger.departments().unwrap();
    let obligations = taizhang::returns::obligations(&plan, &departments);
    let words = [
        "7月份，按计划推进第1.8项工作。下月继续。",
        "7月完成2宗地块调查，\n占任务的63%。其余待办。",
        "2019年7月完成验收。",
        "已完成\n安全利用面积1.2万亩， 占任务的63%",
        "1.2万亩已安全利用；监测PM2.5 and\nPM10。",
    ];
    let expected = [
        "7月份，按计划推进第1.8项工作。",
        "7月完成2宗地块调查，占任务的63%。",
        "2019年7月完成验收。",
        "已完成安全利用面积1.2万亩，占任务的63%。",
        "1.2万亩已安全利用；监测PM2.5 and PM10。",
    ];
    let mut quoted = Vec::new();
    let mut writes = Vec::new();
    for (n, owed) in obligations.iter().take(words.len()).enumerate() {
        let row = owed.rows_in(common::july())[0].clone();
        writes.push(RowWrite {
            department_id: owed.department_id,
            period: common::july(),
            key: row.key,
            progress: words[n].to_owned(),
            remark: String::new(),
            source: ReturnSource::Email,
            received_on: Some(date(2019, 8, 2)),
        });
        quoted.push((owed.department.clone(), expected[n]));
    }
    ledger.write_return_rows(&writes).unwrap();
    drop(ledger);
    let out = temp.dir.path().join("通报.docx");
    let report = run(
        &temp.path,
        date(2019, 8, 10),
        &[
            "report",
            "--period",
            "2019-07",
            "--docx",
            arg(&out),
            "--json",
        ],
    );
    let paragraphs: Vec<&str> = report["paragraphs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    for (department, sentence) in quoted {
        let line = paragraphs
            .iter()
            .find(|p| p.contains(&format!("（{department}）：")))
            .unwrap_or_else(|| panic!("{department} not in {paragraphs:?}"));
        let said = line.split_once("）：").unwrap().1;
        assert_eq!(said, sentence, "{department}");
    }
}
