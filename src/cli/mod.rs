//! The headless commands (`docs/cli.md`): the same binary runs one job without a window. This
//! module only parses, calls the service layer and prints; the flows live in `service`.

mod args;
mod json;
mod mail;
mod month;
mod plan;
mod returns;
mod send_back;
mod sheet;
mod year;

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

/// Points the ledger at the one active plan that owns the period, if there is one; leaves
/// the current plan in focus otherwise (the file or the command decides).
fn focus_leniently(
    ledger: &mut Ledger,
    period: Option<crate::schedule::Period>,
) -> anyhow::Result<()> {
    if let Ok(id) = crate::service::plan_for_period(ledger, None, period) {
        ledger.focus_plan(Some(id))?;
    } else {
        // Several plans own it: the one among them that is current, else the first.
        let period = period.ok_or_else(|| anyhow::anyhow!("缺少月份"))?;
        let owners = crate::service::plans_with_period(ledger, period)?;
        let chosen = owners
            .iter()
            .find(|p| p.is_current)
            .or(owners.first())
            .map(|p| p.id);
        ledger.focus_plan(chosen)?;
    }
    Ok(())
}

/// For returns arriving: the plan of the month named, else of the month before the one they
/// arrived in.
fn focus_on_arrival(
    ledger: &mut Ledger,
    period: Option<crate::schedule::Period>,
    received: Option<NaiveDate>,
    today: NaiveDate,
) -> anyhow::Result<()> {
    let period =
        period.unwrap_or_else(|| crate::schedule::Period::of(received.unwrap_or(today)).previous());
    focus_leniently(ledger, Some(period))
}

/// Runs a job on an open ledger, writing its output to `out`.
#[expect(
    clippy::too_many_lines,
    reason = "the dispatch of every headless command, one arm each"
)]
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
            replace,
            new_plan,
        } => plan::import_plan(
            ledger,
            &plan::PlanRequest {
                file,
                dry_run: *dry_run,
                json: *json,
                replace: *replace,
                new_plan: *new_plan,
            },
            today,
            out,
        ),
        Job::CarryForward {
            from,
            all_tasks,
            shift_dates,
            json,
        } => plan::carry_forward(ledger, (*from, *all_tasks, *shift_dates), *json, today, out),
        Job::ClosePlan { plan, reopen, json } => {
            plan::close_plan(ledger, *plan, *reopen, *json, out)
        }
        Job::RenameDepartment { name, new_name } => {
            plan::rename_department(ledger, name, new_name, out)
        }
        Job::MergeDepartments { from, into } => plan::merge_departments(ledger, from, into, out),
        Job::Plans { json } => plan::plans(ledger, *json, today, out),
        Job::Templates {
            period,
            out: dir,
            plan,
            send,
            again,
            json,
        } => {
            focus(ledger, *plan, Some(*period))?;
            month::templates(
                ledger,
                *period,
                dir,
                send.as_ref().map(|server| (server, *again)),
                *json,
                today,
                out,
            )
        }
        Job::Report {
            period,
            docx,
            json,
            plan,
        } => {
            focus(ledger, *plan, Some(*period))?;
            month::report(ledger, *period, docx, *json, today, out)
        }
        Job::Indicators { plan, json } => {
            if plan.is_some() {
                focus(ledger, *plan, None)?;
            }
            month::indicators(ledger, *json, out)
        }
        Job::SetIndicator {
            name,
            period,
            value,
            source,
            plan,
            json,
        } => {
            focus(ledger, *plan, Some(*period))?;
            month::set_indicator(ledger, name, *period, value, source.as_deref(), *json, out)
        }
        Job::ImportReturns {
            files,
            period,
            department,
            received,
            dry_run,
            json,
        } => {
            focus_on_arrival(ledger, *period, *received, today)?;
            returns::import_returns(
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
            )
        }
        Job::Assessment {
            year,
            plan,
            xlsx,
            json,
        } => returns::assessment(ledger, *year, *plan, xlsx.as_deref(), *json, today, out),
        Job::Summary {
            year,
            plan,
            docx,
            json,
        } => year::summary(ledger, *year, *plan, docx, *json, today, out),
        Job::Binder {
            plan,
            out: dir,
            add,
            json,
        } => {
            if let Some(id) = plan {
                ledger.focus_plan(Some(*id))?;
            }
            year::binder(ledger, dir, *add, *json, today, out)
        }
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
            send_to,
            again,
        } => {
            focus(ledger, *plan, Some(*period))?;
            if let (Some((address, server)), Some(xlsx), Some(pdf)) = (send_to, xlsx, pdf) {
                return sheet::export_and_send(
                    ledger,
                    *period,
                    (xlsx, pdf),
                    (address, server, *again),
                    *json,
                    today,
                    out,
                );
            }
            sheet::export_sheet(ledger, *period, xlsx.as_deref(), pdf.as_deref(), *json, out)
        }
        Job::Deadlines {
            from,
            to,
            json,
            plan,
            ics,
        } => {
            if plan.is_some() {
                focus(ledger, *plan, None)?;
            }
            let range = sheet::Range {
                from: *from,
                to: *to,
                one_plan: plan.is_some(),
            };
            sheet::deadlines(ledger, &range, ics.as_deref(), *json, today, out)
        }
        Job::ImportEmail {
            files,
            department,
            period,
            received,
            dry_run,
            json,
        } => {
            focus_on_arrival(ledger, *period, *received, today)?;
            mail::import_email(
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
            )
        }
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
            // One plan when named; else the month's plans together, focused on one of them.
            if plan.is_some() {
                focus(ledger, *plan, Some(*period))?;
            } else {
                focus_leniently(ledger, Some(*period))?;
            }
            mail::chase(
                ledger,
                *period,
                plan.is_none(),
                send.as_ref(),
                *json,
                today,
                out,
            )
        }
        Job::SendBack {
            period,
            department,
            reason,
            send,
            json,
            plan,
        } => {
            focus(ledger, *plan, Some(*period))?;
            send_back::send_back(
                ledger,
                &send_back::SendBackRequest {
                    period: *period,
                    department,
                    reason,
                    send: send.as_ref(),
                    json: *json,
                },
                today,
                out,
            )
        }
        Job::Help => Ok(writeln!(out, "{USAGE}")?),
        Job::Version => Ok(writeln!(out, "{}", crate::version_line())?),
    }
}
