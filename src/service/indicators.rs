//! The plan's 目标指标 with their values: what the coordinator recorded (history kept) and what
//! the departments' returns say, month by month. One reading for 总览, the 通报 and
//! `indicators --json`; one write for `set-indicator` and the window.

use crate::indicators::{Indicator, IndicatorValue};
use crate::schedule::Period;
use crate::store::{Ledger, StoredIndicatorValue};

use super::ActionError;

/// One indicator with its values.
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorState {
    pub indicator: Indicator,
    /// The value of each month that has one, January first: the coordinator's where she
    /// recorded one, else the figure the month's returns give (the latest return's).
    pub values: Vec<IndicatorValue>,
    /// Values she recorded that a later one replaced, oldest first.
    pub replaced: Vec<StoredIndicatorValue>,
    /// Months without a value whose returns name the indicator with a figure that could not
    /// be read with certainty (a target mentioned, several figures): the sentence and who
    /// wrote it, for her to read and enter the value. Oldest first.
    pub unsure: Vec<UnsureReading>,
}

/// A department's sentence about an indicator that gave no certain value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsureReading {
    pub period: Period,
    /// `县农业农村局 7月报送`.
    pub source: String,
    pub sentence: String,
}

impl IndicatorState {
    /// The newest month's value.
    pub fn latest(&self) -> Option<&IndicatorValue> {
        self.values.last()
    }

    /// The value of a month or the latest before it.
    pub fn as_of(&self, period: Period) -> Option<&IndicatorValue> {
        self.values.iter().rev().find(|v| v.period <= period)
    }
}

/// The indicators of a plan with their values.
pub fn plan_indicators(ledger: &Ledger, plan_id: i64) -> Result<Vec<IndicatorState>, ActionError> {
    let plan = ledger.plan(plan_id)?;
    let stored = ledger.indicator_values(plan_id)?;
    let returns = ledger.plan_returns(plan_id, None)?;
    let departments = ledger.departments()?;
    Ok(indicators_with(&plan, &stored, &returns, &departments))
}

/// The same from what the caller has read already (the window's data).
pub fn indicators_with(
    plan: &crate::model::Plan,
    stored: &[StoredIndicatorValue],
    returns: &[crate::returns::ReturnRecord],
    departments: &[crate::model::Department],
) -> Vec<IndicatorState> {
    let indicators = crate::indicators::indicators_of(&plan.targets);
    let name_of = |id: i64| {
        departments
            .iter()
            .find(|d| d.id == id)
            .map_or_else(String::new, |d| d.name.clone())
    };
    indicators
        .into_iter()
        .map(|indicator| {
            let mut values: Vec<IndicatorValue> = Vec::new();
            let mut unsure: Vec<UnsureReading> = Vec::new();
            // From the returns: the latest received return of each month that names a figure.
            let mut from_returns: Vec<(Period, String, IndicatorValue)> = Vec::new();
            for record in returns {
                let Some(received) = record.received_on else {
                    continue;
                };
                let source = format!(
                    "{} {}月报送",
                    name_of(record.department_id),
                    record.period.month
                );
                let mut found = None;
                for row in &record.rows {
                    for words in [&row.progress, &row.remark] {
                        match crate::indicators::read_value(&indicator, words) {
                            crate::indicators::Reading::Value(value) if found.is_none() => {
                                found = Some(value);
                            }
                            crate::indicators::Reading::Unsure(sentence) => {
                                unsure.push(UnsureReading {
                                    period: record.period,
                                    source: source.clone(),
                                    sentence,
                                });
                            }
                            _ => {}
                        }
                    }
                }
                if let Some(value) = found {
                    from_returns.push((
                        record.period,
                        received.format("%Y-%m-%d").to_string(),
                        IndicatorValue {
                            period: record.period,
                            value,
                            source: source.clone(),
                            recorded_at: received.format("%Y-%m-%d").to_string(),
                            by_hand: false,
                        },
                    ));
                }
            }
            from_returns.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            for (period, _, value) in from_returns {
                values.retain(|v| v.period != period);
                values.push(value);
            }
            let mut replaced = Vec::new();
            for value in stored.iter().filter(|v| v.name == indicator.name) {
                if value.replaced_at.is_some() {
                    replaced.push(value.clone());
                    continue;
                }
                let Some(period) = Period::parse(&value.period) else {
                    continue;
                };
                values.retain(|v| v.period != period);
                values.push(IndicatorValue {
                    period,
                    value: value.value,
                    source: value.source.clone(),
                    recorded_at: value.recorded_at.clone(),
                    by_hand: true,
                });
            }
            values.sort_by_key(|v| v.period);
            // A month that has a value (read or typed) needs no second look.
            unsure.retain(|u| !values.iter().any(|v| v.period == u.period));
            unsure.sort_by_key(|u| u.period);
            unsure.dedup();
            IndicatorState {
                indicator,
                values,
                replaced,
                unsure,
            }
        })
        .collect()
}

/// Records an indicator's value for a month of the plan: the name must be one of the plan's
/// indicators, the month one of its months, the value a number (a percentage at most 100).
/// Refused with nothing written otherwise. The indicator and the value as recorded.
pub fn set_indicator(
    ledger: &mut Ledger,
    plan_id: i64,
    name: &str,
    period: Period,
    value: &str,
    source: &str,
) -> Result<(Indicator, f64), ActionError> {
    let plan = ledger.plan(plan_id)?;
    let indicators = crate::indicators::indicators_of(&plan.targets);
    let indicator = crate::indicators::find(&indicators, name)?.clone();
    let value = crate::indicators::parse_value(&indicator, value)?;
    super::check_period(&plan, period)?;
    let source: String = source.trim().chars().filter(|c| !c.is_control()).collect();
    let length = source.chars().count();
    if length > 200 {
        return Err(crate::indicators::ValueError::SourceTooLong(length).into());
    }
    let source = if source.is_empty() {
        "台账录入".to_owned()
    } else {
        source
    };
    ledger.set_indicator_value(
        plan_id,
        &indicator.name,
        &period.to_string(),
        value,
        &source,
    )?;
    Ok((indicator, value))
}
