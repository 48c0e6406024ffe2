//! 设置: our unit and contact, the due-day rule, the ledger file and its backups.

use super::command::Command;
use super::context::SettingsContext;
use super::widgets::{labelled_field, section_title};
use crate::model::Settings;
use crate::service::mail::Security;
use crate::store::MailboxSettings;

/// The settings page: our unit and contact, the due-day rule, the ledger file and its backups,
/// the appearance.
#[derive(Default)]
pub struct SettingsView {
    base: Settings,
    draft: Settings,
    mailbox: MailboxDraft,
    /// Opened from 进展表's 修改表头: show the unit's fields at the top, 填报人 focused.
    to_unit: bool,
}

/// The mailbox settings as typed.
#[derive(Default)]
struct MailboxDraft {
    base: Option<MailboxSettings>,
    settings: MailboxSettings,
    imap_port: String,
    smtp_port: String,
    /// The authorisation code as typed; cleared once handed to the credential store.
    secret: String,
    problem: Option<String>,
}

impl SettingsView {
    /// The next frame shows the unit's fields (the sheet's header) at the top.
    pub fn show_unit(&mut self) {
        self.to_unit = true;
    }

    /// Saves what is typed but not yet saved (the window is closing).
    pub fn flush(&mut self, data: &SettingsContext<'_>, commands: &mut Vec<Command>) {
        if self.base == *data.settings && self.draft != self.base {
            commands.push(Command::SaveSettings(self.draft.clone()));
        }
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &SettingsContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        if self.base != *data.settings {
            self.base = data.settings.clone();
            self.draft = data.settings.clone();
        }
        let mut scroll = egui::ScrollArea::vertical()
            .id_salt("settings_scroll")
            .auto_shrink([false, false]);
        if self.to_unit {
            scroll = scroll.vertical_scroll_offset(0.0);
        }
        scroll.show(ui, |ui| {
            ui.heading("设置");
            self.unit_ui(ui, commands);
            self.mailbox_ui(ui, data, commands);
            due_day_ui(ui, data, commands);
            reminders_ui(ui, &mut self.draft, &self.base, commands);
            ledger_ui(ui, data, commands);
            about_ui(ui);
            theme_ui(ui);
        });
    }

    fn unit_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        section_title(ui, "本单位（填入进展表表头）");
        let mut lost_focus = false;
        egui::Grid::new("unit_fields")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                lost_focus |=
                    labelled_field(ui, "填报单位", &mut self.draft.unit, 320.0).lost_focus();
                ui.end_row();
                let person = labelled_field(ui, "填报人", &mut self.draft.contact_person, 320.0);
                if std::mem::take(&mut self.to_unit) {
                    person.request_focus();
                }
                lost_focus |= person.lost_focus();
                ui.end_row();
                lost_focus |=
                    labelled_field(ui, "联系电话", &mut self.draft.phone, 320.0).lost_focus();
                ui.end_row();
                lost_focus |=
                    labelled_field(ui, "电子邮箱", &mut self.draft.email, 320.0).lost_focus();
                ui.end_row();
                lost_focus |= labelled_field(ui, "上级单位邮箱", &mut self.draft.city_email, 320.0)
                    .on_hover_text("市生态环境局收进展表的邮箱：进展表页“报市”发往这里")
                    .lost_focus();
                ui.end_row();
            });
        if lost_focus && self.draft != self.base {
            commands.push(Command::SaveSettings(self.draft.clone()));
        }
    }
}

fn due_day_ui(ui: &mut egui::Ui, data: &SettingsContext<'_>, commands: &mut Vec<Command>) {
    let rule = &data.plan.reporting;
    section_title(ui, "报送截止日");
    ui.horizontal(|ui| {
        let label = ui.label("各部门每月报送上月进展的截止日：每月");
        egui::ComboBox::from_id_salt("due_day")
            .selected_text(format!("{}日", rule.due_day))
            .width(80.0)
            .show_ui(ui, |ui| {
                for day in 1..=28 {
                    if ui
                        .selectable_label(day == rule.due_day, format!("{day}日"))
                        .clicked()
                        && day != rule.due_day
                    {
                        commands.push(Command::SetDueDay(day));
                    }
                }
            })
            .response
            .labelled_by(label.id);
    });
    // The rule's wording is quoted from the plan it came from: a carried plan's from last
    // year's, and says so.
    let (from, source) = quoted_from(&rule.due_day_source);
    if let Some(day) = day_named_in(source) {
        ui.label(match from {
            Some(year) => format!(
                "沿用的{year}年计划正文规定每月{day}日前报送：“{source}”（本年计划导入后以其为准）。"
            ),
            None => format!("计划正文规定每月{day}日前报送：“{source}”。"),
        });
    }
    let (from, source) = quoted_from(&rule.form_due_day_source);
    if !source.is_empty() {
        let whose = from.map_or(String::new(), |year| format!("（沿用{year}年）"));
        ui.label(format!(
            "附件进展表{whose}的注中写的是每月{}日前报送：“{source}”。",
            rule.form_due_day
        ));
    }
    ui.label(format!(
        "本台账按每月{}日计算到期与逾期。试点示范两行：{}。",
        rule.due_day, rule.quarterly_rule
    ));
}

