//! Templates out, returned spreadsheets in: our own templates filled and read back, the
//! shapes departments really send, and every kind of bad file.
#![expect(clippy::unwrap_used)]

mod common;

use common::{read_return_with as read, returns_ledger as setup};

use common::{july, taizhang};

use std::io::Write as _;

use calamine::{Data, Reader as _, Xlsx};
use chrono::NaiveDate;
use common::TempLedger;
use rust_xlsxwriter::{Format, Workbook};
use serde_json::Value;
use taizhang::returns::spreadsheet::{ImportChoice, ImportError, MatchKind};
use taizhang::returns::template::write_template;
use taizhang::returns::{RowStatus, obligations};
use taizhang::store::Ledger;

fn due() -> NaiveDate {
    NaiveDate::from_ymd_opt(2019, 8, 3).unwrap()
}

/// Fills cells of an XLSX's first sheet (as a person would in Excel).
fn fill_cells(bytes: &[u8], cells: &[(String, String)]) -> Vec<u8> {
    common::sheets::set_texts(bytes, cells)
}

#[test]
fn every_template_filled_in_comes_back_exactly() {
    let mut setup = setup();
    let plan = setup.ledger.focused_plan().unwrap();
    let departments = setup.ledger.departments().unwrap();
    let owed = obligations(&plan, &departments);
    assert_eq!(owed.len(), 13);
    for obligation in &owed {
        let template = write_template(&plan, obligation, july(), due()).unwrap();
        // Find the department's rows (marked ★) and fill their progress cells.
        let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(template.clone())).unwrap();
        assert_eq!(workbook.sheet_names(), ["填报", "_taizhang"]);
        let range = workbook.worksheet_range("填报").unwrap();
        let mut cells = Vec::new();
        for (row, cells_row) in range.rows().enumerate() {
            if let Some(Data::String(item)) = cells_row.get(1)
                && item.starts_with('★')
            {
                let text = if cells.is_empty() {
                    format!("{}：本月完成{}项", obligation.department, row)
                } else {
                    "无此项任务".to_owned()
                };
                cells.push((format!("D{}", row + 1), text));
            }
        }
        assert_eq!(
            cells.len(),
            obligation.rows.len(),
            "{}",
            obligation.department
        );
        let filled = fill_cells(&template, &cells);
        let parsed = read(
            &setup,
            "随便起的名字.xlsx",
            &filled,
            ImportChoice::default(),
        )
        .unwrap();
        assert_eq!(parsed.department.0, obligation.department_id);
        assert_eq!(parsed.period, july());
        assert_eq!(
            parsed.rows.len(),
            obligation.rows.len(),
            "{:?}",
            parsed.warnings
        );
        assert!(
            parsed
                .rows
                .iter()
                .all(|r| r.matched_by == MatchKind::Id && r.accepted)
        );
        assert!(parsed.unmatched.is_empty());
        assert_eq!(parsed.rows[0].status, RowStatus::Progress);
        assert!(
            parsed
                .rows
                .iter()
                .skip(1)
                .all(|r| r.status == RowStatus::NotApplicable)
        );
        setup
            .ledger
            .commit_return_import(
                &parsed,
                NaiveDate::from_ymd_opt(2019, 8, 2).unwrap(),
                &filled,
            )
            .unwrap();
    }
    let records = setup.ledger.returns(Some(july())).unwrap();
    assert_eq!(records.len(), 13);
    assert!(
        records
            .iter()
            .all(|r| r.received_on == NaiveDate::from_ymd_opt(2019, 8, 2))
    );
    assert!(
        records
            .iter()
            .all(|r| r.source == taizhang::returns::ReturnSource::Spreadsheet)
    );
}

