//! A returned table's rows matched to the department's rows of the plan: by the template's
//! hidden id, by the visible text, or by likeness (waiting for the user), and what cannot be
//! matched said so.

use super::*;
use crate::similar::{bigrams, dice};

/// Letters and digits only, with a leading ★ and numbering (`8．`, `1.`, `3、`) removed.
pub(super) fn normalize(text: &str) -> String {
    let text = text.trim().trim_start_matches('★').trim_start();
    let digits = text
        .chars()
        .take_while(|c| c.is_ascii_digit() || c.is_whitespace())
        .count();
    let after: String = text.chars().skip(digits).collect();
    let body = if digits > 0 && after.starts_with(['．', '.', '、']) {
        after.chars().skip(1).collect()
    } else {
        text.to_owned()
    };
    body.chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| match c {
            '０'..='９' => {
                char::from_u32(u32::from(c) - u32::from('０') + u32::from('0')).unwrap_or(c)
            }
            c => c,
        })
        .collect()
}

/// The start of a text as a message quotes it.
pub(super) fn quote(text: &str) -> String {
    if text.chars().count() <= QUOTE_CHARS {
        text.to_owned()
    } else {
        let start: String = text.chars().take(QUOTE_CHARS).collect();
        format!("{start}……")
    }
}

/// Matches a file row's text to the plan's rows. Normalised texts and bigrams are computed
/// once, not per file row.
pub(super) struct RowMatcher<'a> {
    obligation: &'a Obligation,
    /// Every form row and task: key, normalised text, normalised `code title` (tasks).
    all_rows: Vec<(RowKey, String, String)>,
    own_bigrams: Vec<(RowKey, std::collections::HashSet<(char, char)>)>,
}

impl<'a> RowMatcher<'a> {
    pub(super) fn new(plan: &Plan, obligation: &'a Obligation) -> Self {
        let all_rows = plan
            .form
            .rows()
            .map(|r| (RowKey::FormRow(r.id), normalize(&r.text), String::new()))
            .chain(plan.tasks().map(|t| {
                (
                    RowKey::Task(t.id),
                    normalize(&t.title),
                    normalize(&format!("{} {}", t.code, t.title)),
                )
            }))
            .collect();
        let own_bigrams = obligation
            .rows
            .iter()
            .map(|r| (r.key, bigrams(&normalize(&r.text))))
            .collect();
        Self {
            obligation,
            all_rows,
            own_bigrams,
        }
    }

    fn is_known(&self, key: RowKey) -> bool {
        self.all_rows.iter().any(|(k, _, _)| *k == key)
    }

    fn is_own(&self, key: RowKey) -> bool {
        self.obligation.rows.iter().any(|r| r.key == key)
    }

    /// The row whose text this is: the same text (the department's own rows first, since two
    /// rows of the form may read the same), else one clearly most similar of its own rows.
    fn by_text(&self, normalized: &str) -> Option<(RowKey, MatchKind)> {
        if normalized.is_empty() {
            return None;
        }
        let same_text = |(_, text, with_code): &&(RowKey, String, String)| {
            text == normalized || (!with_code.is_empty() && with_code == normalized)
        };
        if let Some((key, _, _)) = self
            .all_rows
            .iter()
            .filter(|(key, _, _)| self.is_own(*key))
            .find(same_text)
            .or_else(|| self.all_rows.iter().find(same_text))
        {
            return Some((*key, MatchKind::Text));
        }
        if normalized.chars().count() > MAX_COMPARED_CHARS {
            return None;
        }
        let file_bigrams = bigrams(normalized);
        let mut scored: Vec<(f32, RowKey)> = self
            .own_bigrams
            .iter()
            .map(|(key, grams)| (dice(grams, &file_bigrams), *key))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        match scored.as_slice() {
            [(best, key), rest @ ..]
                if *best >= 0.6 && rest.first().is_none_or(|(next, _)| best - next > 0.1) =>
            {
                Some((*key, MatchKind::Similar(*best)))
            }
            _ => None,
        }
    }

    /// Whether a row's visible text may belong to the row its hidden id names.
    fn agrees(&self, key: RowKey, normalized: &str) -> bool {
        if normalized.is_empty() {
            return true;
        }
        let Some((_, text, with_code)) = self.all_rows.iter().find(|(k, _, _)| *k == key) else {
            return false;
        };
        if text == normalized || (!with_code.is_empty() && with_code == normalized) {
            return true;
        }
        normalized.chars().count() <= MAX_COMPARED_CHARS
            && dice(&bigrams(text), &bigrams(normalized)) >= 0.6
    }