/// A rule's wording and, when it was carried from an earlier plan (`沿用2019年计划：…`), that
/// plan's year.
fn quoted_from(source: &str) -> (Option<&str>, &str) {
    match source
        .strip_prefix("沿用")
        .and_then(|rest| rest.split_once("年计划："))
    {
        Some((year, text)) if year.chars().all(|c| c.is_ascii_digit()) => (Some(year), text),
        _ => (None, source),
    }
}

/// Reminder settings: moving due dates off holidays, and how early lights turn yellow.
fn reminders_ui(
    ui: &mut egui::Ui,
    draft: &mut Settings,
    base: &Settings,
    commands: &mut Vec<Command>,
) {
    section_title(ui, "期限与提醒");
    let mut changed = ui
        .checkbox(
            &mut draft.shift_due_dates,
            "报送截止日遇周末或法定节假日时顺延到下一个工作日（日历上同时显示原定日期）",
        )
        .changed();
    ui.horizontal(|ui| {
        let label = ui.label("提前提醒天数（黄灯）");
        egui::ComboBox::from_id_salt("warn_days")
            .selected_text(format!("{}天", draft.warn_days))
            .width(80.0)
            .show_ui(ui, |ui| {
                for days in [3, 5, 7, 10, 14, 21, 30] {
                    changed |= ui
                        .selectable_value(&mut draft.warn_days, days, format!("{days}天"))
                        .changed();
                }
            })
            .response
            .labelled_by(label.id);
    });
    if changed && draft != base {
        commands.push(Command::SaveSettings(draft.clone()));
    }
}

/// The day in a rule's wording such as `每月3日前`.
fn day_named_in(text: &str) -> Option<u32> {
    let after = text.split_once("每月")?.1;
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

fn ledger_ui(ui: &mut egui::Ui, data: &SettingsContext<'_>, commands: &mut Vec<Command>) {
    section_title(ui, "台账文件与备份");
    egui::Grid::new("ledger_paths")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            // Full paths, whatever `--db` was given as (a relative path has no folder to open).
            let full = |path: &std::path::Path| {
                std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
            };
            let ledger = full(data.ledger_path);
            let folder = ledger
                .parent()
                .map(std::path::Path::to_path_buf)
                .unwrap_or_default();
            let backups = full(&crate::store::backup_dir(data.ledger_path));
            let log = full(data.log_path);
            for (caption, path, open, button) in [
                ("台账文件", ledger.clone(), folder, "打开台账所在文件夹"),
                ("备份文件夹", backups.clone(), backups, "打开备份文件夹"),
                ("错误日志", log.clone(), log, "打开错误日志"),
            ] {
                ui.label(caption);
                ui.horizontal(|ui| {
                    ui.label(path.display().to_string());
                    if ui.small_button(button).clicked() {
                        commands.push(Command::OpenPath(open));
                    }
                });
                ui.end_row();
            }
        });
    let policy = crate::store::RETENTION;
    ui.label(format!(
        "每次启动时，如台账自上次备份以来有改动，就在后台自动备份。保留最新的 {} 份，\
         以及最近 {} 天每天、最近 {} 个月每月各 1 份；备份总大小超过 {} 时先删除较早的。\
         升级前的备份一直保留。现有 {} 份备份：",
        policy.newest,
        policy.days,
        policy.months,
        file_size(policy.budget_bytes),
        data.backups.len()
    ));
    if ui.button("立即备份").clicked() {
        commands.push(Command::BackupNow);
    }
    for backup in data.backups.iter().take(10) {
        let name = backup
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let when = backup
            .modified
            .map(|time| {
                chrono::DateTime::<chrono::Local>::from(time)
                    .format("%Y年%m月%d日 %H:%M")
                    .to_string()
            })
            .unwrap_or_default();
        ui.horizontal(|ui| {
            ui.label(format!("{name}　{when}　{}", file_size(backup.size)));
            if ui.small_button(format!("恢复 {name}")).clicked() {
                commands.push(Command::ConfirmRestore(backup.path.clone()));
            }
        });
    }
    if data.backups.len() > 10 {
        ui.weak(format!("……另有 {} 份较早的备份", data.backups.len() - 10));
    }
}

