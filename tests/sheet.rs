//! The monthly progress sheet: consolidation and edits on a real ledger, the XLSX read back
//! with calamine and its XML, the PDF read back with lopdf.
#![expect(clippy::unwrap_used)]

mod common;

use common::july;

use std::io::Read as _;

use calamine::{Data, Reader as _, Xlsx};
use chrono::NaiveDate;
use common::TempLedger;
use taizhang::returns::{ReturnSource, RowKey, RowWrite};
use taizhang::schedule::Period;
use taizhang::sheet::{Sheet, build_sheet, write_pdf, write_xlsx};
use taizhang::store::Ledger;

const LONG_TEXT: &str = "7月份，我县继续推进化肥农药使用量零增长行动，制定并印发《2019年融水县化肥农药使用量零增长工作方案》，在全县推广测土配方施肥技术面积12.5万亩，开展统防统治示范片3个，发放宣传资料2000余份；组织技术人员深入乡镇开展培训6期，培训农民480人次。";

/// A ledger with 县农业农村局's July return: row 1.8 with a long text, the rest 无此项任务.
fn ledger_with_returns() -> (TempLedger, Ledger) {
    let temp = TempLedger::new();
    let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let writes: Vec<RowWrite> = plan
        .form
        .rows()
        .filter(|row| {
            row.departments
                .iter()
                .any(|(_, name)| name == "县农业农村局")
        })
        .map(|row| RowWrite {
            department_id: row.departments[0].0,
            period: july(),
            key: RowKey::FormRow(row.id),
            progress: if row.code == "1.8" {
                LONG_TEXT.to_owned()
            } else {
                "无此项任务".to_owned()
            },
            remark: if row.code == "1.8" {
                "=SUM(A1)".to_owned()
            } else {
                String::new()
            },
            source: ReturnSource::Email,
            received_on: NaiveDate::from_ymd_opt(2019, 8, 2),
        })
        .collect();
    ledger.write_return_rows(&writes).unwrap();
    (temp, ledger)
}

fn sheet_of(ledger: &Ledger) -> Sheet {
    build_sheet(
        &ledger.focused_plan().unwrap(),
        &ledger.settings().unwrap(),
        &ledger.returns(Some(july())).unwrap(),
        &ledger.sheet_edits(Some(july())).unwrap(),
        july(),
    )
}

#[test]
fn the_sheet_consolidates_the_returns_and_keeps_edits_with_history() {
    let (_temp, mut ledger) = ledger_with_returns();
    let sheet = sheet_of(&ledger);
    assert_eq!(sheet.rows().count(), 31);
    assert_eq!(sheet.period_line(), "（2019年7月）");
    assert_eq!(
        sheet.header[0],
        ("填报单位".to_owned(), "融水生态环境局生态股".to_owned())
    );
    let row = sheet.rows().find(|r| r.code == "1.8").unwrap().clone();
    assert_eq!(row.progress, LONG_TEXT);
    assert!(row.missing.is_empty());
    let waste = sheet.rows().find(|r| r.code == "1.11").unwrap();
    assert_eq!(waste.missing, ["县住建局", "县城管执法局"]);

    // The coordinator shortens the wording: saved, and marked as edited.
    ledger
        .save_sheet_row(
            july(),
            row.form_row_id,
            "推广测土配方施肥12.5万亩。",
            "",
            &row.consolidated,
        )
        .unwrap();
    ledger
        .save_sheet_row(
            july(),
            row.form_row_id,
            "推广测土配方施肥12.5万亩，培训480人次。",
            "",
            &row.consolidated,
        )
        .unwrap();
    let sheet = sheet_of(&ledger);
    let edited = sheet.rows().find(|r| r.code == "1.8").unwrap();
    assert!(edited.edited && !edited.stale);
    assert_eq!(edited.progress, "推广测土配方施肥12.5万亩，培训480人次。");
    let edit = edited.edit.clone().unwrap();
    assert_eq!(edit.history_len, 1);
    let history = ledger.sheet_row_history(edit.id).unwrap();
    assert_eq!(history[0].progress, "推广测土配方施肥12.5万亩。");

    // A later change in the department's return makes the edit out of date.
    let plan = ledger.focused_plan().unwrap();
    let form_row = plan.form.rows().find(|r| r.code == "1.8").unwrap();
    ledger
        .write_return_rows(&[RowWrite {
            department_id: form_row.departments[0].0,
            period: july(),
            key: RowKey::FormRow(form_row.id),
            progress: "补报：新增示范片2个。".to_owned(),
            remark: String::new(),
            source: ReturnSource::Phone,
            received_on: None,
        }])
        .unwrap();
    let sheet = sheet_of(&ledger);
    let stale = sheet.rows().find(|r| r.code == "1.8").unwrap().clone();
    assert!(stale.stale);
    assert_eq!(stale.consolidated, "补报：新增示范片2个。");
    // Rebuilding the row from the returns clears the mark and keeps the edit in the history.
    ledger
        .save_sheet_row(
            july(),
            stale.form_row_id,
            &stale.consolidated,
            "",
            &stale.consolidated,
        )
        .unwrap();
    let sheet = sheet_of(&ledger);
    let rebuilt = sheet.rows().find(|r| r.code == "1.8").unwrap();
    assert!(!rebuilt.stale);
    assert_eq!(rebuilt.edit.as_ref().unwrap().history_len, 2);
    // Other months are untouched.
    let june = build_sheet(
        &ledger.focused_plan().unwrap(),
        &ledger.settings().unwrap(),
        &ledger.returns(None).unwrap(),
        &ledger.sheet_edits(None).unwrap(),
        Period::new(2019, 6).unwrap(),
    );
    assert!(june.rows().all(|r| !r.edited && r.progress.is_empty()));
}

