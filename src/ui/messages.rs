//! The window's messages (toasts): errors and notices stacked over the page, newest first,
//! each dismissed by itself. A message never hides another, and one dismissed does not come
//! back unless something happens again that says it.

/// One message.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Message {
    id: u64,
    error: bool,
    text: String,
}

/// At most this many messages are kept; the oldest go first.
const KEEP: usize = 6;

/// The stack of messages.
#[derive(Debug, Default)]
pub struct Messages {
    /// Oldest first.
    items: Vec<Message>,
    next_id: u64,
}

impl Messages {
    /// Adds an error (shown in the error colour, with 知道了).
    pub fn error(&mut self, text: impl Into<String>) {
        self.push(true, text.into());
    }

    /// Adds a notice (with 关闭提示).
    pub fn notice(&mut self, text: impl Into<String>) {
        self.push(false, text.into());
    }

    /// The same text said again moves to the top instead of standing twice.
    fn push(&mut self, error: bool, text: String) {
        self.items.retain(|m| !(m.error == error && m.text == text));
        self.next_id += 1;
        self.items.push(Message {
            id: self.next_id,
            error,
            text,
        });
        if self.items.len() > KEEP {
            let extra = self.items.len() - KEEP;
            self.items.drain(..extra);
        }
    }

    /// Takes back a notice that no longer holds (正在测试连接… once the test has ended).
    pub fn withdraw(&mut self, text: &str) {
        self.items.retain(|m| m.error || m.text != text);
    }

    /// Removes every error (the ledger opened again after a failure).
    pub fn clear_errors(&mut self) {
        self.items.retain(|m| !m.error);
    }

    /// The newest error, if any.
    pub fn last_error(&self) -> Option<&str> {
        self.items
            .iter()
            .rev()
            .find(|m| m.error)
            .map(|m| m.text.as_str())
    }

    /// The newest notice, if any.
    pub fn last_notice(&self) -> Option<&str> {
        self.items
            .iter()
            .rev()
            .find(|m| !m.error)
            .map(|m| m.text.as_str())
    }

    /// Every message, newest first, as `(is_error, text)`.
    pub fn all(&self) -> impl Iterator<Item = (bool, &str)> {
        self.items.iter().rev().map(|m| (m.error, m.text.as_str()))
    }

    /// The messages floating over the page's top, newest first, each with its button first: a
    /// long message wraps beside it, and the stack scrolls inside a bar as low as one message
    /// was, so that it covers no more of the page. They float so that nothing on the page
    /// moves under the mouse when one appears.
    pub fn ui(&mut self, ctx: &egui::Context) {
        if self.items.is_empty() {
            return;
        }
        let mut dismissed = None;
        egui::Area::new(egui::Id::unique("messages"))
            .order(egui::Order::Foreground)
            .anchor(egui::Align2::CENTER_TOP, egui::vec2(64.0, 6.0))
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.set_max_width(760.0);
                    egui::ScrollArea::vertical()
                        .id_salt("messages_scroll")
                        .max_height(84.0)
                        .show(ui, |ui| {
                            for message in self.items.iter().rev() {
                                ui.horizontal(|ui| {
                                    let button = if message.error {
                                        "知道了"
                                    } else {
                                        "关闭提示"
                                    };
                                    if ui.button(button).clicked() {
                                        dismissed = Some(message.id);
                                    }
                                    let text = egui::RichText::new(&message.text);
                                    let text = if message.error {
                                        text.color(ui.visuals().error_fg_color)
                                    } else {
                                        text
                                    };
                                    ui.add(egui::Label::new(text).wrap());
                                });
                            }
                        });
                });
            });
        if let Some(id) = dismissed {
            self.items.retain(|m| m.id != id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_stack_and_leave_one_by_one() {
        let mut messages = Messages::default();
        messages.notice("已生成情况通报");
        messages.error("未能打开");
        messages.notice("已记录");
        assert_eq!(messages.all().count(), 3);
        assert_eq!(messages.last_notice(), Some("已记录"));
        assert_eq!(messages.last_error(), Some("未能打开"));
        // Said again: moved to the top, not doubled.
        messages.notice("已生成情况通报");
        assert_eq!(messages.all().count(), 3);
        assert_eq!(messages.all().next(), Some((false, "已生成情况通报")));
        messages.clear_errors();
        assert_eq!(messages.last_error(), None);
        for n in 0..10 {
            messages.notice(format!("第{n}条"));
        }
        assert_eq!(messages.all().count(), KEEP);
        assert_eq!(messages.last_notice(), Some("第9条"));
    }
}
