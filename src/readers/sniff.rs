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
    }
}
