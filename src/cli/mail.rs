//! `import-email`, `fetch-mail` and `chase`.

use std::io::Write;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::args::MailServer;
use super::json::{ChaseDepartmentJson, ChaseJson, message_json};
use crate::schedule::Period;
use crate::service::mail::{Intake, MailChoice, MailMode, MailOutcome, RawMail, handle_message};
use crate::store::{Ledger, MailOrigin};

/// What `import-email` was asked.
pub(super) struct EmailRequest<'a> {
    pub files: &'a [PathBuf],
    pub department: Option<&'a str>,
    pub period: Option<Period>,
    pub received: Option<NaiveDate>,
    pub dry_run: bool,
    pub json: bool,
}

fn department_id(ledger: &Ledger, name: Option<&str>) -> anyhow::Result<Option<i64>> {
    let Some(name) = name else {
        return Ok(None);
    };
    let departments = ledger.departments()?;
    let known = crate::plan_text::DepartmentNames::new(&departments);
    let canonical = known
        .canonical_of(name.trim())
        .ok_or_else(|| anyhow::anyhow!("台账中没有部门“{name}”"))?;
    Ok(departments
        .iter()
        .find(|d| d.name == canonical)
        .map(|d| d.id))
}

fn print(
    outcome: &MailOutcome,
    dry_run: bool,
    json: bool,
    out: &mut dyn Write,
    log: &crate::logfile::LogFile,
) -> anyhow::Result<()> {
    if let Some((_, detail)) = &outcome.error {
        log.error(&format!("{}：{detail}", outcome.source));
    }
    if let Some(intake) = &outcome.intake {
        for attachment in &intake.attachments {
            if let Err((_, detail)) = &attachment.result
                && !detail.is_empty()
            {
                log.error(&format!(
                    "{} / {}：{detail}",
                    outcome.source, attachment.name
                ));
            }
        }
    }
    let message = message_json(outcome, dry_run);
    if json {
        serde_json::to_writer(&mut *out, &message)?;
        writeln!(out)?;
        return Ok(());
    }
    match &message.error {
        Some(error) => writeln!(out, "{}：{error}", message.source)?,
        None => writeln!(
            out,
            "{}：{} {} {}，{}",
            message.source,
            message.subject,
            message.department.as_deref().unwrap_or("未识别"),
            message.period.as_deref().unwrap_or_default(),
            if dry_run {
                "试运行，未保存"
            } else if message.committed {
                "已导入"
            } else {
                "未导入，待在窗口中处理"
            }
        )?,
    }
    for warning in &message.warnings {
        writeln!(out, "  注意：{warning}")?;
    }
    Ok(())
}

/// `import-email`: one line per message; fails when any file could not be read.
pub(super) fn import_email(
    ledger: &mut Ledger,
    request: &EmailRequest<'_>,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let choice = MailChoice {
        department_id: department_id(ledger, request.department)?,
        period: request.period,
        received: request.received,
    };
    let mode = if request.dry_run {
        MailMode::DryRun
    } else {
        MailMode::Commit
    };
    let log = crate::logfile::LogFile::beside(ledger.path());
    let mut intake = Intake::load(ledger, today)?;
    let mut failed = 0;
    for file in request.files {
        let source = file.display().to_string();
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let outcome = match crate::files::read_file(file, crate::service::mail::MAX_MESSAGE) {
            Ok(raw) => {
                let mut outcome = handle_message(
                    ledger,
                    &mut intake,
                    &name,
                    RawMail::Whole(raw),
                    &MailOrigin::default(),
                    choice,
                    mode,
                )?;
                outcome.source = source;
                outcome
            }
            Err(error) => MailOutcome {
                source,
                headers: None,
                intake: None,
                error: Some((error.to_string(), format!("{error:?}"))),
                committed: None,
                duplicate_of: None,
            },
        };
        if outcome.error.is_some() {
            failed += 1;
        }
        print(&outcome, request.dry_run, request.json, out, &log)?;
    }
    if failed > 0 {
        return Err(anyhow::anyhow!("{failed} 封邮件未能读取"));
    }
    Ok(())
}

fn password(server: &MailServer) -> anyhow::Result<String> {
    std::env::var(&server.password_env).map_err(|_| {
        anyhow::anyhow!(
            "环境变量 {} 中没有密码（授权码）：请先设置它，再运行命令",
            server.password_env
        )
    })
}

/// `fetch-mail`: the mailbox's new messages, one line each.
pub(super) fn fetch_mail(
    ledger: &mut Ledger,
    server: &MailServer,
    folder: &str,
    dry_run: bool,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let account = crate::service::fetch::Account {
        host: server.host.clone(),
        port: server.port,
        security: server.security,
        user: server.user.clone(),
        password: password(server)?,
        folder: folder.to_owned(),
    };
    let mode = if dry_run {
        MailMode::DryRun
    } else {
        MailMode::Commit
    };
    let deadline = server.deadline.map_or(
        crate::service::mail::FETCH_DEADLINE,
        std::time::Duration::from_secs,
    );
    let log = crate::logfile::LogFile::beside(ledger.path());
    let mut failed = 0;
    let mut write_error: Option<anyhow::Error> = None;
    let result = crate::service::fetch::fetch_mail(
        ledger,
        &account,
        mode,
        today,
        deadline,
        &mut |_, outcome| {
            if outcome.error.is_some() {
                failed += 1;
            }
            match print(&outcome, dry_run, json, out, &log) {
                Ok(()) => true,
                Err(error) => {
                    write_error = Some(error);
                    false
                }
            }
        },
    );
    if let Some(error) = write_error {
        return Err(error);
    }
    if let Err(crate::service::fetch::FetchError::Mailbox(error)) = &result {
        log.error(&error.log_detail());
    }
    let summary = result?;
    // What did not arrive is said on stderr (stdout stays one JSON line per message); a run
    // out of time says so once, as its error.
    let notes = summary.notes();
    for note in &notes {
        log.error(note);
    }
    if summary.out_of_time.is_some() {
        return Err(anyhow::anyhow!(notes.join(" ")));
    }
    for note in &notes {
        eprintln!("{note}");
    }
    if failed > 0 {
        return Err(anyhow::anyhow!("{failed} 封邮件未能读取"));
    }
    if !summary.missing.is_empty() {
        return Err(anyhow::anyhow!(
            "{} 封邮件没有收到，下次收取时再试",
            summary.missing.len()
        ));
    }
    Ok(())
}

