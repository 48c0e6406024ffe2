//! The 年度工作总结: a draft of the bureau's report on the plan's year, in the 通报's 公文 layout.
//! The year's targets and where they stand; the plan's sections and tasks in order, each with
//! its dated milestones met or missed and what the departments reported on it; every form
//! row's latest full account; the indicators' last values against their targets; the
//! departments' reporting record; and a closing part left for her to write. The departments'
//! words are quoted as written (a line break starts a new paragraph, nothing is cut).
//! Built from plain data: the service gathers it.

use chrono::NaiveDate;

use super::IndicatorLine;
use super::docx::Role;
use crate::assessment::DepartmentAssessment;
use crate::deadlines::{Deadline, DeadlineKind, Light};
use crate::model::{Department, Plan, format_date_cn};
use crate::returns::{ReturnRecord, RowKey, RowStatus};
use crate::schedule::Period;

/// What a department last said in full on one row (or one task it reports by).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    /// The row as the template labels it, or the task's code and title.
    pub label: String,
    pub department: String,
    pub period: Period,
    pub progress: String,
    pub remark: String,
}

/// A dated milestone and how it stands at the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MilestoneLine {
    pub date: NaiveDate,
    pub what: String,
    pub done_on: Option<NaiveDate>,
    pub light: Light,
}

/// One task of the plan with its milestones and what was reported on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskSummary {
    pub code: String,
    pub title: String,
    pub leads: Vec<String>,
    pub milestones: Vec<MilestoneLine>,
    /// The latest full account of each department that reports by this task.
    pub accounts: Vec<Account>,
}

/// A section of the plan (`二、…`) with its tasks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SectionSummary {
    pub number: String,
    pub title: String,
    pub tasks: Vec<TaskSummary>,
}

/// Everything the summary says.
#[derive(Clone, Debug, PartialEq)]
pub struct YearSummary {
    pub year: i32,
    pub plan_id: i64,
    pub plan_title: String,
    pub document_number: String,
    pub unit: String,
    pub made_on: NaiveDate,
    /// The plan's 目标 as written.
    pub targets: Vec<String>,
    pub indicators: Vec<IndicatorLine>,
    pub sections: Vec<SectionSummary>,
    /// Every form row's latest full account, in the form's order.
    pub rows: Vec<Account>,
    pub record: Vec<DepartmentAssessment>,
    /// Returns received in the year.
    pub returns_received: usize,
}

impl YearSummary {
    /// `关于2019年度融水苗族自治县土壤污染防治攻坚重点工作落实情况的总结`
    pub fn title(&self) -> String {
        format!(
            "关于{}年度{}落实情况的总结",
            self.year,
            super::short_plan_name(&self.plan_title, self.year)
        )
    }
}

/// The latest month in which `text` was a full account (progress, not empty and not 无此项).
fn latest_account(
    returns: &[ReturnRecord],
    department_id: i64,
    key: RowKey,
) -> Option<(&ReturnRecord, &crate::returns::ReturnRow)> {
    returns
        .iter()
        .filter(|r| r.department_id == department_id && r.received_on.is_some())
        .filter_map(|r| r.row(key).map(|row| (r, row)))
        .filter(|(_, row)| RowStatus::of(&row.progress) == RowStatus::Progress)
        .max_by_key(|(r, _)| r.period)
}

/// Gathers the summary from a plan's year. `returns` are the plan's; `deadlines` its dated
/// items with their lights; `record` the 考核 of its departments.
pub struct SummaryInputs<'a> {
    pub plan: &'a Plan,
    pub departments: &'a [Department],
    pub returns: &'a [ReturnRecord],
    pub deadlines: &'a [Deadline],
    pub indicators: Vec<IndicatorLine>,
    pub record: Vec<DepartmentAssessment>,
    pub unit: String,
    pub made_on: NaiveDate,
}

