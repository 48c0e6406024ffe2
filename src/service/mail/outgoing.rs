//! The month's two ends by e-mail: each department's template out at the start of the month,
//! and the progress sheet up to the city at its end. The messages are made here (for the
//! command and the window alike), sent one by one over one connection (the I/O step, for a
//! worker thread too), and each send is recorded as soon as it has gone, so that a run that
//! fails halfway records exactly who received it.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::mail::smtp::{Outgoing, OutgoingFile, SendError, Sender, SmtpAccount};
use crate::model::{Plan, Settings, format_date_cn};
use crate::schedule::Period;
use crate::store::{Ledger, MailSend, SendKind};

/// One department's template e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateMail {
    pub department_id: i64,
    pub department: String,
    /// The department's first address; `None` when it has none (listed, not sent).
    pub to: Option<String>,
    pub subject: String,
    pub body: String,
    /// The template written for it.
    pub file: PathBuf,
}

/// What became of one e-mail out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendOutcome {
    pub department: String,
    pub to: Option<String>,
    pub file: PathBuf,
    pub sent: bool,
    pub error: Option<String>,
}

/// Where departments send their returns: our unit's address from 设置, else the mailbox's.
fn return_address(settings: &Settings, mailbox: &str) -> String {
    super::chase_sender("", &settings.email, mailbox)
}

/// What one department's request is about: who, which rows, which attached file.
pub struct RequestFor<'a> {
    pub department: &'a str,
    pub rows: &'a [String],
    pub file_name: &'a str,
}

/// "联系人：…，电话：…。" from 设置, or nothing when neither is filled in.
fn contact_line(settings: &Settings) -> Option<String> {
    let contact: Vec<String> = [
        (!settings.contact_person.trim().is_empty())
            .then(|| format!("联系人：{}", settings.contact_person.trim())),
        (!settings.phone.trim().is_empty()).then(|| format!("电话：{}", settings.phone.trim())),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!contact.is_empty()).then(|| format!("{}。", contact.join("，")))
}

/// The request in office style: what, which month, by when, where to, who to ask.
pub fn template_request(
    plan: &Plan,
    settings: &Settings,
    mailbox: &str,
    request: &RequestFor<'_>,
    period: Period,
    (due, today): (NaiveDate, NaiveDate),
) -> (String, String) {
    let RequestFor {
        department,
        rows,
        file_name,
    } = *request;
    let subject = format!(
        "关于报送{}重点工作进展情况的通知（请于{}前报送）",
        period.label(),
        format_date_cn(due)
    );
    let to = return_address(settings, mailbox);
    let mut body = format!("{department}：\n\n");
    body.push_str(&format!(
        "根据《{}》{}要求，请贵单位于{}前，将{}重点工作进展情况填入附件模板（{}），{}。\n",
        plan.title,
        if plan.document_number.is_empty() {
            String::new()
        } else {
            format!("（{}）", plan.document_number)
        },
        format_date_cn(due),
        period.label(),
        file_name,
        if to.is_empty() {
            "按原渠道报送".to_owned()
        } else {
            format!("发送至 {to}")
        }
    ));
    if !rows.is_empty() {
        body.push_str("\n本月需报送的事项：\n");
        for row in rows {
            body.push_str(&format!("  {row}\n"));
        }
    }
    body.push_str("\n无此项任务的，请在该行填写“无此项任务”。");
    if let Some(contact) = contact_line(settings) {
        body.push_str(&format!("\n{contact}"));
    }
    body.push_str("\n\n");
    if !settings.unit.trim().is_empty() {
        body.push_str(settings.unit.trim());
        body.push('\n');
    }
    body.push_str(&format_date_cn(today));
    (subject, body)
}

/// Whom a second send of the month's templates goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resend {
    /// Refuse when any department already received this month's template (the default).
    Ask,
    /// Only the departments that have not received it (after a send that failed halfway).
    Unsent,
    /// Every department again.
    All,
}

/// This process's claim on sending a month's mail of one kind: while it is held, a second
/// window or command sending the same month is refused, so that nobody gets it twice. Taken
/// before the earlier sends are read; given back when the run ends (or, after a crash, when
/// its lease runs out).
#[derive(Debug)]
pub struct SendClaim {
    plan_id: i64,
    kind: SendKind,
    period: String,
    token: String,
}

