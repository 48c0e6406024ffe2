//! A yearly key-work plan: sections, tasks with their departments and milestones, targets, the
//! form and the reporting rule.

use chrono::NaiveDate;

use super::Form;

/// A yearly key-work implementation plan with its tasks, form and reporting rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub id: i64,
    pub year: i32,
    pub title: String,
    /// e.g. `融政办发〔2019〕84号`.
    pub document_number: String,
    pub issuer: String,
    pub issued_on: Option<NaiveDate>,
    pub targets: Vec<Target>,
    pub sections: Vec<Section>,
    pub form: Form,
    pub reporting: ReportingRule,
    pub kind: PlanKind,
    /// Active plans are shown on every page and chased; closed ones keep their history.
    pub active: bool,
    /// Whether this is the plan the window opens on (one at a time).
    pub is_current: bool,
    /// Notes that apply to every later task (`以下各项工作均需…落实，不再列出`).
    pub notes: Vec<String>,
    /// The first day of the first reporting month, when it is not the month after the issue
    /// date (a real plan that replaced a carried one keeps the carried plan's months).
    pub reporting_from: Option<NaiveDate>,
    /// The plan this one was carried forward from.
    pub carried_from: Option<i64>,
}

/// Where a plan came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlanKind {
    /// The bundled 2019 Rongshui plan, shown as 示例.
    Example,
    /// Read from the bureau's own plan document.
    Imported,
    /// Next year's working plan carried forward from an ended one (沿用上年), until the real
    /// plan arrives.
    Carried,
    /// An empty plan the user fills in.
    Blank,
}

impl PlanKind {
    /// The value stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Example => "example",
            Self::Imported => "imported",
            Self::Carried => "carried",
            Self::Blank => "blank",
        }
    }

    /// The stored value read back; anything unknown is an imported plan.
    pub fn from_code(code: &str) -> Self {
        match code {
            "example" => Self::Example,
            "carried" => Self::Carried,
            "blank" => Self::Blank,
            _ => Self::Imported,
        }
    }

    /// The mark shown beside the plan's name: 示例, 沿用上年, 空白; none for a real plan.
    pub fn mark(self) -> Option<&'static str> {
        match self {
            Self::Example => Some("示例"),
            Self::Carried => Some("沿用上年"),
            Self::Blank => Some("空白"),
            Self::Imported => None,
        }
    }
}

impl Plan {
    /// The plan's name for lists and labels: `2019年 …计划（示例）`.
    pub fn label(&self) -> String {
        plan_label(self.year, &self.title, self.kind)
    }

    /// The short label put before an item of this plan when several plans are shown:
    /// `2019` or `2020沿用`.
    pub fn short_label(&self) -> String {
        match self.kind {
            PlanKind::Carried => format!("{}年（沿用上年）", self.year),
            PlanKind::Example => format!("{}年（示例）", self.year),
            _ => format!("{}年", self.year),
        }
    }

    /// The plan's tasks still open (not closed when the real plan replaced a carried one).
    pub fn open_tasks(&self) -> impl Iterator<Item = &Task> {
        self.tasks().filter(|task| task.closed_on.is_none())
    }

    /// All tasks in document order.
    pub fn tasks(&self) -> impl Iterator<Item = &Task> {
        self.sections
            .iter()
            .flat_map(|section| section.tasks.iter())
    }

    /// The task with this id, if it belongs to the plan.
    pub fn task(&self, task_id: i64) -> Option<&Task> {
        self.tasks().find(|task| task.id == task_id)
    }
}

/// A plan's name for lists: `2019年 融水县…计划（示例）`.
pub fn plan_label(year: i32, title: &str, kind: PlanKind) -> String {
    let title = if title.starts_with(&year.to_string()) || title.contains(&format!("{year}年")) {
        title.to_owned()
    } else {
        format!("{year}年 {title}")
    };
    match kind.mark() {
        Some(mark) => format!("{title}（{mark}）"),
        None => title,
    }
}

/// One of the plan's targets (目标指标).
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub text: String,
    /// The document's own phrase for the date, e.g. `到2019年底`.
    pub wording: String,
    pub due_date: Option<NaiveDate>,
}

/// A numbered section of the tasks, e.g. `（一）稳步推进土壤环境质量调查工作`.
#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub id: i64,
    /// The Chinese numeral, `一` … `九`.
    pub number: String,
    pub title: String,
    /// Numbered items that only group sub-items, e.g. `3.1 着力加强工业污染源管控`.
    pub headings: Vec<Heading>,
    pub tasks: Vec<Task>,
}

