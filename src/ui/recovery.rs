//! What the window shows when the ledger cannot be opened: why, and what to do — open it again,
//! switch to the window that has it, or restore the newest sound backup after a confirmation.

use std::path::Path;

use super::app::{LedgerState, TaizhangApp, open_ledger};
use super::state::Page;
use crate::store::StoreError;

impl TaizhangApp {
    pub(super) fn failed_ui(&mut self, ui: &mut egui::Ui, message: &str) {
        if self.open_elsewhere {
            self.open_elsewhere_ui(ui);
            return;
        }
        let ledger_path = self.ledger_path.clone();
        let newest = self
            .sound_backup
            .get_or_insert_with(|| crate::store::newest_sound_backup(&ledger_path))
            .clone();
        let mut reopen = false;
        egui::CentralPanel::default().show(ui, |ui| {
            ui.add_space(40.0);
            ui.vertical_centered(|ui| {
                ui.heading("无法打开台账");
                ui.add_space(12.0);
                ui.label(egui::RichText::new(message).color(ui.visuals().error_fg_color));
                ui.add_space(12.0);
                // Another program's lock or a read-only attribute may be gone by now.
                if ui.button("重新打开").clicked() {
                    reopen = true;
                }
                ui.add_space(8.0);
                match &newest {
                    Some(backup) => {
                        if ui.button("用最新的备份恢复").clicked() {
                            self.pending_restore = Some(backup.clone());
                        }
                        ui.weak("恢复时当前文件会另存到备份文件夹，不会删除。");
                    }
                    None => {
                        ui.label("没有可用的备份。请关闭本窗口，可以用 --db 指定另一个台账文件。");
                    }
                }
            });
        });
        if reopen {
            self.reopen();
        }
    }

    /// The ledger is open in another window: nothing is wrong with it, so the screen says what
    /// to do (switch to that window) and offers no restore.
    fn open_elsewhere_ui(&mut self, ui: &mut egui::Ui) {
        let mut reopen = false;
        egui::CentralPanel::default().show(ui, |ui| {
            ui.add_space(40.0);
            ui.vertical_centered(|ui| {
                ui.heading("台账已在另一个窗口中打开");
                ui.add_space(12.0);
                ui.label(format!(
                    "请切换到已经打开的“{}”窗口继续工作（在任务栏上点它，或按 Alt+Tab）。",
                    super::state::WINDOW_TITLE
                ));
                ui.label("同一个台账同时只能在一个窗口中修改，这样不会有修改被覆盖。");
                ui.add_space(12.0);
                if ui.button("那个窗口已关闭，重新打开").clicked() {
                    reopen = true;
                }
                ui.add_space(8.0);
                ui.weak(format!("台账文件：{}", self.ledger_path.display()));
            });
        });
        if reopen {
            self.reopen();
        }
    }

    /// The confirmation before a restore, and the restore itself.
    pub(super) fn restore_ui(&mut self, ctx: &egui::Context) {
        let Some(backup) = self.pending_restore.clone() else {
            return;
        };
        let name = backup
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut decision = None;
        egui::Modal::new(egui::Id::unique("restore_confirmation")).show(ctx, |ui| {
            ui.heading("从备份恢复台账");
            ui.label(format!("将用备份“{name}”替换当前台账。"));
            ui.label("当前台账文件会另存到备份文件夹（名称含 before-restore），不会删除。");
            ui.horizontal(|ui| {
                if ui.button("确定恢复").clicked() {
                    decision = Some(true);
                }
                if ui.button("取消").clicked() {
                    decision = Some(false);
                }
            });
        });
        match decision {
            Some(true) => {
                self.pending_restore = None;
                self.restore(&backup);
            }
            Some(false) => self.pending_restore = None,
            None => {}
        }
    }

    /// Opens the ledger file again (after it could not be opened, or after a restore) and
    /// starts from the home page.
    pub(super) fn reopen(&mut self) {
        self.sound_backup = None;
        match open_ledger(&self.ledger_path, self.today, &self.holidays) {
            Ok(open) => {
                self.state = LedgerState::Open(Box::new(open));
                self.messages.clear_errors();
                self.undo.clear();
                self.selection = None;
                self.on_time = None;
                self.page = Page::Home;
            }
            Err(error) => {
                self.open_elsewhere = matches!(error, StoreError::OpenElsewhere { .. });
                self.log.error(&error.log_detail());
                self.state = LedgerState::Failed(error.to_string());
            }
        }
    }

    /// Closes the ledger, puts the backup in its place and opens it again.
    fn restore(&mut self, backup: &Path) {
        self.sound_backup = None;
        // The backup at start reads the file through its own connection: let it finish first.
        self.wait_for_backup();
        // Closing drops the connection (checkpointing the WAL) and the window's lock.
        self.state = LedgerState::Failed("正在恢复…".to_owned());
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
        let restored = crate::store::restore_backup(&self.ledger_path, backup, &stamp);
        self.reopen();
        match restored {
            Ok(aside) => {
                if self.failure().is_none() {
                    self.messages.notice(format!(
                        "已从备份恢复。原来的台账另存为“{}”",
                        aside.display()
                    ));
                }
            }
            Err(error) => {
                let message = format!("恢复失败：{error}");
                self.log.error(&message);
                match &mut self.state {
                    LedgerState::Failed(failure) => *failure = format!("{message} {failure}"),
                    LedgerState::Open(_) => self.messages.error(message),
                }
            }
        }
    }
}
