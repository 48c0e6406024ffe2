//! Cleaning the text and cutting it into blocks that start at numbering marks.

use std::ops::Range;
use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum BlockKind {
    /// `一、目标指标`
    TopLevel(String),
    /// `（一）…`, with its numeral.
    Section(String),
    /// `1．…`
    Item(u32),
    /// `（1）…`
    SubItem(u32),
    /// `附件…`
    Attachment,
    /// Anything else.
    Plain,
}

#[derive(Clone, Debug)]
pub(super) struct Block {
    pub kind: BlockKind,
    /// The block's first line after the mark (for headings that stand on their own line).
    pub first_line: String,
    /// The block's text after the mark, lines joined.
    pub text: String,
    /// Where `text` starts in the cleaned source.
    pub text_start: usize,
    /// The whole block (mark included) in the cleaned source.
    pub range: Range<usize>,
}

static PAGE_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[—\-–－─]+\s*\d{1,3}\s*[—\-–－─]+|第\s*\d{1,3}\s*页(?:\s*[，,/]?\s*共\s*\d{1,3}\s*页)?|\d{1,3})$")
        .expect("a constant pattern compiles")
});
static TOP_LEVEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([一二三四五六七八九十]{1,3})[、．.]").expect("a constant pattern compiles")
});
static SECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[（(]([一二三四五六七八九十]{1,3})[）)]").expect("a constant pattern compiles")
});
static ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9０-９]{1,2})\s*[．.、](?:[^0-9０-９]|$)")
        .expect("a constant pattern compiles")
});
static SUB_ITEM: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[（(]([0-9０-９]{1,2})[）)]").expect("a constant pattern compiles")
});
static ATTACHMENT_LABEL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^附件\s*[0-9０-９一二三四五六七八九十]*\s*[：:]?$")
        .expect("a constant pattern compiles")
});
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
        .expect("a constant pattern compiles")
});
static DOC_NUMBER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"([\p{Han}A-Za-z]{2,12})\s*[〔\[［(（【]\s*(\d{4})\s*[〕\]］)）】]\s*(\d{1,4})\s*号",
    )
    .expect("a constant pattern compiles")
});
static NOTICE_TITLE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"《([^《》]{4,80})》的通知").expect("a constant pattern compiles")
});
static YEAR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"((?:19|20)\d{2})\s*年").expect("a constant pattern compiles"));

fn digit_value(text: &str) -> u32 {
    text.chars()
        .filter_map(|c| {
            if c.is_ascii_digit() {
                c.to_digit(10)
            } else {
                ('０'..='９')
                    .contains(&c)
                    .then(|| u32::from(c) - u32::from('０'))
            }
        })
        .fold(0, |acc, d| acc * 10 + d)
}

/// Whether a line is a page number (`— 3 —`, `第3页 共10页`, `3`).
pub(super) fn is_page_number(line: &str) -> bool {
    PAGE_NUMBER.is_match(line.trim())
}

/// A numbering mark: its kind and its length in bytes.
type Mark = (BlockKind, usize);

fn classify(line: &str) -> Option<Mark> {
    if let Some(found) = SECTION.captures(line) {
        let end = found.get(0).map_or(0, |m| m.end());
        return Some((BlockKind::Section(found[1].to_owned()), end));
    }
    if let Some(found) = SUB_ITEM.captures(line) {
        let end = found.get(0).map_or(0, |m| m.end());
        return Some((BlockKind::SubItem(digit_value(&found[1])), end));
    }
    if let Some(found) = TOP_LEVEL.captures(line) {
        let end = found.get(0).map_or(0, |m| m.end());
        return Some((BlockKind::TopLevel(found[1].to_owned()), end));
    }
    if let Some(found) = ITEM.captures(line) {
        // The match may include the first character after the mark; the mark ends before it.
        let whole = found.get(0).map_or("", |m| m.as_str());
        let last = whole.chars().last().map_or(0, char::len_utf8);
        let end = if whole.ends_with(['．', '.', '、']) {
            whole.len()
        } else {
            whole.len() - last
        };
        return Some((BlockKind::Item(digit_value(&found[1])), end));
    }
    if line.starts_with("附件") {
        return Some((BlockKind::Attachment, 0));
    }
    None
}

