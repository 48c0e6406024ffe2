//! 首页: what is overdue, what is due soon, and this month's returns.

use super::command::{Command, FirstStart};
use super::context::HomeContext;
use super::state::Page;
use super::widgets::{light_badge, section_title, status_color};
use crate::deadlines::{Agenda, Deadline, DeadlineKind};
use crate::model::format_date_cn;
use crate::schedule::Period;

/// The home page (首页): what is overdue, what falls due this week (said at start) and in the
/// two weeks after, and this month's returns, on one screen, for every plan in play (or the one chosen).
#[derive(Default)]
pub struct HomeView {
    /// Show one plan's items only.
    pub plan_filter: Option<i64>,
    /// The carry-forward dialog, while open.
    carry: Option<CarryDialog>,
}

/// Choosing what next year's working plan takes over.
struct CarryDialog {
    from: i64,
    /// (task id, code, title, carried?)
    tasks: Vec<(i64, String, String, bool)>,
    shift_dates: bool,
}

const WEEKDAYS: [&str; 7] = [
    "星期一",
    "星期二",
    "星期三",
    "星期四",
    "星期五",
    "星期六",
    "星期日",
];

impl HomeView {
    pub fn ui(&mut self, ui: &mut egui::Ui, data: &HomeContext<'_>, commands: &mut Vec<Command>) {
        let today = data.today;
        let weekday = WEEKDAYS[chrono::Datelike::weekday(&today).num_days_from_monday() as usize];
        ui.heading(format!("今天是{} {weekday}", format_date_cn(today)));
        if let Some(holiday) = data.holidays.holiday(today) {
            ui.label(format!("（{holiday}假期）"));
        }
        if data.first_start {
            first_start_ui(ui, commands);
            return;
        }
        if let Some(dialog) = &mut self.carry {
            let mut close = false;
            carry_dialog_ui(ui, dialog, data, commands, &mut close);
            if close {
                self.carry = None;
            }
            return;
        }
        if let Some(open) = plan_notice_ui(ui, data, commands) {
            self.carry = Some(open);
        }
        super::widgets::plan_filter_ui(ui, "home_plan_filter", &mut self.plan_filter, data.in_play);
        egui::ScrollArea::vertical()
            .id_salt("home_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                // The focus is left out when its year is over and done with (nothing of it
                // is owed); every other item's place comes from the one agenda.
                let shown = data.deadlines.iter().filter(|d| {
                    data.focus_in_play || d.plan_id.is_none() || d.plan_id != Some(data.plan.id)
                });
                let agenda = Agenda::of(shown, today, data.warn_days);
                section_title(ui, &format!("已逾期（{}）", agenda.overdue.len()));
                if agenda.overdue.is_empty() {
                    ui.weak("没有逾期未完成的事项。");
                }
                for deadline in &agenda.overdue {
                    deadline_row(ui, deadline, commands);
                }
                section_title(
                    ui,
                    &format!(
                        "本周到期（{}至{}，{} 项）",
                        format_date_cn(today),
                        format_date_cn(agenda.week_end),
                        agenda.this_week.len()
                    ),
                );
                if agenda.this_week.is_empty() {
                    ui.weak("本周没有到期的事项。");
                }
                for deadline in &agenda.this_week {
                    deadline_row(ui, deadline, commands);
                }
                section_title(
                    ui,
                    &format!(
                        "下周起至{}到期（{} 项）",
                        format_date_cn(agenda.horizon),
                        agenda.soon.len()
                    ),
                );
                if agenda.soon.is_empty() {
                    ui.weak("这段时间没有到期的事项。");
                }
                for deadline in &agenda.soon {
                    deadline_row(ui, deadline, commands);
                }
                month_returns_ui(ui, data, commands);
            });
    }
}

fn deadline_row(ui: &mut egui::Ui, deadline: &Deadline, commands: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        light_badge(ui, deadline.light);
        ui.label(format_date_cn(deadline.date));
        ui.weak(deadline.kind.label());
        let text = if deadline.departments.is_empty() || deadline.kind == DeadlineKind::ReturnDue {
            deadline.title.clone()
        } else {
            format!("{}（{}）", deadline.title, deadline.departments.join("、"))
        };
        if ui.link(text).clicked() {
            match (deadline.task_id, deadline.period) {
                (Some(task_id), _) => commands.push(Command::OpenTask(task_id)),
                (None, Some(_)) => commands.push(Command::OpenPage(Page::Chase)),
                (None, None) => commands.push(Command::OpenPage(Page::Calendar)),
            }
        }
        // A milestone is marked done where it is seen, not only in the calendar.
        if let Some(milestone_id) = deadline.milestone_id
            && ui.small_button("标记完成").clicked()
        {
            commands.push(Command::SetMilestoneDone {
                milestone_id,
                done: true,
            });
        }
    });
}

