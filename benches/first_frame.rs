//! Process start to first painted frame, in a real window: the release binary is started with
//! `TAIZHANG_FIRST_FRAME_PROBE` set, prints a line once its first frame is on screen, and
//! closes. Measured on the seeded ledger and on the large generated one.
//!
//! With `TAIZHANG_BENCH_COLD=1` (and root) each start also runs once after the kernel's page
//! cache was dropped (`/proc/sys/vm/drop_caches`): the binary, the fonts and the ledger come
//! from disk, as on the first start of the day.
//!
//! Needs a display: without `DISPLAY` it starts an Xvfb itself (Debian package `xvfb`; the
//! renderer is then Mesa's software one). Run with `cargo bench --bench first_frame`.
#![expect(clippy::unwrap_used)]

#[path = "support/large.rs"]
mod large;

use std::io::BufRead as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 7;

fn main() {
    let (display, _xvfb) = ensure_display();
    // `TAIZHANG_BINARY=target/dist/taizhang` measures another build (the installer's profile).
    let chosen = std::env::var("TAIZHANG_BINARY").ok();
    let binary = chosen.as_deref().unwrap_or(env!("CARGO_BIN_EXE_taizhang"));
    println!("binary: {binary}");

    let seeded_dir = std::env::temp_dir().join("taizhang-first-frame");
    let _ = std::fs::remove_dir_all(&seeded_dir);
    std::fs::create_dir_all(&seeded_dir).unwrap();
    let seeded = seeded_dir.join("ledger.sqlite");
    // The very first start creates and seeds the ledger.
    let (created, _) = first_frame(binary, &display, &seeded);
    println!("new ledger (created and seeded at start): {created:?}");
    report("seeded 2019 ledger", binary, &display, &seeded);

    let large = large::ensure();
    let _ = std::fs::remove_dir_all(large.parent().unwrap().join("backups"));
    report(
        &format!(
            "large ledger ({} MB)",
            std::fs::metadata(&large).unwrap().len() / 1024 / 1024
        ),
        binary,
        &display,
        &large,
    );
}

fn report(what: &str, binary: &str, display: &str, ledger: &Path) {
    let frames = frame_times(binary, display, ledger);
    assert_eq!(frames.len(), taizhang::ui::Page::ALL.len(), "{frames:?}");
    println!(
        "{what}: each page's frame time at 1280×800 (median / 90th percentile of {} frames):",
        30
    );
    for (page, median, p90) in &frames {
        println!(
            "  {page}: {:.1} ms / {:.1} ms",
            *median as f64 / 1000.0,
            *p90 as f64 / 1000.0
        );
    }
    let runs: Vec<(Duration, u64)> = (0..RUNS)
        .map(|_| first_frame(binary, display, ledger))
        .collect();
    let mut times: Vec<Duration> = runs.iter().map(|r| r.0).collect();
    times.sort();
    println!(
        "{what}: process start to first painted frame, median {:?} over {RUNS} (min {:?}, max {:?}); peak memory after showing every page {} MB",
        times[RUNS / 2],
        times[0],
        times[RUNS - 1],
        runs.iter().map(|r| r.1).max().unwrap_or(0)
    );
    if std::env::var_os("TAIZHANG_BENCH_COLD").is_some() {
        let mut cold: Vec<Duration> = (0..3)
            .map(|_| {
                drop_page_cache();
                first_frame(binary, display, ledger).0
            })
            .collect();
        cold.sort();
        println!(
            "{what}, page cache dropped before each start: median {:?} over 3 (min {:?}, max {:?})",
            cold[1], cold[0], cold[2]
        );
    }
}

fn drop_page_cache() {
    let synced = Command::new("sync").status().is_ok_and(|s| s.success());
    let dropped = std::fs::write("/proc/sys/vm/drop_caches", "3").is_ok();
    assert!(
        synced && dropped,
        "TAIZHANG_BENCH_COLD needs root to drop the page cache"
    );
}

/// Starts the app and returns the time until it says its first frame was painted, and its
/// peak memory in MB after it has shown every page.
fn first_frame(binary: &str, display: &str, ledger: &Path) -> (Duration, u64) {
    let (elapsed, peak, _) = probe(binary, display, ledger, false);
    (elapsed, peak)
}

/// Each page's frame times under the display's renderer (Mesa's llvmpipe under Xvfb) at the
/// window's size, 1280×800: (page, median µs, 90th percentile µs).
fn frame_times(binary: &str, display: &str, ledger: &Path) -> Vec<(String, u64, u64)> {
    probe(binary, display, ledger, true).2
}

fn probe(
    binary: &str,
    display: &str,
    ledger: &Path,
    timed: bool,
) -> (Duration, u64, Vec<(String, u64, u64)>) {
    let started = Instant::now();
    let mut command = Command::new(binary);
    if timed {
        command.env(taizhang::ui::FRAME_TIME_PROBE, "1");
    }
    let mut child = command
        .arg("--db")
        .arg(ledger)
        .args(["--today", "2026-08-05"])
        .env(taizhang::ui::FIRST_FRAME_PROBE, "1")
        .env("DISPLAY", display)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufReader::new(stdout).lines();
    let elapsed = loop {
        match lines.next() {
            Some(Ok(line)) if line == taizhang::ui::FIRST_FRAME_LINE => break started.elapsed(),
            Some(Ok(_)) => {}
            _ => {
                let mut error = String::new();
                let _ =
                    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut error);
                panic!(
                    "the window ended without painting: {:?}\n{error}",
                    child.wait()
                )
            }
        }
    };
    // The probe shows every page, says its peak memory and closes the window.
    let mut peak = None;
    let mut frames = Vec::new();
    for line in lines.map_while(Result::ok) {
        if let Some(value) = line.strip_prefix(taizhang::ui::PEAK_MEMORY_LINE) {
            peak = value.trim().parse::<u64>().ok();
        }
        if let Some(value) = line.strip_prefix(taizhang::ui::FRAME_TIME_LINE) {
            let parts: Vec<&str> = value.split_whitespace().collect();
            if let [page, median, p90] = parts[..] {
                frames.push((
                    page.to_owned(),
                    median.parse().unwrap(),
                    p90.parse().unwrap(),
                ));
            }
        }
    }
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    (
        elapsed,
        peak.expect("the probe says its peak memory") / 1024,
        frames,
    )
}

/// Kills the Xvfb started here when the benchmark ends.
struct Xvfb(Child);

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM, so that the server removes its socket and lock file.
        let _ = Command::new("kill").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

/// The display the app is started on: `DISPLAY`, or an Xvfb started here (kept alive by the
/// returned guard).
fn ensure_display() -> (String, Option<Xvfb>) {
    if let Ok(display) = std::env::var("DISPLAY") {
        return (display, None);
    }
    // `-displayfd 1`: Xvfb picks a free display and writes its number on stdout once it
    // accepts connections.
    let mut child = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1280x800x24",
            "-nolisten",
            "tcp",
            "-noreset",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("no DISPLAY and no Xvfb: install the Debian package xvfb");
    let mut number = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut number)
        .unwrap();
    (format!(":{}", number.trim()), Some(Xvfb(child)))
}
