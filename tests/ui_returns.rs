//! The monthly-returns pages in egui_kittest: type a return, see the checklist, the overview
//! and the chase list change.
#![expect(clippy::unwrap_used)]

mod common;

use common::july;

use common::click;

use std::path::Path;

use chrono::NaiveDate;
use common::TempLedger;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use taizhang::returns::{ReturnSource, RowKey, RowWrite};
use taizhang::schedule::ReturnState;
use taizhang::store::Ledger;
use taizhang::ui::TaizhangApp;

/// The day these tests take as today: the day after July's due day (Monday 5 August, 3 August
/// 2019 being a Saturday).
fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2019, 8, 6).unwrap()
}

fn start(path: &Path) -> Harness<'static, TaizhangApp> {
    common::start_app(path, today(), [1280.0, 900.0])
}

fn state_of(harness: &Harness<'static, TaizhangApp>, department: &str) -> ReturnState {
    let data = harness.state().data().unwrap();
    data.status(july())
        .unwrap()
        .departments
        .iter()
        .find(|d| d.department == department)
        .unwrap()
        .state
}

fn choose_department(harness: &mut Harness<'static, TaizhangApp>, name: &str) {
    harness.get_by_label("部门").click();
    harness.run();
    harness
        .get_by_role_and_label(egui::accesskit::Role::Button, name)
        .click();
    harness.run();
}

#[test]
fn a_typed_return_shows_in_the_checklist_and_overview_and_leaves_the_chase_list() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path);

    // With today 2019-08-06 the chase list for July names every department owing a return.
    click(&mut harness, "催报");
    assert!(
        harness
            .query_all_by_label_contains(
                "2019年7月份《重点工作进展》应于8月5日前报送，截至8月6日尚未收到贵单位的报送。请于8月7日前报送"
            )
            .next()
            .is_some()
    );

    click(&mut harness, "月度报送");
    choose_department(&mut harness, "县住建局");
    assert_eq!(state_of(&harness, "县住建局"), ReturnState::Missing);
    // The row numbered as the template and 部门清单 number it.
    harness.get_by_label_contains("11．非正规垃圾堆放点排查整治情况");
    // 县住建局 answers one form row (1.11); type it with the IME, then leave the field.
    let field = harness.get_by_label("进展情况");
    field.focus();
    harness.run();
    harness.event(egui::Event::Ime(egui::ImeEvent::Commit(
        "完成非正规垃圾堆放点排查3处".to_owned(),
    )));
    harness.run();
    harness.key_press(egui::Key::Tab);
    harness.run();

    // The save is confirmed with its time.
    harness.get_by_label_contains("已保存 ");
    // Received today, after the due day (8月5日): late.
    assert_eq!(state_of(&harness, "县住建局"), ReturnState::Late);
    let data = harness.state().data().unwrap();
    let department_id = data
        .departments
        .iter()
        .find(|d| d.name == "县住建局")
        .unwrap()
        .id;
    let record = data.record(department_id, july()).unwrap();
    assert_eq!(record.rows[0].progress, "完成非正规垃圾堆放点排查3处");
    assert_eq!(record.received_on, Some(today()));

    click(&mut harness, "部门清单");
    harness.get_by_label_contains("完成非正规垃圾堆放点排查3处");
    harness.get_by_label_contains("11．非正规垃圾堆放点排查整治情况");
    harness.get_by_label("7月\n逾期补报");

    click(&mut harness, "总览");
    harness.get_by_label_contains("逾期补报·齐全 1");

    click(&mut harness, "催报");
    assert!(
        harness
            .query_by_label_contains("县住建局：\n根据")
            .is_none()
    );
    harness.get_by_label_contains("县农业农村局：\n根据");
}

