//! The window: the app shell and one file per page. Views read the prepared [`AppData`] and
//! emit [`Command`]s; the shell applies them through the ledger's write path.

mod app;
mod apply;
mod apply_files;
mod apply_mail;
mod apply_month;
mod apply_writes;
mod calendar_view;
mod chase_view;
mod checklist_view;
mod code_prompt;
mod command;
mod context;
mod departments_view;
mod fonts;
mod home_view;
mod indicators_view;
mod job_results;
mod jobs;
mod mail_jobs;
mod mail_view;
mod messages;
mod open_ledger;
mod overview_view;
mod plan_import_view;
mod plan_view;
mod recovery;
mod return_import_view;
mod returns_view;
mod send_job;
mod settings_view;
mod sheet_send_view;
mod sheet_view;
mod state;
mod watch;

/// The window's context, for worker threads to wake it when they have news (the newest
/// window's when a test opens several).
static WAKER: std::sync::Mutex<Option<egui::Context>> = std::sync::Mutex::new(None);

/// Sets the context workers wake.
pub(crate) fn set_waker(ctx: &egui::Context) {
    if let Ok(mut waker) = WAKER.lock() {
        *waker = Some(ctx.clone());
    }
}

/// Wakes the window (a worker has news); nothing without a window.
pub(crate) fn wake() {
    if let Ok(waker) = WAKER.lock()
        && let Some(ctx) = waker.as_ref()
    {
        ctx.request_repaint();
    }
}

/// How often a running job is looked at when no wake came (a wake lost is a second late,
/// never missed).
pub(crate) const JOB_FALLBACK: std::time::Duration = std::time::Duration::from_secs(1);
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
    let log = crate::logfile::LogFile::beside(&ledger_path);
    // `TAIZHANG_RENDERER=glow` starts with OpenGL at once (for a PC known to need it).
    let forced_glow =
        std::env::var(RENDERER_VARIABLE).is_ok_and(|v| v.eq_ignore_ascii_case("glow"));
    let started = std::rc::Rc::new(std::cell::Cell::new(false));
    if !forced_glow {
        let result = run_with(
            eframe::Renderer::Wgpu,
            &ledger_path,
            today,
            &log,
            std::rc::Rc::clone(&started),
        );
        match result {
            // The window opened and closed, or failed after it had opened: nothing to retry.
            Ok(()) => return Ok(()),
            Err(error) if started.get() => return Err(error),
            Err(error) => log.write(
                "信息",
                &format!("无法用 wgpu 打开窗口（{error}），改用 OpenGL（glow）"),
            ),
        }
    }
    log.write("信息", "渲染：OpenGL（glow）");
    run_with(eframe::Renderer::Glow, &ledger_path, today, &log, started)
}

/// The environment variable that chooses the renderer (`glow`).
pub const RENDERER_VARIABLE: &str = "TAIZHANG_RENDERER";

/// wgpu's adapter: a hardware GPU when there is one, else a software adapter (WARP on DX12,
/// llvmpipe/lavapipe), logged; none gives an error, and the window falls back to OpenGL.
fn wgpu_options(log: crate::logfile::LogFile) -> eframe::egui_wgpu::WgpuConfiguration {
    use eframe::egui_wgpu::{WgpuConfiguration, WgpuSetup, WgpuSetupCreateNew};
    use eframe::wgpu::DeviceType;
    let mut setup = WgpuSetupCreateNew::without_display_handle();
    setup.native_adapter_selector = Some(std::sync::Arc::new(move |adapters, surface| {
        let usable: Vec<&eframe::wgpu::Adapter> = adapters
            .iter()
            .filter(|a| surface.is_none_or(|s| a.is_surface_supported(s)))
            .collect();
        let hardware = usable.iter().copied().find(|a| {
            matches!(
                a.get_info().device_type,
                DeviceType::DiscreteGpu | DeviceType::IntegratedGpu
            )
        });
        let chosen = hardware
            .or_else(|| usable.first().copied())
            .ok_or_else(|| "没有可用于这个窗口的图形适配器".to_owned())?;
        let info = chosen.get_info();
        log.write(
            "信息",
            &format!(
                "渲染：wgpu，{}（{:?}，{:?}）",
                info.name, info.device_type, info.backend
            ),
        );
        Ok(chosen.clone())
    }));
    WgpuConfiguration {
        wgpu_setup: WgpuSetup::CreateNew(setup),
        ..WgpuConfiguration::default()
    }
}

