//! Returned files that fight back: small files that declare huge sizes, one string used by a
//! whole sheet, endless repeats, piles of merges, special files, and files shaped like a real
//! return with merged, moved or formula cells. Each is refused with a clear message, or read
//! right, and never costs the process its life: every file of a batch gets its JSON line.
#![expect(clippy::unwrap_used)]

mod common;

use common::returns_ledger as setup;
use common::sheets::{
    cells, column_name, fill_first_row, progress_column, replace_cells, rewrite_zip, set_texts,
};

use common::{july, taizhang};

use std::io::Write as _;
use std::process::Command;

use chrono::NaiveDate;
use common::TempLedger;
use serde_json::Value;
use taizhang::returns::obligations;
use taizhang::returns::spreadsheet::{ImportChoice, ImportError};
use taizhang::returns::template::write_template;
use taizhang::store::Ledger;

/// A workbook with one sheet whose XML is `sheet_data` (inside `<sheetData>`), `merges` (whole
/// `<mergeCells>` element or empty), and a shared-string table `sst`.
fn xlsx_with(sheet_data: &str, merges: &str, sst: &str) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, "占位").unwrap();
    let bytes = workbook.save_to_buffer().unwrap();
    rewrite_zip(&bytes, |name, content| {
        match name {
        "xl/worksheets/sheet1.xml" => format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData>{merges}</worksheet>"#
        )
        .into_bytes(),
        "xl/sharedStrings.xml" => sst.as_bytes().to_vec(),
        _ => content,
    }
    })
}

/// A workbook of a few KB whose shared-string table declares four billion strings.
fn declared_bomb(first: &str) -> Vec<u8> {
    xlsx_with(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        "",
        &sst("4000000000", &[first]),
    )
}

/// A FIFO made at `path`.
fn make_fifo(path: &std::path::Path) -> std::path::PathBuf {
    assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
    path.to_owned()
}

fn sst(count: &str, strings: &[&str]) -> String {
    let items: String = strings
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}" uniqueCount="{count}">{items}</sst>"#
    )
}

fn read(
    setup: &common::ReturnsLedger,
    name: &str,
    bytes: &[u8],
) -> Result<taizhang::returns::spreadsheet::ParsedReturn, ImportError> {
    common::read_return_with(setup, name, bytes, ImportChoice::default())
}

#[test]
fn a_declared_four_billion_strings_is_refused_before_anything_allocates() {
    let setup = setup();
    let bomb = xlsx_with(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        "",
        &sst("4000000000", &["进展"]),
    );
    assert!(bomb.len() < 12_000, "{} bytes", bomb.len());
    let error = read(&setup, "bomb.xlsx", &bomb).unwrap_err();
    assert!(matches!(
        error,
        ImportError::DeclaresTooMuch {
            count: 4_000_000_000
        }
    ));
    assert!(error.to_string().contains("4000000000"));
}

