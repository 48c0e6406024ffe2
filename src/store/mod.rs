//! The ledger: one SQLite file holding plans, departments, returns and their history.
//!
//! Everything that touches SQL lives here. Reads are plain functions on [`Ledger`]; every change
//! goes through [`Ledger::write`], one immediate transaction per user action that commits on
//! `Ok` and rolls back on `Err`, so a failed action changes nothing.

mod backup;
mod calendar;
mod departments;
mod error;
mod form_text;
mod guard;
mod indicators;
mod lock;
mod mail;
mod mail_folder;
mod mailbox;
mod new_year;
mod open;
mod plan_import;
mod plans;
mod returns;
mod schema;
mod send_backs;
mod sends;
mod settings;
mod sheet;
mod tasks;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use backup::{
    BackupInfo, BackupJob, RETENTION, RetentionPolicy, StartBackup, backup_dir, backups_to_remove,
    list_backups, newest_backup, restore_backup,
};
pub use departments::DepartmentEdit;
pub use error::StoreError;
pub use guard::newest_sound_backup;
pub use indicators::StoredIndicatorValue;
pub use lock::{LedgerLock, SendLock};
pub use mail::{MailOrigin, MailRecord, MailState, NewMail};
pub use mailbox::MailboxSettings;
pub use new_year::{CarryForward, next_year_title};
pub use plan_import::{PlanSummary, SourceFile, sha256_hex};
pub use schema::VERSION;
pub use send_backs::{NewSendBack, ReturnFile, SendBack, SendBackOutcome};
pub use sends::{ChaseSend, Delivered, MailSend, SendKind, SendRows};
pub use settings::check_address;
pub use tasks::TaskEdit;

use crate::model::{Department, Plan, Settings};
use crate::returns::{HistoryEntry, ReturnRecord, ReturnSource, RowWrite};
use crate::schedule::Period;
use crate::seed::Seed;

const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// One e-mail to commit (see [`Ledger::commit_mail`]).
#[derive(Debug)]
pub struct MailCommit<'a> {
    pub mail: NewMail<'a>,
    /// The waiting record this commit completes, if the message was recorded before.
    pub existing: Option<i64>,
    pub body: Option<&'a crate::returns::spreadsheet::ParsedReturn>,
    pub attachments: Vec<(&'a crate::returns::spreadsheet::ParsedReturn, &'a [u8])>,
    pub received_on: chrono::NaiveDate,
    /// (department, sender address) to remember.
    pub learn_address: Option<(i64, &'a str)>,
}

/// An open ledger file.
#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
    /// The plan that plan-scoped reads and writes (returns, sheet edits, chase sends, the due
    /// day) act on; `None` for the current plan.
    focus: Option<i64>,
}

/// How a ledger came to be open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opened {
    /// The file was missing or empty: a new ledger seeded with the bundled plan.
    Created,
    /// An existing ledger (upgraded if it was older).
    Existing,
}

impl Ledger {
    /// The ledger file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs one user action in one immediate transaction: commits when `action` returns `Ok`,
    /// rolls back otherwise.
    pub fn write<T>(
        &mut self,
        action: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let value = action(&tx)?;
        // Every committed write changes this value: the backup at start compares it with the
        // newest backup's and skips the copy when they are equal.
        settings::set_value(&tx, backup::CHANGE_KEY, &new_change_id())?;
        tx.commit()?;
        Ok(value)
    }

    /// [`Self::write`] on the plan in focus: the action gets its id.
    pub fn write_focused<T>(
        &mut self,
        action: impl FnOnce(&Transaction<'_>, i64) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let focus = self.focus;
        self.write(|tx| action(tx, plans::focused_plan_id(tx, focus)?))
    }

    /// Copies the ledger into its `backups/` folder and thins the older backups by
    /// [`RETENTION`]. Returns the new backup's path.
    pub fn backup(&self) -> Result<PathBuf, StoreError> {
        let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S-%3f").to_string();
        backup::create_backup(&self.conn, &self.path, &stamp)
    }

    /// A number that changes whenever another connection (another window, a command run from
    /// the command line) commits to the ledger; this connection's own commits leave it as it is.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |row| row.get(0))?)
    }

    /// The schema version stored in the file.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    /// Makes plan-scoped reads and writes act on this plan (`None`: the current plan). Refused
    /// for a plan the ledger does not have.
    pub fn focus_plan(&mut self, plan_id: Option<i64>) -> Result<(), StoreError> {
        if let Some(id) = plan_id {
            plans::focused_plan_id(&self.conn, Some(id))?;
        }
        self.focus = plan_id;
        Ok(())
    }

