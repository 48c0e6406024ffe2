//! 总览: departments × months coloured by state, and each department's on-time rate.

use super::command::Command;
use super::context::ReturnsContext;
use super::state::Selection;
use super::widgets::{PARTIAL_COLOR, period_picker, section_title, state_color, status_color};
use crate::schedule::ReturnState;

/// The overview (总览): departments × months coloured by state, the month's counts and each
/// department's on-time rate.
#[derive(Default)]
pub struct OverviewView {
    /// 目标指标: the plots and the entry row.
    indicators: super::indicators_view::IndicatorsPanel,
}

impl OverviewView {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        selection: &mut Selection,
        commands: &mut Vec<Command>,
    ) {
        ui.heading(format!("{}年报送总览", data.plan.year));
        let periods = data.periods();
        ui.horizontal(|ui| {
            period_picker(ui, &periods, &mut selection.period);
            if ui
                .button("生成情况通报")
                .on_hover_text(
                    "按本月报送情况起草情况通报（公文格式 Word 文档），在 WPS 中修改后印发",
                )
                .clicked()
            {
                commands.push(Command::WriteReport(selection.period));
            }
            if ui
                .button("生成年度总结")
                .on_hover_text(
                    "按全年的报送、节点和指标起草年度工作总结（公文格式 Word 文档），各单位的原话照录",
                )
                .clicked()
            {
                commands.push(Command::WriteSummary);
            }
        });
        if let Some(status) = data.status(selection.period) {
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("{}：", selection.period.label()));
                for state in ReturnState::ALL {
                    let of_state = || status.departments.iter().filter(move |d| d.state == state);
                    let partial = of_state().filter(|d| d.is_incomplete()).count();
                    let whole = of_state().count() - partial;
                    let label = if state.is_received() {
                        format!(" {}·齐全 {whole} ", state.label())
                    } else {
                        format!(" {} {whole} ", state.label())
                    };
                    ui.label(
                        egui::RichText::new(label)
                            .color(egui::Color32::WHITE)
                            .background_color(state_color(state)),
                    );
                    if state.is_received() {
                        ui.label(
                            egui::RichText::new(format!(" {}·部分 {partial} ", state.label()))
                                .color(egui::Color32::WHITE)
                                .background_color(PARTIAL_COLOR),
                        );
                    }
                }
            });
        }
        // Month cells narrow in a small window so that the whole year stays in view.
        let name_and_rate = 330.0;
        let cell_width = ((ui.available_width() - name_and_rate) / 12.0 - 3.0).clamp(30.0, 44.0);
        let bar_width = if ui.available_width() < 1000.0 {
            36.0
        } else {
            80.0
        };
        egui::ScrollArea::both()
            .id_salt("overview_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.spacing_mut().button_padding = egui::vec2(2.0, 2.0);
                section_title(ui, "各部门逐月状态（点击格子打开该月报送）");
                egui::Grid::new("overview_grid")
                    .num_columns(15)
                    .spacing([3.0, 3.0])
                    .show(ui, |ui| {
                        // The rate comes right after the name, so that it stays in view in a
                        // narrow window while the months scroll.
                        ui.label("部门");
                        ui.label("按时报送率");
                        ui.label("");
                        for period in &periods {
                            ui.label(format!("{}月", period.month));
                        }
                        ui.end_row();
                        for (index, department) in data.departments.iter().enumerate() {
                            ui.label(&department.name);
                            let months: Vec<&crate::returns::DepartmentStatus> = data
                                .statuses
                                .iter()
                                .map(|s| &s.departments[index])
                                .collect();
                            match crate::returns::on_time_rate(months.iter().copied()) {
                                Some((rate, partial)) => {
                                    ui.horizontal(|ui| {
                                        ui.label(format!("{:.0}%", rate * 100.0));
                                        if partial > 0 {
                                            ui.label(
                                                egui::RichText::new(format!("部分 {partial}"))
                                                    .color(PARTIAL_COLOR),
                                            )
                                            .on_hover_text("收到但未报齐的月份：不计入按时");
                                        }
                                    });
                                    rate_bar(ui, rate, bar_width);
                                }
                                None => {
                                    ui.weak("—");
                                    ui.label("");
                                }
                            }
                            for (status, month) in data.statuses.iter().zip(&months) {
                                let selected = status.period == selection.period;
                                let state = &month.state;
                                let short = month.short_label();
                                let button = egui::Button::new(
                                    egui::RichText::new(short)
                                        .color(egui::Color32::WHITE)
                                        .size(12.0),
                                )
                                .fill(status_color(month))
                                .stroke(if selected {
                                    egui::Stroke::new(2.0, ui.visuals().strong_text_color())
                                } else {
                                    egui::Stroke::NONE
                                })
                                .min_size(egui::vec2(cell_width, 24.0));
                                let response = ui.add(button).on_hover_text(format!(
                                    "{} {}：{}",
                                    department.name,
                                    status.period.label(),
                                    month.label()
                                ));
                                if response.clicked() && *state != ReturnState::NotRequired {
                                    commands.push(Command::OpenReturn {
                                        department_id: department.id,
                                        period: status.period,
                                    });
                                }
                            }
                            ui.end_row();
                        }
                    });
                years_ui(ui, data);
                self.indicators.ui(ui, data, selection.period, commands);
            });
    }
}

