//! `export-sheet` (with `--send-to`, the sheet up to the city) and `deadlines`.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

use super::args::MailServer;
use super::json::{DeadlineJson, DeadlinesJson, ExportSheetJson};
use crate::model::format_date_cn;
use crate::schedule::Period;
use crate::service::mail::{Outcome, send_inline};
use crate::store::Ledger;

/// `export-sheet --send-to`: the city's address checked and a second send refused (without
/// `--again`) before any file is written; then, once the server accepted the login, both
/// files written and sent in one message, its outcome recorded (the address kept in 设置 when
/// none was there).
pub(super) fn export_and_send(
    ledger: &mut Ledger,
    period: Period,
    files: (&Path, &Path),
    (to, server, again): (&str, &MailServer, bool),
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let deadline = super::mail::send_deadline(server);
    let (run, sheet_files, to) =
        crate::service::mail::begin_sheet(ledger, period, to, files, again, (deadline, today))?;
    let (account, _) = super::mail::smtp_account(ledger, server)?;
    let kept = ledger.settings()?.city_email.trim().to_owned();
    if !kept.is_empty() && !kept.eq_ignore_ascii_case(&to) {
        eprintln!("注意：设置中的上级单位邮箱是 {kept}，本次发送至 {to}；设置未改。");
    }
    let mut export = None;
    let sent = send_inline(ledger, run, &account, deadline, &mut |_| {
        export = Some(sheet_files.write()?);
        Ok(())
    });
    let summary = match sent {
        Ok(summary) => summary,
        Err((error, _)) => {
            crate::logfile::LogFile::beside(ledger.path()).error(&error.log_detail());
            return Err(anyhow::anyhow!("{error}（进展表未发送）"));
        }
    };
    let Some(line) = summary.reports.first() else {
        return Err(anyhow::anyhow!("进展表未发送"));
    };
    let export = export.unwrap_or_default();
    let mut warnings = export.warnings.clone();
    warnings.extend(export.missing.clone());
    let recorded = line
        .unrecorded
        .as_deref()
        .map(|r| format!("；{r}"))
        .unwrap_or_else(|| "，已记入台账".to_owned());
    match &line.outcome {
        Outcome::Sent => {
            if json {
                let result = ExportSheetJson {
                    period: period.to_string(),
                    rows: export.rows,
                    xlsx: Some(files.0.display().to_string()),
                    pdf: Some(files.1.display().to_string()),
                    warnings,
                    sent_to: Some(to.clone()),
                };
                serde_json::to_writer(&mut *out, &result)?;
                writeln!(out)?;
            } else {
                writeln!(out, "{}：共 {} 行。", period.label(), export.rows)?;
                writeln!(out, "已写出 {}", files.0.display())?;
                writeln!(out, "已写出 {}", files.1.display())?;
                for warning in &warnings {
                    writeln!(out, "注意：{warning}")?;
                }
                writeln!(out, "已将 XLSX 和 PDF 用一封邮件发送至 {}{recorded}", to)?;
            }
            match &line.unrecorded {
                None => Ok(()),
                Some(why) => Err(anyhow::anyhow!("进展表已发送至 {}，但{why}", to)),
            }
        }
        Outcome::Uncertain(why) => Err(anyhow::anyhow!(
            "进展表已交给邮件服务器，但未得到确认（{why}）：市局可能已收到{recorded}。请先向对方核实；确需再报，请加 --again"
        )),
        other => Err(anyhow::anyhow!(
            "进展表已写出，但未能发送至 {}：{}",
            to,
            other.words()
        )),
    }
}

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
            // Every plan in play labelled as 日历 and the window's `.ics` label them.
            let items: Vec<crate::deadlines::Deadline> = if one_plan {
                selected.iter().map(|(_, d)| (*d).clone()).collect()
            } else {
                day.labelled_deadlines()
                    .into_iter()
                    .filter(|d| d.date >= from && d.date <= to)
                    .collect()
            };
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
