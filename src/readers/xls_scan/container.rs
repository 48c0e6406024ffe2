//! The compound file: the workbook stream read with the `cfb` crate and the way calamine's own
//! compound-file reader reads it, which must agree.

use super::*;

pub(super) const CFB_SIGNATURE: [u8; 8] = crate::readers::sniff::COMPOUND;
pub(super) const END_OF_CHAIN: u32 = 0xFFFF_FFFE;
pub(super) const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
pub(super) const DIFAT_SECTOR: u32 = 0xFFFF_FFFC;
pub(super) const HEADER_DIFAT_ENTRIES: usize = 109;
pub(super) const MINI_SECTOR: usize = 64;
pub(super) const MINI_STREAM_CUTOFF: usize = 4096;

/// The workbook stream, read with the `cfb` crate and checked against the way calamine reads it.
pub(super) fn workbook_stream(bytes: &[u8], limits: &XlsLimits) -> Result<Vec<u8>, XlsRefusal> {
    if !bytes.starts_with(&CFB_SIGNATURE) {
        return Err(XlsRefusal::NoWorkbook);
    }
    let mut file = cfb::CompoundFile::open(Cursor::new(bytes)).map_err(|_| damaged(CFB_DAMAGED))?;
    let name = ["Workbook", "Book"]
        .into_iter()
        .find(|name| file.is_stream(name));
    let as_calamine_reads = calamine_stream(bytes, limits)?;
    let (name, expected) = match (name, as_calamine_reads) {
        (None, None) => return Err(XlsRefusal::NoWorkbook),
        (Some(name), Some(expected)) => (name, expected),
        _ => return Err(damaged(CFB_INCONSISTENT)),
    };
    let mut stream = file.open_stream(name).map_err(|_| damaged(CFB_DAMAGED))?;
    let declared = stream.len();
    if declared > limits.max_stream_bytes {
        return Err(damaged(STREAM_TOO_LARGE));
    }
    let mut data = Vec::new();
    (&mut stream)
        .take(limits.max_stream_bytes)
        .read_to_end(&mut data)
        .map_err(|_| damaged(CFB_DAMAGED))?;
    if u64::try_from(data.len()).ok() != Some(declared) || data != expected {
        return Err(damaged(CFB_INCONSISTENT));
    }
    Ok(data)
}

pub(super) fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    let bytes = data.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([bytes[0], bytes[1]]))
}

pub(super) fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    let bytes = data.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}

pub(super) fn u64_at(data: &[u8], at: usize) -> Option<u64> {
    let bytes = data.get(at..at.checked_add(8)?)?;
    let mut array = [0_u8; 8];
    array.copy_from_slice(bytes);
    Some(u64::from_le_bytes(array))
}

/// One sector as calamine's reader returns it: bytes of the file, then zeros where calamine's
/// buffer was grown past the end of the file.
pub(super) struct SectorView<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) zeros: usize,
}

impl SectorView<'_> {
    pub(super) fn append_to(&self, out: &mut Vec<u8>, max: usize) {
        let from_file = self.bytes.len().min(max);
        out.extend_from_slice(self.bytes.get(..from_file).unwrap_or_default());
        let zeros = self.zeros.min(max - from_file);
        out.resize(out.len() + zeros, 0);
    }

    /// calamine's `to_u32`, which asserts a whole number of entries.
    pub(super) fn entries(&self) -> Option<Vec<u32>> {
        let mut bytes = Vec::with_capacity(self.bytes.len() + self.zeros);
        self.append_to(&mut bytes, usize::MAX);
        if bytes.len() % 4 != 0 {
            return None;
        }
        Some(
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect(),
        )
    }
}

/// calamine's `Sectors` over the file: a buffer filled from the file as far as needed, grown
/// with zeros at the end of the file.
pub(super) struct Sectors<'a> {
    /// The file after its header.
    pub(super) data: &'a [u8],
    pub(super) size: usize,
    pub(super) maxid: usize,
    /// How far calamine's buffer reaches.
    pub(super) loaded: usize,
}

