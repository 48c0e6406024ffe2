//! Fetching the mailbox, once for the command and the window. The I/O (talking to the server,
//! [`crate::mail::imap::fetch_new`]) is apart from the recording step ([`FetchRun::record`]): the
//! command calls `record` in its loop, the window calls it on its own thread as its worker
//! delivers. A run holds the folder's lock in the ledger from its first write, so that two
//! fetches never record at once (and each message is recorded once, checked in its own
//! transaction, whatever runs at once), and moves the folder's mark only over messages that were handled: a message the
//! server did not deliver stays to be fetched next time.

use std::time::Duration;

use chrono::NaiveDate;

use super::mail::{Intake, MailChoice, MailMode, MailOutcome, RawMail, handle_message};
// What the front ends handle of a fetch, named through the service.
pub use crate::mail::MailboxError;
pub use crate::mail::imap::{Account, Fetched};
use crate::mail::imap::{Delivery, Known};
use crate::store::{Ledger, MailOrigin, StoreError};

/// Why fetching stopped.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error(transparent)]
    Mailbox(#[from] MailboxError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The name messages of a mailbox are recorded under.
pub fn account_name(user: &str, host: &str) -> String {
    format!("{}@{}", user.trim(), host.trim())
}

/// One fetch of one folder, from its lock to its mark.
pub struct FetchRun {
    account: String,
    folder: String,
    mode: MailMode,
    token: String,
    /// The folder's lock is held (taken at the first write, so that a run that fails before
    /// anything arrived leaves the ledger as it was).
    locked: bool,
    intake: Intake,
    known: Known,
    /// The UIDVALIDITY and UID up to which every message was handled in this run.
    mark: Option<(u32, u32)>,
    /// A message was not delivered: the mark stays before it.
    held_back: bool,
    /// UIDs the server did not deliver.
    pub missing: Vec<u32>,
    /// Messages read and recorded.
    pub recorded: usize,
    pub deadline: Duration,
    /// When a recorded message was last made durable ([`DURABLE_EVERY`]).
    last_durable: std::time::Instant,
}

/// How often a fetch makes what it recorded durable (one sync instead of one per message).
const DURABLE_EVERY: Duration = Duration::from_secs(1);

/// What a finished run says.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FetchSummary {
    /// UIDs the server did not deliver.
    pub missing: Vec<u32>,
    /// The run stopped at its deadline (the sentence saying so); the rest is fetched next
    /// time.
    pub out_of_time: Option<String>,
    /// Messages read and recorded in this run.
    pub recorded: usize,
}

impl FetchSummary {
    /// What the user is told besides each message: a message the server did not deliver, a
    /// run that ran out of time.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.missing.is_empty() {
            let mut uids: Vec<String> = self.missing.iter().take(20).map(u32::to_string).collect();
            if self.missing.len() > 20 {
                uids.push("…".to_owned());
            }
            notes.push(format!(
                "邮件服务器没有送来 {} 封邮件（UID {}），它们留在邮箱中，下次收取时再试。",
                self.missing.len(),
                uids.join("、")
            ));
        }
        if let Some(stopped) = &self.out_of_time {
            let read = if self.recorded > 0 {
                format!("本次读取的 {} 封邮件已记入台账；", self.recorded)
            } else {
                String::new()
            };
            notes.push(format!(
                "{stopped}{read}其余邮件留在邮箱中，下次收取时继续。"
            ));
        }
        notes
    }
}

impl FetchRun {
    /// Reads what the ledger knows of the folder; nothing is written until a message arrives.
    pub fn begin(
        ledger: &mut Ledger,
        account: &Account,
        mode: MailMode,
        today: NaiveDate,
        deadline: Duration,
    ) -> Result<Self, StoreError> {
        let name = account_name(&account.user, &account.host);
        let token = format!(
            "{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
        );
        let mark = ledger.mail_mark(&name, &account.folder)?;
        let uids = match mark {
            Some((validity, last)) => {
                ledger.mail_recorded_uids(&name, &account.folder, validity, last)?
            }
            None => Default::default(),
        };
        let known = Known {
            mark,
            uids,
            message_ids: ledger.mail_message_ids()?,
        };
        Ok(Self {
            intake: Intake::load(ledger, today)?,
            account: name,
            folder: account.folder.clone(),
            mode,
            token,
            locked: false,
            known,
            mark: None,
            held_back: false,
            missing: Vec::new(),
            recorded: 0,
            deadline,
            last_durable: std::time::Instant::now(),
        })
    }

