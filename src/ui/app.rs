use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::chase_view::ChaseView;
use super::checklist_view::ChecklistView;
use super::departments_view::DepartmentsView;
use super::overview_view::OverviewView;
use super::plan_view::PlanView;
use super::returns_view::ReturnsView;
use super::settings_view::SettingsView;
use crate::logfile::LogFile;
use crate::model::{Department, Duties, Plan, Settings};
use crate::returns::{
    HistoryEntry, Obligation, PeriodStatus, ReturnRecord, ReturnSource, RowWrite,
};
use crate::schedule::Period;
use crate::store::{
    BackupInfo, BackupJob, DepartmentEdit, Ledger, LedgerLock, Opened, PlanSummary, StartBackup,
    StoreError, TaskEdit,
};

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
    Checklist,
    Overview,
    Chase,
    Sheet,
    Departments,
    Settings,
}

impl Page {
    pub const ALL: [Self; 12] = [
        Self::Home,
        Self::Calendar,
        Self::Plan,
        Self::Import,
        Self::Returns,
        Self::ImportReturns,
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
    /// Write the month's sheet as XLSX and PDF into a folder (and open the PDF to print).
    ExportSheet {
        period: Period,
        folder: PathBuf,
        print: bool,
    },
    OpenPage(Page),
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
    ImportPlan(Box<super::import_view::PlanImport>),
    SetCurrentPlan(i64),
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
}

impl AppData {
    fn load(
        ledger: &Ledger,
        today: NaiveDate,
        holidays: &crate::holidays::HolidayCalendar,
    ) -> Result<Self, StoreError> {
        let plan = ledger.current_plan()?;
        let departments = ledger.departments()?;
        let settings = ledger.settings()?;
        let rule =
            crate::schedule::DueRule::from_settings(plan.reporting.due_day, &settings, holidays);
        let duties = departments
            .iter()
            .map(|department| Duties::of(&plan, department.id))
            .collect();
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
        let deadlines = crate::deadlines::deadlines(&crate::deadlines::DeadlineInputs {
            plan: &plan,
            obligations: &obligations,
            returns: &returns,
            statuses: &statuses,
            items: &items,
            rule,
            today,
        });
        Ok(Self {
            plan,
            departments,
            duties,
            settings,
            ledger_path: ledger.path().to_owned(),
            log_path: LogFile::beside(ledger.path()).path().to_owned(),
            backups: crate::store::list_backups(ledger.path()),
            today,
            obligations,
            returns,
            statuses,
            history: None,
            plans: ledger.plans()?,
            sheet_edits: ledger.sheet_edits(None)?,
            sheet_history: None,
            version: 0,
            holidays: holidays.clone(),
            deadlines,
        })
    }

    /// The months the period pickers offer: those of the plan's year.
    pub fn periods(&self) -> Vec<Period> {
        self.statuses.iter().map(|s| s.period).collect()
    }

    /// Every department's state for a period of the plan's year.
    pub fn status(&self, period: Period) -> Option<&PeriodStatus> {
        self.statuses.iter().find(|s| s.period == period)
    }

    /// A department's stored return for a period.
    pub fn record(&self, department_id: i64, period: Period) -> Option<&ReturnRecord> {
        self.returns
            .iter()
            .find(|r| r.department_id == department_id && r.period == period)
    }

    /// The light of a task: the worst of its milestones'.
    pub fn task_light(&self, task_id: i64) -> Option<crate::deadlines::Light> {
        crate::deadlines::task_light(&self.deadlines, task_id)
    }

    /// What a department owes each month, if anything.
    pub fn obligation(&self, department_id: i64) -> Option<&Obligation> {
        self.obligations
            .iter()
            .find(|o| o.department_id == department_id)
    }

    /// The period the returns pages open on: the month before today, kept inside the months
    /// for which the plan asks returns.
    pub fn default_period(&self) -> Period {
        let wanted = Period::of(self.today).previous();
        let periods = crate::schedule::reporting_periods(self.plan.year, self.plan.issued_on);
        match (periods.first(), periods.last()) {
            (Some(first), _) if wanted < *first => *first,
            (_, Some(last)) if wanted > *last => *last,
            _ => wanted,
        }
    }

