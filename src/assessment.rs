//! The departments' 考核 over a plan's year: how each department's monthly returns came in
//! and how the milestones it leads stand. Counted from the very facts `status` and
//! `deadlines` show (each month's [`PeriodStatus`], each milestone's [`Light`]), so it agrees
//! with them by construction. Plain logic on plain data, and the table as an XLSX.

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use crate::deadlines::{Deadline, DeadlineKind, Light};
use crate::model::Department;
use crate::returns::PeriodStatus;
use crate::schedule::ReturnState;

/// One department's record over the year.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DepartmentAssessment {
    pub department_id: i64,
    pub name: String,
    /// Months whose return was due by the day (on time, late or missing).
    pub months_due: usize,
    /// Received by the due day (complete or not).
    pub on_time: usize,
    /// Received after the due day.
    pub late: usize,
    /// Received, with rows still unanswered (内容不全).
    pub partial: usize,
    /// Due and not received.
    pub missing: usize,
    /// Months whose return was sent back for correction (退回) at least once. A month still
    /// waiting for its correction counts here only (its state is `returned`); a corrected one
    /// also under when its return first arrived.
    pub returned: usize,
    /// On time and complete, over the months due (as 总览's rate); `None` when nothing was due.
    pub on_time_rate: Option<f64>,
    /// Received complete (on time or late), over the months due.
    pub complete_rate: Option<f64>,
    /// Milestones of the tasks it leads: done, overdue, carried into a later plan, and still
    /// ahead.
    pub milestones_done: usize,
    pub milestones_overdue: usize,
    pub milestones_carried: usize,
    pub milestones_open: usize,
}

/// The 考核 of one plan's year.
#[derive(Clone, Debug, PartialEq)]
pub struct Assessment {
    pub year: i32,
    pub plan_id: i64,
    pub plan_label: String,
    /// The day the counts were taken.
    pub as_of: NaiveDate,
    /// Every department that owed a return or led a milestone in the year, in the ledger's
    /// order.
    pub departments: Vec<DepartmentAssessment>,
}

/// Counts each department's months and milestones. `statuses` are the plan year's months
/// (as [`crate::returns::year_statuses`] gives them); `deadlines` the plan's dated items with
/// their lights; `send_backs` every sending back of the plan's returns.
pub fn assess(
    departments: &[Department],
    statuses: &[PeriodStatus],
    deadlines: &[Deadline],
    send_backs: &[crate::store::SendBack],
    plan_id: i64,
) -> Vec<DepartmentAssessment> {
    let mut found = Vec::new();
    for department in departments {
        let mut row = DepartmentAssessment {
            department_id: department.id,
            name: department.name.clone(),
            ..DepartmentAssessment::default()
        };
        let mut owes = false;
        let mut on_time_complete = 0;
        let mut complete = 0;
        for month in statuses {
            let Some(status) = month
                .departments
                .iter()
                .find(|d| d.department_id == department.id)
            else {
                continue;
            };
            owes |= status.state != ReturnState::NotRequired;
            let sent_back = send_backs.iter().any(|s| {
                s.department_id == department.id && s.period == month.period && s.outcome.stands()
            });
            if sent_back && status.state != ReturnState::NotRequired {
                row.returned += 1;
            }
            match status.state {
                ReturnState::OnTime => row.on_time += 1,
                ReturnState::Late => row.late += 1,
                ReturnState::Missing => row.missing += 1,
                ReturnState::Returned => {}
                ReturnState::NotDue | ReturnState::NotRequired => continue,
            }
            row.months_due += 1;
            if status.is_incomplete() {
                row.partial += 1;
            }
            if status.is_on_time_and_complete() {
                on_time_complete += 1;
            }
            if status.state.is_received() && status.complete {
                complete += 1;
            }
        }
        let rate =
            |count: usize| (row.months_due > 0).then(|| count as f64 / row.months_due as f64);
        row.on_time_rate = rate(on_time_complete);
        row.complete_rate = rate(complete);
        for deadline in deadlines.iter().filter(|d| {
            d.kind == DeadlineKind::Milestone
                && d.plan_id == Some(plan_id)
                && d.departments.contains(&department.name)
        }) {
            match deadline.light {
                Light::Green => row.milestones_done += 1,
                Light::Red => row.milestones_overdue += 1,
                Light::Carried => row.milestones_carried += 1,
                Light::Grey | Light::Yellow => row.milestones_open += 1,
            }
        }
        let leads = row.milestones_done
            + row.milestones_overdue
            + row.milestones_carried
            + row.milestones_open;
        if owes || leads > 0 {
            found.push(row);
        }
    }
    found
}

