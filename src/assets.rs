//! Files bundled into the binary.

/// Noto Sans SC Regular (SIL OFL 1.1, licence in `assets/NotoSansSC-OFL.txt`), cut down by
/// build.rs to the characters a county office writes: the window's font and the PDF export's.
/// The system's Chinese fonts stand behind it for any other character (`system_fonts`).
pub const CHINESE_FONT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/NotoSansSC-subset.ttf"));

/// The font's licence, shown on 设置 → 关于.
pub const FONT_LICENCE: &str = include_str!("../assets/NotoSansSC-OFL.txt");