    /// The plan that plan-scoped reads and writes act on.
    /// The plan chosen by [`Ledger::focus_plan`]; `None` follows the current plan.
    pub fn focus(&self) -> Option<i64> {
        self.focus
    }

    pub fn focused_plan_id(&self) -> Result<i64, StoreError> {
        plans::focused_plan_id(&self.conn, self.focus)
    }

    /// One plan with its sections, tasks, form and reporting rule.
    pub fn plan(&self, plan_id: i64) -> Result<Plan, StoreError> {
        plans::load_plan(&self.conn, plan_id)
    }

    /// The plan in focus (the current plan unless [`Ledger::focus_plan`] chose another) with
    /// its sections, tasks, form and reporting rule.
    pub fn focused_plan(&self) -> Result<Plan, StoreError> {
        let plan_id = plans::focused_plan_id(&self.conn, self.focus)?;
        plans::load_plan(&self.conn, plan_id)
    }

    /// Every department, in the ledger's order.
    pub fn departments(&self) -> Result<Vec<Department>, StoreError> {
        departments::list(&self.conn)
    }

    /// Our unit and contact data.
    pub fn settings(&self) -> Result<Settings, StoreError> {
        settings::load(&self.conn)
    }

    /// Saves a task's title, departments and milestones.
    pub fn update_task(&mut self, edit: &TaskEdit) -> Result<(), StoreError> {
        self.write(|tx| tasks::update(tx, edit))
    }

    /// Saves a department's name, aliases and contact data. A changed name stays as an alias.
    pub fn update_department(&mut self, edit: &DepartmentEdit) -> Result<(), StoreError> {
        self.write(|tx| departments::update(tx, edit))
    }

    /// Saves our unit and contact data.
    pub fn update_settings(&mut self, new_settings: &Settings) -> Result<(), StoreError> {
        self.write(|tx| settings::save(tx, new_settings))
    }

    /// Sets the day of the month by which returns are due, for the current plan.
    pub fn set_due_day(&mut self, due_day: u32) -> Result<(), StoreError> {
        if !(1..=28).contains(&due_day) {
            return Err(StoreError::Invalid("报送日须在1至28日之间".to_owned()));
        }
        self.write_focused(|tx, plan_id| {
            tx.execute(
                "UPDATE reporting_rules SET due_day = ?1 WHERE plan_id = ?2",
                (due_day, plan_id),
            )?;
            Ok(())
        })
    }

    /// One plan's returns, for one period or all, sorted by period and department.
    pub fn plan_returns(
        &self,
        plan_id: i64,
        period: Option<Period>,
    ) -> Result<Vec<ReturnRecord>, StoreError> {
        returns::load(&self.conn, plan_id, period)
    }

    /// The current plan's returns, for one period or all, sorted by period and department.
    pub fn returns(&self, period: Option<Period>) -> Result<Vec<ReturnRecord>, StoreError> {
        let plan_id = plans::focused_plan_id(&self.conn, self.focus)?;
        returns::load(&self.conn, plan_id, period)
    }

    /// Writes return rows in one transaction (one row typed, or all rows of a split e-mail).
    /// Overwritten values go to the history. Returns how many rows changed.
    pub fn write_return_rows(&mut self, writes: &[RowWrite]) -> Result<usize, StoreError> {
        let now = now_stamp();
        self.write_focused(|tx, plan_id| {
            let mut changed = 0;
            for write in writes {
                if returns::write_row(tx, plan_id, write, &now)? {
                    changed += 1;
                }
            }
            Ok(changed)
        })
    }

    /// Puts rows back as they were before a save (one transaction); `unreceive` also clears
    /// the received date that the undone save set.
    pub fn revert_return_rows(
        &mut self,
        writes: &[RowWrite],
        unreceive: Option<(i64, Period)>,
    ) -> Result<usize, StoreError> {
        let now = now_stamp();
        self.write_focused(|tx, plan_id| {
            let mut changed = 0;
            for write in writes {
                if returns::write_row(tx, plan_id, write, &now)? {
                    changed += 1;
                }
            }
            if let Some((department_id, period)) = unreceive {
                returns::set_received(
                    tx,
                    plan_id,
                    department_id,
                    period,
                    None,
                    ReturnSource::Manual,
                    &now,
                )?;
            }
            Ok(changed)
        })
    }

