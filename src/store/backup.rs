//! Backups through SQLite's backup API, their retention, and restoring one.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rusqlite::{Connection, OpenFlags, OptionalExtension as _};

use super::StoreError;

/// How backups are kept. The newest few always stay; beyond them one per day for the last
/// days and one per month for the last months, all within a size budget so that a ledger of
/// many years (over 100 MB) does not fill the disk with copies of itself. Backups made before a
/// format upgrade are never removed: they are the only way back to an older program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// The newest backups, kept whatever their size.
    pub newest: usize,
    /// The newest backup of each of this many most recent days.
    pub days: usize,
    /// The newest backup of each of this many most recent months.
    pub months: usize,
    /// Beyond the newest, the oldest are dropped while all backups together exceed this.
    pub budget_bytes: u64,
}

/// The policy the app uses.
pub const RETENTION: RetentionPolicy = RetentionPolicy {
    newest: 5,
    days: 7,
    months: 12,
    budget_bytes: 1024 * 1024 * 1024,
};

/// The settings key whose value changes with every committed write (see [`super::Ledger::write`]):
/// a backup whose value equals the ledger's holds the same data.
pub(crate) const CHANGE_KEY: &str = "change_id";

/// A backup file in the ledger's `backups/` folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackupInfo {
    pub path: PathBuf,
    pub size: u64,
    pub modified: Option<SystemTime>,
}

pub use crate::paths::backup_dir;

fn backup_prefix(ledger_path: &Path) -> String {
    let stem = ledger_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ledger".to_owned());
    format!("{stem}-")
}

/// Backups of this ledger, newest first. Names carry the time, so name order is time order.
pub fn list_backups(ledger_path: &Path) -> Vec<BackupInfo> {
    let prefix = backup_prefix(ledger_path);
    let Ok(entries) = std::fs::read_dir(backup_dir(ledger_path)) else {
        return Vec::new();
    };
    let mut backups: Vec<BackupInfo> = entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            // Files kept aside by a restore are not backups and are never rotated away.
            name.starts_with(&prefix)
                && name.ends_with(".sqlite")
                && !name.contains("-before-restore-")
                && !name.contains("-recovery-")
        })
        .map(|entry| {
            let metadata = entry.metadata().ok();
            BackupInfo {
                path: entry.path(),
                size: metadata.as_ref().map_or(0, |m| m.len()),
                modified: metadata.and_then(|m| m.modified().ok()),
            }
        })
        .collect();
    backups.sort_by(|a, b| b.path.cmp(&a.path));
    backups
}

/// The backup made before upgrading from `version`, when it holds the same data as the ledger
/// now: an upgrade that failed and is tried again does not leave a new copy every time.
pub(crate) fn pre_upgrade_backup(
    conn: &Connection,
    ledger_path: &Path,
    version: i64,
) -> Result<Option<PathBuf>, StoreError> {
    let marker = format!("-v{version}");
    let Some(candidate) = list_backups(ledger_path).into_iter().find(|b| {
        b.path.file_stem().is_some_and(|stem| {
            let stem = stem.to_string_lossy();
            stem.ends_with(&marker) || stem.contains(&format!("{marker}-"))
        })
    }) else {
        return Ok(None);
    };
    let Ok(backup) = Connection::open_with_flags(&candidate.path, OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return Ok(None);
    };
    let same = match (content_digest(conn), content_digest(&backup)) {
        (Ok(ours), Ok(theirs)) => ours == theirs,
        _ => false,
    };
    Ok(same.then_some(candidate.path))
}

