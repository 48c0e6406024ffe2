//! The real app in egui_kittest on temp ledgers: click, type, restart, see.
#![expect(clippy::unwrap_used)]

mod common;

use common::today;

use common::click;

use std::path::Path;

use common::TempLedger;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use taizhang::store::Ledger;
use taizhang::ui::{Page, TaizhangApp};

fn start(path: &Path) -> Harness<'static, TaizhangApp> {
    common::start_app(path, today(), [1280.0, 860.0])
}

#[test]
fn the_plan_page_shows_a_tasks_lead_departments() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path);
    assert_eq!(
        harness.state().page(),
        Page::Home,
        "the app opens on the home page"
    );
    click(&mut harness, "工作计划");
    harness.get_by_label_contains("融政办发〔2019〕84号");
    harness.get_by_label("（一）稳步推进土壤环境质量调查工作");

    click(&mut harness, "1.3 加强土壤污染状况详查成果应用");
    harness.get_by_label("牵头部门");
    harness.get_by_label("县农业农村局（负责农用地）");
    harness.get_by_label("融水生态环境局（负责企业用地）");
    harness.get_by_label("县卫健局");

    click(&mut harness, "1.1 完成农用地土壤污染状况详查");
    let dates: Vec<String> = harness
        .get_all_by_label("日期")
        .map(|node| node.value().unwrap_or_default())
        .collect();
    assert_eq!(dates, ["2019年6月30日", "2019年8月31日"]);
}

#[test]
fn a_task_title_edit_is_saved_at_once_and_survives_a_restart() {
    let temp = TempLedger::new();
    {
        let mut harness = start(&temp.path);
        click(&mut harness, "工作计划");
        click(&mut harness, "5.2 强化污染地块再开发利用准入管理");
        let field = harness.get_by_label("任务名称");
        field.focus();
        field.type_text("（已修订）");
        harness.run();
        harness.key_press(egui::Key::Enter);
        harness.run();
        let saved = harness
            .state()
            .data()
            .unwrap()
            .plan
            .tasks()
            .find(|t| t.code == "5.2")
            .unwrap()
            .title
            .clone();
        assert_eq!(saved, "强化污染地块再开发利用准入管理（已修订）");
    }
    let mut harness = start(&temp.path);
    click(&mut harness, "工作计划");
    click(&mut harness, "5.2 强化污染地块再开发利用准入管理（已修订）");
}

#[test]
fn a_lead_department_can_be_removed_and_the_change_is_in_the_ledger() {
    let temp = TempLedger::new();
    {
        let mut harness = start(&temp.path);
        click(&mut harness, "工作计划");
        click(
            &mut harness,
            "4.3 实施重度污染耕地种植结构调整或退耕还林还草",
        );
        harness
            .get_all_by_label("移除")
            .next()
            .unwrap()
            .scroll_to_me();
        harness.run();
        harness.get_all_by_label("移除").next().unwrap().click();
        harness.run();
    }
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let leads: Vec<String> = plan
        .tasks()
        .find(|t| t.code == "4.3")
        .unwrap()
        .leads
        .iter()
        .map(|d| d.name.clone())
        .collect();
    assert_eq!(leads, ["县林业局", "县农业农村局"]);
}

#[test]
fn a_department_phone_typed_with_the_ime_is_saved_and_survives_a_restart() {
    let temp = TempLedger::new();
    {
        let mut harness = start(&temp.path);
        click(&mut harness, "责任部门");
        harness.get_by_label_contains("县农业农村局　牵头").click();
        harness.run();
        harness.get_by_label_contains("化肥农药使用量零增长情况");
        harness.get_by_label_contains("3.3　全面管控农业面源污染");

        let phone = harness.get_by_label("联系电话");
        phone.focus();
        phone.type_text("0772-5121234");
        harness.run();
        harness.key_press(egui::Key::Tab);
        harness.run();

        let person = harness.get_by_label("联系人");
        person.focus();
        harness.run();
        harness.event(egui::Event::Ime(egui::ImeEvent::Preedit {
            text: "wang".to_owned(),
            active_range_chars: None,
        }));
        harness.event(egui::Event::Ime(egui::ImeEvent::Commit(
            "王科长".to_owned(),
        )));
        harness.run();
        harness.key_press(egui::Key::Enter);
        harness.run();
    }
    let mut harness = start(&temp.path);
    click(&mut harness, "责任部门");
    let data = harness.state().data().unwrap();
    let department = data
        .departments
        .iter()
        .find(|d| d.name == "县农业农村局")
        .unwrap();
    assert_eq!(department.phone, "0772-5121234");
    assert_eq!(department.contact_person, "王科长");
    harness.get_by_label_contains("县农业农村局　牵头").click();
    harness.run();
    assert_eq!(
        harness.get_by_label("联系电话").value().unwrap(),
        "0772-5121234"
    );
}

