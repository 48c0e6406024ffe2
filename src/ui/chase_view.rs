//! 催报: every department still missing or incomplete for a month, with a ready message.

use super::command::Command;
use super::context::ReturnsContext;
use super::state::Selection;
use super::widgets::{period_picker, state_badge};
use crate::model::format_date_cn;
use crate::returns::chase_entries;
use crate::schedule::chase_deadline;

/// The chase list (催报): every department still missing or incomplete, with a ready message.
#[derive(Default)]
pub struct ChaseView {
    /// The confirmation before e-mailing: the period it is for.
    confirm: Option<crate::schedule::Period>,
    /// The confirmation before e-mailing the month's templates (发模板).
    confirm_templates: Option<crate::schedule::Period>,
    /// In a second send to those who have not received it: also to those whose earlier send
    /// is uncertain (a question of its own: they may have it already).
    resend_uncertain: bool,
}

/// The e-mail jobs running in the background, as (done, total).
#[derive(Clone, Copy, Debug, Default)]
pub struct Sending {
    pub chase: Option<(usize, usize)>,
    pub templates: Option<(usize, usize)>,
}

impl ChaseView {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        selection: &mut Selection,
        sending: Sending,
        commands: &mut Vec<Command>,
    ) {
        ui.heading("催报");
        let periods = data.periods();
        ui.horizontal(|ui| {
            period_picker(ui, &periods, &mut selection.period);
        });
        let Some(status) = data.status(selection.period) else {
            return;
        };
        // The promise of 结束此计划: a closed plan is never chased.
        if !data.plan.active {
            ui.label(format!("计划“{}”已结束，不再催报。", data.plan.label()));
            return;
        }
        let entries = chase_entries(
            status,
            data.today,
            &crate::returns::ChaseContext::of(data.plan, data.settings),
        );
        // The other plans in play, each chased for its own month: a department's message
        // covers what it owes under each.
        let others = other_plans(data, selection.period);
        // What is e-mailed: one message per department covering every plan in play.
        let merged = merged_mails(data, status);
        if !others.is_empty() {
            other_plans_ui(ui, &merged, &others, commands);
        }
        ui.label(format!(
            "{}进展应于{}前报送；催报消息写明的期限：{}。",
            selection.period.label(),
            format_date_cn(status.due),
            format_date_cn(chase_deadline(status.due, data.today))
        ));
        if status
            .departments
            .iter()
            .all(|d| d.state == crate::schedule::ReturnState::NotRequired)
        {
            ui.label("该月不在计划的报送期内，无需报送。");
            return;
        }
        self.templates_ui(ui, data, selection.period, sending.templates, commands);
        if entries.is_empty() {
            ui.label("本月各部门均已报齐。");
            return;
        }
        ui.horizontal(|ui| {
            ui.label(format!("共 {} 个部门待催报", entries.len()));
            if ui.button("全部复制").clicked() {
                let all: Vec<&str> = merged.iter().map(|m| m.message.as_str()).collect();
                ui.ctx().copy_text(all.join("\n\n"));
                commands.push(Command::Notify(format!(
                    "已复制 {} 个部门的催报消息",
                    merged.len()
                )));
            }
            if ui.button("打印催报单").clicked() {
                commands.push(Command::PrintChaseList(selection.period));
            }
            match sending.chase {
                Some((done, total)) => {
                    ui.add(
                        egui::ProgressBar::new(done as f32 / total.max(1) as f32)
                            .desired_width(200.0)
                            .text(format!("正在发送 {done} / {total}")),
                    );
                }
                None => {
                    if ui.button("发送催报邮件").clicked() {
                        self.confirm = Some(selection.period);
                    }
                }
            }
        });
        if self.confirm == Some(selection.period) {
            self.confirm_ui(ui, data, &entries, selection.period, commands);
        }
        egui::ScrollArea::vertical()
            .id_salt("chase_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for entry in &entries {
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        ui.set_width(ui.available_width());
                        ui.horizontal(|ui| {
                            ui.label(egui::RichText::new(&entry.department).strong());
                            if entry.state.is_received() {
                                // Received with rows missing: amber, never the green of a
                                // complete return.
                                ui.label(
                                    egui::RichText::new(format!(" {}·部分 ", entry.state.label()))
                                        .color(egui::Color32::WHITE)
                                        .background_color(super::widgets::PARTIAL_COLOR),
                                );
                                ui.label("已收到，但有行未填");
                            } else {
                                state_badge(ui, entry.state);
                            }
                            if ui.button(format!("复制给{}", entry.department)).clicked() {
                                // What the department owes under the other plans too.
                                let message = merged
                                    .iter()
                                    .find(|m| m.department_id == entry.department_id)
                                    .map_or_else(|| entry.message.clone(), |m| m.message.clone());
                                ui.ctx().copy_text(message);
                                commands.push(Command::Notify(format!(
                                    "已复制给{}的催报消息",
                                    entry.department
                                )));
                            }
                            if ui.button("去填写").clicked() {
                                commands.push(Command::OpenReturn {
                                    department_id: entry.department_id,
                                    period: selection.period,
                                });
                            }
                        });
                        ui.label(&entry.message);
                        let period = selection.period.to_string();
                        for send in data.chase_sends.iter().filter(|s| {
                            s.department_id == entry.department_id && s.period == period
                        }) {
                            ui.weak(match send.outcome {
                                crate::store::Delivered::Sent => {
                                    format!("已于 {} 发送催报邮件至 {}", send.sent_at, send.address)
                                }
                                crate::store::Delivered::Uncertain => format!(
                                    "{} 发往 {} 的催报邮件结果不明：对方可能已收到",
                                    send.sent_at, send.address
                                ),
                                crate::store::Delivered::Failed => format!(
                                    "{} 发往 {} 的催报邮件未能发送：{}",
                                    send.sent_at, send.address, send.reason
                                ),
                            });
                        }
                    });
                }
            });
    }
}

