//! Plans issued as a table (任务分工表, 实施进度表): one row per task with columns such as
//! 序号 · 重点任务 · 牵头单位 · 配合单位（责任单位）· 完成时限. The columns are found by their
//! headers, in a Word or spreadsheet table or in the same table flattened to text (a PDF
//! copied out: one cell per line, or cells separated by tabs or runs of spaces).
//!
//! Each row becomes a task through the same note reader as the prose form: its lead and
//! participant cells are read as `牵头单位：…；配合单位：…`, so names resolve the same way.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;

use super::notes::{is_closing, is_opening};
use super::{ParsedPlan, ParsedSection, ParsedTask, PlanTextError, TaskContext, Warning};
use crate::model::Milestone;

mod flattened;

use flattened::*;

/// A table as rows of cell texts.
pub type TableRows = Vec<Vec<String>>;

/// What a column holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Column {
    Number,
    Section,
    Task,
    /// 目标, 预期成效: added to the task's text.
    Goal,
    Lead,
    Participants,
    /// 责任单位 with no 牵头 column beside it: who leads depends on the document.
    Responsible,
    Deadline,
}

/// The most columns a task table has; more names in a row are not one header.
const MAX_COLUMNS: usize = 16;

/// The most lines one department cell wraps over in a table copied out of a PDF.
const MAX_CELL_LINES: usize = 24;

/// The most characters a header cell has; longer cells are text, not headers.
const MAX_HEADER_CHARS: usize = 16;

fn column_of(header: &str) -> Option<Column> {
    let h: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    if h.is_empty() || h.chars().count() > MAX_HEADER_CHARS {
        return None;
    }
    let has = |words: &[&str]| words.iter().any(|w| h.contains(w));
    if h == "序号" || h == "编号" || h == "序" {
        Some(Column::Number)
    } else if has(&["领导", "责任人", "联系人", "备注", "电话"]) {
        // People and remarks (牵头县领导, 责任人): not the units that lead or take part.
        None
    } else if has(&["牵头"]) {
        Some(Column::Lead)
    } else if has(&["配合", "参与", "协办", "协助", "协同"]) {
        Some(Column::Participants)
    } else if has(&["责任单位", "责任部门", "责任主体", "主责单位", "实施单位"])
    {
        Some(Column::Responsible)
    } else if has(&[
        "时限",
        "完成时间",
        "时间节点",
        "进度安排",
        "完成期限",
        "时间要求",
        "完成日期",
    ]) {
        Some(Column::Deadline)
    } else if has(&["类别", "领域", "分类", "板块", "任务类型"]) {
        Some(Column::Section)
    } else if has(&["目标", "成效", "标准"]) && !has(&["任务", "措施", "内容"]) {
        Some(Column::Goal)
    } else if has(&[
        "任务",
        "措施",
        "工作内容",
        "重点工作",
        "工作事项",
        "具体内容",
        "主要内容",
        "建设内容",
        "项目名称",
        "工作要点",
    ]) {
        Some(Column::Task)
    } else {
        None
    }
}

/// Whether a cell reads as a column name: a known one, or a short label (`备注`, `完成情况`)
/// without figures or sentence punctuation.
fn is_header_word(cell: &str) -> bool {
    let cell = cell.trim();
    column_of(cell).is_some()
        || (!cell.is_empty()
            && cell.chars().count() <= 8
            && !cell
                .chars()
                .any(|c| c.is_ascii_digit() || "，。、；：:,.".contains(c)))
}

/// Whether a row is the second row of a two-row header (牵头单位 and 配合单位 under a merged
/// 责任单位): a lead or participant column, and nothing in it but column names.
fn is_second_header(row: &[String]) -> bool {
    let named: Vec<Option<Column>> = row
        .iter()
        .filter(|cell| !cell.trim().is_empty())
        .map(|cell| column_of(cell))
        .collect();
    named
        .iter()
        .any(|c| matches!(c, Some(Column::Lead | Column::Participants)))
        && named.iter().all(Option::is_some)
        && row.iter().all(|cell| {
            let compact: String = cell.chars().filter(|c| !c.is_whitespace()).collect();
            compact.is_empty()
                || compact.contains("单位")
                || compact.contains("部门")
                || compact.chars().count() <= 6
        })
}

