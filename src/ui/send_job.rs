//! Every batch of e-mails out in the window (发模板, 报市, 催报) as one job around the
//! service's [`SendRun`]: the worker runs [`deliver`] (the login, writing the files, each
//! message handed to the server); the window's thread records each step on the ledger as the
//! worker reports it, the same [`SendRun`] calls the commands make. Before a message's data
//! goes the worker waits until the window has recorded it as handed over, so that a window
//! closed or killed while the server answers leaves it `uncertain`, never forgotten.

use std::sync::mpsc::{Receiver, SyncSender, TryRecvError};
use std::time::Duration;

use super::jobs::JobEnd;
use super::mail_jobs::Polled;
use crate::service::mail::{
    Courier, Delivery, OutMail, Outcome, RunSummary, SendError, SendRun, SmtpAccount, deliver,
};

/// What the worker reports.
enum SendEvent {
    /// The files are written: how many messages will go.
    Prepared(usize),
    /// A message is about to go: record it and answer on `ack`.
    Handing {
        index: usize,
        mail: Box<OutMail>,
        ack: SyncSender<Result<(), String>>,
    },
    Delivered {
        index: usize,
        mail: Box<OutMail>,
        delivery: Delivery,
    },
    Finished(Result<(), SendError>),
}

/// How long the worker waits for the window to record a message before it goes.
const RECORD_WAIT: Duration = Duration::from_secs(60);

/// The worker's courier: each step goes to the window's thread.
struct ChannelCourier {
    events: std::sync::mpsc::Sender<SendEvent>,
}

impl Courier for ChannelCourier {
    fn handing_over(&mut self, index: usize, mail: &OutMail) -> Result<(), String> {
        let (ack, answer) = std::sync::mpsc::sync_channel(1);
        self.events
            .send(SendEvent::Handing {
                index,
                mail: Box::new(mail.clone()),
                ack,
            })
            .map_err(|_| "窗口已关闭，未发送".to_owned())?;
        super::wake();
        answer
            .recv_timeout(RECORD_WAIT)
            .map_err(|_| "未能先记入台账（窗口没有响应），未发送".to_owned())?
    }

    fn delivered(&mut self, index: usize, mail: &OutMail, delivery: Delivery) -> bool {
        let sent = self
            .events
            .send(SendEvent::Delivered {
                index,
                mail: Box::new(mail.clone()),
                delivery,
            })
            .is_ok();
        super::wake();
        sent
    }
}

/// The files a run attaches, written on the worker once the server accepted the login.
pub type Prepare = Box<dyn FnMut(&mut [OutMail]) -> Result<(), String> + Send>;

/// A running batch of e-mails.
pub struct SendJob {
    receiver: Receiver<SendEvent>,
    run: Option<SendRun>,
    /// (done, total).
    pub progress: (usize, usize),
    /// The messages, in words (2019年7月报送模板邮件).
    what: String,
    /// Said after the outcome when all went well (where the files are).
    note: String,
}

impl SendJob {
    /// Starts sending `run`'s messages through `account`; `prepare` writes the files first.
    pub fn start(
        run: SendRun,
        account: SmtpAccount,
        mut prepare: Prepare,
        (what, note): (String, String),
    ) -> Self {
        let (events, receiver) = std::sync::mpsc::channel();
        let mut mails = run.to_send.clone();
        let total = mails.len();
        let worker_events = events.clone();
        let spawned = std::thread::Builder::new()
            .name("send".to_owned())
            .spawn(move || {
                let mut courier = ChannelCourier {
                    events: worker_events.clone(),
                };
                let result = deliver(
                    &account,
                    crate::service::mail::SEND_DEADLINE,
                    &mut mails,
                    &mut |mails| {
                        prepare(mails)?;
                        let _ = worker_events.send(SendEvent::Prepared(mails.len()));
                        super::wake();
                        Ok(())
                    },
                    &mut courier,
                );
                let _ = worker_events.send(SendEvent::Finished(result));
                super::wake();
            });
        if let Err(error) = spawned {
            let _ = events.send(SendEvent::Finished(Err(SendError::Ours(format!(
                "无法开始发送：{error}"
            )))));
        }
        Self {
            receiver,
            run: Some(run),
            progress: (0, total),
            what,
            note,
        }
    }

    /// Records each step the worker reported and, once it is done, says what became of
    /// every recipient.
    pub fn poll(&mut self, ledger: &mut crate::store::Ledger) -> Polled {
        let mut polled = Polled::default();
        let Some(run) = self.run.as_mut() else {
            return polled;
        };
        let mut finished = None;
        loop {
            match self.receiver.try_recv() {
                Ok(SendEvent::Prepared(total)) => self.progress = (0, total),
                Ok(SendEvent::Handing { index, mail, ack }) => {
                    let recorded = run.handing_over(ledger, index, &mail);
                    let _ = ack.send(recorded);
                }
                Ok(SendEvent::Delivered {
                    index,
                    mail,
                    delivery,
                }) => {
                    run.settle(ledger, index, &mail, delivery);
                    self.progress.0 += 1;
                }
                Ok(SendEvent::Finished(result)) => {
                    finished = Some(result.map_err(|e| e.to_string()));
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
        let Some(mut run) = self.run.take() else {
            return polled;
        };
        if let Err(why) = &result {
            run.not_reached(why);
        }
        // The claim is given back here, once every outcome is recorded.
        let summary = run.finish();
        polled.end = Some(outcome_end(&summary, result, &self.what, &self.note));
        polled
    }
}

/// How a run ended in words: the closing line, then every recipient with its outcome.
pub fn outcome_end(
    summary: &RunSummary,
    result: Result<(), String>,
    what: &str,
    note: &str,
) -> JobEnd {
    let mut lines = Vec::new();
    if let Err(why) = &result {
        lines.push(format!("未能发送{what}：{why}"));
    }
    lines.push(summary.closing_line(what));
    let no_address: Vec<&str> = summary
        .reports
        .iter()
        .filter(|r| r.outcome == Outcome::NoAddress)
        .map(|r| r.mail.recipient.as_str())
        .collect();
    for line in summary
        .reports
        .iter()
        .filter(|r| r.outcome != Outcome::NoAddress)
    {
        lines.push(format!(
            "{}（{}）：{}{}",
            line.mail.recipient,
            line.mail.to.as_deref().unwrap_or("无邮箱"),
            line.outcome.words(),
            line.unrecorded
                .as_deref()
                .map(|r| format!("；{r}"))
                .unwrap_or_default()
        ));
    }
    if !no_address.is_empty() {
        lines.push(format!(
            "没有邮箱地址、未发送：{}（请在“责任部门”中填写邮箱，或另行转交）。",
            no_address.join("、")
        ));
    }
    if summary
        .reports
        .iter()
        .any(|r| matches!(r.outcome, Outcome::Uncertain(_)))
    {
        lines.push(
            "结果不明的部门可能已收到邮件：请先向对方核实，确需再发时会另行询问。".to_owned(),
        );
    }
    if result.is_ok() && summary.all_well() {
        if !note.is_empty() {
            lines.push(note.to_owned());
        }
        return JobEnd::Notice(lines.join("\n"));
    }
    let message = lines.join("\n");
    JobEnd::Problem(message.clone(), message)
}
