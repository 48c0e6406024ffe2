//! The narrow, read-only views of [`AppData`] that the pages get (rerun's "narrowest context"):
//! each page sees the fields it reads and nothing else. The fields keep `AppData`'s names, and
//! the lookups the pages share are written once, as macros over those names.

use std::path::Path;

use chrono::NaiveDate;

use super::state::AppData;
use crate::deadlines::Deadline;
use crate::holidays::HolidayCalendar;
use crate::model::{Department, Duties, Plan, Settings};
use crate::returns::{HistoryEntry, Obligation, PeriodStatus, ReturnRecord};
use crate::schedule::Period;
use crate::store::{BackupInfo, PlanSummary};

/// `status(period)` and `periods()` over `statuses`.
macro_rules! status_lookups {
    () => {
        /// The months the period pickers offer: those of the plan's year.
        pub fn periods(&self) -> Vec<Period> {
            self.statuses.iter().map(|s| s.period).collect()
        }

        /// Every department's state for a period of the plan's year.
        pub fn status(&self, period: Period) -> Option<&PeriodStatus> {
            self.statuses.iter().find(|s| s.period == period)
        }
    };
}

/// `default_period()` over `today` and `plan`.
macro_rules! default_period {
    () => {
        /// The period the returns pages open on: the month before today, kept inside the
        /// months for which the plan asks returns.
        pub fn default_period(&self) -> Period {
            let wanted = Period::of(self.today).previous();
            let periods = crate::schedule::plan_periods(&self.plan);
            match (periods.first(), periods.last()) {
                (Some(first), _) if wanted < *first => *first,
                (_, Some(last)) if wanted > *last => *last,
                _ => wanted,
            }
        }
    };
}

/// `task_light(task)` over `deadlines`.
macro_rules! task_light {
    () => {
        /// The light of a task: the worst of its milestones'.
        pub fn task_light(&self, task_id: i64) -> Option<crate::deadlines::Light> {
            crate::deadlines::task_light(&self.deadlines, task_id)
        }
    };
}

/// `department(id)` over `departments` and `duties`.
macro_rules! department_lookup {
    () => {
        /// The department with this id, with its duties.
        pub fn department(&self, department_id: i64) -> Option<(&Department, &Duties)> {
            self.departments
                .iter()
                .zip(self.duties.iter())
                .find(|(department, _)| department.id == department_id)
        }
    };
}

/// `record(department, period)` and `obligation(department)` over `returns` and `obligations`.
macro_rules! return_lookups {
    () => {
        /// A department's stored return for a period.
        pub fn record(&self, department_id: i64, period: Period) -> Option<&ReturnRecord> {
            self.returns
                .iter()
                .find(|r| r.department_id == department_id && r.period == period)
        }

        /// What a department owes each month, if anything.
        pub fn obligation(&self, department_id: i64) -> Option<&Obligation> {
            self.obligations
                .iter()
                .find(|o| o.department_id == department_id)
        }
    };
}

impl AppData {
    status_lookups!();
    default_period!();
    task_light!();
    department_lookup!();
    return_lookups!();
}

/// 首页: what is due, and this month's returns.
pub struct HomeContext<'a> {
    pub today: NaiveDate,
    /// The reminder setting's days (临近).
    pub warn_days: i64,
    pub plan: &'a Plan,
    pub holidays: &'a HolidayCalendar,
    /// Every plan's items (or the one plan's the page is filtered to).
    pub deadlines: &'a [Deadline],
    pub statuses: &'a [PeriodStatus],
    pub others: &'a [crate::service::DayState],
    pub focus_in_play: bool,
    pub plan_ended: bool,
    pub in_play: &'a [(i64, String)],
    pub first_start: bool,
    pub plans: &'a [PlanSummary],
    /// The sheets sent up to the city under the plan in focus, oldest first.
    pub sheet_sends: &'a [crate::store::MailSend],
}

impl HomeContext<'_> {
    status_lookups!();
    default_period!();
}

/// 日历: the dated items and the holidays.
pub struct CalendarContext<'a> {
    pub today: NaiveDate,
    pub plan: &'a Plan,
    pub departments: &'a [Department],
    pub holidays: &'a HolidayCalendar,
    /// Every plan's items (or the one plan's the page is filtered to).
    pub deadlines: &'a [Deadline],
    pub in_play: &'a [(i64, String)],
}

