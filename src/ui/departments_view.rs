//! 责任部门: every department with its contact data, aliases and duties.

use super::command::Command;
use super::context::DepartmentsContext;
use super::widgets::{labelled_field, section_title};
use crate::model::{Department, DepartmentOrigin, Duties};
use crate::store::DepartmentEdit;

/// The departments page: every department with its contact data, aliases, the tasks it leads
/// and joins and the form rows it answers for.
#[derive(Default)]
pub struct DepartmentsView {
    selected: Option<i64>,
    editor: Option<DepartmentEditor>,
    /// The name typed for a new department.
    new_department: String,
}

struct DepartmentEditor {
    base: DepartmentEdit,
    draft: DepartmentEdit,
    new_alias: String,
    /// The department this one is to be merged into, while the user confirms.
    merge_into: Option<i64>,
}

impl DepartmentEditor {
    fn commit(&mut self, commands: &mut Vec<Command>) {
        if self.draft != self.base {
            commands.push(Command::SaveDepartment(self.draft.clone()));
        }
    }
}

impl DepartmentsView {
    /// Shows a department.
    pub fn select(&mut self, department_id: i64) {
        self.selected = Some(department_id);
    }

    /// Saves what is typed but not yet saved (the window is closing).
    pub fn flush(&mut self, _data: &DepartmentsContext<'_>, commands: &mut Vec<Command>) {
        if let Some(editor) = &mut self.editor {
            editor.commit(commands);
        }
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &DepartmentsContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        if self.selected.is_none() {
            self.selected = data.departments.first().map(|d| d.id);
        }
        egui::Panel::left("department_list")
            .resizable(true)
            .default_size(260.0)
            .min_size(200.0)
            .show(ui, |ui| {
                ui.add_space(6.0);
                ui.label(
                    egui::RichText::new(format!("共 {} 个部门", data.departments.len())).strong(),
                );
                ui.horizontal(|ui| {
                    let response = labelled_field(ui, "新部门", &mut self.new_department, 130.0);
                    let entered =
                        response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    let add = ui.add_enabled(
                        !self.new_department.trim().is_empty(),
                        egui::Button::new("添加部门"),
                    );
                    if (add.clicked() || entered) && !self.new_department.trim().is_empty() {
                        commands.push(Command::AddDepartment(std::mem::take(
                            &mut self.new_department,
                        )));
                    }
                });
                egui::ScrollArea::vertical()
                    .id_salt("department_list_scroll")
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        for (department, duties) in data.departments.iter().zip(data.duties) {
                            let selected = self.selected == Some(department.id);
                            let text = format!(
                                "{}　牵头{} 参与{} 表格{}",
                                department.name,
                                duties.leads.len(),
                                duties.joins.len(),
                                duties.form_rows.len()
                            );
                            if ui.selectable_label(selected, text).clicked() {
                                self.selected = Some(department.id);
                            }
                        }
                    });
            });

        let selected = self.selected.and_then(|id| data.department(id));
        match selected {
            Some((department, _)) => {
                let saved = DepartmentEdit::from_department(department);
                if self.editor.as_ref().is_none_or(|e| e.base != saved) {
                    self.editor = Some(DepartmentEditor {
                        draft: saved.clone(),
                        base: saved,
                        new_alias: String::new(),
                        merge_into: None,
                    });
                }
            }
            None => self.editor = None,
        }

        egui::CentralPanel::default().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("department_detail_scroll")
                .auto_shrink([false, false])
                .show(ui, |ui| match (selected, self.editor.as_mut()) {
                    (Some((department, duties)), Some(editor)) => {
                        department_ui(ui, department, duties, editor, commands);
                        mail_ui(ui, department, data.chase_sends, commands);
                        merge_ui(ui, department, data.departments, editor, commands);
                    }
                    _ => {
                        ui.weak("在左侧选择一个部门。");
                    }
                });
        });
    }
}