impl SendClaim {
    pub fn take(
        ledger: &mut Ledger,
        plan_id: i64,
        kind: SendKind,
        period: Period,
        deadline: std::time::Duration,
    ) -> Result<Self, crate::store::StoreError> {
        let token = format!(
            "{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        );
        let seconds = i64::try_from(deadline.as_secs()).unwrap_or(i64::MAX / 2) + 60;
        ledger.claim_month_send(plan_id, kind, &period.to_string(), &token, seconds)?;
        Ok(Self {
            plan_id,
            kind,
            period: period.to_string(),
            token,
        })
    }

    /// Gives the claim back; a failure only leaves the lease to run out.
    pub fn release(self, ledger: &mut Ledger) {
        let _ = ledger.release_month_send(self.plan_id, self.kind, &self.period, &self.token);
    }
}

/// The month's templates written into a folder and the e-mails that carry them: those to
/// send and those left out because the department already received this month's template.
#[derive(Clone, Debug)]
pub struct TemplateBatch {
    pub written: Vec<crate::service::WrittenTemplate>,
    pub mails: Vec<TemplateMail>,
    pub already_sent: Vec<TemplateMail>,
}

/// Writes the month's templates into `dir`, each naming the month's due day (moved off
/// holidays when 设置 says so).
pub fn write_month_templates(
    day: &crate::service::DayState,
    period: Period,
    dir: &std::path::Path,
    protected: &crate::files::Protected,
) -> Result<Vec<crate::service::WrittenTemplate>, crate::service::ActionError> {
    let (_, due) = day.rule().due(period);
    crate::service::write_templates(
        &day.plan,
        &day.obligations,
        period,
        due,
        dir,
        protected,
        &mut |_| {},
    )
}

/// Writes the month's templates into `dir` and prepares one e-mail per department (the
/// window's 发模板 and `templates --send` alike). With [`Resend::Unsent`] the departments in
/// `earlier` (this month's recorded sends) are left out; [`Resend::Ask`] is the caller's to
/// settle before (it asks the user). A closed plan is not sent for.
pub fn prepare_templates(
    day: &crate::service::DayState,
    mailbox: &str,
    period: Period,
    dir: &std::path::Path,
    protected: &crate::files::Protected,
    (resend, earlier): (Resend, &[MailSend]),
) -> Result<TemplateBatch, crate::service::ActionError> {
    crate::service::check_period(&day.plan, period)?;
    if !day.plan.active {
        return Err(crate::service::ActionError::PlanClosedForTemplates(
            day.plan.label(),
        ));
    }
    let written = write_month_templates(day, period, dir, protected)?;
    let (already_sent, mails) = template_mails(day, mailbox, period, &written)
        .into_iter()
        .partition(|mail| {
            resend == Resend::Unsent
                && earlier
                    .iter()
                    .any(|s| s.department_id == Some(mail.department_id))
        });
    Ok(TemplateBatch {
        written,
        mails,
        already_sent,
    })
}

/// The template e-mails of a month, one per template written.
pub fn template_mails(
    day: &crate::service::DayState,
    mailbox: &str,
    period: Period,
    written: &[crate::service::WrittenTemplate],
) -> Vec<TemplateMail> {
    let (_, due) = day.rule().due(period);
    written
        .iter()
        .filter_map(|template| {
            let obligation = day
                .obligations
                .iter()
                .find(|o| o.department == template.department)?;
            let department = day
                .departments
                .iter()
                .find(|d| d.id == obligation.department_id)?;
            let rows: Vec<String> = obligation
                .rows_in(period)
                .iter()
                .map(crate::returns::ExpectedRow::label)
                .collect();
            let file_name = template
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let (subject, body) = template_request(
                &day.plan,
                &day.settings,
                mailbox,
                &RequestFor {
                    department: &department.name,
                    rows: &rows,
                    file_name: &file_name,
                },
                period,
                (due, day.today),
            );
            Some(TemplateMail {
                department_id: department.id,
                department: department.name.clone(),
                to: department.mail_addresses().into_iter().next(),
                subject,
                body,
                file: template.path.clone(),
            })
        })
        .collect()
}

/// Reads a file we wrote, to attach it (at most 20 MB).
fn attachment(path: &std::path::Path) -> Result<OutgoingFile, String> {
    let bytes = crate::files::read_file(path, 20 * 1024 * 1024).map_err(|e| e.to_string())?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(OutgoingFile::new(&name, bytes))
}

/// Sends one template e-mail; a department without an address is not sent, with a note.
pub fn send_template_mail(sender: &mut Sender, mail: &TemplateMail) -> SendOutcome {
    let outcome = |sent: bool, error: Option<String>| SendOutcome {
        department: mail.department.clone(),
        to: mail.to.clone(),
        file: mail.file.clone(),
        sent,
        error,
    };
    let Some(to) = mail.to.clone() else {
        return outcome(
            false,
            Some("该部门没有邮箱地址，未发送；请在“责任部门”中填写。".to_owned()),
        );
    };
    let file = match attachment(&mail.file) {
        Ok(file) => file,
        Err(error) => return outcome(false, Some(format!("无法读取模板：{error}"))),
    };
    let outgoing = Outgoing {
        to,
        to_name: mail.department.clone(),
        subject: mail.subject.clone(),
        body: mail.body.clone(),
        attachments: vec![file],
    };
    match sender.send(&outgoing) {
        Ok(()) => outcome(true, None),
        Err(error) => outcome(false, Some(error.to_string())),
    }
}

/// Records a template e-mail that went (its own transaction).
pub fn record_template_send(
    ledger: &mut Ledger,
    plan_id: i64,
    period: Period,
    mail: &TemplateMail,
    outcome: &mut SendOutcome,
) {
    if !outcome.sent {
        return;
    }
    let send = MailSend {
        period: period.to_string(),
        department_id: Some(mail.department_id),
        address: mail.to.clone().unwrap_or_default(),
        subject: mail.subject.clone(),
        attachments: mail
            .file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        sent_at: crate::store::now_stamp(),
    };
    if let Err(error) = ledger.record_mail_send(plan_id, SendKind::Template, &send) {
        outcome.error = Some(format!("已发送，但未能记入台账：{error}"));
    }
}

/// The I/O step of a run of template e-mails: connects and checks the server once (a wrong
/// code or no network fails the run before anything is sent), then sends each in turn within
/// the deadline, handing each outcome to `each` as it is done.
pub fn send_template_run(
    account: &SmtpAccount,
    mails: &[TemplateMail],
    deadline: std::time::Duration,
    each: &mut dyn FnMut(&TemplateMail, SendOutcome),
) -> Result<(), SendError> {
    let mut sender = Sender::with_deadline(account, deadline)?;
    // Nobody to send to: no connection needed.
    if mails.iter().any(|m| m.to.is_some()) {
        sender.check()?;
    }
    for mail in mails {
        each(mail, send_template_mail(&mut sender, mail));
    }
    sender.quit();
    Ok(())
}

/// Sends the template e-mails and records each as it goes.
pub fn send_templates(
    ledger: &mut Ledger,
    plan_id: i64,
    period: Period,
    account: &SmtpAccount,
    mails: &[TemplateMail],
    deadline: std::time::Duration,
) -> Result<Vec<SendOutcome>, SendError> {
    let mut outcomes = Vec::new();
    send_template_run(account, mails, deadline, &mut |mail, mut outcome| {
        record_template_send(ledger, plan_id, period, mail, &mut outcome);
        outcomes.push(outcome);
    })?;
    Ok(outcomes)
}

/// The month's sheet e-mail to the city.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SheetMail {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub files: Vec<PathBuf>,
}

