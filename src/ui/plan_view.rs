//! 工作计划: the plan's header, targets and task tree, and the selected task's editor.

use super::command::Command;
use super::context::PlanContext;
use super::widgets::{labelled_field, section_title};
use crate::model::{
    Department, Milestone, Plan, Role, Section, Task, TaskDepartment, format_date_cn, parse_date,
};
use crate::store::TaskEdit;

/// The plan page: header, targets, the task tree and the selected task's details and editor.
#[derive(Default)]
pub struct PlanView {
    selected_task: Option<i64>,
    editor: Option<TaskEditor>,
}

/// The selected task as being edited. `base` is the saved state the draft started from.
struct TaskEditor {
    base: TaskEdit,
    title: String,
    leads: Vec<TaskDepartment>,
    participants: Vec<TaskDepartment>,
    milestones: Vec<MilestoneDraft>,
    error: Option<String>,
}

struct MilestoneDraft {
    id: i64,
    date: String,
    wording: String,
    clause: String,
    /// Kept as saved: marking done happens on the calendar.
    done_on: Option<chrono::NaiveDate>,
    done_note: String,
}

impl TaskEditor {
    fn new(task: &Task) -> Self {
        let base = TaskEdit::from_task(task);
        Self {
            title: base.title.clone(),
            leads: base.leads.clone(),
            participants: base.participants.clone(),
            milestones: base
                .milestones
                .iter()
                .map(|m| MilestoneDraft {
                    id: m.id,
                    date: format_date_cn(m.due_date),
                    wording: m.wording.clone(),
                    clause: m.clause.clone(),
                    done_on: m.done_on,
                    done_note: m.done_note.clone(),
                })
                .collect(),
            base,
            error: None,
        }
    }

    /// The draft as an edit, or why it cannot be saved yet.
    fn to_edit(&self) -> Result<TaskEdit, String> {
        let mut milestones = Vec::with_capacity(self.milestones.len());
        for draft in &self.milestones {
            let Some(due_date) = parse_date(&draft.date) else {
                return Err(format!(
                    "日期“{}”无法识别，请写成 2019年6月30日 或 2019-06-30",
                    draft.date
                ));
            };
            milestones.push(Milestone {
                id: draft.id,
                due_date,
                wording: draft.wording.clone(),
                clause: draft.clause.clone(),
                done_on: draft.done_on,
                done_note: draft.done_note.clone(),
            });
        }
        Ok(TaskEdit {
            task_id: self.base.task_id,
            title: self.title.clone(),
            leads: self.leads.clone(),
            participants: self.participants.clone(),
            milestones,
        })
    }

    fn roles_mut(&mut self, role: Role) -> &mut Vec<TaskDepartment> {
        match role {
            Role::Lead => &mut self.leads,
            Role::Participant => &mut self.participants,
        }
    }

    /// Emits a save when the draft differs from what is saved.
    fn commit(&mut self, commands: &mut Vec<Command>) {
        match self.to_edit() {
            Ok(edit) => {
                self.error = None;
                if edit != self.base {
                    commands.push(Command::SaveTask(edit));
                }
            }
            Err(message) => self.error = Some(message),
        }
    }
}

impl PlanView {
    /// Shows a task (e.g. when a department page links to it).
    pub fn select_task(&mut self, task_id: i64) {
        self.selected_task = Some(task_id);
    }

