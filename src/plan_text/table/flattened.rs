//! Task tables flattened to text (a PDF copy: one cell per line, wrapped cells, cut names;
//! or tab- and space-separated lines), rebuilt into rows.

use super::*;

/// Tables written out as text: a header line whose cells are column names (separated by
/// tabs or spaces), or column names one per line; then rows starting at their 序号.
pub(super) fn flattened_tables(text: &str) -> Vec<TableRows> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut tables = Vec::new();
    let mut index = 0;
    while index < lines.len() {
        // Column names on one line.
        let cells = split_cells(lines[index]);
        if (3..=MAX_COLUMNS).contains(&cells.len()) {
            let header: Vec<String> = cells.iter().map(|c| (*c).to_owned()).collect();
            if header.iter().all(|c| is_header_word(c)) && header_columns(&header, None).is_some() {
                let (rows, next) = flattened_rows(&lines[index + 1..], &header);
                let mut table = vec![header];
                table.extend(rows);
                tables.push(table);
                index += 1 + next;
                continue;
            }
        }
        // Column names one per line.
        // Column names one per line, starting at a known one; unknown ones (备注, 完成情况)
        // among them are columns too.
        let names: Vec<String> = if column_of(lines[index]).is_some() {
            lines[index..]
                .iter()
                .take(MAX_COLUMNS)
                .take_while(|l| is_header_word(l))
                .map(|l| (*l).to_owned())
                .collect()
        } else {
            Vec::new()
        };
        if names.len() >= 3 && header_columns(&names, None).is_some() {
            let (rows, next) = flattened_rows(&lines[index + names.len()..], &names);
            let mut table = vec![names.clone()];
            table.extend(rows);
            tables.push(table);
            index += names.len() + next;
            continue;
        }
        // Lines that name columns but make no header are passed over together: a text of
        // nothing but column names costs one look at each line.
        index += names.len().max(1);
    }
    tables
}

/// A line's cells: split at tabs or runs of two or more spaces, else at single spaces.
pub(super) fn split_cells(line: &str) -> Vec<&str> {
    static WIDE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"\t+| {2,}|\u{3000}+").expect("a constant pattern compiles"));
    let wide: Vec<&str> = WIDE
        .split(line)
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    if wide.len() > 1 {
        wide
    } else {
        line.split(' ')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect()
    }
}

pub(super) static ROW_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9]{1,5})(?:[．.、]|\s|$)").expect("a constant pattern compiles")
});

/// The rows after a flattened header: each starts at a number (序号); a heading line such as
/// `一、…` is a row of its own. Returns the rows and how many lines they took.
pub(super) fn flattened_rows(lines: &[&str], header: &[String]) -> (TableRows, usize) {
    let mut rows: TableRows = Vec::new();
    let mut pieces: Vec<String> = Vec::new();
    let flush = |pieces: &mut Vec<String>, rows: &mut TableRows| {
        if !pieces.is_empty() {
            rows.push(fit_row(std::mem::take(pieces), header));
        }
    };
    let mut used = 0;
    // Rows are numbered 1, 2, 3 … (again from 1 in a new part): a number out of step is a
    // cell's text (`12`), not a new row.
    let mut last_number: Option<u32> = None;
    let mut in_note = false;
    // How many brackets the current row's lines have left open.
    let mut depth: isize = 0;
    for line in lines {
        // Past the most rows a plan has, reading on only costs time: the caller refuses it.
        if rows.len() > crate::plan_text::MAX_TABLE_TASKS + MAX_COLUMNS {
            break;
        }
        if crate::plan_text::blocks::is_page_number(line)
            && !line.chars().all(|c| c.is_ascii_digit())
        {
            used += 1;
            continue;
        }
        // Inside a bracket that a cell opened, a line is that cell's text.
        let in_bracket = depth > 0;
        if !in_bracket
            && (line.starts_with("注：")
                || line.starts_with("注:")
                || (!line.starts_with(is_opening)
                    && crate::plan_text::notes::is_standing_text(
                        line.trim_end_matches(['。', '；']),
                    )))
        {
            // A note row: its own row, the lines after it joined until the next row.
            flush(&mut pieces, &mut rows);
            rows.push(vec![(*line).to_owned()]);
            in_note = true;
        } else if SECTION_MARK.is_match(line)
            && !ROW_START.is_match(line)
            && line.chars().count() <= 40
        {
            in_note = false;
            flush(&mut pieces, &mut rows);
            rows.push(vec![(*line).to_owned()]);
        } else if let Some(found) = ROW_START
            .captures(line)
            .filter(|found| starts_next_row(&found[1], last_number))
        {
            last_number = found[1].parse().ok();
            in_note = false;
            flush(&mut pieces, &mut rows);
            pieces.push(found[1].to_owned());
            let rest = line[found.get(0).map_or(0, |m| m.end())..].trim();
            pieces.extend(split_cells(rest).into_iter().map(str::to_owned));
            depth = bracket_balance(rest);
        } else if in_note {
            if let Some(note) = rows.last_mut().and_then(|row| row.first_mut()) {
                note.push_str(line);
            }
        } else if pieces.is_empty() && !rows.is_empty() {
            // Text after the table ends it.
            break;
        } else if pieces.is_empty() {
            used += 1;
            continue;
        } else {
            let cells = split_cells(line);
            if cells.len() > 1 && line.contains(['\t', '　']) {
                pieces.extend(cells.into_iter().map(str::to_owned));
            } else {
                pieces.push((*line).to_owned());
            }
            depth = (depth + bracket_balance(line)).max(0);
        }
        used += 1;
    }
    flush(&mut pieces, &mut rows);
    (rows, used)
}

