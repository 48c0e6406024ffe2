//! Applying the commands the views emit: each write goes through the service layer or the
//! ledger's one write path in one transaction, then the views' data is read again.

use super::app::{LedgerState, TaizhangApp};
use super::apply_writes::Applied;
use super::command::Command;
use super::state::{Page, Selection};

/// What the messages say while the mailbox test runs.
pub(super) const TESTING_MAILBOX: &str = "正在测试连接…";

impl TaizhangApp {
    /// Applies one command: writes go through the ledger in one transaction each, then the
    /// views' data is read again. Errors are shown once and logged once.
    pub fn apply(&mut self, command: Command) {
        // A send with no code saved asks for it first, then goes on.
        if matches!(
            command,
            Command::SendChase(_)
                | Command::SendTemplates { .. }
                | Command::SendSheet { .. }
                | Command::SendBack { by_hand: false, .. }
        ) && self.asks_for_code(&command)
        {
            return;
        }
        let Some(command) = self.apply_without_writing(command) else {
            return;
        };
        let mut applied = self.write_returns(command);
        if let Applied::Not(command) = applied {
            applied = self.write_plans(command);
        }
        if let Applied::Not(command) = applied {
            applied = self.write_setup(command);
        }
        let Applied::Wrote(result) = applied else {
            return;
        };
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let reload_error = open
            .reload()
            .err()
            .map(|error| format!("重新读取台账失败：{error}"));
        match result {
            // Every command that gets here wrote to the ledger: say when it was saved.
            Ok(()) => self.saved_at = Some(chrono::Local::now().format("%H:%M").to_string()),
            Err(error) => self.show_error(error.to_string()),
        }
        if let Some(message) = reload_error {
            self.show_error(message);
        }
    }

    /// The commands that write nothing to the ledger themselves: going to a page, reading or
    /// writing a file, starting a job (whose end is recorded when it reports). The command
    /// back when it is a write.
    fn apply_without_writing(&mut self, command: Command) -> Option<Command> {
        let command = self.go_or_read(command)?;
        self.start_or_write_file(command)
    }

    /// Going to a page, a notice, reading a file the user gave or opening one.
    fn go_or_read(&mut self, command: Command) -> Option<Command> {
        let LedgerState::Open(open) = &mut self.state else {
            return None;
        };
        match command {
            Command::ConfirmRestore(backup) => {
                self.pending_restore = Some(backup);
                None
            }
            Command::OpenTask(task_id) => {
                self.plan_view.select_task(task_id);
                self.page = Page::Plan;
                None
            }
            Command::OpenDepartment(department_id) => {
                self.departments_view.select(department_id);
                self.page = Page::Departments;
                None
            }
            Command::OpenReturn {
                department_id,
                period,
            } => {
                self.selection = Some(Selection {
                    period,
                    department_id: Some(department_id),
                });
                self.page = Page::Returns;
                None
            }
            Command::OpenPage(page) => {
                self.page = page;
                None
            }
            Command::OpenSettingsUnit => {
                self.page = super::state::Page::Settings;
                self.settings_view.show_unit();
                None
            }
            Command::Notify(message) => {
                self.messages.notice(message);
                None
            }
            Command::ExportIcs => {
                self.export_ics();
                None
            }
            Command::AddImportFiles(paths) => {
                let mut failures = Vec::new();
                for path in paths {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    match crate::service::read_return_file(&path) {
                        Ok(bytes) => {
                            let duplicate = crate::service::duplicate_of(&open.ledger, &bytes)
                                .ok()
                                .flatten();
                            self.import_returns_view.add_file(name, bytes, duplicate);
                        }
                        Err(error) => failures.push(error.to_string()),
                    }
                }
                self.page = Page::ImportReturns;
                for failure in failures {
                    self.show_error(failure);
                }
                None
            }
            Command::OpenPath(path) => {
                if let Err(error) = crate::service::open_with_system(&path) {
                    self.show_error(format!(
                        "无法打开“{}”：{}",
                        path.display(),
                        crate::files::io_phrase(&error)
                    ));
                }
                None
            }
            Command::AddMailFiles(paths) => {
                self.add_mail_files(paths);
                None
            }
            Command::OpenAttachment { id, index } => {
                let (name, bytes) = self.mail_view.attachment(id, index)?;
                let written =
                    crate::service::write_attachment(&open.data.ledger_path, id, name, bytes);
                self.open_written(written);
                None
            }
            Command::PrepareMail { id, choice } => {
                // What matching needs is read once per version of the data, not per message.
                if self
                    .mail_intake
                    .as_ref()
                    .is_none_or(|(version, _)| *version != open.data.version)
                {
                    match crate::service::mail::Intake::load(&open.ledger, open.data.today) {
                        Ok(intake) => self.mail_intake = Some((open.data.version, intake)),
                        Err(error) => {
                            self.show_error(error.to_string());
                            return None;
                        }
                    }
                }
                let Some((_, intake)) = &self.mail_intake else {
                    return None;
                };
                let prepared = match open.data.inbox.iter().find(|m| m.id == id) {
                    Some(record) => {
                        crate::service::mail::prepare_held(&open.ledger, intake, record, choice)
                    }
                    None => Err("这封邮件已不在台账中".to_owned()),
                };
                self.mail_view.set_prepared(
                    id,
                    super::mail_view::Prepared {
                        choice,
                        intake: prepared,
                    },
                );
                None
            }
            other => Some(other),
        }
    }

