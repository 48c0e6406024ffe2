//! Text PDFs of plans (the county's website publishes its 通知 that way): the text layer read
//! page by page through lopdf (already in the tree through printpdf; pure Rust, maintained,
//! and bounded on hostile files: its page-tree walk and dereferences have limits, and every
//! stream it decodes here is held to a size). Each text-showing operator is decoded with its
//! font's encoding (ToUnicode maps first), lines are told apart by the text matrix's vertical
//! position and kept in content order (the reading order of office writers), the spaces PDF
//! writers put between Chinese characters removed, page numbers (`— 3 —`, `- 3 -`, `第 3 页`)
//! and a running header repeated at the top of most pages dropped. A PDF without text (a scan)
//! is refused with a clear message.

use std::collections::BTreeMap;

use lopdf::{Document, Encoding, Object, content::Content};

/// Bytes any one stream (a page's content, a font's map) may decode to.
const MAX_STREAM: usize = 16 * 1024 * 1024;
/// Bytes all pages' content may decode to together.
const MAX_CONTENT: usize = 64 * 1024 * 1024;
/// Pages read at most: a plan has a few dozen.
const MAX_PAGES: usize = 2_000;
/// Characters of text at most.
const MAX_CHARS: usize = 4 * 1024 * 1024;

/// Why a PDF could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PdfError {
    #[error(
        "PDF 文件已损坏或不完整，无法读取（{0}）。请使用原始的 Word 文件，或把正文复制粘贴到导入页。"
    )]
    Corrupt(String),
    #[error("PDF 文件设置了密码，无法读取。请使用原始的 Word 文件，或把正文复制粘贴到导入页。")]
    Encrypted,
    #[error(
        "这个 PDF 没有文字层（多半是扫描件或图片），无法读取文字。请使用原始的 Word 文件，或把正文复制粘贴到导入页。"
    )]
    NoText,
    #[error("PDF 的内容解压后过大（超过 {} MB），不像一份计划，可能已损坏或是恶意文件，未读取。", MAX_CONTENT / 1024 / 1024)]
    TooLarge,
}

/// One line of a page.
struct Line {
    text: String,
}

/// A run of text as shown: where it starts on the page (device space, y up) and how tall
/// its characters are.
struct Segment {
    x: f32,
    y: f32,
    height: f32,
    text: String,
}

/// The plan's text: the pages' lines in order.
pub fn text(bytes: &[u8]) -> Result<String, PdfError> {
    let options = lopdf::LoadOptions::with_max_decompressed_size(MAX_STREAM);
    let document = Document::load_mem_with_options(bytes, options).map_err(|error| {
        let said = error.to_string();
        if said.to_lowercase().contains("decrypt") || said.to_lowercase().contains("password") {
            PdfError::Encrypted
        } else if said.contains("limit") || said.contains("exceed") {
            PdfError::TooLarge
        } else {
            PdfError::Corrupt(said)
        }
    })?;
    if document.is_encrypted() && document.encryption_state.is_none() {
        return Err(PdfError::Encrypted);
    }
    let mut pages: Vec<Vec<Line>> = Vec::new();
    let mut budget = MAX_CONTENT;
    let mut chars = 0_usize;
    for page_id in document.page_iter().take(MAX_PAGES) {
        let lines = page_lines(&document, page_id, &mut budget, &mut chars)?;
        pages.push(lines);
    }
    let text = join_pages(pages);
    if text.chars().filter(|c| !c.is_whitespace()).count() < 10 {
        return Err(PdfError::NoText);
    }
    Ok(text)
}

/// A number of an operand (integer or real).
fn number(object: &Object) -> f32 {
    match object {
        Object::Integer(value) => *value as f32,
        Object::Real(value) => *value,
        _ => 0.0,
    }
}

/// The text matrix's parts that matter here: scale and position.
#[derive(Clone, Copy)]
struct Matrix {
    a: f32,
    b: f32,
    c: f32,
    d: f32,
    e: f32,
    f: f32,
}

const IDENTITY: Matrix = Matrix {
    a: 1.0,
    b: 0.0,
    c: 0.0,
    d: 1.0,
    e: 0.0,
    f: 0.0,
};

impl Matrix {
    /// This matrix, then `other` (the product self × other).
    fn then(self, other: Self) -> Self {
        Self {
            a: self.a * other.a + self.b * other.c,
            b: self.a * other.b + self.b * other.d,
            c: self.c * other.a + self.d * other.c,
            d: self.c * other.b + self.d * other.d,
            e: self.e * other.a + self.f * other.c + other.e,
            f: self.e * other.b + self.f * other.d + other.f,
        }
    }