/// Cleans the text (page numbers and blank lines out, lines trimmed) and joins lines into
/// blocks that start at numbering marks. Returns the cleaned source (one block per line)
/// and the blocks pointing into it.
pub(super) fn split(text: &str) -> (String, Vec<Block>) {
    let mut groups: Vec<(Option<Mark>, Vec<String>)> = Vec::new();
    // Whether a numbering mark has been seen: kept, not searched for on every line (a text of
    // 100,000 unmarked lines would make that search quadratic).
    let mut marked = false;
    for raw in text.lines() {
        let line = raw.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
        if line.is_empty() || PAGE_NUMBER.is_match(line) {
            continue;
        }
        // `附件1` standing alone above the title marks the document as an attachment of a
        // notice: it is not the start of the plan's own attachments.
        if !marked && line.chars().count() <= 6 && ATTACHMENT_LABEL.is_match(line) {
            continue;
        }
        // A closing bracket left over before a numbering mark (`]3．…`) closes nothing.
        let unmarked = line.trim_start_matches(super::notes::is_closing);
        let line = if unmarked.len() < line.len() && classify(unmarked).is_some() {
            unmarked
        } else {
            line
        };
        match classify(line) {
            Some(mark) => {
                marked = true;
                groups.push((Some(mark), vec![line.to_owned()]));
            }
            // Before the first mark (the notice, title, signature) every line stands alone.
            None => match groups.last_mut() {
                Some((Some(_), lines)) => lines.push(line.to_owned()),
                _ => groups.push((None, vec![line.to_owned()])),
            },
        }
    }
    let mut source = String::new();
    let mut blocks = Vec::with_capacity(groups.len());
    for (mark, lines) in groups {
        if !source.is_empty() {
            source.push('\n');
        }
        let start = source.len();
        let joined: String = lines.concat();
        source.push_str(&joined);
        let (kind, mark_len) = mark.unwrap_or((BlockKind::Plain, 0));
        let text = joined[mark_len..].trim_start().to_owned();
        let text_start = start + (joined.len() - text.len());
        let first_line = lines
            .first()
            .map(|l| l[mark_len.min(l.len())..].trim().to_owned())
            .unwrap_or_default();
        blocks.push(Block {
            kind,
            first_line,
            text,
            text_start,
            range: start..source.len(),
        });
    }
    (source, blocks)
}

/// The text up to the first `。` (or all of it), without trailing punctuation.
pub(super) fn first_sentence(text: &str) -> String {
    let end = text.find('。').unwrap_or(text.len());
    text[..end]
        .trim_end_matches(['；', ';', '，', ',', '：', ':'])
        .trim()
        .to_owned()
}

/// A section's title and what follows it in the same block (an unnumbered paragraph), with
/// where that starts in the source.
pub(super) fn section_title(block: &Block) -> (String, Option<(String, usize)>) {
    let first_line_len = block.first_line.len();
    let split_at = match block.text.find('。') {
        Some(at) if at <= first_line_len => Some((at, at + '。'.len_utf8())),
        _ => Some((
            first_line_len.min(block.text.len()),
            first_line_len.min(block.text.len()),
        )),
    };
    let Some((title_end, rest_start)) = split_at else {
        return (block.text.clone(), None);
    };
    let title = block.text[..title_end].trim().to_owned();
    let rest = &block.text[rest_start..];
    let trimmed = rest.trim_start();
    let rest_offset = block.text_start + rest_start + (rest.len() - trimmed.len());
    let rest = (!trimmed.trim().is_empty()).then(|| (trimmed.to_owned(), rest_offset));
    (title, rest)
}

/// Which blocks hold the targets and which the tasks.
pub(super) struct Parts {
    pub targets: Option<Range<usize>>,
    pub tasks: Range<usize>,
    /// Responsibility notes found outside the tasks part (reported, not imported).
    pub skipped_notes: Vec<Range<usize>>,
}

