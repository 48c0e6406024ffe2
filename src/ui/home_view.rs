//! 首页: what is overdue, what is due soon, and this month's returns.

use super::command::Command;
use super::context::HomeContext;
use super::state::Page;
use super::widgets::{light_badge, section_title, status_color};
use crate::deadlines::{Deadline, DeadlineKind, Light};
use crate::model::format_date_cn;

/// The home page (首页): what is overdue, what is due in the next two weeks, and this month's
/// returns, on one screen.
#[derive(Default)]
pub struct HomeView;

/// Days ahead the home page looks.
const HORIZON_DAYS: i64 = 14;

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
        egui::ScrollArea::vertical()
            .id_salt("home_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                let overdue: Vec<&Deadline> = data
                    .deadlines
                    .iter()
                    .filter(|d| d.light == Light::Red)
                    .collect();
                section_title(ui, &format!("已逾期（{}）", overdue.len()));
                if overdue.is_empty() {
                    ui.weak("没有逾期未完成的事项。");
                }
                for deadline in overdue {
                    deadline_row(ui, deadline, commands);
                }
                let soon: Vec<&Deadline> = data
                    .deadlines
                    .iter()
                    .filter(|d| {
                        let days = (d.date - today).num_days();
                        d.light != Light::Green
                            && d.light != Light::Red
                            && (0..=HORIZON_DAYS).contains(&days)
                    })
                    .collect();
                section_title(ui, &format!("未来{HORIZON_DAYS}天内到期（{}）", soon.len()));
                if soon.is_empty() {
                    ui.weak("未来两周没有到期的事项。");
                }
                for deadline in soon {
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

fn month_returns_ui(ui: &mut egui::Ui, data: &HomeContext<'_>, commands: &mut Vec<Command>) {
    let period = data.default_period();
    let Some(status) = data.status(period) else {
        return;
    };
    section_title(
        ui,
        &format!(
            "{}进展报送（{}截止）",
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