#[test]
fn a_departments_tasks_link_to_the_plan_page() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path);
    click(&mut harness, "责任部门");
    harness.get_by_label_contains("县卫健局　").click();
    harness.run();
    harness
        .get_by_label_contains("1.3　加强土壤污染状况详查成果应用")
        .click();
    harness.run();
    assert_eq!(harness.state().page(), Page::Plan);
    harness.get_by_label("县农业农村局（负责农用地）");
}

#[test]
fn the_settings_page_shows_our_unit_the_rule_and_the_backups() {
    let temp = TempLedger::new();
    drop(start(&temp.path));
    // The second start backs the ledger up.
    let mut harness = start(&temp.path);
    click(&mut harness, "设置");
    assert_eq!(
        harness.get_by_label("填报单位").value().unwrap(),
        "融水生态环境局生态股"
    );
    harness.get_by_label_contains("计划正文规定每月3日前报送");
    harness.get_by_label_contains("附件进展表的注中写的是每月1日前");
    harness.get_by_label_contains("现有 1 份备份");
    click(&mut harness, "立即备份");
    harness.get_by_label_contains("现有 2 份备份");
}

#[test]
fn a_corrupt_ledger_shows_a_chinese_message_and_is_not_touched() {
    let temp = TempLedger::new();
    std::fs::write(&temp.path, vec![0x42_u8; 8192]).unwrap();
    let harness = start(&temp.path);
    harness.get_by_label("无法打开台账");
    harness.get_by_label_contains("已损坏");
    assert!(
        std::fs::read(&temp.path).unwrap() == vec![0x42_u8; 8192],
        "the file was changed"
    );
}

#[test]
fn a_second_window_on_the_same_ledger_says_it_is_open_elsewhere() {
    let temp = TempLedger::new();
    let _first = start(&temp.path);
    let second = start(&temp.path);
    // It leads with what to do, and offers no restore: nothing is wrong with the ledger.
    second.get_by_label("台账已在另一个窗口中打开");
    second.get_by_label_contains("请切换到已经打开的");
    assert!(second.query_by_label("用最新的备份恢复").is_none());
}

#[test]
fn both_themes_render_every_page() {
    use taizhang::ui::Page;
    let temp = TempLedger::new();
    // Made as the commands make it: the example plan, no first-start choice.
    drop(taizhang::store::Ledger::open(&temp.path).unwrap());
    for theme in [egui::Theme::Light, egui::Theme::Dark] {
        let path = temp.path.clone();
        let mut harness = Harness::builder()
            .with_size([1280.0, 860.0])
            .with_theme(theme)
            .build_eframe(move |cc| TaizhangApp::new(cc, path, today()));
        harness.run();
        assert_eq!(
            harness.ctx.global_style().visuals.dark_mode,
            theme == egui::Theme::Dark,
            "the window follows the theme"
        );
        // Every page, from the navigation column, in both themes: each opens without an error
        // and shows something of its own.
        for page in Page::ALL {
            let label = page.label();
            let navigation = harness
                .query_all_by_label(label)
                .next()
                .unwrap_or_else(|| panic!("no navigation entry {label}"));
            navigation.click();
            harness.run();
            assert_eq!(harness.state().page(), page, "{label} did not open");
            assert_eq!(harness.state().error(), None, "{label}");
            let own = match page {
                Page::Home => "逾期",
                Page::Calendar => "导出到手机日历",
                Page::Plan => "1.1",
                Page::Import => "计划正文",
                Page::Returns => "进展情况",
                Page::ImportReturns => "选择文件…",
                Page::Mail => "打开邮件文件…",
                Page::Checklist => "融水生态环境局",
                Page::Overview => "报送总览",
                Page::Chase => "催报单",
                Page::Sheet => "选择文件夹…",
                Page::Departments => "县自然规划局",
                Page::Settings => "填报人",
            };
            assert!(
                harness.query_all_by_label_contains(own).next().is_some(),
                "{label} ({theme:?}) shows no “{own}”"
            );
        }
        drop(harness);
    }
}