pub(super) fn parts(blocks: &[Block]) -> Parts {
    let top_levels: Vec<(usize, &Block)> = blocks
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b.kind, BlockKind::TopLevel(_)))
        .collect();
    let end_of = |index: usize| {
        blocks
            .iter()
            .enumerate()
            .skip(index + 1)
            .find(|(_, b)| matches!(b.kind, BlockKind::TopLevel(_) | BlockKind::Attachment))
            .map_or(blocks.len(), |(i, _)| i)
    };
    let find = |words: &[&str]| {
        top_levels
            .iter()
            .find(|(_, b)| words.iter().any(|w| b.first_line.contains(w)))
            .map(|(i, _)| *i)
    };
    let targets = find(&["目标"]).map(|i| i..end_of(i));
    let tasks = match find(&[
        "任务",
        "重点工作",
        "主要工作",
        "工作内容",
        "工作措施",
        "主要措施",
    ]) {
        Some(i) => i + 1..end_of(i),
        None => {
            // No parts: the tasks run from the first section or item to the attachment.
            let first = blocks
                .iter()
                .position(|b| {
                    matches!(
                        b.kind,
                        BlockKind::Section(_) | BlockKind::Item(_) | BlockKind::SubItem(_)
                    )
                })
                .unwrap_or(blocks.len());
            let last = blocks
                .iter()
                .enumerate()
                .skip(first)
                .find(|(_, b)| b.kind == BlockKind::Attachment)
                .map_or(blocks.len(), |(i, _)| i);
            first..last
        }
    };
    let skipped_notes = blocks
        .iter()
        .enumerate()
        .filter(|(i, b)| {
            !tasks.contains(i)
                && b.kind != BlockKind::Attachment
                && super::notes::find_notes(&b.text)
                    .iter()
                    .any(|n| n.content.contains("牵头"))
        })
        .map(|(_, b)| b.range.clone())
        .collect();
    Parts {
        targets,
        tasks,
        skipped_notes,
    }
}

/// Title, year, document number, issuer and date.
pub(super) struct Header {
    pub title: String,
    pub year: i32,
    pub document_number: String,
    pub issuer: String,
    pub issued_on: Option<NaiveDate>,
}

/// The endings of an issuing office's name.
const OFFICE_ENDS: [&str; 9] = [
    "办公室",
    "人民政府",
    "委员会",
    "领导小组",
    "指挥部",
    "生态环境局",
    "局",
    "办",
    "厅",
];

/// A line that is an office's name and nothing else.
fn is_office(line: &str) -> bool {
    let line = line.trim();
    (4..=40).contains(&line.chars().count())
        && OFFICE_ENDS.iter().any(|end| line.ends_with(end))
        && !line.contains(['，', '。', '：', ':', '、', ' ', '（', '('])
}

/// The issuer where the signature has no date: `…办公室关于印发《…》的通知`, an office's
/// name on the document's first line, or on its last line.
fn issuer_named(front: &[&Block], raw: &str) -> Option<String> {
    let before_notice = front.iter().find_map(|block| {
        let (office, _) = block.text.split_once("关于印发")?;
        is_office(office).then(|| office.trim().to_owned())
    });
    // Alone on a line, only an issuing body's name counts: a department (`县农业农村局`) may
    // end a table copied out cell by cell.
    let issuing = |line: &&str| {
        is_office(line)
            && ["办公室", "人民政府", "委员会", "领导小组", "指挥部"]
                .iter()
                .any(|end| line.ends_with(end))
    };
    let lines = || raw.lines().map(str::trim).filter(|l| !l.is_empty());
    before_notice
        .or_else(|| lines().next().filter(issuing).map(str::to_owned))
        .or_else(|| lines().next_back().filter(issuing).map(str::to_owned))
}

