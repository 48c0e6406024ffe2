//! Loading a stored plan, and storing the bundled one into a new ledger.

use std::collections::{HashMap, HashSet};

use rusqlite::{Connection, OptionalExtension as _, Transaction};

use super::{StoreError, join_lines, pos, split_lines};
use crate::model::{
    Form, FormGroup, FormRow, Heading, Milestone, Plan, ReportingRule, Section, Target, Task,
    TaskDepartment, parse_date,
};
use crate::seed::Seed;

/// Loads the bundled plan into a fresh ledger as its current plan, with its departments and
/// our unit's settings.
pub(super) fn insert_seed(tx: &Transaction<'_>, seed: &Seed, now: &str) -> Result<(), StoreError> {
    let mut department_ids: HashMap<&str, i64> = HashMap::new();
    for (position, department) in seed.departments.iter().enumerate() {
        tx.execute(
            "INSERT INTO departments (name, origin, position, created_at) VALUES (?1, ?2, ?3, ?4)",
            (&department.name, &department.origin, pos(position), now),
        )?;
        let id = tx.last_insert_rowid();
        department_ids.insert(department.name.as_str(), id);
        for alias in &department.aliases {
            tx.execute(
                "INSERT INTO department_aliases (department_id, alias) VALUES (?1, ?2)",
                (id, alias),
            )?;
        }
    }
    let department_id = |name: &str| {
        department_ids
            .get(name)
            .copied()
            .ok_or_else(|| StoreError::Invalid(format!("部门“{name}”不存在")))
    };

    // The plan itself goes in as any read plan does; the seed adds the form and the rule.
    let plan_id = super::plan_import::insert(tx, &seed.to_parsed_plan()?, None, true, now)?;
    tx.execute("UPDATE plans SET kind = 'example' WHERE id = ?1", [plan_id])?;

    let form = &seed.form;
    tx.execute(
        "INSERT INTO forms (plan_id, label, title, header_fields, columns, notes)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        (
            plan_id,
            &form.label,
            &form.title,
            join_lines(&form.header_fields),
            join_lines(&form.columns),
            join_lines(&form.notes),
        ),
    )?;
    let form_id = tx.last_insert_rowid();
    for (group_index, group) in form.groups.iter().enumerate() {
        tx.execute(
            "INSERT INTO form_groups (form_id, position, name) VALUES (?1, ?2, ?3)",
            (form_id, pos(group_index), &group.name),
        )?;
        let group_id = tx.last_insert_rowid();
        for (row_index, row) in group.rows.iter().enumerate() {
            let code = format!("{}.{}", group_index + 1, row_index + 1);
            tx.execute(
                "INSERT INTO form_rows (group_id, position, code, text, units, quarterly)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (
                    group_id,
                    pos(row_index),
                    code,
                    &row.text,
                    join_lines(&row.units),
                    row.quarterly,
                ),
            )?;
            let row_id = tx.last_insert_rowid();
            for (position, name) in row.departments.iter().enumerate() {
                tx.execute(
                    "INSERT INTO form_row_departments (form_row_id, department_id, position)
                     VALUES (?1, ?2, ?3)",
                    (row_id, department_id(name)?, pos(position)),
                )?;
            }
        }
    }

    let rule = &seed.reporting;
    let months: Vec<String> = rule.quarterly_months.iter().map(u32::to_string).collect();
    tx.execute(
        "INSERT INTO reporting_rules (plan_id, due_day, due_day_source, form_due_day,
             form_due_day_source, quarterly_months, quarterly_rule)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        (
            plan_id,
            rule.due_day,
            &rule.due_day_source,
            rule.form_due_day,
            &rule.form_due_day_source,
            months.join(","),
            &rule.quarterly_rule,
        ),
    )?;

    let settings = &seed.settings;
    super::settings::save(
        tx,
        &crate::model::Settings {
            unit: settings.unit.clone(),
            contact_person: settings.contact_person.clone(),
            phone: settings.phone.clone(),
            email: settings.email.clone(),
            ..crate::model::Settings::default()
        },
    )
}

