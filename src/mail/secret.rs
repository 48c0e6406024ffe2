//! The mailbox's secret (163's client authorisation code, 授权码) in the system's credential
//! store: Windows Credential Manager, the Secret Service on Linux. It is never written to the
//! ledger, a settings file or the log.

/// A secret as typed: never shown in debug output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(…)")
    }
}

const SERVICE: &str = "Taizhang 台账 邮箱授权码";

type Store = std::sync::Arc<keyring_core::CredentialStore>;

/// The system's credential store, opened once: Windows Credential Manager; the Secret Service
/// of the desktop session on Linux.
fn store() -> Result<&'static Store, String> {
    static STORE: std::sync::OnceLock<Result<Store, String>> = std::sync::OnceLock::new();
    STORE
        .get_or_init(|| {
            #[cfg(windows)]
            {
                windows_native_keyring_store::Store::new()
                    .map(|s| s as Store)
                    .map_err(|e| describe(&e))
            }
            #[cfg(target_os = "linux")]
            {
                zbus_secret_service_keyring_store::Store::new()
                    .map(|s| s as Store)
                    .map_err(|e| describe(&e))
            }
            #[cfg(not(any(windows, target_os = "linux")))]
            {
                Err("这个系统上没有可用的凭据库".to_owned())
            }
        })
        .as_ref()
        .map_err(Clone::clone)
}

fn entry(address: &str) -> Result<keyring_core::Entry, String> {
    keyring_core::Entry::new_in_store(store()?, SERVICE, address.trim()).map_err(|e| describe(&e))
}

fn describe(error: &keyring_core::Error) -> String {
    format!("无法使用系统凭据库（{error}）")
}

/// Codes kept for this run only, where the system's credential store cannot be used (a
/// Linux desktop without a Secret Service, a locked-down Windows profile): asked for once,
/// forgotten when the program ends.
fn session() -> std::sync::MutexGuard<'static, std::collections::HashMap<String, String>> {
    static SESSION: std::sync::OnceLock<
        std::sync::Mutex<std::collections::HashMap<String, String>>,
    > = std::sync::OnceLock::new();
    SESSION
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn key(address: &str) -> String {
    address.trim().to_lowercase()
}

/// Where a saved code went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    /// The system's credential store.
    System,
    /// This run only: the store could not be used, with why.
    Session(String),
}

/// Whether a code is there for an address, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeState {
    /// In the system's credential store.
    Stored,
    /// Kept for this run only (the store cannot be used: why).
    ThisRun(String),
    /// None saved (and why the store cannot be used, when it cannot).
    Missing(Option<String>),
}

impl CodeState {
    /// The field's words in 设置.
    pub fn words(&self) -> String {
        match self {
            Self::Stored => "已保存在系统凭据库中（不更换则留空）".to_owned(),
            Self::ThisRun(_) => "仅本次运行有效（系统凭据库不可用），退出后需重新填写".to_owned(),
            Self::Missing(None) => "尚未保存授权码".to_owned(),
            Self::Missing(Some(_)) => "尚未填写；系统凭据库不可用，填写后仅本次运行有效".to_owned(),
        }
    }
}

/// Stores the code for this address: in the system's credential store, else for this run.
pub fn save(address: &str, secret: &str) -> Result<Saved, String> {
    let saved =
        entry(address).and_then(|entry| entry.set_password(secret).map_err(|e| describe(&e)));
    match saved {
        Ok(()) => {
            session().remove(&key(address));
            Ok(Saved::System)
        }
        Err(why) => {
            session().insert(key(address), secret.to_owned());
            Ok(Saved::Session(why))
        }
    }
}

/// The code for this address, if any: the system's credential store, else this run's.
pub fn load(address: &str) -> Result<Option<String>, String> {
    let stored = entry(address).and_then(|entry| match entry.get_password() {
        Ok(secret) => Ok(Some(secret)),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(error) => Err(describe(&error)),
    });
    match stored {
        Ok(Some(secret)) => Ok(Some(secret)),
        Ok(None) => Ok(session().get(&key(address)).cloned()),
        Err(why) => match session().get(&key(address)) {
            Some(secret) => Ok(Some(secret.clone())),
            None => Err(format!(
                "{why}：请在“设置 → 单位邮箱”中填写授权码，本次运行期间有效"
            )),
        },
    }
}

/// Whether a code is saved for this address, and where.
pub fn state(address: &str) -> CodeState {
    let stored = entry(address).and_then(|entry| match entry.get_password() {
        Ok(_) => Ok(true),
        Err(keyring_core::Error::NoEntry) => Ok(false),
        Err(error) => Err(describe(&error)),
    });
    let this_run = session().contains_key(&key(address));
    match stored {
        Ok(true) => CodeState::Stored,
        Ok(false) if this_run => CodeState::ThisRun(String::new()),
        Ok(false) => CodeState::Missing(None),
        Err(why) if this_run => CodeState::ThisRun(why),
        Err(why) => CodeState::Missing(Some(why)),
    }
}

/// Forgets the code for this address.
pub fn delete(address: &str) -> Result<(), String> {
    session().remove(&key(address));
    match entry(address)?.delete_credential() {
        Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
        Err(error) => Err(describe(&error)),
    }
}
