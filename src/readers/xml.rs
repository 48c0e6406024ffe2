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
    // A package written with backslashes, a leading slash or other letter case in its part
    // names (some generators do) still names the same part.
    let wanted = canonical_part_name(name);
    let actual = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|candidate| canonical_part_name(candidate) == wanted)
        .map_or_else(|| name.to_owned(), |found| found.into_owned());
    let part = archive.by_name(&actual)?;
    Ok(quick_xml::Reader::from_reader(BufReader::new(part)))
}

/// A zip part name compared as packages mean it: `/` for `\`, no leading `/`, lower case.
pub fn canonical_part_name(name: &str) -> String {
    name.replace('\\', "/")
        .trim_start_matches('/')
        .to_lowercase()
}

/// HTML text with its character references resolved: `&#20013;`, `&#x4E2D;`, and the named
/// ones a mail body uses (`&nbsp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&amp;`); an unknown
/// name stays as written. One pass, so `&amp;lt;` is `&lt;`.
pub fn html_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let end = after
            .char_indices()
            .take(12)
            .find(|(_, c)| *c == ';')
            .map(|(i, _)| i);
        let decoded = end.and_then(|end| {
            let name = &after[..end];
            let character = if let Some(hex) = name.strip_prefix("#x").or(name.strip_prefix("#X")) {
                u32::from_str_radix(hex, 16).ok().and_then(char::from_u32)
            } else if let Some(decimal) = name.strip_prefix('#') {
                decimal.parse::<u32>().ok().and_then(char::from_u32)
            } else {
                match name {
                    "nbsp" => Some(' '),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "amp" => Some('&'),
                    _ => None,
                }
            };
            character.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
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

#[cfg(test)]
mod html_tests {
    use super::html_entities;

    #[test]
    fn references_resolve_in_one_pass() {
        assert_eq!(
            html_entities("&#20013;&#x6587; a&nbsp;b &lt;p&gt;"),
            "中文 a b <p>"
        );
        assert_eq!(
            html_entities("&amp;lt; &unknown; & alone"),
            "&lt; &unknown; & alone"
        );
        assert_eq!(html_entities("&#39;x&#39;"), "'x'");
    }
}
