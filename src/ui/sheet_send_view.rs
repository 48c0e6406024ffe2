//! 报市 on 进展表: the month's sheet (XLSX and PDF) in one e-mail to the city's address in
//! 设置, after a confirmation; whether this month's sheet has gone up.

use super::command::Command;
use super::context::SheetContext;
use crate::schedule::Period;

/// What the month's sheet still lacks: departments that have not reported, rows left blank.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Gaps {
    pub departments: usize,
    pub blank_rows: usize,
}

/// The 报市 row and its confirmation.
#[derive(Default)]
pub struct SheetSendUi {
    /// The confirmation on show: the month, and the city's address as typed when 设置 has
    /// none yet.
    confirm: Option<(Period, String)>,
    /// Why the typed address was refused.
    refused: Option<String>,
}

impl SheetSendUi {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &SheetContext<'_>,
        (period, gaps): (Period, Gaps),
        sending: bool,
        commands: &mut Vec<Command>,
    ) {
        let key = period.to_string();
        let sent: Vec<&crate::store::MailSend> = data
            .sheet_sends
            .iter()
            .filter(|s| s.period == key && s.outcome.may_have_arrived())
            .collect();
        ui.horizontal_wrapped(|ui| {
            if sending {
                ui.spinner();
                ui.label("正在报市…");
            } else if ui
                .add_enabled(!sending, egui::Button::new("报市"))
                .on_hover_text("把本月进展表的 Excel 和 PDF 用一封邮件发给市生态环境局")
                .clicked()
            {
                self.confirm = Some((period, String::new()));
                self.refused = None;
            }
            match sent.last() {
                Some(last) if last.outcome == crate::store::Delivered::Uncertain => ui
                    .colored_label(
                        ui.visuals().warn_fg_color,
                        format!(
                            "本月进展表已于 {} 交给邮件服务器发往 {}，结果不明（市局可能已收到）",
                            last.sent_at, last.address
                        ),
                    ),
                Some(last) => ui.label(format!(
                    "本月进展表已于 {} 报送至 {}",
                    last.sent_at, last.address
                )),
                None => ui.weak("本月进展表尚未报市"),
            };
        });
        let Some((asked, typed)) = &mut self.confirm else {
            return;
        };
        if *asked != period {
            self.confirm = None;
            return;
        }
        let mut close = false;
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(egui::RichText::new(format!("{}进展表报市", period.label())).strong());
            if !data.mailbox.is_set() {
                ui.label(
                    "尚未设置单位邮箱：请先在“设置 → 单位邮箱”中填写邮箱地址、服务器和授权码。",
                );
                close = ui.button("关闭").clicked();
                return;
            }
            let city = data.settings.city_email.trim();
            if city.is_empty() {
                ui.label("尚未填写上级单位（市生态环境局）的收件邮箱，填写后保存在“设置”中：");
                super::widgets::labelled_field(ui, "上级单位邮箱", typed, 280.0);
            } else {
                ui.label(format!(
                    "将从 {} 把本月进展表的 Excel 和 PDF 用一封邮件发送至 {city}。",
                    data.mailbox.address
                ));
            }
            if !sent.is_empty() {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("本月进展表已报送过 {} 次，确定再报一次吗？", sent.len()),
                );
            }
            let incomplete = gaps.departments > 0 || gaps.blank_rows > 0;
            if incomplete {
                let mut parts = Vec::new();
                if gaps.departments > 0 {
                    parts.push(format!("{} 个部门尚未报送", gaps.departments));
                }
                if gaps.blank_rows > 0 {
                    parts.push(format!("{} 行进展情况为空", gaps.blank_rows));
                }
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("本月进展表还不完整：{}。确定现在报市吗？", parts.join("，")),
                );
            }
            if let Some(refused) = &self.refused {
                ui.colored_label(ui.visuals().error_fg_color, refused);
            }
            ui.horizontal(|ui| {
                let confirm = if incomplete {
                    "仍然报市"
                } else {
                    "确认报市"
                };
                if ui.button(confirm).clicked() {
                    if city.is_empty() {
                        match crate::store::check_address(typed.trim()) {
                            Ok(()) => {
                                let mut settings = data.settings.clone();
                                settings.city_email = typed.trim().to_owned();
                                commands.push(Command::SaveSettings(settings));
                            }
                            Err(error) => {
                                self.refused = Some(error.to_string());
                                return;
                            }
                        }
                    }
                    commands.push(Command::SendSheet {
                        period,
                        again: !sent.is_empty(),
                    });
                    close = true;
                }
                if ui.button("取消").clicked() {
                    close = true;
                }
            });
        });
        if close {
            self.confirm = None;
            self.refused = None;
        }
    }
}
