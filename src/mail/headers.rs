//! Header blocks mended before mail-parser reads a message, as a mature parser recovers:
//! - a line in a header block that is neither `Name: value` nor a continuation (an OA system's
//!   broken folding, a stray line) is skipped with a warning, and the rest of the header and
//!   every part are still read (mail-parser would take the rest as the body);
//! - header bytes that are not UTF-8 (raw GBK from older Chinese clients and gateways, in the
//!   message's header and in each part's, attachment names included) are decoded as GB18030,
//!   the superset of GBK and GB2312;
//! - adjacent encoded words of one charset and encoding are joined before decoding, so that a
//!   long subject cut inside a character (`=?GBK?B?…?= =?GBK?B?…?=`) decodes whole.
//!
//! Part headers are found by the boundaries the headers declare, and a forwarded message
//! (`message/rfc822`) has its own header mended too. The bytes handed back are only for
//! parsing: the original is what is archived.

use std::borrow::Cow;

/// Header blocks mended at most this deep (parts inside forwarded messages inside parts).
const MAX_BOUNDARIES: usize = 64;

/// The message with its header blocks mended, and what was mended, said plainly. The bytes
/// are borrowed when nothing needed mending.
pub(super) fn mend(bytes: &[u8]) -> (Cow<'_, [u8]>, Vec<String>) {
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len() + 64);
    let mut changed = false;
    let mut skipped = 0usize;
    let mut raw_8bit = false;
    let mut boundaries: Vec<Vec<u8>> = Vec::new();
    // The header block being read: its fields, each with its continuation lines.
    let mut in_header = true;
    let mut fields: Vec<Vec<u8>> = Vec::new();
    let mut inner_message = false;
    let mut rest = bytes;
    while !rest.is_empty() {
        let end = rest
            .iter()
            .position(|&b| b == b'\n')
            .map_or(rest.len(), |n| n + 1);
        let (line, next) = rest.split_at(end);
        rest = next;
        let content = trim_eol(line);
        if !in_header {
            out.extend_from_slice(line);
            if let Some(boundary) = boundaries.iter().find(|b| is_boundary_line(content, b)) {
                // `--b` opens a part (its header follows); `--b--` closes the multipart.
                let closing = content
                    .get(2 + boundary.len()..)
                    .is_some_and(|tail| tail.starts_with(b"--"));
                if !closing {
                    in_header = true;
                    fields.clear();
                    inner_message = false;
                }
            }
            continue;
        }
        // A boundary where a header block should be (a part with a header and no body, no
        // blank line after it): the block ends there, and the boundary is kept.
        let boundary_here = boundaries.iter().any(|b| is_boundary_line(content, b));
        if content.is_empty() || boundary_here {
            // The end of the header block.
            let mut message_rfc822 = false;
            for field in fields.drain(..) {
                let (mended, was_8bit) = mend_field(&field);
                raw_8bit |= was_8bit;
                let value = mended.as_ref();
                if let Some(boundary) = boundary_of(value)
                    && boundaries.len() < MAX_BOUNDARIES
                    && !boundaries.contains(&boundary)
                {
                    boundaries.push(boundary);
                }
                if is_message_rfc822(value) {
                    message_rfc822 = true;
                }
                changed |= matches!(mended, Cow::Owned(_));
                out.extend_from_slice(value);
            }
            if boundary_here {
                // The header ended without its blank line: one is put back, then the boundary.
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(line);
                let closing = boundaries
                    .iter()
                    .find(|b| is_boundary_line(content, b))
                    .is_some_and(|b| {
                        content
                            .get(2 + b.len()..)
                            .is_some_and(|t| t.starts_with(b"--"))
                    });
                changed = true;
                in_header = !closing;
                inner_message = false;
                continue;
            }
            out.extend_from_slice(line);
            // A forwarded message's own header follows its part's header.
            in_header = message_rfc822 && !inner_message;
            inner_message = in_header;
            continue;
        }
        if content.starts_with(b" ") || content.starts_with(b"\t") {
            match fields.last_mut() {
                Some(field) => field.extend_from_slice(line),
                None => {
                    skipped += 1;
                    changed = true;
                }
            }
            continue;
        }
        if is_field_start(content) {
            fields.push(line.to_vec());
            continue;
        }
        if fields.is_empty() && !inner_message && out.is_empty() && content.starts_with(b"From ") {
            // An mbox separator before the first field: not a header line, not a fault.
            changed = true;
            continue;
        }
        if fields.is_empty() {
            if out.is_empty() {
                // The very start is not a header: this is no message header block at all.
                return (Cow::Borrowed(bytes), Vec::new());
            }
            // A part whose content starts at once, with no header and no blank line.
            in_header = false;
            inner_message = false;
            out.extend_from_slice(line);
            continue;
        }
        skipped += 1;
        changed = true;
    }
    if in_header && !fields.is_empty() {
        // A header with no body after it.
        for field in fields.drain(..) {
            let (mended, was_8bit) = mend_field(&field);
            raw_8bit |= was_8bit;
            changed |= matches!(mended, Cow::Owned(_));
            out.extend_from_slice(mended.as_ref());
        }
    }
    let mut warnings = Vec::new();
    if skipped > 0 {
        warnings.push(format!(
            "邮件头中有 {skipped} 行格式不正确（不是“名称: 内容”，也不是续行），已跳过；其余邮件头和附件照常读取。"
        ));
    }
    if raw_8bit {
        warnings.push(
            "邮件头含有未编码的中文（旧式邮件程序的写法），已按 GBK/GB18030 读取。".to_owned(),
        );
    }
    if changed {
        (Cow::Owned(out), warnings)
    } else {
        (Cow::Borrowed(bytes), warnings)
    }
}