#[test]
fn text_still_being_typed_is_saved_when_the_window_closes() {
    let temp = TempLedger::new();
    {
        let mut harness = start(&temp.path);
        click(&mut harness, "设置");
        let field = harness.get_by_label("填报人");
        field.focus();
        field.type_text("赵六");
        harness.run();
        // No Enter, no click elsewhere: the window is closed with the field still focused.
        eframe::App::on_exit(harness.state_mut(), None);
    }
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    assert_eq!(ledger.settings().unwrap().contact_person, "赵六");
}

#[test]
fn a_pasted_plan_is_reviewed_corrected_and_committed_as_a_new_plan() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path);
    click(&mut harness, "导入计划");
    let field = harness.get_by_label("计划正文");
    field.focus();
    harness.run();
    harness.event(egui::Event::Paste(
        "2020年度地下水污染防治工作计划\n二、重点任务\n（一）调查评估\n1．开展地下水调查。6月底前完成布点。（县水利局牵头，县林业局参与）\n2．加强监测。（县林业局牵头）\n"
            .to_owned(),
    ));
    harness.run();
    click(&mut harness, "识别");
    harness.get_by_label_contains("识别到 2 项任务");
    harness.get_by_label("1.1 开展地下水调查　牵头：县水利局");

    // Correct the lead of 1.1: 县水利局 → 县自然规划局.
    harness.get_all_by_label("部门").next().unwrap().click();
    harness.run();
    harness
        .get_by_role_and_label(egui::accesskit::Role::Button, "县自然规划局")
        .click();
    harness.run();
    harness.get_by_label("1.1 开展地下水调查　牵头：县自然规划局");

    click(&mut harness, "保存为新计划");
    assert_eq!(harness.state().page(), Page::Plan);
    harness.get_by_label("2020年度地下水污染防治工作计划");
    click(&mut harness, "1.1 开展地下水调查");
    harness.get_by_label("县自然规划局");
    drop(harness);

    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let plans = ledger.plans().unwrap();
    assert_eq!(plans.len(), 2);
    let current = ledger.focused_plan().unwrap();
    assert_eq!(current.year, 2020);
    let task = current.tasks().next().unwrap();
    assert_eq!(task.leads[0].name, "县自然规划局");
    assert_eq!(task.milestones[0].due_date.to_string(), "2020-06-30");
}

#[test]
fn a_cancelled_review_leaves_the_ledger_untouched() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path);
    click(&mut harness, "导入计划");
    let field = harness.get_by_label("计划正文");
    field.focus();
    harness.run();
    harness.event(egui::Event::Paste(
        "（一）调查\n1．开展调查。（县水利局牵头）\n".to_owned(),
    ));
    harness.run();
    click(&mut harness, "识别");
    click(&mut harness, "放弃");
    harness.get_by_label("计划正文");
    drop(harness);
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    assert_eq!(ledger.plans().unwrap().len(), 1);
}

