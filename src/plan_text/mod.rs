//! Reading a plan document's text into a plan: header, targets, sections, tasks with their
//! lead and participating departments, and dated milestones. Pure: no I/O, no egui.
//!
//! The text may come straight out of a PDF (blank lines, page numbers such as `— 3 —`, lines
//! broken inside words and department names) or from Word (one paragraph per line). Lines are
//! joined into blocks that start at a numbering mark; responsibility notes in brackets split
//! blocks into tasks. Whatever is doubtful becomes a warning, never a silent guess.

mod blocks;
mod dates;
mod input;
mod names;
mod notes;
mod table;

use std::collections::HashSet;
use std::ops::Range;

use chrono::NaiveDate;

pub use input::{InputError, MAX_INPUT_BYTES, decode_file, decode_text};
pub use names::DepartmentNames;
pub use table::TableRows;

use crate::model::{Milestone, Target};
use blocks::BlockKind;

/// A department's part in an imported task, by name (not yet in the ledger).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NamedPart {
    /// Canonical name of a known department, or the new name.
    pub name: String,
    /// e.g. `负责农用地`; empty for the whole task.
    pub scope: String,
}

/// A task found in the document.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedTask {
    pub code: String,
    pub title: String,
    pub body: String,
    /// The responsibility note verbatim, brackets included; empty when the task has none.
    pub note: String,
    pub leads_separately: bool,
    pub leads: Vec<NamedPart>,
    pub participants: Vec<NamedPart>,
    pub milestones: Vec<Milestone>,
    /// A table plan's 完成时限 as written (`2020年6月底前`, `长期坚持`); empty in prose plans,
    /// whose dates are in the text.
    pub deadline: String,
    /// Where the task stands in [`ParsedPlan::source`].
    pub span: Range<usize>,
}

/// A numbered section `（一）…` with its tasks.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedSection {
    pub number: String,
    pub title: String,
    /// Numbered items that only group sub-items.
    pub headings: Vec<crate::model::Heading>,
    pub tasks: Vec<ParsedTask>,
}

/// Something the reader is not sure of, shown to the user to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub message: String,
    /// The task it concerns, if any.
    pub task_code: Option<String>,
    pub span: Option<Range<usize>>,
}

/// Everything read from a plan document.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedPlan {
    pub title: String,
    pub year: i32,
    pub document_number: String,
    pub issuer: String,
    pub issued_on: Option<NaiveDate>,
    pub targets: Vec<Target>,
    pub sections: Vec<ParsedSection>,
    /// Department names not found in the ledger; committing creates them.
    pub new_departments: Vec<String>,
    /// Notes that apply to every later task rather than naming departments, e.g.
    /// `以下各项工作均需各县、区人民政府落实，不再列出`.
    pub notes: Vec<String>,
    pub warnings: Vec<Warning>,
    /// The cleaned text (one block per line) that spans point into.
    pub source: String,
}

impl ParsedPlan {
    /// All tasks in document order.
    pub fn tasks(&self) -> impl Iterator<Item = &ParsedTask> {
        self.sections.iter().flat_map(|s| s.tasks.iter())
    }

    /// All tasks, mutable.
    pub fn tasks_mut(&mut self) -> impl Iterator<Item = &mut ParsedTask> {
        self.sections.iter_mut().flat_map(|s| s.tasks.iter_mut())
    }

    /// Recomputes which department names are new, after the user edited names.
    pub fn refresh_new_departments(&mut self, known: &DepartmentNames) {
        let mut new: Vec<String> = Vec::new();
        let mut seen: HashSet<&str> = HashSet::new();
        for task in self.tasks() {
            for part in task.leads.iter().chain(&task.participants) {
                if !known.is_canonical(&part.name) && seen.insert(&part.name) {
                    new.push(part.name.clone());
                }
            }
        }
        self.new_departments = new;
    }
}

/// Why a text is not a plan.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PlanTextError {
    #[error("内容是空的。")]
    Empty,
    #[error("没有找到任何带责任分工（如“（××局牵头，××局参与）”）的任务，这段文字不像工作计划。")]
    NoTasks,
    #[error("表格中的任务超过 {0} 项，这不像一份工作计划，未导入。请检查文件是否选错。")]
    TooManyTasks(usize),
}

/// The most tasks a plan written as a table may have.
pub const MAX_TABLE_TASKS: usize = 20_000;

