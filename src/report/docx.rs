//! The 通报 as a Word document in the 公文 layout of GB/T 9704-2012: A4, margins 37 mm top and
//! 28 mm inside (a text block of 156 × 225 mm), 22 lines of 28 characters, the title in
//! 方正小标宋简体 二号, the body in 仿宋_GB2312 三号, first-level headings in 黑体 and second-level
//! in 楷体_GB2312, and page numbers `— 1 —` in 宋体 四号 (odd pages right, even pages left,
//! one character in). The fonts are named in the file; WPS and Word on her PC supply them.

use std::io::Write as _;

use super::MonthReport;
use crate::model::format_date_cn;

/// A form row's title without its own number (`11．非正规…` → `非正规…`): the 通报 numbers
/// its items itself (`1．`, GB/T 9704's third level).
pub(super) fn without_number(title: &str) -> &str {
    let digits = title.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.');
    // Only a number followed by its separator: `2019年…` keeps its year.
    let separated = digits.starts_with(['．', '、', ' ', '\u{3000}'])
        || (digits.len() < title.len() && title[..title.len() - digits.len()].ends_with('.'));
    let rest = digits.trim_start_matches(['．', '、', '.', ' ', '\u{3000}']);
    if !separated || rest.is_empty() || digits.len() == title.len() {
        title
    } else {
        rest
    }
}

/// The title's font (二号, 22 pt).
pub const TITLE_FONT: &str = "方正小标宋简体";
/// The body's font (三号, 16 pt).
pub const BODY_FONT: &str = "仿宋_GB2312";
/// First-level headings (一、).
pub const HEADING_FONT: &str = "黑体";
/// Second-level headings (（一）).
pub const SUBHEADING_FONT: &str = "楷体_GB2312";
/// Page numbers (四号, 14 pt).
pub const PAGE_NUMBER_FONT: &str = "宋体";

/// A4 in twentieths of a point.
pub const PAGE_WIDTH: u32 = 11906;
pub const PAGE_HEIGHT: u32 = 16838;

/// One paragraph's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Title,
    /// `各有关单位：` at the left margin.
    Addressee,
    Body,
    Heading,
    Subheading,
    /// The issuing unit and the date, at the right.
    Signature,
}

/// The 通报's paragraphs in order, with their roles.
#[expect(
    clippy::too_many_lines,
    reason = "the 通报 in reading order, one push per paragraph"
)]
pub fn paragraphs(report: &MonthReport) -> Vec<(Role, String)> {
    let mut out = vec![
        (Role::Title, report.title()),
        (Role::Body, String::new()),
        (Role::Addressee, "各有关单位：".to_owned()),
    ];
    let month = report.period.label();
    out.push((
        Role::Body,
        format!(
            "根据《{}》要求，各责任单位须于{}前报送{}工作进展情况。现将{}工作推进情况通报如下：",
            report.plan_title,
            format_date_cn(report.due),
            month,
            month
        ),
    ));
    out.push((Role::Heading, "一、报送情况".to_owned()));
    let owing = report.on_time.len()
        + report.late.len()
        + report.missing.len()
        + report.returned.len()
        + report.not_due.len();
    let rate = |rate: Option<f32>| {
        rate.map_or_else(
            || "无（尚无到期的报送）".to_owned(),
            |r| format!("{:.1}%", r * 100.0),
        )
    };
    out.push((
        Role::Body,
        format!(
            "{month}应报送单位{owing}个，按时报送{}个，逾期报送{}个，未报送{}个{}{}；其中报送内容不全的{}个。按时报送率（按时且内容齐全）本月为{}，今年以来为{}。",
            report.on_time.len(),
            report.late.len(),
            report.missing.len(),
            if report.returned.is_empty() {
                String::new()
            } else {
                format!("，退回修改尚未重报{}个", report.returned.len())
            },
            if report.not_due.is_empty() {
                String::new()
            } else {
                format!("，未到报送期限{}个", report.not_due.len())
            },
            report.partial.len(),
            rate(report.month_rate),
            rate(report.year_rate),
        ),
    ));
    let list = |names: Vec<String>| {
        if names.is_empty() {
            "无。".to_owned()
        } else {
            format!("{}。", names.join("、"))
        }
    };
    out.push((Role::Subheading, "（一）按时报送的单位".to_owned()));
    out.push((Role::Body, list(report.on_time.clone())));
    out.push((Role::Subheading, "（二）逾期报送的单位".to_owned()));
    out.push((
        Role::Body,
        list(
            report
                .late
                .iter()
                .map(|l| match l.received_on {
                    Some(day) => format!("{}（{}报送）", l.department, format_date_cn(day)),
                    None => l.department.clone(),
                })
                .collect(),
        ),
    ));
    out.push((Role::Subheading, "（三）报送内容不全的单位".to_owned()));
    out.push((
        Role::Body,
        list(
            report
                .partial
                .iter()
                .map(|p| {
                    format!(
                        "{}（应报{}项，已报{}项）",
                        p.department, p.rows_expected, p.rows_filled
                    )
                })
                .collect(),
        ),
    ));
    out.push((Role::Subheading, "（四）未报送的单位".to_owned()));
    out.push((Role::Body, list(report.missing.clone())));
    if !report.returned.is_empty() {
        out.push((Role::Subheading, "（五）退回修改尚未重报的单位".to_owned()));
        out.push((Role::Body, list(report.returned.clone())));
    }
    out.push((Role::Heading, "二、重点工作进展".to_owned()));
    if report.moved.is_empty() {
        out.push((
            Role::Body,
            "本月各单位报送的进展与上月相比无新内容。".to_owned(),
        ));
    }
    for (n, item) in report.moved.iter().enumerate() {
        out.push((
            Role::Body,
            format!(
                "{}．{}（{}）：{}",
                n + 1,
                without_number(&item.item),
                item.department,
                item.sentence
            ),
        ));
    }
    out.push((Role::Heading, "三、逾期未完成的节点任务".to_owned()));
    if report.overdue.is_empty() {
        out.push((
            Role::Body,
            "截至本月底，无逾期未完成的节点任务。".to_owned(),
        ));
    }
    for (n, milestone) in report.overdue.iter().enumerate() {
        let who = if milestone.departments.is_empty() {
            String::new()
        } else {
            format!("（{}）", milestone.departments.join("、"))
        };
        out.push((
            Role::Body,
            format!(
                "{}．任务{}{}：{}，应于{}完成{}。",
                n + 1,
                milestone.task,
                who,
                milestone.what.trim_end_matches('。'),
                format_date_cn(milestone.date),
                if milestone.carried {
                    "（该任务已沿用到下一年度计划）"
                } else {
                    ""
                }
            ),
        ));
    }
    out.push((Role::Heading, "四、目标指标完成情况".to_owned()));
    if report.indicators.is_empty() {
        out.push((Role::Body, "计划未列出可量化的目标指标。".to_owned()));
    }
    for (n, line) in report.indicators.iter().enumerate() {
        out.push((
            Role::Body,
            format!(
                "{}．{}：目标{}；{}",
                n + 1,
                line.name,
                line.target,
                indicator_state(line)
            ),
        ));
    }
    out.push((Role::Heading, "五、下一步工作要求".to_owned()));
    out.push((
        Role::Body,
        "（此处由起草人填写下一步工作要求。）".to_owned(),
    ));
    out.push((Role::Body, String::new()));
    if !report.unit.trim().is_empty() {
        out.push((Role::Signature, report.unit.trim().to_owned()));
    }
    out.push((Role::Signature, format_date_cn(report.made_on)));
    out
}

