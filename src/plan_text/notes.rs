//! Responsibility notes: finding them in brackets and reading who leads and who takes part.

use std::ops::Range;

const OPENING: [char; 6] = ['（', '(', '[', '〔', '【', '［'];
const CLOSING: [char; 7] = ['）', ')', ']', '〕', '】', '］', '〉'];

/// Whether `c` is an opening bracket.
pub(super) fn is_opening(c: char) -> bool {
    OPENING.contains(&c)
}

/// Whether `c` is a closing bracket.
pub(super) fn is_closing(c: char) -> bool {
    CLOSING.contains(&c)
}

/// A bracketed responsibility note in a block's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Note {
    /// The note with its brackets.
    pub range: Range<usize>,
    /// The text inside the brackets.
    pub content: String,
    /// False when the text ends before the closing bracket.
    pub closed: bool,
}

/// Whether bracket content reads as a responsibility note.
fn is_note(content: &str) -> bool {
    let compact: String = content.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.contains("牵头") || compact.contains("责任单位") || compact.contains("牵头单位")
    {
        return true;
    }
    let names_units = ["局", "部", "委", "办", "处", "中心", "政府", "单位"]
        .iter()
        .any(|unit| compact.contains(unit));
    names_units
        && compact.split(['，', ',', '；', ';', '。']).any(|clause| {
            ["参与", "配合", "负责", "落实", "协助"]
                .iter()
                .any(|verb| clause.ends_with(verb))
        })
}

/// Top-level bracket groups that are responsibility notes, in order. Brackets nested inside a
/// note (`各乡（镇）人民政府`) do not end it; `〉` closes like `）` (a typo the seed has).
pub(super) fn find_notes(text: &str) -> Vec<Note> {
    let mut notes = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    // The last look ahead for the open bracket's own closing one: up to where it looked and
    // whether it found it. A later stray bracket before that place gets the same answer, so
    // that very many stray brackets cost one look each, not one look to the end each.
    let mut looked: Option<(usize, bool)> = None;
    for (index, c) in text.char_indices() {
        if OPENING.contains(&c) {
            if depth == 0 {
                start = index;
            }
            depth += 1;
            looked = None;
        } else if CLOSING.contains(&c) && depth > 0 {
            // A stray closing bracket of another kind (`（X牵头]，Y参与）`) is skipped when the
            // bracket's own closing one still follows; otherwise it closes the bracket, as
            // a lone `〉` does (a typo the seed has).
            if depth == 1 && !is_pair(text, start, c) {
                let ahead = match looked {
                    Some((until, found)) if index < until => found,
                    _ => {
                        let (until, found) = own_closing_ahead(text, start, index + c.len_utf8());
                        looked = Some((until, found));
                        found
                    }
                };
                if ahead {
                    continue;
                }
            }
            depth -= 1;
            if depth == 0 {
                let content =
                    &text[start + text[start..].chars().next().map_or(0, char::len_utf8)..index];
                if is_note(content) {
                    notes.push(Note {
                        range: start..index + c.len_utf8(),
                        content: content.to_owned(),
                        closed: true,
                    });
                }
            }
        }
    }
    if depth > 0 {
        let open_len = text[start..].chars().next().map_or(0, char::len_utf8);
        let content = &text[start + open_len..];
        if is_note(content) || content.contains("牵头") {
            notes.push(Note {
                range: start..text.len(),
                content: content.to_owned(),
                closed: false,
            });
        }
    }
    notes
}

/// The closing bracket that pairs with an opening one.
fn pair_of(opening: char) -> &'static [char] {
    match opening {
        '（' | '(' => &['）', ')'],
        '[' | '［' => &[']', '］'],
        '〔' => &['〕'],
        '【' => &['】'],
        _ => &[],
    }
}

/// Whether `c` closes the bracket opened at `start` as its own pair.
fn is_pair(text: &str, start: usize, c: char) -> bool {
    text[start..]
        .chars()
        .next()
        .is_some_and(|opening| pair_of(opening).contains(&c))
}

