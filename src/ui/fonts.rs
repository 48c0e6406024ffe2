//! The bundled Simplified Chinese font, installed as egui's first choice, with the system's
//! Chinese fonts behind it for the characters it was cut down without.

use std::sync::Arc;

use crate::assets::CHINESE_FONT;
const CHINESE_FONT_NAME: &str = "NotoSansSC";

/// Makes the bundled Chinese font the first choice for all text, with egui's own fonts
/// (emoji, symbols) behind it, and sets text sizes readable on an office monitor.
pub fn install_fonts(ctx: &egui::Context) {
    let mut fonts = egui::FontDefinitions::default();
    fonts.font_data.insert(
        CHINESE_FONT_NAME.to_owned(),
        Arc::new(egui::FontData::from_static(CHINESE_FONT)),
    );
    fonts
        .families
        .entry(egui::FontFamily::Proportional)
        .or_default()
        .insert(0, CHINESE_FONT_NAME.to_owned());
    fonts
        .families
        .entry(egui::FontFamily::Monospace)
        .or_default()
        .push(CHINESE_FONT_NAME.to_owned());
    ctx.set_fonts(fonts);
    ctx.add_font_provider(Arc::new(SystemChineseFonts));
    ctx.all_styles_mut(|style| {
        use egui::{FontFamily, FontId, TextStyle};
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(22.0, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(15.0, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(15.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Small,
                FontId::new(12.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(14.0, FontFamily::Monospace),
            ),
        ]
        .into();
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
    });
}

/// Asks `system_fonts` for a character none of the installed fonts has, and installs the
/// font found at the lowest priority of the family that needed it.
struct SystemChineseFonts;

impl egui::FontProvider for SystemChineseFonts {
    fn font_for(&self, request: &egui::FallbackRequest<'_>) -> Option<egui::FontInsert> {
        let c = request.cluster.chars().next()?;
        let font = crate::system_fonts::font_for(c)?;
        Some(egui::FontInsert {
            name: format!("system:{}:{}", font.family, font.index),
            data: egui::FontData::from_blob(font.data, font.index),
            families: vec![egui::epaint::text::InsertFontFamily {
                family: request.family.clone(),
                priority: egui::epaint::text::FontPriority::Lowest,
            }],
        })
    }
}
