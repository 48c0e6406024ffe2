//! 总览's 目标指标: each indicator's monthly values as a line against its target (egui_plot),
//! the latest value with its source, and a row to record a month's value by hand.

use super::command::Command;
use super::context::ReturnsContext;
use super::widgets::section_title;
use crate::indicators::format_figure;
use crate::schedule::Period;

/// The indicators section and what is being typed into it.
#[derive(Default)]
pub struct IndicatorsPanel {
    /// The indicator chosen for the entry row (its index).
    chosen: usize,
    value: String,
    source: String,
    /// Why the value typed cannot be recorded (it stays in the field to be corrected).
    problem: Option<String>,
}

impl IndicatorsPanel {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        period: Period,
        commands: &mut Vec<Command>,
    ) {
        section_title(ui, "目标指标");
        if data.indicators.is_empty() {
            ui.weak("本计划没有可识别的目标指标（如“受污染耕地安全利用率达到50%以上”）。");
            return;
        }
        for (index, state) in data.indicators.iter().enumerate() {
            let indicator = &state.indicator;
            ui.horizontal_wrapped(|ui| {
                ui.label(egui::RichText::new(&indicator.name).strong());
                ui.label(format!("目标 {}", indicator.target_label()));
                match state.latest() {
                    Some(latest) => {
                        let met = indicator.is_met(latest.value);
                        ui.label(format!(
                            "最新：{}月 {}{}（{}）",
                            latest.period.month,
                            format_figure(latest.value),
                            indicator.unit,
                            latest.source
                        ));
                        let (word, color) = if met {
                            (
                                "已达标",
                                super::widgets::state_color(crate::schedule::ReturnState::OnTime),
                            )
                        } else {
                            ("未达标", ui.visuals().warn_fg_color)
                        };
                        ui.colored_label(color, word);
                    }
                    None => {
                        ui.weak("尚无数值");
                    }
                }
            });
            for unsure in &state.unsure {
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        format!(
                            "{}：{}的表述未能确定是否为实际完成值，请核实后在下面录入：",
                            unsure.period.label(),
                            unsure.source
                        ),
                    );
                    ui.label(format!("“{}”", unsure.sentence));
                });
            }
            plot_ui(ui, state, index);
        }
        self.entry_ui(ui, data, period, commands);
    }

    /// Recording a month's value by hand: the indicator, the value, where it came from.
    fn entry_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        period: Period,
        commands: &mut Vec<Command>,
    ) {
        let names: Vec<&str> = data
            .indicators
            .iter()
            .map(|s| s.indicator.name.as_str())
            .collect();
        self.chosen = self.chosen.min(names.len().saturating_sub(1));
        ui.horizontal_wrapped(|ui| {
            let label = ui.label(format!("记录{}的数值：", period.label()));
            egui::ComboBox::from_id_salt("indicator_choice")
                .selected_text(names.get(self.chosen).copied().unwrap_or_default())
                .show_ui(ui, |ui| {
                    for (index, name) in names.iter().enumerate() {
                        ui.selectable_value(&mut self.chosen, index, *name);
                    }
                })
                .response
                .labelled_by(label.id);
            let unit = data
                .indicators
                .get(self.chosen)
                .map(|s| s.indicator.unit.clone())
                .unwrap_or_default();
            let label = ui.label("数值");
            ui.add(
                egui::TextEdit::singleline(&mut self.value)
                    .desired_width(80.0)
                    .hint_text("数值"),
            )
            .labelled_by(label.id);
            if !unit.is_empty() {
                ui.label(unit);
            }
            let label = ui.label("来源");
            ui.add(
                egui::TextEdit::singleline(&mut self.source)
                    .desired_width(220.0)
                    .hint_text("来源，如：县农业农村局7月报送"),
            )
            .labelled_by(label.id);
            if ui
                .add_enabled(!self.value.trim().is_empty(), egui::Button::new("记录指标"))
                .clicked()
                && let Some(name) = names.get(self.chosen)
                && let Some(state) = data.indicators.get(self.chosen)
            {
                // A value that cannot be recorded stays in the field with the reason.
                match crate::indicators::parse_value(&state.indicator, &self.value) {
                    Ok(_) => {
                        commands.push(Command::SetIndicator {
                            name: (*name).to_owned(),
                            period,
                            value: self.value.trim().to_owned(),
                            source: self.source.trim().to_owned(),
                        });
                        self.value.clear();
                        self.problem = None;
                    }
                    Err(error) => self.problem = Some(error.to_string()),
                }
            }
        });
        if let Some(problem) = &self.problem {
            ui.colored_label(ui.visuals().error_fg_color, problem);
        }
    }
}

/// One indicator's months as a line, with its target as a dashed level.
fn plot_ui(ui: &mut egui::Ui, state: &crate::service::IndicatorState, index: usize) {
    let indicator = &state.indicator;
    let points: Vec<[f64; 2]> = state
        .values
        .iter()
        .map(|v| [f64::from(v.period.month), v.value])
        .collect();
    let unit = indicator.unit.clone();
    // Room above the highest of the target and the values, up to a round figure that gets a
    // label of its own: no point sits on the plot's top edge.
    let highest = points
        .iter()
        .map(|p| p[1])
        .fold(indicator.target, f64::max)
        .max(0.0);
    let step = if highest >= 10.0 { 10.0 } else { 1.0 };
    let mut top = ((highest * 1.15) / step).ceil() * step;
    if indicator.is_percentage() && highest <= 100.0 {
        top = top.min(100.0).max(highest + step / 2.0);
    }
    egui_plot::Plot::new(("indicator_plot", index))
        .height(150.0)
        .width(ui.available_width().min(560.0))
        .include_x(1.0)
        .include_x(12.0)
        .include_y(0.0)
        .include_y(top)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        // One mark per month, each labelled.
        .x_grid_spacer(|_| {
            (1..=12)
                .map(|month| egui_plot::GridMark {
                    value: f64::from(month),
                    step_size: 1.0,
                })
                .collect()
        })
        // Month labels closer together than the default 60 points: twelve fit.
        .custom_x_axes(vec![
            egui_plot::AxisHints::new_x()
                .label_spacing(26.0..=34.0)
                .formatter(|mark, _| {
                    let month = mark.value.round();
                    if (mark.value - month).abs() < 1e-6 && (1.0..=12.0).contains(&month) {
                        format!("{month}月")
                    } else {
                        String::new()
                    }
                }),
        ])
        .y_axis_formatter(move |mark, _| format!("{}{unit}", format_figure(mark.value)))
        .show(ui, |plot| {
            plot.hline(
                egui_plot::HLine::new(
                    format!("目标 {}", indicator.target_label()),
                    indicator.target,
                )
                .style(egui_plot::LineStyle::dashed_loose())
                .color(egui::Color32::from_rgb(0xc0, 0x39, 0x2b)),
            );
            if !points.is_empty() {
                plot.line(
                    egui_plot::Line::new(indicator.name.clone(), points.clone())
                        .color(egui::Color32::from_rgb(0x1f, 0x6f, 0xb2)),
                );
                plot.points(
                    egui_plot::Points::new(indicator.name.clone(), points)
                        .radius(3.5)
                        .color(egui::Color32::from_rgb(0x1f, 0x6f, 0xb2)),
                );
            }
        });
}