/// Looks from byte `from` for the own closing bracket of the one opened at `start`, up to the
/// next opening bracket or line end: where the look stopped, and whether it found it.
fn own_closing_ahead(text: &str, start: usize, from: usize) -> (usize, bool) {
    let pair = text[start..].chars().next().map_or(&[][..], pair_of);
    for (offset, next) in text[from..].char_indices() {
        if pair.contains(&next) {
            return (from + offset, true);
        }
        if OPENING.contains(&next) || next == '\n' {
            return (from + offset, false);
        }
    }
    (text.len(), false)
}

/// Whether a text holds a responsibility note.
pub(super) fn has_note(text: &str) -> bool {
    !find_notes(text).is_empty()
}

/// Whether the document says that the first unit listed leads (`排在首位的为牵头单位`).
pub(super) fn first_listed_leads(source: &str) -> bool {
    let compact: String = source.chars().filter(|c| !c.is_whitespace()).collect();
    [
        "排在首位的为牵头单位",
        "排在前位的为牵头单位",
        "排在第一位的为牵头单位",
        "列在首位的为牵头单位",
        "排名第一的为牵头单位",
        "第一个单位为牵头单位",
        "排在首位的单位为牵头单位",
    ]
    .iter()
    .any(|phrase| compact.contains(phrase))
}

/// Who leads and who takes part, as written (names not yet resolved).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct NoteParts {
    pub leads: Vec<(String, String)>,
    pub participants: Vec<(String, String)>,
    pub separately: bool,
    pub warnings: Vec<String>,
    /// Clauses that apply to every later task rather than naming departments, e.g.
    /// `以下各项工作均需各县、区人民政府落实，不再列出`.
    pub standing: Vec<String>,
}

/// Whether a paragraph outside any bracket is a standing note about the tasks that follow.
pub(super) fn is_standing_text(text: &str) -> bool {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    // It opens with the clause itself: `以下…`, `自治区以下…`, `各项工作均需…`, `下同`.
    let opens = opens_with_below(&compact)
        || compact.starts_with("下同")
        || compact.starts_with("各项工作均需")
        || compact.starts_with("上述各项");
    opens
        && compact.chars().count() < 80
        && split_top_level(&compact, &['，', '；', '。'])
            .first()
            .is_some_and(|first| is_standing(first))
}

/// Whether a text opens with `以下…` or a level's `自治区以下…` / `市以下…`.
fn opens_with_below(text: &str) -> bool {
    ["", "自治区", "省", "市", "州", "县", "区"]
        .iter()
        .any(|level| {
            text.strip_prefix(level)
                .is_some_and(|rest| rest.starts_with("以下"))
        })
}

/// Whether a clause starts a standing note (`以下…均需…落实`, `下同`, `不再列出`): words about
/// the tasks that follow, not a list of departments.
fn is_standing(clause: &str) -> bool {
    opens_with_below(clause)
        || clause.contains("以下均需")
        || clause.contains("以下各项")
        || (clause.contains("均需") && clause.contains("落实"))
        || clause.starts_with("下同")
        || clause.starts_with("下列")
        || clause.starts_with("后同")
        || clause.contains("不再列出")
        || clause.contains("不再一一列出")
        || clause.contains("不再重复")
}

