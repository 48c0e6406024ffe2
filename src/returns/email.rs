//! An e-mail body split into a department's rows by its numbered paragraphs.

use super::{ExpectedRow, RowKey};

/// Splits an e-mail body into the department's rows where it holds numbered paragraphs that
/// name them, e.g. `8．化肥农药使用量零增长情况：……`. A paragraph is matched by its heading
/// text (punctuation, spaces and numbering ignored), else by its number when only one of the
/// rows carries that number. Returns (row, text) in the order the e-mail gives them; an e-mail
/// without such paragraphs gives nothing.
pub fn split_email(body: &str, rows: &[ExpectedRow]) -> Vec<(RowKey, String)> {
    let mut result: Vec<(RowKey, String)> = Vec::new();
    for (number, paragraph) in numbered_paragraphs(body) {
        let Some((key, content)) = match_paragraph(number, &paragraph, rows) else {
            continue;
        };
        let content = content.trim().to_owned();
        match result.iter_mut().find(|(k, _)| *k == key) {
            Some((_, existing)) => {
                existing.push('\n');
                existing.push_str(&content);
            }
            None => result.push((key, content)),
        }
    }
    result
}

/// Paragraphs that start a line with `N．`, `N.`, `N、` (full- or half-width digits).
fn numbered_paragraphs(body: &str) -> Vec<(u32, String)> {
    let mut paragraphs: Vec<(u32, String)> = Vec::new();
    // A blank line ends a paragraph: what follows it (a greeting, a signature) is not its text.
    let mut open = false;
    for line in body.lines() {
        let trimmed = line.trim_start_matches(|c: char| c.is_whitespace());
        match leading_number(trimmed) {
            Some((number, rest)) => {
                paragraphs.push((number, rest.to_owned()));
                open = true;
            }
            None if trimmed.is_empty() => open = false,
            None => {
                if let Some((_, text)) = paragraphs.last_mut().filter(|_| open) {
                    text.push('\n');
                    text.push_str(line.trim());
                }
            }
        }
    }
    paragraphs
}

fn leading_number(line: &str) -> Option<(u32, &str)> {
    let digits: String = line
        .chars()
        .take_while(|c| c.is_ascii_digit() || ('０'..='９').contains(c))
        .map(|c| {
            if c.is_ascii_digit() {
                c
            } else {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or('0')
            }
        })
        .collect();
    if digits.is_empty() || digits.len() > 2 {
        return None;
    }
    let digit_bytes: usize = line
        .chars()
        .take(digits.chars().count())
        .map(char::len_utf8)
        .sum();
    let rest = &line[digit_bytes..];
    let separator = rest.chars().next()?;
    if !matches!(separator, '．' | '.' | '、') {
        return None;
    }
    let after = &rest[separator.len_utf8()..];
    // "3.5亩" is a number, not a paragraph: a decimal digit right after '.' is refused.
    if separator == '.' && after.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    Some((digits.parse().ok()?, after.trim_start()))
}

/// Letters and digits only, for comparing headings with row texts.
fn normalize(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .trim_end_matches("情况")
        .to_owned()
}

fn match_paragraph(number: u32, paragraph: &str, rows: &[ExpectedRow]) -> Option<(RowKey, String)> {
    let (heading, content) = match paragraph.find(['：', ':']) {
        Some(at) => {
            let colon_len = paragraph[at..].chars().next().map_or(1, char::len_utf8);
            (&paragraph[..at], &paragraph[at + colon_len..])
        }
        None => ("", paragraph),
    };
    let heading_norm = normalize(heading);
    if heading_norm.chars().count() >= 4 {
        let found = rows.iter().find(|row| {
            let row_norm = normalize(&row.text);
            row_norm == heading_norm
                || row_norm.contains(&heading_norm)
                || heading_norm.contains(&row_norm)
        });
        if let Some(row) = found {
            return Some((row.key, content.to_owned()));
        }
    }
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
    let by_number: Vec<&ExpectedRow> = rows
        .iter()
        .filter(|row| row.code.rsplit('.').next() == Some(number.to_string().as_str()))
        .collect();
    match by_number.as_slice() {
        [row] if heading_norm.chars().count() < 4 => Some((row.key, paragraph.to_owned())),
        _ => None,
    }
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
    fn plain_text_and_decimals_are_not_split() {
        assert!(split_email("已完成3.5亩耕地修复，无其他进展。", &rows()).is_empty());
        assert!(split_email("3.5亩耕地已修复", &rows()).is_empty());
        assert!(split_email("", &rows()).is_empty());
        assert!(split_email("2．其他事项：无", &rows()).is_empty());
    }
}
