//! The earlier message quoted below a reply or a forward. The body splitter never reads the
//! quotation as rows (a reply quotes our own chase message, whose row names would match). A
//! forwarded return is different: its rows are in the forwarded part, so for a forward that
//! has no rows of its own, the forwarded text is read instead, without its header lines.

/// The text of the forwarded message in `body`, if it has one: what follows the first
/// forward or original-message marker, without the `发件人:`/`主题:` header lines and without
/// `>` quote marks.
pub fn forwarded_text(body: &str) -> Option<String> {
    let mut lines = body.lines();
    lines.by_ref().find(|line| starts_quotation(line))?;
    let mut text = Vec::new();
    let mut in_headers = true;
    for line in lines {
        let stripped = line
            .trim_start()
            .trim_start_matches(['>', '＞'])
            .trim_start();
        if in_headers {
            if stripped.is_empty() || is_header_line(stripped) {
                continue;
            }
            in_headers = false;
        }
        text.push(stripped);
    }
    let text = text.join("\n");
    (!text.trim().is_empty()).then_some(text)
}

/// Whether a line is marked as quoted (`>` or the full-width `＞`).
pub fn quote_marked(line: &str) -> bool {
    line.starts_with('>') || line.starts_with('＞')
}

/// Whether a line starts a quoted earlier message (`-----原始邮件-----`, `发件人:`, `在…写道：`,
/// `On … wrote:`): everything from it on is not the sender's own text. The one test for the
/// body splitter and the forward reader alike.
pub fn starts_quotation(line: &str) -> bool {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    let dashes = compact.starts_with("---") || compact.starts_with("———");
    (dashes
        && (compact.contains("原始邮件")
            || compact.contains("OriginalMessage")
            || compact.contains("转发邮件")
            || compact.contains("Forwardedmessage")
            || compact.contains("ForwardedMessage")
            || compact.contains("回复的原邮件")
            || compact.contains("Original")))
        || compact.starts_with("发件人:")
        || compact.starts_with("发件人：")
        || compact.starts_with("From:")
        || (compact.starts_with("在") && compact.ends_with("写道："))
        || (compact.starts_with("在") && compact.ends_with("写道:"))
        || (compact.starts_with("On") && compact.ends_with("wrote:"))
}

fn is_header_line(line: &str) -> bool {
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    [
        "发件人",
        "From",
        "发送时间",
        "发送日期",
        "日期",
        "Date",
        "Sent",
        "收件人",
        "To",
        "抄送",
        "Cc",
        "主题",
        "Subject",
        "时间",
    ]
    .iter()
    .any(|name| {
        compact
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with(':') || rest.starts_with('：'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_forward_gives_the_original_text() {
        let body = "请查收。\n\n-------- 转发邮件信息 --------\n发件人：\"县林业局\" <ly@example.cn>\n发送日期：2019-08-02\n主题：7月进展\n\n1.1 已完成调查。\n2.1 推进中。";
        let text = forwarded_text(body).unwrap_or_default();
        assert!(text.contains("1.1 已完成调查。\n2.1 推进中。"));
        assert!(!text.contains("主题"));
        assert_eq!(forwarded_text("1.1 已完成"), None);
    }

    #[test]
    fn quoted_lines_lose_their_marks() {
        let body = "见下。\n-----Original Message-----\nFrom: a@b.cn\nSubject: x\n> 1.1 已完成\n> 2.1 推进中";
        assert_eq!(
            forwarded_text(body).as_deref(),
            Some("1.1 已完成\n2.1 推进中")
        );
    }
}
