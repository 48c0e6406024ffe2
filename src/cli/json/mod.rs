//! The JSON shapes the commands print (docs/cli.md). Field names are the contract; more
//! fields may be added.

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::{Department, Plan};

/// The plan as `plan --json` prints it (field names are the contract of docs/cli.md).
#[derive(Debug, Serialize)]
pub struct PlanJson {
    pub id: Option<i64>,
    pub title: String,
    /// `example` (示例), `imported`, `carried` (沿用上年) or `blank`.
    pub kind: &'static str,
    /// Notes that apply to every later task (`以下各项工作均需…落实，不再列出`).
    pub notes: Vec<String>,
    pub year: i32,
    pub document_number: String,
    pub issuer: String,
    pub issued_on: Option<String>,
    pub targets: Vec<TargetJson>,
    pub departments: Vec<DepartmentJson>,
    pub tasks: Vec<TaskJson>,
    pub form: FormJson,
    pub reporting: ReportingJson,
}

#[derive(Debug, Serialize)]
pub struct TargetJson {
    pub text: String,
    pub date: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DepartmentJson {
    pub name: String,
    pub aliases: Vec<String>,
    pub contact_person: String,
    pub phone: String,
    pub email: String,
}

impl DepartmentJson {
    /// A department by its name, with the ledger's data where the ledger knows it.
    fn named(name: &str, known: Option<&Department>) -> Self {
        Self {
            name: name.to_owned(),
            aliases: known.map(|d| d.aliases.clone()).unwrap_or_default(),
            contact_person: known.map(|d| d.contact_person.clone()).unwrap_or_default(),
            phone: known.map(|d| d.phone.clone()).unwrap_or_default(),
            email: known.map(|d| d.email.clone()).unwrap_or_default(),
        }
    }
}

fn targets_json(targets: &[crate::model::Target]) -> Vec<TargetJson> {
    targets
        .iter()
        .map(|t| TargetJson {
            text: t.text.clone(),
            date: t.due_date.map(|d| d.format("%Y-%m-%d").to_string()),
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct TaskJson {
    pub code: String,
    pub section: String,
    pub title: String,
    pub leads: Vec<String>,
    pub participants: Vec<String>,
    /// Scope notes of leads that answer for part of the task only, e.g. 负责农用地.
    pub lead_scopes: Vec<LeadScopeJson>,
    pub leads_separately: bool,
    pub note: String,
    /// A table plan's 完成时限 as written (`长期坚持`); empty when the text has the dates.
    pub deadline: String,
    /// The task did not continue into the real plan that replaced a carried one.
    pub closed: bool,
    pub milestones: Vec<MilestoneJson>,
}

#[derive(Debug, Serialize)]
pub struct LeadScopeJson {
    pub name: String,
    pub scope: String,
}

#[derive(Debug, Serialize)]
pub struct MilestoneJson {
    pub date: String,
    pub text: String,
    pub wording: String,
    pub clause: String,
}

#[derive(Debug, Serialize)]
pub struct FormJson {
    pub title: String,
    pub groups: Vec<FormGroupJson>,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct FormGroupJson {
    pub name: String,
    pub rows: Vec<FormRowJson>,
}

#[derive(Debug, Serialize)]
pub struct FormRowJson {
    pub code: String,
    pub text: String,
    pub units: Vec<String>,
    pub departments: Vec<String>,
    pub quarterly: bool,
}

#[derive(Debug, Serialize)]
pub struct ReportingJson {
    pub due_day: u32,
    pub form_due_day: u32,
    pub quarterly_months: Vec<u32>,
}

/// Builds the JSON view of a plan. Its departments are those its tasks and form rows name,
/// in the ledger's order.
pub fn plan_json(plan: &Plan, departments: &[Department]) -> PlanJson {
    let iso = |date: NaiveDate| date.format("%Y-%m-%d").to_string();
    let mut used = std::collections::BTreeSet::new();
    for task in plan.tasks() {
        used.extend(task.leads.iter().map(|d| d.department_id));
        used.extend(task.participants.iter().map(|d| d.department_id));
    }
    for row in plan.form.rows() {
        used.extend(row.departments.iter().map(|(id, _)| *id));
    }
    let tasks = tasks_json(
        plan.sections
            .iter()
            .map(|section| (section.title.as_str(), section.tasks.as_slice())),
        |task: &crate::model::Task| TaskParts {
            code: &task.code,
            title: &task.title,
            note: &task.note,
            leads_separately: task.leads_separately,
            leads: task
                .leads
                .iter()
                .map(|d| (d.name.as_str(), d.scope.as_str()))
                .collect(),
            participants: task.participants.iter().map(|d| d.name.as_str()).collect(),
            milestones: &task.milestones,
            deadline: &task.deadline,
            closed: task.closed_on.is_some(),
        },
    );
    PlanJson {
        id: Some(plan.id),
        title: plan.title.clone(),
        kind: plan.kind.as_str(),
        notes: plan.notes.clone(),
        year: plan.year,
        document_number: plan.document_number.clone(),
        issuer: plan.issuer.clone(),
        issued_on: plan.issued_on.map(iso),
        targets: targets_json(&plan.targets),
        departments: departments
            .iter()
            .filter(|d| used.contains(&d.id))
            .map(|d| DepartmentJson::named(&d.name, Some(d)))
            .collect(),
        tasks,
        form: FormJson {
            title: plan.form.title.clone(),
            groups: plan
                .form
                .groups
                .iter()
                .map(|group| FormGroupJson {
                    name: group.name.clone(),
                    rows: group
                        .rows
                        .iter()
                        .map(|row| FormRowJson {
                            code: row.code.clone(),
                            text: row.text.clone(),
                            units: row.units.clone(),
                            departments: row.departments.iter().map(|(_, n)| n.clone()).collect(),
                            quarterly: row.quarterly,
                        })
                        .collect(),
                })
                .collect(),
            notes: plan.form.notes.clone(),
        },
        reporting: ReportingJson {
            due_day: plan.reporting.due_day,
            form_due_day: plan.reporting.form_due_day,
            quarterly_months: plan.reporting.quarterly_months.clone(),
        },
    }
}

/// `import-plan --json`: the plan shape plus what the reader was unsure of.
#[derive(Debug, Serialize)]
pub struct ImportPlanJson {
    #[serde(flatten)]
    pub plan: PlanJson,
    pub warnings: Vec<String>,
    pub new_departments: Vec<String>,
    /// Whether the plan was stored (false for `--dry-run`).
    pub stored: bool,
    pub plan_id: Option<i64>,
    /// The carried (沿用上年) or blank plan the read plan takes the place of.
    pub replaces: Option<i64>,
    /// For each read task, the carried task it continues (when it replaces a carried plan).
    pub matches: Vec<TaskMatchJson>,
    /// The carried tasks the read plan does not continue: closed with their last state.
    pub closing: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TaskMatchJson {
    pub code: String,
    pub title: String,
    pub carried_code: Option<String>,
    pub carried_title: Option<String>,
    pub score: Option<f32>,
}

/// The JSON view of a plan read but not stored: its own header and tasks, the departments it
/// names (with the ledger's aliases where known), and the form it would carry over.
pub fn parsed_plan_json(
    parsed: &crate::plan_text::ParsedPlan,
    current: &Plan,
    departments: &[Department],
) -> PlanJson {
    let iso = |date: NaiveDate| date.format("%Y-%m-%d").to_string();
    let mut named: Vec<String> = Vec::new();
    for task in parsed.tasks() {
        for part in task.leads.iter().chain(&task.participants) {
            if !named.contains(&part.name) {
                named.push(part.name.clone());
            }
        }
    }
    let mut plan = plan_json(current, departments);
    plan.id = None;
    plan.kind = crate::model::PlanKind::Imported.as_str();
    plan.notes = parsed.notes.clone();
    plan.title = parsed.title.clone();
    plan.year = parsed.year;
    plan.document_number = parsed.document_number.clone();
    plan.issuer = parsed.issuer.clone();
    plan.issued_on = parsed.issued_on.map(iso);
    plan.targets = targets_json(&parsed.targets);
    plan.departments = named
        .iter()
        .map(|name| DepartmentJson::named(name, departments.iter().find(|d| &d.name == name)))
        .collect();
    plan.tasks = tasks_json(
        parsed
            .sections
            .iter()
            .map(|section| (section.title.as_str(), section.tasks.as_slice())),
        |task: &crate::plan_text::ParsedTask| TaskParts {
            code: &task.code,
            title: &task.title,
            note: &task.note,
            leads_separately: task.leads_separately,
            leads: task
                .leads
                .iter()
                .map(|p| (p.name.as_str(), p.scope.as_str()))
                .collect(),
            participants: task.participants.iter().map(|p| p.name.as_str()).collect(),
            milestones: &task.milestones,
            deadline: &task.deadline,
            closed: false,
        },
    );
    plan
}

/// A task's parts, from the ledger or from a document just read.
pub(super) struct TaskParts<'a> {
    code: &'a str,
    title: &'a str,
    note: &'a str,
    leads_separately: bool,
    leads: Vec<(&'a str, &'a str)>,
    participants: Vec<&'a str>,
    milestones: &'a [crate::model::Milestone],
    deadline: &'a str,
    closed: bool,
}

/// Every task of a plan's sections, stored or just read, in the plan's order.
fn tasks_json<'a, T: 'a>(
    sections: impl Iterator<Item = (&'a str, &'a [T])>,
    parts: impl Fn(&'a T) -> TaskParts<'a>,
) -> Vec<TaskJson> {
    sections
        .flat_map(|(section, tasks)| tasks.iter().map(move |task| (section, task)))
        .map(|(section, task)| task_json(section, parts(task)))
        .collect()
}

pub(super) fn task_json(section: &str, task: TaskParts<'_>) -> TaskJson {
    TaskJson {
        code: task.code.to_owned(),
        section: section.to_owned(),
        title: task.title.to_owned(),
        leads: task
            .leads
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect(),
        participants: task
            .participants
            .iter()
            .map(|name| (*name).to_owned())
            .collect(),
        lead_scopes: task
            .leads
            .iter()
            .filter(|(_, scope)| !scope.is_empty())
            .map(|(name, scope)| LeadScopeJson {
                name: (*name).to_owned(),
                scope: (*scope).to_owned(),
            })
            .collect(),
        leads_separately: task.leads_separately,
        note: task.note.to_owned(),
        deadline: task.deadline.to_owned(),
        closed: task.closed,
        milestones: task
            .milestones
            .iter()
            .map(|m| MilestoneJson {
                date: m.due_date.format("%Y-%m-%d").to_string(),
                text: milestone_text(&m.wording, &m.clause),
                wording: m.wording.clone(),
                clause: m.clause.clone(),
            })
            .collect(),
    }
}

/// A milestone as one phrase: `6月底前，完成水稻、土壤样品的入库工作`.
pub fn milestone_text(wording: &str, clause: &str) -> String {
    match (wording.is_empty(), clause.is_empty()) {
        (_, true) => wording.to_owned(),
        (true, false) => clause.to_owned(),
        (false, false) => format!("{wording}，{clause}"),
    }
}

mod mail;
mod month;
mod returns;

pub use mail::*;
pub use month::*;
pub use returns::*;
