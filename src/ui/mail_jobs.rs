//! The mailbox's background job: fetching new messages on a worker thread so that the window
//! stays live (e-mails out are [`super::send_job`]). The service's reader talks to the server; the
//! service's recording step ([`FetchRun::record`]) runs on the
//! window's thread as each result arrives, the same functions the commands call. A fetch can
//! be cancelled between messages. A job knows nothing of the window: polled, it says how it
//! ended ([`JobEnd`]) and the window shows that.

use std::sync::mpsc::TryRecvError;

pub use super::jobs::JobEnd;
use crate::service::fetch::{Account, FetchRun, FetchSummary, MailboxError, Reader, ReaderEvent};

/// A running fetch: the service's reader, and the run the window's thread records into.
pub struct FetchJob {
    reader: Option<Reader>,
    /// Why the reader could not start (said at the first poll).
    not_started: Option<MailboxError>,
    run: Option<FetchRun>,
    /// (done, total) so far.
    pub progress: (usize, usize),
    /// Messages recorded.
    pub received: usize,
    pub cancelled: bool,
}

impl FetchJob {
    /// Starts reading the folder for `run` (which holds the folder's lock). One message at a
    /// time in flight: memory stays bounded by the message size limit.
    pub fn start(account: Account, run: FetchRun) -> Self {
        let (reader, not_started) = match Reader::start(account, &run, 1, super::wake) {
            Ok(reader) => (Some(reader), None),
            Err(error) => (None, Some(error)),
        };
        Self {
            reader,
            not_started,
            run: Some(run),
            progress: (0, 0),
            received: 0,
            cancelled: false,
        }
    }

    /// Asks the reader to stop after the message in hand.
    pub fn cancel(&mut self) {
        self.cancelled = true;
        if let Some(reader) = &self.reader {
            reader.cancel();
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
        let mut finished = self.not_started.take().map(Err);
        while finished.is_none() {
            let Some(reader) = &self.reader else {
                break;
            };
            match reader.events.try_recv() {
                Ok(ReaderEvent::Message {
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
                Ok(ReaderEvent::Finished(result)) => finished = Some(result),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    finished = Some(Err(MailboxError::Lost("收取意外中止".to_owned())));
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