/// The first start: how to begin. Nothing of the example is shown before the choice.
fn first_start_ui(ui: &mut egui::Ui, commands: &mut Vec<Command>) {
    section_title(ui, "欢迎使用台账：请选择开始的方式");
    ui.label("台账里的报送、进展表和催报都按“工作计划”来排。请选择：");
    ui.add_space(8.0);
    let choice = |ui: &mut egui::Ui, button: &str, text: &str| -> bool {
        let clicked = ui
            .add_sized([220.0, 32.0], egui::Button::new(button))
            .clicked();
        ui.weak(text);
        ui.add_space(8.0);
        clicked
    };
    if choice(
        ui,
        "导入本单位今年的计划",
        "粘贴或打开本单位今年印发的工作计划（Word、Excel 或文字，正文式或任务分工表式），核对后保存。",
    ) {
        commands.push(Command::FirstStart(FirstStart::ImportOwn));
    }
    if choice(
        ui,
        "从示例开始",
        "使用内置的2019年融水县土壤污染防治计划（标为“示例”）熟悉软件，以后可以再导入本单位的计划。",
    ) {
        commands.push(Command::FirstStart(FirstStart::Example));
    }
    if choice(
        ui,
        "空白台账",
        "不载入示例，从空白开始：可在“责任部门”中添加部门，本单位的计划印发后再导入（其中的责任部门会一并建立）。",
    ) {
        commands.push(Command::FirstStart(FirstStart::Blank));
    }
}

