//! A mailbox folder as the ledger knows it: its mark (the UIDVALIDITY and the UID up to which
//! every message was handled), the UIDs and Message-IDs already recorded, and the lock that
//! lets one fetch record at a time. Kept in `settings` rows, so no schema change.

use rusqlite::{Connection, OptionalExtension as _, Transaction};

use super::{Ledger, StoreError};

/// The UIDVALIDITY and last UID read from this folder.
pub(super) fn last_uid(
    conn: &Connection,
    account: &str,
    folder: &str,
) -> Result<Option<(u32, u32)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT uid_validity, MAX(uid) FROM mail_messages
             WHERE account = ?1 AND folder = ?2
             GROUP BY uid_validity ORDER BY MAX(id) DESC LIMIT 1",
            (account, folder),
            |row| Ok((row.get::<_, u32>(0)?, row.get::<_, u32>(1)?)),
        )
        .optional()?)
}

/// The UIDs recorded from this folder under this UIDVALIDITY above `after`.
pub(super) fn recorded_uids(
    conn: &Connection,
    account: &str,
    folder: &str,
    uid_validity: u32,
    after: u32,
) -> Result<std::collections::HashSet<u32>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT uid FROM mail_messages WHERE account = ?1 AND folder = ?2 AND uid_validity = ?3
         AND uid > ?4 ORDER BY uid",
    )?;
    let uids = statement
        .query_map((account, folder, uid_validity, after), |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(uids)
}

/// Every Message-ID the ledger holds.
pub(super) fn message_ids(
    conn: &Connection,
) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut statement =
        conn.prepare("SELECT DISTINCT message_id FROM mail_messages ORDER BY message_id")?;
    let ids = statement
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

fn folder_key(kind: &str, account: &str, folder: &str) -> String {
    format!("{kind}\t{account}\t{folder}")
}

/// The folder's mark: its UIDVALIDITY and the UID up to which every message was handled.
/// A ledger from before the mark was kept takes the highest UID it recorded.
pub(super) fn mark(
    conn: &Connection,
    account: &str,
    folder: &str,
) -> Result<Option<(u32, u32)>, StoreError> {
    if let Some(stored) = super::settings::value(conn, &folder_key("mail_mark", account, folder))? {
        let mut parts = stored.split_whitespace().map(str::parse::<u32>);
        if let (Some(Ok(validity)), Some(Ok(uid))) = (parts.next(), parts.next()) {
            return Ok(Some((validity, uid)));
        }
    }
    last_uid(conn, account, folder)
}

pub(super) fn set_mark(
    tx: &Transaction<'_>,
    account: &str,
    folder: &str,
    mark: (u32, u32),
) -> Result<(), StoreError> {
    super::settings::set_value(
        tx,
        &folder_key("mail_mark", account, folder),
        &format!("{} {}", mark.0, mark.1),
    )
}

/// Takes the folder's fetch lock for `token` until `expires` (seconds since 1970); refuses
/// while another holder's lock has not expired.
pub(super) fn lock_folder(
    tx: &Transaction<'_>,
    account: &str,
    folder: &str,
    token: &str,
    now: i64,
    expires: i64,
) -> Result<(), StoreError> {
    take_lease(
        tx,
        &folder_key("mail_lock", account, folder),
        token,
        (now, expires),
    )
    .map_err(|held| held.map_or_else(|e| e, StoreError::FetchRunning))
}

/// A lease on `key` (a settings row: holder, expiry, start) for `token` until `expires`;
/// `Err(Ok(since))` while another holder's lease runs. The fetch lock and the month's sends
/// take theirs here.
pub(super) fn take_lease(
    tx: &Transaction<'_>,
    key: &str,
    token: &str,
    (now, expires): (i64, i64),
) -> Result<(), Result<String, StoreError>> {
    if let Some(held) = super::settings::value(tx, key).map_err(Err)? {
        let mut parts = held.split('\t');
        let holder = parts.next().unwrap_or_default();
        let until = parts
            .next()
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or(0);
        let since = parts.next().unwrap_or_default();
        if holder != token && until > now {
            return Err(Ok(since.to_owned()));
        }
    }
    let since = chrono::Local::now().format("%H:%M:%S").to_string();
    super::settings::set_value(tx, key, &format!("{token}\t{expires}\t{since}")).map_err(Err)
}

/// Gives a lease back (when `token` still holds it).
pub(super) fn release_lease(
    tx: &Transaction<'_>,
    key: &str,
    token: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM settings WHERE key = ?1 AND value LIKE ?2",
        (key, format!("{token}\t%")),
    )?;
    Ok(())
}

/// Gives the lock back (when `token` still holds it).
pub(super) fn unlock_folder(
    tx: &Transaction<'_>,
    account: &str,
    folder: &str,
    token: &str,
) -> Result<(), StoreError> {
    release_lease(tx, &folder_key("mail_lock", account, folder), token)
}

impl Ledger {
    /// The folder's mark (UIDVALIDITY, UID up to which all was handled).
    pub fn mail_mark(&self, account: &str, folder: &str) -> Result<Option<(u32, u32)>, StoreError> {
        mark(&self.conn, account, folder)
    }

    /// UIDs recorded from a folder under a UIDVALIDITY above `after`.
    pub fn mail_recorded_uids(
        &self,
        account: &str,
        folder: &str,
        uid_validity: u32,
        after: u32,
    ) -> Result<std::collections::HashSet<u32>, StoreError> {
        recorded_uids(&self.conn, account, folder, uid_validity, after)
    }

    /// Every Message-ID the ledger holds.
    pub fn mail_message_ids(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        message_ids(&self.conn)
    }

    /// Moves the folder's mark on.
    pub fn set_mail_mark(
        &mut self,
        account: &str,
        folder: &str,
        mark: (u32, u32),
    ) -> Result<(), StoreError> {
        self.write(|tx| set_mark(tx, account, folder, mark))
    }

    /// Whether each commit of this connection waits until it is on disk (`synchronous=FULL`,
    /// the default) or only until it is in the write-ahead log (`NORMAL`). A fetch records
    /// most messages with `false` and one a second with `true`: that commit's sync makes every
    /// commit before it durable too, because the log is written in order. A crash of the
    /// process loses nothing either way; a power cut loses at most the last second, whole
    /// messages at a time and always before the folder's mark (written durably, last).
    pub fn set_durable(&self, durable: bool) -> Result<(), StoreError> {
        let level = if durable { "FULL" } else { "NORMAL" };
        self.conn.pragma_update(None, "synchronous", level)?;
        Ok(())
    }

    /// Takes the folder's fetch lock for `token` for `seconds`; refuses while another holds it.
    pub fn lock_mail_folder(
        &mut self,
        account: &str,
        folder: &str,
        token: &str,
        seconds: i64,
    ) -> Result<(), StoreError> {
        let now = chrono::Utc::now().timestamp();
        self.write(|tx| lock_folder(tx, account, folder, token, now, now + seconds))
    }

    /// Gives the folder's fetch lock back.
    pub fn unlock_mail_folder(
        &mut self,
        account: &str,
        folder: &str,
        token: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| unlock_folder(tx, account, folder, token))
    }
}
