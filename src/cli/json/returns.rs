//! The JSON of the commands on returns: `import-returns`, `status`, `deadlines`, `plans`,
//! `export-sheet`.

use serde::Serialize;

use crate::returns::PeriodStatus;

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

impl ImportReturnJson {
    /// A file's object before it is read.
    pub fn new(file: String) -> Self {
        Self {
            file,
            department: None,
            period: None,
            rows: Vec::new(),
            unmatched: Vec::new(),
            warnings: Vec::new(),
            error: None,
        }
    }

    /// What a read return says: its department, month, rows and warnings. `recorded`: the
    /// accepted rows were stored.
    pub fn fill(&mut self, parsed: &crate::returns::spreadsheet::ParsedReturn, recorded: bool) {
        self.department = Some(parsed.department.1.clone());
        self.period = Some(parsed.period.to_string());
        self.rows = rows_json(parsed, recorded);
        self.unmatched = unmatched_json(parsed);
        self.warnings.extend(parsed.warnings.iter().cloned());
    }
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
    /// The calendar file written with `--ics`, absent without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ics: Option<String>,
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
    /// With `--send-to`: the address both files went to in one message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_to: Option<String>,
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
    /// Every sending back of this month's return (退回), oldest first.
    pub sent_back: Vec<SentBackJson>,
}

#[derive(Debug, Serialize)]
pub struct SentBackJson {
    /// `YYYY-MM-DD HH:MM:SS`
    pub at: String,
    pub reason: String,
    /// `sent`, `uncertain`, `failed` or `by_hand`.
    pub outcome: &'static str,
}

/// Builds the JSON view of a period's states.
pub fn status_json(status: &PeriodStatus, send_backs: &[crate::store::SendBack]) -> StatusJson {
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
                sent_back: send_backs
                    .iter()
                    .filter(|s| s.department_id == d.department_id && s.period == status.period)
                    .map(|s| SentBackJson {
                        at: s.sent_at.clone(),
                        reason: s.reason.clone(),
                        outcome: s.outcome.code(),
                    })
                    .collect(),
            })
            .collect(),
    }
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

/// `assessment --json`: the departments' 考核 of a year's plan.
#[derive(Debug, Serialize)]
pub struct AssessmentJson {
    pub year: i32,
    pub plan: i64,
    pub as_of: String,
    pub departments: Vec<DepartmentAssessmentJson>,
    /// The XLSX written, with `--xlsx`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub xlsx: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DepartmentAssessmentJson {
    pub name: String,
    pub months_due: usize,
    pub on_time: usize,
    pub late: usize,
    pub partial: usize,
    pub missing: usize,
    pub returned: usize,
    pub on_time_rate: Option<f64>,
    pub complete_rate: Option<f64>,
    pub milestones_done: usize,
    pub milestones_overdue: usize,
    pub milestones_carried: usize,
    pub milestones_open: usize,
}

pub fn assessment_json(assessment: &crate::assessment::Assessment) -> AssessmentJson {
    AssessmentJson {
        year: assessment.year,
        plan: assessment.plan_id,
        as_of: assessment.as_of.to_string(),
        departments: assessment
            .departments
            .iter()
            .map(|d| DepartmentAssessmentJson {
                name: d.name.clone(),
                months_due: d.months_due,
                on_time: d.on_time,
                late: d.late,
                partial: d.partial,
                missing: d.missing,
                returned: d.returned,
                on_time_rate: d.on_time_rate,
                complete_rate: d.complete_rate,
                milestones_done: d.milestones_done,
                milestones_overdue: d.milestones_overdue,
                milestones_carried: d.milestones_carried,
                milestones_open: d.milestones_open,
            })
            .collect(),
        xlsx: None,
    }
}
