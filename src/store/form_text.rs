//! The form's title and notes: edited by the coordinator on 进展表, each earlier version kept
//! in `form_history`; moved a year on when a form is copied to a later plan.

use rusqlite::{Connection, OptionalExtension as _, Transaction};

use super::{Ledger, StoreError, join_lines, now_stamp, split_lines};
use crate::model::FormTextEntry;

/// The longest title and note a form keeps (characters).
pub const MAX_TITLE_CHARS: usize = 200;
pub const MAX_NOTE_CHARS: usize = 500;
pub const MAX_NOTES: usize = 30;

/// The title and notes as they will be stored: trimmed, invisible characters dropped, empty
/// notes left out. Refuses an empty title and text past the limits.
pub fn clean_form_text(title: &str, notes: &[String]) -> Result<(String, Vec<String>), StoreError> {
    let title = crate::files::clean_name(title).trim().to_owned();
    if title.is_empty() {
        return Err(StoreError::Invalid("表格标题不能为空".to_owned()));
    }
    if title.chars().count() > MAX_TITLE_CHARS {
        return Err(StoreError::Invalid(format!(
            "表格标题超过 {MAX_TITLE_CHARS} 个字"
        )));
    }
    let notes: Vec<String> = notes
        .iter()
        .map(|note| crate::files::clean_name(note).trim().to_owned())
        .filter(|note| !note.is_empty())
        .collect();
    if notes.len() > MAX_NOTES {
        return Err(StoreError::Invalid(format!("表注超过 {MAX_NOTES} 条")));
    }
    if let Some(long) = notes.iter().find(|n| n.chars().count() > MAX_NOTE_CHARS) {
        let start: String = long.chars().take(12).collect();
        return Err(StoreError::Invalid(format!(
            "表注“{start}…”超过 {MAX_NOTE_CHARS} 个字"
        )));
    }
    Ok((title, notes))
}

/// Sets a plan's form title and notes; what they replace goes to the history. A plan without
/// a form gets one (no rows yet). Returns whether anything changed.
pub(super) fn set_form_text(
    tx: &Transaction<'_>,
    plan_id: i64,
    title: &str,
    notes: &[String],
    now: &str,
) -> Result<bool, StoreError> {
    let existing = form_text(tx, plan_id)?;
    let notes = join_lines(notes);
    match existing {
        Some((_, old_title, old_notes)) if old_title == title && old_notes == notes => Ok(false),
        Some((form_id, old_title, old_notes)) => {
            tx.execute(
                "INSERT INTO form_history (form_id, title, notes, replaced_at)
                 VALUES (?1, ?2, ?3, ?4)",
                (form_id, &old_title, &old_notes, now),
            )?;
            tx.execute(
                "UPDATE forms SET title = ?1, notes = ?2 WHERE id = ?3",
                (title, &notes, form_id),
            )?;
            Ok(true)
        }
        None => {
            tx.execute(
                "INSERT INTO forms (plan_id, label, title, notes) VALUES (?1, '附件', ?2, ?3)",
                (plan_id, title, &notes),
            )?;
            Ok(true)
        }
    }
}

