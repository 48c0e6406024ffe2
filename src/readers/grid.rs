//! A returned spreadsheet's sheets as grids of text, bounded whatever the file declares: rows,
//! columns and total text are capped (each distinct text counted and stored once, however many
//! cells share it), and merges fill each cell at most once, so overlapping ranges cost no more
//! than the grid. A merge is filled downwards into the cells it covers, but not sideways: a
//! department that merged 进展情况 with 备注 wrote one text, not two.

use std::sync::Arc;

use super::error::ImportError;
use super::limits::{MAX_COLUMNS, MAX_MERGES, MAX_ROWS, MAX_TEXT_BYTES};

/// One cell: its text, and the column of the cell it came from when a merge filled it.
#[derive(Clone, Debug, Default)]
struct Cell {
    text: Arc<str>,
    /// The merge's top-left column, for a cell a merge covers.
    merged_from: Option<u32>,
}

/// One sheet as text.
#[derive(Debug)]
pub struct Grid {
    pub name: String,
    rows: Vec<Vec<Cell>>,
}

impl Grid {
    pub(super) fn new(name: String) -> Self {
        Self {
            name,
            rows: Vec::new(),
        }
    }

    /// Rows, including empty ones up to the last with text.
    pub fn height(&self) -> usize {
        self.rows.len()
    }

    /// Cells in a row.
    pub fn width(&self, row: usize) -> usize {
        self.rows.get(row).map_or(0, Vec::len)
    }

    /// The text that belongs to this cell: its own, or a merge's from above. A cell covered by
    /// a merge from a column to its left reads empty.
    pub fn get(&self, row: usize, column: usize) -> &str {
        match self.rows.get(row).and_then(|r| r.get(column)) {
            Some(cell) if cell.merged_from.is_none_or(|c| c as usize == column) => &cell.text,
            _ => "",
        }
    }

    /// The text shown in this cell, merges from any side included.
    pub fn shown(&self, row: usize, column: usize) -> &str {
        self.rows
            .get(row)
            .and_then(|r| r.get(column))
            .map_or("", |cell| &cell.text)
    }

    /// Whether any cell of the sheet has text.
    pub fn is_blank(&self) -> bool {
        self.rows.iter().flatten().all(|c| c.text.is_empty())
    }

    pub(super) fn set(&mut self, row: u32, column: u32, text: Arc<str>) -> Result<(), ImportError> {
        if row >= MAX_ROWS {
            return Err(ImportError::TooManyRows {
                sheet: self.name.clone(),
                rows: MAX_ROWS,
            });
        }
        if column >= MAX_COLUMNS {
            return Err(ImportError::TooManyColumns {
                sheet: self.name.clone(),
                columns: column + 1,
            });
        }
        let (row, column) = (row as usize, column as usize);
        if self.rows.len() <= row {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let cells = &mut self.rows[row];
        if cells.len() <= column {
            cells.resize_with(column + 1, Cell::default);
        }
        cells[column] = Cell {
            text,
            merged_from: None,
        };
        Ok(())
    }

    /// Fills the cells that merged ranges cover from each range's top-left cell. Each cell is
    /// filled at most once, so overlapping ranges cost no more than the grid's size.
    pub(super) fn apply_merges(&mut self, merges: &[Merge]) -> Result<(), ImportError> {
        if merges.len() > MAX_MERGES {
            return Err(ImportError::TooManyMerges {
                sheet: self.name.clone(),
                count: merges.len(),
            });
        }
        let height = self.rows.len() as u32;
        let mut covered = vec![false; (self.rows.len()) * MAX_COLUMNS as usize];
        for merge in merges {
            if merge.top >= height || merge.left >= MAX_COLUMNS {
                continue;
            }
            let bottom = merge.bottom.min(height - 1);
            let right = merge.right.min(MAX_COLUMNS - 1);
            let Some(anchor) = self
                .rows
                .get(merge.top as usize)
                .and_then(|r| r.get(merge.left as usize))
                .map(|c| c.text.clone())
            else {
                continue;
            };
            'rows: for row in merge.top..=bottom {
                for column in merge.left..=right {
                    if row == merge.top && column == merge.left {
                        continue;
                    }
                    let index = row as usize * MAX_COLUMNS as usize + column as usize;
                    if covered[index] {
                        // Ranges overlap: the rest of this one was already filled by another.
                        break 'rows;
                    }
                    covered[index] = true;
                    let cells = &mut self.rows[row as usize];
                    if cells.len() <= column as usize {
                        cells.resize_with(column as usize + 1, Cell::default);
                    }
                    let cell = &mut cells[column as usize];
                    if cell.text.is_empty() {
                        *cell = Cell {
                            text: anchor.clone(),
                            merged_from: Some(merge.left),
                        };
                    }
                }
            }
        }
        Ok(())
    }
}