impl ChaseView {
    /// 发模板: each department's template for the month by e-mail, after a confirmation that
    /// lists who gets one; a second send asks whom to send to.
    #[expect(
        clippy::too_many_lines,
        reason = "the 发模板 panel: the month's sends, the resend choices and their confirmations"
    )]
    fn templates_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        period: crate::schedule::Period,
        sending: Option<(usize, usize)>,
        commands: &mut Vec<Command>,
    ) {
        let key = period.to_string();
        // What may have reached each department: confirmed, or handed over without a reply.
        let sent: Vec<&crate::store::MailSend> = data
            .template_sends
            .iter()
            .filter(|s| s.period == key && s.outcome.may_have_arrived())
            .collect();
        let had = |department_id: i64| -> Option<&crate::store::MailSend> {
            let mine = || {
                sent.iter()
                    .filter(|s| s.department_id == Some(department_id))
            };
            mine()
                .find(|s| s.outcome == crate::store::Delivered::Sent)
                .or_else(|| mine().next())
                .copied()
        };
        ui.horizontal(|ui| {
            match sending {
                Some((done, total)) => {
                    ui.add(
                        egui::ProgressBar::new(done as f32 / total.max(1) as f32)
                            .desired_width(200.0)
                            .text(format!("正在发送模板 {done} / {total}")),
                    );
                }
                None => {
                    if ui
                        .button("发模板")
                        .on_hover_text("把本月的报送模板用邮件发给各部门")
                        .clicked()
                    {
                        self.confirm_templates = Some(period);
                    }
                }
            }
            match sent.last() {
                Some(last) => {
                    let departments: std::collections::BTreeSet<i64> =
                        sent.iter().filter_map(|s| s.department_id).collect();
                    let unsure = departments
                        .iter()
                        .filter(|id| {
                            had(**id)
                                .is_some_and(|s| s.outcome == crate::store::Delivered::Uncertain)
                        })
                        .count();
                    ui.weak(format!(
                        "本月模板已于 {} 发给 {} 个部门{}",
                        last.sent_at,
                        departments.len(),
                        if unsure > 0 {
                            format!("（其中 {unsure} 个结果不明）")
                        } else {
                            String::new()
                        }
                    ));
                }
                None => {
                    ui.weak("本月模板尚未用邮件发出");
                }
            }
        });
        if self.confirm_templates != Some(period) {
            return;
        }
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(egui::RichText::new(format!("发送{}报送模板", period.label())).strong());
            if !data.mailbox.is_set() {
                ui.label(
                    "尚未设置单位邮箱：请先在“设置 → 单位邮箱”中填写邮箱地址、服务器和授权码。",
                );
                if ui.button("关闭").clicked() {
                    self.confirm_templates = None;
                }
                return;
            }
            ui.label(format!(
                "将从 {} 给每个部门发一封邮件，附该部门本月的报送模板：",
                data.mailbox.address
            ));
            let (mut with_address, mut unsent, mut uncertain) = (0, 0, 0);
            for obligation in data.obligations {
                let address = data
                    .department(obligation.department_id)
                    .and_then(|(d, _)| d.mail_addresses().into_iter().next());
                let had = had(obligation.department_id);
                match (address, had) {
                    (Some(address), had) => {
                        with_address += 1;
                        let note = match had {
                            None => {
                                unsent += 1;
                                String::new()
                            }
                            Some(s) if s.outcome == crate::store::Delivered::Uncertain => {
                                uncertain += 1;
                                format!("（{} 已交给服务器，结果不明：可能已收到）", s.sent_at)
                            }
                            Some(s) => format!("（已于 {} 发送）", s.sent_at),
                        };
                        ui.label(format!("  {} <{address}>{note}", obligation.department));
                    }
                    (None, _) => {
                        ui.horizontal_wrapped(|ui| {
                            ui.colored_label(
                                ui.visuals().warn_fg_color,
                                format!("  {}：没有邮箱地址，将跳过", obligation.department),
                            );
                            if ui.small_button("去填写邮箱").clicked() {
                                commands.push(Command::OpenPage(super::state::Page::Departments));
                            }
                        });
                    }
                }
            }
            let mut choice = None;
            if sent.is_empty() {
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(
                            with_address > 0,
                            egui::Button::new(format!("确认发送 {with_address} 封")),
                        )
                        .clicked()
                    {
                        choice = Some(crate::service::mail::ResendRule::ASK);
                    }
                    if ui.button("取消").clicked() {
                        self.confirm_templates = None;
                    }
                });
            } else {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    "本月模板已经发送过。要再发一次吗？",
                );
                if uncertain > 0 {
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        ui.colored_label(
                            ui.visuals().warn_fg_color,
                            format!(
                                "有 {uncertain} 个部门的模板此前已交给邮件服务器但没有得到确认，对方可能已经收到。"
                            ),
                        );
                        ui.checkbox(
                            &mut self.resend_uncertain,
                            format!("“只发给尚未收到的部门”时，也重发这 {uncertain} 个部门（对方可能收到两份）"),
                        );
                    });
                }
                let also = if self.resend_uncertain { uncertain } else { 0 };
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(
                            unsent + also > 0,
                            egui::Button::new(format!(
                                "只发给尚未收到的 {} 个部门",
                                unsent + also
                            )),
                        )
                        .clicked()
                    {
                        choice = Some(crate::service::mail::ResendRule {
                            resend: crate::service::mail::Resend::Unsent,
                            uncertain: self.resend_uncertain,
                        });
                    }
                    if ui
                        .add_enabled(
                            with_address > 0,
                            egui::Button::new(format!("全部重发 {with_address} 封")),
                        )
                        .clicked()
                    {
                        choice = Some(crate::service::mail::ResendRule::ALL);
                    }
                    if ui.button("取消").clicked() {
                        self.confirm_templates = None;
                    }
                });
            }
            if let Some(resend) = choice {
                commands.push(Command::SendTemplates { period, resend });
                self.confirm_templates = None;
                self.resend_uncertain = false;
            }
        });
    }

    /// Lists the recipients before anything is sent; a second send the same day says so.
    fn confirm_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        entries: &[crate::returns::ChaseEntry],
        period: crate::schedule::Period,
        commands: &mut Vec<Command>,
    ) {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(egui::RichText::new("发送催报邮件").strong());
            if !data.mailbox.is_set() {
                ui.label(
                    "尚未设置单位邮箱：请先在“设置 → 单位邮箱”中填写邮箱地址、服务器和授权码。",
                );
                if ui.button("关闭").clicked() {
                    self.confirm = None;
                }
                return;
            }
            ui.label(format!("将从 {} 发送给：", data.mailbox.address));
            let mut recipients = 0;
            for entry in entries {
                let address = data
                    .department(entry.department_id)
                    .and_then(|(d, _)| d.mail_addresses().into_iter().next());
                match address {
                    Some(address) => {
                        recipients += 1;
                        ui.label(format!("  {} <{address}>", entry.department));
                    }
                    None => {
                        ui.horizontal_wrapped(|ui| {
                            ui.colored_label(
                                ui.visuals().warn_fg_color,
                                format!("  {}：没有邮箱地址，将跳过", entry.department),
                            );
                            if ui.small_button("去填写邮箱").clicked() {
                                commands.push(Command::OpenPage(super::state::Page::Departments));
                            }
                        });
                    }
                }
            }
            // Sends are stamped with the clock's time, so "today" here is the clock's too.
            let today = chrono::Local::now().format("%Y-%m-%d").to_string();
            let key = period.to_string();
            let sent_today = data
                .chase_sends
                .iter()
                .filter(|s| {
                    s.period == key && s.sent_at.starts_with(&today) && s.outcome.may_have_arrived()
                })
                .count();
            if sent_today > 0 {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("今天已发送过 {sent_today} 封本月的催报邮件，确定要再发送一次吗？"),
                );
            }
            ui.horizontal(|ui| {
                let label = if sent_today > 0 {
                    format!("再次发送 {recipients} 封")
                } else {
                    format!("确认发送 {recipients} 封")
                };
                if ui
                    .add_enabled(recipients > 0, egui::Button::new(label))
                    .clicked()
                {
                    commands.push(Command::SendChase(period));
                    self.confirm = None;
                }
                if ui.button("取消").clicked() {
                    self.confirm = None;
                }
            });
        });
    }
}

