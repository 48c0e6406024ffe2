//! Sending e-mails through the office mailbox's SMTP server. The messages are built with
//! lettre (plain text, UTF-8, the subject RFC 2047-encoded); the conversation with the server
//! is ours, over the guarded stream of [`super::net`], because lettre reads the server's lines
//! without a cap and cannot be given another stream. Each reply has a line cap, a size cap and
//! a time, and a run of sends one deadline.

use std::io::{BufRead as _, BufReader, Write as _};
use std::time::Duration;

use lettre::Message;

use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart, header::ContentType};

use super::MailboxError;
use super::net::{EXCHANGE, Guard, MailStream, Metered, SEND_DEADLINE};
use super::tls::{Security, connect_tcp, wrap};

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

/// A reply may have lines of at most this many bytes (RFC 5321 says 512)...
const REPLY_LINE: u64 = 4 * 1024;
/// ...and at most this many bytes in all.
const REPLY: u64 = 64 * 1024;

/// One reply: its code and its text (the lines joined).
struct Reply {
    code: u16,
    text: String,
}

impl Reply {
    fn is(&self, class: u16) -> bool {
        self.code / 100 == class
    }
}

/// An open, logged-in SMTP connection.
struct Connection {
    reader: BufReader<MailStream>,
    guard: Guard,
    server: String,
    /// The server offers SMTPUTF8 (RFC 6531).
    smtputf8: bool,
}

