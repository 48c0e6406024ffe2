//! One SMTP connection: the greeting, EHLO, STARTTLS, the login, and one message's envelope
//! and data, each reply read within the guard's caps.

use std::io::{BufRead as _, BufReader, Write as _};

use super::super::MailboxError;
use super::super::net::{EXCHANGE, Guard, MailStream, Metered};
use super::super::tls::{Security, connect_tcp, wrap};
use super::{Delivery, SendError, SmtpAccount};

/// A reply may have lines of at most this many bytes (RFC 5321 says 512)...
const REPLY_LINE: u64 = 4 * 1024;
/// ...and at most this many bytes in all.
const REPLY: u64 = 64 * 1024;

/// One reply: its code and its text (the lines joined).
pub(super) struct Reply {
    code: u16,
    text: String,
}

impl Reply {
    fn is(&self, class: u16) -> bool {
        self.code / 100 == class
    }
}

/// An open, logged-in SMTP connection.
pub(super) struct Connection {
    reader: BufReader<MailStream>,
    guard: Guard,
    server: String,
    /// The server offers SMTPUTF8 (RFC 6531).
    pub(super) smtputf8: bool,
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
        super::super::tls::tls_failure(&self.server, error, &self.guard).into()
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

    pub(super) fn command(&mut self, line: &str, what: &str) -> Result<Reply, SendError> {
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

    pub(super) fn open(account: &SmtpAccount, guard: &Guard) -> Result<Self, SendError> {
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
    pub(super) fn send(
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
