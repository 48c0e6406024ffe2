//! The JSON of the month's ends: `templates --send`, `report`, `indicators`, `set-indicator`.

use serde::Serialize;

/// `templates --json`: each department's template, and with `--send` what became of its
/// e-mail.
#[derive(Debug, Serialize)]
pub struct TemplatesJson {
    pub period: String,
    /// Departments whose template went out now (the server confirmed it).
    pub sent: Vec<TemplateSendJson>,
    /// Departments whose template was handed over without a complete reply: they may have it.
    pub uncertain: Vec<TemplateSendJson>,
    /// Departments not sent to: no address, or (with `--unsent`) received it before.
    pub skipped: Vec<TemplateSendJson>,
    /// Departments whose e-mail failed, with the reason.
    pub failed: Vec<TemplateSendJson>,
    /// Every template written, whether sent or not.
    pub files: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct TemplateSendJson {
    pub department: String,
    pub to: Option<String>,
    pub file: String,
    /// `sent`, `uncertain`, `failed`, `no_address` or `skipped`.
    pub outcome: &'static str,
    /// Why it was skipped, failed or is uncertain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Why its outcome could not be recorded in the ledger.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unrecorded: Option<String>,
}

/// `report --json`.
#[derive(Debug, Serialize)]
pub struct ReportJson {
    pub period: String,
    pub title: String,
    pub docx: String,
    pub due: String,
    pub on_time: Vec<String>,
    pub late: Vec<LateJson>,
    pub partial: Vec<PartialJson>,
    pub missing: Vec<String>,
    /// Sent back for correction and not corrected yet.
    pub returned: Vec<String>,
    pub not_due: Vec<String>,
    /// On time and complete over the returns due, 0–1; null when nothing was due.
    pub month_on_time_rate: Option<f32>,
    pub year_on_time_rate: Option<f32>,
    pub moved: Vec<MovedJson>,
    pub overdue_milestones: Vec<OverdueJson>,
    pub indicators: Vec<ReportIndicatorJson>,
    /// The document's paragraphs, in order.
    pub paragraphs: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct LateJson {
    pub name: String,
    pub received: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PartialJson {
    pub name: String,
    pub rows_filled: usize,
    pub rows_expected: usize,
}

#[derive(Debug, Serialize)]
pub struct MovedJson {
    pub department: String,
    pub item: String,
    pub sentence: String,
}

#[derive(Debug, Serialize)]
pub struct OverdueJson {
    pub date: String,
    pub task: String,
    pub what: String,
    pub departments: Vec<String>,
    pub carried: bool,
}

#[derive(Debug, Serialize)]
pub struct ReportIndicatorJson {
    pub name: String,
    pub target: String,
    pub value: Option<f64>,
    pub value_period: Option<String>,
    pub source: Option<String>,
    pub met: Option<bool>,
}

/// `indicators --json`.
#[derive(Debug, Serialize)]
pub struct IndicatorsJson {
    pub plan: i64,
    pub indicators: Vec<IndicatorJson>,
}

#[derive(Debug, Serialize)]
pub struct IndicatorJson {
    pub name: String,
    pub target: f64,
    pub unit: String,
    /// `at_least` (≥), `reach` (达到), `at_most` (≤), `down_by` / `up_by` (on `base_year`).
    pub comparison: &'static str,
    pub base_year: Option<i32>,
    pub text: String,
    pub values: Vec<IndicatorValueJson>,
    /// Values the coordinator recorded that a later one replaced.
    pub history: Vec<IndicatorValueJson>,
    /// Whether the latest value meets the target; null without a value.
    pub met: Option<bool>,
    /// Months without a value whose returns name the indicator with a figure that could not
    /// be read with certainty: `{"period", "source", "sentence"}`.
    pub unsure: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct IndicatorValueJson {
    pub period: String,
    pub value: f64,
    pub source: String,
    pub recorded_at: String,
    /// `manual` (set-indicator or 总览) or `return` (read from a department's return).
    pub origin: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_at: Option<String>,
}
