//! Every dated item of a plan's year — milestones, monthly return due dates, quarterly
//! reports, the user's own items — with the light (红黄绿灯) that says where each stands.
//! Pure: "today" is a parameter.

use chrono::NaiveDate;

use crate::holidays::HolidayCalendar;
use crate::model::Plan;
use crate::returns::{Obligation, PeriodStatus, ReturnRecord, RowStatus};
pub use crate::schedule::DueRule;
use crate::schedule::{Period, ReturnState, is_quarterly_detail};

/// What kind of deadline an item is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeadlineKind {
    Milestone,
    ReturnDue,
    QuarterlyReport,
    Custom,
}

impl DeadlineKind {
    /// The code used by `deadlines --json`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Milestone => "milestone",
            Self::ReturnDue => "return_due",
            Self::QuarterlyReport => "quarterly_report",
            Self::Custom => "custom",
        }
    }

    /// The UI word.
    pub fn label(self) -> &'static str {
        match self {
            Self::Milestone => "时间节点",
            Self::ReturnDue => "月报截止",
            Self::QuarterlyReport => "季度报告",
            Self::Custom => "事项",
        }
    }
}

pub use crate::schedule::Light;

/// A user's own calendar item (a meeting, an inspection).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarItem {
    pub id: i64,
    pub date: NaiveDate,
    pub title: String,
    pub departments: Vec<String>,
    pub done_on: Option<NaiveDate>,
}

/// One dated item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// The day it is due (after moving off a holiday, when that setting is on).
    pub date: NaiveDate,
    /// The day as written, when it was moved.
    pub nominal: Option<NaiveDate>,
    pub kind: DeadlineKind,
    pub title: String,
    pub departments: Vec<String>,
    pub task_id: Option<i64>,
    pub task_code: Option<String>,
    pub milestone_id: Option<i64>,
    pub item_id: Option<i64>,
    pub period: Option<Period>,
    pub done_on: Option<NaiveDate>,
    pub light: Light,
    /// The plan the item belongs to; `None` for the user's own items.
    pub plan_id: Option<i64>,
}

/// Everything the deadlines are built from.
pub struct DeadlineInputs<'a> {
    pub plan: &'a Plan,
    pub obligations: &'a [Obligation],
    pub returns: &'a [ReturnRecord],
    /// The plan year's months with every department's state (as the returns pages show).
    pub statuses: &'a [PeriodStatus],
    pub items: &'a [CalendarItem],
    /// The plan's tasks carried into a later plan that is not closed (沿用上年).
    pub carried: &'a std::collections::HashSet<i64>,
    pub rule: DueRule<'a>,
    pub today: NaiveDate,
}

