//! 导入计划: a plan document read, reviewed beside its source, and committed as a new plan.

use super::command::{Command, PlanImport};
use super::context::PlanContext;
use super::widgets::{labelled_field, section_title};
use crate::model::{Milestone, format_date_cn, parse_date};
use crate::plan_text::{DepartmentNames, NamedPart, ParsedPlan, TableRows};
use crate::store::SourceFile;

mod review;

use review::*;

/// The plan import page (导入计划): paste a plan document's text or open a file, review what
/// was read beside the source, correct it, then commit it as a new plan. Nothing is written
/// before the commit.
#[derive(Default)]
pub struct PlanImportView {
    input: String,
    /// The tables of the opened Word or spreadsheet file (a plan written as a table).
    tables: Vec<TableRows>,
    /// A path typed when the file dialog cannot open.
    typed_path: String,
    source_file: Option<SourceFile>,
    review: Option<Review>,
    error: Option<String>,
    /// A file being read on a worker.
    reading: Option<super::jobs::Worker<Result<super::jobs::PlanFile, String>>>,
}

struct Review {
    parsed: ParsedPlan,
    /// (section index, task index) of the task on show.
    selected: Option<(usize, usize)>,
    /// The selection changed: scroll the source to it.
    scroll_to_selection: bool,
    make_current: bool,
    issued_on: String,
    year: String,
    new_name: String,
    milestone_dates: Vec<String>,
    /// The carried or blank plan of the same year this plan would take the place of.
    replace: Option<ReplaceChoice>,
    /// Show the matches with the carried plan's tasks instead of the task list.
    show_matches: bool,
}

/// Taking the place of a carried (沿用上年) or blank plan.
struct ReplaceChoice {
    target: i64,
    label: String,
    /// Replace it (else the plan is stored beside it).
    enabled: bool,
    /// The carried tasks, as (id, code, title), for the pickers.
    carried: Vec<(i64, String, String)>,
    /// The user's own choices, by read task code; the rest are matched by likeness.
    overrides: std::collections::HashMap<String, Option<i64>>,
    /// The plan itself, for matching.
    plan: crate::model::Plan,
    /// The suggested matches, with the version of the read tasks they were made for.
    suggested: Option<(u64, Vec<Option<i64>>)>,
}

impl ReplaceChoice {
    /// For each read task, the carried task it continues: the user's own picks first, then
    /// the likeliest of the rest. A carried task is given once.
    fn matches(&mut self, parsed: &ParsedPlan) -> Vec<Option<i64>> {
        // Matching compares every pair of tasks: done once per version of the read tasks,
        // not once per frame.
        let key = {
            use std::hash::{Hash as _, Hasher as _};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            for task in parsed.tasks() {
                task.code.hash(&mut hasher);
                task.title.hash(&mut hasher);
                task.body.hash(&mut hasher);
                for lead in &task.leads {
                    lead.name.hash(&mut hasher);
                }
            }
            hasher.finish()
        };
        if self
            .suggested
            .as_ref()
            .is_none_or(|(cached, _)| *cached != key)
        {
            let suggested = crate::service::match_tasks(&self.plan, parsed)
                .into_iter()
                .map(|m| m.map(|m| m.task_id))
                .collect();
            self.suggested = Some((key, suggested));
        }
        let suggested = self
            .suggested
            .as_ref()
            .map(|(_, s)| s.as_slice())
            .unwrap_or(&[]);
        let codes: Vec<&str> = parsed.tasks().map(|t| t.code.as_str()).collect();
        let mut taken: std::collections::HashSet<i64> = std::collections::HashSet::new();
        let mut matches: Vec<Option<Option<i64>>> = codes
            .iter()
            .map(|code| {
                self.overrides
                    .get(*code)
                    .map(|chosen| chosen.filter(|id| taken.insert(*id)))
            })
            .collect();
        for (index, found) in matches.iter_mut().enumerate() {
            if found.is_none() {
                let suggestion = suggested.get(index).copied().flatten();
                *found = Some(suggestion.filter(|id| taken.insert(*id)));
            }
        }
        matches.into_iter().map(Option::flatten).collect()
    }
}