/// A merged range, inclusive, zero-based.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Merge {
    pub(super) top: u32,
    pub(super) left: u32,
    pub(super) bottom: u32,
    pub(super) right: u32,
}

/// Keeps the total text within [`MAX_TEXT_BYTES`], each distinct text counted once.
pub(super) struct TextBudget {
    pub(super) used: u64,
}

impl TextBudget {
    pub(super) fn take(&mut self, text: &str) -> Result<Arc<str>, ImportError> {
        self.used = self.used.saturating_add(text.len() as u64);
        if self.used > MAX_TEXT_BYTES {
            return Err(ImportError::TooMuchText);
        }
        Ok(Arc::from(text))
    }
}

/// What the `.ods` reader calls to store a cell and a merge.
pub(super) struct SheetSink<'a> {
    budget: &'a mut TextBudget,
    grids: Vec<Grid>,
    merges: Vec<Merge>,
}

impl<'a> SheetSink<'a> {
    pub(super) fn new(budget: &'a mut TextBudget) -> Self {
        Self {
            budget,
            grids: Vec::new(),
            merges: Vec::new(),
        }
    }

    /// Starts a new sheet (finishing the one before).
    pub fn start_sheet(&mut self, name: String) -> Result<(), ImportError> {
        self.finish_sheet()?;
        self.grids.push(Grid::new(name));
        Ok(())
    }

    /// Stores one text in a cell; `repeat` cells to the right and `rows` rows down share it.
    pub fn set(
        &mut self,
        row: u32,
        column: u32,
        text: &str,
    ) -> Result<Option<SharedText>, ImportError> {
        if text.is_empty() {
            return Ok(None);
        }
        let shared = self.budget.take(text)?;
        self.set_shared(row, column, &SharedText(shared.clone()))?;
        Ok(Some(SharedText(shared)))
    }

    /// Stores a text already counted against the budget.
    pub fn set_shared(
        &mut self,
        row: u32,
        column: u32,
        text: &SharedText,
    ) -> Result<(), ImportError> {
        match self.grids.last_mut() {
            Some(grid) => grid.set(row, column, text.0.clone()),
            None => Ok(()),
        }
    }

    /// Records a merged range of the current sheet.
    pub fn merge(
        &mut self,
        top: u32,
        left: u32,
        bottom: u32,
        right: u32,
    ) -> Result<(), ImportError> {
        self.merges.push(Merge {
            top,
            left,
            bottom,
            right,
        });
        if self.merges.len() > MAX_MERGES {
            let sheet = self
                .grids
                .last()
                .map(|g| g.name.clone())
                .unwrap_or_default();
            return Err(ImportError::TooManyMerges {
                sheet,
                count: self.merges.len(),
            });
        }
        Ok(())
    }

    /// The sheet being read, for messages.
    pub fn sheet_name(&self) -> String {
        self.grids
            .last()
            .map(|g| g.name.clone())
            .unwrap_or_default()
    }

    fn finish_sheet(&mut self) -> Result<(), ImportError> {
        let merges = std::mem::take(&mut self.merges);
        if let Some(grid) = self.grids.last_mut() {
            grid.apply_merges(&merges)?;
        }
        Ok(())
    }

    /// The grids read.
    pub fn finish(mut self) -> Result<Vec<Grid>, ImportError> {
        self.finish_sheet()?;
        Ok(self.grids)
    }
}

/// A text stored once and shared by the cells that repeat it.
#[derive(Clone, Debug)]
pub(super) struct SharedText(Arc<str>);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_fill_down_not_sideways_and_overlaps_cost_nothing() {
        let mut grid = Grid::new("表".to_owned());
        grid.set(0, 0, Arc::from("组")).unwrap_or_default();
        grid.set(0, 3, Arc::from("进展")).unwrap_or_default();
        grid.set(3, 4, Arc::from("")).unwrap_or_default();
        let mut merges = vec![
            Merge {
                top: 0,
                left: 0,
                bottom: 3,
                right: 0,
            },
            Merge {
                top: 0,
                left: 3,
                bottom: 0,
                right: 4,
            },
        ];
        for _ in 0..5_000 {
            merges.push(Merge {
                top: 0,
                left: 0,
                bottom: u32::MAX,
                right: u32::MAX,
            });
        }
        assert!(grid.apply_merges(&merges).is_ok());
        assert_eq!(grid.get(2, 0), "组");
        assert_eq!(grid.get(0, 4), "");
        assert_eq!(grid.shown(0, 4), "进展");
    }
}
