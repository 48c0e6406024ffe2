//! The binder's index, `索引.xlsx` and `索引.pdf`: one line per task, month and department
//! with the day the return arrived, its state, what it said and the originals' paths. The
//! same binder gives the same bytes (fixed creation dates).

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use super::Binder;
use crate::sheet::ExportError;

const COLUMNS: [&str; 7] = [
    "任务",
    "月份",
    "部门",
    "收到日期",
    "状态",
    "报送内容",
    "原始文件",
];

/// The longest text of a cell of the PDF index, in characters; the full text is in the task
/// folder's `报送内容.txt` and in `索引.xlsx`.
const PDF_CELL_LIMIT: usize = 300;

fn row_cells(row: &super::IndexRow) -> [String; 7] {
    [
        row.task.clone(),
        row.month.clone(),
        row.department.clone(),
        row.received_on.clone(),
        row.state.clone(),
        row.said.clone(),
        row.files.join("\n"),
    ]
}

/// The index as an XLSX workbook.
pub fn index_xlsx(binder: &Binder) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let created = rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(chrono::Datelike::year(&binder.made_on)).unwrap_or(2000),
        u8::try_from(chrono::Datelike::month(&binder.made_on)).unwrap_or(1),
        u8::try_from(chrono::Datelike::day(&binder.made_on)).unwrap_or(1),
    )?;
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_creation_datetime(&created));
    let sheet = workbook.add_worksheet();
    sheet.set_name("索引")?;
    for (column, width) in [30.0, 11.0, 14.0, 14.0, 14.0, 60.0, 40.0]
        .iter()
        .enumerate()
    {
        sheet.set_column_width(column as u16, *width)?;
    }
    let base = Format::new().set_font_name("宋体").set_font_size(10.5);
    let title = base
        .clone()
        .set_bold()
        .set_font_size(16)
        .set_align(FormatAlign::Center);
    let header = base
        .clone()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let cell = base
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    sheet.merge_range(0, 0, 0, 6, &binder.title, &title)?;
    sheet.merge_range(1, 0, 1, 6, &binder.plan_title, &cell)?;
    for (column, name) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(2, column as u16, *name, &header)?;
    }
    if binder.index.is_empty() {
        sheet.merge_range(3, 0, 3, 6, "本年度尚无应报送的月份和报送。", &cell)?;
    }
    for (row_number, row) in (3u32..).zip(&binder.index) {
        for (column, text) in row_cells(row).iter().enumerate() {
            sheet.write_string_with_format(
                row_number,
                column as u16,
                crate::excel::fit_cell(text).as_ref(),
                &cell,
            )?;
        }
    }
    sheet.set_freeze_panes(3, 0)?;
    workbook.save_to_buffer()
}

/// The index as a PDF on A4 landscape, the task's name spanning its lines.
pub fn index_pdf(binder: &Binder) -> Result<crate::sheet::PdfOutput, ExportError> {
    let mut groups: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for row in &binder.index {
        let cells: Vec<String> = row_cells(row)
            .into_iter()
            .skip(1)
            .map(|text| {
                if text.chars().count() > PDF_CELL_LIMIT {
                    let mut cut: String = text.chars().take(PDF_CELL_LIMIT).collect();
                    cut.push_str("…（全文见报送内容.txt）");
                    cut
                } else {
                    text
                }
            })
            .collect();
        match groups.last_mut() {
            Some((task, rows)) if *task == row.task => rows.push(cells),
            _ => groups.push((row.task.clone(), vec![cells])),
        }
    }
    if groups.is_empty() {
        groups.push((
            "—".to_owned(),
            vec![vec![
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                "本年度尚无应报送的月份和报送。".to_owned(),
                String::new(),
            ]],
        ));
    }
    crate::sheet::table_pdf(&crate::sheet::TableDoc {
        label: "督察台账".to_owned(),
        title: binder.title.clone(),
        subtitle: binder.plan_title.clone(),
        header_line: format!("编制日期：{}", crate::model::format_date_cn(binder.made_on)),
        columns: COLUMNS.iter().map(|c| (*c).to_owned()).collect(),
        shares: vec![15.0, 9.5, 11.0, 10.0, 10.0, 30.0, 17.0],
        groups,
        notes: vec!["原始文件在各任务的文件夹中，与收到时逐字节相同；各月报送全文见该文件夹的“报送内容.txt”".to_owned()],
    })
}
