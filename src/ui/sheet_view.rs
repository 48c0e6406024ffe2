//! 进展表: the month's progress sheet, each row's wording editable, exported as XLSX and PDF.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::command::Command;
use super::context::SheetContext;
use super::state::Selection;
use super::widgets::{labelled_field, period_picker, section_title};
use crate::schedule::Period;
use crate::sheet::{Sheet, build_sheet};

/// The month's progress sheet (进展表): the form filled from the returns, each row's wording
/// editable, exported to XLSX and PDF or printed.
#[derive(Default)]
pub struct SheetView {
    /// The sheet on show, built when the period or the data changed.
    cached: Option<(Period, u64, Sheet)>,
    drafts: BTreeMap<i64, (String, String)>,
    /// What the drafts were made from.
    base: BTreeMap<i64, (String, String)>,
    folder: String,
    /// Each row's height when last laid out, at `heights_width`: rows outside the scrolled view
    /// only take their space, so a frame costs the same for 30 rows or 300.
    heights: BTreeMap<i64, f32>,
    heights_width: f32,
    /// The row whose field has the keyboard focus: always laid out, so the focus stays.
    focused_row: Option<i64>,
    /// An export waiting for 填报人 and 联系电话, asked once before the first export while
    /// they are empty: (print, the two fields as typed).
    contact_prompt: Option<(bool, String, String)>,
    /// The prompt was shown this session: it is not shown again.
    contact_asked: bool,
    /// The form's title and notes as typed, with the plan they were taken from.
    form_text: Option<(i64, String, String)>,
    /// Show the form text's earlier versions.
    show_form_history: bool,
    /// 报市: the sheet by e-mail to the city.
    send_up: super::sheet_send_view::SheetSendUi,
}

impl SheetView {
    /// Before the first export while 填报人 or 联系电话 is empty: ask for them once.
    fn contact_prompt_ui(
        &mut self,
        ctx: &egui::Context,
        data: &SheetContext<'_>,
        period: Period,
        commands: &mut Vec<Command>,
    ) {
        let Some((print, person, phone)) = &mut self.contact_prompt else {
            return;
        };
        let mut decision = None;
        egui::Modal::new(egui::Id::unique("contact_prompt")).show(ctx, |ui| {
            ui.heading("填写进展表的填报人");
            ui.label("进展表的表头要写明填报人和联系电话。填一次即可，以后在“设置”中修改。");
            super::widgets::labelled_field(ui, "填报人", person, 200.0);
            super::widgets::labelled_field(ui, "联系电话", phone, 200.0);
            ui.horizontal(|ui| {
                if ui.button("保存并导出").clicked() {
                    decision = Some(true);
                }
                if ui.button("暂不填写，直接导出").clicked() {
                    decision = Some(false);
                }
            });
        });
        let Some(save) = decision else {
            return;
        };
        if save {
            let mut settings = data.settings.clone();
            settings.contact_person = person.trim().to_owned();
            settings.phone = phone.trim().to_owned();
            commands.push(Command::SaveSettings(settings));
        }
        commands.push(Command::ExportSheet {
            period,
            folder: PathBuf::from(self.folder.trim()),
            print: *print,
        });
        self.contact_prompt = None;
    }

    fn sheet(&mut self, data: &SheetContext<'_>, period: Period) -> &Sheet {
        let fresh = self
            .cached
            .as_ref()
            .is_some_and(|(p, version, _)| *p == period && *version == data.version);
        if !fresh {
            let sheet = build_sheet(
                data.plan,
                data.settings,
                data.returns,
                data.sheet_edits,
                period,
            );
            let saved: BTreeMap<i64, (String, String)> = sheet
                .rows()
                .filter(|row| row.task_id.is_none())
                .map(|row| (row.form_row_id, (row.progress.clone(), row.remark.clone())))
                .collect();
            let period_changed = self.cached.as_ref().is_none_or(|(p, _, _)| *p != period);
            if period_changed || saved != self.base {
                self.drafts = saved.clone();
                self.base = saved;
            }
            self.cached = Some((period, data.version, sheet));
            self.heights.clear();
        }
        match &self.cached {
            Some((_, _, sheet)) => sheet,
            None => unreachable!("the sheet was just built"),
        }
    }