/// How many brackets a text opens and leaves open (negative when it closes more).
pub(super) fn bracket_balance(text: &str) -> isize {
    text.chars().fold(0, |balance, c| {
        if is_opening(c) {
            balance + 1
        } else if is_closing(c) {
            balance - 1
        } else {
            balance
        }
    })
}

/// Whether a 序号 starts the next row: the first, the one after the last, or 1 again.
pub(super) fn starts_next_row(number: &str, last: Option<u32>) -> bool {
    let Ok(number) = number.parse::<u32>() else {
        return false;
    };
    number == 1 || last.is_none() || last.is_some_and(|last| number == last + 1)
}

/// The text without its bracketed groups (top level, brackets included).
pub(super) fn without_bracket_groups(text: &str) -> String {
    let mut depth = 0usize;
    text.chars()
        .filter(|c| {
            if is_opening(*c) {
                depth += 1;
                false
            } else if is_closing(*c) && depth > 0 {
                depth -= 1;
                false
            } else {
                depth == 0
            }
        })
        .collect()
}

/// The lines of a row with a bracket that wraps onto the next lines joined into one piece,
/// so that a bracketed clause (`（以下…不再列出）`) is never split between cells.
pub(super) fn with_brackets_whole(pieces: Vec<String>) -> Vec<String> {
    let mut joined: Vec<String> = Vec::with_capacity(pieces.len());
    let mut depth = 0isize;
    let mut lines = 0;
    for piece in pieces {
        let open_before = depth > 0 && lines < MAX_CELL_LINES;
        depth = (depth + bracket_balance(&piece)).max(0);
        match joined.last_mut() {
            Some(last) if open_before => {
                last.push_str(&piece);
                lines += 1;
            }
            _ => {
                joined.push(piece);
                lines = 1;
            }
        }
        if lines >= MAX_CELL_LINES {
            depth = 0;
        }
    }
    joined
}

/// Whether a line ends in the first half of a department's name cut by the line's end:
/// `县自然资源局、县工业和` (names before it) or `县住房和城乡` (a place, and short).
pub(super) fn is_cut_name(line: &str) -> bool {
    if line.ends_with(['。', '；', ';', '，', ',']) {
        return false;
    }
    match line.rsplit_once('、') {
        Some((before, last)) => looks_like_departments(before) && last.chars().count() <= 10,
        None => {
            line.chars().count() <= 10
                && ["县", "市", "区", "自治区", "省", "州", "镇", "乡", "各"]
                    .iter()
                    .any(|place| line.starts_with(place))
        }
    }
}

