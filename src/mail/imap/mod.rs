//! Reading the office mailbox over IMAP, without changing anything on the server: the folder
//! is opened with `EXAMINE` (read-only) and messages are fetched with `BODY.PEEK[]`, so the
//! webmail still shows them unread; nothing is deleted, moved or flagged. Coremail (163, 126,
//! yeah.net) refuses to open a folder with "Unsafe Login" unless the client identifies itself
//! with the `ID` command (RFC 2971) after login, so it is always sent.
//!
//! The server is hostile input (see [`super::net`]): every exchange has a byte allowance, a line
//! cap and a time, and the whole fetch a deadline. The sizes and Message-IDs of the new
//! messages are read first; a message whose Message-ID the ledger holds is not downloaded
//! again (a UIDVALIDITY that changes is recognised so), and a message is fetched as its first
//! [`super::MAX_MESSAGE`] + 1 bytes only, whatever size the server declared: one that proves
//! larger is reported by its headers. A message the server did not deliver is reported as
//! such, never passed over in silence.

use std::collections::HashSet;
use std::io::{Read, Write};
use std::time::Duration;

mod fetch;

pub use fetch::fetch_new;

use super::MailboxError;
use super::net::{EXCHANGE, Guard, MailStream, Metered, Socket};
use super::tls::{Security, connect_tcp, wrap};

/// The mailbox to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    pub password: String,
    pub folder: String,
}

/// What the ledger already holds of the folder, so that nothing is fetched or recorded twice.
#[derive(Clone, Debug, Default)]
pub struct Known {
    /// The folder's UIDVALIDITY and the UID up to which every message was handled.
    pub mark: Option<(u32, u32)>,
    /// UIDs above the mark already recorded under that UIDVALIDITY.
    pub uids: HashSet<u32>,
    /// Every Message-ID the ledger holds.
    pub message_ids: HashSet<String>,
}

/// What the server gave for one new message.
#[derive(Clone, Debug)]
pub enum Delivery {
    /// The whole message, at most [`super::MAX_MESSAGE`] bytes.
    Whole(Vec<u8>),
    /// Larger than [`super::MAX_MESSAGE`] (by its declared size or by what arrived): only its
    /// headers were read. `sent_past`: the server sent more than it was asked for, so what it
    /// sent may not even be the message.
    TooLarge {
        size: u64,
        headers: Vec<u8>,
        sent_past: bool,
    },
    /// Its Message-ID is in the ledger already: not downloaded.
    Known { message_id: String },
    /// The server answered without the message: it stays to be fetched next time.
    Missing,
}

/// One new message on the server.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The folder's UIDVALIDITY, under which `uid` is valid.
    pub uid_validity: u32,
    pub uid: u32,
    /// The size the server declared (0 when it declared none).
    pub size: u64,
    pub delivery: Delivery,
}

/// What the client says of itself in `ID`.
fn id_command() -> String {
    format!(
        "ID (\"name\" \"Taizhang\" \"version\" \"{}\" \"vendor\" \"Taizhang\" \"support-email\" \"rsxstg@163.com\")",
        env!("CARGO_PKG_VERSION")
    )
}

/// Short answers: a greeting, a login, `ID`, a folder's state.
const SHORT: u64 = 64 * 1024;
/// A list of UIDs or of sizes and Message-IDs.
const LIST: u64 = 8 * 1024 * 1024;
/// Messages whose sizes and Message-IDs are asked at once.
const CHUNK: usize = 100;
/// The headers of a message too large to download.
const HEADERS: u64 = 256 * 1024;
/// What an answer may hold besides the literal it carries.
const OVERHEAD: u64 = 64 * 1024;

/// One connection: the session and the guard that bounds it.
struct Connection {
    session: imap::Session<MailStream>,
    guard: Guard,
    server: String,
}

impl Connection {
    /// The error of an IMAP call in words: what the guard stopped first.
    fn fail(&self, error: &imap::Error) -> MailboxError {
        failure(&self.server, &self.guard, error)
    }
}

fn failure(server: &str, guard: &Guard, error: &imap::Error) -> MailboxError {
    if let Some(overrun) = guard.tripped() {
        return MailboxError::Misbehaved {
            server: server.to_owned(),
            overrun,
        };
    }
    match error {
        imap::Error::Io(io) => super::tls::tls_failure(server, io, guard),
        imap::Error::ConnectionLost => MailboxError::Lost(format!("{server} 关闭了连接")),
        imap::Error::Parse(_) => {
            MailboxError::Lost(format!("{server} 的应答不符合 IMAP 协议，无法读取"))
        }
        imap::Error::No(no) => MailboxError::Lost(no.information.clone()),
        imap::Error::Bad(bad) => MailboxError::Lost(bad.information.clone()),
        imap::Error::Bye(bye) => MailboxError::Lost(bye.information.clone()),
        other => MailboxError::Lost(other.to_string()),
    }
}

