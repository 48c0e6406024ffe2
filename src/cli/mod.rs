//! The headless commands (`docs/cli.md`): the same binary runs one job without a window. This
//! module only parses, calls the service layer and prints; the flows live in `service`.

mod args;
mod json;
mod mail;
mod plan;
mod returns;
mod sheet;

use std::io::Write;

use chrono::NaiveDate;

pub use args::{Invocation, Job, USAGE, UsageError, parse_args};
pub use json::milestone_text;

use crate::store::Ledger;

/// Points the ledger at the plan a command acts on: the one named, else the one that owns the
/// period (several owners are refused, naming them).
fn focus(
    ledger: &mut Ledger,
    plan: Option<i64>,
    period: Option<crate::schedule::Period>,
) -> anyhow::Result<()> {
    let id = crate::service::plan_for_period(ledger, plan, period)?;
    ledger.focus_plan(Some(id))?;
    Ok(())
}

/// Runs a job on an open ledger, writing its output to `out`.
pub fn run(
    ledger: &mut Ledger,
    job: &Job,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match job {
        Job::Plan { json } => plan::plan(ledger, *json, out),
        Job::ImportPlan {
            file,
            dry_run,
            json,
        } => plan::import_plan(ledger, file, *dry_run, *json, out),
        Job::Plans { json } => plan::plans(ledger, *json, today, out),
        Job::Templates {
            period,
            out: dir,
            plan,
        } => {
            focus(ledger, *plan, Some(*period))?;
            returns::templates(ledger, *period, dir, today, out)
        }
        Job::ImportReturns {
            files,
            period,
            department,
            received,
            dry_run,
            json,
        } => returns::import_returns(
            ledger,
            &returns::ImportRequest {
                files,
                period: *period,
                department: department.as_deref(),
                received: received.unwrap_or(today),
                dry_run: *dry_run,
                json: *json,
            },
            out,
        ),
        Job::Status { period, json, plan } => {
            let wanted = period.unwrap_or_else(|| crate::schedule::Period::of(today).previous());
            focus(ledger, *plan, Some(wanted))?;
            returns::status(ledger, *period, *json, today, out)
        }
        Job::ExportSheet {
            period,
            xlsx,
            pdf,
            json,
            plan,
        } => {
            focus(ledger, *plan, Some(*period))?;
            sheet::export_sheet(ledger, *period, xlsx.as_deref(), pdf.as_deref(), *json, out)
        }
        Job::Deadlines {
            from,
            to,
            json,
            plan,
        } => {
            if plan.is_some() {
                focus(ledger, *plan, None)?;
            }
            sheet::deadlines(ledger, *from, *to, *json, plan.is_some(), today, out)
        }
        Job::ImportEmail {
            files,
            department,
            period,
            received,
            dry_run,
            json,
        } => mail::import_email(
            ledger,
            &mail::EmailRequest {
                files,
                department: department.as_deref(),
                period: *period,
                received: *received,
                dry_run: *dry_run,
                json: *json,
            },
            today,
            out,
        ),
        Job::FetchMail {
            server,
            folder,
            dry_run,
            json,
        } => mail::fetch_mail(ledger, server, folder, *dry_run, *json, today, out),
        Job::Chase {
            period,
            send,
            json,
            plan,
        } => {
            focus(ledger, *plan, Some(*period))?;
            mail::chase(ledger, *period, send.as_ref(), *json, today, out)
        }
        Job::Help => Ok(writeln!(out, "{USAGE}")?),
        Job::Version => Ok(writeln!(out, "{}", crate::version_line())?),
    }
}