#[test]
fn overwriting_a_row_keeps_its_history_and_undo_puts_it_back() {
    let temp = TempLedger::new();
    {
        let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
        let plan = ledger.focused_plan().unwrap();
        let row = plan.form.rows().find(|r| r.code == "1.11").unwrap().clone();
        let department_id = row.departments[0].0;
        ledger
            .write_return_rows(&[RowWrite {
                department_id,
                period: july(),
                key: RowKey::FormRow(row.id),
                progress: "旧的进展".to_owned(),
                remark: String::new(),
                source: ReturnSource::Email,
                received_on: NaiveDate::from_ymd_opt(2019, 8, 2),
            }])
            .unwrap();
    }
    let mut harness = start(&temp.path);
    click(&mut harness, "月度报送");
    choose_department(&mut harness, "县住建局");
    assert_eq!(state_of(&harness, "县住建局"), ReturnState::OnTime);
    let field = harness.get_by_label("进展情况");
    field.focus();
    field.type_text("，新增两处");
    harness.run();
    harness.key_press(egui::Key::Tab);
    harness.run();

    click(&mut harness, "修改记录（1）");
    harness.get_by_label("旧的进展");
    assert!(harness.state().can_undo());
    click(&mut harness, "撤销上一次保存");
    assert_eq!(
        harness.get_by_label("进展情况").value().unwrap(),
        "旧的进展"
    );
    click(&mut harness, "修改记录（2）");
    harness.get_by_label("旧的进展，新增两处");
}

#[test]
fn a_pasted_email_is_split_into_the_rows_it_numbers() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path);
    click(&mut harness, "月度报送");
    choose_department(&mut harness, "县农业农村局");
    let body = "现将7月份工作进展报送如下：\n8．化肥农药使用量零增长情况：已制定年度工作方案。\n9．废弃农膜回收利用情况：回收废弃农膜12吨。\n10．开展农药包装废弃物回收处理试点情况：无此项任务";
    let fields: Vec<_> = harness.get_all_by_label("进展情况").collect();
    fields[0].focus();
    drop(fields);
    harness.run();
    harness.event(egui::Event::Paste(body.to_owned()));
    harness.run();
    harness.get_by_label_contains("粘贴的内容包含 3 个编号段落");
    click(&mut harness, "拆分到对应行");

    let data = harness.state().data().unwrap();
    let department_id = data
        .departments
        .iter()
        .find(|d| d.name == "县农业农村局")
        .unwrap()
        .id;
    let record = data.record(department_id, july()).unwrap();
    let texts: Vec<(&str, ReturnSource)> = record
        .rows
        .iter()
        .map(|r| (r.progress.as_str(), r.source))
        .collect();
    assert_eq!(
        texts,
        [
            ("已制定年度工作方案。", ReturnSource::Email),
            ("回收废弃农膜12吨。", ReturnSource::Email),
            ("无此项任务", ReturnSource::Email),
        ]
    );
}

#[test]
fn the_chase_message_copied_names_the_missing_rows() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path);
    click(&mut harness, "催报");
    harness.get_by_label("复制给县农业农村局").click();
    // The copy goes out with the frame that handles the click.
    harness.step();
    let copied: Vec<String> = harness
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|command| match command {
            egui::OutputCommand::CopyText(text) => Some(text.clone()),
            _ => None,
        })
        .collect();
    let text = copied.concat();
    harness.run();
    harness.get_by_label_contains("已复制给县农业农村局的催报消息");
    assert!(
        text.starts_with("县农业农村局：\n根据《2019年度融水苗族自治县土壤污染防治攻坚重点工作实施计划》（融政办发〔2019〕84号）的要求，2019年7月份《重点工作进展》应于8月5日前报送，截至8月6日尚未收到贵单位的报送。请于8月7日前报送，需填写："),
        "{text}"
    );
    // The rows as the department's template numbers them.
    assert!(text.contains("★8．化肥农药使用量零增长情况"), "{text}");
    assert!(text.contains("★3．受污染耕地安全利用任务"), "{text}");
    assert!(text.contains("请将报送表发送至rsxstg@163.com"), "{text}");
    assert!(text.trim_end().ends_with("融水生态环境局生态股"), "{text}");
}

