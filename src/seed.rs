//! The bundled 2019 plan (`data/rongshui-2019.toml`), read into plain structures that the store
//! loads into a new ledger. The data file is meant to be read and corrected by people.

use serde::Deserialize;

/// The bundled seed, embedded at compile time.
pub const SEED_TOML: &str = include_str!("../data/rongshui-2019.toml");

/// The whole seed file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    pub plan: SeedPlanHeader,
    pub targets: Vec<SeedTarget>,
    pub sections: Vec<SeedSection>,
    pub departments: Vec<SeedDepartment>,
    pub reporting: SeedReporting,
    pub settings: SeedSettings,
    pub form: SeedForm,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedPlanHeader {
    pub title: String,
    pub year: i32,
    pub document_number: String,
    pub issuer: String,
    pub issued_on: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTarget {
    pub text: String,
    pub wording: String,
    pub due_date: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSection {
    pub number: String,
    pub title: String,
    #[serde(default)]
    pub headings: Vec<SeedHeading>,
    pub tasks: Vec<SeedTask>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedHeading {
    pub code: String,
    pub title: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTask {
    pub code: String,
    pub title: String,
    pub body: String,
    pub note: String,
    #[serde(default)]
    pub leads_separately: bool,
    pub leads: Vec<SeedLead>,
    pub participants: Vec<String>,
    #[serde(default)]
    pub milestones: Vec<SeedMilestone>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedLead {
    pub name: String,
    #[serde(default)]
    pub scope: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedMilestone {
    pub date: String,
    pub wording: String,
    pub clause: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedDepartment {
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default = "default_origin")]
    pub origin: String,
}

fn default_origin() -> String {
    "plan".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedReporting {
    pub due_day: u32,
    pub due_day_source: String,
    pub form_due_day: u32,
    pub form_due_day_source: String,
    pub quarterly_months: Vec<u32>,
    pub quarterly_rule: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedSettings {
    pub unit: String,
    pub contact_person: String,
    pub phone: String,
    pub email: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedForm {
    pub label: String,
    pub title: String,
    pub header_fields: Vec<String>,
    pub columns: Vec<String>,
    pub notes: Vec<String>,
    pub groups: Vec<SeedFormGroup>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFormGroup {
    pub name: String,
    pub rows: Vec<SeedFormRow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFormRow {
    pub text: String,
    pub units: Vec<String>,
    pub departments: Vec<String>,
    #[serde(default)]
    pub quarterly: bool,
}

/// Why the seed cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("内置计划数据格式错误：{0}")]
    Toml(#[from] toml::de::Error),
    #[error("内置计划数据有误：{0}")]
    Invalid(String),
}

impl Seed {
    /// The seed's plan (header, targets, sections, tasks, milestones) in the shape a read plan
    /// document has, so that both are stored by the same code.
    pub fn to_parsed_plan(&self) -> Result<crate::plan_text::ParsedPlan, SeedError> {
        use crate::model::{Heading, Milestone, Target, parse_date};
        use crate::plan_text::{NamedPart, ParsedPlan, ParsedSection, ParsedTask};
        let date = |text: &str| {
            parse_date(text).ok_or_else(|| SeedError::Invalid(format!("日期“{text}”无效")))
        };
        let mut sections = Vec::with_capacity(self.sections.len());
        for section in &self.sections {
            let mut tasks = Vec::with_capacity(section.tasks.len());
            for task in &section.tasks {
                let mut milestones = Vec::with_capacity(task.milestones.len());
                for milestone in &task.milestones {
                    milestones.push(Milestone {
                        id: 0,
                        due_date: date(&milestone.date)?,
                        wording: milestone.wording.clone(),
                        clause: milestone.clause.clone(),
                        done_on: None,
                        done_note: String::new(),
                    });
                }
                tasks.push(ParsedTask {
                    code: task.code.clone(),
                    title: task.title.clone(),
                    body: task.body.clone(),
                    note: task.note.clone(),
                    leads_separately: task.leads_separately,
                    leads: task
                        .leads
                        .iter()
                        .map(|l| NamedPart {
                            name: l.name.clone(),
                            scope: l.scope.clone(),
                        })
                        .collect(),
                    participants: task
                        .participants
                        .iter()
                        .map(|name| NamedPart {
                            name: name.clone(),
                            scope: String::new(),
                        })
                        .collect(),
                    milestones,
                    deadline: String::new(),
                    span: 0..0,
                });
            }
            sections.push(ParsedSection {
                number: section.number.clone(),
                title: section.title.clone(),
                headings: section
                    .headings
                    .iter()
                    .map(|h| Heading {
                        code: h.code.clone(),
                        title: h.title.clone(),
                    })
                    .collect(),
                tasks,
            });
        }
        let mut targets = Vec::with_capacity(self.targets.len());
        for target in &self.targets {
            targets.push(Target {
                text: target.text.clone(),
                wording: target.wording.clone(),
                due_date: Some(date(&target.due_date)?),
            });
        }
        Ok(ParsedPlan {
            title: self.plan.title.clone(),
            year: self.plan.year,
            document_number: self.plan.document_number.clone(),
            issuer: self.plan.issuer.clone(),
            issued_on: Some(date(&self.plan.issued_on)?),
            targets,
            sections,
            new_departments: Vec::new(),
            notes: Vec::new(),
            warnings: Vec::new(),
            source: String::new(),
        })
    }

    /// Reads and checks the bundled seed.
    pub fn bundled() -> Result<Self, SeedError> {
        Self::from_toml(SEED_TOML)
    }

    /// Reads and checks a seed file's text: every department a task or form row names must be
    /// listed, every date must be a real date, and names must be unique.
    pub fn from_toml(text: &str) -> Result<Self, SeedError> {
        let seed: Seed = toml::from_str(text)?;
        seed.check()?;
        Ok(seed)
    }

    fn check(&self) -> Result<(), SeedError> {
        let mut names = std::collections::BTreeSet::new();
        for department in &self.departments {
            for name in std::iter::once(&department.name).chain(&department.aliases) {
                if !names.insert(name.as_str()) {
                    return Err(SeedError::Invalid(format!("部门名称“{name}”重复")));
                }
            }
        }
        let is_canonical = |name: &str| self.departments.iter().any(|d| d.name == name);
        let mut dates = vec![self.plan.issued_on.as_str()];
        let mut codes = std::collections::BTreeSet::new();
        for task in self.sections.iter().flat_map(|s| &s.tasks) {
            if !codes.insert(task.code.as_str()) {
                return Err(SeedError::Invalid(format!("任务编号 {} 重复", task.code)));
            }
            let named = task.leads.iter().map(|l| &l.name).chain(&task.participants);
            for name in named {
                if !is_canonical(name) {
                    return Err(SeedError::Invalid(format!(
                        "任务 {} 的部门“{name}”不在部门表中",
                        task.code
                    )));
                }
            }
            dates.extend(task.milestones.iter().map(|m| m.date.as_str()));
        }
        for row in self.form.groups.iter().flat_map(|g| &g.rows) {
            if let Some(name) = row.departments.iter().find(|n| !is_canonical(n)) {
                return Err(SeedError::Invalid(format!(
                    "表格行“{}”的部门“{name}”不在部门表中",
                    row.text
                )));
            }
        }
        dates.extend(self.targets.iter().map(|t| t.due_date.as_str()));
        if let Some(bad) = dates.iter().find(|d| crate::model::parse_date(d).is_none()) {
            return Err(SeedError::Invalid(format!("日期“{bad}”无效")));
        }
        if !(1..=28).contains(&self.reporting.due_day) {
            return Err(SeedError::Invalid("报送日须在1至28日之间".to_owned()));
        }
        Ok(())
    }
}
