//! A message held on 收件 (fetched or saved, waiting for the user): prepared for its preview
//! and committed under the plan of its month, as `import-email` and `fetch-mail` record it
//! ([`super::handle_message`]). A December return read in February belongs to last year's
//! plan whichever plan the window has in focus.

use crate::schedule::Period;
use crate::store::{Ledger, MailOrigin, MailRecord, StoreError};

use super::{Intake, MailChoice, MessageIntake, commit_message};

/// The plan a message or return of `period` belongs to: the plan in focus when its months
/// hold it, else the one active plan whose months do, else the plan in focus (which then says
/// the month is outside it).
pub fn plan_of_month(ledger: &Ledger, period: Option<Period>) -> Result<i64, StoreError> {
    let focused = ledger.focused_plan_id()?;
    let Some(period) = period else {
        return Ok(focused);
    };
    let holders: Vec<i64> = crate::service::plans_with_period(ledger, period)?
        .iter()
        .map(|plan| plan.id)
        .collect();
    Ok(month_owner(focused, &holders))
}

/// Of the plans whose months hold a month (`holders`), the one its returns belong to: the
/// plan in focus when it is one of them, else the only one, else the plan in focus. The one
/// rule for the commands and the window, which knows the plans in play without asking.
pub fn month_owner(focused: i64, holders: &[i64]) -> i64 {
    match holders {
        _ if holders.contains(&focused) => focused,
        [only] => *only,
        _ => focused,
    }
}

impl Intake {
    /// What matching needs under one plan (not necessarily the one in focus).
    pub fn load_for(
        ledger: &Ledger,
        plan_id: i64,
        today: chrono::NaiveDate,
    ) -> Result<Self, StoreError> {
        let plan = ledger.plan(plan_id)?;
        let departments = ledger.departments()?;
        let obligations = crate::returns::obligations(&plan, &departments);
        let returns = ledger.plan_returns(plan_id, None)?;
        Ok(Self {
            plan,
            departments,
            obligations,
            returns,
            today,
        })
    }
}

/// A held message's preview: read from its archived original and prepared under the plan of
/// its month. `focused` is the plan in focus's [`Intake`] (loaded once per version of the
/// data); another plan's is loaded only when the month needs it.
pub fn prepare_held(
    ledger: &Ledger,
    focused: &Intake,
    record: &MailRecord,
    choice: MailChoice,
) -> Result<MessageIntake, String> {
    let file_id = record
        .source_file_id
        .ok_or_else(|| "没有保存这封邮件的原文".to_owned())?;
    let (name, raw) = ledger.source_file(file_id).map_err(|e| e.to_string())?;
    let mut prepared = focused
        .prepare_bytes(&name, raw.clone(), choice)
        .map_err(|e| e.to_string())?;
    let owner = plan_of_month(ledger, prepared.period).map_err(|e| e.to_string())?;
    if owner != focused.plan.id {
        let intake = Intake::load_for(ledger, owner, focused.today).map_err(|e| e.to_string())?;
        prepared = intake
            .prepare_bytes(&name, raw, choice)
            .map_err(|e| e.to_string())?;
    }
    prepared.seen = Some(record.clone());
    Ok(prepared)
}

/// Commits a prepared held message under the plan of its month; the ledger's focus is put
/// back afterwards. Rows changed, or `None` when it could not be committed (the intake's
/// warnings say why).
pub fn commit_held(
    ledger: &mut Ledger,
    intake: &mut MessageIntake,
    origin: &MailOrigin,
    existing: i64,
) -> Result<Option<usize>, StoreError> {
    let owner = plan_of_month(ledger, intake.period)?;
    let previous = ledger.focus();
    ledger.focus_plan(Some(owner))?;
    let result = ledger
        .plan(owner)
        .and_then(|plan| commit_message(ledger, &plan, intake, origin, Some(existing)));
    ledger.focus_plan(previous)?;
    result
}
