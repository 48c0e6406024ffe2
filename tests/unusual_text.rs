//! Text outside the Basic Multilingual Plane, very long texts and control characters survive
//! entry, storage, the XLSX export and the spreadsheet import unchanged.
#![expect(clippy::unwrap_used)]

mod common;

use calamine::{Data, Reader as _, Xlsx};
use chrono::NaiveDate;
use common::TempLedger;
use rust_xlsxwriter::Workbook;
use taizhang::returns::spreadsheet::{ImportChoice, ImportContext, read_return};
use taizhang::returns::{ReturnSource, RowKey, RowWrite, obligations};
use taizhang::schedule::Period;
use taizhang::sheet::{build_sheet, write_xlsx};
use taizhang::store::Ledger;

fn unusual_texts() -> Vec<String> {
    vec![
        "𠮷野家门前的𠀀地块已完成调查（含扩展B区汉字）".to_owned(),
        "很长的进展。".repeat(1_700),
        "含控制字符\u{1}与制表符\t和\n换行".to_owned(),
    ]
}

#[test]
fn unusual_texts_survive_storage_export_and_import() {
    let temp = TempLedger::new();
    let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let period = Period::new(2019, 7).unwrap();
    let rows: Vec<_> = plan
        .form
        .rows()
        .filter(|r| r.departments.iter().any(|(_, n)| n == "县农业农村局"))
        .take(3)
        .cloned()
        .collect();
    let texts = unusual_texts();
    assert!(texts[1].chars().count() >= 10_000);
    let writes: Vec<RowWrite> = rows
        .iter()
        .zip(&texts)
        .map(|(row, text)| RowWrite {
            department_id: row.departments[0].0,
            period,
            key: RowKey::FormRow(row.id),
            progress: text.clone(),
            remark: text.chars().rev().take(5).collect(),
            source: ReturnSource::Manual,
            received_on: NaiveDate::from_ymd_opt(2019, 8, 2),
        })
        .collect();
    ledger.write_return_rows(&writes).unwrap();
    drop(ledger);

    // Storage.
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let record = ledger.returns(Some(period)).unwrap().remove(0);
    for (row, text) in rows.iter().zip(&texts) {
        assert_eq!(&record.row(RowKey::FormRow(row.id)).unwrap().progress, text);
    }

    // The month's sheet as XLSX, read back.
    let sheet = build_sheet(
        &plan,
        &ledger.settings().unwrap(),
        &ledger.returns(Some(period)).unwrap(),
        &[],
        period,
    );
    let bytes = write_xlsx(&sheet).unwrap();
    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let range = workbook.worksheet_range("2019年7月").unwrap();
    let exported: Vec<String> = range
        .rows()
        .filter_map(|r| match r.get(3) {
            Some(Data::String(text)) => Some(text.clone()),
            _ => None,
        })
        .collect();
    for text in &texts {
        assert!(
            exported.contains(text),
            "lost in the XLSX: {}",
            text.chars().take(20).collect::<String>()
        );
    }

    // A returned spreadsheet holding the same texts, imported.
    let mut returned = Workbook::new();
    let page = returned.add_worksheet();
    page.write_string(0, 0, "填报单位：县农业农村局（2019年7月）")
        .unwrap();
    page.write_string(1, 1, "重点工作事项").unwrap();
    page.write_string(1, 3, "进展情况").unwrap();
    for (index, (row, text)) in rows.iter().zip(&texts).enumerate() {
        page.write_string(2 + index as u32, 1, &row.text).unwrap();
        page.write_string(2 + index as u32, 3, text).unwrap();
    }
    let bytes = returned.save_to_buffer().unwrap();
    let departments = ledger.departments().unwrap();
    let owed = obligations(&plan, &departments);
    let context = ImportContext {
        plan: &plan,
        departments: &departments,
        obligations: &owed,
    };
    let parsed = read_return("农业农村局.xlsx", &bytes, ImportChoice::default(), &context).unwrap();
    let imported: Vec<&str> = parsed.rows.iter().map(|r| r.progress.as_str()).collect();
    let expected: Vec<&str> = texts.iter().map(|t| t.trim()).collect();
    assert_eq!(imported, expected);
}
