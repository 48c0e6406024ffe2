//! The window's background work that is not mail: the backup at start, the sheet export and
//! reading a plan file for the import preview. Each runs on a worker thread so that the
//! window stays live; polled, a job says how it ended ([`JobEnd`]) and knows nothing of the
//! window. The mail jobs are in [`super::mail_jobs`].

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError};

use crate::store::{StartBackup, StoreError};

/// How a job ended, for the window to show.
#[derive(Debug, PartialEq, Eq)]
pub enum JobEnd {
    /// Done, nothing to say; what it changed is reloaded.
    Quiet,
    /// All went as asked.
    Notice(String),
    /// Worth saying but not an error (shown as a notice, written to the log).
    Warning(String),
    /// Something the user must read: (message, detail for the log).
    Problem(String, String),
}

/// A closure run on a worker thread, its result taken once it is ready.
pub struct Worker<T> {
    receiver: Receiver<T>,
}

/// A worker that ended without a result (it panicked).
#[derive(Debug)]
pub struct WorkerLost;

impl<T: Send + 'static> Worker<T> {
    /// Runs `work` on a thread called `name`. A thread the system cannot start ends the
    /// worker at once ([`WorkerLost`] when polled).
    pub fn spawn(name: &str, work: impl FnOnce() -> T + Send + 'static) -> Self {
        let (sender, receiver) = std::sync::mpsc::channel();
        let _ = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let _ = sender.send(work());
                super::wake();
            });
        Self { receiver }
    }

    /// The result once the worker has finished, else `None`.
    pub fn poll(&mut self) -> Option<Result<T, WorkerLost>> {
        match self.receiver.try_recv() {
            Ok(result) => Some(Ok(result)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(WorkerLost)),
        }
    }
}

/// What the backup at start ended with.
pub fn backup_end(result: Result<StartBackup, StoreError>) -> JobEnd {
    match result {
        Ok(StartBackup::Made(_)) | Ok(StartBackup::Unchanged(_)) => JobEnd::Quiet,
        Err(error) => JobEnd::Warning(format!("启动时的自动备份失败：{error}")),
    }
}

/// A finished export: the files written and what to check.
#[derive(Debug)]
struct ExportDone {
    xlsx: PathBuf,
    pdf: PathBuf,
    warnings: Vec<String>,
    /// Rows some department has not answered yet (`编号：部门尚未报送`).
    missing: Vec<String>,
}

/// The sheet's files being written on a worker, by the command's flow
/// ([`crate::service::export_sheet`]).
pub struct ExportJob {
    worker: Worker<Result<ExportDone, String>>,
    /// Open the PDF to print once it is written.
    print: bool,
}

impl ExportJob {
    pub fn start(
        sheet: crate::sheet::Sheet,
        plan: crate::model::Plan,
        folder: PathBuf,
        print: bool,
        protected: crate::files::Protected,
    ) -> Self {
        let worker = Worker::spawn("sheet-export", move || {
            crate::files::ensure_folder(&folder).map_err(|e| e.to_string())?;
            let stem = sheet.file_stem();
            let xlsx = folder.join(format!("{stem}.xlsx"));
            let pdf = folder.join(format!("{stem}.pdf"));
            let export =
                crate::service::export_sheet(&sheet, &plan, Some(&xlsx), Some(&pdf), &protected)
                    .map_err(|e| e.to_string())?;
            Ok(ExportDone {
                xlsx,
                pdf,
                warnings: export.warnings,
                missing: export.missing,
            })
        });
        Self { worker, print }
    }

    /// How the export ended, once it has; opens the PDF to print when asked.
    pub fn poll(&mut self) -> Option<JobEnd> {
        Some(match self.worker.poll()? {
            Ok(Ok(done)) => {
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
                if self.print
                    && let Err(error) = crate::service::open_with_system(&done.pdf)
                {
                    let message =
                        format!("{notice}\n无法打开“{}”打印：{error}", done.pdf.display());
                    return Some(JobEnd::Problem(message.clone(), message));
                }
                JobEnd::Notice(notice)
            }
            Ok(Err(message)) => JobEnd::Problem(message.clone(), message),
            Err(WorkerLost) => {
                JobEnd::Problem("导出意外中止".to_owned(), "导出意外中止".to_owned())
            }
        })
    }
}

/// A plan file read for the import preview: its name, bytes and document.
pub struct PlanFile {
    pub name: String,
    pub bytes: Vec<u8>,
    pub document: crate::service::PlanDocument,
}