fn zip_text(bytes: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    archive
        .by_name(name)
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn the_xlsx_is_laid_out_like_the_form_and_set_up_for_a4_landscape() {
    let (_temp, ledger) = ledger_with_returns();
    let sheet = sheet_of(&ledger);
    let bytes = write_xlsx(&sheet).unwrap();

    let mut workbook: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.clone())).unwrap();
    let names = workbook.sheet_names();
    assert_eq!(names, ["2019年7月"]);
    let range = workbook.worksheet_range("2019年7月").unwrap();
    let cell = |row: u32, column: u32| {
        range
            .get_value((row, column))
            .cloned()
            .unwrap_or(Data::Empty)
    };
    assert_eq!(cell(0, 0), Data::String("附件".to_owned()));
    assert_eq!(
        cell(1, 0),
        Data::String("2019年柳州市落实《土壤污染防治行动计划》重点工作进展".to_owned())
    );
    assert_eq!(cell(2, 0), Data::String("（2019年7月）".to_owned()));
    assert!(
        matches!(cell(3, 0), Data::String(s) if s.contains("填报单位：融水生态环境局生态股") && s.contains("联系电话：5129328"))
    );
    let headers: Vec<Data> = (0..5).map(|c| cell(4, c)).collect();
    assert_eq!(
        headers,
        [
            "重点内容",
            "重点工作事项",
            "责任单位",
            "进展情况（重点）",
            "备注"
        ]
        .map(|s| Data::String(s.to_owned()))
    );
    assert_eq!(cell(5, 0), Data::String("源头预防".to_owned()));
    assert_eq!(
        cell(5, 1),
        Data::String("1．落实涉重金属行业污染防控（重金属防控意见）情况".to_owned())
    );
    assert_eq!(cell(12, 3), Data::String(LONG_TEXT.to_owned()));
    assert_eq!(
        cell(12, 4),
        Data::String("=SUM(A1)".to_owned()),
        "a formula-like text stays text"
    );
    assert_eq!(
        cell(35, 1),
        Data::String("4．建立健全土壤污染治理与修复从业单位和人员管理监督机制情况".to_owned())
    );
    assert!(matches!(cell(37, 0), Data::String(s) if s.starts_with("注：1．报送时间")));

    let merges = workbook.merge_cells_by_sheet_name("2019年7月").unwrap();
    let spans: Vec<(u32, u32)> = merges
        .iter()
        .filter(|m| m.start.1 == 0 && m.end.1 == 0)
        .map(|m| (m.start.0, m.end.0))
        .collect();
    assert_eq!(
        spans,
        [(5, 16), (17, 19), (20, 29), (30, 31), (32, 35)],
        "group cells span their rows"
    );

    let sheet_xml = zip_text(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet_xml.contains("orientation=\"landscape\""),
        "{sheet_xml}"
    );
    assert!(sheet_xml.contains("paperSize=\"9\""));
    assert!(sheet_xml.contains("fitToHeight=\"0\""));
    assert!(sheet_xml.contains("fitToPage=\"1\""));
    assert!(!sheet_xml.contains("<f>"), "no formulas");
    let workbook_xml = zip_text(&bytes, "xl/workbook.xml");
    assert!(
        workbook_xml.contains("_xlnm.Print_Titles"),
        "{workbook_xml}"
    );
    assert!(
        workbook_xml.contains("$5:$5"),
        "the header row repeats: {workbook_xml}"
    );
    assert!(workbook_xml.contains("_xlnm.Print_Area"));
    let styles = zip_text(&bytes, "xl/styles.xml");
    assert!(styles.contains("仿宋") && styles.contains("宋体"));
}

fn pdf_text(bytes: &[u8]) -> (usize, String) {
    let document = lopdf::Document::load_mem(bytes).unwrap();
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let text = document.extract_text(&pages).unwrap();
    (pages.len(), text)
}

