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
        .current_plan()
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
    let plan = f.ledger.current_plan().unwrap();
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
    let chase_before = chase_entries(&status, today).len();
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

    let chase = chase_entries(&status, today);
    assert_eq!(
        chase.len(),
        chase_before - 1,
        "the complete department leaves the list"
    );
    let entry = chase
        .iter()
        .find(|e| e.department == "县自然规划局")
        .unwrap();
    assert!(entry.message.contains("尚缺：3.4"), "{}", entry.message);

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
    let plan = f.ledger.current_plan().unwrap();
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
