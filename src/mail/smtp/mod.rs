//! Sending e-mails through the office mailbox's SMTP server. The messages are built with
//! lettre (plain text, UTF-8, the subject RFC 2047-encoded); the conversation with the server
//! is ours, over the guarded stream of [`super::net`], because lettre reads the server's lines
//! without a cap and cannot be given another stream. Each reply has a line cap, a size cap and
//! a time, and a run of sends one deadline.

use std::time::Duration;

use lettre::Message;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};

use super::MailboxError;
use super::net::{Guard, SEND_DEADLINE};
use super::tls::Security;

/// The server to send through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpAccount {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    pub password: String,
    /// The sender's address (the user when it is an address, else the unit's address).
    pub from: String,
}

/// One message to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub to: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
    /// Files attached (a template, the month's sheet).
    pub attachments: Vec<OutgoingFile>,
    /// `<…@…>`: the same for every send of the same message, so that a mail client can see a
    /// repeat.
    pub message_id: String,
}

/// What became of one message handed to [`Sender::send`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// The server confirmed it with a complete final reply.
    Sent,
    /// Not delivered: refused before the data was handed over, or refused with a clear 4xx/5xx
    /// reply to it. Safe to send again.
    Failed(SendError),
    /// The data was handed over but no complete reply came (late, cut, the connection lost):
    /// the server may hold the message. Never sent again without asking.
    Uncertain(SendError),
}

/// A file attached to a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingFile {
    pub name: String,
    /// `application/pdf`, …
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl OutgoingFile {
    /// A file to attach, its type from its extension.
    pub fn new(name: &str, bytes: Vec<u8>) -> Self {
        let lower = name.to_lowercase();
        let content_type = if lower.ends_with(".xlsx") {
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        } else if lower.ends_with(".pdf") {
            "application/pdf"
        } else if lower.ends_with(".docx") {
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        } else {
            "application/octet-stream"
        };
        Self {
            name: clean_name(name),
            content_type: content_type.to_owned(),
            bytes,
        }
    }
}

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SendError {
    #[error(transparent)]
    Mailbox(#[from] MailboxError),
    #[error("收件地址“{0}”不是有效的邮箱地址。")]
    BadAddress(String),
    #[error(
        "发件地址“{0}”不是有效的邮箱地址：请在“设置 → 单位邮箱”中填写本单位的邮箱地址，或用邮箱地址作为用户名。"
    )]
    BadSender(String),
    #[error("邮件服务器拒绝发送：{0}")]
    Rejected(String),
    /// A problem of ours (a file to attach, the message's making, the ledger), never the
    /// server's.
    #[error("{0}")]
    Ours(String),
    #[error(
        "收件地址“{0}”的用户名含有中文等非 ASCII 字符，而邮件服务器不支持 SMTPUTF8：无法发往该地址，请改用对方的英文地址。"
    )]
    NeedsSmtpUtf8(String),
}

impl SendError {
    pub fn log_detail(&self) -> String {
        match self {
            Self::Mailbox(error) => error.log_detail(),
            other => other.to_string(),
        }
    }

    /// Whether the connection can go on after this error (the server refused one message).
    fn keeps_connection(&self) -> bool {
        matches!(
            self,
            Self::BadAddress(_) | Self::Rejected(_) | Self::Ours(_) | Self::NeedsSmtpUtf8(_)
        )
    }
}

mod connection;

use connection::Connection;
pub(crate) use connection::base64;

/// Sends one message after another over one connection, within one deadline.
pub struct Sender {
    account: SmtpAccount,
    from: Mailbox,
    guard: Guard,
    connection: Option<Connection>,
}

impl Sender {
    /// A sender whose whole run ends within [`SEND_DEADLINE`].
    pub fn new(account: &SmtpAccount) -> Result<Self, SendError> {
        Self::with_deadline(account, SEND_DEADLINE)
    }

    pub fn with_deadline(account: &SmtpAccount, deadline: Duration) -> Result<Self, SendError> {
        let from: Mailbox = account
            .from
            .trim()
            .parse()
            .map_err(|_| SendError::BadSender(account.from.clone()))?;
        Ok(Self {
            account: account.clone(),
            from,
            guard: Guard::new(deadline),
            connection: None,
        })
    }