impl<'a> Sectors<'a> {
    /// `None` where calamine errs or panics.
    pub(super) fn get(&mut self, id: u32) -> Option<SectorView<'a>> {
        let id = usize::try_from(id).ok()?;
        if id > self.maxid {
            return None;
        }
        let start = id.checked_mul(self.size)?;
        let end = start.checked_add(self.size)?;
        let available = self.data.len();
        let filled = if end > self.loaded {
            let filled = if self.loaded >= available {
                self.loaded
            } else {
                end.min(available)
            };
            self.loaded = end;
            filled
        } else {
            end
        };
        if start > filled {
            return None;
        }
        let bytes = self
            .data
            .get(start..filled.min(available))
            .unwrap_or_default();
        let zeros = filled.saturating_sub(start).saturating_sub(bytes.len());
        Some(SectorView { bytes, zeros })
    }

    /// A sector chain of at most `len` bytes. A chain that comes back to a sector is refused:
    /// calamine would go round it until `len` (which is unlimited for the directory).
    pub(super) fn chain(&mut self, first: u32, fat: &[u32], len: usize) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut id = first;
        while id != END_OF_CHAIN {
            if !seen.insert(id) {
                return None;
            }
            let sector = self.get(id)?;
            let room = len.saturating_sub(out.len());
            sector.append_to(&mut out, room);
            if out.len() >= len {
                break;
            }
            id = *fat.get(usize::try_from(id).ok()?)?;
        }
        Some(out)
    }
}

/// A chain in calamine's mini stream. calamine reads past the end of the mini stream from
/// wherever its file reader happens to be, so that is refused.
pub(super) fn mini_chain(
    ministream: &[u8],
    maxid: usize,
    first: u32,
    minifat: &[u32],
    len: usize,
) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut id = first;
    while id != END_OF_CHAIN {
        if !seen.insert(id) {
            return None;
        }
        let index = usize::try_from(id).ok()?;
        if index > maxid {
            return None;
        }
        let start = index.checked_mul(MINI_SECTOR)?;
        let sector = ministream.get(start..start.checked_add(MINI_SECTOR)?)?;
        let take = sector.len().min(len.saturating_sub(out.len()));
        out.extend_from_slice(sector.get(..take).unwrap_or_default());
        if out.len() >= len {
            break;
        }
        id = *minifat.get(index)?;
    }
    Some(out)
}

pub(super) struct DirectoryEntry {
    pub(super) start: u32,
    pub(super) len: usize,
}

/// A directory entry as calamine reads it: its name decoded from the first 64 bytes (the
/// length field ignored, cut at the first NUL), its start sector and length.
pub(super) fn directory_entry(raw: &[u8], large_sectors: bool) -> Option<(String, DirectoryEntry)> {
    let mut name = encoding_rs::UTF_16LE.decode(raw.get(..64)?).0.into_owned();
    if let Some(nul) = name.as_bytes().iter().position(|b| *b == 0) {
        name.truncate(nul);
    }
    let start = u32_at(raw, 116)?;
    let len = if large_sectors {
        usize::try_from(u64_at(raw, 120)?).ok()?
    } else {
        usize::try_from(u32_at(raw, 120)?).ok()?
    };
    Some((name, DirectoryEntry { start, len }))
}