/// Connects, logs in and sends `ID`, every step bounded by `guard`.
fn open(account: &Account, guard: &Guard) -> Result<Connection, MailboxError> {
    let server = format!("{}:{}", account.host, account.port);
    guard.reconnecting();
    let socket = connect_tcp(&account.host, account.port, guard)?;
    guard.begin("问候语", SHORT, SHORT, EXCHANGE);
    let stream = match account.security {
        Security::None => MailStream::Plain(Metered::new(socket, guard.clone())),
        Security::Tls => MailStream::Tls(Box::new(Metered::new(
            wrap(&account.host, socket, guard)?,
            guard.clone(),
        ))),
        Security::StartTls => {
            let socket = starttls(&server, socket, guard)?;
            MailStream::Tls(Box::new(Metered::new(
                wrap(&account.host, socket, guard)?,
                guard.clone(),
            )))
        }
    };
    let mut client = imap::Client::new(stream);
    if account.security != Security::StartTls {
        guard.begin("问候语", SHORT, SHORT, EXCHANGE);
        client
            .read_greeting()
            .map_err(|e| failure(&server, guard, &e))?;
    }
    guard.begin("登录的应答", SHORT, SHORT, EXCHANGE);
    let mut session = client
        .login(&account.user, &account.password)
        .map_err(|(error, _)| match error {
            imap::Error::No(no) => MailboxError::Login(no.information),
            imap::Error::Bad(bad) => MailboxError::Login(bad.information),
            imap::Error::Validate(_) => {
                MailboxError::Login("the code holds a character IMAP can't send".to_owned())
            }
            other => failure(&server, guard, &other),
        })?;
    // Coremail answers SELECT with "Unsafe Login" unless the client said who it is.
    guard.begin("ID 命令的应答", SHORT, SHORT, EXCHANGE);
    session
        .run_command_and_check_ok(id_command())
        .map_err(|e| failure(&server, guard, &e))?;
    Ok(Connection {
        session,
        guard: guard.clone(),
        server,
    })
}

/// Reads one line, a byte at a time (nothing past it is taken from the socket).
fn read_line(stream: &mut impl Read, line: &mut Vec<u8>) -> std::io::Result<bool> {
    line.clear();
    let mut byte = [0_u8; 1];
    loop {
        if stream.read(&mut byte)? == 0 {
            return Ok(!line.is_empty());
        }
        line.push(byte[0]);
        if byte[0] == b'\n' {
            return Ok(true);
        }
    }
}

/// Plain connection, greeting, `STARTTLS`; returns the socket ready for the handshake.
fn starttls(server: &str, socket: Socket, guard: &Guard) -> Result<Socket, MailboxError> {
    let failed = |error: std::io::Error| match guard.tripped() {
        Some(overrun) => MailboxError::Misbehaved {
            server: server.to_owned(),
            overrun,
        },
        None => MailboxError::Lost(format!("{server}: {error}")),
    };
    let mut metered = Metered::new(socket, guard.clone());
    let mut line = Vec::new();
    if !read_line(&mut metered, &mut line).map_err(failed)? || !line.starts_with(b"* OK") {
        return Err(MailboxError::Lost(format!(
            "{server} 的问候语不是 IMAP：{}",
            String::from_utf8_lossy(&line).trim()
        )));
    }
    guard.begin("STARTTLS 的应答", SHORT, SHORT, EXCHANGE);
    metered.write_all(b"s0 STARTTLS\r\n").map_err(failed)?;
    loop {
        if !read_line(&mut metered, &mut line).map_err(failed)? {
            return Err(MailboxError::Lost(format!("{server} 关闭了连接")));
        }
        if let Some(rest) = line.strip_prefix(b"s0 ") {
            if rest.starts_with(b"OK") {
                break;
            }
            return Err(MailboxError::Tls(format!(
                "服务器不支持 STARTTLS（{}）",
                String::from_utf8_lossy(rest).trim()
            )));
        }
    }
    Ok(metered.into_inner())
}

/// The Message-ID in a header block, without its angle brackets.
pub fn header_message_id(headers: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(headers);
    let mut value: Option<String> = None;
    for line in text.lines() {
        match &mut value {
            Some(value) if line.starts_with([' ', '\t']) => value.push_str(line.trim()),
            Some(_) => break,
            None => {
                if let Some((name, rest)) = line.split_once(':')
                    && name.trim().eq_ignore_ascii_case("message-id")
                {
                    value = Some(rest.trim().to_owned());
                }
            }
        }
    }
    let value = value?;
    let id = value
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    (!id.is_empty() && id.len() <= 998).then(|| id.to_owned())
}

/// Opens the folder read-only; returns its UIDVALIDITY and whether it holds any message.
fn examine(connection: &mut Connection, folder: &str) -> Result<(u32, bool), MailboxError> {
    connection
        .guard
        .begin("打开文件夹的应答", SHORT * 4, SHORT, EXCHANGE);
    let mailbox = connection.session.examine(folder).map_err(|e| match e {
        imap::Error::No(no) if no.information.contains("Unsafe Login") => {
            MailboxError::Refused(no.information)
        }
        imap::Error::No(_) => MailboxError::NoFolder(folder.to_owned()),
        other => connection.fail(&other),
    })?;
    Ok((mailbox.uid_validity.unwrap_or(0), mailbox.exists > 0))
}

/// Logs in and opens the folder read-only, then says goodbye (设置's 测试连接); whether the
/// folder holds any message.
pub fn check_login(account: &Account, deadline: Duration) -> Result<bool, MailboxError> {
    let guard = Guard::new(deadline);
    let mut connection = open(account, &guard)?;
    let (_, any) = examine(&mut connection, &account.folder)?;
    connection.guard.begin("退出的应答", SHORT, SHORT, EXCHANGE);
    let _ = connection.session.logout();
    Ok(any)
}