/// What the plan in focus is: the example, a carried draft, or a year that has ended (with
/// the new-year step). Returns the carry-forward dialog when the user opens it.
fn plan_notice_ui(
    ui: &mut egui::Ui,
    data: &HomeContext<'_>,
    commands: &mut Vec<Command>,
) -> Option<CarryDialog> {
    use crate::model::PlanKind;
    let plan = data.plan;
    let this_year = chrono::Datelike::year(&data.today);
    let mut open = None;
    let newer_in_play = data.others.iter().any(|day| day.plan.year > plan.year);
    // Another plan in play whose year is over (last year's, beside this year's plan in
    // focus): what it still owes, and the way to end it.
    for other in data.others.iter().filter(|day| day.has_ended()) {
        let owed = other
            .deadlines
            .iter()
            .filter(|d| d.plan_id == Some(other.plan.id) && d.light == crate::deadlines::Light::Red)
            .count();
        egui::Frame::group(ui.style())
            .fill(ui.visuals().warn_fg_color.gamma_multiply(0.12))
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.label(format!(
                        "“{}”的{}年度已结束，尚有 {owed} 项逾期未完成；完成、沿用到新一年或结束该计划之前，仍列为逾期。",
                        other.plan.label(),
                        other.plan.year
                    ));
                    if ui.button("切换到该计划").clicked() {
                        commands.push(Command::SetCurrentPlan(other.plan.id));
                    }
                    if ui
                        .button("结束该计划")
                        .on_hover_text("结束后记录保留，但不再在首页、日历和催报中出现；可在“工作计划”中重新启用")
                        .clicked()
                    {
                        commands.push(Command::SetPlanActive {
                            plan_id: other.plan.id,
                            active: false,
                        });
                    }
                });
            });
    }
    if data.plan_ended && !newer_in_play {
        egui::Frame::group(ui.style())
            .fill(ui.visuals().warn_fg_color.gamma_multiply(0.12))
            .show(ui, |ui| {
                ui.label(
                    egui::RichText::new(format!(
                        "“{}”的{}年度已结束：未完成的工作节点在完成、沿用到新一年或结束该计划之前，仍列为逾期。",
                        plan.label(),
                        plan.year
                    ))
                    .strong(),
                );
                ui.label("请开始新一年度：");
                ui.horizontal_wrapped(|ui| {
                    // Carrying forward makes sense into the year after the plan's.
                    if crate::service::can_carry_forward(plan, data.today)
                        && plan.kind != PlanKind::Blank
                        && ui
                            .button(format!("沿用为{}年工作计划（沿用上年）…", plan.year + 1))
                            .clicked()
                    {
                        open = Some(CarryDialog::of(plan));
                    }
                    if ui.button(format!("导入{this_year}年的计划…")).clicked() {
                        commands.push(Command::OpenPage(Page::Import));
                    }
                    if ui.button(format!("新建{this_year}年空白计划")).clicked() {
                        commands.push(Command::NewBlankPlan(this_year));
                    }
                    if ui
                        .button("结束该计划")
                        .on_hover_text("结束后记录保留，但不再在首页、日历和催报中出现；可在“工作计划”中重新启用")
                        .clicked()
                    {
                        commands.push(Command::SetPlanActive {
                            plan_id: plan.id,
                            active: false,
                        });
                    }
                });
            });
        return open;
    }
    // At the turn of the year (its last two months, or January before its last returns are
    // due) the next year's working plan can be carried forward from it.
    let turning = crate::service::can_carry_forward(plan, data.today);
    if turning && !newer_in_play && matches!(plan.kind, PlanKind::Example | PlanKind::Imported) {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("“{}”的年度即将收尾。", plan.label()));
            if ui
                .button(format!("沿用为{}年工作计划（沿用上年）…", plan.year + 1))
                .clicked()
            {
                open = Some(CarryDialog::of(plan));
            }
        });
    }
    match plan.kind {
        PlanKind::Example => {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    egui::RichText::new(format!("当前计划是示例：{}", plan.label()))
                        .color(ui.visuals().warn_fg_color),
                );
                if ui.small_button("导入本单位的计划…").clicked() {
                    commands.push(Command::OpenPage(Page::Import));
                }
                if ui.small_button("这就是本单位的计划").clicked() {
                    commands.push(Command::SetPlanKind {
                        plan_id: plan.id,
                        kind: PlanKind::Imported,
                    });
                }
            });
        }
        PlanKind::Carried => {
            ui.horizontal_wrapped(|ui| {
                ui.label(format!(
                    "“{}”是沿用上年的工作计划，正式计划印发后请导入，已收集的报送会保留在对应任务上。",
                    plan.label()
                ));
                if ui.small_button("导入正式计划…").clicked() {
                    commands.push(Command::OpenPage(Page::Import));
                }
            });
        }
        PlanKind::Blank => {
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("“{}”还是空白的。", plan.label()));
                if ui.small_button("导入计划…").clicked() {
                    commands.push(Command::OpenPage(Page::Import));
                }
            });
        }
        PlanKind::Imported => {}
    }
    open
}

impl CarryDialog {
    fn of(plan: &crate::model::Plan) -> Self {
        let default: std::collections::HashSet<i64> =
            crate::service::default_carry(plan).into_iter().collect();
        Self {
            from: plan.id,
            tasks: plan
                .open_tasks()
                .map(|t| {
                    (
                        t.id,
                        t.code.clone(),
                        t.title.clone(),
                        default.contains(&t.id),
                    )
                })
                .collect(),
            // Dates move a year on only when the user says so.
            shift_dates: false,
        }
    }
}

/// Choosing the tasks next year's working plan takes over.
fn carry_dialog_ui(
    ui: &mut egui::Ui,
    dialog: &mut CarryDialog,
    data: &HomeContext<'_>,
    commands: &mut Vec<Command>,
    close: &mut bool,
) {
    section_title(ui, &format!("沿用为{}年工作计划", data.plan.year + 1));
    ui.label("责任部门（含联系人、邮箱、别名）和报送表照搬；下面勾选要沿用的任务（默认勾选未完成和常态化的任务）。沿用的计划标为“沿用上年”，可以修改，正式计划印发后导入即可替换。");
    ui.checkbox(&mut dialog.shift_dates, "未完成的时间节点顺延一年");
    ui.horizontal(|ui| {
        let chosen = dialog.tasks.iter().filter(|t| t.3).count();
        if ui
            .add_enabled(
                chosen > 0,
                egui::Button::new(format!("沿用 {chosen} 项任务")),
            )
            .clicked()
        {
            commands.push(Command::CarryForward(crate::store::CarryForward {
                from: dialog.from,
                tasks: dialog.tasks.iter().filter(|t| t.3).map(|t| t.0).collect(),
                shift_dates: dialog.shift_dates,
            }));
            *close = true;
        }
        if ui.button("全选").clicked() {
            dialog.tasks.iter_mut().for_each(|t| t.3 = true);
        }
        if ui.button("取消").clicked() {
            *close = true;
        }
    });
    egui::ScrollArea::vertical()
        .id_salt("carry_tasks")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (_, code, title, carried) in &mut dialog.tasks {
                ui.checkbox(carried, format!("{code} {title}"));
            }
        });
}

