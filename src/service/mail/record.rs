//! Recording one message: the ledger's view for matching ([`Intake`]), the plan of the
//! message's month, and one transaction per message, each message once.

use chrono::NaiveDate;

use crate::mail::MailMessage;
use crate::model::{Department, Plan};
use crate::returns::spreadsheet::ParsedReturn;
use crate::returns::{Obligation, ReturnRecord};
use crate::schedule::Period;
use crate::store::{Ledger, MailCommit, MailOrigin, MailRecord, MailState, NewMail, StoreError};

use super::*;

/// Loads what matching needs and prepares a message.
pub struct Intake {
    pub plan: Plan,
    pub departments: Vec<Department>,
    pub obligations: Vec<Obligation>,
    pub returns: Vec<ReturnRecord>,
    pub today: NaiveDate,
}

impl Intake {
    /// What matching needs under the plan in focus.
    pub fn load(ledger: &Ledger, today: NaiveDate) -> Result<Self, StoreError> {
        Self::load_for(ledger, ledger.focused_plan_id()?, today)
    }

    pub fn context(&self) -> IntakeContext<'_> {
        IntakeContext {
            plan: &self.plan,
            departments: &self.departments,
            obligations: &self.obligations,
            returns: &self.returns,
            today: self.today,
        }
    }

    /// Reloads what a message's commit changed: the returns of the months it held and the
    /// departments (an address learned), not every return of the plan.
    pub fn refresh_months(
        &mut self,
        ledger: &Ledger,
        periods: &[crate::schedule::Period],
    ) -> Result<(), StoreError> {
        self.departments = ledger.departments()?;
        for period in periods {
            self.returns.retain(|r| r.period != *period);
            self.returns.extend(ledger.returns(Some(*period))?);
        }
        Ok(())
    }

    /// Reads a message's bytes (an `.eml`, `.msg` or body text) and prepares it.
    pub fn prepare_bytes(
        &self,
        source: &str,
        raw: Vec<u8>,
        choice: MailChoice,
    ) -> Result<MessageIntake, crate::mail::MailError> {
        let message = crate::mail::parse_mail(&raw)?;
        Ok(prepare_message(
            &self.context(),
            source,
            message,
            raw,
            choice,
        ))
    }
}

/// Whether a message's month is one the plan has returns for.
pub fn period_in_plan(plan: &Plan, period: Period) -> bool {
    crate::schedule::plan_periods(plan).contains(&period)
}

/// Records one message: its returns (when the department is known and something is filled
/// and the month is the plan's) in one transaction with the archived original, the message's
/// record and the sender's address; otherwise the message waits for the user. Returns the
/// rows changed, or `None` when it was left waiting.
pub fn commit_message(
    ledger: &mut Ledger,
    plan: &Plan,
    intake: &mut MessageIntake,
    origin: &MailOrigin,
    existing: Option<i64>,
) -> Result<Option<usize>, StoreError> {
    let file_name = intake.archive_name();
    let period_ok = intake.period.is_some_and(|p| period_in_plan(plan, p));
    let committable = intake.has_rows() && period_ok;
    if intake.has_rows() && !period_ok {
        intake.warnings.push(format!(
            "{}不在当前计划的报送月份内，未导入。请选择月份。",
            intake.period.map(Period::label).unwrap_or_default()
        ));
    }
    let new = NewMail {
        message_id: &intake.message.message_id,
        origin,
        sender: &intake.message.from,
        subject: &intake.message.subject,
        sent_on: Some(intake.received),
        state: if committable {
            MailState::Committed
        } else {
            MailState::Pending
        },
        department_id: intake.department.as_ref().map(|d| d.0),
        period: intake.period,
        raw: Some((&file_name, &intake.raw)),
        note: "",
    };
    if !committable {
        if existing.is_none() {
            ledger.record_mail(&new)?;
        }
        return Ok(None);
    }
    let attachments: Vec<(&ParsedReturn, &[u8])> = intake
        .attachments
        .iter()
        .filter_map(|a| a.filled_return().map(|p| (p, a.bytes.as_slice())))
        .collect();
    let body = intake.body.as_ref().filter(|b| !b.is_blank());
    let learn = intake
        .department
        .as_ref()
        .filter(|_| intake.message.from.contains('@'))
        .map(|d| (d.0, intake.message.from.as_str()));
    let commit = MailCommit {
        mail: new,
        existing,
        body,
        attachments,
        received_on: intake.received,
        learn_address: learn,
    };
    ledger.commit_mail(&commit).map(Some)
}