    /// The department with this id.
    pub fn department(&self, department_id: i64) -> Option<(&Department, &Duties)> {
        self.departments
            .iter()
            .zip(&self.duties)
            .find(|(department, _)| department.id == department_id)
    }
}

struct OpenLedger {
    ledger: Ledger,
    _lock: LedgerLock,
    data: AppData,
    /// The backup at start, while it runs.
    backup_job: Option<BackupJob>,
}

enum LedgerState {
    Open(Box<OpenLedger>),
    /// The ledger could not be opened; the message says why and what to do.
    Failed(String),
}

/// The application: navigation, the pages, and the one place where commands change the ledger.
pub struct TaizhangApp {
    state: LedgerState,
    page: Page,
    plan_view: PlanView,
    departments_view: DepartmentsView,
    settings_view: SettingsView,
    returns_view: ReturnsView,
    checklist_view: ChecklistView,
    overview_view: OverviewView,
    chase_view: ChaseView,
    import_view: super::import_view::ImportView,
    sheet_view: super::sheet_view::SheetView,
    home_view: super::home_view::HomeView,
    import_returns_view: super::import_returns_view::ImportReturnsView,
    calendar_view: super::calendar_view::CalendarView,
    /// A sheet export running in the background.
    export_job: Option<std::sync::mpsc::Receiver<Result<ExportDone, String>>>,
    selection: Option<Selection>,
    /// The values the last return saves replaced, to put back on 撤销.
    undo: Vec<UndoStep>,
    /// Follow the system clock (no `--today`): a window left open overnight moves on.
    follow_clock: bool,
    ledger_path: PathBuf,
    today: NaiveDate,
    holidays: crate::holidays::HolidayCalendar,
    /// A backup the user chose to restore, waiting for confirmation.
    pending_restore: Option<PathBuf>,
    /// The newest backup that opens as a sound ledger, looked up once per failure.
    sound_backup: Option<Option<PathBuf>>,
    /// The last error, shown in a bar until dismissed.
    error: Option<String>,
    /// A short confirmation such as 已备份.
    notice: Option<String>,
    log: LogFile,
}

impl TaizhangApp {
    /// Creates the app for eframe: installs the fonts and opens the ledger (claiming it,
    /// upgrading it and backing it up).
    pub fn new(cc: &eframe::CreationContext<'_>, ledger_path: PathBuf, today: NaiveDate) -> Self {
        super::install_fonts(&cc.egui_ctx);
        // The app always opens on the home page: what is due comes first.
        Self::open(ledger_path, today)
    }

    /// Opens the ledger without a window (tests build the app this way too, through `new`).
    pub fn open(ledger_path: PathBuf, today: NaiveDate) -> Self {
        let log = LogFile::beside(&ledger_path);
        let holidays = crate::holidays::HolidayCalendar::bundled().unwrap_or_else(|error| {
            log.error(&error.to_string());
            crate::holidays::HolidayCalendar::default()
        });
        let state = match open_ledger(&ledger_path, today, &holidays) {
            Ok(open) => LedgerState::Open(Box::new(open)),
            Err(error) => {
                let message = error.to_string();
                log.error(&message);
                LedgerState::Failed(message)
            }
        };
        Self {
            state,
            page: Page::Home,
            plan_view: PlanView::default(),
            departments_view: DepartmentsView::default(),
            settings_view: SettingsView::default(),
            returns_view: ReturnsView::default(),
            checklist_view: ChecklistView,
            overview_view: OverviewView,
            chase_view: ChaseView,
            import_view: super::import_view::ImportView::default(),
            sheet_view: super::sheet_view::SheetView::default(),
            home_view: super::home_view::HomeView,
            import_returns_view: super::import_returns_view::ImportReturnsView::default(),
            calendar_view: super::calendar_view::CalendarView::default(),
            export_job: None,
            selection: None,
            undo: Vec::new(),
            follow_clock: false,
            ledger_path,
            today,
            holidays,
            pending_restore: None,
            sound_backup: None,
            error: None,
            notice: None,
            log,
        }
    }

