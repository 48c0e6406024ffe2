//! Dates as Chinese documents write them, and reading `YYYY-MM-DD`.

use chrono::{Datelike as _, NaiveDate};

/// Formats a date the way Chinese government documents write it: `2019年6月30日`.
pub fn format_date_cn(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// Reads a date typed by a user or stored by us: `2019-06-30`, `2019/6/30`, `2019.6.30` or
/// `2019年6月30日`. Returns `None` for anything else, including impossible dates.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    // Full-width digits and signs, as a Chinese IME types them (２０１９年８月５日).
    let text = super::ascii_number(text);
    let text = text.trim().trim_end_matches('日');
    let normalized: String = text
        .chars()
        .map(|c| match c {
            '年' | '月' | '/' | '.' | '－' => '-',
            c => c,
        })
        .collect();
    let mut parts = normalized.split('-').map(str::trim);
    let year = parts.next()?.parse::<i32>().ok()?;
    let month = parts.next()?.parse::<u32>().ok()?;
    let day = parts.next()?.parse::<u32>().ok()?;
    if parts.next().is_some() || !(1900..=2200).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formats_and_parses_chinese_dates() {
        let date = NaiveDate::from_ymd_opt(2019, 6, 30).unwrap();
        assert_eq!(format_date_cn(date), "2019年6月30日");
        assert_eq!(parse_date("2019年6月30日"), Some(date));
        assert_eq!(parse_date("2019-06-30"), Some(date));
        assert_eq!(parse_date(" 2019/6/30 "), Some(date));
        assert_eq!(parse_date("２０１９年６月３０日"), Some(date));
        assert_eq!(parse_date("２０１９－０６－３０"), Some(date));
        assert_eq!(parse_date("2019-02-30"), None);
        assert_eq!(parse_date("6月30日"), None);
        assert_eq!(parse_date(""), None);
    }
}