    fn connection(&mut self) -> Result<&mut Connection, SendError> {
        if self.connection.is_none() && self.guard.past_deadline() {
            // The run is out of time: say so, never "cannot connect".
            return Err(MailboxError::Misbehaved {
                server: format!("{}:{}", self.account.host, self.account.port),
                overrun: super::net::Overrun::Deadline(self.guard.deadline()),
            }
            .into());
        }
        if self.connection.is_none() {
            self.connection = Some(Connection::open(&self.account, &self.guard)?);
        }
        self.connection
            .as_mut()
            .ok_or_else(|| MailboxError::Lost(self.account.host.clone()).into())
    }

    /// Checks that the server answers and accepts the login, before anything is sent.
    pub fn check(&mut self) -> Result<(), SendError> {
        self.connection().map(|_| ())
    }

    /// Sends one message: checks its address (ours to refuse, before the server is asked),
    /// builds it with its stable Message-ID and the Date of now, and hands it over.
    /// `before_data` runs just before the data goes (see [`Delivery`]).
    pub fn send(
        &mut self,
        outgoing: &Outgoing,
        before_data: &mut dyn FnMut() -> Result<(), String>,
    ) -> Delivery {
        let checked = match super::address::check_outgoing(&outgoing.to) {
            Ok(checked) => checked,
            Err(error) => return Delivery::Failed(SendError::Ours(error.to_string())),
        };
        let Ok(address) = checked.address.parse::<lettre::Address>() else {
            return Delivery::Failed(SendError::BadAddress(outgoing.to.clone()));
        };
        let to = Mailbox::new(
            (!outgoing.to_name.is_empty()).then(|| clean_name(&outgoing.to_name)),
            address.clone(),
        );
        let builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(outgoing.subject.clone())
            .message_id((!outgoing.message_id.is_empty()).then(|| outgoing.message_id.clone()));
        let message = if outgoing.attachments.is_empty() {
            builder
                .header(ContentType::TEXT_PLAIN)
                .body(outgoing.body.clone())
        } else {
            let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(outgoing.body.clone()));
            for file in &outgoing.attachments {
                let Ok(kind) = ContentType::parse(&file.content_type) else {
                    return Delivery::Failed(SendError::Ours(format!(
                        "附件“{}”的类型无法识别，未发送。",
                        file.name
                    )));
                };
                parts = parts
                    .singlepart(Attachment::new(file.name.clone()).body(file.bytes.clone(), kind));
            }
            builder.multipart(parts)
        };
        let message = match message {
            Ok(message) => message,
            Err(_) => {
                return Delivery::Failed(SendError::Ours(format!(
                    "本程序未能生成发往“{}”的邮件（收件人、发件人或附件不合要求），未发送。",
                    outgoing.to
                )));
            }
        };
        let data = message.formatted();
        let from = self.from.email.to_string();
        let connection = match self.connection() {
            Ok(connection) => connection,
            Err(error) => {
                self.connection = None;
                return Delivery::Failed(error);
            }
        };
        if checked.needs_smtputf8 && !connection.smtputf8 {
            return Delivery::Failed(SendError::NeedsSmtpUtf8(outgoing.to.clone()));
        }
        let delivery = connection.send(
            (&from, &checked.address, checked.needs_smtputf8),
            &data,
            before_data,
        );
        let keep = match &delivery {
            Delivery::Sent => true,
            Delivery::Failed(error) => error.keeps_connection(),
            Delivery::Uncertain(_) => false,
        };
        if !keep {
            self.connection = None;
        }
        delivery
    }

    /// Says goodbye (best effort).
    pub fn quit(mut self) {
        if let Some(connection) = self.connection.as_mut() {
            let _ = connection.command("QUIT", "QUIT 的应答");
        }
    }
}

/// A display name without control characters (they would break the header).
fn clean_name(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(100).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_of_the_rfc_examples() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64(b"\0u\0p"), "AHUAcA==");
    }
}