/// A numbered item that has sub-items but no responsibility note of its own.
#[derive(Clone, Debug, PartialEq)]
pub struct Heading {
    pub code: String,
    pub title: String,
}

/// Whether a department leads or joins a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// 牵头
    Lead,
    /// 参与
    Participant,
}

impl Role {
    /// The value stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Participant => "participant",
        }
    }

    /// The UI word for the role.
    pub fn label(self) -> &'static str {
        match self {
            Self::Lead => "牵头",
            Self::Participant => "参与",
        }
    }
}

/// A department's part in a task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskDepartment {
    pub department_id: i64,
    pub name: String,
    /// What part of the task this department answers for, e.g. `负责农用地`; empty for all.
    pub scope: String,
}

/// A trackable task: a plan item that carries a responsibility note.
#[derive(Clone, Debug, PartialEq)]
pub struct Task {
    pub id: i64,
    /// From the numbering: `3.1.2` for （三）1．（2）.
    pub code: String,
    pub title: String,
    /// The task's full text as the document gives it, without the responsibility note.
    pub body: String,
    /// The responsibility note verbatim, brackets included.
    pub note: String,
    /// The note says `分别牵头`: each lead answers for its own part.
    pub leads_separately: bool,
    pub leads: Vec<TaskDepartment>,
    pub participants: Vec<TaskDepartment>,
    pub milestones: Vec<Milestone>,
    /// A table plan's 完成时限 as written (`长期坚持`, `2020年6月底前`).
    pub deadline: String,
    /// Set when the task did not continue into the real plan that replaced a carried one.
    pub closed_on: Option<NaiveDate>,
    /// The earlier plan's task this one continues.
    pub carried_from: Option<i64>,
}

impl Task {
    /// The departments of one role.
    pub fn departments(&self, role: Role) -> &[TaskDepartment] {
        match role {
            Role::Lead => &self.leads,
            Role::Participant => &self.participants,
        }
    }
}

/// A dated phrase inside a task, e.g. `6月底前` → 2019-06-30.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Milestone {
    /// The ledger id; 0 for a milestone not saved yet.
    pub id: i64,
    pub due_date: NaiveDate,
    /// The document's wording of the date.
    pub wording: String,
    /// The clause the date governs.
    pub clause: String,
    /// When the user marked it done.
    pub done_on: Option<NaiveDate>,
    pub done_note: String,
}

/// When monthly returns are due and which rows report quarterly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportingRule {
    /// Returns for month M are due on this day of month M+1 (the plan says the 3rd).
    pub due_day: u32,
    pub due_day_source: String,
    /// The day the form's own note gives (the 1st).
    pub form_due_day: u32,
    pub form_due_day_source: String,
    /// Months in which quarterly rows report in detail.
    pub quarterly_months: Vec<u32>,
    pub quarterly_rule: String,
}

impl Default for ReportingRule {
    /// The seed plan's rule without its wording: due on the 3rd, the form's own note the
    /// 1st, quarterly rows in detail in January, April, July and October.
    fn default() -> Self {
        Self {
            due_day: 3,
            due_day_source: String::new(),
            form_due_day: 1,
            form_due_day_source: String::new(),
            quarterly_months: vec![1, 4, 7, 10],
            quarterly_rule: String::new(),
        }
    }
}

/// A section's heading as the plan prints it: `（三）加强建设用地准入管理`; a section without
/// a number (the closed tasks of a carried plan) is its title alone.
pub fn section_heading(number: &str, title: &str) -> String {
    if number.trim().is_empty() {
        title.to_owned()
    } else {
        format!("（{number}）{title}")
    }
}

/// Our own unit and contact, printed in the sheet's header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    pub unit: String,
    pub contact_person: String,
    pub phone: String,
    pub email: String,
    /// Move a due date that falls on a weekend or holiday to the next working day (the
    /// bundled calendar, 调休 included); on unless she turns it off.
    pub shift_due_dates: bool,
    /// Items due within this many days light yellow.
    pub warn_days: u32,
    /// Where the month's sheet goes up: the city's (市生态环境局) address.
    pub city_email: String,
}

impl Settings {
    /// The warning lead when none is set.
    pub const DEFAULT_WARN_DAYS: u32 = 7;
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            unit: String::new(),
            contact_person: String::new(),
            phone: String::new(),
            email: String::new(),
            shift_due_dates: true,
            warn_days: Self::DEFAULT_WARN_DAYS,
            city_email: String::new(),
        }
    }
}