/// Every dated item of the plan's year and the user's items, sorted by date.
pub fn deadlines(inputs: &DeadlineInputs<'_>) -> Vec<Deadline> {
    let DeadlineInputs {
        plan,
        obligations,
        returns,
        statuses,
        items,
        carried,
        rule,
        today,
    } = *inputs;
    let mut found = Vec::new();
    for task in plan.open_tasks() {
        for milestone in &task.milestones {
            // The one rule of every page: a milestone not done is overdue the day after its
            // due day, until it is done, its task is closed (not listed) or carried on, and
            // 临近 within the reminder setting's days.
            let done = milestone.done_on.is_some();
            let light = if !done && carried.contains(&task.id) {
                Light::Carried
            } else {
                rule.light(milestone.due_date, done, today)
            };
            found.push(Deadline {
                date: milestone.due_date,
                nominal: None,
                kind: DeadlineKind::Milestone,
                title: format!("{} {}：{}", task.code, milestone.wording, milestone.clause),
                departments: task.leads.iter().map(|d| d.name.clone()).collect(),
                task_id: Some(task.id),
                task_code: Some(task.code.clone()),
                milestone_id: Some(milestone.id),
                item_id: None,
                period: None,
                done_on: milestone.done_on,
                light,
                plan_id: Some(plan.id),
            });
        }
    }
    let required: Vec<String> = obligations.iter().map(|o| o.department.clone()).collect();
    for period in crate::schedule::plan_periods(plan) {
        let (nominal, date) = rule.due(period);
        let status = statuses.iter().find(|s| s.period == period);
        let all_received = status.is_some_and(|s| {
            s.departments.iter().all(|d| {
                (d.state.is_received() && d.complete) || d.state == ReturnState::NotRequired
            })
        });
        found.push(Deadline {
            date,
            nominal: (nominal != date).then_some(nominal),
            kind: DeadlineKind::ReturnDue,
            title: format!("{}月份进展报送截止", period.month),
            departments: required.clone(),
            task_id: None,
            task_code: None,
            milestone_id: None,
            item_id: None,
            period: Some(period),
            done_on: None,
            light: rule.light(date, all_received, today),
            plan_id: Some(plan.id),
        });
        if is_quarterly_detail(period, &plan.reporting) && plan.form.rows().any(|r| r.quarterly) {
            let quarterly_rows: Vec<i64> = plan
                .form
                .rows()
                .filter(|r| r.quarterly)
                .map(|r| r.id)
                .collect();
            let mut quarterly_departments: Vec<(i64, String)> = Vec::new();
            for row in plan.form.rows().filter(|r| r.quarterly) {
                for department in &row.departments {
                    if !quarterly_departments.contains(department) {
                        quarterly_departments.push(department.clone());
                    }
                }
            }
            // Each department answers for its own quarterly rows only.
            let done = !quarterly_departments.is_empty()
                && quarterly_departments.iter().all(|(department_id, _)| {
                    returns
                        .iter()
                        .find(|r| r.department_id == *department_id && r.period == period)
                        .is_some_and(|r| {
                            plan.form
                                .rows()
                                .filter(|row| {
                                    quarterly_rows.contains(&row.id)
                                        && row.departments.iter().any(|(id, _)| id == department_id)
                                })
                                .all(|row| {
                                    r.row(crate::returns::RowKey::FormRow(row.id)).is_some_and(
                                        |stored| RowStatus::of(&stored.progress).is_filled(),
                                    )
                                })
                        })
                });
            let quarter = period.month.div_ceil(3);
            found.push(Deadline {
                date,
                nominal: (nominal != date).then_some(nominal),
                kind: DeadlineKind::QuarterlyReport,
                title: format!("试点示范第{quarter}季度详细报告"),
                departments: quarterly_departments.into_iter().map(|(_, n)| n).collect(),
                task_id: None,
                task_code: None,
                milestone_id: None,
                item_id: None,
                period: Some(period),
                done_on: None,
                light: rule.light(date, done, today),
                plan_id: Some(plan.id),
            });
        }
    }
    for item in items {
        found.push(Deadline {
            date: item.date,
            nominal: None,
            kind: DeadlineKind::Custom,
            title: item.title.clone(),
            departments: item.departments.clone(),
            task_id: None,
            task_code: None,
            milestone_id: None,
            item_id: Some(item.id),
            period: None,
            done_on: item.done_on,
            light: rule.light(item.date, item.done_on.is_some(), today),
            plan_id: None,
        });
    }
    found.sort_by(|a, b| a.date.cmp(&b.date).then(a.kind.code().cmp(b.kind.code())));
    found
}

/// A task's light: the worst of its milestones' (none for a task without milestones).
pub fn task_light(deadlines: &[Deadline], task_id: i64) -> Option<Light> {
    deadlines
        .iter()
        .filter(|d| d.task_id == Some(task_id))
        .map(|d| d.light)
        .max()
}

/// Days after this week that 首页 looks ahead, at the least.
pub const HORIZON_DAYS: i64 = 14;

/// What is overdue, due this week and due soon on a day: worked out once, here, from the
/// items' lights, and read by 首页 and `deadlines --json` alike. An item is overdue when its
/// light is red (a milestone not done, not closed and not carried, the day after its due day;
/// a month's returns not all in after theirs); carried and done items are never listed.
#[derive(Clone, Debug)]
pub struct Agenda<'a> {
    pub today: NaiveDate,
    pub overdue: Vec<&'a Deadline>,
    /// The Sunday that ends today's week.
    pub week_end: NaiveDate,
    /// Open items due from today to `week_end`.
    pub this_week: Vec<&'a Deadline>,
    /// The last day looked at: two weeks after `week_end`, or further when the reminder
    /// setting's days reach further (every 临近 item is listed).
    pub horizon: NaiveDate,
    /// Open items due after `week_end` up to `horizon`.
    pub soon: Vec<&'a Deadline>,
}

impl<'a> Agenda<'a> {
    /// The agenda of `items` (already chosen: the plans in play) on `today`.
    pub fn of(
        items: impl IntoIterator<Item = &'a Deadline>,
        today: NaiveDate,
        warn_days: i64,
    ) -> Self {
        use chrono::Datelike;
        let week_end =
            today + chrono::Duration::days(6 - i64::from(today.weekday().num_days_from_monday()));
        let horizon = (week_end + chrono::Duration::days(HORIZON_DAYS))
            .max(today + chrono::Duration::days(warn_days));
        let mut agenda = Self {
            today,
            overdue: Vec::new(),
            week_end,
            this_week: Vec::new(),
            horizon,
            soon: Vec::new(),
        };
        for item in items {
            match item.light {
                Light::Red => agenda.overdue.push(item),
                Light::Green | Light::Carried => {}
                Light::Grey | Light::Yellow => {
                    if item.date >= today && item.date <= week_end {
                        agenda.this_week.push(item);
                    } else if item.date > week_end && item.date <= horizon {
                        agenda.soon.push(item);
                    }
                }
            }
        }
        agenda
    }
}