/// The workbook stream exactly as calamine's own compound-file reader would read it (the
/// first `Workbook`, else `Book`, entry in directory order), `None` if it finds neither.
/// Whatever calamine would fail on, loop on, or over-allocate for is refused.
pub(super) fn calamine_stream(
    bytes: &[u8],
    limits: &XlsLimits,
) -> Result<Option<Vec<u8>>, XlsRefusal> {
    let fail = || damaged(CFB_DAMAGED);
    let header = bytes.get(..512).ok_or_else(fail)?;
    let version = u16_at(header, 26).ok_or_else(fail)?;
    let size = match u16_at(header, 30) {
        Some(0x0009) => 512,
        Some(0x000C) => 4096,
        _ => return Err(fail()),
    };
    if u16_at(header, 32) != Some(0x0006) {
        return Err(fail());
    }
    let dir_start = u32_at(header, 48).ok_or_else(fail)?;
    let mini_fat_start = u32_at(header, 60).ok_or_else(fail)?;
    let mini_fat_sectors =
        usize::try_from(u32_at(header, 64).ok_or_else(fail)?).map_err(|_| fail())?;
    let difat_start = u32_at(header, 68).ok_or_else(fail)?;
    let mut difat = Vec::with_capacity(HEADER_DIFAT_ENTRIES);
    for index in 0..HEADER_DIFAT_ENTRIES {
        difat.push(u32_at(header, 76 + 4 * index).ok_or_else(fail)?);
    }
    let maxid = bytes.len() / size;
    let mut sectors = Sectors {
        data: bytes.get(size..).ok_or_else(fail)?,
        size,
        maxid,
        loaded: 0,
    };

    // The DIFAT chain; calamine itself stops it after `maxid + 1` sectors.
    let mut id = difat_start;
    let mut difat_sectors = 0_usize;
    while id < RESERVED_SECTORS {
        difat_sectors += 1;
        if difat_sectors > maxid.saturating_add(1) {
            return Err(fail());
        }
        let sector = sectors.get(id).ok_or_else(fail)?;
        difat.extend(sector.entries().ok_or_else(fail)?);
        id = difat.pop().ok_or_else(fail)?;
    }

    // calamine loads every FAT sector the DIFAT names, repeats included: more FAT sectors than
    // the file could hold would multiply the file in memory.
    let fat_sectors: Vec<u32> = difat.into_iter().filter(|id| *id < DIFAT_SECTOR).collect();
    if fat_sectors.len()
        > maxid
            .saturating_add(1)
            .saturating_mul(2)
            .saturating_add(256)
    {
        return Err(fail());
    }
    let mut fat = Vec::new();
    for id in fat_sectors {
        fat.extend(sectors.get(id).and_then(|s| s.entries()).ok_or_else(fail)?);
    }

    let directory = sectors
        .chain(dir_start, &fat, usize::MAX)
        .ok_or_else(fail)?;
    let large = size == 4096;
    let entries: Vec<(String, DirectoryEntry)> = directory
        .chunks_exact(128)
        .map(|raw| directory_entry(raw, large))
        .collect::<Option<_>>()
        .ok_or_else(fail)?;
    let Some((_, root)) = entries.first() else {
        return Err(fail());
    };
    if version != 3 && root.start == END_OF_CHAIN {
        return Err(fail());
    }
    let (ministream, minifat) = if mini_fat_sectors > 0 {
        let ministream = sectors.chain(root.start, &fat, root.len).ok_or_else(fail)?;
        let minifat_len = mini_fat_sectors.checked_mul(size).ok_or_else(fail)?;
        let minifat = sectors
            .chain(mini_fat_start, &fat, minifat_len)
            .ok_or_else(fail)?;
        if minifat.len() % 4 != 0 {
            return Err(fail());
        }
        let minifat: Vec<u32> = minifat
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect();
        (ministream, minifat)
    } else {
        (Vec::new(), Vec::new())
    };

    // calamine looks through every entry in directory order, the root entry included, whatever
    // its type and wherever it sits in the tree.
    let find = |wanted: &[u8]| {
        entries
            .iter()
            .find(|(name, _)| name.as_bytes().eq_ignore_ascii_case(wanted))
            .map(|(_, entry)| entry)
    };
    let Some(entry) = find(b"Workbook").or_else(|| find(b"Book")) else {
        return Ok(None);
    };
    if !u64::try_from(entry.len).is_ok_and(|len| len <= limits.max_stream_bytes) {
        return Err(damaged(STREAM_TOO_LARGE));
    }
    let stream = if entry.len < MINI_STREAM_CUTOFF {
        mini_chain(
            &ministream,
            maxid.saturating_mul(8),
            entry.start,
            &minifat,
            entry.len,
        )
    } else {
        sectors.chain(entry.start, &fat, entry.len)
    };
    stream.map(Some).ok_or_else(fail)
}