impl PlanImportView {
    /// Back to an empty page (after a commit).
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, data: &PlanContext<'_>, commands: &mut Vec<Command>) {
        match &mut self.review {
            None => self.input_ui(ui, data),
            Some(review) => {
                let mut cancel = false;
                review_ui(ui, review, data, &self.source_file, commands, &mut cancel);
                if cancel {
                    self.review = None;
                }
            }
        }
    }

    fn input_ui(&mut self, ui: &mut egui::Ui, data: &PlanContext<'_>) {
        self.poll_reading(ui.ctx());
        ui.heading("导入新一年度的计划");
        ui.label("把计划文件的全文粘贴到下面（从 PDF、Word 或 WPS 复制均可），或打开 .txt / .docx / .doc / .wps / .pdf / .xlsx 文件（正文式计划和任务分工表式计划均可），然后点“识别”。识别结果核对无误后才会保存。");
        ui.horizontal(|ui| {
            if ui.button("打开文件…").clicked() {
                match super::widgets::pick(|| {
                    rfd::FileDialog::new()
                        .add_filter(
                            "计划文件",
                            &[
                                "txt", "docx", "doc", "wps", "pdf", "xlsx", "xls", "ods", "TXT",
                                "DOCX", "DOC", "WPS", "PDF", "XLSX", "XLS",
                            ],
                        )
                        .add_filter("所有文件", &["*"])
                        .pick_file()
                }) {
                    super::widgets::Picked::Chosen(path) => self.open_file(&path),
                    super::widgets::Picked::Failed => {
                        self.error = Some(super::widgets::dialog_failed("打开"));
                    }
                    super::widgets::Picked::Cancelled => {}
                }
            }
            if let Some(path) = super::widgets::typed_path_ui(ui, &mut self.typed_path, "打开") {
                self.open_file(&path);
            }
            if self.reading.is_some() {
                ui.spinner();
                ui.label("正在读取文件…");
            } else if let Some(file) = &self.source_file {
                ui.label(format!("已读入：{}", file.name));
            }
            let recognise =
                ui.add_enabled(!self.input.trim().is_empty(), egui::Button::new("识别"));
            if recognise.clicked() {
                self.recognise(data);
            }
            if ui.button("清空").clicked() {
                self.input.clear();
                self.tables.clear();
                self.source_file = None;
                self.error = None;
            }
        });
        if let Some(error) = &self.error {
            ui.label(egui::RichText::new(error).color(ui.visuals().error_fg_color));
        }
        let label = ui.label("计划正文");
        egui::ScrollArea::vertical()
            .id_salt("import_input_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.add(
                    egui::TextEdit::multiline(&mut self.input)
                        .desired_rows(24)
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
            });
    }

    fn open_file(&mut self, path: &std::path::Path) {
        self.error = None;
        self.reading = Some(super::jobs::read_plan_file(path.to_path_buf()));
    }

    /// Takes the file read on the worker, once it is read.
    fn poll_reading(&mut self, ctx: &egui::Context) {
        let Some(worker) = &mut self.reading else {
            return;
        };
        let Some(result) = worker.poll() else {
            ctx.request_repaint_after(crate::ui::JOB_FALLBACK);
            return;
        };
        self.reading = None;
        match result {
            Ok(Ok(file)) => {
                self.input = file.document.text;
                self.tables = file.document.tables;
                self.error = None;
                self.source_file = Some(SourceFile {
                    name: file.name,
                    bytes: file.bytes,
                });
            }
            Ok(Err(message)) => self.error = Some(message),
            Err(super::jobs::WorkerLost) => self.error = Some("读取文件意外中止".to_owned()),
        }
    }

    fn recognise(&mut self, data: &PlanContext<'_>) {
        // A reader bug must not take the window down with the user's pasted text.
        match crate::service::recognise_plan(&self.input, &self.tables, data.departments) {
            Ok(parsed) => {
                self.error = None;
                // Pasted text is kept as the archived original.
                if self.source_file.is_none() {
                    self.source_file = Some(SourceFile {
                        name: "粘贴的文本.txt".to_owned(),
                        bytes: self.input.clone().into_bytes(),
                    });
                }
                let current_year = data.plan.year;
                let replace = data.replaceable(parsed.year).map(|plan| ReplaceChoice {
                    target: plan.id,
                    label: plan.label(),
                    enabled: true,
                    carried: plan
                        .open_tasks()
                        .map(|t| (t.id, t.code.clone(), t.title.clone()))
                        .collect(),
                    overrides: std::collections::HashMap::new(),
                    plan: plan.clone(),
                    suggested: None,
                });
                self.review = Some(Review {
                    replace,
                    make_current: parsed.year >= current_year,
                    issued_on: parsed.issued_on.map(format_date_cn).unwrap_or_default(),
                    year: parsed.year.to_string(),
                    selected: parsed
                        .sections
                        .iter()
                        .position(|s| !s.tasks.is_empty())
                        .map(|s| (s, 0)),
                    scroll_to_selection: true,
                    new_name: String::new(),
                    milestone_dates: Vec::new(),
                    show_matches: false,
                    parsed,
                });
            }
            Err(error) => self.error = Some(error.to_string()),
        }
    }
}
