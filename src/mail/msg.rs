//! Outlook `.msg` files: a compound file whose streams are the message's properties
//! (`__substg1.0_TTTTKKKK`, tag then type) and whose `__attach_version1.0_#N` storages are the
//! attachments. Sizes are checked against the directory before any stream is read. When the
//! message kept its internet headers (`PR_TRANSPORT_MESSAGE_HEADERS`), mail-parser reads the
//! Date and Message-ID from them; otherwise the fixed-size property stream gives the times.

use std::io::Cursor;

use chrono::{DateTime, FixedOffset};

use super::{Attachment, MAX_ATTACHMENTS, MAX_MESSAGE, MailError, MailMessage, clean_file_name};

type Compound<'a> = cfb::CompoundFile<Cursor<&'a [u8]>>;

/// A property's stream, by tag: UTF-16 (`001F`) first, then 8-bit text (`001E`) in the
/// message's declared code page (`codepage`), else UTF-8 when it is valid, else GB18030 (the
/// Chinese Windows code page), within `storage`.
fn text_property(
    file: &mut Compound<'_>,
    storage: &str,
    tag: &str,
    codepage: Option<&'static encoding_rs::Encoding>,
) -> Option<String> {
    if let Some(bytes) = stream(file, &format!("{storage}__substg1.0_{tag}001F")) {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        return Some(
            String::from_utf16_lossy(&units)
                .trim_end_matches('\0')
                .to_owned(),
        );
    }
    let bytes = stream(file, &format!("{storage}__substg1.0_{tag}001E"))?;
    let bytes = bytes.strip_suffix(&[0]).unwrap_or(&bytes);
    Some(decode_8bit(bytes, codepage))
}

/// 8-bit text in the declared code page, else UTF-8 when valid, else GB18030.
fn decode_8bit(bytes: &[u8], codepage: Option<&'static encoding_rs::Encoding>) -> String {
    match (codepage, std::str::from_utf8(bytes)) {
        (Some(encoding), _) => encoding.decode_without_bom_handling(bytes).0.into_owned(),
        (None, Ok(text)) => text.to_owned(),
        (None, Err(_)) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    }
}

/// The encoding of a Windows code page number (PR_MESSAGE_CODEPAGE, PR_INTERNET_CPID).
fn encoding_of_codepage(codepage: u32) -> Option<&'static encoding_rs::Encoding> {
    use encoding_rs as e;
    Some(match codepage {
        936 | 54936 | 52936 | 20936 => e::GB18030,
        950 | 20000 => e::BIG5,
        932 => e::SHIFT_JIS,
        51932 | 20932 => e::EUC_JP,
        50220..=50222 => e::ISO_2022_JP,
        949 | 51949 => e::EUC_KR,
        874 => e::WINDOWS_874,
        1250 => e::WINDOWS_1250,
        1251 => e::WINDOWS_1251,
        // US-ASCII and Latin-1 as Windows reads them.
        1252 | 20127 | 28591 => e::WINDOWS_1252,
        1253 => e::WINDOWS_1253,
        1254 | 28599 => e::WINDOWS_1254,
        1255 => e::WINDOWS_1255,
        1256 => e::WINDOWS_1256,
        1257 => e::WINDOWS_1257,
        1258 => e::WINDOWS_1258,
        28592 => e::ISO_8859_2,
        28593 => e::ISO_8859_3,
        28594 => e::ISO_8859_4,
        28595 => e::ISO_8859_5,
        28596 => e::ISO_8859_6,
        28597 => e::ISO_8859_7,
        28598 | 38598 => e::ISO_8859_8,
        28603 => e::ISO_8859_13,
        28605 => e::ISO_8859_15,
        866 => e::IBM866,
        20866 => e::KOI8_R,
        21866 => e::KOI8_U,
        10000 => e::MACINTOSH,
        65001 => e::UTF_8,
        1200 => e::UTF_16LE,
        1201 => e::UTF_16BE,
        _ => return None,
    })
}

