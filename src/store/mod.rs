//! The ledger: one SQLite file holding plans, departments, returns and their history.
//!
//! Everything that touches SQL lives here. Reads are plain functions on [`Ledger`]; every change
//! goes through [`Ledger::write`], one immediate transaction per user action that commits on
//! `Ok` and rolls back on `Err`, so a failed action changes nothing.

mod backup;
mod calendar;
mod departments;
mod error;
mod guard;
mod lock;
mod mail;
mod new_year;
mod plan_import;
mod plans;
mod returns;
mod schema;
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
pub use lock::LedgerLock;
pub use mail::{ChaseSend, MailOrigin, MailRecord, MailState, MailboxSettings, NewMail};
pub use new_year::{CarryForward, next_year_title};
pub use plan_import::{PlanSummary, SourceFile, sha256_hex};
pub use schema::VERSION;
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
    /// Opens the ledger at `path`. A missing or empty file becomes a new ledger seeded with the
    /// bundled 2019 plan; an unreadable file is refused and left exactly as it was. Anything
    /// that is not a regular file (a folder, a FIFO, a device) is refused before SQLite sees it.
    pub fn open(path: &Path) -> Result<(Self, Opened), StoreError> {
        let live_wal = guard::held_by_a_window(path);
        Self::open_checked(path, live_wal)
    }

    /// Opens the ledger for the window that holds its lock: a `-wal` beside it is then a
    /// leftover of an earlier run, never another window's live log.
    pub fn open_locked(path: &Path, _lock: &LedgerLock) -> Result<(Self, Opened), StoreError> {
        Self::open_checked(path, false)
    }

    fn open_checked(path: &Path, live_wal: bool) -> Result<(Self, Opened), StoreError> {
        match guard::check_ledger_path(path)? {
            guard::LedgerFile::Missing => Self::create(path, false),
            guard::LedgerFile::Regular(0) => Self::create(path, true),
            guard::LedgerFile::Regular(_) => Self::open_existing(path, live_wal),
        }
        .map_err(|error| error.for_file(path))
    }

    /// Checks a ledger path without opening anything: what [`Ledger::open`] refuses first.
    pub fn check_path(path: &Path) -> Result<(), StoreError> {
        guard::check_ledger_path(path).map(|_| ())
    }

    fn create(path: &Path, existed_empty: bool) -> Result<(Self, Opened), StoreError> {
        // A log left beside a missing ledger belongs to a ledger that is gone or moved: SQLite
        // would apply it to the new file. It is left alone, and so is the path.
        for suffix in ["-wal", "-journal"] {
            if guard::sidecar_len(path, suffix) > 0 {
                return Err(StoreError::OrphanLog {
                    path: path.to_owned(),
                    log: guard::sidecar(path, suffix),
                });
            }
        }
        let seed = Seed::bundled()?;
        let present_before: Vec<bool> = guard::SIDECARS
            .iter()
            .map(|suffix| guard::sidecar(path, suffix).exists())
            .collect();
        let result = (|| {
            let conn = connect_without_changes(path, OpenFlags::SQLITE_OPEN_CREATE)?;
            set_journal_and_sync(&conn)?;
            let mut ledger = Self {
                conn,
                path: path.to_owned(),
                focus: None,
            };
            ledger.write(|tx| {
                schema::upgrade_from(tx, 0)?;
                plans::insert_seed(tx, &seed, &now_stamp())
            })?;
            Ok(ledger)
        })();
        if result.is_err() {
            // Nothing of a half-made ledger may stay behind to be mistaken for a real one, and
            // nothing that was there before this run is removed.
            if existed_empty {
                if let Ok(file) = std::fs::OpenOptions::new().write(true).open(path) {
                    let _ = file.set_len(0);
                }
            } else {
                let _ = std::fs::remove_file(path);
            }
            for (suffix, present) in guard::SIDECARS.iter().zip(present_before) {
                if !present {
                    let _ = std::fs::remove_file(guard::sidecar(path, suffix));
                }
            }
        }
        result.map(|ledger| (ledger, Opened::Created))
    }

    fn open_existing(path: &Path, live_wal: bool) -> Result<(Self, Opened), StoreError> {
        let header = read_header(path)?;
        if &header != SQLITE_HEADER {
            return Err(StoreError::Corrupt {
                path: path.to_owned(),
                newest_backup: guard::newest_sound_backup(path),
            });
        }
        // A file marked read-only (Windows' attribute, or no write permission bits) is refused
        // before SQLite opens it: SQLite would open it for reading and fail at the first save.
        if std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly()) {
            return Err(StoreError::read_only(path));
        }
        // A leftover log is applied by SQLite at the first read. Keep both files as they are,
        // check what they make together, and put them back when it is not a sound ledger.
        if !live_wal && guard::sidecar_len(path, "-wal") > 0 {
            let copy = guard::RecoveryCopy::take(path)?;
            match guard::is_sound_ledger(path, true) {
                Ok(true) => copy.discard(),
                Ok(false) => {
                    copy.restore()?;
                    return Err(StoreError::ForeignLog {
                        path: path.to_owned(),
                        log: guard::sidecar(path, "-wal"),
                        newest_backup: guard::newest_sound_backup(path),
                    });
                }
                Err(error) => {
                    copy.restore()?;
                    return Err(error);
                }
            }
        }
        // Nothing is written to the file before it is known to be a ledger of ours.
        let conn = connect_without_changes(path, OpenFlags::empty())?;
        if conn.is_readonly(rusqlite::MAIN_DB)? {
            return Err(StoreError::read_only(path));
        }
        let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0))?;
        let table_count: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_master", [], |row| row.get(0))?;
        if version == 0 && table_count > 0 {
            return Err(StoreError::NotALedger {
                path: path.to_owned(),
            });
        }
        if version > schema::VERSION {
            return Err(StoreError::TooNew {
                path: path.to_owned(),
                version,
            });
        }
        let mut ledger = Self {
            conn,
            path: path.to_owned(),
            focus: None,
        };
        if version > 0 && version < schema::VERSION {
            // An upgrade is a one-way step: keep a copy of the file as it was (once: a retry
            // after a failed upgrade finds the copy already there).
            let backup = match backup::pre_upgrade_backup(&ledger.conn, path, version)? {
                Some(existing) => existing,
                None => {
                    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S-%3f").to_string();
                    backup::create_backup(&ledger.conn, path, &format!("{stamp}-v{version}"))?
                }
            };
            ledger
                .write(|tx| schema::upgrade_from(tx, version))
                .map_err(|error| StoreError::UpgradeFailed {
                    path: path.to_owned(),
                    from: version,
                    backup: backup.clone(),
                    detail: error.log_detail(),
                })?;
        } else if version == 0 {
            ledger.write(|tx| {
                schema::upgrade_from(tx, 0)?;
                plans::insert_seed(tx, &Seed::bundled()?, &now_stamp())
            })?;
        }
        // Switching to WAL writes the file's header: only once the file is a current ledger,
        // so that a refused upgrade leaves the file exactly as it was.
        set_journal_and_sync(&ledger.conn)?;
        Ok((ledger, Opened::Existing))
    }

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
        tx.prepare_cached(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?
        .execute((backup::CHANGE_KEY, new_change_id()))?;
        tx.commit()?;
        Ok(value)
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
    pub fn focused_plan_id(&self) -> Result<i64, StoreError> {
        plans::focused_plan_id(&self.conn, self.focus)
    }

    /// One plan with its sections, tasks, form and reporting rule.
    pub fn plan(&self, plan_id: i64) -> Result<Plan, StoreError> {
        plans::load_plan(&self.conn, plan_id)
    }

    /// The plan in focus (the current plan unless [`Ledger::focus_plan`] chose another) with
    /// its sections, tasks, form and reporting rule.
    pub fn current_plan(&self) -> Result<Plan, StoreError> {
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
        let focus = self.focus;
        self.write(|tx| {
            let plan_id = plans::focused_plan_id(tx, focus)?;
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
        let focus = self.focus;
        self.write(|tx| {
            let plan_id = plans::focused_plan_id(tx, focus)?;
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
        let focus = self.focus;
        self.write(|tx| {
            let plan_id = plans::focused_plan_id(tx, focus)?;
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
        let focus = self.focus;
        self.write(|tx| {
            let plan_id = plans::focused_plan_id(tx, focus)?;
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
        let focus = self.focus;
        self.write(|tx| {
            let plan_id = plans::focused_plan_id(tx, focus)?;
            returns::commit_import(tx, plan_id, parsed, received_on, bytes, &now)
        })
    }

    /// The mailbox settings (the secret is in the system's credential store).
    pub fn mailbox_settings(&self) -> Result<MailboxSettings, StoreError> {
        mail::load_mailbox(&self.conn)
    }

    pub fn save_mailbox_settings(&mut self, settings: &MailboxSettings) -> Result<(), StoreError> {
        self.write(|tx| mail::save_mailbox(tx, settings))
    }

    /// Adds an address a department writes from.
    pub fn add_department_address(
        &mut self,
        department_id: i64,
        address: &str,
    ) -> Result<(), StoreError> {
        let now = now_stamp();
        self.write(|tx| mail::add_address(tx, department_id, address, &now).map(|_| ()))
    }

    /// Forgets an address a department wrote from.
    pub fn remove_department_address(
        &mut self,
        department_id: i64,
        address: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| mail::remove_address(tx, department_id, address))
    }

    /// The message recorded under this Message-ID, if any.
    pub fn mail_seen(&self, message_id: &str) -> Result<Option<MailRecord>, StoreError> {
        mail::seen(&self.conn, message_id)
    }

    /// The UIDVALIDITY and last UID read from a mailbox folder.
    pub fn mail_last_uid(
        &self,
        account: &str,
        folder: &str,
    ) -> Result<Option<(u32, u32)>, StoreError> {
        mail::last_uid(&self.conn, account, folder)
    }

    /// Recorded messages in a state (all, newest 2,000, for `None`).
    /// The folder's mark (UIDVALIDITY, UID up to which all was handled).
    pub fn mail_mark(&self, account: &str, folder: &str) -> Result<Option<(u32, u32)>, StoreError> {
        mail::mark(&self.conn, account, folder)
    }

    /// UIDs recorded from a folder under a UIDVALIDITY above `after`.
    pub fn mail_recorded_uids(
        &self,
        account: &str,
        folder: &str,
        uid_validity: u32,
        after: u32,
    ) -> Result<std::collections::HashSet<u32>, StoreError> {
        mail::recorded_uids(&self.conn, account, folder, uid_validity, after)
    }

    /// Every Message-ID the ledger holds.
    pub fn mail_message_ids(&self) -> Result<std::collections::HashSet<String>, StoreError> {
        mail::message_ids(&self.conn)
    }

    /// Moves the folder's mark on.
    pub fn set_mail_mark(
        &mut self,
        account: &str,
        folder: &str,
        mark: (u32, u32),
    ) -> Result<(), StoreError> {
        self.write(|tx| mail::set_mark(tx, account, folder, mark))
    }

    /// Takes the folder's fetch lock for `token` for `seconds`; refuses while another holds it.
    pub fn lock_mail_folder(
        &mut self,
        account: &str,
        folder: &str,
        token: &str,
        seconds: i64,
    ) -> Result<(), StoreError> {
        let now = chrono::Utc::now().timestamp();
        self.write(|tx| mail::lock_folder(tx, account, folder, token, now, now + seconds))
    }

    /// Gives the folder's fetch lock back.
    pub fn unlock_mail_folder(
        &mut self,
        account: &str,
        folder: &str,
        token: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx| mail::unlock_folder(tx, account, folder, token))
    }

    pub fn mail_messages(&self, state: Option<MailState>) -> Result<Vec<MailRecord>, StoreError> {
        mail::list(&self.conn, state)
    }

    /// Records a message that is not committed (waiting for the user, or refused).
    pub fn record_mail(&mut self, new: &NewMail<'_>) -> Result<i64, StoreError> {
        let now = now_stamp();
        self.write(|tx| mail::record(tx, new, &now))
    }

    /// Marks a recorded message as not a return (or back to waiting).
    pub fn set_mail_state(&mut self, id: i64, state: MailState) -> Result<(), StoreError> {
        let now = now_stamp();
        self.write(|tx| mail::set_state(tx, id, state, None, None, &now))
    }

    /// Commits one e-mail in one transaction: the body's rows (as an e-mail), each attached
    /// return (as a spreadsheet), all received on the message's date; the original archived
    /// by hash; the message recorded (or its waiting record committed); the sender's address
    /// added to the department. Returns how many rows changed.
    pub fn commit_mail(&mut self, commit: &MailCommit<'_>) -> Result<usize, StoreError> {
        let now = now_stamp();
        let focus = self.focus;
        self.write(|tx| {
            let plan_id = plans::focused_plan_id(tx, focus)?;
            let mut changed = 0;
            if let Some(body) = commit.body {
                for row in body.rows.iter().filter(|r| r.accepted) {
                    let write = RowWrite {
                        department_id: body.department.0,
                        period: body.period,
                        key: row.key,
                        progress: row.progress.clone(),
                        remark: row.remark.clone(),
                        source: ReturnSource::Email,
                        received_on: Some(commit.received_on),
                    };
                    if returns::write_row(tx, plan_id, &write, &now)? {
                        changed += 1;
                    }
                }
            }
            for (parsed, bytes) in &commit.attachments {
                changed +=
                    returns::commit_import(tx, plan_id, parsed, commit.received_on, bytes, &now)?;
            }
            match commit.existing {
                Some(id) => mail::set_state(
                    tx,
                    id,
                    MailState::Committed,
                    commit.mail.department_id,
                    commit.mail.period,
                    &now,
                )?,
                None => {
                    mail::record(tx, &commit.mail, &now)?;
                }
            }
            if let Some((department_id, address)) = commit.learn_address {
                mail::add_address(tx, department_id, address, &now)?;
            }
            Ok(changed)
        })
    }

    /// Records a chase e-mail sent under the current plan.
    pub fn record_chase_send(&mut self, send: &ChaseSend) -> Result<(), StoreError> {
        let focus = self.focus;
        self.write(|tx| {
            let plan_id = plans::focused_plan_id(tx, focus)?;
            mail::record_chase(tx, plan_id, send)
        })
    }

    /// Records one chase e-mail that covered several plans: a send per (plan, month), in one
    /// transaction.
    pub fn record_chase_sends(&mut self, sends: &[(i64, ChaseSend)]) -> Result<(), StoreError> {
        self.write(|tx| {
            for (plan_id, send) in sends {
                mail::record_chase(tx, *plan_id, send)?;
            }
            Ok(())
        })
    }

    /// Chase e-mails sent under the current plan, newest first.
    pub fn chase_sends(&self) -> Result<Vec<ChaseSend>, StoreError> {
        let plan_id = plans::focused_plan_id(&self.conn, self.focus)?;
        mail::chase_sends(&self.conn, plan_id)
    }

    /// A return row's earlier values, newest first.
    pub fn row_history(&self, return_row_id: i64) -> Result<Vec<HistoryEntry>, StoreError> {
        returns::history(&self.conn, return_row_id)
    }

    /// Puts an earlier value of a row back; the value it replaces is kept in the history.
    pub fn restore_row(&mut self, history_id: i64) -> Result<(), StoreError> {
        let now = now_stamp();
        let focus = self.focus;
        self.write(|tx| {
            let plan_id = plans::focused_plan_id(tx, focus)?;
            returns::restore(tx, plan_id, history_id, &now)
        })
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
    /// task the carried task it continues; the rest of the carried tasks are closed on `today`.
    pub fn replace_plan(
        &mut self,
        target: i64,
        parsed: &crate::plan_text::ParsedPlan,
        matches: &[Option<i64>],
        source: Option<&SourceFile>,
        today: chrono::NaiveDate,
    ) -> Result<(), StoreError> {
        let now = now_stamp();
        self.write(|tx| new_year::replace_plan(tx, target, parsed, matches, source, today, &now))
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
        let focus = self.focus;
        self.write(|tx| {
            let plan_id = plans::focused_plan_id(tx, focus)?;
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

/// Opens a connection and sets what lives only in the connection (no write to the file).
fn connect_without_changes(path: &Path, extra: OpenFlags) -> Result<Connection, StoreError> {
    // No SQLITE_OPEN_URI: a path such as `file:x?vfs=…` is a file name, never a URI.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | extra;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

/// WAL keeps readers and one writer apart; FULL makes a committed action survive a power cut.
/// Switching to WAL writes the file header, so this runs only on a known ledger.
fn set_journal_and_sync(conn: &Connection) -> Result<(), StoreError> {
    let mode: String =
        conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(StoreError::Invalid(format!(
            "台账文件无法切换到 WAL 日志模式（当前为 {mode}）"
        )));
    }
    conn.pragma_update(None, "synchronous", "FULL")?;
    Ok(())
}

fn read_header(path: &Path) -> Result<[u8; 16], StoreError> {
    use std::io::Read as _;
    let io_error = |source| StoreError::Io {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    let mut header = [0_u8; 16];
    let mut filled = 0;
    while filled < header.len() {
        let read = file.read(&mut header[filled..]).map_err(io_error)?;
        if read == 0 {
            break;
        }
        filled += read;
    }
    Ok(header)
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