    /// Waits for the backup at start to finish and takes its result (tests and benchmarks;
    /// the window polls instead).
    pub fn wait_for_backup(&mut self) {
        if let LedgerState::Open(open) = &mut self.state
            && let Some(mut job) = open.backup_job.take()
            && let Some(result) = job.wait()
        {
            self.backup_finished(result);
        }
    }

    /// Takes the result of the backup at start once it has finished.
    fn poll_backup(&mut self, ctx: &egui::Context) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let Some(job) = &mut open.backup_job else {
            return;
        };
        match job.try_finish() {
            Some(result) => {
                open.backup_job = None;
                self.backup_finished(result);
            }
            None => ctx.request_repaint_after(std::time::Duration::from_millis(200)),
        }
    }

    fn backup_finished(&mut self, result: Result<StartBackup, StoreError>) {
        match result {
            Ok(StartBackup::Made(_)) => {
                if let LedgerState::Open(open) = &mut self.state {
                    open.data.backups = crate::store::list_backups(&self.ledger_path);
                }
            }
            Ok(StartBackup::Unchanged(_)) => {}
            Err(error) => {
                let message = format!("启动时的自动备份失败：{error}");
                self.log.error(&message);
                self.notice = Some(message);
            }
        }
    }

    /// The data the views show, when the ledger is open.
    pub fn data(&self) -> Option<&AppData> {
        match &self.state {
            LedgerState::Open(open) => Some(&open.data),
            LedgerState::Failed(_) => None,
        }
    }

    /// Why the ledger could not be opened, if it could not.
    pub fn failure(&self) -> Option<&str> {
        match &self.state {
            LedgerState::Open(_) => None,
            LedgerState::Failed(message) => Some(message),
        }
    }

    /// The error shown in the error bar, if any.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// The page on screen.
    pub fn page(&self) -> Page {
        self.page
    }