/// Reads a plan document: its text, and the tables of a Word or spreadsheet file. A plan in
/// prose (tasks with bracketed responsibility notes) and a plan written as a table
/// (任务分工表, in the file's tables or flattened into the text) are both read; the prose
/// reading wins unless it finds fewer than three tasks and the table more.
pub fn parse_plan_document(
    text: &str,
    tables: &[TableRows],
    known: &DepartmentNames,
) -> Result<ParsedPlan, PlanTextError> {
    let prose = parse_plan(text, known);
    let table = if text.trim().is_empty() && tables.is_empty() {
        Err(PlanTextError::Empty)
    } else {
        table::parse(tables, text, known)
    };
    // Tasks with their own responsibility notes are the plan; a table wins only when the
    // prose gives next to nothing (a table in the attachment, such as the city's progress
    // form, is not the plan's tasks).
    let mut plan = match (prose, table) {
        (Ok(prose), Ok(table))
            if prose.tasks().count() < 3 && table.tasks().count() > prose.tasks().count() =>
        {
            table
        }
        (Ok(prose), _) => prose,
        (Err(_), Ok(table)) => table,
        (Err(error), Err(_)) => return Err(error),
    };
    // A standing clause on a line of its own (above a table, under 二、重点任务) is a note.
    let mut seen: HashSet<String> = plan.notes.iter().cloned().collect();
    for line in text.lines().take(MAX_NOTE_LINES) {
        let line = line.trim().trim_end_matches(['。', '；', ';']);
        let line = line.trim_start_matches(['注', '：', ':']).trim();
        // A whole clause, not a line of one cut by the page (`以下各项工作均需各乡（镇`).
        let whole = ["不再列出", "不再一一列出", "不再重复", "下同"]
            .iter()
            .any(|end| line.contains(end))
            || line.ends_with("落实");
        if whole && notes::is_standing_text(line) && seen.insert(line.to_owned()) {
            plan.notes.push(line.to_owned());
        }
    }
    // A plan without a title of its own (a table issued as 附件 with no heading) gets one to
    // check, not a refusal at the end.
    if plan.title.trim().is_empty() && plan.year > 0 {
        plan.title = format!("{}年重点工作计划", plan.year);
        plan.warnings.insert(
            0,
            Warning {
                message: format!("文件中没有找到计划名称，已暂用“{}”，请核对", plan.title),
                task_code: None,
                span: None,
            },
        );
    }
    if plan.year == 0 {
        plan.warnings.insert(
            0,
            Warning {
                message: "没有在文件中找到计划的年度，请填写".to_owned(),
                task_code: None,
                span: None,
            },
        );
    }
    Ok(plan)
}

/// The lines looked at for standing clauses of their own.
const MAX_NOTE_LINES: usize = 100_000;

