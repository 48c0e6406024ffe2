//! The e-mails sent out: the month's templates and sheet (`mail_sends`) and the chase
//! (`chase_sends`), each with its outcome. A message is recorded as `uncertain` just before
//! its data is handed to the server, and settled as `sent` or `failed` when the server's reply
//! says so: a run killed while waiting leaves it `uncertain`, never forgotten.

use rusqlite::{Connection, Transaction};

use super::{Ledger, StoreError};

/// What a month's e-mail out carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SendKind {
    /// A department's template for the month.
    Template,
    /// The month's progress sheet, to the city.
    Sheet,
}

impl SendKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::Template => "template",
            Self::Sheet => "sheet",
        }
    }
}

/// What became of one e-mail out, as recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Delivered {
    /// The server confirmed it.
    Sent,
    /// Handed over without a complete reply (or the run ended while waiting): the recipient
    /// may have it.
    Uncertain,
    /// Not delivered.
    Failed,
}

impl Delivered {
    pub fn code(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Uncertain => "uncertain",
            Self::Failed => "failed",
        }
    }

    fn of(code: &str) -> Self {
        match code {
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            _ => Self::Uncertain,
        }
    }

    /// Whether the recipient has, or may have, the message.
    pub fn may_have_arrived(self) -> bool {
        matches!(self, Self::Sent | Self::Uncertain)
    }
}

/// One template or sheet e-mail out, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailSend {
    pub period: String,
    pub department_id: Option<i64>,
    pub address: String,
    pub subject: String,
    /// The attached files' names, one per line.
    pub attachments: String,
    pub sent_at: String,
    pub outcome: Delivered,
    /// Why it failed or is uncertain, in words.
    pub reason: String,
    pub message_id: String,
}

/// One chase e-mail out, as recorded (under each plan and month it chased).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChaseSend {
    pub department_id: i64,
    pub period: String,
    pub address: String,
    pub subject: String,
    pub message: String,
    pub sent_at: String,
    pub outcome: Delivered,
    pub reason: String,
    pub message_id: String,
}

/// Recorded rows of one message, to settle once the server has answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendRows {
    /// Rows of `mail_sends`.
    Mail(Vec<i64>),
    /// Rows of `chase_sends`.
    Chase(Vec<i64>),
    /// A row of `send_backs` (退回).
    SendBack(i64),
}

