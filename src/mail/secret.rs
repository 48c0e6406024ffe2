//! The mailbox's secret (163's client authorisation code, 授权码) in the system's credential
//! store: Windows Credential Manager, the Secret Service on Linux. It is never written to the
//! ledger, a settings file or the log.

const SERVICE: &str = "Taizhang 台账 邮箱授权码";

fn entry(address: &str) -> Result<keyring::Entry, String> {
    keyring::Entry::new(SERVICE, address.trim()).map_err(|e| describe(&e))
}

fn describe(error: &keyring::Error) -> String {
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
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(describe(&error)),
    }
}

/// Forgets the code for this address.
pub fn delete(address: &str) -> Result<(), String> {
    match entry(address)?.delete_credential() {
        Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
        Err(error) => Err(describe(&error)),
    }
}
