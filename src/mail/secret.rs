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

/// Stores the code for this address.
pub fn save(address: &str, secret: &str) -> Result<(), String> {
    entry(address)?
        .set_password(secret)
        .map_err(|e| describe(&e))
}

/// The code stored for this address, if any.
pub fn load(address: &str) -> Result<Option<String>, String> {
    match entry(address)?.get_password() {
        Ok(secret) => Ok(Some(secret)),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(error) => Err(describe(&error)),
    }
}

/// Forgets the code for this address.
pub fn delete(address: &str) -> Result<(), String> {
    match entry(address)?.delete_credential() {
        Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
        Err(error) => Err(describe(&error)),
    }
}
