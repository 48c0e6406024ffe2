//! Our unit and contact data, and app settings, as key-value rows.

use rusqlite::{Connection, OptionalExtension as _, Transaction};

use super::StoreError;
use crate::model::Settings;

/// One row of `settings` by key: the value, if the row is there.
pub(super) fn value(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| {
            row.get(0)
        })
        .optional()?)
}

/// Sets one row of `settings`.
pub(super) fn set_value(tx: &Transaction<'_>, key: &str, value: &str) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute((key, value))?;
    Ok(())
}

const KEYS: [&str; 7] = [
    "unit",
    "contact_person",
    "phone",
    "email",
    "shift_due_dates",
    "warn_days",
    "city_email",
];

pub(super) fn load(conn: &Connection) -> Result<Settings, StoreError> {
    let mut statement = conn.prepare("SELECT value FROM settings WHERE key = ?1")?;
    let mut values: [Option<String>; 7] = Default::default();
    for (key, value) in KEYS.iter().zip(values.iter_mut()) {
        *value = statement
            .query_row([key], |row| row.get::<_, String>(0))
            .optional()?;
    }
    let [unit, contact_person, phone, email, shift, warn, city] = values;
    Ok(Settings {
        unit: unit.unwrap_or_default(),
        contact_person: contact_person.unwrap_or_default(),
        phone: phone.unwrap_or_default(),
        email: email.unwrap_or_default(),
        // On unless she turned it off: a due date on a rest day moves to the next working day.
        shift_due_dates: shift.as_deref() != Some("0"),
        warn_days: warn
            .and_then(|w| w.parse().ok())
            .unwrap_or(Settings::DEFAULT_WARN_DAYS),
        city_email: city.unwrap_or_default(),
    })
}

pub(super) fn save(tx: &Transaction<'_>, settings: &Settings) -> Result<(), StoreError> {
    if !(1..=90).contains(&settings.warn_days) {
        return Err(StoreError::Invalid(
            "提前提醒天数须在1至90天之间".to_owned(),
        ));
    }
    let city = settings.city_email.trim();
    if !city.is_empty() {
        check_address(city)?;
    }
    let shift = if settings.shift_due_dates { "1" } else { "0" };
    let warn = settings.warn_days.to_string();
    let values = [
        settings.unit.trim(),
        settings.contact_person.trim(),
        settings.phone.trim(),
        settings.email.trim(),
        shift,
        warn.as_str(),
        city,
    ];
    for (key, value) in KEYS.iter().zip(values) {
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, value),
        )?;
    }
    Ok(())
}

/// Refuses a city address that is not one e-mail address.
pub fn check_address(address: &str) -> Result<(), StoreError> {
    crate::mail::address::check_outgoing(address)
        .map(|_| ())
        .map_err(|error| {
            StoreError::Invalid(format!(
                "上级单位邮箱“{}”不是有效的邮箱地址（应形如 name@example.com，只填一个地址）：{error}",
                address.chars().filter(|c| !c.is_control()).take(80).collect::<String>()
            ))
        })
}

/// The key set while a ledger the window created waits for the first start's choice.
const FIRST_START_KEY: &str = "first_start_pending";

/// Whether the first start's choice (own plan, example, blank) is still to be made.
pub(super) fn first_start_pending(conn: &Connection) -> Result<bool, StoreError> {
    Ok(conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [FIRST_START_KEY],
            |row| row.get::<_, String>(0),
        )
        .optional()?
        .is_some_and(|v| v == "1"))
}

/// Marks the first start's choice as pending or made.
pub(super) fn set_first_start_pending(
    tx: &Transaction<'_>,
    pending: bool,
) -> Result<(), StoreError> {
    if pending {
        tx.execute(
            "INSERT INTO settings (key, value) VALUES (?1, '1')
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [FIRST_START_KEY],
        )?;
    } else {
        tx.execute("DELETE FROM settings WHERE key = ?1", [FIRST_START_KEY])?;
    }
    Ok(())
}
