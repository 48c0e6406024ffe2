//! The ledger on real SQLite files in temp folders.
#![expect(clippy::unwrap_used)]

mod common;

use chrono::NaiveDate;
use common::TempLedger;
use taizhang::model::{Milestone, Role};
use taizhang::store::{
    BackupInfo, BackupJob, DepartmentEdit, Ledger, LedgerLock, Opened, RETENTION, RetentionPolicy,
    StartBackup, StoreError, TaskEdit, VERSION, backups_to_remove, list_backups,
};

fn schema_of(path: &std::path::Path) -> Vec<(String, String, Option<String>)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut statement = conn
        .prepare("SELECT type, name, sql FROM sqlite_master ORDER BY type, name")
        .unwrap();
    statement
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_missing_file_becomes_a_seeded_ledger() {
    let temp = TempLedger::new();
    let (ledger, opened) = Ledger::open(&temp.path).unwrap();
    assert_eq!(opened, Opened::Created);
    assert_eq!(ledger.schema_version().unwrap(), VERSION);
    assert_eq!(ledger.integrity_check().unwrap(), "ok");
    let plan = ledger.focused_plan().unwrap();
    assert_eq!(plan.document_number, "融政办发〔2019〕84号");
    assert_eq!(plan.tasks().count(), 23);
    assert_eq!(plan.form.rows().count(), 31);
    assert_eq!(plan.reporting.due_day, 3);
    let task = plan.tasks().find(|t| t.code == "1.3").unwrap();
    assert_eq!(task.leads[0].name, "县农业农村局");
    assert_eq!(task.leads[0].scope, "负责农用地");
    assert_eq!(task.leads[1].scope, "负责企业用地");
    assert_eq!(ledger.departments().unwrap().len(), 23);
    assert_eq!(ledger.settings().unwrap().unit, "融水生态环境局生态股");
}

#[test]
fn an_empty_file_is_upgraded_from_version_zero_like_a_new_one() {
    let temp = TempLedger::new();
    std::fs::write(&temp.path, b"").unwrap();
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    assert_eq!(ledger.focused_plan().unwrap().tasks().count(), 23);
    drop(ledger);

    let fresh = TempLedger::new();
    drop(Ledger::open(&fresh.path).unwrap());
    assert_eq!(schema_of(&temp.path), schema_of(&fresh.path));
}

#[test]
fn reopening_keeps_the_data_and_does_not_seed_twice() {
    let temp = TempLedger::new();
    drop(Ledger::open(&temp.path).unwrap());
    let before = schema_of(&temp.path);
    let (ledger, opened) = Ledger::open(&temp.path).unwrap();
    assert_eq!(opened, Opened::Existing);
    assert_eq!(ledger.focused_plan().unwrap().tasks().count(), 23);
    assert_eq!(ledger.departments().unwrap().len(), 23);
    drop(ledger);
    assert_eq!(schema_of(&temp.path), before);
}

#[test]
fn every_foreign_key_has_an_index() {
    let temp = TempLedger::new();
    drop(Ledger::open(&temp.path).unwrap());
    let conn = rusqlite::Connection::open(&temp.path).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for table in tables {
        let keys: Vec<String> = conn
            .prepare(&format!(
                "SELECT \"from\" FROM pragma_foreign_key_list('{table}')"
            ))
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for column in keys {
            let is_rowid: bool = conn
                .query_row(
                    &format!(
                        "SELECT count(*) = 1 FROM pragma_table_info('{table}')
                         WHERE pk > 0 AND name = ?1 AND type = 'INTEGER'
                         AND (SELECT count(*) FROM pragma_table_info('{table}') WHERE pk > 0) = 1"
                    ),
                    [&column],
                    |row| row.get(0),
                )
                .unwrap();
            if is_rowid {
                continue;
            }
            let indexed: i64 = conn
                .query_row(
                    &format!(
                        "SELECT count(*) FROM pragma_index_list('{table}') l
                         JOIN pragma_index_info(l.name) i WHERE i.seqno = 0 AND i.name = ?1"
                    ),
                    [&column],
                    |row| row.get(0),
                )
                .unwrap();
            assert!(indexed > 0, "{table}.{column} has no index");
        }
    }
}