/// Each department's on-time rate year by year, over every plan of the ledger.
fn years_ui(ui: &mut egui::Ui, data: &ReturnsContext<'_>) {
    let Some(by_year) = data.on_time_by_year else {
        return;
    };
    if by_year.years.len() < 2 {
        return;
    }
    // Folded until asked for: the grid of every year is read from every plan.
    egui::CollapsingHeader::new("各部门历年按时报送率")
        .id_salt("overview_years_header")
        .default_open(false)
        .show(ui, |ui| years_grid(ui, by_year));
}

fn years_grid(ui: &mut egui::Ui, by_year: &crate::service::OnTimeByYear) {
    egui::Grid::new("overview_years")
        .num_columns(by_year.years.len() + 1)
        .spacing([12.0, 4.0])
        .striped(true)
        .show(ui, |ui| {
            ui.label("部门");
            for year in &by_year.years {
                ui.label(format!("{year}年"));
            }
            ui.end_row();
            for (_, name, rates) in &by_year.departments {
                ui.label(name);
                for rate in rates {
                    match rate {
                        Some((rate, 0)) => ui.label(format!("{:.0}%", rate * 100.0)),
                        Some((rate, partial)) => {
                            ui.label(format!("{:.0}%（部分 {partial}）", rate * 100.0))
                        }
                        None => ui.weak("—"),
                    };
                }
                ui.end_row();
            }
        });
}

/// A horizontal bar for a rate between 0 and 1.
fn rate_bar(ui: &mut egui::Ui, rate: f32, width: f32) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 14.0), egui::Sense::hover());
    let painter = ui.painter();
    let (track, outline) = bar_track(ui.visuals());
    painter.rect_filled(rect, 2.0, track);
    let filled = bar_fill(rect, rate);
    if filled.width() > 0.0 {
        painter.rect_filled(filled, 2.0, state_color(ReturnState::OnTime));
    }
    painter.rect_stroke(rect, 2.0, outline, egui::StrokeKind::Inside);
}

/// The empty part of a rate bar: a faint track with an outline, so that 0% reads as empty
/// (not as a solid dark bar) in the light and the dark theme.
fn bar_track(visuals: &egui::Visuals) -> (egui::Color32, egui::Stroke) {
    (
        visuals.faint_bg_color,
        egui::Stroke::new(1.0, visuals.weak_text_color().gamma_multiply(0.6)),
    )
}

/// The filled part of a rate bar: none at 0%, all of it at 100%.
fn bar_fill(rect: egui::Rect, rate: f32) -> egui::Rect {
    let mut filled = rect;
    filled.set_width(rect.width() * rate.clamp(0.0, 1.0));
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zero_rate_is_an_empty_track_not_a_dark_bar() {
        let rect = egui::Rect::from_min_size(egui::pos2(0.0, 0.0), egui::vec2(100.0, 14.0));
        assert_eq!(bar_fill(rect, 0.0).width(), 0.0);
        assert_eq!(bar_fill(rect, 1.5).width(), 100.0);
        for visuals in [egui::Visuals::light(), egui::Visuals::dark()] {
            let (track, outline) = bar_track(&visuals);
            assert_ne!(
                track, visuals.extreme_bg_color,
                "not the dark extreme background"
            );
            assert_ne!(track, egui::Color32::BLACK);
            assert!(outline.width > 0.0, "the empty track is outlined");
        }
    }
}
