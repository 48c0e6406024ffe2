//! The system's Chinese fonts, standing behind the bundled font for the characters it was cut
//! down without (a rare character in a name): Microsoft YaHei, then SimSun and its
//! Extension B face on Windows; Noto Sans CJK SC, Source Han Sans SC or WenQuanYi through
//! fontconfig on Linux; then whatever the system's own fallback for Simplified Chinese
//! offers. Found with fontique (which egui's own system-font support uses too); the fonts
//! are enumerated on the first request only, so a window that never meets such a character
//! never pays for it. Used by the window (`ui::fonts`) and by the PDF export.

use std::sync::{Arc, Mutex, OnceLock};

use fontique::{
    Collection, CollectionOptions, FallbackKey, GenericFamily, Language, QueryFamily, QueryStatus,
    Script, SourceCache,
};

/// Families asked first, in this order, before the system's generic and fallback families.
const PREFERRED: [&str; 10] = [
    "Microsoft YaHei",
    "Microsoft YaHei UI",
    "SimSun",
    "NSimSun",
    "SimSun-ExtB",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
];

/// A system font file (or one face of a collection) that has a wanted character.
#[derive(Clone)]
pub struct SystemFont {
    /// The family's name, as the system gives it.
    pub family: String,
    /// The whole font file, shared with the system's font cache (memory-mapped where the
    /// system allows).
    pub data: Arc<dyn AsRef<[u8]> + Send + Sync>,
    /// The face within a collection (`.ttc`), else 0.
    pub index: u32,
}

impl std::fmt::Debug for SystemFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SystemFont")
            .field("family", &self.family)
            .field("bytes", &self.bytes().len())
            .field("index", &self.index)
            .finish()
    }
}

impl SystemFont {
    pub fn bytes(&self) -> &[u8] {
        (*self.data).as_ref()
    }
}

struct Fonts {
    collection: Collection,
    cache: SourceCache,
}

fn fonts() -> &'static Mutex<Fonts> {
    static FONTS: OnceLock<Mutex<Fonts>> = OnceLock::new();
    FONTS.get_or_init(|| {
        Mutex::new(Fonts {
            collection: Collection::new(CollectionOptions {
                shared: false,
                system_fonts: true,
            }),
            cache: SourceCache::default(),
        })
    })
}

/// The first system font, in the order above, with a real glyph for `c`; `None` when the
/// system has none (or `c` is a control character).
pub fn font_for(c: char) -> Option<SystemFont> {
    if c.is_control() {
        return None;
    }
    let mut guard = fonts()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Fonts { collection, cache } = &mut *guard;
    let mut found: Option<(fontique::FamilyId, fontique::Blob<u8>, u32)> = None;
    {
        let mut query = collection.query(cache);
        query.set_families(
            PREFERRED
                .iter()
                .map(|name| QueryFamily::Named(name))
                .chain([
                    QueryFamily::Generic(GenericFamily::SansSerif),
                    QueryFamily::Generic(GenericFamily::SystemUi),
                ]),
        );
        let chinese = Language::parse("zh-CN").ok();
        query.set_fallbacks(FallbackKey::new(
            Script::from_bytes(*b"Hani"),
            chinese.as_ref(),
        ));
        query.matches_with(|font| {
            let has = font
                .charmap()
                .and_then(|map| map.map(c))
                .is_some_and(|glyph| {
                    glyph != 0 && has_outline(font.blob.as_ref(), font.index, glyph)
                });
            if has {
                found = Some((font.family.0, font.blob.clone(), font.index));
                QueryStatus::Stop
            } else {
                QueryStatus::Continue
            }
        });
    }
    let (family, blob, index) = found?;
    let family = collection
        .family_name(family)
        .unwrap_or("unknown")
        .to_owned();
    Some(SystemFont {
        family,
        data: blob.into_raw_parts().0,
        index,
    })
}

/// Whether the glyph has an outline: a font may map a character to an empty glyph (as a
/// cut-down font would), which draws nothing.
fn has_outline(data: &[u8], index: u32, glyph: u32) -> bool {
    let Ok(face) = ttf_parser::Face::parse(data, index) else {
        return false;
    };
    let Ok(glyph) = u16::try_from(glyph) else {
        return false;
    };
    face.glyph_bounding_box(ttf_parser::GlyphId(glyph))
        .is_some()
}
