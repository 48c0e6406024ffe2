//! The mailbox's background jobs: fetching new messages and sending chase e-mails, each on a
//! worker thread so that the window stays live. The worker only talks to the server; the
//! service's recording step ([`FetchRun::record`], [`record_chase_result`]) runs on the
//! window's thread as each result arrives, the same functions the commands call. A fetch can
//! be cancelled between messages. A job knows nothing of the window: polled, it says how it
//! ended ([`JobEnd`]) and the window shows that.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};

pub use super::jobs::JobEnd;
use crate::mail::MailboxError;
use crate::mail::imap::{Account, Fetched};
use crate::service::fetch::{FetchRun, FetchSummary};
use crate::service::mail::{ChaseMail, ChaseResult, record_chase_result};

/// What the fetch worker reports.
pub enum FetchEvent {
    /// Message `done` of `total` arrived (or was refused as too large, or not delivered).
    Message {
        done: usize,
        total: usize,
        fetched: Fetched,
    },
    Finished(Result<(), MailboxError>),
}

/// A running fetch.
pub struct FetchJob {
    receiver: Receiver<FetchEvent>,
    cancel: Arc<AtomicBool>,
    run: Option<FetchRun>,
    /// (done, total) so far.
    pub progress: (usize, usize),
    /// Messages recorded.
    pub received: usize,
    pub cancelled: bool,
}