fn run_with(
    renderer: eframe::Renderer,
    ledger_path: &std::path::Path,
    today: Option<chrono::NaiveDate>,
    log: &crate::logfile::LogFile,
    started: std::rc::Rc<std::cell::Cell<bool>>,
) -> eframe::Result {
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(WINDOW_TITLE)
        .with_inner_size([1280.0, 800.0])
        .with_min_inner_size([900.0, 560.0]);
    if let Ok(icon) = eframe::icon_data::from_png_bytes(include_bytes!("../../assets/icon.png")) {
        viewport = viewport.with_icon(std::sync::Arc::new(icon));
    }
    let options = eframe::NativeOptions {
        viewport,
        renderer,
        wgpu_options: wgpu_options(log.clone()),
        // The event loop is kept for a second try with the other renderer.
        run_and_return: true,
        // Our own fallback (ui::fonts, src/system_fonts.rs) asks for Simplified Chinese
        // faces whatever the system's language; eframe's would pick by the locale.
        system_font_fallback: false,
        ..Default::default()
    };
    let probe = std::env::var_os(FIRST_FRAME_PROBE).is_some();
    let ledger_path = ledger_path.to_path_buf();
    eframe::run_native(
        WINDOW_TITLE,
        options,
        Box::new(move |cc| {
            started.set(true);
            let app = TaizhangApp::new(
                cc,
                ledger_path,
                today.unwrap_or_else(|| chrono::Local::now().date_naive()),
            )
            .waking(&cc.egui_ctx);
            let app = if today.is_some() {
                app
            } else {
                app.following_the_clock()
            };
            Ok(if probe {
                Box::new(FirstFrameProbe {
                    app,
                    frames: 0,
                    timing: std::env::var_os(FRAME_TIME_PROBE).map(|_| FrameTiming::default()),
                })
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

/// With [`FIRST_FRAME_PROBE`], also time each page's frames (for `benches/first_frame.rs`).
pub const FRAME_TIME_PROBE: &str = "TAIZHANG_FRAME_TIME_PROBE";

/// The line the probe prints for each page with [`FRAME_TIME_PROBE`]: the page's name, then
/// the median and the 90th percentile of its frame times in microseconds.
pub const FRAME_TIME_LINE: &str = "taizhang: frame time";

/// Frames given to a page before its frames are timed (its caches fill), and frames timed.
const FRAME_WARM_UP: usize = 5;
const FRAMES_TIMED: usize = 30;

/// Each page's frames, one after another, painted back to back: the time from one frame's
/// start to the next one's is the whole frame (the app, tessellation, painting, the swap).
#[derive(Default)]
struct FrameTiming {
    page: usize,
    frames_on_page: usize,
    last: Option<std::time::Instant>,
    samples: Vec<std::time::Duration>,
}

/// Measures start-up: the window prints [`FIRST_FRAME_LINE`] on stdout when the first frame
/// has been painted (that is, when the second frame begins), then shows every page once,
/// prints [`PEAK_MEMORY_LINE`] with the peak resident memory (Linux), and closes as the user
/// would.
struct FirstFrameProbe {
    app: TaizhangApp,
    frames: usize,
    timing: Option<FrameTiming>,
}

impl FirstFrameProbe {
    /// With [`FRAME_TIME_PROBE`]: opens each page in turn and times its frames; `true` while
    /// pages remain.
    fn time_pages(&mut self, out: &mut impl std::io::Write) -> bool {
        let Some(timing) = self.timing.as_mut() else {
            return false;
        };
        let now = std::time::Instant::now();
        let Some(page) = Page::ALL.get(timing.page) else {
            return false;
        };
        if timing.frames_on_page == 0 {
            self.app.apply(Command::OpenPage(*page));
        } else if timing.frames_on_page > FRAME_WARM_UP
            && let Some(last) = timing.last
        {
            timing.samples.push(now - last);
        }
        timing.last = Some(now);
        timing.frames_on_page += 1;
        if timing.samples.len() == FRAMES_TIMED {
            timing.samples.sort();
            let micros = |d: std::time::Duration| d.as_micros();
            let _ = writeln!(
                out,
                "{FRAME_TIME_LINE} {} {} {}",
                page.label(),
                micros(timing.samples[FRAMES_TIMED / 2]),
                micros(timing.samples[FRAMES_TIMED * 9 / 10]),
            );
            timing.page += 1;
            timing.frames_on_page = 0;
            timing.samples.clear();
        }
        true
    }
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
        if self.frames >= 2 && self.time_pages(&mut out) {
            // Timing the pages' frames.
        } else if let Some(page) = self.frames.checked_sub(2).and_then(|i| Page::ALL.get(i)) {
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

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        self.app.on_exit(None);
    }
}
