//! Importing returned spreadsheets: a 1,000-row return (dry run and commit) and a
//! 100,000-row sheet that must be refused quickly with bounded memory.
//! Run with `cargo bench --bench import` (release build); prints medians and peak memory.
#![expect(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use rust_xlsxwriter::Workbook;
use taizhang::returns::obligations;
use taizhang::returns::spreadsheet::{ImportChoice, ImportContext, read_return};
use taizhang::schedule::Period;
use taizhang::store::Ledger;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Peak resident memory of this process so far (Linux), in MB.
fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let (mut ledger, _) = Ledger::open(&dir.path().join("bench.sqlite")).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let departments = ledger.departments().unwrap();
    let owed = obligations(&plan, &departments);
    let period = Period::new(2019, 7).unwrap();

    // 融水生态环境局's return in the city's shape, its 23 rows first, then 977 more rows of
    // other texts with 200-character progress: 1,000 rows in all.
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .write_string(
            0,
            0,
            "2019年柳州市落实《土壤污染防治行动计划》重点工作进展（2019年7月）",
        )
        .unwrap();
    sheet
        .write_string(1, 0, "填报单位：融水生态环境局")
        .unwrap();
    for (column, header) in [
        "重点内容",
        "重点工作事项",
        "责任单位",
        "进展情况（重点）",
        "备注",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(2, column as u16, *header).unwrap();
    }
    let progress = "本月组织开展重点行业企业用地土壤污染状况调查质量控制，完成信息采集地块复核，督促企业落实自行监测和信息公开要求，现场检查企业若干家次，发现问题均已督促整改到位，下一步继续推进。".repeat(2);
    let own: Vec<String> = plan
        .form
        .rows()
        .filter(|r| r.departments.iter().any(|(_, n)| n == "融水生态环境局"))
        .map(|r| r.text.clone())
        .collect();
    for row in 0..1_000_u32 {
        let item = match own.get(row as usize) {
            Some(text) => text.clone(),
            None => format!("其他工作事项第{row}项"),
        };
        sheet.write_string(3 + row, 0, "源头预防").unwrap();
        sheet.write_string(3 + row, 1, &item).unwrap();
        sheet.write_string(3 + row, 3, &progress).unwrap();
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let context = ImportContext {
        plan: &plan,
        departments: &departments,
        obligations: &owed,
    };

    let runs = 10;
    let mut read_times = Vec::new();
    let mut parsed = None;
    for _ in 0..runs {
        let started = Instant::now();
        parsed = Some(
            read_return("生态环境局.xlsx", &bytes, ImportChoice::default(), &context).unwrap(),
        );
        read_times.push(started.elapsed());
    }
    let parsed = parsed.unwrap();
    let mut commit_times = Vec::new();
    for day in 0..runs {
        let started = Instant::now();
        ledger
            .commit_return_import(
                &parsed,
                NaiveDate::from_ymd_opt(2019, 8, 1 + day).unwrap(),
                &bytes,
            )
            .unwrap();
        commit_times.push(started.elapsed());
    }
    println!(
        "1,000-row return ({} KB): read and match (dry run) median {:?}; commit median {:?}; {} rows matched, {} unmatched",
        bytes.len() / 1024,
        median(read_times),
        median(commit_times),
        parsed.rows.len(),
        parsed.unmatched.len()
    );
    let before = peak_memory_mb();

    // 100,000 rows: refused.
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 1, "重点工作事项").unwrap();
    sheet.write_string(0, 3, "进展情况").unwrap();
    for row in 1..100_000_u32 {
        sheet
            .write_string(row, 1, "非正规垃圾堆放点排查整治情况")
            .unwrap();
        sheet.write_string(row, 3, "已完成").unwrap();
    }
    let huge = workbook.save_to_buffer().unwrap();
    let after_writing = peak_memory_mb();
    let started = Instant::now();
    let refused = read_return(
        "十万行.xlsx",
        &huge,
        ImportChoice {
            department_id: None,
            period: Some(period),
        },
        &context,
    );
    let elapsed = started.elapsed();
    println!(
        "100,000-row sheet ({} KB): {:?} after {:?}; peak memory {:.0} MB before the sheet, {:.0} MB after writing it, {:.0} MB after reading",
        huge.len() / 1024,
        refused.err().map(|e| e.to_string()),
        elapsed,
        before.unwrap_or(0.0),
        after_writing.unwrap_or(0.0),
        peak_memory_mb().unwrap_or(0.0)
    );
}
