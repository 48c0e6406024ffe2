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
