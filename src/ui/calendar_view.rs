//! 日历: the deadline calendar, a month grid or the whole year.

use chrono::{Datelike as _, NaiveDate};

use super::command::Command;
use super::context::CalendarContext;
use super::state::Page;
use super::widgets::{labelled_field, light_badge, light_color, section_title};
use crate::deadlines::{Deadline, DeadlineKind, Light};
use crate::model::format_date_cn;
use crate::schedule::Period;

/// The deadline calendar (日历): a month grid (weeks from Monday) or the whole year, with every
/// item's light; a day's items with their actions; the user's own items; `.ics` export.
#[derive(Default)]
pub struct CalendarView {
    month: Option<Period>,
    selected: Option<NaiveDate>,
    year_view: bool,
    new_title: String,
    new_departments: String,
    /// Show one plan's items only.
    pub plan_filter: Option<i64>,
}

const HEADERS: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];

impl CalendarView {
    /// Shows a month with a day selected.
    pub fn show_day(&mut self, date: NaiveDate) {
        self.month = Some(Period::of(date));
        self.selected = Some(date);
        self.year_view = false;
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &CalendarContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        let month = *self.month.get_or_insert_with(|| Period::of(data.today));
        ui.heading("日历");
        super::widgets::plan_filter_ui(
            ui,
            "calendar_plan_filter",
            &mut self.plan_filter,
            data.in_play,
        );
        self.controls_ui(ui, data, month, commands);
        egui::ScrollArea::vertical()
            .id_salt("calendar_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if self.year_view {
                    self.year_ui(ui, data, month.year);
                } else {
                    self.month_ui(ui, data, month);
                }
                if let Some(day) = self.selected {
                    self.day_ui(ui, data, day, commands);
                }
            });
    }

    fn controls_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &CalendarContext<'_>,
        month: Period,
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal(|ui| {
            let step = |period: Period, forward: bool, year_view: bool| {
                if year_view {
                    Period {
                        year: period.year + if forward { 1 } else { -1 },
                        ..period
                    }
                } else if forward {
                    period.next()
                } else {
                    period.previous()
                }
            };
            if ui
                .button(if self.year_view {
                    "上一年"
                } else {
                    "上月"
                })
                .clicked()
            {
                self.month = Some(step(month, false, self.year_view));
            }
            let year_label = ui.label("年");
            let mut year = month.year;
            let (first, last) = data
                .holidays
                .years()
                .unwrap_or((data.plan.year, data.plan.year));
            egui::ComboBox::from_id_salt("calendar_year")
                .selected_text(format!("{year}年"))
                .width(80.0)
                .show_ui(ui, |ui| {
                    for candidate in first.min(data.plan.year)..=last.max(data.plan.year) + 1 {
                        ui.selectable_value(&mut year, candidate, format!("{candidate}年"));
                    }
                })
                .response
                .labelled_by(year_label.id);
            let month_label = ui.label("月");
            let mut month_number = month.month;
            egui::ComboBox::from_id_salt("calendar_month")
                .selected_text(format!("{month_number}月"))
                .width(60.0)
                .show_ui(ui, |ui| {
                    for candidate in 1..=12 {
                        ui.selectable_value(&mut month_number, candidate, format!("{candidate}月"));
                    }
                })
                .response
                .labelled_by(month_label.id);
            if year != month.year || month_number != month.month {
                self.month = Period::new(year, month_number);
            }
            if ui
                .button(if self.year_view {
                    "下一年"
                } else {
                    "下月"
                })
                .clicked()
            {
                self.month = Some(step(month, true, self.year_view));
            }
            if ui.button("今天").clicked() {
                self.show_day(data.today);
            }
            ui.separator();
            ui.selectable_value(&mut self.year_view, false, "月视图");
            ui.selectable_value(&mut self.year_view, true, "年视图");
            ui.separator();
            if ui.button("导出到手机日历（.ics）").clicked() {
                commands.push(Command::ExportIcs);
            }
        });
        ui.horizontal_wrapped(|ui| {
            for light in [
                Light::Red,
                Light::Yellow,
                Light::Green,
                Light::Carried,
                Light::Grey,
            ] {
                ui.label(super::widgets::light_dot(light));
                ui.weak(light.label());
            }
            ui.separator();
            ui.label(egui::RichText::new("休").color(light_color(Light::Red)));
            ui.weak("法定节假日");
            ui.label(egui::RichText::new("班").color(light_color(Light::Yellow)));
            ui.weak("调休上班");
        });
    }

    fn month_ui(&mut self, ui: &mut egui::Ui, data: &CalendarContext<'_>, month: Period) {
        let first = month.first_day();
        let offset = first.weekday().num_days_from_monday() as usize;
        let days = month.last_day().day() as usize;
        let cell_width = ((ui.available_width() - 7.0 * 6.0) / 7.0).max(90.0);
        let cell = egui::vec2(cell_width, 92.0);
        egui::Grid::new(("month_grid", month.year, month.month))
            .spacing([4.0, 4.0])
            .show(ui, |ui| {
                for header in HEADERS {
                    ui.vertical_centered(|ui| {
                        ui.set_width(cell_width);
                        ui.label(egui::RichText::new(header).strong());
                    });
                }
                ui.end_row();
                for index in 0..(offset + days).div_ceil(7) * 7 {
                    if index >= offset && index < offset + days {
                        let day = first + chrono::Days::new((index - offset) as u64);
                        self.day_cell_ui(ui, data, day, cell);
                    } else {
                        ui.allocate_exact_size(cell, egui::Sense::hover());
                    }
                    if index % 7 == 6 {
                        ui.end_row();
                    }
                }
            });
    }

    fn day_cell_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &CalendarContext<'_>,
        day: NaiveDate,
        size: egui::Vec2,
    ) {
        let items: Vec<&Deadline> = data.deadlines.iter().filter(|d| d.date == day).collect();
        let moved: Vec<&Deadline> = data
            .deadlines
            .iter()
            .filter(|d| d.nominal == Some(day))
            .collect();
        let holiday = data.holidays.holiday(day);
        let makeup = data.holidays.is_makeup_workday(day);
        let selected = self.selected == Some(day);
        let stroke = if day == data.today {
            egui::Stroke::new(2.5, ui.visuals().selection.stroke.color)
        } else if selected {
            egui::Stroke::new(1.5, ui.visuals().strong_text_color())
        } else {
            ui.visuals().widgets.noninteractive.bg_stroke
        };
        let fill = if holiday.is_some() {
            light_color(Light::Red).gamma_multiply(0.15)
        } else {
            ui.visuals().extreme_bg_color
        };
        let response = egui::Frame::new()
            .fill(fill)
            .stroke(stroke)
            .corner_radius(4.0)
            .inner_margin(4.0)
            .show(ui, |ui| {
                ui.set_min_size(size - egui::vec2(8.0, 8.0));
                ui.set_max_width(size.x - 8.0);
                // Grid cells lay out left to right; a day's labels stack.
                ui.vertical(|ui| {
                    ui.horizontal(|ui| {
                        if ui
                            .add(
                                egui::Button::new(
                                    egui::RichText::new(day.day().to_string()).strong(),
                                )
                                .frame(false),
                            )
                            .clicked()
                        {
                            self.selected = Some(day);
                        }
                        if let Some(name) = holiday {
                            ui.label(
                                egui::RichText::new(format!("休 {name}"))
                                    .small()
                                    .color(light_color(Light::Red)),
                            );
                        } else if makeup {
                            ui.label(
                                egui::RichText::new("班")
                                    .small()
                                    .color(light_color(Light::Yellow)),
                            );
                        }
                    });
                    for item in items.iter().take(3) {
                        ui.label(
                            egui::RichText::new(short_label(item))
                                .small()
                                .color(egui::Color32::WHITE)
                                .background_color(light_color(item.light)),
                        );
                    }
                    if items.len() > 3 {
                        ui.weak(format!("+{}", items.len() - 3));
                    }
                    for item in moved.iter().take(1) {
                        ui.weak(
                            egui::RichText::new(format!("原定：{}", short_label(item))).small(),
                        );
                    }
                });
            })
            .response;
        if response.interact(egui::Sense::click()).clicked() {
            self.selected = Some(day);
        }
    }

    fn year_ui(&mut self, ui: &mut egui::Ui, data: &CalendarContext<'_>, year: i32) {
        // As many months a row as the window is wide (one small month takes about 315
        // points), so that no month is cut off in a small window.
        let per_row = ((ui.available_width() + 18.0) / 315.0)
            .floor()
            .clamp(1.0, 4.0) as u32;
        egui::Grid::new(("year_grid", year, per_row))
            .spacing([18.0, 12.0])
            .show(ui, |ui| {
                for month in Period::months_of(year) {
                    ui.vertical(|ui| {
                        ui.label(egui::RichText::new(format!("{}月", month.month)).strong());
                        egui::Grid::new(("small_month", year, month.month))
                            .spacing([2.0, 2.0])
                            .show(ui, |ui| {
                                for header in HEADERS {
                                    ui.weak(header);
                                }
                                ui.end_row();
                                let first = month.first_day();
                                let offset = first.weekday().num_days_from_monday() as usize;
                                let days = month.last_day().day() as usize;
                                for index in 0..(offset + days).div_ceil(7) * 7 {
                                    if index >= offset && index < offset + days {
                                        let day =
                                            first + chrono::Days::new((index - offset) as u64);
                                        let worst = data
                                            .deadlines
                                            .iter()
                                            .filter(|d| d.date == day)
                                            .map(|d| d.light)
                                            .max();
                                        // A weekend worked by 调休 says so (班), as the month
                                        // view does.
                                        let makeup = data.holidays.is_makeup_workday(day);
                                        let number = if makeup {
                                            format!("{}班", day.day())
                                        } else {
                                            day.day().to_string()
                                        };
                                        let mut text = egui::RichText::new(number).small();
                                        if let Some(light) = worst {
                                            text = text
                                                .color(egui::Color32::WHITE)
                                                .background_color(light_color(light));
                                        } else if data.holidays.holiday(day).is_some() {
                                            text = text.color(light_color(Light::Red));
                                        }
                                        if day == data.today {
                                            text = text.underline();
                                        }
                                        if ui.add(egui::Button::new(text).frame(false)).clicked() {
                                            self.show_day(day);
                                        }
                                    } else {
                                        ui.label("");
                                    }
                                    if index % 7 == 6 {
                                        ui.end_row();
                                    }
                                }
                            });
                    });
                    if month.month % per_row == 0 {
                        ui.end_row();
                    }
                }
            });
    }

    fn day_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &CalendarContext<'_>,
        day: NaiveDate,
        commands: &mut Vec<Command>,
    ) {
        let title = match data.holidays.holiday(day) {
            Some(name) => format!("{}（{name}）", format_date_cn(day)),
            None if data.holidays.is_makeup_workday(day) => {
                format!("{}（调休上班）", format_date_cn(day))
            }
            None => format_date_cn(day),
        };
        section_title(ui, &title);
        let items: Vec<&Deadline> = data.deadlines.iter().filter(|d| d.date == day).collect();
        if items.is_empty() {
            ui.weak("这一天没有期限。");
        }
        for item in items {
            ui.horizontal_wrapped(|ui| {
                light_badge(ui, item.light);
                ui.weak(item.kind.label());
                ui.label(&item.title);
                // Each department links to its page.
                for name in &item.departments {
                    match data.departments.iter().find(|d| &d.name == name) {
                        Some(department) => {
                            if ui.link(name).clicked() {
                                commands.push(Command::OpenDepartment(department.id));
                            }
                        }
                        None => {
                            ui.weak(name);
                        }
                    }
                }
                if let Some(nominal) = item.nominal {
                    ui.weak(format!("（原定{}，遇节假日顺延）", format_date_cn(nominal)));
                }
                if let Some(done) = item.done_on {
                    ui.weak(format!("{}完成", format_date_cn(done)));
                }
                match item.kind {
                    DeadlineKind::Milestone => {
                        if let Some(milestone_id) = item.milestone_id {
                            let (label, done) = if item.done_on.is_some() {
                                ("取消完成", false)
                            } else {
                                ("标记完成", true)
                            };
                            if ui.button(label).clicked() {
                                commands.push(Command::SetMilestoneDone { milestone_id, done });
                            }
                        }
                        if let Some(task_id) = item.task_id
                            && ui.button("查看任务").clicked()
                        {
                            commands.push(Command::OpenTask(task_id));
                        }
                    }
                    DeadlineKind::ReturnDue | DeadlineKind::QuarterlyReport => {
                        if ui.button("查看报送").clicked() {
                            commands.push(Command::OpenPage(Page::Overview));
                        }
                    }
                    DeadlineKind::Custom => {
                        if let Some(id) = item.item_id {
                            let (label, done) = if item.done_on.is_some() {
                                ("取消完成", false)
                            } else {
                                ("标记完成", true)
                            };
                            if ui.button(label).clicked() {
                                commands.push(Command::SetItemDone { id, done });
                            }
                            if ui.button("删除事项").clicked() {
                                commands.push(Command::DeleteItem(id));
                            }
                        }
                    }
                }
            });
        }
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            labelled_field(ui, "新增事项", &mut self.new_title, 240.0);
            labelled_field(ui, "相关部门", &mut self.new_departments, 200.0);
            let title = self.new_title.trim().to_owned();
            if ui
                .add_enabled(
                    !title.is_empty(),
                    egui::Button::new(format!("添加到{}", format_date_cn(day))),
                )
                .clicked()
            {
                let departments = self
                    .new_departments
                    .split(['、', ',', '，', ' '])
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(str::to_owned)
                    .collect();
                commands.push(Command::AddItem {
                    date: day,
                    title,
                    departments,
                });
                self.new_title.clear();
                self.new_departments.clear();
            }
        });
    }
}

