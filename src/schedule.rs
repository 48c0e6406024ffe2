//! Reporting periods, due dates and return states. Pure: "today" is always a parameter.

use std::fmt;

use chrono::{Datelike as _, NaiveDate};

use crate::model::ReportingRule;

/// A reporting period: one month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
    /// 1 to 12.
    pub month: u32,
}

impl Period {
    /// The period of a month, if the month is 1 to 12.
    pub fn new(year: i32, month: u32) -> Option<Self> {
        (1..=12).contains(&month).then_some(Self { year, month })
    }

    /// Reads `YYYY-MM`.
    pub fn parse(text: &str) -> Option<Self> {
        let (year, month) = text.trim().split_once('-')?;
        if year.len() != 4 || month.is_empty() || month.len() > 2 {
            return None;
        }
        Self::new(year.parse().ok()?, month.parse().ok()?)
    }

    /// The period that contains `date`.
    pub fn of(date: NaiveDate) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    /// The month after.
    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month before.
    pub fn previous(self) -> Self {
        if self.month == 1 {
            Self {
                year: self.year - 1,
                month: 12,
            }
        } else {
            Self {
                year: self.year,
                month: self.month - 1,
            }
        }
    }

    /// The first day of the month.
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }

    /// The last day of the month.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MIN)
    }

    /// The return for this month is due on `due_day` of the next month.
    pub fn due_date(self, due_day: u32) -> NaiveDate {
        let next = self.next();
        NaiveDate::from_ymd_opt(next.year, next.month, due_day.clamp(1, 28))
            .unwrap_or_else(|| next.first_day())
    }

    /// The twelve months of a year.
    pub fn months_of(year: i32) -> impl Iterator<Item = Self> {
        (1..=12).map(move |month| Self { year, month })
    }

    /// `2019年7月`.
    pub fn label(self) -> String {
        format!("{}年{}月", self.year, self.month)
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// How due dates and lights are reckoned.
#[derive(Clone, Copy, Debug)]
pub struct DueRule<'a> {
    /// Returns for month M are due on this day of M+1.
    pub due_day: u32,
    /// Move a due date on a weekend or holiday to the next working day.
    pub shift: Option<&'a crate::holidays::HolidayCalendar>,
    /// Items due within this many days light yellow.
    pub warn_days: i64,
}

impl<'a> DueRule<'a> {
    /// The rule for a plan's due day under the user's settings.
    pub fn from_settings(
        due_day: u32,
        settings: &crate::model::Settings,
        calendar: &'a crate::holidays::HolidayCalendar,
    ) -> Self {
        Self {
            due_day,
            shift: settings.shift_due_dates.then_some(calendar),
            warn_days: i64::from(settings.warn_days),
        }
    }

    /// The rule of a plan: its due day under the user's settings (moved past weekends and
    /// holidays when she asked). The one rule for the pages, the messages and the commands.
    pub fn of_plan(
        plan: &crate::model::Plan,
        settings: &crate::model::Settings,
        calendar: &'a crate::holidays::HolidayCalendar,
    ) -> Self {
        Self::from_settings(plan.reporting.due_day, settings, calendar)
    }

    /// The nominal and the effective due date of a period's returns.
    pub fn due(&self, period: Period) -> (NaiveDate, NaiveDate) {
        let nominal = period.due_date(self.due_day);
        let effective = self
            .shift
            .map_or(nominal, |calendar| calendar.next_working_day(nominal));
        (nominal, effective)
    }

    /// The light of an item due on `date`.
    pub fn light(&self, date: NaiveDate, done: bool, today: NaiveDate) -> Light {
        use Light;
        if done {
            Light::Green
        } else if date < today {
            Light::Red
        } else if (date - today).num_days() <= self.warn_days {
            Light::Yellow
        } else {
            Light::Grey
        }
    }
}

/// Where a department's return for one period stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReturnState {
    /// 未到期: not received and the due day has not passed.
    NotDue,
    /// 未报: not received and past the due day.
    Missing,
    /// 按时已报: received on or before the due day.
    OnTime,
    /// 逾期补报: received after the due day.
    Late,
    /// 无需报送: the department owes no return for this period.
    NotRequired,
    /// 已退回: received, then sent back for correction (退回); stays so until the corrected
    /// return arrives. Its content is still the last received.
    Returned,
}

