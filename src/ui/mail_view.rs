//! 收件: the returns that arrived by e-mail. 收取新邮件 reads the office mailbox (progress bar,
//! cancel); saved `.eml`/`.msg` files can be opened or dropped on the window. Each message that
//! waits is shown with its department, month, received date, body rows and attachments: the
//! user accepts it (导入), says it is not a return, or chooses another department or month
//! first. Each commit is one transaction.

use std::collections::HashMap;

use super::command::Command;
use super::context::MailContext;
use super::widgets::{Picked, department_picker, period_picker, pick, section_title};
use crate::returns::spreadsheet::ParsedReturn;
use crate::service::mail::{MailChoice, MessageIntake};
use crate::store::MailState;

/// A waiting message as prepared for the preview.
pub struct Prepared {
    pub choice: MailChoice,
    pub intake: Result<MessageIntake, String>,
}

/// The 收件 page.
#[derive(Default)]
pub struct MailView {
    /// What the user chose per waiting message (by record id).
    choices: HashMap<i64, MailChoice>,
    prepared: HashMap<i64, Prepared>,
    /// A path typed when the file dialog cannot open.
    typed_path: String,
    dialog_failed: bool,
}

impl MailView {
    /// The preview of a waiting message, read by the app.
    pub fn set_prepared(&mut self, id: i64, prepared: Prepared) {
        self.prepared.insert(id, prepared);
    }

    /// An attachment of a prepared message: (name, bytes).
    pub fn attachment(&self, id: i64, index: usize) -> Option<(&str, &[u8])> {
        let intake = self.prepared.get(&id)?.intake.as_ref().ok()?;
        let attachment = intake.attachments.get(index)?;
        Some((&attachment.name, &attachment.bytes))
    }