    /// Whether there is a save to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Applies one command: writes go through the ledger in one transaction each, then the
    /// views' data is read again. Errors are shown once and logged once.
    pub fn apply(&mut self, command: Command) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let result = match command {
            Command::ConfirmRestore(backup) => {
                self.pending_restore = Some(backup);
                return;
            }
            Command::OpenTask(task_id) => {
                self.plan_view.select_task(task_id);
                self.page = Page::Plan;
                return;
            }
            Command::OpenDepartment(department_id) => {
                self.departments_view.select(department_id);
                self.page = Page::Departments;
                return;
            }
            Command::OpenReturn {
                department_id,
                period,
            } => {
                self.selection = Some(Selection {
                    period,
                    department_id: Some(department_id),
                });
                self.page = Page::Returns;
                return;
            }
            Command::OpenPage(page) => {
                self.page = page;
                return;
            }
            Command::ExportIcs => {
                let dir = open
                    .data
                    .ledger_path
                    .parent()
                    .unwrap_or_else(|| Path::new("."))
                    .join("exports");
                let path = dir.join("台账日程.ics");
                let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
                let ics = crate::deadlines::to_ics(&open.data.deadlines, &stamp);
                let written = crate::files::ensure_folder(&dir).and_then(|()| {
                    crate::files::write_file(
                        &path,
                        ics.as_bytes(),
                        &crate::files::Protected::for_ledger(&open.data.ledger_path),
                        crate::files::Existing::Replace,
                    )
                });
                match written {
                    Ok(_) => {
                        self.notice = Some(format!(
                            "已导出 {} 个期限到“{}”，可用微信或邮件发到手机后导入日历",
                            open.data.deadlines.len(),
                            path.display()
                        ));
                    }
                    Err(error) => self.show_error(error.to_string()),
                }
                return;
            }
            Command::AddImportFiles(paths) => {
                let mut failures = Vec::new();
                for path in paths {
                    let name = path
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    match crate::service::read_return_file(&path) {
                        Ok(bytes) => {
                            let duplicate = open
                                .ledger
                                .find_source_file(&crate::store::sha256_hex(&bytes))
                                .ok()
                                .flatten();
                            self.import_returns_view.add_file(name, bytes, duplicate);
                        }
                        Err(error) => failures.push(error.to_string()),
                    }
                }
                self.page = Page::ImportReturns;
                for failure in failures {
                    self.show_error(failure);
                }
                return;
            }
            Command::OpenSourceFile(file_id) => {
                let result = open
                    .ledger
                    .source_file(file_id)
                    .map_err(|e| e.to_string())
                    .and_then(|(name, bytes)| {
                        let dir = open
                            .data
                            .ledger_path
                            .parent()
                            .unwrap_or_else(|| Path::new("."))
                            .join("exports")
                            .join("原始文件");
                        let safe = crate::returns::template::safe_file_name(&name);
                        let path = dir.join(format!("{file_id}-{safe}"));
                        crate::files::ensure_folder(&dir)
                            .and_then(|()| {
                                crate::files::write_file(
                                    &path,
                                    &bytes,
                                    &crate::files::Protected::for_ledger(&open.data.ledger_path),
                                    crate::files::Existing::Replace,
                                )
                            })
                            .map_err(|e| e.to_string())
                            .and_then(|path| {
                                super::chase_view::open_with_system(&path).map_err(|e| {
                                    format!(
                                        "已取出“{}”，但无法用系统程序打开：{}。请在文件夹中双击打开。",
                                        path.display(),
                                        crate::files::io_phrase(&e)
                                    )
                                })
                            })
                    });
                if let Err(message) = result {
                    self.show_error(message);
                }
                return;
            }
            Command::WriteTemplates { period, folder } => {
                let rule = crate::schedule::DueRule::from_settings(
                    open.data.plan.reporting.due_day,
                    &open.data.settings,
                    &open.data.holidays,
                );
                let (_, due) = rule.due(period);
                match crate::service::write_templates(
                    &open.data.plan,
                    &open.data.obligations,
                    period,
                    due,
                    &folder,
                    &crate::files::Protected::for_ledger(&open.data.ledger_path),
                ) {
                    Ok(written) => {
                        let kept: Vec<String> = written
                            .iter()
                            .filter(|t| t.kept_existing.is_some())
                            .map(|t| {
                                t.path
                                    .file_name()
                                    .map(|n| n.to_string_lossy().into_owned())
                                    .unwrap_or_default()
                            })
                            .collect();
                        let mut notice = format!(
                            "已在“{}”生成 {} 份{}报送模板",
                            folder.display(),
                            written.len(),
                            period.label()
                        );
                        if !kept.is_empty() {
                            notice.push_str(&format!(
                                "；文件夹中已有同名文件，未覆盖，以下模板另存为新名字：{}",
                                kept.join("、")
                            ));
                        }
                        self.notice = Some(notice);
                    }
                    Err(error) => self.show_error(error.to_string()),
                }
                return;
            }
            Command::CommitImport(id) => {
                let Some((parsed, bytes)) = self.import_returns_view.reviewed(id) else {
                    return;
                };
                let today = open.data.today;
                self.undo.clear();
                let result = open.ledger.commit_return_import(parsed, today, bytes);
                if let Ok(changed) = &result {
                    let message = format!("已导入，{changed} 行有变化");
                    self.import_returns_view.mark_done(id, message);
                }
                result.map(|_| ())
            }
            Command::SetMilestoneDone { milestone_id, done } => {
                let today = open.data.today;
                open.ledger
                    .set_milestone_done(milestone_id, done.then_some(today), "")
            }
            Command::AddItem {
                date,
                title,
                departments,
            } => open
                .ledger
                .add_calendar_item(date, &title, &departments)
                .map(|_| ()),
            Command::SetItemDone { id, done } => {
                let today = open.data.today;
                open.ledger
                    .set_calendar_item_done(id, done.then_some(today))
            }
            Command::DeleteItem(id) => open.ledger.delete_calendar_item(id),
            Command::ShowSheetHistory(row_id) => {
                match open.ledger.sheet_row_history(row_id) {
                    Ok(entries) => open.data.sheet_history = Some((row_id, entries)),
                    Err(error) => self.show_error(error.to_string()),
                }
                return;
            }
            Command::ExportSheet {
                period,
                folder,
                print,
            } => {
                let sheet = crate::sheet::build_sheet(
                    &open.data.plan,
                    &open.data.settings,
                    &open.data.returns,
                    &open.data.sheet_edits,
                    period,
                );
                if let Err(error) = crate::service::check_period(&open.data.plan, period) {
                    self.show_error(error.to_string());
                    return;
                }
                let protected = crate::files::Protected::for_ledger(&open.data.ledger_path);
                self.export_job = Some(start_export(sheet, folder, print, protected));
                return;
            }
            Command::SaveSheetRow {
                period,
                form_row_id,
                progress,
                remark,
                based_on,
            } => open
                .ledger
                .save_sheet_row(period, form_row_id, &progress, &remark, &based_on),
            Command::ShowHistory(row_id) => {
                match open.ledger.row_history(row_id) {
                    Ok(entries) => open.data.history = Some((row_id, entries)),
                    Err(error) => self.show_error(error.to_string()),
                }
                return;
            }
            Command::PrintChaseList(period) => {
                if let Err(message) = super::chase_view::print_chase_list(&open.data, period) {
                    self.show_error(message);
                }
                return;
            }
            Command::SaveReturnRows(writes) => {
                let step = UndoStep {
                    writes: previous_values(&open.data, &writes),
                    unreceive: writes.first().and_then(|w| {
                        let received = open
                            .data
                            .record(w.department_id, w.period)
                            .is_some_and(|r| r.received_on.is_some());
                        (!received).then_some((w.department_id, w.period))
                    }),
                };
                let result = open.ledger.write_return_rows(&writes);
                if matches!(result, Ok(changed) if changed > 0) {
                    self.undo.push(step);
                }
                result.map(|_| ())
            }
            Command::Undo => match self.undo.pop() {
                Some(step) => open
                    .ledger
                    .revert_return_rows(&step.writes, step.unreceive)
                    .map(|_| ()),
                None => return,
            },
            Command::SetReceived {
                department_id,
                period,
                received_on,
                source,
            } => {
                // Other changes to returns make the saved undo steps stale.
                self.undo.clear();
                open.ledger
                    .set_return_received(department_id, period, received_on, source)
            }
            Command::RestoreRow(history_id) => {
                self.undo.clear();
                open.ledger.restore_row(history_id)
            }
            Command::ImportPlan(import) => {
                let result = open.ledger.import_plan(
                    &import.parsed,
                    import.source.as_ref(),
                    import.make_current,
                );
                if result.is_ok() {
                    self.import_view.reset();
                    self.notice = Some(format!("已保存新计划“{}”", import.parsed.title));
                    self.page = Page::Plan;
                    self.plan_view = PlanView::default();
                    // Periods and departments belong to the plan on show.
                    self.selection = None;
                    self.undo.clear();
                }
                result.map(|_| ())
            }
            Command::SetCurrentPlan(plan_id) => {
                let result = open.ledger.set_current_plan(plan_id);
                if result.is_ok() {
                    self.plan_view = PlanView::default();
                    self.selection = None;
                    self.undo.clear();
                }
                result
            }
            Command::SaveTask(edit) => open.ledger.update_task(&edit),
            Command::SaveDepartment(edit) => open.ledger.update_department(&edit),
            Command::SaveSettings(settings) => open.ledger.update_settings(&settings),
            Command::SetDueDay(day) => open.ledger.set_due_day(day),
            Command::BackupNow => open.ledger.backup().map(|path| {
                self.notice = Some(format!("已备份到“{}”", path.display()));
            }),
        };
        let reloaded = AppData::load(&open.ledger, open.data.today, &open.data.holidays);
        let reload_error = match reloaded {
            Ok(mut data) => {
                // A history on show stays on show, with its new entries.
                if let Some((row_id, _)) = open.data.history {
                    data.history = open.ledger.row_history(row_id).ok().map(|h| (row_id, h));
                }
                if let Some((row_id, _)) = open.data.sheet_history {
                    data.sheet_history = open
                        .ledger
                        .sheet_row_history(row_id)
                        .ok()
                        .map(|h| (row_id, h));
                }
                data.version = open.data.version + 1;
                open.data = data;
                None
            }
            Err(error) => Some(format!("重新读取台账失败：{error}")),
        };
        if let Err(error) = result {
            self.show_error(error.to_string());
        }
        if let Some(message) = reload_error {
            self.show_error(message);
        }
    }

    fn show_error(&mut self, message: String) {
        self.log.error(&message);
        self.error = Some(message);
    }

    fn failed_ui(&mut self, ui: &mut egui::Ui, message: &str) {
        let ledger_path = self.ledger_path.clone();
        let newest = self
            .sound_backup
            .get_or_insert_with(|| crate::store::newest_sound_backup(&ledger_path))
            .clone();
        let mut reopen = false;
        egui::CentralPanel::default().show(ui, |ui| {
            ui.add_space(40.0);
            ui.vertical_centered(|ui| {
                ui.heading("无法打开台账");
                ui.add_space(12.0);
                ui.label(egui::RichText::new(message).color(ui.visuals().error_fg_color));
                ui.add_space(12.0);
                // Another program's lock or a read-only attribute may be gone by now.
                if ui.button("重新打开").clicked() {
                    reopen = true;
                }
                ui.add_space(8.0);
                match &newest {
                    Some(backup) => {
                        if ui.button("用最新的备份恢复").clicked() {
                            self.pending_restore = Some(backup.clone());
                        }
                        ui.weak("恢复时当前文件会另存到备份文件夹，不会删除。");
                    }
                    None => {
                        ui.label("没有可用的备份。请关闭本窗口，可以用 --db 指定另一个台账文件。");
                    }
                }
            });
        });
        if reopen {
            self.reopen();
        }
    }

    /// The confirmation before a restore, and the restore itself.
    fn restore_ui(&mut self, ctx: &egui::Context) {
        let Some(backup) = self.pending_restore.clone() else {
            return;
        };
        let name = backup
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut decision = None;
        egui::Modal::new(egui::Id::unique("restore_confirmation")).show(ctx, |ui| {
            ui.heading("从备份恢复台账");
            ui.label(format!("将用备份“{name}”替换当前台账。"));
            ui.label("当前台账文件会另存到备份文件夹（名称含 before-restore），不会删除。");
            ui.horizontal(|ui| {
                if ui.button("确定恢复").clicked() {
                    decision = Some(true);
                }
                if ui.button("取消").clicked() {
                    decision = Some(false);
                }
            });
        });
        match decision {
            Some(true) => {
                self.pending_restore = None;
                self.restore(&backup);
            }
            Some(false) => self.pending_restore = None,
            None => {}
        }
    }

    /// Opens the ledger file again (after it could not be opened, or after a restore) and
    /// starts from the home page.
    fn reopen(&mut self) {
        self.sound_backup = None;
        match open_ledger(&self.ledger_path, self.today, &self.holidays) {
            Ok(open) => {
                self.state = LedgerState::Open(Box::new(open));
                self.error = None;
                self.undo.clear();
                self.selection = None;
                self.page = Page::Home;
            }
            Err(error) => {
                let message = error.to_string();
                self.log.error(&message);
                self.state = LedgerState::Failed(message);
            }
        }
    }

    /// Closes the ledger, puts the backup in its place and opens it again.
    fn restore(&mut self, backup: &Path) {
        self.sound_backup = None;
        // The backup at start reads the file through its own connection: let it finish first.
        self.wait_for_backup();
        // Closing drops the connection (checkpointing the WAL) and the window's lock.
        self.state = LedgerState::Failed("正在恢复…".to_owned());
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S").to_string();
        let restored = crate::store::restore_backup(&self.ledger_path, backup, &stamp);
        self.reopen();
        match restored {
            Ok(aside) => {
                if self.failure().is_none() {
                    self.notice = Some(format!(
                        "已从备份恢复。原来的台账另存为“{}”",
                        aside.display()
                    ));
                }
            }
            Err(error) => {
                let message = format!("恢复失败：{error}");
                self.log.error(&message);
                match &mut self.state {
                    LedgerState::Failed(failure) => *failure = format!("{message} {failure}"),
                    LedgerState::Open(_) => self.error = Some(message),
                }
            }
        }
    }

    fn navigation_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::left("navigation")
            .resizable(false)
            .exact_size(128.0)
            .show(ui, |ui| {
                ui.add_space(10.0);
                ui.label(egui::RichText::new("台账").size(24.0).strong());
                ui.add_space(10.0);
                for page in Page::ALL {
                    let selected = self.page == page;
                    let button = egui::Button::selectable(selected, page.label())
                        .min_size(egui::vec2(ui.available_width(), 34.0));
                    if ui.add(button).clicked() {
                        self.page = page;
                    }
                }
            });
    }

    fn messages_ui(&mut self, ui: &mut egui::Ui) {
        if self.error.is_none() && self.notice.is_none() {
            return;
        }
        egui::Panel::top("messages").show(ui, |ui| {
            if let Some(error) = &self.error {
                let mut dismiss = false;
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new(error).color(ui.visuals().error_fg_color));
                    dismiss = ui.button("知道了").clicked();
                });
                if dismiss {
                    self.error = None;
                }
            }
            if let Some(notice) = &self.notice {
                let mut dismiss = false;
                ui.horizontal(|ui| {
                    ui.label(notice);
                    dismiss = ui.button("关闭提示").clicked();
                });
                if dismiss {
                    self.notice = None;
                }
            }
        });
    }
}