impl ReturnState {
    pub const ALL: [Self; 6] = [
        Self::OnTime,
        Self::Late,
        Self::Returned,
        Self::Missing,
        Self::NotDue,
        Self::NotRequired,
    ];

    /// The UI word.
    pub fn label(self) -> &'static str {
        match self {
            Self::NotDue => "未到期",
            Self::Missing => "未报",
            Self::OnTime => "按时已报",
            Self::Late => "逾期补报",
            Self::NotRequired => "无需报送",
            Self::Returned => "已退回",
        }
    }

    /// The code used by `status --json`.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotDue => "not_due",
            Self::Missing => "missing",
            Self::OnTime => "on_time",
            Self::Late => "late",
            Self::NotRequired => "not_required",
            Self::Returned => "returned",
        }
    }

    /// Whether a return was received and stands (a return sent back does not: it is owed
    /// again).
    pub fn is_received(self) -> bool {
        matches!(self, Self::OnTime | Self::Late)
    }
}

/// The state rule: on time up to and including the due day, late after it; not due until the
/// due day has passed, missing after.
pub fn return_state(
    required: bool,
    due: NaiveDate,
    received_on: Option<NaiveDate>,
    today: NaiveDate,
) -> ReturnState {
    match (required, received_on) {
        (false, _) => ReturnState::NotRequired,
        (true, Some(received)) if received <= due => ReturnState::OnTime,
        (true, Some(_)) => ReturnState::Late,
        (true, None) if today > due => ReturnState::Missing,
        (true, None) => ReturnState::NotDue,
    }
}

/// The months of a plan for which returns are owed: from the month the plan was issued (or
/// January) to December of the plan's year.
pub fn reporting_periods(plan_year: i32, issued_on: Option<NaiveDate>) -> Vec<Period> {
    let first_month = issued_on
        .filter(|date| date.year() == plan_year)
        .map_or(1, |date| date.month());
    Period::months_of(plan_year)
        .filter(|period| period.month >= first_month)
        .collect()
}

/// A plan's reporting months: from the month after it was issued (or the first month it
/// took over from a carried plan) to December of its year.
pub fn plan_periods(plan: &crate::model::Plan) -> Vec<Period> {
    reporting_periods(plan.year, plan.reporting_from.or(plan.issued_on))
}

/// Whether quarterly rows report in detail for this period: the return sent in April, July,
/// October or January (for the month before) covers the past quarter.
pub fn is_quarterly_detail(period: Period, rule: &ReportingRule) -> bool {
    rule.quarterly_months.contains(&period.next().month)
}

/// The date a chase message asks for: the due date while it is ahead, else the next working
/// day after today: not a weekend unless worked by 调休, never a public holiday (the bundled
/// calendar; Monday to Friday where it has no data).
pub fn chase_deadline(due: NaiveDate, today: NaiveDate) -> NaiveDate {
    if due >= today {
        return due;
    }
    static CALENDAR: std::sync::OnceLock<Option<crate::holidays::HolidayCalendar>> =
        std::sync::OnceLock::new();
    let calendar = CALENDAR.get_or_init(|| crate::holidays::HolidayCalendar::bundled().ok());
    let working = |day: NaiveDate| match calendar {
        Some(calendar) => calendar.is_working_day(day),
        None => day.weekday().number_from_monday() <= 5,
    };
    let mut day = today.succ_opt().unwrap_or(today);
    for _ in 0..40 {
        if working(day) {
            break;
        }
        day = day.succ_opt().unwrap_or(day);
    }
    day
}

/// 红黄绿灯.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Light {
    /// Done.
    Green,
    /// A milestone not done whose task was carried into a later plan (沿用): that plan's
    /// milestone answers for it, so it is no longer overdue here.
    Carried,
    /// Not yet relevant.
    Grey,
    /// Due soon and not done, or near with no progress reported.
    Yellow,
    /// Passed and not done.
    Red,
}

