//! The one cleaning of names: what may stand in a name shown or stored, and a name every
//! file system the user has (Windows first) accepts.

/// Whether a character may stand in a name: no control characters, and none of the invisible
/// format characters that reorder or hide text (U+202E makes `cod.xlsx` read as `xlsx.doc`).
fn visible(c: char) -> bool {
    !c.is_control()
        && !matches!(c,
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}'
            | '\u{17B5}' | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}'
            | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// A name as shown and stored: invisible and control characters dropped, runs of white space
/// made one space, trimmed.
pub fn clean_name(name: &str) -> String {
    let mut cleaned = String::with_capacity(name.len());
    let mut space = false;
    for c in name.chars().filter(|c| visible(*c) || c.is_whitespace()) {
        if c.is_whitespace() {
            space = !cleaned.is_empty();
        } else {
            if space {
                cleaned.push(' ');
                space = false;
            }
            cleaned.push(c);
        }
    }
    cleaned
}

/// A name that is safe as a file name on Windows and Linux: cleaned as [`clean_name`], the
/// characters Windows forbids replaced, no leading or trailing dots, at most 100 characters,
/// and never a device name (`CON`, `NUL`, `COM1` …).
pub fn safe_file_name(name: &str) -> String {
    let cleaned: String = clean_name(name)
        .chars()
        .map(|c| if "\\/:*?\"<>|".contains(c) { '_' } else { c })
        .take(100)
        .collect();
    let cleaned = cleaned
        .trim_matches(|c: char| c == '.' || c == ' ')
        .to_owned();
    // Windows takes `NUL .txt`, `COM¹` and `CONIN$` for devices too.
    let stem = cleaned
        .split('.')
        .next()
        .unwrap_or_default()
        .trim_end()
        .to_ascii_uppercase();
    let numbered = |prefix: &str| {
        stem.strip_prefix(prefix).is_some_and(|n| {
            n.chars().count() == 1
                && n.chars()
                    .all(|c| c.is_ascii_digit() || matches!(c, '¹' | '²' | '³'))
        })
    };
    let device = matches!(
        stem.as_str(),
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$"
    ) || numbered("COM")
        || numbered("LPT");
    if cleaned.is_empty() {
        "_".to_owned()
    } else if device {
        format!("_{cleaned}")
    } else {
        cleaned
    }
}

/// [`safe_file_name`] at most `limit` characters long (cut before the extension when there is
/// one), still without a trailing dot or space.
pub fn safe_file_name_within(name: &str, limit: usize) -> String {
    let safe = safe_file_name(name);
    if safe.chars().count() <= limit {
        return safe;
    }
    let (stem, extension) = match safe.rfind('.') {
        Some(dot) if safe.len() - dot <= 8 && dot > 0 => (&safe[..dot], &safe[dot..]),
        _ => (safe.as_str(), ""),
    };
    let keep = limit.saturating_sub(extension.chars().count()).max(1);
    let cut: String = stem.chars().take(keep).collect();
    let cut = cut.trim_end_matches(['.', ' ']);
    safe_file_name(&format!("{cut}{extension}"))
}
