//! The window's shell: the app's state, navigation, the message bars, the can't-open screen
//! and the restore from a backup. Commands are applied in `apply.rs`, background jobs polled
//! in `jobs.rs`.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::chase_view::ChaseView;
use super::checklist_view::ChecklistView;
use super::command::Command;
use super::departments_view::DepartmentsView;
use super::overview_view::OverviewView;
use super::plan_view::PlanView;
use super::returns_view::ReturnsView;
use super::settings_view::SettingsView;
use super::state::{AppData, Page, Selection, UndoStep};
use crate::logfile::LogFile;
use crate::store::StoreError;

pub(super) use super::open_ledger::{LedgerState, open_ledger};

/// The application: navigation, the pages, and the one place where commands change the ledger.
pub struct TaizhangApp {
    pub(super) state: LedgerState,
    pub(super) page: Page,
    pub(super) plan_view: PlanView,
    pub(super) departments_view: DepartmentsView,
    pub(super) settings_view: SettingsView,
    pub(super) returns_view: ReturnsView,
    pub(super) checklist_view: ChecklistView,
    pub(super) overview_view: OverviewView,
    pub(super) chase_view: ChaseView,
    pub(super) import_view: super::plan_import_view::PlanImportView,
    pub(super) sheet_view: super::sheet_view::SheetView,
    pub(super) home_view: super::home_view::HomeView,
    pub(super) import_returns_view: super::return_import_view::ReturnImportView,
    pub(super) calendar_view: super::calendar_view::CalendarView,
    pub(super) mail_view: super::mail_view::MailView,
    /// What matching a message needs, read once per version of the data.
    pub(super) mail_intake: Option<(u64, crate::service::mail::Intake)>,
    /// A mailbox fetch running in the background.
    pub(super) fetch_job: Option<super::mail_jobs::FetchJob>,
    /// Chase e-mails being sent in the background.
    pub(super) chase_job: Option<super::send_job::SendJob>,
    /// The month's templates being e-mailed in the background.
    pub(super) template_job: Option<super::send_job::SendJob>,
    /// The month's sheet being sent up to the city in the background.
    pub(super) sheet_send_job: Option<super::send_job::SendJob>,
    /// A send waiting for the mailbox's code, asked for in a window of its own when none is
    /// saved (kept for this run when the system's credential store cannot be used).
    pub(super) code_prompt: Option<super::code_prompt::CodePrompt>,
    /// 设置's 测试连接, on a worker.
    pub(super) mailbox_test_job: Option<super::jobs::Worker<Vec<String>>>,
    /// A sheet export running in the background.
    pub(super) export_job: Option<super::jobs::ExportJob>,
    /// The 督察台账 being written in the background.
    pub(super) binder_job: Option<super::jobs::BinderJob>,
    pub(super) selection: Option<Selection>,
    /// The values the last return saves replaced, to put back on 撤销.
    pub(super) undo: Vec<UndoStep>,
    /// Follow the system clock (no `--today`): a window left open overnight moves on.
    pub(super) follow_clock: bool,
    pub(super) ledger_path: PathBuf,
    pub(super) today: NaiveDate,
    pub(super) holidays: crate::holidays::HolidayCalendar,
    /// 总览's yearly on-time rates, with the data version they were read for (read when 总览
    /// is shown, not with every reload).
    pub(super) on_time: Option<(u64, crate::service::OnTimeByYear)>,
    /// A backup the user chose to restore, waiting for confirmation.
    pub(super) pending_restore: Option<PathBuf>,
    /// The newest backup that opens as a sound ledger, looked up once per failure.
    pub(super) sound_backup: Option<Option<PathBuf>>,
    /// The ledger could not be opened because another window has it: nothing is wrong with it.
    pub(super) open_elsewhere: bool,
    /// Errors and confirmations (已备份), stacked over the page until each is dismissed.
    pub(super) messages: super::messages::Messages,
    /// The window's title as last set.
    shown_title: Option<String>,
    /// Wakes the window when the ledger's files change (another writer); none without a window.
    _watch: Option<super::watch::Watch>,
    /// When the last change was saved (`HH:MM`), shown under the navigation.
    pub(super) saved_at: Option<String>,
    pub(super) log: LogFile,
}