#[test]
fn the_sheet_page_edits_a_row_and_exports_both_files() {
    let temp = TempLedger::new();
    let folder = temp.dir.path().join("导出");
    let mut harness = start(&temp.path);
    click(&mut harness, "进展表");
    harness.get_by_label_contains("填报单位：融水生态环境局生态股");
    // Row 1.1 is the first 进展情况 field; type the coordinator's wording and leave it.
    let fields: Vec<_> = harness.get_all_by_label("进展情况").collect();
    fields[0].focus();
    drop(fields);
    harness.run();
    harness.event(egui::Event::Ime(egui::ImeEvent::Commit(
        "已完成涉重金属企业排查。".to_owned(),
    )));
    harness.run();
    harness.key_press(egui::Key::Tab);
    harness.run();
    let data = harness.state().data().unwrap();
    assert_eq!(data.sheet_edits.len(), 1);
    assert_eq!(data.sheet_edits[0].progress, "已完成涉重金属企业排查。");
    harness.get_by_label("【已修改】");

    let field = harness.get_by_label("导出到");
    field.focus();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_label("导出到")
        .type_text(folder.to_str().unwrap());
    harness.run();
    // The export runs in the background while a spinner turns: step, don't settle.
    harness.get_by_label("导出 Excel 和 PDF").click();
    harness.run();
    // The first export asks for 填报人 and 联系电话 while they are empty, once.
    let person = harness.get_by_label("填报人");
    person.focus();
    person.type_text("韦工");
    harness.run();
    // The phone the ledger already holds is offered as it is.
    assert!(
        harness
            .get_by_label("联系电话")
            .value()
            .is_some_and(|v| !v.is_empty())
    );
    harness.get_by_label("保存并导出").click();
    harness.step();
    let xlsx = folder.join("重点工作进展-2019年7月.xlsx");
    let pdf = folder.join("重点工作进展-2019年7月.pdf");
    for _ in 0..300 {
        harness.step();
        if harness.query_by_label_contains("已导出").is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    harness.get_by_label_contains("已导出");
    // The same flow as export-sheet: the rows no department has answered are named.
    harness.get_by_label_contains("尚未报送（");
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"));
    let settings = &harness.state().data().unwrap().settings;
    assert_eq!(settings.contact_person, "韦工");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF"));
}

#[test]
fn text_typed_in_a_row_is_saved_when_the_user_goes_to_another_page() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path);
    click(&mut harness, "月度报送");
    choose_department(&mut harness, "县住建局");
    let field = harness.get_by_label("进展情况");
    field.focus();
    field.type_text("排查3处");
    harness.run();
    // No Tab, no click in the page: straight to another page.
    click(&mut harness, "总览");
    let data = harness.state().data().unwrap();
    let department_id = data
        .departments
        .iter()
        .find(|d| d.name == "县住建局")
        .unwrap()
        .id;
    assert_eq!(
        data.record(department_id, july()).unwrap().rows[0].progress,
        "排查3处"
    );
}

#[test]
fn undoing_the_first_save_of_a_return_leaves_it_not_received() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path);
    click(&mut harness, "月度报送");
    choose_department(&mut harness, "县住建局");
    let field = harness.get_by_label("进展情况");
    field.focus();
    field.type_text("排查3处");
    harness.run();
    harness.key_press(egui::Key::Tab);
    harness.run();
    assert_eq!(state_of(&harness, "县住建局"), ReturnState::Late);
    click(&mut harness, "撤销上一次保存");
    assert_eq!(state_of(&harness, "县住建局"), ReturnState::Missing);
    assert_eq!(harness.get_by_label("进展情况").value().unwrap(), "");
}

