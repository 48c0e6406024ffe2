//! 月度报送: one department's return for one month, typed row by row or pasted from an e-mail.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::command::Command;
use super::context::ReturnsContext;
use super::state::Selection;
use super::widgets::{department_picker, period_picker, section_title, status_badge};
use crate::model::{format_date_cn, parse_date};
use crate::returns::{
    ExpectedRow, ReturnSource, RowKey, RowStatus, RowWrite, split_email, split_email_body,
};
use crate::schedule::{Period, is_quarterly_detail};

mod panels;
mod send_back;

use panels::*;

/// The returns entry page (月度报送): one department's return for one month, typed row by
/// row, saved as the user leaves each field.
#[derive(Default)]
pub struct ReturnsView {
    /// What the drafts were made from: (department, period, the stored rows' texts).
    base: Option<DraftBase>,
    drafts: BTreeMap<RowKey, RowDraft>,
    /// Rows with unsaved typing whose stored text another writer changed meanwhile: the newer
    /// stored text, until the user chooses between the two.
    conflicts: BTreeMap<RowKey, RowDraft>,
    received: String,
    source: Option<ReturnSource>,
    email: String,
    /// A paste into a row field that holds numbered paragraphs of other rows.
    paste_offer: Option<PasteOffer>,
    error: Option<String>,
    /// 退回修改 of the return on show.
    send_back: send_back::SendBackPanel,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct DraftBase {
    department_id: i64,
    period: Period,
    rows: BTreeMap<RowKey, RowDraft>,
    received_on: Option<NaiveDate>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct RowDraft {
    progress: String,
    remark: String,
}

struct PasteOffer {
    /// The row the text was pasted into, and its text before the paste.
    into: RowKey,
    before: String,
    parts: Vec<(RowKey, String)>,
}

impl ReturnsView {
    /// Saves what is typed but not yet saved (the window is closing). Rows in conflict are
    /// saved too: the other writer's text stays in the row's history.
    pub fn flush(&mut self, data: &ReturnsContext<'_>, commands: &mut Vec<Command>) {
        let Some(base) = &self.base else { return };
        self.conflicts.clear();
        let writes = self.changed_rows(data, base.department_id, base.period);
        if !writes.is_empty() {
            commands.push(Command::OverwriteReturnRows(writes));
        }
    }

    fn received_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        if self.received.trim().is_empty() {
            Some(today)
        } else {
            parse_date(&self.received)
        }
    }

    fn changed_rows(
        &self,
        data: &ReturnsContext<'_>,
        department_id: i64,
        period: Period,
    ) -> Vec<RowWrite> {
        let Some(base) = &self.base else {
            return Vec::new();
        };
        let received_on = self.received_date(data.today);
        self.drafts
            .iter()
            // A row in conflict waits for the user's choice.
            .filter(|(key, _)| !self.conflicts.contains_key(key))
            .filter(|(key, draft)| base.rows.get(key).is_none_or(|saved| saved != *draft))
            .map(|(key, draft)| RowWrite {
                department_id,
                period,
                key: *key,
                progress: draft.progress.clone(),
                remark: draft.remark.clone(),
                source: self.source.unwrap_or(ReturnSource::Manual),
                received_on,
            })
            .collect()
    }

    /// Starts fresh drafts when the department, the period or the stored texts changed.
    fn sync(
        &mut self,
        data: &ReturnsContext<'_>,
        department_id: i64,
        period: Period,
        rows: &[ExpectedRow],
    ) {
        let record = data.record(department_id, period);
        let stored: BTreeMap<RowKey, RowDraft> = rows
            .iter()
            .map(|row| {
                let stored = record.and_then(|r| r.row(row.key));
                (
                    row.key,
                    RowDraft {
                        progress: stored.map(|s| s.progress.clone()).unwrap_or_default(),
                        remark: stored.map(|s| s.remark.clone()).unwrap_or_default(),
                    },
                )
            })
            .collect();
        let base = DraftBase {
            department_id,
            period,
            rows: stored,
            received_on: record.and_then(|r| r.received_on),
        };
        if self.base.as_ref() == Some(&base) {
            return;
        }
        let same_return = self
            .base
            .as_ref()
            .is_some_and(|old| old.department_id == department_id && old.period == period);
        if same_return && let Some(old) = &self.base {
            // The same return read again (a save, or another writer): typing not yet saved is
            // kept, and where the stored text changed under it the user is asked.
            for (key, stored) in &base.rows {
                let before = old.rows.get(key);
                let Some(draft) = self.drafts.get_mut(key) else {
                    continue;
                };
                if before.is_none_or(|before| before == draft) {
                    *draft = stored.clone();
                    self.conflicts.remove(key);
                } else if before != Some(stored) && stored != draft {
                    self.conflicts.insert(*key, stored.clone());
                }
            }
            if let Some(date) = base.received_on {
                self.received = format_date_cn(date);
            }
            self.base = Some(base);
            return;
        }
        self.conflicts.clear();
        if !same_return {
            self.received = format_date_cn(base.received_on.unwrap_or(data.today));
            // Most returns arrive as e-mail text.
            self.source = Some(record.map_or(ReturnSource::Email, |r| r.source));
            self.email.clear();
            self.paste_offer = None;
            self.error = None;
        } else if let Some(date) = base.received_on {
            self.received = format_date_cn(date);
        }
        self.drafts = base.rows.clone();
        self.base = Some(base);
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        selection: &mut Selection,
        can_undo: bool,
        commands: &mut Vec<Command>,
    ) {
        ui.heading("月度报送");
        let periods = data.periods();
        let choices: Vec<(i64, String)> = data
            .obligations
            .iter()
            .map(|o| (o.department_id, o.department.clone()))
            .collect();
        let before = *selection;
        ui.horizontal(|ui| {
            period_picker(ui, &periods, &mut selection.period);
            ui.separator();
            department_picker(ui, &choices, &mut selection.department_id);
            ui.separator();
            if ui
                .add_enabled(can_undo, egui::Button::new("撤销上一次保存"))
                .clicked()
            {
                commands.push(Command::Undo);
            }
        });
        if *selection != before {
            // Leaving a return saves what was typed in it.
            if let Some(base) = &self.base {
                let writes = self.changed_rows(data, base.department_id, base.period);
                if !writes.is_empty() {
                    commands.push(Command::SaveReturnRows(writes));
                }
            }
        }
        let Some(obligation) = selection.department_id.and_then(|id| data.obligation(id)) else {
            ui.weak("请选择报送部门。");
            return;
        };
        let department_id = obligation.department_id;
        let period = selection.period;
        // A task closed when the real plan left it out is owed only before it was closed.
        let owed = obligation.rows_in(period);
        self.sync(data, department_id, period, &owed);

        let status = data.status(period).and_then(|s| {
            s.departments
                .iter()
                .find(|d| d.department_id == department_id)
        });
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "{}的{}进展，应于{}前报送",
                obligation.department,
                period.label(),
                data.status(period)
                    .map(|s| format_date_cn(s.due))
                    .unwrap_or_default()
            ));
            if let Some(status) = status {
                status_badge(ui, status);
                ui.label(format!(
                    "已填 {}/{} 行",
                    status.rows_filled, status.rows_expected
                ));
            }
        });

        self.received_ui(ui, data, department_id, period, commands);
        self.send_back
            .ui(ui, data, department_id, period, &owed, commands);
        if owed.iter().any(|row| row.quarterly) && is_quarterly_detail(period, &data.plan.reporting)
        {
            ui.label(
                egui::RichText::new("本月须详细报送试点示范两行上一季度的进展。")
                    .color(ui.visuals().warn_fg_color),
            );
        }
        if let Some(error) = &self.error {
            ui.label(egui::RichText::new(error).color(ui.visuals().error_fg_color));
        }
        self.paste_offer_ui(ui, data, department_id, period, &owed, commands);

        egui::ScrollArea::vertical()
            .id_salt("return_rows_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                self.rows_ui(ui, data, department_id, period, &owed, commands);
                self.email_ui(ui, data, department_id, period, &owed, commands);
                led_tasks_ui(ui, data, department_id);
            });
    }

    fn received_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        department_id: i64,
        period: Period,
        commands: &mut Vec<Command>,
    ) {
        let record = data.record(department_id, period);
        let received_on = record.and_then(|r| r.received_on);
        ui.horizontal(|ui| {
            let label = ui.label("收到日期");
            let response = ui
                .add(egui::TextEdit::singleline(&mut self.received).desired_width(130.0))
                .labelled_by(label.id);
            let source_label = ui.label("来源");
            let mut source = self.source.unwrap_or(ReturnSource::Manual);
            egui::ComboBox::from_id_salt("return_source")
                .selected_text(source.label())
                .show_ui(ui, |ui| {
                    for candidate in ReturnSource::ALL {
                        ui.selectable_value(&mut source, candidate, candidate.label());
                    }
                })
                .response
                .labelled_by(source_label.id);
            let source_changed = self.source != Some(source);
            self.source = Some(source);
            let date = self.received_date(data.today);
            if date.is_none() {
                ui.label(
                    egui::RichText::new("日期无法识别，请写成 2019年8月5日")
                        .color(ui.visuals().error_fg_color),
                );
            }
            if let Some((file_id, name)) = record.and_then(|r| r.source_file.clone())
                && ui.button(format!("打开原始文件：{name}")).clicked()
            {
                commands.push(Command::OpenSourceFile(file_id));
            }
            match received_on {
                Some(saved) => {
                    let date_changed = response.lost_focus() && date.is_some_and(|d| d != saved);
                    if let Some(date) = date.filter(|_| date_changed || source_changed) {
                        commands.push(Command::SetReceived {
                            department_id,
                            period,
                            received_on: Some(date),
                            source,
                        });
                    }
                    if ui.button("撤销收到").clicked() {
                        commands.push(Command::SetReceived {
                            department_id,
                            period,
                            received_on: None,
                            source,
                        });
                    }
                }
                None => {
                    if ui
                        .add_enabled(date.is_some(), egui::Button::new("标记为已收到"))
                        .clicked()
                    {
                        commands.push(Command::SetReceived {
                            department_id,
                            period,
                            received_on: date,
                            source,
                        });
                    }
                }
            }
        });
    }

    fn rows_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        department_id: i64,
        period: Period,
        rows: &[ExpectedRow],
        commands: &mut Vec<Command>,
    ) {
        let record = data.record(department_id, period);
        let pasted: Option<String> = ui.input(|input| {
            input.events.iter().find_map(|event| match event {
                egui::Event::Paste(text) => Some(text.clone()),
                _ => None,
            })
        });
        let mut commit = false;
        let mut conflict: Option<(RowKey, RowDraft)> = None;
        let mut decisions: Vec<(RowKey, bool)> = Vec::new();
        // The numbering of the department's template and of 部门清单 (`8．…`), each form
        // group named when the rows stand under more than one (their numbers restart).
        let groups: std::collections::HashSet<&str> = rows
            .iter()
            .filter(|r| matches!(r.key, RowKey::FormRow(_)))
            .map(|r| r.group.as_str())
            .collect();
        for row in rows {
            let Some(draft) = self.drafts.get_mut(&row.key) else {
                continue;
            };
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal_wrapped(|ui| {
                    let label = match row.key {
                        RowKey::FormRow(_) if groups.len() > 1 => {
                            format!("{}：{}", row.group, row.label())
                        }
                        _ => row.label(),
                    };
                    ui.label(egui::RichText::new(label).strong());
                    let status = RowStatus::of(&draft.progress);
                    let color = match status {
                        RowStatus::Progress => ui.visuals().text_color(),
                        RowStatus::NotApplicable => ui.visuals().weak_text_color(),
                        RowStatus::Empty => ui.visuals().warn_fg_color,
                    };
                    ui.label(egui::RichText::new(format!("【{}】", status.label())).color(color));
                    if row.quarterly {
                        let hint = if is_quarterly_detail(period, &data.plan.reporting) {
                            "按季度：本月详细报送上一季度进展"
                        } else {
                            "按季度：本月报送简要情况"
                        };
                        ui.weak(hint);
                    }
                });
                if let Some(newer) = self.conflicts.get(&row.key).cloned() {
                    conflict = Some((row.key, newer));
                }
                if let Some((key, newer)) = conflict.as_ref().filter(|(key, _)| *key == row.key) {
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        ui.label(
                            egui::RichText::new(format!(
                                "这一行刚被其他程序改为：“{}”。你在下面尚未保存的文字还在。",
                                newer.progress
                            ))
                            .color(ui.visuals().warn_fg_color),
                        );
                        ui.horizontal(|ui| {
                            if ui.button("用我的文字覆盖").clicked() {
                                decisions.push((*key, true));
                            }
                            if ui.button("改用新的文字").clicked() {
                                decisions.push((*key, false));
                            }
                        });
                    });
                }
                let before_frame = draft.progress.clone();
                let progress_label = ui.label("进展情况");
                let progress = ui
                    .add(
                        egui::TextEdit::multiline(&mut draft.progress)
                            .desired_rows(2)
                            .desired_width(f32::INFINITY)
                            .hint_text("无此项任务的请写“无此项任务”"),
                    )
                    .labelled_by(progress_label.id);
                if let Some(text) = pasted
                    .as_ref()
                    .filter(|_| progress.has_focus() || progress.changed())
                {
                    let parts = split_email(text, rows);
                    let elsewhere = parts.iter().any(|(key, _)| *key != row.key);
                    if elsewhere {
                        self.paste_offer = Some(PasteOffer {
                            into: row.key,
                            before: before_frame,
                            parts,
                        });
                    }
                }
                ui.horizontal(|ui| {
                    let remark = super::widgets::labelled_field(
                        ui,
                        "备注",
                        &mut draft.remark,
                        ui.available_width() - 160.0,
                    );
                    commit |= remark.lost_focus();
                    if let Some(stored) = record.and_then(|r| r.row(row.key))
                        && stored.history_len > 0
                        && ui
                            .small_button(format!("修改记录（{}）", stored.history_len))
                            .clicked()
                    {
                        commands.push(Command::ShowHistory(stored.id));
                    }
                });
                commit |= progress.lost_focus();
                if let (Some((row_id, entries)), Some(stored)) =
                    (&data.history, record.and_then(|r| r.row(row.key)))
                    && *row_id == stored.id
                {
                    history_ui(ui, entries, commands);
                }
            });
        }
        for (key, keep_mine) in decisions {
            let Some(newer) = self.conflicts.remove(&key) else {
                continue;
            };
            if keep_mine {
                if let Some(draft) = self.drafts.get(&key) {
                    commands.push(Command::OverwriteReturnRows(vec![RowWrite {
                        department_id,
                        period,
                        key,
                        progress: draft.progress.clone(),
                        remark: draft.remark.clone(),
                        source: self.source.unwrap_or(ReturnSource::Manual),
                        received_on: self.received_date(data.today),
                    }]));
                }
            } else {
                self.drafts.insert(key, newer);
            }
        }
        if commit {
            let writes = self.changed_rows(data, department_id, period);
            match self.received_date(data.today) {
                None => {
                    self.error = Some("收到日期无法识别，修改暂未保存".to_owned());
                }
                Some(_) if !writes.is_empty() => {
                    self.error = None;
                    commands.push(Command::SaveReturnRows(writes));
                }
                Some(_) => {}
            }
        }
    }
}