impl TaizhangApp {
    /// Creates the app for eframe: installs the fonts and opens the ledger (claiming it,
    /// upgrading it and backing it up).
    pub fn new(cc: &eframe::CreationContext<'_>, ledger_path: PathBuf, today: NaiveDate) -> Self {
        super::install_fonts(&cc.egui_ctx);
        // The app always opens on the home page: what is due comes first.
        Self::open(ledger_path, today)
    }

    /// Lets the window sleep until something happens: another writer's change to the ledger
    /// and a worker's news wake it (the real window; tests step their frames themselves).
    pub fn waking(mut self, ctx: &egui::Context) -> Self {
        super::set_waker(ctx);
        self._watch = Some(super::watch::Watch::start(
            ctx.clone(),
            self.ledger_path.clone(),
        ));
        self
    }

    /// Opens the ledger without a window (tests build the app this way too, through `new`).
    pub fn open(ledger_path: PathBuf, today: NaiveDate) -> Self {
        let log = LogFile::beside(&ledger_path);
        let holidays = crate::holidays::HolidayCalendar::bundled().unwrap_or_else(|error| {
            log.error(&error.to_string());
            crate::holidays::HolidayCalendar::default()
        });
        let mut open_elsewhere = false;
        let state = match open_ledger(&ledger_path, today, &holidays) {
            Ok(open) => LedgerState::Open(Box::new(open)),
            Err(error) => {
                open_elsewhere = matches!(error, StoreError::OpenElsewhere { .. });
                log.error(&error.log_detail());
                LedgerState::Failed(error.to_string())
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
            overview_view: OverviewView::default(),
            chase_view: ChaseView::default(),
            import_view: super::plan_import_view::PlanImportView::default(),
            sheet_view: super::sheet_view::SheetView::default(),
            home_view: super::home_view::HomeView::default(),
            import_returns_view: super::return_import_view::ReturnImportView::default(),
            calendar_view: super::calendar_view::CalendarView::default(),
            export_job: None,
            binder_job: None,
            mail_view: super::mail_view::MailView::default(),
            mail_intake: None,
            fetch_job: None,
            chase_job: None,
            template_job: None,
            sheet_send_job: None,
            mailbox_test_job: None,
            code_prompt: None,
            selection: None,
            undo: Vec::new(),
            follow_clock: false,
            ledger_path,
            today,
            holidays,
            pending_restore: None,
            on_time: None,
            sound_backup: None,
            open_elsewhere,
            messages: super::messages::Messages::default(),
            shown_title: None,
            saved_at: None,
            log,
            _watch: None,
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

    /// Every message on screen, newest first, as `(is_error, text)`.
    pub fn messages(&self) -> Vec<(bool, String)> {
        self.messages
            .all()
            .map(|(error, text)| (error, text.to_owned()))
            .collect()
    }

    /// The newest error on screen, if any.
    pub fn error(&self) -> Option<&str> {
        self.messages.last_error()
    }

    /// The newest notice on screen, if any.
    pub fn notice(&self) -> Option<&str> {
        self.messages.last_notice()
    }

    /// The page on screen.
    pub fn page(&self) -> Page {
        self.page
    }

    /// Whether there is a save to undo.
    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }

    /// Reads the ledger again before this frame when another writer (a command run from the
    /// command line, say) committed to it, so that the window never shows stale text. An idle
    /// window is woken for it by [`super::watch::Watch`], never by a timer of its own.
    fn notice_changes_elsewhere(&mut self) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        if !open.changed_elsewhere() {
            return;
        }
        match open.reload() {
            Ok(()) => {
                self.messages
                    .notice("台账已被其他程序（如命令行导入）更新，页面已重新读取。".to_owned());
            }
            Err(error) => self.show_error(format!("重新读取台账失败：{error}")),
        }
    }

    /// Reads the ledger again after a background job wrote to it.
    pub(super) fn reload_data(&mut self) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        if let Err(error) = open.reload() {
            self.show_error(format!("重新读取台账失败：{error}"));
        }
    }

