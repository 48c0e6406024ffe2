//! 导入计划: a plan document read, reviewed beside its source, and committed as a new plan.

use super::command::{Command, PlanImport};
use super::context::PlanContext;
use super::widgets::{labelled_field, section_title};
use crate::model::{Milestone, format_date_cn, parse_date};
use crate::plan_text::{DepartmentNames, NamedPart, ParsedPlan, TableRows};
use crate::store::SourceFile;

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
        ui.heading("导入新一年度的计划");
        ui.label("把计划文件的全文粘贴到下面（从 PDF、Word 或 WPS 复制均可），或打开 .txt / .docx / .xlsx 文件（正文式计划和任务分工表式计划均可），然后点“识别”。识别结果核对无误后才会保存。");
        ui.horizontal(|ui| {
            if ui.button("打开文件…").clicked() {
                match super::widgets::pick(|| {
                    rfd::FileDialog::new()
                        .add_filter(
                            "计划文件",
                            &[
                                "txt", "docx", "xlsx", "xls", "ods", "TXT", "DOCX", "XLSX", "XLS",
                            ],
                        )
                        .add_filter("所有文件", &["*"])
                        .pick_file()
                }) {
                    super::widgets::Picked::Chosen(path) => self.open_file(&path),
                    super::widgets::Picked::Failed => {
                        self.error = Some(super::widgets::DIALOG_FAILED.to_owned());
                    }
                    super::widgets::Picked::Cancelled => {}
                }
            }
            if let Some(path) = super::widgets::typed_path_ui(ui, &mut self.typed_path, "打开") {
                self.open_file(&path);
            }
            if let Some(file) = &self.source_file {
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
        match crate::files::read_file(path, crate::plan_text::MAX_INPUT_BYTES)
            .map_err(|e| e.to_string())
        {
            Ok(bytes) => match crate::service::read_plan_document(&bytes) {
                Ok(document) => {
                    self.input = document.text;
                    self.tables = document.tables;
                    self.error = None;
                    self.source_file = Some(SourceFile {
                        name: path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default(),
                        bytes,
                    });
                }
                Err(error) => self.error = Some(error.to_string()),
            },
            Err(error) => self.error = Some(format!("无法读取“{}”：{error}", path.display())),
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
                    parsed,
                });
            }
            Err(error) => self.error = Some(error.to_string()),
        }
    }
}

fn review_ui(
    ui: &mut egui::Ui,
    review: &mut Review,
    data: &PlanContext<'_>,
    source_file: &Option<SourceFile>,
    commands: &mut Vec<Command>,
    cancel: &mut bool,
) {
    ui.heading("核对识别结果");
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "识别到 {} 项任务，{} 条提示，{} 个新部门。",
            review.parsed.tasks().count(),
            review.parsed.warnings.len(),
            review.parsed.new_departments.len()
        ));
        let replacing = review.replace.as_ref().is_some_and(|r| r.enabled);
        if !replacing {
            ui.checkbox(&mut review.make_current, "设为当前计划");
        }
        if let Some(replace) = &mut review.replace {
            ui.checkbox(
                &mut replace.enabled,
                format!("替换“{}”，已收集的报送保留在对应的任务上", replace.label),
            );
        }
        let save = if replacing {
            "保存并替换"
        } else {
            "保存为新计划"
        };
        if ui.button(save).clicked() {
            match finalize(review) {
                Ok(parsed) => commands.push(Command::ImportPlan(Box::new(PlanImport {
                    replaces: review
                        .replace
                        .as_mut()
                        .filter(|r| r.enabled)
                        .map(|r| (r.target, r.matches(&parsed))),
                    parsed,
                    source: source_file.clone(),
                    make_current: review.make_current || replacing,
                }))),
                Err(message) => {
                    review.parsed.warnings.insert(
                        0,
                        crate::plan_text::Warning {
                            message,
                            task_code: None,
                            span: None,
                        },
                    );
                }
            }
        }
        if ui.button("放弃").clicked() {
            *cancel = true;
        }
    });

    egui::Panel::left("import_source")
        .resizable(true)
        .default_size(460.0)
        .min_size(260.0)
        .show(ui, |ui| {
            ui.label(egui::RichText::new("原文").strong());
            source_ui(ui, review);
        });
    egui::CentralPanel::default().show(ui, |ui| {
        egui::CollapsingHeader::new("计划信息")
            .id_salt("import_header")
            .default_open(true)
            .show(ui, |ui| header_ui(ui, review));
        warnings_ui(ui, review);
        replace_ui(ui, review);
        // The task list and the selected task's editor side by side, each scrolling alone.
        ui.columns(2, |columns| {
            egui::ScrollArea::vertical()
                .id_salt("import_tasks_scroll")
                .auto_shrink([false, false])
                .show(&mut columns[0], |ui| tasks_ui(ui, review));
            egui::ScrollArea::vertical()
                .id_salt("import_editor_scroll")
                .auto_shrink([false, false])
                .show(&mut columns[1], |ui| task_editor_ui(ui, review, data));
        });
    });
}

