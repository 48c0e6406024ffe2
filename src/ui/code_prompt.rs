//! The mailbox's code asked for when a send starts and none is saved: a small window of its
//! own, so that a PC without a usable credential store can still send. The code is saved where
//! the system's credential store allows, else kept for this run only, and the send goes on.

use super::command::Command;

/// A send waiting for the code.
pub struct CodePrompt {
    /// The mailbox's address the code is for.
    pub address: String,
    /// Why it is asked for (no code saved; the credential store cannot be used).
    pub why: String,
    /// The send to carry out once the code is there.
    pub then: Command,
    typed: String,
    problem: Option<String>,
}

impl CodePrompt {
    pub fn new(address: String, why: String, then: Command) -> Self {
        Self {
            address,
            why,
            then,
            typed: String::new(),
            problem: None,
        }
    }

    /// The window; `Some(Some(command))` once the code is saved (the send to run),
    /// `Some(None)` when cancelled, `None` while it waits.
    pub fn ui(&mut self, ctx: &egui::Context) -> Option<Option<Command>> {
        let mut result = None;
        egui::Window::new("输入客户端授权码")
            .collapsible(false)
            .resizable(false)
            .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
            .show(ctx, |ui| {
                ui.label(&self.why);
                ui.label(format!("邮箱：{}", self.address));
                ui.horizontal(|ui| {
                    let label = ui.label("客户端授权码");
                    ui.add(
                        egui::TextEdit::singleline(&mut self.typed)
                            .password(true)
                            .desired_width(200.0),
                    )
                    .labelled_by(label.id);
                });
                if let Some(problem) = &self.problem {
                    ui.colored_label(ui.visuals().error_fg_color, problem);
                }
                ui.horizontal(|ui| {
                    if ui.button("确定并发送").clicked() {
                        let code = self.typed.trim();
                        if code.is_empty() {
                            self.problem = Some("请填写授权码".to_owned());
                        } else {
                            match crate::service::mail::secret::save(&self.address, code) {
                                Ok(_) => {
                                    let then = std::mem::replace(
                                        &mut self.then,
                                        Command::OpenPage(super::state::Page::Home),
                                    );
                                    result = Some(Some(then));
                                }
                                Err(error) => self.problem = Some(error),
                            }
                        }
                    }
                    if ui.button("取消").clicked() {
                        result = Some(None);
                    }
                });
            });
        result
    }
}
