//! The month's 情况通报: what the ledger holds about a month, put as the leader's draft. Who
//! reported on time, late, partly and not at all; the on-time rates; the tasks that moved, in
//! their departments' own words cut to a sentence; the milestones overdue; the 目标指标
//! against their targets. [`docx`] writes it in the 公文 layout. Knows nothing of the ledger
//! or the window: the service hands it the day's state.

pub mod docx;
pub mod summary;

use chrono::NaiveDate;

use crate::returns::{DepartmentStatus, RowStatus};
use crate::schedule::{Period, ReturnState};
use crate::service::{DayState, IndicatorState};

/// A department that reported late.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LateReturn {
    pub department: String,
    pub received_on: Option<NaiveDate>,
}

/// A department whose return is missing rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartialReturn {
    pub department: String,
    pub rows_filled: usize,
    pub rows_expected: usize,
}

/// A task or form row whose department wrote something new this month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MovedItem {
    pub department: String,
    /// `3.1.2 …` or `11．…`, as the template shows it.
    pub item: String,
    /// The department's words, cut to their first sentence.
    pub sentence: String,
}

/// A milestone past its day and not done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverdueMilestone {
    pub date: NaiveDate,
    pub task: String,
    pub what: String,
    pub departments: Vec<String>,
    /// Its task has since been carried into a later plan (the light every page shows).
    pub carried: bool,
}

/// An indicator as the 通报 states it.
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorLine {
    pub name: String,
    pub target: String,
    /// The value as of the month, with its month and source.
    pub value: Option<(f64, String, Period, String)>,
    pub met: Option<bool>,
}

/// Everything the 通报 says, taken from the ledger.
#[derive(Clone, Debug, PartialEq)]
pub struct MonthReport {
    pub period: Period,
    pub plan_title: String,
    pub unit: String,
    pub due: NaiveDate,
    /// The day the draft was made (its date line).
    pub made_on: NaiveDate,
    pub on_time: Vec<String>,
    pub late: Vec<LateReturn>,
    /// Received (on time or late) but not every row answered.
    pub partial: Vec<PartialReturn>,
    pub missing: Vec<String>,
    /// Sent back for correction (退回) and not corrected yet.
    pub returned: Vec<String>,
    /// Owed but not yet due.
    pub not_due: Vec<String>,
    /// On time and complete over those due, this month and the plan's months so far.
    pub month_rate: Option<f32>,
    pub year_rate: Option<f32>,
    pub moved: Vec<MovedItem>,
    pub overdue: Vec<OverdueMilestone>,
    pub indicators: Vec<IndicatorLine>,
}

impl MonthReport {
    /// The title: `关于2019年7月土壤污染防治攻坚重点工作推进情况的通报`.
    pub fn title(&self) -> String {
        format!(
            "关于{}{}推进情况的通报",
            self.period.label(),
            short_plan_name(&self.plan_title, self.period.year)
        )
    }
}

/// The plan's name for the title: `2019年度融水苗族自治县土壤污染防治攻坚重点工作实施计划` →
/// `融水苗族自治县土壤污染防治攻坚重点工作`.
pub(crate) fn short_plan_name(title: &str, year: i32) -> String {
    let mut name = title.trim().to_owned();
    for prefix in [format!("{year}年度"), format!("{year}年")] {
        if let Some(rest) = name.strip_prefix(&prefix) {
            name = rest.to_owned();
            break;
        }
    }
    for suffix in [
        "实施计划",
        "工作计划",
        "实施方案",
        "工作方案",
        "计划",
        "方案",
    ] {
        if let Some(rest) = name.strip_suffix(suffix) {
            name = rest.to_owned();
            break;
        }
    }
    if name.is_empty() {
        "重点工作".to_owned()
    } else {
        name
    }
}

/// A department's words on one line, as written: line breaks and runs of spaces go, and a
/// space stays only between two Latin letters or digits (`已完成\n安全利用面积` →
/// `已完成安全利用面积`, `PM2.5 and` keeps its space); control characters are dropped.
pub fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.chars() {
        if c.is_whitespace() {
            gap = !out.is_empty();
            continue;
        }
        if c.is_control() {
            continue;
        }
        if gap {
            let before = out
                .chars()
                .next_back()
                .is_some_and(|b| b.is_ascii_alphanumeric());
            if before && c.is_ascii_alphanumeric() {
                out.push(' ');
            }
            gap = false;
        }
        out.push(c);
    }
    out
}

