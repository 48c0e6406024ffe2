//! What she sees is true (issue 23): the sheet's title and notes belong to each plan and move
//! on with the year, a task the form does not list still reaches the month's files, and the
//! counts the window gives are the ones the command gives.
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

fn pdf_text(path: &std::path::Path) -> String {
    let document = lopdf::Document::load(path).unwrap();
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    document.extract_text(&pages).unwrap()
}

fn xlsx_text(path: &std::path::Path) -> String {
    common::sheets::cells(&std::fs::read(path).unwrap())
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes the month's sheet through the command; the texts of its XLSX and PDF.
fn export(
    db: &std::path::Path,
    dir: &std::path::Path,
    today: &str,
    period: &str,
) -> (String, String) {
    let xlsx = dir.join(format!("{period}.xlsx"));
    let pdf = dir.join(format!("{period}.pdf"));
    run(
        db,
        today,
        &[
            "export-sheet",
            "--period",
            period,
            "--xlsx",
            arg(&xlsx),
            "--pdf",
            arg(&pdf),
            "--json",
        ],
    );
    (xlsx_text(&xlsx), pdf_text(&pdf))
}

#[test]
fn a_carried_plan_has_its_own_year_on_the_sheet_and_no_issuer() {
    let temp = TempLedger::new();
    let db = &temp.path;
    let carried = run(db, "2019-12-28", &["carry-forward", "--json"]);
    let plan = run(db, "2020-01-06", &["plan", "--json"]);
    assert_eq!(plan["id"], carried["plan_id"]);
    assert_eq!(
        plan["form"]["title"],
        "2020年柳州市落实《土壤污染防治行动计划》重点工作进展"
    );
    assert_eq!(plan["issuer"], "", "nobody issued the carried plan");
    let rows = plan["form"]["groups"].to_string();
    assert!(rows.contains("2020年度内"), "the rows move on too: {rows}");
    assert!(
        rows.contains("20年4月") && rows.contains("21年1月"),
        "{rows}"
    );
    assert!(!rows.contains("2019年度内"), "{rows}");
    let (xlsx, pdf) = export(db, temp.dir.path(), "2020-02-06", "2020-01");
    for text in [&xlsx, &pdf] {
        assert!(
            text.contains("2020年柳州市落实《土壤污染防治行动计划》重点工作进展"),
            "{text}"
        );
        assert!(!text.contains("2019年柳州市"), "{text}");
    }
    // The rule's wording says where it came from.
    let (ledger, _) = Ledger::open(db).unwrap();
    let rule = &ledger.focused_plan().unwrap().reporting;
    assert!(
        rule.due_day_source.is_empty() || rule.due_day_source.starts_with("沿用2019年计划"),
        "{}",
        rule.due_day_source
    );
    // The 2019 sheet keeps its own title.
    let (xlsx, _) = export(db, temp.dir.path(), "2020-02-06", "2019-12");
    assert!(xlsx.contains("2019年柳州市落实"), "{xlsx}");
}

#[test]
fn the_form_text_is_edited_with_history_and_a_bad_edit_writes_nothing() {
    let temp = TempLedger::new();
    let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let notes = vec![
        "1．每月3日前报送".to_owned(),
        "2．无该项任务的请写无此项任务".to_owned(),
    ];
    assert!(
        ledger
            .set_form_text(plan.id, "2019年融水县土壤污染防治重点工作进展", &notes)
            .unwrap()
    );
    let before = std::fs::read(&temp.path).unwrap();
    for (title, notes) in [
        ("  ", notes.clone()),
        (&"长".repeat(201)[..], notes.clone()),
        ("标题", vec!["注".repeat(501)]),
    ] {
        let error = ledger.set_form_text(plan.id, title, &notes).unwrap_err();
        assert!(error.to_string().contains("表"), "{error}");
    }
    assert!(ledger.set_form_text(9999, "标题", &notes).is_err());
    assert_eq!(
        std::fs::read(&temp.path).unwrap(),
        before,
        "refusals write nothing"
    );
    // The same text again changes nothing.
    assert!(
        !ledger
            .set_form_text(plan.id, "2019年融水县土壤污染防治重点工作进展", &notes)
            .unwrap()
    );
    let form = ledger.focused_plan().unwrap().form;
    assert_eq!(form.title, "2019年融水县土壤污染防治重点工作进展");
    assert_eq!(form.notes, notes);
    assert_eq!(form.history.len(), 1);
    assert_eq!(
        form.history[0].title,
        "2019年柳州市落实《土壤污染防治行动计划》重点工作进展"
    );
    assert_eq!(form.history[0].notes.len(), 4);
    drop(ledger);
    let (xlsx, pdf) = export(&temp.path, temp.dir.path(), "2019-08-06", "2019-07");
    for text in [&xlsx, &pdf] {
        assert!(
            text.contains("2019年融水县土壤污染防治重点工作进展"),
            "{text}"
        );
        assert!(text.contains("每月3日前报送"), "{text}");
    }
}

#[test]
fn a_task_the_form_does_not_list_reaches_the_sheet_and_its_files() {
    let temp = TempLedger::new();
    let db = &temp.path;
    let body = temp.dir.path().join("县公安局.txt");
    std::fs::write(
        &body,
        "县公安局2019年7月进展情况\n3.1.4 7月开展危险废物非法倾倒专项检查2次，未发现非法倾倒。\n",
    )
    .unwrap();
    let imported = run(
        db,
        "2019-08-02",
        &[
            "import-email",
            arg(&body),
            "--department",
            "县公安局",
            "--period",
            "2019-07",
            "--received",
            "2019-08-02",
            "--json",
        ],
    );
    assert!(imported.to_string().contains("专项检查2次"), "{imported}");
    let status = run(
        db,
        "2019-08-06",
        &["status", "--period", "2019-07", "--json"],
    );
    let police = status["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "县公安局")
        .unwrap()
        .clone();
    assert_eq!(police["complete"], true, "{police}");

    let (xlsx, pdf) = export(db, temp.dir.path(), "2019-08-06", "2019-07");
    for text in [&xlsx, &pdf] {
        assert!(
            text.contains("专项检查2次"),
            "the words reach the file: {text}"
        );
        assert!(text.contains("不断强化工业固体废物处理处置"), "{text}");
        assert!(text.contains("3.1.4"), "{text}");
    }
    assert!(xlsx.contains(taizhang::sheet::TASKS_GROUP), "{xlsx}");
    // The sheet the window shows has the row too, read-only, after the form's rows.
    let (ledger, _) = Ledger::open(db).unwrap();
    let sheet = taizhang::service::month_sheet(&ledger, common::july()).unwrap();
    let last = sheet.groups.last().unwrap();
    assert_eq!(last.name, taizhang::sheet::TASKS_GROUP);
    assert_eq!(last.rows.len(), 1);
    assert_eq!(last.rows[0].code, "3.1.4");
    assert_eq!(last.rows[0].units, ["县公安局"]);
    assert!(last.rows[0].missing.is_empty());
}

#[test]
fn an_import_counts_the_rows_it_filled() {
    let mut setup = common::returns_ledger();
    let templates = common::july_templates(setup.ledger.path());
    let template = templates
        .iter()
        .find(|t| t.to_string_lossy().contains("县农业农村局"))
        .unwrap();
    let filled = common::sheets::fill_first_row(&std::fs::read(template).unwrap(), "已完成排查。");
    let parsed =
        common::read_return_with(&setup, "农业农村局.xlsx", &filled, Default::default()).unwrap();
    let with_text = parsed
        .rows
        .iter()
        .filter(|r| r.accepted && !r.progress.is_empty())
        .count();
    assert_eq!(with_text, 1);
    assert!(parsed.rows.len() > 1, "the template's other rows are empty");
    let received = chrono::NaiveDate::from_ymd_opt(2019, 8, 2).unwrap();
    let changed = setup
        .ledger
        .commit_return_import(&parsed, received, &filled)
        .unwrap();
    assert_eq!(
        changed, with_text,
        "已导入，N 行有变化 counts the rows the file filled"
    );
    let again = setup
        .ledger
        .commit_return_import(&parsed, received, &filled)
        .unwrap();
    assert_eq!(again, 0);
}

/// 进展表 shows the form's title for the month, edits it with its history, says only the
/// counts that are true, and 修改表头 opens 设置 at the unit's fields.
#[test]
fn the_sheet_page_shows_and_edits_the_title_and_opens_the_header_fields() {
    use egui_kittest::kittest::Queryable as _;
    let temp = TempLedger::new();
    let mut harness = common::start_app(&temp.path, common::today(), [1280.0, 800.0]);
    common::click(&mut harness, "进展表");
    harness
        .get_by_label_contains("2019年柳州市落实《土壤污染防治行动计划》重点工作进展（2019年7月）");
    // Nothing is edited: no "0 行的修改可能已过时".
    harness.get_by_label_contains("行有部门尚未报送。");
    assert!(harness.query_by_label_contains("可能已过时").is_none());
    common::click(&mut harness, "修改表格标题和表注");
    let field = harness.get_by_label("表格标题");
    field.focus();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run();
    harness.event(egui::Event::Ime(egui::ImeEvent::Commit(
        "2019年融水县土壤污染防治重点工作进展".to_owned(),
    )));
    harness.run();
    common::click(&mut harness, "保存标题和表注");
    assert_eq!(harness.state().error(), None);
    harness.get_by_label_contains("2019年融水县土壤污染防治重点工作进展（2019年7月）");
    harness.get_by_label("修改记录（1）");
    let data = harness.state().data().unwrap();
    assert_eq!(data.plan.form.title, "2019年融水县土壤污染防治重点工作进展");
    common::click(&mut harness, "修改表头");
    harness.get_by_label_contains("本单位（填入进展表表头）");
    assert!(harness.get_by_label("填报人").is_focused());
}

/// The window imports a December return under last year's plan while the carried plan is in
/// focus, as `import-returns` does: one rule for both.
#[test]
fn the_window_records_a_december_return_under_the_plan_of_its_month() {
    use egui_kittest::kittest::Queryable as _;
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
    let filled =
        common::sheets::fill_first_row(&std::fs::read(&template).unwrap(), "十二月已完成。");
    std::fs::write(&template, filled).unwrap();
    let (old, carried) = {
        let (ledger, _) = Ledger::open(db).unwrap();
        let plans = ledger.plans().unwrap();
        (plans[0].id, ledger.focused_plan().unwrap().id)
    };
    assert_ne!(old, carried);

    let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 6).unwrap();
    let mut harness = common::start_app(db, day, [1400.0, 1000.0]);
    common::drop_files(&mut harness, &[&template]);
    harness.run();
    harness.get_by_label_contains("2019年12月属于");
    common::click(&mut harness, "导入此文件");
    assert_eq!(harness.state().error(), None);
    drop(harness);

    let (ledger, _) = Ledger::open(db).unwrap();
    let december = taizhang::schedule::Period::new(2019, 12).unwrap();
    let under_old = ledger.plan_returns(old, Some(december)).unwrap();
    assert!(
        under_old
            .iter()
            .flat_map(|r| r.rows.iter())
            .any(|row| row.progress == "十二月已完成。"),
        "{under_old:?}"
    );
    assert!(ledger.plan_returns(carried, None).unwrap().is_empty());
}

/// Every labelled node of the window lies within its width: nothing is cut at the right edge.
fn assert_nothing_cut(
    harness: &egui_kittest::Harness<'static, taizhang::ui::TaizhangApp>,
    width: f32,
) {
    use egui_kittest::kittest::{NodeT as _, Queryable as _};
    let cut: Vec<String> = harness
        .query_all_by_label_contains("")
        .filter(|node| {
            let rect = node.rect();
            rect.max.x > width + 1.0 || rect.min.x < -1.0
        })
        .map(|node| {
            format!(
                "“{}” {:?}",
                node.accesskit_node().label().unwrap_or_default(),
                node.rect()
            )
        })
        .collect();
    assert!(
        cut.is_empty(),
        "past the window's edge ({width}):\n{}",
        cut.join("\n")
    );
}

/// Scrolls a node into view and checks it is then inside the window.
fn reachable(
    harness: &mut egui_kittest::Harness<'static, taizhang::ui::TaizhangApp>,
    label: &str,
    size: [f32; 2],
) {
    use egui_kittest::kittest::Queryable as _;
    harness.get_by_label_contains(label).scroll_to_me();
    harness.run_steps(30);
    let rect = harness.get_by_label_contains(label).rect();
    assert!(
        rect.max.y <= size[1] + 1.0 && rect.min.y >= 0.0,
        "“{label}” cannot be scrolled into the window: {rect:?}"
    );
}

/// The plan-import review with the carried plan's matches is usable at 1280×800 and 900×600:
/// nothing cut at the edge, the matches and the tasks to close reachable by scrolling, a
/// clear pair matched by its lead.
#[test]
fn the_import_review_fits_the_window_and_scrolls_to_its_end() {
    use egui_kittest::kittest::Queryable as _;
    let temp = TempLedger::new();
    let db = &temp.path;
    run(
        db,
        "2019-12-28",
        &["carry-forward", "--all-tasks", "--json"],
    );
    let seed = include_str!("fixtures/rongshui-2019-soil-plan.txt");
    // The 2020 plan drops one task: it is to be closed.
    let seed = seed.replace("2019", "2020").replace("2018", "2019");
    // Task 3.1.4 is the paragraph from its number to the next item.
    let start = seed.find("（4）不断强化工业固体废物处理处置").unwrap();
    let end = seed.find("2．严格控制重金属污染物排放总量").unwrap();
    let text = format!("{}{}", &seed[..start], &seed[end..]);
    let plan = temp.dir.path().join("2020年计划.txt");
    std::fs::write(&plan, text).unwrap();
    for size in [[1280.0, 800.0], [900.0, 600.0]] {
        let day = chrono::NaiveDate::from_ymd_opt(2020, 6, 20).unwrap();
        let mut harness = common::start_app(db, day, size);
        common::click(&mut harness, "导入计划");
        let field = harness.get_by_label("文件路径");
        field.focus();
        field.type_text(plan.to_str().unwrap());
        harness.run();
        harness.key_press(egui::Key::Enter);
        common::run_until(&mut harness, |h| {
            h.query_by_label_contains("已读入：2020年计划.txt")
                .is_some()
        });
        common::click(&mut harness, "识别");
        assert_nothing_cut(&harness, size[0]);
        common::click(&mut harness, "核对任务");
        let tab = harness.get_by_label_contains("与沿用上年计划的任务对应");
        tab.click();
        harness.run();
        assert_nothing_cut(&harness, size[0]);
        reachable(&mut harness, "将关闭的沿用任务", size);
        // The last match's picker scrolls into the window.
        let role = egui::accesskit::Role::ComboBox;
        harness
            .query_all_by_role(role)
            .last()
            .unwrap()
            .scroll_to_me();
        harness.run_steps(30);
        let rect = harness.query_all_by_role(role).last().unwrap().rect();
        assert!(
            rect.max.y <= size[1] + 1.0 && rect.min.y >= 0.0,
            "the last match cannot be scrolled into the window: {rect:?}"
        );
        assert_nothing_cut(&harness, size[0]);
    }
}

/// A table plan's short task title finds last year's paragraph with the same lead: the new
/// 1.1 "完成受污染耕地安全利用任务" (牵头 县农业农村局) continues 4.2 "开展受污染耕地安全利用和治理与修复".
#[test]
fn a_short_title_with_the_same_lead_is_matched() {
    use taizhang::plan_text::{NamedPart, ParsedPlan, ParsedSection, ParsedTask};
    let temp = TempLedger::new();
    run(
        &temp.path,
        "2019-12-28",
        &["carry-forward", "--all-tasks", "--json"],
    );
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let carried = ledger.focused_plan().unwrap();
    let task = |code: &str, title: &str, lead: &str| ParsedTask {
        code: code.to_owned(),
        title: title.to_owned(),
        body: String::new(),
        note: String::new(),
        leads_separately: false,
        leads: vec![NamedPart {
            name: lead.to_owned(),
            scope: String::new(),
        }],
        participants: Vec::new(),
        milestones: Vec::new(),
        deadline: "2020年底前".to_owned(),
        span: 0..0,
    };
    let parsed = ParsedPlan {
        title: "2020年土壤污染防治工作任务分工表".to_owned(),
        year: 2020,
        document_number: String::new(),
        issuer: String::new(),
        issued_on: None,
        targets: Vec::new(),
        sections: vec![ParsedSection {
            number: "一".to_owned(),
            title: "农用地".to_owned(),
            headings: Vec::new(),
            tasks: vec![
                task("1.1", "完成受污染耕地安全利用任务", "县农业农村局"),
                task("1.2", "组织开展全县化肥农药减量增效", "县农业农村局"),
            ],
        }],
        new_departments: Vec::new(),
        notes: Vec::new(),
        warnings: Vec::new(),
        source: String::new(),
    };
    let matches = taizhang::service::match_tasks(&carried, &parsed);
    assert_eq!(
        matches[0].as_ref().map(|m| m.code.as_str()),
        Some("4.2"),
        "{matches:?}"
    );
}

/// 首页 lists what `deadlines` calls overdue, before and after carrying forward: an ended
/// plan's unfinished milestones stay overdue until carried (then shown as carried), and the
/// returns it still owes stay listed.
#[test]
fn home_lists_what_deadlines_calls_overdue_before_and_after_carrying() {
    use egui_kittest::kittest::{NodeT as _, Queryable as _};
    let temp = TempLedger::new();
    let db = &temp.path;
    for carried in [false, true] {
        if carried {
            run(db, "2019-12-28", &["carry-forward", "--json"]);
        }
        let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 6).unwrap();
        let harness = common::start_app(db, day, [1280.0, 900.0]);
        let heading = harness.get_by_label_contains("已逾期（");
        let label = format!(
            "{:?}{:?}",
            heading.accesskit_node().label(),
            heading.value()
        );
        let deadlines = run(
            db,
            "2020-01-06",
            &[
                "deadlines",
                "--from",
                "2019-01-01",
                "--to",
                "2020-01-06",
                "--json",
            ],
        );
        let overdue = deadlines["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["state"] == "overdue")
            .count();
        let carried_milestones = deadlines["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["state"] == "carried" && d["kind"] == "milestone")
            .count();
        assert_eq!(carried_milestones > 0, carried);
        assert!(
            label.contains(&format!("已逾期（{overdue}）")),
            "carried {carried}: {label}, {overdue} overdue"
        );
    }
}

/// Before the first start's choice the window names no plan; after it, the navigation and the
/// window's title name the plan in focus. `--help` says what a new `--db` file gets.
#[test]
fn the_window_names_the_plan_only_once_there_is_one() {
    use egui_kittest::kittest::Queryable as _;
    let temp = TempLedger::new();
    let mut harness = common::start_window(&temp.path, common::today(), [1280.0, 900.0]);
    assert!(harness.query_by_label_contains("当前：").is_none());
    assert_eq!(harness.state().window_title(), taizhang::ui::WINDOW_TITLE);
    common::click(&mut harness, "从示例开始");
    harness.get_by_label_contains("当前：2019年");
    let title = harness.state().window_title();
    assert!(
        title.contains("土壤污染防治攻坚重点工作实施计划（示例）"),
        "{title}"
    );
    drop(harness);
    let help = taizhang(&["--help"]);
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(text.contains("窗口新建时先询问如何开始"), "{text}");
}

/// 设置 → 报送截止日 under a carried plan quotes last year's plan as last year's.
#[test]
fn the_due_day_of_a_carried_plan_is_quoted_as_last_years() {
    use egui_kittest::kittest::Queryable as _;
    let temp = TempLedger::new();
    run(&temp.path, "2019-12-28", &["carry-forward", "--json"]);
    let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 6).unwrap();
    let mut harness = common::start_app(&temp.path, day, [1280.0, 900.0]);
    common::click(&mut harness, "设置");
    harness.get_by_label_contains("沿用的2019年计划正文规定每月3日前报送");
    harness.get_by_label_contains("附件进展表（沿用2019年）的注中写的是每月1日前报送");
    assert!(
        harness
            .query_by_label_contains("“沿用2019年计划：")
            .is_none()
    );
}

/// The return preview keeps within the window before and after the import, whatever the
/// length of the texts (the ledger's and the file's columns wrap).
#[test]
fn the_return_preview_stays_within_the_window_after_the_import() {
    let temp = TempLedger::new();
    let templates = common::july_templates(&temp.path);
    let template = templates
        .iter()
        .find(|t| t.to_string_lossy().contains("县农业农村局"))
        .unwrap();
    let long = "七月份继续推进化肥农药使用量零增长行动，推广测土配方施肥技术面积十二万五千亩，开展统防统治示范片三个，发放宣传资料两千余份，组织技术人员深入乡镇开展培训六期。".repeat(3);
    let filled = common::sheets::fill_first_row(&std::fs::read(template).unwrap(), &long);
    std::fs::write(template, filled).unwrap();
    for size in [[1280.0, 800.0], [900.0, 600.0]] {
        let mut harness = common::start_app(&temp.path, common::today(), size);
        common::drop_files(&mut harness, &[template]);
        harness.run();
        assert_nothing_cut(&harness, size[0]);
        common::click(&mut harness, "导入此文件");
        harness.run();
        assert_nothing_cut(&harness, size[0]);
    }
}