/// The columns of a header row (and the row below it, when a merged 责任单位 heads 牵头 and
/// 配合 below it): a task column and a lead or responsible column at least.
fn header_columns(row: &[String], below: Option<&[String]>) -> Option<Vec<Option<Column>>> {
    let width = row.len().max(below.map_or(0, <[String]>::len));
    let mut columns: Vec<Option<Column>> = (0..width)
        .map(|i| row.get(i).and_then(|cell| column_of(cell)))
        .collect();
    if let Some(below) = below {
        let below_columns: Vec<Option<Column>> = below.iter().map(|cell| column_of(cell)).collect();
        let below_is_header = is_second_header(below);
        if below_is_header {
            for (i, column) in below_columns.into_iter().enumerate() {
                if column.is_some() {
                    columns[i] = column;
                }
            }
        }
    }
    let has = |wanted: Column| columns.contains(&Some(wanted));
    if !has(Column::Task) || !(has(Column::Lead) || has(Column::Responsible)) {
        return None;
    }
    // Beside a 牵头 column, 责任单位 lists the others; beside a 配合 column, it names the
    // leads.
    if has(Column::Lead) {
        for column in &mut columns {
            if *column == Some(Column::Responsible) {
                *column = Some(Column::Participants);
            }
        }
    } else if has(Column::Participants) {
        for column in &mut columns {
            if *column == Some(Column::Responsible) {
                *column = Some(Column::Lead);
            }
        }
    }
    Some(columns)
}

static SECTION_MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:[（(]?([一二三四五六七八九十]{1,3})[）)、．.]|第([一二三四五六七八九十]{1,3})[部分类])\s*")
        .expect("a constant pattern compiles")
});
static ITEM_MARK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*[（(]?[0-9０-９]{1,3}[）)．.、]\s*").expect("a constant pattern compiles")
});
static YEAR_MONTH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(\d{4})\s*年\s*(?:(\d{1,2})\s*月)?").expect("a constant pattern compiles")
});

/// A table found in a document, with its header and the rows below it.
struct Found<'a> {
    columns: Vec<Option<Column>>,
    rows: &'a [Vec<String>],
}

fn find_header(table: &[Vec<String>]) -> Option<Found<'_>> {
    for (index, row) in table.iter().enumerate().take(200) {
        let below = table.get(index + 1).map(Vec::as_slice);
        if let Some(columns) = header_columns(row, below) {
            let skip = if below.is_some_and(is_second_header) {
                2
            } else {
                1
            };
            return Some(Found {
                columns,
                rows: &table[index + skip..],
            });
        }
    }
    None
}

/// Reads the first table that has a task column and a lead (or 责任单位) column. `preamble`
/// is the text around the tables (title, document number, year).
pub(super) fn parse_tables(
    tables: &[TableRows],
    preamble: &str,
    context: &mut TaskContext<'_>,
) -> Option<Vec<ParsedSection>> {
    let mut sections = Vec::new();
    for table in tables {
        let Some(found) = find_header(table) else {
            continue;
        };
        read_rows(&found, preamble, context, &mut sections);
    }
    let tasks: usize = sections.iter().map(|s: &ParsedSection| s.tasks.len()).sum();
    (tasks > 0).then_some(sections)
}

fn cell<'a>(row: &'a [String], columns: &[Option<Column>], wanted: Column) -> Vec<&'a str> {
    columns
        .iter()
        .enumerate()
        .filter(|(_, c)| **c == Some(wanted))
        .filter_map(|(i, _)| row.get(i).map(|t| t.trim()))
        .filter(|t| !t.is_empty())
        .collect()
}