/// Splits at top-level separators (not inside nested brackets).
fn split_top_level(text: &str, separators: &[char]) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in text.chars() {
        if OPENING.contains(&c) {
            depth += 1;
        } else if CLOSING.contains(&c) {
            depth = depth.saturating_sub(1);
        }
        if depth == 0 && separators.contains(&c) {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
        .into_iter()
        .map(|p| p.trim().to_owned())
        .filter(|p| !p.is_empty())
        .collect()
}

/// A name without closing brackets that close nothing at its end and opening ones that
/// open nothing at its start (`县林业局]`); `区人民政府(管委会)` keeps its own.
pub(super) fn without_stray_brackets(name: &str) -> &str {
    let mut name = name.trim();
    // Counted once, then kept up to date as brackets come off the ends.
    let mut opened = name.chars().filter(|c| OPENING.contains(c)).count();
    let mut closed = name.chars().filter(|c| CLOSING.contains(c)).count();
    loop {
        let first = name.chars().next();
        let last = name.chars().last();
        if closed > opened && last.is_some_and(|c| CLOSING.contains(&c)) {
            name = &name[..name.len() - last.map_or(0, char::len_utf8)];
            closed -= 1;
        } else if opened > closed && last.is_some_and(|c| OPENING.contains(&c)) {
            name = &name[..name.len() - last.map_or(0, char::len_utf8)];
            opened -= 1;
        } else if closed > opened && first.is_some_and(|c| CLOSING.contains(&c)) {
            name = &name[first.map_or(0, char::len_utf8)..];
            closed -= 1;
        } else if opened > closed && first.is_some_and(|c| OPENING.contains(&c)) {
            name = &name[first.map_or(0, char::len_utf8)..];
            opened -= 1;
        } else {
            return name.trim();
        }
        // Whitespace between brackets goes too (it counts as neither).
        name = name.trim();
    }
}

/// The text without its top-level bracketed groups that are standing clauses, which go to
/// `standing`.
fn without_bracketed_standing(text: &str, standing: &mut Vec<String>) -> String {
    let mut kept = String::with_capacity(text.len());
    let mut depth = 0usize;
    let mut group = String::new();
    for c in text.chars() {
        if OPENING.contains(&c) {
            depth += 1;
            group.push(c);
        } else if depth > 0 {
            group.push(c);
            if CLOSING.contains(&c) {
                depth -= 1;
                if depth == 0 {
                    let inner: String = group
                        .chars()
                        .skip(1)
                        .take(group.chars().count().saturating_sub(2))
                        .collect();
                    if is_standing(&inner) {
                        standing.push(inner);
                    } else {
                        kept.push_str(&group);
                    }
                    group.clear();
                }
            }
        } else {
            kept.push(c);
        }
    }
    kept.push_str(&group);
    kept
}

/// The text without closing brackets that close nothing (`县林业局牵头]，…`).
fn without_unopened_closings(text: &str) -> String {
    let mut depth = 0usize;
    text.chars()
        .filter(|c| {
            if OPENING.contains(c) {
                depth += 1;
            } else if CLOSING.contains(c) {
                if depth == 0 {
                    return false;
                }
                depth -= 1;
            }
            true
        })
        .collect()
}

/// Names in a list `A、B、C等`.
fn names(text: &str) -> Vec<String> {
    let pieces: Vec<String> = split_top_level(text, &['、', '/', '／'])
        .into_iter()
        .map(|name| {
            let name = without_stray_brackets(name.trim_end_matches('等').trim_start_matches("由"));
            // `按职责分工负责`: the manner, not part of the name.
            let mut name = name.trim();
            for manner in [
                "按职责分工",
                "按照职责分工",
                "按职责",
                "分别",
                "共同",
                "各自",
            ] {
                name = name.trim_end_matches(manner).trim();
            }
            name.to_owned()
        })
        .filter(|name| !name.is_empty())
        .collect();
    // `各县、区人民政府` and `各市、县人民政府` name one group of governments: `各县` is not a
    // department, nor is `区人民政府` on its own.
    let mut names: Vec<String> = Vec::with_capacity(pieces.len());
    for piece in pieces {
        let joins_group = names.last().is_some_and(|last| {
            last.starts_with('各') && last.chars().count() <= 3 && !last.contains("政府")
        }) && piece.contains("政府");
        match names.last_mut() {
            Some(last) if joins_group => {
                last.push('、');
                last.push_str(&piece);
            }
            _ => names.push(piece),
        }
    }
    names
}

fn with_scope(names: Vec<String>, scope: &str) -> Vec<(String, String)> {
    names
        .into_iter()
        .map(|name| (name, scope.to_owned()))
        .collect()
}

/// Reads a note's content: `X牵头，Y、Z等参与`, `X、W分别牵头`, `X牵头负责农用地`,
/// `牵头单位：X；责任单位：Y`, `责任单位：X、Y` and their variants.
pub(super) fn parse_note(content: &str, first_listed_leads: bool) -> NoteParts {
    let compact: String = content
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            ',' => '，',
            ';' => '；',
            ':' => '：',
            c => c,
        })
        .collect();
    let compact = without_unopened_closings(compact.trim_end_matches(['。', '.']));
    let mut parts = NoteParts::default();
    // A bracketed standing clause inside the note (`县水利局（以下…落实，不再列出）`) is a note
    // about later tasks, not part of a name.
    let compact = without_bracketed_standing(&compact, &mut parts.standing);
    if compact.is_empty() {
        return parts;
    }
    if compact.contains("单位：") {
        labelled(&compact, first_listed_leads, &mut parts);
        return parts;
    }
    let mut pending: Vec<String> = Vec::new();
    for sentence in split_top_level(&compact, &['。']) {
        let clauses = split_top_level(&sentence, &['，', '；']);
        // From the first standing clause on, the sentence is a note about later tasks.
        let standing_from = clauses
            .iter()
            .position(|clause| is_standing(clause))
            .unwrap_or(clauses.len());
        if standing_from < clauses.len() {
            parts.standing.push(clauses[standing_from..].join("，"));
        }
        for clause in &clauses[..standing_from] {
            let clause = clause.as_str();
            if let Some(at) = clause.find("分别牵头") {
                let mut leads = std::mem::take(&mut pending);
                leads.extend(names(&clause[..at]));
                parts.leads.extend(with_scope(leads, ""));
                parts.separately = true;
            } else if let Some(at) = clause.find("牵头") {
                let scope = clause[at + "牵头".len()..]
                    .trim_start_matches('，')
                    .to_owned();
                let mut leads = std::mem::take(&mut pending);
                leads.extend(names(&clause[..at]));
                parts.leads.extend(with_scope(leads, &scope));
            } else if let Some(stem) = [
                "共同参与",
                "参与",
                "配合落实",
                "配合",
                "协助",
                "协办",
                "指导",
                "督导",
                "监督",
                "支持",
                "协同",
            ]
            .iter()
            .find_map(|verb| clause.strip_suffix(verb))
            {
                let mut joined = std::mem::take(&mut pending);
                joined.extend(names(stem));
                parts.participants.extend(with_scope(joined, ""));
            } else if let Some(stem) = clause
                .strip_suffix("负责落实")
                .or_else(|| clause.strip_suffix("落实"))
            {
                let mut joined = std::mem::take(&mut pending);
                joined.extend(names(stem));
                parts.participants.extend(with_scope(joined, "落实"));
            } else if let Some(stem) = clause.strip_suffix("负责") {
                let mut leads = std::mem::take(&mut pending);
                leads.extend(names(stem));
                parts.leads.extend(with_scope(leads, ""));
            } else {
                pending.extend(names(clause));
            }
        }
    }
    // `各乡（镇）人民政府落实` alone: those who carry the task out are its leads.
    if parts.leads.is_empty()
        && pending.is_empty()
        && !parts.participants.is_empty()
        && parts.participants.iter().all(|(_, scope)| scope == "落实")
    {
        parts.leads = std::mem::take(&mut parts.participants);
    }
    if !pending.is_empty() {
        if parts.leads.is_empty() {
            parts.warnings.push(format!(
                "责任分工“{content}”没有写明牵头单位，已把所列单位都作为牵头单位，请核对"
            ));
            parts.leads.extend(with_scope(pending, ""));
        } else {
            parts.participants.extend(with_scope(pending, ""));
        }
    }
    parts
}

