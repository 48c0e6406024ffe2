//! 退回: each sending back of a department's return for correction, by e-mail or by hand, with
//! its reason, the rows in question and its outcome. While the last one stands the return
//! carries its mark (`returns.sent_back_at`, the state `returned`); the corrected return that
//! arrives next clears it (`returns::ensure_return`), and every sending back stays recorded.

use rusqlite::{Connection, OptionalExtension as _, Transaction};

use super::{Delivered, Ledger, SendRows, StoreError};
use crate::schedule::Period;

/// How a sending back went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SendBackOutcome {
    /// By e-mail, as the server answered (recorded `uncertain` just before the data went).
    Mail(Delivered),
    /// Without an e-mail: the text was given to her to copy and send herself.
    ByHand,
}

impl SendBackOutcome {
    pub fn code(self) -> &'static str {
        match self {
            Self::Mail(delivered) => delivered.code(),
            Self::ByHand => "by_hand",
        }
    }

    fn of(code: &str) -> Self {
        match code {
            "by_hand" => Self::ByHand,
            "sent" => Self::Mail(Delivered::Sent),
            "failed" => Self::Mail(Delivered::Failed),
            _ => Self::Mail(Delivered::Uncertain),
        }
    }

    /// Whether the department has, or may have, the sending back: the return is then
    /// `returned`.
    pub fn stands(self) -> bool {
        !matches!(self, Self::Mail(Delivered::Failed))
    }

    /// In words, for the pages.
    pub fn words(self) -> &'static str {
        match self {
            Self::Mail(Delivered::Sent) => "已发邮件",
            Self::Mail(Delivered::Uncertain) => "邮件结果不明",
            Self::Mail(Delivered::Failed) => "邮件未能发出",
            Self::ByHand => "另行通知",
        }
    }
}

/// One sending back, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendBack {
    pub id: i64,
    pub department_id: i64,
    pub period: Period,
    pub reason: String,
    /// The rows in question, as the department's template labels them, one per line.
    pub rows: String,
    /// The address it went to; empty when by hand.
    pub address: String,
    pub subject: String,
    pub message: String,
    pub sent_at: String,
    pub outcome: SendBackOutcome,
    /// Why the e-mail failed or is uncertain.
    pub failure: String,
    pub message_id: String,
}

/// A sending back to record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewSendBack<'a> {
    pub department_id: i64,
    pub period: Period,
    /// The day it is sent back on; the time of day is the clock's.
    pub on: chrono::NaiveDate,
    pub reason: &'a str,
    pub rows: &'a str,
    pub address: &'a str,
    pub subject: &'a str,
    pub message: &'a str,
    pub outcome: SendBackOutcome,
    pub failure: &'a str,
    pub message_id: &'a str,
}

/// The return a sending back is about: it must have arrived.
fn received_return(
    tx: &Transaction<'_>,
    plan_id: i64,
    department_id: i64,
    period: Period,
) -> Result<(i64, Option<String>), StoreError> {
    tx.query_row(
        "SELECT id, sent_back_at FROM returns
         WHERE plan_id = ?1 AND department_id = ?2 AND period = ?3 AND received_on IS NOT NULL",
        (plan_id, department_id, period.to_string()),
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| StoreError::Invalid(format!("尚未收到该部门{}的报送，无可退回", period.label())))
}

fn insert(
    tx: &Transaction<'_>,
    plan_id: i64,
    new: &NewSendBack<'_>,
    now: &str,
) -> Result<i64, StoreError> {
    let (return_id, mark) = received_return(tx, plan_id, new.department_id, new.period)?;
    tx.execute(
        "INSERT INTO send_backs (return_id, reason, rows, address, subject, message, sent_at,
             outcome, failure, message_id, previous_mark)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        (
            return_id,
            new.reason,
            new.rows,
            new.address,
            new.subject,
            new.message,
            now,
            new.outcome.code(),
            new.failure,
            new.message_id,
            &mark,
        ),
    )?;
    let id = tx.last_insert_rowid();
    if new.outcome.stands() {
        tx.execute(
            "UPDATE returns SET sent_back_at = ?1 WHERE id = ?2",
            (now, return_id),
        )?;
    }
    Ok(id)
}

