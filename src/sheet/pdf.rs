//! The sheet as a PDF on A4 landscape, drawn with the bundled font (embedded as a subset):
//! title, header fields, the table with group cells spanning their rows, wrapped text that
//! follows Chinese line-breaking rules, the header row repeated on every page, rows split
//! cleanly when taller than a page, and 第 1 页 共 N 页.

use std::sync::OnceLock;

use printpdf::{
    Color, Line, LinePoint, Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rgb, TextItem,
};

use super::{ExportError, Sheet};

const PAGE_WIDTH: f32 = 841.89;
const PAGE_HEIGHT: f32 = 595.28;
const MARGIN_X: f32 = 36.0;
const MARGIN_TOP: f32 = 36.0;
const MARGIN_BOTTOM: f32 = 42.0;
const BODY_SIZE: f32 = 9.5;
const LINE_FACTOR: f32 = 1.45;
const PAD: f32 = 3.5;
/// Column shares, as in the XLSX.
const SHARES: [f32; 5] = [11.0, 34.0, 17.0, 62.0, 16.0];

/// Characters that may not start a line.
const NO_LINE_START: &str = "，。、；：？！）》」』”’〕】…%．,.;:?!)]}";
/// Characters that may not end a line.
const NO_LINE_END: &str = "（《「『“‘〔【([{";

/// The written PDF and what the reader should know about it.
#[derive(Debug)]
pub struct PdfOutput {
    pub bytes: Vec<u8>,
    pub pages: usize,
    pub warnings: Vec<String>,
}

fn font() -> Option<&'static ParsedFont> {
    static FONT: OnceLock<Option<ParsedFont>> = OnceLock::new();
    FONT.get_or_init(|| ParsedFont::from_bytes(crate::assets::CHINESE_FONT, 0, &mut Vec::new()))
        .as_ref()
}

/// One font the PDF draws with: the bundled font first, then system fonts for characters it
/// lacks.
struct Face<'a> {
    font: &'a ParsedFont,
    units_per_em: f32,
    handle: PdfFontHandle,
}

impl<'a> Face<'a> {
    fn new(font: &'a ParsedFont, handle: PdfFontHandle) -> Self {
        Face {
            font,
            units_per_em: f32::from(font.pdf_font_metrics.units_per_em.max(1)),
            handle,
        }
    }
}

/// Measures text in points with the advances of the font that draws each character.
struct Measure<'a> {
    faces: Vec<Face<'a>>,
    /// Each character met: its face and its advance in ems. A font's lookup walks its whole
    /// character map (the cut-down font's has thousands of ranges), so each character is
    /// looked up once per document.
    known: std::cell::RefCell<std::collections::HashMap<char, (usize, f32)>>,
}

impl<'a> Measure<'a> {
    fn new(faces: Vec<Face<'a>>) -> Self {
        Self {
            faces,
            known: std::cell::RefCell::new(std::collections::HashMap::new()),
        }
    }

    /// The face that draws `c` (the first that has it, else the bundled font: a box) and its
    /// advance in ems.
    fn glyph(&self, c: char) -> (usize, f32) {
        if let Some(found) = self.known.borrow().get(&c) {
            return *found;
        }
        let face = if c.is_whitespace() {
            0
        } else {
            self.faces
                .iter()
                .position(|face| face.font.lookup_glyph_index(u32::from(c)).is_some())
                .unwrap_or(0)
        };
        let drawn = &self.faces[face];
        let advance = drawn
            .font
            .lookup_glyph_index(u32::from(c))
            .map(|gid| f32::from(drawn.font.get_horizontal_advance(gid)))
            .unwrap_or(drawn.units_per_em);
        let found = (face, advance / drawn.units_per_em);
        self.known.borrow_mut().insert(c, found);
        found
    }

    fn face_of(&self, c: char) -> usize {
        self.glyph(c).0
    }

    fn char_width(&self, c: char, size: f32) -> f32 {
        self.glyph(c).1 * size
    }

    fn width(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.char_width(c, size)).sum()
    }

    /// The text cut into runs of one face each: (face, run).
    fn runs(&self, text: &str) -> Vec<(usize, String)> {
        let mut runs: Vec<(usize, String)> = Vec::new();
        for c in text.chars() {
            let face = self.face_of(c);
            match runs.last_mut() {
                Some((last, run)) if *last == face => run.push(c),
                _ => runs.push((face, c.to_string())),
            }
        }
        runs
    }
}