/// The SMTP account the command line names (the sender: `--user` when it is an address,
/// else the mailbox's or the unit's address) and the run's deadline.
pub(super) fn smtp_account(
    ledger: &Ledger,
    server: &MailServer,
) -> anyhow::Result<(crate::service::mail::SmtpAccount, std::time::Duration)> {
    let from = crate::service::mail::chase_sender(
        &server.user,
        &ledger.mailbox_settings()?.address,
        &ledger.settings()?.email,
    );
    let account = crate::service::mail::SmtpAccount {
        host: server.host.clone(),
        port: server.port,
        security: server.security,
        user: server.user.clone(),
        password: password(server)?,
        from,
    };
    Ok((account, send_deadline(server)))
}

/// The send run's deadline the command line names (`--deadline`), else the default.
pub(super) fn send_deadline(server: &MailServer) -> std::time::Duration {
    server.deadline.map_or(
        crate::service::mail::SEND_DEADLINE,
        std::time::Duration::from_secs,
    )
}

/// `chase`: the month's chase messages; with `--send`, e-mailed and recorded.
pub(super) fn chase(
    ledger: &mut Ledger,
    period: Period,
    across: bool,
    send: Option<&MailServer>,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let holidays = crate::holidays::HolidayCalendar::bundled()?;
    let day = crate::service::LedgerDay::load(ledger, today, &holidays)?;
    // Without --plan, a department's message covers what it owes under every plan in play,
    // each chased for its month (as the window's 催报 does).
    let others: &[crate::service::DayState] = if across { &day.others } else { &[] };
    let (mails, summary) = match send {
        None => (
            crate::service::mail::month_chase(&day.focus, others, period)?,
            None,
        ),
        Some(server) => {
            let deadline = send_deadline(server);
            let (mails, run) =
                crate::service::mail::begin_chase(ledger, &day.focus, others, period, deadline)?;
            let (account, _) = smtp_account(ledger, server)?;
            let summary = match crate::service::mail::send_inline(
                ledger,
                run,
                &account,
                deadline,
                &mut |_| Ok(()),
            ) {
                Ok(summary) => Some(summary),
                Err((error, _)) => {
                    crate::logfile::LogFile::beside(ledger.path()).error(&error.log_detail());
                    return Err(anyhow::anyhow!("{error}（未发送任何催报邮件）"));
                }
            };
            (mails, summary)
        }
    };
    let line_of = |mail: &crate::service::mail::ChaseMail| {
        let key = mail.out_mail(today).message_key;
        summary
            .as_ref()
            .and_then(|s| s.reports.iter().find(|r| r.mail.message_key == key))
    };
    let report = ChaseJson {
        period: period.to_string(),
        departments: mails
            .iter()
            .map(|mail| {
                let line = line_of(mail);
                ChaseDepartmentJson {
                    name: mail.department.clone(),
                    to: mail.to.clone(),
                    subject: mail.subject.clone(),
                    message: mail.message.clone(),
                    sent: line.is_some_and(|l| l.outcome == crate::service::mail::Outcome::Sent),
                    outcome: line.map(|l| l.outcome.code()),
                    error: line.and_then(|l| l.outcome.reason().or_else(|| l.unrecorded.clone())),
                }
            })
            .collect(),
    };
    if json {
        serde_json::to_writer(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        for department in &report.departments {
            writeln!(
                out,
                "{}（{}）{}",
                department.name,
                department.to.as_deref().unwrap_or("无邮箱"),
                match (department.outcome, department.error.as_deref()) {
                    (None, _) => String::new(),
                    (Some("sent"), _) => "：已发送".to_owned(),
                    (Some("uncertain"), why) =>
                        format!("：结果不明，对方可能已收到（{}）", why.unwrap_or_default()),
                    (Some(_), Some(why)) => format!("：未发送，{why}"),
                    (Some(_), None) => "：未发送".to_owned(),
                }
            )?;
            writeln!(out, "{}\n", department.message)?;
        }
    }
    if let Some(summary) = &summary {
        let closing = summary.closing_line("催报邮件");
        if !summary.all_well() {
            let mut advice = String::new();
            if summary.count("uncertain") > 0 {
                advice.push_str("结果不明的部门请先向对方核实是否已收到，再决定是否重发。");
            }
            return Err(anyhow::anyhow!("{closing}{advice}"));
        }
        if !json {
            writeln!(out, "{closing}")?;
        }
    }
    Ok(())
}
