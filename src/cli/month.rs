//! The month's ends: `templates` (and `--send`), `report`, `indicators` and `set-indicator`;
//! the sheet up to the city is in `sheet.rs` beside `export-sheet`.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

use super::args::MailServer;
use super::json::{
    IndicatorJson, IndicatorValueJson, IndicatorsJson, LateJson, MovedJson, OverdueJson,
    PartialJson, ReportIndicatorJson, ReportJson, TemplateSendJson, TemplatesJson,
};
use crate::schedule::Period;
use crate::service::DayState;
use crate::service::mail::{Outcome, ResendRule, send_inline};
use crate::store::Ledger;

fn day_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// `templates`: writes the month's templates; with `--send`, e-mails each department its own
/// through the service's send run (the claim, the resend rule, each outcome recorded).
pub(super) fn templates(
    ledger: &mut Ledger,
    period: Period,
    dir: &Path,
    send: Option<(&MailServer, ResendRule)>,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let holidays = crate::holidays::HolidayCalendar::bundled()?;
    let day = DayState::load(ledger, today, &holidays)?;
    crate::service::check_period(&day.plan, period)?;
    let protected = crate::files::Protected::for_ledger(ledger.path());
    let Some((server, rule)) = send else {
        // Only the files: a closed plan's templates may still be written.
        let written = crate::service::mail::write_month_templates(&day, period, dir, &protected)?;
        note_kept(&written);
        let report = TemplatesJson {
            period: period.to_string(),
            sent: Vec::new(),
            uncertain: Vec::new(),
            skipped: Vec::new(),
            failed: Vec::new(),
            files: written
                .iter()
                .map(|t| t.path.display().to_string())
                .collect(),
        };
        if json {
            serde_json::to_writer(&mut *out, &report)?;
            writeln!(out)?;
        } else {
            for file in &report.files {
                writeln!(out, "{file}")?;
            }
        }
        return Ok(());
    };
    // Everything that can refuse is settled before a file is written or a message goes.
    let mailbox = ledger.mailbox_settings()?.address;
    let deadline = super::mail::send_deadline(server);
    let (run, files) =
        crate::service::mail::begin_templates(ledger, day, period, dir, &mailbox, rule, deadline)?;
    let (account, _) = super::mail::smtp_account(ledger, server)?;
    let mut written = Vec::new();
    let sent = send_inline(ledger, run, &account, deadline, &mut |mails| {
        written = files.write(mails)?;
        Ok(())
    });
    let summary = match sent {
        Ok(summary) => summary,
        Err((error, _)) => {
            crate::logfile::LogFile::beside(ledger.path()).error(&error.log_detail());
            return Err(anyhow::anyhow!("{error}（未发送任何模板邮件）"));
        }
    };
    note_kept(&written);
    let mut report = TemplatesJson {
        period: period.to_string(),
        sent: Vec::new(),
        uncertain: Vec::new(),
        skipped: Vec::new(),
        failed: Vec::new(),
        files: written
            .iter()
            .map(|t| t.path.display().to_string())
            .collect(),
    };
    for line in &summary.reports {
        let item = TemplateSendJson {
            department: line.mail.recipient.clone(),
            to: line.mail.to.clone(),
            file: line
                .mail
                .files
                .first()
                .map(|f| f.display().to_string())
                .unwrap_or_default(),
            outcome: line.outcome.code(),
            reason: line.outcome.reason(),
            unrecorded: line.unrecorded.clone(),
        };
        match line.outcome {
            Outcome::Sent => report.sent.push(item),
            Outcome::Uncertain(_) => report.uncertain.push(item),
            Outcome::Failed(_) => report.failed.push(item),
            Outcome::NoAddress | Outcome::Skipped(_) => report.skipped.push(item),
        }
    }
    if json {
        serde_json::to_writer(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        for line in &summary.reports {
            writeln!(
                out,
                "{}（{}）：{}{}",
                line.mail.recipient,
                line.mail.to.as_deref().unwrap_or("无邮箱"),
                line.outcome.words(),
                line.unrecorded
                    .as_deref()
                    .map(|r| format!("；{r}"))
                    .unwrap_or_default()
            )?;
        }
    }
    let closing = summary.closing_line("模板邮件");
    if summary.all_well() {
        if !json {
            writeln!(out, "{closing}")?;
        }
        return Ok(());
    }
    let mut advice = String::new();
    if summary.count("failed") > 0 {
        advice.push_str("补发未收到的部门请加 --unsent。");
    }
    if summary.count("uncertain") > 0 {
        advice.push_str(
            "结果不明的部门请先向对方核实是否已收到；确需再发，请加 --unsent --uncertain。",
        );
    }
    Err(anyhow::anyhow!("{closing}{advice}"))
}

/// Says on stderr which templates went under another name beside a file that was there.
fn note_kept(written: &[crate::service::WrittenTemplate]) {
    for template in written {
        if let Some(existing) = &template.kept_existing {
            eprintln!(
                "注意：“{}”已存在且内容不同，未覆盖；{}的模板另存为“{}”",
                existing.display(),
                template.department,
                template.path.display()
            );
        }
    }
}

/// `report`: the month's 情况通报 as a `.docx`.
pub(super) fn report(
    ledger: &Ledger,
    period: Period,
    docx: &Path,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let report = crate::service::month_report(ledger, period, today)?;
    let path = crate::service::write_report(
        &report,
        docx,
        &crate::files::Protected::for_ledger(ledger.path()),
        crate::files::Existing::Replace,
    )?;
    if json {
        let result = ReportJson {
            period: period.to_string(),
            title: report.title(),
            docx: path.display().to_string(),
            due: day_text(report.due),
            on_time: report.on_time.clone(),
            late: report
                .late
                .iter()
                .map(|l| LateJson {
                    name: l.department.clone(),
                    received: l.received_on.map(day_text),
                })
                .collect(),
            partial: report
                .partial
                .iter()
                .map(|p| PartialJson {
                    name: p.department.clone(),
                    rows_filled: p.rows_filled,
                    rows_expected: p.rows_expected,
                })
                .collect(),
            missing: report.missing.clone(),
            returned: report.returned.clone(),
            not_due: report.not_due.clone(),
            month_on_time_rate: report.month_rate,
            year_on_time_rate: report.year_rate,
            moved: report
                .moved
                .iter()
                .map(|m| MovedJson {
                    department: m.department.clone(),
                    item: m.item.clone(),
                    sentence: m.sentence.clone(),
                })
                .collect(),
            overdue_milestones: report
                .overdue
                .iter()
                .map(|m| OverdueJson {
                    date: day_text(m.date),
                    task: m.task.clone(),
                    what: m.what.clone(),
                    departments: m.departments.clone(),
                    carried: m.carried,
                })
                .collect(),
            indicators: report
                .indicators
                .iter()
                .map(|i| ReportIndicatorJson {
                    name: i.name.clone(),
                    target: i.target.clone(),
                    value: i.value.as_ref().map(|v| v.0),
                    value_period: i.value.as_ref().map(|v| v.2.to_string()),
                    source: i.value.as_ref().map(|v| v.3.clone()),
                    met: i.met,
                })
                .collect(),
            paragraphs: crate::report::docx::paragraphs(&report)
                .into_iter()
                .map(|(_, text)| text)
                .collect(),
        };
        serde_json::to_writer(&mut *out, &result)?;
        writeln!(out)?;
    } else {
        writeln!(out, "已写出 {}", path.display())?;
        writeln!(
            out,
            "按时 {} 个，逾期 {} 个，不全 {} 个，未报 {} 个",
            report.on_time.len(),
            report.late.len(),
            report.partial.len(),
            report.missing.len()
        )?;
    }
    Ok(())
}

fn value_json(value: &crate::indicators::IndicatorValue) -> IndicatorValueJson {
    IndicatorValueJson {
        period: value.period.to_string(),
        value: value.value,
        source: value.source.clone(),
        recorded_at: value.recorded_at.clone(),
        origin: if value.by_hand { "manual" } else { "return" },
        replaced_at: None,
    }
}

/// `indicators`: the plan's 目标指标 with their values by month.
pub(super) fn indicators(ledger: &Ledger, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let plan_id = ledger.focused_plan_id()?;
    let states = crate::service::plan_indicators(ledger, plan_id)?;
    if json {
        let result = IndicatorsJson {
            plan: plan_id,
            indicators: states
                .iter()
                .map(|state| IndicatorJson {
                    name: state.indicator.name.clone(),
                    target: state.indicator.target,
                    unit: state.indicator.unit.clone(),
                    comparison: state.indicator.comparison.code(),
                    base_year: state.indicator.base_year,
                    text: state.indicator.text.clone(),
                    values: state.values.iter().map(value_json).collect(),
                    history: state
                        .replaced
                        .iter()
                        .map(|v| IndicatorValueJson {
                            period: v.period.clone(),
                            value: v.value,
                            source: v.source.clone(),
                            recorded_at: v.recorded_at.clone(),
                            origin: "manual",
                            replaced_at: v.replaced_at.clone(),
                        })
                        .collect(),
                    met: state.latest().map(|v| state.indicator.is_met(v.value)),
                    unsure: state
                        .unsure
                        .iter()
                        .map(|u| {
                            serde_json::json!({
                                "period": u.period.to_string(),
                                "source": u.source,
                                "sentence": u.sentence,
                            })
                        })
                        .collect(),
                })
                .collect(),
        };
        serde_json::to_writer(&mut *out, &result)?;
        writeln!(out)?;
    } else {
        for state in &states {
            writeln!(
                out,
                "{}  目标 {}",
                state.indicator.name,
                state.indicator.target_label()
            )?;
            for value in &state.values {
                writeln!(
                    out,
                    "  {}  {}{}  {}",
                    value.period.label(),
                    crate::indicators::format_figure(value.value),
                    state.indicator.unit,
                    value.source
                )?;
            }
        }
    }
    Ok(())
}

/// `set-indicator`: records a month's value (the earlier one kept as history).
pub(super) fn set_indicator(
    ledger: &mut Ledger,
    name: &str,
    period: Period,
    value: &str,
    source: Option<&str>,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let plan_id = ledger.focused_plan_id()?;
    let (indicator, value) = crate::service::set_indicator(
        ledger,
        plan_id,
        name,
        period,
        value,
        source.unwrap_or_default(),
    )?;
    if json {
        serde_json::to_writer(
            &mut *out,
            &serde_json::json!({
                "plan": plan_id,
                "name": indicator.name,
                "period": period.to_string(),
                "value": value,
                "unit": indicator.unit,
                "met": indicator.is_met(value),
            }),
        )?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "已记录：{} {} {}{}",
            indicator.name,
            period.label(),
            crate::indicators::format_figure(value),
            indicator.unit
        )?;
    }
    Ok(())
}
