//! Stored returns and their rows, with the history of every overwritten value and the archived
//! original files.

use rusqlite::{Connection, OptionalExtension as _, Transaction};

use super::StoreError;
use crate::model::parse_date;
use crate::returns::{HistoryEntry, ReturnRecord, ReturnRow, ReturnSource, RowKey, RowWrite};
use crate::schedule::Period;

fn key_of(form_row_id: Option<i64>, task_id: Option<i64>) -> Option<RowKey> {
    match (form_row_id, task_id) {
        (Some(id), _) => Some(RowKey::FormRow(id)),
        (None, Some(id)) => Some(RowKey::Task(id)),
        (None, None) => None,
    }
}

fn key_columns(key: RowKey) -> (Option<i64>, Option<i64>) {
    match key {
        RowKey::FormRow(id) => (Some(id), None),
        RowKey::Task(id) => (None, Some(id)),
    }
}

/// The returns of a plan, for one period or all, with their rows; sorted by period, then
/// department order.
pub(super) fn load(
    conn: &Connection,
    plan_id: i64,
    period: Option<Period>,
) -> Result<Vec<ReturnRecord>, StoreError> {
    let period_text = period.map(|p| p.to_string());
    let mut statement = conn.prepare(
        "SELECT r.id, r.department_id, r.period, r.received_on, r.source, r.source_file_id,
             f.name AS file_name, r.sent_back_at
         FROM returns r JOIN departments d ON d.id = r.department_id
         LEFT JOIN source_files f ON f.id = r.source_file_id
         WHERE r.plan_id = ?1 AND (?2 IS NULL OR r.period = ?2)
         ORDER BY r.period, d.position, d.id",
    )?;
    let mut records = statement
        .query_map((plan_id, &period_text), |row| {
            Ok((
                row.get::<_, i64>("id")?,
                row.get::<_, i64>("department_id")?,
                row.get::<_, String>("period")?,
                row.get::<_, Option<String>>("received_on")?,
                row.get::<_, String>("source")?,
                row.get::<_, Option<i64>>("source_file_id")?
                    .zip(row.get::<_, Option<String>>("file_name")?),
                row.get::<_, Option<String>>("sent_back_at")?,
            ))
        })?
        .map(|row| {
            let (id, department_id, period, received_on, source, source_file, sent_back_at) = row?;
            let period = Period::parse(&period)
                .ok_or_else(|| StoreError::Invalid(format!("台账中的报送月份“{period}”无效")))?;
            Ok(ReturnRecord {
                id,
                department_id,
                period,
                received_on: received_on.as_deref().and_then(parse_date),
                source: ReturnSource::from_code(&source),
                rows: Vec::new(),
                source_file,
                sent_back_at,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;

    let mut statement = conn.prepare(
        "SELECT rr.id, rr.return_id, rr.form_row_id, rr.task_id, rr.progress, rr.remark,
             rr.source, rr.updated_at,
             (SELECT count(*) FROM return_row_history h WHERE h.return_row_id = rr.id) AS history_len
         FROM return_rows rr JOIN returns r ON r.id = rr.return_id
         WHERE r.plan_id = ?1 AND (?2 IS NULL OR r.period = ?2)
         ORDER BY rr.return_id, rr.id",
    )?;
    let rows = statement.query_map((plan_id, &period_text), |row| {
        Ok((
            row.get::<_, i64>("return_id")?,
            key_of(row.get("form_row_id")?, row.get("task_id")?),
            ReturnRow {
                id: row.get("id")?,
                key: RowKey::FormRow(0),
                progress: row.get("progress")?,
                remark: row.get("remark")?,
                source: ReturnSource::from_code(&row.get::<_, String>("source")?),
                updated_at: row.get("updated_at")?,
                history_len: row.get::<_, i64>("history_len")?.try_into().unwrap_or(0),
            },
        ))
    })?;
    let mut by_return: std::collections::HashMap<i64, Vec<ReturnRow>> =
        std::collections::HashMap::new();
    for row in rows {
        let (return_id, key, mut return_row) = row?;
        let Some(key) = key else { continue };
        return_row.key = key;
        by_return.entry(return_id).or_default().push(return_row);
    }
    for record in &mut records {
        record.rows = by_return.remove(&record.id).unwrap_or_default();
    }
    Ok(records)
}

/// The id of the return of a department for a period, created if missing. A new return is
/// marked received on `received_on`; an existing one keeps its date unless it had none.
fn ensure_return(
    tx: &Transaction<'_>,
    plan_id: i64,
    department_id: i64,
    period: Period,
    received_on: Option<&str>,
    source: ReturnSource,
    now: &str,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO returns (plan_id, department_id, period, received_on, source, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (plan_id, department_id, period) DO UPDATE SET
             received_on = COALESCE(returns.received_on, excluded.received_on),
             source = CASE WHEN returns.received_on IS NULL THEN excluded.source ELSE returns.source END,
             sent_back_at = CASE WHEN excluded.received_on IS NULL THEN returns.sent_back_at END,
             updated_at = excluded.updated_at",
        (
            plan_id,
            department_id,
            period.to_string(),
            received_on,
            source.code(),
            now,
        ),
    )
    .map_err(|error| match error.sqlite_error_code() {
        Some(rusqlite::ErrorCode::ConstraintViolation) => {
            StoreError::Invalid("该部门已不存在".to_owned())
        }
        _ => error.into(),
    })?;
    Ok(tx.query_row(
        "SELECT id FROM returns WHERE plan_id = ?1 AND department_id = ?2 AND period = ?3",
        (plan_id, department_id, period.to_string()),
        |row| row.get(0),
    )?)
}

/// Checks that a row key belongs to the plan.
fn check_key(tx: &Transaction<'_>, plan_id: i64, key: RowKey) -> Result<(), StoreError> {
    let found = match key {
        RowKey::FormRow(id) => tx
            .query_row(
                "SELECT 1 FROM form_rows r JOIN form_groups g ON g.id = r.group_id
                 JOIN forms f ON f.id = g.form_id WHERE r.id = ?1 AND f.plan_id = ?2",
                (id, plan_id),
                |_| Ok(()),
            )
            .optional()?,
        RowKey::Task(id) => tx
            .query_row(
                "SELECT 1 FROM tasks WHERE id = ?1 AND plan_id = ?2",
                (id, plan_id),
                |_| Ok(()),
            )
            .optional()?,
    };
    found.ok_or_else(|| StoreError::Invalid("该行不属于当前计划".to_owned()))
}

/// Writes a row's text. An overwritten value goes to the history first. Returns whether
/// anything changed.
pub(super) fn write_row(
    tx: &Transaction<'_>,
    plan_id: i64,
    write: &RowWrite,
    now: &str,
) -> Result<bool, StoreError> {
    check_key(tx, plan_id, write.key)?;
    let received_on = write.received_on.map(|d| d.format("%Y-%m-%d").to_string());
    let return_id = ensure_return(
        tx,
        plan_id,
        write.department_id,
        write.period,
        received_on.as_deref(),
        write.source,
        now,
    )?;
    let (form_row_id, task_id) = key_columns(write.key);
    let existing = tx
        .query_row(
            "SELECT id, progress, remark, source, updated_at FROM return_rows
             WHERE return_id = ?1 AND form_row_id IS ?2 AND task_id IS ?3",
            (return_id, form_row_id, task_id),
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, String>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, String>(4)?,
                ))
            },
        )
        .optional()?;
    match existing {
        Some((_, progress, remark, _, _))
            if progress == write.progress && remark == write.remark =>
        {
            Ok(false)
        }
        Some((row_id, progress, remark, source, written_at)) => {
            tx.execute(
                "INSERT INTO return_row_history
                     (return_row_id, progress, remark, source, written_at, replaced_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (row_id, progress, remark, source, written_at, now),
            )?;
            tx.execute(
                "UPDATE return_rows SET progress = ?1, remark = ?2, source = ?3, updated_at = ?4
                 WHERE id = ?5",
                (
                    &write.progress,
                    &write.remark,
                    write.source.code(),
                    now,
                    row_id,
                ),
            )?;
            Ok(true)
        }
        None => {
            tx.execute(
                "INSERT INTO return_rows
                     (return_id, form_row_id, task_id, progress, remark, source, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                (
                    return_id,
                    form_row_id,
                    task_id,
                    &write.progress,
                    &write.remark,
                    write.source.code(),
                    now,
                ),
            )?;
            // A row the return left empty changed nothing the user can see.
            Ok(!(write.progress.is_empty() && write.remark.is_empty()))
        }
    }
}

/// Marks a return received on a day (or not received, with `None`), creating it if needed.
pub(super) fn set_received(
    tx: &Transaction<'_>,
    plan_id: i64,
    department_id: i64,
    period: Period,
    received_on: Option<chrono::NaiveDate>,
    source: ReturnSource,
    now: &str,
) -> Result<(), StoreError> {
    let return_id = ensure_return(tx, plan_id, department_id, period, None, source, now)?;
    tx.execute(
        "UPDATE returns SET received_on = ?1, source = ?2, updated_at = ?3 WHERE id = ?4",
        (
            received_on.map(|d| d.format("%Y-%m-%d").to_string()),
            source.code(),
            now,
            return_id,
        ),
    )?;
    Ok(())
}

/// A row's earlier values, newest first.
pub(super) fn history(
    conn: &Connection,
    return_row_id: i64,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT id, progress, remark, source, written_at, replaced_at FROM return_row_history
         WHERE return_row_id = ?1 ORDER BY id DESC",
    )?;
    let entries = statement
        .query_map([return_row_id], |row| {
            Ok(HistoryEntry {
                id: row.get("id")?,
                progress: row.get("progress")?,
                remark: row.get("remark")?,
                source: ReturnSource::from_code(&row.get::<_, String>("source")?),
                written_at: row.get("written_at")?,
                replaced_at: row.get("replaced_at")?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(entries)
}

/// Puts an earlier value back as the row's current text (the value it replaces goes to the
/// history, as with any overwrite).
pub(super) fn restore(
    tx: &Transaction<'_>,
    plan_id: i64,
    history_id: i64,
    now: &str,
) -> Result<(), StoreError> {
    let found = tx
        .query_row(
            "SELECT h.progress, h.remark, r.department_id, r.period, r.received_on,
                 rr.form_row_id, rr.task_id
             FROM return_row_history h
             JOIN return_rows rr ON rr.id = h.return_row_id
             JOIN returns r ON r.id = rr.return_id
             WHERE h.id = ?1 AND r.plan_id = ?2",
            (history_id, plan_id),
            |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, i64>(2)?,
                    row.get::<_, String>(3)?,
                    row.get::<_, Option<String>>(4)?,
                    row.get::<_, Option<i64>>(5)?,
                    row.get::<_, Option<i64>>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((progress, remark, department_id, period, received_on, form_row_id, task_id)) = found
    else {
        return Err(StoreError::Invalid("该历史记录已不存在".to_owned()));
    };
    let (Some(period), Some(key)) = (Period::parse(&period), key_of(form_row_id, task_id)) else {
        return Err(StoreError::Invalid("该历史记录无效".to_owned()));
    };
    let received_on = received_on.as_deref().and_then(parse_date);
    write_row(
        tx,
        plan_id,
        &RowWrite {
            department_id,
            period,
            key,
            progress,
            remark,
            source: ReturnSource::Manual,
            received_on,
        },
        now,
    )?;
    Ok(())
}

/// An archived file with these contents, if one was imported before: (name, when).
pub(super) fn find_source_file(
    conn: &Connection,
    sha256: &str,
) -> Result<Option<(String, String)>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT name, added_at FROM source_files WHERE sha256 = ?1 ORDER BY id LIMIT 1",
            [sha256],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?)
}

/// Stores an imported spreadsheet's accepted rows, marks the return received, and archives
/// the original file. Returns how many rows changed.
pub(super) fn commit_import(
    tx: &Transaction<'_>,
    plan_id: i64,
    parsed: &crate::returns::spreadsheet::ParsedReturn,
    received_on: chrono::NaiveDate,
    bytes: &[u8],
    now: &str,
) -> Result<usize, StoreError> {
    let (department_id, _) = parsed.department;
    let mut changed = 0;
    for row in parsed.rows.iter().filter(|r| r.accepted) {
        let write = RowWrite {
            department_id,
            period: parsed.period,
            key: row.key,
            progress: row.progress.clone(),
            remark: row.remark.clone(),
            source: ReturnSource::Spreadsheet,
            received_on: Some(received_on),
        };
        if write_row(tx, plan_id, &write, now)? {
            changed += 1;
        }
    }
    let received = received_on.format("%Y-%m-%d").to_string();
    let return_id = ensure_return(
        tx,
        plan_id,
        department_id,
        parsed.period,
        Some(&received),
        ReturnSource::Spreadsheet,
        now,
    )?;
    // A file is archived once, by its hash: importing it again points at the same copy.
    let archived: Option<i64> = tx
        .query_row(
            "SELECT id FROM source_files WHERE sha256 = ?1 AND kind = 'return' ORDER BY id LIMIT 1",
            [&parsed.sha256],
            |row| row.get(0),
        )
        .optional()?;
    let file_id = match archived {
        Some(id) => id,
        None => {
            tx.execute(
                "INSERT INTO source_files (name, kind, sha256, size, content, added_at)
                 VALUES (?1, 'return', ?2, ?3, ?4, ?5)",
                (
                    &parsed.file_name,
                    &parsed.sha256,
                    i64::try_from(bytes.len()).unwrap_or(i64::MAX),
                    bytes,
                    now,
                ),
            )?;
            tx.last_insert_rowid()
        }
    };
    tx.execute(
        "UPDATE returns SET source_file_id = ?1 WHERE id = ?2",
        (file_id, return_id),
    )?;
    link_file(tx, return_id, file_id, now)?;
    Ok(changed)
}

/// Keeps that the return came (also) in this original file.
fn link_file(
    tx: &Transaction<'_>,
    return_id: i64,
    file_id: i64,
    now: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT OR IGNORE INTO return_files (return_id, source_file_id, added_at)
         VALUES (?1, ?2, ?3)",
        (return_id, file_id, now),
    )?;
    Ok(())
}

/// Keeps that the department's return for the month came (also) in this original file (the
/// e-mail it was committed from).
pub(super) fn link_file_to(
    tx: &Transaction<'_>,
    plan_id: i64,
    department_id: i64,
    period: Period,
    file_id: i64,
    now: &str,
) -> Result<(), StoreError> {
    let return_id: Option<i64> = tx
        .query_row(
            "SELECT id FROM returns WHERE plan_id = ?1 AND department_id = ?2 AND period = ?3",
            (plan_id, department_id, period.to_string()),
            |row| row.get(0),
        )
        .optional()?;
    match return_id {
        Some(id) => link_file(tx, id, file_id, now),
        None => Ok(()),
    }
}

/// An archived file's name and contents.
pub(super) fn source_file(conn: &Connection, id: i64) -> Result<(String, Vec<u8>), StoreError> {
    conn.query_row(
        "SELECT name, content FROM source_files WHERE id = ?1",
        [id],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()?
    .ok_or_else(|| StoreError::Invalid("原始文件已不在台账中".to_owned()))
}