/// Names written one per line or separated by spaces, as a list `A、B`.
fn name_list(cells: &[&str]) -> String {
    cells
        .iter()
        .flat_map(|c| c.split(|ch: char| ch.is_whitespace()))
        .map(|name| name.trim_matches(['，', ',', '、', '；', ';']))
        .filter(|name| !name.is_empty())
        .collect::<Vec<_>>()
        .join("、")
}

#[expect(
    clippy::too_many_lines,
    reason = "one pass over a 任务分工表's rows, its column rules in order"
)]
fn read_rows(
    found: &Found<'_>,
    _preamble: &str,
    context: &mut TaskContext<'_>,
    sections: &mut Vec<ParsedSection>,
) {
    let columns = &found.columns;
    let mut current_section: Option<String> = None;
    let mut section_tasks: Vec<ParsedTask> = Vec::new();
    let mut numbers: Vec<String> = Vec::new();
    let finish = |title: Option<String>,
                  tasks: &mut Vec<ParsedTask>,
                  numbers: &mut Vec<String>,
                  sections: &mut Vec<ParsedSection>| {
        if tasks.is_empty() {
            return;
        }
        let ordinal = sections.len() + 1;
        let title = title.unwrap_or_else(|| "重点任务".to_owned());
        let (number, title) = match SECTION_MARK.captures(&title) {
            Some(c) => {
                let numeral = c.get(1).or(c.get(2)).map_or("", |m| m.as_str()).to_owned();
                let rest = title[c.get(0).map_or(0, |m| m.end())..].trim().to_owned();
                (numeral, rest)
            }
            None => (chinese_numeral(ordinal), title),
        };
        let mut tasks = std::mem::take(tasks);
        let numbers = std::mem::take(numbers);
        for (index, task) in tasks.iter_mut().enumerate() {
            let own = numbers.get(index).map(String::as_str).unwrap_or("");
            task.code = if own.is_empty() {
                format!("{ordinal}.{}", index + 1)
            } else {
                format!("{ordinal}.{own}")
            };
        }
        // Duplicate numbers within a section (a table that numbers sub-rows 1, 1, 2) get
        // their position instead.
        let mut seen = HashSet::new();
        if tasks.iter().any(|t| !seen.insert(t.code.clone())) {
            for (index, task) in tasks.iter_mut().enumerate() {
                task.code = format!("{ordinal}.{}", index + 1);
            }
        }
        sections.push(ParsedSection {
            number,
            title,
            headings: Vec::new(),
            tasks,
        });
    };
    for row in found.rows {
        let task_text = cell(row, columns, Column::Task).join("");
        let leads = cell(row, columns, Column::Lead);
        let participants = cell(row, columns, Column::Participants);
        let responsible = cell(row, columns, Column::Responsible);
        let filled: Vec<&str> = row
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        if filled.is_empty() {
            continue;
        }
        let section_value = cell(row, columns, Column::Section).join("");
        // A row with one text across the table (a merged heading) or a numbered heading
        // without departments starts a section.
        let no_departments = leads.is_empty() && participants.is_empty() && responsible.is_empty();
        let heading = if no_departments {
            let distinct: HashSet<&str> = filled.iter().copied().collect();
            (distinct.len() == 1 || SECTION_MARK.is_match(filled[0]))
                .then(|| {
                    filled
                        .iter()
                        .find(|c| column_of(c) != Some(Column::Number))
                        .copied()
                })
                .flatten()
        } else {
            None
        };
        // A note row (`注：以下各项工作均需…落实，不再列出`) applies to the tasks after it.
        if no_departments && task_text.is_empty() || heading.is_some() {
            let text = filled.join("");
            let note = text.trim_start_matches(['注', '：', ':', ' ']);
            if super::notes::is_standing_text(note) || super::notes::is_standing_text(&text) {
                super::push_standing(context, note.trim_end_matches(['。', '；']));
                continue;
            }
        }
        if let Some(title) = heading {
            finish(
                current_section.take(),
                &mut section_tasks,
                &mut numbers,
                sections,
            );
            current_section = Some(title.to_owned());
            continue;
        }
        if !section_value.is_empty() && current_section.as_deref() != Some(section_value.as_str()) {
            finish(
                current_section.take(),
                &mut section_tasks,
                &mut numbers,
                sections,
            );
            current_section = Some(section_value.clone());
        }
        if task_text.is_empty() || no_departments {
            if !task_text.is_empty() {
                context.warnings.push(Warning {
                    message: format!(
                        "表格中“{}”这一行没有牵头单位，未作为任务导入",
                        short(&task_text)
                    ),
                    task_code: None,
                    span: None,
                });
            }
            continue;
        }
        let goal = cell(row, columns, Column::Goal).join("；");
        // A cell of several paragraphs (Word) or wrapped lines is one text.
        let deadline: String = cell(row, columns, Column::Deadline)
            .join("；")
            .lines()
            .map(str::trim)
            .collect();
        let task_text: String = task_text.lines().map(str::trim).collect();
        let body = ITEM_MARK.replace(&task_text, "").trim().to_owned();
        let body = if goal.is_empty() {
            body
        } else {
            format!("{body}（目标：{goal}）")
        };
        let content = if responsible.is_empty() {
            let mut content = format!("牵头单位：{}", name_list(&leads));
            if !participants.is_empty() {
                content.push_str(&format!("；配合单位：{}", name_list(&participants)));
            }
            content
        } else {
            format!("责任单位：{}", name_list(&responsible))
        };
        let note = format!("（{content}）");
        let mut task = super::make_task(&body, &note, &content, true, 0..0, context);
        task.deadline = deadline.clone();
        add_deadline(&mut task, &deadline, context.year);
        numbers.push(
            cell(row, columns, Column::Number)
                .first()
                .map(|n| n.trim_matches(['.', '．', '、']).to_owned())
                .filter(|n| n.chars().all(|c| c.is_ascii_digit()) && !n.is_empty())
                .unwrap_or_default(),
        );
        section_tasks.push(task);
    }
    finish(
        current_section.take(),
        &mut section_tasks,
        &mut numbers,
        sections,
    );
}

