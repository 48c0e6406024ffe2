//! The window at the turn of the year and on a first start: the three ways to begin, a plan
//! that has ended, carrying it forward, and two plans on 首页 at once.
#![expect(clippy::unwrap_used)]

mod common;

use chrono::NaiveDate;
use common::{TempLedger, click, start_app, start_window};
use egui_kittest::kittest::Queryable as _;
use taizhang::model::PlanKind;
use taizhang::store::Ledger;
use taizhang::ui::Page;

const SIZE: [f32; 2] = [1400.0, 1000.0];

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn a_first_start_offers_own_plan_example_or_blank() {
    // 空白台账: the example and its departments go; an empty plan of this year is current.
    let temp = TempLedger::new();
    let mut harness = start_window(&temp.path, day(2026, 11, 30), SIZE);
    harness.get_by_label("欢迎使用台账：请选择开始的方式");
    assert!(harness.query_by_label_contains("已逾期").is_none());
    click(&mut harness, "空白台账");
    assert_eq!(harness.state().page(), Page::Home);
    harness.get_by_label_contains("还是空白的");
    drop(harness);
    {
        let (ledger, _) = Ledger::open(&temp.path).unwrap();
        assert!(ledger.departments().unwrap().is_empty());
    }
    // A department added by hand on 责任部门.
    let mut harness = start_window(&temp.path, day(2026, 11, 30), SIZE);
    click(&mut harness, "责任部门");
    let field = harness.get_by_label("新部门");
    field.focus();
    field.type_text("县生态环境局");
    harness.run();
    click(&mut harness, "添加部门");
    assert_eq!(harness.state().error(), None);
    drop(harness);
    let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
    assert_eq!(ledger.departments().unwrap()[0].name, "县生态环境局");
    // The same name twice is refused.
    assert!(ledger.add_department("县生态环境局").is_err());
    drop(ledger);
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let plans = ledger.plans().unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].kind, PlanKind::Blank);
    assert_eq!(plans[0].year, 2026);
    assert!(!ledger.first_start_pending().unwrap());
    drop(ledger);
    // Opened again, it does not ask again.
    let harness = start_window(&temp.path, day(2026, 11, 30), SIZE);
    assert!(
        harness
            .query_by_label("欢迎使用台账：请选择开始的方式")
            .is_none()
    );

    // 导入本单位今年的计划: the import page, with nothing of the example left.
    let temp = TempLedger::new();
    let mut harness = start_window(&temp.path, day(2026, 11, 30), SIZE);
    click(&mut harness, "导入本单位今年的计划");
    assert_eq!(harness.state().page(), Page::Import);
    drop(harness);
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    assert!(
        ledger
            .plans()
            .unwrap()
            .iter()
            .all(|p| p.kind != PlanKind::Example)
    );

    // 从示例开始: the 2019 plan, marked 示例, over since 2019: nothing listed as overdue.
    let temp = TempLedger::new();
    let mut harness = start_window(&temp.path, day(2026, 11, 30), SIZE);
    click(&mut harness, "从示例开始");
    assert_eq!(harness.state().page(), Page::Home);
    harness.get_by_label_contains("（示例）”的2019年度已结束");
    harness.get_by_label("已逾期（0）");
    harness.get_by_label("导入2026年的计划…");
    // Carrying 2019 forward into 2020 is no use in 2026.
    assert!(harness.query_by_label_contains("沿用为2020年").is_none());
    click(&mut harness, "新建2026年空白计划");
    drop(harness);
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let current = ledger.focused_plan().unwrap();
    assert_eq!((current.year, current.kind), (2026, PlanKind::Blank));
    assert_eq!(ledger.plans().unwrap().len(), 2);
}

#[test]
fn an_ended_plan_is_carried_forward_from_the_home_page() {
    let temp = TempLedger::new();
    let carried = {
        let (ledger, _) = Ledger::open(&temp.path).unwrap();
        taizhang::service::default_carry(&ledger.focused_plan().unwrap()).len()
    };
    let mut harness = start_app(&temp.path, day(2020, 1, 2), SIZE);
    harness.get_by_label_contains("的年度即将收尾");
    click(&mut harness, "沿用为2020年工作计划（沿用上年）…");
    harness.get_by_label("沿用为2020年工作计划");
    harness.get_by_label("未完成的时间节点顺延一年");
    click(&mut harness, &format!("沿用 {carried} 项任务"));
    assert_eq!(harness.state().page(), Page::Plan);
    drop(harness);
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let current = ledger.focused_plan().unwrap();
    assert_eq!(current.kind, PlanKind::Carried);
    assert_eq!(current.year, 2020);
    assert_eq!(current.tasks().count(), carried);
    assert!(carried > 10);
    assert!(current.form.rows().count() > 20);
}

