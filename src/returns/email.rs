//! An e-mail body split into a department's rows by its numbered paragraphs.
//!
//! County offices write their returns as e-mails in their own ways: a greeting (`您好！`,
//! `生态股：`), numbered paragraphs in any of the numberings in use (`1.11`, `★11．`, `11、`,
//! `（十一）`, `第11项`, `①`), sometimes two rows in one paragraph or rows out of order, then a
//! signature (`县城管执法局`, a date line, `联系人：…`, `电话：…`) and often the earlier message
//! quoted below (`-----原始邮件-----`, `发件人:`, `>` lines). Only the paragraphs become rows;
//! the signature and the quoted message never do. Text that matches no row is returned too, so
//! that it is shown and never silently dropped.

use super::{ExpectedRow, RowKey};

/// What a body split into.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EmailSplit {
    /// (row, text) in the order the e-mail gives them; a row named twice gets both texts.
    pub rows: Vec<(RowKey, String)>,
    /// Paragraphs and lines of the department's own text that match no row.
    pub unmatched: Vec<String>,
    /// What was recognised as not being return text: greetings, signatures, the quoted
    /// earlier message.
    pub skipped: Vec<String>,
}

/// Splits an e-mail body into the department's rows (see [`split_email_body`]); only the rows.
pub fn split_email(body: &str, rows: &[ExpectedRow]) -> Vec<(RowKey, String)> {
    split_email_body(body, rows).rows
}

/// Splits an e-mail body into the department's rows, the text that matches none, and what was
/// skipped as greeting, signature or quotation. A paragraph is matched by its heading text
/// (punctuation, spaces, numbering and a trailing 情况 ignored), by a row code (`1.11`), or by
/// its number when only one of the rows carries that number.
pub fn split_email_body(body: &str, rows: &[ExpectedRow]) -> EmailSplit {
    let mut split = EmailSplit::default();
    let mut paragraphs: Vec<(Marker, String)> = Vec::new();
    // Whether the last paragraph still takes the lines that follow.
    let mut open = false;
    let mut quoted = false;
    for line in body.lines() {
        let trimmed = line.trim();
        if quoted || starts_quotation(trimmed) {
            quoted = true;
            if !trimmed.is_empty() {
                split.skipped.push(trimmed.to_owned());
            }
            continue;
        }
        if crate::mail::quote::quote_marked(trimmed) {
            split.skipped.push(trimmed.to_owned());
            continue;
        }
        if trimmed.is_empty() {
            open = false;
            continue;
        }
        if is_signature(trimmed) {
            open = false;
            split.skipped.push(trimmed.to_owned());
            continue;
        }
        let pieces = split_line(trimmed, rows);
        if pieces.is_empty() {
            if open && let Some((_, text)) = paragraphs.last_mut() {
                text.push('\n');
                text.push_str(trimmed);
            } else if (paragraphs.is_empty() && is_greeting(trimmed)) || is_cover_note(trimmed) {
                split.skipped.push(trimmed.to_owned());
            } else {
                split.unmatched.push(trimmed.to_owned());
            }
            continue;
        }
        paragraphs.extend(pieces);
        open = true;
    }
    for (marker, paragraph) in paragraphs {
        match match_paragraph(&marker, &paragraph, rows) {
            Some((key, content)) => {
                let content = content.trim().to_owned();
                match split.rows.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, existing)) => {
                        existing.push('\n');
                        existing.push_str(&content);
                    }
                    None => split.rows.push((key, content)),
                }
            }
            None => split
                .unmatched
                .push(format!("{}{}", marker.shown(), paragraph.trim())),
        }
    }
    split
}

/// A paragraph's numbering.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Marker {
    /// `1.11`: a row's code.
    Code(String),
    /// `11．`, `（十一）`, `第11项`, `①`: the number the form prints.
    Number(u32),
}

