//! The bundled font is cut down at build time to what a county office writes, and the
//! system's Chinese fonts draw the rest (issue 36).
#![expect(clippy::unwrap_used)]

mod common;

use common::{TempLedger, click, today};
use egui_kittest::kittest::Queryable as _;
use taizhang::assets::CHINESE_FONT;

/// A character outside both the 通用规范汉字表 and GB 2312, which the full Noto Sans SC has.
const RARE: char = '龘';

fn has_glyph(face: &ttf_parser::Face<'_>, c: char) -> bool {
    face.glyph_index(c)
        .is_some_and(|glyph| face.glyph_bounding_box(glyph).is_some())
}

#[test]
fn the_bundled_font_keeps_what_a_county_office_writes_and_nothing_more() {
    let face = ttf_parser::Face::parse(CHINESE_FONT, 0).expect("the cut-down font parses");
    let lists = [
        include_str!("../assets/font-subset/tongyong-guifan-8105.txt"),
        include_str!("../assets/font-subset/gb2312.txt"),
        include_str!("fixtures/rongshui-2019-soil-plan.txt"),
        "，。、；：？！“”‘’（）《》【】〔〕…—·％０１２３ＡＢｃ①②㈠℃㎡ⅠⅡ　",
    ];
    let mut missing: Vec<char> = Vec::new();
    let mut count = 0;
    for c in lists.iter().flat_map(|list| list.chars()) {
        if c.is_whitespace() || c.is_control() {
            continue;
        }
        count += 1;
        if !has_glyph(&face, c) && !missing.contains(&c) {
            missing.push(c);
        }
    }
    assert!(count > 15_000, "{count}");
    assert!(
        missing.is_empty(),
        "missing from the bundled font: {missing:?}"
    );
    assert_eq!(
        lists[0].chars().filter(|c| !c.is_whitespace()).count(),
        8105
    );
    // The rare character is not in the cmap at all, so egui and the PDF ask a system font.
    assert_eq!(face.glyph_index(RARE), None);
    assert!(
        CHINESE_FONT.len() < 4 * 1024 * 1024,
        "{} bytes",
        CHINESE_FONT.len()
    );
}

#[test]
fn a_rare_character_typed_in_the_window_is_drawn_by_a_system_font() {
    assert!(
        taizhang::system_fonts::font_for(RARE).is_some(),
        "this test needs a system Chinese font with {RARE} (scripts/test.sh installs fonts-droid-fallback)"
    );
    let temp = TempLedger::new();
    {
        // kittest panics on a glyph no font can draw: typing the character and drawing
        // the page is the check that it is not a box.
        let mut harness = common::start_app(&temp.path, today(), [1280.0, 860.0]);
        click(&mut harness, "责任部门");
        harness.get_by_label_contains("县农业农村局　牵头").click();
        harness.run();
        let person = harness.get_by_label("联系人");
        person.focus();
        person.type_text(&format!("王{RARE}"));
        harness.run();
        harness.key_press(egui::Key::Enter);
        harness.run();
        assert_eq!(
            harness.get_by_label("联系人").value().as_deref(),
            Some(format!("王{RARE}").as_str())
        );
        let discovered: Vec<String> = harness.ctx.fonts(|fonts| {
            fonts
                .discovered_fonts()
                .iter()
                .map(|f| f.name.clone())
                .collect()
        });
        assert!(
            discovered.iter().any(|name| name.starts_with("system:")),
            "{discovered:?}"
        );
    }
    let (ledger, _) = taizhang::store::Ledger::open(&temp.path).unwrap();
    let people: Vec<String> = ledger
        .departments()
        .unwrap()
        .into_iter()
        .map(|d| d.contact_person)
        .collect();
    assert!(people.contains(&format!("王{RARE}")), "{people:?}");
}

/// The window's own texts need no other font: every character in the window's code (outside
/// comments) has a real glyph in the bundled font. (The installer's build carries no other
/// font: eframe's default fonts are left out.)
#[test]
fn every_character_the_window_writes_is_in_the_bundled_font() {
    fn walk(dir: &std::path::Path, chars: &mut std::collections::BTreeSet<char>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, chars);
            } else if path.extension().is_some_and(|e| e == "rs") {
                for line in std::fs::read_to_string(&path).unwrap().lines() {
                    let code = line.split("//").next().unwrap_or_default();
                    chars.extend(code.chars().filter(|c| !c.is_ascii()));
                }
            }
        }
    }
    let mut chars = std::collections::BTreeSet::new();
    walk(std::path::Path::new("src/ui"), &mut chars);
    assert!(chars.len() > 500, "{}", chars.len());
    let face = ttf_parser::Face::parse(CHINESE_FONT, 0).unwrap();
    let missing: Vec<char> = chars
        .into_iter()
        .filter(|c| !c.is_whitespace() && !has_glyph(&face, *c))
        .collect();
    assert!(missing.is_empty(), "not in the bundled font: {missing:?}");
}
