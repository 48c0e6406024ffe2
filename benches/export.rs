//! Export of the month's progress sheet: 31 rows with long texts, XLSX and PDF.
//! Run with `cargo bench --bench export` (release build); prints medians.
#![expect(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use taizhang::returns::{ReturnSource, RowKey, RowWrite};
use taizhang::schedule::Period;
use taizhang::sheet::{build_sheet, write_pdf, write_xlsx};
use taizhang::store::Ledger;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ledger, _) = Ledger::open(&dir.path().join("bench.sqlite")).unwrap();
    let period = Period::new(2019, 7).unwrap();
    let plan = ledger.focused_plan().unwrap();
    // Every department answers every row with about 300 characters.
    let text = "本月继续推进土壤污染防治各项工作，完成重点监管企业周边土壤监测点位布设，开展涉镉等重金属重点行业企业排查整治，督促企业落实土壤污染防治主体责任；组织召开专题会议2次，印发工作通知3份，开展现场检查15家次，发现问题6个，均已督促整改到位。下一步将继续加强督查，确保年度目标任务按时完成。";
    let writes: Vec<RowWrite> = plan
        .form
        .rows()
        .flat_map(|row| {
            row.departments
                .iter()
                .map(move |(department_id, _)| RowWrite {
                    department_id: *department_id,
                    period,
                    key: RowKey::FormRow(row.id),
                    progress: format!("{text}{text}"),
                    remark: "已核实".to_owned(),
                    source: ReturnSource::Email,
                    received_on: NaiveDate::from_ymd_opt(2019, 8, 2),
                })
        })
        .collect();
    ledger.write_return_rows(&writes).unwrap();
    let settings = ledger.settings().unwrap();
    let returns = ledger.returns(Some(period)).unwrap();
    let edits = ledger.sheet_edits(Some(period)).unwrap();

    let started = Instant::now();
    let sheet = build_sheet(&plan, &settings, &returns, &edits, period);
    let consolidate = started.elapsed();
    let characters: usize = sheet.rows().map(|r| r.progress.chars().count()).sum();

    let started = Instant::now();
    let first_pdf = write_pdf(&sheet).unwrap();
    let cold_pdf = started.elapsed();

    let runs = 20;
    let mut xlsx_times = Vec::new();
    let mut xlsx_size = 0;
    for _ in 0..runs {
        let started = Instant::now();
        xlsx_size = write_xlsx(&sheet).unwrap().len();
        xlsx_times.push(started.elapsed());
    }
    let mut pdf_times = Vec::new();
    let mut pdf_size = 0;
    let mut pages = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let output = write_pdf(&sheet).unwrap();
        pdf_times.push(started.elapsed());
        pdf_size = output.bytes.len();
        pages = output.pages;
    }
    println!(
        "sheet: {} rows, {characters} characters of progress text",
        sheet.rows().count()
    );
    println!("consolidate: {consolidate:?}");
    println!(
        "xlsx: median {:?} over {runs} runs, {} KB",
        median(xlsx_times),
        xlsx_size / 1024
    );
    println!(
        "pdf: median {:?} over {runs} runs (first run with font loading {cold_pdf:?}), {} KB, {pages} pages",
        median(pdf_times),
        pdf_size / 1024
    );
    assert_eq!(first_pdf.pages, pages);
    huge_returns();
}

/// `export-sheet` (the real command, release build) on a month whose returns hold 1.5 million
/// characters in each of 10 rows: its time and peak memory (GNU time's maximum resident set).
fn huge_returns() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("huge.sqlite");
    let (mut ledger, _) = Ledger::open(&db).unwrap();
    let period = Period::new(2019, 7).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let text =
        "本月继续推进土壤污染防治各项工作，完成重点监管企业周边土壤监测点位布设。".repeat(40_000);
    let text: String = text.chars().take(1_500_000).collect();
    let writes: Vec<RowWrite> = plan
        .form
        .rows()
        .take(10)
        .filter_map(|row| {
            let (department_id, _) = row.departments.first()?;
            Some(RowWrite {
                department_id: *department_id,
                period,
                key: RowKey::FormRow(row.id),
                progress: text.clone(),
                remark: String::new(),
                source: ReturnSource::Email,
                received_on: NaiveDate::from_ymd_opt(2019, 8, 2),
            })
        })
        .collect();
    let rows = writes.len();
    ledger.write_return_rows(&writes).unwrap();
    drop(ledger);
    let xlsx = dir.path().join("sheet.xlsx");
    let pdf = dir.path().join("sheet.pdf");
    let output = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M %e"])
        .arg(env!("CARGO_BIN_EXE_taizhang"))
        .arg("--db")
        .arg(&db)
        .args(["export-sheet", "--period", "2019-07", "--xlsx"])
        .arg(&xlsx)
        .arg("--pdf")
        .arg(&pdf)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().last().unwrap_or_default();
    let mut parts = last.split_whitespace();
    let peak_kb: u64 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let seconds = parts.next().unwrap_or("?");
    println!(
        "export-sheet with {rows} rows of 1.5 M characters: {seconds} s, peak {} MB, XLSX {} KB, PDF {} KB",
        peak_kb / 1024,
        std::fs::metadata(&xlsx)
            .map(|m| m.len() / 1024)
            .unwrap_or(0),
        std::fs::metadata(&pdf).map(|m| m.len() / 1024).unwrap_or(0)
    );
}