#[test]
fn a_failed_action_writes_nothing() {
    let temp = TempLedger::new();
    let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
    let result: Result<(), StoreError> = ledger.write(|tx| {
        tx.execute("UPDATE departments SET phone = '123'", [])?;
        Err(StoreError::Invalid("故意失败".to_owned()))
    });
    assert!(result.is_err());
    assert!(
        ledger
            .departments()
            .unwrap()
            .iter()
            .all(|d| d.phone.is_empty())
    );

    // A department edit that clashes with another department's name changes nothing at all,
    // not even the phone typed in the same edit.
    let departments = ledger.departments().unwrap();
    let mut edit = DepartmentEdit::from_department(&departments[1]);
    edit.phone = "0772-5120000".to_owned();
    edit.aliases.push("自然规划局".to_owned());
    let error = ledger.update_department(&edit).unwrap_err().to_string();
    assert!(
        error.contains("自然规划局") && error.contains("县自然规划局"),
        "{error}"
    );
    assert_eq!(ledger.departments().unwrap(), departments);
}

#[test]
fn a_department_edit_is_saved_and_a_renamed_department_keeps_its_old_name_as_alias() {
    let temp = TempLedger::new();
    let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
    let department = ledger
        .departments()
        .unwrap()
        .into_iter()
        .find(|d| d.name == "县自然规划局")
        .unwrap();
    let mut edit = DepartmentEdit::from_department(&department);
    edit.name = "县自然资源局（新）".to_owned();
    edit.contact_person = "张三".to_owned();
    edit.phone = " 0772-5121234 ".to_owned();
    edit.email = "zrzy@example.cn".to_owned();
    ledger.update_department(&edit).unwrap();
    drop(ledger);

    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let saved = ledger
        .departments()
        .unwrap()
        .into_iter()
        .find(|d| d.id == department.id)
        .unwrap();
    assert_eq!(saved.name, "县自然资源局（新）");
    assert_eq!(saved.phone, "0772-5121234");
    assert_eq!(saved.contact_person, "张三");
    assert!(saved.aliases.contains(&"县自然规划局".to_owned()));
    assert!(saved.aliases.contains(&"自然规划局".to_owned()));
    // The plan names the department by its new name everywhere.
    let plan = ledger.focused_plan().unwrap();
    let task = plan.tasks().find(|t| t.code == "5.2").unwrap();
    assert_eq!(task.leads[0].name, "县自然资源局（新）");
}

#[test]
fn a_task_edit_is_saved_and_milestones_keep_their_ids() {
    let temp = TempLedger::new();
    let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let task = plan.tasks().find(|t| t.code == "1.1").unwrap().clone();
    let forestry = ledger
        .departments()
        .unwrap()
        .into_iter()
        .find(|d| d.name == "县林业局")
        .unwrap();
    let mut edit = TaskEdit::from_task(&task);
    edit.title = "完成农用地土壤污染状况详查（修订）".to_owned();
    edit.participants.remove(0);
    edit.participants.push(taizhang::model::TaskDepartment {
        department_id: forestry.id,
        name: forestry.name.clone(),
        scope: String::new(),
    });
    edit.milestones.remove(1);
    edit.milestones.push(Milestone {
        id: 0,
        due_date: NaiveDate::from_ymd_opt(2019, 11, 30).unwrap(),
        wording: "11月底前".to_owned(),
        clause: "完成成果集成".to_owned(),
        done_on: None,
        done_note: String::new(),
    });
    ledger.update_task(&edit).unwrap();
    drop(ledger);

    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let saved = plan.tasks().find(|t| t.code == "1.1").unwrap();
    assert_eq!(saved.title, "完成农用地土壤污染状况详查（修订）");
    let participants: Vec<&str> = saved
        .departments(Role::Participant)
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(participants, ["县自然规划局", "县林业局"]);
    assert_eq!(saved.milestones.len(), 2);
    assert_eq!(saved.milestones[0].id, task.milestones[0].id);
    assert_eq!(saved.milestones[1].wording, "11月底前");
    assert_eq!(
        saved.milestones[1].due_date,
        NaiveDate::from_ymd_opt(2019, 11, 30).unwrap()
    );
}

#[test]
fn an_invalid_task_edit_is_refused_whole() {
    let temp = TempLedger::new();
    let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
    let before = ledger.focused_plan().unwrap();
    let task = before.tasks().find(|t| t.code == "1.3").unwrap();

    let mut no_leads = TaskEdit::from_task(task);
    no_leads.title = "改了名字".to_owned();
    no_leads.leads.clear();
    assert!(
        ledger
            .update_task(&no_leads)
            .unwrap_err()
            .to_string()
            .contains("牵头")
    );

    let mut both = TaskEdit::from_task(task);
    both.title = "改了名字".to_owned();
    both.participants.push(both.leads[0].clone());
    assert!(
        ledger
            .update_task(&both)
            .unwrap_err()
            .to_string()
            .contains("既牵头又参与")
    );

    assert_eq!(ledger.focused_plan().unwrap(), before);
}

