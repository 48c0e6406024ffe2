//! Stored mail: the addresses departments write from, every message read (and where it came
//! from, so a fetch reads only what is new), the mailbox settings and the chase e-mails sent.
//! The mailbox's secret is never here (see `crate::mail::secret`).

use rusqlite::{Connection, OptionalExtension as _, Transaction};

use super::{Ledger, StoreError, now_stamp};
use crate::returns::{ReturnSource, RowWrite};

/// Where a message came from: a mailbox folder, or a saved file (empty account).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailOrigin {
    /// `user@host`; empty for a saved file.
    pub account: String,
    pub folder: String,
    pub uid_validity: u32,
    pub uid: u32,
}

/// What became of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailState {
    /// Read, waiting for the user (no department, or nothing recorded yet).
    Pending,
    Committed,
    /// The user said it is not a return.
    Rejected,
    /// Too large or unreadable.
    Refused,
}

impl MailState {
    pub fn code(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Committed => "committed",
            Self::Rejected => "rejected",
            Self::Refused => "refused",
        }
    }

    pub fn from_code(code: &str) -> Self {
        match code {
            "committed" => Self::Committed,
            "rejected" => Self::Rejected,
            "refused" => Self::Refused,
            _ => Self::Pending,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Pending => "待处理",
            Self::Committed => "已导入",
            Self::Rejected => "不是报送",
            Self::Refused => "无法读取",
        }
    }
}

/// One message as recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailRecord {
    pub id: i64,
    pub message_id: String,
    pub origin: MailOrigin,
    pub sender: String,
    pub subject: String,
    pub sent_on: Option<String>,
    pub state: MailState,
    pub department_id: Option<i64>,
    pub period: Option<String>,
    /// The archived original.
    pub source_file_id: Option<i64>,
    pub note: String,
    pub added_at: String,
}

/// A message to record.
#[derive(Clone, Debug)]
pub struct NewMail<'a> {
    pub message_id: &'a str,
    pub origin: &'a MailOrigin,
    pub sender: &'a str,
    pub subject: &'a str,
    pub sent_on: Option<chrono::NaiveDate>,
    pub state: MailState,
    pub department_id: Option<i64>,
    pub period: Option<crate::schedule::Period>,
    /// The original message (archived once, by hash), if it was downloaded.
    pub raw: Option<(&'a str, &'a [u8])>,
    pub note: &'a str,
}

/// The message recorded under this Message-ID, if any.
pub(super) fn seen(conn: &Connection, message_id: &str) -> Result<Option<MailRecord>, StoreError> {
    Ok(messages(
        conn,
        "WHERE message_id = ?1 ORDER BY id LIMIT 1",
        [message_id],
    )?
    .into_iter()
    .next())
}

fn messages<P: rusqlite::Params>(
    conn: &Connection,
    filter: &str,
    params: P,
) -> Result<Vec<MailRecord>, StoreError> {
    let mut statement = conn.prepare(&format!(
        "SELECT id, message_id, account, folder, uid_validity, uid, sender, subject, sent_on,
                state, department_id, period, source_file_id, note, added_at
         FROM mail_messages {filter}"
    ))?;
    let records = statement
        .query_map(params, |row| {
            Ok(MailRecord {
                id: row.get(0)?,
                message_id: row.get(1)?,
                origin: MailOrigin {
                    account: row.get(2)?,
                    folder: row.get(3)?,
                    uid_validity: row.get(4)?,
                    uid: row.get(5)?,
                },
                sender: row.get(6)?,
                subject: row.get(7)?,
                sent_on: row.get(8)?,
                state: MailState::from_code(&row.get::<_, String>(9)?),
                department_id: row.get(10)?,
                period: row.get(11)?,
                source_file_id: row.get(12)?,
                note: row.get(13)?,
                added_at: row.get(14)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(records)
}

/// Messages in this state, newest first (all when `state` is `None`).
pub(super) fn list(
    conn: &Connection,
    state: Option<MailState>,
) -> Result<Vec<MailRecord>, StoreError> {
    match state {
        Some(state) => messages(
            conn,
            "WHERE state = ?1 ORDER BY sent_on DESC, id DESC",
            [state.code()],
        ),
        None => messages(conn, "ORDER BY sent_on DESC, id DESC LIMIT 2000", []),
    }
}

/// Archives a file once by hash; returns its id.
pub(super) fn archive(
    tx: &Transaction<'_>,
    kind: &str,
    name: &str,
    bytes: &[u8],
    now: &str,
) -> Result<i64, StoreError> {
    let sha256 = crate::hash::sha256_hex(bytes);
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM source_files WHERE sha256 = ?1 AND kind = ?2 ORDER BY id LIMIT 1",
            (&sha256, kind),
            |row| row.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    tx.execute(
        "INSERT INTO source_files (name, kind, sha256, size, content, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        (
            name,
            kind,
            &sha256,
            i64::try_from(bytes.len()).unwrap_or(i64::MAX),
            bytes,
            now,
        ),
    )?;
    Ok(tx.last_insert_rowid())
}

/// Whether this message is in the ledger already, checked inside the transaction that would
/// record it, so that two fetches or imports running at once record it once: the same UID of
/// the same folder, or (for a message that is a return or waits for the user) the same
/// Message-ID. A note that a UID repeats an earlier message is no second record.
fn recorded_already(tx: &Transaction<'_>, mail: &NewMail<'_>) -> Result<bool, StoreError> {
    if !mail.origin.account.is_empty() {
        let same_uid: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM mail_messages WHERE account = ?1 AND folder = ?2
                 AND uid_validity = ?3 AND uid = ?4)",
            (
                &mail.origin.account,
                &mail.origin.folder,
                mail.origin.uid_validity,
                mail.origin.uid,
            ),
            |row| row.get(0),
        )?;
        if same_uid {
            return Ok(true);
        }
    }
    if matches!(mail.state, MailState::Committed | MailState::Pending) {
        let same_id: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM mail_messages WHERE message_id = ?1
                 AND state IN ('committed', 'pending', 'rejected') AND note = '')",
            [mail.message_id],
            |row| row.get(0),
        )?;
        return Ok(same_id);
    }
    Ok(false)
}

