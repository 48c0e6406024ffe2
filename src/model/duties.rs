//! What one department has to do under a plan: the tasks it leads or joins, the form rows it
//! answers.

use super::{Plan, Role};

/// A task as seen from one department.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DutyTask {
    pub task_id: i64,
    pub code: String,
    pub title: String,
    /// The department's part of the task, e.g. `负责农用地`; empty for all of it.
    pub scope: String,
}

/// What one department answers for in a plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Duties {
    /// Tasks it leads (牵头).
    pub leads: Vec<DutyTask>,
    /// Tasks it joins (参与).
    pub joins: Vec<DutyTask>,
    /// Form rows it reports on, as (code, text).
    pub form_rows: Vec<(String, String)>,
}

impl Duties {
    /// Collects a department's tasks and form rows from a plan, in document order.
    pub fn of(plan: &Plan, department_id: i64) -> Self {
        let mut duties = Self::default();
        for task in plan.open_tasks() {
            for role in [Role::Lead, Role::Participant] {
                let Some(part) = task
                    .departments(role)
                    .iter()
                    .find(|d| d.department_id == department_id)
                else {
                    continue;
                };
                let duty = DutyTask {
                    task_id: task.id,
                    code: task.code.clone(),
                    title: task.title.clone(),
                    scope: part.scope.clone(),
                };
                match role {
                    Role::Lead => duties.leads.push(duty),
                    Role::Participant => duties.joins.push(duty),
                }
            }
        }
        duties.form_rows = plan
            .form
            .rows()
            .filter(|row| row.departments.iter().any(|(id, _)| *id == department_id))
            .map(|row| (row.code.clone(), row.text.clone()))
            .collect();
        duties
    }
}