pub fn year_summary(inputs: SummaryInputs<'_>) -> YearSummary {
    let plan = inputs.plan;
    let name_of = |id: i64| {
        inputs
            .departments
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.name.clone())
            .unwrap_or_default()
    };
    let returns: Vec<ReturnRecord> = inputs
        .returns
        .iter()
        .filter(|r| r.period.year == plan.year || r.period.year == plan.year + 1)
        .cloned()
        .collect();
    let sections = plan
        .sections
        .iter()
        .map(|section| SectionSummary {
            number: section.number.clone(),
            title: section.title.clone(),
            tasks: section
                .tasks
                .iter()
                .map(|task| {
                    let milestones = inputs
                        .deadlines
                        .iter()
                        .filter(|d| d.kind == DeadlineKind::Milestone && d.task_id == Some(task.id))
                        .map(|d| MilestoneLine {
                            date: d.date,
                            // The deadline's title leads with the task's code.
                            what: d
                                .title
                                .strip_prefix(&format!("{} ", task.code))
                                .unwrap_or(&d.title)
                                .to_owned(),
                            done_on: d.done_on,
                            light: d.light,
                        })
                        .collect();
                    let reporters: Vec<i64> = returns
                        .iter()
                        .filter(|r| r.row(RowKey::Task(task.id)).is_some())
                        .map(|r| r.department_id)
                        .fold(Vec::new(), |mut all, id| {
                            if !all.contains(&id) {
                                all.push(id);
                            }
                            all
                        });
                    let accounts = reporters
                        .into_iter()
                        .filter_map(|id| {
                            latest_account(&returns, id, RowKey::Task(task.id)).map(
                                |(record, row)| Account {
                                    label: format!("{} {}", task.code, task.title),
                                    department: name_of(id),
                                    period: record.period,
                                    progress: row.progress.clone(),
                                    remark: row.remark.clone(),
                                },
                            )
                        })
                        .collect();
                    TaskSummary {
                        code: task.code.clone(),
                        title: task.title.clone(),
                        leads: task.leads.iter().map(|d| d.name.clone()).collect(),
                        milestones,
                        accounts,
                    }
                })
                .collect(),
        })
        .collect();
    let mut rows = Vec::new();
    for group in &plan.form.groups {
        for row in &group.rows {
            for (id, name) in &row.departments {
                if let Some((record, written)) =
                    latest_account(&returns, *id, RowKey::FormRow(row.id))
                {
                    rows.push(Account {
                        label: format!(
                            "{}．{}",
                            row.code.rsplit('.').next().unwrap_or_default(),
                            row.text
                        ),
                        department: name.clone(),
                        period: record.period,
                        progress: written.progress.clone(),
                        remark: written.remark.clone(),
                    });
                }
            }
        }
    }
    YearSummary {
        year: plan.year,
        plan_id: plan.id,
        plan_title: plan.title.clone(),
        document_number: plan.document_number.clone(),
        unit: inputs.unit,
        made_on: inputs.made_on,
        targets: plan.targets.iter().map(|t| t.text.clone()).collect(),
        indicators: inputs.indicators,
        sections,
        rows,
        record: inputs.record,
        returns_received: returns.iter().filter(|r| r.received_on.is_some()).count(),
    }
}

/// A department's words as paragraphs: the first after `lead`, each further line its own.
fn quoted(out: &mut Vec<(Role, String)>, lead: String, account: &Account) {
    let mut lines = account.progress.lines().filter(|l| !l.trim().is_empty());
    out.push((
        Role::Body,
        format!("{lead}{}", lines.next().unwrap_or_default()),
    ));
    for line in lines {
        out.push((Role::Body, line.to_owned()));
    }
    if !account.remark.trim().is_empty() {
        out.push((Role::Body, format!("（备注：{}）", account.remark)));
    }
}

fn milestone_text(line: &MilestoneLine) -> String {
    let state = match (line.light, line.done_on) {
        (Light::Green, Some(done)) if done <= line.date => {
            format!("已于{}完成", format_date_cn(done))
        }
        (Light::Green, Some(done)) => format!("逾期，于{}完成", format_date_cn(done)),
        (Light::Green, None) => "已完成".to_owned(),
        (Light::Red, _) => "逾期未完成".to_owned(),
        (Light::Carried, _) => "未完成，已转入下一年度计划".to_owned(),
        (Light::Grey | Light::Yellow, _) => "尚未到期".to_owned(),
    };
    format!("{}（{}）：{state}", line.what, format_date_cn(line.date))
}

