//! The month's two ends by e-mail: each department's template out at the start of the month,
//! and the progress sheet up to the city at its end. The messages are made here (for the
//! command and the window alike), sent one by one over one connection (the I/O step, for a
//! worker thread too), and each send is recorded as soon as it has gone, so that a run that
//! fails halfway records exactly who received it.

use std::path::PathBuf;

use chrono::NaiveDate;

use super::OutMail;
use crate::model::{Plan, Settings, format_date_cn};
use crate::schedule::Period;

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

/// One e-mail per department owing rows in `period`, each to carry the department's template
/// from `dir` (its file is written by [`write_template_files`] once the server has accepted
/// the login). A closed plan is not sent for; a month outside the plan is refused. Nothing is
/// written here.
pub fn template_mails(
    day: &crate::service::DayState,
    mailbox: &str,
    period: Period,
    dir: &std::path::Path,
) -> Result<Vec<OutMail>, crate::service::ActionError> {
    crate::service::check_period(&day.plan, period)?;
    if !day.plan.active {
        return Err(crate::service::ActionError::PlanClosedForTemplates(
            day.plan.label(),
        ));
    }
    let (_, due) = day.rule().due(period);
    Ok(day
        .obligations
        .iter()
        .filter_map(|obligation| {
            let department = day
                .departments
                .iter()
                .find(|d| d.id == obligation.department_id)?;
            let rows: Vec<String> = obligation
                .rows_in(period)
                .iter()
                .map(crate::returns::ExpectedRow::label)
                .collect();
            let file_name =
                crate::returns::template::template_file_name(&obligation.department, period);
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
            Some(OutMail {
                department_id: Some(department.id),
                recipient: department.name.clone(),
                to: department.mail_addresses().into_iter().next(),
                subject,
                body,
                files: vec![dir.join(&file_name)],
                message_key: format!(
                    "template\t{}\t{}\t{period}\t{}",
                    day.plan.id, day.plan.title, department.id
                ),
                message_id: String::new(),
                parts: vec![(day.plan.id, period)],
                send_back: None,
            })
        })
        .collect())
}

/// Writes the month's templates into `dir` and points each mail at its department's file (a
/// file already there with the same bytes is the one attached: a second send makes no copy).
pub fn write_template_files(
    day: &crate::service::DayState,
    period: Period,
    dir: &std::path::Path,
    protected: &crate::files::Protected,
    mails: &mut [OutMail],
) -> Result<Vec<crate::service::WrittenTemplate>, crate::service::ActionError> {
    let written = write_month_templates(day, period, dir, protected)?;
    for mail in mails.iter_mut() {
        if let Some(template) = written.iter().find(|t| t.department == mail.recipient) {
            mail.files = vec![template.path.clone()];
        }
    }
    Ok(written)
}

/// A title to put in 《》: its own 《》 become 〈〉, as a title inside a title is written.
fn book_title(title: &str) -> String {
    title
        .trim()
        .trim_start_matches('《')
        .trim_end_matches('》')
        .replace('《', "〈")
        .replace('》', "〉")
}

/// The sheet e-mail: the form's title as subject, both files attached.
pub fn sheet_mail(
    (plan, settings): (&Plan, &Settings),
    to: &str,
    period: Period,
    files: Vec<PathBuf>,
    today: NaiveDate,
) -> OutMail {
    let title = book_title(&plan.form.title);
    let unit = if settings.unit.trim().is_empty() {
        "我单位".to_owned()
    } else {
        settings.unit.trim().to_owned()
    };
    // The month once, after the title (which names its own year).
    let subject = format!("{unit}报送《{title}》（{}）", period.label());
    let mut body = format!(
        "市生态环境局：\n\n现将{unit}{}《{title}》（{}）报上，请查收。\n",
        period.label(),
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
    OutMail {
        department_id: None,
        recipient: "上级单位".to_owned(),
        to: Some(to.trim().to_owned()),
        subject,
        body,
        files,
        message_key: format!(
            "sheet\t{}\t{}\t{period}\t{}",
            plan.id,
            plan.title,
            to.trim().to_lowercase()
        ),
        message_id: String::new(),
        parts: vec![(plan.id, period)],
        send_back: None,
    }
}