#[test]
fn the_pdf_holds_the_titles_and_texts_with_a_subset_font() {
    let (_temp, ledger) = ledger_with_returns();
    let sheet = sheet_of(&ledger);
    let output = write_pdf(&sheet).unwrap();
    assert!(output.warnings.is_empty(), "{:?}", output.warnings);
    assert!(
        output.bytes.len() < 300 * 1024,
        "{} bytes",
        output.bytes.len()
    );
    let (pages, text) = pdf_text(&output.bytes);
    assert_eq!(pages, output.pages);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(compact.contains("重点工作进展"), "{compact}");
    assert!(compact.contains("（2019年7月）"));
    assert!(compact.contains("填报单位：融水生态环境局生态股"));
    assert!(compact.contains("化肥农药使用量零增长情况"));
    assert!(compact.contains("培训农民480人次"));
    assert!(compact.contains(&format!("第1页共{pages}页")));

    // The font is embedded as a subset (its name carries the six-letter tag).
    let document = lopdf::Document::load_mem(&output.bytes).unwrap();
    let subset = document.objects.values().any(|object| {
        object
            .as_dict()
            .ok()
            .and_then(|dict| dict.get(b"BaseFont").ok())
            .and_then(|name| name.as_name().ok())
            .is_some_and(|name| name.len() > 7 && name[6] == b'+')
    });
    assert!(subset, "the font is a subset");
}

#[test]
fn a_character_outside_the_bundled_font_is_drawn_with_a_system_font() {
    // 龘 is neither in the 通用规范汉字表 nor in GB 2312, so the bundled font was cut down
    // without it; the system's Chinese font (Droid Sans Fallback or WenQuanYi, which
    // scripts/test.sh installs) draws it.
    let system = taizhang::system_fonts::font_for('龘')
        .expect("a system Chinese font with 龘 (scripts/test.sh installs fonts-droid-fallback)");
    let (_temp, ledger) = ledger_with_returns();
    let mut sheet = sheet_of(&ledger);
    let row = sheet.groups[0]
        .rows
        .iter_mut()
        .find(|r| r.code == "1.8")
        .unwrap();
    row.progress = "联系人王龘，已完成。".to_owned();
    let output = write_pdf(&sheet).unwrap();
    assert!(output.warnings.is_empty(), "{:?}", output.warnings);
    let (_, text) = pdf_text(&output.bytes);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(compact.contains("联系人王龘，已完成。"), "{compact}");
    // Two fonts are embedded, each as a subset: the bundled one and the system's.
    let document = lopdf::Document::load_mem(&output.bytes).unwrap();
    let subsets: Vec<String> = document
        .objects
        .values()
        .filter_map(|object| {
            let dict = object.as_dict().ok()?;
            (dict.get(b"Type").ok()?.as_name().ok()? == b"FontDescriptor").then_some(())?;
            let name = dict.get(b"FontName").ok()?.as_name().ok()?;
            Some(String::from_utf8_lossy(name).into_owned())
        })
        .collect();
    assert_eq!(subsets.len(), 2, "{subsets:?} ({system:?})");
    assert!(
        subsets
            .iter()
            .all(|n| n.len() > 7 && n.as_bytes()[6] == b'+'),
        "{subsets:?}"
    );
}

#[test]
fn a_row_taller_than_a_page_splits_and_missing_glyphs_are_reported() {
    let (_temp, ledger) = ledger_with_returns();
    let mut sheet = sheet_of(&ledger);
    let long: String = (0..60).map(|i| format!("第{i}段：{LONG_TEXT}\n")).collect();
    let row = sheet.groups[0]
        .rows
        .iter_mut()
        .find(|r| r.code == "1.8")
        .unwrap();
    // The missing glyph stands on a line of its own: lopdf cannot extract text around a
    // .notdef glyph (poppler can), and the check is that nothing after it is lost. U+0378 is
    // unassigned, so that no system font has it either.
    row.progress = format!("{long}\u{378}\n结束");
    let output = write_pdf(&sheet).unwrap();
    assert!(output.pages >= 4, "{} pages", output.pages);
    assert!(
        output.warnings.iter().any(|w| w.contains('\u{378}')),
        "{:?}",
        output.warnings
    );
    let (_, text) = pdf_text(&output.bytes);
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(compact.contains("第0段") && compact.contains("第59段"));
    assert!(compact.contains("结束"));
}

#[test]
fn an_upgraded_version_one_ledger_has_the_current_schema_and_a_backup() {
    let old = TempLedger::new();
    {
        let conn = rusqlite::Connection::open(&old.path).unwrap();
        conn.execute_batch(include_str!("fixtures/schema-v1.sql"))
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
    }
    let (ledger, _) = Ledger::open(&old.path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), taizhang::store::VERSION);
    drop(ledger);
    let backups = taizhang::store::list_backups(&old.path);
    assert_eq!(backups.len(), 1);
    assert!(backups[0].path.to_string_lossy().ends_with("-v1.sqlite"));

    let fresh = TempLedger::new();
    drop(Ledger::open(&fresh.path).unwrap());
    let schema = |path: &std::path::Path| -> Vec<(String, String)> {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut statement = conn
            .prepare("SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL ORDER BY name")
            .unwrap();
        statement
            .query_map([], |row| {
                Ok((
                    row.get(0)?,
                    row.get::<_, String>(1)?
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(schema(&old.path), schema(&fresh.path));
}
