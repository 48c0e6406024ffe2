//! A plan's 目标指标 as figures: each target's text read into a name, a target value, a unit
//! and a comparison (`受污染耕地安全利用率达到50%以上` is ≥ 50 %; `…排放量比2013年排放基数下降9%`
//! is down 9 % on 2013), the values a month's returns or the coordinator give, and whether a
//! value meets its target. Knows nothing of the ledger.

use std::sync::OnceLock;

use regex::Regex;

use crate::model::Target;
use crate::schedule::Period;

/// How a value is held against its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// ≥: `达到50%以上`, `不低于`, `不少于`.
    AtLeast,
    /// =: `达到90%`, `保持100%` (reached when the value is at the figure or beyond).
    Reach,
    /// ≤: `控制在35微克/立方米以下`, `不超过`, `低于`.
    AtMost,
    /// Down by the figure on a base year: `比2013年下降9%`; the value is the fall achieved.
    DownBy,
    /// Up by the figure on a base year: `比2015年提高5%`; the value is the rise achieved.
    UpBy,
}

impl Comparison {
    /// The code `indicators --json` gives.
    pub fn code(self) -> &'static str {
        match self {
            Self::AtLeast => "at_least",
            Self::Reach => "reach",
            Self::AtMost => "at_most",
            Self::DownBy => "down_by",
            Self::UpBy => "up_by",
        }
    }

    /// The sign the pages print before the target.
    pub fn sign(self) -> &'static str {
        match self {
            Self::AtLeast => "≥",
            Self::Reach => "=",
            Self::AtMost => "≤",
            Self::DownBy => "下降",
            Self::UpBy => "提高",
        }
    }
}

/// One target read as a figure.
#[derive(Clone, Debug, PartialEq)]
pub struct Indicator {
    /// What is measured: `受污染耕地安全利用率`.
    pub name: String,
    pub target: f64,
    /// `%`, `微克/立方米`, … or empty.
    pub unit: String,
    pub comparison: Comparison,
    /// The base year of a rise or fall.
    pub base_year: Option<i32>,
    /// The plan's text it was read from.
    pub text: String,
}

impl Indicator {
    /// Whether a value meets the target.
    pub fn is_met(&self, value: f64) -> bool {
        match self.comparison {
            Comparison::AtMost => value <= self.target + 1e-9,
            _ => value + 1e-9 >= self.target,
        }
    }

    /// The target as the pages print it: `≥ 50%`, `比2013年下降 9%`.
    pub fn target_label(&self) -> String {
        let figure = format!("{}{}", format_figure(self.target), self.unit);
        match (self.comparison, self.base_year) {
            (Comparison::DownBy | Comparison::UpBy, Some(year)) => {
                format!("比{year}年{} {figure}", self.comparison.sign())
            }
            (comparison, _) => format!("{} {figure}", comparison.sign()),
        }
    }

    /// Whether the unit is a percentage (a value over 100 is refused).
    pub fn is_percentage(&self) -> bool {
        self.unit == "%"
    }
}

/// A figure without a trailing `.0`.
pub fn format_figure(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn number_pattern() -> &'static Regex {
    static PATTERN: OnceLock<Regex> = OnceLock::new();
    PATTERN.get_or_init(|| {
        Regex::new(concat!(
            r"(?P<verb>比(?P<base>(?:19|20)\d{2})年[^，,；;。0-9]{0,12}?(?P<dir>下降|减少|降低|削减|提高|增加|上升|增长)",
            r"|达到|达|为|提高到|提升到|保持在|保持|稳定在|控制在|不低于|不少于|不超过|不高于|低于|高于|大于|小于|≥|≤|>=|<=)",
            r"\s*(?P<value>\d+(?:\.\d+)?)\s*",
            r"(?P<unit>%|％|个百分点|微克/立方米|毫克/升|万吨|吨|万亩|亩|公顷|平方公里|公里|千米|个|家|处|座|天|项|户|万元)?",
            r"(?P<bound>以上|以下|以内)?",
        ))
        .expect("the indicator pattern compiles")
    })
}