    /// What the ledger holds of the folder, for the fetch.
    pub fn known(&self) -> &Known {
        &self.known
    }

    /// Records one delivery; `None` for a message skipped as known or not delivered.
    pub fn record(
        &mut self,
        ledger: &mut Ledger,
        fetched: Fetched,
    ) -> Result<Option<MailOutcome>, StoreError> {
        let origin = MailOrigin {
            account: self.account.clone(),
            folder: self.folder.clone(),
            uid_validity: fetched.uid_validity,
            uid: fetched.uid,
        };
        let source = format!("{} UID {}", self.folder, fetched.uid);
        let raw = match fetched.delivery {
            Delivery::Missing => {
                if !self.held_back && self.mark.is_none() {
                    // The first new message did not arrive: the mark must say so, or a ledger
                    // whose mark is the highest UID recorded would pass it over next time.
                    self.mark = Some((fetched.uid_validity, fetched.uid.saturating_sub(1)));
                }
                self.held_back = true;
                self.missing.push(fetched.uid);
                return Ok(None);
            }
            Delivery::Known { .. } => {
                self.advance(fetched.uid_validity, fetched.uid);
                return Ok(None);
            }
            Delivery::Whole(bytes) => RawMail::Whole(bytes),
            Delivery::TooLarge {
                size,
                headers,
                sent_past,
            } => RawMail::TooLarge {
                size,
                headers,
                sent_past,
            },
        };
        if self.mode != MailMode::DryRun && !self.locked {
            // Held a minute past the deadline, so that a run that died frees it by itself.
            let seconds = i64::try_from(self.deadline.as_secs()).unwrap_or(3600) + 60;
            ledger.lock_mail_folder(&self.account, &self.folder, &self.token, seconds)?;
            self.locked = true;
        }
        // Each message in its own transaction; one a second waits for the disk, and with it
        // every one before (Ledger::set_durable). The window's own writes between messages
        // stay durable.
        let relaxed = self.mode != MailMode::DryRun && self.last_durable.elapsed() < DURABLE_EVERY;
        if relaxed {
            ledger.set_durable(false)?;
        }
        // Each message under the plan of the month it is for.
        let handled = handle_message(
            ledger,
            &mut self.intake,
            &source,
            raw,
            &origin,
            MailChoice::default(),
            self.mode,
        );
        if relaxed {
            ledger.set_durable(true)?;
        } else {
            self.last_durable = std::time::Instant::now();
        }
        let outcome = handled?;
        if let Some(intake) = &outcome.intake {
            self.known
                .message_ids
                .insert(intake.message.message_id.clone());
        }
        if outcome.error.is_none() && outcome.duplicate_of.is_none() {
            self.recorded += 1;
        }
        self.advance(fetched.uid_validity, fetched.uid);
        Ok(Some(outcome))
    }

    fn advance(&mut self, uid_validity: u32, uid: u32) {
        if !self.held_back {
            self.mark = Some((uid_validity, uid));
        }
    }

    /// Keeps the mark and gives the lock back; says how the run ended. A run that ran out of
    /// time is no failure: what was read is recorded, the rest waits for the next run.
    pub fn finish(
        self,
        ledger: &mut Ledger,
        result: Result<(), MailboxError>,
    ) -> Result<FetchSummary, FetchError> {
        // What the reader read ahead and nobody took (the run stopped) is not kept.
        crate::read_ahead::clear();
        let mut kept = Ok(());
        if self.mode != MailMode::DryRun {
            if let Some(mark) = self.mark.filter(|mark| Some(*mark) != self.known.mark) {
                kept = ledger.set_mail_mark(&self.account, &self.folder, mark);
            }
            if self.locked {
                let unlocked = ledger.unlock_mail_folder(&self.account, &self.folder, &self.token);
                kept = kept.and(unlocked);
            }
        }
        let mut summary = FetchSummary {
            missing: self.missing,
            recorded: self.recorded,
            ..FetchSummary::default()
        };
        match result {
            Ok(_) => {}
            Err(error) if error.is_deadline() => summary.out_of_time = Some(error.to_string()),
            Err(error) => return Err(error.into()),
        }
        kept?;
        Ok(summary)
    }
}

/// On the thread that reads the server: parses a delivered message and its attached
/// workbooks ahead of [`FetchRun::record`], which takes what was read ([`crate::read_ahead`]):
/// the two cores share the work.
pub fn read_ahead(fetched: &Fetched) {
    if let Delivery::Whole(bytes) = &fetched.delivery {
        crate::read_ahead::read_message(bytes);
    }
}