/// Breaks text into lines no wider than `max_width` (points), by characters, keeping Latin
/// words and numbers whole where they fit, and following the Chinese rules: no line starts
/// with closing punctuation and none ends with an opening bracket.
pub(crate) fn wrap(text: &str, max_width: f32, char_width: &dyn Fn(char) -> f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line: Vec<char> = Vec::new();
        let mut width = 0.0;
        for c in paragraph.chars() {
            let w = char_width(c);
            if width + w <= max_width || line.is_empty() {
                line.push(c);
                width += w;
                continue;
            }
            // `c` does not fit: decide what moves to the next line with it.
            let mut carried: Vec<char> = Vec::new();
            if NO_LINE_START.contains(c) {
                // Take the last character along, so that the punctuation does not start a line.
                if line.len() > 1 {
                    carried.extend(line.pop());
                }
            } else if c.is_ascii_alphanumeric() {
                // Keep a Latin word or a number together when it is short.
                let run = line
                    .iter()
                    .rev()
                    .take_while(|x| x.is_ascii_alphanumeric() || **x == '.')
                    .count();
                if run > 0 && run < line.len() && run <= 16 {
                    carried = line.split_off(line.len() - run);
                }
            }
            // An opening bracket never ends a line.
            while line.len() > 1 && line.last().is_some_and(|x| NO_LINE_END.contains(*x)) {
                carried.insert(0, line.pop().unwrap_or_default());
            }
            lines.push(line.iter().collect::<String>());
            carried.push(c);
            width = carried.iter().map(|x| char_width(*x)).sum();
            line = carried;
        }
        lines.push(line.iter().collect());
    }
    lines
}

/// Drawing operations of one page.
struct PageOps {
    ops: Vec<Op>,
}

struct Painter<'a> {
    measure: Measure<'a>,
}

impl Painter<'_> {
    fn text(&self, page: &mut PageOps, text: &str, x: f32, baseline: f32, size: f32) {
        let mut x = x;
        for (face, run) in self.measure.runs(text) {
            page.ops.extend([
                Op::StartTextSection,
                Op::SetFont {
                    font: self.measure.faces[face].handle.clone(),
                    size: Pt(size),
                },
                Op::SetTextCursor {
                    pos: Point {
                        x: Pt(x),
                        y: Pt(baseline),
                    },
                },
                Op::ShowText {
                    items: vec![TextItem::Text(run.clone())],
                },
                Op::EndTextSection,
            ]);
            x += self.measure.width(&run, size);
        }
    }

    fn centered(
        &self,
        page: &mut PageOps,
        text: &str,
        left: f32,
        width: f32,
        baseline: f32,
        size: f32,
    ) {
        let text_width = self.measure.width(text, size);
        self.text(
            page,
            text,
            left + (width - text_width).max(0.0) / 2.0,
            baseline,
            size,
        );
    }

    fn rect(&self, page: &mut PageOps, x: f32, top: f32, width: f32, height: f32) {
        let point = |x: f32, y: f32| LinePoint {
            p: Point { x: Pt(x), y: Pt(y) },
            bezier: false,
        };
        page.ops.push(Op::DrawLine {
            line: Line {
                points: vec![
                    point(x, top),
                    point(x + width, top),
                    point(x + width, top - height),
                    point(x, top - height),
                ],
                is_closed: true,
            },
        });
    }

    /// A cell's text in lines, cut where the XLSX cuts it (with the same mark).
    fn lines(&self, text: &str, width: f32, size: f32) -> Vec<String> {
        let text = crate::excel::fit_cell(text);
        wrap(&text, width, &|c| self.measure.char_width(c, size))
    }
}

/// One table row as laid out: the lines of each column after the first.
struct LaidRow {
    group: usize,
    cells: Vec<Vec<String>>,
}