/// Settles a sending back by e-mail with the server's answer. One that failed gives the return
/// its mark from before, unless a later sending back or a corrected return has moved it since.
pub(super) fn settle(
    tx: &Transaction<'_>,
    id: i64,
    outcome: Delivered,
    reason: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE send_backs SET outcome = ?2, failure = ?3 WHERE id = ?1",
        (id, outcome.code(), reason),
    )?;
    if outcome == Delivered::Failed {
        tx.execute(
            "UPDATE returns SET sent_back_at = s.previous_mark
             FROM send_backs s
             WHERE s.id = ?1 AND returns.id = s.return_id AND returns.sent_back_at = s.sent_at",
            [id],
        )?;
    }
    Ok(())
}

fn parse_period(text: &str) -> Result<Period, StoreError> {
    Period::parse(text).ok_or_else(|| StoreError::Invalid(format!("台账中的报送月份“{text}”无效")))
}

fn load(
    conn: &Connection,
    plan_id: i64,
    period: Option<Period>,
) -> Result<Vec<SendBack>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT s.id, r.department_id, r.period, s.reason, s.rows, s.address, s.subject,
             s.message, s.sent_at, s.outcome, s.failure, s.message_id
         FROM send_backs s JOIN returns r ON r.id = s.return_id
         WHERE r.plan_id = ?1 AND (?2 IS NULL OR r.period = ?2)
         ORDER BY s.id",
    )?;
    let rows = statement
        .query_map((plan_id, period.map(|p| p.to_string())), |row| {
            Ok((
                row.get::<_, String>(2)?,
                (
                    row.get::<_, i64>(0)?,
                    row.get::<_, i64>(1)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, String>(5)?,
                    row.get::<_, String>(6)?,
                ),
                (
                    row.get::<_, String>(7)?,
                    row.get::<_, String>(8)?,
                    row.get::<_, String>(9)?,
                    row.get::<_, String>(10)?,
                    row.get::<_, String>(11)?,
                ),
            ))
        })?
        .map(|row| {
            let (period, (id, department_id, reason, rows, address, subject), rest) = row?;
            let (message, sent_at, outcome, failure, message_id) = rest;
            Ok(SendBack {
                id,
                department_id,
                period: parse_period(&period)?,
                reason,
                rows,
                address,
                subject,
                message,
                sent_at,
                outcome: SendBackOutcome::of(&outcome),
                failure,
                message_id,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(rows)
}

impl Ledger {
    /// Records a sending back of a received return (one transaction): by hand, or by e-mail as
    /// handed over. Refused when the return has not arrived. Its rows to settle.
    pub fn record_send_back(
        &mut self,
        plan_id: i64,
        new: &NewSendBack<'_>,
    ) -> Result<SendRows, StoreError> {
        let now = format!(
            "{} {}",
            new.on.format("%Y-%m-%d"),
            chrono::Local::now().format("%H:%M:%S")
        );
        self.write(|tx| insert(tx, plan_id, new, &now))
            .map(SendRows::SendBack)
    }

    /// Every sending back under a plan (for one month, or all), oldest first.
    pub fn send_backs(
        &self,
        plan_id: i64,
        period: Option<Period>,
    ) -> Result<Vec<SendBack>, StoreError> {
        load(&self.conn, plan_id, period)
    }
}

/// An original file a return came in, without its bytes (the binder reads each when it writes
/// it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnFile {
    pub department_id: i64,
    pub period: Period,
    pub source_file_id: i64,
    pub name: String,
    /// `return` (a spreadsheet or document, also an e-mail's attachment) or `email`.
    pub kind: String,
    pub size: u64,
    pub added_at: String,
}

impl Ledger {
    /// Every original file of the plan's returns, by month, department, then as they came.
    pub fn return_files(&self, plan_id: i64) -> Result<Vec<ReturnFile>, StoreError> {
        let mut statement = self.conn.prepare(
            "SELECT r.department_id, r.period, f.id, f.name, f.kind, f.size, rf.added_at
             FROM return_files rf
             JOIN returns r ON r.id = rf.return_id
             JOIN source_files f ON f.id = rf.source_file_id
             WHERE r.plan_id = ?1
             ORDER BY r.period, r.department_id, rf.added_at, f.id",
        )?;
        let rows = statement
            .query_map([plan_id], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                    row.get::<_, i64>(5)?,
                    row.get::<_, String>(6)?,
                ))
            })?
            .map(|row| {
                let (department_id, period, source_file_id, name, kind, size, added_at) = row?;
                Ok(ReturnFile {
                    department_id,
                    period: parse_period(&period)?,
                    source_file_id,
                    name,
                    kind,
                    size: size.try_into().unwrap_or(0),
                    added_at,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(rows)
    }
}