fn open_ledger(
    ledger_path: &Path,
    today: NaiveDate,
    holidays: &crate::holidays::HolidayCalendar,
) -> Result<OpenLedger, StoreError> {
    // A folder, a FIFO or a device is refused before the lock file is made beside it.
    Ledger::check_path(ledger_path)?;
    let lock = LedgerLock::acquire(ledger_path)?;
    let (ledger, opened) = Ledger::open_locked(ledger_path, &lock)?;
    let data = AppData::load(&ledger, today, holidays)?;
    // A new ledger holds only the bundled plan: nothing to back up yet.
    let backup_job = (opened == Opened::Existing).then(|| BackupJob::start(ledger_path));
    Ok(OpenLedger {
        ledger,
        _lock: lock,
        data,
        backup_job,
    })
}

/// A finished export: the files written and what to check.
#[derive(Debug)]
pub struct ExportDone {
    pub xlsx: PathBuf,
    pub pdf: PathBuf,
    pub warnings: Vec<String>,
    pub print: bool,
}

/// Writes the sheet's files on a worker thread, so the window stays live.
fn start_export(
    sheet: crate::sheet::Sheet,
    folder: PathBuf,
    print: bool,
    protected: crate::files::Protected,
) -> std::sync::mpsc::Receiver<Result<ExportDone, String>> {
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let result = (|| {
            crate::files::ensure_folder(&folder).map_err(|e| e.to_string())?;
            let stem = sheet.file_stem();
            let xlsx = folder.join(format!("{stem}.xlsx"));
            let pdf = folder.join(format!("{stem}.pdf"));
            let warnings = crate::sheet::export_files(&sheet, Some(&xlsx), Some(&pdf), &protected)
                .map_err(|e| e.to_string())?;
            Ok(ExportDone {
                xlsx,
                pdf,
                warnings,
                print,
            })
        })();
        let _ = sender.send(result);
    });
    receiver
}

