//! Applying the commands the views emit: each write goes through the service layer or the
//! ledger's one write path in one transaction, then the views' data is read again.

use super::app::{LedgerState, TaizhangApp};
use super::command::{Command, FirstStart};
use super::plan_view::PlanView;
use super::state::{AppData, Page, Selection, UndoStep};
use crate::returns::{ReturnSource, RowWrite};

/// What the messages say while the mailbox test runs.
pub(super) const TESTING_MAILBOX: &str = "正在测试连接…";

impl TaizhangApp {
    /// Applies one command: writes go through the ledger in one transaction each, then the
    /// views' data is read again. Errors are shown once and logged once.
    #[expect(
        clippy::too_many_lines,
        reason = "one arm per command of the window; to be split by area with issue 34"
    )]
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
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let result = match command {
            Command::ConfirmRestore(backup) => {
                self.pending_restore = Some(backup);
                return;
            }
            Command::OpenTask(task_id) => {
                self.plan_view.select_task(task_id);
                self.page = Page::Plan;
                return;
            }
            Command::OpenDepartment(department_id) => {
                self.departments_view.select(department_id);
                self.page = Page::Departments;
                return;
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
                return;
            }
            Command::OpenPage(page) => {
                self.page = page;
                return;
            }
            Command::OpenSettingsUnit => {
                self.page = super::state::Page::Settings;
                self.settings_view.show_unit();
                return;
            }
            Command::SaveFormText {
                plan_id,
                title,
                notes,
            } => match open.ledger.set_form_text(plan_id, &title, &notes) {
                Ok(true) => {
                    self.messages
                        .notice("已保存表格标题和表注，原来的文字记入修改记录。".to_owned());
                    Ok(())
                }
                Ok(false) => Ok(()),
                Err(error) => Err(error),
            },
            Command::Notify(message) => {
                self.messages.notice(message);
                return;
            }
            Command::ExportIcs => {
                self.export_ics();
                return;
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
                return;
            }
            Command::OpenPath(path) => {
                if let Err(error) = crate::service::open_with_system(&path) {
                    self.show_error(format!(
                        "无法打开“{}”：{}",
                        path.display(),
                        crate::files::io_phrase(&error)
                    ));
                }
                return;
            }
            Command::AddMailFiles(paths) => {
                self.add_mail_files(paths);
                return;
            }
            Command::OpenAttachment { id, index } => {
                let Some((name, bytes)) = self.mail_view.attachment(id, index) else {
                    return;
                };
                let written =
                    crate::service::write_attachment(&open.data.ledger_path, id, name, bytes);
                self.open_written(written);
                return;
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
                            return;
                        }
                    }
                }
                let Some((_, intake)) = &self.mail_intake else {
                    return;
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
                return;
            }
            Command::FetchMail => {
                self.start_fetch();
                return;
            }
            Command::CancelFetch => {
                if let Some(job) = &mut self.fetch_job {
                    job.cancel();
                }
                return;
            }
            Command::TestMailbox { settings, secret } => {
                if self.mailbox_test_job.is_none() {
                    let LedgerState::Open(open) = &self.state else {
                        return;
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
                return;
            }
            Command::SendChase(period) => {
                self.start_chase(period);
                return;
            }
            Command::SendBack {
                period,
                department_id,
                reason,
                rows,
                by_hand,
            } => {
                self.send_back(period, department_id, &reason, &rows, by_hand);
                return;
            }
            Command::SendTemplates { period, resend } => {
                self.start_templates(period, resend);
                return;
            }
            Command::SendSheet { period, again } => {
                self.start_sheet_send(period, again);
                return;
            }
            Command::WriteReport(period) => {
                self.write_report(period);
                return;
            }
            Command::WriteAssessment => {
                self.write_assessment();
                return;
            }
            Command::WriteSummary => {
                self.write_summary();
                return;
            }
            Command::WriteBinder => {
                self.write_binder();
                return;
            }
            Command::SetIndicator {
                name,
                period,
                value,
                source,
            } => {
                self.set_indicator(&name, period, &value, &source);
                return;
            }
            Command::OpenSourceFile(file_id) => {
                let written = crate::service::write_source_file(&open.ledger, file_id);
                self.open_written(written);
                return;
            }
            Command::WriteTemplates { period, folder } => {
                self.write_templates(period, folder);
                return;
            }
            Command::CommitImport(id) => {
                let Some((parsed, bytes, received, plan)) = self.import_returns_view.reviewed(id)
                else {
                    return;
                };
                self.undo.clear();
                let result = crate::service::commit_return_under(
                    &mut open.ledger,
                    plan,
                    parsed,
                    received,
                    bytes,
                );
                if let Ok(changed) = &result {
                    let message = format!("已导入，{changed} 行有变化");
                    self.import_returns_view.mark_done(id, message);
                }
                result.map(|_| ())
            }
            Command::SetMilestoneDone { milestone_id, done } => {
                let today = open.data.today;
                open.ledger
                    .set_milestone_done(milestone_id, done.then_some(today), "")
            }
            Command::AddItem {
                date,
                title,
                departments,
            } => open
                .ledger
                .add_calendar_item(date, &title, &departments)
                .map(|_| ()),
            Command::SetItemDone { id, done } => {
                let today = open.data.today;
                open.ledger
                    .set_calendar_item_done(id, done.then_some(today))
            }
            Command::DeleteItem(id) => open.ledger.delete_calendar_item(id),
            Command::ShowSheetHistory(row_id) => {
                match open.ledger.sheet_row_history(row_id) {
                    Ok(entries) => open.data.sheet_history = Some((row_id, entries)),
                    Err(error) => self.show_error(error.to_string()),
                }
                return;
            }
            Command::ExportSheet {
                period,
                folder,
                print,
            } => {
                self.export_sheet(period, folder, print);
                return;
            }
            Command::SaveSheetRow {
                period,
                form_row_id,
                progress,
                remark,
                based_on,
            } => open
                .ledger
                .save_sheet_row(period, form_row_id, &progress, &remark, &based_on),
            Command::ShowHistory(row_id) => {
                match open.ledger.row_history(row_id) {
                    Ok(entries) => open.data.history = Some((row_id, entries)),
                    Err(error) => self.show_error(error.to_string()),
                }
                return;
            }
            Command::PrintChaseList(period) => {
                self.print_chase_list(period);
                return;
            }
            Command::SaveReturnRows(writes) if open.changed_elsewhere() => {
                // Another writer committed since the page was drawn. Rows whose stored text
                // did not change are saved; the others are not written over text the user has
                // not seen: the page reads the ledger again and asks about each of them.
                let shown = previous_values(&open.data, &writes);
                if let Err(error) = open.reload() {
                    self.show_error(format!("重新读取台账失败：{error}"));
                    return;
                }
                let now = previous_values(&open.data, &writes);
                let safe: Vec<RowWrite> = writes
                    .into_iter()
                    .zip(shown.iter().zip(&now))
                    .filter(|(_, (before, after))| {
                        before.progress == after.progress && before.remark == after.remark
                    })
                    .map(|(write, _)| write)
                    .collect();
                if safe.is_empty() {
                    return;
                }
                self.undo.clear();
                open.ledger.write_return_rows(&safe).map(|_| ())
            }
            Command::SaveReturnRows(writes) | Command::OverwriteReturnRows(writes) => {
                let step = UndoStep {
                    writes: previous_values(&open.data, &writes),
                    unreceive: writes.first().and_then(|w| {
                        let received = open
                            .data
                            .record(w.department_id, w.period)
                            .is_some_and(|r| r.received_on.is_some());
                        (!received).then_some((w.department_id, w.period))
                    }),
                };
                let result = open.ledger.write_return_rows(&writes);
                if matches!(result, Ok(changed) if changed > 0) {
                    self.undo.push(step);
                }
                result.map(|_| ())
            }
            Command::Undo => match self.undo.pop() {
                Some(step) => open
                    .ledger
                    .revert_return_rows(&step.writes, step.unreceive)
                    .map(|_| ()),
                None => return,
            },
            Command::SetReceived {
                department_id,
                period,
                received_on,
                source,
            } => {
                // Other changes to returns make the saved undo steps stale.
                self.undo.clear();
                open.ledger
                    .set_return_received(department_id, period, received_on, source)
            }
            Command::RestoreRow(history_id) => {
                self.undo.clear();
                open.ledger.restore_row(history_id)
            }
            Command::ImportPlan(import) => {
                let result = match &import.replaces {
                    Some((target, matches)) => open.ledger.replace_plan(
                        *target,
                        &import.parsed,
                        matches,
                        import.source.as_ref(),
                        self.today,
                    ),
                    None => open
                        .ledger
                        .import_plan(&import.parsed, import.source.as_ref(), import.make_current)
                        .map(|_| ()),
                };
                if result.is_ok() {
                    self.import_view.reset();
                    self.messages
                        .notice(format!("已保存新计划“{}”", import.parsed.title));
                    self.page = Page::Plan;
                    self.plan_view = PlanView::default();
                    // Periods and departments belong to the plan on show.
                    self.selection = None;
                    self.undo.clear();
                }
                result
            }
            Command::FirstStart(choice) => {
                let year = chrono::Datelike::year(&self.today);
                let result = match choice {
                    FirstStart::Example => Ok(()),
                    FirstStart::Blank | FirstStart::ImportOwn => {
                        open.ledger.start_blank(year).map(|_| ())
                    }
                }
                .and_then(|()| open.ledger.set_first_start_pending(false));
                if result.is_ok() {
                    self.plan_view = PlanView::default();
                    self.selection = None;
                    self.undo.clear();
                    self.page = match choice {
                        FirstStart::ImportOwn => Page::Import,
                        FirstStart::Blank => Page::Home,
                        FirstStart::Example => Page::Home,
                    };
                    self.messages.notice(
                        match choice {
                            FirstStart::ImportOwn => {
                                "请粘贴或打开本单位今年的计划文件，识别后核对保存"
                            }
                            FirstStart::Blank => {
                                "已建立空白台账：可在“责任部门”中添加部门；本单位的计划印发后在“导入计划”中导入"
                            }
                            FirstStart::Example => "正在使用2019年融水县的示例计划",
                        }
                        .to_owned(),
                    );
                }
                result
            }
            Command::CarryForward(carry) => {
                let result =
                    crate::service::carry_forward(&mut open.ledger, &carry, open.data.today);
                if result.is_ok() {
                    self.plan_view = PlanView::default();
                    self.selection = None;
                    self.undo.clear();
                    self.page = Page::Plan;
                    self.messages.notice(
                        "已建立沿用上年的工作计划：可在“工作计划”中修改，正式计划印发后导入即可替换"
                            .to_owned(),
                    );
                }
                if let Err(error) = result {
                    self.show_error(error.to_string());
                    return;
                }
                Ok(())
            }
            Command::NewBlankPlan(year) => {
                let result = open.ledger.new_blank_plan(year);
                if result.is_ok() {
                    self.plan_view = PlanView::default();
                    self.selection = None;
                    self.undo.clear();
                }
                result.map(|_| ())
            }
            Command::SetPlanKind { plan_id, kind } => open.ledger.set_plan_kind(plan_id, kind),
            Command::SetPlanActive { plan_id, active } => {
                open.ledger.set_plan_active(plan_id, active)
            }
            Command::AddDepartment(name) => match open.ledger.add_department(&name) {
                Ok(id) => {
                    self.departments_view.select(id);
                    self.messages.notice(format!("已添加部门“{}”", name.trim()));
                    Ok(())
                }
                Err(error) => Err(error),
            },
            Command::MergeDepartments { from, into } => {
                self.undo.clear();
                let result = open.ledger.merge_departments(from, into);
                if result.is_ok() {
                    self.departments_view = Default::default();
                    self.selection = None;
                }
                result
            }
            Command::SetCurrentPlan(plan_id) => {
                let result = open.ledger.set_current_plan(plan_id);
                if result.is_ok() {
                    self.plan_view = PlanView::default();
                    self.selection = None;
                    self.undo.clear();
                }
                result
            }
            Command::CommitMail(id) => {
                let Some(mut intake) = self.mail_view.take_prepared(id) else {
                    return;
                };
                let origin = open
                    .data
                    .inbox
                    .iter()
                    .find(|m| m.id == id)
                    .map(|m| m.origin.clone())
                    .unwrap_or_default();
                self.undo.clear();
                match crate::service::mail::commit_held(&mut open.ledger, &mut intake, &origin, id)
                {
                    Ok(Some(changed)) => {
                        let department = intake
                            .department
                            .as_ref()
                            .map(|d| d.1.clone())
                            .unwrap_or_default();
                        self.messages.notice(format!(
                            "已导入{department}的邮件，{changed} 行有变化；发件地址已记入该部门。"
                        ));
                        Ok(())
                    }
                    Ok(None) => Err(crate::store::StoreError::Invalid(format!(
                        "未导入：{}",
                        intake.warnings.join("；")
                    ))),
                    Err(error) => Err(error),
                }
            }
            Command::SetMailState { id, state } => open.ledger.set_mail_state(id, state),
            Command::SaveMailbox { settings, secret } => {
                let saved = open.ledger.save_mailbox_settings(&settings);
                if saved.is_ok()
                    && let Some(secret) = secret
                {
                    match crate::mail::secret::save(&settings.address, &secret.0) {
                        Ok(crate::mail::secret::Saved::System) => {
                            self.messages
                                .notice("已保存邮箱设置；授权码已存入系统凭据库。".to_owned());
                            saved
                        }
                        Ok(crate::mail::secret::Saved::Session(why)) => {
                            self.messages.notice(format!(
                                "已保存邮箱设置。{why}，授权码只在本次运行期间有效，退出后需重新填写。"
                            ));
                            saved
                        }
                        Err(error) => Err(crate::store::StoreError::Invalid(format!(
                            "邮箱设置已保存，但授权码未保存：{error}"
                        ))),
                    }
                } else {
                    saved
                }
            }
            Command::RemoveAddress {
                department_id,
                address,
            } => open
                .ledger
                .remove_department_address(department_id, &address),
            Command::SaveTask(edit) => open.ledger.update_task(&edit),
            Command::SaveDepartment(edit) => open.ledger.update_department(&edit),
            Command::SaveSettings(settings) => open.ledger.update_settings(&settings),
            Command::SetDueDay(day) => open.ledger.set_due_day(day),
            Command::BackupNow => open.ledger.backup().map(|path| {
                self.messages
                    .notice(format!("已备份到“{}”", path.display()));
            }),
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
}

/// The current values of the rows a save will overwrite, as writes that put them back.
fn previous_values(data: &AppData, writes: &[RowWrite]) -> Vec<RowWrite> {
    writes
        .iter()
        .map(|write| {
            let row = data
                .record(write.department_id, write.period)
                .and_then(|record| record.row(write.key));
            RowWrite {
                progress: row.map(|r| r.progress.clone()).unwrap_or_default(),
                remark: row.map(|r| r.remark.clone()).unwrap_or_default(),
                source: ReturnSource::Manual,
                received_on: None,
                ..write.clone()
            }
        })
        .collect()
}
