//! The XML inside the zips people send (`.docx`, `.ods`): one part opened for streaming, and
//! the text an entity or character reference stands for. The one place for both, so that the
//! return readers and the plan reader read `&amp;` and `&#x4E00;` alike.

use std::io::{BufReader, Cursor};

use quick_xml::events::BytesRef;

/// A streaming reader over one part of a zip (`word/document.xml`, `content.xml`); the zip's
/// sizes were checked before (see [`super::workbook::sniff`]) or are bounded by the caller.
pub type PartReader<'a> = quick_xml::Reader<BufReader<zip::read::ZipFile<'a, Cursor<&'a [u8]>>>>;

/// Opens one part of a zip for streaming.
pub fn part_reader<'a>(
    archive: &'a mut zip::ZipArchive<Cursor<&'a [u8]>>,
    name: &str,
) -> zip::result::ZipResult<PartReader<'a>> {
    let part = archive.by_name(name)?;
    Ok(quick_xml::Reader::from_reader(BufReader::new(part)))
}

/// The text a reference stands for: a character (`&#20013;`, `&#x4E2D;`) or one of XML's five
/// named entities; any other name stands for nothing.
pub fn reference_text(reference: &BytesRef<'_>) -> String {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        return c.to_string();
    }
    let name: &str = reference.as_ref();
    match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        _ => "",
    }
    .to_owned()
}
