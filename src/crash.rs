//! What happens when the program meets a bug (a panic). On Windows the program has no console,
//! so without this a panic would close the window without a word. The hook writes the report
//! (message, place, backtrace) to `taizhang.log` beside the ledger and, for the window, shows a
//! Chinese message box saying what happened and where the log is. Nothing typed is lost: every
//! edit was saved when it was made.

use std::path::{Path, PathBuf};

/// Whether the hook shows a message box (the window) or only writes the log and stderr (a
/// command, a test).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    MessageBox,
    Stderr,
}

/// The message the user reads.
pub fn message(log: &Path) -> String {
    format!(
        "台账程序遇到意外错误，需要关闭。\n\n之前输入的内容在输入时都已保存，不会丢失。重新打开台账即可继续工作。\n\n错误详情已写入：\n{}\n\n如问题反复出现，请把这个文件发给维护人员。",
        log.display()
    )
}

/// The report written to the log for a panic.
pub fn report(info: &std::panic::PanicHookInfo<'_>) -> String {
    let payload = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "（无说明）".to_owned());
    let place = info
        .location()
        .map(|l| format!("{}:{}", l.file(), l.line()))
        .unwrap_or_default();
    let backtrace = std::backtrace::Backtrace::force_capture();
    format!(
        "程序意外出错（panic），版本 {}：{payload}，位置 {place}\n{backtrace}",
        crate::version_line()
    )
}

thread_local! {
    /// Set while a panic would be caught and turned into an error (see [`catching`]).
    static CAUGHT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, turning a panic inside it into `Err` (a reader's bug becomes that file's error).
/// The hook still logs the report, but shows no message: the program goes on.
pub fn catching<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    let outer = CAUGHT.with(|c| c.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CAUGHT.with(|c| c.set(outer));
    result
}

/// Installs the hook for the ledger at `ledger_path`. Panics caught on purpose (a damaged
/// spreadsheet's reader, inside `catch_unwind`) are logged too; the message box is shown only
/// for a panic on the window's own thread, which ends the program.
pub fn install(ledger_path: &Path, notice: Notice) {
    let log = crate::logfile::LogFile::beside(ledger_path);
    let log_path: PathBuf = log.path().to_owned();
    let main_thread = std::thread::current().id();
    std::panic::set_hook(Box::new(move |info| {
        log.error(&report(info));
        if CAUGHT.with(std::cell::Cell::get) {
            return;
        }
        let fatal = std::thread::current().id() == main_thread;
        match notice {
            Notice::MessageBox if fatal => {
                let _ = rfd::MessageDialog::new()
                    .set_level(rfd::MessageLevel::Error)
                    .set_title("台账 - 意外错误")
                    .set_description(message(&log_path))
                    .set_buttons(rfd::MessageButtons::Ok)
                    .show();
            }
            _ => eprintln!("{}", message(&log_path)),
        }
    }));
}
