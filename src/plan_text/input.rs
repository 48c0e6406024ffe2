//! Turning a file or pasted text into plain text: UTF-8, UTF-16 or GB18030/GBK `.txt`, and
//! `.docx` (paragraphs and table cells).

use std::io::Read as _;

/// Why a file cannot be read as a plan document.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum InputError {
    #[error("文件是空的。")]
    Empty,
    #[error("这不是文本文件（看起来是二进制数据）。请粘贴计划正文，或选择 .txt / .docx 文件。")]
    Binary,
    #[error(
        "这是旧版 Office 文件，但不是 Word 文档，无法作为计划正文读取。请选择计划的 .docx、.doc、.wps 或 .txt 文件。"
    )]
    OldWord,
    /// The reader's own words stay in the payload, for the log.
    #[error(
        "无法读取 .docx 文件：文件已损坏或不是 Word 文档。请在 Word 或 WPS 中打开后另存为 .docx 或 .txt 再导入。"
    )]
    Docx(String),
    /// A PDF the reader refused; its words in the payload.
    #[error("{0}")]
    Pdf(String),
    /// A Word 97–2003 or WPS document the reader refused; its words in the payload.
    #[error("无法读取 .doc/.wps 文件：{0}")]
    Doc(String),
    /// A spreadsheet the reader refused; its words in the payload.
    #[error("无法读取表格文件：{0}")]
    Spreadsheet(String),
    #[error("文件太大（{0} MB），计划正文不会这么大。")]
    TooLarge(u64),
}

/// Plan documents are a few hundred KB at most; anything far larger is refused before reading.
pub const MAX_INPUT_BYTES: u64 = 20 * 1024 * 1024;

/// Reads a file's bytes as plan text, choosing the format by content, not by name.
pub fn decode_file(bytes: &[u8]) -> Result<String, InputError> {
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge(bytes.len() as u64 / 1024 / 1024));
    }
    match crate::readers::sniff::container(bytes) {
        crate::readers::sniff::Container::Zip => return read_docx(bytes),
        crate::readers::sniff::Container::Pdf => {
            return crate::readers::pdf::text(bytes)
                .map_err(|error| InputError::Pdf(error.to_string()));
        }
        crate::readers::sniff::Container::Compound => {
            if !crate::readers::sniff::is_old_word(bytes) {
                return Err(InputError::OldWord);
            }
            // Word 97–2003 and WPS: the same text a .docx gives.
            return crate::readers::doc::text(bytes).map_err(|error| match error {
                crate::readers::ImportError::Empty => InputError::Empty,
                other => InputError::Doc(other.to_string()),
            });
        }
        _ => {}
    }
    decode_text(bytes)
}

/// Reads text bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030 (which covers
/// GBK and GB2312, as Chinese Windows saves text).
pub fn decode_text(bytes: &[u8]) -> Result<String, InputError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(InputError::Empty);
    }
    let text = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest).into_owned()
    } else if let Some(order) = crate::readers::sniff::utf16_bom(bytes) {
        match order {
            crate::readers::sniff::Utf16::Le => encoding_rs::UTF_16LE.decode(bytes).0.into_owned(),
            crate::readers::sniff::Utf16::Be => encoding_rs::UTF_16BE.decode(bytes).0.into_owned(),
        }
    } else if let Ok(text) = std::str::from_utf8(bytes) {
        text.to_owned()
    } else {
        let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
        if had_errors {
            return Err(InputError::Binary);
        }
        text.into_owned()
    };
    let controls = text
        .chars()
        .filter(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        .count();
    if controls * 20 > text.chars().count().max(1) {
        return Err(InputError::Binary);
    }
    if text.trim().is_empty() {
        return Err(InputError::Empty);
    }
    Ok(text)
}

/// The document's paragraphs and table cells, one per line.
fn read_docx(bytes: &[u8]) -> Result<String, InputError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| InputError::Docx(e.to_string()))?;
    let mut entry = archive
        .by_name("word/document.xml")
        .map_err(|_| InputError::Docx("文件中没有 Word 正文（word/document.xml）".to_owned()))?;
    if entry.size() > MAX_INPUT_BYTES * 5 {
        return Err(InputError::TooLarge(entry.size() / 1024 / 1024));
    }
    let mut xml = String::new();
    entry
        .by_ref()
        .take(MAX_INPUT_BYTES * 5)
        .read_to_string(&mut xml)
        .map_err(|e| InputError::Docx(e.to_string()))?;
    let text = document_text(&xml)?;
    if text.trim().is_empty() {
        return Err(InputError::Empty);
    }
    Ok(text)
}

/// Text runs (`w:t`), tabs and breaks, with a line end after each paragraph (`w:p`), which
/// also ends every table cell's paragraphs.
fn document_text(xml: &str) -> Result<String, InputError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut text = String::new();
    let mut in_text = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(start)) if start.name().as_ref() == "w:t" => in_text = true,
            Ok(Event::End(end)) => match end.name().as_ref() {
                "w:t" => in_text = false,
                "w:p" => text.push('\n'),
                _ => {}
            },
            Ok(Event::Empty(empty)) => match empty.name().as_ref() {
                "w:ta" => text.push('\t'),
                "w:br" | "w:cr" => text.push('\n'),
                _ => {}
            },
            Ok(Event::Text(run)) if in_text => {
                let run: &str = run.as_ref();
                text.push_str(run);
            }
            Ok(Event::GeneralRef(reference)) if in_text => {
                text.push_str(&crate::readers::xml::reference_text(&reference));
            }
            Ok(Event::Eof) => break,
            Err(error) => return Err(InputError::Docx(error.to_string())),
            Ok(_) => {}
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn gbk_text_is_detected() {
        let (bytes, _, _) = encoding_rs::GBK.encode("（一）稳步推进土壤环境质量调查工作。");
        assert!(std::str::from_utf8(&bytes).is_err());
        assert_eq!(
            decode_file(&bytes).unwrap(),
            "（一）稳步推进土壤环境质量调查工作。"
        );
    }

    #[test]
    fn utf8_with_bom_and_utf16() {
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("计划".as_bytes());
        assert_eq!(decode_file(&bom).unwrap(), "计划");
        let mut utf16 = vec![0xFF, 0xFE];
        for unit in "计划".encode_utf16() {
            utf16.extend_from_slice(&unit.to_le_bytes());
        }
        assert_eq!(decode_file(&utf16).unwrap(), "计划");
    }

    #[test]
    fn empty_binary_and_old_word_files_are_refused() {
        assert_eq!(decode_file(b""), Err(InputError::Empty));
        assert_eq!(decode_file(b"  \n\n "), Err(InputError::Empty));
        let binary: Vec<u8> = (0..4096_u32).map(|i| (i * 37 % 256) as u8).collect();
        assert_eq!(decode_file(&binary), Err(InputError::Binary));
        // A compound file that is no Word document.
        assert_eq!(
            decode_file(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0]),
            Err(InputError::OldWord)
        );
        assert!(matches!(
            decode_file(b"PK\x03\x04garbage"),
            Err(InputError::Docx(_))
        ));
    }

    #[test]
    fn docx_paragraphs_runs_and_entities() {
        let xml = r#"<w:document><w:body><w:p><w:r><w:t>（一）稳步推进</w:t></w:r><w:r><w:t xml:space="preserve">调查&amp;监测</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>表格单元</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"#;
        assert_eq!(
            document_text(xml).unwrap(),
            "（一）稳步推进调查&监测\n表格单元\n"
        );
    }
}
