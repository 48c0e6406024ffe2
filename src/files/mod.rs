//! The one guarded place where the app reads a user's file or writes one.
//!
//! Every path a user or a command line gives is treated as hostile: it may be the ledger
//! itself, its `-wal`, a backup, a FIFO, a device, a folder, or a symlink to `/dev/zero`.
//! Reading refuses anything that is not a regular file, checks the size from the metadata
//! before reading a byte and reads with a cap, so a sparse 2 GB file or an endless device is
//! never read. Writing refuses the ledger and the files around it (by canonical path and by
//! file identity, so a hard link or a symlink to the ledger is caught too), writes under a
//! temporary name of its own and renames it into place, and never removes a file it did not
//! create. A refusal leaves every byte as it was.
//!
//! Errors say in Chinese what happened and what to do; the raw OS error stays in the error's
//! `source` for the log.

mod folder;
mod names;

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

pub use folder::prepare_output_folder;
pub use names::{clean_name, safe_file_name, safe_file_name_within};

/// Why a file could not be read or written. The messages are shown to the user as they are;
/// the raw OS error is kept as the source, for the log.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("找不到文件“{}”。请检查路径是否正确。", .path.display())]
    NotFound { path: PathBuf },
    #[error("“{}”是一个文件夹，不是文件。请选择文件夹里的文件，或给出文件名。", .path.display())]
    IsFolder { path: PathBuf },
    #[error("“{}”不是普通文件（可能是设备、管道或套接字），未读取也未写入。请选择一个普通文件。", .path.display())]
    NotRegular { path: PathBuf },
    #[error("文件“{}”太大（{}），超过了此类文件 {} 的上限，未读取。请确认选对了文件。", .path.display(), size_text(*.size), size_text(*.limit))]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
    #[error("不能写到“{}”：这是{what}，写入会毁掉它。该文件未作任何改动；请换一个文件名或文件夹。", .path.display())]
    Protected { path: PathBuf, what: &'static str },
    #[error("两个输出文件不能是同一个文件“{}”，否则后写的会覆盖先写的。请为它们分别指定文件名。", .path.display())]
    SameOutput { path: PathBuf },
    #[error("“{}”是一个文件，不是文件夹。请选择一个文件夹。", .path.display())]
    NotAFolder { path: PathBuf },
    #[error("文件夹“{}”不存在。请先创建它，或选择一个已有的文件夹。", .path.display())]
    NoFolder { path: PathBuf },
    #[error("文件夹“{}”里已有文件，未写入任何文件。请选择一个空文件夹或新文件夹；确要加进这个文件夹，请加 --add（窗口中勾选“加入已有文件夹”）。", .path.display())]
    FolderNotEmpty { path: PathBuf },
    #[error("无法{action}“{}”：{}。", .path.display(), io_phrase(.source))]
    Io {
        path: PathBuf,
        action: &'static str,
        source: std::io::Error,
    },
}

impl FileError {
    pub fn io(path: &Path, action: &'static str, source: std::io::Error) -> Self {
        match source.kind() {
            std::io::ErrorKind::NotFound => Self::NotFound {
                path: path.to_owned(),
            },
            std::io::ErrorKind::IsADirectory => Self::IsFolder {
                path: path.to_owned(),
            },
            _ => Self::Io {
                path: path.to_owned(),
                action,
                source,
            },
        }
    }
}

/// A Chinese phrase for an OS error, saying what to do where there is something to do.
pub fn io_phrase(error: &std::io::Error) -> &'static str {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::NotFound => "找不到该文件或文件夹，请检查路径",
        ErrorKind::PermissionDenied => {
            "没有访问权限，请检查文件是否只读、是否被其他程序占用，或换一个文件夹"
        }
        ErrorKind::IsADirectory => "这是一个文件夹，不是文件",
        ErrorKind::NotADirectory => "路径中有一段不是文件夹，请检查路径",
        ErrorKind::StorageFull => "磁盘空间已满，请清理磁盘后再试",
        ErrorKind::ReadOnlyFilesystem => "所在的磁盘是只读的，请换一个位置",
        ErrorKind::AlreadyExists => "已有同名文件",
        ErrorKind::InvalidFilename | ErrorKind::InvalidInput => "文件名无效，请换一个文件名",
        ErrorKind::FileTooLarge => "文件太大",
        ErrorKind::WouldBlock | ErrorKind::TimedOut => "文件暂时无法访问，请稍后再试",
        ErrorKind::UnexpectedEof | ErrorKind::InvalidData => "文件内容不完整或已损坏",
        _ => "读写出错，详细原因已记入日志 taizhang.log",
    }
}

