//! The chase e-mails: one per department and month (covering every plan in play), sent one by
//! one (the I/O step) and recorded under each plan and month it chases (the recording step).

use crate::schedule::Period;

/// One department's chase e-mail for a month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChaseMail {
    pub department_id: i64,
    pub department: String,
    /// The address it goes to: the department's first; `None` when it has none.
    pub to: Option<String>,
    pub subject: String,
    pub message: String,
    /// The plans and months it chases (one, or several when it covers several plans).
    pub parts: Vec<(i64, Period)>,
}

impl ChaseMail {
    /// The e-mail of the send run. A chase sent again the same day carries the same
    /// Message-ID; a chase on another day is a new message.
    pub fn out_mail(&self, today: chrono::NaiveDate) -> super::OutMail {
        super::OutMail {
            department_id: Some(self.department_id),
            recipient: self.department.clone(),
            to: self.to.clone(),
            subject: self.subject.clone(),
            body: self.message.clone(),
            files: Vec::new(),
            message_key: format!(
                "chase\t{}\t{today}\t{:?}\t{}",
                self.department_id, self.parts, self.message
            ),
            message_id: String::new(),
            parts: self.parts.clone(),
            send_back: None,
        }
    }
}

/// The chase e-mails of a month: one per department still missing or incomplete. A closed
/// plan is never chased ("不再催报"), in the window or by a command.
pub fn chase_mails(day: &crate::service::DayState, period: Period) -> Vec<ChaseMail> {
    chase_mails_of(
        &ChaseSource {
            plan: &day.plan,
            settings: &day.settings,
            departments: &day.departments,
            today: day.today,
        },
        &day.period_status(period),
    )
}

/// What a plan's chase e-mails are made of (the window holds these without a [`DayState`]).
///
/// [`DayState`]: crate::service::DayState
pub struct ChaseSource<'a> {
    pub plan: &'a crate::model::Plan,
    pub settings: &'a crate::model::Settings,
    pub departments: &'a [crate::model::Department],
    pub today: chrono::NaiveDate,
}

/// The chase e-mails of one plan's month from its status.
pub fn chase_mails_of(
    source: &ChaseSource<'_>,
    status: &crate::returns::PeriodStatus,
) -> Vec<ChaseMail> {
    if !source.plan.active {
        return Vec::new();
    }
    let period = status.period;
    let context = crate::returns::ChaseContext::of(source.plan, source.settings);
    crate::returns::chase_entries(status, source.today, &context)
        .into_iter()
        .map(|entry| {
            let to = source
                .departments
                .iter()
                .find(|d| d.id == entry.department_id)
                .and_then(|d| d.mail_addresses().into_iter().next());
            let overdue = source.today > status.due;
            let subject = if entry.state == crate::schedule::ReturnState::Returned {
                crate::returns::returned_chase_subject(period)
            } else {
                crate::returns::chase_subject(period, entry.state.is_received(), overdue)
            };
            ChaseMail {
                department_id: entry.department_id,
                department: entry.department,
                to,
                subject,
                message: entry.message,
                parts: vec![(source.plan.id, period)],
            }
        })
        .collect()
}

/// The month each other plan in play is chased for, beside `period` for the plan in focus:
/// the same month when the plan has it, else its latest month already due on `today`.
/// `(index in others, month)`.
pub fn other_chase_periods(
    today: chrono::NaiveDate,
    others: &[crate::service::DayState],
    period: Period,
) -> Vec<(usize, Period)> {
    let mut periods = Vec::new();
    for (index, day) in others.iter().enumerate() {
        let months = crate::schedule::plan_periods(&day.plan);
        let chosen = if months.contains(&period) {
            Some(period)
        } else {
            let rule = day.rule();
            months
                .iter()
                .rev()
                .find(|month| rule.due(**month).1 <= today)
                .copied()
        };
        if let Some(chosen) = chosen {
            periods.push((index, chosen));
        }
    }
    periods
}

