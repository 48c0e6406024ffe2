//! The error log beside the ledger (`taizhang.log`), so that a problem on the user's PC can be
//! diagnosed afterwards. It rotates at [`MAX_LOG_BYTES`], keeping [`KEPT_LOGS`] old files.

use std::path::{Path, PathBuf};

/// Size at which the log is rotated.
pub const MAX_LOG_BYTES: u64 = 1024 * 1024;
pub use crate::paths::KEPT_LOGS;

/// Appends timestamped lines to the log file beside a ledger.
#[derive(Clone, Debug)]
pub struct LogFile {
    path: PathBuf,
}

impl LogFile {
    /// The log for the ledger at `ledger_path`.
    pub fn beside(ledger_path: &Path) -> Self {
        Self {
            path: crate::paths::log_path(ledger_path),
        }
    }

    /// The log file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one line. A log that cannot be written must not stop the app, so failures are
    /// dropped here (the message itself is already shown to the user).
    pub fn write(&self, level: &str, message: &str) {
        self.rotate_if_large();
        let stamp = chrono::Local::now().format("%Y-%m-%d %H:%M:%S");
        let line = format!("{stamp} [{level}] {}\n", message.replace('\n', " / "));
        // The log's path is as hostile as any other: a FIFO or a device there is skipped.
        let _ = crate::files::append_to_log(&self.path, &line);
    }

    /// Writes an error line.
    pub fn error(&self, message: &str) {
        self.write("错误", message);
    }

    fn rotate_if_large(&self) {
        let Ok(metadata) = std::fs::metadata(&self.path) else {
            return;
        };
        if !metadata.is_file() || metadata.len() < MAX_LOG_BYTES {
            return;
        }
        for index in (1..KEPT_LOGS).rev() {
            let _ = std::fs::rename(self.rotated(index), self.rotated(index + 1));
        }
        let _ = std::fs::rename(&self.path, self.rotated(1));
    }

    /// The path of the `index`th rotated log.
    pub fn rotated(&self, index: usize) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!(".{index}"));
        PathBuf::from(name)
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rotates_when_large_and_keeps_three() {
        let dir = tempfile::tempdir().unwrap();
        let log = LogFile::beside(&dir.path().join("ledger.sqlite"));
        for round in 0..5 {
            std::fs::write(log.path(), vec![b'x'; MAX_LOG_BYTES as usize]).unwrap();
            log.error(&format!("第{round}次"));
        }
        let current = std::fs::read_to_string(log.path()).unwrap();
        assert!(current.contains("第4次"), "{current}");
        assert!(log.rotated(1).exists() && log.rotated(3).exists());
        assert!(!log.rotated(4).exists());
    }
}
