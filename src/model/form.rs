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
