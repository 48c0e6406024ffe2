//! 催报: every department still missing or incomplete for a month, with a ready message.

use super::command::Command;
use super::context::ReturnsContext;
use super::state::Selection;
use super::widgets::{period_picker, state_badge};
use crate::model::format_date_cn;
use crate::returns::chase_entries;
use crate::schedule::chase_deadline;

/// The chase list (催报): every department still missing or incomplete, with a ready message.
#[derive(Default)]
pub struct ChaseView;

impl ChaseView {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        selection: &mut Selection,
        commands: &mut Vec<Command>,
    ) {
        ui.heading("催报");
        let periods = data.periods();
        ui.horizontal(|ui| {
            period_picker(ui, &periods, &mut selection.period);
        });
        let Some(status) = data.status(selection.period) else {
            return;
        };
        let entries = chase_entries(
            status,
            data.today,
            &crate::returns::ChaseContext::of(data.plan, data.settings),
        );
        ui.label(format!(
            "{}进展应于{}前报送；催报消息写明的期限：{}。",
            selection.period.label(),
            format_date_cn(status.due),
            format_date_cn(chase_deadline(status.due, data.today))
        ));
        if status
            .departments
            .iter()
            .all(|d| d.state == crate::schedule::ReturnState::NotRequired)
        {
            ui.label("该月不在计划的报送期内，无需报送。");
            return;
        }
        if entries.is_empty() {
            ui.label("本月各部门均已报齐。");
            return;
        }
        ui.horizontal(|ui| {
            ui.label(format!("共 {} 个部门待催报", entries.len()));
            if ui.button("全部复制").clicked() {
                let all: Vec<&str> = entries.iter().map(|e| e.message.as_str()).collect();
                ui.ctx().copy_text(all.join("\n"));
                commands.push(Command::Notify(format!(
                    "已复制 {} 个部门的催报消息",
                    entries.len()
                )));
            }
            if ui.button("打印催报单").clicked() {
                commands.push(Command::PrintChaseList(selection.period));
            }
        });
        egui::ScrollArea::vertical()
            .id_salt("chase_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for entry in &entries {
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        ui.set_width(ui.available_width());
                        ui.horizontal(|ui| {
                            ui.label(egui::RichText::new(&entry.department).strong());
                            if entry.state.is_received() {
                                // Received with rows missing: amber, never the green of a
                                // complete return.
                                ui.label(
                                    egui::RichText::new(format!(" {}·部分 ", entry.state.label()))
                                        .color(egui::Color32::WHITE)
                                        .background_color(super::widgets::PARTIAL_COLOR),
                                );
                                ui.label("已收到，但有行未填");
                            } else {
                                state_badge(ui, entry.state);
                            }
                            if ui.button(format!("复制给{}", entry.department)).clicked() {
                                ui.ctx().copy_text(entry.message.clone());
                                commands.push(Command::Notify(format!(
                                    "已复制给{}的催报消息",
                                    entry.department
                                )));
                            }
                            if ui.button("去填写").clicked() {
                                commands.push(Command::OpenReturn {
                                    department_id: entry.department_id,
                                    period: selection.period,
                                });
                            }
                        });
                        ui.label(&entry.message);
                    });
                }
            });
    }
}