/// The plans a month's chase covers: the plan in focus for `period`, and each other plan in
/// play for its own month.
pub fn chase_plans<'a>(
    focus: &'a crate::service::DayState,
    others: &'a [crate::service::DayState],
    period: Period,
) -> Vec<(&'a crate::service::DayState, Period)> {
    std::iter::once((focus, period))
        .chain(
            other_chase_periods(focus.today, others, period)
                .into_iter()
                .map(|(index, month)| (&others[index], month)),
        )
        .collect()
}

/// The chase e-mails for several plans at once, each with its month: one per department,
/// covering what it owes under each plan (each part headed by its plan when there is more
/// than one).
pub fn chase_mails_across(plans: &[(&crate::service::DayState, Period)]) -> Vec<ChaseMail> {
    merge_across(
        plans
            .iter()
            .map(|(day, period)| (day.plan.label(), chase_mails(day, *period)))
            .collect(),
    )
}

/// Each plan's chase e-mails (with the plan's label) merged into one per department, each
/// part headed by its plan when more than one plan chases. The window's 全部复制 and the
/// e-mails sent are this list.
pub fn merge_across(per_plan: Vec<(String, Vec<ChaseMail>)>) -> Vec<ChaseMail> {
    let several = per_plan
        .iter()
        .filter(|(_, mails)| !mails.is_empty())
        .count()
        > 1;
    let mut merged: Vec<(ChaseMail, Vec<(String, String)>)> = Vec::new();
    for (label, mails) in per_plan {
        for mail in mails {
            match merged
                .iter_mut()
                .find(|(m, _)| m.department_id == mail.department_id)
            {
                Some((first, parts)) => {
                    first.parts.extend(mail.parts.iter().copied());
                    parts.push((label.clone(), mail.message));
                }
                None => {
                    let message = mail.message.clone();
                    merged.push((mail, vec![(label.clone(), message)]));
                }
            }
        }
    }
    merged
        .into_iter()
        .map(|(mut mail, parts)| {
            if several {
                mail.message = combined_message(&parts);
            }
            mail
        })
        .collect()
}

/// One message out of a department's messages under several plans, each headed by its
/// plan: `【plan】` and the message.
pub fn combined_message(parts: &[(String, String)]) -> String {
    parts
        .iter()
        .map(|(label, message)| format!("【{label}】\n{message}"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The address chase e-mails are sent from: `user` when it is an address, else the
/// mailbox's (设置 → 单位邮箱), else the first address the chase messages ask returns to be
/// sent to (设置 → 电子邮箱).
pub fn chase_sender(user: &str, mailbox: &str, unit_email: &str) -> String {
    if user.contains('@') {
        return user.trim().to_owned();
    }
    if mailbox.contains('@') {
        return mailbox.trim().to_owned();
    }
    unit_email
        .split([',', ';', '，', '；', ' ', '、'])
        .map(str::trim)
        .find(|a| a.contains('@'))
        .unwrap_or_default()
        .to_owned()
}

/// The month's chase messages, for the window and the command alike: refused for a month
/// outside the plan or a closed plan (never chased).
pub fn month_chase(
    focus: &crate::service::DayState,
    others: &[crate::service::DayState],
    period: Period,
) -> Result<Vec<ChaseMail>, crate::service::ActionError> {
    crate::service::check_period(&focus.plan, period)?;
    if !focus.plan.active {
        return Err(crate::service::ActionError::PlanClosed(focus.plan.label()));
    }
    Ok(chase_mails_across(&chase_plans(focus, others, period)))
}

/// Begins the month's chase for the window and the command alike: one e-mail per department
/// covering every plan in play (`others`, empty for one plan), each chased for its month; a
/// closed plan is never chased. The messages (for the text to copy) and the run.
pub fn begin_chase(
    ledger: &crate::store::Ledger,
    focus: &crate::service::DayState,
    others: &[crate::service::DayState],
    period: Period,
    deadline: std::time::Duration,
) -> Result<(Vec<ChaseMail>, super::SendRun), crate::service::ActionError> {
    let mails = month_chase(focus, others, period)?;
    let run = super::SendRun::begin(
        ledger,
        super::Batch::Chase {
            plan_id: focus.plan.id,
            period,
        },
        mails.iter().map(|m| m.out_mail(focus.today)).collect(),
        super::ResendRule::ALL,
        deadline,
    )?;
    Ok((mails, run))
}
