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

/// The declared size and Message-ID of each UID.
fn sizes_and_ids(
    connection: &mut Connection,
    uids: &[u32],
) -> Result<std::collections::HashMap<u32, (u64, Option<String>)>, MailboxError> {
    let mut found = std::collections::HashMap::new();
    for chunk in uids.chunks(CHUNK) {
        let set = chunk
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        connection
            .guard
            .begin("邮件大小和编号的列表", LIST, LIST, EXCHANGE);
        let fetches = connection
            .session
            .uid_fetch(
                &set,
                "(UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])",
            )
            .map_err(|e| connection.fail(&e))?;
        for fetch in fetches.iter() {
            if let Some(uid) = fetch.uid {
                let size = fetch.size.map_or(0, u64::from);
                found.insert(uid, (size, fetch.header().and_then(header_message_id)));
            }
        }
    }
    Ok(found)
}

/// A message's headers (the first [`HEADERS`] bytes of them).
fn headers_of(connection: &mut Connection, uid: u32) -> Result<Vec<u8>, MailboxError> {
    connection.guard.begin(
        &format!("邮件（UID {uid}）的邮件头"),
        HEADERS + OVERHEAD,
        HEADERS + OVERHEAD,
        EXCHANGE,
    );
    let fetches = connection
        .session
        .uid_fetch(
            uid.to_string(),
            format!("(UID BODY.PEEK[HEADER]<0.{HEADERS}>)"),
        )
        .map_err(|e| connection.fail(&e))?;
    Ok(fetches
        .iter()
        .find(|f| f.uid == Some(uid))
        .and_then(|f| f.header())
        .map(<[u8]>::to_vec)
        .unwrap_or_default())
}

/// A message's headers; when the server sends more than asked for them, none (on a new
/// connection), so that one message cannot block the mailbox.
fn headers_or_none(
    mut connection: Connection,
    uid: u32,
    reopen: &dyn Fn(Connection) -> Result<Connection, MailboxError>,
) -> Result<(Connection, Vec<u8>), MailboxError> {
    match headers_of(&mut connection, uid) {
        Ok(headers) => Ok((connection, headers)),
        Err(MailboxError::Misbehaved {
            overrun: super::net::Overrun::TooMuch { .. } | super::net::Overrun::Line { .. },
            ..
        }) => Ok((reopen(connection)?, Vec::new())),
        Err(error) => Err(error),
    }
}

/// What arrived for one message asked for in full.
enum Body {
    Bytes(Vec<u8>),
    Missing,
    /// The server sent more than asked: the connection is spent.
    Overrun,
}