/// Which carried task each read task continues, for the user to confirm or change.
fn replace_ui(ui: &mut egui::Ui, review: &mut Review) {
    let Some(replace) = &mut review.replace else {
        return;
    };
    if !replace.enabled {
        return;
    }
    egui::CollapsingHeader::new("与沿用上年计划的任务对应")
        .id_salt("import_matches")
        .default_open(false)
        .show(ui, |ui| {
            ui.weak("按文字相似度和牵头单位自动对应；对应上的任务保留已收集的报送，未对应的沿用任务将关闭。");
            let matches = replace.matches(&review.parsed);
            egui::Grid::new("import_matches_grid")
                .striped(true)
                .show(ui, |ui| {
                    for (task, found) in review.parsed.tasks().zip(&matches) {
                        let label = ui.label(format!("{} {}", task.code, short(&task.title)));
                        let shown = found
                            .and_then(|id| replace.carried.iter().find(|c| c.0 == id))
                            .map_or_else(
                                || "（新任务）".to_owned(),
                                |c| format!("沿用 {} {}", c.1, short(&c.2)),
                            );
                        egui::ComboBox::from_id_salt(("match", &task.code))
                            .selected_text(shown)
                            .width(320.0)
                            .show_ui(ui, |ui| {
                                if ui.selectable_label(found.is_none(), "（新任务）").clicked() {
                                    replace.overrides.insert(task.code.clone(), None);
                                }
                                for (id, code, title) in &replace.carried {
                                    let text = format!("沿用 {code} {}", short(title));
                                    if ui.selectable_label(*found == Some(*id), text).clicked() {
                                        replace.overrides.insert(task.code.clone(), Some(*id));
                                    }
                                }
                            })
                            .response
                            .labelled_by(label.id);
                        ui.end_row();
                    }
                });
            let kept: std::collections::HashSet<i64> = matches.iter().flatten().copied().collect();
            let closing: Vec<String> = replace
                .carried
                .iter()
                .filter(|c| !kept.contains(&c.0))
                .map(|c| format!("{} {}", c.1, short(&c.2)))
                .collect();
            if !closing.is_empty() {
                ui.label(format!("将关闭的沿用任务：{}", closing.join("；")));
            }
        });
}

/// A title cut to 24 characters for a list.
fn short(text: &str) -> String {
    let mut short: String = text.chars().take(24).collect();
    if text.chars().count() > 24 {
        short.push('…');
    }
    short
}

/// Applies the typed header fields; fails with a message when one cannot be read.
fn finalize(review: &Review) -> Result<ParsedPlan, String> {
    let mut parsed = review.parsed.clone();
    parsed.year = review
        .year
        .trim()
        .parse()
        .map_err(|_| format!("年度“{}”无法识别", review.year))?;
    parsed.issued_on = if review.issued_on.trim().is_empty() {
        None
    } else {
        Some(parse_date(&review.issued_on).ok_or_else(|| {
            format!(
                "印发日期“{}”无法识别，请写成 2019年6月15日",
                review.issued_on
            )
        })?)
    };
    Ok(parsed)
}

fn source_ui(ui: &mut egui::Ui, review: &mut Review) {
    let span = review
        .selected
        .and_then(|(s, t)| review.parsed.sections.get(s)?.tasks.get(t))
        .map(|task| task.span.clone());
    let scroll = std::mem::take(&mut review.scroll_to_selection);
    egui::ScrollArea::vertical()
        .id_salt("import_source_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let mut offset = 0;
            for line in review.parsed.source.split('\n') {
                let range = offset..offset + line.len();
                offset += line.len() + 1;
                let overlap = span
                    .as_ref()
                    .map(|s| s.start.max(range.start)..s.end.min(range.end))
                    .filter(|o| o.start < o.end);
                let Some(overlap) = overlap else {
                    ui.label(line);
                    continue;
                };
                let mut job = egui::text::LayoutJob::default();
                let normal = egui::TextFormat {
                    font_id: egui::TextStyle::Body.resolve(ui.style()),
                    color: ui.visuals().text_color(),
                    ..Default::default()
                };
                let highlighted = egui::TextFormat {
                    background: ui.visuals().selection.bg_fill,
                    color: ui.visuals().strong_text_color(),
                    ..normal.clone()
                };
                let local = overlap.start - range.start..overlap.end - range.start;
                job.append(&line[..local.start], 0.0, normal.clone());
                job.append(&line[local.clone()], 0.0, highlighted);
                job.append(&line[local.end..], 0.0, normal);
                job.wrap.max_width = ui.available_width();
                let response = ui.label(job);
                if scroll && overlap.start == span.as_ref().map_or(0, |s| s.start.max(range.start))
                {
                    response.scroll_to_me(Some(egui::Align::Center));
                }
            }
        });
}