/// `raw` is the text as read (a line per paragraph or cell), before lines were joined.
pub(super) fn header(blocks: &[Block], source: &str, raw: &str) -> Header {
    // The front matter: everything before the first part or section.
    let front_end = blocks
        .iter()
        .position(|b| !matches!(b.kind, BlockKind::Plain))
        .unwrap_or(blocks.len());
    let front: Vec<&Block> = blocks[..front_end].iter().collect();
    let front_text: String = front.iter().map(|b| b.text.as_str()).collect();
    let title = NOTICE_TITLE
        .captures(&front_text)
        .map(|c| c[1].to_owned())
        .or_else(|| {
            front
                .iter()
                .rev()
                .map(|b| b.text.trim())
                .find(|t| {
                    t.chars().count() <= 60
                        && ["计划", "方案", "要点", "分工表", "进度表", "任务表", "清单"]
                            .iter()
                            .any(|end| t.ends_with(end))
                })
                .map(str::to_owned)
        })
        .or_else(|| {
            // A title that names its kind otherwise (`…工作任务清单`, `…工作安排`).
            front
                .iter()
                .map(|b| b.text.trim())
                .find(|t| {
                    (6..=60).contains(&t.chars().count())
                        && YEAR.is_match(t)
                        && ["工作", "任务", "计划", "方案"]
                            .iter()
                            .any(|w| t.contains(w))
                        && !t.ends_with(['。', '；', '，'])
                })
                .map(str::to_owned)
        })
        .unwrap_or_default();
    let document_number = front
        .iter()
        .find_map(|b| DOC_NUMBER.captures(&b.text))
        .or_else(|| source.lines().find_map(|line| DOC_NUMBER.captures(line)))
        .map(|c| format!("{}〔{}〕{}号", &c[1], &c[2], &c[3]))
        .unwrap_or_default();
    let mut issuer = String::new();
    let mut issued_on = None;
    for (index, block) in front.iter().enumerate() {
        let Some(found) = DATE.captures(&block.text) else {
            continue;
        };
        let date = NaiveDate::from_ymd_opt(
            found[1].parse().unwrap_or(0),
            found[2].parse().unwrap_or(0),
            found[3].parse().unwrap_or(0),
        );
        // A date standing alone under an office's name is the signature.
        let stands_alone = found
            .get(0)
            .is_some_and(|m| m.as_str().len() + 2 >= block.text.len());
        if !stands_alone {
            continue;
        }
        issued_on = date;
        if let Some(previous) = index.checked_sub(1).and_then(|i| front.get(i)) {
            let name = previous.text.trim();
            if ["办公室", "人民政府", "委员会", "局", "办", "厅"]
                .iter()
                .any(|end| name.ends_with(end))
            {
                issuer = name.to_owned();
            }
        }
        break;
    }
    if issuer.is_empty() {
        issuer = issuer_named(&front, raw).unwrap_or_default();
    }
    let year = YEAR
        .captures(&title)
        .and_then(|c| c[1].parse().ok())
        .or_else(|| issued_on.map(|d| chrono::Datelike::year(&d)))
        .or_else(|| YEAR.captures(source).and_then(|c| c[1].parse().ok()))
        .unwrap_or(0);
    Header {
        title,
        year,
        document_number,
        issuer,
        issued_on,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_patterns_compile() {
        for pattern in [
            &PAGE_NUMBER,
            &TOP_LEVEL,
            &SECTION,
            &ITEM,
            &SUB_ITEM,
            &DATE,
            &DOC_NUMBER,
            &NOTICE_TITLE,
            &YEAR,
        ] {
            assert!(!pattern.is_match("\u{0}"), "{}", pattern.as_str());
        }
        assert!(PAGE_NUMBER.is_match("— 3 —"));
        assert!(PAGE_NUMBER.is_match("- 12 -"));
        assert!(PAGE_NUMBER.is_match("第3页 共10页"));
        assert!(!PAGE_NUMBER.is_match("3月底前完成"));
    }

    #[test]
    fn marks_start_blocks_and_broken_lines_join() {
        let (source, blocks) = split(
            "（一）调查\n\n1．完成详查。按照\n\n— 3 —\n\n规范开展（县农\n业农村局牵头）\n2.开展调查\n3.5亩耕地\n（2）子项",
        );
        let kinds: Vec<&BlockKind> = blocks.iter().map(|b| &b.kind).collect();
        assert_eq!(
            kinds,
            [
                &BlockKind::Section("一".to_owned()),
                &BlockKind::Item(1),
                &BlockKind::Item(2),
                &BlockKind::SubItem(2),
            ]
        );
        assert_eq!(blocks[1].text, "完成详查。按照规范开展（县农业农村局牵头）");
        assert!(
            blocks[2].text.ends_with("开展调查3.5亩耕地"),
            "{}",
            blocks[2].text
        );
        assert_eq!(
            &source[blocks[1].text_start..blocks[1].range.end],
            blocks[1].text
        );
    }
}
