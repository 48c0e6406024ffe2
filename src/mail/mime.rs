//! `.eml` messages through mail-parser: encoded-word subjects and RFC 2231 file names in any
//! charset, base64 and quoted-printable bodies. A forwarded message attached whole
//! (`message/rfc822`) gives its attachments and, when the outer body is empty, its body.

use chrono::{DateTime, FixedOffset, TimeZone as _};
use mail_parser::{Message, MessageParser, MimeHeaders as _};

use super::{Attachment, MAX_ATTACHMENTS, MailError, MailMessage, clean_file_name, html_text};

/// Whether the bytes start with RFC 5322 header lines (`Name: value`).
pub(super) fn has_headers(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let text = String::from_utf8_lossy(head);
    let mut known = 0;
    for (n, line) in text.lines().take(60).enumerate() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            continue;
        }
        // A malformed line among the fields (an OA system's broken folding) does not make
        // the file something else: headers::mend skips it. The first line must be a field.
        let field = line
            .split_once(':')
            .filter(|(name, _)| !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic()));
        let Some((name, _)) = field else {
            if n == 0 && !line.starts_with("From ") {
                return false;
            }
            continue;
        };
        let name = name.to_ascii_lowercase();
        if [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "received",
            "mime-version",
            "return-path",
            "content-type",
        ]
        .contains(&name.as_str())
        {
            known += 1;
        }
    }
    known >= 2
}

pub(super) fn parse_eml(bytes: &[u8]) -> Result<MailMessage, MailError> {
    let (mended, warnings) = super::headers::mend(bytes);
    let parsed = MessageParser::default()
        .parse(mended.as_ref())
        .ok_or_else(|| MailError::Corrupt("mail-parser found no message".to_owned()))?;
    let (mut message, mut attached) = message_of(&parsed, 0);
    message.warnings.splice(0..0, warnings);
    super::forward::lift_saved_mails(&mut message, &mut attached);
    Ok(super::forward::resolve(message, attached))
}

/// One message's own fields and files, and the messages attached whole inside it (each read
/// the same way, theirs resolved, at most three deep).
fn message_of(parsed: &Message<'_>, depth: u32) -> (MailMessage, Vec<MailMessage>) {
    let mut message = MailMessage {
        message_id: parsed.message_id().unwrap_or_default().trim().to_owned(),
        from: parsed
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_owned(),
        from_name: parsed
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.name())
            .unwrap_or_default()
            .trim()
            .to_owned(),
        subject: parsed.subject().unwrap_or_default().trim().to_owned(),
        date: parsed.date().and_then(date_of),
        body: body_of(parsed),
        ..MailMessage::default()
    };
    let mut attached = Vec::new();
    for part in parsed.attachments() {
        if let Some(inner) = part.message() {
            if depth < 3 {
                let (inner, theirs) = message_of(inner, depth + 1);
                attached.push(super::forward::resolve(inner, theirs));
            }
            continue;
        }
        if message.attachments.len() >= MAX_ATTACHMENTS {
            message
                .warnings
                .push(format!("附件超过 {MAX_ATTACHMENTS} 个，其余未读取。"));
            break;
        }
        let fallback = format!("附件{}", message.attachments.len() + 1);
        let name = clean_file_name(part.attachment_name().unwrap_or_default(), &fallback);
        message.attachments.push(Attachment {
            name,
            bytes: part.contents().to_vec(),
        });
    }
    (message, attached)
}

fn date_of(date: &mail_parser::DateTime) -> Option<DateTime<FixedOffset>> {
    let seconds = i32::from(date.tz_hour) * 3600 + i32::from(date.tz_minute) * 60;
    let offset = if date.tz_before_gmt {
        FixedOffset::west_opt(seconds)
    } else {
        FixedOffset::east_opt(seconds)
    }?;
    offset
        .with_ymd_and_hms(
            i32::from(date.year),
            u32::from(date.month),
            u32::from(date.day),
            u32::from(date.hour),
            u32::from(date.minute),
            u32::from(date.second),
        )
        .single()
}

fn body_of(message: &Message<'_>) -> String {
    if let Some(text) = message.body_text(0)
        && !text.trim().is_empty()
        && message
            .text_part(0)
            .is_some_and(|part| !part.is_text_html())
    {
        return text.replace("\r\n", "\n");
    }
    if let Some(html) = message.body_html(0) {
        return html_text(&html);
    }
    message
        .body_text(0)
        .map(|t| t.replace("\r\n", "\n"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]

    #[test]
    fn gbk_subject_and_rfc2231_name() {
        let (subject, _, _) = encoding_rs::GBK.encode("县林业局7月报送");
        let encoded = format!("=?GBK?B?{}?=", crate::mail::smtp::base64(&subject));
        let eml = format!(
            "From: \"=?UTF-8?B?5p6X5Lia5bGA?=\" <LinYe@Example.cn>\r\n\
             To: rsxstg@163.com\r\n\
             Subject: {encoded}\r\n\
             Date: Mon, 5 Aug 2019 23:30:00 +0000\r\n\
             Message-ID: <abc@example.cn>\r\n\
             MIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
             --b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             1.1 =E5=B7=B2=E5=AE=8C=E6=88=90\r\n\
             --b\r\nContent-Type: application/octet-stream\r\n\
             Content-Disposition: attachment; filename*=UTF-8''%E6%8A%A5%E9%80%81.xls\r\n\
             Content-Transfer-Encoding: base64\r\n\r\nAAEC\r\n--b--\r\n"
        );
        let message = super::super::parse_mail(eml.as_bytes()).unwrap();
        assert_eq!(message.subject, "县林业局7月报送");
        assert_eq!(message.from, "linye@example.cn");
        assert_eq!(message.from_name, "林业局");
        assert_eq!(message.message_id, "abc@example.cn");
        // 23:30 UTC on the 5th is the 6th in China.
        assert_eq!(message.received_on().unwrap().to_string(), "2019-08-06");
        assert_eq!(message.body.trim(), "1.1 已完成");
        assert_eq!(message.attachments[0].name, "报送.xls");
        assert_eq!(message.attachments[0].bytes, vec![0, 1, 2]);
    }
}