/// `3.2 MB`, `512 KB`, `12 字节`.
pub fn size_text(bytes: u64) -> String {
    const KB: u64 = 1024;
    const MB: u64 = 1024 * KB;
    const GB: u64 = 1024 * MB;
    match bytes {
        b if b >= GB => format!("{:.1} GB", b as f64 / GB as f64),
        b if b >= MB => format!("{:.1} MB", b as f64 / MB as f64),
        b if b >= KB => format!("{} KB", b / KB),
        b => format!("{b} 字节"),
    }
}

/// Opens a file for reading without blocking on a FIFO that slipped in between the check and
/// the open (the check itself refuses FIFOs; this closes the race).
fn open_for_reading(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        const O_NONBLOCK: i32 = 0o4000;
        options.custom_flags(O_NONBLOCK);
    }
    options.open(path)
}

/// Checks that `path` names a regular file (symlinks followed) and returns its size.
fn regular_file_size(path: &Path) -> Result<u64, FileError> {
    let metadata = std::fs::metadata(path).map_err(|e| FileError::io(path, "读取", e))?;
    if metadata.is_dir() {
        return Err(FileError::IsFolder {
            path: path.to_owned(),
        });
    }
    if !metadata.is_file() {
        return Err(FileError::NotRegular {
            path: path.to_owned(),
        });
    }
    Ok(metadata.len())
}

