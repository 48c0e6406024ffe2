//! Dated phrases: milestones inside tasks and the targets' date.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::blocks::Block;
use crate::model::{Milestone, Target};

/// Date phrases, most specific first. Each yields (year, month, day) where `None` means the
/// plan's year, or the month's last day, or December.
static DATED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"(?:(?:在|到|于|至)?(?P<y1>\d{4})年(?P<m1>\d{1,2})月(?P<d1>\d{1,2})日(?:前|之前)?)",
        r"|(?:(?:在|到|于|至)?(?P<y2>\d{4})年(?P<m2>\d{1,2})月(?:底|末)(?:前|之前)?)",
        r"|(?:(?:在|到|于|至)?(?P<y3>\d{4})年(?:年底|底|年末)(?:前|之前)?)",
        r"|(?:(?P<m4>\d{1,2})月(?P<d4>\d{1,2})日(?:前|之前))",
        r"|(?:(?P<m5>\d{1,2})月(?:底|末)(?:前|之前)?)",
        r"|(?:(?:在|到|于)?(?:年底|年末)(?:前|之前))",
    ))
    .expect("a constant pattern compiles")
});

/// Phrases that name a time but not a day: reported, never guessed.
static VAGUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:\d{4}年)?\d{1,2}月(?:上旬|中旬|下旬|初|中)(?:前)?|(?:\d{4}年)?(?:上半年|下半年|第[一二三四1-4]季度)(?:前|内|末)?")
        .expect("a constant pattern compiles")
});

pub(super) fn last_day(year: i32, month: u32) -> Option<NaiveDate> {
    let (next_year, next_month) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    NaiveDate::from_ymd_opt(next_year, next_month, 1)?.pred_opt()
}

fn date_of(captures: &regex::Captures<'_>, plan_year: i32) -> Option<NaiveDate> {
    let number = |name: &str| {
        captures
            .name(name)
            .and_then(|m| m.as_str().parse::<u32>().ok())
    };
    let year = |name: &str| {
        captures
            .name(name)
            .and_then(|m| m.as_str().parse::<i32>().ok())
    };
    if let (Some(y), Some(m), Some(d)) = (year("y1"), number("m1"), number("d1")) {
        return NaiveDate::from_ymd_opt(y, m, d);
    }
    if let (Some(y), Some(m)) = (year("y2"), number("m2")) {
        return last_day(y, m);
    }
    if let Some(y) = year("y3") {
        return NaiveDate::from_ymd_opt(y, 12, 31);
    }
    if let (Some(m), Some(d)) = (number("m4"), number("d4")) {
        return NaiveDate::from_ymd_opt(plan_year, m, d);
    }
    if let Some(m) = number("m5") {
        return last_day(plan_year, m);
    }
    NaiveDate::from_ymd_opt(plan_year, 12, 31)
}

/// What ends the clause a date governs.
const CLAUSE_ENDS: [char; 5] = ['，', ',', '；', ';', '。'];

/// The clause a date governs: what follows it (from byte `from` of `text`) up to the next
/// `，；。`. `next_end` remembers where the last search stopped, so that the clauses of many
/// dates in one text are found in one pass over it rather than one pass per date.
fn clause_after(text: &str, from: usize, next_end: &mut Option<usize>) -> String {
    let rest = text[from..].trim_start_matches(['，', ',', '：', ':', ' ']);
    let start = text.len() - rest.len();
    // A remembered end at or after `start` is the first one there: no end lies between the
    // (earlier) place it was searched from and it.
    let end = match *next_end {
        Some(end) if end >= start => end,
        _ => {
            let end = rest.find(CLAUSE_ENDS).map_or(text.len(), |at| start + at);
            *next_end = Some(end);
            end
        }
    };
    let clause = &text[start..end];
    // A real clause is a sentence; a text with dates and no punctuation for pages would make
    // every date's clause run to its end, and the output grow with the square of the input.
    let clause = match clause.char_indices().nth(MAX_CLAUSE_CHARS) {
        Some((cut, _)) => &clause[..cut],
        None => clause,
    };
    clause.trim().to_owned()
}

/// The longest clause kept after a date, in characters.
const MAX_CLAUSE_CHARS: usize = 300;

/// The milestones of a task's text, and the time phrases it could not date.
pub(super) fn milestones(text: &str, plan_year: i32) -> (Vec<Milestone>, Vec<String>) {
    let mut found = Vec::new();
    // Title marks counted so far, up to `counted_to`: matches come in order, so each part of
    // the text is counted once.
    let (mut opened, mut closed, mut counted_to) = (0usize, 0usize, 0usize);
    let mut next_end = None;
    for captures in DATED.captures_iter(text) {
        let Some(whole) = captures.get(0) else {
            continue;
        };
        let wording = whole.as_str().trim_start_matches(['在', '到', '于', '至']);
        // A bare `2019年底前` inside `2019年度` etc. cannot happen (the patterns need 底/末/日);
        // dates inside quoted titles (《…2019年…》) are not milestones.
        for c in text[counted_to..whole.start()].chars() {
            match c {
                '《' => opened += 1,
                '》' => closed += 1,
                _ => {}
            }
        }
        counted_to = whole.start();
        if opened > closed {
            continue;
        }
        let Some(due_date) = date_of(&captures, plan_year) else {
            continue;
        };
        found.push(Milestone {
            id: 0,
            due_date,
            wording: wording.to_owned(),
            clause: clause_after(text, whole.end(), &mut next_end),
            done_on: None,
            done_note: String::new(),
        });
    }
    let vague = VAGUE
        .find_iter(text)
        .map(|m| m.as_str().to_owned())
        .collect();
    (found, vague)
}

