//! What the window's views read: the pages, the period and department the returns pages share,
//! and the ledger's data for the day (reloaded after each command, never per frame).

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::logfile::LogFile;
use crate::model::{Department, Duties, Plan, Settings};
use crate::returns::{HistoryEntry, Obligation, PeriodStatus, ReturnRecord};
use crate::schedule::Period;
use crate::store::{BackupInfo, Ledger, PlanSummary, StoreError};

/// The window's title.
pub const WINDOW_TITLE: &str = "土壤污染防治重点工作台账";

/// The pages of the navigation column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Page {
    Home,
    Calendar,
    Plan,
    Import,
    Returns,
    ImportReturns,
    Mail,
    Checklist,
    Overview,
    Chase,
    Sheet,
    Departments,
    Settings,
}

impl Page {
    pub const ALL: [Self; 13] = [
        Self::Home,
        Self::Calendar,
        Self::Plan,
        Self::Import,
        Self::Returns,
        Self::ImportReturns,
        Self::Mail,
        Self::Checklist,
        Self::Overview,
        Self::Chase,
        Self::Sheet,
        Self::Departments,
        Self::Settings,
    ];

    /// The navigation label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Home => "首页",
            Self::Calendar => "日历",
            Self::Plan => "工作计划",
            Self::Import => "导入计划",
            Self::Returns => "月度报送",
            Self::ImportReturns => "导入报送表",
            Self::Mail => "收件",
            Self::Checklist => "部门清单",
            Self::Overview => "总览",
            Self::Chase => "催报",
            Self::Sheet => "进展表",
            Self::Departments => "责任部门",
            Self::Settings => "设置",
        }
    }
}

/// The period and department the returns pages show; shared so that moving between them
/// keeps the place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selection {
    pub period: Period,
    pub department_id: Option<i64>,
}

/// Everything the views show, read from the ledger after each change (never per frame).
#[derive(Clone, Debug)]
pub struct AppData {
    pub plan: Plan,
    pub departments: Vec<Department>,
    /// Each department's tasks and form rows, parallel to `departments`.
    pub duties: Vec<Duties>,
    pub settings: Settings,
    pub ledger_path: PathBuf,
    pub log_path: PathBuf,
    pub backups: Vec<BackupInfo>,
    pub today: NaiveDate,
    /// Who owes which rows each month.
    pub obligations: Vec<Obligation>,
    /// All returns of the current plan.
    pub returns: Vec<ReturnRecord>,
    /// The twelve months of the plan's year with every department's state.
    pub statuses: Vec<PeriodStatus>,
    /// The history on show: (return row id, its earlier values).
    pub history: Option<(i64, Vec<HistoryEntry>)>,
    /// Every plan of the ledger, for choosing the current one.
    pub plans: Vec<PlanSummary>,
    /// The coordinator's edits of the progress sheet, all periods of the current plan.
    pub sheet_edits: Vec<crate::sheet::SheetEdit>,
    /// A sheet row's history on show: (sheet row id, entries).
    pub sheet_history: Option<(i64, Vec<crate::sheet::SheetHistoryEntry>)>,
    /// Changes with every reload, so that views can tell their caches are stale.
    pub version: u64,
    /// Public holidays and 调休 days.
    pub holidays: crate::holidays::HolidayCalendar,
    /// Every dated item with its light, by date.
    pub deadlines: Vec<crate::deadlines::Deadline>,
    /// The office mailbox's settings (the secret is in the system's credential store).
    pub mailbox: crate::store::MailboxSettings,
    /// Whether the mailbox's code is saved, and where (设置 says so).
    pub mailbox_code: crate::service::mail::secret::CodeState,
    /// Messages waiting on 收件, then the latest handled ones.
    pub inbox: Vec<crate::store::MailRecord>,
    /// Chase e-mails sent under the current plan, newest first.
    pub chase_sends: Vec<crate::store::ChaseSend>,
    /// Every sending back (退回) under the current plan, oldest first.
    pub send_backs: Vec<crate::store::SendBack>,
    /// The departments that report, as `(id, name)`, for pickers.
    pub department_choices: Vec<(i64, String)>,
    /// The plan's reporting months.
    pub periods: Vec<Period>,
    /// The other plans in play today (last year's until its returns are in, this year's,
    /// a water or air plan beside the soil plan), each with its day's states.
    pub others: Vec<crate::service::DayState>,
    /// Whether the plan in focus is itself in play (not a year over and done with).
    pub focus_in_play: bool,
    /// Whether the plan in focus has ended (today is past its last return's due date).
    pub plan_ended: bool,
    /// The plans in play, as `(id, short label)`, for the pages' plan filter.
    pub in_play: Vec<(i64, String)>,
    /// Every dated item of the plan in focus and the other plans in play, by date, labelled
    /// with its plan when there are several; the user's own items once.
    pub all_deadlines: Vec<crate::deadlines::Deadline>,
    /// The same per plan in play (the user's own items in each), for the plan filter.
    pub plan_deadlines: Vec<(i64, Vec<crate::deadlines::Deadline>)>,
    /// The window made this ledger and waits for the choice: own plan, example or blank.
    pub first_start: bool,
    /// The month's templates e-mailed to departments under the current plan, oldest first.
    pub template_sends: Vec<crate::store::MailSend>,
    /// The month's sheets sent up to the city under the current plan, oldest first.
    pub sheet_sends: Vec<crate::store::MailSend>,
    /// The plan's 目标指标 with their values by month.
    pub indicators: Vec<crate::service::IndicatorState>,
}