    /// Saves what is typed but not yet saved (the window is closing).
    pub fn flush(&mut self, _data: &SheetContext<'_>, commands: &mut Vec<Command>) {
        self.commit(commands);
    }

    fn commit(&mut self, commands: &mut Vec<Command>) {
        let Some((period, _, sheet)) = &self.cached else {
            return;
        };
        for row in sheet.rows().filter(|row| row.task_id.is_none()) {
            let Some(draft) = self.drafts.get(&row.form_row_id) else {
                continue;
            };
            if self.base.get(&row.form_row_id) != Some(draft) {
                commands.push(Command::SaveSheetRow {
                    period: *period,
                    form_row_id: row.form_row_id,
                    progress: draft.0.clone(),
                    remark: draft.1.clone(),
                    based_on: row.consolidated.clone(),
                });
            }
        }
    }

    #[expect(
        clippy::too_many_lines,
        reason = "the sheet page: period, export, and the rows in view with their editors"
    )]
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &SheetContext<'_>,
        selection: &mut Selection,
        (exporting, sending_up): (bool, bool),
        commands: &mut Vec<Command>,
    ) {
        self.contact_prompt_ui(ui.ctx(), data, selection.period, commands);
        if self.folder.is_empty() {
            self.folder = data
                .ledger_path
                .parent()
                .map(|dir| dir.join("exports").display().to_string())
                .unwrap_or_default();
        }
        ui.heading("进展表");
        let periods = data.periods();
        let before = selection.period;
        ui.horizontal(|ui| {
            period_picker(ui, &periods, &mut selection.period);
        });
        if selection.period != before {
            self.commit(commands);
        }
        let period = selection.period;
        let sheet = self.sheet(data, period).clone();
        self.form_text_ui(ui, data, &sheet, commands);

        ui.horizontal_wrapped(|ui| {
            for (field, value) in &sheet.header {
                ui.label(format!("{field}：{value}"));
                ui.separator();
            }
            if ui.small_button("修改表头").clicked() {
                commands.push(Command::OpenSettingsUnit);
            }
        });
        ui.horizontal(|ui| {
            labelled_field(ui, "导出到", &mut self.folder, 360.0);
            if ui.button("选择文件夹…").clicked() {
                match super::widgets::pick(|| {
                    rfd::FileDialog::new()
                        .set_directory(&self.folder)
                        .pick_folder()
                }) {
                    super::widgets::Picked::Chosen(folder) => {
                        self.folder = folder.display().to_string();
                    }
                    // The folder can be typed into the field beside the button.
                    super::widgets::Picked::Failed => commands.push(Command::Notify(
                        "无法打开文件夹选择窗口，请在“导出到”框中直接输入文件夹路径。".to_owned(),
                    )),
                    super::widgets::Picked::Cancelled => {}
                }
            }
            let enabled = !exporting && !self.folder.trim().is_empty();
            let mut export = None;
            if ui
                .add_enabled(enabled, egui::Button::new("导出 Excel 和 PDF"))
                .clicked()
            {
                export = Some(false);
            }
            if ui.add_enabled(enabled, egui::Button::new("打印")).clicked() {
                export = Some(true);
            }
            if let Some(print) = export {
                self.commit(commands);
                let settings = &data.settings;
                let missing_contact =
                    settings.contact_person.trim().is_empty() || settings.phone.trim().is_empty();
                if missing_contact && !self.contact_asked {
                    // Asked once: the sheet's header names who filled it in and a phone.
                    self.contact_asked = true;
                    self.contact_prompt = Some((
                        print,
                        settings.contact_person.clone(),
                        settings.phone.clone(),
                    ));
                } else {
                    commands.push(Command::ExportSheet {
                        period,
                        folder: PathBuf::from(self.folder.trim()),
                        print,
                    });
                }
            }
            if exporting {
                ui.spinner();
                ui.label("正在导出…");
            }
        });
        let gaps = super::sheet_send_view::Gaps {
            departments: sheet
                .rows()
                .flat_map(|r| r.missing.iter())
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            blank_rows: sheet
                .rows()
                .filter(|r| r.progress.trim().is_empty())
                .count(),
        };
        self.send_up
            .ui(ui, data, (period, gaps), sending_up, commands);
        let missing: usize = sheet.rows().filter(|r| !r.missing.is_empty()).count();
        let stale: usize = sheet.rows().filter(|r| r.stale).count();
        let mut warnings = Vec::new();
        if missing > 0 {
            warnings.push(format!("{missing} 行有部门尚未报送"));
        }
        if stale > 0 {
            warnings.push(format!("{stale} 行的修改可能已过时"));
        }
        if !warnings.is_empty() {
            ui.label(
                egui::RichText::new(format!("{}。", warnings.join("，")))
                    .color(ui.visuals().warn_fg_color),
            );
        }

        let mut commit = false;
        let heights = &mut self.heights;
        let heights_width = &mut self.heights_width;
        let focused_row = &mut self.focused_row;
        egui::ScrollArea::vertical()
            .id_salt("sheet_scroll")
            .auto_shrink([false, false])
            .show_viewport(ui, |ui, viewport| {
                let content_top = ui.max_rect().top();
                if (ui.available_width() - *heights_width).abs() > 0.5 {
                    heights.clear();
                    *heights_width = ui.available_width();
                }
                for group in &sheet.groups {
                    section_title(ui, &group.name);
                    if group.name == crate::sheet::TASKS_GROUP {
                        ui.weak("以下任务不在报送表中，是牵头部门按任务报送的进展，原样列在表后；如需修改，请在“月度报送”中修改该部门的报送。");
                    }
                    for row in &group.rows {
                        if row.task_id.is_some() {
                            task_row_ui(ui, row);
                            continue;
                        }
                        let Some(draft) = self.drafts.get_mut(&row.form_row_id) else {
                            continue;
                        };
                        let top = ui.cursor().top() - content_top;
                        if let Some(&height) = heights.get(&row.form_row_id)
                            && *focused_row != Some(row.form_row_id)
                            && (top + height < viewport.top() || top > viewport.bottom())
                        {
                            ui.allocate_space(egui::vec2(ui.available_width(), height));
                            continue;
                        }
                        let mut has_focus = false;
                        let shown = egui::Frame::group(ui.style()).show(ui, |ui| {
                            ui.set_width(ui.available_width());
                            ui.horizontal_wrapped(|ui| {
                                ui.label(
                                    egui::RichText::new(format!("{}．{}", row.number, row.text))
                                        .strong(),
                                );
                                ui.weak(row.units.join("、"));
                                if row.edited {
                                    ui.label("【已修改】");
                                }
                            });
                            if !row.missing.is_empty() {
                                ui.label(
                                    egui::RichText::new(format!(
                                        "尚未报送：{}",
                                        row.missing.join("、")
                                    ))
                                    .color(ui.visuals().warn_fg_color),
                                );
                            }
                            if !row.returned.is_empty() {
                                ui.label(
                                    egui::RichText::new(format!(
                                        "【已退回】{}的报送已退回修改，尚未重报；下面仍是原报内容。",
                                        row.returned.join("、")
                                    ))
                                    .color(ui.visuals().warn_fg_color),
                                );
                            }
                            if row.stale {
                                ui.horizontal_wrapped(|ui| {
                                    ui.label(
                                        egui::RichText::new("部门报送已更新，本行文字可能已过时。")
                                            .color(ui.visuals().warn_fg_color),
                                    );
                                    if ui
                                        .button(format!("按最新报送重新生成 {}", row.code))
                                        .clicked()
                                    {
                                        commands.push(Command::SaveSheetRow {
                                            period,
                                            form_row_id: row.form_row_id,
                                            progress: row.consolidated.clone(),
                                            remark: row.consolidated_remark.clone(),
                                            based_on: row.consolidated.clone(),
                                        });
                                    }
                                });
                            }
                            let label = ui.label("进展情况");
                            let progress = ui
                                .add(
                                    egui::TextEdit::multiline(&mut draft.0)
                                        .desired_rows(2)
                                        .desired_width(f32::INFINITY),
                                )
                                .labelled_by(label.id);
                            commit |= progress.lost_focus();
                            has_focus |= progress.has_focus();
                            ui.horizontal(|ui| {
                                let remark = labelled_field(
                                    ui,
                                    "备注",
                                    &mut draft.1,
                                    ui.available_width() - 140.0,
                                );
                                commit |= remark.lost_focus();
                                has_focus |= remark.has_focus();
                                if let Some(edit) = row.edit.as_ref().filter(|e| e.history_len > 0)
                                    && ui
                                        .small_button(format!("修改记录（{}）", edit.history_len))
                                        .clicked()
                                {
                                    commands.push(Command::ShowSheetHistory(edit.id));
                                }
                            });
                            if let (Some((id, entries)), Some(edit)) =
                                (&data.sheet_history, &row.edit)
                                && *id == edit.id
                            {
                                for entry in entries {
                                    ui.weak(format!(
                                        "{}写入，{}被替换：{}　{}",
                                        entry.written_at,
                                        entry.replaced_at,
                                        entry.progress,
                                        entry.remark
                                    ));
                                }
                            }
                        });
                        heights.insert(row.form_row_id, shown.response.rect.height());
                        if has_focus {
                            *focused_row = Some(row.form_row_id);
                        } else if *focused_row == Some(row.form_row_id) {
                            *focused_row = None;
                        }
                    }
                }
                if !sheet.notes.is_empty() {
                    ui.add_space(6.0);
                    ui.weak("注：");
                    for note in &sheet.notes {
                        ui.weak(note);
                    }
                }
            });
        if commit {
            self.commit(commands);
        }
    }
}