/// The reminder of an item due on `date`: 09:00 on the working day before (the bundled
/// holiday calendar: a Monday's reminder rings on Friday, a day after 国庆 on the last day
/// worked before it), as a trigger relative to the all-day event's start (00:00 that day).
pub fn alarm_trigger(date: NaiveDate, calendar: &HolidayCalendar) -> String {
    let before = calendar.previous_working_day(date);
    let days = (date - before).num_days().max(1);
    // 00:00 on the due day minus (days - 1) days and 15 hours is 09:00 on `before`.
    match days - 1 {
        0 => "-PT15H".to_owned(),
        whole => format!("-P{whole}DT15H"),
    }
}

/// The deadlines as an iCalendar file (all-day events) for a phone's calendar; each item not
/// yet done carries a reminder the working day before.
pub fn to_ics(deadlines: &[Deadline], stamp: &str, calendar: &HolidayCalendar) -> String {
    let escape = ics_text;
    let mut ics = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Taizhang//台账//ZH\r\nCALSCALE:GREGORIAN\r\nX-WR-CALNAME:台账\r\n",
    );
    for deadline in deadlines {
        let day = deadline.date.format("%Y%m%d");
        // Stable ids, so that importing the file again updates events instead of doubling them.
        let uid = match (deadline.milestone_id, deadline.item_id, deadline.period) {
            (Some(id), _, _) => format!("milestone-{id}"),
            (None, Some(id), _) => format!("item-{id}"),
            (None, None, Some(period)) => format!("{}-{period}", deadline.kind.code()),
            (None, None, None) => format!("{}-{day}", deadline.kind.code()),
        };
        let next = deadline
            .date
            .succ_opt()
            .unwrap_or(deadline.date)
            .format("%Y%m%d");
        let mut description = deadline.departments.join("、");
        if let Some(nominal) = deadline.nominal {
            description.push_str(&format!("（原定{}）", nominal.format("%Y-%m-%d")));
        }
        let summary = escape(&format!("【{}】{}", deadline.kind.label(), deadline.title));
        ics.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:taizhang-{uid}@taizhang\r\nDTSTAMP:{stamp}\r\nDTSTART;VALUE=DATE:{day}\r\nDTEND;VALUE=DATE:{next}\r\nSUMMARY:{summary}\r\nDESCRIPTION:{}\r\n",
            escape(&description),
        ));
        if deadline.done_on.is_none() {
            ics.push_str(&format!(
                "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER;RELATED=START:{}\r\nDESCRIPTION:{}\r\nEND:VALARM\r\n",
                alarm_trigger(deadline.date, calendar),
                escape(&format!(
                    "{}到期：{}",
                    deadline.date.format("%-m月%-d日"),
                    deadline.title
                )),
            ));
        }
        ics.push_str("END:VEVENT\r\n");
    }
    ics.push_str("END:VCALENDAR\r\n");
    fold_ics(&ics)
}