impl Marker {
    fn shown(&self) -> String {
        match self {
            Self::Code(code) => format!("{code} "),
            Self::Number(number) => format!("{number}．"),
        }
    }
}

/// The start of a quoted earlier message: everything from here on is not the return.
fn starts_quotation(line: &str) -> bool {
    crate::mail::quote::starts_quotation(line)
}

/// A closing, a date line, a contact line or the sender's name: the end of the return text.
fn is_signature(line: &str) -> bool {
    let compact: String = line
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '　')
        .collect();
    if ["此致", "敬礼", "此致敬礼", "此致！", "敬礼！"].contains(&compact.as_str()) {
        return true;
    }
    for prefix in [
        "联系人",
        "联系电话",
        "电话",
        "手机",
        "邮箱",
        "传真",
        "填报人",
        "审核人",
        "（盖章）",
    ] {
        if compact.starts_with(prefix) {
            return true;
        }
    }
    if is_date_line(&compact) {
        return true;
    }
    // A short line that is an office's name: `县城管执法局`, `融水县自然资源局（盖章）`.
    let name = compact
        .trim_end_matches("（盖章）")
        .trim_end_matches("(盖章)");
    let count = name.chars().count();
    (2..=20).contains(&count)
        && !name.chars().any(|c| "，。；：,.;:！!？?、".contains(c))
        && [
            "局",
            "处",
            "所",
            "中心",
            "办",
            "办公室",
            "委",
            "队",
            "站",
            "院",
            "部",
            "室",
            "政府",
            "股",
        ]
        .iter()
        .any(|suffix| name.ends_with(suffix))
}

/// `2019年8月2日`, `2019-08-02`, `2019.8.2`, `2019/8/2` alone on a line.
fn is_date_line(line: &str) -> bool {
    let digits = line.chars().filter(char::is_ascii_digit).count();
    let rest: String = line
        .chars()
        .filter(|c| !c.is_ascii_digit() && !matches!(c, '年' | '月' | '日' | '-' | '/' | '.'))
        .collect();
    (5..=8).contains(&digits) && rest.is_empty()
}

/// A greeting before the first paragraph: `您好！`, `生态股：`, `各位领导：`.
fn is_greeting(line: &str) -> bool {
    let count = line.chars().count();
    ((line.starts_with("您好") || line.starts_with("你好")) && count <= 6)
        || (count <= 20 && (line.ends_with('：') || line.ends_with(':')))
}

/// A short line about the attachment, not about any row: `附件是我局7月份进展，请查收。`,
/// `详见附件`.
fn is_cover_note(line: &str) -> bool {
    line.chars().count() <= 40
        && ["请查收", "请查阅", "见附件", "附件是", "附件为", "随附"]
            .iter()
            .any(|phrase| line.contains(phrase))
}

/// The numbered paragraphs that start in a line: one when the line starts with a numbering,
/// more when later sentences of it start with the numbering of another row. None when the line
/// does not start with a numbering.
fn split_line(line: &str, rows: &[ExpectedRow]) -> Vec<(Marker, String)> {
    let Some((marker, rest)) = leading_marker(line, rows) else {
        return Vec::new();
    };
    let mut pieces = vec![(marker, String::new())];
    let mut remaining = rest;
    loop {
        // The next sentence end after which another row's paragraph starts.
        let mut cut = None;
        for (at, c) in remaining.char_indices() {
            if !matches!(c, '。' | '；' | ';') {
                continue;
            }
            let after = &remaining[at + c.len_utf8()..];
            let after = after.trim_start();
            // Only a row's code or its heading starts a new row inside a line: a bare number
            // there is more likely a list within the paragraph (`1.测土配方；2.统防统治`).
            if let Some((next, next_rest)) = leading_marker(after, rows)
                && (matches!(next, Marker::Code(_)) || heading_row(next_rest, rows).is_some())
            {
                cut = Some((at + c.len_utf8(), next, next_rest));
                break;
            }
        }
        let Some((end, next, next_rest)) = cut else {
            if let Some((_, text)) = pieces.last_mut() {
                text.push_str(remaining);
            }
            break;
        };
        if let Some((_, text)) = pieces.last_mut() {
            text.push_str(&remaining[..end]);
        }
        pieces.push((next, String::new()));
        remaining = next_rest;
    }
    pieces
}