    /// Saves what is typed but not yet saved (the window is closing).
    pub fn flush(&mut self, _data: &PlanContext<'_>, commands: &mut Vec<Command>) {
        if let Some(editor) = &mut self.editor {
            editor.commit(commands);
        }
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, data: &PlanContext<'_>, commands: &mut Vec<Command>) {
        let plan = &data.plan;
        if data.plans.len() > 1 {
            plan_switcher_ui(ui, data, commands);
        }
        plan_header_ui(ui, plan);
        if ui
            .button("导出督察台账")
            .on_hover_text(
                "每个任务一个文件夹：各单位各月报送的原始文件、报送内容、催报和退回记录，另有索引表；可复制到U盘打印",
            )
            .clicked()
        {
            commands.push(Command::WriteBinder);
        }
        ui.separator();

        egui::Panel::left("plan_tree")
            .resizable(true)
            .default_size(380.0)
            .min_size(240.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("plan_tree_scroll")
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        for section in &plan.sections {
                            self.section_ui(ui, section, data);
                        }
                    });
            });

        // Keep the editor in step with the saved data: a new selection, or a save that changed
        // the task, starts a fresh draft.
        let task = self.selected_task.and_then(|id| plan.task(id));
        match task {
            Some(task) => {
                let saved = TaskEdit::from_task(task);
                if self.editor.as_ref().is_none_or(|e| e.base != saved) {
                    self.editor = Some(TaskEditor::new(task));
                }
            }
            None => self.editor = None,
        }

        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("task_detail_scroll")
                .auto_shrink([false, false])
                .show(ui, |ui| match (task, self.editor.as_mut()) {
                    (Some(task), Some(editor)) => {
                        task_detail_ui(ui, task, editor, data.departments, plan.year, commands);
                    }
                    _ => {
                        ui.add_space(20.0);
                        ui.weak("在左侧选择一项任务，查看全文、牵头和参与部门及时间节点。");
                    }
                });
        });
    }

    fn section_ui(&mut self, ui: &mut egui::Ui, section: &Section, data: &PlanContext<'_>) {
        let title = crate::model::section_heading(&section.number, &section.title);
        egui::CollapsingHeader::new(title)
            .id_salt(("section", section.id))
            .default_open(true)
            .show(ui, |ui| {
                let mut shown_headings = Vec::new();
                for task in &section.tasks {
                    let heading = section
                        .headings
                        .iter()
                        .find(|h| task.code.starts_with(&format!("{}.", h.code)));
                    match heading {
                        Some(heading) => {
                            if shown_headings.contains(&heading.code) {
                                continue;
                            }
                            shown_headings.push(heading.code.clone());
                            let prefix = format!("{}.", heading.code);
                            egui::CollapsingHeader::new(format!(
                                "{} {}",
                                heading.code, heading.title
                            ))
                            .id_salt(("heading", section.id, &heading.code))
                            .default_open(true)
                            .show(ui, |ui| {
                                for task in
                                    section.tasks.iter().filter(|t| t.code.starts_with(&prefix))
                                {
                                    self.task_row_ui(ui, task, data);
                                }
                            });
                        }
                        None => self.task_row_ui(ui, task, data),
                    }
                }
            });
    }

    fn task_row_ui(&mut self, ui: &mut egui::Ui, task: &Task, data: &PlanContext<'_>) {
        let selected = self.selected_task == Some(task.id);
        let text = match task.closed_on {
            Some(_) => format!("{} {}（已关闭）", task.code, task.title),
            None => format!("{} {}", task.code, task.title),
        };
        ui.horizontal(|ui| {
            match data.task_light(task.id) {
                Some(light) => {
                    ui.label(super::widgets::light_dot(light))
                        .on_hover_text(light.label());
                }
                None => {
                    // An invisible dot keeps the titles aligned.
                    ui.label(egui::RichText::new("●").color(egui::Color32::TRANSPARENT));
                }
            }
            // Long titles wrap inside the tree instead of widening it.
            if ui
                .add(egui::Button::selectable(selected, text).wrap())
                .clicked()
            {
                self.selected_task = Some(task.id);
            }
        });
    }
}