/// The city's own form: title with the month, 填报单位, five columns, merged group cells.
fn city_form(unit: &str, rows: &[(&str, &str, &str, &str)]) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "附件").unwrap();
    sheet
        .merge_range(
            1,
            0,
            1,
            4,
            "2019年柳州市落实《土壤污染防治行动计划》重点工作进展（2019年7月）",
            &Format::new(),
        )
        .unwrap();
    sheet
        .merge_range(
            2,
            0,
            2,
            4,
            &format!("填报单位：{unit}    填报人：张三    联系电话：123"),
            &Format::new(),
        )
        .unwrap();
    for (column, header) in [
        "重点内容",
        "重点工作事项",
        "责任单位",
        "进展情况（重点）",
        "备注",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(3, column as u16, *header).unwrap();
    }
    for (index, (group, item, progress, remark)) in rows.iter().enumerate() {
        let row = 4 + index as u32;
        sheet.write_string(row, 0, *group).unwrap();
        sheet.write_string(row, 1, *item).unwrap();
        sheet.write_string(row, 3, *progress).unwrap();
        sheet.write_string(row, 4, *remark).unwrap();
    }
    if rows.len() > 1 {
        sheet
            .merge_range(
                4,
                0,
                4 + rows.len() as u32 - 1,
                0,
                rows[0].0,
                &Format::new(),
            )
            .unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

#[test]
fn the_citys_original_form_is_read_by_its_row_texts() {
    let setup = setup();
    let bytes = city_form(
        "县住房和城乡建设局",
        &[
            (
                "源头预防",
                "10．开展农药包装废弃物回收处理试点情况",
                "无",
                "",
            ),
            (
                "源头预防",
                "11．非正规垃圾堆放点排查整治情况",
                "排查非正规垃圾堆放点3处，已整治2处。",
                "剩余1处8月底前完成",
            ),
        ],
    );
    let parsed = read(&setup, "报送.xlsx", &bytes, ImportChoice::default()).unwrap();
    assert_eq!(
        parsed.department.1, "县住建局",
        "the long official name is an alias"
    );
    assert_eq!(parsed.period, july());
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(parsed.rows[0].code, "1.11");
    assert_eq!(parsed.rows[0].matched_by, MatchKind::Text);
    assert_eq!(parsed.rows[0].remark, "剩余1处8月底前完成");
}

#[test]
fn of_two_rows_with_the_same_words_the_departments_own_is_matched() {
    let mut setup = setup();
    let plan = setup.ledger.focused_plan().unwrap();
    let own = plan.form.rows().find(|r| r.code == "1.11").unwrap().clone();
    assert!(own.departments.iter().any(|(_, name)| name == "县住建局"));
    // An earlier row of another department comes to read the same.
    let other = plan
        .form
        .rows()
        .find(|r| !r.departments.iter().any(|(_, name)| name == "县住建局"))
        .unwrap()
        .clone();
    assert!(other.id < own.id);
    setup
        .ledger
        .write(|tx| {
            tx.execute(
                "UPDATE form_rows SET text = ?1 WHERE id = ?2",
                (&own.text, other.id),
            )?;
            Ok(())
        })
        .unwrap();

    let bytes = city_form(
        "县住建局",
        &[("源头预防", &own.text, "排查3处，已整治2处。", "")],
    );
    let parsed = read(&setup, "报送.xlsx", &bytes, ImportChoice::default()).unwrap();
    assert_eq!(parsed.rows.len(), 1, "{:?}", parsed.warnings);
    assert_eq!(parsed.rows[0].code, "1.11");
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}

#[test]
fn moved_columns_ascii_brackets_line_breaks_and_an_instruction_sheet() {
    let setup = setup();
    let mut workbook = Workbook::new();
    let notes = workbook.add_worksheet();
    notes.set_name("填表说明").unwrap();
    notes
        .write_string(0, 0, "请各单位认真填写，7月份进展请于8月3日前报送。")
        .unwrap();
    let sheet = workbook.add_worksheet();
    sheet.set_name("7月").unwrap();
    for (column, header) in [
        "备注",
        "进展情况",
        "序号",
        "重点工作事项",
        "责任单位",
        "完成时限",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    let items = [
        ("产粮(油)大县制定土壤\n环境保护方案及落实情况", "已制定方案"),
        ("耕地土壤环境质量类别划定情况", "无此项任务"),
        (
            "受污染耕地安全利用任务(“421”)进展情况",
            "完成安全利用面积1.2万亩",
        ),
        ("化肥农药使用零增长情况", "推广测土配方施肥"),
    ];
    for (index, (item, progress)) in items.iter().enumerate() {
        let row = 1 + index as u32;
        sheet.write_string(row, 1, *progress).unwrap();
        sheet.write_number(row, 2, (index + 1) as f64).unwrap();
        sheet.write_string(row, 3, *item).unwrap();
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let plan = setup.ledger.focused_plan().unwrap();
    let agriculture = setup
        .ledger
        .departments()
        .unwrap()
        .into_iter()
        .find(|d| d.name == "县农业农村局")
        .unwrap();
    // No 填报单位 and no month in the file: the file name says who, the user says when.
    let parsed = read(
        &setup,
        "农业农村局.xlsx",
        &bytes,
        ImportChoice {
            department_id: None,
            period: Some(july()),
        },
    )
    .unwrap();
    assert_eq!(parsed.department.0, agriculture.id);
    let codes: Vec<&str> = parsed.rows.iter().map(|r| r.code.as_str()).collect();
    assert_eq!(codes, ["2.1", "2.2", "2.3", "1.8"]);
    assert_eq!(
        parsed.rows[3].matched_by,
        MatchKind::Similar(parsed.rows[3].matched_by_score()),
        "a near text waits for confirmation"
    );
    assert!(!parsed.rows[3].accepted);
    assert!(
        parsed.warnings.iter().any(|w| w.contains("1.9")),
        "rows missing from the file are named"
    );
    let _ = plan;
}

trait Score {
    fn matched_by_score(&self) -> f32;
}

impl Score for taizhang::returns::spreadsheet::ImportedRow {
    fn matched_by_score(&self) -> f32 {
        match self.matched_by {
            MatchKind::Similar(score) => score,
            _ => -1.0,
        }
    }
}

#[test]
fn an_old_xls_file_is_read() {
    let setup = setup();
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/returns/住建局-2019年7月.xls"
    ))
    .unwrap();
    let parsed = read(
        &setup,
        "住建局-2019年7月.xls",
        &bytes,
        ImportChoice::default(),
    )
    .unwrap();
    assert_eq!(parsed.department.1, "县住建局");
    assert_eq!(parsed.period, july());
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(
        parsed.rows[0].progress,
        "排查非正规垃圾堆放点3处，已整治2处。"
    );
}

#[test]
fn an_ods_file_is_read() {
    let setup = setup();
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/returns/住建局-2019年7月.ods"
    ))
    .unwrap();
    // Named .xlsx by mistake: the content decides.
    let parsed = read(&setup, "住建局.xlsx", &bytes, ImportChoice::default()).unwrap();
    assert_eq!(parsed.department.1, "县住建局");
    assert_eq!(parsed.rows.len(), 1);
    assert_eq!(
        parsed.rows[0].progress,
        "排查非正规垃圾堆放点3处，已整治2处。"
    );
}