/// The numbering a line starts with, and the rest of the line.
fn leading_marker<'a>(line: &'a str, rows: &[ExpectedRow]) -> Option<(Marker, &'a str)> {
    let line = line
        .trim_start()
        .trim_start_matches(['★', '☆', '*'])
        .trim_start();
    let first = line.chars().next()?;
    // ① … ⑳
    if ('①'..='⑳').contains(&first) {
        let number = u32::from(first) - u32::from('①') + 1;
        return Some((
            Marker::Number(number),
            line[first.len_utf8()..].trim_start(),
        ));
    }
    // （十一） (11)
    if matches!(first, '（' | '(') {
        let inner = &line[first.len_utf8()..];
        let close = inner.find(['）', ')'])?;
        let number = parse_number(&inner[..close])?;
        let after = &inner[close..];
        let close_len = after.chars().next().map_or(1, char::len_utf8);
        return Some((Marker::Number(number), after[close_len..].trim_start()));
    }
    // 第11项 第十一条
    if let Some(inner) = line.strip_prefix('第') {
        let end = inner.find(['项', '条'])?;
        let number = parse_number(&inner[..end])?;
        let rest = &inner[end + '项'.len_utf8()..];
        return Some((
            Marker::Number(number),
            rest.trim_start_matches(['、', '．', '.', '：', ':', ' ']),
        ));
    }
    // 1.11 as a row's code
    let code_len = line
        .char_indices()
        .take_while(|(_, c)| c.is_ascii_digit() || matches!(c, '.' | '．'))
        .map(|(at, c)| at + c.len_utf8())
        .last()
        .unwrap_or(0);
    let code: String = line[..code_len]
        .replace('．', ".")
        .trim_end_matches('.')
        .to_owned();
    if code.contains('.') && rows.iter().any(|row| row.code == code) {
        let rest = line[code_len..].trim_start_matches(['、', '．', '.', '：', ':', ' ']);
        return Some((Marker::Code(code), rest));
    }
    // 11． 11. 11、 and 十一、
    let digits: String = line
        .chars()
        .take_while(|c| c.is_ascii_digit() || ('０'..='９').contains(c))
        .collect();
    let (number, after) = if digits.is_empty() {
        let numeral: String = line
            .chars()
            .take_while(|c| is_chinese_numeral(*c))
            .collect();
        if numeral.is_empty() {
            return None;
        }
        (parse_number(&numeral)?, &line[numeral.len()..])
    } else {
        if digits.chars().count() > 2 {
            return None;
        }
        (parse_number(&digits)?, &line[digits.len()..])
    };
    let separator = after.chars().next()?;
    if !matches!(separator, '．' | '.' | '、') {
        return None;
    }
    let rest = &after[separator.len_utf8()..];
    // "3.5亩" is a number, not a paragraph.
    if separator == '.' && rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((Marker::Number(number), rest.trim_start()))
}

fn is_chinese_numeral(c: char) -> bool {
    "〇零一二两三四五六七八九十".contains(c)
}

/// `11`, `１１`, `十一`, `二十`, `十`.
fn parse_number(text: &str) -> Option<u32> {
    let text = text.trim();
    if text
        .chars()
        .all(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
    {
        let ascii: String = text
            .chars()
            .map(|c| {
                if c.is_ascii_digit() {
                    c
                } else {
                    char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or('0')
                }
            })
            .collect();
        return ascii.parse().ok().filter(|n| *n > 0 && *n < 100);
    }
    let digit = |c: char| {
        "〇一二三四五六七八九"
            .find(c)
            .map(|at| (at / 3) as u32)
            .or((c == '两').then_some(2))
    };
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        [one] if *one == '十' => Some(10),
        [one] => digit(*one).filter(|n| *n > 0),
        ['十', unit] => digit(*unit).map(|n| 10 + n),
        [tens, '十'] => digit(*tens).map(|n| n * 10),
        [tens, '十', unit] => Some(digit(*tens)? * 10 + digit(*unit)?),
        _ => None,
    }
}

