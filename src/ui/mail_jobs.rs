//! The mailbox's background jobs: fetching new messages and sending chase e-mails, each on a
//! worker thread so that the window stays live. The worker only talks to the server; every
//! write to the ledger happens on the window's thread, one transaction per message or send,
//! as each result arrives. A fetch can be cancelled between messages.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};

use super::app::{LedgerState, TaizhangApp};
use crate::mail::imap::{Account, Fetched, FolderState, MailboxError};
use crate::service::mail::{ChaseMail, Intake, MailChoice, MailMode, handle_message};
use crate::store::MailOrigin;

/// What the fetch worker reports.
pub enum FetchEvent {
    /// Message `done` of `total` downloaded (or refused as too large).
    Message {
        done: usize,
        total: usize,
        fetched: Fetched,
    },
    Finished(Result<FolderState, MailboxError>),
}

/// A running fetch.
pub struct FetchJob {
    receiver: Receiver<FetchEvent>,
    cancel: Arc<AtomicBool>,
    intake: Intake,
    account: String,
    folder: String,
    /// (done, total) so far.
    pub progress: (usize, usize),
    /// Messages recorded.
    pub received: usize,
    pub cancelled: bool,
}

impl FetchJob {
    /// Starts reading the folder after `known` (UIDVALIDITY, last UID).
    pub fn start(account: Account, known: Option<(u32, u32)>, intake: Intake) -> Self {
        // One message at a time in flight: memory stays bounded by the message size limit.
        let (sender, receiver): (SyncSender<FetchEvent>, _) = std::sync::mpsc::sync_channel(1);
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&cancel);
        let name = format!("{}@{}", account.user, account.host);
        let folder = account.folder.clone();
        std::thread::spawn(move || {
            let result =
                crate::mail::imap::fetch_new(&account, known, &mut |done, total, fetched| {
                    if stop.load(Ordering::Relaxed) {
                        return false;
                    }
                    sender
                        .send(FetchEvent::Message {
                            done: done + 1,
                            total,
                            fetched,
                        })
                        .is_ok()
                        && !stop.load(Ordering::Relaxed)
                });
            let _ = sender.send(FetchEvent::Finished(result));
        });
        Self {
            receiver,
            cancel,
            intake,
            account: name,
            folder,
            progress: (0, 0),
            received: 0,
            cancelled: false,
        }
    }

    /// Asks the worker to stop after the message in hand.
    pub fn cancel(&mut self) {
        self.cancelled = true;
        self.cancel.store(true, Ordering::Relaxed);
    }
}

/// A running send of chase e-mails: (department, address, result) as each is done.
pub struct ChaseJob {
    receiver: Receiver<ChaseEvent>,
    pub progress: (usize, usize),
    pub sent: usize,
    pub failures: Vec<String>,
}

pub enum ChaseEvent {
    Sent(ChaseMail, Result<(), String>),
    Finished(Result<(), String>),
}

impl ChaseJob {
    pub fn start(account: crate::mail::smtp::SmtpAccount, mails: Vec<ChaseMail>) -> Self {
        let (sender, receiver) = std::sync::mpsc::channel();
        let total = mails.len();
        std::thread::spawn(move || {
            let result = (|| {
                let smtp = crate::mail::smtp::Sender::new(&account).map_err(|e| e.to_string())?;
                smtp.check().map_err(|e| e.to_string())?;
                for mail in mails {
                    let Some(to) = mail.to.clone() else {
                        continue;
                    };
                    let outgoing = crate::mail::smtp::Outgoing {
                        to,
                        to_name: mail.department.clone(),
                        subject: mail.subject.clone(),
                        body: mail.message.clone(),
                    };
                    let result = smtp.send(&outgoing).map_err(|e| e.to_string());
                    if sender.send(ChaseEvent::Sent(mail, result)).is_err() {
                        break;
                    }
                }
                Ok(())
            })();
            let _ = sender.send(ChaseEvent::Finished(result));
        });
        Self {
            receiver,
            progress: (0, total),
            sent: 0,
            failures: Vec::new(),
        }
    }
}