/// A rate as the table shows it: `87.5%`, or `—` when nothing was due.
pub fn rate_text(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |r| format!("{:.1}%", r * 100.0))
}

/// The table's columns, as the window, the text output and the XLSX show them.
pub const COLUMNS: [&str; 13] = [
    "部门",
    "应报月数",
    "按时报送",
    "逾期补报",
    "内容不全",
    "未报",
    "退回",
    "按时率",
    "齐全率",
    "节点完成",
    "节点逾期",
    "节点已沿用",
    "节点未到期",
];

/// One department's cells in [`COLUMNS`] order.
pub fn cells(row: &DepartmentAssessment) -> [String; 13] {
    [
        row.name.clone(),
        row.months_due.to_string(),
        row.on_time.to_string(),
        row.late.to_string(),
        row.partial.to_string(),
        row.missing.to_string(),
        row.returned.to_string(),
        rate_text(row.on_time_rate),
        rate_text(row.complete_rate),
        row.milestones_done.to_string(),
        row.milestones_overdue.to_string(),
        row.milestones_carried.to_string(),
        row.milestones_open.to_string(),
    ]
}

/// The 考核 table as an XLSX: a title, the day the counts were taken, one row a department;
/// counts as numbers and rates as percentages, so that she can sort and sum them.
pub fn write_xlsx(assessment: &Assessment) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("部门考核")?;
    let title = Format::new()
        .set_font_name("方正小标宋简体")
        .set_font_size(18)
        .set_align(FormatAlign::Center);
    let note = Format::new().set_font_name("仿宋_GB2312").set_font_size(11);
    let header = Format::new()
        .set_font_name("黑体")
        .set_font_size(11)
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin)
        .set_text_wrap();
    let text = Format::new()
        .set_font_name("仿宋_GB2312")
        .set_font_size(11)
        .set_border(FormatBorder::Thin);
    let number = text.clone().set_align(FormatAlign::Center);
    let percent = number.clone().set_num_format("0.0%");
    let last = (COLUMNS.len() - 1) as u16;
    sheet.merge_range(
        0,
        0,
        0,
        last,
        &format!("{}年度各部门报送情况考核表", assessment.year),
        &title,
    )?;
    sheet.merge_range(
        1,
        0,
        1,
        last,
        &format!(
            "{}　统计至{}",
            assessment.plan_label,
            crate::model::format_date_cn(assessment.as_of)
        ),
        &note,
    )?;
    for (column, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(2, column as u16, *name, &header)?;
        sheet.set_column_width(column as u16, if column == 0 { 24 } else { 10 })?;
    }
    for (index, row) in assessment.departments.iter().enumerate() {
        let at = 3 + index as u32;
        sheet.write_string_with_format(at, 0, &row.name, &text)?;
        let counts = [
            row.months_due,
            row.on_time,
            row.late,
            row.partial,
            row.missing,
            row.returned,
        ];
        for (offset, count) in counts.iter().enumerate() {
            sheet.write_number_with_format(at, 1 + offset as u16, *count as f64, &number)?;
        }
        for (offset, rate) in [row.on_time_rate, row.complete_rate].iter().enumerate() {
            let column = 7 + offset as u16;
            match rate {
                Some(rate) => sheet.write_number_with_format(at, column, *rate, &percent)?,
                None => sheet.write_string_with_format(at, column, "—", &number)?,
            };
        }
        let milestones = [
            row.milestones_done,
            row.milestones_overdue,
            row.milestones_carried,
            row.milestones_open,
        ];
        for (offset, count) in milestones.iter().enumerate() {
            sheet.write_number_with_format(at, 9 + offset as u16, *count as f64, &number)?;
        }
    }
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_repeat_rows(2, 2)?;
    workbook.save_to_buffer()
}
