//! A check of a compound file (the container of Outlook `.msg` and old `.doc`/`.xls`) before
//! any of its streams is read: every stream's sector chain is walked once, and a sector that
//! two chains (or one chain twice) claim is refused. Without it, fifty attachment streams that
//! share one 20 MB chain read out as fifty copies: a 20 MB file becomes gigabytes. With every
//! sector read at most once, what the streams read out is bounded by the file itself.

/// Why a compound file is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompoundError {
    #[error("the compound file's header or tables are damaged: {0}")]
    Damaged(&'static str),
    #[error("two streams (or one twice) use the same sector {0}")]
    SharedSector(u32),
    #[error("the streams declare {0} bytes, more than the file holds")]
    TooMuch(u64),
}

const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
const FREE: u32 = 0xFFFF_FFFF;
const MINI_SECTOR: u64 = 64;

pub(super) fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([bytes[0], bytes[1]]))
}

pub(super) fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let bytes = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    let low = u64::from(u32_at(data, at)?);
    let high = u64::from(u32_at(data, at + 4)?);
    Some(low | (high << 32))
}

/// Sectors and whether each has been claimed.
struct Claims {
    used: Vec<bool>,
}

impl Claims {
    fn new(count: usize) -> Self {
        Self {
            used: vec![false; count],
        }
    }

    /// Claims one sector.
    fn claim(&mut self, id: u32) -> Result<(), CompoundError> {
        let index = usize::try_from(id).map_err(|_| CompoundError::Damaged("sector id"))?;
        let claimed = self
            .used
            .get_mut(index)
            .ok_or(CompoundError::Damaged("a sector outside the file"))?;
        if *claimed {
            return Err(CompoundError::SharedSector(id));
        }
        *claimed = true;
        Ok(())
    }

    /// Walks a chain from `first` through `table` for at most `sectors` sectors, claiming each.
    fn walk(&mut self, first: u32, table: &[u32], sectors: u64) -> Result<(), CompoundError> {
        let mut id = first;
        let mut walked = 0_u64;
        while id != END_OF_CHAIN && id != FREE && walked < sectors {
            self.claim(id)?;
            let index = usize::try_from(id).map_err(|_| CompoundError::Damaged("sector id"))?;
            walked += 1;
            id = *table
                .get(index)
                .ok_or(CompoundError::Damaged("a chain leaves its table"))?;
        }
        Ok(())
    }
}