#[test]
fn settings_and_due_day_are_saved() {
    let temp = TempLedger::new();
    let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
    let mut settings = ledger.settings().unwrap();
    settings.contact_person = "李四".to_owned();
    ledger.update_settings(&settings).unwrap();
    ledger.set_due_day(5).unwrap();
    assert!(ledger.set_due_day(31).is_err());
    drop(ledger);
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    assert_eq!(ledger.settings().unwrap().contact_person, "李四");
    assert_eq!(ledger.focused_plan().unwrap().reporting.due_day, 5);
}

#[test]
fn backups_are_real_ledgers_and_same_day_backups_are_thinned_to_the_newest() {
    let temp = TempLedger::new();
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let first = ledger.backup().unwrap();
    assert!(first.starts_with(temp.dir.path().join("backups")));
    let (copy, opened) = Ledger::open(&first).unwrap();
    assert_eq!(opened, Opened::Existing);
    assert_eq!(copy.focused_plan().unwrap().tasks().count(), 23);
    drop(copy);

    // A copy left half-written by a process stopped an hour ago is cleared away.
    let stale = temp
        .dir
        .path()
        .join("backups")
        .join("ledger-20260101-000000-000.partial");
    let file = std::fs::File::create(&stale).unwrap();
    file.set_modified(std::time::SystemTime::now() - std::time::Duration::from_secs(7200))
        .unwrap();
    drop(file);

    let mut newest = first.clone();
    for _ in 0..RETENTION.newest + 4 {
        newest = ledger.backup().unwrap();
    }
    // All made today: the newest few stay, the older ones of the same day go.
    let backups = list_backups(&temp.path);
    assert_eq!(backups.len(), RETENTION.newest);
    assert_eq!(backups[0].path, newest);
    assert!(!first.exists(), "the oldest backup is removed");
    assert!(!stale.exists(), "a stale partial copy is removed");
    assert!(
        std::fs::read_dir(temp.dir.path().join("backups"))
            .unwrap()
            .all(|e| !e.unwrap().path().to_string_lossy().ends_with(".partial"))
    );
}

fn backup_named(name: &str, size: u64) -> BackupInfo {
    BackupInfo {
        path: std::path::PathBuf::from("backups").join(name),
        size,
        modified: None,
    }
}

/// Backups newest first, as `list_backups` gives them: `per_day` on each of `days` days
/// counted back from 2026-11-28.
fn backups_over(days: i64, per_day: u32, size: u64) -> Vec<BackupInfo> {
    let last = NaiveDate::from_ymd_opt(2026, 11, 28).unwrap();
    let mut backups = Vec::new();
    for back in 0..days {
        let day = last - chrono::Duration::days(back);
        for hour in (0..per_day).rev() {
            backups.push(backup_named(
                &format!(
                    "my-ledger-2-{}-{:02}0000-000.sqlite",
                    day.format("%Y%m%d"),
                    hour + 8
                ),
                size,
            ));
        }
    }
    backups
}

