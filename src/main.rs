//! Taizhang's entry point: parse the command line, then open the window or run one job.

// A GUI program on Windows: no console window when started from Explorer.
#![cfg_attr(windows, windows_subsystem = "windows")]

use std::process::ExitCode;

use taizhang::cli::{self, Job};
use taizhang::logfile::LogFile;
use taizhang::store::Ledger;

fn main() -> ExitCode {
    let invocation = match cli::parse_args(std::env::args().skip(1)) {
        Ok(invocation) => invocation,
        Err(error) => {
            attach_parent_console();
            eprintln!("错误：{error}\n\n{}", cli::USAGE);
            return ExitCode::from(2);
        }
    };
    // Help and the version touch no ledger (not even the default one's folder).
    match invocation.job {
        Some(Job::Help) => {
            attach_parent_console();
            println!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Some(Job::Version) => {
            attach_parent_console();
            println!("{}", taizhang::version_line());
            return ExitCode::SUCCESS;
        }
        _ => {}
    }
    let ledger_path = match invocation.db.clone() {
        Some(path) => path,
        None => {
            // Our own folder for the default ledger is made here; a folder named by --db must
            // already exist.
            let path = taizhang::paths::default_ledger_path();
            if let Some(dir) = path.parent() {
                let _ = taizhang::files::ensure_folder(dir);
            }
            path
        }
    };
    let today = invocation
        .today
        .unwrap_or_else(|| chrono::Local::now().date_naive());

    let Some(job) = invocation.job else {
        // A bug must not close the window without a word: log it and say so.
        taizhang::crash::install(&ledger_path, taizhang::crash::Notice::MessageBox);
        return match taizhang::ui::run(ledger_path, invocation.today) {
            Ok(()) => ExitCode::SUCCESS,
            Err(error) => {
                attach_parent_console();
                eprintln!("无法打开窗口：{error}");
                ExitCode::FAILURE
            }
        };
    };

    attach_parent_console();
    taizhang::crash::install(&ledger_path, taizhang::crash::Notice::Stderr);
    let result = Ledger::open(&ledger_path)
        .map_err(anyhow::Error::from)
        .and_then(|(mut ledger, _)| {
            cli::run(&mut ledger, &job, today, &mut std::io::stdout().lock())
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stops early (`| head`) is not an error of ours.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("错误：{error}");
            LogFile::beside(&ledger_path).error(&log_text(&error));
            ExitCode::FAILURE
        }
    }
}

/// The message with what the OS, SQLite or a reader said beneath it, for the log.
fn log_text(error: &anyhow::Error) -> String {
    if let Some(store) = error.downcast_ref::<taizhang::store::StoreError>() {
        return store.log_detail();
    }
    format!("{error:#}")
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    let kind = error
        .downcast_ref::<std::io::Error>()
        .map(std::io::Error::kind)
        .or_else(|| {
            error
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind)
        });
    kind == Some(std::io::ErrorKind::BrokenPipe)
}

/// On Windows a GUI-subsystem program has no console; when run from cmd, attach to the
/// parent's console so that a command's output appears there.
#[cfg(windows)]
#[allow(unsafe_code)]
fn attach_parent_console() {
    const ATTACH_PARENT_PROCESS: u32 = u32::MAX;
    #[link(name = "kernel32")]
    unsafe extern "system" {
        fn AttachConsole(process_id: u32) -> i32;
    }
    // SAFETY: AttachConsole takes a plain integer and only fails (returning 0) when there is no
    // parent console or one is already attached; both are fine to ignore.
    unsafe {
        AttachConsole(ATTACH_PARENT_PROCESS);
    }
}

#[cfg(not(windows))]
fn attach_parent_console() {}