/// One other plan's chase: its label, the month, and who is still to send.
struct OtherChase {
    /// The plan's short label, for the list.
    label: String,
    period: crate::schedule::Period,
    entries: Vec<crate::returns::ChaseEntry>,
}

/// The other plans in play with departments still to chase.
fn other_plans(data: &ReturnsContext<'_>, period: crate::schedule::Period) -> Vec<OtherChase> {
    crate::service::mail::other_chase_periods(data.today, data.others, period)
        .into_iter()
        .filter_map(|(index, month)| {
            let day = &data.others[index];
            let status = day.period_status(month);
            let entries = chase_entries(
                &status,
                data.today,
                &crate::returns::ChaseContext::of(&day.plan, &day.settings),
            );
            (!entries.is_empty()).then(|| OtherChase {
                label: day.plan.short_label(),
                period: month,
                entries,
            })
        })
        .collect()
}

/// The other plans' departments to chase, each with a button copying the one message that
/// covers what the department owes under every plan.
fn other_plans_ui(
    ui: &mut egui::Ui,
    merged: &[crate::service::mail::ChaseMail],
    others: &[OtherChase],
    commands: &mut Vec<Command>,
) {
    egui::CollapsingHeader::new(format!("其他计划待催报（{}个计划）", others.len()))
        .id_salt("chase_other_plans")
        .default_open(true)
        .show(ui, |ui| {
            for other in others {
                ui.label(
                    egui::RichText::new(format!(
                        "〔{}〕{}：{} 个部门待催报",
                        other.label,
                        other.period.label(),
                        other.entries.len()
                    ))
                    .strong(),
                );
                ui.horizontal_wrapped(|ui| {
                    for entry in &other.entries {
                        if ui
                            .button(format!("复制给{}（含各计划）", entry.department))
                            .clicked()
                            && let Some(mail) = merged
                                .iter()
                                .find(|m| m.department_id == entry.department_id)
                        {
                            ui.ctx().copy_text(mail.message.clone());
                            commands.push(Command::Notify(format!(
                                "已复制给{}的催报消息（含各计划）",
                                entry.department
                            )));
                        }
                    }
                });
            }
        });
}

/// The month's chase e-mails as they are sent: the plan in focus and each other plan in play
/// for its own month, one message per department ([`crate::service::mail::merge_across`]).
fn merged_mails(
    data: &ReturnsContext<'_>,
    status: &crate::returns::PeriodStatus,
) -> Vec<crate::service::mail::ChaseMail> {
    use crate::service::mail::{ChaseSource, chase_mails, chase_mails_of, other_chase_periods};
    let focus = ChaseSource {
        plan: data.plan,
        settings: data.settings,
        departments: data.departments,
        today: data.today,
    };
    let mut per_plan = vec![(data.plan.label(), chase_mails_of(&focus, status))];
    for (index, month) in other_chase_periods(data.today, data.others, status.period) {
        let day = &data.others[index];
        per_plan.push((day.plan.label(), chase_mails(day, month)));
    }
    crate::service::mail::merge_across(per_plan)
}