#[test]
fn a_ten_thousand_character_text_typed_in_a_row_is_saved_unchanged() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path);
    click(&mut harness, "月度报送");
    choose_department(&mut harness, "县住建局");
    let text =
        "完成农用地土壤污染状况详查点位复核，全角标点（）、；：“”与半角 ,.;: 混排。\n".repeat(250);
    assert!(text.chars().count() >= 10_000);
    let field = harness.get_by_label("进展情况");
    field.focus();
    field.type_text(&text);
    harness.run();
    harness.key_press(egui::Key::Tab);
    harness.run();
    drop(harness);

    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let department_id = ledger
        .departments()
        .unwrap()
        .into_iter()
        .find(|d| d.name == "县住建局")
        .unwrap()
        .id;
    let record = ledger
        .returns(Some(july()))
        .unwrap()
        .into_iter()
        .find(|r| r.department_id == department_id)
        .unwrap();
    assert_eq!(record.rows[0].progress, text);
}

#[test]
fn the_sheet_lays_out_only_the_rows_in_view_and_the_last_row_is_reached_by_scrolling() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path);
    click(&mut harness, "进展表");
    let (first, last) = {
        let form = &harness.state().data().unwrap().plan.form;
        let first = form.rows().next().unwrap().clone();
        let last = form.rows().last().unwrap().clone();
        (first, last)
    };
    harness.get_by_label_contains(&first.text);
    assert!(harness.query_by_label_contains(&last.text).is_none());

    // The mouse wheel over the sheet, to the bottom.
    harness.event(egui::Event::PointerMoved(egui::pos2(700.0, 600.0)));
    for _ in 0..40 {
        harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -400.0),
            modifiers: egui::Modifiers::NONE,
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
        });
        harness.step();
    }
    // Let the scroll animation end.
    harness.run_steps(120);
    harness.get_by_label_contains(&last.text);
    assert!(
        harness.query_by_label_contains(&first.text).is_none(),
        "rows scrolled out of view are not laid out"
    );

    let field = harness.get_all_by_label("进展情况").last().unwrap();
    field.focus();
    harness.run();
    harness.event(egui::Event::Ime(egui::ImeEvent::Commit(
        "最后一行的进展。".to_owned(),
    )));
    harness.run();
    harness.key_press(egui::Key::Tab);
    harness.run();
    let edits = &harness.state().data().unwrap().sheet_edits;
    assert_eq!(edits.len(), 1);
    assert_eq!(edits[0].form_row_id, last.id);
    assert_eq!(edits[0].progress, "最后一行的进展。");
}

/// Writes 县住建局's July row 1.11 through a connection of its own, as a command run from the
/// command line would while the window is open.
fn write_elsewhere(path: &std::path::Path, text: &str) {
    let (mut ledger, _) = Ledger::open(path).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let row = plan.form.rows().find(|r| r.code == "1.11").unwrap().id;
    let department = ledger
        .departments()
        .unwrap()
        .iter()
        .find(|d| d.name == "县住建局")
        .unwrap()
        .id;
    ledger
        .write_return_rows(&[taizhang::returns::RowWrite {
            department_id: department,
            period: july(),
            key: taizhang::returns::RowKey::FormRow(row),
            progress: text.to_owned(),
            remark: String::new(),
            source: taizhang::returns::ReturnSource::Spreadsheet,
            received_on: Some(today()),
        }])
        .unwrap();
}

fn stored_progress(harness: &Harness<'static, TaizhangApp>) -> String {
    let data = harness.state().data().unwrap();
    let department = data
        .departments
        .iter()
        .find(|d| d.name == "县住建局")
        .unwrap()
        .id;
    data.record(department, july())
        .map(|r| r.rows[0].progress.clone())
        .unwrap_or_default()
}