    /// This line matrix moved by (tx, ty) in text space.
    fn translated(self, tx: f32, ty: f32) -> Self {
        Self {
            e: self.e + tx * self.a + ty * self.c,
            f: self.f + tx * self.b + ty * self.d,
            ..self
        }
    }
}

fn page_lines(
    document: &Document,
    page_id: lopdf::ObjectId,
    budget: &mut usize,
    chars: &mut usize,
) -> Result<Vec<Line>, PdfError> {
    let fonts = document.get_page_fonts(page_id).unwrap_or_default();
    let encodings: BTreeMap<Vec<u8>, Encoding<'_>> = fonts
        .into_iter()
        .filter_map(|(name, font)| {
            font.get_font_encoding_with_limit(document, MAX_STREAM)
                .ok()
                .map(|encoding| (name, encoding))
        })
        .collect();
    let content = document
        .get_page_content_with_limit(page_id, MAX_STREAM.min(*budget))
        .map_err(|_| PdfError::TooLarge)?;
    *budget = budget.saturating_sub(content.len());
    if *budget == 0 {
        return Err(PdfError::TooLarge);
    }
    let Ok(content) = Content::decode(&content) else {
        // A page whose content cannot be parsed gives no text; the others still do.
        return Ok(Vec::new());
    };
    let mut segments: Vec<Segment> = Vec::new();
    let mut encoding: Option<&Encoding<'_>> = None;
    let mut font_size = 12.0_f32;
    let mut leading = 0.0_f32;
    let mut matrix = IDENTITY;
    let mut line_matrix = IDENTITY;
    // The current transformation matrix, saved and restored by q and Q.
    let mut ctm = IDENTITY;
    let mut saved: Vec<Matrix> = Vec::new();
    for operation in &content.operations {
        let operands = &operation.operands;
        let value = |i: usize| operands.get(i).map_or(0.0, number);
        match operation.operator.as_str() {
            "q" if saved.len() < 256 => saved.push(ctm),
            "Q" => ctm = saved.pop().unwrap_or(IDENTITY),
            "cm" => {
                let m = Matrix {
                    a: value(0),
                    b: value(1),
                    c: value(2),
                    d: value(3),
                    e: value(4),
                    f: value(5),
                };
                ctm = m.then(ctm);
            }
            "BT" => {
                matrix = IDENTITY;
                line_matrix = IDENTITY;
            }
            "Tf" => {
                encoding = operands
                    .first()
                    .and_then(|name| name.as_name().ok())
                    .and_then(|name| encodings.get(name));
                font_size = value(1);
            }
            "TL" => leading = value(0),
            "Td" | "TD" => {
                if operation.operator == "TD" {
                    leading = -value(1);
                }
                line_matrix = line_matrix.translated(value(0), value(1));
                matrix = line_matrix;
            }
            "Tm" => {
                line_matrix = Matrix {
                    a: value(0),
                    b: value(1),
                    c: value(2),
                    d: value(3),
                    e: value(4),
                    f: value(5),
                };
                matrix = line_matrix;
            }
            "T*" => {
                line_matrix = line_matrix.translated(0.0, -leading);
                matrix = line_matrix;
            }
            "Tj" | "TJ" | "'" | "\"" => {
                if operation.operator == "'" || operation.operator == "\"" {
                    line_matrix = line_matrix.translated(0.0, -leading);
                    matrix = line_matrix;
                }
                let Some(encoding) = encoding else {
                    continue;
                };
                let strings: Vec<&Object> = match operation.operator.as_str() {
                    "TJ" => operands
                        .first()
                        .and_then(|array| array.as_array().ok())
                        .map(|array| array.iter().collect())
                        .unwrap_or_default(),
                    "\"" => operands.get(2).into_iter().collect(),
                    _ => operands.first().into_iter().collect(),
                };
                let mut text = String::new();
                for item in strings {
                    match item {
                        Object::String(bytes, _) => {
                            if let Ok(decoded) = Document::decode_text(encoding, bytes) {
                                text.push_str(&decoded);
                            }
                        }
                        // A wide gap in a TJ array is a space between words.
                        other if number(other) < -250.0 => text.push(' '),
                        _ => {}
                    }
                }
                *chars += text.chars().count();
                if *chars > MAX_CHARS {
                    return Err(PdfError::TooLarge);
                }
                if text.is_empty() || segments.len() >= MAX_CHARS {
                    continue;
                }
                let place = matrix.then(ctm);
                let height = (font_size * (place.d.abs() + place.b.abs())).abs().max(1.0);
                segments.push(Segment {
                    x: place.e,
                    y: place.f,
                    height,
                    text,
                });
            }
            _ => {}
        }
    }
    Ok(lines_of(segments))
}