/// A task the form does not list: what its departments reported, as they wrote it.
fn task_row_ui(ui: &mut egui::Ui, row: &crate::sheet::SheetRow) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new(format!("{} {}", row.code, row.text)).strong());
            ui.weak(row.units.join("、"));
        });
        ui.label(format!("进展情况：{}", row.progress));
        if !row.remark.is_empty() {
            ui.label(format!("备注：{}", row.remark));
        }
    });
}

impl SheetView {
    /// The form's title and notes as the exported files print them, editable (the city's
    /// form changes its year every year); earlier versions are kept.
    fn form_text_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &SheetContext<'_>,
        sheet: &Sheet,
        commands: &mut Vec<Command>,
    ) {
        ui.label(egui::RichText::new(format!("{}{}", sheet.title, sheet.period_line())).strong());
        let plan = data.plan;
        let stored = (plan.form.title.clone(), plan.form.notes.join("\n"));
        if self
            .form_text
            .as_ref()
            .is_none_or(|(id, _, _)| *id != plan.id)
        {
            self.form_text = Some((plan.id, stored.0.clone(), stored.1.clone()));
        }
        egui::CollapsingHeader::new("修改表格标题和表注")
            .id_salt("form_text")
            .show(ui, |ui| {
                let Some((_, title, notes)) = &mut self.form_text else {
                    return;
                };
                labelled_field(ui, "表格标题", title, 520.0);
                let label = ui.label("表注（每行一条）");
                ui.add(
                    egui::TextEdit::multiline(notes)
                        .desired_rows(4)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
                let changed =
                    (title.as_str(), notes.as_str()) != (stored.0.as_str(), stored.1.as_str());
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(changed, egui::Button::new("保存标题和表注"))
                        .clicked()
                    {
                        commands.push(Command::SaveFormText {
                            plan_id: plan.id,
                            title: title.clone(),
                            notes: notes.lines().map(str::to_owned).collect(),
                        });
                    }
                    if ui.add_enabled(changed, egui::Button::new("还原")).clicked() {
                        *title = stored.0.clone();
                        *notes = stored.1.clone();
                    }
                    let history = &plan.form.history;
                    if !history.is_empty() {
                        ui.toggle_value(
                            &mut self.show_form_history,
                            format!("修改记录（{}）", history.len()),
                        );
                    }
                });
                if self.show_form_history {
                    for entry in &plan.form.history {
                        ui.weak(format!(
                            "{}前：{}　注：{}",
                            entry.replaced_at,
                            entry.title,
                            entry.notes.join("；")
                        ));
                    }
                }
            });
    }
}