fn trim_eol(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `Name:` with a name of printable ASCII (no space, no colon).
fn is_field_start(line: &[u8]) -> bool {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return false;
    };
    colon > 0
        && line[..colon]
            .iter()
            .all(|&b| b.is_ascii_graphic() && b != b':')
}

fn is_boundary_line(line: &[u8], boundary: &[u8]) -> bool {
    line.strip_prefix(b"--")
        .is_some_and(|tail| tail.starts_with(boundary))
        && {
            let tail = &line[2 + boundary.len()..];
            tail.iter().all(|b| b.is_ascii_whitespace()) || tail.starts_with(b"--")
        }
}

/// The boundary a `Content-Type: multipart/…; boundary=…` field declares.
fn boundary_of(field: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(field);
    let (name, value) = text.split_once(':')?;
    if !name.trim().eq_ignore_ascii_case("content-type") {
        return None;
    }
    let lower = value.to_ascii_lowercase();
    if !lower.trim_start().starts_with("multipart/") {
        return None;
    }
    let at = lower.find("boundary=")?;
    let raw = value[at + "boundary=".len()..].trim_start();
    let boundary = if let Some(quoted) = raw.strip_prefix('"') {
        quoted.split('"').next().unwrap_or_default()
    } else {
        raw.split([';', ' ', '\t', '\r', '\n'])
            .next()
            .unwrap_or_default()
    };
    (!boundary.is_empty() && boundary.len() <= 200).then(|| boundary.as_bytes().to_vec())
}

fn is_message_rfc822(field: &[u8]) -> bool {
    let text = String::from_utf8_lossy(field).to_ascii_lowercase();
    text.split_once(':').is_some_and(|(name, value)| {
        name.trim() == "content-type" && value.trim_start().starts_with("message/rfc822")
    })
}

/// One field (with its continuation lines) mended: raw 8-bit bytes decoded as GB18030, and
/// adjacent encoded words of one charset joined. Whether it held raw 8-bit bytes.
fn mend_field(field: &[u8]) -> (Cow<'_, [u8]>, bool) {
    let mut current: Cow<'_, [u8]> = Cow::Borrowed(field);
    let mut was_8bit = false;
    if !field.is_ascii() && std::str::from_utf8(field).is_err() {
        let (text, _, _) = encoding_rs::GB18030.decode(field);
        current = Cow::Owned(text.into_owned().into_bytes());
        was_8bit = true;
    }
    if let Ok(text) = std::str::from_utf8(&current)
        && text.contains("=?")
        && let Some(joined) = join_encoded_words(text)
    {
        current = Cow::Owned(joined.into_bytes());
    }
    (current, was_8bit)
}

/// An encoded word: `=?charset?E?text?=`, where it starts and ends in the text.
struct Word<'a> {
    start: usize,
    end: usize,
    charset: &'a str,
    encoding: u8,
    text: &'a str,
}

fn words(text: &str) -> Vec<Word<'_>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = text[from..].find("=?") {
        let start = from + at;
        let Some(word) = word_at(text, start) else {
            from = start + 2;
            continue;
        };
        from = word.end;
        found.push(word);
    }
    found
}

fn word_at(text: &str, start: usize) -> Option<Word<'_>> {
    let body = &text[start + 2..];
    let q1 = body.find('?')?;
    let charset = &body[..q1];
    if charset.is_empty() || charset.len() > 40 || charset.contains(char::is_whitespace) {
        return None;
    }
    let after = &body[q1 + 1..];
    let encoding = after.bytes().next()?.to_ascii_uppercase();
    if !matches!(encoding, b'B' | b'Q') || after.as_bytes().get(1) != Some(&b'?') {
        return None;
    }
    let content = &after[2..];
    let close = content.find("?=")?;
    let encoded = &content[..close];
    if encoded.contains(char::is_whitespace) {
        return None;
    }
    let end = start + 2 + q1 + 1 + 2 + close + 2;
    Some(Word {
        start,
        end,
        charset,
        encoding,
        text: encoded,
    })
}

