//! Small widgets shared by the views.

/// A caption followed by a single-line text field that screen readers (and tests) find by the
/// caption.
pub fn labelled_field(
    ui: &mut egui::Ui,
    caption: &str,
    text: &mut String,
    width: f32,
) -> egui::Response {
    let label = ui.label(caption);
    ui.add(egui::TextEdit::singleline(text).desired_width(width))
        .labelled_by(label.id)
}

/// A heading for a block inside a page.
pub fn section_title(ui: &mut egui::Ui, text: &str) {
    ui.add_space(6.0);
    ui.label(egui::RichText::new(text).strong().size(17.0));
}

/// Month picker over the plan's months, with previous/next buttons. Returns whether the
/// period changed.
pub fn period_picker(
    ui: &mut egui::Ui,
    periods: &[crate::schedule::Period],
    period: &mut crate::schedule::Period,
) -> bool {
    let before = *period;
    let position = periods.iter().position(|p| p == period);
    if ui
        .add_enabled(position.is_some_and(|i| i > 0), egui::Button::new("上月"))
        .clicked()
        && let Some(previous) = position.and_then(|i| periods.get(i - 1))
    {
        *period = *previous;
    }
    let label = ui.label("月份");
    egui::ComboBox::from_id_salt("period_picker")
        .selected_text(period.label())
        .width(110.0)
        .show_ui(ui, |ui| {
            for candidate in periods {
                ui.selectable_value(period, *candidate, candidate.label());
            }
        })
        .response
        .labelled_by(label.id);
    if ui
        .add_enabled(
            position.is_some_and(|i| i + 1 < periods.len()),
            egui::Button::new("下月"),
        )
        .clicked()
        && let Some(next) = position.and_then(|i| periods.get(i + 1))
    {
        *period = *next;
    }
    *period != before
}

/// Department picker over `(id, name)` choices.
pub fn department_picker(
    ui: &mut egui::Ui,
    choices: &[(i64, String)],
    department_id: &mut Option<i64>,
) {
    let label = ui.label("部门");
    let selected = choices
        .iter()
        .find(|(id, _)| Some(*id) == *department_id)
        .map_or("选择部门…", |(_, name)| name.as_str());
    let search_id = ui.make_persistent_id("department_picker_search");
    egui::ComboBox::from_id_salt("department_picker")
        .selected_text(selected)
        .width(200.0)
        // Twenty-odd departments: show most of them at once, with a box to narrow them down.
        .height(420.0)
        .show_ui(ui, |ui| {
            let mut search: String = ui.data_mut(|d| d.get_temp(search_id).unwrap_or_default());
            let search_label = ui.label("查找");
            ui.add(egui::TextEdit::singleline(&mut search).hint_text("输入部门名称中的字"))
                .labelled_by(search_label.id);
            let needle = search.trim();
            for (id, name) in choices {
                if needle.is_empty() || name.contains(needle) {
                    ui.selectable_value(department_id, Some(*id), name);
                }
            }
            ui.data_mut(|d| d.insert_temp(search_id, search));
        })
        .response
        .labelled_by(label.id);
}

/// The colour of a return state, readable on light and dark backgrounds.
pub fn state_color(state: crate::schedule::ReturnState) -> egui::Color32 {
    use crate::schedule::ReturnState;
    match state {
        ReturnState::OnTime => egui::Color32::from_rgb(46, 160, 67),
        ReturnState::Late => egui::Color32::from_rgb(214, 140, 0),
        ReturnState::Missing => egui::Color32::from_rgb(214, 48, 49),
        ReturnState::NotDue => egui::Color32::from_rgb(90, 130, 200),
        ReturnState::NotRequired => egui::Color32::from_gray(140),
        ReturnState::Returned => egui::Color32::from_rgb(150, 80, 190),
    }
}

/// A state as a coloured label with white text.
pub fn state_badge(ui: &mut egui::Ui, state: crate::schedule::ReturnState) -> egui::Response {
    ui.label(
        egui::RichText::new(format!(" {} ", state.label()))
            .color(egui::Color32::WHITE)
            .background_color(state_color(state)),
    )
}

/// The colour of a department's return: its state's, or amber when it was received with rows
/// still missing.
pub fn status_color(status: &crate::returns::DepartmentStatus) -> egui::Color32 {
    if status.is_incomplete() {
        PARTIAL_COLOR
    } else {
        state_color(status.state)
    }
}

/// Amber: received, but not complete.
pub const PARTIAL_COLOR: egui::Color32 = egui::Color32::from_rgb(196, 150, 0);

/// A department's return as a coloured label: `按时·齐全`, `按时·部分 3/6`, `未报` …; never
/// broken across lines.
pub fn status_badge(
    ui: &mut egui::Ui,
    status: &crate::returns::DepartmentStatus,
) -> egui::Response {
    ui.add(
        egui::Label::new(
            egui::RichText::new(format!(" {} ", status.label()))
                .color(egui::Color32::WHITE)
                .background_color(status_color(status)),
        )
        .wrap_mode(egui::TextWrapMode::Extend),
    )
}

