//! Why a mail server could not be used: one Chinese sentence each, naming the server and what
//! it did.

use super::net::Overrun;

/// Why the mailbox could not be read or a message not sent.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum MailboxError {
    #[error("无法连接邮件服务器（{server}）：请检查网络和服务器地址、端口。")]
    Connect { server: String, detail: String },
    #[error(
        "邮件服务器（{server}）的安全证书不受本机信任：{reason}。已拒绝连接。如单位网络使用自己的根证书，请让信息管理人员把它装入本机的受信任根证书。"
    )]
    Untrusted { server: String, reason: String },
    #[error("无法建立加密连接：{0}")]
    Tls(String),
    #[error("登录失败：请确认填写的是客户端授权码（不是网页登录密码），以及邮箱地址是否正确。")]
    Login(String),
    #[error(
        "邮件服务器（{server}）不支持本程序能用的登录方式（本程序支持 PLAIN、LOGIN；服务器提供：{offered}）。请改用 SSL/TLS 端口，或换用邮箱服务商提供的服务器。"
    )]
    AuthMechanism { server: String, offered: String },
    #[error("邮箱拒绝读取：{0}。163 等邮箱需要在网页设置中开启 IMAP/SMTP 服务。")]
    Refused(String),
    #[error("邮箱中没有文件夹“{0}”。")]
    NoFolder(String),
    #[error("与邮件服务器的连接中断：{0}")]
    Lost(String),
    /// The connection was made, but the server then misbehaved: silent, too slow, an endless
    /// line, more than it may send.
    #[error("邮件服务器（{server}）已连接，但{overrun}，已断开连接。")]
    Misbehaved { server: String, overrun: Overrun },
    #[error("没有设置邮箱：请先在“设置”中填写邮箱地址、服务器和授权码。")]
    NotSet,
}

impl MailboxError {
    /// The message with what the server or the system said, for the log.
    pub fn log_detail(&self) -> String {
        match self {
            Self::Connect { detail, .. } => format!("{self} [{detail}]"),
            Self::Login(detail) | Self::Lost(detail) => format!("{self} [{detail}]"),
            other => other.to_string(),
        }
    }

    /// Whether the job ran out of time (what was done stays done; the rest waits).
    pub fn is_deadline(&self) -> bool {
        matches!(
            self,
            Self::Misbehaved {
                overrun: Overrun::Deadline(_),
                ..
            }
        )
    }
}
