//! What the ledger looks like on a given day: the current plan, who owes what, the returns,
//! every month's states and every dated item with its light. Loaded once for the window (after
//! each change, never per frame) and for each command.

use chrono::NaiveDate;

use crate::deadlines::{CalendarItem, Deadline, DeadlineInputs, Light};
use crate::holidays::HolidayCalendar;
use crate::model::{Department, Plan, Settings};
use crate::returns::{Obligation, PeriodStatus, ReturnRecord};
use crate::schedule::{DueRule, Period};
use crate::store::{Ledger, StoreError};

/// The ledger's state for one day.
#[derive(Clone, Debug)]
pub struct DayState {
    pub today: NaiveDate,
    pub plan: Plan,
    pub departments: Vec<Department>,
    pub settings: Settings,
    /// Public holidays and 调休 days.
    pub holidays: HolidayCalendar,
    /// Who owes which rows each month.
    pub obligations: Vec<Obligation>,
    /// All returns of the current plan.
    pub returns: Vec<ReturnRecord>,
    /// The plan's twelve months with every department's state.
    pub statuses: Vec<PeriodStatus>,
    /// The user's own calendar items.
    pub items: Vec<CalendarItem>,
    /// Every dated item with its light, by date.
    pub deadlines: Vec<Deadline>,
    /// Every sending back (退回) of the plan's returns, oldest first.
    pub send_backs: Vec<crate::store::SendBack>,
}

impl DayState {
    /// Reads the ledger and works out the day's states.
    pub fn load(
        ledger: &Ledger,
        today: NaiveDate,
        holidays: &HolidayCalendar,
    ) -> Result<Self, StoreError> {
        Self::load_plan(ledger, ledger.focused_plan_id()?, today, holidays)
    }

    /// Reads one plan of the ledger and works out its states for the day.
    pub fn load_plan(
        ledger: &Ledger,
        plan_id: i64,
        today: NaiveDate,
        holidays: &HolidayCalendar,
    ) -> Result<Self, StoreError> {
        let plan = ledger.plan(plan_id)?;
        let departments = ledger.departments()?;
        let settings = ledger.settings()?;
        let rule = DueRule::of_plan(&plan, &settings, holidays);
        let obligations = crate::returns::obligations(&plan, &departments);
        let returns = ledger.plan_returns(plan_id, None)?;
        let statuses = crate::returns::year_statuses(
            &plan,
            &departments,
            &obligations,
            &returns,
            today,
            &rule,
        );
        let items = ledger.calendar_items()?;
        let carried = ledger.carried_tasks(plan_id)?;
        let deadlines = crate::deadlines::deadlines(&DeadlineInputs {
            plan: &plan,
            obligations: &obligations,
            returns: &returns,
            statuses: &statuses,
            items: &items,
            carried: &carried,
            rule,
            today,
        });
        let send_backs = ledger.send_backs(plan_id, None)?;
        Ok(Self {
            today,
            send_backs,
            plan,
            departments,
            settings,
            holidays: holidays.clone(),
            obligations,
            returns,
            statuses,
            items,
            deadlines,
        })
    }

    /// One of the plan's dated items, its title led by the plan's short name when several
    /// plans are in play (`〔2019年〕…`); the user's own items as they are.
    pub fn labelled(&self, deadline: &Deadline, several: bool) -> Deadline {
        let mut deadline = deadline.clone();
        if several && deadline.plan_id.is_some() {
            deadline.title = format!("〔{}〕{}", self.plan.short_label(), deadline.title);
        }
        deadline
    }

    /// Whether the plan's year is over: today is past the due date of its last month's return.
    pub fn has_ended(&self) -> bool {
        crate::schedule::plan_periods(&self.plan)
            .last()
            .is_none_or(|last| self.rule().due(*last).1 < self.today)
    }

    /// Whether the plan's year is over and nothing of it is still owed: every return and
    /// report it asked for is in, and every milestone done or carried on (an unfinished
    /// milestone of a plan not closed stays overdue, and the plan in play, until then).
    pub fn is_finished(&self) -> bool {
        self.has_ended()
            && self
                .deadlines
                .iter()
                .filter(|d| d.plan_id == Some(self.plan.id))
                .all(|d| matches!(d.light, Light::Green | Light::Carried))
    }

    /// Whether the plan is in play on the day: active, and this year's or later, or last
    /// year's until its last return and quarterly report are in.
    pub fn in_play(&self) -> bool {
        let year = chrono::Datelike::year(&self.today);
        self.plan.active
            && (self.plan.year >= year || (self.plan.year == year - 1 && !self.is_finished()))
    }

    /// When returns are due, holidays and the user's setting applied.
    pub fn rule(&self) -> DueRule<'_> {
        DueRule::of_plan(&self.plan, &self.settings, &self.holidays)
    }

    /// Every department's state for a month, inside the plan's year or not.
    pub fn period_status(&self, period: Period) -> PeriodStatus {
        if let Some(status) = self.statuses.iter().find(|s| s.period == period) {
            return status.clone();
        }
        let returns: Vec<ReturnRecord> = self
            .returns
            .iter()
            .filter(|r| r.period == period)
            .cloned()
            .collect();
        crate::returns::period_status(
            &self.plan,
            &self.departments,
            &self.obligations,
            &returns,
            period,
            self.today,
            &self.rule(),
        )
    }
}

