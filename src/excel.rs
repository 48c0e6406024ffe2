//! What Excel holds: a cell keeps at most 32,767 UTF-16 units, and how wide a text is in its
//! columns. Shared by the sheet export and the return templates, so that one long text never
//! makes a whole file fail and both lay out rows alike.

/// The most UTF-16 units Excel keeps in one cell.
pub const EXCEL_CELL_LIMIT: usize = 32_767;
/// What replaces the cut-off end of a cell's text.
const CUT_MARK: &str = "……（超出Excel单元格上限，全文见PDF）";

pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// The text as one Excel cell can hold it: cut, with a mark saying so, when it is longer.
pub fn fit_cell(text: &str) -> std::borrow::Cow<'_, str> {
    if utf16_len(text) <= EXCEL_CELL_LIMIT {
        return std::borrow::Cow::Borrowed(text);
    }
    let room = EXCEL_CELL_LIMIT - utf16_len(CUT_MARK);
    let mut used = 0;
    let kept: String = text
        .chars()
        .take_while(|c| {
            used += c.len_utf16();
            used <= room
        })
        .collect();
    std::borrow::Cow::Owned(format!("{kept}{CUT_MARK}"))
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
