//! The window's background jobs: the backup at start and the sheet export, each on a worker
//! thread so that the window stays live, polled once a frame.

use std::path::PathBuf;

use super::app::{LedgerState, TaizhangApp};
use super::state::ExportDone;
use crate::store::{StartBackup, StoreError};

impl TaizhangApp {
    /// Waits for the backup at start to finish and takes its result (tests and benchmarks;
    /// the window polls instead).
    pub fn wait_for_backup(&mut self) {
        if let LedgerState::Open(open) = &mut self.state
            && let Some(mut job) = open.backup_job.take()
            && let Some(result) = job.wait()
        {
            self.backup_finished(result);
        }
    }

    /// Takes the result of the backup at start once it has finished.
    pub(super) fn poll_backup(&mut self, ctx: &egui::Context) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let Some(job) = &mut open.backup_job else {
            return;
        };
        match job.try_finish() {
            Some(result) => {
                open.backup_job = None;
                self.backup_finished(result);
            }
            None => ctx.request_repaint_after(std::time::Duration::from_millis(200)),
        }
    }

    fn backup_finished(&mut self, result: Result<StartBackup, StoreError>) {
        match result {
            Ok(StartBackup::Made(_)) => {
                if let LedgerState::Open(open) = &mut self.state {
                    open.data.backups = crate::store::list_backups(&self.ledger_path);
                }
            }
            Ok(StartBackup::Unchanged(_)) => {}
            Err(error) => {
                let message = format!("启动时的自动备份失败：{error}");
                self.log.error(&message);
                self.notice = Some(message);
            }
        }
    }
}

/// Writes the sheet's files on a worker thread, so the window stays live.
pub(super) fn start_export(
    sheet: crate::sheet::Sheet,
    plan: crate::model::Plan,
    folder: PathBuf,
    print: bool,
    protected: crate::files::Protected,
) -> std::sync::mpsc::Receiver<Result<ExportDone, String>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let result = (|| {
            crate::files::ensure_folder(&folder).map_err(|e| e.to_string())?;
            let stem = sheet.file_stem();
            let xlsx = folder.join(format!("{stem}.xlsx"));
            let pdf = folder.join(format!("{stem}.pdf"));
            // The command's flow: the same checks, warnings and unanswered rows.
            let export =
                crate::service::export_sheet(&sheet, &plan, Some(&xlsx), Some(&pdf), &protected)
                    .map_err(|e| e.to_string())?;
            Ok(ExportDone {
                xlsx,
                pdf,
                warnings: export.warnings,
                missing: export.missing,
                print,
            })
        })();
        let _ = sender.send(result);
    });
    receiver
}

impl TaizhangApp {
    /// Takes the result of a finished export, if any.
    pub(super) fn poll_export(&mut self, ctx: &egui::Context) {
        let Some(receiver) = &self.export_job else {
            return;
        };
        match receiver.try_recv() {
            Ok(Ok(done)) => {
                self.export_job = None;
                let mut notice = format!("已导出：{}、{}", done.xlsx.display(), done.pdf.display());
                for warning in &done.warnings {
                    notice.push_str(&format!("\n注意：{warning}"));
                }
                if !done.missing.is_empty() {
                    notice.push_str(&format!(
                        "\n尚未报送（{} 行）：{}",
                        done.missing.len(),
                        done.missing.join("；")
                    ));
                }
                self.notice = Some(notice);
                if done.print
                    && let Err(error) = crate::service::open_with_system(&done.pdf)
                {
                    self.show_error(format!("无法打开“{}”打印：{error}", done.pdf.display()));
                }
            }
            Ok(Err(message)) => {
                self.export_job = None;
                self.show_error(message);
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => ctx.request_repaint(),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.export_job = None;
                self.show_error("导出意外中止".to_owned());
            }
        }
    }
}