/// A plan's form: its id, title and notes (one per line); `None` when it has none.
fn form_text(
    tx: &Transaction<'_>,
    plan_id: i64,
) -> Result<Option<(i64, String, String)>, StoreError> {
    Ok(tx
        .query_row(
            "SELECT id, title, notes FROM forms WHERE plan_id = ?1",
            [plan_id],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?)
}

/// A form's earlier titles and notes, newest first.
pub(super) fn history(conn: &Connection, form_id: i64) -> Result<Vec<FormTextEntry>, StoreError> {
    let mut statement = conn.prepare_cached(
        "SELECT title, notes, replaced_at FROM form_history WHERE form_id = ?1 ORDER BY id DESC",
    )?;
    let entries = statement
        .query_map([form_id], |row| {
            Ok(FormTextEntry {
                title: row.get(0)?,
                notes: split_lines(&row.get::<_, String>(1)?),
                replaced_at: row.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(entries)
}

/// Moves the years of a copied form's title and notes from the year of the plan it came from
/// to the year of the plan it now belongs to (`2019年…进展` → `2020年…进展`).
pub(super) fn move_years(tx: &Transaction<'_>, from: i64, to: i64) -> Result<(), StoreError> {
    let year = |plan: i64| -> Result<i32, StoreError> {
        Ok(
            tx.query_row("SELECT year FROM plans WHERE id = ?1", [plan], |row| {
                row.get(0)
            })?,
        )
    };
    let (from_year, to_year) = (year(from)?, year(to)?);
    if from_year == to_year {
        return Ok(());
    }
    shift_form(tx, to, (from_year, to_year), None)?;
    // The rule's wording quotes the earlier plan: say so.
    let quoted = |column: &str| {
        format!(
            "UPDATE reporting_rules SET {column} = '沿用{from_year}年计划：' || {column}
             WHERE plan_id = ?1 AND {column} <> '' AND {column} NOT LIKE '沿用%'"
        )
    };
    tx.execute(&quoted("due_day_source"), [to])?;
    tx.execute(&quoted("form_due_day_source"), [to])?;
    Ok(())
}

/// Moves the years of a plan's form (title, notes, rows) from `from_year` to `to_year`; with
/// `history` (the time of the change), the title and notes it replaces are kept in
/// `form_history`. Whether anything changed.
fn shift_form(
    tx: &Transaction<'_>,
    plan_id: i64,
    (from_year, to_year): (i32, i32),
    history: Option<&str>,
) -> Result<bool, StoreError> {
    let Some((form_id, title, notes)) = form_text(tx, plan_id)? else {
        return Ok(false);
    };
    let shift = |text: &str| crate::model::shift_years(text, from_year, to_year);
    let (new_title, new_notes) = (shift(&title), shift(&notes));
    let mut changed = new_title != title || new_notes != notes;
    if changed {
        if let Some(now) = history {
            tx.execute(
                "INSERT INTO form_history (form_id, title, notes, replaced_at)
                 VALUES (?1, ?2, ?3, ?4)",
                (form_id, &title, &notes, now),
            )?;
        }
        tx.execute(
            "UPDATE forms SET title = ?1, notes = ?2 WHERE id = ?3",
            (new_title, new_notes, form_id),
        )?;
    }
    // The rows speak of the year too (`（2019年度内）`, `19年4月…20年1月分别报送`).
    let rows: Vec<(i64, String)> = tx
        .prepare(
            "SELECT r.id, r.text FROM form_rows r JOIN form_groups g ON g.id = r.group_id
             WHERE g.form_id = ?1",
        )?
        .query_map([form_id], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (row_id, text) in rows {
        let moved = shift(&text);
        if moved != text {
            changed = true;
            tx.execute(
                "UPDATE form_rows SET text = ?1 WHERE id = ?2",
                (moved, row_id),
            )?;
        }
    }
    Ok(changed)
}

/// The upgrade to version 7: a plan carried forward by an earlier version kept last year's
/// form (`2019年…进展` on a 2020 plan, so its January sheet went up as "…2020年1月2019年…").
/// Its title, notes and rows are moved on as today's carry-forward moves them, the old text
/// kept in the form's history. A title the coordinator already set to the plan's year is left.
pub(super) fn fix_carried_form_years(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let carried: Vec<(i64, i32, String)> = tx
        .prepare(
            "SELECT p.id, p.year, f.title FROM plans p JOIN forms f ON f.plan_id = p.id
             WHERE p.kind = 'carried' ORDER BY p.id",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<_, _>>()?;
    let now = now_stamp();
    for (plan_id, year, title) in carried {
        let last = format!("{}年", year - 1);
        if title.contains(&last) && !title.contains(&format!("{year}年")) {
            shift_form(tx, plan_id, (year - 1, year), Some(&now))?;
        }
    }
    Ok(())
}

impl Ledger {
    /// Sets the title and notes of a plan's form (进展表's 表格标题 and 表注), keeping what they
    /// replace in the history. Returns whether anything changed.
    pub fn set_form_text(
        &mut self,
        plan_id: i64,
        title: &str,
        notes: &[String],
    ) -> Result<bool, StoreError> {
        let (title, notes) = clean_form_text(title, notes)?;
        let now = now_stamp();
        self.write(|tx| {
            let exists: Option<i64> = tx
                .query_row("SELECT id FROM plans WHERE id = ?1", [plan_id], |row| {
                    row.get(0)
                })
                .optional()?;
            if exists.is_none() {
                return Err(StoreError::Invalid(format!(
                    "台账中没有编号为 {plan_id} 的计划"
                )));
            }
            set_form_text(tx, plan_id, &title, &notes, &now)
        })
    }
}