impl TaizhangApp {
    /// Records each message the fetch worker delivered (as waiting on 收件) and takes the
    /// result when it is done.
    pub(super) fn poll_fetch(&mut self, ctx: &egui::Context) {
        let Some(job) = &mut self.fetch_job else {
            return;
        };
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        ctx.request_repaint_after(std::time::Duration::from_millis(100));
        let mut finished = None;
        let mut failure = None;
        loop {
            match job.receiver.try_recv() {
                Ok(FetchEvent::Message {
                    done,
                    total,
                    fetched,
                }) => {
                    job.progress = (done, total);
                    let origin = MailOrigin {
                        account: job.account.clone(),
                        folder: job.folder.clone(),
                        uid_validity: fetched.uid_validity,
                        uid: fetched.uid,
                    };
                    let source = format!("{} UID {}", job.folder, fetched.uid);
                    match handle_message(
                        &mut open.ledger,
                        &mut job.intake,
                        &source,
                        fetched.bytes.ok_or(fetched.size),
                        &origin,
                        MailChoice::default(),
                        MailMode::Hold,
                    ) {
                        Ok(outcome) => {
                            if outcome.error.is_none() && outcome.duplicate_of.is_none() {
                                job.received += 1;
                            }
                        }
                        Err(error) => {
                            failure = Some(error.to_string());
                            job.cancel();
                        }
                    }
                }
                Ok(FetchEvent::Finished(result)) => {
                    finished = Some(result);
                    break;
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    finished = Some(Err(MailboxError::Lost("收取意外中止".to_owned())));
                    break;
                }
            }
        }
        let received = job.received;
        let cancelled = job.cancelled;
        if let Some(message) = failure {
            self.show_error(format!("保存收到的邮件时出错：{message}"));
        }
        let Some(result) = finished else {
            return;
        };
        self.fetch_job = None;
        self.reload_data();
        match result {
            Ok(_) if cancelled => {
                self.notice = Some(format!("已取消收取；已收到的 {received} 封邮件已保存。"));
            }
            Ok(_) if received == 0 => self.notice = Some("没有新邮件。".to_owned()),
            Ok(_) => {
                self.notice = Some(format!(
                    "收到 {received} 封新邮件，请在“收件”中核对后导入。"
                ));
            }
            Err(error) => {
                self.log.error(&error.log_detail());
                self.show_error(error.to_string());
            }
        }
    }

    /// Records each chase e-mail sent and takes the result when all are done.
    pub(super) fn poll_chase(&mut self, ctx: &egui::Context) {
        let Some(job) = &mut self.chase_job else {
            return;
        };
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        ctx.request_repaint_after(std::time::Duration::from_millis(100));
        let mut finished = None;
        loop {
            match job.receiver.try_recv() {
                Ok(ChaseEvent::Sent(mail, result)) => {
                    job.progress.0 += 1;
                    match result {
                        Ok(()) => {
                            job.sent += 1;
                            let records = mail.sent_now(mail.to.as_deref().unwrap_or_default());
                            if let Err(error) = open.ledger.record_chase_sends(&records) {
                                job.failures.push(format!(
                                    "{}：已发送，但未能记入台账：{error}",
                                    mail.department
                                ));
                            }
                        }
                        Err(error) => job.failures.push(format!("{}：{error}", mail.department)),
                    }
                }
                Ok(ChaseEvent::Finished(result)) => {
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
            return;
        };
        let sent = job.sent;
        let failures = std::mem::take(&mut job.failures);
        self.chase_job = None;
        self.reload_data();
        match result {
            Ok(()) if failures.is_empty() => {
                self.notice = Some(format!("已发送 {sent} 封催报邮件。"));
            }
            Ok(()) => self.show_error(format!(
                "已发送 {sent} 封催报邮件；未发送：{}",
                failures.join("；")
            )),
            Err(error) => self.show_error(format!("未能发送催报邮件：{error}")),
        }
    }
}
