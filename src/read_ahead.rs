//! Reading done ahead, on another thread, for bytes that are about to be read: while a fetch
//! records one message, its reader thread already parses the next messages and their
//! attached spreadsheets. What it finds is kept here under the bytes' SHA-256 and taken once
//! by the reading that follows ([`crate::mail::parse_mail`], the workbook reader), which would
//! have computed the same from the same bytes: both are functions of the bytes alone. Only
//! successful reads are kept (a refusal is found again, the same, by the reading itself), at
//! most a few at a time, and [`clear`] empties the memo when the fetch ends.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use crate::mail::MailMessage;
use crate::readers::grid::Grid;

/// Entries kept at most: a fetch's channel holds 8 messages, each with a few attachments.
const KEPT: usize = 24;
/// Messages larger than this, and files that would inflate to more, are not read ahead: the
/// memory of what waits here stays small.
pub const MAX_READ_AHEAD: u64 = 4 * 1024 * 1024;

pub struct Memo<T> {
    entries: Mutex<VecDeque<(String, T)>>,
    count: AtomicUsize,
}

impl<T> Memo<T> {
    const fn new() -> Self {
        Self {
            entries: Mutex::new(VecDeque::new()),
            count: AtomicUsize::new(0),
        }
    }

    /// Keeps what was read from `bytes`, dropping the oldest entry when full.
    pub fn put(&self, bytes: &[u8], value: T) {
        let key = crate::hash::sha256_hex(bytes);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.iter().any(|(k, _)| *k == key) {
            return;
        }
        if entries.len() == KEPT {
            entries.pop_front();
        }
        entries.push_back((key, value));
        self.count.store(entries.len(), Ordering::Release);
    }

    /// What was read ahead from these bytes, once; `None` (without hashing) when nothing
    /// waits.
    pub fn take(&self, bytes: &[u8]) -> Option<T> {
        if self.count.load(Ordering::Acquire) == 0 {
            return None;
        }
        let key = crate::hash::sha256_hex(bytes);
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let at = entries.iter().position(|(k, _)| *k == key)?;
        let (_, value) = entries.remove(at)?;
        self.count.store(entries.len(), Ordering::Release);
        Some(value)
    }

    fn clear(&self) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.clear();
        self.count.store(0, Ordering::Release);
    }
}

/// Messages parsed ahead.
pub static MAIL: Memo<MailMessage> = Memo::new();
/// Workbooks read ahead: their grids and the reader's warnings.
pub static GRIDS: Memo<(Vec<Grid>, Vec<String>)> = Memo::new();

/// Parses a message and reads its attached workbooks, keeping what was read for the reading
/// that follows. A reader's bug (a panic) keeps nothing here and ends nothing: the reading
/// that follows meets it again and makes it that file's error.
pub fn read_message(raw: &[u8]) {
    let _ = crate::crash::catching(|| read_message_now(raw));
}

fn read_message_now(raw: &[u8]) {
    // A large message is read where it is recorded, once: what waits here stays small (the
    // fetch's channel already holds the raw messages in flight).
    if raw.len() as u64 > MAX_READ_AHEAD {
        return;
    }
    let Ok(message) = crate::mail::parse_mail_now(raw) else {
        return;
    };
    for attachment in &message.attachments {
        let bytes = attachment.bytes.as_slice();
        if crate::readers::workbook::sniff(bytes).is_ok()
            && crate::readers::workbook::read_cost(bytes) <= MAX_READ_AHEAD
        {
            let mut warnings = Vec::new();
            if let Ok(grids) = crate::readers::workbook::load_grids_now(bytes, &mut warnings) {
                GRIDS.put(bytes, (grids, warnings));
            }
        }
    }
    MAIL.put(raw, message);
}

/// Forgets everything read ahead.
pub fn clear() {
    MAIL.clear();
    GRIDS.clear();
}