/// Reads a plan document's text. `known` holds the ledger's department names and aliases, so
/// that names map onto existing departments.
pub fn parse_plan(text: &str, known: &DepartmentNames) -> Result<ParsedPlan, PlanTextError> {
    if text.trim().is_empty() {
        return Err(PlanTextError::Empty);
    }
    let (source, blocks) = blocks::split(text);
    let mut warnings = Vec::new();
    let header = blocks::header(&blocks, &source, text);
    let year = header.year;
    let first_listed_leads = notes::first_listed_leads(&source);

    let parts = blocks::parts(&blocks);
    let targets = parts
        .targets
        .map(|range| dates::targets(&blocks[range], year))
        .unwrap_or_default();

    let mut sections: Vec<ParsedSection> = Vec::new();
    // Tasks before any section (a short plan without （一）…) are the first part.
    let mut builder = SectionBuilder {
        ordinal: 1,
        ..SectionBuilder::default()
    };
    let task_blocks = &blocks[parts.tasks.clone()];
    let mut new_departments: Vec<String> = Vec::new();
    let mut context = TaskContext {
        year,
        known,
        first_listed_leads,
        warnings: &mut warnings,
        new_departments: &mut new_departments,
        new_department_set: HashSet::new(),
        standing: Vec::new(),
        standing_set: HashSet::new(),
    };
    for (index, block) in task_blocks.iter().enumerate() {
        let next_kind = task_blocks.get(index + 1).map(|b| b.kind.clone());
        match &block.kind {
            BlockKind::Section(number) => {
                if let Some(section) = builder.finish(&mut context) {
                    sections.push(section);
                }
                let (title, rest) = blocks::section_title(block);
                builder = SectionBuilder {
                    number: number.clone(),
                    title,
                    ordinal: sections.len() + 1,
                    ..SectionBuilder::default()
                };
                if let Some((text, start)) = rest {
                    builder.unnumbered(&text, start, &mut context);
                }
            }
            BlockKind::Item(number) => {
                builder.item = Some(*number);
                let has_subitems = matches!(next_kind, Some(BlockKind::SubItem(_)));
                let code = format!("{}.{}", builder.ordinal, number);
                if !notes::has_note(&block.text) && has_subitems {
                    builder.headings.push(crate::model::Heading {
                        code,
                        title: blocks::first_sentence(&block.text),
                    });
                } else {
                    builder.numbered(&code, &block.text, block.text_start, &mut context);
                }
            }
            BlockKind::SubItem(number) => {
                let item = builder.item.unwrap_or(0);
                let code = format!("{}.{}.{}", builder.ordinal, item, number);
                builder.numbered(&code, &block.text, block.text_start, &mut context);
            }
            BlockKind::Plain => {
                builder.unnumbered(&block.text, block.text_start, &mut context);
            }
            BlockKind::TopLevel(_) | BlockKind::Attachment => {}
        }
    }
    if let Some(section) = builder.finish(&mut context) {
        sections.push(section);
    }
    let notes = std::mem::take(&mut context.standing);
    sections.retain(|s| !s.tasks.is_empty() || !s.headings.is_empty());

    if !sections
        .iter()
        .any(|s| s.tasks.iter().any(|t| !t.note.is_empty()))
    {
        return Err(PlanTextError::NoTasks);
    }
    for range in &parts.skipped_notes {
        warnings.push(Warning {
            message: "这段带责任分工的文字不在“重点任务”部分，未作为任务导入".to_owned(),
            task_code: None,
            span: Some(range.clone()),
        });
    }
    warn_new_departments(&new_departments, &mut warnings);
    // Point each warning at the task whose text it is about.
    let tasks = TaskSpans::new(
        sections
            .iter()
            .flat_map(|s| &s.tasks)
            .map(|t| (&t.span, t.code.as_str())),
    );
    for warning in &mut warnings {
        if warning.task_code.is_some() {
            continue;
        }
        let Some(span) = &warning.span else { continue };
        warning.task_code = tasks.at(span.start).map(str::to_owned);
    }
    Ok(ParsedPlan {
        title: header.title,
        year,
        document_number: header.document_number,
        issuer: header.issuer,
        issued_on: header.issued_on,
        targets,
        sections,
        new_departments,
        notes,
        warnings,
        source,
    })
}

/// A warning for each department name the ledger does not know: committing creates it.
fn warn_new_departments(new_departments: &[String], warnings: &mut Vec<Warning>) {
    for name in new_departments {
        warnings.push(Warning {
            message: format!(
                "“{name}”与台账中的部门都对不上，提交时将新建该部门；如是别名请改成已有部门"
            ),
            task_code: None,
            span: None,
        });
    }
}

/// The tasks' spans in document order, to find the task a place in the source belongs to
/// without going through all tasks for every warning.
struct TaskSpans<'a> {
    /// Each task's start, end (at least one past the start) and code.
    spans: Vec<(usize, usize, &'a str)>,
    /// The largest end among the tasks up to each one.
    reach: Vec<usize>,
    /// Whether the starts never decrease (always, as tasks are cut from the source in order);
    /// otherwise every lookup goes through all tasks.
    sorted: bool,
}

impl<'a> TaskSpans<'a> {
    /// The tasks' spans and codes, in document order.
    fn new(tasks: impl IntoIterator<Item = (&'a Range<usize>, &'a str)>) -> Self {
        let spans: Vec<(usize, usize, &str)> = tasks
            .into_iter()
            .map(|(span, code)| (span.start, span.end.max(span.start + 1), code))
            .collect();
        let reach = spans
            .iter()
            .scan(0, |reach, &(_, end, _)| {
                *reach = end.max(*reach);
                Some(*reach)
            })
            .collect();
        let sorted = spans.windows(2).all(|pair| pair[0].0 <= pair[1].0);
        Self {
            spans,
            reach,
            sorted,
        }
    }

    /// The code of the first task (in document order) whose span holds `at`.
    fn at(&self, at: usize) -> Option<&'a str> {
        let index = if self.sorted {
            // The tasks starting at or before `at` come first; among them, the first whose
            // end lies past `at` is the first whose running largest end does.
            let starting = self.spans.partition_point(|&(start, _, _)| start <= at);
            let index = self.reach[..starting].partition_point(|&reach| reach <= at);
            (index < starting).then_some(index)
        } else {
            self.spans
                .iter()
                .position(|&(start, end, _)| start <= at && at < end)
        };
        index.map(|i| self.spans[i].2)
    }
}

