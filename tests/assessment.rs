//! The departments' 考核 (issue 35, part 3): through the command and the window, agreeing with
//! `status` for every month and with `deadlines` for every milestone, the XLSX read back with
//! calamine, and bad output paths refused with nothing written.
#![expect(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::path::Path;

use calamine::Reader as _;
use common::{TempLedger, arg, stderr, taizhang};
use egui_kittest::kittest::Queryable as _;
use serde_json::Value;

const TODAY: &str = "2020-01-20";

fn json(db: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--db", arg(db), "--today", TODAY];
    all.extend_from_slice(args);
    let output = taizhang(&all);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// The seeded 2019 ledger with returns: July on time (some partial), August late, September
/// on time for a few, the rest missing.
fn ledger_with_a_year_of_returns() -> TempLedger {
    let temp = TempLedger::new();
    let made = taizhang(&["--db", arg(&temp.path), "plan", "--json"]);
    assert!(made.status.success());
    let work = tempfile::tempdir().unwrap();
    for (month, received, how_many) in [
        ("2019-07", "2019-08-05", 12),
        ("2019-08", "2019-09-25", 8),
        ("2019-09", "2019-10-08", 3),
    ] {
        let out = work.path().join(month);
        let made = taizhang(&[
            "--db",
            arg(&temp.path),
            "templates",
            "--period",
            month,
            "--out",
            arg(&out),
        ]);
        assert!(made.status.success(), "{}", stderr(&made));
        let mut filled = Vec::new();
        for path in String::from_utf8(made.stdout)
            .unwrap()
            .lines()
            .take(how_many)
        {
            let path = Path::new(path);
            let bytes = common::sheets::fill_first_row(
                &std::fs::read(path).unwrap(),
                "本月已按计划推进，完成阶段任务。",
            );
            let target = work.path().join(format!(
                "{month}-{}",
                path.file_name().unwrap().to_string_lossy()
            ));
            std::fs::write(&target, bytes).unwrap();
            filled.push(target);
        }
        let mut args = vec!["--db", arg(&temp.path), "import-returns"];
        args.extend(filled.iter().map(|p| arg(p)));
        args.extend(["--received", received, "--json"]);
        let imported = taizhang(&args);
        assert!(imported.status.success(), "{}", stderr(&imported));
    }
    temp
}

#[test]
fn the_assessment_agrees_with_status_every_month_and_with_deadlines() {
    let ledger = ledger_with_a_year_of_returns();
    let assessment = json(&ledger.path, &["assessment", "--year", "2019", "--json"]);
    assert_eq!(assessment["year"], 2019);
    let rows = assessment["departments"].as_array().unwrap();
    assert!(rows.len() >= 10, "{assessment}");

    // Tally `status` month by month.
    let mut tally: HashMap<String, [usize; 6]> = HashMap::new();
    for month in 1..=12 {
        let status = json(
            &ledger.path,
            &["status", "--period", &format!("2019-{month:02}"), "--json"],
        );
        for d in status["departments"].as_array().unwrap() {
            let entry = tally
                .entry(d["name"].as_str().unwrap().to_owned())
                .or_default();
            let state = d["state"].as_str().unwrap();
            let received = matches!(state, "on_time" | "late");
            let complete = d["complete"].as_bool().unwrap();
            match state {
                "on_time" => entry[0] += 1,
                "late" => entry[1] += 1,
                "missing" => entry[2] += 1,
                _ => continue,
            }
            entry[3] += 1;
            if received && !complete {
                entry[4] += 1;
            }
            if state == "on_time" && complete {
                entry[5] += 1;
            }
        }
    }
    let (mut seen_late, mut seen_partial, mut seen_missing) = (false, false, false);
    for row in rows {
        let name = row["name"].as_str().unwrap();
        let [on_time, late, missing, due, partial, on_time_complete] = tally[name];
        assert_eq!(row["on_time"], on_time, "{name}");
        assert_eq!(row["late"], late, "{name}");
        assert_eq!(row["missing"], missing, "{name}");
        assert_eq!(row["months_due"], due, "{name}");
        assert_eq!(row["partial"], partial, "{name}");
        assert_eq!(row["returned"], 0, "{name}");
        let rate = row["on_time_rate"].as_f64().unwrap();
        assert!(
            (rate - on_time_complete as f64 / due as f64).abs() < 1e-9,
            "{name}"
        );
        seen_late |= late > 0;
        seen_partial |= partial > 0;
        seen_missing |= missing > 0;
    }
    assert!(seen_late && seen_partial && seen_missing, "{assessment}");

    // Milestones as `deadlines` lights them, by lead department.
    let deadlines = json(
        &ledger.path,
        &[
            "deadlines",
            "--from",
            "2019-01-01",
            "--to",
            "2020-12-31",
            "--json",
        ],
    );
    let mut lit: HashMap<String, [usize; 2]> = HashMap::new();
    for item in deadlines["items"].as_array().unwrap() {
        if item["kind"] != "milestone" {
            continue;
        }
        for department in item["departments"].as_array().unwrap() {
            let entry = lit
                .entry(department.as_str().unwrap().to_owned())
                .or_default();
            match item["state"].as_str().unwrap() {
                "done" => entry[0] += 1,
                "overdue" => entry[1] += 1,
                _ => {}
            }
        }
    }
    let mut overdue_total = 0;
    for row in rows {
        let name = row["name"].as_str().unwrap();
        let [done, overdue] = lit.get(name).copied().unwrap_or_default();
        assert_eq!(row["milestones_done"], done, "{name}");
        assert_eq!(row["milestones_overdue"], overdue, "{name}");
        overdue_total += overdue;
    }
    assert!(
        overdue_total > 0,
        "in January 2020 the 2019 milestones not done are overdue"
    );
}

#[test]
fn the_xlsx_is_read_back_and_bad_outputs_write_nothing() {
    let ledger = ledger_with_a_year_of_returns();
    let out = tempfile::tempdir().unwrap();
    let path = out.path().join("考核.xlsx");
    let result = json(
        &ledger.path,
        &[
            "assessment",
            "--year",
            "2019",
            "--xlsx",
            arg(&path),
            "--json",
        ],
    );
    assert_eq!(result["xlsx"], path.display().to_string());
    let mut workbook = calamine::open_workbook_auto(&path).unwrap();
    let range = workbook.worksheet_range("部门考核").unwrap();
    let cell = |row: u32, column: u32| {
        range
            .get_value((row, column))
            .map(|v| v.to_string())
            .unwrap_or_default()
    };
    assert!(cell(0, 0).contains("2019年度各部门报送情况考核表"));
    assert_eq!(cell(2, 0), "部门");
    assert_eq!(cell(2, 7), "按时率");
    let first = &result["departments"][0];
    assert_eq!(cell(3, 0), first["name"].as_str().unwrap());
    assert_eq!(cell(3, 1), first["months_due"].to_string());
    assert_eq!(cell(3, 5), first["missing"].to_string());

    // Over the ledger itself, into a folder that does not exist, a year without a plan, a
    // plan of another year: refused, the ledger byte for byte as it was.
    let before = std::fs::read(&ledger.path).unwrap();
    for (args, said) in [
        (vec!["--xlsx", arg(&ledger.path)], "台账"),
        (vec!["--xlsx", "/nonexistent/dir/x.xlsx"], ""),
        (vec!["--plan", "99"], "没有编号为 99 的计划"),
    ] {
        let mut all = vec![
            "--db",
            arg(&ledger.path),
            "--today",
            TODAY,
            "assessment",
            "--year",
            "2019",
        ];
        all.extend(args.iter().copied());
        let output = taizhang(&all);
        assert!(!output.status.success(), "{all:?}");
        assert!(
            stderr(&output).contains(said),
            "{all:?}: {}",
            stderr(&output)
        );
    }
    let none = taizhang(&["--db", arg(&ledger.path), "assessment", "--year", "2031"]);
    assert!(!none.status.success());
    assert!(
        stderr(&none).contains("没有2031年的计划"),
        "{}",
        stderr(&none)
    );
    let bad = taizhang(&["--db", arg(&ledger.path), "assessment", "--year", "20x9"]);
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("--year"), "{}", stderr(&bad));
    assert_eq!(std::fs::read(&ledger.path).unwrap(), before);
}

#[test]
fn the_window_shows_the_assessment_and_writes_its_table() {
    let ledger = ledger_with_a_year_of_returns();
    let today = chrono::NaiveDate::from_ymd_opt(2020, 1, 20).unwrap();
    let mut harness = common::start_app(&ledger.path, today, [1280.0, 860.0]);
    common::click(&mut harness, "部门清单");
    harness.get_by_label("2019年度部门考核").click();
    harness.run();
    harness.get_by_label("按时率");
    harness.get_by_label("节点逾期");
    harness.get_by_label("导出考核表").click();
    harness.run();
    let written = ledger
        .path
        .parent()
        .unwrap()
        .join("exports")
        .join("部门考核")
        .join("2019年度部门考核.xlsx");
    assert!(written.exists(), "{}", written.display());
    let mut workbook = calamine::open_workbook_auto(&written).unwrap();
    assert!(workbook.worksheet_range("部门考核").is_ok());
}