#[test]
fn on_the_second_of_january_home_shows_both_plans_labelled() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap();
    let output = common::taizhang(&["--db", db, "--today", "2019-12-28", "carry-forward"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let mut harness = start_app(&temp.path, day(2020, 1, 2), SIZE);
    // December's returns and the fourth quarter's report, due 3 January under 2019's plan.
    harness.get_by_label_contains("〔2019年（示例）〕12月份进展报送截止");
    harness.get_by_label_contains("〔2019年（示例）〕试点示范第4季度详细报告");
    harness.get_by_label_contains("是沿用上年的工作计划");
    harness.get_by_label_contains("〔2019年（示例）〕2019年12月进展报送");
    // Filtered to the 2020 plan, the 2019 items go.
    click(&mut harness, "显示计划");
    click(&mut harness, "2020年（沿用上年）");
    assert!(
        harness
            .query_by_label_contains("12月份进展报送截止")
            .is_none()
    );
    // The calendar shows both, labelled.
    click(&mut harness, "日历");
    click(&mut harness, "3");
    harness.get_by_label_contains("〔2019年（示例）〕12月份进展报送截止");
}

#[test]
fn chase_overview_and_checklist_cover_both_plans() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap();
    let output = common::taizhang(&["--db", db, "--today", "2019-12-28", "carry-forward"]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    // The 2019 plan is the bureau's own (the example's months count against no one).
    {
        let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
        let first = ledger.plans().unwrap()[0].id;
        ledger.set_plan_kind(first, PlanKind::Imported).unwrap();
    }
    let mut harness = start_app(&temp.path, day(2020, 1, 6), SIZE);
    // December is overdue under 2019's plan: 催报 lists it beside the 2020 plan's month.
    click(&mut harness, "催报");
    harness.get_by_label_contains("其他计划待催报（1个计划）");
    harness.get_by_label_contains("〔2019年〕2019年12月：");
    harness.get_by_label("复制给县农业农村局（含各计划）");
    // 总览: each department's on-time rate year by year.
    click(&mut harness, "总览");
    click(&mut harness, "各部门历年按时报送率");
    harness.get_by_label("2019年");
    harness.get_by_label("2020年");
    // 部门清单: a department's months under the other plan too.
    click(&mut harness, "部门清单");
    harness.get_by_label_contains("2019年度融水苗族自治县土壤污染防治攻坚重点工作实施计划报送情况");
}

#[test]
fn two_departments_are_merged_on_the_departments_page() {
    let temp = TempLedger::new();
    let mut harness = start_app(&temp.path, day(2019, 8, 5), SIZE);
    click(&mut harness, "责任部门");
    click(&mut harness, "县城管执法局　牵头0 参与0 表格1");
    harness.get_by_label_contains("把“县城管执法局”合并到");
    click(&mut harness, "把“县城管执法局”合并到");
    click(&mut harness, "县住建局");
    click(&mut harness, "确认合并到“县住建局”");
    assert_eq!(harness.state().error(), None);
    let departments = &harness.state().data().unwrap().departments;
    assert!(departments.iter().all(|d| d.name != "县城管执法局"));
    let merged = departments.iter().find(|d| d.name == "县住建局").unwrap();
    assert!(merged.aliases.contains(&"县城管执法局".to_owned()));
}

/// The real plan opened on 导入计划 takes the carried plan's place: the review says so, shows
/// each task's match, and saving keeps the carried plan's returns.
#[test]
fn the_real_plan_replaces_the_carried_one_in_the_window() {
    let temp = TempLedger::new();
    let db = temp.path.to_str().unwrap().to_owned();
    let output = common::taizhang(&[
        "--db",
        &db,
        "--today",
        "2019-12-28",
        "carry-forward",
        "--all-tasks",
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let body = temp.dir.path().join("公安局1月.txt");
    std::fs::write(
        &body,
        "3.1.4 不断强化工业固体废物处理处置：1月联合执法检查2次。\n",
    )
    .unwrap();
    let output = common::taizhang(&[
        "--db",
        &db,
        "--today",
        "2020-02-02",
        "import-email",
        body.to_str().unwrap(),
        "--department",
        "县公安局",
        "--period",
        "2020-01",
        "--json",
    ]);
    assert!(output.status.success(), "{}", common::stderr(&output));
    let carried = {
        let (ledger, _) = Ledger::open(&temp.path).unwrap();
        ledger.focused_plan().unwrap().id
    };
    let seed = include_str!("fixtures/rongshui-2019-soil-plan.txt");
    let plan = temp.dir.path().join("2020年计划.txt");
    std::fs::write(&plan, seed.replace("2019", "2020").replace("2018", "2019")).unwrap();

    let mut harness = start_app(&temp.path, day(2020, 6, 20), SIZE);
    click(&mut harness, "导入计划");
    let field = harness.get_by_label("文件路径");
    field.focus();
    field.type_text(plan.to_str().unwrap());
    harness.run();
    // Enter in the field opens the file, as 打开 does; it is read on a worker.
    harness.key_press(egui::Key::Enter);
    common::run_until(&mut harness, |h| {
        h.query_by_label_contains("已读入：2020年计划.txt")
            .is_some()
    });
    click(&mut harness, "识别");
    harness.get_by_label_contains(
        "替换“2020年度融水苗族自治县土壤污染防治攻坚重点工作实施计划（沿用上年）”",
    );
    harness
        .get_by_label_contains("与沿用上年计划的任务对应（0 项将关闭）")
        .click();
    harness.run();
    harness.get_by_label_contains("按文字相似度和牵头单位自动对应");
    // Every carried task continues: none is to be closed.
    assert!(
        harness
            .query_by_label_contains("将关闭的沿用任务")
            .is_none()
    );
    click(&mut harness, "保存并替换");
    assert_eq!(harness.state().error(), None);
    drop(harness);

    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let plans = ledger.plans().unwrap();
    assert_eq!(plans.len(), 2, "replaced, not added");
    let replaced = ledger.plan(carried).unwrap();
    assert_eq!(replaced.kind, PlanKind::Imported);
    assert_eq!(replaced.issued_on, Some(day(2020, 6, 15)));
    let task = replaced.tasks().find(|t| t.code == "3.1.4").unwrap();
    let returns = ledger.plan_returns(carried, None).unwrap();
    assert!(returns.iter().any(|r| {
        r.row(taizhang::returns::RowKey::Task(task.id))
            .is_some_and(|row| row.progress.contains("联合执法检查2次"))
    }));
}

/// 结束此计划 promises 不再催报: the window's 催报 lists nothing to chase for a closed plan.
#[test]
fn a_closed_plan_is_not_chased_on_the_chase_page() {
    let temp = TempLedger::new();
    let made = common::taizhang(&["--db", common::arg(&temp.path), "plan", "--json"]);
    assert!(made.status.success());
    let closed = common::taizhang(&["--db", common::arg(&temp.path), "close-plan", "--plan", "1"]);
    assert!(closed.status.success(), "{}", common::stderr(&closed));
    let mut harness = start_app(&temp.path, day(2019, 8, 10), [1280.0, 900.0]);
    click(&mut harness, "催报");
    harness.get_by_label_contains("已结束，不再催报");
    assert!(harness.query_by_label("全部复制").is_none());
    assert!(harness.query_by_label("打印催报单").is_none());
}

#[test]
fn an_ended_plan_can_be_closed_from_the_home_page() {
    let temp = TempLedger::new();
    let mut harness = start_window(&temp.path, day(2026, 11, 30), SIZE);
    click(&mut harness, "从示例开始");
    harness.get_by_label_contains("（示例）”的2019年度已结束");
    click(&mut harness, "结束该计划");
    drop(harness);
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let plans = ledger.plans().unwrap();
    assert!(plans.iter().all(|p| !p.active), "{plans:?}");
}

/// The window hides 沿用上年 before November; a carry asked for anyway (an old command, a
/// second window) is refused by the service with nothing written, as the command is.
#[test]
fn the_service_refuses_a_carry_forward_the_window_would_hide() {
    let temp = TempLedger::new();
    let made = common::taizhang(&["--db", common::arg(&temp.path), "plan", "--json"]);
    assert!(made.status.success());
    let mut harness = start_app(&temp.path, day(2019, 7, 1), SIZE);
    let plan = harness.state().data().unwrap().plan.id;
    harness
        .state_mut()
        .apply(taizhang::ui::Command::CarryForward(
            taizhang::store::CarryForward {
                from: plan,
                tasks: Vec::new(),
                shift_dates: false,
            },
        ));
    harness.run();
    let error = harness.state().error().unwrap_or_default();
    assert!(error.contains("年度尚未结束"), "{error}");
    drop(harness);
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    assert_eq!(ledger.plans().unwrap().len(), 1);
}
