//! Reading the office mailbox over IMAP, without changing anything on the server: the folder
//! is opened with `EXAMINE` (read-only) and messages are fetched with `BODY.PEEK[]`, so the
//! webmail still shows them unread; nothing is deleted, moved or flagged. Coremail (163, 126,
//! yeah.net) refuses to open a folder with "Unsafe Login" unless the client identifies itself
//! with the `ID` command (RFC 2971) after login, so it is always sent.
//!
//! Only messages with a UID above the last one read are fetched; their sizes are read first
//! and a message over [`super::MAX_MESSAGE`] is never downloaded.

use std::io::{BufRead as _, BufReader, Read, Write};
use std::net::TcpStream;

use super::tls::{Security, connect_tcp, wrap};

/// Why the mailbox could not be read: one Chinese sentence each.
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
    #[error("邮箱拒绝读取：{0}。163 等邮箱需要在网页设置中开启 IMAP/SMTP 服务。")]
    Refused(String),
    #[error("邮箱中没有文件夹“{0}”。")]
    NoFolder(String),
    #[error("与邮件服务器的连接中断：{0}")]
    Lost(String),
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
}

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

/// One new message on the server.
#[derive(Clone, Debug)]
pub struct Fetched {
    /// The folder's UIDVALIDITY, under which `uid` is valid.
    pub uid_validity: u32,
    pub uid: u32,
    pub size: u64,
    /// The raw message; `None` when it was too large to download.
    pub bytes: Option<Vec<u8>>,
}

/// What a fetch found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FolderState {
    pub uid_validity: u32,
    /// New messages found (before any was handled).
    pub new_messages: usize,
}

/// A stream that is plain or TLS.
enum Stream {
    Plain(TcpStream),
    Tls(Box<super::tls::TlsStream>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(s) => s.read(buf),
            Self::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Plain(s) => s.write(buf),
            Self::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Plain(s) => s.flush(),
            Self::Tls(s) => s.flush(),
        }
    }
}

/// What the client says of itself in `ID`.
fn id_command() -> String {
    format!(
        "ID (\"name\" \"Taizhang\" \"version\" \"{}\" \"vendor\" \"Taizhang\" \"support-email\" \"rsxstg@163.com\")",
        env!("CARGO_PKG_VERSION")
    )
}

fn lost(error: &imap::Error) -> MailboxError {
    MailboxError::Lost(error.to_string())
}

/// Connects, logs in and sends `ID`.
fn open(account: &Account) -> Result<imap::Session<Stream>, MailboxError> {
    let tcp = connect_tcp(&account.host, account.port)?;
    let stream = match account.security {
        Security::None => Stream::Plain(tcp),
        Security::Tls => Stream::Tls(Box::new(wrap(&account.host, tcp)?)),
        Security::StartTls => Stream::Tls(Box::new(wrap(
            &account.host,
            starttls(&account.host, tcp)?,
        )?)),
    };
    let mut client = imap::Client::new(stream);
    if account.security != Security::StartTls {
        client.read_greeting().map_err(|e| match e {
            imap::Error::Io(io) => super::tls::tls_failure(&account.host, &io),
            other => lost(&other),
        })?;
    }
    let mut session = client
        .login(&account.user, &account.password)
        .map_err(|(error, _)| match error {
            imap::Error::No(no) => MailboxError::Login(no.information),
            imap::Error::Bad(bad) => MailboxError::Login(bad.information),
            imap::Error::Validate(_) => {
                MailboxError::Login("the code holds a character IMAP can't send".to_owned())
            }
            other => lost(&other),
        })?;
    // Coremail answers SELECT with "Unsafe Login" unless the client said who it is.
    session
        .run_command_and_check_ok(id_command())
        .map_err(|e| lost(&e))?;
    Ok(session)
}

