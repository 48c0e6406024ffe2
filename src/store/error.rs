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
    #[error("无法访问文件“{}”：{source}", .path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Seed(#[from] crate::seed::SeedError),
    #[error("台账数据库出错：{0}")]
    Sqlite(rusqlite::Error),
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
    /// The ledger file cannot be written; names its newest backup.
    pub(crate) fn read_only(path: &Path) -> Self {
        Self::ReadOnly {
            path: path.to_owned(),
            newest_backup: super::backup::newest_backup(path),
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
                    newest_backup: super::backup::newest_backup(path),
                }
            }
            Some(rusqlite::ErrorCode::ReadOnly | rusqlite::ErrorCode::CannotOpen) => {
                Self::read_only(path)
            }
            _ => self,
        }
    }
}
