//! The year's ends: `summary` (the 工作总结 draft) and `binder` (the 督察台账 folder).

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;
use serde::Serialize;

use crate::store::Ledger;

#[derive(Debug, Serialize)]
struct SummaryJson {
    year: i32,
    plan: i64,
    title: String,
    docx: String,
    returns_received: usize,
    tasks: usize,
    rows_quoted: usize,
    paragraphs: Vec<String>,
}

/// `summary`: the year's 工作总结 as a `.docx`.
pub(super) fn summary(
    ledger: &Ledger,
    year: i32,
    plan: Option<i64>,
    docx: &Path,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let plan_id = crate::service::plan_of_year(ledger, year, plan)?;
    let summary = crate::service::summary_of_plan(ledger, plan_id, today)?;
    let path = crate::service::write_summary(
        &summary,
        docx,
        &crate::files::Protected::for_ledger(ledger.path()),
        crate::files::Existing::Replace,
    )?;
    if json {
        let value = SummaryJson {
            year: summary.year,
            plan: summary.plan_id,
            title: summary.title(),
            docx: path.display().to_string(),
            returns_received: summary.returns_received,
            tasks: summary.sections.iter().map(|s| s.tasks.len()).sum(),
            rows_quoted: summary.rows.len()
                + summary
                    .sections
                    .iter()
                    .flat_map(|s| s.tasks.iter())
                    .map(|t| t.accounts.len())
                    .sum::<usize>(),
            paragraphs: crate::report::summary::paragraphs(&summary)
                .into_iter()
                .map(|(_, text)| text)
                .collect(),
        };
        serde_json::to_writer(&mut *out, &value)?;
        writeln!(out)?;
    } else {
        writeln!(out, "已写出 {}", path.display())?;
        if summary.returns_received == 0 {
            writeln!(
                out,
                "台账中尚无{year}年度各单位的报送，总结只列出计划的内容。"
            )?;
        }
    }
    Ok(())
}

#[derive(Debug, Serialize)]
struct BinderJson {
    plan: i64,
    year: i32,
    out: String,
    tasks: usize,
    files: usize,
    bytes: u64,
    index_rows: usize,
    returns_received: usize,
    index: [String; 2],
    warnings: Vec<String>,
}

/// `binder`: the 督察台账 as a folder.
pub(super) fn binder(
    ledger: &Ledger,
    out_dir: &Path,
    add: bool,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let plan_id = ledger.focused_plan_id()?;
    let started = std::time::Instant::now();
    let mut last_said = std::time::Instant::now();
    let report = crate::service::write_binder(ledger, plan_id, out_dir, add, today, &mut |p| {
        // A large ledger says how far it has come, on stderr, about once a second.
        if last_said.elapsed().as_secs() >= 1
            || (p.done == p.total && started.elapsed().as_secs() >= 1)
        {
            eprintln!("已写出 {}/{} 个文件", p.done, p.total);
            last_said = std::time::Instant::now();
        }
    })?;
    for warning in &report.warnings {
        eprintln!("注意：{warning}");
    }
    if json {
        let value = BinderJson {
            plan: report.plan_id,
            year: report.year,
            out: report.out.display().to_string(),
            tasks: report.tasks,
            files: report.files,
            bytes: report.bytes,
            index_rows: report.index_rows,
            returns_received: report.returns_received,
            index: [
                report.out.join("索引.xlsx").display().to_string(),
                report.out.join("索引.pdf").display().to_string(),
            ],
            warnings: report.warnings.clone(),
        };
        serde_json::to_writer(&mut *out, &value)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "已写出督察台账 {}：{} 个任务文件夹，{} 个文件（含 索引.xlsx 和 索引.pdf）",
            report.out.display(),
            report.tasks,
            report.files
        )?;
        if report.returns_received == 0 {
            writeln!(out, "该计划尚无报送，台账中只有各任务的说明和索引。")?;
        }
    }
    Ok(())
}
