//! The one send run for every batch of e-mails out: the month's templates, the sheet to the
//! city, the chase (and 退回 when it comes). The window and the commands use it as it is, as
//! they use [`FetchRun`] for fetching:
//!
//! 1. [`SendRun::begin`] takes the batch's claim (an OS lock beside the ledger: a second sender
//!    of the same batch is refused, a crashed one frees it at once) and applies the resend
//!    rule to what was recorded before. A refusal writes nothing.
//! 2. [`deliver`], on any thread, logs in first (a wrong code fails before a file is written or
//!    a message goes), runs the caller's preparation (writing the templates), then hands each
//!    message to the server.
//! 3. [`SendRun::handing_over`] records a message as `uncertain` just before its data goes, and
//!    [`SendRun::settle`] records what the server said: a run killed while waiting leaves the
//!    message `uncertain`, and `uncertain` is never sent again without its own confirmation.
//! 4. [`SendRun::finish`] gives the claim back and says what became of every recipient.
//!
//! [`FetchRun`]: crate::service::fetch::FetchRun

use std::path::PathBuf;
use std::time::Duration;

use super::{MailReport, Outcome, RunSummary};
// What the front ends handle of a send, named through the service.
pub use crate::mail::smtp::{Delivery, SendError, SmtpAccount};
use crate::schedule::Period;
use crate::service::ActionError;
use crate::store::{ChaseSend, Delivered, Ledger, MailSend, SendKind, SendLock, SendRows};

/// Which batch a run sends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Batch {
    /// The month's return templates, one e-mail per department.
    Templates { plan_id: i64, period: Period },
    /// The month's progress sheet, to the city.
    Sheet { plan_id: i64, period: Period },
    /// The month's chase, one e-mail per department (covering every plan in play).
    Chase { plan_id: i64, period: Period },
    /// One department's return sent back for correction (退回).
    SendBack {
        plan_id: i64,
        period: Period,
        department_id: i64,
        /// The day it is sent back on (the command's `--today`).
        on: chrono::NaiveDate,
    },
}

impl Batch {
    fn key(self) -> String {
        match self {
            Self::Templates { plan_id, period } => format!("template-{plan_id}-{period}"),
            Self::Sheet { plan_id, period } => format!("sheet-{plan_id}-{period}"),
            Self::Chase { plan_id, period } => format!("chase-{plan_id}-{period}"),
            Self::SendBack {
                plan_id,
                period,
                department_id,
                ..
            } => format!("send-back-{plan_id}-{period}-{department_id}"),
        }
    }

    fn kind(self) -> Option<(i64, SendKind, Period)> {
        match self {
            Self::Templates { plan_id, period } => Some((plan_id, SendKind::Template, period)),
            Self::Sheet { plan_id, period } => Some((plan_id, SendKind::Sheet, period)),
            Self::Chase { .. } | Self::SendBack { .. } => None,
        }
    }
}

/// Whom a second send of a month's batch goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resend {
    /// Refuse when anyone has, or may have, this month's batch (the default).
    Ask,
    /// Only those who have not received it. Recipients whose earlier send is uncertain are
    /// left out too unless `uncertain` says otherwise.
    Unsent,
    /// Everyone again.
    All,
}

/// The resend rule of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResendRule {
    pub resend: Resend,
    /// With [`Resend::Unsent`]: send again to those whose earlier send is uncertain (asked for
    /// on its own: they may have it already).
    pub uncertain: bool,
}

impl ResendRule {
    pub const ASK: Self = Self {
        resend: Resend::Ask,
        uncertain: false,
    };
    pub const ALL: Self = Self {
        resend: Resend::All,
        uncertain: false,
    };
}

/// One e-mail of a batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutMail {
    /// The department, or `None` for the city.
    pub department_id: Option<i64>,
    /// Whom it is for, in words (the department's name, 上级单位).
    pub recipient: String,
    /// The address; `None` when the department has none (listed, not sent).
    pub to: Option<String>,
    pub subject: String,
    pub body: String,
    /// Files attached.
    pub files: Vec<PathBuf>,
    /// What makes its Message-ID: the same message sent again carries the same id.
    pub message_key: String,
    /// The Message-ID it went with (set when it is handed over).
    pub message_id: String,
    /// The plans and months a chase e-mail chases.
    pub parts: Vec<(i64, Period)>,
    /// A sending back's reason and rows in question (one per line), as recorded.
    pub send_back: Option<(String, String)>,
}

