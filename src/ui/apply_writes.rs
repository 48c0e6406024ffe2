//! The window's commands that write to the ledger, one transaction each through the ledger's
//! one write path or the service: the returns, the sheet and the calendar; plans and tasks;
//! departments, the mailbox and 设置. [`super::apply`] hands them over.

use super::app::{LedgerState, TaizhangApp};
use super::command::{Command, FirstStart};
use super::plan_view::PlanView;
use super::state::{AppData, Page, UndoStep};
use crate::returns::{ReturnSource, RowWrite};

/// What a write command came to.
pub(super) enum Applied {
    /// Written (or refused): the views' data is read again.
    Wrote(Result<(), crate::store::StoreError>),
    /// Nothing to read again (the command stopped before writing and said why).
    Quiet,
    /// Not this group's command.
    Not(Command),
}

impl TaizhangApp {
    /// The writes of the returns, the sheet and the calendar, each one transaction.
    pub(super) fn write_returns(&mut self, command: Command) -> Applied {
        let LedgerState::Open(open) = &mut self.state else {
            return Applied::Quiet;
        };
        let result = match command {
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
            Command::CommitImport(id) => {
                let Some((parsed, bytes, received, plan)) = self.import_returns_view.reviewed(id)
                else {
                    return Applied::Quiet;
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
            Command::SaveSheetRow {
                period,
                form_row_id,
                progress,
                remark,
                based_on,
            } => open
                .ledger
                .save_sheet_row(period, form_row_id, &progress, &remark, &based_on),
            Command::SaveReturnRows(writes) if open.changed_elsewhere() => {
                // Another writer committed since the page was drawn. Rows whose stored text
                // did not change are saved; the others are not written over text the user has
                // not seen: the page reads the ledger again and asks about each of them.
                let shown = previous_values(&open.data, &writes);
                if let Err(error) = open.reload() {
                    self.show_error(format!("重新读取台账失败：{error}"));
                    return Applied::Quiet;
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
                    return Applied::Quiet;
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
                None => return Applied::Quiet,
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
            other => return Applied::Not(other),
        };
        Applied::Wrote(result)
    }

    /// The writes of plans and their tasks, each one transaction.
    pub(super) fn write_plans(&mut self, command: Command) -> Applied {
        let LedgerState::Open(open) = &mut self.state else {
            return Applied::Quiet;
        };
        let result = match command {
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
                    return Applied::Quiet;
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
            Command::SetCurrentPlan(plan_id) => {
                let result = open.ledger.set_current_plan(plan_id);
                if result.is_ok() {
                    self.plan_view = PlanView::default();
                    self.selection = None;
                    self.undo.clear();
                }
                result
            }
            Command::SaveTask(edit) => open.ledger.update_task(&edit),
            other => return Applied::Not(other),
        };
        Applied::Wrote(result)
    }

    /// The writes of departments, the mailbox and 设置, each one transaction.
    pub(super) fn write_setup(&mut self, command: Command) -> Applied {
        let LedgerState::Open(open) = &mut self.state else {
            return Applied::Quiet;
        };
        let result = match command {
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
            Command::CommitMail(id) => {
                let Some(mut intake) = self.mail_view.take_prepared(id) else {
                    return Applied::Quiet;
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
                    match crate::service::mail::secret::save(&settings.address, &secret.0) {
                        Ok(crate::service::mail::secret::Saved::System) => {
                            self.messages
                                .notice("已保存邮箱设置；授权码已存入系统凭据库。".to_owned());
                            saved
                        }
                        Ok(crate::service::mail::secret::Saved::Session(why)) => {
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
            Command::SaveDepartment(edit) => open.ledger.update_department(&edit),
            Command::SaveSettings(settings) => open.ledger.update_settings(&settings),
            Command::SetDueDay(day) => open.ledger.set_due_day(day),
            Command::BackupNow => open.ledger.backup().map(|path| {
                self.messages
                    .notice(format!("已备份到“{}”", path.display()));
            }),
            other => return Applied::Not(other),
        };
        Applied::Wrote(result)
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