/// 关于: the version and build date, and the font's licence.
fn about_ui(ui: &mut egui::Ui) {
    section_title(ui, "关于");
    ui.label(crate::version_line());
    ui.label("界面和 PDF 使用的字体：Noto Sans SC（思源黑体），依 SIL Open Font License 1.1 随程序提供。");
    egui::CollapsingHeader::new("字体许可证全文").show(ui, |ui| {
        ui.label(crate::assets::FONT_LICENCE);
    });
}

/// A file size as people read it: KB, MB or GB.
fn file_size(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    const GB: u64 = 1024 * MB;
    if bytes >= GB {
        format!("{:.1} GB", bytes as f64 / GB as f64)
    } else if bytes >= 10 * MB {
        format!("{} MB", bytes.div_ceil(MB))
    } else if bytes >= MB {
        format!("{:.1} MB", bytes as f64 / MB as f64)
    } else {
        format!("{} KB", bytes.div_ceil(KB))
    }
}

fn theme_ui(ui: &mut egui::Ui) {
    section_title(ui, "外观");
    let mut preference = ui.ctx().options(|options| options.theme_preference);
    let before = preference;
    ui.horizontal(|ui| {
        ui.radio_value(&mut preference, egui::ThemePreference::System, "跟随系统");
        ui.radio_value(&mut preference, egui::ThemePreference::Light, "浅色");
        ui.radio_value(&mut preference, egui::ThemePreference::Dark, "深色");
    });
    if preference != before {
        ui.ctx().set_theme(preference);
    }
}

