//! Numbers as a Chinese IME types them: full-width digits and signs (`６０`, `５２．３％`,
//! `－１`) read as the ASCII ones, so that every number field accepts what she types.

/// The text with full-width digits, `．`, `％`, `＋`, `－` and the full-width space turned into
/// their ASCII forms; everything else as it was.
pub fn ascii_number(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            '．' | '。' => '.',
            '％' => '%',
            '＋' => '+',
            '－' | '−' => '-',
            '\u{3000}' => ' ',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::ascii_number;

    #[test]
    fn full_width_numbers_read_as_ascii() {
        assert_eq!(ascii_number("６０"), "60");
        assert_eq!(ascii_number("５２．３％"), "52.3%");
        assert_eq!(ascii_number("－１"), "-1");
        assert_eq!(ascii_number("　８０８０"), " 8080");
        assert_eq!(ascii_number("五十"), "五十");
    }
}