    /// Marks a department's return for a period as received on a day, or not received.
    pub fn set_return_received(
        &mut self,
        department_id: i64,
        period: Period,
        received_on: Option<chrono::NaiveDate>,
        source: ReturnSource,
    ) -> Result<(), StoreError> {
        let now = now_stamp();
        self.write_focused(|tx, plan_id| {
            returns::set_received(
                tx,
                plan_id,
                department_id,
                period,
                received_on,
                source,
                &now,
            )
        })
    }

    /// An archived original file: (name, contents).
    pub fn source_file(&self, id: i64) -> Result<(String, Vec<u8>), StoreError> {
        returns::source_file(&self.conn, id)
    }

    /// A file with these contents imported before, if any: (name, when).
    pub fn find_source_file(&self, sha256: &str) -> Result<Option<(String, String)>, StoreError> {
        returns::find_source_file(&self.conn, sha256)
    }

    /// Stores an imported spreadsheet (its accepted rows, the return as received on
    /// `received_on`, the original file) in one transaction. Returns how many rows changed.
    pub fn commit_return_import(
        &mut self,
        parsed: &crate::returns::spreadsheet::ParsedReturn,
        received_on: chrono::NaiveDate,
        bytes: &[u8],
    ) -> Result<usize, StoreError> {
        let now = now_stamp();
        self.write_focused(|tx, plan_id| {
            returns::commit_import(tx, plan_id, parsed, received_on, bytes, &now)
        })
    }

    /// A return row's earlier values, newest first.
    pub fn row_history(&self, return_row_id: i64) -> Result<Vec<HistoryEntry>, StoreError> {
        returns::history(&self.conn, return_row_id)
    }

    /// Puts an earlier value of a row back; the value it replaces is kept in the history.
    pub fn restore_row(&mut self, history_id: i64) -> Result<(), StoreError> {
        let now = now_stamp();
        self.write_focused(|tx, plan_id| returns::restore(tx, plan_id, history_id, &now))
    }

    /// Every plan in the ledger, oldest year first.
    pub fn plans(&self) -> Result<Vec<PlanSummary>, StoreError> {
        plan_import::list(&self.conn)
    }

    /// Whether the window's first start still waits for the choice of own plan, example or
    /// blank ledger.
    pub fn first_start_pending(&self) -> Result<bool, StoreError> {
        settings::first_start_pending(&self.conn)
    }

    /// Marks the first start's choice as waiting (a ledger the window just created) or made.
    pub fn set_first_start_pending(&mut self, pending: bool) -> Result<(), StoreError> {
        self.write(|tx| settings::set_first_start_pending(tx, pending))
    }

    /// Creates next year's working plan (沿用上年) from an ended one; it becomes current.
    /// Its id.
    pub fn carry_forward(&mut self, carry: &CarryForward) -> Result<i64, StoreError> {
        let now = now_stamp();
        self.write(|tx| new_year::carry_forward(tx, carry, &now))
    }

    /// Puts a real plan in the place of a carried or blank one, `matches` giving for each read
    /// task the carried task it continues; the rest of the carried tasks are closed on `today`;
    /// the plan becomes current, in the same transaction.
    pub fn replace_plan(
        &mut self,
        target: i64,
        parsed: &crate::plan_text::ParsedPlan,
        matches: &[Option<i64>],
        source: Option<&SourceFile>,
        today: chrono::NaiveDate,
    ) -> Result<(), StoreError> {
        let now = now_stamp();
        // One transaction: the real plan in the carried one's place, and current.
        self.write(|tx| {
            new_year::replace_plan(tx, target, parsed, matches, source, today, &now)?;
            plan_import::set_current(tx, target)
        })
    }

    /// Closes a plan (kept with its history, no longer shown or chased) or opens it again.
    pub fn set_plan_active(&mut self, plan_id: i64, active: bool) -> Result<(), StoreError> {
        self.write(|tx| new_year::set_active(tx, plan_id, active))
    }

    /// Marks a plan as the example, or the example as the user's own plan.
    pub fn set_plan_kind(
        &mut self,
        plan_id: i64,
        kind: crate::model::PlanKind,
    ) -> Result<(), StoreError> {
        self.write(|tx| new_year::set_kind(tx, plan_id, kind))
    }

    /// The first start's 空白台账: the example goes, an empty plan for `year` is current. Its id.
    pub fn start_blank(&mut self, year: i32) -> Result<i64, StoreError> {
        let now = now_stamp();
        self.write(|tx| new_year::start_blank(tx, year, &now))
    }

    /// An empty plan for `year` beside the others, made current. Its id.
    pub fn new_blank_plan(&mut self, year: i32) -> Result<i64, StoreError> {
        let now = now_stamp();
        self.write(|tx| new_year::new_blank(tx, year, &now))
    }

