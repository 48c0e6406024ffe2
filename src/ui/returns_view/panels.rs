//! The parts of 月度报送 around the rows: a pasted e-mail split into rows, a row's history and
//! the tasks a department leads.

use super::*;

impl ReturnsView {
    pub(super) fn paste_offer_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        department_id: i64,
        period: Period,
        rows: &[ExpectedRow],
        commands: &mut Vec<Command>,
    ) {
        let Some(offer) = &self.paste_offer else {
            return;
        };
        let mut decision = None;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            let codes: Vec<String> = offer
                .parts
                .iter()
                .filter_map(|(key, _)| rows.iter().find(|r| r.key == *key))
                .map(|row| row.code.clone())
                .collect();
            ui.label(format!(
                "粘贴的内容包含 {} 个编号段落，对应第 {} 行。要拆分到这些行吗？",
                offer.parts.len(),
                codes.join("、")
            ));
            ui.horizontal(|ui| {
                if ui.button("拆分到对应行").clicked() {
                    decision = Some(true);
                }
                if ui.button("保留在本行").clicked() {
                    decision = Some(false);
                }
            });
        });
        match decision {
            Some(true) => {
                if let Some(offer) = self.paste_offer.take() {
                    let into_has_part = offer.parts.iter().any(|(key, _)| *key == offer.into);
                    if let Some(draft) = self.drafts.get_mut(&offer.into)
                        && !into_has_part
                    {
                        draft.progress = offer.before;
                    }
                    self.apply_parts(data, department_id, period, offer.parts, commands);
                }
            }
            Some(false) => self.paste_offer = None,
            None => {}
        }
    }

    pub(super) fn apply_parts(
        &mut self,
        data: &ReturnsContext<'_>,
        department_id: i64,
        period: Period,
        parts: Vec<(RowKey, String)>,
        commands: &mut Vec<Command>,
    ) {
        for (key, text) in parts {
            if let Some(draft) = self.drafts.get_mut(&key) {
                draft.progress = text;
            }
        }
        self.source = Some(ReturnSource::Email);
        let writes = self.changed_rows(data, department_id, period);
        if !writes.is_empty() {
            commands.push(Command::SaveReturnRows(writes));
        }
    }

    pub(super) fn email_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        department_id: i64,
        period: Period,
        rows: &[ExpectedRow],
        commands: &mut Vec<Command>,
    ) {
        section_title(ui, "粘贴邮件正文");
        ui.weak("把部门发来的邮件正文整段粘贴到下面，含“8．化肥农药使用量零增长情况：……”这样编号段落的，可一次拆分到各行。");
        let label = ui.label("邮件正文");
        ui.add(
            egui::TextEdit::multiline(&mut self.email)
                .desired_rows(4)
                .desired_width(f32::INFINITY),
        )
        .labelled_by(label.id);
        if self.email.trim().is_empty() {
            return;
        }
        let split = split_email_body(&self.email, rows);
        // Text that matches no row is shown, never silently dropped.
        for text in &split.unmatched {
            let preview: String = text.chars().take(80).collect();
            ui.label(
                egui::RichText::new(format!("对不上任何一行（不会填入）：{preview}"))
                    .color(ui.visuals().warn_fg_color),
            );
        }
        if !split.skipped.is_empty() {
            ui.weak(format!(
                "已略过问候、签名和引用的原邮件：{} 行",
                split.skipped.len()
            ))
            .on_hover_text(split.skipped.join("\n"));
        }
        let parts = split.rows;
        if parts.is_empty() {
            ui.label("没有找到与本部门各行对应的编号段落；请把内容粘贴到相应行的“进展情况”中。");
            return;
        }
        for (key, text) in &parts {
            if let Some(row) = rows.iter().find(|r| r.key == *key) {
                let preview: String = text.chars().take(60).collect();
                ui.label(format!("{} {} → {preview}", row.code, row.text));
            }
        }
        if ui
            .button(format!("拆分填入这 {} 行", parts.len()))
            .clicked()
        {
            self.apply_parts(data, department_id, period, parts, commands);
            self.email.clear();
        }
    }
}

pub(super) fn history_ui(
    ui: &mut egui::Ui,
    entries: &[crate::returns::HistoryEntry],
    commands: &mut Vec<Command>,
) {
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.label(egui::RichText::new("修改记录（新的在前）").strong());
        for entry in entries {
            ui.horizontal_wrapped(|ui| {
                ui.weak(format!(
                    "{}写入（{}），{}被替换：",
                    entry.written_at,
                    entry.source.label(),
                    entry.replaced_at
                ));
                let text = if entry.progress.is_empty() {
                    "（空）".to_owned()
                } else {
                    entry.progress.clone()
                };
                ui.label(text);
                if !entry.remark.is_empty() {
                    ui.weak(format!("备注：{}", entry.remark));
                }
                if ui.small_button("恢复此版本").clicked() {
                    commands.push(Command::RestoreRow(entry.id));
                }
            });
        }
    });
}

/// The tasks the department leads, with their next milestone, for reference while typing.
pub(super) fn led_tasks_ui(ui: &mut egui::Ui, data: &ReturnsContext<'_>, department_id: i64) {
    let Some((_, duties)) = data.department(department_id) else {
        return;
    };
    if duties.leads.is_empty() {
        return;
    }
    section_title(ui, "本部门牵头的任务");
    for duty in &duties.leads {
        let next = data
            .plan
            .task(duty.task_id)
            .and_then(|task| task.milestones.iter().find(|m| m.due_date >= data.today))
            .map(|m| format!("　下一节点：{} {}", format_date_cn(m.due_date), m.clause))
            .unwrap_or_default();
        ui.label(format!("{} {}{next}", duty.code, duty.title));
    }
}