/// A table to print on A4 landscape: a label at the top left, the title and a line under it
/// centred, a line of header fields, then the table. The first column holds each group's
/// name, one cell spanning its rows; the other columns each row's cells.
pub struct TableDoc {
    pub label: String,
    pub title: String,
    pub subtitle: String,
    pub header_line: String,
    pub columns: Vec<String>,
    /// Each column's share of the width.
    pub shares: Vec<f32>,
    /// (group name, rows), each row one text per column after the first.
    pub groups: Vec<(String, Vec<Vec<String>>)>,
    pub notes: Vec<String>,
}

/// Writes the sheet as a PDF.
pub fn write_pdf(sheet: &Sheet) -> Result<PdfOutput, ExportError> {
    table_pdf(&TableDoc {
        label: sheet.label.clone(),
        title: sheet.title.clone(),
        subtitle: sheet.period_line(),
        header_line: sheet.header_line("　　　　"),
        columns: sheet.columns.iter().take(SHARES.len()).cloned().collect(),
        shares: SHARES.to_vec(),
        groups: sheet
            .groups
            .iter()
            .map(|group| {
                (
                    group.name.clone(),
                    group
                        .rows
                        .iter()
                        .map(|row| {
                            vec![
                                format!("{}．{}", row.number, row.text),
                                row.units.join("、"),
                                row.progress.clone(),
                                row.remark.clone(),
                            ]
                        })
                        .collect(),
                )
            })
            .collect(),
        notes: sheet.notes.clone(),
    })
}