fn short(text: &str) -> String {
    let mut short: String = text.chars().take(20).collect();
    if text.chars().count() > 20 {
        short.push('…');
    }
    short
}

fn chinese_numeral(n: usize) -> String {
    const DIGITS: [&str; 10] = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    match n {
        1..=9 => DIGITS[n].to_owned(),
        10 => "十".to_owned(),
        11..=19 => format!("十{}", DIGITS[n - 10]),
        20..=99 => format!("{}十{}", DIGITS[n / 10], DIGITS[n % 10]),
        _ => n.to_string(),
    }
}

/// The 完成时限 cell: dated where it gives a date (`2020年6月底前`, `2020年12月`, `2020年`),
/// kept as text only when it does not (`长期坚持`, `持续推进`, `每季度`).
fn add_deadline(task: &mut ParsedTask, deadline: &str, year: i32) {
    if deadline.is_empty() {
        return;
    }
    let (mut dated, _) = super::dates::milestones(deadline, year);
    if dated.is_empty()
        && let Some(found) = YEAR_MONTH.captures(deadline)
    {
        let y: i32 = found[1].parse().unwrap_or(year);
        let date = match found.get(2).and_then(|m| m.as_str().parse::<u32>().ok()) {
            Some(m) => super::dates::last_day(y, m),
            None => chrono::NaiveDate::from_ymd_opt(y, 12, 31),
        };
        if let Some(due_date) = date {
            dated.push(Milestone {
                id: 0,
                due_date,
                wording: found[0].trim().to_owned(),
                clause: String::new(),
                done_on: None,
                done_note: String::new(),
            });
        }
    }
    for mut milestone in dated {
        if milestone.clause.is_empty() {
            milestone.clause = task.title.clone();
        }
        if !task
            .milestones
            .iter()
            .any(|m| m.due_date == milestone.due_date)
        {
            task.milestones.push(milestone);
        }
    }
}

