//! The JSON of the mail commands: `import-email`, `fetch-mail`, `chase`.

use serde::Serialize;

use super::*;

/// `import-email` / `fetch-mail --json`: one object per message.
#[derive(Debug, Serialize)]
pub struct MessageJson {
    pub message_id: String,
    pub from: String,
    /// Who forwarded it, when the file is a forward read as the forwarded message.
    pub forwarded_by: Option<String>,
    pub subject: String,
    /// The message's date in China Standard Time.
    pub date: Option<String>,
    pub department: Option<String>,
    pub period: Option<String>,
    pub received: Option<String>,
    pub rows: Vec<ImportRowJson>,
    pub unmatched: Vec<UnmatchedJson>,
    pub attachments: Vec<AttachmentJson>,
    pub warnings: Vec<String>,
    pub error: Option<String>,
    /// Whether the message's returns were recorded.
    pub committed: bool,
    /// Where it came from: the file, or `INBOX UID n`.
    pub source: String,
}

/// One attachment: its name and what `import-returns` says of it.
#[derive(Debug, Serialize)]
pub struct AttachmentJson {
    pub name: String,
    #[serde(flatten)]
    pub file: ImportReturnJson,
}

/// `chase --json`.
#[derive(Debug, Serialize)]
pub struct ChaseJson {
    pub period: String,
    pub departments: Vec<ChaseDepartmentJson>,
}

#[derive(Debug, Serialize)]
pub struct ChaseDepartmentJson {
    pub name: String,
    pub to: Option<String>,
    pub subject: String,
    pub message: String,
    pub sent: bool,
    /// With `--send`: `sent`, `uncertain`, `failed` or `no_address`.
    pub outcome: Option<&'static str>,
    pub error: Option<String>,
}

/// A message's object.
pub fn message_json(outcome: &crate::service::mail::MailOutcome, dry_run: bool) -> MessageJson {
    let mut json = MessageJson {
        message_id: String::new(),
        from: String::new(),
        forwarded_by: None,
        subject: String::new(),
        date: None,
        department: None,
        period: None,
        received: None,
        rows: Vec::new(),
        unmatched: Vec::new(),
        attachments: Vec::new(),
        warnings: Vec::new(),
        error: outcome.error.as_ref().map(|(message, _)| message.clone()),
        committed: outcome.committed.is_some(),
        source: outcome.source.clone(),
    };
    let Some(intake) = &outcome.intake else {
        if let Some(headers) = &outcome.headers {
            json.message_id.clone_from(&headers.message_id);
            json.from.clone_from(&headers.from);
            json.subject.clone_from(&headers.subject);
            json.date = headers
                .received_on()
                .map(|d| d.format("%Y-%m-%d").to_string());
        }
        return json;
    };
    // Rows count as imported where a commit recorded them, or would in a dry run.
    let recorded = outcome.committed.is_some() || (dry_run && intake.has_rows());
    json.message_id.clone_from(&intake.message.message_id);
    json.from.clone_from(&intake.message.from);
    json.forwarded_by.clone_from(&intake.message.forwarded_by);
    json.subject.clone_from(&intake.message.subject);
    json.date = intake
        .message
        .received_on()
        .map(|d| d.format("%Y-%m-%d").to_string());
    json.department = intake.department.as_ref().map(|d| d.1.clone());
    json.period = intake.period.map(|p| p.to_string());
    json.received = Some(intake.received.format("%Y-%m-%d").to_string());
    if let Some(body) = &intake.body {
        json.rows = rows_json(body, recorded);
        json.unmatched = unmatched_json(body);
        json.warnings.extend(body.warnings.iter().cloned());
    }
    json.warnings.extend(intake.warnings.iter().cloned());
    for attachment in &intake.attachments {
        let mut file = ImportReturnJson::new(attachment.name.clone());
        match &attachment.result {
            Ok(parsed) => {
                file.fill(parsed, recorded);
                if parsed.is_blank() {
                    file.warnings
                        .push(crate::returns::spreadsheet::BLANK_RETURN.to_owned());
                }
            }
            Err((message, _)) => file.error = Some(message.clone()),
        }
        json.attachments.push(AttachmentJson {
            name: attachment.name.clone(),
            file,
        });
    }
    json
}