fn mail_sends(
    conn: &Connection,
    plan_id: i64,
    kind: SendKind,
    period: Option<&str>,
) -> Result<Vec<MailSend>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT period, department_id, address, subject, attachments, sent_at, outcome, reason,
                message_id
         FROM mail_sends
         WHERE plan_id = ?1 AND kind = ?2 AND (?3 IS NULL OR period = ?3) ORDER BY id",
    )?;
    let rows = statement
        .query_map((plan_id, kind.code(), period), |row| {
            Ok(MailSend {
                period: row.get("period")?,
                department_id: row.get("department_id")?,
                address: row.get("address")?,
                subject: row.get("subject")?,
                attachments: row.get("attachments")?,
                sent_at: row.get("sent_at")?,
                outcome: Delivered::of(&row.get::<_, String>("outcome")?),
                reason: row.get("reason")?,
                message_id: row.get("message_id")?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn insert_mail_send(
    tx: &Transaction<'_>,
    plan_id: i64,
    kind: SendKind,
    send: &MailSend,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO mail_sends (plan_id, kind, period, department_id, address, subject,
             attachments, sent_at, outcome, reason, message_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        (
            plan_id,
            kind.code(),
            &send.period,
            send.department_id,
            &send.address,
            &send.subject,
            &send.attachments,
            &send.sent_at,
            send.outcome.code(),
            &send.reason,
            &send.message_id,
        ),
    )?;
    Ok(tx.last_insert_rowid())
}

fn insert_chase_send(
    tx: &Transaction<'_>,
    plan_id: i64,
    send: &ChaseSend,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO chase_sends (plan_id, department_id, period, address, subject, message,
             sent_at, outcome, reason, message_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        (
            plan_id,
            send.department_id,
            &send.period,
            &send.address,
            &send.subject,
            &send.message,
            &send.sent_at,
            send.outcome.code(),
            &send.reason,
            &send.message_id,
        ),
    )?;
    Ok(tx.last_insert_rowid())
}

/// Chase e-mails under a plan, newest first.
fn chase_sends(conn: &Connection, plan_id: i64) -> Result<Vec<ChaseSend>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT department_id, period, address, subject, message, sent_at, outcome, reason,
                message_id
         FROM chase_sends WHERE plan_id = ?1 ORDER BY sent_at DESC, id DESC",
    )?;
    let sends = statement
        .query_map([plan_id], |row| {
            Ok(ChaseSend {
                department_id: row.get("department_id")?,
                period: row.get("period")?,
                address: row.get("address")?,
                subject: row.get("subject")?,
                message: row.get("message")?,
                sent_at: row.get("sent_at")?,
                outcome: Delivered::of(&row.get::<_, String>("outcome")?),
                reason: row.get("reason")?,
                message_id: row.get("message_id")?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(sends)
}

impl Ledger {
    /// The e-mails of one kind recorded under a plan (for one month, or all with `None`),
    /// whatever their outcome, oldest first.
    pub fn mail_sends(
        &self,
        plan_id: i64,
        kind: SendKind,
        period: Option<&str>,
    ) -> Result<Vec<MailSend>, StoreError> {
        mail_sends(&self.conn, plan_id, kind, period)
    }

    /// Records one template or sheet e-mail (its own transaction); its rows to settle.
    pub fn record_mail_send(
        &mut self,
        plan_id: i64,
        kind: SendKind,
        send: &MailSend,
    ) -> Result<SendRows, StoreError> {
        self.write(|tx| insert_mail_send(tx, plan_id, kind, send))
            .map(|id| SendRows::Mail(vec![id]))
    }

    /// Records one chase e-mail that covered one or several plans: a row per (plan, month), in
    /// one transaction; its rows to settle.
    pub fn record_chase_sends(
        &mut self,
        sends: &[(i64, ChaseSend)],
    ) -> Result<SendRows, StoreError> {
        self.write(|tx| {
            sends
                .iter()
                .map(|(plan_id, send)| insert_chase_send(tx, *plan_id, send))
                .collect::<Result<Vec<_>, _>>()
        })
        .map(SendRows::Chase)
    }

    /// Settles recorded rows with the server's answer. A sheet that reached the city keeps its
    /// address in 设置 when 设置 had none (the same transaction).
    pub fn settle_sends(
        &mut self,
        rows: &SendRows,
        outcome: Delivered,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| {
            let (table, ids) = match rows {
                SendRows::Mail(ids) => ("mail_sends", ids),
                SendRows::Chase(ids) => ("chase_sends", ids),
                SendRows::SendBack(id) => {
                    return super::send_backs::settle(tx, *id, outcome, reason);
                }
            };
            for id in ids {
                tx.execute(
                    &format!("UPDATE {table} SET outcome = ?2, reason = ?3 WHERE id = ?1"),
                    (id, outcome.code(), reason),
                )?;
                if table == "mail_sends" && outcome == Delivered::Sent {
                    let city: Option<String> = tx
                        .query_row(
                            "SELECT address FROM mail_sends WHERE id = ?1 AND kind = 'sheet'",
                            [id],
                            |row| row.get(0),
                        )
                        .map(Some)
                        .or_else(|e| match e {
                            rusqlite::Error::QueryReturnedNoRows => Ok(None),
                            other => Err(other),
                        })?;
                    if let Some(city) = city {
                        let kept = super::settings::value(tx, "city_email")?.unwrap_or_default();
                        if kept.trim().is_empty() {
                            super::settings::set_value(tx, "city_email", city.trim())?;
                        }
                    }
                }
            }
            Ok(())
        })
    }

    /// Chase e-mails under the plan in focus, newest first.
    pub fn chase_sends(&self) -> Result<Vec<ChaseSend>, StoreError> {
        let plan_id = self.focused_plan_id()?;
        chase_sends(&self.conn, plan_id)
    }

    /// Chase e-mails under a plan, newest first.
    pub fn plan_chase_sends(&self, plan_id: i64) -> Result<Vec<ChaseSend>, StoreError> {
        chase_sends(&self.conn, plan_id)
    }
}