impl Light {
    /// The state code used by `deadlines --json`.
    pub fn code(self) -> &'static str {
        match self {
            Self::Green => "done",
            Self::Carried => "carried",
            Self::Grey => "upcoming",
            Self::Yellow => "due_soon",
            Self::Red => "overdue",
        }
    }

    /// The UI word.
    pub fn label(self) -> &'static str {
        match self {
            Self::Green => "已完成",
            Self::Carried => "已沿用",
            Self::Grey => "未到",
            Self::Yellow => "临近",
            Self::Red => "逾期",
        }
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn rule() -> ReportingRule {
        ReportingRule::default()
    }

    #[test]
    fn periods_parse_print_and_step() {
        let july = Period::parse("2019-07").unwrap();
        assert_eq!(july.to_string(), "2019-07");
        assert_eq!(july.label(), "2019年7月");
        assert_eq!(
            Period::parse("2019-12").unwrap().next(),
            Period::new(2020, 1).unwrap()
        );
        assert_eq!(
            Period::new(2020, 1).unwrap().previous(),
            Period::new(2019, 12).unwrap()
        );
        assert_eq!(Period::parse("2019-13"), None);
        assert_eq!(Period::parse("19-07"), None);
        assert_eq!(Period::parse("2019-7"), Period::new(2019, 7));
        assert_eq!(Period::new(2020, 2).unwrap().last_day(), date(2020, 2, 29));
    }

    #[test]
    fn a_months_return_is_due_in_the_next_month() {
        assert_eq!(Period::new(2019, 7).unwrap().due_date(3), date(2019, 8, 3));
        assert_eq!(Period::new(2019, 12).unwrap().due_date(3), date(2020, 1, 3));
        assert_eq!(
            Period::new(2019, 1).unwrap().due_date(31),
            date(2019, 2, 28)
        );
    }

    #[test]
    fn on_time_on_the_due_day_late_the_day_after() {
        let due = date(2019, 8, 3);
        let today = date(2019, 8, 20);
        assert_eq!(
            return_state(true, due, Some(date(2019, 8, 3)), today),
            ReturnState::OnTime
        );
        assert_eq!(
            return_state(true, due, Some(date(2019, 7, 30)), today),
            ReturnState::OnTime
        );
        assert_eq!(
            return_state(true, due, Some(date(2019, 8, 4)), today),
            ReturnState::Late
        );
    }

    #[test]
    fn not_due_until_the_due_day_has_passed_then_missing() {
        let due = date(2019, 8, 3);
        assert_eq!(
            return_state(true, due, None, date(2019, 8, 2)),
            ReturnState::NotDue
        );
        assert_eq!(
            return_state(true, due, None, date(2019, 8, 3)),
            ReturnState::NotDue
        );
        assert_eq!(
            return_state(true, due, None, date(2019, 8, 4)),
            ReturnState::Missing
        );
        assert_eq!(
            return_state(false, due, None, date(2019, 8, 4)),
            ReturnState::NotRequired
        );
        assert_eq!(
            return_state(false, due, Some(date(2019, 8, 1)), date(2019, 8, 4)),
            ReturnState::NotRequired
        );
    }

    #[test]
    fn quarterly_rows_report_in_detail_for_march_june_september_december() {
        let detailed: Vec<u32> = Period::months_of(2019)
            .filter(|p| is_quarterly_detail(*p, &rule()))
            .map(|p| p.month)
            .collect();
        assert_eq!(detailed, [3, 6, 9, 12]);
    }

    #[test]
    fn returns_are_owed_from_the_month_the_plan_was_issued() {
        let months: Vec<u32> = reporting_periods(2019, Some(date(2019, 6, 15)))
            .iter()
            .map(|p| p.month)
            .collect();
        assert_eq!(months, [6, 7, 8, 9, 10, 11, 12]);
        assert_eq!(reporting_periods(2020, None).len(), 12);
    }

    #[test]
    fn a_chase_asks_for_the_due_date_or_the_next_working_day() {
        let due = date(2019, 8, 3);
        assert_eq!(chase_deadline(due, date(2019, 8, 1)), due);
        // 2019-08-09 is a Friday: the next working day is Monday the 12th.
        assert_eq!(chase_deadline(due, date(2019, 8, 9)), date(2019, 8, 12));
        assert_eq!(chase_deadline(due, date(2019, 8, 5)), date(2019, 8, 6));
        // 国庆: the next working day is 8 October; a Saturday worked by 调休 counts.
        assert_eq!(chase_deadline(due, date(2019, 10, 4)), date(2019, 10, 8));
        assert_eq!(chase_deadline(due, date(2019, 10, 11)), date(2019, 10, 12));
        assert_eq!(chase_deadline(due, date(2019, 9, 30)), date(2019, 10, 8));
    }
}