fn header_ui(ui: &mut egui::Ui, review: &mut Review) {
    let parsed = &mut review.parsed;
    egui::Grid::new("import_header")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            labelled_field(ui, "计划名称", &mut parsed.title, 420.0);
            ui.end_row();
            labelled_field(ui, "年度", &mut review.year, 80.0);
            ui.end_row();
            labelled_field(ui, "文号", &mut parsed.document_number, 240.0);
            ui.end_row();
            labelled_field(ui, "印发机关", &mut parsed.issuer, 300.0);
            ui.end_row();
            labelled_field(ui, "印发日期", &mut review.issued_on, 160.0);
            ui.end_row();
        });
    if !parsed.targets.is_empty() {
        ui.label(egui::RichText::new("目标指标").strong());
        for target in &parsed.targets {
            let when = target
                .due_date
                .map(|d| format!("（{}）", format_date_cn(d)))
                .unwrap_or_default();
            ui.label(format!("· {}{when}", target.text));
        }
    }
    if !parsed.new_departments.is_empty() {
        ui.label(format!(
            "新部门（提交时新建）：{}",
            parsed.new_departments.join("、")
        ));
    }
}

fn warnings_ui(ui: &mut egui::Ui, review: &mut Review) {
    if review.parsed.warnings.is_empty() {
        return;
    }
    section_title(
        ui,
        &format!("需要核对的地方（{}）", review.parsed.warnings.len()),
    );
    let mut select = None;
    for warning in &review.parsed.warnings {
        let text = match &warning.task_code {
            Some(code) => format!("{code}：{}", warning.message),
            None => warning.message.clone(),
        };
        let color = ui.visuals().warn_fg_color;
        if ui.link(egui::RichText::new(text).color(color)).clicked() {
            select = warning.task_code.clone();
        }
    }
    if let Some(code) = select {
        review.selected = find_task(&review.parsed, &code);
        review.scroll_to_selection = true;
    }
}

fn find_task(parsed: &ParsedPlan, code: &str) -> Option<(usize, usize)> {
    parsed.sections.iter().enumerate().find_map(|(s, section)| {
        section
            .tasks
            .iter()
            .position(|t| t.code == code)
            .map(|t| (s, t))
    })
}

fn tasks_ui(ui: &mut egui::Ui, review: &mut Review) {
    section_title(ui, "任务");
    let mut select = None;
    for (s, section) in review.parsed.sections.iter().enumerate() {
        ui.label(egui::RichText::new(format!("（{}）{}", section.number, section.title)).strong());
        for (t, task) in section.tasks.iter().enumerate() {
            let leads: Vec<&str> = task.leads.iter().map(|l| l.name.as_str()).collect();
            let text = format!(
                "{} {}　牵头：{}",
                task.code,
                task.title,
                if leads.is_empty() {
                    "（无）".to_owned()
                } else {
                    leads.join("、")
                }
            );
            if ui
                .selectable_label(review.selected == Some((s, t)), text)
                .clicked()
            {
                select = Some((s, t));
            }
        }
    }
    if let Some(selection) = select {
        review.selected = Some(selection);
        review.scroll_to_selection = true;
        review.milestone_dates.clear();
    }
}

