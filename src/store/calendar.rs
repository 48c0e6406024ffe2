//! Stored calendar items and milestones' done dates.

use chrono::NaiveDate;
use rusqlite::{Connection, Transaction};

use super::{StoreError, join_lines, split_lines};
use crate::deadlines::CalendarItem;
use crate::model::parse_date;

pub(super) fn items(conn: &Connection) -> Result<Vec<CalendarItem>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT id, date, title, departments, done_on FROM calendar_items ORDER BY date, id",
    )?;
    let items = statement
        .query_map([], |row| {
            Ok((
                row.get::<_, i64>("id")?,
                row.get::<_, String>("date")?,
                row.get::<_, String>("title")?,
                row.get::<_, String>("departments")?,
                row.get::<_, Option<String>>("done_on")?,
            ))
        })?
        .filter_map(|row| {
            row.map(|(id, date, title, departments, done_on)| {
                parse_date(&date).map(|date| CalendarItem {
                    id,
                    date,
                    title,
                    departments: split_lines(&departments),
                    done_on: done_on.as_deref().and_then(parse_date),
                })
            })
            .transpose()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(items)
}

pub(super) fn add_item(
    tx: &Transaction<'_>,
    date: NaiveDate,
    title: &str,
    departments: &[String],
    now: &str,
) -> Result<i64, StoreError> {
    if title.trim().is_empty() {
        return Err(StoreError::Invalid("事项名称不能为空".to_owned()));
    }
    tx.execute(
        "INSERT INTO calendar_items (date, title, departments, created_at) VALUES (?1, ?2, ?3, ?4)",
        (
            date.format("%Y-%m-%d").to_string(),
            title.trim(),
            join_lines(departments),
            now,
        ),
    )?;
    Ok(tx.last_insert_rowid())
}

pub(super) fn set_item_done(
    tx: &Transaction<'_>,
    id: i64,
    done_on: Option<NaiveDate>,
) -> Result<(), StoreError> {
    let changed = tx.execute(
        "UPDATE calendar_items SET done_on = ?1 WHERE id = ?2",
        (done_on.map(|d| d.format("%Y-%m-%d").to_string()), id),
    )?;
    if changed == 0 {
        return Err(StoreError::Invalid("该事项已不存在".to_owned()));
    }
    Ok(())
}

pub(super) fn delete_item(tx: &Transaction<'_>, id: i64) -> Result<(), StoreError> {
    tx.execute("DELETE FROM calendar_items WHERE id = ?1", [id])?;
    Ok(())
}

pub(super) fn set_milestone_done(
    tx: &Transaction<'_>,
    milestone_id: i64,
    done_on: Option<NaiveDate>,
    note: &str,
) -> Result<(), StoreError> {
    let changed = tx.execute(
        "UPDATE milestones SET done_on = ?1, done_note = ?2 WHERE id = ?3",
        (
            done_on.map(|d| d.format("%Y-%m-%d").to_string()),
            note.trim(),
            milestone_id,
        ),
    )?;
    if changed == 0 {
        return Err(StoreError::Invalid("该时间节点已不存在".to_owned()));
    }
    Ok(())
}