/// Letters and digits only, for comparing headings with row texts.
fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .trim_end_matches("情况")
        .to_owned()
}

/// A paragraph's heading (before its colon) and content.
fn heading_and_content(paragraph: &str) -> (&str, &str) {
    match paragraph.find(['：', ':']) {
        Some(at) => {
            let colon_len = paragraph[at..].chars().next().map_or(1, char::len_utf8);
            (&paragraph[..at], &paragraph[at + colon_len..])
        }
        None => ("", paragraph),
    }
}

/// The row a paragraph's heading names, with the content after the heading.
fn heading_row<'a>(paragraph: &'a str, rows: &[ExpectedRow]) -> Option<(RowKey, &'a str)> {
    let (heading, content) = heading_and_content(paragraph);
    let heading_norm = normalize(heading);
    if heading_norm.chars().count() < 4 {
        return None;
    }
    rows.iter()
        .find(|row| {
            let row_norm = normalize(&row.text);
            row_norm == heading_norm
                || row_norm.contains(&heading_norm)
                || heading_norm.contains(&row_norm)
        })
        .map(|row| (row.key, content))
}

fn match_paragraph(
    marker: &Marker,
    paragraph: &str,
    rows: &[ExpectedRow],
) -> Option<(RowKey, String)> {
    if let Some((key, content)) = heading_row(paragraph, rows) {
        return Some((key, content.to_owned()));
    }
    let (heading, content) = heading_and_content(paragraph);
    let heading_norm = normalize(heading);
    // A paragraph that starts with the row's own words, without a colon.
    if heading.is_empty() {
        let paragraph_norm = normalize(paragraph);
        if let Some(row) = rows
            .iter()
            .find(|row| paragraph_norm.starts_with(&normalize(&row.text)))
        {
            let text_len = row.text.chars().count();
            let content: String = paragraph.chars().skip(text_len).collect();
            return Some((
                row.key,
                content
                    .trim_start_matches(['：', ':', '，', ',', ' '])
                    .to_owned(),
            ));
        }
    }
    let by_marker: Vec<&ExpectedRow> = rows
        .iter()
        .filter(|row| match marker {
            Marker::Code(code) => row.code == *code,
            Marker::Number(number) => {
                row.code.rsplit('.').next() == Some(number.to_string().as_str())
            }
        })
        .collect();
    match (marker, by_marker.as_slice()) {
        // A code names its row whatever the heading says.
        (Marker::Code(_), [row]) => Some((
            row.key,
            if heading_norm.chars().count() >= 4 {
                content.to_owned()
            } else {
                paragraph.to_owned()
            },
        )),
        (Marker::Number(_), [row]) if heading_norm.chars().count() < 4 => {
            Some((row.key, paragraph.to_owned()))
        }
        _ => None,
    }
}

