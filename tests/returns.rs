//! Monthly returns on real ledgers: writing rows, history, restore, states.
#![expect(clippy::unwrap_used)]

mod common;

use common::july;

use chrono::NaiveDate;
use common::TempLedger;
use taizhang::returns::{
    ReturnSource, RowKey, RowStatus, RowWrite, chase_entries, obligations, period_status,
};
use taizhang::schedule::{DueRule, ReturnState};
use taizhang::store::{Ledger, StoreError};

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn rule() -> DueRule<'static> {
    DueRule {
        due_day: 3,
        shift: None,
        warn_days: 7,
    }
}

struct Fixture {
    _temp: TempLedger,
    ledger: Ledger,
    agriculture: i64,
    fertiliser_row: i64,
}

fn fixture() -> Fixture {
    let temp = TempLedger::new();
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let agriculture = ledger
        .departments()
        .unwrap()
        .iter()
        .find(|d| d.name == "县农业农村局")
        .unwrap()
        .id;
    let fertiliser_row = ledger
        .focused_plan()
        .unwrap()
        .form
        .rows()
        .find(|r| r.code == "1.8")
        .unwrap()
        .id;
    Fixture {
        _temp: temp,
        ledger,
        agriculture,
        fertiliser_row,
    }
}

fn write(f: &Fixture, progress: &str, source: ReturnSource, received: NaiveDate) -> RowWrite {
    RowWrite {
        department_id: f.agriculture,
        period: july(),
        key: RowKey::FormRow(f.fertiliser_row),
        progress: progress.to_owned(),
        remark: String::new(),
        source,
        received_on: Some(received),
    }
}

#[test]
fn an_overwrite_keeps_the_old_text_with_when_and_from_what_source() {
    let mut f = fixture();
    let first = write(
        &f,
        "已制定年度方案。",
        ReturnSource::Email,
        date(2019, 8, 2),
    );
    assert_eq!(
        f.ledger
            .write_return_rows(std::slice::from_ref(&first))
            .unwrap(),
        1
    );
    // The same text again changes nothing and adds no history.
    assert_eq!(f.ledger.write_return_rows(&[first]).unwrap(), 0);
    let second = write(
        &f,
        "方案已印发，正在实施。",
        ReturnSource::Phone,
        date(2019, 8, 9),
    );
    assert_eq!(f.ledger.write_return_rows(&[second]).unwrap(), 1);

    let records = f.ledger.returns(Some(july())).unwrap();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    assert_eq!(
        record.received_on,
        Some(date(2019, 8, 2)),
        "the first arrival date stays"
    );
    let row = record.row(RowKey::FormRow(f.fertiliser_row)).unwrap();
    assert_eq!(row.progress, "方案已印发，正在实施。");
    assert_eq!(row.source, ReturnSource::Phone);
    assert_eq!(row.history_len, 1);

    let history = f.ledger.row_history(row.id).unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].progress, "已制定年度方案。");
    assert_eq!(history[0].source, ReturnSource::Email);
    assert!(!history[0].replaced_at.is_empty());

    // Restoring puts the old text back and keeps the replaced one in the history too.
    f.ledger.restore_row(history[0].id).unwrap();
    let records = f.ledger.returns(Some(july())).unwrap();
    let row = records[0].row(RowKey::FormRow(f.fertiliser_row)).unwrap();
    assert_eq!(row.progress, "已制定年度方案。");
    assert_eq!(row.source, ReturnSource::Manual);
    let history = f.ledger.row_history(row.id).unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].progress, "方案已印发，正在实施。");
}

#[test]
fn a_row_of_another_plan_or_department_is_refused_and_nothing_is_written() {
    let mut f = fixture();
    let good = write(&f, "已完成。", ReturnSource::Manual, date(2019, 8, 2));
    let bad = RowWrite {
        key: RowKey::FormRow(999_999),
        ..good.clone()
    };
    let error = f
        .ledger
        .write_return_rows(&[good.clone(), bad])
        .unwrap_err();
    assert!(matches!(error, StoreError::Invalid(_)), "{error:?}");
    assert!(
        f.ledger.returns(None).unwrap().is_empty(),
        "the good row was rolled back too"
    );

    let no_department = RowWrite {
        department_id: 999_999,
        ..good
    };
    assert!(f.ledger.write_return_rows(&[no_department]).is_err());
    assert!(f.ledger.returns(None).unwrap().is_empty());
}