/// The summary's paragraphs in order, with their roles.
pub fn paragraphs(summary: &YearSummary) -> Vec<(Role, String)> {
    let mut out = vec![(Role::Title, summary.title()), (Role::Body, String::new())];
    let document = if summary.document_number.is_empty() {
        format!("《{}》", summary.plan_title)
    } else {
        format!("《{}》（{}）", summary.plan_title, summary.document_number)
    };
    out.push((
        Role::Body,
        format!(
            "根据{document}的要求，各责任单位按月报送了工作进展。现将{}年度工作情况总结如下：",
            summary.year
        ),
    ));
    if summary.returns_received == 0 {
        out.push((
            Role::Body,
            format!(
                "（台账中尚无{}年度各单位的报送，以下各部分只列出计划的内容。）",
                summary.year
            ),
        ));
    }
    out.push((Role::Heading, "一、目标完成情况".to_owned()));
    if summary.targets.is_empty() && summary.indicators.is_empty() {
        out.push((Role::Body, "计划未列出目标。".to_owned()));
    }
    // Each target with where its indicator stands, when the plan gave it one.
    for (n, target) in summary.targets.iter().enumerate() {
        let standing = summary
            .indicators
            .iter()
            .find(|line| !line.name.is_empty() && target.contains(&line.name))
            .map(|line| format!("。{}", super::docx::indicator_state(line)))
            .unwrap_or_default();
        out.push((
            Role::Body,
            format!(
                "{}．{}{standing}",
                n + 1,
                target.trim_end_matches(['。', '；', ';'])
            ),
        ));
    }
    out.push((Role::Heading, "二、重点任务推进情况".to_owned()));
    for section in &summary.sections {
        out.push((
            Role::Subheading,
            format!("（{}）{}", section.number, section.title),
        ));
        for task in &section.tasks {
            let leads = if task.leads.is_empty() {
                String::new()
            } else {
                format!("（牵头单位：{}）", task.leads.join("、"))
            };
            out.push((Role::Body, format!("{} {}{leads}", task.code, task.title)));
            for line in &task.milestones {
                out.push((Role::Body, milestone_text(line)));
            }
            for account in &task.accounts {
                quoted(
                    &mut out,
                    format!(
                        "{}（{}月报送）：",
                        account.department,
                        account.period.label()
                    ),
                    account,
                );
            }
        }
    }
    out.push((Role::Heading, "三、各项工作进展".to_owned()));
    if summary.rows.is_empty() {
        out.push((
            Role::Body,
            format!("台账中尚无{}年度各单位报送的工作进展。", summary.year),
        ));
    }
    for (n, account) in summary.rows.iter().enumerate() {
        quoted(
            &mut out,
            format!(
                "{}．{}（{}，{}报送）：",
                n + 1,
                super::docx::without_number(&account.label),
                account.department,
                account.period.label()
            ),
            account,
        );
    }
    out.push((Role::Heading, "四、目标指标完成情况".to_owned()));
    if summary.indicators.is_empty() {
        out.push((Role::Body, "计划未列出可量化的目标指标。".to_owned()));
    }
    for (n, line) in summary.indicators.iter().enumerate() {
        out.push((
            Role::Body,
            format!(
                "{}．{}：目标{}；{}",
                n + 1,
                line.name,
                line.target,
                super::docx::indicator_state(line)
            ),
        ));
    }
    out.push((Role::Heading, "五、各单位报送情况".to_owned()));
    if summary.record.is_empty() {
        out.push((Role::Body, "本年度没有应报送的单位。".to_owned()));
    }
    for row in &summary.record {
        let mut parts = vec![
            format!("应报{}个月", row.months_due),
            format!("按时报送{}个月", row.on_time),
        ];
        for (count, what) in [
            (row.late, "逾期报送"),
            (row.partial, "内容不全"),
            (row.missing, "未报送"),
            (row.returned, "退回修改"),
        ] {
            if count > 0 {
                parts.push(format!("{what}{count}个月"));
            }
        }
        out.push((
            Role::Body,
            format!(
                "{}：{}，按时报送率{}。",
                row.name,
                parts.join("，"),
                crate::assessment::rate_text(row.on_time_rate)
            ),
        ));
    }
    out.push((Role::Heading, "六、存在的问题和下一步工作打算".to_owned()));
    out.push((
        Role::Body,
        "（此处由起草人填写存在的问题和下一步工作打算。）".to_owned(),
    ));
    out.push((Role::Body, String::new()));
    if !summary.unit.trim().is_empty() {
        out.push((Role::Signature, summary.unit.trim().to_owned()));
    }
    out.push((Role::Signature, format_date_cn(summary.made_on)));
    out
}
