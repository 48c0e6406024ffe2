//! Cuts a TrueType font down to the characters it is asked to keep, at build time.
//!
//! Glyph ids stay as they are: a glyph no kept character reaches keeps its place with an empty
//! outline, so that `hmtx`, `vmtx`, `GSUB` and `GPOS` stay valid as they are. What shrinks is
//! `glyf` (and `loca`, rewritten in the long format); `cmap` is rewritten with only the kept
//! characters, so that a program using the font sees the others as missing and asks a
//! fallback font for them, instead of drawing an empty glyph. Glyphs no character maps to
//! (those only `GSUB` reaches: vertical forms, alternates) are kept, and so are the parts of
//! every kept composite glyph.

use std::collections::{BTreeMap, BTreeSet};

fn u16_at(data: &[u8], at: usize) -> Result<u16, String> {
    data.get(at..at + 2)
        .map(|b| u16::from_be_bytes([b[0], b[1]]))
        .ok_or_else(|| format!("font data ends before offset {at}"))
}

fn u32_at(data: &[u8], at: usize) -> Result<u32, String> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| format!("font data ends before offset {at}"))
}

struct Table<'a> {
    tag: [u8; 4],
    data: &'a [u8],
}

fn tables(font: &[u8]) -> Result<Vec<Table<'_>>, String> {
    if u32_at(font, 0)? != 0x0001_0000 {
        return Err("not a TrueType font (glyf outlines)".to_owned());
    }
    let count = usize::from(u16_at(font, 4)?);
    (0..count)
        .map(|i| {
            let record = 12 + 16 * i;
            let tag = font
                .get(record..record + 4)
                .ok_or("table directory is cut short")?;
            let offset = u32_at(font, record + 8)? as usize;
            let length = u32_at(font, record + 12)? as usize;
            let data = font
                .get(offset..offset + length)
                .ok_or_else(|| format!("table {tag:?} lies outside the file"))?;
            Ok(Table {
                tag: [tag[0], tag[1], tag[2], tag[3]],
                data,
            })
        })
        .collect()
}

