//! Content hashes: files are archived and recognised by the SHA-256 of their bytes.

use sha2::Digest as _;

/// The hex SHA-256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