/// What to do with a message read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailMode {
    /// Read and match only; nothing is written.
    DryRun,
    /// Record it, committing its returns when department, month and rows are known.
    Commit,
    /// Record it as waiting for the user (the window's 收件 page).
    Hold,
}

/// What became of one message.
#[derive(Debug)]
pub struct MailOutcome {
    /// The file, or `folder UID n` for a fetched message.
    pub source: String,
    /// A message too large to read, known by its headers only.
    pub headers: Option<MailMessage>,
    pub intake: Option<MessageIntake>,
    /// Why it could not be read: (message, detail for the log).
    pub error: Option<(String, String)>,
    /// Rows changed by the commit; `None` when nothing was committed.
    pub committed: Option<usize>,
    /// The message was read before: the earlier record.
    pub duplicate_of: Option<MailRecord>,
}

/// A message as it arrived: whole, or too large to read (only its headers).
#[derive(Clone, Debug)]
pub enum RawMail {
    Whole(Vec<u8>),
    TooLarge {
        size: u64,
        headers: Vec<u8>,
        /// The server sent more than it was asked for.
        sent_past: bool,
    },
}

/// Reads one message (its raw bytes, or the headers of one too large to download), matches
/// it, and records it as `mode` says. Each message is its own transaction; a message another
/// fetch or import recorded meanwhile is reported as read before, never recorded twice.
pub fn handle_message(
    ledger: &mut Ledger,
    intake: &mut Intake,
    source: &str,
    raw: RawMail,
    origin: &MailOrigin,
    choice: MailChoice,
    mode: MailMode,
) -> Result<MailOutcome, StoreError> {
    let mut outcome = MailOutcome {
        source: source.to_owned(),
        headers: None,
        intake: None,
        error: None,
        committed: None,
        duplicate_of: None,
    };
    let raw = match raw {
        RawMail::Whole(raw) => raw,
        RawMail::TooLarge {
            size,
            headers,
            sent_past,
        } => {
            let error = if sent_past {
                crate::mail::MailError::SentPast
            } else {
                crate::mail::MailError::TooLarge(size.div_ceil(1024 * 1024))
            };
            let read = header_message(origin, &headers);
            if mode != MailMode::DryRun {
                record_too_large(ledger, origin, &read, &error.to_string())?;
            }
            outcome.error = Some((error.to_string(), format!("{error} [{size} bytes]")));
            outcome.headers = Some(read);
            return Ok(outcome);
        }
    };
    // Each message under the plan of the month it is for (a December return sent in February
    // belongs to last year's plan), for import-email, fetch-mail and the window alike.
    let prepared = intake.prepare_bytes(source, raw.clone(), choice);
    let owner = match &prepared {
        Ok(read) if choice.period.is_none() => Some(super::plan_of_month(ledger, read.period)?)
            .filter(|owner| *owner != intake.plan.id),
        _ => None,
    };
    let previous = ledger.focused_plan_id()?;
    let prepared = match owner {
        Some(owner) => {
            ledger.focus_plan(Some(owner))?;
            *intake = Intake::load(ledger, intake.today)?;
            intake.prepare_bytes(source, raw.clone(), choice)
        }
        None => prepared,
    };
    let recorded = record_read(ledger, intake, prepared, raw, origin, mode, &mut outcome);
    if owner.is_some() {
        ledger.focus_plan(Some(previous))?;
        *intake = Intake::load(ledger, intake.today)?;
    }
    match recorded {
        Err(StoreError::MailRecorded) => {
            let message_id = outcome
                .intake
                .as_ref()
                .map(|i| i.message.message_id.clone());
            outcome.committed = None;
            outcome.duplicate_of = match message_id {
                Some(id) => ledger.mail_seen(&id)?,
                None => None,
            };
            if let Some(intake) = outcome.intake.as_mut() {
                intake
                    .warnings
                    .push("这封邮件已由另一处同时记入台账，未重复记录。".to_owned());
            }
            Ok(outcome)
        }
        Err(error) => Err(error),
        Ok(()) => Ok(outcome),
    }
}

/// Records a message too large to read by its headers (sender, subject, date, Message-ID):
/// never its bytes.
/// A message known only by its headers: sender, subject, date and Message-ID (the folder's
/// place when it has none).
fn header_message(origin: &MailOrigin, headers: &[u8]) -> MailMessage {
    let mut block = headers.to_vec();
    block.extend_from_slice(b"\r\n\r\n");
    let mut read = crate::mail::parse_mail(&block).unwrap_or_default();
    if read.message_id.is_empty() || read.message_id.starts_with("sha256:") {
        read.message_id = format!("{}:{}:{}", origin.account, origin.uid_validity, origin.uid);
    }
    read.body.clear();
    read
}