    /// The prepared message to commit.
    pub fn take_prepared(&mut self, id: i64) -> Option<MessageIntake> {
        self.prepared.remove(&id).and_then(|p| p.intake.ok())
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &MailContext<'_>,
        fetching: Option<(usize, usize)>,
        commands: &mut Vec<Command>,
    ) {
        ui.heading("收件");
        self.toolbar_ui(ui, data, fetching, commands);
        let waiting: Vec<_> = data
            .inbox
            .iter()
            .filter(|m| m.state == MailState::Pending)
            .collect();
        // Forget previews of messages no longer waiting.
        self.prepared
            .retain(|id, _| waiting.iter().any(|m| m.id == *id));
        ui.separator();
        if waiting.is_empty() {
            ui.label(
                "没有待处理的邮件。收取新邮件，或把部门发来的 .eml / .msg 邮件文件拖到窗口上。",
            );
        }
        // A few previews a frame: a mailbox of hundreds never freezes the window.
        let mut preparing = 0;
        egui::ScrollArea::vertical()
            .id_salt("mail_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for record in &waiting {
                    let choice = *self.choices.entry(record.id).or_default();
                    let stale = self
                        .prepared
                        .get(&record.id)
                        .is_none_or(|p| p.choice != choice);
                    if stale && preparing < 8 {
                        preparing += 1;
                        commands.push(Command::PrepareMail {
                            id: record.id,
                            choice,
                        });
                    }
                    ui.push_id(record.id, |ui| {
                        egui::Frame::group(ui.style()).show(ui, |ui| {
                            ui.set_width(ui.available_width());
                            self.message_ui(ui, data, record, commands);
                        });
                    });
                }
                let done: Vec<_> = data
                    .inbox
                    .iter()
                    .filter(|m| m.state != MailState::Pending)
                    .take(30)
                    .collect();
                if !done.is_empty() {
                    section_title(ui, "最近处理的邮件");
                    for record in done {
                        let department = record
                            .department_id
                            .and_then(|id| data.departments.iter().find(|d| d.id == id))
                            .map_or("", |d| d.name.as_str());
                        ui.horizontal_wrapped(|ui| {
                            ui.weak(record.sent_on.clone().unwrap_or_default());
                            ui.label(format!(
                                "{}  {}  {}  {}",
                                record.state.label(),
                                department,
                                record.sender,
                                record.subject
                            ));
                            if !record.note.is_empty() {
                                ui.weak(&record.note);
                            }
                            if let Some(file_id) = record.source_file_id
                                && ui.small_button("打开原邮件").clicked()
                            {
                                commands.push(Command::OpenSourceFile(file_id));
                            }
                        });
                    }
                }
            });
    }

    fn toolbar_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &MailContext<'_>,
        fetching: Option<(usize, usize)>,
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal_wrapped(|ui| {
            if let Some((done, total)) = fetching {
                let fraction = if total == 0 {
                    0.0
                } else {
                    done as f32 / total as f32
                };
                ui.add(
                    egui::ProgressBar::new(fraction)
                        .desired_width(260.0)
                        .text(if total == 0 {
                            "正在连接邮箱…".to_owned()
                        } else {
                            format!("正在收取第 {done} / {total} 封")
                        }),
                );
                if ui.button("取消收取").clicked() {
                    commands.push(Command::CancelFetch);
                }
            } else if data.mailbox.is_set() {
                if ui.button("收取新邮件").clicked() {
                    commands.push(Command::FetchMail);
                }
                ui.weak(format!("邮箱：{}", data.mailbox.address));
            } else {
                ui.label("尚未设置单位邮箱。");
                if ui.button("去设置邮箱").clicked() {
                    commands.push(Command::OpenPage(super::state::Page::Settings));
                }
            }
            if ui.button("打开邮件文件…").clicked() {
                match pick(|| {
                    rfd::FileDialog::new()
                        .add_filter("邮件", &["eml", "msg", "txt", "EML", "MSG", "TXT"])
                        .pick_files()
                }) {
                    Picked::Chosen(paths) => commands.push(Command::AddMailFiles(paths)),
                    Picked::Cancelled => {}
                    Picked::Failed => self.dialog_failed = true,
                }
            }
        });
        if self.dialog_failed {
            ui.label(super::widgets::dialog_failed("读取"));
            ui.horizontal(|ui| {
                if let Some(path) = super::widgets::typed_path_ui(ui, &mut self.typed_path, "读取")
                {
                    commands.push(Command::AddMailFiles(vec![path]));
                }
            });
        }
    }

    fn message_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &MailContext<'_>,
        record: &crate::store::MailRecord,
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal_wrapped(|ui| {
            ui.label(
                egui::RichText::new(if record.subject.is_empty() {
                    "（无主题）"
                } else {
                    record.subject.as_str()
                })
                .strong(),
            );
            ui.weak(format!(
                "{}  {}",
                record.sender,
                record.sent_on.clone().unwrap_or_default()
            ));
        });
        let Some(prepared) = self.prepared.get(&record.id) else {
            ui.spinner();
            return;
        };
        let intake = match &prepared.intake {
            Ok(intake) => intake,
            Err(error) => {
                ui.colored_label(ui.visuals().error_fg_color, error);
                ui.horizontal(|ui| {
                    if ui.button("不是报送").clicked() {
                        commands.push(Command::SetMailState {
                            id: record.id,
                            state: MailState::Rejected,
                        });
                    }
                });
                return;
            }
        };
        let choice = self.choices.entry(record.id).or_default();
        ui.horizontal_wrapped(|ui| {
            let mut department = intake.department.as_ref().map(|d| d.0);
            let before = department;
            department_picker(ui, data.department_choices, &mut department);
            if department != before {
                choice.department_id = department;
            }
            match intake.found_by {
                Some(found) => ui.weak(format!("（按{}识别）", found.label())),
                None => ui.colored_label(ui.visuals().warn_fg_color, "未识别"),
            };
            let mut period = intake.period.unwrap_or(data.default_period);
            if period_picker(ui, data.periods, &mut period) {
                choice.period = Some(period);
            }
            ui.label(format!(
                "收到日期：{}",
                crate::model::format_date_cn(intake.received)
            ));
        });
        if let Some(body) = &intake.body {
            return_preview(ui, "邮件正文", body);
        }
        for (index, attachment) in intake.attachments.iter().enumerate() {
            match &attachment.result {
                Ok(parsed) => return_preview(ui, &format!("附件“{}”", attachment.name), parsed),
                Err((message, _)) => {
                    ui.horizontal_wrapped(|ui| {
                        ui.colored_label(ui.visuals().warn_fg_color, message);
                        if attachment.kind == crate::service::mail::AttachmentKind::ByHand
                            && ui.button(format!("打开“{}”", attachment.name)).clicked()
                        {
                            commands.push(Command::OpenAttachment {
                                id: record.id,
                                index,
                            });
                        }
                    });
                }
            }
        }
        for warning in &intake.warnings {
            ui.colored_label(ui.visuals().warn_fg_color, format!("注意：{warning}"));
        }
        ui.horizontal(|ui| {
            let ready = intake.has_rows();
            if ui
                .add_enabled(ready, egui::Button::new("导入这封邮件"))
                .on_disabled_hover_text("先选择部门；邮件中要有填写过的行")
                .clicked()
            {
                commands.push(Command::CommitMail(record.id));
            }
            if ui.button("不是报送").clicked() {
                commands.push(Command::SetMailState {
                    id: record.id,
                    state: MailState::Rejected,
                });
            }
            if let Some(file_id) = record.source_file_id
                && ui.button("打开原邮件").clicked()
            {
                commands.push(Command::OpenSourceFile(file_id));
            }
        });
    }
}

/// A return's rows as they would be stored.
fn return_preview(ui: &mut egui::Ui, what: &str, parsed: &ParsedReturn) {
    let filled = parsed.rows.iter().filter(|r| r.status.is_filled()).count();
    ui.label(format!(
        "{what}：{} {}，{filled} 行有内容",
        parsed.department.1,
        parsed.period.label()
    ));
    for row in parsed.rows.iter().filter(|r| r.status.is_filled()).take(12) {
        let preview: String = row.progress.chars().take(60).collect();
        ui.weak(format!("  {} {} → {preview}", row.code, row.text));
    }
    for row in &parsed.unmatched {
        let preview: String = row.text.chars().take(60).collect();
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!("  对不上任何一行（不会填入）：{preview}"),
        );
    }
}