/// Reads a whole regular file of at most `limit` bytes. Anything else (a folder, a device, a
/// FIFO, a larger or sparse file) is refused before a byte is read.
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let size = regular_file_size(path)?;
    let too_large = |size| FileError::TooLarge {
        path: path.to_owned(),
        size,
        limit,
    };
    if size > limit {
        return Err(too_large(size));
    }
    let file = open_for_reading(path).map_err(|e| FileError::io(path, "读取", e))?;
    // The path may have changed between the check and the open: check what was opened.
    let opened = file
        .metadata()
        .map_err(|e| FileError::io(path, "读取", e))?;
    if !opened.is_file() {
        return Err(FileError::NotRegular {
            path: path.to_owned(),
        });
    }
    if opened.len() > limit {
        return Err(too_large(opened.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(opened.len()).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::io(path, "读取", e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Appends text to a log file, if the path is a regular file or missing. Never blocks on a
/// FIFO and never writes to a device. Failures are returned for the caller to drop.
pub fn append_to_log(path: &Path, text: &str) -> std::io::Result<()> {
    match std::fs::metadata(path) {
        Ok(metadata) if !metadata.is_file() => {
            return Err(std::io::Error::other("the log path is not a regular file"));
        }
        _ => {}
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        const O_NONBLOCK: i32 = 0o4000;
        options.custom_flags(O_NONBLOCK);
    }
    let mut file = options.open(path)?;
    if !file.metadata()?.is_file() {
        return Err(std::io::Error::other("the log path is not a regular file"));
    }
    file.write_all(text.as_bytes())
}

/// Files that no output may replace: the ledger and everything around it.
#[derive(Clone, Debug, Default)]
pub struct Protected {
    files: Vec<(PathBuf, &'static str)>,
    folders: Vec<(PathBuf, &'static str)>,
}

impl Protected {
    /// Nothing protected (for writing outside any ledger, as in tests).
    pub fn none() -> Self {
        Self::default()
    }

    /// The ledger at `ledger`, its `-wal`, `-shm` and `-journal`, its lock, its log files and
    /// its backups folder.
    pub fn for_ledger(ledger: &Path) -> Self {
        use crate::paths::{KEPT_LOGS, backup_dir, log_path, rotated_log, sidecar};
        let mut files = vec![(ledger.to_owned(), "台账文件")];
        for suffix in ["-wal", "-shm", "-journal"] {
            files.push((sidecar(ledger, suffix), "台账的数据库日志文件"));
        }
        files.push((sidecar(ledger, ".lock"), "台账的锁文件"));
        files.push((log_path(ledger), "台账的错误日志"));
        for index in 1..=KEPT_LOGS {
            files.push((rotated_log(ledger, index), "台账的错误日志"));
        }
        Self {
            files,
            folders: vec![(
                backup_dir(ledger),
                "台账的备份文件夹（里面的文件是台账的备份）",
            )],
        }
    }

    /// Adds one more file (another output of the same action, say).
    pub fn with_file(mut self, path: &Path, what: &'static str) -> Self {
        self.files.push((path.to_owned(), what));
        self
    }

    /// Refuses `target` when it is, or lives in, anything protected.
    pub fn check(&self, target: &Path) -> Result<(), FileError> {
        let resolved = resolve(target)?;
        for (path, what) in &self.files {
            if resolved
                .as_ref()
                .is_some_and(|r| Some(r) == resolve_lenient(path).as_ref())
                || same_file(target, path)
            {
                return Err(FileError::Protected {
                    path: target.to_owned(),
                    what,
                });
            }
        }
        if let Some(resolved) = &resolved {
            for (folder, what) in &self.folders {
                if let Some(folder) = resolve_lenient(folder)
                    && resolved.starts_with(&folder)
                {
                    return Err(FileError::Protected {
                        path: target.to_owned(),
                        what,
                    });
                }
            }
        }
        Ok(())
    }
}

/// The canonical form of a path that may not exist yet: the canonical folder joined with the
/// file name. `Ok(None)` when that cannot be worked out; an error when the folder is missing.
fn resolve(path: &Path) -> Result<Option<PathBuf>, FileError> {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return Ok(Some(normalize_case(canonical)));
    }
    let Some(name) = path.file_name() else {
        return Ok(None);
    };
    let parent = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    match std::fs::canonicalize(parent) {
        Ok(folder) => Ok(Some(normalize_case(folder.join(name)))),
        Err(_) => Err(FileError::NoFolder {
            path: parent.to_owned(),
        }),
    }
}

fn resolve_lenient(path: &Path) -> Option<PathBuf> {
    resolve(path).ok().flatten()
}

/// Windows compares file names without regard to case.
fn normalize_case(path: PathBuf) -> PathBuf {
    if cfg!(windows) {
        PathBuf::from(path.to_string_lossy().to_lowercase())
    } else {
        path
    }
}

/// Whether two existing regular files are the same file (hard links included).
fn same_file(a: &Path, b: &Path) -> bool {
    let (Ok(meta_a), Ok(meta_b)) = (std::fs::metadata(a), std::fs::metadata(b)) else {
        return false;
    };
    if !meta_a.is_file() || !meta_b.is_file() {
        return false;
    }
    same_identity(a, &meta_a, b, &meta_b)
}

#[cfg(unix)]
fn same_identity(
    _a: &Path,
    meta_a: &std::fs::Metadata,
    _b: &Path,
    meta_b: &std::fs::Metadata,
) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    meta_a.dev() == meta_b.dev() && meta_a.ino() == meta_b.ino()
}

#[cfg(windows)]
fn same_identity(
    a: &Path,
    _meta_a: &std::fs::Metadata,
    b: &Path,
    _meta_b: &std::fs::Metadata,
) -> bool {
    same_file::is_same_file(a, b).unwrap_or(false)
}

#[cfg(not(any(unix, windows)))]
fn same_identity(
    _a: &Path,
    _meta_a: &std::fs::Metadata,
    _b: &Path,
    _meta_b: &std::fs::Metadata,
) -> bool {
    false
}

/// Refuses outputs that would land on one file: the later would replace the earlier.
pub fn distinct_outputs(paths: &[&Path]) -> Result<(), FileError> {
    for (index, a) in paths.iter().enumerate() {
        for b in &paths[index + 1..] {
            let same_name = match (resolve(a)?, resolve(b)?) {
                (Some(x), Some(y)) => x == y,
                _ => a == b,
            };
            if same_name || same_file(a, b) {
                return Err(FileError::SameOutput {
                    path: (*b).to_owned(),
                });
            }
        }
    }
    Ok(())
}

/// What to do when the output file already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Replace it (an export the user asked for by name).
    Replace,
    /// Never touch it: write under `name（2）.ext`, `name（3）.ext` … instead; a file that
    /// already holds exactly these bytes is taken as written.
    KeepBoth,
}

/// Checks that `path` may be written: its folder exists, it is not protected, and if it exists
/// it is a regular file. Nothing is written.
pub fn check_output(path: &Path, protected: &Protected) -> Result<(), FileError> {
    protected.check(path)?;
    match std::fs::symlink_metadata(path) {
        Err(_) => Ok(()),
        Ok(_) => match std::fs::metadata(path) {
            Ok(metadata) if metadata.is_dir() => Err(FileError::IsFolder {
                path: path.to_owned(),
            }),
            Ok(metadata) if !metadata.is_file() => Err(FileError::NotRegular {
                path: path.to_owned(),
            }),
            // A dangling symlink is replaced as a name, never followed.
            _ => Ok(()),
        },
    }
}

/// Writes `bytes` to `path` (or, with [`Existing::KeepBoth`], to a free name beside it) and
/// returns the path written. The bytes go to a new temporary file first and are renamed into
/// place, so a failure never leaves half a file, and nothing but that temporary file is ever
/// removed.
pub fn write_file(
    path: &Path,
    bytes: &[u8],
    protected: &Protected,
    existing: Existing,
) -> Result<PathBuf, FileError> {
    check_output(path, protected)?;
    match existing {
        Existing::Replace => {
            let temp = write_temp_beside(path, bytes)?;
            // Checked again just before the rename: the path may have changed meanwhile.
            let result = check_output(path, protected).and_then(|()| {
                std::fs::rename(&temp, path).map_err(|e| FileError::io(path, "写入", e))
            });
            if result.is_err() {
                let _ = std::fs::remove_file(&temp);
            }
            result.map(|()| path.to_owned())
        }
        Existing::KeepBoth => {
            for candidate in free_names(path) {
                check_output(&candidate, protected)?;
                match create_new(&candidate, bytes) {
                    Ok(()) => return Ok(candidate),
                    // The same bytes are already there (a template written for an earlier
                    // send): that file is the one, no copy is made.
                    Err(CreateError::Exists) if holds_exactly(&candidate, bytes) => {
                        return Ok(candidate);
                    }
                    Err(CreateError::Exists) => continue,
                    Err(CreateError::Failed(source)) => {
                        return Err(FileError::io(&candidate, "写入", source));
                    }
                }
            }
            Err(FileError::Io {
                path: path.to_owned(),
                action: "写入",
                source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
            })
        }
    }
}

/// Whether `path` is a regular file (not a link) holding exactly `bytes`; read through the
/// guarded reader, never more than one byte past `bytes`' length.
fn holds_exactly(path: &Path, bytes: &[u8]) -> bool {
    let Ok(metadata) = std::fs::symlink_metadata(path) else {
        return false;
    };
    if !metadata.is_file() || metadata.len() != bytes.len() as u64 {
        return false;
    }
    read_file(path, bytes.len() as u64 + 1).is_ok_and(|existing| existing == bytes)
}

/// `name.ext`, then `name（2）.ext` … `name（999）.ext`.
fn free_names(path: &Path) -> impl Iterator<Item = PathBuf> + '_ {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let extension = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()))
        .unwrap_or_default();
    std::iter::once(path.to_owned())
        .chain((2..1000).map(move |n| path.with_file_name(format!("{stem}（{n}）{extension}"))))
}

enum CreateError {
    Exists,
    Failed(std::io::Error),
}

/// Creates a file that did not exist (a symlink, dangling or not, counts as existing) and fills
/// it; a file this created and could not fill is removed again.
fn create_new(path: &Path, bytes: &[u8]) -> Result<(), CreateError> {
    let mut file = match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
    {
        Ok(file) => file,
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(CreateError::Exists);
        }
        Err(error) => return Err(CreateError::Failed(error)),
    };
    let result = file.write_all(bytes).and_then(|()| file.sync_all());
    drop(file);
    result.map_err(|error| {
        let _ = std::fs::remove_file(path);
        CreateError::Failed(error)
    })
}

/// A new temporary file in `path`'s folder holding `bytes`.
pub(super) fn write_temp_beside(path: &Path, bytes: &[u8]) -> Result<PathBuf, FileError> {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for _ in 0..100 {
        let count = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let temp = path.with_file_name(format!(
            ".{name}.{}-{count}.taizhang-tmp",
            std::process::id()
        ));
        match create_new(&temp, bytes) {
            Ok(()) => return Ok(temp),
            Err(CreateError::Exists) => continue,
            Err(CreateError::Failed(source)) => return Err(FileError::io(path, "写入", source)),
        }
    }
    Err(FileError::Io {
        path: path.to_owned(),
        action: "写入",
        source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
    })
}

/// Makes sure `dir` is a folder, creating it (and its parents) when missing.
pub fn ensure_folder(dir: &Path) -> Result<(), FileError> {
    match std::fs::metadata(dir) {
        Ok(metadata) if metadata.is_dir() => Ok(()),
        Ok(_) => Err(FileError::NotAFolder {
            path: dir.to_owned(),
        }),
        Err(_) => std::fs::create_dir_all(dir).map_err(|e| FileError::io(dir, "创建文件夹", e)),
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn reads_regular_files_and_refuses_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.txt");
        std::fs::write(&file, b"hello").unwrap();
        assert_eq!(read_file(&file, 10).unwrap(), b"hello");
        assert!(matches!(
            read_file(&file, 4),
            Err(FileError::TooLarge { size: 5, .. })
        ));
        assert!(matches!(
            read_file(dir.path(), 10),
            Err(FileError::IsFolder { .. })
        ));
        assert!(matches!(
            read_file(&dir.path().join("missing"), 10),
            Err(FileError::NotFound { .. })
        ));
    }

    #[test]
    fn keep_both_never_overwrites() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("表.xlsx");
        std::fs::write(&path, b"filled").unwrap();
        let written = write_file(&path, b"new", &Protected::none(), Existing::KeepBoth).unwrap();
        assert_eq!(written, dir.path().join("表（2）.xlsx"));
        assert_eq!(std::fs::read(&path).unwrap(), b"filled");
        assert_eq!(std::fs::read(&written).unwrap(), b"new");
    }

    #[test]
    fn the_ledger_and_its_files_are_protected() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("ledger.sqlite");
        std::fs::write(&ledger, b"ledger").unwrap();
        let protected = Protected::for_ledger(&ledger);
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        for target in [
            ledger.clone(),
            sub.join("../ledger.sqlite"),
            dir.path().join("ledger.sqlite-wal"),
            dir.path().join("taizhang.log"),
            dir.path().join("backups/x.sqlite"),
        ] {
            if target.starts_with(dir.path().join("backups")) {
                std::fs::create_dir_all(dir.path().join("backups")).unwrap();
            }
            assert!(
                matches!(
                    write_file(&target, b"x", &protected, Existing::Replace),
                    Err(FileError::Protected { .. })
                ),
                "{}",
                target.display()
            );
        }
        let link = dir.path().join("link.xlsx");
        std::fs::hard_link(&ledger, &link).unwrap();
        assert!(matches!(
            write_file(&link, b"x", &protected, Existing::Replace),
            Err(FileError::Protected { .. })
        ));
        assert_eq!(std::fs::read(&ledger).unwrap(), b"ledger");
        assert!(distinct_outputs(&[&dir.path().join("a"), &sub.join("../a")]).is_err());
        assert!(distinct_outputs(&[&dir.path().join("a"), &dir.path().join("b")]).is_ok());
    }
}