/// The text with each run of adjacent encoded words of one charset and encoding (only
/// whitespace between them) made one word; `None` when there is no such run.
fn join_encoded_words(text: &str) -> Option<String> {
    let found = words(text);
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut joined_any = false;
    let mut i = 0;
    while i < found.len() {
        let mut j = i;
        while j + 1 < found.len()
            && text[found[j].end..found[j + 1].start]
                .chars()
                .all(char::is_whitespace)
            && found[j + 1].charset.eq_ignore_ascii_case(found[i].charset)
            && found[j + 1].encoding == found[i].encoding
        {
            j += 1;
        }
        if j > i {
            joined_any = true;
            out.push_str(&text[last..found[i].start]);
            let run = &found[i..=j];
            let joined = if found[i].encoding == b'B' {
                let mut bytes = Vec::new();
                for word in run {
                    bytes.extend(base64_decode(word.text));
                }
                crate::mail::smtp::base64(&bytes)
            } else {
                run.iter().map(|w| w.text).collect::<String>()
            };
            out.push_str(&format!(
                "=?{}?{}?{}?=",
                found[i].charset,
                char::from(found[i].encoding),
                joined
            ));
            last = found[j].end;
        }
        i = j + 1;
    }
    if !joined_any {
        return None;
    }
    out.push_str(&text[last..]);
    Some(out)
}

/// Base64 read leniently: characters outside the alphabet skipped, padding optional.
fn base64_decode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => continue,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    fn gbk_b(text: &str) -> Vec<u8> {
        encoding_rs::GBK.encode(text).0.into_owned()
    }

    #[test]
    fn base64_round_trips() {
        for bytes in [&b""[..], b"a", b"ab", b"abc", "县林业局".as_bytes()] {
            assert_eq!(base64_decode(&crate::mail::smtp::base64(bytes)), bytes);
        }
    }

    #[test]
    fn words_split_inside_a_character_are_joined() {
        let bytes = gbk_b("关于报送2019年7月进展");
        // Cut after an odd number of bytes: inside 报.
        let (a, b) = bytes.split_at(5);
        let subject = format!(
            "Subject: =?GBK?B?{}?=\r\n =?gbk?B?{}?=\r\n",
            crate::mail::smtp::base64(a),
            crate::mail::smtp::base64(b)
        );
        let (mended, _) = mend_field(subject.as_bytes());
        let text = std::str::from_utf8(&mended).unwrap();
        assert_eq!(words(text).len(), 1, "{text}");
        // Different charsets are left apart.
        let mixed = "Subject: =?GBK?B?YQ==?= =?UTF-8?B?Yg==?=";
        assert!(join_encoded_words(mixed).is_none());
    }

    #[test]
    fn a_bad_line_is_skipped_and_raw_gbk_decoded() {
        let mut eml = b"From: a@b.cn\r\nSubject: ".to_vec();
        eml.extend(gbk_b("县林业局报送"));
        eml.extend_from_slice(
            b"\r\nthis line has no colon\r\nDate: Mon, 5 Aug 2019 10:00:00 +0800\r\n\r\nbody\r\n",
        );
        let (mended, warnings) = mend(&eml);
        let text = std::str::from_utf8(&mended).unwrap();
        assert!(text.contains("Subject: 县林业局报送\r\n"), "{text}");
        assert!(!text.contains("no colon"));
        assert!(text.contains("Date: Mon"));
        assert!(text.ends_with("\r\n\r\nbody\r\n"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
    }

    #[test]
    fn a_part_with_a_header_and_no_body_keeps_the_next_boundary() {
        let eml = b"From: a@b.cn\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n--b\r\nContent-Type: text/plain\r\nbad line\r\n\r\nbody\r\n--b--\r\n";
        let (mended, _) = mend(eml);
        let text = std::str::from_utf8(&mended).unwrap();
        assert_eq!(text.matches("\r\n--b\r\n").count(), 2, "{text}");
        assert!(text.contains("\r\n--b--\r\n"));
        assert!(!text.contains("bad line"));
        let parsed = mail_parser::MessageParser::default()
            .parse(mended.as_ref())
            .unwrap();
        assert_eq!(parsed.parts.len(), 3);
    }

    #[test]
    fn a_sound_message_is_borrowed() {
        let eml = b"From: a@b.cn\r\nSubject: =?UTF-8?B?5p6X?=\r\n\r\nbody\r\n";
        let (mended, warnings) = mend(eml);
        assert!(matches!(mended, Cow::Borrowed(_)));
        assert!(warnings.is_empty());
    }
}