/// The rows an e-mail body (or a Word file's paragraphs) gives the department: each row
/// named, in order, a row named twice with both texts; and the paragraphs that match none.
pub fn rows_of_split(
    split: &EmailSplit,
    obligation: &super::Obligation,
) -> (
    Vec<super::spreadsheet::ImportedRow>,
    Vec<super::spreadsheet::UnmatchedRow>,
) {
    use super::RowStatus;
    use super::spreadsheet::{ImportedRow, MatchKind, UnmatchedRow};
    let mut rows: Vec<ImportedRow> = Vec::new();
    for (index, (key, text)) in split.rows.iter().enumerate() {
        let Some(expected) = obligation.rows.iter().find(|r| r.key == *key) else {
            continue;
        };
        if let Some(existing) = rows.iter_mut().find(|r| r.key == *key) {
            existing.progress = format!("{}\n{}", existing.progress, text.trim());
            existing.status = RowStatus::of(&existing.progress);
            continue;
        }
        rows.push(ImportedRow {
            key: *key,
            code: expected.code.clone(),
            text: expected.text.clone(),
            file_row: u32::try_from(index + 1).unwrap_or(u32::MAX),
            progress: text.trim().to_owned(),
            remark: String::new(),
            status: RowStatus::of(text),
            matched_by: MatchKind::Text,
            accepted: true,
            conflict: None,
        });
    }
    let unmatched = split
        .unmatched
        .iter()
        .enumerate()
        .map(|(index, text)| UnmatchedRow {
            row: u32::try_from(index + 1).unwrap_or(u32::MAX),
            text: text.clone(),
        })
        .collect();
    (rows, unmatched)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows() -> Vec<ExpectedRow> {
        [
            (8, "1.8", "化肥农药使用量零增长情况"),
            (9, "1.9", "废弃农膜回收利用情况"),
            (10, "1.10", "开展农药包装废弃物回收处理试点情况"),
            (21, "2.1", "产粮（油）大县制定土壤环境保护方案及落实情况"),
        ]
        .into_iter()
        .map(|(id, code, text)| ExpectedRow {
            key: RowKey::FormRow(id),
            code: code.to_owned(),
            text: text.to_owned(),
            quarterly: false,
            group: String::new(),
            until: None,
        })
        .collect()
    }

    #[test]
    fn splits_numbered_paragraphs_into_their_rows() {
        let body = "各位领导：\n现将7月份进展报送如下。\n8．化肥农药使用量零增长情况：已制定年度方案，\n正在组织实施。\n9. 废弃农膜回收利用情况:回收农膜12吨。\n1、产粮(油)大县制定土壤环境保护方案及落实情况：无此项任务\n\n此致\n敬礼";
        let split = split_email(body, &rows());
        assert_eq!(
            split,
            [
                (
                    RowKey::FormRow(8),
                    "已制定年度方案，\n正在组织实施。".to_owned()
                ),
                (RowKey::FormRow(9), "回收农膜12吨。".to_owned()),
                (RowKey::FormRow(21), "无此项任务".to_owned()),
            ]
        );
    }

    #[test]
    fn a_paragraph_without_heading_is_matched_by_a_unique_number() {
        let split = split_email("10．试点已完成验收。", &rows());
        assert_eq!(
            split,
            [(RowKey::FormRow(10), "试点已完成验收。".to_owned())]
        );
    }

    #[test]
    fn a_note_about_the_attachment_is_not_a_row() {
        let split = split_email_body("您好，附件是我局7月份进展，请查收。\n详见附件", &rows());
        assert!(split.rows.is_empty());
        assert!(split.unmatched.is_empty());
        assert_eq!(split.skipped.len(), 2);
    }

    #[test]
    fn plain_text_and_decimals_are_not_split() {
        assert!(split_email("已完成3.5亩耕地修复，无其他进展。", &rows()).is_empty());
        assert!(split_email("3.5亩耕地已修复", &rows()).is_empty());
        assert!(split_email("", &rows()).is_empty());
        assert!(split_email("2．其他事项：无", &rows()).is_empty());
    }

    #[test]
    fn numbers_in_words() {
        assert_eq!(parse_number("十一"), Some(11));
        assert_eq!(parse_number("十"), Some(10));
        assert_eq!(parse_number("二十"), Some(20));
        assert_eq!(parse_number("二十三"), Some(23));
        assert_eq!(parse_number("１１"), Some(11));
        assert_eq!(parse_number("三"), Some(3));
        assert_eq!(parse_number("十一项"), None);
    }
}