/// A digest of every row of every table, to tell whether two files hold the same data.
fn content_digest(conn: &Connection) -> rusqlite::Result<String> {
    use sha2::Digest as _;
    let mut hasher = sha2::Sha256::new();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    for table in tables {
        hasher.update(table.as_bytes());
        let quoted = table.replace('"', "\"\"");
        let mut statement = conn.prepare(&format!("SELECT * FROM \"{quoted}\""))?;
        let columns = statement.column_count();
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            for index in 0..columns {
                let value = row.get_ref(index)?;
                hasher.update(format!("{value:?}").as_bytes());
            }
        }
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// The newest backup of a ledger, if any.
pub fn newest_backup(ledger_path: &Path) -> Option<PathBuf> {
    list_backups(ledger_path)
        .into_iter()
        .next()
        .map(|backup| backup.path)
}

/// Copies the open ledger through SQLite's backup API (safe with WAL and other readers) into
/// `backups/<stem>-YYYYMMDD-HHMMSS-mmm.sqlite`, then thins the backups by [`RETENTION`].
pub(crate) fn create_backup(
    conn: &Connection,
    ledger_path: &Path,
    stamp: &str,
) -> Result<PathBuf, StoreError> {
    let dir = backup_dir(ledger_path);
    std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
        path: dir.clone(),
        source,
    })?;
    let prefix = backup_prefix(ledger_path);
    let mut target = dir.join(format!("{prefix}{stamp}.sqlite"));
    let mut counter = 2;
    while target.exists() {
        target = dir.join(format!("{prefix}{stamp}-{counter}.sqlite"));
        counter += 1;
    }
    // Write under a temporary name first so that a half-written copy never looks like a backup.
    let partial = target.with_extension("partial");
    if let Err(error) = copy_database(conn, &partial) {
        let _ = std::fs::remove_file(&partial);
        return Err(error);
    }
    std::fs::rename(&partial, &target).map_err(|source| StoreError::Io {
        path: target.clone(),
        source,
    })?;
    thin_backups(ledger_path, &RETENTION);
    Ok(target)
}

/// Copies the whole database in one step: one read transaction, so the copy is one moment's
/// state even while the window writes through its own connection (WAL lets both go on).
fn copy_database(conn: &Connection, target: &Path) -> Result<(), StoreError> {
    use rusqlite::backup::{Backup, StepResult};
    let mut destination = Connection::open(target)?;
    let backup = Backup::new(conn, &mut destination)?;
    let mut waits = 0;
    loop {
        match backup.step(-1)? {
            StepResult::Done => return Ok(()),
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked if waits < 100 => {
                waits += 1;
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            StepResult::Busy | StepResult::Locked => return Err(StoreError::Busy),
            // The enum is non-exhaustive; anything new is treated as not finished.
            _ => {}
        }
    }
}

/// The value that changes with every write, or `None` for a file written before it existed
/// (such a ledger is always backed up).
pub(crate) fn change_id(conn: &Connection) -> Result<Option<String>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT value FROM settings WHERE key = ?1",
            [CHANGE_KEY],
            |row| row.get(0),
        )
        .optional()?)
}

/// What the backup at start did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StartBackup {
    /// A new backup.
    Made(PathBuf),
    /// The ledger has not changed since this backup: no copy was made.
    Unchanged(PathBuf),
}

/// The backup at start, running on its own thread with its own read-only connection, so that
/// the window does not wait for a copy of a large ledger.
#[derive(Debug)]
pub struct BackupJob {
    state: JobState,
}

#[derive(Debug)]
enum JobState {
    Running(std::thread::JoinHandle<Result<StartBackup, StoreError>>),
    /// Finished without a thread (none could be started), or its result already taken.
    Done(Option<Result<StartBackup, StoreError>>),
}

impl BackupJob {
    /// Starts backing up the ledger at `ledger_path` unless the newest backup already holds the
    /// same data.
    pub fn start(ledger_path: &Path) -> Self {
        let path = ledger_path.to_owned();
        let state = match std::thread::Builder::new()
            .name("backup".to_owned())
            .spawn(move || backup_if_changed(&path))
        {
            Ok(handle) => JobState::Running(handle),
            // Without a thread, back up here: slower, but never skipped.
            Err(_) => JobState::Done(Some(backup_if_changed(ledger_path))),
        };
        Self { state }
    }