fn zip_bomb() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(true);
        writer.start_file("xl/workbook.xml", options).unwrap();
        writer.write_all(b"<workbook/>").unwrap();
        writer
            .start_file("xl/worksheets/sheet1.xml", options)
            .unwrap();
        let zeros = vec![b' '; 1024 * 1024];
        for _ in 0..150 {
            writer.write_all(&zeros).unwrap();
        }
        writer.finish().unwrap();
    }
    out
}

fn many_rows(rows: u32) -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 1, "重点工作事项").unwrap();
    sheet.write_string(0, 3, "进展情况").unwrap();
    for row in 1..rows {
        sheet.write_number(row, 0, f64::from(row)).unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

/// What an error must be.
type Expected = fn(&ImportError) -> bool;

#[test]
fn bad_files_give_a_clear_message() {
    let setup = setup();
    let valid = city_form(
        "县住建局",
        &[("源头预防", "11．非正规垃圾堆放点排查整治情况", "已完成", "")],
    );
    let mut encrypted = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    encrypted.extend(vec![0_u8; 512]);
    encrypted.extend("EncryptedPackage".encode_utf16().flat_map(u16::to_le_bytes));
    let mut no_table = Workbook::new();
    no_table
        .add_worksheet()
        .write_string(0, 0, "您好，附件是本月进展，请查收")
        .unwrap();
    let no_table = no_table.save_to_buffer().unwrap();
    let cases: Vec<(&str, Vec<u8>, Expected)> = vec![
        ("说明.txt", "这不是表格".as_bytes().to_vec(), |e| {
            *e == ImportError::NotSpreadsheet
        }),
        ("加密.xlsx", encrypted, |e| *e == ImportError::Encrypted),
        ("空.xlsx", Vec::new(), |e| *e == ImportError::Empty),
        ("无表格.xlsx", no_table, |e| *e == ImportError::NoTable),
        ("截断.xlsx", valid[..valid.len() / 2].to_vec(), |e| {
            matches!(e, ImportError::Corrupt(_))
        }),
        ("炸弹.xlsx", zip_bomb(), |e| *e == ImportError::Inflates),
        ("十万行.xlsx", many_rows(100_000), |e| {
            matches!(e, ImportError::TooManyRows { .. })
        }),
    ];
    for (name, bytes, expected) in cases {
        let error = read(
            &setup,
            name,
            &bytes,
            ImportChoice {
                department_id: None,
                period: Some(july()),
            },
        )
        .unwrap_err();
        assert!(expected(&error), "{name}: {error:?}");
        assert!(!error.to_string().is_empty());
    }
    // A department that owes no return, and a file that names nobody.
    let health = city_form(
        "县卫健局",
        &[("源头预防", "11．非正规垃圾堆放点排查整治情况", "已完成", "")],
    );
    assert!(matches!(
        read(&setup, "x.xlsx", &health, ImportChoice::default()),
        Err(ImportError::NotRequired(_))
    ));
    let nobody = city_form(
        "",
        &[("源头预防", "11．非正规垃圾堆放点排查整治情况", "已完成", "")],
    );
    assert_eq!(
        read(&setup, "x.xlsx", &nobody, ImportChoice::default()).unwrap_err(),
        ImportError::NoDepartment
    );
}

#[test]
fn the_commands_write_templates_and_import_files_one_json_line_each() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap();
    let out = temp.dir.path().join("模板");
    let output = taizhang(&[
        "--db",
        db,
        "templates",
        "--period",
        "2019-07",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let written: Vec<_> = std::fs::read_dir(&out).unwrap().collect();
    assert_eq!(written.len(), 13);

    let good = temp.dir.path().join("住建局7月.xlsx");
    std::fs::write(
        &good,
        city_form(
            "县住建局",
            &[(
                "源头预防",
                "11．非正规垃圾堆放点排查整治情况",
                "已完成整治",
                "",
            )],
        ),
    )
    .unwrap();
    let bad = temp.dir.path().join("坏文件.xlsx");
    std::fs::write(&bad, b"PK\x03\x04nonsense").unwrap();

    // A dry run stores nothing.
    let output = taizhang(&[
        "--db",
        db,
        "--today",
        "2019-08-05",
        "import-returns",
        good.to_str().unwrap(),
        "--dry-run",
        "--json",
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let line: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(line["department"], "县住建局");
    assert_eq!(line["period"], "2019-07");
    assert_eq!(line["rows"][0]["code"], "1.11");
    assert_eq!(line["rows"][0]["status"], "progress");
    assert_eq!(line["error"], Value::Null);
    {
        let (ledger, _) = Ledger::open(&temp.path).unwrap();
        assert!(ledger.returns(None).unwrap().is_empty());
    }

    // Two files: the good one is stored, the bad one fails alone; the exit code says so.
    let output = taizhang(&[
        "--db",
        db,
        "--today",
        "2019-08-05",
        "import-returns",
        good.to_str().unwrap(),
        bad.to_str().unwrap(),
        "--json",
    ]);
    assert!(!output.status.success());
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["error"], Value::Null);
    assert!(lines[1]["error"].as_str().unwrap().contains("损坏"));
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let records = ledger.returns(Some(july())).unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].rows[0].progress, "已完成整治");
    assert_eq!(records[0].received_on, NaiveDate::from_ymd_opt(2019, 8, 5));
    drop(ledger);

    // The same file again is recognised.
    let output = taizhang(&[
        "--db",
        db,
        "import-returns",
        good.to_str().unwrap(),
        "--dry-run",
        "--json",
    ]);
    let line: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        line["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("导入过"))
    );
}

/// A file dropped on the window from Explorer.
#[derive(Debug)]
struct Dropped {
    path: std::path::PathBuf,
}

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.path).map_err(|e| e.to_string())
    }
}