/// Whether a piece reads as a list of departments.
pub(super) fn looks_like_departments(text: &str) -> bool {
    // What brackets hold (`各乡（镇）`, a standing clause) says nothing of the names.
    let text = without_bracket_groups(text);
    let names: Vec<&str> = text
        .split(['、', '，', ',', ' ', '；'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    !names.is_empty()
        && names.iter().all(|name| {
            (3..=20).contains(&name.chars().count())
                && [
                    "局",
                    "委",
                    "办",
                    "院",
                    "府",
                    "中心",
                    "处",
                    "站",
                    "队",
                    "公司",
                    "单位",
                    "部",
                    "会",
                    "所",
                    "行",
                    "厅",
                    "政府",
                    "各乡（镇）",
                    "管委会",
                    "分局",
                ]
                .iter()
                .any(|end| name.trim_end_matches('等').ends_with(end))
        })
}

pub(super) fn looks_like_deadline(text: &str) -> bool {
    text.chars().count() <= 30
        && (YEAR_MONTH.is_match(text)
            || [
                "长期", "持续", "每月", "每季", "每年", "年底", "月底", "前", "常态",
            ]
            .iter()
            .any(|w| text.contains(w)))
}

/// Puts a row's pieces into the header's columns. The pieces are the lines of a row copied
/// out of a PDF: the number first, then every cell, each of which may have wrapped over
/// several lines. Working from the end, the deadline and the department lists are taken (a
/// list cut inside a name, `县工业和信息化` + `局`, joined again); what is left between the
/// number and them is the task's text.
pub(super) fn fit_row(pieces: Vec<String>, header: &[String]) -> Vec<String> {
    let columns: Vec<Option<Column>> = header.iter().map(|h| column_of(h)).collect();
    // As many pieces as columns is a whole row only when its lead cell is one: in a PDF copy
    // a wrapped task can make up for an empty cell.
    let lead_fits = columns
        .iter()
        .position(|c| matches!(c, Some(Column::Lead | Column::Responsible)))
        .is_none_or(|at| {
            pieces
                .get(at)
                .is_some_and(|cell| looks_like_departments(cell))
        });
    if pieces.len() == columns.len() && lead_fits {
        return pieces;
    }
    let pieces = with_brackets_whole(pieces);
    let Some(task_at) = columns.iter().position(|c| *c == Some(Column::Task)) else {
        return pieces;
    };
    let mut rest: Vec<String> = pieces;
    let mut row = vec![String::new(); columns.len()];
    // Columns before the task: number (and section), one piece each.
    for (index, column) in columns.iter().enumerate().take(task_at) {
        if rest.is_empty() {
            break;
        }
        if *column == Some(Column::Number) || index < task_at {
            row[index] = rest.remove(0);
        }
    }
    for index in (task_at + 1..columns.len()).rev() {
        if rest.len() <= 1 {
            break;
        }
        match columns[index] {
            Some(Column::Deadline) if rest.last().is_some_and(|last| looks_like_deadline(last)) => {
                let mut cell = rest.pop().unwrap_or_default();
                // A date wrapped over lines (`2020年12月底` / `前`): the fragment joins the
                // line before it.
                while cell.chars().count() <= 3
                    && !cell.contains('年')
                    && rest.len() > 1
                    && rest.last().is_some_and(|previous| {
                        YEAR_MONTH.is_match(previous) && previous.chars().count() <= 12
                    })
                {
                    let previous = rest.pop().unwrap_or_default();
                    cell = format!("{previous}{cell}");
                }
                row[index] = cell;
            }
            Some(Column::Lead | Column::Participants | Column::Responsible) => {
                let mut cell = rest.pop().unwrap_or_default();
                let mut lines = 1;
                while rest.len() > 1 && lines < MAX_CELL_LINES {
                    lines += 1;
                    let previous = rest.last().map(String::as_str).unwrap_or("");
                    let joined = format!("{previous}{cell}");
                    let complete = looks_like_departments(&cell);
                    // An incomplete piece joins the line before it when together they make
                    // a list; a complete list takes the line before only when that line
                    // ends in `、` or is the first half of a name cut in two.
                    let join = if complete {
                        previous.ends_with('、')
                            || (!looks_like_departments(previous)
                                && looks_like_departments(&joined)
                                && is_cut_name(previous))
                    } else {
                        looks_like_departments(&joined)
                    };
                    if !join {
                        break;
                    }
                    cell = joined;
                    rest.pop();
                }
                if looks_like_departments(&cell) {
                    row[index] = cell;
                } else {
                    rest.push(cell);
                }
            }
            _ => {}
        }
    }
    row[task_at] = rest.concat();
    // A lead column left empty while the next department column has names: the row had
    // no participants, and the names are the leads.
    if let Some(lead) = columns.iter().position(|c| *c == Some(Column::Lead))
        && row[lead].is_empty()
        && let Some(next) = (lead + 1..columns.len())
            .find(|&i| matches!(columns[i], Some(Column::Participants)) && !row[i].is_empty())
    {
        row[lead] = std::mem::take(&mut row[next]);
    }
    row
}