/// The page's segments as lines: from the top down, a segment joining the line whose
/// baseline is within a third of its height, each line's segments from left to right (office
/// writers emit a line's runs font by font, not in reading order).
fn lines_of(mut segments: Vec<Segment>) -> Vec<Line> {
    segments.sort_by(|a, b| b.y.total_cmp(&a.y));
    let mut lines: Vec<Line> = Vec::new();
    let mut current: Vec<Segment> = Vec::new();
    for segment in segments {
        let joins = current.first().is_some_and(|first| {
            (first.y - segment.y).abs() <= first.height.max(segment.height) / 3.0
        });
        if !joins && !current.is_empty() {
            push_line(&mut current, &mut lines);
        }
        current.push(segment);
    }
    push_line(&mut current, &mut lines);
    lines
}

fn push_line(segments: &mut Vec<Segment>, lines: &mut Vec<Line>) {
    segments.sort_by(|a, b| a.x.total_cmp(&b.x));
    // Runs of one line follow each other: a space between words is inside the runs.
    let joined: String = segments.drain(..).map(|s| s.text).collect();
    let text = tidy(&joined);
    if !text.is_empty() {
        lines.push(Line { text });
    }
}

/// Whether a character is Chinese (or Japanese, Korean) script or full-width punctuation.
fn is_wide(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{FE30}'..='\u{FE4F}'
        | '\u{FF00}'..='\u{FFEF}' | '\u{2010}'..='\u{2027}'
        | '\u{20000}'..='\u{2FFFF}')
}

/// A line with its spaces between Chinese characters removed (a space between Latin words
/// or digits stays), trimmed.
fn tidy(line: &str) -> String {
    let chars: Vec<char> = line.chars().filter(|c| !c.is_control()).collect();
    let mut out = String::with_capacity(line.len());
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' || c == '\u{3000}' || c == '\u{A0}' {
            let before = out.chars().next_back();
            let after = chars[i + 1..].iter().find(|c| !c.is_whitespace()).copied();
            let wide = before.is_some_and(is_wide) || after.is_some_and(is_wide);
            if wide || before == Some(' ') || before.is_none() {
                continue;
            }
            out.push(' ');
        } else {
            out.push(c);
        }
    }
    out.trim().to_owned()
}

/// A page number as printed at a page's foot or head: `— 3 —`, `- 3 -`, `3`, `第 3 页`,
/// `第3页 共10页`, `3/10`.
fn is_page_number(line: &str) -> bool {
    let inner: String = line
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '—' | '-' | '–' | '－' | '·'))
        .collect();
    if inner.is_empty() {
        return !line.trim().is_empty() && line.chars().count() <= 6;
    }
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    if digits(&inner) {
        return inner.len() <= 4;
    }
    if let Some((a, b)) = inner.split_once('/') {
        return digits(a) && digits(b);
    }
    let stripped = inner.replace("共", "").replace(['页', '第'], " ");
    stripped.split_whitespace().all(digits) && inner.contains('页')
}

/// The pages' lines as one text: page numbers dropped, and a first line that heads most
/// pages (a running header) kept only on the first page.
fn join_pages(pages: Vec<Vec<Line>>) -> String {
    let mut heads: BTreeMap<String, usize> = BTreeMap::new();
    for page in &pages {
        if let Some(first) = page.iter().find(|l| !is_page_number(&l.text)) {
            *heads.entry(first.text.clone()).or_default() += 1;
        }
    }
    let running: Vec<&String> = heads
        .iter()
        .filter(|(_, count)| pages.len() >= 3 && **count * 2 > pages.len())
        .map(|(text, _)| text)
        .collect();
    let mut out = String::new();
    for (index, page) in pages.iter().enumerate() {
        let mut first = true;
        for line in page {
            if is_page_number(&line.text) {
                continue;
            }
            if first && index > 0 && running.contains(&&line.text) {
                first = false;
                continue;
            }
            first = false;
            out.push_str(&line.text);
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_between_chinese_go_and_page_numbers_are_found() {
        assert_eq!(tidy("融 水 县  生态 环境局"), "融水县生态环境局");
        assert_eq!(tidy("PM2.5  and PM10 浓度"), "PM2.5 and PM10浓度");
        assert!(is_page_number("— 3 —"));
        assert!(is_page_number("- 12 -"));
        assert!(is_page_number("第 3 页"));
        assert!(is_page_number("第3页 共10页"));
        assert!(is_page_number("3/10"));
        assert!(!is_page_number("3．加强监管"));
        assert!(!is_page_number("2019年"));
    }
}