#[test]
fn a_corrupt_ledger_is_restored_from_the_newest_backup_and_kept_aside() {
    let temp = TempLedger::new();
    {
        let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
        let mut settings = ledger.settings().unwrap();
        settings.contact_person = "备份前的填报人".to_owned();
        ledger.update_settings(&settings).unwrap();
        ledger.backup().unwrap();
    }
    std::fs::write(&temp.path, vec![0x42_u8; 8192]).unwrap();
    let mut harness = start(&temp.path);
    harness.get_by_label("无法打开台账");
    click(&mut harness, "用最新的备份恢复");
    click(&mut harness, "确定恢复");
    assert!(harness.state().failure().is_none());
    assert_eq!(
        harness.state().data().unwrap().settings.contact_person,
        "备份前的填报人"
    );
    let kept: Vec<_> = std::fs::read_dir(temp.dir.path().join("backups"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("before-restore"))
        .collect();
    assert_eq!(kept.len(), 1);
    let aside = temp.dir.path().join("backups").join(&kept[0]);
    assert!(
        std::fs::read(aside).unwrap() == vec![0x42_u8; 8192],
        "the damaged file is kept as it was"
    );
}

#[test]
fn a_read_only_ledger_says_so_and_offers_the_newest_backup() {
    let temp = TempLedger::new();
    {
        let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
        let mut settings = ledger.settings().unwrap();
        settings.contact_person = "只读之前".to_owned();
        ledger.update_settings(&settings).unwrap();
        ledger.backup().unwrap();
    }
    let mut permissions = std::fs::metadata(&temp.path).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&temp.path, permissions).unwrap();
    let before = std::fs::read(&temp.path).unwrap();

    let mut harness = start(&temp.path);
    harness.get_by_label("无法打开台账");
    harness.get_by_label_contains("是只读的");
    assert_eq!(
        std::fs::read(&temp.path).unwrap(),
        before,
        "nothing written"
    );
    click(&mut harness, "用最新的备份恢复");
    click(&mut harness, "确定恢复");
    assert!(harness.state().failure().is_none());
    assert_eq!(
        harness.state().data().unwrap().settings.contact_person,
        "只读之前"
    );
}

#[test]
fn a_ledger_open_in_another_window_can_be_opened_again_once_that_window_closes() {
    let temp = TempLedger::new();
    drop(Ledger::open(&temp.path).unwrap());
    let other_window = taizhang::store::LedgerLock::acquire(&temp.path).unwrap();
    let mut harness = start(&temp.path);
    harness.get_by_label("台账已在另一个窗口中打开");
    click(&mut harness, "那个窗口已关闭，重新打开");
    harness.get_by_label("台账已在另一个窗口中打开");
    drop(other_window);
    click(&mut harness, "那个窗口已关闭，重新打开");
    assert!(harness.state().failure().is_none());
    harness.get_by_label("首页");
}

#[test]
fn a_backup_chosen_in_the_settings_replaces_the_ledger_after_confirmation() {
    let temp = TempLedger::new();
    drop(start(&temp.path));
    // The second start makes a backup; then the phone is changed.
    let mut harness = start(&temp.path);
    harness.state_mut().wait_for_backup();
    click(&mut harness, "设置");
    let field = harness.get_by_label("联系电话");
    field.focus();
    field.type_text("99");
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run();
    assert_eq!(harness.state().data().unwrap().settings.phone, "512932899");
    let backup = taizhang::store::list_backups(&temp.path)[0].path.clone();
    let name = backup.file_name().unwrap().to_string_lossy().into_owned();
    click(&mut harness, &format!("恢复 {name}"));
    click(&mut harness, "取消");
    assert_eq!(
        harness.state().data().unwrap().settings.phone,
        "512932899",
        "cancel changes nothing"
    );
    click(&mut harness, &format!("恢复 {name}"));
    click(&mut harness, "确定恢复");
    assert_eq!(harness.state().data().unwrap().settings.phone, "5129328");
    harness.get_by_label_contains("已从备份恢复");
}