fn department_ui(
    ui: &mut egui::Ui,
    department: &Department,
    duties: &Duties,
    editor: &mut DepartmentEditor,
    commands: &mut Vec<Command>,
) {
    ui.heading(&department.name);
    let origin = match department.origin {
        DepartmentOrigin::Plan => "计划责任分工中列明的部门",
        DepartmentOrigin::Form => "进展表“责任单位”对应的县级单位",
        DepartmentOrigin::User => "手工添加的部门",
    };
    ui.weak(origin);
    ui.add_space(6.0);

    let mut lost_focus = false;
    let mut structural = false;
    let draft = &mut editor.draft;
    egui::Grid::new("department_fields")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            lost_focus |= labelled_field(ui, "部门名称", &mut draft.name, 320.0).lost_focus();
            ui.end_row();
            lost_focus |=
                labelled_field(ui, "联系人", &mut draft.contact_person, 320.0).lost_focus();
            ui.end_row();
            lost_focus |= labelled_field(ui, "联系电话", &mut draft.phone, 320.0).lost_focus();
            ui.end_row();
            lost_focus |= labelled_field(ui, "电子邮箱", &mut draft.email, 320.0).lost_focus();
            ui.end_row();
        });

    section_title(ui, "别名（同一部门的其他写法）");
    let mut remove = None;
    ui.horizontal_wrapped(|ui| {
        ui.label(format!("{} =", draft.name));
        for (index, alias) in draft.aliases.iter().enumerate() {
            ui.label(egui::RichText::new(alias).strong());
            if ui.small_button(format!("移除“{alias}”")).clicked() {
                remove = Some(index);
            }
        }
    });
    if let Some(index) = remove {
        draft.aliases.remove(index);
        structural = true;
    }
    ui.horizontal(|ui| {
        let response = labelled_field(ui, "新别名", &mut editor.new_alias, 200.0);
        let entered = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button("添加别名").clicked() || entered) && !editor.new_alias.trim().is_empty() {
            editor
                .draft
                .aliases
                .push(editor.new_alias.trim().to_owned());
            editor.new_alias.clear();
            structural = true;
        }
    });

    section_title(ui, &format!("牵头的任务（{}）", duties.leads.len()));
    duty_list_ui(ui, &duties.leads, commands);
    section_title(ui, &format!("参与的任务（{}）", duties.joins.len()));
    duty_list_ui(ui, &duties.joins, commands);
    section_title(
        ui,
        &format!("负责填报的表格行（{}）", duties.form_rows.len()),
    );
    if duties.form_rows.is_empty() {
        ui.weak(if duties.leads.is_empty() {
            "进展表中没有对应本部门的行，本部门也不牵头任务，无需每月报送。"
        } else {
            "进展表中没有对应本部门的行；牵头任务的进展仍须每月报送。"
        });
    }
    for (code, text) in &duties.form_rows {
        ui.label(format!("{code}　{text}"));
    }

    if lost_focus || structural {
        editor.commit(commands);
    }
}

fn duty_list_ui(ui: &mut egui::Ui, duties: &[crate::model::DutyTask], commands: &mut Vec<Command>) {
    if duties.is_empty() {
        ui.weak("无");
    }
    for duty in duties {
        let scope = if duty.scope.is_empty() {
            String::new()
        } else {
            format!("（{}）", duty.scope)
        };
        let text = format!("{}　{}{scope}", duty.code, duty.title);
        if ui.link(text).clicked() {
            commands.push(Command::OpenTask(duty.task_id));
        }
    }
}

/// The addresses the department writes from (learned from committed e-mails), each
/// removable, and the chase e-mails sent to it.
fn mail_ui(
    ui: &mut egui::Ui,
    department: &Department,
    sends: &[crate::store::ChaseSend],
    commands: &mut Vec<Command>,
) {
    section_title(ui, "收发邮件的地址");
    ui.weak("导入某部门的邮件时，发件地址会自动记在这里；下次来自这些地址的邮件会自动归到本部门。催报和模板邮件发往上面“电子邮箱”一栏的地址；该栏未填写时，发往这里的第一个地址。");
    if department.addresses.is_empty() {
        ui.weak("还没有记下的地址。");
    }
    for address in &department.addresses {
        ui.horizontal(|ui| {
            ui.label(address);
            if ui.small_button(format!("移除 {address}")).clicked() {
                commands.push(Command::RemoveAddress {
                    department_id: department.id,
                    address: address.clone(),
                });
            }
        });
    }
    let sent: Vec<_> = sends
        .iter()
        .filter(|s| s.department_id == department.id)
        .collect();
    if !sent.is_empty() {
        section_title(ui, &format!("发出的催报邮件（{}）", sent.len()));
        for send in sent.iter().take(24) {
            ui.label(format!(
                "{}  {}  至 {}  《{}》",
                send.sent_at, send.period, send.address, send.subject
            ));
        }
    }
}

/// 机构改革: a renamed department keeps its old name as an alias (edit the name above); two
/// departments that merged become one, with the returns of both.
fn merge_ui(
    ui: &mut egui::Ui,
    department: &Department,
    all: &[Department],
    editor: &mut DepartmentEditor,
    commands: &mut Vec<Command>,
) {
    section_title(ui, "机构改革");
    ui.weak("部门更名：直接修改上面的“部门名称”，原名称自动保留为别名，历年报送不受影响。");
    ui.horizontal(|ui| {
        let label = ui.label(format!("把“{}”合并到", department.name));
        let shown = editor
            .merge_into
            .and_then(|id| all.iter().find(|d| d.id == id))
            .map_or("（选择部门）".to_owned(), |d| d.name.clone());
        egui::ComboBox::from_id_salt("merge_into")
            .selected_text(shown)
            .width(240.0)
            .show_ui(ui, |ui| {
                for other in all.iter().filter(|d| d.id != department.id) {
                    ui.selectable_value(&mut editor.merge_into, Some(other.id), &other.name);
                }
            })
            .response
            .labelled_by(label.id);
    });
    if let Some(into) = editor
        .merge_into
        .and_then(|id| all.iter().find(|d| d.id == id))
    {
        ui.label(format!(
            "合并后“{}”不再单列：它的名称和别名、邮箱、牵头和参与的任务、表格行和历年报送都归入“{}”；两个部门同月都报送的行保留两份文字（一份在修改记录中）。",
            department.name, into.name
        ));
        ui.horizontal(|ui| {
            if ui.button(format!("确认合并到“{}”", into.name)).clicked() {
                commands.push(Command::MergeDepartments {
                    from: department.id,
                    into: into.id,
                });
                editor.merge_into = None;
            }
            if ui.button("取消合并").clicked() {
                editor.merge_into = None;
            }
        });
    }
}