/// A day cell's label for an item: `1.1 6月底前`, `7月报截止`, `季报`, or the title.
fn short_label(item: &Deadline) -> String {
    // With several plans in play a title starts with its plan (`〔2019年（示例）〕`): the
    // chip keeps what the item is, its plan is in the day's list.
    let title = match item.title.strip_prefix('〔') {
        Some(rest) => rest
            .split_once('〕')
            .map_or(item.title.as_str(), |(_, t)| t),
        None => item.title.as_str(),
    };
    let text = match item.kind {
        DeadlineKind::Milestone => title.split('：').next().unwrap_or(title).to_owned(),
        DeadlineKind::ReturnDue => item
            .period
            .map_or_else(|| "月报截止".to_owned(), |p| format!("{}月报截止", p.month)),
        DeadlineKind::QuarterlyReport => "季度报告".to_owned(),
        DeadlineKind::Custom => title.to_owned(),
    };
    text.chars().take(12).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_chip_names_the_item_not_its_plan() {
        let item = Deadline {
            date: NaiveDate::from_ymd_opt(2019, 6, 30).unwrap_or_default(),
            nominal: None,
            kind: DeadlineKind::Milestone,
            title: "〔2019年（示例）〕1.1 6月底前：完成农用地详查".to_owned(),
            departments: Vec::new(),
            task_id: None,
            task_code: Some("1.1".to_owned()),
            milestone_id: None,
            item_id: None,
            period: None,
            done_on: None,
            light: Light::Red,
            plan_id: Some(1),
        };
        assert_eq!(short_label(&item), "1.1 6月底前");
        let own = Deadline {
            kind: DeadlineKind::Custom,
            title: "现场检查".to_owned(),
            plan_id: None,
            ..item
        };
        assert_eq!(short_label(&own), "现场检查");
    }
}