/// The sheet e-mail: the form's title as subject, both files attached.
pub fn sheet_mail(
    settings: &Settings,
    to: &str,
    period: Period,
    title: &str,
    files: Vec<PathBuf>,
    today: NaiveDate,
) -> SheetMail {
    let unit = if settings.unit.trim().is_empty() {
        "我单位".to_owned()
    } else {
        settings.unit.trim().to_owned()
    };
    let subject = format!("{unit}报送{}{}", period.label(), title.trim());
    let mut body = format!(
        "市生态环境局：\n\n现将{unit}{}《{}》（{}）报上，请查收。\n",
        period.label(),
        title.trim(),
        files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join("、")
    );
    if let Some(contact) = contact_line(settings) {
        body.push_str(&format!("\n{contact}\n"));
    }
    body.push_str(&format!("\n{unit}\n{}", format_date_cn(today)));
    SheetMail {
        to: to.trim().to_owned(),
        subject,
        body,
        files,
    }
}

/// Sends the sheet in one message (the I/O step).
pub fn send_sheet_mail(
    account: &SmtpAccount,
    mail: &SheetMail,
    deadline: std::time::Duration,
) -> Result<(), SendError> {
    let mut attachments = Vec::new();
    for file in &mail.files {
        attachments.push(attachment(file).map_err(SendError::Rejected)?);
    }
    let mut sender = Sender::with_deadline(account, deadline)?;
    let result = sender.send(&Outgoing {
        to: mail.to.clone(),
        to_name: String::new(),
        subject: mail.subject.clone(),
        body: mail.body.clone(),
        attachments,
    });
    sender.quit();
    result
}

/// Records the sheet that went up; the address is kept in 设置 when it had none.
pub fn record_sheet_send(
    ledger: &mut Ledger,
    plan_id: i64,
    period: Period,
    mail: &SheetMail,
) -> Result<(), crate::store::StoreError> {
    let send = MailSend {
        period: period.to_string(),
        department_id: None,
        address: mail.to.clone(),
        subject: mail.subject.clone(),
        attachments: mail
            .files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect::<Vec<_>>()
            .join("\n"),
        sent_at: crate::store::now_stamp(),
    };
    ledger.record_sheet_send(plan_id, &send)
}