#[test]
fn retention_keeps_the_newest_one_a_day_for_a_week_and_one_a_month_for_a_year() {
    // Two years of backups, three a day.
    let mut backups = backups_over(730, 3, 1024 * 1024);
    // A backup before a format upgrade, long ago, is never removed.
    backups.push(backup_named(
        "my-ledger-2-20240105-090000-000-v1.sqlite",
        1024 * 1024,
    ));
    let removed = backups_to_remove(&backups, &RETENTION);
    let kept: Vec<String> = backups
        .iter()
        .filter(|b| !removed.contains(&b.path))
        .map(|b| b.path.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let expected = [
        // The newest five: all three of the 28th, two of the 27th.
        "my-ledger-2-20261128-100000-000.sqlite",
        "my-ledger-2-20261128-090000-000.sqlite",
        "my-ledger-2-20261128-080000-000.sqlite",
        "my-ledger-2-20261127-100000-000.sqlite",
        "my-ledger-2-20261127-090000-000.sqlite",
        // The newest of each of the last seven days (the 28th and 27th are in already).
        "my-ledger-2-20261126-100000-000.sqlite",
        "my-ledger-2-20261125-100000-000.sqlite",
        "my-ledger-2-20261124-100000-000.sqlite",
        "my-ledger-2-20261123-100000-000.sqlite",
        "my-ledger-2-20261122-100000-000.sqlite",
        // The newest of each of the last twelve months (November is in already).
        "my-ledger-2-20261031-100000-000.sqlite",
        "my-ledger-2-20260930-100000-000.sqlite",
        "my-ledger-2-20260831-100000-000.sqlite",
        "my-ledger-2-20260731-100000-000.sqlite",
        "my-ledger-2-20260630-100000-000.sqlite",
        "my-ledger-2-20260531-100000-000.sqlite",
        "my-ledger-2-20260430-100000-000.sqlite",
        "my-ledger-2-20260331-100000-000.sqlite",
        "my-ledger-2-20260228-100000-000.sqlite",
        "my-ledger-2-20260131-100000-000.sqlite",
        "my-ledger-2-20251231-100000-000.sqlite",
        "my-ledger-2-20240105-090000-000-v1.sqlite",
    ];
    assert_eq!(kept, expected);
}

#[test]
fn retention_keeps_large_backups_within_the_budget_but_never_fewer_than_the_newest() {
    let policy = RetentionPolicy {
        budget_bytes: 1000,
        ..RETENTION
    };
    // 100 bytes each: the budget holds ten; the daily and monthly ones beyond go, oldest first.
    let backups = backups_over(400, 1, 100);
    let removed = backups_to_remove(&backups, &policy);
    let kept: Vec<&BackupInfo> = backups
        .iter()
        .filter(|b| !removed.contains(&b.path))
        .collect();
    assert_eq!(kept.len(), 10);
    assert_eq!(kept.iter().map(|b| b.size).sum::<u64>(), 1000);
    // The newest seven days are the daily ones, then the newest of three months…
    assert!(
        kept[0]
            .path
            .ends_with("my-ledger-2-20261128-080000-000.sqlite")
    );
    assert!(
        kept[9]
            .path
            .ends_with("my-ledger-2-20260831-080000-000.sqlite")
    );

    // …and backups larger than the whole budget still keep the newest five.
    let huge = backups_over(30, 1, 10_000);
    let removed = backups_to_remove(&huge, &policy);
    assert_eq!(huge.len() - removed.len(), RETENTION.newest);
    assert!(!removed.contains(&huge[0].path));
}

#[test]
fn the_backup_at_start_copies_only_a_ledger_that_changed() {
    let temp = TempLedger::new();
    let (mut ledger, _) = Ledger::open(&temp.path).unwrap();

    let first = match BackupJob::start(&temp.path).wait().unwrap().unwrap() {
        StartBackup::Made(path) => path,
        other => panic!("{other:?}"),
    };
    let (copy, _) = Ledger::open(&first).unwrap();
    assert_eq!(copy.focused_plan().unwrap(), ledger.focused_plan().unwrap());
    drop(copy);

    // Nothing written since: no second copy.
    assert_eq!(
        BackupJob::start(&temp.path).wait().unwrap().unwrap(),
        StartBackup::Unchanged(first.clone())
    );
    assert_eq!(list_backups(&temp.path).len(), 1);

    // One save, and the next start copies again, while this connection stays open and writes.
    let mut settings = ledger.settings().unwrap();
    settings.phone = "5120000".to_owned();
    ledger.update_settings(&settings).unwrap();
    let mut job = BackupJob::start(&temp.path);
    settings.phone = "5120001".to_owned();
    ledger.update_settings(&settings).unwrap();
    let second = match job.wait().unwrap().unwrap() {
        StartBackup::Made(path) => path,
        other => panic!("{other:?}"),
    };
    assert_ne!(second, first);
    assert_eq!(list_backups(&temp.path).len(), 2);
    let (copy, _) = Ledger::open(&second).unwrap();
    let phone = copy.settings().unwrap().phone;
    assert!(
        phone == "5120000" || phone == "5120001",
        "the copy is one moment's state: {phone}"
    );
    assert_eq!(copy.integrity_check().unwrap(), "ok");
}

#[test]
fn a_read_only_ledger_is_refused_with_a_clear_message_and_left_untouched() {
    let temp = TempLedger::new();
    let backup = {
        let (ledger, _) = Ledger::open(&temp.path).unwrap();
        ledger.backup().unwrap()
    };
    let mut permissions = std::fs::metadata(&temp.path).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&temp.path, permissions.clone()).unwrap();
    let before = std::fs::read(&temp.path).unwrap();

    let error = Ledger::open(&temp.path).unwrap_err();
    assert!(matches!(error, StoreError::ReadOnly { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("只读"), "{message}");
    assert!(message.contains("未作任何改动"), "{message}");
    assert!(
        message.contains(&temp.path.display().to_string()),
        "{message}"
    );
    assert!(
        message.contains(&backup.display().to_string()),
        "the newest backup is named: {message}"
    );
    assert_eq!(std::fs::read(&temp.path).unwrap(), before);
    let mut wal = temp.path.as_os_str().to_owned();
    wal.push("-wal");
    assert!(!std::path::Path::new(&wal).exists(), "no journal was made");

    // With the attribute cleared, the same file opens as it was.
    #[expect(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&temp.path, permissions).unwrap();
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    assert_eq!(ledger.integrity_check().unwrap(), "ok");
}

#[test]
fn a_corrupt_file_is_refused_and_left_untouched() {
    let temp = TempLedger::new();
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let backup = ledger.backup().unwrap();
    drop(ledger);

    let garbage: Vec<u8> = (0..50_000_u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(&temp.path, &garbage).unwrap();
    let error = Ledger::open(&temp.path).unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains("已损坏"), "{message}");
    assert!(
        message.contains(&temp.path.display().to_string()),
        "{message}"
    );
    assert!(message.contains(&backup.display().to_string()), "{message}");
    assert!(
        std::fs::read(&temp.path).unwrap() == garbage,
        "the file was changed"
    );
}

#[test]
fn a_file_with_a_sqlite_header_but_damaged_pages_is_refused_and_left_untouched() {
    let temp = TempLedger::new();
    drop(Ledger::open(&temp.path).unwrap());
    let mut bytes = std::fs::read(&temp.path).unwrap();
    for byte in bytes.iter_mut().skip(100).take(4000) {
        *byte = 0xA5;
    }
    std::fs::write(&temp.path, &bytes).unwrap();
    let error = Ledger::open(&temp.path).unwrap_err();
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error:?}");
    assert!(
        std::fs::read(&temp.path).unwrap() == bytes,
        "the file was changed"
    );
}

#[test]
fn another_programs_database_is_not_taken_over() {
    let temp = TempLedger::new();
    {
        let conn = rusqlite::Connection::open(&temp.path).unwrap();
        conn.execute_batch("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('x');")
            .unwrap();
    }
    let before = std::fs::read(&temp.path).unwrap();
    let error = Ledger::open(&temp.path).unwrap_err();
    assert!(matches!(error, StoreError::NotALedger { .. }), "{error:?}");
    assert!(
        std::fs::read(&temp.path).unwrap() == before,
        "the file was changed"
    );
}

#[test]
fn a_ledger_from_a_newer_version_is_refused() {
    let temp = TempLedger::new();
    drop(Ledger::open(&temp.path).unwrap());
    {
        let conn = rusqlite::Connection::open(&temp.path).unwrap();
        conn.pragma_update(None, "user_version", VERSION + 1)
            .unwrap();
    }
    let error = Ledger::open(&temp.path).unwrap_err();
    assert!(matches!(error, StoreError::TooNew { .. }), "{error:?}");
    assert!(error.to_string().contains("升级"));
}

#[test]
fn a_second_window_on_the_same_ledger_is_told_it_is_open_elsewhere() {
    let temp = TempLedger::new();
    let lock = LedgerLock::acquire(&temp.path).unwrap();
    let error = LedgerLock::acquire(&temp.path).unwrap_err();
    assert!(
        matches!(error, StoreError::OpenElsewhere { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("另一个台账窗口"));
    drop(lock);
    assert!(
        LedgerLock::acquire(&temp.path).is_ok(),
        "the lock goes with its holder"
    );
}

#[test]
fn two_connections_on_one_ledger_see_each_others_commits() {
    let temp = TempLedger::new();
    let (mut first, _) = Ledger::open(&temp.path).unwrap();
    let (second, _) = Ledger::open(&temp.path).unwrap();
    let mut settings = first.settings().unwrap();
    settings.phone = "5129999".to_owned();
    first.update_settings(&settings).unwrap();
    assert_eq!(second.settings().unwrap().phone, "5129999");
}

#[test]
fn a_ledger_locked_by_another_program_gives_a_clear_message_and_no_damage() {
    let temp = TempLedger::new();
    let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
    let other = rusqlite::Connection::open(&temp.path).unwrap();
    other
        .execute_batch("BEGIN EXCLUSIVE; UPDATE settings SET value = value;")
        .unwrap();
    let mut settings = ledger.settings().unwrap();
    settings.contact_person = "等一等".to_owned();
    let error = ledger.update_settings(&settings).unwrap_err();
    assert!(matches!(error, StoreError::Busy), "{error:?}");
    assert!(error.to_string().contains("占用"));
    other.execute_batch("COMMIT").unwrap();
    drop(other);
    ledger.update_settings(&settings).unwrap();
    assert_eq!(ledger.settings().unwrap().contact_person, "等一等");
    assert_eq!(ledger.integrity_check().unwrap(), "ok");
}

#[test]
fn a_full_disk_refuses_the_write_and_keeps_what_was_there() {
    let temp = TempLedger::new();
    let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
    // SQLite's page limit stands in for a full disk.
    ledger
        .write(|tx| {
            let pages: i64 = tx.query_row("PRAGMA page_count", [], |row| row.get(0))?;
            tx.query_row(
                &format!("PRAGMA max_page_count = {}", pages + 2),
                [],
                |_| Ok(()),
            )?;
            Ok(())
        })
        .unwrap();
    let before = ledger.focused_plan().unwrap();
    let task = before.tasks().next().unwrap();
    let mut edit = TaskEdit::from_task(task);
    edit.title = "很长".repeat(200_000);
    let error = ledger.update_task(&edit).unwrap_err();
    assert!(matches!(error, StoreError::DiskFull), "{error:?}");
    assert!(error.to_string().contains("磁盘空间已满"));
    assert_eq!(ledger.focused_plan().unwrap(), before);
    assert_eq!(ledger.integrity_check().unwrap(), "ok");
}

#[test]
fn a_ledger_held_by_another_program_is_refused_at_open_with_a_clear_message() {
    let temp = TempLedger::new();
    drop(Ledger::open(&temp.path).unwrap());
    let before = std::fs::read(&temp.path).unwrap();
    // Another program holds the file exclusively (SQLite's exclusive locking mode).
    let other = rusqlite::Connection::open(&temp.path).unwrap();
    other
        .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;")
        .unwrap();
    let error = Ledger::open(&temp.path).unwrap_err();
    assert!(matches!(error, StoreError::Busy), "{error:?}");
    assert!(error.to_string().contains("另一个程序占用"), "{error}");
    drop(other);
    assert_eq!(std::fs::read(&temp.path).unwrap(), before);
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    assert_eq!(ledger.integrity_check().unwrap(), "ok");
}

/// The columns version 4 added, as (table, column).
const V4_COLUMNS: [(&str, &str); 8] = [
    ("plans", "kind"),
    ("plans", "state"),
    ("plans", "notes"),
    ("plans", "reporting_from"),
    ("plans", "carried_from"),
    ("tasks", "deadline"),
    ("tasks", "closed_on"),
    ("tasks", "carried_from"),
];

/// The columns versions 7 and 8 added to tables of version 3 and later, as (table, column).
const V7_COLUMNS: [(&str, &str); 7] = [
    ("returns", "sent_back_at"),
    ("chase_sends", "outcome"),
    ("chase_sends", "reason"),
    ("chase_sends", "message_id"),
    ("mail_sends", "outcome"),
    ("mail_sends", "reason"),
    ("mail_sends", "message_id"),
];

/// Takes a current ledger back to version 3: drops what versions 4 and 7 added (tables added
/// later are the caller's to drop).
fn take_back_version_four(conn: &rusqlite::Connection) {
    conn.execute_batch("DROP INDEX plans_state; DROP TABLE IF EXISTS send_backs; DROP TABLE IF EXISTS return_files;")
        .unwrap();
    for (table, column) in V4_COLUMNS {
        conn.execute_batch(&format!("ALTER TABLE {table} DROP COLUMN {column};"))
            .unwrap();
    }
    for (table, column) in V7_COLUMNS {
        let exists: bool = conn
            .query_row(
                "SELECT EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2)",
                (table, column),
                |row| row.get(0),
            )
            .unwrap();
        if exists {
            conn.execute_batch(&format!("ALTER TABLE {table} DROP COLUMN {column};"))
                .unwrap();
        }
    }
}

/// A table's rows as text, in the columns a version-3 file had (version 4 added some).
fn rows_before_version_four(conn: &rusqlite::Connection, table: &str) -> Vec<String> {
    let columns: Vec<String> = conn
        .prepare(&format!("SELECT name FROM pragma_table_info('{table}')"))
        .unwrap()
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap()
        .into_iter()
        .filter(|column| {
            !V4_COLUMNS.contains(&(table, column.as_str()))
                && !V7_COLUMNS.contains(&(table, column.as_str()))
        })
        .map(|column| format!("\"{column}\""))
        .collect();
    let mut statement = conn
        .prepare(&format!(
            "SELECT {} FROM \"{table}\" ORDER BY rowid",
            columns.join(", ")
        ))
        .unwrap();
    let count = statement.column_count();
    statement
        .query_map([], |row| {
            Ok((0..count)
                .map(|i| match row.get_ref(i).unwrap() {
                    rusqlite::types::ValueRef::Text(text) => {
                        String::from_utf8_lossy(text).into_owned()
                    }
                    other => format!("{other:?}"),
                })
                .collect::<Vec<_>>()
                .join("|"))
        })
        .unwrap()
        .collect::<Result<Vec<String>, _>>()
        .unwrap()
}

fn without_kind(json: &[u8]) -> serde_json::Value {
    let mut value: serde_json::Value = serde_json::from_slice(json).unwrap();
    value.as_object_mut().unwrap().remove("kind");
    value
}

/// A version-1 ledger with a plan, departments, returns, history and an archived file is
/// upgraded with every row kept: the file is made from a current one by taking away what
/// version 2 added, filled through the real commands first.
/// A ledger with rows, taken back to an older version by dropping what later versions added,
/// then upgraded: every row of the older version's tables is still there, and the same
/// commands print the same.
fn upgrade_keeps_every_row(version: i64, later_tables: &[&str]) {
    use common::{arg, taizhang};
    let temp = TempLedger::new();
    let db = arg(&temp.path).to_owned();
    let template = arg(&common::july_templates(&temp.path)[0]).to_owned();
    let filled = common::sheets::fill_first_row(&std::fs::read(&template).unwrap(), "已完成排查。");
    std::fs::write(&template, filled).unwrap();
    let imported = taizhang(&[
        "--db",
        &db,
        "--today",
        "2019-08-02",
        "import-returns",
        &template,
    ]);
    assert!(imported.status.success(), "{}", common::stderr(&imported));
    {
        let (mut ledger, _) = Ledger::open(&temp.path).unwrap();
        let department = ledger.departments().unwrap()[0].clone();
        let mut edit = taizhang::store::DepartmentEdit::from_department(&department);
        edit.contact_person = "韦工".to_owned();
        ledger.update_department(&edit).unwrap();
    }
    let tables_of_old = |path: &std::path::Path| -> Vec<(String, Vec<String>)> {
        let conn = rusqlite::Connection::open(path).unwrap();
        let names: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        names
            .into_iter()
            .filter(|name| {
                !later_tables.contains(&name.as_str())
                    && name != "send_backs"
                    && name != "return_files"
            })
            .map(|name| {
                let rows = rows_before_version_four(&conn, &name);
                (name, rows)
            })
            .collect()
    };
    let plan_before = taizhang(&["--db", &db, "plan", "--json"]).stdout;
    let status_before = taizhang(&[
        "--db",
        &db,
        "--today",
        "2019-08-05",
        "status",
        "--period",
        "2019-07",
        "--json",
    ])
    .stdout;
    // Back to the old version: what later versions added goes, the rest stays as written.
    {
        let conn = rusqlite::Connection::open(&temp.path).unwrap();
        for table in later_tables {
            conn.execute_batch(&format!("DROP TABLE {table};")).unwrap();
        }
        take_back_version_four(&conn);
        conn.pragma_update(None, "user_version", version).unwrap();
    }
    let old = tables_of_old(&temp.path);
    assert!(
        old.iter()
            .any(|(name, rows)| name == "return_rows" && !rows.is_empty())
    );
    assert!(
        old.iter()
            .any(|(name, rows)| name == "source_files" && rows.len() == 1)
    );

    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), taizhang::store::VERSION);
    drop(ledger);
    // Every row of every table version 1 had is still there, unchanged but for the change id
    // the upgrade's own transaction writes.
    let strip_change_id = |tables: Vec<(String, Vec<String>)>| -> Vec<(String, Vec<String>)> {
        tables
            .into_iter()
            .map(|(name, rows)| {
                (
                    name,
                    rows.into_iter()
                        .filter(|r| !r.contains("change_id"))
                        .collect(),
                )
            })
            .collect()
    };
    assert_eq!(
        strip_change_id(tables_of_old(&temp.path)),
        strip_change_id(old)
    );
    // The plan reads the same, but for its kind: a plan with returns is the user's own
    // after the upgrade, not the example.
    assert_eq!(
        without_kind(&taizhang(&["--db", &db, "plan", "--json"]).stdout),
        without_kind(&plan_before)
    );
    assert_eq!(
        taizhang(&[
            "--db",
            &db,
            "--today",
            "2019-08-05",
            "status",
            "--period",
            "2019-07",
            "--json"
        ])
        .stdout,
        status_before
    );
    assert_eq!(
        taizhang::store::list_backups(&temp.path)
            .iter()
            .filter(|b| b
                .path
                .to_string_lossy()
                .ends_with(&format!("-v{version}.sqlite")))
            .count(),
        1
    );
}

#[test]
fn a_version_one_ledger_with_rows_keeps_every_row_when_upgraded() {
    upgrade_keeps_every_row(
        1,
        &[
            "sheet_row_history",
            "sheet_rows",
            "calendar_items",
            "department_addresses",
            "mail_messages",
            "chase_sends",
        ],
    );
}

#[test]
fn a_version_two_ledger_with_rows_keeps_every_row_when_upgraded() {
    upgrade_keeps_every_row(2, &["department_addresses", "mail_messages", "chase_sends"]);
}

#[test]
fn a_version_three_ledger_with_rows_keeps_every_row_when_upgraded() {
    upgrade_keeps_every_row(3, &[]);
}

/// A real version-3 file, made by the version-3 program (templates, returns from e-mail
/// bodies for June, July and November 2019), upgraded: every row it had is still there, its
/// returns count as before, and its plan (with returns) is the user's own, not the example.
#[test]
fn a_real_version_three_file_is_upgraded_with_its_returns() {
    use common::{arg, taizhang};
    let temp = TempLedger::new();
    std::fs::write(
        &temp.path,
        include_bytes!("fixtures/ledger-v3.sqlite").as_slice(),
    )
    .unwrap();
    let dump = |path: &std::path::Path| -> Vec<String> {
        let conn = rusqlite::Connection::open(path).unwrap();
        [
            "plans",
            "tasks",
            "returns",
            "return_rows",
            "return_row_history",
            "departments",
            "source_files",
        ]
        .iter()
        .flat_map(|table| {
            rows_before_version_four(&conn, table)
                .into_iter()
                .map(move |row| format!("{table}: {row}"))
        })
        .collect()
    };
    let before = dump(&temp.path);
    assert!(
        before
            .iter()
            .filter(|r| r.starts_with("return_rows"))
            .count()
            >= 5
    );
    let db = arg(&temp.path).to_owned();
    let status = taizhang(&[
        "--db",
        &db,
        "--today",
        "2019-08-05",
        "status",
        "--period",
        "2019-07",
        "--json",
    ]);
    assert!(status.status.success(), "{}", common::stderr(&status));
    assert_eq!(dump(&temp.path), before);
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    let farming = status["departments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "县农业农村局")
        .unwrap();
    assert_eq!(farming["state"], "on_time");
    assert_eq!(farming["received"], "2019-08-02");
    assert_eq!(farming["rows_filled"], 2);
    let plans: serde_json::Value =
        serde_json::from_slice(&taizhang(&["--db", &db, "plans", "--json"]).stdout).unwrap();
    assert_eq!(plans["plans"].as_array().unwrap().len(), 1);
    assert_eq!(plans["plans"][0]["kind"], "imported");
    assert_eq!(plans["plans"][0]["current"], true);
    assert_eq!(taizhang::store::list_backups(&temp.path).len(), 1);
}

/// A plan's months read from the plans list (as the mail's month-to-plan rule does, for every
/// message) are the months of the whole plan, with and without a reporting start.
#[test]
fn a_plan_summarys_months_are_the_whole_plans_months() {
    let temp = TempLedger::new();
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    drop(ledger);
    let conn = rusqlite::Connection::open(&temp.path).unwrap();
    conn.execute(
        "INSERT INTO plans (year, title, kind, state, is_current, reporting_from, created_at)
         SELECT year + 1, title, kind, state, 0, '2020-03', created_at FROM plans LIMIT 1",
        [],
    )
    .unwrap();
    drop(conn);
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let summaries = ledger.plans().unwrap();
    assert_eq!(summaries.len(), 2);
    for summary in summaries {
        let plan = ledger.plan(summary.id).unwrap();
        assert_eq!(
            summary.periods(),
            taizhang::schedule::plan_periods(&plan),
            "{}",
            summary.label()
        );
    }
}