/// Reads a plan made of tables: `tables` from a Word or spreadsheet file, or found in the text.
pub(super) fn parse(
    tables: &[TableRows],
    text: &str,
    known: &super::DepartmentNames,
) -> Result<ParsedPlan, PlanTextError> {
    let (source, blocks) = super::blocks::split(text);
    let header = super::blocks::header(&blocks, &source, text);
    let mut warnings = Vec::new();
    let mut new_departments = Vec::new();
    let mut context = TaskContext {
        year: header.year,
        known,
        first_listed_leads: super::notes::first_listed_leads(&source),
        warnings: &mut warnings,
        new_departments: &mut new_departments,
        new_department_set: HashSet::new(),
        standing: Vec::new(),
        standing_set: HashSet::new(),
    };
    let mut found_tables: Vec<TableRows> = tables.to_vec();
    if tables.iter().all(|t| find_header(t).is_none()) {
        found_tables = flattened_tables(text);
    }
    let rows: usize = found_tables.iter().map(Vec::len).sum();
    if rows > super::MAX_TABLE_TASKS + MAX_COLUMNS {
        return Err(PlanTextError::TooManyTasks(super::MAX_TABLE_TASKS));
    }
    let sections = parse_tables(&found_tables, text, &mut context).ok_or(PlanTextError::NoTasks)?;
    let notes = std::mem::take(&mut context.standing);
    super::warn_new_departments(&new_departments, &mut warnings);
    Ok(ParsedPlan {
        title: header.title,
        year: header.year,
        document_number: header.document_number,
        issuer: header.issuer,
        issued_on: header.issued_on,
        targets: Vec::new(),
        sections,
        new_departments,
        notes,
        warnings,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_known_by_their_headers() {
        for (header, column) in [
            ("序号", Some(Column::Number)),
            ("重点任务", Some(Column::Task)),
            ("任务内容及目标", Some(Column::Task)),
            ("工作目标", Some(Column::Goal)),
            ("项目名称", Some(Column::Task)),
            ("牵头单位", Some(Column::Lead)),
            ("牵头县领导", None),
            ("责任人", None),
            ("配合单位（责任单位）", Some(Column::Participants)),
            ("责任单位", Some(Column::Responsible)),
            ("完成时限", Some(Column::Deadline)),
            ("时间节点", Some(Column::Deadline)),
            ("类别", Some(Column::Section)),
            ("备注", None),
        ] {
            assert_eq!(column_of(header), column, "{header}");
        }
    }

    #[test]
    fn a_leaders_column_is_not_the_leads() {
        let rows: Vec<Vec<String>> = [
            vec!["序号", "工作任务", "牵头县领导", "责任单位", "完成时间"],
            vec![
                "1",
                "推进受污染耕地安全利用。",
                "张三",
                "县农业农村局、县生态环境局",
                "2020年底前",
            ],
        ]
        .iter()
        .map(|row| row.iter().map(|c| (*c).to_owned()).collect())
        .collect();
        let known = crate::plan_text::DepartmentNames::new(&[]);
        let text = "2020年土壤污染防治工作任务分工表\n注：各项任务排在第一位的为牵头单位，其他为配合单位。";
        let plan = parse(&[rows], text, &known).expect("a plan");
        let task = plan.tasks().next().expect("a task");
        let leads: Vec<&str> = task.leads.iter().map(|p| p.name.as_str()).collect();
        let participants: Vec<&str> = task.participants.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(leads, ["县农业农村局"]);
        assert_eq!(participants, ["县生态环境局"]);
        assert_eq!(
            task.milestones[0].due_date,
            chrono::NaiveDate::from_ymd_opt(2020, 12, 31).expect("date")
        );
    }
}
