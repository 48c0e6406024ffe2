//! Outlook `.msg` files: a compound file whose streams are the message's properties
//! (`__substg1.0_TTTTKKKK`, tag then type) and whose `__attach_version1.0_#N` storages are the
//! attachments. Sizes are checked against the directory before any stream is read. When the
//! message kept its internet headers (`PR_TRANSPORT_MESSAGE_HEADERS`), mail-parser reads the
//! Date and Message-ID from them; otherwise the fixed-size property stream gives the times.

use std::io::{Cursor, Read as _};

use chrono::{DateTime, FixedOffset};

use super::{Attachment, MAX_ATTACHMENTS, MAX_MESSAGE, MailError, MailMessage, clean_file_name};

type Compound<'a> = cfb::CompoundFile<Cursor<&'a [u8]>>;

/// A property's stream, by tag: UTF-16 (`001F`) first, then 8-bit text (`001E`, the Chinese
/// Windows code page), within `storage`.
fn text_property(file: &mut Compound<'_>, storage: &str, tag: &str) -> Option<String> {
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
    Some(match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::GB18030.decode(bytes).0.into_owned(),
    })
}

fn stream(file: &mut Compound<'_>, path: &str) -> Option<Vec<u8>> {
    let entry = file.entry(path).ok()?;
    if !entry.is_stream() || entry.len() > MAX_MESSAGE {
        return None;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(entry.len()).ok()?);
    file.open_stream(path)
        .ok()?
        .take(MAX_MESSAGE)
        .read_to_end(&mut bytes)
        .ok()?;
    Some(bytes)
}

/// A time property (`PT_SYSTIME`) from the top-level fixed-size property stream.
fn time_property(file: &mut Compound<'_>, tag: u16) -> Option<DateTime<FixedOffset>> {
    let bytes = stream(file, "/__properties_version1.0")?;
    // The top-level stream has a 32-byte header, then 16-byte entries.
    for entry in bytes.get(32..)?.chunks_exact(16) {
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
    let mut message = MailMessage {
        subject: text_property(&mut file, "/", "0037").unwrap_or_default(),
        body: text_property(&mut file, "/", "1000").unwrap_or_default(),
        from_name: text_property(&mut file, "/", "0C1A").unwrap_or_default(),
        message_id: text_property(&mut file, "/", "1035")
            .unwrap_or_default()
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .to_owned(),
        ..MailMessage::default()
    };
    message.from = ["5D01", "0C1F", "0065", "5D02"]
        .iter()
        .filter_map(|tag| text_property(&mut file, "/", tag))
        .find(|address| address.contains('@'))
        .unwrap_or_default();
    if message.body.trim().is_empty()
        && let Some(html) = stream(&mut file, "/__substg1.0_10130102")
    {
        let html = match std::str::from_utf8(&html) {
            Ok(text) => text.to_owned(),
            Err(_) => encoding_rs::GB18030.decode(&html).0.into_owned(),
        };
        message.body = super::html_text(&html);
    }
    message.body = message.body.replace("\r\n", "\n");
    // The internet headers, when kept, hold the true Date and Message-ID.
    if let Some(headers) = text_property(&mut file, "/", "007D") {
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
    if message.date.is_none() {
        // Delivery time, else the time the sender's client submitted it.
        message.date =
            time_property(&mut file, 0x0E06).or_else(|| time_property(&mut file, 0x0039));
    }
    let storages: Vec<String> = file
        .read_root_storage()
        .filter(|entry| entry.is_storage() && entry.name().starts_with("__attach_version1.0_#"))
        .map(|entry| entry.path().to_string_lossy().into_owned())
        .collect();
    for storage in storages {
        if message.attachments.len() >= MAX_ATTACHMENTS {
            message
                .warnings
                .push(format!("附件超过 {MAX_ATTACHMENTS} 个，其余未读取。"));
            break;
        }
        let prefix = format!("{storage}/");
        let fallback = format!("附件{}", message.attachments.len() + 1);
        let name = text_property(&mut file, &prefix, "3707")
            .or_else(|| text_property(&mut file, &prefix, "3704"))
            .unwrap_or_default();
        let name = clean_file_name(&name, &fallback);
        match stream(&mut file, &format!("{prefix}__substg1.0_37010102")) {
            Some(data) => message.attachments.push(Attachment { name, bytes: data }),
            None => message.warnings.push(format!(
                "附件“{name}”是嵌入的邮件或对象，无法读取，请在 Outlook 中另存后单独导入。"
            )),
        }
    }
    Ok(message)
}

/// Builds `.msg` files for tests: a compound file with the property streams Outlook writes.
pub mod fixtures {
    use std::io::Write as _;

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
}