/// The id of the plan marked current.
pub(super) fn current_plan_id(conn: &Connection) -> Result<i64, StoreError> {
    conn.query_row(
        "SELECT id FROM plans WHERE is_current = 1 ORDER BY id LIMIT 1",
        [],
        |row| row.get(0),
    )
    .optional()?
    .ok_or_else(|| StoreError::Invalid("台账中没有当前计划".to_owned()))
}

/// The plan `focus` names, checked to exist, or the current plan.
pub(super) fn focused_plan_id(conn: &Connection, focus: Option<i64>) -> Result<i64, StoreError> {
    match focus {
        None => current_plan_id(conn),
        Some(id) => conn
            .query_row("SELECT id FROM plans WHERE id = ?1", [id], |row| row.get(0))
            .optional()?
            .ok_or_else(|| StoreError::Invalid(format!("台账中没有编号为 {id} 的计划"))),
    }
}

/// One plan with everything that belongs to it.
pub(super) fn load_plan(conn: &Connection, plan_id: i64) -> Result<Plan, StoreError> {
    let (year, title, document_number, issuer, issued_on) = conn.query_row(
        "SELECT year, title, document_number, issuer, issued_on FROM plans WHERE id = ?1",
        [plan_id],
        |row| {
            Ok((
                row.get::<_, i32>("year")?,
                row.get::<_, String>("title")?,
                row.get::<_, String>("document_number")?,
                row.get::<_, String>("issuer")?,
                row.get::<_, Option<String>>("issued_on")?,
            ))
        },
    )?;
    let (kind, state, is_current, notes, reporting_from, carried_from) = conn.query_row(
        "SELECT kind, state, is_current, notes, reporting_from, carried_from
         FROM plans WHERE id = ?1",
        [plan_id],
        |row| {
            Ok((
                row.get::<_, String>("kind")?,
                row.get::<_, String>("state")?,
                row.get::<_, bool>("is_current")?,
                row.get::<_, String>("notes")?,
                row.get::<_, Option<String>>("reporting_from")?,
                row.get::<_, Option<i64>>("carried_from")?,
            ))
        },
    )?;

    let mut statement = conn.prepare(
        "SELECT text, wording, due_date FROM targets WHERE plan_id = ?1 ORDER BY position, id",
    )?;
    let targets = statement
        .query_map([plan_id], |row| {
            Ok(Target {
                text: row.get("text")?,
                wording: row.get("wording")?,
                due_date: row
                    .get::<_, Option<String>>("due_date")?
                    .and_then(|d| parse_date(&d)),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;

    let mut sections = load_sections(conn, plan_id)?;
    let mut tasks_by_section = load_tasks(conn, plan_id)?;
    for section in &mut sections {
        section.tasks = tasks_by_section.remove(&section.id).unwrap_or_default();
    }

    Ok(Plan {
        id: plan_id,
        year,
        title,
        document_number,
        issuer,
        issued_on: issued_on.and_then(|d| parse_date(&d)),
        targets,
        sections,
        form: load_form(conn, plan_id)?,
        reporting: load_reporting(conn, plan_id)?,
        kind: crate::model::PlanKind::from_code(&kind),
        active: state == "active",
        is_current,
        notes: split_lines(&notes),
        reporting_from: reporting_from.and_then(|m| parse_date(&format!("{m}-01"))),
        carried_from,
    })
}

fn load_sections(conn: &Connection, plan_id: i64) -> Result<Vec<Section>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT id, number, title FROM sections WHERE plan_id = ?1 ORDER BY position, id",
    )?;
    let mut sections = statement
        .query_map([plan_id], |row| {
            Ok(Section {
                id: row.get("id")?,
                number: row.get("number")?,
                title: row.get("title")?,
                headings: Vec::new(),
                tasks: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut statement = conn
        .prepare("SELECT code, title FROM headings WHERE section_id = ?1 ORDER BY position, id")?;
    for section in &mut sections {
        section.headings = statement
            .query_map([section.id], |row| {
                Ok(Heading {
                    code: row.get("code")?,
                    title: row.get("title")?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
    }
    Ok(sections)
}

fn load_tasks(conn: &Connection, plan_id: i64) -> Result<HashMap<i64, Vec<Task>>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT id, section_id, code, title, body, note, leads_separately, deadline, closed_on,
             carried_from
         FROM tasks WHERE plan_id = ?1 ORDER BY position, id",
    )?;
    let tasks: Vec<(i64, Task)> = statement
        .query_map([plan_id], |row| {
            Ok((
                row.get("section_id")?,
                Task {
                    id: row.get("id")?,
                    code: row.get("code")?,
                    title: row.get("title")?,
                    body: row.get("body")?,
                    note: row.get("note")?,
                    leads_separately: row.get("leads_separately")?,
                    leads: Vec::new(),
                    participants: Vec::new(),
                    milestones: Vec::new(),
                    deadline: row.get("deadline")?,
                    closed_on: row
                        .get::<_, Option<String>>("closed_on")?
                        .and_then(|d| parse_date(&d)),
                    carried_from: row.get("carried_from")?,
                },
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;

    let mut statement = conn.prepare(
        "SELECT td.task_id, td.department_id, d.name, td.role, td.scope
         FROM task_departments td
         JOIN tasks t ON t.id = td.task_id
         JOIN departments d ON d.id = td.department_id
         WHERE t.plan_id = ?1
         ORDER BY td.task_id, td.position, td.id",
    )?;
    let mut roles: HashMap<i64, Vec<(String, TaskDepartment)>> = HashMap::new();
    let rows = statement.query_map([plan_id], |row| {
        Ok((
            row.get::<_, i64>("task_id")?,
            row.get::<_, String>("role")?,
            TaskDepartment {
                department_id: row.get("department_id")?,
                name: row.get("name")?,
                scope: row.get("scope")?,
            },
        ))
    })?;
    for row in rows {
        let (task_id, role, department) = row?;
        roles.entry(task_id).or_default().push((role, department));
    }

    let mut statement = conn.prepare(
        "SELECT m.id, m.task_id, m.due_date, m.wording, m.clause, m.done_on, m.done_note
         FROM milestones m JOIN tasks t ON t.id = m.task_id
         WHERE t.plan_id = ?1
         ORDER BY m.task_id, m.position, m.id",
    )?;
    let mut milestones: HashMap<i64, Vec<Milestone>> = HashMap::new();
    let rows = statement.query_map([plan_id], |row| {
        Ok((
            row.get::<_, i64>("task_id")?,
            row.get::<_, String>("due_date")?,
            Milestone {
                id: row.get("id")?,
                due_date: chrono::NaiveDate::MIN,
                wording: row.get("wording")?,
                clause: row.get("clause")?,
                done_on: row
                    .get::<_, Option<String>>("done_on")?
                    .and_then(|d| parse_date(&d)),
                done_note: row.get("done_note")?,
            },
        ))
    })?;
    for row in rows {
        let (task_id, due_date, mut milestone) = row?;
        milestone.due_date = parse_date(&due_date)
            .ok_or_else(|| StoreError::Invalid(format!("台账中的日期“{due_date}”无效")))?;
        milestones.entry(task_id).or_default().push(milestone);
    }

    let mut by_section: HashMap<i64, Vec<Task>> = HashMap::new();
    for (section_id, mut task) in tasks {
        for (role, department) in roles.remove(&task.id).unwrap_or_default() {
            if role == "lead" {
                task.leads.push(department);
            } else {
                task.participants.push(department);
            }
        }
        task.milestones = milestones.remove(&task.id).unwrap_or_default();
        by_section.entry(section_id).or_default().push(task);
    }
    Ok(by_section)
}

fn load_form(conn: &Connection, plan_id: i64) -> Result<Form, StoreError> {
    let form = conn
        .query_row(
            "SELECT id, label, title, header_fields, columns, notes FROM forms WHERE plan_id = ?1",
            [plan_id],
            |row| {
                Ok((
                    row.get::<_, i64>("id")?,
                    Form {
                        label: row.get("label")?,
                        title: row.get("title")?,
                        header_fields: split_lines(&row.get::<_, String>("header_fields")?),
                        columns: split_lines(&row.get::<_, String>("columns")?),
                        notes: split_lines(&row.get::<_, String>("notes")?),
                        groups: Vec::new(),
                        history: Vec::new(),
                    },
                ))
            },
        )
        .optional()?;
    let Some((form_id, mut form)) = form else {
        return Ok(Form::default());
    };
    form.history = super::form_text::history(conn, form_id)?;

    let mut statement = conn.prepare(
        "SELECT frd.form_row_id, d.id, d.name
         FROM form_row_departments frd
         JOIN form_rows r ON r.id = frd.form_row_id
         JOIN form_groups g ON g.id = r.group_id
         JOIN departments d ON d.id = frd.department_id
         WHERE g.form_id = ?1
         ORDER BY frd.form_row_id, frd.position",
    )?;
    let mut row_departments: HashMap<i64, Vec<(i64, String)>> = HashMap::new();
    let rows = statement.query_map([form_id], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    for row in rows {
        let (row_id, department_id, name) = row?;
        row_departments
            .entry(row_id)
            .or_default()
            .push((department_id, name));
    }

    let mut groups =
        conn.prepare("SELECT id, name FROM form_groups WHERE form_id = ?1 ORDER BY position, id")?;
    let mut rows = conn.prepare(
        "SELECT id, code, text, units, quarterly FROM form_rows WHERE group_id = ?1 ORDER BY position, id",
    )?;
    let group_list = groups
        .query_map([form_id], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (group_id, name) in group_list {
        let group_rows = rows
            .query_map([group_id], |row| {
                let id: i64 = row.get("id")?;
                Ok(FormRow {
                    id,
                    code: row.get("code")?,
                    text: row.get("text")?,
                    units: split_lines(&row.get::<_, String>("units")?),
                    departments: Vec::new(),
                    quarterly: row.get("quarterly")?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let group_rows = group_rows
            .into_iter()
            .map(|mut row| {
                row.departments = row_departments.remove(&row.id).unwrap_or_default();
                row
            })
            .collect();
        form.groups.push(FormGroup {
            name,
            rows: group_rows,
        });
    }
    Ok(form)
}

fn load_reporting(conn: &Connection, plan_id: i64) -> Result<ReportingRule, StoreError> {
    let rule = conn
        .query_row(
            "SELECT due_day, due_day_source, form_due_day, form_due_day_source, quarterly_months,
                 quarterly_rule
             FROM reporting_rules WHERE plan_id = ?1",
            [plan_id],
            |row| {
                Ok(ReportingRule {
                    due_day: row.get("due_day")?,
                    due_day_source: row.get("due_day_source")?,
                    form_due_day: row.get("form_due_day")?,
                    form_due_day_source: row.get("form_due_day_source")?,
                    quarterly_months: row
                        .get::<_, String>("quarterly_months")?
                        .split(',')
                        .filter_map(|m| m.trim().parse().ok())
                        .collect(),
                    quarterly_rule: row.get("quarterly_rule")?,
                })
            },
        )
        .optional()?;
    Ok(rule.unwrap_or_default())
}

impl super::Ledger {
    /// The tasks of `plan_id` carried on into a later plan that is not closed (沿用上年, and
    /// kept when the real plan replaced the carried one). Their milestones not done show as
    /// carried, not overdue; closing the later plan makes them overdue again.
    pub fn carried_tasks(&self, plan_id: i64) -> Result<HashSet<i64>, StoreError> {
        let ids = self
            .conn
            .prepare(
                "SELECT DISTINCT later.carried_from
                 FROM tasks later JOIN plans p ON p.id = later.plan_id
                 JOIN tasks earlier ON earlier.id = later.carried_from
                 WHERE earlier.plan_id = ?1 AND later.plan_id <> ?1 AND p.state <> 'closed'",
            )?
            .query_map([plan_id], |row| row.get(0))?
            .collect::<Result<HashSet<i64>, _>>()?;
        Ok(ids)
    }
}
