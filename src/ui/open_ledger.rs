//! The ledger as the window holds it: opened (checked, locked, upgraded, its data read and its
//! backup at start begun), read again after a change, and asked whether another writer
//! committed since.

use std::path::Path;

use chrono::NaiveDate;

use super::state::AppData;
use crate::store::{BackupJob, Ledger, LedgerLock, Opened, StoreError};

/// The ledger open in the window, with the views' data.
pub(super) struct OpenLedger {
    pub(super) ledger: Ledger,
    _lock: LedgerLock,
    pub(super) data: AppData,
    /// The backup at start, while it runs.
    pub(super) backup_job: Option<BackupJob>,
    /// The ledger's data version when `data` was read: another writer's commit changes it.
    pub(super) data_version: i64,
}

impl OpenLedger {
    /// Reads the views' data again (a history on show stays on show, with its new entries).
    pub(super) fn reload(&mut self) -> Result<(), StoreError> {
        let mut data = AppData::load(&self.ledger, self.data.today, &self.data.holidays)?;
        if let Some((row_id, _)) = self.data.history {
            data.history = self.ledger.row_history(row_id).ok().map(|h| (row_id, h));
        }
        if let Some((row_id, _)) = self.data.sheet_history {
            data.sheet_history = self
                .ledger
                .sheet_row_history(row_id)
                .ok()
                .map(|h| (row_id, h));
        }
        data.version = self.data.version + 1;
        self.data = data;
        self.data_version = self.ledger.data_version()?;
        Ok(())
    }

    /// Whether another writer committed since the data was read.
    pub(super) fn changed_elsewhere(&self) -> bool {
        self.ledger
            .data_version()
            .is_ok_and(|version| version != self.data_version)
    }
}

pub(super) enum LedgerState {
    Open(Box<OpenLedger>),
    /// The ledger could not be opened; the message says why and what to do.
    Failed(String),
}

pub(super) fn open_ledger(
    ledger_path: &Path,
    today: NaiveDate,
    holidays: &crate::holidays::HolidayCalendar,
) -> Result<OpenLedger, StoreError> {
    // A folder, a FIFO or a device is refused before the lock file is made beside it.
    Ledger::check_path(ledger_path)?;
    let lock = LedgerLock::acquire(ledger_path)?;
    let (mut ledger, opened) = Ledger::open_locked(ledger_path, &lock)?;
    // A ledger the window has just made asks how to start: own plan, example or blank.
    if opened == Opened::Created {
        ledger.set_first_start_pending(true)?;
    }
    let data = AppData::load(&ledger, today, holidays)?;
    // A new ledger holds only the bundled plan: nothing to back up yet.
    let backup_job = (opened == Opened::Existing).then(|| BackupJob::start(ledger_path));
    let data_version = ledger.data_version()?;
    Ok(OpenLedger {
        ledger,
        _lock: lock,
        data,
        backup_job,
        data_version,
    })
}
