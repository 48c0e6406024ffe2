//! Storing a read plan document as a new plan, and listing the ledger's plans.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension as _, Transaction};

use super::{StoreError, pos};
use crate::plan_text::ParsedPlan;

/// A plan in the ledger, for choosing the current one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanSummary {
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub is_current: bool,
    pub task_count: usize,
    pub kind: crate::model::PlanKind,
    /// Shown and chased (not closed).
    pub active: bool,
    /// What the plan's reporting months follow from (as [`crate::model::Plan`]'s fields).
    pub issued_on: Option<chrono::NaiveDate>,
    pub reporting_from: Option<chrono::NaiveDate>,
}

impl PlanSummary {
    /// The plan's name for lists: `2019年 …计划（示例）`.
    pub fn label(&self) -> String {
        crate::model::plan_label(self.year, &self.title, self.kind)
    }

    /// The months the plan has returns for, as [`crate::schedule::plan_periods`] says of the
    /// whole plan, without loading it.
    pub fn periods(&self) -> Vec<crate::schedule::Period> {
        crate::schedule::reporting_periods(self.year, self.reporting_from.or(self.issued_on))
    }
}

/// An original file kept in the ledger.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

pub use crate::hash::sha256_hex;

pub(super) fn list(conn: &Connection) -> Result<Vec<PlanSummary>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT p.id, p.year, p.title, p.is_current, p.kind, p.state, p.issued_on,
             p.reporting_from,
             (SELECT count(*) FROM tasks t WHERE t.plan_id = p.id) AS task_count
         FROM plans p ORDER BY p.year, p.id",
    )?;
    let plans = statement
        .query_map([], |row| {
            Ok(PlanSummary {
                id: row.get("id")?,
                year: row.get("year")?,
                title: row.get("title")?,
                is_current: row.get("is_current")?,
                task_count: row.get::<_, i64>("task_count")?.try_into().unwrap_or(0),
                kind: crate::model::PlanKind::from_code(&row.get::<_, String>("kind")?),
                active: row.get::<_, String>("state")? == "active",
                issued_on: row
                    .get::<_, Option<String>>("issued_on")?
                    .and_then(|d| crate::model::parse_date(&d)),
                reporting_from: row
                    .get::<_, Option<String>>("reporting_from")?
                    .and_then(|m| crate::model::parse_date(&format!("{m}-01"))),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(plans)
}

pub(super) fn set_current(tx: &Transaction<'_>, plan_id: i64) -> Result<(), StoreError> {
    let exists = tx
        .query_row("SELECT 1 FROM plans WHERE id = ?1", [plan_id], |_| Ok(()))
        .optional()?;
    if exists.is_none() {
        return Err(StoreError::Invalid("该计划已不存在".to_owned()));
    }
    tx.execute("UPDATE plans SET is_current = 0 WHERE is_current = 1", [])?;
    tx.execute("UPDATE plans SET is_current = 1 WHERE id = ?1", [plan_id])?;
    Ok(())
}

/// Checks what the user is about to commit: titles, leads, dates, unique codes.
pub(super) fn check(parsed: &ParsedPlan) -> Result<(), StoreError> {
    if parsed.title.trim().is_empty() {
        return Err(StoreError::Invalid("计划名称不能为空".to_owned()));
    }
    if !(1990..=2100).contains(&parsed.year) {
        return Err(StoreError::Invalid(format!("年度“{}”无效", parsed.year)));
    }
    let mut codes = std::collections::HashSet::new();
    let mut count = 0;
    for task in parsed.tasks() {
        count += 1;
        if !codes.insert(task.code.as_str()) {
            return Err(StoreError::Invalid(format!("任务编号 {} 重复", task.code)));
        }
        if task.title.trim().is_empty() {
            return Err(StoreError::Invalid(format!("任务 {} 没有名称", task.code)));
        }
        if task.leads.is_empty() {
            return Err(StoreError::Invalid(format!(
                "任务 {}“{}”没有牵头部门，请补上或删除该任务",
                task.code, task.title
            )));
        }
        if let Some(empty) = task
            .leads
            .iter()
            .chain(&task.participants)
            .find(|p| p.name.trim().is_empty())
        {
            return Err(StoreError::Invalid(format!(
                "任务 {} 有空白的部门名称{}",
                task.code, empty.scope
            )));
        }
    }
    if count == 0 {
        return Err(StoreError::Invalid("计划中没有任务".to_owned()));
    }
    Ok(())
}

/// The department with this name or alias, created (origin `plan`) if the ledger lacks it.
fn department_id(
    tx: &Transaction<'_>,
    name: &str,
    cache: &mut HashMap<String, i64>,
    now: &str,
) -> Result<i64, StoreError> {
    if let Some(id) = cache.get(name) {
        return Ok(*id);
    }
    let found = tx
        .query_row(
            "SELECT id FROM departments WHERE name = ?1
             UNION ALL SELECT department_id FROM department_aliases WHERE alias = ?1
             LIMIT 1",
            [name],
            |row| row.get::<_, i64>(0),
        )
        .optional()?;
    let id = match found {
        Some(id) => id,
        None => {
            let cleaned = super::departments::clean_department_name(name)?;
            tx.execute(
                "INSERT INTO departments (name, origin, position, created_at)
                 VALUES (?1, 'plan', (SELECT coalesce(max(position), 0) + 1 FROM departments), ?2)",
                (cleaned, now),
            )?;
            tx.last_insert_rowid()
        }
    };
    cache.insert(name.to_owned(), id);
    Ok(id)
}

/// Stores a read and reviewed plan as a new plan beside the others. The form and reporting
/// rule are copied from the current plan (the city sends its form separately). The original
/// file is archived with its SHA-256.
pub(super) fn insert(
    tx: &Transaction<'_>,
    parsed: &ParsedPlan,
    source: Option<&SourceFile>,
    make_current: bool,
    now: &str,
) -> Result<i64, StoreError> {
    check(parsed)?;
    let previous_plan: Option<i64> = tx
        .query_row("SELECT id FROM plans WHERE is_current = 1", [], |row| {
            row.get(0)
        })
        .optional()?;

    let source_file_id = insert_source(tx, source, now)?;
    if make_current {
        tx.execute("UPDATE plans SET is_current = 0 WHERE is_current = 1", [])?;
    }
    tx.execute(
        "INSERT INTO plans (year, title, document_number, issuer, issued_on, is_current,
             source_file_id, created_at, notes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        (
            parsed.year,
            parsed.title.trim(),
            parsed.document_number.trim(),
            parsed.issuer.trim(),
            parsed.issued_on.map(|d| d.format("%Y-%m-%d").to_string()),
            make_current,
            source_file_id,
            now,
            super::join_lines(&parsed.notes),
        ),
    )?;
    let plan_id = tx.last_insert_rowid();

    insert_targets(tx, plan_id, &parsed.targets)?;
    let mut departments = HashMap::new();
    let mut task_position = 0_i64;
    for (position, section) in parsed.sections.iter().enumerate() {
        let section_id = insert_section(tx, plan_id, position, section)?;
        for task in &section.tasks {
            insert_task(
                tx,
                &NewTask {
                    plan_id,
                    section_id,
                    position: task_position,
                },
                task,
                &mut departments,
                now,
            )?;
            task_position += 1;
        }
    }
    if let Some(previous) = previous_plan {
        copy_form_and_rule(tx, previous, plan_id)?;
    }
    Ok(plan_id)
}

/// Archives a plan's original file; its id.
pub(super) fn insert_source(
    tx: &Transaction<'_>,
    source: Option<&SourceFile>,
    now: &str,
) -> Result<Option<i64>, StoreError> {
    let Some(file) = source else {
        return Ok(None);
    };
    tx.execute(
        "INSERT INTO source_files (name, kind, sha256, size, content, added_at)
         VALUES (?1, 'plan', ?2, ?3, ?4, ?5)",
        (
            &file.name,
            sha256_hex(&file.bytes),
            i64::try_from(file.bytes.len()).unwrap_or(i64::MAX),
            &file.bytes,
            now,
        ),
    )?;
    Ok(Some(tx.last_insert_rowid()))
}

/// Stores a plan's targets.
pub(super) fn insert_targets(
    tx: &Transaction<'_>,
    plan_id: i64,
    targets: &[crate::model::Target],
) -> Result<(), StoreError> {
    for (position, target) in targets.iter().enumerate() {
        tx.execute(
            "INSERT INTO targets (plan_id, position, text, wording, due_date) VALUES (?1, ?2, ?3, ?4, ?5)",
            (
                plan_id,
                pos(position),
                &target.text,
                &target.wording,
                target.due_date.map(|d| d.format("%Y-%m-%d").to_string()),
            ),
        )?;
    }
    Ok(())
}

/// Stores a section with its headings (not its tasks); its id.
pub(super) fn insert_section(
    tx: &Transaction<'_>,
    plan_id: i64,
    position: usize,
    section: &crate::plan_text::ParsedSection,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO sections (plan_id, position, number, title) VALUES (?1, ?2, ?3, ?4)",
        (plan_id, pos(position), &section.number, &section.title),
    )?;
    let section_id = tx.last_insert_rowid();
    for (position, heading) in section.headings.iter().enumerate() {
        tx.execute(
            "INSERT INTO headings (section_id, position, code, title) VALUES (?1, ?2, ?3, ?4)",
            (section_id, pos(position), &heading.code, &heading.title),
        )?;
    }
    Ok(section_id)
}

/// Where a new task goes.
pub(super) struct NewTask {
    pub plan_id: i64,
    pub section_id: i64,
    pub position: i64,
}

/// Stores a read task with its departments and milestones; its id.
pub(super) fn insert_task(
    tx: &Transaction<'_>,
    at: &NewTask,
    task: &crate::plan_text::ParsedTask,
    departments: &mut HashMap<String, i64>,
    now: &str,
) -> Result<i64, StoreError> {
    tx.execute(
        "INSERT INTO tasks (plan_id, section_id, position, code, title, body, note,
             leads_separately, deadline)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        (
            at.plan_id,
            at.section_id,
            at.position,
            &task.code,
            task.title.trim(),
            &task.body,
            &task.note,
            task.leads_separately,
            task.deadline.trim(),
        ),
    )?;
    let task_id = tx.last_insert_rowid();
    insert_task_parts(tx, task_id, task, departments, now)?;
    Ok(task_id)
}

/// Stores a task's departments and milestones.
pub(super) fn insert_task_parts(
    tx: &Transaction<'_>,
    task_id: i64,
    task: &crate::plan_text::ParsedTask,
    departments: &mut HashMap<String, i64>,
    now: &str,
) -> Result<(), StoreError> {
    let leads = task.leads.iter().map(|p| (p, "lead"));
    let participants = task.participants.iter().map(|p| (p, "participant"));
    for (position, (part, role)) in leads.chain(participants).enumerate() {
        let department = department_id(tx, &part.name, departments, now)?;
        tx.execute(
            "INSERT OR IGNORE INTO task_departments (task_id, department_id, role, scope, position)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            (task_id, department, role, part.scope.trim(), pos(position)),
        )?;
    }
    for (position, milestone) in task.milestones.iter().enumerate() {
        tx.execute(
            "INSERT INTO milestones (task_id, position, due_date, wording, clause)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            (
                task_id,
                pos(position),
                milestone.due_date.format("%Y-%m-%d").to_string(),
                &milestone.wording,
                &milestone.clause,
            ),
        )?;
    }
    Ok(())
}

