//! Public holidays and adjusted working days (调休), from `data/holidays.toml`. Pure.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike as _, NaiveDate};
use serde::Deserialize;

use crate::model::parse_date;

const HOLIDAYS_TOML: &str = include_str!("../data/holidays.toml");

#[derive(Deserialize)]
struct HolidayFile {
    holidays: Vec<HolidayEntry>,
}

#[derive(Deserialize)]
struct HolidayEntry {
    name: String,
    #[allow(dead_code)]
    source: String,
    off: Vec<[String; 2]>,
    #[serde(default)]
    work: Vec<String>,
}

/// Which days are holidays and which weekend days are working days.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HolidayCalendar {
    /// Day off → holiday name.
    off: BTreeMap<NaiveDate, String>,
    /// Weekend days that are working days.
    work: BTreeSet<NaiveDate>,
}

/// Why the bundled holiday data cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("节假日数据有误：{0}")]
pub struct HolidayError(String);

impl HolidayCalendar {
    /// The bundled calendar (2019–2026).
    pub fn bundled() -> Result<Self, HolidayError> {
        Self::from_toml(HOLIDAYS_TOML)
    }

    /// Reads a holiday file.
    pub fn from_toml(text: &str) -> Result<Self, HolidayError> {
        let file: HolidayFile = toml::from_str(text).map_err(|e| HolidayError(e.to_string()))?;
        let mut calendar = Self::default();
        let date =
            |text: &str| parse_date(text).ok_or_else(|| HolidayError(format!("日期“{text}”无效")));
        for entry in file.holidays {
            for [from, to] in &entry.off {
                let (from, to) = (date(from)?, date(to)?);
                if to < from {
                    return Err(HolidayError(format!("{} 的日期范围颠倒", entry.name)));
                }
                let mut day = from;
                while day <= to {
                    calendar.off.insert(day, entry.name.clone());
                    day = day
                        .succ_opt()
                        .ok_or_else(|| HolidayError("日期越界".to_owned()))?;
                }
            }
            for day in &entry.work {
                calendar.work.insert(date(day)?);
            }
        }
        Ok(calendar)
    }

    /// The holiday a day belongs to, if it is a day off for one.
    pub fn holiday(&self, date: NaiveDate) -> Option<&str> {
        self.off.get(&date).map(String::as_str)
    }

    /// Whether a weekend day is a working day by 调休.
    pub fn is_makeup_workday(&self, date: NaiveDate) -> bool {
        self.work.contains(&date)
    }

    /// Whether offices work that day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if self.work.contains(&date) {
            return true;
        }
        if self.off.contains_key(&date) {
            return false;
        }
        date.weekday().number_from_monday() <= 5
    }

    /// The day itself when it is a working day, else the next working day.
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        let mut day = date;
        // Holidays are at most a fortnight long; a bound keeps bad data from looping forever.
        for _ in 0..60 {
            if self.is_working_day(day) {
                return day;
            }
            match day.succ_opt() {
                Some(next) => day = next,
                None => return date,
            }
        }
        date
    }

    /// The last working day before `date` (bounded, like [`Self::next_working_day`]).
    pub fn previous_working_day(&self, date: NaiveDate) -> NaiveDate {
        let mut day = date;
        for _ in 0..60 {
            match day.pred_opt() {
                Some(before) => day = before,
                None => return date,
            }
            if self.is_working_day(day) {
                return day;
            }
        }
        date.pred_opt().unwrap_or(date)
    }

    /// The first and last year the data covers.
    pub fn years(&self) -> Option<(i32, i32)> {
        Some((
            self.off.keys().next()?.year(),
            self.off.keys().next_back()?.year(),
        ))
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_bundled_data_covers_2019_to_2026() {
        let calendar = HolidayCalendar::bundled().unwrap();
        assert_eq!(calendar.years(), Some((2018, 2026)));
        assert_eq!(calendar.holiday(date(2019, 10, 3)), Some("国庆节"));
        assert_eq!(calendar.holiday(date(2026, 2, 15)), Some("春节"));
        assert!(calendar.is_makeup_workday(date(2019, 9, 29)));
        assert!(
            calendar.is_working_day(date(2019, 9, 29)),
            "a Sunday worked by 调休"
        );
        assert!(
            !calendar.is_working_day(date(2019, 10, 4)),
            "a Friday off for 国庆"
        );
        assert!(
            !calendar.is_working_day(date(2019, 8, 3)),
            "a plain Saturday"
        );
        assert!(calendar.is_working_day(date(2019, 8, 5)));
        assert!(
            !calendar.is_working_day(date(2020, 2, 1)),
            "the extended 2020 Spring Festival"
        );
    }

    #[test]
    fn a_due_day_on_a_holiday_or_weekend_moves_to_the_next_working_day() {
        let calendar = HolidayCalendar::bundled().unwrap();
        // 2019-08-03 is a Saturday.
        assert_eq!(
            calendar.next_working_day(date(2019, 8, 3)),
            date(2019, 8, 5)
        );
        // 2019-10-03 falls in the National Day break: the 8th is the next working day.
        assert_eq!(
            calendar.next_working_day(date(2019, 10, 3)),
            date(2019, 10, 8)
        );
        // 2019-02-03 is a Sunday worked by 调休: it stays.
        assert_eq!(
            calendar.next_working_day(date(2019, 2, 3)),
            date(2019, 2, 3)
        );
        // 2020-02-03 after the extended Spring Festival.
        assert_eq!(
            calendar.next_working_day(date(2020, 1, 24)),
            date(2020, 2, 3)
        );
        assert_eq!(
            calendar.next_working_day(date(2019, 7, 3)),
            date(2019, 7, 3)
        );
    }
}
