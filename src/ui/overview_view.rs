//! 总览: departments × months coloured by state, and each department's on-time rate.

use super::command::Command;
use super::state::{AppData, Selection};
use super::widgets::{period_picker, section_title, state_color};
use crate::schedule::ReturnState;

/// The overview (总览): departments × months coloured by state, the month's counts and each
/// department's on-time rate.
#[derive(Default)]
pub struct OverviewView;

/// A department's on-time rate over the months already due: on time / (on time + late +
/// missing). `None` when nothing was due yet.
pub fn on_time_rate(states: &[ReturnState]) -> Option<f32> {
    let due = states
        .iter()
        .filter(|s| {
            matches!(
                s,
                ReturnState::OnTime | ReturnState::Late | ReturnState::Missing
            )
        })
        .count();
    let on_time = states.iter().filter(|s| **s == ReturnState::OnTime).count();
    (due > 0).then(|| on_time as f32 / due as f32)
}

impl OverviewView {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &AppData,
        selection: &mut Selection,
        commands: &mut Vec<Command>,
    ) {
        ui.heading(format!("{}年报送总览", data.plan.year));
        let periods = data.periods();
        ui.horizontal(|ui| {
            period_picker(ui, &periods, &mut selection.period);
        });
        if let Some(status) = data.status(selection.period) {
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("{}：", selection.period.label()));
                for state in ReturnState::ALL {
                    let count = status
                        .departments
                        .iter()
                        .filter(|d| d.state == state)
                        .count();
                    ui.label(
                        egui::RichText::new(format!(" {} {} ", state.label(), count))
                            .color(egui::Color32::WHITE)
                            .background_color(state_color(state)),
                    );
                }
            });
        }
        egui::ScrollArea::both()
            .id_salt("overview_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                section_title(ui, "各部门逐月状态（点击格子打开该月报送）");
                egui::Grid::new("overview_grid")
                    .num_columns(15)
                    .spacing([3.0, 3.0])
                    .show(ui, |ui| {
                        ui.label("部门");
                        for period in &periods {
                            ui.label(format!("{}月", period.month));
                        }
                        ui.label("按时报送率");
                        ui.label("");
                        ui.end_row();
                        for (index, department) in data.departments.iter().enumerate() {
                            ui.label(&department.name);
                            let states: Vec<ReturnState> = data
                                .statuses
                                .iter()
                                .map(|s| s.departments[index].state)
                                .collect();
                            for (status, state) in data.statuses.iter().zip(&states) {
                                let selected = status.period == selection.period;
                                let short = match state {
                                    ReturnState::OnTime => "按时",
                                    ReturnState::Late => "逾期",
                                    ReturnState::Missing => "未报",
                                    ReturnState::NotDue => "未到",
                                    ReturnState::NotRequired => "—",
                                };
                                let button = egui::Button::new(
                                    egui::RichText::new(short)
                                        .color(egui::Color32::WHITE)
                                        .size(13.0),
                                )
                                .fill(state_color(*state))
                                .stroke(if selected {
                                    egui::Stroke::new(2.0, ui.visuals().strong_text_color())
                                } else {
                                    egui::Stroke::NONE
                                })
                                .min_size(egui::vec2(44.0, 24.0));
                                let response = ui.add(button).on_hover_text(format!(
                                    "{} {}：{}",
                                    department.name,
                                    status.period.label(),
                                    state.label()
                                ));
                                if response.clicked() && *state != ReturnState::NotRequired {
                                    commands.push(Command::OpenReturn {
                                        department_id: department.id,
                                        period: status.period,
                                    });
                                }
                            }
                            match on_time_rate(&states) {
                                Some(rate) => {
                                    ui.label(format!("{:.0}%", rate * 100.0));
                                    rate_bar(ui, rate);
                                }
                                None => {
                                    ui.weak("—");
                                    ui.label("");
                                }
                            }
                            ui.end_row();
                        }
                    });
            });
    }
}

/// A horizontal bar for a rate between 0 and 1.
fn rate_bar(ui: &mut egui::Ui, rate: f32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(120.0, 14.0), egui::Sense::hover());
    let painter = ui.painter();
    painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    let mut filled = rect;
    filled.set_width(rect.width() * rate.clamp(0.0, 1.0));
    painter.rect_filled(filled, 2.0, state_color(ReturnState::OnTime));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_counts_only_months_already_due() {
        use ReturnState::*;
        assert_eq!(
            on_time_rate(&[OnTime, Late, Missing, NotDue, NotRequired]),
            Some(1.0 / 3.0)
        );
        assert_eq!(on_time_rate(&[NotDue, NotRequired]), None);
        assert_eq!(on_time_rate(&[OnTime, OnTime]), Some(1.0));
    }
}
