//! Return templates: one spreadsheet per department and month, laid out like the form, with
//! the department's own rows first and marked, and machine-readable row ids in a hidden column
//! (and the department and month in a hidden sheet) so that our own templates come back exactly.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::{Obligation, RowKey};
use crate::excel::fit_cell;
use crate::model::{Plan, format_date_cn};
use crate::schedule::Period;

/// The hidden sheet holding the template's department and month.
pub const META_SHEET: &str = "_taizhang";
/// The first cell of the hidden sheet, telling our templates apart.
pub const META_MARK: &str = "taizhang-return-template-v1";
/// Header of the hidden id column.
pub const KEY_HEADER: &str = "编号（勿改）";

/// A row key as written in the hidden column: `F:12` for a form row, `T:7` for a task.
pub fn key_text(key: RowKey) -> String {
    match key {
        RowKey::FormRow(id) => format!("F:{id}"),
        RowKey::Task(id) => format!("T:{id}"),
    }
}

/// Reads a key written by [`key_text`].
pub fn parse_key(text: &str) -> Option<RowKey> {
    let (kind, id) = text.trim().split_once(':')?;
    let id = id.parse().ok()?;
    match kind {
        "F" => Some(RowKey::FormRow(id)),
        "T" => Some(RowKey::Task(id)),
        _ => None,
    }
}

/// A name that is safe as a file name (see [`crate::files::safe_file_name`]).
pub fn safe_file_name(name: &str) -> String {
    crate::files::safe_file_name(name)
}

/// The template's file name: `县农业农村局-2019年7月重点工作进展.xlsx`.
pub fn template_file_name(department: &str, period: Period) -> String {
    format!(
        "{}-{}重点工作进展.xlsx",
        safe_file_name(department),
        period.label()
    )
}

struct TemplateRow {
    group: String,
    item: String,
    units: String,
    key: RowKey,
    own: bool,
}

