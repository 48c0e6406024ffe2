use rusqlite::{Connection, OptionalExtension as _, Transaction};

use super::StoreError;
use crate::model::Settings;

const KEYS: [&str; 4] = ["unit", "contact_person", "phone", "email"];

pub(super) fn load(conn: &Connection) -> Result<Settings, StoreError> {
    let mut statement = conn.prepare("SELECT value FROM settings WHERE key = ?1")?;
    let mut values = KEYS.map(|_| String::new());
    for (key, value) in KEYS.iter().zip(values.iter_mut()) {
        if let Some(stored) = statement
            .query_row([key], |row| row.get::<_, String>(0))
            .optional()?
        {
            *value = stored;
        }
    }
    let [unit, contact_person, phone, email] = values;
    Ok(Settings {
        unit,
        contact_person,
        phone,
        email,
    })
}

pub(super) fn save(tx: &Transaction<'_>, settings: &Settings) -> Result<(), StoreError> {
    let values = [
        &settings.unit,
        &settings.contact_person,
        &settings.phone,
        &settings.email,
    ];
    for (key, value) in KEYS.iter().zip(values) {
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value.trim()),
        )?;
    }
    Ok(())
}
