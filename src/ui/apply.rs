//! Applying the commands the views emit: each write goes through the service layer or the
//! ledger's one write path in one transaction, then the views' data is read again.

use super::app::{LedgerState, TaizhangApp};
use super::command::Command;
use super::plan_view::PlanView;
use super::state::{AppData, Page, Selection, UndoStep};
use crate::returns::{ReturnSource, RowWrite};

impl TaizhangApp {
    /// Applies one command: writes go through the ledger in one transaction each, then the
    /// views' data is read again. Errors are shown once and logged once.
    pub fn apply(&mut self, command: Command) {
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
            Command::Notify(message) => {
                self.notice = Some(message);
                return;
            }
            Command::ExportIcs => {
                match crate::service::write_ics(&open.data.ledger_path, &open.data.deadlines) {
                    Ok(path) => {
                        self.notice = Some(format!(
                            "已导出 {} 个期限到“{}”，可用微信或邮件发到手机后导入日历",
                            open.data.deadlines.len(),
                            path.display()
                        ));
                    }
                    Err(error) => self.show_error(error.to_string()),
                }
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
            Command::OpenSourceFile(file_id) => {
                let result = crate::service::write_source_file(&open.ledger, file_id)
                    .map_err(|e| e.to_string())
                    .and_then(|path| {
                        crate::service::open_with_system(&path).map_err(|e| {
                            format!(
                                "已取出“{}”，但无法用系统程序打开：{}。请在文件夹中双击打开。",
                                path.display(),
                                crate::files::io_phrase(&e)
                            )
                        })
                    });
                if let Err(message) = result {
                    self.show_error(message);
                }
                return;
            }
            Command::WriteTemplates { period, folder } => {
                let rule = crate::schedule::DueRule::from_settings(
                    open.data.plan.reporting.due_day,
                    &open.data.settings,
                    &open.data.holidays,
                );
                let (_, due) = rule.due(period);
                match crate::service::write_templates(
                    &open.data.plan,
                    &open.data.obligations,
                    period,
                    due,
                    &folder,
                    &crate::files::Protected::for_ledger(&open.data.ledger_path),
                    &mut |_| {},
                ) {
                    Ok(written) => {
                        let kept: Vec<String> = written
                            .iter()
                            .filter(|t| t.kept_existing.is_some())
                            .map(|t| {
                                t.path
                                    .file_name()
                                    .map(|n| n.to_string_lossy().into_owned())
                                    .unwrap_or_default()
                            })
                            .collect();
                        let mut notice = format!(
                            "已在“{}”生成 {} 份{}报送模板",
                            folder.display(),
                            written.len(),
                            period.label()
                        );
                        if !kept.is_empty() {
                            notice.push_str(&format!(
                                "；文件夹中已有同名文件，未覆盖，以下模板另存为新名字：{}",
                                kept.join("、")
                            ));
                        }
                        self.notice = Some(notice);
                    }
                    Err(error) => self.show_error(error.to_string()),
                }
                return;
            }
            Command::CommitImport(id) => {
                let Some((parsed, bytes, received)) = self.import_returns_view.reviewed(id) else {
                    return;
                };
                self.undo.clear();
                let result = open.ledger.commit_return_import(parsed, received, bytes);
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
                let sheet = crate::sheet::build_sheet(
                    &open.data.plan,
                    &open.data.settings,
                    &open.data.returns,
                    &open.data.sheet_edits,
                    period,
                );
                if let Err(error) = crate::service::check_period(&open.data.plan, period) {
                    self.show_error(error.to_string());
                    return;
                }
                let protected = crate::files::Protected::for_ledger(&open.data.ledger_path);
                self.export_job = Some(super::jobs::start_export(sheet, folder, print, protected));
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
                let Some(status) = open.data.status(period) else {
                    self.show_error(format!("{}不在当前计划的年度内", period.label()));
                    return;
                };
                let due = period.due_date(open.data.plan.reporting.due_day);
                let result = crate::service::write_chase_list(
                    &open.data.ledger_path,
                    status,
                    due,
                    open.data.today,
                    &crate::returns::ChaseContext::of(&open.data.plan, &open.data.settings),
                )
                .map_err(|e| e.to_string())
                .and_then(|path| {
                    crate::service::open_with_system(&path).map_err(|e| {
                        format!(
                            "已生成“{}”，但无法用系统程序打开：{}。请在文件夹中双击打开。",
                            path.display(),
                            crate::files::io_phrase(&e)
                        )
                    })
                });
                if let Err(message) = result {
                    self.show_error(message);
                }
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
                let result = open.ledger.import_plan(
                    &import.parsed,
                    import.source.as_ref(),
                    import.make_current,
                );
                if result.is_ok() {
                    self.import_view.reset();
                    self.notice = Some(format!("已保存新计划“{}”", import.parsed.title));
                    self.page = Page::Plan;
                    self.plan_view = PlanView::default();
                    // Periods and departments belong to the plan on show.
                    self.selection = None;
                    self.undo.clear();
                }
                result.map(|_| ())
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
            Command::SaveDepartment(edit) => open.ledger.update_department(&edit),
            Command::SaveSettings(settings) => open.ledger.update_settings(&settings),
            Command::SetDueDay(day) => open.ledger.set_due_day(day),
            Command::BackupNow => open.ledger.backup().map(|path| {
                self.notice = Some(format!("已备份到“{}”", path.display()));
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
