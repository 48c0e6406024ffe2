//! Why a ledger operation failed, in words shown to the user; SQLite's own in the log.

use std::path::{Path, PathBuf};

/// Why a ledger operation failed. The messages are shown to the user as they are.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("台账文件“{}”已损坏或不是台账文件，无法打开；该文件未作任何改动。{}", .path.display(), backup_hint(.newest_backup.as_deref()))]
    Corrupt {
        path: PathBuf,
        newest_backup: Option<PathBuf>,
    },
    #[error("文件“{}”是另一个程序的数据库，不是台账文件；该文件未作任何改动。", .path.display())]
    NotALedger { path: PathBuf },
    #[error("台账文件“{}”由更新版本的台账程序创建（格式版本 {version}），请升级本程序后再打开。", .path.display())]
    TooNew { path: PathBuf, version: i64 },
    #[error("台账文件“{}”已在另一个台账窗口中打开。请切换到那个窗口，或先将其关闭。", .path.display())]
    OpenElsewhere { path: PathBuf },
    #[error("台账文件“{}”是只读的，无法保存修改；该文件未作任何改动。请在文件的“属性”中取消勾选“只读”（或确认对所在文件夹有写入权限）后再打开。{}", .path.display(), backup_hint(.newest_backup.as_deref()))]
    ReadOnly {
        path: PathBuf,
        newest_backup: Option<PathBuf>,
    },
    #[error("台账正被另一个程序占用，请稍后再试。")]
    Busy,
    #[error("磁盘空间已满，修改未保存。请清理磁盘后再试。")]
    DiskFull,
    #[error("{0}")]
    Invalid(String),
    /// The message is in the ledger already (recorded by another fetch or import meanwhile).
    #[error("这封邮件已经记入台账，未重复记录。")]
    MailRecorded,
    /// Another fetch holds the mailbox.
    #[error("另一处正在收取这个邮箱（{0}开始）：请等它结束后再试。")]
    FetchRunning(String),
    /// Another window or command is sending the same month's mail.
    #[error(
        "另一处（{0}）正在发送这批邮件：请等它结束后再试，以免重复发送。该程序一旦退出（包括意外中止），即可立即再试。"
    )]
    SendRunning(String),
    #[error("无法访问文件“{}”：{}。", .path.display(), crate::files::io_phrase(.source))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("“{}”不是台账文件，而是{}，未作任何改动。请给出台账文件（.sqlite）的路径。", .path.display(), if *.folder { "一个文件夹" } else { "设备、管道或失效的链接" })]
    NotAFile { path: PathBuf, folder: bool },
    #[error("文件夹“{}”不存在，无法在那里新建台账。请先创建该文件夹，或换一个路径。", .path.display())]
    NoFolder { path: PathBuf },
    #[error("台账文件“{}”不存在，但旁边留有它的日志文件“{}”（可能是台账被移走或删除后留下的）。为免把旧日志写进新台账，未新建台账，也未改动任何文件。请把台账文件放回原处，或把该日志文件移到别处后再打开。", .path.display(), .log.display())]
    OrphanLog { path: PathBuf, log: PathBuf },
    #[error("台账文件“{}”旁边的日志文件“{}”与台账对不上（可能是别的数据库留下的，或台账被换成了旧的副本），照常打开会把错误的内容写进台账，因此没有打开；台账和日志文件都保持原样。请从备份恢复{}；如果确认台账本身无误，可把该日志文件移到别处后再打开。", .path.display(), .log.display(), backup_hint_inline(.newest_backup.as_deref()))]
    ForeignLog {
        path: PathBuf,
        log: PathBuf,
        newest_backup: Option<PathBuf>,
    },
    #[error("台账文件“{}”无法从格式版本 {from} 升级到新格式，台账未作任何改动；升级前的备份在“{}”。文件内容可能已损坏，请从备份恢复，或把台账文件和日志 taizhang.log 交给技术人员。", .path.display(), .backup.display())]
    UpgradeFailed {
        path: PathBuf,
        from: i64,
        backup: PathBuf,
        /// What SQLite said, for the log only.
        detail: String,
    },
    #[error(transparent)]
    Seed(#[from] crate::seed::SeedError),
    #[error(
        "台账数据库出错，操作未完成，台账未作改动；详细原因已记入日志 taizhang.log。请重试，如仍出错请从备份恢复。"
    )]
    Sqlite(#[source] rusqlite::Error),
}

fn backup_hint_inline(newest_backup: Option<&Path>) -> String {
    match newest_backup {
        Some(path) => format!("（最新的完好备份：“{}”）", path.display()),
        None => "（没有找到完好的备份）".to_owned(),
    }
}

fn backup_hint(newest_backup: Option<&Path>) -> String {
    match newest_backup {
        Some(path) => format!("最新的备份：“{}”。", path.display()),
        None => "没有找到备份。".to_owned(),
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::Busy,
            Some(ErrorCode::DiskFull) => Self::DiskFull,
            _ => Self::Sqlite(error),
        }
    }
}

impl StoreError {
    /// What goes to the log beyond the message: SQLite's and the OS's own words.
    pub fn log_detail(&self) -> String {
        match self {
            Self::UpgradeFailed { detail, .. } => format!("{self} [{detail}]"),
            Self::Sqlite(error) => format!("{self} [{error}]"),
            Self::Io { source, .. } => format!("{self} [{source}]"),
            other => other.to_string(),
        }
    }

    /// The ledger file cannot be written; names its newest backup.
    pub(crate) fn read_only(path: &Path) -> Self {
        Self::ReadOnly {
            path: path.to_owned(),
            newest_backup: super::guard::newest_sound_backup(path),
        }
    }

    /// Attaches the ledger's path to errors that mean the file itself is unusable.
    pub(crate) fn for_file(self, path: &Path) -> Self {
        let code = match &self {
            Self::Sqlite(error) => error.sqlite_error_code(),
            _ => None,
        };
        match code {
            Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
                Self::Corrupt {
                    path: path.to_owned(),
                    newest_backup: super::guard::newest_sound_backup(path),
                }
            }
            Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen) => {
                Self::read_only(path)
            }
            _ => self,
        }
    }
}