/// The length of a list marker at the start of a department's words (`1．`, `2、`, `3. `,
/// `（1）`, `(2)`, `一、`), which the 通报 leaves out; a figure that begins the words
/// (`7月份，…`, `7月完成2宗…`, `1.2万亩…`, `2019年7月…`) is theirs and stays.
fn list_marker_len(text: &str) -> usize {
    let chars: Vec<char> = text.chars().take(8).collect();
    let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    let numerals = chars
        .iter()
        .take_while(|c| "一二三四五六七八九十".contains(**c))
        .count();
    let marker = |at: usize, ends: &[char]| -> Option<usize> {
        let next = chars.get(at)?;
        if !ends.contains(next) {
            return None;
        }
        // `1.2万亩` is a figure: a dot followed by a digit is a decimal point.
        if *next == '.' && chars.get(at + 1).is_some_and(char::is_ascii_digit) {
            return None;
        }
        Some(at + 1)
    };
    let found = if (1..=2).contains(&digits) {
        marker(digits, &['．', '.', '、'])
    } else if (1..=2).contains(&numerals) {
        marker(numerals, &['、'])
    } else if matches!(chars.first(), Some('（' | '(')) {
        let inner = chars[1..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || "一二三四五六七八九十".contains(**c))
            .count();
        ((1..=2).contains(&inner))
            .then(|| marker(1 + inner, &['）', ')']))
            .flatten()
    } else {
        None
    };
    found
        .map(|n| chars[..n].iter().map(|c| c.len_utf8()).sum())
        .unwrap_or(0)
}

/// The first sentence of a department's words, quoted as written (a list marker before it
/// left out), at most `limit` characters (cut with `…`).
pub fn first_sentence(text: &str, limit: usize) -> String {
    let flat = one_line(text);
    let flat = flat[list_marker_len(&flat)..].trim_start();
    let mut sentence = String::new();
    for c in flat.chars() {
        sentence.push(c);
        // A sentence ends at its full stop; a semicolon inside it is the department's and
        // stays (cutting there would turn it into a full stop they never wrote).
        if matches!(c, '。' | '！' | '？' | '!' | '?') {
            break;
        }
    }
    let sentence = sentence.trim_end_matches(['；', ';', '，', ',']).to_owned();
    if sentence.chars().count() > limit {
        let mut cut: String = sentence.chars().take(limit.saturating_sub(1)).collect();
        cut.push('…');
        cut
    } else if sentence.ends_with(['。', '！', '？', '!', '?']) {
        sentence
    } else {
        format!("{sentence}。")
    }
}

/// Builds the month's report from the plan's state on its day.
pub fn month_report(
    day: &DayState,
    period: Period,
    indicators: &[IndicatorState],
    made_on: NaiveDate,
) -> MonthReport {
    let status = day.period_status(period);
    let owing = |d: &&DepartmentStatus| d.state != ReturnState::NotRequired;
    let names = |state: ReturnState| -> Vec<String> {
        status
            .departments
            .iter()
            .filter(owing)
            .filter(|d| d.state == state)
            .map(|d| d.department.clone())
            .collect()
    };
    let late = status
        .departments
        .iter()
        .filter(|d| d.state == ReturnState::Late)
        .map(|d| LateReturn {
            department: d.department.clone(),
            received_on: d.received_on,
        })
        .collect();
    let partial = status
        .departments
        .iter()
        .filter(|d| d.is_incomplete())
        .map(|d| PartialReturn {
            department: d.department.clone(),
            rows_filled: d.rows_filled,
            rows_expected: d.rows_expected,
        })
        .collect();
    let month_rate = crate::returns::on_time_rate(status.departments.iter()).map(|r| r.0);
    let year_rate = crate::returns::on_time_rate(
        day.statuses
            .iter()
            .filter(|s| s.period <= period)
            .flat_map(|s| s.departments.iter()),
    )
    .map(|r| r.0);
    MonthReport {
        period,
        plan_title: day.plan.title.clone(),
        unit: day.settings.unit.clone(),
        due: status.due,
        made_on,
        on_time: names(ReturnState::OnTime),
        late,
        partial,
        missing: names(ReturnState::Missing),
        returned: names(ReturnState::Returned),
        not_due: names(ReturnState::NotDue),
        month_rate,
        year_rate,
        moved: moved_items(day, period),
        overdue: overdue_milestones(day, period),
        indicators: indicators
            .iter()
            .map(|state| {
                let value = state.as_of(period);
                IndicatorLine {
                    name: state.indicator.name.clone(),
                    target: state.indicator.target_label(),
                    value: value.map(|v| {
                        (
                            v.value,
                            state.indicator.unit.clone(),
                            v.period,
                            v.source.clone(),
                        )
                    }),
                    met: value.map(|v| state.indicator.is_met(v.value)),
                }
            })
            .collect(),
    }
}