impl FetchJob {
    /// Starts reading the folder for `run` (which holds the folder's lock).
    pub fn start(account: Account, run: FetchRun) -> Self {
        // One message at a time in flight: memory stays bounded by the message size limit.
        let (sender, receiver): (SyncSender<FetchEvent>, _) = std::sync::mpsc::sync_channel(1);
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&cancel);
        let known = run.known().clone();
        let deadline = run.deadline;
        std::thread::spawn(move || {
            let result = crate::mail::imap::fetch_new(
                &account,
                &known,
                deadline,
                &mut |done, total, fetched| {
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
                },
            );
            let _ = sender.send(FetchEvent::Finished(result));
        });
        Self {
            receiver,
            cancel,
            run: Some(run),
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

/// How a run of e-mails to departments went, one result at a time: the chase and the
/// month's templates count alike and end alike.
#[derive(Debug, Default)]
pub struct SendTally {
    /// (done, total).
    pub progress: (usize, usize),
    pub sent: usize,
    /// `部门：why`, for messages that did not go.
    pub failures: Vec<String>,
    /// Departments without an address (listed in the confirmation, not a failure).
    pub no_address: Vec<String>,
}

impl SendTally {
    pub fn count(&mut self, department: &str, to: Option<&str>, sent: bool, error: Option<&str>) {
        self.progress.0 += 1;
        if sent {
            self.sent += 1;
        }
        match (to, error) {
            (None, _) => self.no_address.push(department.to_owned()),
            (Some(_), Some(error)) => self.failures.push(format!("{department}：{error}")),
            (Some(_), None) => {}
        }
    }

    /// How the run ended: `notice` says what went (and is extended with who has no address);
    /// failures and a run cut off say so with `hint` on sending the rest; `what` names the
    /// e-mails when none went.
    pub fn end(
        &self,
        mut notice: String,
        result: Result<(), String>,
        what: &str,
        hint: &str,
    ) -> JobEnd {
        if !self.no_address.is_empty() {
            notice.push_str(&format!(
                "\n没有邮箱地址、未发送：{}（请在“责任部门”中填写邮箱，或另行转交）。",
                self.no_address.join("、")
            ));
        }
        let message = match result {
            Ok(()) if self.failures.is_empty() => return JobEnd::Notice(notice),
            Ok(()) => format!("{notice}\n未能发送：{}。{hint}", self.failures.join("；")),
            Err(error) if self.sent > 0 => format!("{notice}\n发送中断：{error}。{hint}"),
            Err(error) => format!("未能发送{what}：{error}"),
        };
        JobEnd::Problem(message.clone(), message)
    }
}

/// A running send of chase e-mails, each result as it is done.
pub struct ChaseJob {
    receiver: Receiver<ChaseEvent>,
    pub tally: SendTally,
}

pub enum ChaseEvent {
    Sent(ChaseResult),
    Finished(Result<(), String>),
}

impl ChaseJob {
    pub fn start(account: crate::mail::smtp::SmtpAccount, mails: Vec<ChaseMail>) -> Self {
        let (sender, receiver) = std::sync::mpsc::channel();
        let total = mails.len();
        std::thread::spawn(move || {
            // The service's I/O step; each result is recorded on the window's thread.
            let result = crate::service::mail::send_chase_run(
                &account,
                mails,
                crate::mail::net::SEND_DEADLINE,
                &mut |result| sender.send(ChaseEvent::Sent(result)).is_ok(),
            )
            .map_err(|e| e.to_string());
            let _ = sender.send(ChaseEvent::Finished(result));
        });
        Self {
            receiver,
            tally: SendTally {
                progress: (0, total),
                ..SendTally::default()
            },
        }
    }
}

/// What the user is told when a fetch ends.
fn fetch_notice(summary: &FetchSummary, received: usize, cancelled: bool) -> String {
    let mut notice = if cancelled {
        format!("已取消收取；已收到的 {received} 封邮件已保存。")
    } else if received == 0 {
        "没有新邮件。".to_owned()
    } else {
        format!("收到 {received} 封新邮件，请在“收件”中核对后导入。")
    };
    for note in summary.notes() {
        notice.push(' ');
        notice.push_str(&note);
    }
    notice
}

/// What one poll of a job gave.
#[derive(Debug, Default)]
pub struct Polled {
    /// A problem met on the way (the job went on or was stopped).
    pub problem: Option<String>,
    /// Set once the job is over.
    pub end: Option<JobEnd>,
}

impl FetchJob {
    /// Records each message the worker delivered (as waiting on 收件) and, once the worker is
    /// done, keeps the folder's mark and says how the fetch ended.
    pub fn poll(&mut self, ledger: &mut crate::store::Ledger) -> Polled {
        let mut polled = Polled::default();
        let mut finished = None;
        loop {
            match self.receiver.try_recv() {
                Ok(FetchEvent::Message {
                    done,
                    total,
                    fetched,
                }) => {
                    self.progress = (done, total);
                    let Some(run) = self.run.as_mut() else {
                        continue;
                    };
                    match run.record(ledger, fetched) {
                        Ok(Some(outcome)) => {
                            if outcome.error.is_none() && outcome.duplicate_of.is_none() {
                                self.received += 1;
                            }
                        }
                        Ok(None) => {}
                        Err(error) => {
                            polled.problem = Some(format!("保存收到的邮件时出错：{error}"));
                            self.cancel();
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
        let Some(result) = finished else {
            return polled;
        };
        let Some(run) = self.run.take() else {
            return polled;
        };
        polled.end = Some(match run.finish(ledger, result) {
            Ok(summary) => {
                let notice = fetch_notice(&summary, self.received, self.cancelled);
                if summary.missing.is_empty() && summary.out_of_time.is_none() {
                    JobEnd::Notice(notice)
                } else {
                    JobEnd::Problem(notice.clone(), notice)
                }
            }
            Err(crate::service::fetch::FetchError::Mailbox(error)) => {
                JobEnd::Problem(error.to_string(), error.log_detail())
            }
            Err(error) => JobEnd::Problem(error.to_string(), error.to_string()),
        });
        polled
    }
}

impl ChaseJob {
    /// Records each chase e-mail sent and, once all are done, says how the send ended.
    pub fn poll(&mut self, ledger: &mut crate::store::Ledger) -> Polled {
        let mut polled = Polled::default();
        let mut finished = None;
        loop {
            match self.receiver.try_recv() {
                Ok(ChaseEvent::Sent(mut result)) => {
                    record_chase_result(ledger, &mut result);
                    self.tally.count(
                        &result.mail.department,
                        result.mail.to.as_deref(),
                        result.sent,
                        result.error.as_deref(),
                    );
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
            return polled;
        };
        polled.end = Some(self.tally.end(
            format!("已发送 {} 封催报邮件。", self.tally.sent),
            result,
            "催报邮件",
            "可再点“发送催报邮件”补发。",
        ));
        polled
    }
}