/// 工作计划 and 导入计划: the plans and their departments.
pub struct PlanContext<'a> {
    pub plan: &'a Plan,
    pub departments: &'a [Department],
    pub plans: &'a [PlanSummary],
    pub deadlines: &'a [Deadline],
    /// The other plans in play.
    pub others: &'a [crate::service::DayState],
    pub today: NaiveDate,
    pub plan_ended: bool,
}

impl PlanContext<'_> {
    task_light!();

    /// The carried (沿用上年) or blank plan of `year` a real plan of that year replaces: the
    /// plan in focus first.
    pub fn replaceable(&self, year: i32) -> Option<&Plan> {
        use crate::model::PlanKind;
        std::iter::once(self.plan)
            .chain(self.others.iter().map(|day| &day.plan))
            .find(|plan| {
                plan.active
                    && plan.year == year
                    && matches!(plan.kind, PlanKind::Carried | PlanKind::Blank)
            })
    }
}

/// 责任部门: the departments and what each has to do.
pub struct DepartmentsContext<'a> {
    pub departments: &'a [Department],
    pub duties: &'a [Duties],
    pub chase_sends: &'a [crate::store::ChaseSend],
}

impl DepartmentsContext<'_> {
    department_lookup!();
}

/// 收件: the messages waiting and recently handled.
pub struct MailContext<'a> {
    pub departments: &'a [Department],
    pub department_choices: &'a [(i64, String)],
    pub periods: &'a [Period],
    pub default_period: Period,
    pub inbox: &'a [crate::store::MailRecord],
    pub mailbox: &'a crate::store::MailboxSettings,
}

/// 设置: our unit, the ledger's files and its backups.
pub struct SettingsContext<'a> {
    pub plan: &'a Plan,
    pub settings: &'a Settings,
    pub backups: &'a [BackupInfo],
    pub ledger_path: &'a Path,
    pub log_path: &'a Path,
    pub mailbox: &'a crate::store::MailboxSettings,
    pub mailbox_code: &'a crate::service::mail::secret::CodeState,
}

/// The returns pages (月度报送, 导入报送表, 部门清单, 总览, 催报): who owes what, the returns
/// and their states.
pub struct ReturnsContext<'a> {
    pub today: NaiveDate,
    pub plan: &'a Plan,
    pub settings: &'a Settings,
    pub departments: &'a [Department],
    pub duties: &'a [Duties],
    pub obligations: &'a [Obligation],
    pub returns: &'a [ReturnRecord],
    pub statuses: &'a [PeriodStatus],
    pub deadlines: &'a [Deadline],
    pub history: &'a Option<(i64, Vec<HistoryEntry>)>,
    pub chase_sends: &'a [crate::store::ChaseSend],
    /// Every sending back (退回) under the plan, oldest first.
    pub send_backs: &'a [crate::store::SendBack],
    pub mailbox: &'a crate::store::MailboxSettings,
    /// The other plans in play.
    pub others: &'a [crate::service::DayState],
    /// Each department's on-time rate year by year over every plan: read only for 总览.
    pub on_time_by_year: Option<&'a crate::service::OnTimeByYear>,
    /// The month's templates e-mailed under the plan, oldest first.
    pub template_sends: &'a [crate::store::MailSend],
    /// The plan's 目标指标 with their values.
    pub indicators: &'a [crate::service::IndicatorState],
}

impl ReturnsContext<'_> {
    status_lookups!();
    task_light!();
    department_lookup!();
    return_lookups!();
}

/// 进展表: the month's sheet from the returns and the coordinator's edits.
pub struct SheetContext<'a> {
    pub plan: &'a Plan,
    pub settings: &'a Settings,
    pub ledger_path: &'a Path,
    pub returns: &'a [ReturnRecord],
    pub statuses: &'a [PeriodStatus],
    pub sheet_edits: &'a [crate::sheet::SheetEdit],
    pub sheet_history: &'a Option<(i64, Vec<crate::sheet::SheetHistoryEntry>)>,
    pub version: u64,
    /// The sheets sent up to the city under the plan, oldest first.
    pub sheet_sends: &'a [crate::store::MailSend],
    pub mailbox: &'a crate::store::MailboxSettings,
}

