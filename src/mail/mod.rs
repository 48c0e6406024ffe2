//! E-mails as departments send them: saved `.eml` files (Foxmail, Thunderbird, 163's export),
//! Outlook `.msg` files, bare bodies saved as `.txt`, and messages fetched over IMAP. Each is
//! read into one [`MailMessage`]: sender, date, subject, the body's own text and the
//! attachments. MIME (encoded words, RFC 2231 names, base64, quoted-printable, GBK and the
//! other charsets) is mail-parser's; the `.msg` container is read with `cfb`. Nothing here
//! touches the ledger or the network.

pub mod address;
mod error;
mod forward;
mod headers;
pub mod imap;
mod mime;
pub mod msg;
pub mod net;
pub mod quote;
pub mod secret;
pub mod smtp;
pub mod tls;

use chrono::{DateTime, Datelike as _, FixedOffset, NaiveDate};

pub use error::MailboxError;

/// A saved e-mail may be at most this large: a return is a few hundred KB; a 25 MB attachment
/// (34 MB once base64-encoded) is not a return and is refused before it is read.
pub const MAX_MESSAGE: u64 = 24 * 1024 * 1024;
/// Attachments a message may carry.
const MAX_ATTACHMENTS: usize = 50;

/// China Standard Time, in which received dates are counted.
pub fn china_time() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| FixedOffset::east_opt(0).expect("UTC"))
}

/// One attached file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attachment {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// One e-mail, read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MailMessage {
    /// The Message-ID without its angle brackets; a digest of the message when it has none.
    pub message_id: String,
    /// The sender's address, lower-case.
    pub from: String,
    /// The sender's display name.
    pub from_name: String,
    pub subject: String,
    pub date: Option<DateTime<FixedOffset>>,
    /// The body as text (the plain part, else the HTML part's text).
    pub body: String,
    pub attachments: Vec<Attachment>,
    /// What could not be read, said plainly.
    pub warnings: Vec<String>,
    /// When the file is a forward (a message attached whole, `message/rfc822` or an embedded
    /// Outlook item): who forwarded it. The fields above are then the forwarded message's own
    /// (its sender, date, subject and attachments), the forwarder's attachments after them.
    pub forwarded_by: Option<String>,
}

impl MailMessage {
    /// The day the message was sent, in China Standard Time.
    pub fn received_on(&self) -> Option<NaiveDate> {
        self.date
            .map(|date| date.with_timezone(&china_time()).date_naive())
    }

    /// Whether the subject says it is a forwarded message.
    pub fn is_forward(&self) -> bool {
        let subject = self.subject.trim_start().to_lowercase();
        ["fw:", "fwd:", "fw：", "fwd：", "转发:", "转发：", "转发"]
            .iter()
            .any(|prefix| subject.starts_with(prefix))
    }
}

/// Why a message can't be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MailError {
    #[error("文件是空的。")]
    Empty,
    #[error("邮件太大（{0} MB），超过报送邮件的上限（{limit} MB），未读取。请在邮箱网页中下载附件后单独导入。", limit = MAX_MESSAGE / 1024 / 1024)]
    TooLarge(u64),
    #[error("邮件服务器为这封邮件发送的内容超过 {limit} MB（或不是正常的应答），未读取，只按邮件头记录。请在邮箱网页中查看这封邮件，附件可下载后单独导入。", limit = MAX_MESSAGE / 1024 / 1024)]
    SentPast,
    #[error("这不是邮件文件（.eml 或 .msg），也不是邮件正文文本。")]
    NotMail,
    /// The reader's own words stay in the payload, for the log.
    #[error("邮件文件已损坏，无法读取。请在邮件程序中重新另存为 .eml 后再导入。")]
    Corrupt(String),
}

impl MailError {
    /// The message with what the reader itself said, for the log.
    pub fn log_detail(&self) -> String {
        match self {
            Self::Corrupt(detail) => format!("{self} [{detail}]"),
            other => other.to_string(),
        }
    }
}

/// What a file given as an e-mail holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailKind {
    /// An RFC 5322 message (`.eml`).
    Eml,
    /// An Outlook message (a compound file).
    Msg,
    /// A body saved as text.
    Text,
}

/// Recognises an e-mail file by its content (never by its name).
pub fn sniff(bytes: &[u8]) -> Result<MailKind, MailError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(MailError::Empty);
    }
    if bytes.len() as u64 > MAX_MESSAGE {
        return Err(MailError::TooLarge(bytes.len() as u64 / 1024 / 1024));
    }
    let container = crate::readers::sniff::container(bytes);
    if container == crate::readers::sniff::Container::Compound {
        return Ok(MailKind::Msg);
    }
    if container == crate::readers::sniff::Container::Zip
        || bytes.contains(&0) && !looks_utf16(bytes)
    {
        return Err(MailError::NotMail);
    }
    if mime::has_headers(bytes) {
        return Ok(MailKind::Eml);
    }
    Ok(MailKind::Text)
}

