//! The turn of the year: next year's working plan carried forward from an ended one (沿用上年),
//! the real plan taking a carried (or blank) plan's place with its tasks matched so that the
//! returns collected under it stay on their rows, closing and reopening a plan, and the blank
//! ledger of a first start.

use std::collections::{HashMap, HashSet};

use chrono::{Datelike as _, NaiveDate};
use rusqlite::{OptionalExtension as _, Transaction};

use super::plan_import::{
    NewTask, SourceFile, check, copy_form_and_rule, insert_section, insert_source, insert_targets,
    insert_task, insert_task_parts,
};
use super::{StoreError, join_lines, pos};
use crate::plan_text::ParsedPlan;

/// What to carry from an ended plan into next year's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CarryForward {
    pub from: i64,
    /// The tasks to carry (their ids in the old plan), in any order.
    pub tasks: Vec<i64>,
    /// Move the carried tasks' open milestones a year on; without it they carry no dates.
    pub shift_dates: bool,
}

/// The year in a title moved on: `2019年度…计划` → `2020年度…计划`.
pub fn next_year_title(title: &str, year: i32) -> String {
    let (this, next) = (year.to_string(), (year + 1).to_string());
    if title.contains(&this) {
        title.replacen(&this, &next, 1)
    } else {
        format!("{next}年 {title}")
    }
}

/// A date a year on (29 February becomes the 28th).
fn a_year_on(date: NaiveDate) -> NaiveDate {
    date.with_year(date.year() + 1)
        .or_else(|| NaiveDate::from_ymd_opt(date.year() + 1, date.month(), 28))
        .unwrap_or(date)
}

/// The plan's 目标指标 go on into the carried plan, their year moved on (`到2019年底` →
/// `到2020年底`, due at the end of 2020); a base year (`比2013年`) stays.
fn carry_targets(tx: &Transaction<'_>, from: i64, to: i64, year: i32) -> Result<(), StoreError> {
    let targets: Vec<crate::model::Target> = tx
        .prepare(
            "SELECT text, wording, due_date FROM targets WHERE plan_id = ?1 ORDER BY position, id",
        )?
        .query_map([from], |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, Option<String>>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .map(|(text, wording, due)| crate::model::Target {
            text: crate::model::shift_years(&text, year, year + 1),
            wording: crate::model::shift_years(&wording, year, year + 1),
            due_date: due
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
                .map(a_year_on),
        })
        .collect();
    insert_targets(tx, to, &targets)
}

/// Creates next year's working plan from `carry.from`: its form and reporting rule, its
/// notes, and the chosen tasks with their departments (and their open milestones a year on
/// when asked). The new plan is 沿用上年 (carried), active and current. Its id.
pub(super) fn carry_forward(
    tx: &Transaction<'_>,
    carry: &CarryForward,
    now: &str,
) -> Result<i64, StoreError> {
    let (year, title, notes): (i32, String, String) = tx
        .query_row(
            "SELECT year, title, notes FROM plans WHERE id = ?1",
            [carry.from],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .optional()?
        .ok_or_else(|| StoreError::Invalid("要沿用的计划已不存在".to_owned()))?;
    let already: Option<String> = tx
        .query_row(
            "SELECT title FROM plans WHERE carried_from = ?1 AND kind = 'carried' AND state = 'active'",
            [carry.from],
            |row| row.get(0),
        )
        .optional()?;
    if let Some(existing) = already {
        return Err(StoreError::Invalid(format!(
            "已经从该计划沿用出“{existing}”，请直接编辑它，或先结束它（close-plan）再沿用"
        )));
    }
    if carry.tasks.is_empty() {
        return Err(StoreError::Invalid(
            "没有选择要沿用的任务；请至少选择一项".to_owned(),
        ));
    }
    tx.execute("UPDATE plans SET is_current = 0 WHERE is_current = 1", [])?;
    tx.execute(
        "INSERT INTO plans (year, title, document_number, issuer, issued_on, is_current,
             source_file_id, created_at, kind, state, notes, carried_from)
         VALUES (?1, ?2, '', '', NULL, 1, NULL, ?3, 'carried', 'active', ?4, ?5)",
        (
            year + 1,
            // Nobody has issued it: no issuer, no number, no date.
            next_year_title(&title, year),
            now,
            // Standing notes speak of the new year (`于2019年底前落实` → 2020年).
            crate::model::shift_years(&notes, year, year + 1),
            carry.from,
        ),
    )?;
    let plan_id = tx.last_insert_rowid();
    carry_targets(tx, carry.from, plan_id, year)?;
    let chosen: HashSet<i64> = carry.tasks.iter().copied().collect();

    let sections: Vec<(i64, String, String)> = tx
        .prepare("SELECT id, number, title FROM sections WHERE plan_id = ?1 ORDER BY position, id")?
        .query_map([carry.from], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut task_position = 0_i64;
    let mut section_position = 0_usize;
    for (old_section, number, section_title) in sections {
        let tasks: Vec<i64> = tx
            .prepare("SELECT id FROM tasks WHERE section_id = ?1 ORDER BY position, id")?
            .query_map([old_section], |row| row.get(0))?
            .collect::<Result<Vec<i64>, _>>()?
            .into_iter()
            .filter(|id| chosen.contains(id))
            .collect();
        if tasks.is_empty() {
            continue;
        }
        tx.execute(
            "INSERT INTO sections (plan_id, position, number, title) VALUES (?1, ?2, ?3, ?4)",
            (plan_id, pos(section_position), &number, &section_title),
        )?;
        section_position += 1;
        let section_id = tx.last_insert_rowid();
        tx.execute(
            "INSERT INTO headings (section_id, position, code, title)
             SELECT ?2, position, code, title FROM headings WHERE section_id = ?1",
            (old_section, section_id),
        )?;
        for old_task in tasks {
            tx.execute(
                "INSERT INTO tasks (plan_id, section_id, position, code, title, body, note,
                     leads_separately, deadline, carried_from)
                 SELECT ?2, ?3, ?4, code, title, body, note, leads_separately, deadline, id
                 FROM tasks WHERE id = ?1",
                (old_task, plan_id, section_id, task_position),
            )?;
            task_position += 1;
            let task_id = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO task_departments (task_id, department_id, role, scope, position)
                 SELECT ?2, department_id, role, scope, position
                 FROM task_departments WHERE task_id = ?1",
                (old_task, task_id),
            )?;
            if carry.shift_dates {
                let open: Vec<(String, String, String)> = tx
                    .prepare(
                        "SELECT due_date, wording, clause FROM milestones
                         WHERE task_id = ?1 AND done_on IS NULL ORDER BY position, id",
                    )?
                    .query_map([old_task], |row| {
                        Ok((row.get(0)?, row.get(1)?, row.get(2)?))
                    })?
                    .collect::<Result<_, _>>()?;
                for (position, (due, wording, clause)) in open.into_iter().enumerate() {
                    let Some(date) = crate::model::parse_date(&due) else {
                        continue;
                    };
                    let moved = a_year_on(date);
                    let wording = wording.replace(
                        &format!("{}年", date.year()),
                        &format!("{}年", moved.year()),
                    );
                    tx.execute(
                        "INSERT INTO milestones (task_id, position, due_date, wording, clause)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        (
                            task_id,
                            pos(position),
                            moved.format("%Y-%m-%d").to_string(),
                            wording,
                            clause,
                        ),
                    )?;
                }
            }
        }
    }
    copy_form_and_rule(tx, carry.from, plan_id)?;
    Ok(plan_id)
}

