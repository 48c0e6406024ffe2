//! 退回, once for the window and the command: which return, why, the rows in question and the
//! message ([`send_back_draft`]); then either the send run of one e-mail ([`Batch::SendBack`],
//! recorded as every e-mail out is: `uncertain` before its data goes, then what the server
//! said) or, without an address or a mailbox, the text to copy, recorded as sent back by hand
//! ([`record_by_hand`]). Either way the return is `returned` until the corrected one arrives.

use super::{Batch, OutMail};
use crate::returns::{ChaseContext, ChaseDates, RowInQuestion, RowKey};
use crate::schedule::{Period, ReturnState};
use crate::service::{ActionError, DayState};
use crate::store::{Ledger, NewSendBack, SendBackOutcome};

/// A sending back, ready to go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendBackDraft {
    pub plan_id: i64,
    pub department_id: i64,
    pub department: String,
    pub period: Period,
    /// The department's first address; `None` when it has none (the text is to copy).
    pub to: Option<String>,
    pub reason: String,
    pub rows: Vec<RowInQuestion>,
    pub subject: String,
    pub message: String,
    /// The day it is sent back on.
    pub on: chrono::NaiveDate,
}

impl SendBackDraft {
    /// The send run's batch: one department's month, with what is recorded of it.
    pub fn batch(&self) -> Batch {
        Batch::SendBack {
            plan_id: self.plan_id,
            period: self.period,
            department_id: self.department_id,
            on: self.on,
        }
    }

    /// The rows in question as recorded, one label per line.
    pub fn rows_text(&self) -> String {
        self.rows
            .iter()
            .map(|r| r.label.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The e-mail of the send run. The same sending back again the same day carries the same
    /// Message-ID.
    pub fn out_mail(&self, today: chrono::NaiveDate) -> OutMail {
        OutMail {
            department_id: Some(self.department_id),
            recipient: self.department.clone(),
            to: self.to.clone(),
            subject: self.subject.clone(),
            body: self.message.clone(),
            files: Vec::new(),
            message_key: format!(
                "send-back\t{}\t{}\t{}\t{today}\t{}",
                self.plan_id, self.department_id, self.period, self.message
            ),
            message_id: String::new(),
            parts: vec![(self.plan_id, self.period)],
            send_back: Some((self.reason.clone(), self.rows_text())),
        }
    }
}

fn refused(text: String) -> ActionError {
    ActionError::SendBack(text)
}

/// Everything a sending back says, checked before anything is written or sent: the plan is
/// active and has the month, the department is known (by any of its names) and its return for
/// the month has arrived (sent back before or not), the reason is given. `rows` picks the rows
/// in question (the department's own for the month); `None` takes all of them.
pub fn send_back_draft(
    day: &DayState,
    period: Period,
    department: &str,
    reason: &str,
    rows: Option<&[RowKey]>,
) -> Result<SendBackDraft, ActionError> {
    let status = day.period_status(period);
    send_back_draft_of(
        &SendBackSource {
            plan: &day.plan,
            settings: &day.settings,
            departments: &day.departments,
            obligations: &day.obligations,
            returns: &day.returns,
            status: &status,
            today: day.today,
        },
        department,
        reason,
        rows,
    )
}

/// What a sending back is made of (the window holds these without a [`DayState`]).
pub struct SendBackSource<'a> {
    pub plan: &'a crate::model::Plan,
    pub settings: &'a crate::model::Settings,
    pub departments: &'a [crate::model::Department],
    pub obligations: &'a [crate::returns::Obligation],
    pub returns: &'a [crate::returns::ReturnRecord],
    /// The month's states.
    pub status: &'a crate::returns::PeriodStatus,
    pub today: chrono::NaiveDate,
}

/// [`send_back_draft`] from its parts.
pub fn send_back_draft_of(
    day: &SendBackSource<'_>,
    department: &str,
    reason: &str,
    rows: Option<&[RowKey]>,
) -> Result<SendBackDraft, ActionError> {
    let status = day.status;
    let period = status.period;
    if !day.plan.active {
        return Err(refused(format!(
            "计划“{}”已结束，不再退回报送。如仍需退回，请先在“工作计划”中重新启用它。",
            day.plan.label()
        )));
    }
    crate::service::check_period(day.plan, period)?;
    let names = crate::plan_text::DepartmentNames::new(day.departments);
    let department = names
        .canonical_of(department.trim())
        .and_then(|name| day.departments.iter().find(|d| d.name == name))
        .ok_or_else(|| refused(format!("台账中没有部门“{}”", department.trim())))?;
    let Some(state) = status
        .departments
        .iter()
        .find(|d| d.department_id == department.id)
    else {
        return Err(refused(format!("台账中没有部门“{}”", department.name)));
    };
    match state.state {
        ReturnState::OnTime | ReturnState::Late | ReturnState::Returned => {}
        ReturnState::NotRequired => {
            return Err(refused(format!(
                "{}{}无需报送，无可退回",
                department.name,
                period.label()
            )));
        }
        ReturnState::Missing | ReturnState::NotDue => {
            return Err(refused(format!(
                "尚未收到{}{}的报送，无可退回",
                department.name,
                period.label()
            )));
        }
    }
    let reason = crate::returns::clean_reason(reason).map_err(refused)?;
    let record = day
        .returns
        .iter()
        .find(|r| r.department_id == department.id && r.period == period);
    let owed = day
        .obligations
        .iter()
        .find(|o| o.department_id == department.id)
        .map(|o| o.rows_in(period))
        .unwrap_or_default();
    if let Some(keys) = rows
        && let Some(stranger) = keys.iter().find(|k| !owed.iter().any(|r| r.key == **k))
    {
        return Err(refused(format!(
            "所选的行（{stranger:?}）不是{}{}应报的内容",
            department.name,
            period.label()
        )));
    }
    let rows: Vec<RowInQuestion> = owed
        .iter()
        .filter(|row| rows.is_none_or(|keys| keys.contains(&row.key)))
        .map(|row| {
            let written = record.and_then(|r| r.row(row.key));
            RowInQuestion {
                label: row.label(),
                progress: written.map(|w| w.progress.clone()).unwrap_or_default(),
                remark: written.map(|w| w.remark.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let context = ChaseContext::of(day.plan, day.settings);
    let message = crate::returns::send_back_message(
        &context,
        &department.name,
        period,
        state.received_on,
        &reason,
        &rows,
        ChaseDates {
            due: status.due,
            today: day.today,
        },
    );
    Ok(SendBackDraft {
        plan_id: day.plan.id,
        department_id: department.id,
        department: department.name.clone(),
        period,
        to: department.mail_addresses().into_iter().next(),
        reason,
        rows,
        subject: crate::returns::send_back_subject(period),
        message,
        on: day.today,
    })
}

/// Records a sending back made by hand (the text copied into her own mail or read out on the
/// phone): the return is `returned` from now on.
pub fn record_by_hand(ledger: &mut Ledger, draft: &SendBackDraft) -> Result<(), ActionError> {
    ledger.record_send_back(
        draft.plan_id,
        &NewSendBack {
            department_id: draft.department_id,
            period: draft.period,
            on: draft.on,
            reason: &draft.reason,
            rows: &draft.rows_text(),
            address: "",
            subject: &draft.subject,
            message: &draft.message,
            outcome: SendBackOutcome::ByHand,
            failure: "",
            message_id: "",
        },
    )?;
    Ok(())
}