/// At 900×600, the smallest window the app allows, every page lays out with every button
/// inside the window: none is cut off at the right edge or pushed out of it.
#[test]
fn every_page_fits_a_small_window() {
    use egui::accesskit::Role;
    use egui_kittest::kittest::NodeT as _;
    use taizhang::ui::Page;
    for size in [[900.0_f32, 600.0], [1280.0, 800.0]] {
        let temp = TempLedger::new();
        let path = temp.path.clone();
        let mut harness = Harness::builder()
            .with_size(size)
            .build_eframe(move |cc| TaizhangApp::new(cc, path, today()));
        harness.run();
        let mut offenders = Vec::new();
        for page in Page::ALL {
            harness
                .query_all_by_label(page.label())
                .next()
                .unwrap()
                .click();
            harness.run();
            // The calendar in its year view, the widest of its layouts; the plan with a task
            // and its editor (the 移除 buttons) open.
            if page == Page::Calendar {
                harness.get_by_label("年视图").click();
                harness.run();
            }
            if page == Page::Plan {
                click(
                    &mut harness,
                    "4.3 实施重度污染耕地种植结构调整或退耕还林还草",
                );
            }
            harness.run();
            let nodes = harness
                .query_all_by_role(Role::Button)
                .chain(harness.query_all_by_role(Role::Label));
            for node in nodes {
                let rect = node.rect();
                if rect.max.x > size[0] + 0.5 || rect.min.x < -0.5 {
                    offenders.push(format!(
                        "{} {:?}: “{}” at {:.0}..{:.0}",
                        page.label(),
                        size,
                        node.accesskit_node().label().unwrap_or_default(),
                        rect.min.x,
                        rect.max.x
                    ));
                }
            }
        }
        assert!(offenders.is_empty(), "{}", offenders.join("\n"));
    }
}

/// Milestones are marked done where they are seen: on 首页's overdue list and in 工作计划.
#[test]
fn milestones_are_marked_done_from_the_home_page_and_the_plan() {
    let temp = TempLedger::new();
    drop(taizhang::store::Ledger::open(&temp.path).unwrap());
    let later = chrono::NaiveDate::from_ymd_opt(2019, 9, 10).unwrap();
    let path = temp.path.clone();
    let mut harness = Harness::builder()
        .with_size([1280.0, 900.0])
        .build_eframe(move |cc| TaizhangApp::new(cc, path, later));
    harness.run();
    let done_count = |harness: &Harness<'static, TaizhangApp>| {
        harness
            .state()
            .data()
            .unwrap()
            .plan
            .tasks()
            .flat_map(|t| t.milestones.iter())
            .filter(|m| m.done_on.is_some())
            .count()
    };
    assert_eq!(done_count(&harness), 0);
    harness
        .query_all_by_label("标记完成")
        .next()
        .expect("an overdue milestone offers 标记完成 on 首页")
        .click();
    harness.run();
    assert_eq!(done_count(&harness), 1);

    click(&mut harness, "工作计划");
    let first_task = harness
        .state()
        .data()
        .unwrap()
        .plan
        .tasks()
        .find(|t| t.milestones.len() >= 2)
        .map(|t| format!("{} {}", t.code, t.title))
        .unwrap();
    click(&mut harness, &first_task);
    harness
        .query_all_by_label("标记完成")
        .next()
        .expect("the plan page offers 标记完成")
        .click();
    harness.run();
    assert_eq!(done_count(&harness), 2);
    // Editing the task afterwards does not undo it.
    eframe::App::on_exit(harness.state_mut(), None);
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let done = ledger
        .focused_plan()
        .unwrap()
        .tasks()
        .flat_map(|t| t.milestones.iter())
        .filter(|m| m.done_on == Some(later))
        .count();
    assert_eq!(done, 2);
}

/// Messages stack: a notice and an error stand together, each is dismissed by itself, and a
/// dismissed one does not come back.
#[test]
fn messages_stack_and_a_dismissed_one_stays_away() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path);
    click(&mut harness, "设置");
    click(&mut harness, "立即备份");
    harness.get_by_label_contains("已备份到");
    // No code saved and no credential store here, or no address: an error either way.
    click(&mut harness, "测试连接");
    let messages = harness.state().messages();
    assert_eq!(messages.len(), 2, "{messages:?}");
    let (is_error, error) = messages[0].clone();
    assert!(is_error, "the error on top: {messages:?}");
    // Both on screen.
    let start: String = error.chars().take(8).collect();
    harness.get_by_label_contains(&start);
    harness.get_by_label_contains("已备份到");
    click(&mut harness, "知道了");
    for _ in 0..30 {
        harness.step();
    }
    harness.run();
    assert!(harness.query_by_label_contains(&start).is_none());
    assert!(harness.state().error().is_none());
    harness.get_by_label_contains("已备份到");
    click(&mut harness, "关闭提示");
    assert!(harness.state().messages().is_empty());
}