/// The plan in focus (whatever its year: its pages work on it) and the other plans in play on
/// a day: the active plans of this year and later, and last year's until its last return and
/// quarterly report are in. Plans of years before that are over and not loaded, so a past
/// year's items never show as overdue.
#[derive(Clone, Debug)]
pub struct LedgerDay {
    /// The plan in focus (the current plan unless the ledger was focused on another).
    pub focus: DayState,
    /// The other plans in play, by year and id.
    pub others: Vec<DayState>,
}

impl LedgerDay {
    /// Reads every active plan and keeps those in play.
    pub fn load(
        ledger: &Ledger,
        today: NaiveDate,
        holidays: &HolidayCalendar,
    ) -> Result<Self, StoreError> {
        let focus = DayState::load(ledger, today, holidays)?;
        let mut others = Vec::new();
        for summary in ledger.plans()? {
            if summary.id == focus.plan.id || !summary.active {
                continue;
            }
            // Years before last year are over without reading them.
            if summary.year < chrono::Datelike::year(&today) - 1 {
                continue;
            }
            let day = DayState::load_plan(ledger, summary.id, today, holidays)?;
            if day.in_play() {
                others.push(day);
            }
        }
        Ok(Self { focus, others })
    }

    /// Whether the plan in focus is itself in play.
    pub fn focus_in_play(&self) -> bool {
        self.focus.in_play()
    }

    /// The plans in play, the one in focus first when it is in play.
    pub fn in_play(&self) -> Vec<&DayState> {
        let mut plans: Vec<&DayState> = Vec::new();
        if self.focus_in_play() {
            plans.push(&self.focus);
        }
        plans.extend(self.others.iter());
        plans
    }

    /// The plan in focus, then the other plans in play.
    pub fn plans(&self) -> Vec<&DayState> {
        std::iter::once(&self.focus)
            .chain(self.others.iter())
            .collect()
    }

    /// Every dated item of the plan in focus and the other plans in play, by date, each with
    /// its plan (`None` for the user's own items, listed once). The plan in focus is there
    /// whatever its year: a range of dates asks for what it holds.
    /// [`LedgerDay::deadlines`] as one list, each item's title led by its plan's short name
    /// when several plans are in play (`〔2019年〕…`): what 日历 shows and what the `.ics` of
    /// the window and of `deadlines --ics` holds.
    pub fn labelled_deadlines(&self) -> Vec<Deadline> {
        let several = self.several();
        self.deadlines()
            .into_iter()
            .map(|(day, deadline)| match day {
                Some(day) => day.labelled(deadline, several),
                None => deadline.clone(),
            })
            .collect()
    }

    pub fn deadlines(&self) -> Vec<(Option<&DayState>, &Deadline)> {
        let mut items: Vec<(Option<&DayState>, &Deadline)> = Vec::new();
        // A closed plan in focus (every plan closed) lists nothing.
        for day in self.plans().into_iter().filter(|day| day.plan.active) {
            items.extend(
                day.deadlines
                    .iter()
                    .filter(|d| d.plan_id.is_some())
                    .map(|d| (Some(day), d)),
            );
        }
        items.extend(
            self.focus
                .deadlines
                .iter()
                .filter(|d| d.plan_id.is_none())
                .map(|d| (None, d)),
        );
        items.sort_by(|a, b| {
            a.1.date
                .cmp(&b.1.date)
                .then(a.1.kind.code().cmp(b.1.kind.code()))
        });
        items
    }

    /// Whether items come from more than one plan (they then carry their plan's label).
    pub fn several(&self) -> bool {
        !self.others.is_empty()
    }
}

/// Each department's on-time rate year by year, over every plan of the ledger (closed ones
/// too): the share of its due months returned on time and complete.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct OnTimeByYear {
    pub years: Vec<i32>,
    /// (department id, name, per year: the rate and the months received incomplete, or
    /// `None` for a year it owed nothing).
    pub departments: Vec<(i64, String, Vec<YearRate>)>,
}

/// A department's on-time rate in one year and its months received incomplete; `None` for a
/// year it owed nothing.
pub type YearRate = Option<(f32, usize)>;

impl OnTimeByYear {
    /// Works the rates out from every plan's months as they stand on `today`.
    pub fn load(
        ledger: &Ledger,
        today: NaiveDate,
        holidays: &HolidayCalendar,
    ) -> Result<Self, StoreError> {
        let departments = ledger.departments()?;
        let mut by_year: std::collections::BTreeMap<i32, Vec<crate::returns::PeriodStatus>> =
            std::collections::BTreeMap::new();
        for summary in ledger.plans()? {
            // The example is no one's record, and a closed plan without a single return was
            // never used: neither counts against anyone.
            if summary.kind == crate::model::PlanKind::Example {
                continue;
            }
            let day = DayState::load_plan(ledger, summary.id, today, holidays)?;
            if !summary.active && day.returns.is_empty() {
                continue;
            }
            by_year
                .entry(day.plan.year)
                .or_default()
                .extend(day.statuses);
        }
        let years: Vec<i32> = by_year.keys().copied().collect();
        let rows = departments
            .iter()
            .map(|department| {
                let rates = by_year
                    .values()
                    .map(|statuses| {
                        crate::returns::on_time_rate(statuses.iter().flat_map(|status| {
                            status
                                .departments
                                .iter()
                                .filter(|d| d.department_id == department.id)
                        }))
                    })
                    .collect();
                (department.id, department.name.clone(), rates)
            })
            .filter(|(_, _, rates): &(i64, String, Vec<YearRate>)| {
                rates.iter().any(Option::is_some)
            })
            .collect();
        Ok(Self {
            years,
            departments: rows,
        })
    }
}