/// Writes a table as a PDF.
#[expect(
    clippy::too_many_lines,
    reason = "the page layout loop: title, header row, rows split across pages, group spans, notes, footers"
)]
pub fn table_pdf(doc: &TableDoc) -> Result<PdfOutput, ExportError> {
    let columns = doc.shares.len().min(doc.columns.len()).max(1);
    let font = font().ok_or_else(|| {
        ExportError::Pdf(super::PdfError(
            "the bundled font could not be parsed".to_owned(),
        ))
    })?;
    let mut warnings = Vec::new();
    let mut missing: Vec<char> = Vec::new();
    let all_text = doc
        .groups
        .iter()
        .flat_map(|(name, rows)| std::iter::once(name).chain(rows.iter().flatten()))
        .map(String::as_str)
        .chain([doc.header_line.as_str(), doc.label.as_str()])
        .chain(doc.notes.iter().map(String::as_str))
        .chain([doc.title.as_str()]);
    let mut seen = std::collections::HashSet::new();
    for text in all_text {
        // What the PDF prints of a cell: its text cut where the cell is.
        let text = crate::excel::fit_cell(text);
        for c in text.chars() {
            if !c.is_whitespace()
                && seen.insert(c)
                && font.lookup_glyph_index(u32::from(c)).is_none()
            {
                missing.push(c);
            }
        }
    }
    let mut pdf = PdfDocument::new(&format!("{}{}", doc.title, doc.subtitle));
    let bundled = PdfFontHandle::External(pdf.add_font(font));
    // The system's Chinese fonts draw what the bundled font was cut down without.
    let mut system: Vec<(String, u32, ParsedFont)> = Vec::new();
    missing.retain(|c| {
        let Some(found) = crate::system_fonts::font_for(*c) else {
            return true;
        };
        let known = system
            .iter()
            .any(|(family, index, _)| *family == found.family && *index == found.index);
        if !known {
            match ParsedFont::from_bytes(found.bytes(), found.index as usize, &mut Vec::new()) {
                Some(parsed) => system.push((found.family, found.index, parsed)),
                None => return true,
            }
        }
        false
    });
    for c in &missing {
        // A control character is named, never printed into the message as it is.
        let shown = if c.is_control() {
            "不可见的控制字符".to_owned()
        } else {
            format!("“{c}”")
        };
        warnings.push(format!(
            "内置字体和本机字体中都没有{shown}（U+{:04X}），PDF 中该字显示为方框，请改用常用字或在 Excel 文件中核对",
            u32::from(*c)
        ));
    }
    let mut faces = vec![Face::new(font, bundled)];
    for (_, _, parsed) in &system {
        let handle = PdfFontHandle::External(pdf.add_font(parsed));
        faces.push(Face::new(parsed, handle));
    }
    let painter = Painter {
        measure: Measure::new(faces),
    };
    let table_width = PAGE_WIDTH - 2.0 * MARGIN_X;
    let shares = &doc.shares[..columns];
    let share_sum: f32 = shares.iter().sum::<f32>().max(f32::EPSILON);
    let widths: Vec<f32> = shares.iter().map(|s| table_width * s / share_sum).collect();
    let lefts: Vec<f32> = widths
        .iter()
        .scan(MARGIN_X, |x, w| {
            let left = *x;
            *x += w;
            Some(left)
        })
        .collect();
    let line_height = BODY_SIZE * LINE_FACTOR;
    let inner = |column: usize| widths[column] - 2.0 * PAD;

    // Lay out every row's cells into lines.
    let mut rows: Vec<LaidRow> = Vec::new();
    for (group_index, (_, group_rows)) in doc.groups.iter().enumerate() {
        for row in group_rows {
            rows.push(LaidRow {
                group: group_index,
                cells: (1..columns)
                    .map(|column| {
                        painter.lines(
                            row.get(column - 1).map_or("", String::as_str),
                            inner(column),
                            BODY_SIZE,
                        )
                    })
                    .collect(),
            });
        }
    }

    let header_height = line_height + 2.0 * PAD + 4.0;
    let mut pages: Vec<PageOps> = Vec::new();
    let mut page = PageOps { ops: Vec::new() };
    let mut y = PAGE_HEIGHT - MARGIN_TOP;

    // Title block on the first page.
    painter.text(&mut page, &doc.label, MARGIN_X, y - 12.0, 12.0);
    y -= 20.0;
    for line in painter.lines(&doc.title, table_width, 16.0) {
        painter.centered(&mut page, &line, MARGIN_X, table_width, y - 16.0, 16.0);
        y -= 16.0 * 1.5;
    }
    painter.centered(
        &mut page,
        &doc.subtitle,
        MARGIN_X,
        table_width,
        y - 12.0,
        12.0,
    );
    y -= 12.0 * 1.6;
    painter.text(&mut page, &doc.header_line, MARGIN_X, y - 11.0, 10.5);
    y -= 10.5 * 1.8;

    let draw_header = |page: &mut PageOps, top: f32| {
        for (column, title) in doc.columns.iter().enumerate().take(columns) {
            painter.rect(page, lefts[column], top, widths[column], header_height);
            painter.centered(
                page,
                title,
                lefts[column],
                widths[column],
                top - PAD - 2.0 - BODY_SIZE,
                BODY_SIZE,
            );
        }
        top - header_height
    };
    y = draw_header(&mut page, y);

    // Group cells are drawn when their span on a page ends: (group, top, bottom so far).
    let mut span: Option<(usize, f32, f32)> = None;
    let close_span = |page: &mut PageOps, span: &mut Option<(usize, f32, f32)>| {
        if let Some((group, top, bottom)) = span.take() {
            let height = top - bottom;
            painter.rect(page, lefts[0], top, widths[0], height);
            let name = doc.groups.get(group).map_or("", |(name, _)| name.as_str());
            let name_lines = painter.lines(name, inner(0), BODY_SIZE);
            let text_height = name_lines.len() as f32 * line_height;
            let mut baseline = top - (height - text_height).max(0.0) / 2.0 - BODY_SIZE * 1.1;
            for line in name_lines {
                painter.centered(page, &line, lefts[0], widths[0], baseline, BODY_SIZE);
                baseline -= line_height;
            }
        }
    };
    let bottom_limit = MARGIN_BOTTOM;

    for row in &rows {
        let mut start = 0; // first line of the row still to draw
        let total = row.cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        while start < total {
            let available_lines = ((y - bottom_limit - 2.0 * PAD) / line_height)
                .floor()
                .max(0.0) as usize;
            let remaining = total - start;
            // A row that fits on a fresh page but not here moves on whole.
            let fresh_capacity =
                ((PAGE_HEIGHT - MARGIN_TOP - header_height - bottom_limit - 2.0 * PAD)
                    / line_height)
                    .floor() as usize;
            let take = if remaining <= available_lines {
                remaining
            } else if remaining <= fresh_capacity || available_lines < 3 {
                0
            } else {
                available_lines
            };
            if take == 0 {
                close_span(&mut page, &mut span);
                pages.push(std::mem::replace(&mut page, PageOps { ops: Vec::new() }));
                y = draw_header(&mut page, PAGE_HEIGHT - MARGIN_TOP);
                continue;
            }
            let height = take as f32 * line_height + 2.0 * PAD;
            for (index, lines) in row.cells.iter().enumerate() {
                let column = index + 1;
                painter.rect(&mut page, lefts[column], y, widths[column], height);
                let mut baseline = y - PAD - BODY_SIZE * 1.1;
                for line in lines.iter().skip(start).take(take) {
                    painter.text(&mut page, line, lefts[column] + PAD, baseline, BODY_SIZE);
                    baseline -= line_height;
                }
            }
            match &mut span {
                Some((group, _, bottom)) if *group == row.group => *bottom = y - height,
                _ => {
                    close_span(&mut page, &mut span);
                    span = Some((row.group, y, y - height));
                }
            }
            y -= height;
            start += take;
        }
    }
    close_span(&mut page, &mut span);

    if !doc.notes.is_empty() {
        let notes = format!("注：{}", doc.notes.join("；"));
        let lines = painter.lines(&notes, table_width, BODY_SIZE);
        let needed = lines.len() as f32 * line_height + 8.0;
        if y - needed < bottom_limit {
            pages.push(std::mem::replace(&mut page, PageOps { ops: Vec::new() }));
            y = PAGE_HEIGHT - MARGIN_TOP;
        }
        let mut baseline = y - 8.0 - BODY_SIZE;
        for line in lines {
            painter.text(&mut page, &line, MARGIN_X, baseline, BODY_SIZE);
            baseline -= line_height;
        }
    }
    pages.push(page);

    let total = pages.len();
    let black = Op::SetOutlineColor {
        col: Color::Rgb(Rgb {
            r: 0.0,
            g: 0.0,
            b: 0.0,
            icc_profile: None,
        }),
    };
    let pdf_pages: Vec<PdfPage> = pages
        .into_iter()
        .enumerate()
        .map(|(index, mut page)| {
            let footer = format!("第 {} 页 共 {} 页", index + 1, total);
            painter.centered(&mut page, &footer, MARGIN_X, table_width, 20.0, 9.0);
            let mut ops = vec![black.clone(), Op::SetOutlineThickness { pt: Pt(0.6) }];
            ops.extend(page.ops);
            PdfPage::new(Mm(297.0), Mm(210.0), ops)
        })
        .collect();
    let mut save_warnings = Vec::new();
    let bytes = pdf
        .with_pages(pdf_pages)
        .save(&PdfSaveOptions::default(), &mut save_warnings);
    Ok(PdfOutput {
        bytes,
        pages: total,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(_: char) -> f32 {
        1.0
    }

    #[test]
    fn lines_follow_the_chinese_rules() {
        let lines = wrap("开展排查工作，完成整改。（县住建局）完成", 5.0, &unit);
        for line in &lines {
            assert!(line.chars().count() <= 5, "{lines:?}");
            let first = line.chars().next().unwrap_or(' ');
            let last = line.chars().last().unwrap_or(' ');
            assert!(!NO_LINE_START.contains(first), "{lines:?}");
            assert!(!NO_LINE_END.contains(last), "{lines:?}");
        }
        assert_eq!(lines.concat(), "开展排查工作，完成整改。（县住建局）完成");
    }

    #[test]
    fn words_and_numbers_stay_whole_and_line_breaks_are_kept() {
        let lines = wrap("回收农膜12345吨\n第二段", 6.0, &unit);
        assert_eq!(lines, ["回收农膜", "12345吨", "第二段"]);
        assert_eq!(wrap("", 5.0, &unit), [""]);
    }

    #[test]
    fn the_bundled_font_is_read_and_measures_chinese() {
        let font = font().expect("the bundled font parses");
        let measure = Measure::new(vec![Face::new(
            font,
            PdfFontHandle::Builtin(printpdf::BuiltinFont::Helvetica),
        )]);
        let width = measure.width("土壤", 10.0);
        assert!((19.0..=21.0).contains(&width), "{width}");
        assert!(
            font.lookup_glyph_index(u32::from('𠮷')).is_none(),
            "Ext-B is not in the font"
        );
    }
}