/// A run of one batch: its claim, what it sends and what became of each.
#[derive(Debug)]
pub struct SendRun {
    batch: Batch,
    _claim: SendLock,
    /// The e-mails to hand to the server, in order ([`deliver`] takes these).
    pub to_send: Vec<OutMail>,
    /// What became of each recipient so far (those left out first).
    reports: Vec<MailReport>,
    /// Rows recorded for `to_send[i]` before its data went.
    pending: Vec<Option<SendRows>>,
}

/// Whether anyone has, or may have, this month's batch: the refusal of a second send.
fn earlier_words(batch: Batch, earlier: &[MailSend]) -> Option<String> {
    let arrived: Vec<&MailSend> = earlier
        .iter()
        .filter(|s| s.outcome.may_have_arrived())
        .collect();
    let last = arrived.last()?;
    let uncertain = arrived
        .iter()
        .filter(|s| s.outcome == Delivered::Uncertain)
        .count();
    let unsure = if uncertain > 0 {
        format!("（其中 {uncertain} 封结果不明，对方可能已收到）")
    } else {
        String::new()
    };
    Some(match batch {
        Batch::Templates { period, .. } => {
            let departments = arrived
                .iter()
                .filter_map(|s| s.department_id)
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            format!(
                "{}的模板已于 {} 发给 {departments} 个部门{unsure}，未再次发送。如确需重发，请加 --again（全部重发）或 --unsent（只发给尚未收到的部门）",
                period.label(),
                last.sent_at
            )
        }
        Batch::Sheet { period, .. } => format!(
            "{}的进展表已于 {} 报送至 {}{unsure}，未再次发送。如确需再报一次，请加 --again",
            period.label(),
            last.sent_at,
            last.address
        ),
        Batch::Chase { .. } | Batch::SendBack { .. } => return None,
    })
}

impl SendRun {
    /// Takes the batch's claim and applies the resend rule to what was recorded before;
    /// departments without an address are listed, not sent. Refused (nothing written) while
    /// another sender holds the claim, or when the batch went before and `rule` is
    /// [`Resend::Ask`].
    pub fn begin(
        ledger: &Ledger,
        batch: Batch,
        mails: Vec<OutMail>,
        rule: ResendRule,
        deadline: Duration,
    ) -> Result<Self, ActionError> {
        let claim = SendLock::acquire(ledger.path(), &batch.key(), deadline.as_secs() + 60)?;
        let earlier = match batch.kind() {
            Some((plan_id, kind, period)) => {
                ledger.mail_sends(plan_id, kind, Some(&period.to_string()))?
            }
            None => Vec::new(),
        };
        if rule.resend == Resend::Ask
            && let Some(words) = earlier_words(batch, &earlier)
        {
            return Err(ActionError::AlreadySent(words));
        }
        let mut reports = Vec::new();
        let mut to_send = Vec::new();
        for mail in mails {
            let before = |outcome: Delivered| {
                earlier.iter().any(|s| {
                    s.outcome == outcome
                        && s.department_id == mail.department_id
                        && (mail.department_id.is_some()
                            || s.address == mail.to.clone().unwrap_or_default())
                })
            };
            let skipped = match rule.resend {
                Resend::Unsent if before(Delivered::Sent) => {
                    Some("本月此前已发送，对方已收到".to_owned())
                }
                Resend::Unsent if before(Delivered::Uncertain) && !rule.uncertain => Some(
                    "本月此前发送结果不明，对方可能已收到；确需再发须另行确认（命令加 --uncertain）"
                        .to_owned(),
                ),
                _ => None,
            };
            let outcome = match (skipped, &mail.to) {
                (Some(why), _) => Outcome::Skipped(why),
                (None, None) => Outcome::NoAddress,
                (None, Some(to)) => match crate::mail::address::check_outgoing(to) {
                    // Ours to refuse: the server is never asked.
                    Err(error) => Outcome::Failed(error.to_string()),
                    Ok(_) => {
                        to_send.push(mail);
                        continue;
                    }
                },
            };
            reports.push(MailReport {
                mail,
                outcome,
                unrecorded: None,
            });
        }
        let pending = vec![None; to_send.len()];
        Ok(Self {
            batch,
            _claim: claim,
            to_send,
            reports,
            pending,
        })
    }

    /// Records `mail` (the `index`th to send, as [`deliver`] made it) as handed over, before
    /// its data goes; when this fails the message is not sent.
    pub fn handing_over(
        &mut self,
        ledger: &mut Ledger,
        index: usize,
        mail: &OutMail,
    ) -> Result<(), String> {
        let rows = self
            .record(
                ledger,
                mail,
                Delivered::Uncertain,
                "已交给邮件服务器，尚未得到确认",
            )
            .map_err(|e| format!("未能先记入台账，未发送：{e}"))?;
        if let Some(slot) = self.pending.get_mut(index) {
            *slot = Some(rows);
        }
        if let Some(kept) = self.to_send.get_mut(index) {
            kept.clone_from(mail);
        }
        Ok(())
    }

