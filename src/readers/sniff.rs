//! What a file is, by its first bytes, never by its name: the one place that knows the
//! signatures of the containers people send.

/// The signature of a compound file (`.xls`, `.doc`, `.msg`).
pub const COMPOUND: [u8; 8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// The container a file's bytes are in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// A zip (`.xlsx`, `.docx`, `.ods`, or any other zip).
    Zip,
    /// A compound file (`.xls`, `.doc`, `.msg`, an encrypted `.xlsx`).
    Compound,
    Pdf,
    /// Anything else (text, pictures, …).
    Other,
}

/// Recognises the container by its signature (a compound file by its first four bytes, which
/// no text or other container begins with).
pub fn container(bytes: &[u8]) -> Container {
    if bytes.starts_with(b"PK\x03\x04") {
        Container::Zip
    } else if bytes.starts_with(&COMPOUND[..4]) {
        Container::Compound
    } else if bytes.starts_with(b"%PDF") {
        Container::Pdf
    } else {
        Container::Other
    }
}

/// Whether a compound file names a stream (its directory holds names in UTF-16LE):
/// `WordDocument` gives away an old `.doc`, `EncryptedPackage` an encrypted `.xlsx`.
pub fn names_stream(bytes: &[u8], stream: &str) -> bool {
    let marker: Vec<u8> = stream.encode_utf16().flat_map(u16::to_le_bytes).collect();
    container(bytes) == Container::Compound
        && bytes.windows(marker.len()).any(|w| w == marker.as_slice())
}

/// An old Word file (`.doc`): a compound file with a `WordDocument` stream.
pub fn is_old_word(bytes: &[u8]) -> bool {
    names_stream(bytes, "WordDocument")
}

/// Text that starts with a UTF-16 byte-order mark (little- or big-endian).
pub fn utf16_bom(bytes: &[u8]) -> Option<Utf16> {
    if bytes.starts_with(&[0xFF, 0xFE]) {
        Some(Utf16::Le)
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        Some(Utf16::Be)
    } else {
        None
    }
}

/// The byte order of UTF-16 text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Utf16 {
    Le,
    Be,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures() {
        assert_eq!(container(b"PK\x03\x04rest"), Container::Zip);
        assert_eq!(container(&COMPOUND), Container::Compound);
        assert_eq!(container(b"%PDF-1.7"), Container::Pdf);
        assert_eq!(container(b"1.1 text"), Container::Other);
        assert_eq!(container(b""), Container::Other);
        let mut doc = COMPOUND.to_vec();
        doc.extend("WordDocument".encode_utf16().flat_map(u16::to_le_bytes));
        assert!(is_old_word(&doc));
        assert!(!is_old_word(&doc[8..]), "not a compound file");
        assert!(!names_stream(&doc, "EncryptedPackage"));
        assert_eq!(utf16_bom(&[0xFF, 0xFE, 0x41, 0]), Some(Utf16::Le));
        assert_eq!(utf16_bom(b"text"), None);
    }
}