impl TaizhangApp {
    /// Takes the result of a finished export, if any.
    fn poll_export(&mut self, ctx: &egui::Context) {
        let Some(receiver) = &self.export_job else {
            return;
        };
        match receiver.try_recv() {
            Ok(Ok(done)) => {
                self.export_job = None;
                let mut notice = format!("已导出：{}、{}", done.xlsx.display(), done.pdf.display());
                for warning in &done.warnings {
                    notice.push_str(&format!("\n注意：{warning}"));
                }
                self.notice = Some(notice);
                if done.print
                    && let Err(error) = super::chase_view::open_with_system(&done.pdf)
                {
                    self.show_error(format!("无法打开“{}”打印：{error}", done.pdf.display()));
                }
            }
            Ok(Err(message)) => {
                self.export_job = None;
                self.show_error(message);
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => ctx.request_repaint(),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.export_job = None;
                self.show_error("导出意外中止".to_owned());
            }
        }
    }
}

impl TaizhangApp {
    /// Follows the system date instead of the one the window opened with.
    pub fn following_the_clock(mut self) -> Self {
        self.follow_clock = true;
        self
    }

    fn follow_the_clock(&mut self) {
        if !self.follow_clock {
            return;
        }
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let today = chrono::Local::now().date_naive();
        if open.data.today == today {
            return;
        }
        match AppData::load(&open.ledger, today, &open.data.holidays) {
            Ok(mut data) => {
                data.version = open.data.version + 1;
                open.data = data;
            }
            Err(error) => self.show_error(format!("重新读取台账失败：{error}")),
        }
    }