    /// Adds a department by hand; its id.
    pub fn add_department(&mut self, name: &str) -> Result<i64, StoreError> {
        let now = now_stamp();
        self.write(|tx| departments::add(tx, name, &now))
    }

    /// Merges department `from` into `into`; their returns stay, attributed to `into`.
    pub fn merge_departments(&mut self, from: i64, into: i64) -> Result<(), StoreError> {
        let now = now_stamp();
        self.write(|tx| departments::merge(tx, from, into, &now))
    }

    /// Makes another plan the current one.
    pub fn set_current_plan(&mut self, plan_id: i64) -> Result<(), StoreError> {
        self.write(|tx| plan_import::set_current(tx, plan_id))
    }

    /// Stores a read and reviewed plan document as a new plan (all or nothing): new
    /// departments are created, the original file is archived, the form and reporting rule
    /// are carried over from the current plan. Returns the new plan's id.
    pub fn import_plan(
        &mut self,
        parsed: &crate::plan_text::ParsedPlan,
        source: Option<&SourceFile>,
        make_current: bool,
    ) -> Result<i64, StoreError> {
        let now = now_stamp();
        self.write(|tx| plan_import::insert(tx, parsed, source, make_current, &now))
    }

    /// The coordinator's edits of the progress sheet (current plan), of one period or all.
    pub fn sheet_edits(
        &self,
        period: Option<Period>,
    ) -> Result<Vec<crate::sheet::SheetEdit>, StoreError> {
        let plan_id = plans::focused_plan_id(&self.conn, self.focus)?;
        sheet::load(&self.conn, plan_id, period)
    }

    /// Saves a sheet row as the coordinator worded it; `based_on` is the consolidated text
    /// it starts from. The value it replaces is kept in the history.
    pub fn save_sheet_row(
        &mut self,
        period: Period,
        form_row_id: i64,
        progress: &str,
        remark: &str,
        based_on: &str,
    ) -> Result<(), StoreError> {
        let now = now_stamp();
        self.write_focused(|tx, plan_id| {
            sheet::save(
                tx,
                plan_id,
                period,
                form_row_id,
                progress,
                remark,
                based_on,
                &now,
            )
        })
    }

    /// A sheet row's earlier values, newest first.
    pub fn sheet_row_history(
        &self,
        sheet_row_id: i64,
    ) -> Result<Vec<crate::sheet::SheetHistoryEntry>, StoreError> {
        sheet::history(&self.conn, sheet_row_id)
    }

    /// The user's own calendar items, by date.
    pub fn calendar_items(&self) -> Result<Vec<crate::deadlines::CalendarItem>, StoreError> {
        calendar::items(&self.conn)
    }

    /// Adds a calendar item (a meeting, an inspection).
    pub fn add_calendar_item(
        &mut self,
        date: chrono::NaiveDate,
        title: &str,
        departments: &[String],
    ) -> Result<i64, StoreError> {
        let now = now_stamp();
        self.write(|tx| calendar::add_item(tx, date, title, departments, &now))
    }

    /// Marks a calendar item done on a day, or not done.
    pub fn set_calendar_item_done(
        &mut self,
        id: i64,
        done_on: Option<chrono::NaiveDate>,
    ) -> Result<(), StoreError> {
        self.write(|tx| calendar::set_item_done(tx, id, done_on))
    }

    /// Removes a calendar item.
    pub fn delete_calendar_item(&mut self, id: i64) -> Result<(), StoreError> {
        self.write(|tx| calendar::delete_item(tx, id))
    }

    /// Marks a milestone done on a day with a note, or not done.
    pub fn set_milestone_done(
        &mut self,
        milestone_id: i64,
        done_on: Option<chrono::NaiveDate>,
        note: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| calendar::set_milestone_done(tx, milestone_id, done_on, note))
    }

    /// Runs `PRAGMA integrity_check` and returns its verdict (`ok` when sound).
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }
}

/// A value unique to one write: the time in nanoseconds and a count within this process.
fn new_change_id() -> String {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let count = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{nanos:x}-{count:x}-{:x}", std::process::id())
}

/// The local time as the ledger stores it.
pub(crate) fn now_stamp() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// A list index as the ledger stores positions.
fn pos(index: usize) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}

/// Joins a list into one stored text field, one item per line.
fn join_lines(items: &[String]) -> String {
    items.join("\n")
}

/// Splits a stored list field.
fn split_lines(text: &str) -> Vec<String> {
    text.lines()
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}