/// The targets: clauses with a percentage in the targets part, dated by its `到2019年底`.
pub(super) fn targets(blocks: &[Block], plan_year: i32) -> Vec<Target> {
    let text: String = blocks.iter().map(|b| b.text.as_str()).collect();
    let (dates, _) = milestones(&text, plan_year);
    let (due_date, wording) = dates
        .first()
        .map(|m| (Some(m.due_date), m.wording.clone()))
        .unwrap_or((None, String::new()));
    let wording = if wording.is_empty() || text.contains(&format!("到{wording}")) {
        format!("到{wording}")
    } else {
        wording
    };
    let wording = if wording == "到" {
        String::new()
    } else {
        wording
    };
    text.split(['，', '、', '；', '。', ','])
        .filter(|clause| clause.contains('%') || clause.contains('％'))
        .map(|clause| {
            let mut clause = clause.trim();
            for prefix in ["实现", "确保", "力争", "全县", "全市"] {
                clause = clause.trim_start_matches(prefix);
            }
            let end = clause.rfind(['%', '％']).map_or(clause.len(), |at| {
                at + clause[at..].chars().next().map_or(1, char::len_utf8)
            });
            let mut target = clause[..end].to_owned();
            for suffix in ["以上", "以下", "左右"] {
                if clause[end..].starts_with(suffix) {
                    target.push_str(suffix);
                }
            }
            Target {
                text: target,
                wording: wording.clone(),
                due_date,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn dated(text: &str) -> Vec<(NaiveDate, String, String)> {
        milestones(text, 2019)
            .0
            .into_iter()
            .map(|m| (m.due_date, m.wording, m.clause))
            .collect()
    }

    #[test]
    fn month_ends_in_the_plan_year_and_in_named_years() {
        assert_eq!(
            dated("6月底前，完成水稻、土壤样品的入库工作；8月底前，完成档案验收。"),
            [
                (
                    date(2019, 6, 30),
                    "6月底前".to_owned(),
                    "完成水稻、土壤样品的入库工作".to_owned()
                ),
                (
                    date(2019, 8, 31),
                    "8月底前".to_owned(),
                    "完成档案验收".to_owned()
                ),
            ]
        );
        assert_eq!(dated("2020年9月底前完成修复")[0].0, date(2020, 9, 30));
        assert_eq!(dated("2月底前完成")[0].0, date(2019, 2, 28));
        assert_eq!(
            milestones("2月底前完成", 2020).0[0].due_date,
            date(2020, 2, 29)
        );
    }

    #[test]
    fn year_ends() {
        for (text, expected) in [
            ("2020年年底前完成", date(2020, 12, 31)),
            ("年底前完成", date(2019, 12, 31)),
            ("在2020年底前完成", date(2020, 12, 31)),
            ("到2019年底，实现安全利用", date(2019, 12, 31)),
            (
                "2019年底实现污染地块安全利用率达到90%以上",
                date(2019, 12, 31),
            ),
        ] {
            assert_eq!(dated(text)[0].0, expected, "{text}");
        }
        assert_eq!(dated("在2020年底前完成")[0].1, "2020年底前");
        assert_eq!(
            dated("2019年底实现污染地块安全利用率达到90%以上")[0].2,
            "实现污染地块安全利用率达到90%以上"
        );
    }

    #[test]
    fn two_milestones_in_one_task_keep_their_clauses() {
        let found = dated("3月底前完成方案编制，2020年9月底前完成治理修复。");
        assert_eq!(found.len(), 2);
        assert_eq!(
            found[0],
            (
                date(2019, 3, 31),
                "3月底前".to_owned(),
                "完成方案编制".to_owned()
            )
        );
        assert_eq!(
            found[1],
            (
                date(2020, 9, 30),
                "2020年9月底前".to_owned(),
                "完成治理修复".to_owned()
            )
        );
    }

    #[test]
    fn exact_days_and_phrases_that_cannot_be_dated() {
        assert_eq!(dated("11月15日前报送")[0].0, date(2019, 11, 15));
        let (found, vague) = milestones("9月中旬前完成调查，上半年启动，第三季度验收", 2019);
        assert!(found.is_empty());
        assert_eq!(vague, ["9月中旬前", "上半年", "第三季度"]);
        assert!(dated("更新公布2019年度名单，《2019年度计划》").is_empty());
    }

    #[test]
    fn dates_in_titles_and_clauses_that_end_together() {
        let found = dated(
            "按《关于6月底前完成的通知》，8月底前完成；9月底前，完成验收：10月底前11月底前，，报送。",
        );
        let found: Vec<(&str, &str)> = found
            .iter()
            .map(|(_, wording, clause)| (wording.as_str(), clause.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("8月底前", "完成"),
                ("9月底前", "完成验收：10月底前11月底前"),
                ("10月底前", "11月底前"),
                ("11月底前", "报送"),
            ]
        );
        assert_eq!(dated("《方案》6月底前完成")[0].2, "完成");
        assert!(dated("《方案》《规划6月底前完成").is_empty());
    }
}
