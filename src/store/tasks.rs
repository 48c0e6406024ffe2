//! Editing a stored task: title, departments, milestones.

use rusqlite::{OptionalExtension as _, Transaction};

use super::{StoreError, pos};
use crate::model::{Milestone, Task, TaskDepartment};

/// A task as the user edited it: title, lead and participating departments, milestones.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskEdit {
    pub task_id: i64,
    pub title: String,
    pub leads: Vec<TaskDepartment>,
    pub participants: Vec<TaskDepartment>,
    /// Milestones with id 0 are new; saved ones missing from the list are removed.
    pub milestones: Vec<Milestone>,
}

impl TaskEdit {
    /// The edit that changes nothing.
    pub fn from_task(task: &Task) -> Self {
        Self {
            task_id: task.id,
            title: task.title.clone(),
            leads: task.leads.clone(),
            participants: task.participants.clone(),
            milestones: task.milestones.clone(),
        }
    }
}

pub(super) fn update(tx: &Transaction<'_>, edit: &TaskEdit) -> Result<(), StoreError> {
    let title = edit.title.trim();
    if title.is_empty() {
        return Err(StoreError::Invalid("任务名称不能为空".to_owned()));
    }
    if edit.leads.is_empty() {
        return Err(StoreError::Invalid(
            "每项任务至少要有一个牵头部门".to_owned(),
        ));
    }
    let exists = tx
        .query_row("SELECT 1 FROM tasks WHERE id = ?1", [edit.task_id], |_| {
            Ok(())
        })
        .optional()?;
    if exists.is_none() {
        return Err(StoreError::Invalid("该任务已不存在".to_owned()));
    }
    if let Some(both) = edit.leads.iter().find(|lead| {
        edit.participants
            .iter()
            .any(|p| p.department_id == lead.department_id)
    }) {
        return Err(StoreError::Invalid(format!(
            "“{}”不能既牵头又参与同一项任务",
            both.name
        )));
    }

    tx.execute(
        "UPDATE tasks SET title = ?1 WHERE id = ?2",
        (title, edit.task_id),
    )?;

    tx.execute(
        "DELETE FROM task_departments WHERE task_id = ?1",
        [edit.task_id],
    )?;
    let leads = edit.leads.iter().map(|d| (d, "lead"));
    let participants = edit.participants.iter().map(|d| (d, "participant"));
    for (position, (department, role)) in leads.chain(participants).enumerate() {
        tx.execute(
            "INSERT INTO task_departments (task_id, department_id, role, scope, position)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            (
                edit.task_id,
                department.department_id,
                role,
                department.scope.trim(),
                pos(position),
            ),
        )
        .map_err(|error| match error.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => {
                StoreError::Invalid(format!("部门“{}”重复或不存在", department.name))
            }
            _ => error.into(),
        })?;
    }

    // Saved milestones keep their ids (and so their done state); removed ones are deleted.
    let kept: Vec<i64> = edit
        .milestones
        .iter()
        .map(|m| m.id)
        .filter(|id| *id != 0)
        .collect();
    let mut statement = tx.prepare("SELECT id FROM milestones WHERE task_id = ?1 ORDER BY id")?;
    let stored = statement
        .query_map([edit.task_id], |row| row.get::<_, i64>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    for id in stored.iter().filter(|id| !kept.contains(id)) {
        tx.execute("DELETE FROM milestones WHERE id = ?1", [id])?;
    }
    for (position, milestone) in edit.milestones.iter().enumerate() {
        let due_date = milestone.due_date.format("%Y-%m-%d").to_string();
        if milestone.id != 0 && stored.contains(&milestone.id) {
            tx.execute(
                "UPDATE milestones SET position = ?1, due_date = ?2, wording = ?3, clause = ?4
                 WHERE id = ?5",
                (
                    pos(position),
                    due_date,
                    milestone.wording.trim(),
                    milestone.clause.trim(),
                    milestone.id,
                ),
            )?;
        } else {
            tx.execute(
                "INSERT INTO milestones (task_id, position, due_date, wording, clause)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                (
                    edit.task_id,
                    pos(position),
                    due_date,
                    milestone.wording.trim(),
                    milestone.clause.trim(),
                ),
            )?;
        }
    }
    Ok(())
}