/// Reads a target's text into a figure; `None` when it names no figure.
pub fn parse_target(target: &Target) -> Option<Indicator> {
    let text = target.text.trim();
    let caps = number_pattern().captures(text)?;
    let verb = caps.name("verb")?;
    let target_value: f64 = caps.name("value")?.as_str().parse().ok()?;
    let unit = match caps.name("unit").map_or("", |m| m.as_str()) {
        "％" => "%".to_owned(),
        other => other.to_owned(),
    };
    let bound = caps.name("bound").map(|m| m.as_str());
    let (comparison, base_year) = if let Some(direction) = caps.name("dir") {
        let down = matches!(direction.as_str(), "下降" | "减少" | "降低" | "削减");
        (
            if down {
                Comparison::DownBy
            } else {
                Comparison::UpBy
            },
            caps.name("base").and_then(|b| b.as_str().parse().ok()),
        )
    } else {
        let word = verb.as_str();
        let comparison = match (word, bound) {
            (_, Some("以上")) => Comparison::AtLeast,
            (_, Some(_)) => Comparison::AtMost,
            ("不低于" | "不少于" | "高于" | "大于" | "≥" | ">=", None) => {
                Comparison::AtLeast
            }
            ("不超过" | "不高于" | "低于" | "小于" | "控制在" | "≤" | "<=", None) => {
                Comparison::AtMost
            }
            _ => Comparison::Reach,
        };
        (comparison, None)
    };
    let name = clean_name(&text[..verb.start()]);
    if name.is_empty() {
        return None;
    }
    Some(Indicator {
        name,
        target: target_value,
        unit,
        comparison,
        base_year,
        text: text.to_owned(),
    })
}

/// The measured thing's name: the words before the verb, without a leading time phrase
/// (`到2019年底`), `实现`/`确保`/`全县`, or punctuation.
fn clean_name(head: &str) -> String {
    static LEAD: OnceLock<Regex> = OnceLock::new();
    let lead = LEAD.get_or_init(|| {
        Regex::new(r"^(?:[，,；;、\s]|到(?:19|20)\d{2}年底?|(?:19|20)\d{2}年底?|年底前?|前|实现|确保|力争|全县|全市|全区|的)+")
            .expect("the lead pattern compiles")
    });
    let name = lead.replace(head.trim(), "");
    name.trim_matches(|c: char| c.is_whitespace() || "，,；;、：:".contains(c))
        .chars()
        .take(40)
        .collect()
}

/// The indicators of a plan's targets, in order (targets without a figure are left out; two
/// targets with the same name keep the first).
pub fn indicators_of(targets: &[Target]) -> Vec<Indicator> {
    let mut out: Vec<Indicator> = Vec::new();
    for indicator in targets.iter().filter_map(parse_target) {
        if !out.iter().any(|i| i.name == indicator.name) {
            out.push(indicator);
        }
    }
    out
}

/// Why a value was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ValueError {
    #[error("“{0}”不是数值：请填写数字，如 52.3 或 52.3%")]
    NotANumber(String),
    #[error("“{0}”超过了 100%：百分比不能大于 100")]
    OverHundred(String),
    #[error("“{0}”是负数：该指标的值不能小于 0")]
    Negative(String),
    #[error("计划中没有名为“{name}”的目标指标；本计划的指标有：{known}")]
    Unknown { name: String, known: String },
    #[error("“{name}”可以指几个目标指标：{candidates}。请写出完整的指标名称")]
    Ambiguous { name: String, candidates: String },
    #[error("来源说明有 {0} 个字，超过 200 个字：请写得简短些")]
    SourceTooLong(usize),
}