fn task_editor_ui(ui: &mut egui::Ui, review: &mut Review, data: &PlanContext<'_>) {
    let Some((s, t)) = review.selected else {
        return;
    };
    let known = DepartmentNames::new(data.departments);
    let mut choices: Vec<String> = data.departments.iter().map(|d| d.name.clone()).collect();
    choices.extend(review.parsed.new_departments.iter().cloned());
    let Some(task) = review
        .parsed
        .sections
        .get_mut(s)
        .and_then(|section| section.tasks.get_mut(t))
    else {
        return;
    };
    section_title(ui, &format!("任务 {}", task.code));
    labelled_field(ui, "任务名称", &mut task.title, ui.available_width() - 70.0);
    if !task.note.is_empty() {
        ui.weak(format!("责任分工原文：{}", task.note));
    }
    let mut names_changed = false;
    for (title, parts, add_label, scoped) in [
        ("牵头部门", &mut task.leads, "添加牵头部门", true),
        ("参与部门", &mut task.participants, "添加参与部门", false),
    ] {
        ui.label(egui::RichText::new(title).strong());
        let mut remove = None;
        for (index, part) in parts.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                let mut name = part.name.clone();
                let label = ui.label("部门");
                egui::ComboBox::from_id_salt(("import_department", title, index))
                    .selected_text(&name)
                    .width(140.0)
                    .show_ui(ui, |ui| {
                        for choice in &choices {
                            ui.selectable_value(&mut name, choice.clone(), choice);
                        }
                    })
                    .response
                    .labelled_by(label.id);
                if name != part.name {
                    part.name = name;
                    names_changed = true;
                }
                if scoped {
                    labelled_field(ui, "分工", &mut part.scope, 90.0);
                }
                if ui
                    .small_button("移除")
                    .on_hover_text(format!("移除{}", part.name))
                    .clicked()
                {
                    remove = Some(index);
                }
            });
        }
        if let Some(index) = remove {
            parts.remove(index);
            names_changed = true;
        }
        let mut added = None;
        egui::ComboBox::from_label(add_label)
            .selected_text("选择部门…")
            .width(200.0)
            .show_ui(ui, |ui| {
                for choice in &choices {
                    if ui.selectable_label(false, choice).clicked() {
                        added = Some(choice.clone());
                    }
                }
            });
        if let Some(name) = added.filter(|n| !parts.iter().any(|p| &p.name == n)) {
            parts.push(NamedPart {
                name,
                scope: String::new(),
            });
            names_changed = true;
        }
    }
    ui.horizontal(|ui| {
        labelled_field(ui, "新部门名称", &mut review.new_name, 200.0);
        let name = review.new_name.trim().to_owned();
        if ui
            .add_enabled(!name.is_empty(), egui::Button::new("作为牵头部门添加"))
            .clicked()
        {
            task.leads.push(NamedPart {
                name: name.clone(),
                scope: String::new(),
            });
            review.new_name.clear();
            names_changed = true;
        }
    });

    ui.label(egui::RichText::new("时间节点").strong());
    if review.milestone_dates.len() != task.milestones.len() {
        review.milestone_dates = task
            .milestones
            .iter()
            .map(|m| format_date_cn(m.due_date))
            .collect();
    }
    let mut remove = None;
    for (index, (milestone, date)) in task
        .milestones
        .iter_mut()
        .zip(review.milestone_dates.iter_mut())
        .enumerate()
    {
        ui.horizontal(|ui| {
            let response = labelled_field(ui, "日期", date, 130.0);
            match parse_date(date) {
                Some(parsed) => milestone.due_date = parsed,
                None if response.lost_focus() || !response.has_focus() => {
                    ui.label(
                        egui::RichText::new("日期无法识别").color(ui.visuals().error_fg_color),
                    );
                }
                None => {}
            }
            labelled_field(ui, "原文", &mut milestone.wording, 90.0);
            labelled_field(ui, "事项", &mut milestone.clause, 260.0);
            if ui.small_button("删除节点").clicked() {
                remove = Some(index);
            }
        });
    }
    if let Some(index) = remove {
        task.milestones.remove(index);
        review.milestone_dates.remove(index);
    }
    if ui.button("添加时间节点").clicked() {
        let year = review.parsed.year;
        let due_date = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
        if let Some(task) = review
            .parsed
            .sections
            .get_mut(s)
            .and_then(|x| x.tasks.get_mut(t))
        {
            task.milestones.push(Milestone {
                id: 0,
                due_date,
                wording: "年底前".to_owned(),
                clause: String::new(),
                done_on: None,
                done_note: String::new(),
            });
        }
        review.milestone_dates.clear();
    }
    ui.add_space(8.0);
    if ui.button("删除此任务").clicked() {
        if let Some(section) = review.parsed.sections.get_mut(s) {
            section.tasks.remove(t);
        }
        review.selected = None;
        names_changed = true;
    }
    if names_changed {
        review.parsed.refresh_new_departments(&known);
    }
}