/// `牵头单位：X；责任单位：Y、Z` and `责任单位：X、Y、Z`.
fn labelled(compact: &str, first_listed_leads: bool, parts: &mut NoteParts) {
    let mut has_lead_label = false;
    let mut responsible: Vec<String> = Vec::new();
    for piece in split_top_level(compact, &['；', '。']) {
        if is_standing(&piece) {
            parts.standing.push(piece);
            continue;
        }
        let Some((label, list)) = piece.split_once('：') else {
            parts.warnings.push(format!("无法识别“{piece}”"));
            continue;
        };
        let mut listed = Vec::new();
        for part in split_top_level(list, &['，']) {
            if is_standing(&part) {
                parts.standing.push(part);
            } else {
                listed.extend(names(&part));
            }
        }
        if label.contains("牵头") {
            has_lead_label = true;
            parts.leads.extend(with_scope(listed, ""));
        } else if label.contains("责任") {
            responsible.extend(listed);
        } else if ["配合", "参与", "协办", "协助"]
            .iter()
            .any(|w| label.contains(w))
        {
            parts.participants.extend(with_scope(listed, ""));
        } else {
            parts.warnings.push(format!("无法识别“{label}”"));
        }
    }
    if has_lead_label {
        parts.participants.extend(with_scope(responsible, ""));
    } else if first_listed_leads {
        let mut listed = responsible.into_iter();
        parts
            .leads
            .extend(with_scope(listed.next().into_iter().collect(), ""));
        parts.participants.extend(with_scope(listed.collect(), ""));
    } else if !responsible.is_empty() {
        parts.warnings.push(
            "“责任单位”未说明谁牵头，文件中也没有“排在首位的为牵头单位”之类的说明，已把所列单位都作为牵头单位，请核对".to_owned(),
        );
        parts.leads.extend(with_scope(responsible, ""));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leads(parts: &NoteParts) -> Vec<(&str, &str)> {
        parts
            .leads
            .iter()
            .map(|(n, s)| (n.as_str(), s.as_str()))
            .collect()
    }

    fn participants(parts: &NoteParts) -> Vec<&str> {
        parts.participants.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn lead_and_participants() {
        let parts = parse_note(
            "融水生态环境局牵头，县农业农村局、自然规划局等参与。",
            false,
        );
        assert_eq!(leads(&parts), [("融水生态环境局", "")]);
        assert_eq!(participants(&parts), ["县农业农村局", "自然规划局"]);
        assert!(!parts.separately);
    }

    #[test]
    fn lead_with_cooperation_and_supervision() {
        let parts = parse_note("县住建局牵头，县城管局配合", false);
        assert_eq!(leads(&parts), [("县住建局", "")]);
        assert_eq!(participants(&parts), ["县城管局"]);
        let parts = parse_note("县政府办牵头督导", false);
        assert_eq!(leads(&parts), [("县政府办", "督导")]);
    }

    #[test]
    fn several_leads_and_separate_leads() {
        let parts = parse_note("县发改局、林业局、农业农村局牵头，县财政局等参与", false);
        assert_eq!(leads(&parts).len(), 3);
        let parts = parse_note(
            "县公安局、交通局、住建局、科工信局，融水生态环境局，融水海事处分别牵头，县发改局参与",
            false,
        );
        assert_eq!(leads(&parts).len(), 6);
        assert!(parts.separately);
        assert_eq!(participants(&parts), ["县发改局"]);
    }

    #[test]
    fn scoped_leads() {
        let parts = parse_note(
            "县农业农村局牵头负责农用地，融水生态环境局牵头负责企业用地，县自然规划局、住建局等参与",
            false,
        );
        assert_eq!(
            leads(&parts),
            [
                ("县农业农村局", "负责农用地"),
                ("融水生态环境局", "负责企业用地")
            ]
        );
        assert_eq!(participants(&parts), ["县自然规划局", "住建局"]);
    }

    #[test]
    fn leads_listed_before_a_comma() {
        let parts = parse_note(
            "县自然规划局，融水生态环境局牵头，县科工信局、财政局等参与",
            false,
        );
        assert_eq!(
            leads(&parts),
            [("县自然规划局", ""), ("融水生态环境局", "")]
        );
        let parts = parse_note(
            "县农业农村局牵头，县自然规划局，融水生态环境局等参与",
            false,
        );
        assert_eq!(participants(&parts), ["县自然规划局", "融水生态环境局"]);
    }

    #[test]
    fn labelled_units() {
        let parts = parse_note(
            "牵头单位：市生态环境局；责任单位：市发展改革委、市工业和信息化局",
            false,
        );
        assert_eq!(leads(&parts), [("市生态环境局", "")]);
        assert_eq!(participants(&parts), ["市发展改革委", "市工业和信息化局"]);
        let parts = parse_note("责任单位：县农业农村局、县林业局、县水利局", true);
        assert_eq!(leads(&parts), [("县农业农村局", "")]);
        assert_eq!(participants(&parts), ["县林业局", "县水利局"]);
        let parts = parse_note("责任单位：县农业农村局、县林业局", false);
        assert_eq!(leads(&parts).len(), 2);
        assert_eq!(parts.warnings.len(), 1);
    }

    #[test]
    fn boilerplate_with_nested_brackets_stays_in_the_note() {
        let text = "开展排查。（县农业农村局牵头，县自然资源局等参与，各乡（镇）人民政府落实。以下各项均需各乡（镇）人民政府落实，不再列出）下一句。";
        let notes = find_notes(text);
        assert_eq!(notes.len(), 1);
        assert!(notes[0].content.ends_with("不再列出"));
        let parts = parse_note(&notes[0].content, false);
        assert_eq!(leads(&parts), [("县农业农村局", "")]);
        assert_eq!(participants(&parts), ["县自然资源局", "各乡（镇）人民政府"]);
    }

    #[test]
    fn a_clause_about_later_tasks_is_a_standing_note_not_departments() {
        for (content, lead) in [
            (
                "自治区生态环境厅牵头，自治区发展改革委等参与，以下均需地方各级人民政府落实，不再列出",
                "自治区生态环境厅",
            ),
            (
                "市生态环境局牵头，市农业农村局参与。以下各项工作均需各县、区人民政府落实，不再列出",
                "市生态环境局",
            ),
            (
                "县林业局牵头；以下各项工作均需各县、区人民政府(管委会)落实，不再列出。",
                "县林业局",
            ),
        ] {
            let parts = parse_note(content, false);
            assert_eq!(leads(&parts), [(lead, "")], "{content}");
            for (name, _) in parts.leads.iter().chain(&parts.participants) {
                assert!(
                    !name.contains("以下") && !name.contains("不再") && !name.contains("各县"),
                    "{name} in {content}"
                );
            }
            assert_eq!(parts.standing.len(), 1, "{content}");
            assert!(parts.standing[0].starts_with("以下"), "{content}");
            assert!(parts.standing[0].ends_with("不再列出"), "{content}");
        }
    }

    #[test]
    fn a_stray_closing_bracket_inside_a_note_does_not_cut_it() {
        let notes = find_notes("加强监管。（县林业局牵头]，县水利局、县农业农村局参与）");
        assert_eq!(notes.len(), 1);
        let parts = parse_note(&notes[0].content, false);
        assert_eq!(leads(&parts), [("县林业局", "")]);
        assert_eq!(participants(&parts), ["县水利局", "县农业农村局"]);
    }

    #[test]
    fn brackets_of_any_kind_and_a_mismatched_closing_one() {
        for text in [
            "任务。(县林业局牵头,县水利局参与)",
            "任务。〔县林业局牵头，县水利局参与〕",
            "任务。[县林业局牵头，县水利局参与]",
            "任务。（县林业局牵头，县水利局参与〉",
        ] {
            let notes = find_notes(text);
            assert_eq!(notes.len(), 1, "{text}");
            let parts = parse_note(&notes[0].content, false);
            assert_eq!(leads(&parts), [("县林业局", "")], "{text}");
        }
        // Brackets that are not notes are left alone.
        assert!(find_notes("开展调查评估情况（2019年度内）").is_empty());
        assert!(find_notes("《广西土壤污染防治攻坚三年作战方案（2018-2020年）的通知》").is_empty());
    }

    #[test]
    fn two_notes_in_one_text_and_a_cut_off_note() {
        let notes = find_notes("甲事项。（县林业局牵头）乙事项。（县水利局牵头，县林业局参与）");
        assert_eq!(notes.len(), 2);
        let cut = find_notes("丙事项。（县水利局牵头，县林");
        assert_eq!(cut.len(), 1);
        assert!(!cut[0].closed);
    }

    #[test]
    fn the_first_listed_rule_is_found_in_the_document() {
        assert!(first_listed_leads(
            "注：各项任务排在首位的为牵头单位，其他为配合单位。"
        ));
        assert!(first_listed_leads("排在前位的为牵头单位"));
        assert!(!first_listed_leads("各单位按职责分工负责"));
    }
}
