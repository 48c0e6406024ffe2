//! The values of a plan's 目标指标 month by month, with their history, and the templates and
//! sheets e-mailed out (what `templates --send` and `export-sheet --send-to` record).

use rusqlite::{Connection, Transaction};

use super::{Ledger, StoreError, now_stamp};

/// A value as stored: the current one for its month, or an earlier one it replaced.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredIndicatorValue {
    pub name: String,
    /// `YYYY-MM`.
    pub period: String,
    pub value: f64,
    pub source: String,
    pub recorded_at: String,
    /// Set on an earlier value when a later one replaced it.
    pub replaced_at: Option<String>,
}

/// What an e-mail out carried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendKind {
    /// A department's template for the month.
    Template,
    /// The month's progress sheet, to the city.
    Sheet,
}

impl SendKind {
    fn code(self) -> &'static str {
        match self {
            Self::Template => "template",
            Self::Sheet => "sheet",
        }
    }
}

/// One e-mail out, as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailSend {
    pub period: String,
    pub department_id: Option<i64>,
    pub address: String,
    pub subject: String,
    /// The attached files' names, one per line.
    pub attachments: String,
    pub sent_at: String,
}

fn values(conn: &Connection, plan_id: i64) -> Result<Vec<StoredIndicatorValue>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT name, period, value, source, recorded_at, replaced_at FROM indicator_values
         WHERE plan_id = ?1 ORDER BY name, period, id",
    )?;
    let rows = statement
        .query_map([plan_id], |row| {
            Ok(StoredIndicatorValue {
                name: row.get(0)?,
                period: row.get(1)?,
                value: row.get(2)?,
                source: row.get(3)?,
                recorded_at: row.get(4)?,
                replaced_at: row.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn sends(
    conn: &Connection,
    plan_id: i64,
    kind: SendKind,
    period: Option<&str>,
) -> Result<Vec<MailSend>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT period, department_id, address, subject, attachments, sent_at FROM mail_sends
         WHERE plan_id = ?1 AND kind = ?2 AND (?3 IS NULL OR period = ?3) ORDER BY id",
    )?;
    let rows = statement
        .query_map((plan_id, kind.code(), period), |row| {
            Ok(MailSend {
                period: row.get(0)?,
                department_id: row.get(1)?,
                address: row.get(2)?,
                subject: row.get(3)?,
                attachments: row.get(4)?,
                sent_at: row.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn send_lease_key(plan_id: i64, kind: SendKind, period: &str) -> String {
    format!("send_lock\t{plan_id}\t{}\t{period}", kind.code())
}

fn record_send(
    tx: &Transaction<'_>,
    plan_id: i64,
    kind: SendKind,
    send: &MailSend,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO mail_sends (plan_id, kind, period, department_id, address, subject,
             attachments, sent_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        (
            plan_id,
            kind.code(),
            &send.period,
            send.department_id,
            &send.address,
            &send.subject,
            &send.attachments,
            &send.sent_at,
        ),
    )?;
    Ok(())
}

impl Ledger {
    /// Every value recorded for a plan's indicators, earlier ones included, by name and month.
    pub fn indicator_values(&self, plan_id: i64) -> Result<Vec<StoredIndicatorValue>, StoreError> {
        values(&self.conn, plan_id)
    }

    /// Records an indicator's value for a month under a plan; the value it replaces is kept
    /// as history.
    pub fn set_indicator_value(
        &mut self,
        plan_id: i64,
        name: &str,
        period: &str,
        value: f64,
        source: &str,
    ) -> Result<(), StoreError> {
        if !value.is_finite() {
            return Err(StoreError::Invalid("指标值不是有限的数".to_owned()));
        }
        let now = now_stamp();
        self.write(|tx| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM plans WHERE id = ?1)",
                [plan_id],
                |row| row.get(0),
            )?;
            if !exists {
                return Err(StoreError::Invalid("该计划已不存在".to_owned()));
            }
            tx.execute(
                "UPDATE indicator_values SET replaced_at = ?4
                 WHERE plan_id = ?1 AND name = ?2 AND period = ?3 AND replaced_at IS NULL",
                (plan_id, name, period, &now),
            )?;
            tx.execute(
                "INSERT INTO indicator_values (plan_id, name, period, value, source, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (plan_id, name, period, value, source, &now),
            )?;
            Ok(())
        })
    }

    /// The e-mails of one kind sent under a plan (for one month, or all with `None`), oldest
    /// first.
    pub fn mail_sends(
        &self,
        plan_id: i64,
        kind: SendKind,
        period: Option<&str>,
    ) -> Result<Vec<MailSend>, StoreError> {
        sends(&self.conn, plan_id, kind, period)
    }

    /// Records one e-mail sent out (its own transaction, as soon as it has gone).
    pub fn record_mail_send(
        &mut self,
        plan_id: i64,
        kind: SendKind,
        send: &MailSend,
    ) -> Result<(), StoreError> {
        self.write(|tx| record_send(tx, plan_id, kind, send))
    }

    /// Claims the sending of a month's mail of one kind for `token` for `seconds`: a second
    /// window or command sending the same at once is refused ([`StoreError::SendRunning`])
    /// instead of sending every message twice.
    pub fn claim_month_send(
        &mut self,
        plan_id: i64,
        kind: SendKind,
        period: &str,
        token: &str,
        seconds: i64,
    ) -> Result<(), StoreError> {
        let key = send_lease_key(plan_id, kind, period);
        let now = chrono::Utc::now().timestamp();
        self.write(|tx| {
            super::mail_folder::take_lease(tx, &key, token, (now, now + seconds))
                .map_err(|held| held.map_or_else(|e| e, StoreError::SendRunning))
        })
    }

    /// Gives the claim back (when `token` still holds it).
    pub fn release_month_send(
        &mut self,
        plan_id: i64,
        kind: SendKind,
        period: &str,
        token: &str,
    ) -> Result<(), StoreError> {
        let key = send_lease_key(plan_id, kind, period);
        self.write(|tx| super::mail_folder::release_lease(tx, &key, token))
    }

    /// Records the month's sheet sent to the city and, when 设置 has no city address yet,
    /// keeps the one it went to (one transaction).
    pub fn record_sheet_send(&mut self, plan_id: i64, send: &MailSend) -> Result<(), StoreError> {
        self.write(|tx| {
            record_send(tx, plan_id, SendKind::Sheet, send)?;
            let kept = super::settings::value(tx, "city_email")?.unwrap_or_default();
            if kept.trim().is_empty() {
                super::settings::check_address(&send.address)?;
                super::settings::set_value(tx, "city_email", send.address.trim())?;
            }
            Ok(())
        })
    }
}
