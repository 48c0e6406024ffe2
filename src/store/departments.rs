//! Stored departments: listing, editing, aliases.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension as _, Transaction};

use super::StoreError;
use crate::model::{Department, DepartmentOrigin};

/// A department as the user edited it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepartmentEdit {
    pub id: i64,
    pub name: String,
    pub aliases: Vec<String>,
    pub contact_person: String,
    pub phone: String,
    pub email: String,
}

impl DepartmentEdit {
    /// The edit that changes nothing.
    pub fn from_department(department: &Department) -> Self {
        Self {
            id: department.id,
            name: department.name.clone(),
            aliases: department.aliases.clone(),
            contact_person: department.contact_person.clone(),
            phone: department.phone.clone(),
            email: department.email.clone(),
        }
    }
}

pub(super) fn list(conn: &Connection) -> Result<Vec<Department>, StoreError> {
    let mut statement =
        conn.prepare("SELECT department_id, alias FROM department_aliases ORDER BY alias")?;
    let mut aliases: HashMap<i64, Vec<String>> = HashMap::new();
    let rows = statement.query_map([], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
    })?;
    for row in rows {
        let (department_id, alias) = row?;
        aliases.entry(department_id).or_default().push(alias);
    }
    let mut addresses = super::mailbox::addresses(conn)?;
    let mut statement = conn.prepare(
        "SELECT id, name, contact_person, phone, email, origin
         FROM departments ORDER BY position, id",
    )?;
    let departments = statement
        .query_map([], |row| {
            let id: i64 = row.get("id")?;
            Ok(Department {
                id,
                name: row.get("name")?,
                aliases: Vec::new(),
                contact_person: row.get("contact_person")?,
                phone: row.get("phone")?,
                email: row.get("email")?,
                addresses: Vec::new(),
                origin: DepartmentOrigin::from_str_lossy(&row.get::<_, String>("origin")?),
                extra_tasks: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut extra = extra_tasks(conn)?;
    Ok(departments
        .into_iter()
        .map(|mut department| {
            department.aliases = aliases.remove(&department.id).unwrap_or_default();
            department.addresses = addresses.remove(&department.id).unwrap_or_default();
            department.extra_tasks = extra.remove(&department.id).unwrap_or_default();
            department
        })
        .collect())
}

/// The settings key of the tasks departments report besides their form rows: a line per
/// department, `department_id task_id task_id …`.
const EXTRA_TASKS: &str = "department_extra_tasks";

/// The tasks each department reports besides its form rows.
fn extra_tasks(conn: &Connection) -> Result<HashMap<i64, Vec<i64>>, StoreError> {
    let stored = super::settings::value(conn, EXTRA_TASKS)?;
    let mut extra = HashMap::new();
    for line in stored.unwrap_or_default().lines() {
        let mut ids = line
            .split_whitespace()
            .filter_map(|id| id.parse::<i64>().ok());
        if let Some(department) = ids.next() {
            extra.insert(department, ids.collect());
        }
    }
    Ok(extra)
}

fn save_extra_tasks(
    tx: &Transaction<'_>,
    extra: &HashMap<i64, Vec<i64>>,
) -> Result<(), StoreError> {
    let mut lines: Vec<String> = extra
        .iter()
        .filter(|(_, tasks)| !tasks.is_empty())
        .map(|(department, tasks)| {
            std::iter::once(*department)
                .chain(tasks.iter().copied())
                .map(|id| id.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    lines.sort();
    super::settings::set_value(tx, EXTRA_TASKS, &lines.join("\n"))
}

/// The tasks a department leads.
fn led_tasks(tx: &Transaction<'_>, department_id: i64) -> Result<Vec<i64>, StoreError> {
    let mut statement = tx.prepare(
        "SELECT task_id FROM task_departments WHERE department_id = ?1 AND role = 'lead'
         ORDER BY task_id",
    )?;
    let ids = statement
        .query_map([department_id], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// Whether a department is named on any form row.
fn on_form(tx: &Transaction<'_>, department_id: i64) -> Result<bool, StoreError> {
    Ok(tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM form_row_departments WHERE department_id = ?1)",
        [department_id],
        |row| row.get(0),
    )?)
}

/// Which department, other than `except`, already uses `name` as its name or an alias.
fn holder_of_name(
    tx: &Transaction<'_>,
    name: &str,
    except: i64,
) -> Result<Option<String>, StoreError> {
    Ok(tx
        .query_row(
            "SELECT d.name FROM departments d
             WHERE d.id != ?2 AND (d.name = ?1 OR EXISTS (
                 SELECT 1 FROM department_aliases a WHERE a.department_id = d.id AND a.alias = ?1))
             ORDER BY d.id LIMIT 1",
            (name, except),
            |row| row.get(0),
        )
        .optional()?)
}

/// The longest name a department may have.
const MAX_NAME: usize = 40;

/// A department name as stored: control and invisible characters dropped, white space made
/// one, at most [`MAX_NAME`] characters.
pub(super) fn clean_department_name(name: &str) -> Result<String, StoreError> {
    let name = crate::files::clean_name(name);
    if name.is_empty() {
        return Err(StoreError::Invalid("部门名称不能为空".to_owned()));
    }
    if name.chars().count() > MAX_NAME {
        return Err(StoreError::Invalid(format!(
            "部门名称过长（最多{MAX_NAME}个字）"
        )));
    }
    Ok(name)
}

pub(super) fn update(tx: &Transaction<'_>, edit: &DepartmentEdit) -> Result<(), StoreError> {
    let name = clean_department_name(&edit.name)?;
    let name = name.as_str();
    let old_name: String = tx
        .query_row(
            "SELECT name FROM departments WHERE id = ?1",
            [edit.id],
            |row| row.get(0),
        )
        .optional()?
        .ok_or_else(|| StoreError::Invalid("该部门已不存在".to_owned()))?;

    // A renamed department keeps its old name as an alias, so that documents using it still match.
    let mut aliases: Vec<String> = edit
        .aliases
        .iter()
        .filter(|alias| !crate::files::clean_name(alias).is_empty())
        .map(|alias| clean_department_name(alias))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .filter(|alias| alias != name)
        .collect();
    if old_name != name && !aliases.contains(&old_name) {
        aliases.push(old_name);
    }
    aliases.sort();
    aliases.dedup();

    for candidate in std::iter::once(name).chain(aliases.iter().map(String::as_str)) {
        if let Some(holder) = holder_of_name(tx, candidate, edit.id)? {
            return Err(StoreError::Invalid(format!(
                "名称“{candidate}”已被部门“{holder}”使用"
            )));
        }
    }

    tx.execute(
        "UPDATE departments SET name = ?1, contact_person = ?2, phone = ?3, email = ?4 WHERE id = ?5",
        (
            name,
            edit.contact_person.trim(),
            edit.phone.trim(),
            edit.email.trim(),
            edit.id,
        ),
    )?;
    tx.execute(
        "DELETE FROM department_aliases WHERE department_id = ?1",
        [edit.id],
    )?;
    for alias in &aliases {
        tx.execute(
            "INSERT INTO department_aliases (department_id, alias) VALUES (?1, ?2)",
            (edit.id, alias),
        )?;
    }
    Ok(())
}

/// Adds a department by hand (a blank ledger's, or a new unit); its id. A name another
/// department uses as its name or alias is refused.
pub(super) fn add(tx: &Transaction<'_>, name: &str, now: &str) -> Result<i64, StoreError> {
    let name = clean_department_name(name)?;
    let name = name.as_str();
    if let Some(holder) = holder_of_name(tx, name, 0)? {
        return Err(StoreError::Invalid(format!(
            "名称“{name}”已被部门“{holder}”使用"
        )));
    }
    tx.execute(
        "INSERT INTO departments (name, origin, position, created_at)
         VALUES (?1, 'user', (SELECT coalesce(max(position), 0) + 1 FROM departments), ?2)",
        (name, now),
    )?;
    Ok(tx.last_insert_rowid())
}

/// Merges department `from` into `into` (two units merged in 机构改革): `from`'s name and
/// aliases become `into`'s aliases, its duties, addresses, mail and chase records move over,
/// and its returns go with them. Where both sent a return for the same plan and month, the
/// rows `into` lacks move over and a row both filled keeps `into`'s text with `from`'s in its
/// history, so nothing either sent is lost. `from` is then removed.
pub(super) fn merge(
    tx: &Transaction<'_>,
    from: i64,
    into: i64,
    now: &str,
) -> Result<(), StoreError> {
    if from == into {
        return Err(StoreError::Invalid("不能把部门合并到它自己".to_owned()));
    }
    let name_of = |id: i64| -> Result<String, StoreError> {
        tx.query_row("SELECT name FROM departments WHERE id = ?1", [id], |row| {
            row.get(0)
        })
        .optional()?
        .ok_or_else(|| StoreError::Invalid("要合并的部门已不存在".to_owned()))
    };
    let from_name = name_of(from)?;
    name_of(into)?;

    // Names: `from`'s aliases and name become `into`'s aliases.
    tx.execute(
        "UPDATE department_aliases SET department_id = ?2 WHERE department_id = ?1",
        (from, into),
    )?;
    // Contact data `into` lacks.
    for column in ["contact_person", "phone", "email"] {
        tx.execute(
            &format!(
                "UPDATE departments SET {column} = (SELECT {column} FROM departments WHERE id = ?1)
                 WHERE id = ?2 AND {column} = ''"
            ),
            (from, into),
        )?;
    }
    // The tasks each reported before: a department on the form reports its form rows (and any
    // tasks kept from an earlier merge), one that is not reports the tasks it leads. The
    // merged department keeps both duties, no more.
    let mut extra = extra_tasks(tx)?;
    let mut reported = Vec::new();
    for id in [from, into] {
        if on_form(tx, id)? {
            reported.extend(extra.remove(&id).unwrap_or_default());
        } else {
            reported.extend(led_tasks(tx, id)?);
        }
    }
    reported.sort_unstable();
    reported.dedup();
    // Duties: a task or form row both had keeps one entry (a lead stays a lead).
    for table in ["task_departments", "form_row_departments"] {
        tx.execute(
            &format!("UPDATE OR IGNORE {table} SET department_id = ?2 WHERE department_id = ?1"),
            (from, into),
        )?;
        tx.execute(
            &format!("DELETE FROM {table} WHERE department_id = ?1"),
            [from],
        )?;
    }
    tx.execute(
        "DELETE FROM task_departments WHERE department_id = ?1 AND role = 'participant'
           AND task_id IN (SELECT task_id FROM task_departments
                           WHERE department_id = ?1 AND role = 'lead')",
        [into],
    )?;
    for table in [
        "department_addresses",
        "chase_sends",
        "mail_messages",
        "mail_sends",
    ] {
        tx.execute(
            &format!("UPDATE {table} SET department_id = ?2 WHERE department_id = ?1"),
            (from, into),
        )?;
    }
    if on_form(tx, into)? && !reported.is_empty() {
        extra.insert(into, reported);
    }
    save_extra_tasks(tx, &extra)?;

    // Returns.
    let returns: Vec<(i64, i64, String)> = tx
        .prepare("SELECT id, plan_id, period FROM returns WHERE department_id = ?1")?
        .query_map([from], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<Result<_, _>>()?;
    for (return_id, plan_id, period) in returns {
        let existing: Option<i64> = tx
            .query_row(
                "SELECT id FROM returns WHERE plan_id = ?1 AND department_id = ?2 AND period = ?3",
                (plan_id, into, &period),
                |row| row.get(0),
            )
            .optional()?;
        let Some(kept) = existing else {
            tx.execute(
                "UPDATE returns SET department_id = ?2 WHERE id = ?1",
                (return_id, into),
            )?;
            continue;
        };
        merge_return_rows(tx, return_id, kept, now)?;
        tx.execute(
            "UPDATE returns SET
                 received_on = CASE
                     WHEN received_on IS NULL THEN (SELECT received_on FROM returns WHERE id = ?1)
                     WHEN (SELECT received_on FROM returns WHERE id = ?1) < received_on
                         THEN (SELECT received_on FROM returns WHERE id = ?1)
                     ELSE received_on END,
                 source_file_id = coalesce(source_file_id,
                     (SELECT source_file_id FROM returns WHERE id = ?1)),
                 note = trim(note || ' ' || (SELECT note FROM returns WHERE id = ?1)),
                 updated_at = ?3
             WHERE id = ?2",
            (return_id, kept, now),
        )?;
        tx.execute("DELETE FROM returns WHERE id = ?1", [return_id])?;
    }
    tx.execute(
        "INSERT OR IGNORE INTO department_aliases (department_id, alias) VALUES (?1, ?2)",
        (into, &from_name),
    )?;
    tx.execute("DELETE FROM departments WHERE id = ?1", [from])?;
    Ok(())
}

/// Moves the rows of return `from` into return `into`: rows `into` lacks move over (with
/// their history); a row both have keeps `into`'s text, or `from`'s when `into`'s is empty,
/// and the other text goes into the row's history (with its own source and time).
fn merge_return_rows(
    tx: &Transaction<'_>,
    from: i64,
    into: i64,
    now: &str,
) -> Result<(), StoreError> {
    type Row = (
        i64,
        Option<i64>,
        Option<i64>,
        String,
        String,
        String,
        String,
    );
    let rows: Vec<Row> = tx
        .prepare(
            "SELECT id, form_row_id, task_id, progress, remark, source, updated_at
             FROM return_rows WHERE return_id = ?1",
        )?
        .query_map([from], |row| {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
                row.get(6)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    for (row_id, form_row, task, progress, remark, source, written_at) in rows {
        let same: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, progress FROM return_rows WHERE return_id = ?1
                   AND form_row_id IS ?2 AND task_id IS ?3",
                (into, form_row, task),
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let Some((kept_row, kept_progress)) = same else {
            tx.execute(
                "UPDATE return_rows SET return_id = ?2 WHERE id = ?1",
                (row_id, into),
            )?;
            continue;
        };
        if kept_progress.trim().is_empty() && !progress.trim().is_empty() {
            // `from`'s text is the one worth keeping: the empty one goes to the history.
            tx.execute(
                "INSERT INTO return_row_history
                     (return_row_id, progress, remark, source, written_at, replaced_at)
                 SELECT id, progress, remark, source, updated_at, ?2 FROM return_rows WHERE id = ?1",
                (kept_row, now),
            )?;
            tx.execute(
                "UPDATE return_rows SET progress = ?2, remark = ?3, source = ?4, updated_at = ?5
                 WHERE id = ?1",
                (kept_row, &progress, &remark, &source, now),
            )?;
        } else {
            tx.execute(
                "INSERT INTO return_row_history
                     (return_row_id, progress, remark, source, written_at, replaced_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (kept_row, &progress, &remark, &source, &written_at, now),
            )?;
        }
        tx.execute(
            "UPDATE return_row_history SET return_row_id = ?2 WHERE return_row_id = ?1",
            (row_id, kept_row),
        )?;
    }
    Ok(())
}