struct TaskContext<'a> {
    year: i32,
    known: &'a DepartmentNames,
    first_listed_leads: bool,
    warnings: &'a mut Vec<Warning>,
    new_departments: &'a mut Vec<String>,
    /// The names in `new_departments`, to look them up at once.
    new_department_set: HashSet<String>,
    /// Standing notes found so far.
    standing: Vec<String>,
    /// The same, to look them up at once.
    standing_set: HashSet<String>,
}

/// A task's text before codes are final: unnumbered paragraphs get theirs when the section
/// ends.
struct PendingTask {
    code: Option<String>,
    task: ParsedTask,
}

#[derive(Default)]
struct SectionBuilder {
    number: String,
    title: String,
    /// The section's number as a digit (its position among sections).
    ordinal: usize,
    item: Option<u32>,
    headings: Vec<crate::model::Heading>,
    tasks: Vec<PendingTask>,
}

impl SectionBuilder {
    /// A numbered item or sub-item: one task per note; parts after the first note get `-2`…
    fn numbered(&mut self, code: &str, text: &str, start: usize, context: &mut TaskContext<'_>) {
        for (index, task) in split_tasks(text, start, context).into_iter().enumerate() {
            let code = if index == 0 {
                code.to_owned()
            } else {
                format!("{code}-{}", index + 1)
            };
            self.tasks.push(PendingTask {
                code: Some(code),
                task,
            });
        }
    }

    fn unnumbered(&mut self, text: &str, start: usize, context: &mut TaskContext<'_>) {
        for task in split_tasks(text, start, context) {
            self.tasks.push(PendingTask { code: None, task });
        }
    }

    fn finish(&mut self, context: &mut TaskContext<'_>) -> Option<ParsedSection> {
        if self.title.is_empty() && self.tasks.is_empty() {
            return None;
        }
        let tasks = std::mem::take(&mut self.tasks);
        let only_one_unnumbered = tasks.len() == 1 && tasks[0].code.is_none();
        let mut used: HashSet<String> = tasks.iter().filter_map(|t| t.code.clone()).collect();
        let mut ordinal = 0;
        let mut finished = Vec::with_capacity(tasks.len());
        for pending in tasks {
            let mut task = pending.task;
            match pending.code {
                Some(code) => task.code = code,
                None if only_one_unnumbered => {
                    task.code = self.ordinal.to_string();
                    task.title = self.title.clone();
                }
                None => {
                    ordinal += 1;
                    let mut code = format!("{}.{ordinal}", self.ordinal);
                    let mut suffix = 2;
                    while used.contains(&code) {
                        code = format!("{}.{ordinal}-{suffix}", self.ordinal);
                        suffix += 1;
                    }
                    used.insert(code.clone());
                    task.code = code;
                }
            }
            if task.note.is_empty() {
                context.warnings.push(Warning {
                    message: "这项任务没有责任分工说明（可能是文字被截断），请补上牵头部门"
                        .to_owned(),
                    task_code: Some(task.code.clone()),
                    span: Some(task.span.clone()),
                });
            } else if task.leads.is_empty() {
                context.warnings.push(Warning {
                    message: format!("无法从责任分工“{}”中读出牵头部门", task.note),
                    task_code: Some(task.code.clone()),
                    span: Some(task.span.clone()),
                });
            }
            finished.push(task);
        }
        Some(ParsedSection {
            number: std::mem::take(&mut self.number),
            title: std::mem::take(&mut self.title),
            headings: std::mem::take(&mut self.headings),
            tasks: finished,
        })
    }
}

/// Splits a block's text at its responsibility notes: each note belongs to the text before it.
fn split_tasks(text: &str, start: usize, context: &mut TaskContext<'_>) -> Vec<ParsedTask> {
    let found = notes::find_notes(text);
    let mut tasks = Vec::new();
    let mut from = 0;
    for note in &found {
        let body = without_leading_stray(&text[from..note.range.start]);
        let note_text = &text[note.range.clone()];
        let span = start + from..start + note.range.end;
        tasks.push(make_task(
            body,
            note_text,
            &note.content,
            note.closed,
            span,
            context,
        ));
        from = note.range.end;
    }
    let rest = without_leading_stray(&text[from..]);
    if notes::is_standing_text(rest) {
        push_standing(context, rest.trim_end_matches(['。', '；', ';']));
        return tasks;
    }
    // What follows the last note is a task of its own only if it says something.
    if rest.chars().filter(|c| c.is_alphanumeric()).count() >= 6 {
        let span = start + from..start + text.len();
        tasks.push(make_task(rest, "", "", true, span, context));
    }
    tasks
}

