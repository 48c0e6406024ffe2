//! The month's two batches out, begun once for the window and the command: 发模板 (each
//! department its template) and 报市 (the sheet to the city). Each `begin_…` settles everything
//! that can refuse before a file is written or a message goes (the month, the plan, the
//! address, the output paths, the claim and the resend rule) and returns the [`SendRun`] with
//! the files' writer, which [`deliver`] runs once the server has accepted the login. Where the
//! account, the folder and the address come from is the front end's to say.
//!
//! [`deliver`]: super::deliver

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Batch, OutMail, ResendRule, SendRun};
use crate::files::Protected;
use crate::schedule::Period;
use crate::service::{ActionError, DayState, SheetExport, WrittenTemplate};
use crate::store::Ledger;

/// Writes the month's templates into their folder once the login succeeded, attaching each
/// to its department's message.
#[derive(Clone, Debug)]
pub struct TemplateFiles {
    day: DayState,
    period: Period,
    folder: PathBuf,
    protected: Protected,
}

impl TemplateFiles {
    pub fn write(&self, mails: &mut [OutMail]) -> Result<Vec<WrittenTemplate>, String> {
        super::write_template_files(&self.day, self.period, &self.folder, &self.protected, mails)
            .map_err(|e| e.to_string())
    }
}

/// Begins 发模板 for `period` of the plan in `day`: the templates go into `folder`, the returns
/// are asked for at `mailbox` (else 设置's address).
pub fn begin_templates(
    ledger: &Ledger,
    day: DayState,
    period: Period,
    folder: &Path,
    mailbox: &str,
    rule: ResendRule,
    deadline: Duration,
) -> Result<(SendRun, TemplateFiles), ActionError> {
    let mails = super::template_mails(&day, mailbox, period, folder)?;
    let batch = Batch::Templates {
        plan_id: day.plan.id,
        period,
    };
    let run = SendRun::begin(ledger, batch, mails, rule, deadline)?;
    Ok((
        run,
        TemplateFiles {
            day,
            period,
            folder: folder.to_owned(),
            protected: Protected::for_ledger(ledger.path()),
        },
    ))
}

/// Writes the month's sheet (XLSX and PDF) once the login succeeded.
#[derive(Clone, Debug)]
pub struct SheetFiles {
    sheet: crate::sheet::Sheet,
    plan: crate::model::Plan,
    pub xlsx: PathBuf,
    pub pdf: PathBuf,
    protected: Protected,
}

impl SheetFiles {
    pub fn write(&self) -> Result<SheetExport, String> {
        crate::service::export_sheet(
            &self.sheet,
            &self.plan,
            Some(&self.xlsx),
            Some(&self.pdf),
            &self.protected,
        )
        .map_err(|e| e.to_string())
    }
}

/// Begins 报市 for `period` of the plan in focus: `to` must be one valid address, both files
/// writable (their folder exists) and distinct; a month sent before is refused unless `again`. Returns the run, the
/// files' writer and the address as it will be used.
pub fn begin_sheet(
    ledger: &Ledger,
    period: Period,
    to: &str,
    (xlsx, pdf): (&Path, &Path),
    again: bool,
    (deadline, today): (Duration, chrono::NaiveDate),
) -> Result<(SendRun, SheetFiles, String), ActionError> {
    crate::store::check_address(to)?;
    let to = crate::mail::address::check_outgoing(to)
        .map_err(|e| ActionError::Address(format!("上级单位邮箱不能用：{e}")))?
        .address;
    let plan = ledger.focused_plan()?;
    crate::service::check_period(&plan, period)?;
    let settings = ledger.settings()?;
    let sheet = crate::service::month_sheet(ledger, period)?;
    let protected = Protected::for_ledger(ledger.path());
    crate::files::distinct_outputs(&[xlsx, pdf])?;
    crate::files::check_output(xlsx, &protected)?;
    crate::files::check_output(pdf, &protected)?;
    let mail = super::sheet_mail(
        (&plan, &settings),
        &to,
        period,
        vec![xlsx.to_owned(), pdf.to_owned()],
        today,
    );
    let rule = if again {
        ResendRule::ALL
    } else {
        ResendRule::ASK
    };
    let batch = Batch::Sheet {
        plan_id: plan.id,
        period,
    };
    let run = SendRun::begin(ledger, batch, vec![mail], rule, deadline)?;
    Ok((
        run,
        SheetFiles {
            sheet,
            plan,
            xlsx: xlsx.to_owned(),
            pdf: pdf.to_owned(),
            protected,
        },
        to,
    ))
}
