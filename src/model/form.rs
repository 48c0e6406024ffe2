//! The city's progress form: its groups and rows, and who answers each row.

/// The city's progress form (the plan's attachment) that every monthly return fills.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Form {
    /// The label above the title, `附件`.
    pub label: String,
    pub title: String,
    /// `填报单位`, `填报人`, `联系电话`.
    pub header_fields: Vec<String>,
    /// `重点内容`, `重点工作事项`, `责任单位`, `进展情况（重点）`, `备注`.
    pub columns: Vec<String>,
    /// The notes under the table, each with its own printed number.
    pub notes: Vec<String>,
    pub groups: Vec<FormGroup>,
    /// The title and notes as they were before each change, newest first.
    pub history: Vec<FormTextEntry>,
}

/// The form's title and notes before a change, and when it was replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormTextEntry {
    pub title: String,
    pub notes: Vec<String>,
    pub replaced_at: String,
}

/// The years of a form's text moved on by `to - from`: `2019年…进展` → `2020年…进展`, and a
/// two-digit `19年` → `20年`. Only the years next to the plan's own (`from - 1` to `from + 1`)
/// move, in one pass: a base year (`比2013年下降9%`) stays as written.
pub fn shift_years(text: &str, from: i32, to: i32) -> String {
    let delta = to - from;
    if delta == 0 {
        return text.to_owned();
    }
    let near = |year: i32| (from - 1..=from + 1).contains(&year);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() || (i > 0 && chars[i - 1].is_ascii_digit()) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let end = (i..chars.len())
            .find(|&j| !chars[j].is_ascii_digit())
            .unwrap_or(chars.len());
        let digits: String = chars[i..end].iter().collect();
        let followed_by_year = chars.get(end) == Some(&'年');
        let shifted = match (digits.len(), digits.parse::<i32>()) {
            (4, Ok(year)) if followed_by_year && near(year) => Some((year + delta).to_string()),
            (2, Ok(short)) if followed_by_year => {
                let century = from - from.rem_euclid(100);
                let year = century + short;
                near(year).then(|| format!("{:02}", (year + delta).rem_euclid(100)))
            }
            _ => None,
        };
        out.push_str(shifted.as_deref().unwrap_or(&digits));
        i = end;
    }
    out
}

/// A group of rows sharing one `重点内容` cell, e.g. `源头预防`.
#[derive(Clone, Debug, PartialEq)]
pub struct FormGroup {
    pub name: String,
    pub rows: Vec<FormRow>,
}

/// One row of the form.
#[derive(Clone, Debug, PartialEq)]
pub struct FormRow {
    pub id: i64,
    /// `group.row` in the form's order, e.g. `1.12`.
    pub code: String,
    pub text: String,
    /// The responsible units as the form prints them (city-level names).
    pub units: Vec<String>,
    /// The county departments that answer for the row, as (id, canonical name).
    pub departments: Vec<(i64, String)>,
    /// Reported in detail each quarter (April, July, October, January), briefly otherwise.
    pub quarterly: bool,
}

impl Form {
    /// All rows in the form's order.
    pub fn rows(&self) -> impl Iterator<Item = &FormRow> {
        self.groups.iter().flat_map(|group| group.rows.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::shift_years;

    #[test]
    fn the_plan_years_move_and_a_base_year_stays() {
        assert_eq!(
            shift_years(
                "2019年柳州市落实《土壤污染防治行动计划》重点工作进展",
                2019,
                2020
            ),
            "2020年柳州市落实《土壤污染防治行动计划》重点工作进展"
        );
        assert_eq!(
            shift_years("19年12月至20年1月的进展，比2013年下降9%", 2019, 2020),
            "20年12月至21年1月的进展，比2013年下降9%"
        );
        assert_eq!(
            shift_years("2019-2020年，编号120年", 2019, 2020),
            "2019-2021年，编号120年"
        );
        assert_eq!(shift_years("每月1日前报送", 2019, 2020), "每月1日前报送");
        assert_eq!(shift_years("2019年", 2019, 2019), "2019年");
    }
}
