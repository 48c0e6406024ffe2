//! 首页: what is overdue, what is due soon, and this month's returns.

mod new_year;

use new_year::{CarryDialog, carry_dialog_ui, plan_notice_ui};

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
