//! What the ledger looks like on a given day: the current plan, who owes what, the returns,
//! every month's states and every dated item with its light. Loaded once for the window (after
//! each change, never per frame) and for each command.

use chrono::NaiveDate;

use crate::deadlines::{CalendarItem, Deadline, DeadlineInputs};
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
}

impl DayState {
    /// Reads the ledger and works out the day's states.
    pub fn load(
        ledger: &Ledger,
        today: NaiveDate,
        holidays: &HolidayCalendar,
    ) -> Result<Self, StoreError> {
        let plan = ledger.current_plan()?;
        let departments = ledger.departments()?;
        let settings = ledger.settings()?;
        let rule = DueRule::from_settings(plan.reporting.due_day, &settings, holidays);
        let obligations = crate::returns::obligations(&plan, &departments);
        let returns = ledger.returns(None)?;
        let statuses = crate::returns::year_statuses(
            &plan,
            &departments,
            &obligations,
            &returns,
            today,
            &rule,
        );
        let items = ledger.calendar_items()?;
        let deadlines = crate::deadlines::deadlines(&DeadlineInputs {
            plan: &plan,
            obligations: &obligations,
            returns: &returns,
            statuses: &statuses,
            items: &items,
            rule,
            today,
        });
        Ok(Self {
            today,
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

    /// When returns are due, holidays and the user's setting applied.
    pub fn rule(&self) -> DueRule<'_> {
        DueRule::from_settings(self.plan.reporting.due_day, &self.settings, &self.holidays)
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