/// Reads a value typed for an indicator: a decimal, with `%` allowed where the unit is a
/// percentage. A percentage over 100 and a negative level are refused; a fall or rise may be
/// negative (it went the other way) but not beyond 100 %.
pub fn parse_value(indicator: &Indicator, text: &str) -> Result<f64, ValueError> {
    static NUMBER: OnceLock<Regex> = OnceLock::new();
    let number = NUMBER.get_or_init(|| {
        Regex::new(r"^([+-]?\d{1,9}(?:\.\d{1,12})?)\s*([%％])?$").expect("the value pattern")
    });
    let typed = crate::model::ascii_number(text);
    let trimmed = typed.trim();
    let caps = number
        .captures(trimmed)
        .ok_or_else(|| ValueError::NotANumber(trimmed.to_owned()))?;
    if caps.get(2).is_some() && !indicator.is_percentage() {
        return Err(ValueError::NotANumber(trimmed.to_owned()));
    }
    let value: f64 = caps[1]
        .parse()
        .map_err(|_| ValueError::NotANumber(trimmed.to_owned()))?;
    let change = matches!(indicator.comparison, Comparison::DownBy | Comparison::UpBy);
    if indicator.is_percentage() && value.abs() > 100.0 {
        return Err(ValueError::OverHundred(trimmed.to_owned()));
    }
    if value < 0.0 && !change {
        return Err(ValueError::Negative(trimmed.to_owned()));
    }
    // `-0` is 0; a figure is kept to six decimals.
    let value = (value * 1e6).round() / 1e6;
    Ok(if value == 0.0 { 0.0 } else { value })
}

/// Finds the indicator a name means: the exact name, else the one indicator whose name holds
/// it (or that it holds); refused with the known names otherwise.
pub fn find<'a>(indicators: &'a [Indicator], name: &str) -> Result<&'a Indicator, ValueError> {
    let wanted = name.trim();
    let unknown = || ValueError::Unknown {
        name: wanted.chars().take(60).collect(),
        known: if indicators.is_empty() {
            "（无）".to_owned()
        } else {
            indicators
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join("、")
        },
    };
    if wanted.chars().count() < 2 {
        return Err(unknown());
    }
    if let Some(exact) = indicators.iter().find(|i| i.name == wanted) {
        return Ok(exact);
    }
    let near: Vec<&Indicator> = indicators
        .iter()
        .filter(|i| i.name.contains(wanted) || wanted.contains(i.name.as_str()))
        .collect();
    match near.as_slice() {
        [one] => Ok(one),
        [] => Err(unknown()),
        several => Err(ValueError::Ambiguous {
            name: wanted.chars().take(60).collect(),
            candidates: several
                .iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join("、"),
        }),
    }
}

/// Words before a figure that make it the target, not what was achieved (`距目标为50%`,
/// `尚未达到50%`, `要求达到50%`, `力争达到`, `应不低于`).
const TARGET_CUES: [&str; 12] = [
    "目标",
    "距",
    "尚未",
    "未达到",
    "没有达到",
    "要求",
    "力争",
    "应达到",
    "应不低于",
    "计划",
    "任务是",
    "指标为",
];

/// What a department's words say about an indicator.
#[derive(Clone, Debug, PartialEq)]
pub enum Reading {
    /// The words do not name the indicator with a figure.
    None,
    /// The achieved value, read with certainty.
    Value(f64),
    /// The indicator is named with figures, but which one was achieved is not certain (or the
    /// only figure is a target): the sentence, for the coordinator to read.
    Unsure(String),
}

/// The sentence of `words` around byte `at` (from the previous to the next 。；!?).
fn sentence_around(words: &str, at: usize) -> &str {
    let ends = |c: char| matches!(c, '。' | '；' | ';' | '！' | '？' | '\n');
    let start = words[..at].rfind(ends).map_or(0, |i| {
        i + words[i..].chars().next().map_or(1, char::len_utf8)
    });
    let end = words[at..].find(ends).map_or(words.len(), |i| at + i);
    words[start..end].trim()
}