/// The colour of a light.
pub fn light_color(light: crate::deadlines::Light) -> egui::Color32 {
    use crate::deadlines::Light;
    match light {
        Light::Green => egui::Color32::from_rgb(46, 160, 67),
        Light::Carried => egui::Color32::from_rgb(80, 120, 190),
        Light::Yellow => egui::Color32::from_rgb(214, 160, 0),
        Light::Red => egui::Color32::from_rgb(214, 48, 49),
        Light::Grey => egui::Color32::from_gray(140),
    }
}

/// A light as a coloured word: 逾期 / 临近 / 已完成 / 已沿用 / 未到.
pub fn light_badge(ui: &mut egui::Ui, light: crate::deadlines::Light) -> egui::Response {
    ui.label(
        egui::RichText::new(format!(" {} ", light.label()))
            .color(egui::Color32::WHITE)
            .background_color(light_color(light)),
    )
}

/// A light as a dot before a name.
pub fn light_dot(light: crate::deadlines::Light) -> egui::RichText {
    egui::RichText::new("●").color(light_color(light))
}

/// What a file dialog gave.
pub enum Picked<T> {
    /// The user chose.
    Chosen(T),
    /// The user closed the dialog.
    Cancelled,
    /// The dialog did not open (no file-dialog service on this PC): it came back at once.
    Failed,
}

/// Runs a file dialog. A dialog that returns nothing within a moment never showed: on some
/// PCs (no portal or zenity on Linux, a locked-down desktop) it cannot open, and the caller
/// then says so and offers a typed path instead.
pub fn pick<T>(dialog: impl FnOnce() -> Option<T>) -> Picked<T> {
    let started = std::time::Instant::now();
    match dialog() {
        Some(chosen) => Picked::Chosen(chosen),
        None if started.elapsed() < std::time::Duration::from_millis(300) => Picked::Failed,
        None => Picked::Cancelled,
    }
}

/// The notice shown when a file dialog could not open.
/// What to do when the file dialog cannot open: the button named is the one beside the path.
pub fn dialog_failed(action: &str) -> String {
    format!("无法打开文件选择窗口。请在旁边的“文件路径”框中输入文件的完整路径，再点“{action}”。")
}

/// A typed path as the fallback of a file dialog: returns the path when 打开 is clicked.
pub fn typed_path_ui(
    ui: &mut egui::Ui,
    path: &mut String,
    button: &str,
) -> Option<std::path::PathBuf> {
    let label = ui.label("文件路径");
    let field = ui
        .add(egui::TextEdit::singleline(path).desired_width(260.0))
        .labelled_by(label.id);
    // Enter in the field opens it, as the button does.
    let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    let clicked = ui
        .add_enabled(!path.trim().is_empty(), egui::Button::new(button))
        .clicked();
    ((clicked || entered) && !path.trim().is_empty()).then(|| std::path::PathBuf::from(path.trim()))
}

/// The pages' plan filter when several plans are in play: all of them, or one.
pub fn plan_filter_ui(
    ui: &mut egui::Ui,
    id_salt: &str,
    filter: &mut Option<i64>,
    in_play: &[(i64, String)],
) {
    if in_play.len() < 2 {
        return;
    }
    ui.horizontal(|ui| {
        let label = ui.label("显示计划");
        let shown = filter
            .and_then(|id| in_play.iter().find(|(p, _)| *p == id))
            .map_or("全部计划".to_owned(), |(_, label)| label.clone());
        egui::ComboBox::from_id_salt(id_salt)
            .selected_text(shown)
            .show_ui(ui, |ui| {
                ui.selectable_value(filter, None, "全部计划");
                for (id, label) in in_play {
                    ui.selectable_value(filter, Some(*id), label);
                }
            })
            .response
            .labelled_by(label.id);
    });
}

/// Which plan a per-plan page shows, when other plans are in play: picking another makes it
/// the plan in focus.
pub fn plan_focus_ui(
    ui: &mut egui::Ui,
    plan: &crate::model::Plan,
    others: &[crate::service::DayState],
    commands: &mut Vec<super::command::Command>,
) {
    if others.is_empty() {
        return;
    }
    ui.horizontal(|ui| {
        let label = ui.label("计划");
        egui::ComboBox::from_id_salt("page_plan")
            .selected_text(plan.short_label())
            .show_ui(ui, |ui| {
                let _ = ui.selectable_label(true, plan.short_label());
                for day in others {
                    if ui.selectable_label(false, day.plan.short_label()).clicked() {
                        commands.push(super::command::Command::SetCurrentPlan(day.plan.id));
                    }
                }
            })
            .response
            .labelled_by(label.id);
        ui.weak("（本页按计划分别显示；首页和日历显示全部计划）");
    });
}