/// A text without the closing brackets and punctuation left over before it by the note
/// before (`）]`, `）。`): they close nothing and start nothing.
fn without_leading_stray(text: &str) -> &str {
    text.trim_start_matches(|c: char| {
        notes::is_closing(c) || c.is_whitespace() || "。，；,;".contains(c)
    })
    .trim_end()
}

/// Keeps a standing note (`以下各项工作均需…落实，不再列出`) once.
fn push_standing(context: &mut TaskContext<'_>, text: &str) {
    let text = text.trim();
    if !text.is_empty() && context.standing_set.insert(text.to_owned()) {
        context.standing.push(text.to_owned());
    }
}

fn make_task(
    body: &str,
    note: &str,
    note_content: &str,
    closed: bool,
    span: Range<usize>,
    context: &mut TaskContext<'_>,
) -> ParsedTask {
    let parsed = notes::parse_note(note_content, context.first_listed_leads);
    let mut resolver = context.known.resolver();
    let mut resolve = |parts: Vec<(String, String)>| -> Vec<NamedPart> {
        let mut resolved: Vec<NamedPart> = Vec::new();
        let mut seen: HashSet<String> = HashSet::new();
        for (raw, scope) in parts {
            let (name, is_new) = resolver.resolve(&raw);
            if is_new && !context.new_department_set.contains(&name) {
                context.new_department_set.insert(name.clone());
                context.new_departments.push(name.clone());
            }
            if seen.insert(name.clone()) {
                resolved.push(NamedPart { name, scope });
            }
        }
        resolved
    };
    let leads = resolve(parsed.leads);
    let lead_names: HashSet<&str> = leads.iter().map(|l| l.name.as_str()).collect();
    let participants: Vec<NamedPart> = resolve(parsed.participants)
        .into_iter()
        .filter(|p| !lead_names.contains(p.name.as_str()))
        .collect();
    let (milestones, vague) = dates::milestones(body, context.year);
    for phrase in vague {
        context.warnings.push(Warning {
            message: format!("“{phrase}”无法确定具体日期，未作为时间节点，请手工补充"),
            task_code: None,
            span: Some(span.clone()),
        });
    }
    for standing in &parsed.standing {
        push_standing(context, standing);
    }
    for message in parsed.warnings {
        context.warnings.push(Warning {
            message,
            task_code: None,
            span: Some(span.clone()),
        });
    }
    if !closed {
        context.warnings.push(Warning {
            message: "责任分工的括号没有闭合，文字可能被截断".to_owned(),
            task_code: None,
            span: Some(span.clone()),
        });
    }
    ParsedTask {
        code: String::new(),
        title: blocks::first_sentence(body),
        body: body.to_owned(),
        note: note.to_owned(),
        leads_separately: parsed.separately,
        leads,
        participants,
        milestones,
        deadline: String::new(),
        span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lookup finds what going through every task finds: the first task holding the
    /// place, empty spans counting as one byte long, overlapping spans included.
    #[test]
    fn a_place_maps_to_the_first_task_holding_it() {
        let spans: Vec<Range<usize>> = vec![0..4, 4..4, 5..9, 6..7, 7..20, 12..12, 12..15, 30..31];
        let codes: Vec<String> = (0..spans.len()).map(|i| i.to_string()).collect();
        let tasks = TaskSpans::new(spans.iter().zip(codes.iter().map(String::as_str)));
        assert!(tasks.sorted);
        let unsorted = TaskSpans {
            sorted: false,
            ..TaskSpans::new(spans.iter().zip(codes.iter().map(String::as_str)))
        };
        for at in 0..40 {
            let expected = spans
                .iter()
                .position(|s| s.start <= at && at < s.end.max(s.start + 1))
                .map(|i| codes[i].as_str());
            assert_eq!(tasks.at(at), expected, "{at}");
            assert_eq!(unsorted.at(at), expected, "{at}");
        }
        assert_eq!(tasks.at(4), Some("1"));
        assert_eq!(tasks.at(10), Some("4"));
        assert_eq!(tasks.at(25), None);
    }
}