/// Fetches at most [`super::MAX_MESSAGE`] + 1 bytes of a message, whatever it declared.
fn body_of(connection: &mut Connection, uid: u32) -> Result<Body, MailboxError> {
    let limit = super::MAX_MESSAGE + 1;
    connection.guard.begin(
        &format!("邮件（UID {uid}）"),
        limit + OVERHEAD,
        limit + OVERHEAD,
        connection.guard.time_left(),
    );
    let fetched = connection
        .session
        .uid_fetch(uid.to_string(), format!("(UID BODY.PEEK[]<0.{limit}>)"));
    let fetches = match fetched {
        Ok(fetches) => fetches,
        Err(error) => {
            let failed = connection.fail(&error);
            return match &failed {
                MailboxError::Misbehaved {
                    overrun: super::net::Overrun::TooMuch { .. } | super::net::Overrun::Line { .. },
                    ..
                } => Ok(Body::Overrun),
                _ => Err(failed),
            };
        }
    };
    Ok(fetches
        .iter()
        .find(|f| f.uid == Some(uid))
        .and_then(|f| f.body())
        .map_or(Body::Missing, |body| Body::Bytes(body.to_vec())))
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

/// Reads the folder's new messages (after the mark, or all of them when the UIDVALIDITY
/// changed), one by one, each handed to `each` as it arrives; `each` returns whether to go
/// on (the user may cancel). Ends at `deadline` with an error whose
/// [`MailboxError::is_deadline`] is true: what was handed on stays handed on.
pub fn fetch_new(
    account: &Account,
    known: &Known,
    deadline: Duration,
    each: &mut dyn FnMut(usize, usize, Fetched) -> bool,
) -> Result<(), MailboxError> {
    let guard = Guard::new(deadline);
    let mut connection = open(account, &guard)?;
    let (uid_validity, any) = examine(&mut connection, &account.folder)?;
    let reopen = |connection: Connection| -> Result<Connection, MailboxError> {
        drop(connection);
        let mut connection = open(account, &guard)?;
        let (validity, _) = examine(&mut connection, &account.folder)?;
        if validity != uid_validity {
            return Err(MailboxError::Lost(format!(
                "{} 的文件夹在读取中途改变了 UIDVALIDITY",
                connection.server
            )));
        }
        Ok(connection)
    };
    let same_folder = known
        .mark
        .is_some_and(|(validity, _)| validity == uid_validity);
    let after = match known.mark {
        Some((_, last)) if same_folder => last,
        _ => 0,
    };
    let mut uids: Vec<u32> = if any {
        connection.guard.begin("邮件列表", LIST, LIST, EXCHANGE);
        connection
            .session
            .uid_search(format!("UID {}:*", after.saturating_add(1)))
            .map_err(|e| connection.fail(&e))?
            .into_iter()
            // `N:*` always includes the last message, even when it is below N.
            .filter(|uid| *uid > after)
            .filter(|uid| !(same_folder && known.uids.contains(uid)))
            .collect()
    } else {
        Vec::new()
    };
    uids.sort_unstable();
    // A list the server garbles (a size past any number, a broken answer) must not block the
    // mailbox: read on without it, every message then fetched as its first 24 MB + 1 bytes.
    let listed = match sizes_and_ids(&mut connection, &uids) {
        Ok(listed) => listed,
        Err(error @ MailboxError::Misbehaved { .. }) => return Err(error),
        Err(_) => {
            connection = reopen(connection)?;
            std::collections::HashMap::new()
        }
    };
    let total = uids.len();
    for (index, uid) in uids.iter().copied().enumerate() {
        if connection.guard.past_deadline() {
            return Err(MailboxError::Misbehaved {
                server: connection.server.clone(),
                overrun: super::net::Overrun::Deadline(deadline),
            });
        }
        let (size, message_id) = listed.get(&uid).cloned().unwrap_or((0, None));
        let delivery =
            if let Some(message_id) = message_id.filter(|id| known.message_ids.contains(id)) {
                Delivery::Known { message_id }
            } else if size > super::MAX_MESSAGE {
                let (kept, headers) = headers_or_none(connection, uid, &reopen)?;
                connection = kept;
                Delivery::TooLarge {
                    size,
                    headers,
                    sent_past: false,
                }
            } else {
                match body_of(&mut connection, uid)? {
                    Body::Bytes(bytes) if bytes.len() as u64 > super::MAX_MESSAGE => {
                        let (kept, headers) = headers_or_none(connection, uid, &reopen)?;
                        connection = kept;
                        Delivery::TooLarge {
                            size: size.max(bytes.len() as u64),
                            headers,
                            sent_past: false,
                        }
                    }
                    Body::Bytes(bytes) => Delivery::Whole(bytes),
                    Body::Missing => Delivery::Missing,
                    Body::Overrun => {
                        // The server sent more than it was asked for: read the headers on a new
                        // connection and go on.
                        let (kept, headers) = headers_or_none(reopen(connection)?, uid, &reopen)?;
                        connection = kept;
                        Delivery::TooLarge {
                            size: size.max(super::MAX_MESSAGE + 1),
                            headers,
                            sent_past: true,
                        }
                    }
                }
            };
        let fetched = Fetched {
            uid_validity,
            uid,
            size,
            delivery,
        };
        if !each(index, total, fetched) {
            break;
        }
    }
    connection.guard.begin("退出的应答", SHORT, SHORT, EXCHANGE);
    let _ = connection.session.logout();
    Ok(())
}
