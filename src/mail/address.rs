//! The one check of an address we send to (a department's, the city's): what is typed or
//! learned is checked before any file is written or any server is asked. No control or
//! invisible characters (a zero-width space pasted from a web page), no quoted local part, one
//! address only; an internationalised domain goes out as punycode, and a local part that is
//! not ASCII only to a server that offers SMTPUTF8.

/// An address as it will be sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutAddress {
    /// `local@domain`, the domain in ASCII (punycode).
    pub address: String,
    /// The local part is not ASCII: the server must offer SMTPUTF8.
    pub needs_smtputf8: bool,
}

/// Why an address cannot be sent to, in words for the user.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AddressError {
    #[error("邮箱地址是空的。")]
    Empty,
    #[error(
        "邮箱地址“{shown}”含有看不见的字符（{what}），多半是从网页或文档中复制来的：请删去后重新输入。"
    )]
    Invisible { shown: String, what: String },
    #[error(
        "“{0}”不是一个邮箱地址：只能填一个地址，形如 name@example.com，不含空格、引号、逗号或分号。"
    )]
    NotOne(String),
    #[error("邮箱地址“{0}”含有全角字符“＠”或“．”：请切换到半角后重新输入。")]
    FullWidth(String),
    #[error("邮箱地址“{0}”的域名（@ 之后的部分）不正确。")]
    Domain(String),
    #[error("邮箱地址“{0}”太长（最多 254 个字符）。")]
    TooLong(String),
}

/// A character that cannot be seen or that breaks a header: controls, format characters
/// (zero-width spaces and joiners, direction marks, the byte-order mark), every kind of space.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{061C}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{17B4}'
                | '\u{17B5}'
                | '\u{180B}'..='\u{180F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
                | '\u{FFF0}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E0FFF}'
        )
}

/// The address shown in a message: at most 80 characters, invisible ones spelled out.
fn shown(raw: &str) -> String {
    raw.chars()
        .take(80)
        .map(|c| {
            if is_invisible(c) && c != ' ' {
                format!("<U+{:04X}>", u32::from(c))
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Checks one address to send to; surrounding spaces are ignored.
pub fn check_outgoing(raw: &str) -> Result<OutAddress, AddressError> {
    let trimmed = raw.trim_matches(|c: char| c == ' ' || c == '\t' || c == '\u{3000}');
    if trimmed.is_empty() {
        return Err(AddressError::Empty);
    }
    if trimmed.len() > 254 {
        return Err(AddressError::TooLong(shown(trimmed)));
    }
    if let Some(bad) = trimmed.chars().find(|c| is_invisible(*c) && *c != ' ') {
        return Err(AddressError::Invisible {
            shown: shown(trimmed),
            what: format!("U+{:04X}", u32::from(bad)),
        });
    }
    if trimmed.contains(['＠', '．']) {
        return Err(AddressError::FullWidth(shown(trimmed)));
    }
    if trimmed.chars().any(|c| {
        matches!(
            c,
            ' ' | '"' | ',' | ';' | '，' | '；' | '、' | '<' | '>' | '(' | ')' | '[' | ']' | '\\'
        )
    }) || trimmed.matches('@').count() != 1
    {
        return Err(AddressError::NotOne(shown(trimmed)));
    }
    let Some((local, domain)) = trimmed.split_once('@') else {
        return Err(AddressError::NotOne(shown(trimmed)));
    };
    if local.is_empty()
        || local.len() > 64
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains("..")
    {
        return Err(AddressError::NotOne(shown(trimmed)));
    }
    let ascii_domain =
        idna::domain_to_ascii(domain).map_err(|_| AddressError::Domain(shown(trimmed)))?;
    let labels_ok = ascii_domain.contains('.')
        && ascii_domain.len() <= 253
        && ascii_domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    if !labels_ok {
        return Err(AddressError::Domain(shown(trimmed)));
    }
    let address = format!("{local}@{ascii_domain}");
    // The final word is lettre's, which builds the message's headers.
    if address.parse::<lettre::Address>().is_err() {
        return Err(AddressError::NotOne(shown(trimmed)));
    }
    Ok(OutAddress {
        needs_smtputf8: !local.is_ascii(),
        address,
    })
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn plain_addresses_pass_and_are_trimmed() {
        let ok = check_outgoing("  nyj@example.cn ").unwrap();
        assert_eq!(ok.address, "nyj@example.cn");
        assert!(!ok.needs_smtputf8);
    }

    #[test]
    fn invisible_characters_are_refused_by_name() {
        let error = check_outgoing("city\u{200B}@example.cn").unwrap_err();
        assert!(error.to_string().contains("U+200B"), "{error}");
        assert!(check_outgoing("\u{FEFF}a@example.cn").is_err());
        assert!(check_outgoing("a@exam\u{00AD}ple.cn").is_err());
        assert!(check_outgoing("a@example.cn\r\nBcc: x@y.cn").is_err());
    }

    #[test]
    fn quoted_and_several_addresses_are_refused() {
        assert!(matches!(
            check_outgoing("\"a,b\"@x.cn"),
            Err(AddressError::NotOne(_))
        ));
        assert!(check_outgoing("b\"@x.cn").is_err());
        assert!(check_outgoing("a@x.cn,b@x.cn").is_err());
        assert!(check_outgoing("a@b@x.cn").is_err());
        assert!(check_outgoing("a@x").is_err());
        assert!(check_outgoing("a..b@x.cn").is_err());
    }

    #[test]
    fn idn_domains_go_out_as_punycode_and_utf8_local_parts_need_smtputf8() {
        let idn = check_outgoing("hbj@融水.中国").unwrap();
        assert_eq!(idn.address, "hbj@xn--1rw769c.xn--fiqs8s");
        assert!(!idn.needs_smtputf8);
        let utf8 = check_outgoing("生态股@example.cn").unwrap();
        assert!(utf8.needs_smtputf8);
        assert!(matches!(
            check_outgoing("a＠example.cn"),
            Err(AddressError::FullWidth(_))
        ));
    }
}