    /// Starting a job (fetch, sends, the binder) or writing a file (the 通报, the 考核, the
    /// 总结, templates, the sheet): what they record is recorded when they report.
    fn start_or_write_file(&mut self, command: Command) -> Option<Command> {
        let LedgerState::Open(open) = &mut self.state else {
            return None;
        };
        match command {
            Command::FetchMail => {
                self.start_fetch();
                None
            }
            Command::CancelFetch => {
                if let Some(job) = &mut self.fetch_job {
                    job.cancel();
                }
                None
            }
            Command::TestMailbox { settings, secret } => {
                if self.mailbox_test_job.is_none() {
                    let LedgerState::Open(open) = &self.state else {
                        return None;
                    };
                    match super::apply_mail::test_mailbox(
                        settings,
                        open.data.settings.email.clone(),
                        secret.map(|s| s.0),
                    ) {
                        Ok(job) => {
                            self.messages.notice(TESTING_MAILBOX);
                            self.mailbox_test_job = Some(job);
                        }
                        Err(message) => self.show_error(message),
                    }
                }
                None
            }
            Command::SendChase(period) => {
                self.start_chase(period);
                None
            }
            Command::SendBack {
                period,
                department_id,
                reason,
                rows,
                by_hand,
            } => {
                self.send_back(period, department_id, &reason, &rows, by_hand);
                None
            }
            Command::SendTemplates { period, resend } => {
                self.start_templates(period, resend);
                None
            }
            Command::SendSheet { period, again } => {
                self.start_sheet_send(period, again);
                None
            }
            Command::WriteReport(period) => {
                self.write_report(period);
                None
            }
            Command::WriteAssessment => {
                self.write_assessment();
                None
            }
            Command::WriteSummary => {
                self.write_summary();
                None
            }
            Command::WriteBinder => {
                self.write_binder();
                None
            }
            Command::SetIndicator {
                name,
                period,
                value,
                source,
            } => {
                self.set_indicator(&name, period, &value, &source);
                None
            }
            Command::OpenSourceFile(file_id) => {
                let written = crate::service::write_source_file(&open.ledger, file_id);
                self.open_written(written);
                None
            }
            Command::WriteTemplates { period, folder } => {
                self.write_templates(period, folder);
                None
            }
            Command::ShowSheetHistory(row_id) => {
                match open.ledger.sheet_row_history(row_id) {
                    Ok(entries) => open.data.sheet_history = Some((row_id, entries)),
                    Err(error) => self.show_error(error.to_string()),
                }
                None
            }
            Command::ExportSheet {
                period,
                folder,
                print,
            } => {
                self.export_sheet(period, folder, print);
                None
            }
            Command::ShowHistory(row_id) => {
                match open.ledger.row_history(row_id) {
                    Ok(entries) => open.data.history = Some((row_id, entries)),
                    Err(error) => self.show_error(error.to_string()),
                }
                None
            }
            Command::PrintChaseList(period) => {
                self.print_chase_list(period);
                None
            }
            other => Some(other),
        }
    }
}