/// Choosing which of the ledger's plans is the current one; closing, reopening and marking it.
fn plan_switcher_ui(ui: &mut egui::Ui, data: &PlanContext<'_>, commands: &mut Vec<Command>) {
    use crate::model::PlanKind;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("当前计划");
        let current = data.plans.iter().find(|p| p.is_current);
        let shown = current.map_or(String::new(), crate::store::PlanSummary::label);
        egui::ComboBox::from_id_salt("plan_switcher")
            .selected_text(shown)
            .width(520.0)
            .show_ui(ui, |ui| {
                for plan in data.plans {
                    let text = format!(
                        "{}（{}项任务）{}",
                        plan.label(),
                        plan.task_count,
                        if plan.active { "" } else { "  已结束" }
                    );
                    if ui.selectable_label(plan.is_current, text).clicked() && !plan.is_current {
                        commands.push(Command::SetCurrentPlan(plan.id));
                    }
                }
            })
            .response
            .labelled_by(label.id);
        let plan = data.plan;
        if plan.active {
            if data.plans.iter().filter(|p| p.active).count() > 1
                && ui
                    .button("结束此计划")
                    .on_hover_text("保留全部记录，不再在首页、日历和催报中出现")
                    .clicked()
            {
                commands.push(Command::SetPlanActive {
                    plan_id: plan.id,
                    active: false,
                });
            }
        } else if ui.button("重新启用此计划").clicked() {
            commands.push(Command::SetPlanActive {
                plan_id: plan.id,
                active: true,
            });
        }
        if plan.kind == PlanKind::Example && ui.button("这就是本单位的计划").clicked() {
            commands.push(Command::SetPlanKind {
                plan_id: plan.id,
                kind: PlanKind::Imported,
            });
        }
    });
    if !data.plan.active {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "此计划已结束：记录保留，但不在首页、日历和催报中出现。",
        );
    }
    if !data.plan.notes.is_empty() {
        for note in &data.plan.notes {
            ui.weak(format!("说明：{note}"));
        }
    }
}

fn plan_header_ui(ui: &mut egui::Ui, plan: &Plan) {
    ui.heading(plan.label());
    ui.horizontal_wrapped(|ui| {
        // Only what the plan says: a carried or blank plan was issued by nobody.
        if plan.kind == crate::model::PlanKind::Carried {
            ui.label("沿用上年，尚未印发");
            ui.separator();
        }
        if !plan.document_number.is_empty() {
            ui.label(format!("文号：{}", plan.document_number));
            ui.separator();
        }
        if !plan.issuer.is_empty() {
            ui.label(format!("印发：{}", plan.issuer));
            ui.separator();
        }
        if let Some(date) = plan.issued_on {
            ui.label(format!("日期：{}", format_date_cn(date)));
            ui.separator();
        }
        ui.label(format!("年度：{}年", plan.year));
    });
    egui::CollapsingHeader::new("目标指标")
        .id_salt("targets")
        .default_open(true)
        .show(ui, |ui| {
            for target in &plan.targets {
                let when = match target.due_date {
                    Some(date) => format!("（{}，即{}）", target.wording, format_date_cn(date)),
                    None => String::new(),
                };
                ui.label(format!("· {}{when}", target.text));
            }
        });
}

