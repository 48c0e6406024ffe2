//! A bug in the window (a panic) on purpose, after an edit: the edit is already in the ledger,
//! the report is in `taizhang.log`, and the message says what happened and where the log is.
//! Its own test binary: the panic hook is process-wide.
#![expect(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{TempLedger, taizhang, today};
use egui_kittest::kittest::Queryable as _;
use taizhang::store::Ledger;
use taizhang::ui::TaizhangApp;

/// The real app, made to panic in its next frame when `fail` is set.
struct FailingApp {
    app: TaizhangApp,
    fail: Arc<AtomicBool>,
}

impl eframe::App for FailingApp {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        self.app.ui(ui, frame);
        assert!(!self.fail.load(Ordering::Relaxed), "a bug on purpose");
    }
}

#[test]
fn a_panic_after_an_edit_loses_nothing_and_is_reported() {
    let temp = TempLedger::new();
    taizhang::crash::install(&temp.path, taizhang::crash::Notice::Stderr);
    let fail = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&fail);
    let path = temp.path.clone();
    let mut harness = egui_kittest::Harness::builder()
        .with_size([1280.0, 860.0])
        .build_eframe(move |cc| FailingApp {
            app: TaizhangApp::new(cc, path, today()),
            fail: flag,
        });
    harness.run();
    harness.get_by_label("设置").click();
    harness.run();
    let phone = harness.get_by_label("联系电话");
    phone.focus();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_label("联系电话").type_text("0772-5550000");
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run();

    fail.store(true, Ordering::Relaxed);
    let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| harness.step()));
    assert!(crashed.is_err());
    drop(std::panic::catch_unwind(std::panic::AssertUnwindSafe(
        move || drop(harness),
    )));

    // The edit was saved when it was made.
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    assert_eq!(ledger.settings().unwrap().phone, "0772-5550000");
    // The report is in the log, with the message and the place.
    let log = std::fs::read_to_string(taizhang::paths::log_path(&temp.path)).unwrap();
    assert!(log.contains("程序意外出错"), "{log}");
    assert!(log.contains("a bug on purpose"), "{log}");
    assert!(log.contains("crash.rs"), "{log}");
    let message = taizhang::crash::message(&taizhang::paths::log_path(&temp.path));
    assert!(message.contains("都已保存"));
    assert!(message.contains("taizhang.log"));
}

#[test]
fn the_version_is_one_line() {
    let output = taizhang(&["--version"]);
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(text.lines().count(), 1);
    assert!(text.starts_with(&format!("taizhang {}", env!("CARGO_PKG_VERSION"))));
    assert!(text.contains("构建于 20"), "{text}");
}
