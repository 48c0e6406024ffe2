//! Files bundled into the binary.

/// Noto Sans SC Regular (SIL OFL 1.1, licence in `assets/NotoSansSC-OFL.txt`): the window's
/// font and the PDF export's.
pub const CHINESE_FONT: &[u8] = include_bytes!("../assets/NotoSansSC_400Regular.ttf");

/// The font's licence, shown on 设置 → 关于.
pub const FONT_LICENCE: &str = include_str!("../assets/NotoSansSC-OFL.txt");
