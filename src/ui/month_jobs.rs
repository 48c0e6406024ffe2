//! The month's two ends on workers: the templates e-mailed to the departments (发模板) and
//! the sheet sent up to the city (报市). The worker writes the files and talks to the server;
//! each send is recorded on the window's thread as its result arrives, by the same service
//! functions `templates --send` and `export-sheet --send-to` call.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, TryRecvError};

use super::jobs::{JobEnd, Worker, WorkerLost};
use super::mail_jobs::{Polled, SendTally};
use crate::mail::smtp::SmtpAccount;
use crate::schedule::Period;
use crate::service::mail::{
    Resend, SendClaim, SendOutcome, SheetMail, TemplateMail, record_sheet_send,
    record_template_send,
};
use crate::store::MailSend;

/// What the template worker reports.
pub enum TemplateEvent {
    /// The templates are written: how many e-mails will go, and those left out as sent before.
    Prepared {
        total: usize,
        already_sent: Vec<String>,
    },
    Sent(Box<(TemplateMail, SendOutcome)>),
    Finished(Result<(), String>),
}

/// What the template send needs to start.
pub struct TemplateRequest {
    pub day: crate::service::DayState,
    pub mailbox: String,
    pub period: Period,
    pub folder: PathBuf,
    pub protected: crate::files::Protected,
    pub resend: Resend,
    /// This month's recorded template sends.
    pub earlier: Vec<MailSend>,
}

/// A running send of the month's templates.
pub struct TemplateJob {
    receiver: Receiver<TemplateEvent>,
    plan_id: i64,
    period: Period,
    folder: PathBuf,
    pub tally: SendTally,
    already_sent: Vec<String>,
    /// The month's send claim, given back when the run ends.
    claim: Option<SendClaim>,
}

impl TemplateJob {
    pub fn start(request: TemplateRequest, account: SmtpAccount, claim: SendClaim) -> Self {
        let (sender, receiver) = std::sync::mpsc::channel();
        let plan_id = request.day.plan.id;
        let (period, folder) = (request.period, request.folder.clone());
        std::thread::spawn(move || {
            let batch = match crate::service::mail::prepare_templates(
                &request.day,
                &request.mailbox,
                request.period,
                &request.folder,
                &request.protected,
                (request.resend, &request.earlier),
            ) {
                Ok(batch) => batch,
                Err(error) => {
                    let _ = sender.send(TemplateEvent::Finished(Err(error.to_string())));
                    return;
                }
            };
            let _ = sender.send(TemplateEvent::Prepared {
                total: batch.mails.len(),
                already_sent: batch
                    .already_sent
                    .iter()
                    .map(|m| m.department.clone())
                    .collect(),
            });
            let result = crate::service::mail::send_template_run(
                &account,
                &batch.mails,
                crate::mail::net::SEND_DEADLINE,
                &mut |mail, outcome| {
                    let _ = sender.send(TemplateEvent::Sent(Box::new((mail.clone(), outcome))));
                },
            )
            .map_err(|e| e.to_string());
            let _ = sender.send(TemplateEvent::Finished(result));
        });
        Self {
            receiver,
            plan_id,
            period,
            folder,
            tally: SendTally::default(),
            already_sent: Vec::new(),
            claim: Some(claim),
        }
    }

    /// Records each template e-mail sent and, once all are done, says how the send ended.
    pub fn poll(&mut self, ledger: &mut crate::store::Ledger) -> Polled {
        let mut polled = Polled::default();
        let mut finished = None;
        loop {
            match self.receiver.try_recv() {
                Ok(TemplateEvent::Prepared {
                    total,
                    already_sent,
                }) => {
                    self.tally.progress = (0, total);
                    self.already_sent = already_sent;
                }
                Ok(TemplateEvent::Sent(sent)) => {
                    let (mail, mut outcome) = *sent;
                    record_template_send(ledger, self.plan_id, self.period, &mail, &mut outcome);
                    self.tally.count(
                        &outcome.department,
                        outcome.to.as_deref(),
                        outcome.sent,
                        outcome.error.as_deref(),
                    );
                }
                Ok(TemplateEvent::Finished(result)) => {
                    finished = Some(result);
                    break;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    finished = Some(Err("发送意外中止".to_owned()));
                    break;
                }
            }
        }
        let Some(result) = finished else {
            return polled;
        };
        if let Some(claim) = self.claim.take() {
            claim.release(ledger);
        }
        polled.end = Some(self.end(result));
        polled
    }

