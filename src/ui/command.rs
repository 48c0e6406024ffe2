//! What a view asks the app to do. Views return commands; the app applies them after the
//! frame's panels are drawn (`apply.rs`).

use std::path::PathBuf;

use chrono::NaiveDate;

use super::state::Page;
use crate::model::Settings;
use crate::returns::{ReturnSource, RowWrite};
use crate::schedule::Period;
use crate::store::{DepartmentEdit, TaskEdit};

/// A change a view asks for; the app applies it after the frame's panels are drawn.
#[must_use]
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    SaveTask(TaskEdit),
    SaveDepartment(DepartmentEdit),
    SaveSettings(Settings),
    SetDueDay(u32),
    BackupNow,
    OpenTask(i64),
    OpenDepartment(i64),
    /// Show a department's return for a period on the entry page.
    OpenReturn {
        department_id: i64,
        period: Period,
    },
    /// Save typed or split return rows (one transaction); the values they replace become the
    /// undo step.
    SaveReturnRows(Vec<RowWrite>),
    /// Save rows even though the ledger changed since they were shown: the user chose to keep
    /// their text (the other text stays in the history), or the window is closing.
    OverwriteReturnRows(Vec<RowWrite>),
    SetReceived {
        department_id: i64,
        period: Period,
        received_on: Option<NaiveDate>,
        source: ReturnSource,
    },
    /// Load a row's history to show it.
    ShowHistory(i64),
    RestoreRow(i64),
    /// Put back the values the last save replaced.
    Undo,
    /// Write the chase list of a period as a printable page and open it.
    PrintChaseList(Period),
    /// Save a row of the month's sheet as the coordinator worded it.
    SaveSheetRow {
        period: Period,
        form_row_id: i64,
        progress: String,
        remark: String,
        based_on: String,
    },
    ShowSheetHistory(i64),
    /// Set the title and notes of a plan's form (the sheet's title and 注).
    SaveFormText {
        plan_id: i64,
        title: String,
        notes: Vec<String>,
    },
    /// Open 设置 at the unit's fields (the sheet's header).
    OpenSettingsUnit,
    /// Write the month's sheet as XLSX and PDF into a folder (and open the PDF to print).
    ExportSheet {
        period: Period,
        folder: PathBuf,
        print: bool,
    },
    OpenPage(Page),
    /// Show a short confirmation (已复制 …) or a notice.
    Notify(String),
    /// Ask before putting a backup in the ledger's place.
    ConfirmRestore(PathBuf),
    SetMilestoneDone {
        milestone_id: i64,
        done: bool,
    },
    AddItem {
        date: NaiveDate,
        title: String,
        departments: Vec<String>,
    },
    SetItemDone {
        id: i64,
        done: bool,
    },
    DeleteItem(i64),
    /// Write every deadline into an `.ics` file beside the ledger.
    ExportIcs,
    /// Open a file or folder with the system (the ledger's folder, the backups, the log).
    OpenPath(PathBuf),
    /// Write an archived original file out and open it.
    OpenSourceFile(i64),
    /// Read files into the import preview.
    AddImportFiles(Vec<PathBuf>),
    /// Store a previewed file's accepted rows.
    CommitImport(u64),
    /// Write one return template per department into a folder.
    WriteTemplates {
        period: Period,
        folder: PathBuf,
    },
    /// Store a reviewed plan document as a new plan.
    ImportPlan(Box<PlanImport>),
    SetCurrentPlan(i64),
    /// The first start's choice: own plan, the example, or a blank ledger.
    FirstStart(FirstStart),
    /// Next year's working plan (沿用上年) from an ended plan.
    CarryForward(crate::store::CarryForward),
    /// An empty plan for a year beside the others.
    NewBlankPlan(i32),
    /// The example marked as the user's own plan, or back.
    SetPlanKind {
        plan_id: i64,
        kind: crate::model::PlanKind,
    },
    /// Close a plan (kept, no longer shown or chased) or open it again.
    SetPlanActive {
        plan_id: i64,
        active: bool,
    },
    /// Add a department by hand.
    AddDepartment(String),
    /// Merge one department into another; its returns go with it.
    MergeDepartments {
        from: i64,
        into: i64,
    },
    /// Read saved e-mails (`.eml`, `.msg`, bodies as `.txt`) into 收件.
    AddMailFiles(Vec<PathBuf>),
    /// Prepare a waiting message's preview with what the user chose.
    PrepareMail {
        id: i64,
        choice: crate::service::mail::MailChoice,
    },
    /// Record a waiting message's returns (one transaction).
    CommitMail(i64),
    SetMailState {
        id: i64,
        state: crate::store::MailState,
    },
    /// Read the mailbox's new messages on a worker thread.
    FetchMail,
    CancelFetch,
    /// Save the mailbox settings, and the code when one was typed (into the system's
    /// credential store, never the ledger).
    SaveMailbox {
        settings: crate::store::MailboxSettings,
        secret: Option<crate::service::mail::secret::Secret>,
    },
    /// Forget an address a department wrote from.
    RemoveAddress {
        department_id: i64,
        address: String,
    },
    /// Write a waiting message's attachment out and open it (a file to enter by hand).
    OpenAttachment {
        id: i64,
        index: usize,
    },
    /// Log in to the mailbox's servers with these settings and say what worked (the code
    /// typed, else the one saved).
    TestMailbox {
        settings: crate::store::MailboxSettings,
        secret: Option<crate::service::mail::secret::Secret>,
    },
    /// E-mail the month's chase messages to the departments that have an address.
    SendChase(Period),
    /// Send a department's return back for correction (退回): by e-mail, or (`by_hand`) the
    /// text was copied and the sending back is recorded.
    SendBack {
        period: Period,
        department_id: i64,
        reason: String,
        rows: Vec<crate::returns::RowKey>,
        by_hand: bool,
    },
    /// E-mail each department its template for the month (a second send as chosen).
    SendTemplates {
        period: Period,
        resend: crate::service::mail::ResendRule,
    },
    /// Write the month's sheet and send the XLSX and PDF in one message to the city's address
    /// in 设置 (`again`: the user confirmed a second send of the month).
    SendSheet {
        period: Period,
        again: bool,
    },
    /// Write the month's 情况通报 as a `.docx` beside the ledger and open it.
    WriteReport(Period),
    /// Write the plan in focus's 部门考核 as an `.xlsx` beside the ledger and open it.
    WriteAssessment,
    /// Write the plan's 年度工作总结 draft into the exports folder and open it.
    WriteSummary,
    /// Write the plan in focus's 督察台账 into a new folder in the exports folder and open it.
    WriteBinder,
    /// Record an indicator's value for a month.
    SetIndicator {
        name: String,
        period: Period,
        value: String,
        source: String,
    },
}

/// A committed import: the plan, its original file, and whether it becomes current.
#[derive(Clone, Debug, PartialEq)]
pub struct PlanImport {
    pub parsed: crate::plan_text::ParsedPlan,
    pub source: Option<crate::store::SourceFile>,
    pub make_current: bool,
    /// The carried or blank plan it takes the place of, with the carried task each read
    /// task continues (in the read plan's order).
    pub replaces: Option<(i64, Vec<Option<i64>>)>,
}

/// How a new user starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FirstStart {
    /// 导入本单位今年的计划: the example goes, the import page opens.
    ImportOwn,
    /// 从示例开始: the 2019 plan stays, marked 示例.
    Example,
    /// 空白台账: the example goes, an empty plan for this year.
    Blank,
}
