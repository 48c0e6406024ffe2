//! The office mailbox as accounts for the IMAP fetch and the SMTP send, and 设置's 测试连接:
//! a login to each server, saying what worked.

use std::time::Duration;

// What the front ends handle of the mailbox (the code in the system's credential store, the
// connection's security, the deadlines and the size cap), named through the service.
pub use crate::mail::MAX_MESSAGE;
use crate::mail::imap::Account;
pub use crate::mail::net::{FETCH_DEADLINE, SEND_DEADLINE};
pub use crate::mail::secret;
use crate::mail::smtp::{Sender, SmtpAccount};
pub use crate::mail::tls::Security;
use crate::store::MailboxSettings;

/// How long 测试连接 waits for each server.
const TEST_DEADLINE: Duration = Duration::from_secs(30);

/// The mailbox's IMAP account.
pub fn imap_account(mailbox: &MailboxSettings, code: &str) -> Account {
    Account {
        host: mailbox.imap_host.trim().to_owned(),
        port: mailbox.imap_port,
        security: mailbox.imap_security,
        user: mailbox.address.trim().to_owned(),
        password: code.to_owned(),
        folder: mailbox.folder.clone(),
    }
}

/// The mailbox's SMTP account; the sender as for `chase --send` (`unit_email`: 设置 → 电子邮箱).
pub fn smtp_account(mailbox: &MailboxSettings, unit_email: &str, code: &str) -> SmtpAccount {
    SmtpAccount {
        host: mailbox.smtp_host.trim().to_owned(),
        port: mailbox.smtp_port,
        security: mailbox.smtp_security,
        user: mailbox.address.trim().to_owned(),
        password: code.to_owned(),
        from: super::chase_sender(&mailbox.address, &mailbox.address, unit_email),
    }
}

/// Logs in to the IMAP server (opening the folder read-only) and to the SMTP server, one after
/// the other; one line for each, saying what worked or why not. Nothing is fetched or sent.
pub fn test_connection(mailbox: &MailboxSettings, unit_email: &str, code: &str) -> Vec<String> {
    let mut lines = Vec::new();
    if mailbox.imap_host.trim().is_empty() {
        lines.push("收信服务器（IMAP）：尚未填写".to_owned());
    } else {
        let account = imap_account(mailbox, code);
        lines.push(
            match crate::mail::imap::check_login(&account, TEST_DEADLINE) {
                Ok(any) => format!(
                    "收信服务器 {}:{}：登录成功，已打开文件夹“{}”{}",
                    account.host,
                    account.port,
                    account.folder,
                    if any { "" } else { "（文件夹是空的）" }
                ),
                Err(error) => format!("收信服务器 {}:{}：{}", account.host, account.port, error),
            },
        );
    }
    if mailbox.smtp_host.trim().is_empty() {
        lines.push("发信服务器（SMTP）：尚未填写".to_owned());
    } else {
        let account = smtp_account(mailbox, unit_email, code);
        let checked = Sender::with_deadline(&account, TEST_DEADLINE).and_then(|mut sender| {
            let checked = sender.check();
            sender.quit();
            checked
        });
        lines.push(match checked {
            Ok(()) => format!(
                "发信服务器 {}:{}：登录成功（发件地址 {}）",
                account.host, account.port, account.from
            ),
            Err(error) => format!("发信服务器 {}:{}：{}", account.host, account.port, error),
        });
    }
    lines
}