/// Plain connection, greeting, `STARTTLS`; returns the socket ready for the handshake.
fn starttls(host: &str, tcp: TcpStream) -> Result<TcpStream, MailboxError> {
    let failed = |detail: String| MailboxError::Connect {
        server: host.to_owned(),
        detail,
    };
    let mut reader = BufReader::new(tcp.try_clone().map_err(|e| failed(e.to_string()))?);
    let mut line = String::new();
    reader
        .read_line(&mut line)
        .map_err(|e| failed(e.to_string()))?;
    if !line.starts_with("* OK") {
        return Err(failed(line));
    }
    let mut writer = tcp;
    writer
        .write_all(b"s0 STARTTLS\r\n")
        .map_err(|e| failed(e.to_string()))?;
    loop {
        line.clear();
        if reader
            .read_line(&mut line)
            .map_err(|e| failed(e.to_string()))?
            == 0
        {
            return Err(failed("closed".to_owned()));
        }
        if let Some(rest) = line.strip_prefix("s0 ") {
            if rest.starts_with("OK") {
                break;
            }
            return Err(MailboxError::Tls(format!(
                "服务器不支持 STARTTLS（{}）",
                rest.trim()
            )));
        }
    }
    Ok(writer)
}

/// Reads the messages after `after_uid` (when `uid_validity` still matches), one by one, each
/// handed to `each` as it arrives; `each` returns whether to go on (the user may cancel).
/// Returns the folder's state.
pub fn fetch_new(
    account: &Account,
    known: Option<(u32, u32)>,
    each: &mut dyn FnMut(usize, usize, Fetched) -> bool,
) -> Result<FolderState, MailboxError> {
    let mut session = open(account)?;
    let mailbox = session.examine(&account.folder).map_err(|e| match e {
        imap::Error::No(no) if no.information.contains("Unsafe Login") => {
            MailboxError::Refused(no.information)
        }
        imap::Error::No(_) => MailboxError::NoFolder(account.folder.clone()),
        other => lost(&other),
    })?;
    let uid_validity = mailbox.uid_validity.unwrap_or(0);
    // A new UIDVALIDITY means the old numbers mean nothing: read everything, and rely on
    // Message-IDs to skip what was read before.
    let after = match known {
        Some((validity, last)) if validity == uid_validity => last,
        _ => 0,
    };
    let mut uids: Vec<u32> = if mailbox.exists == 0 {
        Vec::new()
    } else {
        session
            .uid_search(format!("UID {}:*", after.saturating_add(1)))
            .map_err(|e| lost(&e))?
            .into_iter()
            // `N:*` always includes the last message, even when it is below N.
            .filter(|uid| *uid > after)
            .collect()
    };
    uids.sort_unstable();
    let mut sizes = std::collections::HashMap::new();
    for chunk in uids.chunks(500) {
        let set = chunk
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let fetches = session
            .uid_fetch(&set, "(UID RFC822.SIZE)")
            .map_err(|e| lost(&e))?;
        for fetch in fetches.iter() {
            if let (Some(uid), Some(size)) = (fetch.uid, fetch.size) {
                sizes.insert(uid, u64::from(size));
            }
        }
    }
    let total = uids.len();
    for (index, uid) in uids.iter().enumerate() {
        let size = sizes.get(uid).copied().unwrap_or(0);
        let bytes = if size > super::MAX_MESSAGE {
            None
        } else {
            let fetches = session
                .uid_fetch(uid.to_string(), "(UID BODY.PEEK[])")
                .map_err(|e| lost(&e))?;
            let body = fetches
                .iter()
                .find(|f| f.uid == Some(*uid))
                .and_then(|f| f.body())
                .map(<[u8]>::to_vec);
            match body {
                Some(body) => Some(body),
                // Gone since the search (moved by someone else): skip it.
                None => continue,
            }
        };
        if !each(
            index,
            total,
            Fetched {
                uid_validity,
                uid: *uid,
                size,
                bytes,
            },
        ) {
            break;
        }
    }
    let _ = session.logout();
    Ok(FolderState {
        uid_validity,
        new_messages: total,
    })
}
