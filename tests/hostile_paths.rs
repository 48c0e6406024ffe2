//! Paths that fight back, driven through the real binary: an output that is the ledger or a
//! file around it, two outputs on one file, a FIFO, a device or a folder as `--db`, a `-wal`
//! that is not the ledger's, a template name that a filled return already has, months outside
//! the plan. Every refusal exits non-zero with a Chinese message and leaves every byte as it was.
#![expect(clippy::unwrap_used)]

mod common;

use common::{arg as p, stderr, taizhang};

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::TempLedger;

/// A seeded ledger on disk, closed.
fn seeded() -> TempLedger {
    let temp = TempLedger::new();
    let output = taizhang(&["--db", p(&temp.path), "plan", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    temp
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Every regular file in the ledger's folder (recursively) with its bytes; the error log, which
/// records each refusal, aside.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file()
                && !entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("taizhang.log")
            {
                files.push((entry.path(), std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    files.sort();
    files
}

fn assert_untouched(before: &[(PathBuf, Vec<u8>)], dir: &Path, what: &str) {
    let after = snapshot(dir);
    let names =
        |files: &[(PathBuf, Vec<u8>)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(before),
        names(&after),
        "{what}: files added or removed"
    );
    for ((path, a), (_, b)) in before.iter().zip(&after) {
        assert!(a == b, "{what}: {} changed", path.display());
    }
}

fn export(db: &Path, xlsx: Option<&Path>, pdf: Option<&Path>) -> Output {
    let mut args = vec![
        "--db",
        p(db),
        "export-sheet",
        "--period",
        "2019-07",
        "--json",
    ];
    if let Some(xlsx) = xlsx {
        args.extend(["--xlsx", p(xlsx)]);
    }
    if let Some(pdf) = pdf {
        args.extend(["--pdf", p(pdf)]);
    }
    taizhang(&args)
}

#[test]
fn no_output_may_land_on_the_ledger_or_the_files_around_it() {
    let temp = seeded();
    let dir = temp.dir.path();
    let backups = dir.join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    std::fs::write(
        backups.join("ledger-20190101-000000-000.sqlite"),
        b"a backup",
    )
    .unwrap();
    std::fs::write(dir.join("taizhang.log"), b"log\n").unwrap();
    let hard_link = dir.join("hard.xlsx");
    std::fs::hard_link(&temp.path, &hard_link).unwrap();
    let symlink = dir.join("soft.pdf");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&temp.path, &symlink).unwrap();
    let sub = dir.join("sub");
    std::fs::create_dir(&sub).unwrap();
    let before = snapshot(dir);

    let targets = [
        temp.path.clone(),
        sub.join("../ledger.sqlite"),
        with_suffix(&temp.path, "-wal"),
        with_suffix(&temp.path, "-shm"),
        with_suffix(&temp.path, ".lock"),
        dir.join("taizhang.log"),
        dir.join("taizhang.log.1"),
        backups.join("ledger-20190101-000000-000.sqlite"),
        backups.join("new.pdf"),
        hard_link.clone(),
        symlink.clone(),
    ];
    for target in &targets {
        for (xlsx, pdf) in [
            (Some(target.as_path()), None),
            (None, Some(target.as_path())),
        ] {
            let output = export(&temp.path, xlsx, pdf);
            assert!(!output.status.success(), "{} was written", target.display());
            let message = stderr(&output);
            assert!(message.contains("不能写到"), "{message}");
            assert!(!message.contains("os error"), "{message}");
            assert_untouched(&before, dir, &target.display().to_string());
        }
    }

    // Two outputs on one path (also spelt differently): refused before either is written.
    let same = dir.join("sheet.out");
    let output = export(&temp.path, Some(&same), Some(&sub.join("../sheet.out")));
    assert!(!output.status.success());
    assert!(
        stderr(&output).contains("同一个文件"),
        "{}",
        stderr(&output)
    );
    assert!(!same.exists());
    assert_untouched(&before, dir, "two outputs on one path");
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn special_files_as_db_or_output_are_refused_and_kept() {
    let temp = TempLedger::new();
    let dir = temp.dir.path();
    let fifo = dir.join("ledger.fifo");
    mkfifo(&fifo);
    let zero = dir.join("zero.sqlite");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let dangling = dir.join("dangling.sqlite");
    std::os::unix::fs::symlink(dir.join("nowhere/x"), &dangling).unwrap();
    let folder = dir.join("folder.sqlite");
    std::fs::create_dir(&folder).unwrap();

    for db in [
        &fifo,
        &zero,
        &dangling,
        &folder,
        &PathBuf::from("/dev/null"),
    ] {
        let output = taizhang(&["--db", p(db), "plan", "--json"]);
        assert!(!output.status.success(), "{} opened", db.display());
        let message = stderr(&output);
        assert!(message.contains("不是台账文件"), "{message}");
        assert!(!message.contains("os error") && !message.contains("disk I/O"));
    }
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo_like()
    );
    assert!(
        std::fs::symlink_metadata(&zero)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(
        std::fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(folder.is_dir());
    assert!(!with_suffix(&fifo, "-wal").exists() && !with_suffix(&fifo, ".lock").exists());

    // A ledger in a folder that does not exist is not made, and neither is the folder.
    let missing = dir.join("no/such/ledger.sqlite");
    let output = taizhang(&["--db", p(&missing), "plan"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("不存在"), "{}", stderr(&output));
    assert!(!dir.join("no").exists());

    // A FIFO or a device as an output: refused at once, never opened.
    let ledger = seeded();
    let out_fifo = ledger.dir.path().join("sheet.xlsx");
    mkfifo(&out_fifo);
    for target in [out_fifo.as_path(), Path::new("/dev/null")] {
        let output = export(&ledger.path, Some(target), None);
        assert!(!output.status.success());
        assert!(
            stderr(&output).contains("不是普通文件"),
            "{}",
            stderr(&output)
        );
    }
    assert!(
        std::fs::symlink_metadata(&out_fifo)
            .unwrap()
            .file_type()
            .is_fifo_like()
    );
}

/// `FileType::is_fifo` is Unix-only; this keeps the assertions readable.
trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}

impl FifoLike for std::fs::FileType {
    #[cfg(unix)]
    fn is_fifo_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt as _;
        self.is_fifo()
    }
    #[cfg(not(unix))]
    fn is_fifo_like(&self) -> bool {
        false
    }
}

/// Makes a WAL file of another database: `setup` runs with autocheckpoint off, and the `-wal`
/// is copied while the connection is still open.
fn wal_of(db: &Path, setup: &str) -> Vec<u8> {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.pragma_update(None, "wal_autocheckpoint", 0).unwrap();
    conn.execute_batch(setup).unwrap();
    let wal = std::fs::read(with_suffix(db, "-wal")).unwrap();
    assert!(!wal.is_empty());
    drop(conn);
    wal
}

#[test]
fn a_wal_of_another_database_is_not_applied() {
    let temp = seeded();
    let dir = temp.dir.path();
    let other = dir.join("other.db");
    let wal = wal_of(
        &other,
        "CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(3000)); \
         INSERT INTO t SELECT randomblob(3000) FROM t; INSERT INTO t SELECT randomblob(3000) FROM t;",
    );
    std::fs::remove_file(&other).unwrap();
    std::fs::write(with_suffix(&temp.path, "-wal"), &wal).unwrap();
    let before = snapshot(dir);

    for _ in 0..2 {
        let output = taizhang(&["--db", p(&temp.path), "plan", "--json"]);
        assert!(!output.status.success(), "opened with a foreign WAL");
        let message = stderr(&output);
        assert!(
            message.contains("日志文件") && message.contains("对不上"),
            "{message}"
        );
        assert!(message.contains("保持原样"), "{message}");
        assert_untouched(&before, dir, "foreign WAL");
    }

    // Once the stray log is moved away, the ledger opens as it was.
    std::fs::remove_file(with_suffix(&temp.path, "-wal")).unwrap();
    let output = taizhang(&["--db", p(&temp.path), "plan", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
}

#[test]
fn an_older_copy_with_a_stale_wal_beside_it_is_refused() {
    let temp = seeded();
    let dir = temp.dir.path();
    let older = std::fs::read(&temp.path).unwrap();
    // Later work: first checkpointed into the file (the connection's close does that), then a
    // change that splits a page and so exists only in the log.
    {
        let conn = rusqlite::Connection::open(&temp.path).unwrap();
        conn.execute_batch(
            "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM c WHERE i < 400)
             INSERT INTO settings (key, value) SELECT 'filler-' || i, hex(randomblob(1500)) FROM c;",
        )
        .unwrap();
    }
    let wal = wal_of(
        &temp.path,
        "INSERT INTO settings (key, value) VALUES ('filler-2000', hex(randomblob(1500)));",
    );
    std::fs::write(&temp.path, &older).unwrap();
    std::fs::write(with_suffix(&temp.path, "-wal"), &wal).unwrap();
    let _ = std::fs::remove_file(with_suffix(&temp.path, "-shm"));
    let before = snapshot(dir);

    let output = taizhang(&["--db", p(&temp.path), "plan", "--json"]);
    assert!(
        !output.status.success(),
        "opened an older copy with a stale WAL"
    );
    assert!(stderr(&output).contains("对不上"), "{}", stderr(&output));
    assert_untouched(&before, dir, "older copy with stale WAL");
    // And an import on top is refused the same way: nothing is written into it.
    let output = taizhang(&["--db", p(&temp.path), "status", "--period", "2019-07"]);
    assert!(!output.status.success());
    assert_untouched(&before, dir, "older copy with stale WAL, second command");
}

#[test]
fn a_sound_leftover_wal_is_applied_and_its_work_kept() {
    let temp = seeded();
    // A crash after a commit: the work is only in the log.
    let wal = wal_of(
        &temp.path,
        "INSERT INTO settings (key, value) VALUES ('unit_name', '融水县生态环境局（崩溃前保存）') \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value;",
    );
    let file = std::fs::read(&temp.path).unwrap();
    // The connection's close checkpointed; put back the state of the moment of the crash.
    let crashed = TempLedger::new();
    std::fs::write(&crashed.path, &file).unwrap();
    std::fs::write(with_suffix(&crashed.path, "-wal"), &wal).unwrap();
    let output = taizhang(&["--db", p(&crashed.path), "plan", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let conn = rusqlite::Connection::open(&crashed.path).unwrap();
    let value: String = conn
        .query_row(
            "SELECT value FROM settings WHERE key = 'unit_name'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(value, "融水县生态环境局（崩溃前保存）");
    // The recovery copy made for the check is gone again.
    let leftovers: Vec<_> = std::fs::read_dir(crashed.dir.path().join("backups"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        leftovers
            .iter()
            .all(|n| !n.to_string_lossy().contains("recovery")),
        "{leftovers:?}"
    );
}

#[test]
fn a_missing_ledger_with_a_leftover_log_is_not_created() {
    let temp = TempLedger::new();
    std::fs::write(
        with_suffix(&temp.path, "-wal"),
        b"a log of a ledger that moved",
    )
    .unwrap();
    let before = snapshot(temp.dir.path());
    let output = taizhang(&["--db", p(&temp.path), "plan"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("日志文件"), "{}", stderr(&output));
    assert_untouched(&before, temp.dir.path(), "orphan log");
}

#[test]
fn templates_never_overwrite_a_file_already_there() {
    let temp = seeded();
    let out = temp.dir.path().join("templates");
    let first = taizhang(&[
        "--db",
        p(&temp.path),
        "templates",
        "--period",
        "2019-07",
        "--out",
        p(&out),
    ]);
    assert!(first.status.success(), "{}", stderr(&first));
    let names: Vec<PathBuf> = String::from_utf8(first.stdout.clone())
        .unwrap()
        .lines()
        .map(PathBuf::from)
        .collect();
    assert!(names.len() > 5);
    // A department's filled return under the template's name.
    std::fs::write(&names[0], b"filled return").unwrap();
    let second = taizhang(&[
        "--db",
        p(&temp.path),
        "templates",
        "--period",
        "2019-07",
        "--out",
        p(&out),
    ]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert_eq!(std::fs::read(&names[0]).unwrap(), b"filled return");
    let message = stderr(&second);
    assert!(message.contains("未覆盖"), "{message}");
    let written: Vec<PathBuf> = String::from_utf8(second.stdout)
        .unwrap()
        .lines()
        .map(PathBuf::from)
        .collect();
    assert_eq!(written.len(), names.len());
    assert!(written.iter().all(|p| p.exists()));
    assert!(!written.contains(&names[0]));
}

#[test]
fn months_outside_the_plan_are_refused_by_name() {
    let temp = seeded();
    let dir = temp.dir.path();
    let before = snapshot(dir);
    for period in ["2030-01", "0000-01", "2019-01"] {
        let xlsx = dir.join("out.xlsx");
        let output = taizhang(&[
            "--db",
            p(&temp.path),
            "export-sheet",
            "--period",
            period,
            "--xlsx",
            p(&xlsx),
        ]);
        assert!(!output.status.success(), "{period}");
        let message = stderr(&output);
        assert!(message.contains("不在该计划的报送月份内"), "{message}");
        assert!(message.contains("2019年6月至2019年12月"), "{message}");
        let out = dir.join("templates");
        let output = taizhang(&[
            "--db",
            p(&temp.path),
            "templates",
            "--period",
            period,
            "--out",
            p(&out),
        ]);
        assert!(!output.status.success(), "{period}");
        assert!(stderr(&output).contains("不在该计划的报送月份内"));
        assert!(!out.exists() && !xlsx.exists());
    }
    assert_untouched(&before, dir, "months outside the plan");
}

#[test]
fn a_failed_upgrade_says_so_in_chinese_and_leaves_one_backup() {
    let temp = TempLedger::new();
    {
        let conn = rusqlite::Connection::open(&temp.path).unwrap();
        conn.execute_batch(include_str!("fixtures/schema-v1.sql"))
            .unwrap();
        // Something the upgrade itself would create is already there: the upgrade fails.
        conn.execute_batch("CREATE TABLE sheet_rows (x)").unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
    }
    let before = std::fs::read(&temp.path).unwrap();
    for _ in 0..3 {
        let output = taizhang(&["--db", p(&temp.path), "plan", "--json"]);
        assert!(!output.status.success());
        let message = stderr(&output);
        assert!(message.contains("无法从格式版本 1 升级"), "{message}");
        for leak in ["CREATE", "sheet_rows", "already exists", "SQL"] {
            assert!(!message.contains(leak), "{message}");
        }
        assert_eq!(
            std::fs::read(&temp.path).unwrap(),
            before,
            "the file changed"
        );
    }
    let backups = taizhang::store::list_backups(&temp.path);
    assert_eq!(backups.len(), 1, "{backups:?}");
    // SQLite's own words are in the log.
    let log = std::fs::read_to_string(temp.dir.path().join("taizhang.log")).unwrap();
    assert!(log.contains("sheet_rows"), "{log}");
}