/// A TEXT value escaped as RFC 5545 says (backslash, semicolon, comma, line breaks); a CR,
/// a CR LF or an LF alike become one `\n`, and other control characters are dropped.
pub fn ics_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' | '\u{2028}' | '\u{2029}' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds each content line longer than 75 octets (RFC 5545 3.1): a CRLF and a space before
/// the 76th octet, never inside a UTF-8 character.
pub fn fold_ics(ics: &str) -> String {
    let mut out = String::with_capacity(ics.len() + ics.len() / 32);
    for line in ics.split_terminator("\r\n") {
        let mut used = 0;
        for c in line.chars() {
            let width = c.len_utf8();
            // The first line holds 75 octets; each continuation 74 after its space.
            if used + width > 75 {
                out.push_str("\r\n ");
                used = 1;
            }
            out.push(c);
            used += width;
        }
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn lights_at_their_boundaries() {
        let rule = DueRule {
            due_day: 3,
            shift: None,
            warn_days: 7,
        };
        let due = date(2019, 6, 30);
        assert_eq!(
            rule.light(due, false, date(2019, 6, 22)),
            Light::Grey,
            "eight days ahead"
        );
        assert_eq!(
            rule.light(due, false, date(2019, 6, 23)),
            Light::Yellow,
            "seven days ahead"
        );
        assert_eq!(
            rule.light(due, false, date(2019, 6, 30)),
            Light::Yellow,
            "on the day"
        );
        assert_eq!(
            rule.light(due, false, date(2019, 7, 1)),
            Light::Red,
            "the day after"
        );
        assert_eq!(rule.light(due, true, date(2019, 7, 1)), Light::Green);
        assert!(
            Light::Red > Light::Yellow && Light::Yellow > Light::Grey && Light::Grey > Light::Green
        );
    }

    #[test]
    fn due_dates_move_off_weekends_only_when_asked() {
        let calendar = HolidayCalendar::bundled().unwrap();
        let july = Period::new(2019, 7).unwrap();
        let plain = DueRule {
            due_day: 3,
            shift: None,
            warn_days: 7,
        };
        assert_eq!(plain.due(july), (date(2019, 8, 3), date(2019, 8, 3)));
        let shifted = DueRule {
            shift: Some(&calendar),
            ..plain
        };
        assert_eq!(shifted.due(july), (date(2019, 8, 3), date(2019, 8, 5)));
        let september = Period::new(2019, 9).unwrap();
        assert_eq!(
            shifted.due(september).1,
            date(2019, 10, 8),
            "after the National Day break"
        );
    }

    #[test]
    fn ics_has_one_all_day_event_per_item() {
        let item = Deadline {
            date: date(2019, 6, 30),
            nominal: None,
            kind: DeadlineKind::Milestone,
            title: "1.1 6月底前：完成水稻、土壤样品的入库工作".to_owned(),
            departments: vec!["融水生态环境局".to_owned()],
            task_id: Some(1),
            task_code: Some("1.1".to_owned()),
            milestone_id: Some(1),
            item_id: None,
            period: None,
            done_on: None,
            light: Light::Yellow,
            plan_id: Some(1),
        };
        let calendar = HolidayCalendar::bundled().unwrap();
        let done = Deadline {
            done_on: Some(date(2019, 6, 20)),
            milestone_id: Some(2),
            ..item.clone()
        };
        let folded = to_ics(&[item, done], "20190625T000000Z", &calendar);
        assert!(folded.split_terminator("\r\n").all(|line| line.len() <= 75));
        // Read as a calendar reads it: folded lines joined again.
        let ics = folded.replace("\r\n ", "");
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\n"));
        // 30 June 2019 is a Sunday: the reminder rings at 09:00 on Friday 28 June.
        assert!(ics.contains(
            "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER;RELATED=START:-P1DT15H\r\nDESCRIPTION:6月30日到期："
        ));
        assert_eq!(
            ics.matches("BEGIN:VALARM").count(),
            1,
            "none for a done item"
        );
        assert!(ics.contains("DTSTART;VALUE=DATE:20190630\r\nDTEND;VALUE=DATE:20190701"));
        assert!(ics.contains("SUMMARY:【时间节点】1.1 6月底前：完成水稻、土壤样品的入库工作"));
        assert_eq!(ics.matches("BEGIN:VEVENT").count(), 2);
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn the_reminder_is_the_working_day_before() {
        let calendar = HolidayCalendar::bundled().unwrap();
        // A Wednesday: the Tuesday before, 09:00.
        assert_eq!(alarm_trigger(date(2019, 7, 3), &calendar), "-PT15H");
        // A Monday: the Friday.
        assert_eq!(alarm_trigger(date(2019, 7, 8), &calendar), "-P2DT15H");
        // The Tuesday after 国庆 2019 (1-7 October off): Monday 30 September.
        assert_eq!(alarm_trigger(date(2019, 10, 8), &calendar), "-P7DT15H");
        // After a 调休 Saturday (12 October 2019 was worked): Monday 14 October rings then.
        assert_eq!(alarm_trigger(date(2019, 10, 14), &calendar), "-P1DT15H");
    }

    #[test]
    fn ics_lines_are_folded_at_75_octets_and_text_is_escaped() {
        let title = "关于报送土壤污染状况详查成果, 并完成农用地分类;\r包括重点行业企业用地调查\r\n以及\n\u{7}其余事项的通知";
        let text = ics_text(title);
        assert!(!text.contains('\r') && !text.contains('\u{7}'));
        assert_eq!(text.matches("\\n").count(), 3);
        assert!(text.contains("\\,") && text.contains("\\;"));
        let ics = fold_ics(&format!("BEGIN:VEVENT\r\nSUMMARY:{text}\r\nEND:VEVENT\r\n"));
        for line in ics.split_terminator("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        // Unfolded, the line is whole again.
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{text}\r\n")));
        assert!(!ics.replace("\r\n", "").contains('\r'));
    }
}