impl AppData {
    pub(super) fn load(
        ledger: &Ledger,
        today: NaiveDate,
        holidays: &crate::holidays::HolidayCalendar,
    ) -> Result<Self, StoreError> {
        let ledger_day = crate::service::LedgerDay::load(ledger, today, holidays)?;
        let focus_in_play = ledger_day.focus_in_play();
        let plan_ended = ledger_day.focus.has_ended();
        let several = ledger_day.several();
        let all_deadlines = ledger_day.labelled_deadlines();
        let plan_deadlines = ledger_day
            .plans()
            .into_iter()
            .map(|day| {
                let items = day
                    .deadlines
                    .iter()
                    .map(|deadline| day.labelled(deadline, several))
                    .collect();
                (day.plan.id, items)
            })
            .collect();
        let in_play = ledger_day
            .plans()
            .iter()
            .filter(|day| focus_in_play || day.plan.id != ledger_day.focus.plan.id)
            .map(|day| (day.plan.id, day.plan.short_label()))
            .collect();
        let crate::service::LedgerDay { focus: day, others } = ledger_day;
        let department_choices = day
            .obligations
            .iter()
            .map(|o| (o.department_id, o.department.clone()))
            .collect();
        let periods = crate::schedule::plan_periods(&day.plan);
        let indicators = crate::service::indicators_with(
            &day.plan,
            &ledger.indicator_values(day.plan.id)?,
            &day.returns,
            &day.departments,
        );
        let template_sends =
            ledger.mail_sends(day.plan.id, crate::store::SendKind::Template, None)?;
        let sheet_sends = ledger.mail_sends(day.plan.id, crate::store::SendKind::Sheet, None)?;
        let duties = day
            .departments
            .iter()
            .map(|department| Duties::of(&day.plan, department.id))
            .collect();
        Ok(Self {
            duties,
            ledger_path: ledger.path().to_owned(),
            log_path: LogFile::beside(ledger.path()).path().to_owned(),
            backups: crate::store::list_backups(ledger.path()),
            today,
            history: None,
            plans: ledger.plans()?,
            sheet_edits: ledger.sheet_edits(None)?,
            sheet_history: None,
            version: 0,
            plan: day.plan,
            departments: day.departments,
            settings: day.settings,
            obligations: day.obligations,
            returns: day.returns,
            statuses: day.statuses,
            holidays: day.holidays,
            deadlines: day.deadlines,
            send_backs: day.send_backs,
            mailbox_code: mailbox_code_state(&ledger.mailbox_settings()?),
            mailbox: ledger.mailbox_settings()?,
            inbox: ledger.mail_messages(None)?,
            chase_sends: ledger.chase_sends()?,
            department_choices,
            periods,
            others,
            focus_in_play,
            plan_ended,
            in_play,
            all_deadlines,
            plan_deadlines,
            first_start: ledger.first_start_pending()?,
            template_sends,
            sheet_sends,
            indicators,
        })
    }
}

/// What 撤销 puts back: the rows' earlier values and, when the save was the return's first,
/// its not-yet-received state.
pub(super) struct UndoStep {
    pub(super) writes: Vec<crate::returns::RowWrite>,
    pub(super) unreceive: Option<(i64, Period)>,
}

/// Whether the mailbox's code is saved (nothing is asked of the credential store while no
/// mailbox is set).
fn mailbox_code_state(
    mailbox: &crate::store::MailboxSettings,
) -> crate::service::mail::secret::CodeState {
    if mailbox.address.contains('@') {
        crate::service::mail::secret::state(&mailbox.address)
    } else {
        crate::service::mail::secret::CodeState::Missing(None)
    }
}