impl SettingsView {
    fn mailbox_ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &SettingsContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        let draft = &mut self.mailbox;
        if draft.base.as_ref() != Some(data.mailbox) {
            draft.base = Some(data.mailbox.clone());
            draft.settings = data.mailbox.clone();
            // The unit's address (the form names it) is the mailbox returns arrive in.
            if draft.settings.address.is_empty() && data.settings.email.contains('@') {
                draft.settings.address = data.settings.email.trim().to_owned();
            }
            draft.imap_port = data.mailbox.imap_port.to_string();
            draft.smtp_port = data.mailbox.smtp_port.to_string();
        }
        section_title(ui, "单位邮箱（收取报送邮件、发送催报邮件）");
        ui.weak("163邮箱：先登录网页版邮箱，在“设置 → POP3/SMTP/IMAP”中开启 IMAP/SMTP 服务并获取“客户端授权码”，填在下面（不是登录密码）。授权码只保存在本机的系统凭据库（Windows 凭据管理器）中，不写入台账。");
        egui::Grid::new("mailbox_fields")
            .num_columns(2)
            .spacing([12.0, 8.0])
            .show(ui, |ui| {
                labelled_field(ui, "邮箱地址", &mut draft.settings.address, 260.0);
                if ui.button("使用163邮箱的服务器设置").clicked() {
                    let address = draft.settings.address.clone();
                    draft.settings = MailboxSettings::preset_163(address);
                    draft.imap_port = draft.settings.imap_port.to_string();
                    draft.smtp_port = draft.settings.smtp_port.to_string();
                }
                ui.end_row();
                labelled_field(
                    ui,
                    "收信服务器（IMAP）",
                    &mut draft.settings.imap_host,
                    200.0,
                );
                ui.horizontal(|ui| {
                    labelled_field(ui, "端口", &mut draft.imap_port, 60.0);
                    security_picker(ui, "imap_security", &mut draft.settings.imap_security);
                });
                ui.end_row();
                labelled_field(
                    ui,
                    "发信服务器（SMTP）",
                    &mut draft.settings.smtp_host,
                    200.0,
                );
                ui.horizontal(|ui| {
                    labelled_field(ui, "端口", &mut draft.smtp_port, 60.0);
                    security_picker(ui, "smtp_security", &mut draft.settings.smtp_security);
                });
                ui.end_row();
                labelled_field(ui, "收取的文件夹", &mut draft.settings.folder, 200.0);
                ui.end_row();
                let label = ui.label("客户端授权码");
                ui.vertical(|ui| {
                    let hint = match data.mailbox_code {
                        crate::service::mail::secret::CodeState::Stored => "不更换则留空",
                        crate::service::mail::secret::CodeState::ThisRun(_) => {
                            "本次运行已填写；不更换则留空"
                        }
                        crate::service::mail::secret::CodeState::Missing(_) => "请填写客户端授权码",
                    };
                    ui.add(
                        egui::TextEdit::singleline(&mut draft.secret)
                            .password(true)
                            .hint_text(hint)
                            .desired_width(200.0),
                    )
                    .labelled_by(label.id);
                    let words = data.mailbox_code.words();
                    match data.mailbox_code {
                        crate::service::mail::secret::CodeState::Stored => {
                            ui.weak(words);
                        }
                        _ => {
                            ui.colored_label(ui.visuals().warn_fg_color, words);
                        }
                    }
                    if let crate::service::mail::secret::CodeState::ThisRun(why)
                    | crate::service::mail::secret::CodeState::Missing(Some(why)) =
                        data.mailbox_code
                        && !why.is_empty()
                    {
                        ui.weak(why);
                    }
                });
                ui.end_row();
            });
        if let Some(problem) = &draft.problem {
            ui.colored_label(ui.visuals().error_fg_color, problem);
        }
        let (save, test) = ui
            .horizontal(|ui| {
                (
                    ui.button("保存邮箱设置").clicked(),
                    ui.button("测试连接")
                        .on_hover_text(
                            "用上面填写的服务器和授权码登录收信和发信服务器，不收也不发邮件",
                        )
                        .clicked(),
                )
            })
            .inner;
        if test {
            let mut settings = draft.settings.clone();
            if let (Ok(imap), Ok(smtp)) = (
                crate::model::ascii_number(&draft.imap_port)
                    .trim()
                    .parse::<u16>(),
                crate::model::ascii_number(&draft.smtp_port)
                    .trim()
                    .parse::<u16>(),
            ) {
                settings.imap_port = imap;
                settings.smtp_port = smtp;
            }
            commands.push(Command::TestMailbox {
                settings,
                secret: (!draft.secret.trim().is_empty())
                    .then(|| crate::service::mail::secret::Secret(draft.secret.trim().to_owned())),
            });
        }
        if save {
            let imap_port = crate::model::ascii_number(&draft.imap_port)
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0);
            let smtp_port = crate::model::ascii_number(&draft.smtp_port)
                .trim()
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0);
            match (imap_port, smtp_port) {
                (Some(imap_port), Some(smtp_port)) => {
                    draft.problem = None;
                    let mut settings = draft.settings.clone();
                    settings.imap_port = imap_port;
                    settings.smtp_port = smtp_port;
                    let secret = std::mem::take(&mut draft.secret);
                    commands.push(Command::SaveMailbox {
                        settings,
                        secret: (!secret.trim().is_empty()).then(|| {
                            crate::service::mail::secret::Secret(secret.trim().to_owned())
                        }),
                    });
                }
                _ => draft.problem = Some("端口须是 1 至 65535 之间的数字".to_owned()),
            }
        }
    }
}

fn security_picker(ui: &mut egui::Ui, id: &str, security: &mut Security) {
    let label = ui.label("加密");
    egui::ComboBox::from_id_salt(id)
        .selected_text(security.label())
        .show_ui(ui, |ui| {
            for choice in [Security::Tls, Security::StartTls, Security::None] {
                ui.selectable_value(security, choice, choice.label());
            }
        })
        .response
        .labelled_by(label.id);
}

#[cfg(test)]
mod tests {
    use super::{day_named_in, file_size};

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(file_size(300), "1 KB");
        assert_eq!(file_size(500 * 1024), "500 KB");
        assert_eq!(file_size(3 * 1024 * 1024 + 300 * 1024), "3.3 MB");
        assert_eq!(file_size(136_257_536), "130 MB");
        assert_eq!(file_size(1024 * 1024 * 1024), "1.0 GB");
    }

    #[test]
    fn reads_the_day_of_a_rule() {
        assert_eq!(day_named_in("各相关任务牵头部门每月3日前，将上月"), Some(3));
        assert_eq!(day_named_in("报送时间，每月1日前将电子件"), Some(1));
        assert_eq!(day_named_in("按季度报送"), None);
    }
}
