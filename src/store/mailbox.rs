//! The mailbox's settings (everything but the secret), the addresses departments write from,
//! and the chase e-mails sent.

use rusqlite::{Connection, OptionalExtension as _, Transaction};

use super::{Ledger, StoreError, now_stamp};
use crate::mail::tls::Security;

/// The mailbox settings (everything but the secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailboxSettings {
    pub address: String,
    pub imap_host: String,
    pub imap_port: u16,
    pub imap_security: Security,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: Security,
    pub folder: String,
}

impl Default for MailboxSettings {
    fn default() -> Self {
        Self::preset_163(String::new())
    }
}

impl MailboxSettings {
    /// 163's servers: IMAP 993 and SMTP 465, both TLS.
    pub fn preset_163(address: String) -> Self {
        Self {
            address,
            imap_host: "imap.163.com".to_owned(),
            imap_port: 993,
            imap_security: Security::Tls,
            smtp_host: "smtp.163.com".to_owned(),
            smtp_port: 465,
            smtp_security: Security::Tls,
            folder: "INBOX".to_owned(),
        }
    }

    /// Whether enough is filled in to connect.
    pub fn is_set(&self) -> bool {
        !self.address.trim().is_empty() && !self.imap_host.trim().is_empty()
    }
}

const MAILBOX_KEY: &str = "mailbox";

pub(super) fn load_mailbox(conn: &Connection) -> Result<MailboxSettings, StoreError> {
    let stored: Option<String> = conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [MAILBOX_KEY],
            |row| row.get(0),
        )
        .optional()?;
    let Some(stored) = stored else {
        return Ok(MailboxSettings::default());
    };
    let mut settings = MailboxSettings::default();
    for line in stored.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let value = value.trim().to_owned();
        match key.trim() {
            "address" => settings.address = value,
            "imap_host" => settings.imap_host = value,
            "imap_port" => settings.imap_port = value.parse().unwrap_or(993),
            "imap_security" => {
                settings.imap_security = Security::parse(&value).unwrap_or_default();
            }
            "smtp_host" => settings.smtp_host = value,
            "smtp_port" => settings.smtp_port = value.parse().unwrap_or(465),
            "smtp_security" => {
                settings.smtp_security = Security::parse(&value).unwrap_or_default();
            }
            "folder" => settings.folder = value,
            _ => {}
        }
    }
    Ok(settings)
}

pub(super) fn save_mailbox(
    tx: &Transaction<'_>,
    settings: &MailboxSettings,
) -> Result<(), StoreError> {
    let clean = |text: &str| text.replace(['\n', '\r'], "").trim().to_owned();
    if settings.imap_port == 0 || settings.smtp_port == 0 {
        return Err(StoreError::Invalid("端口须在 1 至 65535 之间".to_owned()));
    }
    let value = format!(
        "address={}\nimap_host={}\nimap_port={}\nimap_security={}\nsmtp_host={}\nsmtp_port={}\nsmtp_security={}\nfolder={}",
        clean(&settings.address),
        clean(&settings.imap_host),
        settings.imap_port,
        settings.imap_security.code(),
        clean(&settings.smtp_host),
        settings.smtp_port,
        settings.smtp_security.code(),
        if settings.folder.trim().is_empty() {
            "INBOX".to_owned()
        } else {
            clean(&settings.folder)
        },
    );
    super::settings::set_value(tx, MAILBOX_KEY, &value)
}

/// Every department's learned addresses, by department.
pub(super) fn addresses(
    conn: &Connection,
) -> Result<std::collections::HashMap<i64, Vec<String>>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT department_id, address FROM department_addresses ORDER BY department_id, id",
    )?;
    let mut map: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    let rows = statement.query_map([], |row| Ok((row.get::<_, i64>(0)?, row.get(1)?)))?;
    for row in rows {
        let (department_id, address) = row?;
        map.entry(department_id).or_default().push(address);
    }
    Ok(map)
}

/// Adds an address to a department; an address another department had moves here (the
/// user's latest assignment wins).
pub(super) fn add_address(
    tx: &Transaction<'_>,
    department_id: i64,
    address: &str,
    now: &str,
) -> Result<bool, StoreError> {
    let address = address.trim().to_lowercase();
    if address.is_empty() || !address.contains('@') {
        return Ok(false);
    }
    let changed = tx.execute(
        "INSERT INTO department_addresses (department_id, address, added_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (address) DO UPDATE SET department_id = excluded.department_id
         WHERE department_addresses.department_id != excluded.department_id",
        (department_id, &address, now),
    )?;
    Ok(changed > 0)
}

pub(super) fn remove_address(
    tx: &Transaction<'_>,
    department_id: i64,
    address: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "DELETE FROM department_addresses WHERE department_id = ?1 AND address = ?2",
        (department_id, address.trim()),
    )?;
    Ok(())
}

impl Ledger {
    /// The mailbox settings (the secret is in the system's credential store).
    pub fn mailbox_settings(&self) -> Result<MailboxSettings, StoreError> {
        load_mailbox(&self.conn)
    }

    pub fn save_mailbox_settings(&mut self, settings: &MailboxSettings) -> Result<(), StoreError> {
        self.write(|tx| save_mailbox(tx, settings))
    }

    /// Adds an address a department writes from.
    pub fn add_department_address(
        &mut self,
        department_id: i64,
        address: &str,
    ) -> Result<(), StoreError> {
        let now = now_stamp();
        self.write(|tx| add_address(tx, department_id, address, &now).map(|_| ()))
    }

    /// Forgets an address a department wrote from.
    pub fn remove_department_address(
        &mut self,
        department_id: i64,
        address: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| remove_address(tx, department_id, address))
    }
}