/// The rows of the month's returns with progress that differs from the same department's
/// words the month before, in department and form order.
fn moved_items(day: &DayState, period: Period) -> Vec<MovedItem> {
    let previous = period.previous();
    let mut moved = Vec::new();
    for obligation in &day.obligations {
        let this = day
            .returns
            .iter()
            .find(|r| r.department_id == obligation.department_id && r.period == period);
        let Some(this) = this.filter(|r| r.received_on.is_some()) else {
            continue;
        };
        let before = day
            .returns
            .iter()
            .find(|r| r.department_id == obligation.department_id && r.period == previous);
        for row in obligation.rows_in(period) {
            let Some(now) = this.row(row.key) else {
                continue;
            };
            if RowStatus::of(&now.progress) != RowStatus::Progress {
                continue;
            }
            let then = before
                .and_then(|r| r.row(row.key))
                .map(|r| r.progress.trim().to_owned());
            if then.as_deref() == Some(now.progress.trim()) {
                continue;
            }
            moved.push(MovedItem {
                department: obligation.department.clone(),
                item: row.label(),
                sentence: first_sentence(&now.progress, 80),
            });
        }
    }
    moved
}

/// Milestones overdue as the month closes, oldest first: once the month is over, those due by
/// its last day (that day included) and not done by it; while it runs, those due before today
/// and not done (the rule of every page: a milestone is overdue the day after its due day).
fn overdue_milestones(day: &DayState, period: Period) -> Vec<OverdueMilestone> {
    let last = period.last_day();
    let (cutoff, done_by) = if day.today > last {
        (last.succ_opt().unwrap_or(last), last)
    } else {
        (day.today, day.today)
    };
    let mut overdue: Vec<OverdueMilestone> = day
        .plan
        .tasks()
        .filter(|task| task.closed_on.is_none())
        .flat_map(|task| {
            task.milestones
                .iter()
                .filter(move |m| m.due_date < cutoff && m.done_on.is_none_or(|done| done > done_by))
                .map(move |m| OverdueMilestone {
                    date: m.due_date,
                    task: format!("{} {}", task.code, task.title),
                    what: m.clause.clone(),
                    departments: task.leads.iter().map(|d| d.name.clone()).collect(),
                    carried: day.deadlines.iter().any(|d| {
                        d.milestone_id == Some(m.id) && d.light == crate::deadlines::Light::Carried
                    }),
                })
        })
        .collect();
    overdue.sort_by(|a, b| a.date.cmp(&b.date).then(a.task.cmp(&b.task)));
    overdue
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sentence_is_cut() {
        assert_eq!(
            first_sentence("1. 已完成样品入库。下一步将开展验收。", 40),
            "已完成样品入库。"
        );
        assert_eq!(first_sentence("已完成详查", 40), "已完成详查。");
        let long = "甲".repeat(100);
        assert_eq!(first_sentence(&long, 10).chars().count(), 10);
    }

    #[test]
    fn the_departments_words_keep_their_figures() {
        for (words, quoted) in [
            (
                "7月份，按计划推进第1.8项工作。下月继续。",
                "7月份，按计划推进第1.8项工作。",
            ),
            ("7月完成2宗地块调查。", "7月完成2宗地块调查。"),
            ("2019年7月完成验收。", "2019年7月完成验收。"),
            ("1.2万亩已安全利用。", "1.2万亩已安全利用。"),
            ("（1）已完成排查。", "已完成排查。"),
            ("一、已完成排查。", "已完成排查。"),
            ("2、已完成排查。", "已完成排查。"),
            (
                "已完成\n安全利用面积1.2万亩，\n 占任务的63%。",
                "已完成安全利用面积1.2万亩，占任务的63%。",
            ),
            ("监测PM2.5 and\nPM10。", "监测PM2.5 and PM10。"),
        ] {
            assert_eq!(first_sentence(words, 80), quoted, "{words}");
        }
    }

    #[test]
    fn the_plan_name_in_the_title() {
        assert_eq!(
            short_plan_name(
                "2019年度融水苗族自治县土壤污染防治攻坚重点工作实施计划",
                2019
            ),
            "融水苗族自治县土壤污染防治攻坚重点工作"
        );
    }
}
