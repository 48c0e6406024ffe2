//! The values of a plan's 目标指标 month by month, with their history.

use rusqlite::Connection;

use super::{Ledger, StoreError, now_stamp};

/// A value as stored: the current one for its month, or an earlier one it replaced.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredIndicatorValue {
    pub name: String,
    /// `YYYY-MM`.
    pub period: String,
    pub value: f64,
    pub source: String,
    pub recorded_at: String,
    /// Set on an earlier value when a later one replaced it.
    pub replaced_at: Option<String>,
}

fn values(conn: &Connection, plan_id: i64) -> Result<Vec<StoredIndicatorValue>, StoreError> {
    let mut statement = conn.prepare(
        "SELECT name, period, value, source, recorded_at, replaced_at FROM indicator_values
         WHERE plan_id = ?1 ORDER BY name, period, id",
    )?;
    let rows = statement
        .query_map([plan_id], |row| {
            Ok(StoredIndicatorValue {
                name: row.get(0)?,
                period: row.get(1)?,
                value: row.get(2)?,
                source: row.get(3)?,
                recorded_at: row.get(4)?,
                replaced_at: row.get(5)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

impl Ledger {
    /// Every value recorded for a plan's indicators, earlier ones included, by name and month.
    pub fn indicator_values(&self, plan_id: i64) -> Result<Vec<StoredIndicatorValue>, StoreError> {
        values(&self.conn, plan_id)
    }

    /// Records an indicator's value for a month under a plan; the value it replaces is kept
    /// as history.
    pub fn set_indicator_value(
        &mut self,
        plan_id: i64,
        name: &str,
        period: &str,
        value: f64,
        source: &str,
    ) -> Result<(), StoreError> {
        if !value.is_finite() {
            return Err(StoreError::Invalid("指标值不是有限的数".to_owned()));
        }
        let now = now_stamp();
        self.write(|tx| {
            let exists: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM plans WHERE id = ?1)",
                [plan_id],
                |row| row.get(0),
            )?;
            if !exists {
                return Err(StoreError::Invalid("该计划已不存在".to_owned()));
            }
            tx.execute(
                "UPDATE indicator_values SET replaced_at = ?4
                 WHERE plan_id = ?1 AND name = ?2 AND period = ?3 AND replaced_at IS NULL",
                (plan_id, name, period, &now),
            )?;
            tx.execute(
                "INSERT INTO indicator_values (plan_id, name, period, value, source, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                (plan_id, name, period, value, source, &now),
            )?;
            Ok(())
        })
    }
}