/// Writes a department's return template for a period.
#[expect(
    clippy::too_many_lines,
    reason = "the template workbook cell by cell, top to bottom"
)]
pub fn write_template(
    plan: &Plan,
    obligation: &Obligation,
    period: Period,
    due: chrono::NaiveDate,
) -> Result<Vec<u8>, XlsxError> {
    let mut rows: Vec<TemplateRow> = Vec::new();
    let owed = obligation.rows_in(period);
    let own_keys: Vec<RowKey> = owed.iter().map(|r| r.key).collect();
    let form_rows = || {
        plan.form.groups.iter().flat_map(|group| {
            group.rows.iter().map(move |row| TemplateRow {
                group: group.name.clone(),
                item: format!(
                    "{}．{}",
                    row.code.rsplit('.').next().unwrap_or_default(),
                    row.text
                ),
                units: row.units.join("、"),
                key: RowKey::FormRow(row.id),
                own: false,
            })
        })
    };
    let reports_tasks = own_keys.iter().any(|k| matches!(k, RowKey::Task(_)));
    if reports_tasks {
        for row in &owed {
            rows.push(TemplateRow {
                group: "牵头任务".to_owned(),
                item: row.label(),
                units: obligation.department.clone(),
                key: row.key,
                own: true,
            });
        }
    } else {
        rows.extend(
            form_rows()
                .filter(|r| own_keys.contains(&r.key))
                .map(|r| TemplateRow { own: true, ..r }),
        );
    }
    let others: Vec<TemplateRow> = if reports_tasks {
        Vec::new()
    } else {
        form_rows().filter(|r| !own_keys.contains(&r.key)).collect()
    };

    let mut workbook = Workbook::new();
    // A fixed date (the month's first day) instead of now: the same template is the same
    // bytes, so a second send attaches the file already written instead of a copy.
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(period.year).unwrap_or(2000),
        u8::try_from(period.month).unwrap_or(1),
        1,
    )?;
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let sheet = workbook.add_worksheet();
    sheet.set_name("填报")?;
    for (column, width) in [11.0, 36.0, 18.0, 56.0, 16.0, 12.0].iter().enumerate() {
        sheet.set_column_width(column as u16, *width)?;
    }
    let base = Format::new().set_font_name("宋体").set_font_size(11);
    let title = base
        .clone()
        .set_bold()
        .set_font_size(14)
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let wrap = base
        .clone()
        .set_text_wrap()
        .set_align(FormatAlign::VerticalCenter);
    let note = base.clone().set_text_wrap().set_font_size(10).set_italic();
    let header = base
        .clone()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(0xE7E6E6)
        .set_text_wrap();
    let cell = base
        .clone()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let own_cell = cell.clone().set_background_color(0xFFF2CC);
    let group = cell
        .clone()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let separator = base
        .clone()
        .set_background_color(0xF2F2F2)
        .set_font_size(10);

    sheet.merge_range(
        0,
        0,
        0,
        4,
        fit_cell(&format!("{}（{}）", plan.form.title, period.label())).as_ref(),
        &title,
    )?;
    sheet.set_row_height(0, 36)?;
    sheet.merge_range(
        1,
        0,
        1,
        4,
        fit_cell(&format!(
            "填报单位：{}　　　填报人：　　　　　　联系电话：",
            obligation.department
        ))
        .as_ref(),
        &wrap,
    )?;
    sheet.merge_range(
        2,
        0,
        2,
        4,
        &format!(
            "说明：标★的行由本单位填写，请在“进展情况（重点）”栏写明{}的进展，没有该项任务的写“无此项任务”；其他行如无此项任务可不填。请于{}前报回。请勿删除表格右侧隐藏的编号列。",
            period.label(),
            format_date_cn(due)
        ),
        &note,
    )?;
    sheet.set_row_height(2, 30)?;
    let header_row = 3_u32;
    for (column, text) in [
        "重点内容",
        "重点工作事项",
        "责任单位",
        "进展情况（重点）",
        "备注",
        KEY_HEADER,
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(header_row, column as u16, *text, &header)?;
    }
    let mut row_index = header_row + 1;
    let write_rows = |sheet: &mut rust_xlsxwriter::Worksheet,
                      rows: &[TemplateRow],
                      row_index: &mut u32|
     -> Result<(), XlsxError> {
        let mut start = *row_index;
        for (index, row) in rows.iter().enumerate() {
            let item = if row.own {
                format!("★{}", row.item)
            } else {
                row.item.clone()
            };
            let format = if row.own { &own_cell } else { &cell };
            sheet.write_string_with_format(*row_index, 1, fit_cell(&item).as_ref(), &cell)?;
            sheet.write_string_with_format(*row_index, 2, fit_cell(&row.units).as_ref(), &cell)?;
            sheet.write_string_with_format(*row_index, 3, "", format)?;
            sheet.write_string_with_format(*row_index, 4, "", format)?;
            sheet.write_string_with_format(*row_index, 5, key_text(row.key), &cell)?;
            let lines = (crate::excel::display_width(&item) / 35.0).ceil().max(1.0);
            sheet.set_row_height(*row_index, (lines * 15.0 + 14.0).max(32.0))?;
            let last_of_group = rows
                .get(index + 1)
                .is_none_or(|next| next.group != row.group);
            if last_of_group {
                if *row_index > start {
                    sheet.merge_range(
                        start,
                        0,
                        *row_index,
                        0,
                        fit_cell(&row.group).as_ref(),
                        &group,
                    )?;
                } else {
                    sheet.write_string_with_format(
                        start,
                        0,
                        fit_cell(&row.group).as_ref(),
                        &group,
                    )?;
                }
                start = *row_index + 1;
            }
            *row_index += 1;
        }
        Ok(())
    };
    write_rows(sheet, &rows, &mut row_index)?;
    if !others.is_empty() {
        sheet.merge_range(
            row_index,
            0,
            row_index,
            4,
            "以下为其他单位负责的行，如无此项任务可不填",
            &separator,
        )?;
        row_index += 1;
        write_rows(sheet, &others, &mut row_index)?;
    }
    sheet.set_column_hidden(5)?;
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(header_row, header_row)?;
    sheet.set_print_area(0, 0, row_index.saturating_sub(1), 4)?;
    sheet.set_freeze_panes(header_row + 1, 0)?;

    let meta = workbook.add_worksheet();
    meta.set_name(META_SHEET)?;
    meta.write_string(0, 0, META_MARK)?;
    meta.write_string(1, 0, "department_id")?;
    meta.write_string(1, 1, obligation.department_id.to_string())?;
    meta.write_string(2, 0, "department")?;
    meta.write_string(2, 1, fit_cell(&obligation.department).as_ref())?;
    meta.write_string(3, 0, "period")?;
    meta.write_string(3, 1, period.to_string())?;
    meta.write_string(4, 0, "plan_id")?;
    meta.write_string(4, 1, plan.id.to_string())?;
    meta.set_hidden(true);
    workbook.save_to_buffer()
}
