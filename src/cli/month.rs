//! The month's ends: `templates --send`, `export-sheet --send-to`, `report`, `indicators`
//! and `set-indicator`.

use std::io::Write;
use std::path::Path;

use chrono::NaiveDate;

use super::args::{MailServer, Resend};
use super::json::{
    IndicatorJson, IndicatorValueJson, IndicatorsJson, LateJson, MovedJson, OverdueJson,
    PartialJson, ReportIndicatorJson, ReportJson, TemplateSendJson, TemplatesJson,
};
use crate::schedule::Period;
use crate::service::DayState;
use crate::store::{Ledger, SendKind};

fn day_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// `templates`: writes the month's templates; with `--send`, e-mails each department its own
/// (those without an address are listed, a second send must be asked for) and records each.
/// A send holds the month's claim, so that a window or command sending at once is refused.
pub(super) fn templates(
    ledger: &mut Ledger,
    period: Period,
    dir: &Path,
    send: Option<(&MailServer, Resend)>,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let Some((server, _)) = send else {
        return templates_run(ledger, period, dir, send, json, today, out);
    };
    let (_, deadline) = super::mail::smtp_account(ledger, server)?;
    let plan_id = ledger.focused_plan()?.id;
    let claim = crate::service::mail::SendClaim::take(
        ledger,
        plan_id,
        SendKind::Template,
        period,
        deadline,
    )?;
    let result = templates_run(ledger, period, dir, send, json, today, out);
    claim.release(ledger);
    result
}

fn templates_run(
    ledger: &mut Ledger,
    period: Period,
    dir: &Path,
    send: Option<(&MailServer, Resend)>,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let holidays = crate::holidays::HolidayCalendar::bundled()?;
    let day = DayState::load(ledger, today, &holidays)?;
    crate::service::check_period(&day.plan, period)?;
    let plan_id = day.plan.id;
    // A second send is asked for before anything is written or sent.
    let before = ledger.mail_sends(plan_id, SendKind::Template, Some(&period.to_string()))?;
    if let Some((_, Resend::Ask)) = send
        && !before.is_empty()
    {
        let last = before.last().map(|s| s.sent_at.clone()).unwrap_or_default();
        return Err(anyhow::anyhow!(
            "{}的模板已于 {last} 发给 {} 个部门，未再次发送。如确需重发，请加 --again（全部重发）或 --unsent（只发给尚未收到的部门）",
            period.label(),
            before
                .iter()
                .filter_map(|s| s.department_id)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        ));
    }
    let mailbox = ledger.mailbox_settings()?.address;
    let protected = crate::files::Protected::for_ledger(ledger.path());
    let batch = if send.is_some() {
        let resend = send.map_or(Resend::Ask, |(_, resend)| resend);
        crate::service::mail::prepare_templates(
            &day,
            &mailbox,
            period,
            dir,
            &protected,
            (resend, &before),
        )?
    } else {
        // Only the files: a closed plan's templates may still be written.
        crate::service::mail::TemplateBatch {
            written: crate::service::mail::write_month_templates(&day, period, dir, &protected)?,
            mails: Vec::new(),
            already_sent: Vec::new(),
        }
    };
    let written = &batch.written;
    for template in written {
        if let Some(existing) = &template.kept_existing {
            eprintln!(
                "注意：“{}”已存在，未覆盖；{}的模板另存为“{}”",
                existing.display(),
                template.department,
                template.path.display()
            );
        }
    }
    let mut report = TemplatesJson {
        period: period.to_string(),
        sent: Vec::new(),
        skipped: Vec::new(),
        failed: Vec::new(),
        files: written
            .iter()
            .map(|t| t.path.display().to_string())
            .collect(),
    };
    let entry = |department: &str, to: Option<String>, file: &Path, reason: Option<String>| {
        TemplateSendJson {
            department: department.to_owned(),
            to,
            file: file.display().to_string(),
            reason,
        }
    };
    if let Some((server, _)) = send {
        for mail in &batch.already_sent {
            report.skipped.push(entry(
                &mail.department,
                mail.to.clone(),
                &mail.file,
                Some("本月模板此前已发送".to_owned()),
            ));
        }
        let mails = batch.mails;
        let (account, deadline) = super::mail::smtp_account(ledger, server)?;
        let outcomes = crate::service::mail::send_templates(
            ledger, plan_id, period, &account, &mails, deadline,
        )
        .inspect_err(|error| {
            crate::logfile::LogFile::beside(ledger.path()).error(&error.log_detail());
        })?;
        for outcome in outcomes {
            let item = entry(
                &outcome.department,
                outcome.to.clone(),
                &outcome.file,
                outcome.error.clone(),
            );
            if outcome.sent {
                report.sent.push(item);
            } else if outcome.to.is_none() {
                report.skipped.push(item);
            } else {
                report.failed.push(item);
            }
        }
    }
    if json {
        serde_json::to_writer(&mut *out, &report)?;
        writeln!(out)?;
    } else if send.is_none() {
        for file in &report.files {
            writeln!(out, "{file}")?;
        }
    } else {
        for (list, word) in [
            (&report.sent, "已发送"),
            (&report.skipped, "未发送"),
            (&report.failed, "发送失败"),
        ] {
            for item in list {
                writeln!(
                    out,
                    "{}（{}）：{word}{}",
                    item.department,
                    item.to.as_deref().unwrap_or("无邮箱"),
                    item.reason
                        .as_deref()
                        .map(|r| format!("，{r}"))
                        .unwrap_or_default()
                )?;
            }
        }
    }
    if !report.failed.is_empty() {
        return Err(anyhow::anyhow!(
            "{} 个部门的模板邮件未能发送（见各部门的原因）；已发送 {} 封，均已记入台账。补发请加 --unsent",
            report.failed.len(),
            report.sent.len()
        ));
    }
    Ok(())
}

/// `export-sheet --send-to`: after the files are written, both go in one message to the city;
/// the send is recorded and the address kept in 设置 when none was there.
pub(super) fn send_sheet(
    ledger: &mut Ledger,
    period: Period,
    files: (&Path, &Path),
    (to, server): (&str, &MailServer),
    today: NaiveDate,
) -> anyhow::Result<()> {
    let plan = ledger.focused_plan()?;
    let settings = ledger.settings()?;
    let title = plan.form.title.clone();
    let mail = crate::service::mail::sheet_mail(
        &settings,
        to,
        period,
        &title,
        vec![files.0.to_owned(), files.1.to_owned()],
        today,
    );
    let (account, deadline) = super::mail::smtp_account(ledger, server)?;
    let claim =
        crate::service::mail::SendClaim::take(ledger, plan.id, SendKind::Sheet, period, deadline)?;
    let sent = crate::service::mail::send_sheet_mail(&account, &mail, deadline)
        .inspect_err(|error| {
            crate::logfile::LogFile::beside(ledger.path()).error(&error.log_detail());
        })
        .map_err(anyhow::Error::from)
        .and_then(|()| {
            crate::service::mail::record_sheet_send(ledger, plan.id, period, &mail)
                .map_err(|e| anyhow::anyhow!("进展表已发送至 {to}，但未能记入台账：{e}"))
        });
    claim.release(ledger);
    sent
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
