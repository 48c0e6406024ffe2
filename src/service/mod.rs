//! Every user action, once, for the window (`ui`) and the headless commands (`cli`) alike: the
//! ledger's state for a day, writing the return templates, reading and committing a returned
//! file, writing the month's sheet, the calendar file and the chase list, opening a file with
//! the system's program. No egui here, and no SQL: the ledger is reached through `store`.

mod assessment;
mod binder;
mod calendar;
mod chase;
mod day;
pub mod fetch;
mod indicators;
pub mod mail;
mod new_year;
mod plan;
mod report;
mod returns;
mod sheet;
mod summary;
mod system;
mod templates;

pub use assessment::{assessment_of_day, assessment_of_plan, plan_of_year, write_assessment};
pub use binder::{BinderReport, write_binder};
pub use calendar::{write_ics, write_ics_to};
pub use chase::{chase_list_html, write_chase_list};
pub use day::{DayState, LedgerDay, OnTimeByYear};
pub use indicators::{IndicatorState, indicators_with, plan_indicators, set_indicator};
pub use new_year::{
    TaskMatch, can_carry_forward, carry_forward, carry_opens, closing_tasks, default_carry,
    match_tasks, task_is_finished,
};
pub use plan::{
    PlanDocument, PlanFileError, RecogniseError, plan_for_period, plans_with_period,
    read_plan_document, read_plan_file, recognise_plan,
};
pub use report::{month_report, write_report};
pub use returns::{
    FileOutcome, ImportedFile, commit_return_under, duplicate_of, import_files, prepare_return,
    prepare_return_for_month, read_return_file,
};
pub use sheet::{SheetExport, export_sheet, month_sheet};
pub use summary::{summary_of_plan, write_summary};
pub use system::{exports_dir, open_with_system, write_attachment, write_source_file};
pub use templates::{WrittenTemplate, write_templates};

use crate::files::FileError;
use crate::model::Plan;
use crate::schedule::Period;

/// How far a long job has come: `done` of `total` steps, and what it is doing now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub done: usize,
    pub total: usize,
    pub what: String,
}

/// Why an action was refused.
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("{period}不在该计划的报送月份内（{months}），未生成任何文件。请选择计划的报送月份。", period = .period.label())]
    PeriodOutsidePlan { period: Period, months: String },
    #[error("{period}同时属于几个计划：{candidates}。请用 --plan 编号 指定其中一个，未生成任何文件。", period = .period.label())]
    SeveralPlans { period: Period, candidates: String },
    #[error("台账中没有编号为 {id} 的计划。台账中的计划：{plans}")]
    NoSuchPlan { id: i64, plans: String },
    #[error("计划“{0}”已结束，不再催报。如仍需催报，请先在“工作计划”中重新启用它。")]
    PlanClosed(String),
    #[error("计划“{0}”已结束，不再发送报送模板。如仍需发送，请先在“工作计划”中重新启用它。")]
    PlanClosedForTemplates(String),
    /// A month's batch went before and a second send was not asked for.
    #[error("{0}")]
    AlreadySent(String),
    /// A sending back (退回) that cannot be made: no such department, nothing received, no
    /// reason.
    #[error("{0}")]
    SendBack(String),
    /// An address we would send to that cannot be used.
    #[error("{0}")]
    Address(String),
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Export(#[from] crate::sheet::ExportError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Indicator(#[from] crate::indicators::ValueError),
    #[error("无法生成{what}，未写出任何文件：{source}")]
    Workbook {
        what: &'static str,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
    #[error("无法生成“{department}”的报送模板，未写出该文件；详细原因已记入日志 taizhang.log。")]
    Template {
        department: String,
        #[source]
        source: rust_xlsxwriter::XlsxError,
    },
}

/// The plan's reporting months as one phrase: `2019年6月至2019年12月`.
pub fn plan_months_text(plan: &Plan) -> String {
    let months = crate::schedule::plan_periods(plan);
    match (months.first(), months.last()) {
        (Some(first), Some(last)) if first == last => first.label(),
        (Some(first), Some(last)) => format!("{}至{}", first.label(), last.label()),
        _ => format!("{}年", plan.year),
    }
}

/// Refuses a month outside the plan's reporting months (2030-01, 0000-01): a sheet or a
/// template for it would name a year the plan never had.
pub fn check_period(plan: &Plan, period: Period) -> Result<(), ActionError> {
    if crate::schedule::plan_periods(plan).contains(&period) {
        Ok(())
    } else {
        Err(ActionError::PeriodOutsidePlan {
            period,
            months: plan_months_text(plan),
        })
    }
}