    /// The window's title: the plan in focus (the example marked), or the program's name
    /// before a plan is chosen or when the ledger did not open.
    pub fn window_title(&self) -> String {
        match &self.state {
            LedgerState::Open(open) if !open.data.first_start => {
                format!("{} - 台账", open.data.plan.label())
            }
            _ => super::state::WINDOW_TITLE.to_owned(),
        }
    }

    pub(super) fn show_error(&mut self, message: String) {
        self.log.error(&message);
        self.messages.error(message);
    }

    fn navigation_ui(&mut self, ui: &mut egui::Ui) {
        egui::Panel::left("navigation")
            .resizable(false)
            .exact_size(128.0)
            .show(ui, |ui| {
                ui.add_space(10.0);
                ui.label(egui::RichText::new("台账").size(24.0).strong());
                // Which plan the pages work on, the example marked as such.
                // Before the first start's choice there is no plan of hers to name.
                if let LedgerState::Open(open) = &self.state
                    && !open.data.first_start
                {
                    let plan = &open.data.plan;
                    let text = egui::RichText::new(format!("当前：{}", plan.short_label())).small();
                    if plan.kind == crate::model::PlanKind::Example {
                        ui.label(text.color(ui.visuals().warn_fg_color));
                    } else {
                        ui.weak(text);
                    }
                }
                ui.add_space(10.0);
                // A small window (900 × 600, 640 × 480) scrolls the pages instead of hiding
                // the last ones.
                egui::ScrollArea::vertical()
                    .id_salt("navigation_scroll")
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        for page in Page::ALL {
                            let selected = self.page == page;
                            let button = egui::Button::selectable(selected, page.label())
                                .min_size(egui::vec2(ui.available_width(), 34.0));
                            if ui.add(button).clicked() {
                                self.page = page;
                            }
                        }
                        if let Some(saved_at) = &self.saved_at {
                            ui.add_space(8.0);
                            ui.weak(format!("已保存 {saved_at}"));
                        }
                    });
            });
    }
}

/// Whether a dropped file is a saved e-mail (by its name; its content is checked when read).
fn is_mail_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("eml") || e.eq_ignore_ascii_case("msg"))
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
        self.plan_view.flush(&data.plans_page(), &mut commands);
        self.departments_view
            .flush(&data.departments_page(), &mut commands);
        self.settings_view
            .flush(&data.settings_page(), &mut commands);
        self.returns_view
            .flush(&data.returns_pages(), &mut commands);
        self.sheet_view.flush(&data.sheet_page(), &mut commands);
        for command in commands {
            self.apply(command);
        }
    }
}

