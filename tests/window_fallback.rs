//! The real window under Xvfb, with no GPU: it opens through wgpu's software adapter, and when
//! wgpu has no adapter at all (no Vulkan driver) it falls back to OpenGL (glow), saying in the
//! log which renderer runs. Needs Xvfb and Mesa (`.ci/run` installs them).
#![expect(clippy::unwrap_used)]

mod common;

use std::io::BufRead as _;
use std::process::{Child, Command, Stdio};

use common::TempLedger;

/// An Xvfb of its own, stopped when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Self {
        let mut child = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb runs (apt-get install xvfb)");
        let mut number = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut number)
            .unwrap();
        Self {
            child,
            display: format!(":{}", number.trim()),
        }
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

/// Opens the window with these variables; it paints, shows every page and closes. Returns
/// what the log says.
fn open_window(variables: &[(&str, &str)]) -> String {
    let xvfb = Xvfb::start();
    let ledger = TempLedger::new();
    let mut command = Command::new(env!("CARGO_BIN_EXE_taizhang"));
    command
        .arg("--db")
        .arg(&ledger.path)
        .args(["--today", "2019-08-05"])
        .env(taizhang::ui::FIRST_FRAME_PROBE, "1")
        .env("DISPLAY", &xvfb.display)
        .env_remove("WAYLAND_DISPLAY");
    for (name, value) in variables {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains(taizhang::ui::FIRST_FRAME_LINE),
        "the window did not paint: {:?}\n{}\n{}",
        output.status,
        stdout,
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::read_to_string(taizhang::paths::log_path(&ledger.path)).unwrap_or_default()
}

#[test]
fn without_a_vulkan_driver_the_window_opens_with_opengl() {
    let log = open_window(&[
        ("WGPU_BACKEND", "vulkan"),
        ("VK_ICD_FILENAMES", "/nonexistent/icd.json"),
        ("VK_DRIVER_FILES", "/nonexistent/icd.json"),
    ]);
    assert!(log.contains("改用 OpenGL"), "{log}");
    assert!(log.contains("渲染：OpenGL（glow）"), "{log}");
}

#[test]
fn without_a_gpu_the_window_opens_on_a_software_adapter() {
    let log = open_window(&[]);
    assert!(log.contains("渲染：wgpu"), "{log}");
    assert!(!log.contains("改用 OpenGL"), "{log}");
}