    /// Records what became of the `index`th message.
    pub fn settle(
        &mut self,
        ledger: &mut Ledger,
        index: usize,
        mail: &OutMail,
        delivery: Delivery,
    ) {
        let (outcome, delivered, reason) = match &delivery {
            Delivery::Sent => (Outcome::Sent, Delivered::Sent, String::new()),
            Delivery::Failed(error) => (
                Outcome::Failed(error.to_string()),
                Delivered::Failed,
                error.to_string(),
            ),
            Delivery::Uncertain(error) => (
                Outcome::Uncertain(error.to_string()),
                Delivered::Uncertain,
                error.to_string(),
            ),
        };
        let pending = self.pending.get_mut(index).and_then(Option::take);
        let recorded = match pending {
            Some(rows) => ledger
                .settle_sends(&rows, delivered, &reason)
                .map_err(|e| e.to_string()),
            None => self
                .record(ledger, mail, delivered, &reason)
                .map(|_| ())
                .map_err(|e| e.to_string()),
        };
        let unrecorded = recorded.err().map(|e| match delivered {
            Delivered::Sent => format!("已发送，但未能记入台账：{e}"),
            _ => format!("未能记入台账：{e}"),
        });
        self.reports.push(MailReport {
            mail: mail.clone(),
            outcome,
            unrecorded,
        });
    }

    /// One record of `mail` with `outcome`: a `send_backs` row for a sending back, a
    /// `mail_sends` row, or a `chase_sends` row per plan and month it chased.
    fn record(
        &self,
        ledger: &mut Ledger,
        mail: &OutMail,
        outcome: Delivered,
        reason: &str,
    ) -> Result<SendRows, crate::store::StoreError> {
        let sent_at = crate::store::now_stamp();
        let address = mail.to.clone().unwrap_or_default();
        if let Batch::SendBack {
            plan_id,
            period,
            department_id,
            on,
        } = self.batch
        {
            let (why, rows) = mail.send_back.clone().unwrap_or_default();
            return ledger.record_send_back(
                plan_id,
                &crate::store::NewSendBack {
                    department_id,
                    period,
                    on,
                    reason: &why,
                    rows: &rows,
                    address: &address,
                    subject: &mail.subject,
                    message: &mail.body,
                    outcome: crate::store::SendBackOutcome::Mail(outcome),
                    failure: reason,
                    message_id: &mail.message_id,
                },
            );
        }
        match self.batch.kind() {
            Some((plan_id, kind, period)) => ledger.record_mail_send(
                plan_id,
                kind,
                &MailSend {
                    period: period.to_string(),
                    department_id: mail.department_id,
                    address,
                    subject: mail.subject.clone(),
                    attachments: mail
                        .files
                        .iter()
                        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
                        .collect::<Vec<_>>()
                        .join("\n"),
                    sent_at,
                    outcome,
                    reason: reason.to_owned(),
                    message_id: mail.message_id.clone(),
                },
            ),
            None => {
                let department_id = mail.department_id.unwrap_or_default();
                let records: Vec<(i64, ChaseSend)> = mail
                    .parts
                    .iter()
                    .map(|(plan_id, period)| {
                        (
                            *plan_id,
                            ChaseSend {
                                department_id,
                                period: period.to_string(),
                                address: address.clone(),
                                subject: mail.subject.clone(),
                                message: mail.body.clone(),
                                sent_at: sent_at.clone(),
                                outcome,
                                reason: reason.to_owned(),
                                message_id: mail.message_id.clone(),
                            },
                        )
                    })
                    .collect();
                ledger.record_chase_sends(&records)
            }
        }
    }

    /// A run that ended before `to_send[index..]` were handed over (cut off, out of time):
    /// each is reported failed with `why`, and nothing is recorded for them.
    pub fn not_reached(&mut self, why: &str) {
        let done: std::collections::BTreeSet<String> = self
            .reports
            .iter()
            .map(|r| r.mail.message_key.clone())
            .collect();
        let missing: Vec<OutMail> = self
            .to_send
            .iter()
            .filter(|m| !done.contains(&m.message_key))
            .cloned()
            .collect();
        for mail in missing {
            self.reports.push(MailReport {
                mail,
                outcome: Outcome::Failed(why.to_owned()),
                unrecorded: None,
            });
        }
    }

    /// Gives the claim back; what became of every recipient.
    pub fn finish(self) -> RunSummary {
        RunSummary {
            reports: self.reports,
        }
    }
}
