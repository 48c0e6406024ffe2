//! 部门清单: one department at a glance, month by month.

use super::command::Command;
use super::context::ReturnsContext;
use super::state::Selection;
use super::widgets::{department_picker, period_picker, section_title, state_color, status_badge};
use crate::model::format_date_cn;
use crate::returns::RowStatus;

/// The department checklist (部门清单): one department at a glance.
#[derive(Default)]
pub struct ChecklistView;

impl ChecklistView {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        selection: &mut Selection,
        commands: &mut Vec<Command>,
    ) {
        ui.heading("部门清单");
        let periods = data.periods();
        let choices: Vec<(i64, String)> = data
            .departments
            .iter()
            .map(|d| (d.id, d.name.clone()))
            .collect();
        ui.horizontal(|ui| {
            department_picker(ui, &choices, &mut selection.department_id);
            ui.separator();
            period_picker(ui, &periods, &mut selection.period);
        });
        let Some(department_id) = selection.department_id else {
            assessment_ui(ui, data, commands);
            ui.weak("请选择部门。");
            return;
        };
        let Some((department, duties)) = data.department(department_id) else {
            return;
        };
        let period = selection.period;
        egui::ScrollArea::vertical()
            .id_salt("checklist_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                assessment_ui(ui, data, commands);
                section_title(ui, &format!("{}全年报送情况", data.plan.label()));
                year_strip_ui(ui, data, department_id, selection);
                // What the department owes under the other plans in play.
                for day in data.others {
                    if !day
                        .obligations
                        .iter()
                        .any(|o| o.department_id == department_id)
                    {
                        continue;
                    }
                    section_title(ui, &format!("{}报送情况", day.plan.label()));
                    other_strip_ui(ui, day, department_id);
                }

                let status = data.status(period).and_then(|s| {
                    s.departments
                        .iter()
                        .find(|d| d.department_id == department_id)
                });
                section_title(ui, &format!("{}{}的报送", department.name, period.label()));
                if let Some(status) = status {
                    ui.horizontal(|ui| {
                        status_badge(ui, status);
                        if let Some(date) = status.received_on {
                            ui.label(format!("{}收到", format_date_cn(date)));
                        }
                        ui.label(format!(
                            "已填 {}/{} 行",
                            status.rows_filled, status.rows_expected
                        ));
                        if ui.button("去填写").clicked() {
                            commands.push(Command::OpenReturn {
                                department_id,
                                period,
                            });
                        }
                    });
                }
                match data.obligation(department_id) {
                    None => {
                        ui.weak("该部门不牵头任务，进展表中也没有对应的行，无需每月报送。");
                    }
                    Some(obligation) => {
                        let record = data.record(department_id, period);
                        // One row a line, wrapped to the window: long form texts never push
                        // past its edge.
                        for row in &obligation.rows_in(period) {
                            let progress = record
                                .and_then(|r| r.row(row.key))
                                .map_or("", |r| r.progress.as_str());
                            let status = RowStatus::of(progress);
                            let (mark, color) = if status.is_filled() {
                                ("√", state_color(crate::schedule::ReturnState::OnTime))
                            } else {
                                ("×", state_color(crate::schedule::ReturnState::Missing))
                            };
                            let preview: String = progress.chars().take(40).collect();
                            let preview = match status {
                                RowStatus::Empty => "未填".to_owned(),
                                _ if progress.chars().count() > 40 => format!("{preview}…"),
                                _ => preview,
                            };
                            ui.horizontal_wrapped(|ui| {
                                ui.label(egui::RichText::new(mark).color(color).strong());
                                ui.label(row.label());
                                ui.weak(preview);
                            });
                        }
                    }
                }

                section_title(ui, "牵头的任务");
                tasks_ui(ui, data, &duties.leads);
                section_title(ui, "参与的任务");
                tasks_ui(ui, data, &duties.joins);
            });
    }
}