#[test]
fn states_follow_the_received_dates_and_the_chase_list_shrinks() {
    let mut f = fixture();
    let today = date(2019, 8, 5);
    let plan = f.ledger.focused_plan().unwrap();
    let departments = f.ledger.departments().unwrap();
    let owed = obligations(&plan, &departments);

    let status = period_status(&plan, &departments, &owed, &[], july(), today, &rule());
    assert_eq!(status.due, date(2019, 8, 3));
    let missing = status
        .departments
        .iter()
        .filter(|d| d.state == ReturnState::Missing)
        .count();
    assert_eq!(missing, owed.len());
    let health = status
        .departments
        .iter()
        .find(|d| d.department == "县卫健局")
        .unwrap();
    assert_eq!(
        health.state,
        ReturnState::NotRequired,
        "participants only owe nothing"
    );
    let chase_before = chase_entries(&status, today, &Default::default()).len();
    assert_eq!(chase_before, owed.len());

    // 县农业农村局 answers every row on the due day; 县自然规划局 answers late.
    let agriculture = owed
        .iter()
        .find(|o| o.department == "县农业农村局")
        .unwrap();
    let writes: Vec<RowWrite> = agriculture
        .rows
        .iter()
        .map(|row| RowWrite {
            department_id: agriculture.department_id,
            period: july(),
            key: row.key,
            progress: if row.code == "1.8" {
                "已完成。".to_owned()
            } else {
                "无此项任务".to_owned()
            },
            remark: String::new(),
            source: ReturnSource::Email,
            received_on: Some(date(2019, 8, 3)),
        })
        .collect();
    f.ledger.write_return_rows(&writes).unwrap();
    let planning = owed
        .iter()
        .find(|o| o.department == "县自然规划局")
        .unwrap();
    f.ledger
        .set_return_received(
            planning.department_id,
            july(),
            Some(date(2019, 8, 4)),
            ReturnSource::Phone,
        )
        .unwrap();

    let records = f.ledger.returns(Some(july())).unwrap();
    let status = period_status(&plan, &departments, &owed, &records, july(), today, &rule());
    let agri = status
        .departments
        .iter()
        .find(|d| d.department == "县农业农村局")
        .unwrap();
    assert_eq!(agri.state, ReturnState::OnTime);
    assert_eq!(agri.rows_filled, agri.rows_expected);
    let plan_dept = status
        .departments
        .iter()
        .find(|d| d.department == "县自然规划局")
        .unwrap();
    assert_eq!(plan_dept.state, ReturnState::Late);
    assert!(plan_dept.is_incomplete());

    let chase = chase_entries(&status, today, &Default::default());
    assert_eq!(
        chase.len(),
        chase_before - 1,
        "the complete department leaves the list"
    );
    let entry = chase
        .iter()
        .find(|e| e.department == "县自然规划局")
        .unwrap();
    assert!(
        entry
            .message
            .contains("尚未填写：★4．污染地块再开发利用准入管理")
            && entry.message.contains("补报"),
        "{}",
        entry.message
    );

    // Un-receiving puts it back to missing.
    f.ledger
        .set_return_received(planning.department_id, july(), None, ReturnSource::Phone)
        .unwrap();
    let records = f.ledger.returns(Some(july())).unwrap();
    let status = period_status(&plan, &departments, &owed, &records, july(), today, &rule());
    let plan_dept = status
        .departments
        .iter()
        .find(|d| d.department == "县自然规划局")
        .unwrap();
    assert_eq!(plan_dept.state, ReturnState::Missing);
}

#[test]
fn lead_departments_without_form_rows_report_on_their_tasks() {
    let f = fixture();
    let plan = f.ledger.focused_plan().unwrap();
    let departments = f.ledger.departments().unwrap();
    let owed = obligations(&plan, &departments);
    let police = owed.iter().find(|o| o.department == "县公安局").unwrap();
    assert_eq!(police.rows.len(), 1);
    assert!(matches!(police.rows[0].key, RowKey::Task(_)));
    assert_eq!(police.rows[0].code, "3.1.4");
    let agriculture = owed
        .iter()
        .find(|o| o.department == "县农业农村局")
        .unwrap();
    let codes: Vec<&str> = agriculture.rows.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["1.8", "1.9", "1.10", "2.1", "2.2", "2.3"]);
    assert!(owed.iter().all(|o| o.department != "县卫健局"));
    assert_eq!(RowStatus::of("无该项任务"), RowStatus::NotApplicable);
}

/// Writes `filled` of a department's owed rows for July, received on `received`.
fn fill_rows(ledger: &mut Ledger, department_id: i64, filled: usize, received: NaiveDate) -> usize {
    let plan = ledger.focused_plan().unwrap();
    let departments = ledger.departments().unwrap();
    let owed = obligations(&plan, &departments);
    let rows = &owed
        .iter()
        .find(|o| o.department_id == department_id)
        .unwrap()
        .rows;
    let writes: Vec<RowWrite> = rows
        .iter()
        .take(filled)
        .enumerate()
        .map(|(index, row)| RowWrite {
            department_id,
            period: july(),
            key: row.key,
            progress: if index % 2 == 0 {
                format!("第{index}行已完成")
            } else {
                "无此项任务".to_owned()
            },
            remark: String::new(),
            source: ReturnSource::Manual,
            received_on: Some(received),
        })
        .collect();
    ledger.write_return_rows(&writes).unwrap();
    ledger
        .set_return_received(department_id, july(), Some(received), ReturnSource::Manual)
        .unwrap();
    rows.len()
}