/// Records a message; refuses one the ledger holds already ([`StoreError::MailRecorded`]).
pub(super) fn record(
    tx: &Transaction<'_>,
    mail: &NewMail<'_>,
    now: &str,
) -> Result<i64, StoreError> {
    if recorded_already(tx, mail)? {
        return Err(StoreError::MailRecorded);
    }
    let file_id = match mail.raw {
        Some((name, bytes)) => Some(archive(tx, "email", name, bytes, now)?),
        None => None,
    };
    tx.execute(
        "INSERT INTO mail_messages (message_id, account, folder, uid_validity, uid, sender,
             subject, sent_on, state, department_id, period, source_file_id, note, added_at,
             updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?14)",
        rusqlite::params![
            mail.message_id,
            mail.origin.account,
            mail.origin.folder,
            mail.origin.uid_validity,
            mail.origin.uid,
            mail.sender,
            mail.subject,
            mail.sent_on.map(|d| d.format("%Y-%m-%d").to_string()),
            mail.state.code(),
            mail.department_id,
            mail.period.map(|p| p.to_string()),
            file_id,
            mail.note,
            now,
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Changes a recorded message's state (and, when committed, its department and month).
pub(super) fn set_state(
    tx: &Transaction<'_>,
    id: i64,
    state: MailState,
    department_id: Option<i64>,
    period: Option<crate::schedule::Period>,
    now: &str,
) -> Result<(), StoreError> {
    let changed = tx.execute(
        "UPDATE mail_messages SET state = ?2,
             department_id = COALESCE(?3, department_id),
             period = COALESCE(?4, period), updated_at = ?5
         WHERE id = ?1",
        (
            id,
            state.code(),
            department_id,
            period.map(|p| p.to_string()),
            now,
        ),
    )?;
    if changed == 0 {
        return Err(StoreError::Invalid("这封邮件已不在台账中".to_owned()));
    }
    Ok(())
}

impl Ledger {
    /// The message recorded under this Message-ID, if any.
    pub fn mail_seen(&self, message_id: &str) -> Result<Option<MailRecord>, StoreError> {
        seen(&self.conn, message_id)
    }

    /// Recorded messages in a state (all, newest 2,000, for `None`).
    pub fn mail_messages(&self, state: Option<MailState>) -> Result<Vec<MailRecord>, StoreError> {
        list(&self.conn, state)
    }

    /// Records a message that is not committed (waiting for the user, or refused).
    pub fn record_mail(&mut self, new: &NewMail<'_>) -> Result<i64, StoreError> {
        let now = now_stamp();
        self.write(|tx| record(tx, new, &now))
    }

    /// Marks a recorded message as not a return (or back to waiting).
    pub fn set_mail_state(&mut self, id: i64, state: MailState) -> Result<(), StoreError> {
        let now = now_stamp();
        self.write(|tx| set_state(tx, id, state, None, None, &now))
    }

    /// Commits one e-mail in one transaction: the body's rows (as an e-mail), each attached
    /// return (as a spreadsheet), all received on the message's date; the original archived
    /// by hash; the message recorded (or its waiting record committed); the sender's address
    /// added to the department. Returns how many rows changed.
    pub fn commit_mail(&mut self, commit: &super::MailCommit<'_>) -> Result<usize, StoreError> {
        let now = now_stamp();
        self.write_focused(|tx, plan_id| {
            let mut changed = 0;
            if let Some(body) = commit.body {
                for row in body.rows.iter().filter(|r| r.accepted) {
                    let write = RowWrite {
                        department_id: body.department.0,
                        period: body.period,
                        key: row.key,
                        progress: row.progress.clone(),
                        remark: row.remark.clone(),
                        source: ReturnSource::Email,
                        received_on: Some(commit.received_on),
                    };
                    if super::returns::write_row(tx, plan_id, &write, &now)? {
                        changed += 1;
                    }
                }
            }
            for (parsed, bytes) in &commit.attachments {
                changed += super::returns::commit_import(
                    tx,
                    plan_id,
                    parsed,
                    commit.received_on,
                    bytes,
                    &now,
                )?;
            }
            let mail_id = match commit.existing {
                Some(id) => {
                    set_state(
                        tx,
                        id,
                        MailState::Committed,
                        commit.mail.department_id,
                        commit.mail.period,
                        &now,
                    )?;
                    id
                }
                None => record(tx, &commit.mail, &now)?,
            };
            // The e-mail is an original of every return it wrote to.
            let file_id: Option<i64> = tx.query_row(
                "SELECT source_file_id FROM mail_messages WHERE id = ?1",
                [mail_id],
                |row| row.get(0),
            )?;
            if let Some(file_id) = file_id {
                let mut touched: Vec<(i64, crate::schedule::Period)> = Vec::new();
                if let Some(body) = commit.body {
                    touched.push((body.department.0, body.period));
                }
                for (parsed, _) in &commit.attachments {
                    touched.push((parsed.department.0, parsed.period));
                }
                for (department_id, period) in touched {
                    super::returns::link_file_to(
                        tx,
                        plan_id,
                        department_id,
                        period,
                        file_id,
                        &now,
                    )?;
                }
            }
            if let Some((department_id, address)) = commit.learn_address {
                super::mailbox::add_address(tx, department_id, address, &now)?;
            }
            Ok(changed)
        })
    }
}