fn month_returns_ui(ui: &mut egui::Ui, data: &HomeContext<'_>, commands: &mut Vec<Command>) {
    let period = data.default_period();
    // Every plan in play that asks returns for the month, each with its own block.
    let several = data.in_play.len() > 1;
    if data.focus_in_play
        && let Some(status) = data.status(period)
    {
        let label = several.then(|| data.plan.short_label());
        plan_month_ui(ui, status, label, commands);
        sheet_sent_ui(ui, data, (period, status.due), commands);
    }
    for day in data.others {
        let other = Period::of(data.today).previous();
        if let Some(status) = day.statuses.iter().find(|s| s.period == other) {
            plan_month_ui(ui, status, Some(day.plan.short_label()), commands);
        }
    }
}

/// Whether the month's sheet has gone up to the city (报市).
fn sheet_sent_ui(
    ui: &mut egui::Ui,
    data: &HomeContext<'_>,
    (period, due): (Period, chrono::NaiveDate),
    commands: &mut Vec<Command>,
) {
    let key = period.to_string();
    let sent = data
        .sheet_sends
        .iter()
        .any(|s| s.period == key && s.outcome.may_have_arrived());
    // The city's sheet is asked for only once the month's returns are due.
    if !sent && data.today < due {
        ui.weak(format!(
            "{}进展表在各部门{}报送截止后报市",
            period.label(),
            crate::model::format_date_cn(due)
        ));
        return;
    }
    ui.horizontal_wrapped(|ui| {
        match data
            .sheet_sends
            .iter()
            .rfind(|s| s.period == key && s.outcome.may_have_arrived())
        {
            Some(sent) if sent.outcome == crate::store::Delivered::Uncertain => {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "{}进展表已于 {} 交给邮件服务器发往 {}，结果不明（市局可能已收到，请核实）",
                        period.label(),
                        sent.sent_at,
                        sent.address
                    ),
                );
            }
            Some(sent) => {
                ui.label(format!(
                    "{}进展表已于 {} 报市（{}）",
                    period.label(),
                    sent.sent_at,
                    sent.address
                ));
            }
            None => {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("{}进展表尚未报市", period.label()),
                );
                if ui.button("去报市").clicked() {
                    commands.push(Command::OpenPage(Page::Sheet));
                }
            }
        }
    });
}

/// One plan's returns for a month.
fn plan_month_ui(
    ui: &mut egui::Ui,
    status: &crate::returns::PeriodStatus,
    plan_label: Option<String>,
    commands: &mut Vec<Command>,
) {
    let period = status.period;
    section_title(
        ui,
        &format!(
            "{}{}进展报送（{}截止）",
            plan_label.map(|l| format!("〔{l}〕")).unwrap_or_default(),
            period.label(),
            format_date_cn(status.due)
        ),
    );
    let required: Vec<_> = status
        .departments
        .iter()
        .filter(|d| d.state != crate::schedule::ReturnState::NotRequired)
        .collect();
    let received = required.iter().filter(|d| d.state.is_received()).count();
    ui.horizontal(|ui| {
        ui.label(format!("已收到 {received} / {} 个部门", required.len()));
        if ui.button("查看总览").clicked() {
            commands.push(Command::OpenPage(Page::Overview));
        }
        if ui.button("去催报").clicked() {
            commands.push(Command::OpenPage(Page::Chase));
        }
    });
    ui.horizontal_wrapped(|ui| {
        for department in &required {
            // One badge never breaks inside a department's name.
            ui.add(
                egui::Label::new(
                    egui::RichText::new(format!(
                        " {} {} ",
                        department.department,
                        department.label()
                    ))
                    .color(egui::Color32::WHITE)
                    .background_color(status_color(department)),
                )
                .wrap_mode(egui::TextWrapMode::Extend),
            );
        }
    });
}