/// Reads an indicator's achieved value from a department's words: the indicator's name, then
/// in the same sentence a figure in the indicator's unit after a verb (`达到92.5%`,
/// `比2013年下降10.2%`). A figure the words give as the target (`距目标为50%`, `尚未达到50%`)
/// is never taken; when the sentence holds several figures that could be the value, or only a
/// target, nothing is taken and the sentence is handed back.
pub fn read_value(indicator: &Indicator, words: &str) -> Reading {
    let mut unsure = None;
    for (start, _) in words.match_indices(indicator.name.as_str()) {
        let sentence = sentence_around(words, start);
        let Some(offset) = sentence.find(indicator.name.as_str()) else {
            continue;
        };
        let rest = &sentence[offset + indicator.name.len()..];
        let mut achieved = Vec::new();
        let mut named = 0;
        for caps in number_pattern().captures_iter(rest) {
            let change = caps.name("dir").is_some();
            let wants_change =
                matches!(indicator.comparison, Comparison::DownBy | Comparison::UpBy);
            let unit = match caps.name("unit").map_or("", |m| m.as_str()) {
                "％" => "%",
                other => other,
            };
            if change != wants_change || unit != indicator.unit {
                continue;
            }
            let Some(value) = caps
                .name("value")
                .and_then(|v| v.as_str().parse::<f64>().ok())
                .filter(|v| !indicator.is_percentage() || *v <= 100.0)
            else {
                continue;
            };
            named += 1;
            // What comes before the figure in its clause says whether it is the target.
            let whole = caps.get(0).map_or(0, |m| m.start());
            let before = &rest[..whole];
            let clause = before
                .rfind(['，', ',', '、'])
                .map_or(before, |i| &before[i..]);
            let near: String = clause
                .chars()
                .rev()
                .take(12)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let verb = caps.name("verb").map_or("", |m| m.as_str());
            let context = format!("{near}{verb}");
            if TARGET_CUES.iter().any(|cue| context.contains(cue)) {
                continue;
            }
            achieved.push(value);
        }
        match (achieved.as_slice(), named) {
            // One figure that is not a target: the value achieved.
            ([one], _) => return Reading::Value(*one),
            ([], 0) => {}
            // Only targets, or several figures that could each be the value.
            _ => {
                unsure.get_or_insert_with(|| sentence.to_owned());
            }
        }
    }
    unsure.map_or(Reading::None, Reading::Unsure)
}

/// The achieved value a department's words give, when certain ([`read_value`]).
pub fn value_in_words(indicator: &Indicator, words: &str) -> Option<f64> {
    match read_value(indicator, words) {
        Reading::Value(value) => Some(value),
        Reading::None | Reading::Unsure(_) => None,
    }
}

