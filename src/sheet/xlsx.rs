//! The sheet as an XLSX workbook laid out like the official form, ready to print.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError};

use super::{ExportError, Sheet};
use crate::excel::line_count;

/// Column widths in Excel's character units: 重点内容, 重点工作事项, 责任单位, 进展情况, 备注.
const WIDTHS: [f64; 5] = [11.0, 34.0, 17.0, 62.0, 16.0];
/// Points per text line at the body's 11 pt, with a little air.
const LINE_HEIGHT: f64 = 15.0;
const BODY_FONT: &str = "仿宋";
const TITLE_FONT: &str = "宋体";

use crate::excel::{EXCEL_CELL_LIMIT, fit_cell, utf16_len};

/// Rows whose text is longer than an Excel cell holds: the XLSX keeps what fits.
pub fn cell_limit_warnings(sheet: &Sheet) -> Vec<String> {
    let mut warnings = Vec::new();
    for row in sheet.rows() {
        for (field, text) in [
            ("重点工作事项", &row.text),
            ("进展情况", &row.progress),
            ("备注", &row.remark),
        ] {
            if utf16_len(text) > EXCEL_CELL_LIMIT {
                warnings.push(format!(
                    "{}：{field}有 {} 字，超过单元格 {EXCEL_CELL_LIMIT} 字的上限，Excel 和 PDF 文件中只保留了前面的部分（已注明），全文在台账中",
                    row.code,
                    text.chars().count()
                ));
            }
        }
    }
    warnings
}

/// Text that Excel would read as a formula stays text and keeps a quote prefix when edited.
fn cell_format(base: &Format, text: &str) -> Format {
    if text.starts_with(['=', '+', '-', '@']) {
        base.clone().set_quote_prefix()
    } else {
        base.clone()
    }
}

fn row_height(cells: &[(&str, f64)]) -> f64 {
    let lines = cells
        .iter()
        .map(|(text, width)| line_count(text, *width))
        .max()
        .unwrap_or(1);
    (lines as f64 * LINE_HEIGHT + 6.0).min(409.0)
}

/// Writes the sheet as an XLSX file's bytes.
pub fn write_xlsx(sheet: &Sheet) -> Result<Vec<u8>, ExportError> {
    let mut workbook = Workbook::new();
    let worksheet = workbook.add_worksheet();
    fill(worksheet, sheet)?;
    Ok(workbook.save_to_buffer()?)
}

/// Writes a text cell, cut to what Excel holds.
fn write_text(
    worksheet: &mut Worksheet,
    row: u32,
    column: u16,
    text: &str,
    format: &Format,
) -> Result<(), XlsxError> {
    worksheet.write_string_with_format(row, column, fit_cell(text).as_ref(), format)?;
    Ok(())
}

fn fill(worksheet: &mut Worksheet, sheet: &Sheet) -> Result<(), XlsxError> {
    let name: String = sheet
        .period
        .label()
        .chars()
        .filter(|c| !matches!(c, '[' | ']' | ':' | '*' | '?' | '/' | '\\'))
        .take(31)
        .collect();
    worksheet.set_name(&name)?;
    for (column, width) in WIDTHS.iter().enumerate() {
        worksheet.set_column_width(column as u16, *width)?;
    }

    let label = Format::new().set_font_name("黑体").set_font_size(12);
    let title = Format::new()
        .set_font_name(TITLE_FONT)
        .set_font_size(16)
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let period = Format::new()
        .set_font_name(TITLE_FONT)
        .set_font_size(12)
        .set_align(FormatAlign::Center);
    let header_line = Format::new()
        .set_font_name(BODY_FONT)
        .set_font_size(11)
        .set_align(FormatAlign::Left)
        .set_align(FormatAlign::VerticalCenter);
    let column_header = Format::new()
        .set_font_name(TITLE_FONT)
        .set_font_size(11)
        .set_bold()
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color(0xE7E6E6);
    let body = Format::new()
        .set_font_name(BODY_FONT)
        .set_font_size(11)
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Top);
    let group = Format::new()
        .set_font_name(BODY_FONT)
        .set_font_size(11)
        .set_text_wrap()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let notes = Format::new()
        .set_font_name(BODY_FONT)
        .set_font_size(10)
        .set_text_wrap()
        .set_align(FormatAlign::Top);

    write_text(worksheet, 0, 0, &sheet.label, &label)?;
    worksheet.merge_range(1, 0, 1, 4, fit_cell(&sheet.title).as_ref(), &title)?;
    worksheet.set_row_height(1, 30)?;
    worksheet.merge_range(2, 0, 2, 4, fit_cell(&sheet.period_line()).as_ref(), &period)?;
    let header_text = sheet.header_line("        ");
    worksheet.merge_range(3, 0, 3, 4, fit_cell(&header_text).as_ref(), &header_line)?;
    worksheet.set_row_height(3, 20)?;
    const HEADER_ROW: u32 = 4;
    for (column, text) in sheet.columns.iter().enumerate().take(5) {
        write_text(worksheet, HEADER_ROW, column as u16, text, &column_header)?;
    }
    worksheet.set_row_height(HEADER_ROW, 24)?;

    let mut row = HEADER_ROW + 1;
    for sheet_group in &sheet.groups {
        let first = row;
        for sheet_row in &sheet_group.rows {
            let item = format!("{}．{}", sheet_row.number, sheet_row.text);
            let units = sheet_row.units.join("、");
            write_text(worksheet, row, 1, &item, &cell_format(&body, &item))?;
            write_text(worksheet, row, 2, &units, &cell_format(&body, &units))?;
            write_text(
                worksheet,
                row,
                3,
                &sheet_row.progress,
                &cell_format(&body, &sheet_row.progress),
            )?;
            write_text(
                worksheet,
                row,
                4,
                &sheet_row.remark,
                &cell_format(&body, &sheet_row.remark),
            )?;
            let height = row_height(&[
                (&item, WIDTHS[1]),
                (&units, WIDTHS[2]),
                (&sheet_row.progress, WIDTHS[3]),
                (&sheet_row.remark, WIDTHS[4]),
            ]);
            worksheet.set_row_height(row, height)?;
            row += 1;
        }
        if row == first {
            continue;
        }
        if row - first > 1 {
            worksheet.merge_range(
                first,
                0,
                row - 1,
                0,
                fit_cell(&sheet_group.name).as_ref(),
                &group,
            )?;
        } else {
            write_text(worksheet, first, 0, &sheet_group.name, &group)?;
        }
    }
    let last_table_row = row - 1;
    if !sheet.notes.is_empty() {
        let text = format!("注：{}", sheet.notes.join("；"));
        row += 1;
        worksheet.merge_range(row, 0, row, 4, fit_cell(&text).as_ref(), &notes)?;
        let width: f64 = WIDTHS.iter().sum();
        worksheet.set_row_height(row, line_count(&text, width) as f64 * 14.0 + 6.0)?;
    }
    let last_row = row.max(last_table_row);

    worksheet.set_landscape();
    worksheet.set_paper_size(9);
    worksheet.set_print_fit_to_pages(1, 0);
    worksheet.set_repeat_rows(HEADER_ROW, HEADER_ROW)?;
    worksheet.set_print_area(0, 0, last_row, 4)?;
    worksheet.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    worksheet.set_print_center_horizontally(true);
    worksheet.set_footer("&C第 &P 页 共 &N 页");
    Ok(())
}
