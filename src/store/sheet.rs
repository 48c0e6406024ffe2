//! The coordinator's wording of sheet rows, with their history.

use rusqlite::{Connection, OptionalExtension as _, Transaction};

use super::StoreError;
use crate::schedule::Period;
use crate::sheet::{SheetEdit, SheetHistoryEntry};

/// The coordinator's edits of a period's sheet.
pub(super) fn load(
    conn: &Connection,
    plan_id: i64,
    period: Option<Period>,
) -> Result<Vec<SheetEdit>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT s.id, s.period, s.form_row_id, s.progress, s.remark, s.based_on, s.updated_at,
             (SELECT count(*) FROM sheet_row_history h WHERE h.sheet_row_id = s.id) AS history_len
         FROM sheet_rows s WHERE s.plan_id = ?1 AND (?2 IS NULL OR s.period = ?2)
         ORDER BY s.period, s.form_row_id",
    )?;
    let edits = statement
        .query_map((plan_id, period.map(|p| p.to_string())), |row| {
            Ok(SheetEdit {
                period: Period::parse(&row.get::<_, String>("period")?)
                    .unwrap_or(Period { year: 0, month: 1 }),
                id: row.get("id")?,
                form_row_id: row.get("form_row_id")?,
                progress: row.get("progress")?,
                remark: row.get("remark")?,
                based_on: row.get("based_on")?,
                updated_at: row.get("updated_at")?,
                history_len: row.get::<_, i64>("history_len")?.try_into().unwrap_or(0),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(edits)
}

/// Saves a sheet row's text; the value it replaces goes to the history.
#[expect(clippy::too_many_arguments)]
pub(super) fn save(
    tx: &Transaction<'_>,
    plan_id: i64,
    period: Period,
    form_row_id: i64,
    progress: &str,
    remark: &str,
    based_on: &str,
    now: &str,
) -> Result<(), StoreError> {
    let belongs = tx
        .query_row(
            "SELECT 1 FROM form_rows r JOIN form_groups g ON g.id = r.group_id
             JOIN forms f ON f.id = g.form_id WHERE r.id = ?1 AND f.plan_id = ?2",
            (form_row_id, plan_id),
            |_| Ok(()),
        )
        .optional()?;
    if belongs.is_none() {
        return Err(StoreError::Invalid("该行不属于当前计划的进展表".to_owned()));
    }
    let existing = tx
        .query_row(
            "SELECT id, progress, remark, updated_at FROM sheet_rows
             WHERE plan_id = ?1 AND period = ?2 AND form_row_id = ?3",
            (plan_id, period.to_string(), form_row_id),
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                ))
            },
        )
        .optional()?;
    match existing {
        Some((id, old_progress, old_remark, written_at)) => {
            if old_progress != progress || old_remark != remark {
                tx.execute(
                    "INSERT INTO sheet_row_history (sheet_row_id, progress, remark, written_at, replaced_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    (id, old_progress, old_remark, written_at, now),
                )?;
            }
            tx.execute(
                "UPDATE sheet_rows SET progress = ?1, remark = ?2, based_on = ?3, updated_at = ?4
                 WHERE id = ?5",
                (progress, remark, based_on, now, id),
            )?;
        }
        None => {
            tx.execute(
                "INSERT INTO sheet_rows (plan_id, period, form_row_id, progress, remark, based_on, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                (plan_id, period.to_string(), form_row_id, progress, remark, based_on, now),
            )?;
        }
    }
    Ok(())
}

/// A sheet row's earlier values, newest first.
pub(super) fn history(
    conn: &Connection,
    sheet_row_id: i64,
) -> Result<Vec<SheetHistoryEntry>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT progress, remark, written_at, replaced_at FROM sheet_row_history
         WHERE sheet_row_id = ?1 ORDER BY id DESC",
    )?;
    let rows = statement
        .query_map([sheet_row_id], |row| {
            Ok(SheetHistoryEntry {
                progress: row.get(0)?,
                remark: row.get(1)?,
                written_at: row.get(2)?,
                replaced_at: row.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