#[test]
fn files_dropped_on_the_window_are_previewed_and_imported() {
    use egui_kittest::kittest::Queryable as _;
    let temp = TempLedger::new();
    let housing = temp.dir.path().join("住建局7月.xlsx");
    std::fs::write(
        &housing,
        city_form(
            "县住建局",
            &[(
                "源头预防",
                "11．非正规垃圾堆放点排查整治情况",
                "整治2处",
                "",
            )],
        ),
    )
    .unwrap();
    let xls = temp.dir.path().join("住建局-2019年7月.xls");
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/returns/住建局-2019年7月.xls"
        ),
        &xls,
    )
    .unwrap();
    let broken = temp.dir.path().join("坏.xlsx");
    std::fs::write(&broken, b"not a spreadsheet").unwrap();

    let path = temp.path.clone();
    // July's returns are due on Monday 5 August (3 August a Saturday): received on the 6th,
    // late.
    let today = NaiveDate::from_ymd_opt(2019, 8, 6).unwrap();
    let mut harness = egui_kittest::Harness::builder()
        .with_size([1400.0, 1000.0])
        .build_eframe(move |cc| taizhang::ui::TaizhangApp::new(cc, path, today));
    harness.run();
    for file in [&housing, &broken] {
        harness
            .input_mut()
            .dropped_files
            .push(std::sync::Arc::new(Dropped { path: file.clone() }));
    }
    harness.run();
    assert_eq!(harness.state().page(), taizhang::ui::Page::ImportReturns);
    harness.get_by_label("住建局7月.xlsx");
    harness.get_by_label_contains("这不是报送表文件");
    harness.get_by_label_contains("【有进展】整治2处");
    harness.get_by_label("全部导入（1）").click();
    harness.run();
    harness.get_by_label_contains("已导入，1 行有变化");
    let data = harness.state().data().unwrap();
    let status = data.status(july()).unwrap();
    let housing_status = status
        .departments
        .iter()
        .find(|d| d.department == "县住建局")
        .unwrap();
    assert_eq!(housing_status.state, taizhang::schedule::ReturnState::Late);
    // The .xls of the same department for the same month, dropped next, shows the change.
    harness
        .input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped { path: xls }));
    harness.run();
    harness.get_by_label_contains("排查非正规垃圾堆放点3处，已整治2处。");
    // Both cards now show the ledger's current text beside their own.
    assert_eq!(harness.query_all_by_label("整治2处").count(), 2);
}

