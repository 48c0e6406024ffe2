//! A forward: a message attached whole (`message/rfc822` in an `.eml`, an Outlook item
//! embedded in a `.msg`) is the department's own mail, passed on by someone else. It is read
//! as that message (its sender, date, subject, body and files), recognised by the same rules,
//! and marked as forwarded by the outer sender; the forwarder's own files follow its files.

use std::cell::Cell;

use super::{MAX_ATTACHMENTS, MailKind, MailMessage};

thread_local! {
    /// How deep saved mails inside saved mails are being read (at most three).
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Files attached that are saved mails themselves (`.eml`, `.msg`, by name and content) are
/// messages of their own, taken out of `outer`'s files into `attached`.
pub(super) fn lift_saved_mails(outer: &mut MailMessage, attached: &mut Vec<MailMessage>) {
    let depth = DEPTH.with(Cell::get);
    if depth >= 3 {
        return;
    }
    let files = std::mem::take(&mut outer.attachments);
    for file in files {
        let lower = file.name.to_lowercase();
        let named = lower.ends_with(".eml") || lower.ends_with(".msg");
        let is_mail =
            named && matches!(super::sniff(&file.bytes), Ok(MailKind::Eml | MailKind::Msg));
        if !is_mail {
            outer.attachments.push(file);
            continue;
        }
        DEPTH.with(|d| d.set(depth + 1));
        let read = super::parse_mail(&file.bytes);
        DEPTH.with(|d| d.set(depth));
        match read {
            Ok(message) => attached.push(message),
            Err(_) => outer.attachments.push(file),
        }
    }
}

/// The message a file holds, given its outer message (its own files only) and the messages
/// attached whole inside it.
pub(super) fn resolve(mut outer: MailMessage, mut attached: Vec<MailMessage>) -> MailMessage {
    if attached.len() == 1 && !attached[0].from.trim().is_empty() {
        let mut inner = attached.remove(0);
        let forwarder = outer.from.trim().to_lowercase();
        if inner.body.trim().is_empty() {
            inner.body = std::mem::take(&mut outer.body);
        }
        if inner.message_id.is_empty() {
            inner.message_id = std::mem::take(&mut outer.message_id);
        }
        let date = inner
            .received_on()
            .map_or_else(|| "日期不明".to_owned(), crate::model::format_date_cn);
        let mut warnings = std::mem::take(&mut outer.warnings);
        warnings.append(&mut inner.warnings);
        warnings.push(format!(
            "这是{}转发的邮件，按原邮件读取（发件人 {}，{date}）。",
            if forwarder.is_empty() {
                "他人"
            } else {
                forwarder.as_str()
            },
            inner.from.trim().to_lowercase()
        ));
        inner.warnings = warnings;
        append_files(&mut inner, outer.attachments);
        inner.forwarded_by = (!forwarder.is_empty()).then_some(forwarder);
        return inner;
    }
    if attached.len() > 1 {
        outer.warnings.push(format!(
            "这封邮件里附有 {} 封转发的邮件，已一并读取其附件；如是不同部门的报送，请在邮件程序中分别另存后逐封导入。",
            attached.len()
        ));
    }
    // Messages with no sender of their own (or several): their files are read as this one's.
    for inner in attached {
        if outer.body.trim().is_empty() {
            outer.body = inner.body;
        }
        outer.warnings.extend(inner.warnings);
        append_files(&mut outer, inner.attachments);
    }
    outer
}

fn append_files(into: &mut MailMessage, files: Vec<super::Attachment>) {
    for file in files {
        if into.attachments.len() >= MAX_ATTACHMENTS {
            into.warnings
                .push(format!("附件超过 {MAX_ATTACHMENTS} 个，其余未读取。"));
            return;
        }
        into.attachments.push(file);
    }
}