impl SheetContext<'_> {
    status_lookups!();
}

impl AppData {
    /// The dated items of every plan in play, or of the one plan `filter` names.
    pub fn shown_deadlines(&self, filter: Option<i64>) -> &[Deadline] {
        filter
            .and_then(|id| self.plan_deadlines.iter().find(|(plan, _)| *plan == id))
            .map_or(self.all_deadlines.as_slice(), |(_, items)| items.as_slice())
    }

    /// What 首页 reads, all plans or the one `filter` names.
    pub fn home(&self, filter: Option<i64>) -> HomeContext<'_> {
        HomeContext {
            today: self.today,
            warn_days: i64::from(self.settings.warn_days),
            plan: &self.plan,
            holidays: &self.holidays,
            deadlines: self.shown_deadlines(filter),
            statuses: &self.statuses,
            others: &self.others,
            focus_in_play: self.focus_in_play,
            plan_ended: self.plan_ended,
            in_play: &self.in_play,
            first_start: self.first_start,
            plans: &self.plans,
            sheet_sends: &self.sheet_sends,
        }
    }

    /// What 日历 reads, all plans or the one `filter` names.
    pub fn calendar(&self, filter: Option<i64>) -> CalendarContext<'_> {
        CalendarContext {
            today: self.today,
            plan: &self.plan,
            departments: &self.departments,
            holidays: &self.holidays,
            deadlines: self.shown_deadlines(filter),
            in_play: &self.in_play,
        }
    }

    /// What 工作计划 and 导入计划 read.
    pub fn plans_page(&self) -> PlanContext<'_> {
        PlanContext {
            plan: &self.plan,
            departments: &self.departments,
            plans: &self.plans,
            deadlines: &self.deadlines,
            others: &self.others,
            today: self.today,
            plan_ended: self.plan_ended,
        }
    }

    /// What 责任部门 reads.
    pub fn departments_page(&self) -> DepartmentsContext<'_> {
        DepartmentsContext {
            departments: &self.departments,
            duties: &self.duties,
            chase_sends: &self.chase_sends,
        }
    }

    /// What 设置 reads.
    pub fn settings_page(&self) -> SettingsContext<'_> {
        SettingsContext {
            plan: &self.plan,
            settings: &self.settings,
            backups: &self.backups,
            ledger_path: &self.ledger_path,
            log_path: &self.log_path,
            mailbox: &self.mailbox,
            mailbox_code: &self.mailbox_code,
        }
    }

    /// What 收件 reads.
    pub fn mail_page(&self) -> MailContext<'_> {
        MailContext {
            departments: &self.departments,
            department_choices: &self.department_choices,
            periods: &self.periods,
            default_period: self.default_period(),
            inbox: &self.inbox,
            mailbox: &self.mailbox,
        }
    }

    /// What the returns pages read.
    pub fn returns_pages(&self) -> ReturnsContext<'_> {
        ReturnsContext {
            today: self.today,
            plan: &self.plan,
            settings: &self.settings,
            departments: &self.departments,
            duties: &self.duties,
            obligations: &self.obligations,
            returns: &self.returns,
            statuses: &self.statuses,
            deadlines: &self.deadlines,
            history: &self.history,
            chase_sends: &self.chase_sends,
            send_backs: &self.send_backs,
            mailbox: &self.mailbox,
            others: &self.others,
            on_time_by_year: None,
            template_sends: &self.template_sends,
            indicators: &self.indicators,
        }
    }

    /// The month's sheet from the returns and the coordinator's edits.
    pub fn sheet(&self, period: crate::schedule::Period) -> crate::sheet::Sheet {
        crate::sheet::build_sheet(
            &self.plan,
            &self.settings,
            &self.returns,
            &self.sheet_edits,
            period,
        )
    }

    /// What 进展表 reads.
    pub fn sheet_page(&self) -> SheetContext<'_> {
        SheetContext {
            plan: &self.plan,
            settings: &self.settings,
            ledger_path: &self.ledger_path,
            returns: &self.returns,
            statuses: &self.statuses,
            sheet_edits: &self.sheet_edits,
            sheet_history: &self.sheet_history,
            version: self.version,
            sheet_sends: &self.sheet_sends,
            mailbox: &self.mailbox,
        }
    }
}