fn looks_utf16(bytes: &[u8]) -> bool {
    crate::readers::sniff::utf16_bom(bytes).is_some()
}

/// Reads a saved e-mail (or a body saved as text) into a message.
pub fn parse_mail(bytes: &[u8]) -> Result<MailMessage, MailError> {
    match crate::read_ahead::MAIL.take(bytes) {
        Some(message) => Ok(message),
        None => parse_mail_now(bytes),
    }
}

/// [`parse_mail`] itself, never taken from what was read ahead ([`crate::read_ahead`]).
pub fn parse_mail_now(bytes: &[u8]) -> Result<MailMessage, MailError> {
    let mut message = match sniff(bytes)? {
        MailKind::Eml => mime::parse_eml(bytes)?,
        MailKind::Msg => msg::parse_msg(bytes)?,
        MailKind::Text => {
            let body = crate::plan_text::decode_text(bytes).map_err(|_| MailError::NotMail)?;
            MailMessage {
                body,
                ..MailMessage::default()
            }
        }
    };
    if message.message_id.is_empty() {
        message.message_id = format!("sha256:{}", crate::hash::sha256_hex(bytes));
    }
    // A Date no return can have (year 0001 or 10000) is not taken as written.
    if let Some(date) = message.date
        && !(2000..=2100).contains(&date.with_timezone(&china_time()).year())
    {
        message
            .warnings
            .push("邮件的发送日期不可信，未采用；收到日期按收取或导入的日期计。".to_owned());
        message.date = None;
    }
    message.from = message.from.trim().to_lowercase();
    Ok(message)
}

/// A file name that is safe to show and to save under: no folders, no control characters.
fn clean_file_name(name: &str, fallback: &str) -> String {
    let name = name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = crate::files::clean_name(name).chars().take(120).collect();
    let cleaned = cleaned.trim().trim_matches('.').to_owned();
    if cleaned.is_empty() {
        fallback.to_owned()
    } else {
        cleaned
    }
}

/// Strips tags from an HTML body, keeping its line structure.
pub fn html_text(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    let mut tag = String::new();
    let mut skip = false;
    for c in html.chars() {
        if in_tag {
            if c == '>' {
                in_tag = false;
                let name = tag
                    .trim_start_matches('/')
                    .split(|c: char| c.is_whitespace() || c == '/')
                    .next()
                    .unwrap_or_default()
                    .to_ascii_lowercase();
                let closing = tag.starts_with('/');
                match name.as_str() {
                    "style" | "script" | "head" => skip = !closing,
                    "br" | "p" | "div" | "tr" | "li" | "h1" | "h2" | "h3" | "table" => {
                        text.push('\n');
                    }
                    "td" | "th" if closing => text.push('\t'),
                    _ => {}
                }
                tag.clear();
            } else {
                tag.push(c);
            }
        } else if c == '<' {
            in_tag = true;
        } else if !skip {
            text.push(c);
        }
    }
    let text = crate::readers::xml::html_entities(&text);
    // Collapse the blank lines that block tags leave.
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines() {
        let blank = line.trim().is_empty();
        if blank && lines.last().is_some_and(|l| l.trim().is_empty()) {
            continue;
        }
        lines.push(line.trim_end());
    }
    lines.join("\n").trim().to_owned()
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn sniffing_by_content() {
        assert_eq!(sniff(b""), Err(MailError::Empty));
        assert_eq!(
            sniff(b"From: a@b.cn\r\nSubject: x\r\n\r\nbody").unwrap(),
            MailKind::Eml
        );
        assert_eq!(sniff("1. 已完成调查。".as_bytes()).unwrap(), MailKind::Text);
        assert_eq!(sniff(b"PK\x03\x04xx"), Err(MailError::NotMail));
    }

    #[test]
    fn html_bodies_keep_their_lines() {
        let html = "<html><head><style>p{}</style></head><body><p>1.1 已完成&nbsp;调查</p><div>2.1 推进中</div></body></html>";
        assert_eq!(html_text(html), "1.1 已完成 调查\n\n2.1 推进中");
    }

    #[test]
    fn names_lose_folders() {
        assert_eq!(clean_file_name("..\\..\\x.xlsx", "附件"), "x.xlsx");
        // A right-to-left override would show `报送xlsx.exe` as `报送exe.xlsx`.
        assert_eq!(
            clean_file_name("报送\u{202E}xslx.exe", "附件"),
            "报送xslx.exe"
        );
        assert_eq!(clean_file_name("", "附件1"), "附件1");
    }
}
