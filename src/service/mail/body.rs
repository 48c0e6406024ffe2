//! The body of a message as a return: split into the department's rows, and where an
//! attached return fills the same rows, the attachment's text kept.

use super::intake::{AttachmentIntake, IntakeContext, MessageIntake};
use crate::mail::{MailMessage, quote::forwarded_text};
use crate::returns::split_email_body;
use crate::returns::spreadsheet::ParsedReturn;
use crate::schedule::Period;

/// The body split into the department's rows, as a return; for a forward with no rows of its
/// own, the forwarded text.
pub(super) fn body_return(
    context: &IntakeContext<'_>,
    message: &MailMessage,
    department_id: i64,
    department: &str,
    period: Period,
) -> Option<ParsedReturn> {
    let obligation = context
        .obligations
        .iter()
        .find(|o| o.department_id == department_id)?;
    let mut warnings = Vec::new();
    let mut split = split_email_body(&message.body, &obligation.rows);
    if split.rows.is_empty()
        && let Some(forwarded) = forwarded_text(&message.body)
        && message.is_forward()
    {
        let inner = split_email_body(&forwarded, &obligation.rows);
        if !inner.rows.is_empty() {
            warnings.push("正文各行取自转发的原邮件".to_owned());
            split = inner;
        }
    }
    if split.rows.is_empty() && split.unmatched.is_empty() {
        return None;
    }
    let (rows, unmatched) = crate::returns::email::rows_of_split(&split, obligation);
    Some(ParsedReturn {
        file_name: "邮件正文".to_owned(),
        sha256: crate::hash::sha256_hex(message.body.as_bytes()),
        department: (department_id, department.to_owned()),
        period,
        rows,
        unmatched,
        warnings,
    })
}

/// Where the body and an attached return fill the same row, the attachment's text is kept
/// (the body usually only says 见附件).
pub(super) fn drop_rows_the_attachment_gives(intake: &mut MessageIntake) {
    let Some(body) = intake.body.as_mut() else {
        return;
    };
    let attached: Vec<_> = intake
        .attachments
        .iter()
        .filter_map(AttachmentIntake::filled_return)
        .filter(|p| p.department.0 == body.department.0 && p.period == body.period)
        .flat_map(|p| p.rows.iter().filter(|r| r.accepted && r.status.is_filled()))
        .map(|r| r.key)
        .collect();
    let before = body.rows.len();
    let mut dropped = Vec::new();
    body.rows.retain(|row| {
        let keep = !attached.contains(&row.key);
        if !keep {
            dropped.push(row.code.clone());
        }
        keep
    });
    if body.rows.len() < before {
        intake.warnings.push(format!(
            "正文和附件都填了第 {} 行，以附件为准",
            dropped.join("、")
        ));
    }
}