/// Where a message's properties are: the storage (`/` for the file's message, an embedded
/// message's `…/__substg1.0_3701000D/`) and the length of its fixed-size property stream's
/// header (32 at the top, 24 for an embedded message).
#[derive(Clone, Copy)]
struct Place<'a> {
    storage: &'a str,
    header: usize,
}

/// A `PT_LONG` property from the message's fixed-size property stream.
fn long_property(file: &mut Compound<'_>, at: Place<'_>, tag: u16) -> Option<u32> {
    let bytes = stream(file, &format!("{}__properties_version1.0", at.storage))?;
    bytes.get(at.header..)?.chunks_exact(16).find_map(|entry| {
        let kind = u16::from_le_bytes([entry[0], entry[1]]);
        let id = u16::from_le_bytes([entry[2], entry[3]]);
        (kind == 0x0003 && id == tag)
            .then(|| u32::from_le_bytes([entry[8], entry[9], entry[10], entry[11]]))
    })
}

/// `local@host.tld` in plain ASCII.
fn looks_like_address(word: &str) -> bool {
    let Some((local, domain)) = word.split_once('@') else {
        return false;
    };
    let fine = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+');
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && local.chars().all(fine)
        && domain.chars().all(fine)
}

/// The first address (`name@host.tld`) in a search key (`SMTP:NAME@HOST`) or an entry id
/// (a one-off id holds the address as UTF-16 or 8-bit text).
fn address_in_binary(bytes: &[u8]) -> Option<String> {
    // UTF-16 from either byte, then 8-bit.
    let utf16 = |bytes: &[u8]| -> String {
        let units: Vec<u16> = bytes
            .chunks_exact(2)
            .map(|pair| u16::from_le_bytes([pair[0], pair[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    };
    let ascii: String = bytes
        .iter()
        .map(|&b| {
            if b.is_ascii_graphic() {
                char::from(b)
            } else {
                ' '
            }
        })
        .collect();
    let odd = bytes.get(1..).map(utf16).unwrap_or_default();
    [utf16(bytes), odd, ascii].iter().find_map(|text| {
        text.split(|c: char| c.is_whitespace() || c == '\0' || c == ':' || c == '<' || c == '>')
            .map(|word| word.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
            .find(|word| looks_like_address(word))
            .map(str::to_owned)
    })
}

fn stream(file: &mut Compound<'_>, path: &str) -> Option<Vec<u8>> {
    crate::readers::compound::read_stream(file, path, MAX_MESSAGE)
        .ok()
        .flatten()
}

/// A time property (`PT_SYSTIME`) from the message's fixed-size property stream.
fn time_property(
    file: &mut Compound<'_>,
    at: Place<'_>,
    tag: u16,
) -> Option<DateTime<FixedOffset>> {
    let bytes = stream(file, &format!("{}__properties_version1.0", at.storage))?;
    // A header, then 16-byte entries.
    for entry in bytes.get(at.header..)?.chunks_exact(16) {
        let kind = u16::from_le_bytes([entry[0], entry[1]]);
        let id = u16::from_le_bytes([entry[2], entry[3]]);
        if kind == 0x0040 && id == tag {
            let mut value = [0_u8; 8];
            value.copy_from_slice(&entry[8..16]);
            let filetime = u64::from_le_bytes(value);
            // 100 ns ticks since 1601-01-01.
            let seconds = i64::try_from(filetime / 10_000_000).ok()? - 11_644_473_600;
            return DateTime::from_timestamp(seconds, 0).map(|d| d.fixed_offset());
        }
    }
    None
}

pub(super) fn parse_msg(bytes: &[u8]) -> Result<MailMessage, MailError> {
    // Every sector is read at most once: streams that share a chain (fifty attachments on one
    // 20 MB chain) are refused before anything is read out.
    crate::readers::compound::check_chains(bytes).map_err(|e| MailError::Corrupt(e.to_string()))?;
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes))
        .map_err(|e| MailError::Corrupt(e.to_string()))?;
    if file.entry("/__substg1.0_0037001F").is_err()
        && file.entry("/__substg1.0_0037001E").is_err()
        && file.entry("/__properties_version1.0").is_err()
    {
        // A compound file, but not a message: an old .doc or .xls.
        return Err(MailError::NotMail);
    }
    let (mut message, mut embedded) = read_message(
        &mut file,
        Place {
            storage: "/",
            header: 32,
        },
        0,
    );
    super::forward::lift_saved_mails(&mut message, &mut embedded);
    Ok(super::forward::resolve(message, embedded))
}

/// The message at `at` and the messages embedded in it (read, not yet resolved).
fn read_message(
    file: &mut Compound<'_>,
    at: Place<'_>,
    depth: u32,
) -> (MailMessage, Vec<MailMessage>) {
    // 8-bit text is in the declared code page (PR_MESSAGE_CODEPAGE, else PR_INTERNET_CPID);
    // GB18030 only when none is declared.
    let root = at.storage;
    let codepage = long_property(file, at, 0x3FFD)
        .and_then(encoding_of_codepage)
        .or_else(|| long_property(file, at, 0x3FDE).and_then(encoding_of_codepage));
    let mut message = MailMessage {
        subject: text_property(file, root, "0037", codepage).unwrap_or_default(),
        body: text_property(file, root, "1000", codepage).unwrap_or_default(),
        from_name: text_property(file, root, "0C1A", codepage).unwrap_or_default(),
        message_id: text_property(file, root, "1035", codepage)
            .unwrap_or_default()
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_owned(),
        ..MailMessage::default()
    };
    // The sender's SMTP address: the SMTP properties first (an Exchange sender's
    // PR_SENDER_EMAIL_ADDRESS is an X.500 name, `/O=…/CN=…`), then the address properties,
    // the primary SMTP address; then the internet headers' From, and the search keys and entry
    // ids that hold it.
    message.from = [
        "5D01", "5D02", "0C1F", "0065", "39FE", "5D0A", "5D0B", "8008",
    ]
    .iter()
    .filter_map(|tag| text_property(file, root, tag, codepage))
    .map(|address| address.trim().to_owned())
    .find(|address| looks_like_address(address))
    .unwrap_or_default();
    if message.body.trim().is_empty()
        && let Some(html) = stream(file, &format!("{root}__substg1.0_10130102"))
    {
        let html = decode_8bit(&html, codepage);
        message.body = super::html_text(&html);
    }
    message.body = message.body.replace("\r\n", "\n");
    // The internet headers, when kept, hold the true Date and Message-ID.
    if let Some(headers) = text_property(file, root, "007D", codepage) {
        let headers = format!("{}\r\n\r\n", headers.trim_end());
        if let Some(parsed) = mail_parser::MessageParser::default().parse(headers.as_bytes()) {
            if message.message_id.is_empty() {
                message.message_id = parsed.message_id().unwrap_or_default().to_owned();
            }
            if let Some(date) = parsed.date() {
                message.date =
                    DateTime::from_timestamp(date.to_timestamp(), 0).map(|d| d.fixed_offset());
            }
            if message.from.is_empty()
                && let Some(address) = parsed
                    .from()
                    .and_then(|a| a.first())
                    .and_then(|a| a.address())
            {
                message.from = address.to_owned();
            }
        }
    }
    if message.from.is_empty() {
        message.from = ["0C1D", "003B", "0C19", "0041", "0051"]
            .iter()
            .filter_map(|tag| stream(file, &format!("{root}__substg1.0_{tag}0102")))
            .find_map(|bytes| address_in_binary(&bytes))
            .unwrap_or_default();
    }
    if message.date.is_none() {
        // Delivery time, else the time the sender's client submitted it.
        message.date = time_property(file, at, 0x0E06).or_else(|| time_property(file, at, 0x0039));
    }
    let storages: Vec<String> = match file.read_storage(root) {
        Ok(entries) => entries
            .filter(|entry| entry.is_storage() && entry.name().starts_with("__attach_version1.0_#"))
            .map(|entry| entry.path().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    let mut embedded = Vec::new();
    for storage in storages {
        if message.attachments.len() >= MAX_ATTACHMENTS {
            message
                .warnings
                .push(format!("附件超过 {MAX_ATTACHMENTS} 个，其余未读取。"));
            break;
        }
        let prefix = format!("{storage}/");
        let fallback = format!("附件{}", message.attachments.len() + 1);
        let name = text_property(file, &prefix, "3707", codepage)
            .or_else(|| text_property(file, &prefix, "3704", codepage))
            .unwrap_or_default();
        let name = clean_file_name(&name, &fallback);
        let inner = format!("{prefix}__substg1.0_3701000D/");
        match stream(file, &format!("{prefix}__substg1.0_37010102")) {
            Some(data) => message.attachments.push(Attachment { name, bytes: data }),
            // An Outlook item embedded whole: a message of its own.
            None if depth < 3
                && file
                    .entry(inner.trim_end_matches('/'))
                    .is_ok_and(|e| e.is_storage()) =>
            {
                let place = Place {
                    storage: &inner,
                    header: 24,
                };
                let (inner, theirs) = read_message(file, place, depth + 1);
                embedded.push(super::forward::resolve(inner, theirs));
            }
            None => message.warnings.push(format!(
                "附件“{name}”是嵌入的对象，无法读取，请在 Outlook 中另存后单独导入。"
            )),
        }
    }
    (message, embedded)
}

/// Builds `.msg` files for tests: a compound file with the property streams Outlook writes.
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures {
    use std::io::Write as _;

    /// A message of these top-level property streams (`__substg1.0_…` names and bytes) and
    /// `PT_LONG` properties (id, value), such as its code page.
    pub fn msg_with(streams: &[(&str, Vec<u8>)], longs: &[(u16, u32)]) -> Vec<u8> {
        let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new()))
            .expect("an in-memory compound file");
        for (name, bytes) in streams {
            let mut stream = file
                .create_stream(format!("/__substg1.0_{name}"))
                .expect("a stream");
            stream.write_all(bytes).expect("written");
        }
        let mut properties = vec![0_u8; 32];
        for (id, value) in longs {
            properties.extend_from_slice(&0x0003_u16.to_le_bytes());
            properties.extend_from_slice(&id.to_le_bytes());
            properties.extend_from_slice(&6_u32.to_le_bytes());
            properties.extend_from_slice(&value.to_le_bytes());
            properties.extend_from_slice(&[0; 4]);
        }
        let mut stream = file
            .create_stream("/__properties_version1.0")
            .expect("a stream");
        stream.write_all(&properties).expect("written");
        drop(stream);
        file.flush().expect("flushed");
        file.into_inner().into_inner()
    }

    /// A forward: a message from `forwarder` whose one attachment is an Outlook item embedded
    /// whole, with these property streams, a send time (seconds since 1970) and files.
    pub fn msg_forwarding(
        forwarder: &str,
        inner: &[(&str, Vec<u8>)],
        sent_at: i64,
        files: &[(&str, &[u8])],
    ) -> Vec<u8> {
        let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new()))
            .expect("an in-memory compound file");
        let utf16 =
            |text: &str| -> Vec<u8> { text.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let put =
            |file: &mut cfb::CompoundFile<std::io::Cursor<Vec<u8>>>, path: &str, bytes: &[u8]| {
                let mut stream = file.create_stream(path).expect("a stream");
                stream.write_all(bytes).expect("written");
            };
        put(&mut file, "/__substg1.0_0037001F", &utf16("转发：报送"));
        put(&mut file, "/__substg1.0_0C1F001F", &utf16(forwarder));
        put(&mut file, "/__properties_version1.0", &[0; 32]);
        file.create_storage("/__attach_version1.0_#00000000")
            .expect("a storage");
        put(
            &mut file,
            "/__attach_version1.0_#00000000/__substg1.0_3707001F",
            &utf16("原邮件.msg"),
        );
        let root = "/__attach_version1.0_#00000000/__substg1.0_3701000D";
        file.create_storage(root).expect("a storage");
        for (name, bytes) in inner {
            put(&mut file, &format!("{root}/__substg1.0_{name}"), bytes);
        }
        let filetime = u64::try_from(sent_at + 11_644_473_600).unwrap_or(0) * 10_000_000;
        let mut properties = vec![0_u8; 24];
        properties.extend_from_slice(&0x0040_u16.to_le_bytes());
        properties.extend_from_slice(&0x0039_u16.to_le_bytes());
        properties.extend_from_slice(&6_u32.to_le_bytes());
        properties.extend_from_slice(&filetime.to_le_bytes());
        put(
            &mut file,
            &format!("{root}/__properties_version1.0"),
            &properties,
        );
        for (index, (name, bytes)) in files.iter().enumerate() {
            let storage = format!("{root}/__attach_version1.0_#{index:08X}");
            file.create_storage(&storage).expect("a storage");
            put(
                &mut file,
                &format!("{storage}/__substg1.0_3707001F"),
                &utf16(name),
            );
            put(&mut file, &format!("{storage}/__substg1.0_37010102"), bytes);
        }
        file.flush().expect("flushed");
        file.into_inner().into_inner()
    }

    /// A message with a subject, sender, body, time (seconds since 1970) and attachments.
    pub fn msg_file(
        subject: &str,
        sender: &str,
        body: &str,
        sent_at: i64,
        attachments: &[(&str, &[u8])],
    ) -> Vec<u8> {
        let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new()))
            .expect("an in-memory compound file");
        let utf16 =
            |text: &str| -> Vec<u8> { text.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let put =
            |file: &mut cfb::CompoundFile<std::io::Cursor<Vec<u8>>>, path: &str, bytes: &[u8]| {
                let mut stream = file.create_stream(path).expect("a stream");
                stream.write_all(bytes).expect("written");
            };
        put(&mut file, "/__substg1.0_0037001F", &utf16(subject));
        put(&mut file, "/__substg1.0_0C1F001F", &utf16(sender));
        put(&mut file, "/__substg1.0_1000001F", &utf16(body));
        let filetime = u64::try_from(sent_at + 11_644_473_600).unwrap_or(0) * 10_000_000;
        let mut properties = vec![0_u8; 32];
        properties.extend_from_slice(&0x0040_u16.to_le_bytes());
        properties.extend_from_slice(&0x0039_u16.to_le_bytes());
        properties.extend_from_slice(&6_u32.to_le_bytes());
        properties.extend_from_slice(&filetime.to_le_bytes());
        put(&mut file, "/__properties_version1.0", &properties);
        for (index, (name, bytes)) in attachments.iter().enumerate() {
            let storage = format!("/__attach_version1.0_#{index:08X}");
            file.create_storage(&storage).expect("a storage");
            put(
                &mut file,
                &format!("{storage}/__substg1.0_3707001F"),
                &utf16(name),
            );
            put(&mut file, &format!("{storage}/__substg1.0_37010102"), bytes);
        }
        file.flush().expect("flushed");
        file.into_inner().into_inner()
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::super::parse_mail;
    use super::*;

    #[test]
    fn outlook_message_with_attachment() {
        // 2019-08-02 09:00 in China.
        let bytes = fixtures::msg_file(
            "县林业局7月进展",
            "LinYe@example.cn",
            "1.1 已完成\r\n",
            1_564_707_600,
            &[("林业局.xlsx", b"PK")],
        );
        let message = super::super::parse_mail(&bytes).unwrap();
        assert_eq!(message.subject, "县林业局7月进展");
        assert_eq!(message.from, "linye@example.cn");
        assert_eq!(message.body, "1.1 已完成\n");
        assert_eq!(message.received_on().unwrap().to_string(), "2019-08-02");
        assert_eq!(message.attachments[0].name, "林业局.xlsx");
        assert!(message.message_id.starts_with("sha256:"));
    }

    fn utf16(text: &str) -> Vec<u8> {
        text.encode_utf16().flat_map(u16::to_le_bytes).collect()
    }

    #[test]
    fn eight_bit_text_is_read_in_its_declared_code_page() {
        let latin = encoding_rs::WINDOWS_1252.encode("Un sujet bien défini").0;
        let bytes = fixtures::msg_with(&[("0037001E", latin.to_vec())], &[(0x3FFD, 1252)]);
        assert_eq!(parse_mail(&bytes).unwrap().subject, "Un sujet bien défini");
        // Declared only as the internet code page.
        let bytes = fixtures::msg_with(&[("0037001E", latin.to_vec())], &[(0x3FDE, 28591)]);
        assert_eq!(parse_mail(&bytes).unwrap().subject, "Un sujet bien défini");
        // Nothing declared: GBK, as Chinese Outlook writes it.
        let chinese = encoding_rs::GBK.encode("县林业局7月进展").0;
        let bytes = fixtures::msg_with(&[("0037001E", chinese.to_vec())], &[]);
        assert_eq!(parse_mail(&bytes).unwrap().subject, "县林业局7月进展");
    }

    #[test]
    fn an_embedded_item_is_read_as_the_forwarded_message() {
        let bytes = fixtures::msg_forwarding(
            "office@example.cn",
            &[
                ("0037001F", utf16("县林业局7月进展")),
                ("0C1F001F", utf16("lyj@example.cn")),
                ("1000001F", utf16("1.1 已完成")),
            ],
            1_564_707_600,
            &[("林业局.xlsx", b"PK")],
        );
        let message = parse_mail(&bytes).unwrap();
        assert_eq!(message.from, "lyj@example.cn");
        assert_eq!(message.forwarded_by.as_deref(), Some("office@example.cn"));
        assert_eq!(message.subject, "县林业局7月进展");
        assert_eq!(message.body, "1.1 已完成");
        assert_eq!(message.received_on().unwrap().to_string(), "2019-08-02");
        assert_eq!(message.attachments.len(), 1);
        assert_eq!(message.attachments[0].name, "林业局.xlsx");
        assert!(message.warnings.iter().any(|w| w.contains("转发")));
    }

    #[test]
    fn an_exchange_sender_is_found_by_its_smtp_address() {
        let x500 = "/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=LINYE";
        // The SMTP address in the sent-representing property, 8-bit.
        let bytes = fixtures::msg_with(
            &[
                ("0037001F", utf16("县林业局7月进展")),
                ("0C1F001F", utf16(x500)),
                ("0C1E001F", utf16("EX")),
                ("5D02001E", b"LinYe@Example.cn\0".to_vec()),
            ],
            &[],
        );
        assert_eq!(parse_mail(&bytes).unwrap().from, "linye@example.cn");
        // Only in the sender's one-off entry id.
        let mut entry_id = vec![0_u8; 24];
        entry_id.extend(utf16("林业局\0SMTP\0linye@example.cn\0"));
        let bytes = fixtures::msg_with(
            &[
                ("0037001F", utf16("县林业局7月进展")),
                ("0C1F001F", utf16(x500)),
                ("0C190102", entry_id),
            ],
            &[],
        );
        assert_eq!(parse_mail(&bytes).unwrap().from, "linye@example.cn");
    }
}