fn table<'a>(tables: &'a [Table<'_>], tag: &[u8; 4]) -> Result<&'a [u8], String> {
    tables
        .iter()
        .find(|t| &t.tag == tag)
        .map(|t| t.data)
        .ok_or_else(|| format!("the font has no {} table", String::from_utf8_lossy(tag)))
}

/// Every character → glyph mapping of the font's format 12 (or, failing that, format 4)
/// Unicode subtable.
fn read_cmap(cmap: &[u8]) -> Result<BTreeMap<u32, u16>, String> {
    let count = usize::from(u16_at(cmap, 2)?);
    let mut format4 = None;
    for i in 0..count {
        let platform = u16_at(cmap, 4 + 8 * i)?;
        let encoding = u16_at(cmap, 6 + 8 * i)?;
        let offset = u32_at(cmap, 8 + 8 * i)? as usize;
        let format = u16_at(cmap, offset)?;
        if format == 12 && (platform == 3 && encoding == 10 || platform == 0) {
            let groups = u32_at(cmap, offset + 12)? as usize;
            let mut map = BTreeMap::new();
            for g in 0..groups {
                let at = offset + 16 + 12 * g;
                let (start, end, glyph) = (
                    u32_at(cmap, at)?,
                    u32_at(cmap, at + 4)?,
                    u32_at(cmap, at + 8)?,
                );
                for c in start..=end.min(0x10_FFFF) {
                    let id = glyph + (c - start);
                    map.insert(c, u16::try_from(id).map_err(|_| "glyph id over 65535")?);
                }
            }
            return Ok(map);
        }
        if format == 4 && platform == 3 && encoding == 1 {
            format4 = Some(offset);
        }
    }
    let offset = format4.ok_or("the font has no Unicode cmap subtable")?;
    let segments = usize::from(u16_at(cmap, offset + 6)?) / 2;
    let ends = offset + 14;
    let starts = ends + 2 * segments + 2;
    let deltas = starts + 2 * segments;
    let range_offsets = deltas + 2 * segments;
    let mut map = BTreeMap::new();
    for s in 0..segments {
        let (end, start) = (u16_at(cmap, ends + 2 * s)?, u16_at(cmap, starts + 2 * s)?);
        let delta = u16_at(cmap, deltas + 2 * s)?;
        let range_offset = usize::from(u16_at(cmap, range_offsets + 2 * s)?);
        for c in start..=end {
            if c == 0xFFFF {
                break;
            }
            let glyph = if range_offset == 0 {
                c.wrapping_add(delta)
            } else {
                let at = range_offsets + 2 * s + range_offset + 2 * usize::from(c - start);
                match u16_at(cmap, at)? {
                    0 => 0,
                    g => g.wrapping_add(delta),
                }
            };
            if glyph != 0 {
                map.insert(u32::from(c), glyph);
            }
        }
    }
    Ok(map)
}

/// A cmap with one format 12 subtable, for Unicode (0, 4) and Windows UCS-4 (3, 10).
fn write_cmap(map: &BTreeMap<u32, u16>) -> Vec<u8> {
    // (first character, last character, glyph of the first character)
    let mut groups: Vec<(u32, u32, u32)> = Vec::new();
    for (&c, &glyph) in map {
        let glyph = u32::from(glyph);
        match groups.last_mut() {
            Some((start, end, first)) if *end + 1 == c && *first + (c - *start) == glyph => {
                *end = c;
            }
            _ => groups.push((c, c, glyph)),
        }
    }
    encode_cmap(&groups)
}

fn encode_cmap(groups: &[(u32, u32, u32)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&0u16.to_be_bytes()); // version
    out.extend_from_slice(&2u16.to_be_bytes()); // two encoding records, one subtable
    let subtable = 4 + 2 * 8u32;
    for (platform, encoding) in [(0u16, 4u16), (3, 10)] {
        out.extend_from_slice(&platform.to_be_bytes());
        out.extend_from_slice(&encoding.to_be_bytes());
        out.extend_from_slice(&subtable.to_be_bytes());
    }
    let length = 16 + 12 * groups.len() as u32;
    out.extend_from_slice(&12u16.to_be_bytes());
    out.extend_from_slice(&0u16.to_be_bytes());
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(&0u32.to_be_bytes()); // language
    out.extend_from_slice(&(groups.len() as u32).to_be_bytes());
    for (start, end, glyph) in groups {
        out.extend_from_slice(&start.to_be_bytes());
        out.extend_from_slice(&end.to_be_bytes());
        out.extend_from_slice(&glyph.to_be_bytes());
    }
    out
}

/// The glyphs a composite glyph is made of (none for a simple glyph).
fn components(glyph: &[u8]) -> Result<Vec<u16>, String> {
    const ARGS_ARE_WORDS: u16 = 0x0001;
    const HAVE_SCALE: u16 = 0x0008;
    const MORE_COMPONENTS: u16 = 0x0020;
    const HAVE_XY_SCALE: u16 = 0x0040;
    const HAVE_TWO_BY_TWO: u16 = 0x0080;
    if glyph.len() < 10 || i16::from_be_bytes([glyph[0], glyph[1]]) >= 0 {
        return Ok(Vec::new());
    }
    let mut parts = Vec::new();
    let mut at = 10;
    loop {
        let flags = u16_at(glyph, at)?;
        parts.push(u16_at(glyph, at + 2)?);
        at += 4 + if flags & ARGS_ARE_WORDS != 0 { 4 } else { 2 };
        at += if flags & HAVE_SCALE != 0 {
            2
        } else if flags & HAVE_XY_SCALE != 0 {
            4
        } else if flags & HAVE_TWO_BY_TWO != 0 {
            8
        } else {
            0
        };
        if flags & MORE_COMPONENTS == 0 {
            return Ok(parts);
        }
    }
}

fn checksum(data: &[u8]) -> u32 {
    data.chunks(4).fold(0u32, |sum, chunk| {
        let mut word = [0u8; 4];
        word[..chunk.len()].copy_from_slice(chunk);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// The font with only the characters `keep` accepts (and what they need).
pub fn subset(font: &[u8], keep: impl Fn(u32) -> bool) -> Result<Vec<u8>, String> {
    let tables = tables(font)?;
    let head = table(&tables, b"head")?;
    let long_loca = u16_at(head, 50)? == 1;
    let glyph_count = usize::from(u16_at(table(&tables, b"maxp")?, 4)?);
    let loca = table(&tables, b"loca")?;
    let glyf = table(&tables, b"glyf")?;
    let offsets: Vec<usize> = (0..=glyph_count)
        .map(|i| {
            Ok(if long_loca {
                u32_at(loca, 4 * i)? as usize
            } else {
                2 * usize::from(u16_at(loca, 2 * i)?)
            })
        })
        .collect::<Result<_, String>>()?;
    let glyph = |id: usize| -> Result<&[u8], String> {
        glyf.get(offsets[id]..offsets[id + 1])
            .ok_or_else(|| format!("glyph {id} lies outside glyf"))
    };

    let map = read_cmap(table(&tables, b"cmap")?)?;
    let mapped: BTreeSet<u16> = map.values().copied().collect();
    let kept_map: BTreeMap<u32, u16> = map
        .iter()
        .filter(|(c, _)| keep(**c))
        .map(|(c, g)| (*c, *g))
        .collect();
    // .notdef, every glyph only GSUB reaches, and the kept characters' glyphs.
    let mut wanted: Vec<u16> = (0..glyph_count as u16)
        .filter(|g| *g == 0 || !mapped.contains(g))
        .chain(kept_map.values().copied())
        .collect();
    let mut kept = BTreeSet::new();
    while let Some(id) = wanted.pop() {
        if usize::from(id) < glyph_count && kept.insert(id) {
            wanted.extend(components(glyph(usize::from(id))?)?);
        }
    }

    let mut new_glyf = Vec::new();
    let mut new_loca = Vec::with_capacity(4 * (glyph_count + 1));
    for id in 0..glyph_count {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        if kept.contains(&(id as u16)) {
            new_glyf.extend_from_slice(glyph(id)?);
            while new_glyf.len() % 4 != 0 {
                new_glyf.push(0);
            }
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    let mut new_head = head.to_vec();
    new_head[50..52].copy_from_slice(&1u16.to_be_bytes());
    new_head[8..12].copy_from_slice(&0u32.to_be_bytes());
    let new_cmap = write_cmap(&kept_map);

    let mut out_tables: Vec<([u8; 4], Vec<u8>)> = tables
        .iter()
        .map(|t| {
            let data = match &t.tag {
                b"glyf" => new_glyf.clone(),
                b"loca" => new_loca.clone(),
                b"head" => new_head.clone(),
                b"cmap" => new_cmap.clone(),
                _ => t.data.to_vec(),
            };
            (t.tag, data)
        })
        .collect();
    out_tables.sort_by_key(|(tag, _)| *tag);
    Ok(assemble(&out_tables))
}

/// Writes the font file: the table directory, then the tables on 4-byte boundaries, then
/// the head table's whole-file checksum adjustment.
fn assemble(tables: &[([u8; 4], Vec<u8>)]) -> Vec<u8> {
    let count = tables.len() as u16;
    let mut power = 1u16;
    let mut log = 0u16;
    while power * 2 <= count {
        power *= 2;
        log += 1;
    }
    let mut out = Vec::new();
    out.extend_from_slice(&0x0001_0000u32.to_be_bytes());
    out.extend_from_slice(&count.to_be_bytes());
    out.extend_from_slice(&(power * 16).to_be_bytes());
    out.extend_from_slice(&log.to_be_bytes());
    out.extend_from_slice(&((count - power) * 16).to_be_bytes());
    let mut offset = 12 + 16 * tables.len();
    let mut head_at = None;
    for (tag, data) in tables {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(data).to_be_bytes());
        out.extend_from_slice(&(offset as u32).to_be_bytes());
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        if tag == b"head" {
            head_at = Some(offset);
        }
        offset += data.len().next_multiple_of(4);
    }
    for (_, data) in tables {
        out.extend_from_slice(data);
        while out.len() % 4 != 0 {
            out.push(0);
        }
    }
    if let Some(at) = head_at {
        let adjustment = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
        out[at + 8..at + 12].copy_from_slice(&adjustment.to_be_bytes());
    }
    out
}