    fn code_of(&self, key: RowKey) -> String {
        self.obligation
            .rows
            .iter()
            .find(|r| r.key == key)
            .map_or_else(|| "另一行".to_owned(), |r| r.code.clone())
    }
}

/// The table's rows matched to the department's rows. A hidden id and the visible text must
/// agree; where they do not, the row goes by its visible text and waits for the user.
pub(super) fn read_rows(
    table: &Table<'_>,
    matcher: &RowMatcher<'_>,
    department: &str,
    warnings: &mut Vec<String>,
) -> (Vec<ImportedRow>, Vec<UnmatchedRow>) {
    let grid = table.grid;
    let mut rows: Vec<ImportedRow> = Vec::new();
    let mut unmatched = Vec::new();
    for index in table.header_row + 1..grid.height() {
        let item = grid.get(index, table.item);
        let progress = grid.get(index, table.progress);
        if item.is_empty() && progress.is_empty() {
            continue;
        }
        // A line spanning the table (our separator, notes under the form) is not a row.
        let spans_table = !item.is_empty()
            && (0..grid.width(index))
                .filter(|&column| grid.shown(index, column) == item)
                .count()
                >= 3;
        if spans_table || item.starts_with("注：") || item.starts_with("注:") {
            continue;
        }
        let file_row = index as u32 + 1;
        let normalized = normalize(item);
        let keyed = table
            .key
            .and_then(|column| parse_key(grid.get(index, column)))
            .filter(|key| matcher.is_known(*key));
        let by_text = matcher.by_text(&normalized);
        let (matched, conflict) = match (keyed, by_text) {
            (Some(key), _) if matcher.agrees(key, &normalized) => {
                (Some((key, MatchKind::Id)), None)
            }
            (Some(key), Some((text_key, _))) => (
                Some((text_key, MatchKind::Conflict)),
                Some(format!(
                    "的隐藏编号是 {}，但文字“{}”是 {} 的；按文字对应到 {}，请确认（可能移动或复制过行）",
                    matcher.code_of(key),
                    quote(item),
                    matcher.code_of(text_key),
                    matcher.code_of(text_key)
                )),
            ),
            (Some(key), None) => (
                Some((key, MatchKind::Conflict)),
                Some(format!(
                    "的隐藏编号是 {}，但文字“{}”与该行对不上，请确认",
                    matcher.code_of(key),
                    quote(item)
                )),
            ),
            (None, by_text) => (by_text, None),
        };
        let Some((key, matched_by)) = matched else {
            unmatched.push(UnmatchedRow {
                row: file_row,
                text: quote(if item.is_empty() { progress } else { item }),
            });
            continue;
        };
        let Some(expected) = matcher.obligation.rows.iter().find(|r| r.key == key) else {
            if RowStatus::of(progress) == RowStatus::Progress {
                warnings.push(format!(
                    "第{file_row}行“{}”不是{department}负责的行，未导入",
                    quote(item)
                ));
            }
            continue;
        };
        let row = ImportedRow {
            key,
            code: expected.code.clone(),
            text: expected.text.clone(),
            file_row,
            status: RowStatus::of(progress),
            progress: progress.to_owned(),
            remark: table
                .remark
                .map(|column| grid.get(index, column))
                .unwrap_or_default()
                .to_owned(),
            accepted: matches!(matched_by, MatchKind::Id | MatchKind::Text),
            matched_by,
            conflict,
        };
        match rows.iter_mut().find(|r| r.key == key) {
            None => rows.push(row),
            Some(earlier) => {
                // Two file rows for one row: the one whose id and text agree wins over one that
                // only claims it, and a filled row over an empty one, so that no text is lost
                // to an empty or misplaced row.
                let rank = |r: &ImportedRow| {
                    (
                        !matches!(r.matched_by, MatchKind::Conflict),
                        r.status != RowStatus::Empty,
                    )
                };
                let (kept, dropped) = if rank(&row) > rank(earlier) {
                    let dropped = earlier.file_row;
                    *earlier = row;
                    (earlier.file_row, dropped)
                } else {
                    (earlier.file_row, row.file_row)
                };
                warnings.push(format!(
                    "第{dropped}行与第{kept}行都对应 {}，只取第{kept}行",
                    expected.code
                ));
            }
        }
    }
    (rows, unmatched)
}
