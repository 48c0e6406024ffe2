//! The year closed on the large ledger (10 plan years, 60 departments, every return with
//! history and a 10 KB archived file): the 考核, the 工作总结 and the 督察台账 of one full year.
//! Targets (issue 35): assessment < 200 ms, summary < 1 s, binder of one year < 10 s and
//! < 300 MB. The binder runs as the real command, its time and peak memory taken by
//! `/usr/bin/time`. Run with `cargo bench --bench year_close`.
#![expect(clippy::unwrap_used)]

#[path = "support/large.rs"]
mod large;

use std::time::{Duration, Instant};

use chrono::NaiveDate;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let path = large::ensure();
    let today = NaiveDate::from_ymd_opt(2026, 8, 5).unwrap();
    let (ledger, _) = taizhang::store::Ledger::open(&path).unwrap();
    let plan_id = taizhang::service::plan_of_year(&ledger, 2025, None).unwrap();

    let mut times = Vec::new();
    let mut departments = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let assessment = taizhang::service::assessment_of_plan(&ledger, plan_id, today).unwrap();
        times.push(started.elapsed());
        departments = assessment.departments.len();
    }
    println!(
        "assessment of 2025 ({departments} departments): median {:?} over 5 (target < 200 ms)",
        median(times)
    );

    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..3 {
        let started = Instant::now();
        let summary = taizhang::service::summary_of_plan(&ledger, plan_id, today).unwrap();
        let bytes = taizhang::report::docx::docx_bytes(
            &summary.title(),
            &taizhang::report::summary::paragraphs(&summary),
        )
        .unwrap();
        times.push(started.elapsed());
        size = bytes.len();
    }
    println!(
        "summary of 2025 as .docx ({} KB): median {:?} over 3 (target < 1 s)",
        size / 1024,
        median(times)
    );
    drop(ledger);

    let work = tempfile::tempdir().unwrap();
    for run in 0..2 {
        let out = work.path().join(format!("binder-{run}"));
        let output = std::process::Command::new("/usr/bin/time")
            .args(["-f", "%e s, %M KB"])
            .arg(env!("CARGO_BIN_EXE_taizhang"))
            .args(["--db", path.to_str().unwrap(), "--today", "2026-08-05"])
            .args(["binder", "--plan", &plan_id.to_string(), "--out"])
            .arg(&out)
            .arg("--json")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let measured = String::from_utf8_lossy(&output.stderr)
            .lines()
            .last()
            .unwrap_or_default()
            .to_owned();
        println!(
            "binder of 2025: {} task folders, {} files, {} MB, {} index lines: {measured} (target < 10 s, < 300 MB)",
            report["tasks"],
            report["files"],
            report["bytes"].as_u64().unwrap_or(0) / 1024 / 1024,
            report["index_rows"],
        );
    }
}