/// Checks that no sector of `bytes` belongs to two chains and that the streams declare no more
/// than the file holds. Returns the bytes the streams declare in all.
pub fn check_chains(bytes: &[u8]) -> Result<u64, CompoundError> {
    let damaged = CompoundError::Damaged;
    if super::sniff::container(bytes) != super::sniff::Container::Compound || bytes.len() < 512 {
        return Err(damaged("signature"));
    }
    let size: u64 = match u16_at(bytes, 30) {
        Some(9) => 512,
        Some(12) => 4096,
        _ => return Err(damaged("sector size")),
    };
    let size_usize = usize::try_from(size).map_err(|_| damaged("sector size"))?;
    let body = bytes.get(size_usize..).unwrap_or_default();
    let count = body.len().div_ceil(size_usize);
    let sector = |id: u32| -> Option<&[u8]> {
        let start = usize::try_from(id).ok()?.checked_mul(size_usize)?;
        body.get(start..start.checked_add(size_usize)?.min(body.len()))
    };
    let entries = |id: u32| -> Option<Vec<u32>> {
        let data = sector(id)?;
        Some(
            data.chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    };
    let dir_start = u32_at(bytes, 48).ok_or(damaged("header"))?;
    let cutoff = u64::from(u32_at(bytes, 56).ok_or(damaged("header"))?);
    let mini_fat_start = u32_at(bytes, 60).ok_or(damaged("header"))?;
    let mini_fat_sectors = u64::from(u32_at(bytes, 64).ok_or(damaged("header"))?);
    let mut difat_next = u32_at(bytes, 68).ok_or(damaged("header"))?;

    let mut claims = Claims::new(count);
    // The FAT's own sectors: 109 in the header, the rest in the DIFAT chain.
    let mut fat_ids: Vec<u32> = (0..109)
        .filter_map(|i| u32_at(bytes, 76 + 4 * i))
        .filter(|id| *id < 0xFFFF_FFFA)
        .collect();
    let mut difat_sectors = 0;
    while difat_next < 0xFFFF_FFFA {
        difat_sectors += 1;
        if difat_sectors > count {
            return Err(damaged("DIFAT chain"));
        }
        let mut ids = entries(difat_next).ok_or(damaged("DIFAT sector"))?;
        claims.claim(difat_next)?;
        difat_next = ids.pop().ok_or(damaged("DIFAT sector"))?;
        fat_ids.extend(ids.into_iter().filter(|id| *id < 0xFFFF_FFFA));
    }
    if fat_ids.len() > count {
        return Err(damaged("more FAT sectors than the file holds"));
    }
    let mut fat = Vec::with_capacity(fat_ids.len() * (size_usize / 4));
    for id in &fat_ids {
        claims.claim(*id)?;
        fat.extend(entries(*id).ok_or(damaged("FAT sector"))?);
    }

    // The directory, then every stream's chain.
    let before = claims.used.iter().filter(|u| **u).count();
    claims.walk(dir_start, &fat, count as u64)?;
    let directory_sectors = claims.used.iter().filter(|u| **u).count() - before;
    let mut directory = Vec::with_capacity(directory_sectors * size_usize);
    let mut id = dir_start;
    for _ in 0..directory_sectors {
        directory.extend_from_slice(sector(id).ok_or(damaged("directory"))?);
        id = *fat
            .get(usize::try_from(id).map_err(|_| damaged("directory"))?)
            .ok_or(damaged("directory"))?;
    }
    claims.walk(mini_fat_start, &fat, mini_fat_sectors)?;
    let mut mini_fat = Vec::new();
    let mut id = mini_fat_start;
    for _ in 0..mini_fat_sectors {
        if id >= 0xFFFF_FFFA {
            break;
        }
        mini_fat.extend(entries(id).ok_or(damaged("mini FAT"))?);
        id = *fat
            .get(usize::try_from(id).map_err(|_| damaged("mini FAT"))?)
            .ok_or(damaged("mini FAT"))?;
    }

    let mut declared = 0_u64;
    let mut mini_stream_len = 0_u64;
    let mut small = Vec::new();
    for (index, raw) in directory.chunks_exact(128).enumerate() {
        let kind = raw[66];
        let start = u32_at(raw, 116).ok_or(damaged("directory entry"))?;
        let len = u64_at(raw, 120).ok_or(damaged("directory entry"))?;
        let len = if size == 512 { len & 0xFFFF_FFFF } else { len };
        match kind {
            // The root entry holds the mini stream.
            5 if index == 0 => {
                claims.walk(start, &fat, len.div_ceil(size))?;
                mini_stream_len = len;
            }
            2 => {
                declared = declared.saturating_add(len);
                if len >= cutoff {
                    claims.walk(start, &fat, len.div_ceil(size))?;
                } else {
                    small.push((start, len));
                }
            }
            _ => {}
        }
    }
    if declared > bytes.len() as u64 {
        return Err(CompoundError::TooMuch(declared));
    }
    let mini_count = usize::try_from(mini_stream_len.div_ceil(MINI_SECTOR))
        .map_err(|_| damaged("mini stream"))?;
    let mut mini_claims = Claims::new(mini_count);
    for (start, len) in small {
        mini_claims.walk(start, &mini_fat, len.div_ceil(MINI_SECTOR))?;
    }
    Ok(declared)
}

/// A stream of a compound file read whole, at most `cap` bytes: `None` when there is no such
/// stream, `TooMuch` when its directory entry says it is larger (checked before anything is
/// allocated). Call [`check_chains`] on the file first.
pub fn read_stream<F: std::io::Read + std::io::Seek>(
    file: &mut cfb::CompoundFile<F>,
    path: &str,
    cap: u64,
) -> Result<Option<Vec<u8>>, CompoundError> {
    use std::io::Read as _;
    let Ok(entry) = file.entry(path) else {
        return Ok(None);
    };
    if !entry.is_stream() {
        return Ok(None);
    }
    if entry.len() > cap {
        return Err(CompoundError::TooMuch(entry.len()));
    }
    let mut bytes = Vec::new();
    file.open_stream(path)
        .map_err(|_| CompoundError::Damaged("a stream cannot be opened"))?
        .take(cap)
        .read_to_end(&mut bytes)
        .map_err(|_| CompoundError::Damaged("a stream cannot be read"))?;
    Ok(Some(bytes))
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;
    use std::io::Write as _;

    fn compound(streams: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut file = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
        for (path, bytes) in streams {
            file.create_stream(path).unwrap().write_all(bytes).unwrap();
        }
        file.flush().unwrap();
        file.into_inner().into_inner()
    }

    #[test]
    fn an_ordinary_file_passes() {
        let bytes = compound(&[("/a", vec![1; 100]), ("/b", vec![2; 10_000])]);
        assert_eq!(check_chains(&bytes).unwrap(), 10_100);
    }

    /// Points the second large stream's start at the first one's chain.
    #[test]
    fn two_streams_on_one_chain_are_refused() {
        let mut bytes = compound(&[("/a", vec![1; 10_000]), ("/b", vec![2; 10_000])]);
        // Directory entries of 128 bytes; find both by name and copy the start sector.
        // A stream entry: its name, the name's length (with its NUL) at 64, type 2 at 66.
        let at = |bytes: &[u8], n: u8| {
            (0..bytes.len() - 128).find(|p| {
                bytes[*p..*p + 4] == [n, 0, 0, 0]
                    && u16_at(bytes, p + 64) == Some(4)
                    && bytes[p + 66] == 2
            })
        };
        let a = at(&bytes, b'a').unwrap();
        let b = at(&bytes, b'b').unwrap();
        let start_a = u32_at(&bytes, a + 116).unwrap();
        bytes[b + 116..b + 120].copy_from_slice(&start_a.to_le_bytes());
        assert!(matches!(
            check_chains(&bytes),
            Err(CompoundError::SharedSector(_))
        ));
    }
}
