//! The window: the app shell and one file per page. Views read the prepared [`AppData`] and
//! emit [`Command`]s; the shell applies them through the ledger's write path.

mod app;
mod apply;
mod calendar_view;
mod chase_view;
mod checklist_view;
mod command;
mod context;
mod departments_view;
mod fonts;
mod home_view;
mod jobs;
mod mail_jobs;
mod mail_view;
mod overview_view;
mod plan_import_view;
mod plan_view;
mod recovery;
mod return_import_view;
mod returns_view;
mod settings_view;
mod sheet_view;
mod state;
mod widgets;

use std::path::PathBuf;

pub use app::TaizhangApp;
pub use command::Command;
pub use command::PlanImport;
pub use fonts::install_fonts;
pub use state::{AppData, Page, Selection, WINDOW_TITLE};

/// Opens the main window on the ledger at `ledger_path` and runs until it is closed. With a
/// fixed `today` (`--today`) the window keeps that date; otherwise it follows the clock.
pub fn run(ledger_path: PathBuf, today: Option<chrono::NaiveDate>) -> eframe::Result {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(WINDOW_TITLE)
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([900.0, 560.0]);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon.png")) {
        viewport = viewport.with_icon(std::sync::Arc::new(icon));
    }
    let options = eframe::NativeOptions {
        viewport,
        ..Default::default()
    };
    let probe = std::env::var_os(FIRST_FRAME_PROBE).is_some();
    eframe::run_native(
        WINDOW_TITLE,
        options,
        Box::new(move |cc| {
            let app = TaizhangApp::new(
                cc,
                ledger_path,
                today.unwrap_or_else(|| chrono::Local::now().date_naive()),
            );
            let app = if today.is_some() {
                app
            } else {
                app.following_the_clock()
            };
            Ok(if probe {
                Box::new(FirstFrameProbe { app, frames: 0 })
            } else {
                Box::new(app)
            })
        }),
    )
}

/// The environment variable that turns on [`FirstFrameProbe`] (for `benches/first_frame.rs`).
pub const FIRST_FRAME_PROBE: &str = "TAIZHANG_FIRST_FRAME_PROBE";

/// The line the probe prints once the first frame is on screen.
pub const FIRST_FRAME_LINE: &str = "taizhang: first frame painted";

/// The line the probe prints after it has shown every page, with the process's peak memory.
pub const PEAK_MEMORY_LINE: &str = "taizhang: peak memory (KB)";

/// Measures start-up: the window prints [`FIRST_FRAME_LINE`] on stdout when the first frame
/// has been painted (that is, when the second frame begins), then shows every page once,
/// prints [`PEAK_MEMORY_LINE`] with the peak resident memory (Linux), and closes as the user
/// would.
struct FirstFrameProbe {
    app: TaizhangApp,
    frames: usize,
}

impl eframe::App for FirstFrameProbe {
    fn raw_input_hook(&mut self, ctx: &egui::Context, raw_input: &mut egui::RawInput) {
        use std::io::Write as _;
        // Called once per painted frame, before its passes; `ui` may run twice in one frame.
        self.frames += 1;
        let mut out = std::io::stdout().lock();
        if self.frames == 2 {
            let _ = writeln!(out, "{FIRST_FRAME_LINE}");
        }
        if let Some(page) = self.frames.checked_sub(2).and_then(|i| Page::ALL.get(i)) {
            self.app.apply(Command::OpenPage(*page));
        } else if self.frames > 2 {
            let peak = std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|status| {
                    status
                        .lines()
                        .find_map(|line| line.strip_prefix("VmHWM:"))
                        .map(|value| value.trim().trim_end_matches(" kB").to_owned())
                })
                .unwrap_or_default();
            let _ = writeln!(out, "{PEAK_MEMORY_LINE} {peak}");
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
        let _ = out.flush();
        self.app.raw_input_hook(ctx, raw_input);
    }

    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.app.ui(ui, frame);
        // Without input the window would wait: ask for the second frame at once.
        ui.ctx().request_repaint();
    }

    fn on_exit(&mut self) {
        self.app.on_exit();
    }
}