fn task_detail_ui(
    ui: &mut egui::Ui,
    task: &Task,
    editor: &mut TaskEditor,
    departments: &[Department],
    plan_year: i32,
    commands: &mut Vec<Command>,
) {
    ui.heading(format!("{} {}", task.code, task.title));
    if !task.deadline.is_empty() {
        ui.label(format!("完成时限：{}", task.deadline));
    }
    if let Some(closed) = task.closed_on {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "本年计划未列出此项沿用任务，已于{}关闭；它的报送记录保留。",
                format_date_cn(closed)
            ),
        );
    }
    ui.add_space(4.0);
    let mut lost_focus = false;
    let mut structural = false;

    ui.horizontal(|ui| {
        lost_focus |=
            labelled_field(ui, "任务名称", &mut editor.title, ui.available_width()).lost_focus();
    });

    section_title(ui, "任务全文");
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.label(&task.body);
        if !task.note.is_empty() {
            ui.weak(&task.note);
        }
    });

    for role in [Role::Lead, Role::Participant] {
        let title = match role {
            Role::Lead if task.leads_separately => "牵头部门（分别牵头）",
            Role::Lead => "牵头部门",
            Role::Participant => "参与部门",
        };
        section_title(ui, title);
        let mut remove = None;
        let list = editor.roles_mut(role);
        for (index, part) in list.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                let shown = if part.scope.is_empty() {
                    part.name.clone()
                } else {
                    format!("{}（{}）", part.name, part.scope)
                };
                ui.label(egui::RichText::new(shown).strong());
                if role == Role::Lead {
                    lost_focus |= labelled_field(ui, "分工", &mut part.scope, 180.0).lost_focus();
                }
                if ui.small_button("移除").clicked() {
                    remove = Some(index);
                }
            });
        }
        if let Some(index) = remove {
            list.remove(index);
            structural = true;
        }
        let taken: Vec<i64> = editor
            .leads
            .iter()
            .chain(&editor.participants)
            .map(|d| d.department_id)
            .collect();
        let add_label = match role {
            Role::Lead => "添加牵头部门",
            Role::Participant => "添加参与部门",
        };
        let mut added = None;
        egui::ComboBox::from_label(add_label)
            .selected_text("选择部门…")
            .width(220.0)
            .show_ui(ui, |ui| {
                for department in departments.iter().filter(|d| !taken.contains(&d.id)) {
                    if ui.selectable_label(false, &department.name).clicked() {
                        added = Some(TaskDepartment {
                            department_id: department.id,
                            name: department.name.clone(),
                            scope: String::new(),
                        });
                    }
                }
            });
        if let Some(part) = added {
            editor.roles_mut(role).push(part);
            structural = true;
        }
    }

    section_title(ui, "时间节点");
    if editor.milestones.is_empty() {
        ui.weak("本任务没有写明日期的节点。");
    }
    let mut remove = None;
    let mut done_changes: Vec<(i64, bool)> = Vec::new();
    for (index, milestone) in editor.milestones.iter_mut().enumerate() {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                lost_focus |= labelled_field(ui, "日期", &mut milestone.date, 140.0).lost_focus();
                lost_focus |= labelled_field(ui, "原文", &mut milestone.wording, 90.0).lost_focus();
                if ui.small_button("删除节点").clicked() {
                    remove = Some(index);
                }
                // Done or not, marked here as in the calendar (a saved milestone only).
                if milestone.id > 0 {
                    let (label, done) = match milestone.done_on {
                        Some(day) => (format!("已于{}完成，取消", format_date_cn(day)), false),
                        None => ("标记完成".to_owned(), true),
                    };
                    if ui.small_button(label).clicked() {
                        done_changes.push((milestone.id, done));
                    }
                }
            });
            ui.horizontal(|ui| {
                lost_focus |= labelled_field(
                    ui,
                    "事项",
                    &mut milestone.clause,
                    ui.available_width() - 50.0,
                )
                .lost_focus();
            });
        });
    }
    if let Some(index) = remove {
        editor.milestones.remove(index);
        structural = true;
    }
    if ui.button("添加时间节点").clicked() {
        editor.milestones.push(MilestoneDraft {
            id: 0,
            date: chrono::NaiveDate::from_ymd_opt(plan_year, 12, 31)
                .map(format_date_cn)
                .unwrap_or_default(),
            wording: "年底前".to_owned(),
            clause: String::new(),
            done_on: None,
            done_note: String::new(),
        });
        structural = true;
    }

    if let Some(error) = &editor.error {
        ui.add_space(6.0);
        ui.label(egui::RichText::new(error).color(ui.visuals().error_fg_color));
    }
    if lost_focus || structural {
        editor.commit(commands);
    }
    for (milestone_id, done) in done_changes {
        commands.push(Command::SetMilestoneDone { milestone_id, done });
    }
}