#[test]
fn one_long_string_used_by_a_whole_sheet_is_kept_once() {
    let setup = setup();
    let long = "很长的文字".repeat(6_400);
    let mut data = String::new();
    for row in 0..1_990 {
        data.push_str(&format!(r#"<row r="{}">"#, row + 1));
        for column in 0..99 {
            data.push_str(&format!(
                r#"<c r="{}{}" t="s"><v>0</v></c>"#,
                column_name(column),
                row + 1
            ));
        }
        data.push_str("</row>");
    }
    let bytes = xlsx_with(&data, "", &sst("1", &[&long]));
    // 197,010 cells of one 32,000-character string: read without a copy per cell, and found
    // to hold no table.
    let error = read(&setup, "long.xlsx", &bytes).unwrap_err();
    assert_eq!(error, ImportError::NoTable);
}

#[test]
fn too_many_columns_says_columns_and_too_many_merges_are_refused() {
    let setup = setup();
    let far = xlsx_with(
        r#"<row r="1"><c r="XFD1" t="s"><v>0</v></c></row>"#,
        "",
        &sst("1", &["x"]),
    );
    let error = read(&setup, "far.xlsx", &far).unwrap_err();
    assert!(
        matches!(
            error,
            ImportError::TooManyColumns {
                columns: 16_384,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("16384 列"), "{error}");
    assert!(!error.to_string().contains("行以上"), "{error}");

    let merges: String = (0..200_000)
        .map(|i| format!(r#"<mergeCell ref="A{}:B{}"/>"#, i + 1, i + 1))
        .collect();
    let piles = xlsx_with(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        &format!(r#"<mergeCells count="200000">{merges}</mergeCells>"#),
        &sst("1", &["x"]),
    );
    let error = read(&setup, "merges.xlsx", &piles).unwrap_err();
    assert!(
        matches!(error, ImportError::TooManyMerges { .. }),
        "{error:?}"
    );

    // 1,000 overlapping merges over 1,999 rows: each cell is filled once.
    let merges: String = (0..1_000)
        .map(|_| r#"<mergeCell ref="A1:CV1999"/>"#)
        .collect();
    let overlapping = xlsx_with(
        r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#,
        &format!(r#"<mergeCells count="1000">{merges}</mergeCells>"#),
        &sst("1", &["x"]),
    );
    assert_eq!(
        read(&setup, "overlap.xlsx", &overlapping).unwrap_err(),
        ImportError::NoTable
    );
}

/// An `.ods` whose `content.xml` body is `table` (inside `<office:spreadsheet>`).
fn ods_with(table: &str) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let deflated = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        writer.start_file("mimetype", stored).unwrap();
        writer
            .write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        writer.start_file("content.xml", deflated).unwrap();
        write!(
            writer,
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>{table}</office:spreadsheet></office:body></office:document-content>"#
        )
        .unwrap();
        writer.finish().unwrap();
    }
    out
}

#[test]
fn an_ods_repeating_one_cell_over_every_column_is_refused_by_columns() {
    let setup = setup();
    let bomb = ods_with(
        r#"<table:table table:name="表"><table:table-row table:number-rows-repeated="6000"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#,
    );
    assert!(bomb.len() < 2_000, "{} bytes", bomb.len());
    let error = read(&setup, "bomb.ods", &bomb).unwrap_err();
    assert!(
        matches!(
            error,
            ImportError::TooManyColumns {
                columns: 16_384,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("列"));

    // Repeated empty cells and rows, as LibreOffice writes them, cost nothing.
    let padded = ods_with(
        r#"<table:table table:name="表"><table:table-row><table:table-cell table:number-columns-repeated="16384"/></table:table-row><table:table-row table:number-rows-repeated="1048575"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>"#,
    );
    assert_eq!(
        read(&setup, "padded.ods", &padded).unwrap_err(),
        ImportError::Empty
    );
}

/// Our template for the department that owes the most rows, with its rows (code, text).
fn template_of(setup: &common::ReturnsLedger) -> (Vec<u8>, Vec<(String, String)>) {
    let plan = setup.ledger.focused_plan().unwrap();
    let departments = setup.ledger.departments().unwrap();
    let owed = obligations(&plan, &departments);
    let obligation = owed.iter().max_by_key(|o| o.rows.len()).unwrap();
    let bytes = write_template(
        &plan,
        obligation,
        july(),
        NaiveDate::from_ymd_opt(2019, 8, 3).unwrap(),
    )
    .unwrap();
    let rows = obligation
        .rows
        .iter()
        .map(|r| (r.code.clone(), r.text.clone()))
        .collect();
    (bytes, rows)
}

/// The index (in `cells`) of the row whose item text ends with `text`.
fn row_of(grid: &[Vec<String>], text: &str) -> usize {
    grid.iter()
        .position(|r| r.iter().any(|c| c.ends_with(text)))
        .unwrap()
}

#[test]
fn progress_merged_with_remark_is_not_copied_into_the_remark() {
    let setup = setup();
    let (template, rows) = template_of(&setup);
    let grid = cells(&template);
    let progress_column = progress_column(&grid);
    let first_row = row_of(&grid, &rows[0].1) as u32;
    let reference = |row: u32, column: u32| format!("{}{}", column_name(column), row + 1);
    let cell = reference(first_row, progress_column);
    // The department typed into the progress cell and merged it with 备注.
    let typed = set_texts(&template, &[(cell.clone(), "已完成全县排查。".to_owned())]);
    let filled = rewrite_zip(&typed, |name, content| {
        if name != "xl/worksheets/sheet1.xml" {
            return content;
        }
        let mut xml = String::from_utf8(content).unwrap();
        let merge = format!(
            r#"<mergeCell ref="{}:{}"/>"#,
            cell,
            reference(first_row, progress_column + 1)
        );
        if let Some(at) = xml.find("</mergeCells>") {
            xml.insert_str(at, &merge);
        } else {
            let at = xml.find("</sheetData>").unwrap() + "</sheetData>".len();
            xml.insert_str(at, &format!("<mergeCells>{merge}</mergeCells>"));
        }
        xml.into_bytes()
    });
    let parsed = read(&setup, "return.xlsx", &filled).unwrap();
    let row = parsed
        .rows
        .iter()
        .find(|r| r.progress == "已完成全县排查。")
        .unwrap();
    assert_eq!(row.remark, "", "the progress was copied into 备注");
}

#[test]
fn rows_whose_hidden_ids_disagree_with_their_text_wait_for_the_user() {
    let setup = setup();
    let (template, rows) = template_of(&setup);
    assert!(rows.len() >= 2, "{rows:?}");
    let grid = cells(&template);
    let header = grid
        .iter()
        .position(|r| r.iter().any(|c| c == "重点工作事项"))
        .unwrap();
    let item_column = grid[header]
        .iter()
        .position(|c| c.contains("事项"))
        .unwrap() as u32;
    let progress_column = progress_column(&grid);
    // The visible rows sorted the other way round; the hidden ids stayed where they were.
    let first = row_of(&grid, &rows[0].1) as u32;
    let second = row_of(&grid, &rows[1].1) as u32;
    let visible_first = grid[first as usize][item_column as usize].clone();
    let visible_second = grid[second as usize][item_column as usize].clone();
    let mut edits = Vec::new();
    for (row, text, progress) in [
        (first, &visible_second, "第二行的进展"),
        (second, &visible_first, "第一行的进展"),
    ] {
        for (column, value) in [(item_column, text.as_str()), (progress_column, progress)] {
            edits.push((
                format!("{}{}", column_name(column), row + 1),
                value.to_owned(),
            ));
        }
    }
    let swapped = set_texts(&template, &edits);
    let parsed = read(&setup, "return.xlsx", &swapped).unwrap();
    let by_code = |code: &str| parsed.rows.iter().find(|r| r.code == code).unwrap();
    let (first_code, second_code) = (&rows[0].0, &rows[1].0);
    // Each text goes to the row it belongs to, not to the row its hidden id names, and waits.
    assert_eq!(by_code(first_code).progress, "第一行的进展");
    assert_eq!(by_code(second_code).progress, "第二行的进展");
    assert!(!by_code(first_code).accepted && !by_code(second_code).accepted);
    assert!(by_code(first_code).conflict.is_some());
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.contains("隐藏编号") && w.contains(second_code.as_str())),
        "{:?}",
        parsed.warnings
    );
    // No row is stored as empty because of it.
    assert!(
        parsed
            .rows
            .iter()
            .filter(|r| r.accepted)
            .all(|r| r.status != taizhang::returns::RowStatus::Progress || !r.progress.is_empty())
    );
}

#[test]
fn a_formula_without_a_saved_result_is_named() {
    let setup = setup();
    let (template, rows) = template_of(&setup);
    let grid = cells(&template);
    let cell = format!(
        "{}{}",
        column_name(progress_column(&grid)),
        row_of(&grid, &rows[0].1) + 1
    );
    let with_formula = replace_cells(
        &template,
        &[(cell, r#"><f>CONCATENATE("已","完成")</f></c>"#.to_owned())],
    );
    let parsed = read(&setup, "return.xlsx", &with_formula).unwrap();
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.contains("公式") && w.contains("没有保存计算结果")),
        "{:?}",
        parsed.warnings
    );
}

#[cfg(unix)]
#[test]
fn a_batch_with_bombs_and_special_files_gives_every_file_its_line() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap().to_owned();
    let dir = temp.dir.path();
    let good = common::arg(&common::july_templates(&temp.path)[0]).to_owned();

    let bomb = dir.join("bomb.xlsx");
    std::fs::write(&bomb, declared_bomb("x")).unwrap();
    let fifo = make_fifo(&dir.join("fifo.xlsx"));
    let zero = dir.join("zero.xlsx");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let sparse = dir.join("sparse.xlsx");
    std::fs::File::create(&sparse)
        .unwrap()
        .set_len(2 * 1024 * 1024 * 1024)
        .unwrap();
    let folder = dir.join("folder.xlsx");
    std::fs::create_dir(&folder).unwrap();

    let files = [&bomb, &fifo, &zero, &sparse, &folder];
    let mut args = vec!["--db", &db, "import-returns", "--json"];
    args.extend(files.iter().map(|p| p.to_str().unwrap()));
    args.push(&good);
    let before = std::fs::read(&temp.path).unwrap();
    let output = taizhang(&args);
    assert!(
        !output.status.success(),
        "failed files make the exit code non-zero"
    );
    let lines: Vec<Value> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), files.len() + 1, "every file gets its line");
    for line in &lines[..files.len()] {
        let error = line["error"].as_str().unwrap();
        assert!(!error.contains("os error") && !error.is_empty(), "{error}");
    }
    assert!(lines[0]["error"].as_str().unwrap().contains("4000000000"));
    assert!(lines[1]["error"].as_str().unwrap().contains("不是普通文件"));
    assert!(lines[2]["error"].as_str().unwrap().contains("不是普通文件"));
    assert!(lines[3]["error"].as_str().unwrap().contains("太大"));
    assert!(lines[4]["error"].as_str().unwrap().contains("文件夹"));
    assert_eq!(lines[5]["error"], Value::Null, "{}", lines[5]);
    // The refused files wrote nothing: the ledger holds no return yet.
    let conn = rusqlite::Connection::open(&temp.path).unwrap();
    let archived: i64 = conn
        .query_row(
            "SELECT count(*) FROM source_files WHERE kind = 'return'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(archived <= 1, "{archived}");
    let _ = before;

    // A FIFO as a plan file is refused the same way, at once.
    let plan_fifo = make_fifo(&dir.join("plan.txt"));
    let output = taizhang(&[
        "--db",
        &db,
        "import-plan",
        plan_fifo.to_str().unwrap(),
        "--dry-run",
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("不是普通文件"));
}

#[test]
fn the_same_file_imported_twice_is_archived_once() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap().to_owned();
    let file = common::arg(&common::july_templates(&temp.path)[0]).to_owned();
    let filled = fill_first_row(&std::fs::read(&file).unwrap(), "已完成排查。");
    std::fs::write(&file, filled).unwrap();
    for _ in 0..3 {
        let output = taizhang(&["--db", &db, "import-returns", "--json", &file]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let conn = rusqlite::Connection::open(&temp.path).unwrap();
    let copies: i64 = conn
        .query_row(
            "SELECT count(*) FROM source_files WHERE kind = 'return'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(copies, 1);
}

#[test]
fn a_cell_longer_than_excel_holds_never_blocks_the_sheet() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap().to_owned();
    let long = format!("{}完", "长".repeat(40_000));
    {
        let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
        let plan = ledger.focused_plan().unwrap();
        let departments = ledger.departments().unwrap();
        let owed = obligations(&plan, &departments);
        let row = owed
            .iter()
            .flat_map(|o| o.rows.iter().map(move |r| (o, r)))
            .find(|(_, r)| matches!(r.key, taizhang::returns::RowKey::FormRow(_)))
            .unwrap();
        ledger
            .write_return_rows(&[taizhang::returns::RowWrite {
                department_id: row.0.department_id,
                period: july(),
                key: row.1.key,
                progress: long.clone(),
                remark: String::new(),
                source: taizhang::returns::ReturnSource::Manual,
                received_on: NaiveDate::from_ymd_opt(2019, 8, 2),
            }])
            .unwrap();
    }
    let xlsx = temp.dir.path().join("sheet.xlsx");
    let pdf = temp.dir.path().join("sheet.pdf");
    let output = taizhang(&[
        "--db",
        &db,
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
    assert!(
        result["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("32767")),
        "{result}"
    );
    let grid = cells(&std::fs::read(&xlsx).unwrap());
    let cut = grid
        .iter()
        .flatten()
        .find(|c| c.starts_with("长长长"))
        .unwrap();
    assert!(cut.ends_with("字，见台账）"), "{}", &cut[cut.len() - 60..]);
    assert!(cut.chars().map(char::len_utf16).sum::<usize>() <= 32_767);
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
}

/// The window's import page gets the same files: each is refused with a Chinese message, the
/// window stays up, and nothing is written.
#[cfg(unix)]
#[test]
fn the_windows_import_page_refuses_the_same_files() {
    use egui_kittest::kittest::Queryable as _;
    let temp = TempLedger::new();
    let dir = temp.dir.path();
    let bomb = dir.join("声明四十亿.xlsx");
    std::fs::write(&bomb, declared_bomb("x")).unwrap();
    let columns = dir.join("一万六千列.ods");
    std::fs::write(
        &columns,
        ods_with(
            r#"<table:table table:name="表"><table:table-row table:number-rows-repeated="6000"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#,
        ),
    )
    .unwrap();
    let fifo = make_fifo(&dir.join("管道.xlsx"));
    let zero = dir.join("零.xlsx");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();

    let path = temp.path.clone();
    let today = NaiveDate::from_ymd_opt(2019, 8, 5).unwrap();
    let mut harness = egui_kittest::Harness::builder()
        .with_size([1400.0, 1000.0])
        .build_eframe(move |cc| taizhang::ui::TaizhangApp::new(cc, path, today));
    harness.run();
    common::drop_files(&mut harness, &[&bomb, &columns]);
    assert_eq!(harness.state().page(), taizhang::ui::Page::ImportReturns);
    harness.get_by_label_contains("4000000000 个不同的文字");
    harness.get_by_label_contains("16384 列");
    for file in [&fifo, &zero] {
        common::drop_files(&mut harness, &[file]);
        // Each refusal says which file; the earlier one stays on screen beside it.
        harness.get_by_label_contains(&format!("“{}”不是普通文件", file.display()));
    }
    let data = harness.state().data().unwrap();
    assert!(
        data.status(july())
            .unwrap()
            .departments
            .iter()
            .all(|d| d.received_on.is_none())
    );
}

/// Plan files are as hostile as returns: a workbook declaring four billion strings, a sheet
/// whose one cell sits at the last row and column, a Word file whose table declares more
/// columns than a sheet has, a FIFO, `/dev/zero`, the ledger itself, an old `.doc`: each is
/// refused by `import-plan` with a clear message, and the ledger is left as it was.
#[test]
fn import_plan_refuses_hostile_files_and_writes_nothing() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap().to_owned();
    let dir = temp.dir.path();
    // The ledger exists before the attempts.
    let listed = common::taizhang(&["--db", &db, "plans", "--json"]);
    assert!(listed.status.success());

    let bomb = dir.join("分工表.xlsx");
    std::fs::write(&bomb, declared_bomb("序号")).unwrap();
    let far = dir.join("far.xlsx");
    std::fs::write(
        &far,
        xlsx_with(
            r#"<row r="1048576"><c r="XFD1048576" t="s"><v>0</v></c></row>"#,
            "",
            &sst("1", &["重点任务"]),
        ),
    )
    .unwrap();
    let wide_doc = dir.join("wide.docx");
    let mut cells = String::new();
    for _ in 0..20_000 {
        cells.push_str("<w:tc><w:p><w:r><w:t>牵头单位</w:t></w:r></w:p></w:tc>");
    }
    std::fs::write(
        &wide_doc,
        common::docx_with_body(&format!("<w:tbl><w:tr>{cells}</w:tr></w:tbl>")),
    )
    .unwrap();
    let fifo = make_fifo(&dir.join("fifo.docx"));
    let zero = dir.join("zero.txt");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let old_doc = dir.join("plan.doc");
    let mut doc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    doc.extend(std::iter::repeat_n(0u8, 504));
    doc.extend("WordDocument".encode_utf16().flat_map(u16::to_le_bytes));
    doc.extend(std::iter::repeat_n(0u8, 1024));
    std::fs::write(&old_doc, doc).unwrap();

    let before = std::fs::read(&temp.path).unwrap();
    for (file, expected) in [
        (&bomb, "表格"),
        (&far, "表格"),
        (&wide_doc, "不像工作计划"),
        (&fifo, ""),
        (&zero, ""),
        (&temp.path, ""),
        (&old_doc, "无法读取 .doc/.wps 文件"),
    ] {
        let output =
            common::taizhang(&["--db", &db, "import-plan", file.to_str().unwrap(), "--json"]);
        let message = common::stderr(&output);
        assert!(!output.status.success(), "{}: {message}", file.display());
        assert!(!message.trim().is_empty(), "{}", file.display());
        assert!(message.contains(expected), "{}: {message}", file.display());
        assert_eq!(
            std::fs::read(&temp.path).unwrap(),
            before,
            "{} changed the ledger",
            file.display()
        );
    }
    assert_eq!(
        common::taizhang(&["--db", &db, "plans", "--json"]).stdout,
        listed.stdout
    );
}
