//! The turn of the year, for the window and the commands alike: which tasks carry forward by
//! default, and which carried task each task of the real plan continues.

use std::collections::HashSet;

use crate::model::{Plan, Task};
use crate::plan_text::{ParsedPlan, ParsedTask};
use crate::similar::{bigrams, dice};

/// Whether next year's working plan can be carried forward from `plan` on `today`: from
/// November of its year on, while that next year has not passed. The window offers it and
/// `carry-forward` allows it by this one rule.
pub fn can_carry_forward(plan: &Plan, today: chrono::NaiveDate) -> bool {
    today >= carry_opens(plan) && plan.year + 1 >= chrono::Datelike::year(&today)
}

/// Carries next year's working plan forward from plan `carry.from`, by the one rule of
/// [`can_carry_forward`] for the window and the command alike (the window hides the button, the
/// service refuses): before November of its year, or once the year after has passed, nothing is
/// written. Returns the new plan's id.
pub fn carry_forward(
    ledger: &mut crate::store::Ledger,
    carry: &crate::store::CarryForward,
    today: chrono::NaiveDate,
) -> Result<i64, super::ActionError> {
    let from = ledger.plan(carry.from).map_err(|_| {
        crate::store::StoreError::Invalid(format!("台账中没有编号为 {} 的计划", carry.from))
    })?;
    if !can_carry_forward(&from, today) {
        let why = if today < carry_opens(&from) {
            format!(
                "“{}”的年度尚未结束：{}年11月起才能沿用为{}年的工作计划，未作任何改动。",
                from.label(),
                from.year,
                from.year + 1
            )
        } else {
            format!(
                "{}年已过，“{}”不再沿用，未作任何改动；请导入今年的计划或新建空白计划。",
                from.year + 1,
                from.label()
            )
        };
        return Err(crate::store::StoreError::Invalid(why).into());
    }
    Ok(ledger.carry_forward(carry)?)
}

/// The carried tasks (the replaced plan's open ones, in its order) that no read task continues:
/// replacing the plan closes them. `matched` is each read task's carried task, if any. The
/// command's `closing` and the window's warning are this one list.
pub fn closing_tasks(carried_open: &[i64], matched: &[Option<i64>]) -> Vec<i64> {
    let kept: HashSet<i64> = matched.iter().flatten().copied().collect();
    carried_open
        .iter()
        .copied()
        .filter(|id| !kept.contains(id))
        .collect()
}

/// The first day a plan can be carried forward: 1 November of its year.
pub fn carry_opens(plan: &Plan) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(plan.year, 11, 1).unwrap_or(chrono::NaiveDate::MAX)
}

/// Words that make a task recur every year whatever its dates.
const RECURRING: [&str; 9] = [
    "长期",
    "持续",
    "每月",
    "每季",
    "每年",
    "常态",
    "动态更新",
    "定期",
    "年度",
];

/// Whether a task is done: it had dated milestones and every one is marked done, and nothing
/// in it recurs.
pub fn task_is_finished(task: &Task) -> bool {
    let recurs = RECURRING
        .iter()
        .any(|word| task.deadline.contains(word) || task.title.contains(word));
    !recurs && !task.milestones.is_empty() && task.milestones.iter().all(|m| m.done_on.is_some())
}

/// The tasks carried forward unless the user chooses otherwise: every open task that is not
/// finished (no dates, dates still open, or recurring work).
pub fn default_carry(plan: &Plan) -> Vec<i64> {
    plan.open_tasks()
        .filter(|task| !task_is_finished(task))
        .map(|task| task.id)
        .collect()
}

/// The carried task a read task continues, and how alike they are (0 to 1).
#[derive(Clone, Debug, PartialEq)]
pub struct TaskMatch {
    pub task_id: i64,
    pub code: String,
    pub title: String,
    pub score: f32,
}

/// The text two tasks are compared by: title and body, without numbers (years and dates
/// change from plan to plan) and punctuation.
fn comparable(title: &str, body: &str) -> String {
    format!("{title}{body}")
        .chars()
        .filter(|c| c.is_alphabetic())
        .collect()
}

/// The most task pairs compared by likeness; beyond it only equal texts match (a plan has
/// tens of tasks, a hostile one tens of thousands).
const MAX_PAIRS: usize = 200_000;

/// The least likeness for a suggestion: below it a task is taken as new.
const MATCH_AT: f32 = 0.3;

/// For each task of the read plan (in its order), the carried task it most likely continues:
/// alike in text (bigram Dice of title and body), helped by sharing a lead. Each carried task
/// is given at most once, best pairs first. The user confirms or changes them.
pub fn match_tasks(carried: &Plan, parsed: &ParsedPlan) -> Vec<Option<TaskMatch>> {
    let old: Vec<(&Task, _, HashSet<&str>)> = carried
        .tasks()
        .map(|task| {
            let leads: HashSet<&str> = task.leads.iter().map(|d| d.name.as_str()).collect();
            let grams = (
                bigrams(&comparable(&task.title, &task.body)),
                bigrams(&comparable(&task.title, "")),
            );
            (task, grams, leads)
        })
        .collect();
    let new: Vec<&ParsedTask> = parsed.tasks().collect();
    let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
    if new.len().saturating_mul(old.len()) > MAX_PAIRS {
        // Too many to compare each with each: only tasks whose text is the same match.
        let mut by_text: std::collections::HashMap<String, usize> = old
            .iter()
            .enumerate()
            .map(|(o, (task, _, _))| (comparable(&task.title, &task.body), o))
            .collect();
        for (n, task) in new.iter().enumerate() {
            if let Some(o) = by_text.remove(&comparable(&task.title, &task.body)) {
                pairs.push((1.0, n, o));
            }
        }
    }
    for (n, task) in new
        .iter()
        .enumerate()
        .filter(|_| new.len().saturating_mul(old.len()) <= MAX_PAIRS)
    {
        let grams = bigrams(&comparable(&task.title, &task.body));
        let title = bigrams(&comparable(&task.title, ""));
        for (o, (_, (old_grams, old_title), leads)) in old.iter().enumerate() {
            // The whole texts, or the titles alone: a table plan's task is often a short
            // title where last year's prose had a paragraph.
            let text = dice(&grams, old_grams).max(dice(&title, old_title));
            let shares_lead = task.leads.iter().any(|l| leads.contains(l.name.as_str()));
            let score = if shares_lead {
                (text + 0.15).min(1.0)
            } else {
                text
            };
            if score >= MATCH_AT && text >= 0.2 {
                pairs.push((score, n, o));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut matches: Vec<Option<TaskMatch>> = vec![None; new.len()];
    let mut taken = HashSet::new();
    for (score, n, o) in pairs {
        if matches[n].is_some() || taken.contains(&o) {
            continue;
        }
        taken.insert(o);
        let task = old[o].0;
        matches[n] = Some(TaskMatch {
            task_id: task.id,
            code: task.code.clone(),
            title: task.title.clone(),
            score,
        });
    }
    matches
}
