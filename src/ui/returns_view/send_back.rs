//! 退回修改 on a department's return: the reason, the rows in question (all of the month's by
//! default), the message as it will go (made by the service's one draft), and either the
//! e-mail or the text copied and the sending back recorded; below, every earlier sending back.

use std::collections::BTreeSet;

use super::super::command::Command;
use super::super::context::ReturnsContext;
use crate::returns::{ExpectedRow, RowKey};
use crate::schedule::{Period, ReturnState};

/// The form of one return's sending back.
#[derive(Default)]
pub(super) struct SendBackPanel {
    /// The return it is for: (department, month).
    of: Option<(i64, Period)>,
    reason: String,
    /// Rows left out of the sending back (all are in by default).
    left_out: BTreeSet<RowKey>,
    /// The question before the e-mail goes.
    confirm: bool,
}

impl SendBackPanel {
    pub(super) fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        department_id: i64,
        period: Period,
        owed: &[ExpectedRow],
        commands: &mut Vec<Command>,
    ) {
        if self.of != Some((department_id, period)) {
            *self = Self {
                of: Some((department_id, period)),
                ..Self::default()
            };
        }
        let Some(status) = data.status(period) else {
            return;
        };
        let Some(state) = status
            .departments
            .iter()
            .find(|d| d.department_id == department_id)
        else {
            return;
        };
        let earlier: Vec<&crate::store::SendBack> = data
            .send_backs
            .iter()
            .filter(|s| s.department_id == department_id && s.period == period)
            .collect();
        let can_send_back = matches!(
            state.state,
            ReturnState::OnTime | ReturnState::Late | ReturnState::Returned
        );
        if !can_send_back && earlier.is_empty() {
            return;
        }
        egui::CollapsingHeader::new(if state.state == ReturnState::Returned {
            "已退回修改，等待重报"
        } else {
            "退回修改"
        })
        .id_salt(("send_back", department_id, period.to_string()))
        .default_open(state.state == ReturnState::Returned)
        .show(ui, |ui| {
            for send_back in &earlier {
                ui.label(format!(
                    "{}　{}：{}",
                    send_back.sent_at.get(..16).unwrap_or(&send_back.sent_at),
                    send_back.outcome.words(),
                    send_back.reason.replace('\n', "；")
                ));
            }
            if !can_send_back {
                return;
            }
            let label = ui.label("退回原因");
            ui.add(
                egui::TextEdit::multiline(&mut self.reason)
                    .desired_rows(2)
                    .desired_width(f32::INFINITY)
                    .hint_text("例如：只写了“按计划推进”，没有完成的数字"),
            )
            .labelled_by(label.id);
            ui.label("需修改的内容");
            for row in owed {
                let mut picked = !self.left_out.contains(&row.key);
                if ui.checkbox(&mut picked, row.label()).changed() {
                    if picked {
                        self.left_out.remove(&row.key);
                    } else {
                        self.left_out.insert(row.key);
                    }
                }
            }
            let rows: Vec<RowKey> = owed
                .iter()
                .map(|r| r.key)
                .filter(|k| !self.left_out.contains(k))
                .collect();
            let department = data
                .departments
                .iter()
                .find(|d| d.id == department_id)
                .map(|d| d.name.clone())
                .unwrap_or_default();
            let draft = crate::service::mail::send_back_draft_of(
                &crate::service::mail::SendBackSource {
                    plan: data.plan,
                    settings: data.settings,
                    departments: data.departments,
                    obligations: data.obligations,
                    returns: data.returns,
                    status,
                    today: data.today,
                },
                &department,
                &self.reason,
                Some(&rows),
            );
            let draft = match draft {
                Ok(draft) => draft,
                Err(why) => {
                    ui.weak(why.to_string());
                    return;
                }
            };
            egui::Frame::group(ui.style()).show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.strong(&draft.subject);
                ui.label(&draft.message);
            });
            let reason = self.reason.clone();
            let command = |by_hand: bool| Command::SendBack {
                period,
                department_id,
                reason: reason.clone(),
                rows: rows.clone(),
                by_hand,
            };
            ui.horizontal_wrapped(|ui| {
                match &draft.to {
                    Some(to) if data.mailbox.is_set() => {
                        if self.confirm {
                            ui.label(format!("将退回通知发送至 {to}？"));
                            if ui.button("确认发送").clicked() {
                                commands.push(command(false));
                                self.confirm = false;
                                self.reason.clear();
                            }
                            if ui.button("取消").clicked() {
                                self.confirm = false;
                            }
                        } else if ui.button(format!("发送退回邮件至 {to}")).clicked() {
                            self.confirm = true;
                        }
                    }
                    Some(_) => {
                        ui.weak("未设置单位邮箱，无法发邮件；");
                    }
                    None => {
                        ui.weak("该部门没有邮箱地址；");
                    }
                }
                if ui.button("复制通知并记为已退回").clicked() {
                    ui.ctx()
                        .copy_text(format!("{}\n\n{}", draft.subject, draft.message));
                    commands.push(command(true));
                    self.reason.clear();
                }
            });
        });
    }
}