#[test]
fn a_blank_cell_does_not_wipe_text_already_in_the_ledger() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap();
    let typed = temp.dir.path().join("住建局7月.xlsx");
    std::fs::write(
        &typed,
        city_form(
            "县住建局",
            &[(
                "源头预防",
                "11．非正规垃圾堆放点排查整治情况",
                "电话报来：整治2处",
                "",
            )],
        ),
    )
    .unwrap();
    assert!(
        taizhang(&[
            "--db",
            db,
            "--today",
            "2019-08-05",
            "import-returns",
            typed.to_str().unwrap()
        ])
        .status
        .success()
    );
    let blank = temp.dir.path().join("住建局7月-空白.xlsx");
    std::fs::write(
        &blank,
        city_form(
            "县住建局",
            &[("源头预防", "11．非正规垃圾堆放点排查整治情况", "", "")],
        ),
    )
    .unwrap();
    let output = taizhang(&[
        "--db",
        db,
        "--today",
        "2019-08-06",
        "import-returns",
        blank.to_str().unwrap(),
        "--json",
    ]);
    let line: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(line["rows"][0]["imported"], false);
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    assert_eq!(
        ledger.returns(Some(july())).unwrap()[0].rows[0].progress,
        "电话报来：整治2处"
    );
}

/// The status of one department for July, through the command.
fn july_state(db: &str, department: &str) -> Value {
    let output = taizhang(&[
        "--db",
        db,
        "--today",
        "2019-08-20",
        "status",
        "--period",
        "2019-07",
        "--json",
    ]);
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    json["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == department)
        .unwrap()
        .clone()
}

#[test]
fn a_blank_template_is_not_a_return_and_received_sets_the_date() {
    let temp = TempLedger::new();
    let db = common::arg(&temp.path).to_owned();
    let template = common::arg(&common::july_templates(&temp.path)[0]).to_owned();
    let department = "融水生态环境局";

    // The unfilled template: a warning, nothing recorded, not an error.
    let output = taizhang(&["--db", &db, "import-returns", "--json", &template]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let line: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(line["error"], Value::Null);
    assert!(
        line["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("不算作报送")),
        "{line}"
    );
    assert!(
        line["rows"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["imported"] == false)
    );
    assert_eq!(july_state(&db, department)["state"], "missing");
    let conn = rusqlite::Connection::open(&temp.path).unwrap();
    let archived: i64 = conn
        .query_row(
            "SELECT count(*) FROM source_files WHERE kind = 'return'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(archived, 0, "a blank file is not archived either");
    drop(conn);

    // Filled, entered on the 20th from an e-mail of the 2nd: on time, received the 2nd.
    std::fs::write(
        &template,
        common::sheets::fill_first_row(&std::fs::read(&template).unwrap(), "已完成排查。"),
    )
    .unwrap();
    let output = taizhang(&[
        "--db",
        &db,
        "--today",
        "2019-08-20",
        "import-returns",
        "--received",
        "2019-08-02",
        "--json",
        &template,
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let state = july_state(&db, department);
    assert_eq!(state["received"], "2019-08-02");
    assert_eq!(state["state"], "on_time");
    assert_eq!(state["complete"], false);

    // A date that is no date is refused before anything is read.
    let output = taizhang(&[
        "--db",
        &db,
        "import-returns",
        "--received",
        "2019-13-40",
        &template,
    ]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_window_asks_before_recording_a_blank_return_and_takes_the_received_date() {
    use egui_kittest::kittest::Queryable as _;
    let temp = TempLedger::new();
    let blank = common::july_templates(&temp.path)[0].clone();

    let mut harness = common::start_app(&temp.path, common::today(), [1400.0, 1000.0]);
    common::drop_files(&mut harness, &[&blank]);
    harness.get_by_label_contains("不算作报送");
    // 全部导入 has nothing to take, and nothing is recorded.
    harness.get_by_label("全部导入（0）");
    // Confirmed, with the e-mail's date typed in.
    harness.get_by_label("确实收到，仍记为已收到").click();
    harness.run();
    let field = harness.get_by_label("收到日期");
    field.focus();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run();
    harness.get_by_label("收到日期").type_text("2019-08-01");
    harness.run();
    harness.get_by_label("导入此文件").click();
    harness.run();
    let data = harness.state().data().unwrap();
    let status = data.status(july()).unwrap();
    let first = status
        .departments
        .iter()
        .find(|d| d.department == "融水生态环境局")
        .unwrap();
    assert_eq!(first.received_on, NaiveDate::from_ymd_opt(2019, 8, 1));
}

#[test]
fn a_typed_path_opens_a_file_when_the_dialog_cannot() {
    use egui_kittest::kittest::Queryable as _;
    let temp = TempLedger::new();
    let template = common::arg(&common::july_templates(&temp.path)[0]).to_owned();
    std::fs::write(
        &template,
        common::sheets::fill_first_row(&std::fs::read(&template).unwrap(), "已完成排查。"),
    )
    .unwrap();
    let mut harness = common::start_app(&temp.path, common::today(), [1400.0, 1000.0]);
    common::click(&mut harness, "导入报送表");
    let field = harness.get_by_label("文件路径");
    field.focus();
    field.type_text(&template);
    harness.run();
    harness.get_by_label("打开").click();
    harness.run();
    harness.get_by_label_contains("【有进展】已完成排查。");
}