/// What the server's reader hands over.
pub enum ReaderEvent {
    /// Message `done` of `total` arrived (or was refused as too large, or not delivered).
    Message {
        done: usize,
        total: usize,
        fetched: Fetched,
    },
    /// The reading ended (all read, cancelled, or the server failed).
    Finished(Result<(), MailboxError>),
}

/// The server read on a thread of its own, for the command and the window alike: each message
/// parsed ahead ([`read_ahead`]) and handed over through a channel of `capacity` (memory stays
/// bounded); [`Reader::cancel`] stops it at its next message, as does dropping the receiver.
pub struct Reader {
    pub events: std::sync::mpsc::Receiver<ReaderEvent>,
    cancel: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Reader {
    /// Starts reading what `run` does not know yet; `wake` is called after each event (the
    /// window repaints).
    pub fn start(
        account: Account,
        run: &FetchRun,
        capacity: usize,
        wake: impl Fn() + Send + 'static,
    ) -> Result<Self, MailboxError> {
        use std::sync::atomic::Ordering;
        let (sender, events) = std::sync::mpsc::sync_channel(capacity);
        let cancel = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop = std::sync::Arc::clone(&cancel);
        let known = run.known().clone();
        let deadline = run.deadline;
        std::thread::Builder::new()
            .name("fetch-mail-reader".to_owned())
            .spawn(move || {
                let result = crate::mail::imap::fetch_new(
                    &account,
                    &known,
                    deadline,
                    &mut |index, total, fetched| {
                        if stop.load(Ordering::Relaxed) {
                            return false;
                        }
                        read_ahead(&fetched);
                        let sent = sender
                            .send(ReaderEvent::Message {
                                done: index + 1,
                                total,
                                fetched,
                            })
                            .is_ok();
                        wake();
                        sent && !stop.load(Ordering::Relaxed)
                    },
                );
                let _ = sender.send(ReaderEvent::Finished(result));
                wake();
            })
            .map_err(|error| MailboxError::Lost(format!("无法启动收取线程：{error}")))?;
        Ok(Self { events, cancel })
    }

    /// Stops the reader after the message in hand.
    pub fn cancel(&self) {
        self.cancel
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Reads the new messages of the mailbox's folder and handles each as `mode` says, handing
/// each outcome to `each` as it is done (`each` returns whether to go on). A dry run reads
/// from the mark too, but records nothing.
pub fn fetch_mail(
    ledger: &mut Ledger,
    account: &Account,
    mode: MailMode,
    today: NaiveDate,
    deadline: Duration,
    each: &mut dyn FnMut(super::Progress, MailOutcome) -> bool,
) -> Result<FetchSummary, FetchError> {
    let mut run = FetchRun::begin(ledger, account, mode, today, deadline)?;
    let mut failure: Option<StoreError> = None;
    // The server is read on a thread of its own while this one records: the network's waits
    // and the reading of the messages overlap.
    let reader = match Reader::start(account.clone(), &run, 8, || {}) {
        Ok(reader) => reader,
        Err(error) => {
            let summary = run.finish(ledger, Err(error));
            return summary;
        }
    };
    let mut result = Err(MailboxError::Lost("收取线程意外中止".to_owned()));
    for event in reader.events.iter() {
        let (done, total, fetched) = match event {
            ReaderEvent::Message {
                done,
                total,
                fetched,
            } => (done, total, fetched),
            ReaderEvent::Finished(ended) => {
                result = ended;
                break;
            }
        };
        let what = format!("{} UID {}", account.folder, fetched.uid);
        let go_on = match run.record(ledger, fetched) {
            Ok(Some(outcome)) => each(super::Progress { done, total, what }, outcome),
            Ok(None) => true,
            Err(error) => {
                failure = Some(error);
                false
            }
        };
        if !go_on {
            // The reader stops at its next message; what it says then is the run's end.
            reader.cancel();
            result = loop {
                match reader.events.recv() {
                    Ok(ReaderEvent::Finished(ended)) => break ended,
                    Ok(ReaderEvent::Message { .. }) => {}
                    Err(_) => break Err(MailboxError::Lost("收取线程意外中止".to_owned())),
                }
            };
            break;
        }
    }
    let summary = run.finish(ledger, result);
    match failure {
        Some(error) => Err(error.into()),
        None => summary,
    }
}