/// Puts a real plan in the place of a carried or blank one. `matches[i]` is the carried task
/// the i-th read task continues (as the user confirmed): that task takes the new text,
/// departments and milestones, and keeps its id, so the returns collected under it stay on
/// their rows. Carried tasks no read task continues are closed on `today` with their last
/// state. The plan keeps its months from January (the carried plan's), and its form.
pub(super) fn replace_plan(
    tx: &Transaction<'_>,
    target: i64,
    parsed: &ParsedPlan,
    matches: &[Option<i64>],
    source: Option<&SourceFile>,
    today: NaiveDate,
    now: &str,
) -> Result<(), StoreError> {
    check(parsed)?;
    let (year, kind): (i32, String) = tx
        .query_row(
            "SELECT year, kind FROM plans WHERE id = ?1",
            [target],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?
        .ok_or_else(|| StoreError::Invalid("要替换的计划已不存在".to_owned()))?;
    if kind != "carried" && kind != "blank" {
        return Err(StoreError::Invalid(
            "只有“沿用上年”或空白计划可以被正式计划替换".to_owned(),
        ));
    }
    if parsed.year != year {
        return Err(StoreError::Invalid(format!(
            "读入的是{}年的计划，要替换的是{year}年的计划；年度不同，未作替换",
            parsed.year
        )));
    }
    if matches.len() != parsed.tasks().count() {
        return Err(StoreError::Invalid("任务对应关系与计划不符".to_owned()));
    }
    let old_tasks: HashMap<i64, String> = tx
        .prepare("SELECT id, code FROM tasks WHERE plan_id = ?1")?
        .query_map([target], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut used = HashSet::new();
    for id in matches.iter().flatten() {
        if !old_tasks.contains_key(id) {
            return Err(StoreError::Invalid(
                "对应的沿用任务不属于被替换的计划".to_owned(),
            ));
        }
        if !used.insert(*id) {
            return Err(StoreError::Invalid(
                "一项沿用任务只能对应新计划中的一项任务".to_owned(),
            ));
        }
    }

    let source_file_id = insert_source(tx, source, now)?;
    tx.execute(
        "UPDATE plans SET title = ?2, document_number = ?3, issuer = ?4, issued_on = ?5,
             notes = ?6, kind = 'imported', reporting_from = coalesce(reporting_from, ?7),
             source_file_id = coalesce(?8, source_file_id)
         WHERE id = ?1",
        (
            target,
            parsed.title.trim(),
            parsed.document_number.trim(),
            parsed.issuer.trim(),
            parsed.issued_on.map(|d| d.format("%Y-%m-%d").to_string()),
            join_lines(&parsed.notes),
            // A carried plan's months run from January and keep doing so; a blank plan's
            // start at the real plan's issue.
            (kind == "carried").then(|| format!("{year}-01")),
            source_file_id,
        ),
    )?;
    tx.execute("DELETE FROM targets WHERE plan_id = ?1", [target])?;
    insert_targets(tx, target, &parsed.targets)?;
    // Codes are unique in a plan: out of the way first, then given anew.
    tx.execute(
        "UPDATE tasks SET code = '~' || id WHERE plan_id = ?1",
        [target],
    )?;
    let old_sections: Vec<i64> = tx
        .prepare("SELECT id FROM sections WHERE plan_id = ?1")?
        .query_map([target], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut departments = HashMap::new();
    let mut task_position = 0_i64;
    let mut index = 0;
    for (position, section) in parsed.sections.iter().enumerate() {
        let section_id = insert_section(tx, target, position, section)?;
        for task in &section.tasks {
            let at = NewTask {
                plan_id: target,
                section_id,
                position: task_position,
            };
            match matches[index] {
                Some(task_id) => {
                    tx.execute(
                        "UPDATE tasks SET section_id = ?2, position = ?3, code = ?4, title = ?5,
                             body = ?6, note = ?7, leads_separately = ?8, deadline = ?9,
                             closed_on = NULL
                         WHERE id = ?1",
                        (
                            task_id,
                            section_id,
                            task_position,
                            &task.code,
                            task.title.trim(),
                            &task.body,
                            &task.note,
                            task.leads_separately,
                            task.deadline.trim(),
                        ),
                    )?;
                    tx.execute("DELETE FROM task_departments WHERE task_id = ?1", [task_id])?;
                    tx.execute(
                        "DELETE FROM milestones WHERE task_id = ?1 AND done_on IS NULL",
                        [task_id],
                    )?;
                    insert_task_parts(tx, task_id, task, &mut departments, now)?;
                }
                None => {
                    insert_task(tx, &at, task, &mut departments, now)?;
                }
            }
            task_position += 1;
            index += 1;
        }
    }
    // The carried tasks that did not continue: closed, after the new ones, under a section
    // of their own.
    let mut closed: Vec<(i64, &String)> = old_tasks
        .iter()
        .filter(|(id, _)| !used.contains(*id))
        .map(|(id, code)| (*id, code))
        .collect();
    closed.sort();
    if !closed.is_empty() {
        tx.execute(
            "INSERT INTO sections (plan_id, position, number, title) VALUES (?1, ?2, '', ?3)",
            (
                target,
                pos(parsed.sections.len()),
                "上年沿用但本年计划未列出的任务（已关闭）",
            ),
        )?;
        let section_id = tx.last_insert_rowid();
        for (id, code) in closed {
            tx.execute(
                "UPDATE tasks SET section_id = ?2, position = ?3, code = ?4, closed_on = ?5
                 WHERE id = ?1",
                (
                    id,
                    section_id,
                    task_position,
                    format!("沿用{code}"),
                    today.format("%Y-%m-%d").to_string(),
                ),
            )?;
            task_position += 1;
        }
    }
    for section in old_sections {
        tx.execute("DELETE FROM sections WHERE id = ?1", [section])?;
    }
    Ok(())
}

/// Closes a plan (its history stays; it is no longer shown or chased) or opens it again.
pub(super) fn set_active(
    tx: &Transaction<'_>,
    plan_id: i64,
    active: bool,
) -> Result<(), StoreError> {
    set_plan_field(
        tx,
        plan_id,
        "state",
        if active { "active" } else { "closed" },
    )?;
    // A closed plan does not stay the one the window opens on: the newest active plan is.
    if !active {
        let current: bool = tx.query_row(
            "SELECT is_current FROM plans WHERE id = ?1",
            [plan_id],
            |row| row.get(0),
        )?;
        let next: Option<i64> = tx
            .query_row(
                "SELECT id FROM plans WHERE state = 'active' ORDER BY year DESC, id DESC LIMIT 1",
                [],
                |row| row.get(0),
            )
            .optional()?;
        if let (true, Some(next)) = (current, next) {
            tx.execute("UPDATE plans SET is_current = 0 WHERE is_current = 1", [])?;
            tx.execute("UPDATE plans SET is_current = 1 WHERE id = ?1", [next])?;
        }
    }
    Ok(())
}

/// Marks the example plan as the user's own (it is their county's real plan), or back.
pub(super) fn set_kind(
    tx: &Transaction<'_>,
    plan_id: i64,
    kind: crate::model::PlanKind,
) -> Result<(), StoreError> {
    set_plan_field(tx, plan_id, "kind", kind.as_str())
}

/// Sets one of a plan's text columns (`state`, `kind`).
fn set_plan_field(
    tx: &Transaction<'_>,
    plan_id: i64,
    column: &str,
    value: &str,
) -> Result<(), StoreError> {
    let changed = tx.execute(
        &format!("UPDATE plans SET {column} = ?2 WHERE id = ?1"),
        (plan_id, value),
    )?;
    if changed == 0 {
        return Err(StoreError::Invalid("该计划已不存在".to_owned()));
    }
    Ok(())
}

/// The first start's 空白台账: the example plan and the departments only it named go, and an
/// empty plan for `year` takes their place as the current plan. Refused once the example has
/// returns (it is then the user's).
pub(super) fn start_blank(tx: &Transaction<'_>, year: i32, now: &str) -> Result<i64, StoreError> {
    let examples: Vec<i64> = tx
        .prepare("SELECT id FROM plans WHERE kind = 'example'")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    for plan in &examples {
        let has_returns: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM returns WHERE plan_id = ?1)
                 OR EXISTS (SELECT 1 FROM sheet_rows WHERE plan_id = ?1)",
            [plan],
            |row| row.get(0),
        )?;
        if has_returns {
            return Err(StoreError::Invalid(
                "示例计划下已有报送记录，不能删除；可以新建空白计划".to_owned(),
            ));
        }
        tx.execute("DELETE FROM chase_sends WHERE plan_id = ?1", [plan])?;
        tx.execute("DELETE FROM plans WHERE id = ?1", [plan])?;
    }
    // The example's departments that nothing else refers to.
    tx.execute(
        "DELETE FROM departments WHERE origin <> 'user'
           AND id NOT IN (SELECT department_id FROM task_departments)
           AND id NOT IN (SELECT department_id FROM form_row_departments)
           AND id NOT IN (SELECT department_id FROM returns)
           AND id NOT IN (SELECT department_id FROM department_addresses)
           AND id NOT IN (SELECT department_id FROM chase_sends)
           AND id NOT IN (SELECT department_id FROM mail_messages WHERE department_id IS NOT NULL)
           AND id NOT IN (SELECT department_id FROM mail_sends WHERE department_id IS NOT NULL)",
        [],
    )?;
    new_blank(tx, year, now)
}

/// An empty plan for `year`, made current: the place the user's own plan will take.
pub(super) fn new_blank(tx: &Transaction<'_>, year: i32, now: &str) -> Result<i64, StoreError> {
    // The city's form and the reporting rule come from the current plan, as an imported
    // plan's do; without one, no form and no quarterly reports.
    let previous: Option<i64> = tx
        .query_row("SELECT id FROM plans WHERE is_current = 1", [], |row| {
            row.get(0)
        })
        .optional()?;
    tx.execute("UPDATE plans SET is_current = 0 WHERE is_current = 1", [])?;
    tx.execute(
        "INSERT INTO plans (year, title, document_number, issuer, issued_on, is_current,
             source_file_id, created_at, kind, state)
         VALUES (?1, ?2, '', '', NULL, 1, NULL, ?3, 'blank', 'active')",
        (year, format!("{year}年重点工作计划"), now),
    )?;
    let plan_id = tx.last_insert_rowid();
    match previous {
        Some(previous) => copy_form_and_rule(tx, previous, plan_id)?,
        None => {
            tx.execute(
                "INSERT INTO reporting_rules (plan_id, due_day, due_day_source, form_due_day,
                     form_due_day_source, quarterly_months, quarterly_rule)
                 VALUES (?1, 3, '', 1, '', '', '')",
                [plan_id],
            )?;
        }
    }
    Ok(plan_id)
}