fn record_too_large(
    ledger: &mut Ledger,
    origin: &MailOrigin,
    read: &MailMessage,
    note: &str,
) -> Result<(), StoreError> {
    let new = NewMail {
        message_id: &read.message_id,
        origin,
        sender: &read.from,
        subject: &read.subject,
        sent_on: read.received_on(),
        state: MailState::Refused,
        department_id: None,
        period: None,
        raw: None,
        note,
    };
    match ledger.record_mail(&new) {
        Ok(_) | Err(StoreError::MailRecorded) => Ok(()),
        Err(error) => Err(error),
    }
}

fn record_read(
    ledger: &mut Ledger,
    intake: &mut Intake,
    prepared: Result<MessageIntake, crate::mail::MailError>,
    raw: Vec<u8>,
    origin: &MailOrigin,
    mode: MailMode,
    outcome: &mut MailOutcome,
) -> Result<(), StoreError> {
    let mut prepared = match prepared {
        Ok(prepared) => prepared,
        Err(error) => {
            if mode != MailMode::DryRun && !origin.account.is_empty() {
                let message_id = format!("sha256:{}", crate::hash::sha256_hex(&raw));
                let archived = Some(("无法读取的邮件.eml", raw.as_slice()));
                record_refused(ledger, origin, &message_id, archived, &error.to_string())?;
            }
            outcome.error = Some((error.to_string(), error.log_detail()));
            return Ok(());
        }
    };
    let seen = ledger.mail_seen(&prepared.message.message_id)?;
    let waiting = seen
        .as_ref()
        .filter(|s| s.state == MailState::Pending)
        .map(|s| s.id);
    if let Some(earlier) = seen.clone().filter(|s| s.state != MailState::Pending) {
        prepared.warnings.push(format!(
            "这封邮件已于{}读取过（{}），未重复导入。",
            earlier.added_at,
            earlier.state.label()
        ));
        if mode != MailMode::DryRun && !origin.account.is_empty() {
            // Remember the UID, so that the next fetch passes it over.
            let noted = ledger.record_mail(&NewMail {
                message_id: &prepared.message.message_id,
                origin,
                sender: &prepared.message.from,
                subject: &prepared.message.subject,
                sent_on: Some(prepared.received),
                state: MailState::Rejected,
                department_id: None,
                period: None,
                raw: None,
                note: "与已读取的邮件相同",
            });
            match noted {
                Ok(_) | Err(StoreError::MailRecorded) => {}
                Err(error) => return Err(error),
            }
        }
        prepared.seen = Some(earlier.clone());
        outcome.duplicate_of = Some(earlier);
        outcome.intake = Some(prepared);
        return Ok(());
    }
    prepared.seen = seen;
    let recorded = match mode {
        MailMode::DryRun => Ok(()),
        MailMode::Hold if waiting.is_some() => Ok(()),
        MailMode::Hold => {
            let file_name = prepared.archive_name();
            ledger
                .record_mail(&NewMail {
                    message_id: &prepared.message.message_id,
                    origin,
                    sender: &prepared.message.from,
                    subject: &prepared.message.subject,
                    sent_on: Some(prepared.received),
                    state: MailState::Pending,
                    department_id: prepared.department.as_ref().map(|d| d.0),
                    period: prepared.period,
                    raw: Some((&file_name, &prepared.raw)),
                    note: "",
                })
                .map(|_| ())
        }
        MailMode::Commit => {
            let mut periods: Vec<crate::schedule::Period> =
                prepared.returns().map(|r| r.period).collect();
            periods.sort_unstable();
            periods.dedup();
            commit_message(ledger, &intake.plan, &mut prepared, origin, waiting).and_then(
                |committed| {
                    outcome.committed = committed;
                    if committed.is_some() {
                        intake.refresh_months(ledger, &periods)?;
                    }
                    Ok(())
                },
            )
        }
    };
    outcome.intake = Some(prepared);
    recorded
}

/// Records a message that could not be read, so that the next fetch starts after it.
fn record_refused(
    ledger: &mut Ledger,
    origin: &MailOrigin,
    message_id: &str,
    raw: Option<(&str, &[u8])>,
    note: &str,
) -> Result<(), StoreError> {
    let recorded = ledger.record_mail(&NewMail {
        message_id,
        origin,
        sender: "",
        subject: "",
        sent_on: None,
        state: MailState::Refused,
        department_id: None,
        period: None,
        raw,
        note,
    });
    match recorded {
        Ok(_) | Err(StoreError::MailRecorded) => Ok(()),
        Err(error) => Err(error),
    }
}
