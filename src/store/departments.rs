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
    let mut addresses = super::mail::addresses(conn)?;
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
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(departments
        .into_iter()
        .map(|mut department| {
            department.aliases = aliases.remove(&department.id).unwrap_or_default();
            department.addresses = addresses.remove(&department.id).unwrap_or_default();
            department
        })
        .collect())
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

pub(super) fn update(tx: &Transaction<'_>, edit: &DepartmentEdit) -> Result<(), StoreError> {
    let name = edit.name.trim();
    if name.is_empty() {
        return Err(StoreError::Invalid("部门名称不能为空".to_owned()));
    }
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
        .map(|alias| alias.trim().to_owned())
        .filter(|alias| !alias.is_empty() && alias != name)
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