/// Where an indicator stands: its value as of its month, with its source, against the target.
pub(super) fn indicator_state(line: &super::IndicatorLine) -> String {
    match (&line.value, line.met) {
        (Some((value, unit, period, source)), met) => format!(
            "{}为{}{}（{}），{}",
            period.label(),
            crate::indicators::format_figure(*value),
            unit,
            source,
            if met == Some(true) {
                "已达到目标。"
            } else {
                "尚未达到目标。"
            }
        ),
        (None, _) => "台账中尚无该指标的数值。".to_owned(),
    }
}

/// Escapes text for XML content.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // Characters XML 1.0 cannot hold are left out.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn fonts(font: &str) -> String {
    format!(r#"<w:rFonts w:ascii="{font}" w:eastAsia="{font}" w:hAnsi="{font}" w:cs="{font}"/>"#)
}

/// One paragraph's XML.
fn paragraph(role: Role, text: &str) -> String {
    // Exactly 28.95 pt a line: 22 lines in the 225 mm block.
    let spacing = r#"<w:spacing w:line="579" w:lineRule="exact"/>"#;
    let (properties, font, size) = match role {
        Role::Title => (
            format!(r#"<w:jc w:val="center"/>{spacing}"#),
            TITLE_FONT,
            44,
        ),
        Role::Addressee => (spacing.to_owned(), BODY_FONT, 32),
        Role::Body => (
            format!(
                r#"{spacing}<w:ind w:firstLineChars="200" w:firstLine="640"/><w:jc w:val="both"/>"#
            ),
            BODY_FONT,
            32,
        ),
        Role::Heading => (
            format!(r#"{spacing}<w:ind w:firstLineChars="200" w:firstLine="640"/>"#),
            HEADING_FONT,
            32,
        ),
        Role::Subheading => (
            format!(r#"{spacing}<w:ind w:firstLineChars="200" w:firstLine="640"/>"#),
            SUBHEADING_FONT,
            32,
        ),
        Role::Signature => (
            format!(r#"{spacing}<w:ind w:rightChars="400" w:right="1280"/><w:jc w:val="right"/>"#),
            BODY_FONT,
            32,
        ),
    };
    let run = if text.is_empty() {
        String::new()
    } else {
        format!(
            r#"<w:r><w:rPr>{}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/></w:rPr><w:t xml:space="preserve">{}</w:t></w:r>"#,
            fonts(font),
            escape(text)
        )
    };
    format!(
        r#"<w:p><w:pPr>{properties}<w:rPr>{}<w:sz w:val="{size}"/></w:rPr></w:pPr>{run}</w:p>"#,
        fonts(font)
    )
}

const NS: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

fn document_xml(paragraphs: &[(Role, String)]) -> String {
    let body: String = paragraphs
        .iter()
        .map(|(role, text)| paragraph(*role, text))
        .collect();
    // Margins: top 37 mm, bottom 35 mm, inside 28 mm, outside 26 mm; the page number's line
    // 7 mm under the block, 23 mm above the page's edge. Grid: 22 lines (579) of 28
    // characters (charSpace -842 at 16 pt).
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {NS}><w:body>{body}<w:sectPr><w:footerReference w:type="default" r:id="rIdFooterOdd"/><w:footerReference w:type="even" r:id="rIdFooterEven"/><w:pgSz w:w="{PAGE_WIDTH}" w:h="{PAGE_HEIGHT}"/><w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587" w:header="851" w:footer="1304" w:gutter="0"/><w:cols w:space="425"/><w:docGrid w:type="linesAndChars" w:linePitch="579" w:charSpace="-842"/></w:sectPr></w:body></w:document>"#
    )
}

/// A footer with `— N —`, at the right (odd pages) or the left (even pages), one character in.
fn footer_xml(odd: bool) -> String {
    let (jc, ind) = if odd {
        ("right", r#"<w:ind w:rightChars="100" w:right="280"/>"#)
    } else {
        ("left", r#"<w:ind w:leftChars="100" w:left="280"/>"#)
    };
    let run = |inner: &str| {
        format!(
            r#"<w:r><w:rPr>{}<w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr>{inner}</w:r>"#,
            fonts(PAGE_NUMBER_FONT)
        )
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:ftr {NS}><w:p><w:pPr><w:jc w:val="{jc}"/>{ind}</w:pPr>{}{}{}{}{}{}</w:p></w:ftr>"#,
        run(r#"<w:t xml:space="preserve">— </w:t>"#),
        run(r#"<w:fldChar w:fldCharType="begin"/>"#),
        run(r#"<w:instrText xml:space="preserve"> PAGE </w:instrText>"#),
        run(r#"<w:fldChar w:fldCharType="separate"/>"#),
        run(r#"<w:t>1</w:t>"#),
        run(r#"<w:fldChar w:fldCharType="end"/><w:t xml:space="preserve"> —</w:t>"#),
    )
}

fn styles_xml() -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles {NS}><w:docDefaults><w:rPrDefault><w:rPr>{}<w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:line="579" w:lineRule="exact"/></w:pPr></w:pPrDefault></w:docDefaults><w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/></w:style></w:styles>"#,
        fonts(BODY_FONT)
    )
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/></Types>"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>"#;

const DOCUMENT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rIdStyles" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rIdSettings" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rIdFooterOdd" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/><Relationship Id="rIdFooterEven" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/></Relationships>"#;

const SETTINGS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:evenAndOddHeaders/><w:defaultTabStop w:val="420"/><w:characterSpacingControl w:val="compressPunctuation"/><w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat></w:settings>"#;

fn core_xml(title: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{}</dc:title><dc:creator>台账</dc:creator></cp:coreProperties>"#,
        escape(title)
    )
}

/// The 通报 as the bytes of a `.docx`.
pub fn report_docx(report: &MonthReport) -> std::io::Result<Vec<u8>> {
    docx_bytes(&report.title(), &paragraphs(report))
}

/// A document of `paragraphs` in the 公文 layout as the bytes of a `.docx`; the same
/// paragraphs give the same bytes (the parts carry no time).
pub fn docx_bytes(title: &str, paragraphs: &[(Role, String)]) -> std::io::Result<Vec<u8>> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(zip::DateTime::default());
    let parts: [(&str, String); 8] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_owned()),
        ("_rels/.rels", ROOT_RELS.to_owned()),
        ("word/_rels/document.xml.rels", DOCUMENT_RELS.to_owned()),
        ("word/document.xml", document_xml(paragraphs)),
        ("word/styles.xml", styles_xml()),
        ("word/settings.xml", SETTINGS.to_owned()),
        ("word/footer1.xml", footer_xml(true)),
        ("word/footer2.xml", footer_xml(false)),
    ];
    for (name, text) in parts
        .iter()
        .chain(std::iter::once(&("docProps/core.xml", core_xml(title))))
    {
        zip.start_file(*name, options)
            .map_err(std::io::Error::other)?;
        zip.write_all(text.as_bytes())?;
    }
    Ok(zip.finish().map_err(std::io::Error::other)?.into_inner())
}

#[cfg(test)]
mod numbering_tests {
    use super::without_number;

    #[test]
    fn an_item_loses_its_own_number_but_not_a_year() {
        assert_eq!(
            without_number("11．非正规垃圾堆放点排查整治情况"),
            "非正规垃圾堆放点排查整治情况"
        );
        assert_eq!(without_number("1.1 完成农用地详查"), "完成农用地详查");
        assert_eq!(without_number("3、开展排查"), "开展排查");
        assert_eq!(without_number("2019年度工作"), "2019年度工作");
        assert_eq!(without_number("12"), "12");
        assert_eq!(without_number("落实措施"), "落实措施");
    }
}
