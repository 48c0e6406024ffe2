//! `export-sheet` and `deadlines`.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

use super::json::{DeadlineJson, DeadlinesJson, ExportSheetJson};
use crate::model::format_date_cn;
use crate::schedule::Period;
use crate::store::Ledger;

/// `export-sheet`: the month's sheet as XLSX and/or PDF.
pub(super) fn export_sheet(
    ledger: &Ledger,
    period: Period,
    xlsx: Option<&Path>,
    pdf: Option<&Path>,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let plan = ledger.focused_plan()?;
    let sheet = crate::service::month_sheet(ledger, period)?;
    let export = crate::service::export_sheet(
        &sheet,
        &plan,
        xlsx,
        pdf,
        &crate::files::Protected::for_ledger(ledger.path()),
    )?;
    let mut warnings = export.warnings;
    warnings.extend(export.missing);
    let result = ExportSheetJson {
        period: period.to_string(),
        rows: export.rows,
        xlsx: xlsx.map(|p| p.display().to_string()),
        pdf: pdf.map(|p| p.display().to_string()),
        warnings,
        sent_to: None,
    };
    if json {
        serde_json::to_writer(&mut *out, &result)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{}：共 {} 行。", period.label(), result.rows)?;
        for path in result.xlsx.iter().chain(&result.pdf) {
            writeln!(out, "已写出 {path}")?;
        }
        for warning in &result.warnings {
            writeln!(out, "注意：{warning}")?;
        }
    }
    Ok(())
}

/// `deadlines`: every dated item between two days.
/// Which deadlines `deadlines` lists.
pub(super) struct Range {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The plan in focus only, else every plan in play.
    pub one_plan: bool,
}

pub(super) fn deadlines(
    ledger: &Ledger,
    range: &Range,
    ics: Option<&std::path::Path>,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let &Range { from, to, one_plan } = range;
    let holidays = crate::holidays::HolidayCalendar::bundled()?;
    // One plan when asked for; else every plan in play, each item with its plan.
    let day = crate::service::LedgerDay::load(ledger, today, &holidays)?;
    let items: Vec<(
        Option<&crate::service::DayState>,
        &crate::deadlines::Deadline,
    )> = if one_plan {
        day.focus
            .deadlines
            .iter()
            .map(|d| (d.plan_id.map(|_| &day.focus), d))
            .collect()
    } else {
        day.deadlines()
    };
    let selected: Vec<(
        Option<&crate::service::DayState>,
        &crate::deadlines::Deadline,
    )> = items
        .into_iter()
        .filter(|(_, d)| d.date >= from && d.date <= to)
        .collect();
    let ics = match ics {
        Some(path) => {
            let items: Vec<crate::deadlines::Deadline> =
                selected.iter().map(|(_, d)| (*d).clone()).collect();
            Some(crate::service::write_ics_to(
                path,
                &items,
                &holidays,
                &crate::files::Protected::for_ledger(ledger.path()),
            )?)
        }
        None => None,
    };
    if json {
        let result = DeadlinesJson {
            from: from.format("%Y-%m-%d").to_string(),
            to: to.format("%Y-%m-%d").to_string(),
            items: selected
                .iter()
                .map(|(plan, d)| DeadlineJson {
                    plan: plan.map(|p| p.plan.id),
                    plan_label: plan.map(|p| p.plan.label()),
                    date: d.date.format("%Y-%m-%d").to_string(),
                    nominal_date: d.nominal.map(|n| n.format("%Y-%m-%d").to_string()),
                    kind: d.kind.code(),
                    title: d.title.clone(),
                    departments: d.departments.clone(),
                    task: d.task_code.clone(),
                    state: d.light.code(),
                })
                .collect(),
            ics: ics.map(|path| path.display().to_string()),
        };
        serde_json::to_writer(&mut *out, &result)?;
        writeln!(out)?;
    } else {
        if let Some(path) = &ics {
            writeln!(
                out,
                "已写入日历文件“{}”（每项在前一个工作日9时提醒）",
                path.display()
            )?;
        }
        for (plan, d) in selected {
            writeln!(
                out,
                "{}  【{}】{}{}  {}  {}",
                format_date_cn(d.date),
                d.light.label(),
                plan.map(|p| format!("〔{}〕", p.plan.short_label()))
                    .unwrap_or_default(),
                d.title,
                d.departments.join("、"),
                d.kind.label()
            )?;
        }
    }
    Ok(())
}