#[test]
fn another_writer_shows_up_in_the_open_window_and_a_save_over_it_asks_first() {
    let temp = TempLedger::new();
    let mut harness = start(&temp.path);
    click(&mut harness, "月度报送");
    choose_department(&mut harness, "县住建局");

    // A command-line import while the window is open: the window shows it without a restart.
    write_elsewhere(&temp.path, "命令行导入：排查3处");
    harness.run();
    assert_eq!(stored_progress(&harness), "命令行导入：排查3处");
    harness.get_by_label_contains("已被其他程序");
    assert_eq!(
        harness.get_by_label("进展情况").value().as_deref(),
        Some("命令行导入：排查3处")
    );

    // The user types in the row; before leaving the field another writer changes it again.
    let field = harness.get_by_label("进展情况");
    field.focus();
    harness.run();
    harness.event(egui::Event::Ime(egui::ImeEvent::Commit(
        "；窗口中补充".to_owned(),
    )));
    harness.run();
    write_elsewhere(&temp.path, "第二次导入：整治2处");
    harness.run();
    harness.key_press(egui::Key::Tab);
    harness.run();
    // Nothing was written over the newer text; the window asks.
    assert_eq!(stored_progress(&harness), "第二次导入：整治2处");
    harness.get_by_label_contains("这一行刚被其他程序改为：“第二次导入：整治2处”");
    harness.get_by_label("用我的文字覆盖").click();
    harness.run();
    assert_eq!(stored_progress(&harness), "命令行导入：排查3处；窗口中补充");
    // The other text is kept in the history.
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let record = ledger.returns(Some(july())).unwrap();
    let row = record
        .iter()
        .flat_map(|r| r.rows.iter())
        .find(|r| r.progress == "命令行导入：排查3处；窗口中补充")
        .unwrap();
    let history = ledger.row_history(row.id).unwrap();
    assert!(history.iter().any(|h| h.progress == "第二次导入：整治2处"));
}

/// 退回 in the window: the reason typed, the text copied and the sending back recorded; the
/// state is 已退回 on the page and in the data every page reads, and the sheet marks the row.
#[test]
fn a_return_sent_back_by_hand_is_marked_everywhere() {
    let temp = TempLedger::new();
    let made = common::taizhang(&["--db", common::arg(&temp.path), "plan", "--json"]);
    assert!(made.status.success(), "{}", common::stderr(&made));
    {
        let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
        let department = ledger
            .departments()
            .unwrap()
            .into_iter()
            .find(|d| d.name == "县住建局")
            .unwrap();
        let plan = ledger.focused_plan().unwrap();
        let row = plan
            .form
            .rows()
            .find(|r| r.departments.iter().any(|(id, _)| *id == department.id))
            .unwrap()
            .id;
        ledger
            .write_return_rows(&[RowWrite {
                department_id: department.id,
                period: july(),
                key: RowKey::FormRow(row),
                progress: "按计划推进".to_owned(),
                remark: String::new(),
                source: ReturnSource::Manual,
                received_on: Some(NaiveDate::from_ymd_opt(2019, 8, 2).unwrap()),
            }])
            .unwrap();
    }
    let mut harness = start(&temp.path);
    click(&mut harness, "月度报送");
    choose_department(&mut harness, "县住建局");
    assert_eq!(state_of(&harness, "县住建局"), ReturnState::OnTime);
    click(&mut harness, "退回修改");
    let reason = harness.get_by_label("退回原因");
    reason.focus();
    harness.run();
    harness.event(egui::Event::Ime(egui::ImeEvent::Commit(
        "只写了按计划推进，没有排查整治的处数".to_owned(),
    )));
    harness.run();
    // The message as it will go, from the service's one draft.
    harness.get_by_label_contains("退回原因：只写了按计划推进，没有排查整治的处数");
    harness.get_by_label_contains("原报“按计划推进”");
    click(&mut harness, "复制通知并记为已退回");
    harness.run();
    assert_eq!(state_of(&harness, "县住建局"), ReturnState::Returned);
    harness.get_by_label_contains("已退回修改，等待重报");
    let data = harness.state().data().unwrap();
    assert_eq!(data.send_backs.len(), 1);
    assert_eq!(
        data.send_backs[0].outcome,
        taizhang::store::SendBackOutcome::ByHand
    );
    // The sheet keeps the text and says it was sent back.
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let sheet = taizhang::service::month_sheet(&ledger, july()).unwrap();
    let row = sheet
        .rows()
        .find(|r| r.returned == ["县住建局"])
        .expect("the row is marked");
    assert!(row.progress.ends_with("按计划推进"), "{}", row.progress);
}