impl eframe::App for TaizhangApp {
    #[expect(
        clippy::too_many_lines,
        reason = "the window's frame: navigation, message bars and the page in view; to be split with issue 34"
    )]
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let mut commands = Vec::new();
        let page_before = self.page;
        self.follow_the_clock();
        self.notice_changes_elsewhere();
        self.poll_jobs(ui.ctx());
        let title = self.window_title();
        if self.shown_title.as_deref() != Some(title.as_str()) {
            ui.ctx()
                .send_viewport_cmd(egui::ViewportCommand::Title(title.clone()));
            self.shown_title = Some(title);
        }
        // Files dropped on the window from Explorer go to the import preview, as chosen ones
        // do; saved e-mails go to 收件.
        let dropped: Vec<PathBuf> = ui.ctx().input(|input| {
            input
                .raw
                .dropped_files
                .iter()
                .map(|file| file.path().to_owned())
                .collect()
        });
        let (mails, files): (Vec<PathBuf>, Vec<PathBuf>) =
            dropped.into_iter().partition(|path| is_mail_file(path));
        if !files.is_empty() {
            commands.push(Command::AddImportFiles(files));
        }
        if !mails.is_empty() {
            commands.push(Command::AddMailFiles(mails));
        }
        self.restore_ui(ui.ctx());
        if let Some(message) = self.failure() {
            let message = message.to_owned();
            self.failed_ui(ui, &message);
            return;
        }
        self.navigation_ui(ui);
        self.messages.ui(ui.ctx());
        let LedgerState::Open(open) = &self.state else {
            return;
        };
        if self.page == Page::Overview
            && self.on_time.as_ref().map(|(version, _)| *version) != Some(open.data.version)
        {
            let rates = crate::service::OnTimeByYear::load(
                &open.ledger,
                open.data.today,
                &open.data.holidays,
            )
            .unwrap_or_else(|error| {
                self.log.error(&format!("历年按时报送率：{error}"));
                crate::service::OnTimeByYear::default()
            });
            self.on_time = Some((open.data.version, rates));
        }
        let data = &open.data;
        let selection = self.selection.get_or_insert_with(|| Selection {
            period: data.default_period(),
            department_id: data.obligations.first().map(|o| o.department_id),
        });
        let can_undo = !self.undo.is_empty();
        let exporting = self.export_job.is_some();
        let page = self.page;
        egui::CentralPanel::default().show(ui, |ui| {
            // The per-plan pages say which plan they show when several are in play, and
            // switch to another.
            if matches!(
                page,
                Page::Returns
                    | Page::ImportReturns
                    | Page::Checklist
                    | Page::Overview
                    | Page::Chase
                    | Page::Sheet
            ) {
                super::widgets::plan_focus_ui(ui, &data.plan, &data.others, &mut commands);
            }
            match page {
                Page::Home => {
                    let context = data.home(self.home_view.plan_filter);
                    self.home_view.ui(ui, &context, &mut commands);
                }
                Page::Calendar => {
                    let context = data.calendar(self.calendar_view.plan_filter);
                    self.calendar_view.ui(ui, &context, &mut commands);
                }
                Page::Plan => self.plan_view.ui(ui, &data.plans_page(), &mut commands),
                Page::Import => self.import_view.ui(ui, &data.plans_page(), &mut commands),
                Page::ImportReturns => {
                    self.import_returns_view.ui(
                        ui,
                        &data.returns_pages(),
                        selection,
                        &mut commands,
                    );
                }
                Page::Returns => {
                    self.returns_view.ui(
                        ui,
                        &data.returns_pages(),
                        selection,
                        can_undo,
                        &mut commands,
                    );
                }
                Page::Checklist => {
                    self.checklist_view
                        .ui(ui, &data.returns_pages(), selection, &mut commands)
                }
                Page::Overview => {
                    let mut context = data.returns_pages();
                    context.on_time_by_year = self.on_time.as_ref().map(|(_, rates)| rates);
                    self.overview_view
                        .ui(ui, &context, selection, &mut commands)
                }
                Page::Chase => {
                    let sending = super::chase_view::Sending {
                        chase: self.chase_job.as_ref().map(|job| job.progress),
                        templates: self.template_job.as_ref().map(|job| job.progress),
                    };
                    self.chase_view.ui(
                        ui,
                        &data.returns_pages(),
                        selection,
                        sending,
                        &mut commands,
                    );
                }
                Page::Mail => {
                    let fetching = self.fetch_job.as_ref().map(|job| job.progress);
                    self.mail_view
                        .ui(ui, &data.mail_page(), fetching, &mut commands);
                }
                Page::Sheet => {
                    let sending_up = self.sheet_send_job.is_some();
                    self.sheet_view.ui(
                        ui,
                        &data.sheet_page(),
                        selection,
                        (exporting, sending_up),
                        &mut commands,
                    );
                }
                Page::Departments => {
                    self.departments_view
                        .ui(ui, &data.departments_page(), &mut commands)
                }
                Page::Settings => self
                    .settings_view
                    .ui(ui, &data.settings_page(), &mut commands),
            }
        });
        if let Some(prompt) = &mut self.code_prompt {
            match prompt.ui(ui.ctx()) {
                Some(Some(command)) => {
                    self.code_prompt = None;
                    commands.push(command);
                }
                Some(None) => self.code_prompt = None,
                None => {}
            }
        }
        for command in commands {
            self.apply(command);
        }
        // A page left with text typed but not yet saved (its field never lost focus) saves it.
        if self.page != page_before {
            self.flush_views();
        }
    }

    fn on_exit(&mut self, _gl: Option<&eframe::glow::Context>) {
        // Text still being typed when the window closes is saved, not lost.
        self.flush_views();
        // A backup cut off by the process ending would be left half-written.
        self.wait_for_backup();
    }
}
