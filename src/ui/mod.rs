//! The window: the app shell and one file per page. Views read the prepared [`AppData`] and
//! emit [`Command`]s; the shell applies them through the ledger's write path.

mod app;
mod calendar_view;
mod chase_view;
mod checklist_view;
mod departments_view;
mod fonts;
mod home_view;
mod import_returns_view;
mod import_view;
mod overview_view;
mod plan_view;
mod returns_view;
mod settings_view;
mod sheet_view;
mod widgets;

use std::path::PathBuf;

pub use app::{AppData, Command, Page, Selection, TaizhangApp, WINDOW_TITLE};
pub use fonts::install_fonts;
pub use import_view::PlanImport;

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
    eframe::run_native(
        WINDOW_TITLE,
        options,
        Box::new(move |cc| {
            let app = TaizhangApp::new(
                cc,
                ledger_path,
                today.unwrap_or_else(|| chrono::Local::now().date_naive()),
            );
            Ok(Box::new(if today.is_some() {
                app
            } else {
                app.following_the_clock()
            }))
        }),
    )
}