/// One recorded value of an indicator for a month.
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorValue {
    pub period: Period,
    pub value: f64,
    /// Who gave it: `县农业农村局 7月报送`, or what the coordinator typed.
    pub source: String,
    /// When it was recorded (`YYYY-MM-DD HH:MM:SS`), or the return's date.
    pub recorded_at: String,
    /// Recorded by the coordinator (`set-indicator` or 总览), not read from a return.
    pub by_hand: bool,
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    fn target(text: &str) -> Target {
        Target {
            text: text.to_owned(),
            wording: String::new(),
            due_date: None,
        }
    }

    #[test]
    fn the_seed_plans_three_targets() {
        let a = parse_target(&target("受污染耕地安全利用率达到50%以上")).unwrap();
        assert_eq!(
            (a.name.as_str(), a.target, a.unit.as_str(), a.comparison),
            ("受污染耕地安全利用率", 50.0, "%", Comparison::AtLeast)
        );
        let b = parse_target(&target("污染地块安全利用率达到90%")).unwrap();
        assert_eq!(
            (b.name.as_str(), b.target, b.comparison),
            ("污染地块安全利用率", 90.0, Comparison::Reach)
        );
        let c = parse_target(&target(
            "重点行业重点重金属污染物排放量比2013年排放基数下降9%",
        ))
        .unwrap();
        assert_eq!(
            (c.name.as_str(), c.target, c.comparison, c.base_year),
            (
                "重点行业重点重金属污染物排放量",
                9.0,
                Comparison::DownBy,
                Some(2013)
            )
        );
        assert_eq!(c.target_label(), "比2013年下降 9%");
        assert!(a.is_met(50.0) && !a.is_met(49.9));
    }

    #[test]
    fn other_wordings() {
        let pm = parse_target(&target("到2020年底，PM2.5平均浓度控制在35微克/立方米以下")).unwrap();
        assert_eq!(pm.name, "PM2.5平均浓度");
        assert_eq!(pm.comparison, Comparison::AtMost);
        assert_eq!(pm.unit, "微克/立方米");
        assert!(pm.is_met(30.0) && !pm.is_met(36.0));
        let days = parse_target(&target("全县空气质量优良天数比例不低于93.5％")).unwrap();
        assert_eq!(
            (days.name.as_str(), days.target, days.comparison),
            ("空气质量优良天数比例", 93.5, Comparison::AtLeast)
        );
        assert!(parse_target(&target("扎实推进土壤污染防治工作")).is_none());
    }

    #[test]
    fn values_are_checked() {
        let a = parse_target(&target("受污染耕地安全利用率达到50%以上")).unwrap();
        assert_eq!(parse_value(&a, " 52.5% "), Ok(52.5));
        assert_eq!(parse_value(&a, "60"), Ok(60.0));
        assert!(matches!(
            parse_value(&a, "101"),
            Err(ValueError::OverHundred(_))
        ));
        for bad in ["五十", "abc", "1e3", "NaN", "inf", "", "50%%", "5 0"] {
            assert!(
                matches!(parse_value(&a, bad), Err(ValueError::NotANumber(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            parse_value(&a, "-1"),
            Err(ValueError::Negative(_))
        ));
        // As a Chinese IME types them.
        assert_eq!(parse_value(&a, "６０"), Ok(60.0));
        assert_eq!(parse_value(&a, "５２．５％"), Ok(52.5));
        assert_eq!(parse_value(&a, "50.1234567"), Ok(50.123457));
        assert_eq!(
            parse_value(&a, "-0").map(f64::to_bits),
            Ok(0.0_f64.to_bits())
        );
        let all = indicators_of(&[
            target("受污染耕地安全利用率达到50%以上"),
            target("污染地块安全利用率达到90%"),
        ]);
        assert_eq!(find(&all, "污染地块安全利用率").unwrap().target, 90.0);
        assert_eq!(find(&all, "受污染耕地").unwrap().target, 50.0);
        // "安全利用率" is in both: ambiguous.
        let both = find(&all, "安全利用率").unwrap_err();
        assert!(matches!(both, ValueError::Ambiguous { .. }), "{both}");
        assert!(
            both.to_string()
                .contains("受污染耕地安全利用率、污染地块安全利用率"),
            "{both}"
        );
        assert!(matches!(
            find(&all, "PM2.5"),
            Err(ValueError::Unknown { .. })
        ));
    }

    #[test]
    fn values_in_a_departments_words() {
        let a = parse_target(&target("受污染耕地安全利用率达到50%以上")).unwrap();
        assert_eq!(
            value_in_words(&a, "已完成详查，受污染耕地安全利用率达到92.5%，继续推进。"),
            Some(92.5)
        );
        assert_eq!(
            value_in_words(&a, "受污染耕地安全利用率为 61％"),
            Some(61.0)
        );
        assert_eq!(value_in_words(&a, "推进受污染耕地安全利用工作"), None);
        let c = parse_target(&target(
            "重点行业重点重金属污染物排放量比2013年排放基数下降9%",
        ))
        .unwrap();
        assert_eq!(
            value_in_words(&c, "重点行业重点重金属污染物排放量比2013年下降10.2%"),
            Some(10.2)
        );
    }

    #[test]
    fn a_target_mentioned_is_not_the_value_achieved() {
        let a = parse_target(&target("受污染耕地安全利用率达到50%以上")).unwrap();
        assert_eq!(
            value_in_words(
                &a,
                "受污染耕地安全利用率距目标为50%尚有差距，目前仅达到32%。"
            ),
            Some(32.0)
        );
        assert_eq!(
            value_in_words(&a, "受污染耕地安全利用率尚未达到50%，目前为41.2%。"),
            Some(41.2)
        );
        // Only the target: nothing taken, the sentence handed back.
        assert_eq!(
            read_value(&a, "今年受污染耕地安全利用率要求达到50%，正在推进。"),
            Reading::Unsure("今年受污染耕地安全利用率要求达到50%，正在推进".to_owned())
        );
        // Two figures that could each be the value: not certain.
        assert!(matches!(
            read_value(&a, "受污染耕地安全利用率一季度为30%，二季度为45%。"),
            Reading::Unsure(_)
        ));
        // The next sentence's figure is not this indicator's.
        assert_eq!(
            read_value(&a, "推进受污染耕地安全利用率提升。完成率为80%。"),
            Reading::None
        );
    }
}
