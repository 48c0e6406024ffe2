//! Cuts the bundled Chinese font down to the characters a county office writes, and embeds
//! the icon and version information into the Windows executable.

#[path = "build/font_subset.rs"]
mod font_subset;

use std::collections::BTreeSet;
use std::path::Path;

/// The date of the build (UTC), or of `SOURCE_DATE_EPOCH` for a reproducible build.
fn build_date() -> String {
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64)
        });
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
    let days = seconds.div_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Every character outside ASCII in the files under `dir` (the seed plan's data, the window's
/// texts), so that what the program itself shows never needs a fallback font.
fn characters_in(dir: &Path, into: &mut BTreeSet<u32>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            characters_in(&path, into);
        } else if let Ok(text) = std::fs::read_to_string(&path) {
            into.extend(text.chars().filter(|c| !c.is_ascii()).map(u32::from));
        }
    }
}

/// Writes `NotoSansSC-subset.ttf` into OUT_DIR: the bundled font with the 8,105 characters of
/// the 通用规范汉字表, all of GB 2312, everything below U+3000 (Latin, Greek, Cyrillic,
/// symbols), CJK punctuation, kana and enclosed forms, the full-width and vertical forms, and
/// every character of the seed plan and of the program's own texts. The window falls back to
/// the system's Chinese fonts for anything else (src/system_fonts.rs).
fn subset_font() {
    const FONT: &str = "assets/NotoSansSC_400Regular.ttf";
    for input in [FONT, "assets/font-subset", "data", "src"] {
        println!("cargo:rerun-if-changed={input}");
    }
    let mut chosen = BTreeSet::new();
    for list in ["assets/font-subset", "data", "src"] {
        characters_in(Path::new(list), &mut chosen);
    }
    let font = std::fs::read(FONT).unwrap_or_else(|e| panic!("cannot read {FONT}: {e}"));
    let keep = |c: u32| {
        c < 0x3000
            || (0x3000..=0x33FF).contains(&c)
            || (0xFE10..=0xFE1F).contains(&c)
            || (0xFE30..=0xFE4F).contains(&c)
            || (0xFF00..=0xFFEF).contains(&c)
            || chosen.contains(&c)
    };
    let subset =
        font_subset::subset(&font, keep).unwrap_or_else(|e| panic!("cannot cut down {FONT}: {e}"));
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("NotoSansSC-subset.ttf");
    // Written only when it changed, so that the crate is not rebuilt for nothing.
    if std::fs::read(&out).ok().as_deref() != Some(subset.as_slice()) {
        std::fs::write(&out, subset)
            .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
    }
}

fn main() {
    subset_font();
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rustc-env=TAIZHANG_BUILD_DATE={}", build_date());
    println!("cargo:rerun-if-changed=assets/icon.ico");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let mut resource = winresource::WindowsResource::new();
    resource
        .set_icon("assets/icon.ico")
        .set("ProductName", "Taizhang")
        .set("FileDescription", "Taizhang - key-work plan ledger")
        .set("OriginalFilename", "taizhang.exe")
        .set("LegalCopyright", "Taizhang developers");
    if let Err(error) = resource.compile() {
        panic!("could not embed the Windows resources (is MinGW's windres installed?): {error}");
    }
}