/// Reads a plan file on a worker: a large `.docx` or `.xlsx` never freezes the window. The
/// same reading as `import-plan` ([`crate::service::read_plan_document`]).
pub fn read_plan_file(path: PathBuf) -> Worker<Result<PlanFile, String>> {
    Worker::spawn("plan-file-reader", move || {
        let (bytes, document) =
            crate::service::read_plan_file(&path).map_err(|error| match error {
                crate::service::PlanFileError::File(error) => {
                    format!("无法读取“{}”：{error}", path.display())
                }
                other => other.to_string(),
            })?;
        Ok(PlanFile {
            name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            bytes,
            document,
        })
    })
}

/// The 督察台账 being written on a worker (the command's flow, [`crate::service::write_binder`])
/// through a connection of its own to the ledger; how far it has come, for the window.
pub struct BinderJob {
    worker: Worker<Result<crate::service::BinderReport, String>>,
    progress: std::sync::Arc<std::sync::Mutex<Option<crate::service::Progress>>>,
    /// The progress line shown last (taken back when it changes).
    pub shown: Option<String>,
}

impl BinderJob {
    pub fn start(
        ledger_path: PathBuf,
        plan_id: i64,
        out: PathBuf,
        today: chrono::NaiveDate,
    ) -> Self {
        let progress = std::sync::Arc::new(std::sync::Mutex::new(None));
        let shared = std::sync::Arc::clone(&progress);
        let worker = Worker::spawn("binder-writer", move || {
            let (ledger, _) =
                crate::store::Ledger::open(&ledger_path).map_err(|e| e.to_string())?;
            crate::service::write_binder(&ledger, plan_id, &out, false, today, &mut |p| {
                if let Ok(mut slot) = shared.lock() {
                    *slot = Some(p);
                }
            })
            .map_err(|e| e.to_string())
        });
        Self {
            worker,
            progress,
            shown: None,
        }
    }

    /// `正在写出督察台账：120/480 个文件` while it runs.
    pub fn progress_line(&self) -> Option<String> {
        let progress = self.progress.lock().ok()?.clone()?;
        Some(format!(
            "正在写出督察台账：{}/{} 个文件",
            progress.done, progress.total
        ))
    }

    /// How it ended, once it has; opens the folder.
    pub fn poll(&mut self) -> Option<JobEnd> {
        Some(match self.worker.poll()? {
            Ok(Ok(report)) => {
                let mut notice = format!(
                    "已写出督察台账“{}”：{} 个任务文件夹，{} 个文件（含 索引.xlsx 和 索引.pdf），可复制到U盘。",
                    report.out.display(),
                    report.tasks,
                    report.files
                );
                if report.returns_received == 0 {
                    notice.push_str("该计划尚无报送。");
                }
                for warning in &report.warnings {
                    notice.push_str(&format!("\n注意：{warning}"));
                }
                if let Err(error) = crate::service::open_with_system(&report.out) {
                    notice.push_str(&format!(
                        "\n未能打开该文件夹（{}）。",
                        crate::files::io_phrase(&error)
                    ));
                }
                JobEnd::Notice(notice)
            }
            Ok(Err(message)) => JobEnd::Problem(message.clone(), message),
            Err(WorkerLost) => JobEnd::Problem(
                "写出督察台账时意外中止".to_owned(),
                "写出督察台账时意外中止".to_owned(),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    fn finished<T: Send + 'static>(mut worker: Worker<T>) -> Result<T, WorkerLost> {
        for _ in 0..500 {
            if let Some(result) = worker.poll() {
                return result;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        panic!("the worker never ended");
    }

    #[test]
    fn a_worker_gives_its_result_once_done() {
        let (go, wait) = std::sync::mpsc::channel::<()>();
        let mut worker = Worker::spawn("test-worker", move || {
            wait.recv().unwrap();
            42
        });
        assert!(worker.poll().is_none(), "not before it is done");
        go.send(()).unwrap();
        assert_eq!(finished(worker).unwrap(), 42);
    }

    #[test]
    fn a_plan_file_that_cannot_be_read_says_so() {
        let dir = std::env::temp_dir().join(format!("taizhang-jobs-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("没有这个文件.docx");
        let message = finished(read_plan_file(missing)).unwrap().err().unwrap();
        assert!(message.starts_with("无法读取"), "{message}");
        let fifo_like = dir.clone();
        let message = finished(read_plan_file(fifo_like)).unwrap().err().unwrap();
        assert!(message.starts_with("无法读取"), "{message}");
        let text = dir.join("计划.txt");
        std::fs::write(&text, "2020年工作计划\n一、总体要求\n").unwrap();
        let file = finished(read_plan_file(text)).unwrap().unwrap();
        assert_eq!(file.name, "计划.txt");
        assert!(file.document.text.contains("总体要求"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
