//! A folder of our own to write a set of files into (the 督察台账).

use std::path::Path;

use super::{FileError, Protected, write_temp_beside};

/// Makes `dir` ready to receive a set of files (a folder of its own): refused when it is, or
/// lives in, anything protected, when it is a file or a device, when it is a folder that
/// already holds something and `add` is not given, and when nothing can be written there (a
/// probe file is written and removed first). A missing folder is created (its parent must
/// exist); on a refusal nothing is left behind. Returns whether the folder was created.
pub fn prepare_output_folder(
    dir: &Path,
    protected: &Protected,
    add: bool,
) -> Result<bool, FileError> {
    protected.check(dir)?;
    let created = match std::fs::metadata(dir) {
        Ok(metadata) if metadata.is_dir() => {
            let mut entries =
                std::fs::read_dir(dir).map_err(|e| FileError::io(dir, "打开文件夹", e))?;
            if !add && entries.next().is_some() {
                return Err(FileError::FolderNotEmpty {
                    path: dir.to_owned(),
                });
            }
            false
        }
        Ok(_) => {
            return Err(FileError::NotAFolder {
                path: dir.to_owned(),
            });
        }
        Err(_) => {
            if std::fs::symlink_metadata(dir).is_ok() {
                // A link that leads nowhere is not followed.
                return Err(FileError::NotAFolder {
                    path: dir.to_owned(),
                });
            }
            std::fs::create_dir(dir).map_err(|source| FileError::Io {
                path: dir.to_owned(),
                action: "创建文件夹",
                source,
            })?;
            true
        }
    };
    let probe = dir.join(".taizhang-probe");
    match write_temp_beside(&probe, b"") {
        Ok(temp) => {
            let _ = std::fs::remove_file(temp);
            Ok(created)
        }
        Err(error) => {
            if created {
                let _ = std::fs::remove_dir(dir);
            }
            Err(error)
        }
    }
}