    /// Saves what every page has typed but not saved.
    fn flush_views(&mut self) {
        let LedgerState::Open(open) = &self.state else {
            return;
        };
        let data = &open.data;
        let mut commands = Vec::new();
        self.plan_view.flush(data, &mut commands);
        self.departments_view.flush(data, &mut commands);
        self.settings_view.flush(data, &mut commands);
        self.returns_view.flush(data, &mut commands);
        self.sheet_view.flush(data, &mut commands);
        for command in commands {
            self.apply(command);
        }
    }
}

impl eframe::App for TaizhangApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut commands = Vec::new();
        let page_before = self.page;
        self.follow_the_clock();
        self.poll_export(ui.ctx());
        self.poll_backup(ui.ctx());
        // Files dropped on the window from Explorer go to the import preview, as chosen ones do.
        let dropped: Vec<PathBuf> = ui.ctx().input(|input| {
            input
                .raw
                .dropped_files
                .iter()
                .map(|file| file.path().to_owned())
                .collect()
        });
        if !dropped.is_empty() {
            commands.push(Command::AddImportFiles(dropped));
        }
        self.restore_ui(ui.ctx());
        if let Some(message) = self.failure() {
            let message = message.to_owned();
            self.failed_ui(ui, &message);
            return;
        }
        self.navigation_ui(ui);
        self.messages_ui(ui);
        let LedgerState::Open(open) = &self.state else {
            return;
        };
        let data = &open.data;
        let selection = self.selection.get_or_insert_with(|| Selection {
            period: data.default_period(),
            department_id: data.obligations.first().map(|o| o.department_id),
        });
        let can_undo = !self.undo.is_empty();
        let exporting = self.export_job.is_some();
        egui::CentralPanel::default().show(ui, |ui| match self.page {
            Page::Home => self.home_view.ui(ui, data, &mut commands),
            Page::Calendar => self.calendar_view.ui(ui, data, &mut commands),
            Page::Plan => self.plan_view.ui(ui, data, &mut commands),
            Page::Import => self.import_view.ui(ui, data, &mut commands),
            Page::ImportReturns => {
                self.import_returns_view
                    .ui(ui, data, selection, &mut commands);
            }
            Page::Returns => {
                self.returns_view
                    .ui(ui, data, selection, can_undo, &mut commands);
            }
            Page::Checklist => self.checklist_view.ui(ui, data, selection, &mut commands),
            Page::Overview => self.overview_view.ui(ui, data, selection, &mut commands),
            Page::Chase => self.chase_view.ui(ui, data, selection, &mut commands),
            Page::Sheet => {
                self.sheet_view
                    .ui(ui, data, selection, exporting, &mut commands);
            }
            Page::Departments => self.departments_view.ui(ui, data, &mut commands),
            Page::Settings => self.settings_view.ui(ui, data, &mut commands),
        });
        for command in commands {
            self.apply(command);
        }
        // A page left with text typed but not yet saved (its field never lost focus) saves it.
        if self.page != page_before {
            self.flush_views();
        }
    }

    fn on_exit(&mut self) {
        // Text still being typed when the window closes is saved, not lost.
        self.flush_views();
        // A backup cut off by the process ending would be left half-written.
        self.wait_for_backup();
    }
}

/// What 撤销 puts back: the rows' earlier values and, when the save was the return's first,
/// its not-yet-received state.
struct UndoStep {
    writes: Vec<RowWrite>,
    unreceive: Option<(i64, Period)>,
}

/// The current values of the rows a save will overwrite, as writes that put them back.
fn previous_values(data: &AppData, writes: &[RowWrite]) -> Vec<RowWrite> {
    writes
        .iter()
        .map(|write| {
            let row = data
                .record(write.department_id, write.period)
                .and_then(|record| record.row(write.key));
            RowWrite {
                progress: row.map(|r| r.progress.clone()).unwrap_or_default(),
                remark: row.map(|r| r.remark.clone()).unwrap_or_default(),
                source: ReturnSource::Manual,
                received_on: None,
                ..write.clone()
            }
        })
        .collect()
}
