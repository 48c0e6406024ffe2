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
