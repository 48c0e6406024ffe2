//! The JSON shapes the commands print (docs/cli.md). Field names are the contract; more
//! fields may be added.

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::{Department, Plan};
use crate::returns::PeriodStatus;

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

/// `import-returns --json`: one object per file.
#[derive(Debug, Serialize)]
pub struct ImportReturnJson {
    pub file: String,
    pub department: Option<String>,
    pub period: Option<String>,
    pub rows: Vec<ImportRowJson>,
    pub unmatched: Vec<UnmatchedJson>,
    pub warnings: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ImportRowJson {
    pub code: String,
    pub status: &'static str,
    pub progress: String,
    pub remark: String,
    /// Whether the row is (or would be) imported: rows matched by similar text wait for a
    /// person to confirm them in the window.
    pub imported: bool,
}

#[derive(Debug, Serialize)]
pub struct UnmatchedJson {
    pub row: u32,
    pub text: String,
}

/// `deadlines --json`.
#[derive(Debug, Serialize)]
pub struct DeadlinesJson {
    pub from: String,
    pub to: String,
    pub items: Vec<DeadlineJson>,
}

#[derive(Debug, Serialize)]
pub struct DeadlineJson {
    /// The plan the item belongs to (`plans --json` ids); null for the user's own items.
    pub plan: Option<i64>,
    pub plan_label: Option<String>,
    pub date: String,
    /// The date as written, when a holiday moved it.
    pub nominal_date: Option<String>,
    pub kind: &'static str,
    pub title: String,
    pub departments: Vec<String>,
    pub task: Option<String>,
    pub state: &'static str,
}

/// `plans --json`.
#[derive(Debug, Serialize)]
pub struct PlansJson {
    pub plans: Vec<PlanEntryJson>,
}

#[derive(Debug, Serialize)]
pub struct PlanEntryJson {
    pub id: i64,
    pub title: String,
    pub year: i32,
    pub current: bool,
    pub periods: Vec<String>,
    /// `example`, `imported`, `carried` or `blank`.
    pub kind: &'static str,
    /// `active` or `closed`.
    pub state: &'static str,
    /// Shown on the pages for today (active, and its year not over and done with).
    pub in_play: bool,
    /// Its year is over (today is past its last return's due date).
    pub ended: bool,
    pub label: String,
    pub carried_from: Option<i64>,
    pub tasks: usize,
}

/// `export-sheet --json`.
#[derive(Debug, Serialize)]
pub struct ExportSheetJson {
    pub period: String,
    pub rows: usize,
    pub xlsx: Option<String>,
    pub pdf: Option<String>,
    pub warnings: Vec<String>,
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

/// `status --json`: each department's return state for one period.
#[derive(Debug, Serialize)]
pub struct StatusJson {
    pub period: String,
    pub due: String,
    pub departments: Vec<DepartmentStatusJson>,
}

#[derive(Debug, Serialize)]
pub struct DepartmentStatusJson {
    pub name: String,
    pub state: &'static str,
    pub received: Option<String>,
    pub rows_expected: usize,
    pub rows_filled: usize,
    /// Codes of the rows still unanswered.
    pub missing_rows: Vec<String>,
    /// Every row the department owes is answered.
    pub complete: bool,
}

/// Builds the JSON view of a period's states.
pub fn status_json(status: &PeriodStatus) -> StatusJson {
    StatusJson {
        period: status.period.to_string(),
        due: status.due.format("%Y-%m-%d").to_string(),
        departments: status
            .departments
            .iter()
            .map(|d| DepartmentStatusJson {
                name: d.department.clone(),
                state: d.state.code(),
                received: d.received_on.map(|r| r.format("%Y-%m-%d").to_string()),
                rows_expected: d.rows_expected,
                rows_filled: d.rows_filled,
                missing_rows: d.missing_rows.iter().map(|r| r.code.clone()).collect(),
                complete: d.complete,
            })
            .collect(),
    }
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

/// `import-email` / `fetch-mail --json`: one object per message.
#[derive(Debug, Serialize)]
pub struct MessageJson {
    pub message_id: String,
    pub from: String,
    pub subject: String,
    /// The message's date in China Standard Time.
    pub date: Option<String>,
    pub department: Option<String>,
    pub period: Option<String>,
    pub received: Option<String>,
    pub rows: Vec<ImportRowJson>,
    pub unmatched: Vec<UnmatchedJson>,
    pub attachments: Vec<AttachmentJson>,
    pub warnings: Vec<String>,
    pub error: Option<String>,
    /// Whether the message's returns were recorded.
    pub committed: bool,
    /// Where it came from: the file, or `INBOX UID n`.
    pub source: String,
}

/// One attachment: its name and what `import-returns` says of it.
#[derive(Debug, Serialize)]
pub struct AttachmentJson {
    pub name: String,
    #[serde(flatten)]
    pub file: ImportReturnJson,
}

/// `chase --json`.
#[derive(Debug, Serialize)]
pub struct ChaseJson {
    pub period: String,
    pub departments: Vec<ChaseDepartmentJson>,
}

#[derive(Debug, Serialize)]
pub struct ChaseDepartmentJson {
    pub name: String,
    pub to: Option<String>,
    pub subject: String,
    pub message: String,
    pub sent: bool,
    pub error: Option<String>,
}

/// A parsed return's rows as `import-returns` prints them.
pub fn rows_json(
    parsed: &crate::returns::spreadsheet::ParsedReturn,
    recorded: bool,
) -> Vec<ImportRowJson> {
    let blank = parsed.is_blank();
    parsed
        .rows
        .iter()
        .map(|row| ImportRowJson {
            code: row.code.clone(),
            status: row.status.code(),
            progress: row.progress.clone(),
            remark: row.remark.clone(),
            imported: recorded && row.accepted && !blank,
        })
        .collect()
}

pub fn unmatched_json(parsed: &crate::returns::spreadsheet::ParsedReturn) -> Vec<UnmatchedJson> {
    parsed
        .unmatched
        .iter()
        .map(|u| UnmatchedJson {
            row: u.row,
            text: u.text.clone(),
        })
        .collect()
}

/// A message's object.
pub fn message_json(outcome: &crate::service::mail::MailOutcome, dry_run: bool) -> MessageJson {
    let mut json = MessageJson {
        message_id: String::new(),
        from: String::new(),
        subject: String::new(),
        date: None,
        department: None,
        period: None,
        received: None,
        rows: Vec::new(),
        unmatched: Vec::new(),
        attachments: Vec::new(),
        warnings: Vec::new(),
        error: outcome.error.as_ref().map(|(message, _)| message.clone()),
        committed: outcome.committed.is_some(),
        source: outcome.source.clone(),
    };
    let Some(intake) = &outcome.intake else {
        return json;
    };
    // Rows count as imported where a commit recorded them, or would in a dry run.
    let recorded = outcome.committed.is_some() || (dry_run && intake.has_rows());
    json.message_id.clone_from(&intake.message.message_id);
    json.from.clone_from(&intake.message.from);
    json.subject.clone_from(&intake.message.subject);
    json.date = intake
        .message
        .received_on()
        .map(|d| d.format("%Y-%m-%d").to_string());
    json.department = intake.department.as_ref().map(|d| d.1.clone());
    json.period = intake.period.map(|p| p.to_string());
    json.received = Some(intake.received.format("%Y-%m-%d").to_string());
    if let Some(body) = &intake.body {
        json.rows = rows_json(body, recorded);
        json.unmatched = unmatched_json(body);
        json.warnings.extend(body.warnings.iter().cloned());
    }
    json.warnings.extend(intake.warnings.iter().cloned());
    for attachment in &intake.attachments {
        let mut file = ImportReturnJson {
            file: attachment.name.clone(),
            department: None,
            period: None,
            rows: Vec::new(),
            unmatched: Vec::new(),
            warnings: Vec::new(),
            error: None,
        };
        match &attachment.result {
            Ok(parsed) => {
                file.department = Some(parsed.department.1.clone());
                file.period = Some(parsed.period.to_string());
                file.rows = rows_json(parsed, recorded);
                file.unmatched = unmatched_json(parsed);
                file.warnings.clone_from(&parsed.warnings);
                if parsed.is_blank() {
                    file.warnings
                        .push(crate::returns::spreadsheet::BLANK_RETURN.to_owned());
                }
            }
            Err((message, _)) => file.error = Some(message.clone()),
        }
        json.attachments.push(AttachmentJson {
            name: attachment.name.clone(),
            file,
        });
    }
    json
}