    /// The result once the backup has finished; `None` while it runs or after it was taken.
    pub fn try_finish(&mut self) -> Option<Result<StartBackup, StoreError>> {
        match &self.state {
            JobState::Running(handle) if !handle.is_finished() => None,
            _ => self.wait(),
        }
    }

    /// Waits for the backup to finish; `None` if its result was already taken.
    pub fn wait(&mut self) -> Option<Result<StartBackup, StoreError>> {
        match std::mem::replace(&mut self.state, JobState::Done(None)) {
            JobState::Running(handle) => Some(
                handle
                    .join()
                    .unwrap_or_else(|_| Err(StoreError::Invalid("备份线程意外中止".to_owned()))),
            ),
            JobState::Done(result) => result,
        }
    }
}

fn backup_if_changed(ledger_path: &Path) -> Result<StartBackup, StoreError> {
    let conn = Connection::open_with_flags(
        ledger_path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    if let Some(current) = change_id(&conn)?
        && let Some(newest) = newest_backup(ledger_path)
        && backup_change_id(&newest).as_deref() == Some(current.as_str())
    {
        return Ok(StartBackup::Unchanged(newest));
    }
    let stamp = chrono::Local::now().format("%Y%m%d-%H%M%S-%3f").to_string();
    create_backup(&conn, ledger_path, &stamp).map(StartBackup::Made)
}

fn backup_change_id(backup: &Path) -> Option<String> {
    let conn = Connection::open_with_flags(backup, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    change_id(&conn).ok().flatten()
}

/// Removes the backups that [`RETENTION`] no longer keeps, and copies left half-written by a
/// process that was stopped during a backup. A file that cannot be removed now is removed at
/// a later backup.
fn thin_backups(ledger_path: &Path, policy: &RetentionPolicy) {
    for path in backups_to_remove(&list_backups(ledger_path), policy) {
        let _ = std::fs::remove_file(path);
    }
    let prefix = backup_prefix(ledger_path);
    if let Ok(entries) = std::fs::read_dir(backup_dir(ledger_path)) {
        let an_hour_ago = SystemTime::now() - std::time::Duration::from_secs(3600);
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|modified| modified < an_hour_ago);
            if name.starts_with(&prefix) && name.ends_with(".partial") && stale {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// Which of `backups` (newest first, as [`list_backups`] gives them) the policy drops.
pub fn backups_to_remove(backups: &[BackupInfo], policy: &RetentionPolicy) -> Vec<PathBuf> {
    let names: Vec<Option<BackupName>> = backups.iter().map(|b| parse_name(&b.path)).collect();
    let is_upgrade = |index: usize| names[index].as_ref().is_some_and(|name| name.upgrade);
    let mut keep = vec![false; backups.len()];
    let mut mark_newest_of = |key: fn(&BackupName) -> &String, count: usize| {
        let mut seen: Vec<&String> = Vec::new();
        for (index, name) in names.iter().enumerate() {
            let Some(name) = name else { continue };
            let group = key(name);
            if seen.contains(&group) {
                continue;
            }
            if seen.len() == count {
                break;
            }
            seen.push(group);
            keep[index] = true;
        }
    };
    mark_newest_of(|name| &name.day, policy.days);
    mark_newest_of(|name| &name.month, policy.months);
    for flag in keep.iter_mut().take(policy.newest) {
        *flag = true;
    }
    // Within the budget, older kept backups go first; the newest are never dropped.
    let mut total: u64 = backups
        .iter()
        .zip(&keep)
        .filter(|(_, kept)| **kept)
        .map(|(backup, _)| backup.size)
        .sum();
    for index in (policy.newest..backups.len()).rev() {
        if total <= policy.budget_bytes {
            break;
        }
        if keep[index] && !is_upgrade(index) {
            keep[index] = false;
            total -= backups[index].size;
        }
    }
    backups
        .iter()
        .zip(keep)
        .enumerate()
        .filter(|(index, (_, kept))| !kept && !is_upgrade(*index))
        .map(|(_, (backup, _))| backup.path.clone())
        .collect()
}

/// What a backup's name says: `<stem>-YYYYMMDD-HHMMSS-mmm[-vN][-k].sqlite`.
struct BackupName {
    day: String,
    month: String,
    /// Made before a format upgrade from version N.
    upgrade: bool,
}

fn parse_name(path: &Path) -> Option<BackupName> {
    let stem = path.file_stem()?.to_string_lossy().into_owned();
    let parts: Vec<&str> = stem.split('-').collect();
    let digits =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| b.is_ascii_digit());
    // The stem of the ledger may hold dashes and digits itself, so the stamp is found from the
    // end.
    let at = (0..parts.len().saturating_sub(1))
        .rev()
        .find(|&i| digits(parts[i], 8) && digits(parts[i + 1], 6))?;
    let day = parts[at].to_owned();
    let upgrade = parts[at + 2..].iter().any(|part| {
        part.len() > 1 && part.starts_with('v') && part[1..].bytes().all(|b| b.is_ascii_digit())
    });
    Some(BackupName {
        month: day[..6].to_owned(),
        day,
        upgrade,
    })
}

/// Puts a backup in the ledger's place. The ledger must be closed. The current file (and any
/// journal files beside it) is kept aside as `<stem>-before-restore-<stamp>.sqlite` in the
/// backups folder; the backup is copied under a temporary name first. Returns where the
/// current file was put. On failure the current file is back where it was.
pub fn restore_backup(
    ledger_path: &Path,
    backup: &Path,
    stamp: &str,
) -> Result<PathBuf, StoreError> {
    // Only a backup that opens as a ledger of a version this build reads is used.
    {
        let conn = Connection::open_with_flags(backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|error| StoreError::from(error).for_file(backup))?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|error| StoreError::from(error).for_file(backup))?;
        if version == 0 || version > super::schema::VERSION {
            return Err(StoreError::NotALedger {
                path: backup.to_owned(),
            });
        }
        let check: String = conn
            .query_row("PRAGMA quick_check", [], |row| row.get(0))
            .map_err(|error| StoreError::from(error).for_file(backup))?;
        if check != "ok" {
            return Err(StoreError::Corrupt {
                path: backup.to_owned(),
                newest_backup: None,
            });
        }
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| StoreError::Io { path, source }
    };
    let dir = backup_dir(ledger_path);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let stem = ledger_path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ledger".to_owned());
    let aside = dir.join(format!("{stem}-before-restore-{stamp}.sqlite"));
    // The copy goes to a name of our own, made new here, so that no file of the user's is
    // overwritten or removed on the way.
    let incoming = {
        let mut name = ledger_path.as_os_str().to_owned();
        name.push(format!(".{}-{stamp}.restoring", std::process::id()));
        PathBuf::from(name)
    };
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&incoming)
        .map_err(io(&incoming))?;
    if let Err(source) = std::fs::copy(backup, &incoming) {
        let _ = std::fs::remove_file(&incoming);
        return Err(StoreError::Io {
            path: incoming,
            source,
        });
    }
    if ledger_path.exists() {
        if let Err(source) = std::fs::rename(ledger_path, &aside) {
            let _ = std::fs::remove_file(&incoming);
            return Err(StoreError::Io {
                path: aside,
                source,
            });
        }
        for suffix in ["-wal", "-shm"] {
            let mut journal = ledger_path.as_os_str().to_owned();
            journal.push(suffix);
            let journal = PathBuf::from(journal);
            if journal.exists() {
                let mut kept = aside.as_os_str().to_owned();
                kept.push(suffix);
                let _ = std::fs::rename(&journal, PathBuf::from(kept));
            }
        }
    }
    if let Err(source) = std::fs::rename(&incoming, ledger_path) {
        let _ = std::fs::rename(&aside, ledger_path);
        let _ = std::fs::remove_file(&incoming);
        return Err(StoreError::Io {
            path: ledger_path.to_owned(),
            source,
        });
    }
    Ok(aside)
}