/// 部门考核: every department's record over the plan's year, as `assessment` counts it, folded
/// until opened; 导出考核表 writes it as an XLSX.
fn assessment_ui(ui: &mut egui::Ui, data: &ReturnsContext<'_>, commands: &mut Vec<Command>) {
    egui::CollapsingHeader::new(format!("{}年度部门考核", data.plan.year))
        .id_salt("assessment")
        .default_open(false)
        .show(ui, |ui| {
            let rows = crate::assessment::assess(
                data.departments,
                data.statuses,
                data.deadlines,
                data.send_backs,
                data.plan.id,
            );
            ui.horizontal(|ui| {
                ui.weak(format!(
                    "统计至{}；按时率只计按时且内容齐全的月份。",
                    format_date_cn(data.today)
                ));
                if ui.button("导出考核表").clicked() {
                    commands.push(Command::WriteAssessment);
                }
            });
            if rows.is_empty() {
                ui.weak("该计划没有应报送的部门，也没有牵头节点的部门。");
                return;
            }
            egui::ScrollArea::horizontal()
                .id_salt("assessment_scroll")
                .show(ui, |ui| {
                    egui::Grid::new("assessment_grid")
                        .striped(true)
                        .spacing([14.0, 4.0])
                        .show(ui, |ui| {
                            for column in crate::assessment::COLUMNS {
                                ui.strong(column);
                            }
                            ui.end_row();
                            for row in &rows {
                                for cell in crate::assessment::cells(row) {
                                    ui.label(cell);
                                }
                                ui.end_row();
                            }
                        });
                });
        });
}

fn year_strip_ui(
    ui: &mut egui::Ui,
    data: &ReturnsContext<'_>,
    department_id: i64,
    selection: &mut Selection,
) {
    ui.horizontal_wrapped(|ui| {
        for (status, entry) in months_of(data.statuses, department_id) {
            let selected = status.period == selection.period;
            let text = egui::RichText::new(format!(
                "{}月\n{}",
                status.period.month,
                if entry.is_incomplete() {
                    format!("部分 {}/{}", entry.rows_filled, entry.rows_expected)
                } else {
                    entry.state.label().to_owned()
                }
            ))
            .color(egui::Color32::WHITE)
            .size(13.0);
            let button = egui::Button::new(text)
                .fill(super::widgets::status_color(entry))
                .stroke(if selected {
                    egui::Stroke::new(2.0, ui.visuals().strong_text_color())
                } else {
                    egui::Stroke::NONE
                })
                .min_size(egui::vec2(64.0, 40.0));
            if ui.add(button).clicked() {
                selection.period = status.period;
            }
        }
    });
}

fn tasks_ui(ui: &mut egui::Ui, data: &ReturnsContext<'_>, duties: &[crate::model::DutyTask]) {
    if duties.is_empty() {
        ui.weak("无");
    }
    for duty in duties {
        let Some(task) = data.plan.task(duty.task_id) else {
            continue;
        };
        let next = task
            .milestones
            .iter()
            .find(|m| m.due_date >= data.today)
            .map(|m| format!("下一节点 {}：{}", format_date_cn(m.due_date), m.clause));
        let last = task
            .milestones
            .last()
            .filter(|_| next.is_none())
            .map(|m| format!("节点均已到期（最后 {}）", format_date_cn(m.due_date)));
        let when = next.or(last).unwrap_or_else(|| "无日期节点".to_owned());
        ui.horizontal_wrapped(|ui| {
            if let Some(light) = data.task_light(duty.task_id) {
                ui.label(super::widgets::light_dot(light));
            }
            ui.label(format!("{} {}　—　{when}", duty.code, duty.title));
        });
    }
}

/// A department's months under another plan in play (read only: the pages work on the plan
/// in focus; switch plans in 工作计划 to enter them).
fn other_strip_ui(ui: &mut egui::Ui, day: &crate::service::DayState, department_id: i64) {
    ui.horizontal_wrapped(|ui| {
        for (status, entry) in months_of(&day.statuses, department_id) {
            ui.add(
                egui::Label::new(
                    egui::RichText::new(format!(" {}月 {} ", status.period.month, entry.label()))
                        .color(egui::Color32::WHITE)
                        .background_color(super::widgets::status_color(entry)),
                )
                .wrap_mode(egui::TextWrapMode::Extend),
            );
        }
    });
}

/// Each month with the department's state in it.
fn months_of(
    statuses: &[crate::returns::PeriodStatus],
    department_id: i64,
) -> impl Iterator<
    Item = (
        &crate::returns::PeriodStatus,
        &crate::returns::DepartmentStatus,
    ),
> {
    statuses.iter().filter_map(move |status| {
        status
            .departments
            .iter()
            .find(|d| d.department_id == department_id)
            .map(|entry| (status, entry))
    })
}
