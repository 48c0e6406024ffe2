//! `send-back`: a department's return for a month sent back for correction (退回), through the
//! service's one flow: by e-mail with the SMTP options (the send run), else the text printed to
//! copy and the sending back recorded as made by hand.

use std::io::Write;

use chrono::NaiveDate;
use serde::Serialize;

use super::args::MailServer;
use crate::schedule::Period;
use crate::service::DayState;
use crate::service::mail::{Outcome, ResendRule, SendRun, record_by_hand, send_back_draft};
use crate::store::Ledger;

#[derive(Debug, Serialize)]
struct SendBackJson {
    period: String,
    department: String,
    to: Option<String>,
    reason: String,
    rows: Vec<String>,
    subject: String,
    message: String,
    /// `sent`, `uncertain`, `failed` or `by_hand`.
    outcome: &'static str,
    error: Option<String>,
    /// The return's state afterwards: `returned`, or as before when the e-mail failed.
    state: &'static str,
}

/// What the request was: which month, which department, why, and how to send.
pub(super) struct SendBackRequest<'a> {
    pub period: Period,
    pub department: &'a str,
    pub reason: &'a str,
    pub send: Option<&'a MailServer>,
    pub json: bool,
}

pub(super) fn send_back(
    ledger: &mut Ledger,
    request: &SendBackRequest<'_>,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let holidays = crate::holidays::HolidayCalendar::bundled()?;
    let day = DayState::load(ledger, today, &holidays)?;
    let draft = send_back_draft(
        &day,
        request.period,
        request.department,
        request.reason,
        None,
    )?;
    let (outcome, error) = match (request.send, &draft.to) {
        (Some(server), Some(_)) => {
            let (account, deadline) = super::mail::smtp_account(ledger, server)?;
            let run = SendRun::begin(
                ledger,
                draft.batch(),
                vec![draft.out_mail(today)],
                ResendRule::ALL,
                deadline,
            )?;
            let summary =
                crate::service::mail::send_inline(ledger, run, &account, deadline, &mut |_| Ok(()))
                    .map_err(|(error, _)| {
                        crate::logfile::LogFile::beside(ledger.path()).error(&error.log_detail());
                        anyhow::anyhow!("{error}（未发送退回邮件，报送状态未改）")
                    })?;
            let line = summary
                .reports
                .into_iter()
                .next()
                .ok_or_else(|| anyhow::anyhow!("退回邮件未能发出（没有发送结果）"))?;
            let error = line.outcome.reason().or(line.unrecorded.clone());
            (line.outcome, error)
        }
        (Some(_), None) => {
            eprintln!(
                "{}没有邮箱地址，未发送邮件；请复制下面的退回通知另行发送（已记为退回）",
                draft.department
            );
            record_by_hand(ledger, &draft)?;
            (Outcome::NoAddress, None)
        }
        (None, _) => {
            record_by_hand(ledger, &draft)?;
            (Outcome::NoAddress, None)
        }
    };
    let after = DayState::load(ledger, today, &holidays)?.period_status(request.period);
    let state = after
        .departments
        .iter()
        .find(|d| d.department_id == draft.department_id)
        .map_or("not_required", |d| d.state.code());
    let code = match outcome {
        Outcome::NoAddress => "by_hand",
        ref other => other.code(),
    };
    let report = SendBackJson {
        period: request.period.to_string(),
        department: draft.department.clone(),
        to: draft.to.clone(),
        reason: draft.reason.clone(),
        rows: draft.rows.iter().map(|r| r.label.clone()).collect(),
        subject: draft.subject.clone(),
        message: draft.message.clone(),
        outcome: code,
        error: error.clone(),
        state,
    };
    if request.json {
        serde_json::to_writer(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{}\n\n{}\n", report.subject, report.message)?;
        writeln!(
            out,
            "{}",
            match code {
                "sent" => format!(
                    "已将退回通知发送至{}（{}），已记入台账",
                    draft.department,
                    draft.to.as_deref().unwrap_or_default()
                ),
                "by_hand" => format!("已记为退回{}；请把上面的通知发给对方", draft.department),
                _ => String::new(),
            }
        )?;
    }
    match outcome {
        Outcome::Failed(why) => Err(anyhow::anyhow!(
            "退回邮件未能发送至{}：{why}；报送状态未改",
            draft.department
        )),
        Outcome::Uncertain(why) => Err(anyhow::anyhow!(
            "退回邮件已交给邮件服务器，但未得到确认（{why}）：{}可能已收到，已记为退回。请先向对方核实",
            draft.department
        )),
        _ if error.is_some() => Err(anyhow::anyhow!("{}", error.unwrap_or_default())),
        _ => Ok(()),
    }
}
