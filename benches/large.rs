//! The window on a large ledger (10 plan years, 60 departments, every return with history and
//! an archived file): opening, one frame of every page, switching period, peak memory.
//! Run with `cargo bench --bench large`; the ledger is generated once into the temp folder.
#![expect(clippy::unwrap_used)]

#[path = "support/large.rs"]
mod large;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use taizhang::ui::TaizhangApp;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn peak_memory_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn main() {
    let dir = std::env::temp_dir().join("taizhang-large-v1");
    let path = dir.join("ledger.sqlite");
    if !path.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let partial = dir.join("generating.sqlite");
        let _ = std::fs::remove_file(&partial);
        let started = Instant::now();
        large::generate(&partial);
        std::fs::rename(&partial, &path).unwrap();
        println!("generated the large ledger in {:?}", started.elapsed());
    }
    // Each start adds a backup; start clean so that runs do not pile them up.
    let _ = std::fs::remove_dir_all(dir.join("backups"));
    let size = std::fs::metadata(&path).unwrap().len();
    let today = NaiveDate::from_ymd_opt(2026, 8, 5).unwrap();

    // Opening: lock, open, back up, read everything the pages show.
    let mut opens = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let app = TaizhangApp::open(path.clone(), today);
        opens.push(started.elapsed());
        assert!(app.failure().is_none(), "{:?}", app.failure());
    }
    let backups = taizhang::store::list_backups(&path);
    println!(
        "ledger {} MB; open (lock, open, backup, load): median {:?} over 5; a backup is {} MB",
        size / 1024 / 1024,
        median(opens),
        backups.first().map_or(0, |b| b.size / 1024 / 1024)
    );

    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(move |cc| TaizhangApp::new(cc, path.clone(), today));
    let started = Instant::now();
    harness.run();
    println!("first frames (fonts, home page): {:?}", started.elapsed());

    for page in [
        "首页",
        "日历",
        "工作计划",
        "月度报送",
        "导入报送表",
        "部门清单",
        "总览",
        "催报",
        "进展表",
        "责任部门",
        "设置",
    ] {
        harness.get_by_label(page).click();
        let switched = Instant::now();
        harness.run();
        let first = switched.elapsed();
        let mut frames = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            harness.step();
            frames.push(started.elapsed());
        }
        println!(
            "{page}: first frames {first:?}; one frame median {:?} over 20",
            median(frames)
        );
    }
    for page in ["月度报送", "总览", "进展表"] {
        harness.get_by_label(page).click();
        harness.run();
        let mut switches = Vec::new();
        for _ in 0..4 {
            harness.get_by_label("上月").click();
            let started = Instant::now();
            harness.step();
            switches.push(started.elapsed());
        }
        println!(
            "{page}: switching period, median {:?} over 4",
            median(switches)
        );
    }
    println!("peak memory: {:.0} MB", peak_memory_mb());
}