/// Copies a plan's form (groups, rows, row departments) and reporting rule to another plan.
pub(super) fn copy_form_and_rule(
    tx: &Transaction<'_>,
    from: i64,
    to: i64,
) -> Result<(), StoreError> {
    copy_form_rows_and_rule(tx, from, to)?;
    // A form copied to a later year's plan speaks of that year.
    super::form_text::move_years(tx, from, to)
}

fn copy_form_rows_and_rule(tx: &Transaction<'_>, from: i64, to: i64) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO reporting_rules (plan_id, due_day, due_day_source, form_due_day,
             form_due_day_source, quarterly_months, quarterly_rule)
         SELECT ?2, due_day, due_day_source, form_due_day, form_due_day_source, quarterly_months,
             quarterly_rule
         FROM reporting_rules WHERE plan_id = ?1",
        (from, to),
    )?;
    let form = tx
        .query_row("SELECT id FROM forms WHERE plan_id = ?1", [from], |row| {
            row.get::<_, i64>(0)
        })
        .optional()?;
    let Some(old_form) = form else { return Ok(()) };
    tx.execute(
        "INSERT INTO forms (plan_id, label, title, header_fields, columns, notes)
         SELECT ?2, label, title, header_fields, columns, notes FROM forms WHERE id = ?1",
        (old_form, to),
    )?;
    let new_form = tx.last_insert_rowid();
    let mut groups =
        tx.prepare("SELECT id FROM form_groups WHERE form_id = ?1 ORDER BY position, id")?;
    let group_ids = groups
        .query_map([old_form], |row| row.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for old_group in group_ids {
        tx.execute(
            "INSERT INTO form_groups (form_id, position, name)
             SELECT ?2, position, name FROM form_groups WHERE id = ?1",
            (old_group, new_form),
        )?;
        let new_group = tx.last_insert_rowid();
        let mut rows =
            tx.prepare("SELECT id FROM form_rows WHERE group_id = ?1 ORDER BY position, id")?;
        let row_ids = rows
            .query_map([old_group], |row| row.get::<_, i64>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        for old_row in row_ids {
            tx.execute(
                "INSERT INTO form_rows (group_id, position, code, text, units, quarterly)
                 SELECT ?2, position, code, text, units, quarterly FROM form_rows WHERE id = ?1",
                (old_row, new_group),
            )?;
            let new_row = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO form_row_departments (form_row_id, department_id, position)
                 SELECT ?2, department_id, position FROM form_row_departments WHERE form_row_id = ?1",
                (old_row, new_row),
            )?;
        }
    }
    Ok(())
}
