//! Opening a ledger: the checks made before SQLite sees a path, a new ledger seeded, an older
//! one upgraded inside one transaction (a refused upgrade leaves the file as it was), WAL and
//! `synchronous=FULL` switched on only once the file is a current ledger.

use super::*;

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
