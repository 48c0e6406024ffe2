//! What Excel holds: a cell keeps at most 32,767 UTF-16 units, and how wide a text is in its
//! columns. Shared by the sheet export and the return templates, so that one long text never
//! makes a whole file fail and both lay out rows alike.

/// The most UTF-16 units Excel keeps in one cell.
pub const EXCEL_CELL_LIMIT: usize = 32_767;
/// What replaces the cut-off end of a cell's text (the whole text has `total` characters).
fn cut_mark(total: usize) -> String {
    format!("……（超出单元格上限，以下从略；全文共 {total} 字，见台账）")
}

pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// The text as one cell can hold it: cut, with a mark saying so, when it is longer. The XLSX
/// and the PDF both cut here, so that the two files say the same and a return of millions of
/// characters never makes an export take gigabytes.
pub fn fit_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= EXCEL_CELL_LIMIT || utf16_len(text) <= EXCEL_CELL_LIMIT {
        return std::borrow::Cow::Borrowed(text);
    }
    let mark = cut_mark(text.chars().count());
    let room = EXCEL_CELL_LIMIT - utf16_len(&mark);
    let mut used = 0;
    let kept: String = text
        .chars()
        .take_while(|c| {
            used += c.len_utf16();
            used <= room
        })
        .collect();
    std::borrow::Cow::Owned(format!("{kept}{mark}"))
}

/// How wide a text is in Excel's character units: CJK characters count two.
pub fn display_width(text: &str) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 1.1 } else { 2.0 })
        .sum()
}

/// How many lines a text takes in a column `width` characters wide.
pub fn line_count(text: &str, width: f64) -> usize {
    text.split('\n')
        .map(|line| ((display_width(line) / (width - 1.0).max(1.0)).ceil() as usize).max(1))
        .sum()
}