    fn end(&self, result: Result<(), String>) -> JobEnd {
        let mut notice = format!(
            "已向 {} 个部门发送{}报送模板，均已记入台账（模板保存在“{}”）。",
            self.tally.sent,
            self.period.label(),
            self.folder.display()
        );
        if !self.already_sent.is_empty() {
            notice.push_str(&format!(
                "\n此前已收到本月模板、未再发送：{}。",
                self.already_sent.join("、")
            ));
        }
        self.tally.end(
            notice,
            result,
            "模板邮件",
            "补发时请选“只发给尚未收到的部门”。",
        )
    }
}

/// What the sheet send needs to start.
pub struct SheetRequest {
    pub sheet: crate::sheet::Sheet,
    pub plan: crate::model::Plan,
    pub settings: crate::model::Settings,
    pub folder: PathBuf,
    pub protected: crate::files::Protected,
    pub today: chrono::NaiveDate,
}

/// The sheet being written and sent up to the city on a worker.
pub struct SheetSendJob {
    worker: Worker<Result<SheetMail, String>>,
    plan_id: i64,
    period: Period,
    /// The month's send claim, given back when the send ends.
    claim: Option<SendClaim>,
}

impl SheetSendJob {
    pub fn start(request: SheetRequest, account: SmtpAccount, claim: SendClaim) -> Self {
        let plan_id = request.plan.id;
        let period = request.sheet.period;
        let worker = Worker::spawn(move || {
            let SheetRequest {
                sheet,
                plan,
                settings,
                folder,
                protected,
                today,
            } = request;
            let to = settings.city_email.trim().to_owned();
            crate::store::check_address(&to).map_err(|e| e.to_string())?;
            crate::files::ensure_folder(&folder).map_err(|e| e.to_string())?;
            let stem = sheet.file_stem();
            let xlsx = folder.join(format!("{stem}.xlsx"));
            let pdf = folder.join(format!("{stem}.pdf"));
            crate::service::export_sheet(&sheet, &plan, Some(&xlsx), Some(&pdf), &protected)
                .map_err(|e| e.to_string())?;
            let mail = crate::service::mail::sheet_mail(
                &settings,
                &to,
                sheet.period,
                &plan.form.title,
                vec![xlsx, pdf],
                today,
            );
            crate::service::mail::send_sheet_mail(&account, &mail, crate::mail::net::SEND_DEADLINE)
                .map_err(|e| format!("进展表已写出，但未能发送至 {to}：{e}"))?;
            Ok(mail)
        });
        Self {
            worker,
            plan_id,
            period,
            claim: Some(claim),
        }
    }

    /// Records the send once it has gone and says how it ended.
    pub fn poll(&mut self, ledger: &mut crate::store::Ledger) -> Option<JobEnd> {
        let done = self.worker.poll()?;
        let end = match done {
            Ok(Ok(mail)) => match record_sheet_send(ledger, self.plan_id, self.period, &mail) {
                Ok(()) => JobEnd::Notice(format!(
                    "已将{}进展表（XLSX、PDF）用一封邮件发送至 {}，已记入台账。",
                    self.period.label(),
                    mail.to
                )),
                Err(error) => {
                    let message = format!("进展表已发送至 {}，但未能记入台账：{error}", mail.to);
                    JobEnd::Problem(message.clone(), message)
                }
            },
            Ok(Err(message)) => JobEnd::Problem(message.clone(), message),
            Err(WorkerLost) => {
                JobEnd::Problem("报市意外中止".to_owned(), "报市意外中止".to_owned())
            }
        };
        // Given back once the send is recorded: a second sender then sees it.
        if let Some(claim) = self.claim.take() {
            claim.release(ledger);
        }
        Some(end)
    }
}