/// The department owing the most rows.
fn busiest(ledger: &Ledger) -> i64 {
    let plan = ledger.focused_plan().unwrap();
    let departments = ledger.departments().unwrap();
    obligations(&plan, &departments)
        .into_iter()
        .max_by_key(|o| o.rows.len())
        .unwrap()
        .department_id
}

fn july_status_of(
    ledger: &Ledger,
    department_id: i64,
    today: NaiveDate,
) -> taizhang::returns::DepartmentStatus {
    let holidays = taizhang::holidays::HolidayCalendar::bundled().unwrap();
    let day = taizhang::service::DayState::load(ledger, today, &holidays).unwrap();
    day.period_status(july())
        .departments
        .into_iter()
        .find(|d| d.department_id == department_id)
        .unwrap()
}

#[test]
fn partial_complete_and_late_returns_are_told_apart() {
    let mut fixture = fixture();
    let department = busiest(&fixture.ledger);
    // The day after July's due day (Monday 5 August; 3 August a Saturday).
    let today = date(2019, 8, 6);

    // Nothing yet.
    let status = july_status_of(&fixture.ledger, department, today);
    assert_eq!(status.state, ReturnState::Missing);
    assert!(!status.complete);
    assert_eq!(status.label(), "未报");

    // Half of the rows, on time: received, on time, but partial — amber, not green.
    let owed = fill_rows(&mut fixture.ledger, department, 3, date(2019, 8, 2));
    assert!(owed >= 6, "{owed}");
    let status = july_status_of(&fixture.ledger, department, today);
    assert_eq!(status.state, ReturnState::OnTime);
    assert!(!status.complete && status.is_incomplete());
    assert_eq!(status.label(), format!("按时·部分 3/{owed}"));
    assert_eq!(status.short_label(), "部分");
    assert!(!status.is_on_time_and_complete());

    // The rest, still dated on time: complete.
    fill_rows(&mut fixture.ledger, department, owed, date(2019, 8, 2));
    let status = july_status_of(&fixture.ledger, department, today);
    assert!(status.complete);
    assert_eq!(status.label(), "按时·齐全");
    assert!(status.is_on_time_and_complete());
}

#[test]
fn a_late_and_partial_return_and_the_on_time_rate() {
    let mut fixture = fixture();
    let department = busiest(&fixture.ledger);
    let owed = fill_rows(&mut fixture.ledger, department, 2, date(2019, 8, 9));
    let status = july_status_of(&fixture.ledger, department, date(2019, 8, 12));
    assert_eq!(status.state, ReturnState::Late);
    assert_eq!(status.label(), format!("逾期补报·部分 2/{owed}"));

    // Across months: July partial on time counts as not on time, and is counted as partial.
    use taizhang::returns::{DepartmentStatus, on_time_rate};
    let base = DepartmentStatus {
        department_id: 1,
        department: "县林业局".to_owned(),
        state: ReturnState::OnTime,
        received_on: Some(date(2019, 8, 2)),
        sent_back_at: None,
        rows_expected: 6,
        rows_filled: 6,
        missing_rows: Vec::new(),
        complete: true,
    };
    let partial = DepartmentStatus {
        rows_filled: 3,
        complete: false,
        ..base.clone()
    };
    let missing = DepartmentStatus {
        state: ReturnState::Missing,
        received_on: None,
        rows_filled: 0,
        complete: false,
        ..base.clone()
    };
    let not_due = DepartmentStatus {
        state: ReturnState::NotDue,
        ..missing.clone()
    };
    assert_eq!(
        on_time_rate([&base, &partial, &missing, &not_due]),
        Some((1.0 / 3.0, 1))
    );
    assert_eq!(on_time_rate([&not_due]), None);
    assert_eq!(on_time_rate([&base, &base]), Some((1.0, 0)));
}

#[test]
fn status_json_says_whether_each_return_is_complete() {
    let temp = TempLedger::new();
    let db = common::arg(&temp.path).to_owned();
    let department;
    let owed;
    {
        let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
        department = busiest(&ledger);
        owed = fill_rows(&mut ledger, department, 3, date(2019, 8, 2));
    }
    let output = common::taizhang(&[
        "--db",
        &db,
        "--today",
        "2019-08-05",
        "status",
        "--period",
        "2019-07",
        "--json",
    ]);
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let departments = json["departments"].as_array().unwrap();
    let partial = departments.iter().find(|d| d["rows_filled"] == 3).unwrap();
    assert_eq!(partial["state"], "on_time");
    assert_eq!(partial["complete"], false);
    assert_eq!(partial["rows_expected"], owed);
    assert!(departments.iter().all(|d| d["complete"].is_boolean()));
    let _ = department;
}