/// Base64 (RFC 4648, padded): the AUTH exchange's encoding.
pub(crate) fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(TABLE[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl Connection {
    fn io_failure(&self, error: &std::io::Error) -> SendError {
        super::tls::tls_failure(&self.server, error, &self.guard).into()
    }

    /// Reads one reply (all its lines), within the guard's limits for `what`.
    fn reply(&mut self, what: &str) -> Result<Reply, SendError> {
        self.guard.begin(what, REPLY, REPLY_LINE, EXCHANGE);
        let mut text = String::new();
        let mut line = Vec::new();
        loop {
            line.clear();
            let read = self
                .reader
                .read_until(b'\n', &mut line)
                .map_err(|e| self.io_failure(&e))?;
            if read == 0 {
                return Err(MailboxError::Lost(format!("{} 关闭了连接", self.server)).into());
            }
            let line = String::from_utf8_lossy(&line);
            let line = line.trim_end();
            let code = line
                .get(..3)
                .and_then(|c| c.parse::<u16>().ok())
                .filter(|c| (200..600).contains(c));
            let Some(code) = code else {
                return Err(MailboxError::Lost(format!(
                    "{} 的应答不符合 SMTP 协议：{}",
                    self.server,
                    line.chars().take(80).collect::<String>()
                ))
                .into());
            };
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(line.get(4..).unwrap_or_default());
            if line.as_bytes().get(3) != Some(&b'-') {
                return Ok(Reply { code, text });
            }
        }
    }

    fn send_line(&mut self, line: &str) -> Result<(), SendError> {
        self.guard.begin("发送命令", REPLY, REPLY_LINE, EXCHANGE);
        let stream = self.reader.get_mut();
        stream
            .write_all(line.as_bytes())
            .and_then(|()| stream.write_all(b"\r\n"))
            .and_then(|()| stream.flush())
            .map_err(|e| self.io_failure(&e))
    }

    fn command(&mut self, line: &str, what: &str) -> Result<Reply, SendError> {
        self.send_line(line)?;
        self.reply(what)
    }

    /// `EHLO`; returns the extensions the server offers.
    fn ehlo(&mut self) -> Result<Vec<String>, SendError> {
        let reply = self.command("EHLO localhost", "EHLO 的应答")?;
        if !reply.is(2) {
            return Err(SendError::Rejected(format!(
                "{} {}",
                reply.code, reply.text
            )));
        }
        Ok(reply.text.lines().skip(1).map(str::to_owned).collect())
    }

    fn login(&mut self, account: &SmtpAccount, extensions: &[String]) -> Result<(), SendError> {
        let offered: Vec<String> = extensions
            .iter()
            .filter_map(|e| {
                let upper = e.to_ascii_uppercase();
                upper
                    .strip_prefix("AUTH ")
                    .or_else(|| upper.strip_prefix("AUTH="))
                    .map(str::to_owned)
            })
            .flat_map(|list| {
                list.split_whitespace()
                    .map(str::to_owned)
                    .collect::<Vec<_>>()
            })
            .collect();
        let refused = |reply: &Reply| -> SendError {
            if matches!(reply.code, 535 | 530 | 534 | 454) || reply.is(5) {
                MailboxError::Login(format!("{} {}", reply.code, reply.text)).into()
            } else {
                SendError::Rejected(format!("{} {}", reply.code, reply.text))
            }
        };
        if offered.iter().any(|m| m == "PLAIN") {
            let token = base64(format!("\0{}\0{}", account.user, account.password).as_bytes());
            let reply = self.command(&format!("AUTH PLAIN {token}"), "登录的应答")?;
            return if reply.is(2) {
                Ok(())
            } else {
                Err(refused(&reply))
            };
        }
        if offered.iter().any(|m| m == "LOGIN") {
            let reply = self.command("AUTH LOGIN", "登录的应答")?;
            if reply.code != 334 {
                return Err(refused(&reply));
            }
            let reply = self.command(&base64(account.user.as_bytes()), "登录的应答")?;
            if reply.code != 334 {
                return Err(refused(&reply));
            }
            let reply = self.command(&base64(account.password.as_bytes()), "登录的应答")?;
            return if reply.is(2) {
                Ok(())
            } else {
                Err(refused(&reply))
            };
        }
        Err(MailboxError::AuthMechanism {
            server: self.server.clone(),
            offered: if offered.is_empty() {
                "无".to_owned()
            } else {
                offered.join("、")
            },
        }
        .into())
    }

    fn open(account: &SmtpAccount, guard: &Guard) -> Result<Self, SendError> {
        let server = format!("{}:{}", account.host, account.port);
        guard.reconnecting();
        let socket = connect_tcp(&account.host, account.port, guard)?;
        guard.begin("问候语", REPLY, REPLY_LINE, EXCHANGE);
        let stream = match account.security {
            Security::Tls => MailStream::Tls(Box::new(Metered::new(
                wrap(&account.host, socket, guard)?,
                guard.clone(),
            ))),
            Security::StartTls | Security::None => {
                MailStream::Plain(Metered::new(socket, guard.clone()))
            }
        };
        let mut connection = Self {
            reader: BufReader::new(stream),
            guard: guard.clone(),
            server,
            smtputf8: false,
        };
        let greeting = connection.reply("问候语")?;
        if !greeting.is(2) {
            return Err(MailboxError::Lost(format!(
                "{} 拒绝了连接：{} {}",
                connection.server, greeting.code, greeting.text
            ))
            .into());
        }
        let mut extensions = connection.ehlo()?;
        if account.security == Security::StartTls {
            if !extensions
                .iter()
                .any(|e| e.eq_ignore_ascii_case("STARTTLS"))
            {
                return Err(MailboxError::Tls(
                    "服务器不支持 STARTTLS，请把加密方式改为 SSL/TLS（163 的端口 465）".to_owned(),
                )
                .into());
            }
            let reply = connection.command("STARTTLS", "STARTTLS 的应答")?;
            if reply.code != 220 {
                return Err(MailboxError::Tls(format!(
                    "服务器不支持 STARTTLS（{} {}）",
                    reply.code, reply.text
                ))
                .into());
            }
            // Anything the server sent after its 220 would be read as if encrypted: refuse
            // (the STARTTLS injection).
            if !connection.reader.buffer().is_empty() {
                return Err(MailboxError::Tls(format!(
                    "{} 在 STARTTLS 之后多发了未加密的内容，已断开",
                    connection.server
                ))
                .into());
            }
            let MailStream::Plain(metered) = connection.reader.into_inner() else {
                return Err(MailboxError::Tls("STARTTLS".to_owned()).into());
            };
            let tls = wrap(&account.host, metered.into_inner(), guard)?;
            connection = Self {
                reader: BufReader::new(MailStream::Tls(Box::new(Metered::new(tls, guard.clone())))),
                guard: guard.clone(),
                server: connection.server,
                smtputf8: false,
            };
            extensions = connection.ehlo()?;
        }
        connection.smtputf8 = extensions
            .iter()
            .any(|e| e.trim().eq_ignore_ascii_case("SMTPUTF8"));
        connection.login(account, &extensions)?;
        Ok(connection)
    }

    /// One message: envelope, then the data, dot-stuffed. `before_data` runs once the server
    /// is ready for the data and before any of it is handed over (the caller records the
    /// message as possibly sent); when it fails the message is not sent.
    fn send(
        &mut self,
        (from, to, utf8): (&str, &str, bool),
        data: &[u8],
        before_data: &mut dyn FnMut() -> Result<(), String>,
    ) -> Delivery {
        let refused = |reply: &Reply| SendError::Rejected(format!("{} {}", reply.code, reply.text));
        let mail_from = if utf8 {
            format!("MAIL FROM:<{from}> SMTPUTF8")
        } else {
            format!("MAIL FROM:<{from}>")
        };
        match self.command(&mail_from, "发件人的应答") {
            Ok(reply) if reply.is(2) => {}
            Ok(reply) => return Delivery::Failed(refused(&reply)),
            Err(error) => return Delivery::Failed(error),
        }
        match self.command(&format!("RCPT TO:<{to}>"), "收件人的应答") {
            Ok(reply) if reply.is(2) => {}
            Ok(reply) => {
                let _ = self.command("RSET", "RSET 的应答");
                return Delivery::Failed(refused(&reply));
            }
            Err(error) => return Delivery::Failed(error),
        }
        match self.command("DATA", "DATA 的应答") {
            Ok(reply) if reply.code == 354 => {}
            Ok(reply) => {
                let _ = self.command("RSET", "RSET 的应答");
                return Delivery::Failed(refused(&reply));
            }
            Err(error) => return Delivery::Failed(error),
        }
        if let Err(why) = before_data() {
            // The data was not handed over: the server drops the transaction when the
            // connection goes, so nothing was sent.
            return Delivery::Failed(SendError::Ours(why));
        }
        let mut stuffed = Vec::with_capacity(data.len() + 64);
        for line in data.split_inclusive(|b| *b == b'\n') {
            if line.starts_with(b".") {
                stuffed.push(b'.');
            }
            stuffed.extend_from_slice(line);
        }
        if !stuffed.ends_with(b"\r\n") {
            stuffed.extend_from_slice(b"\r\n");
        }
        stuffed.extend_from_slice(b".\r\n");
        self.guard.begin("发送邮件", REPLY, REPLY_LINE, EXCHANGE);
        let stream = self.reader.get_mut();
        if let Err(error) = stream.write_all(&stuffed).and_then(|()| stream.flush()) {
            // The end of the data never reached the server: it keeps nothing.
            return Delivery::Failed(self.io_failure(&error));
        }
        match self.reply("邮件正文的应答") {
            Ok(reply) if reply.is(2) => Delivery::Sent,
            Ok(reply) => Delivery::Failed(refused(&reply)),
            // Handed over, no complete reply: the server may hold the message.
            Err(error) => Delivery::Uncertain(error),
        }
    }
}

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
