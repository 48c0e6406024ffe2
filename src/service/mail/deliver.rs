//! The I/O step of a send run ([`deliver`], on any thread) and the inline run of the
//! commands ([`send_inline`]).

use std::time::Duration;

use super::{OutMail, RunSummary, SendRun};
use crate::mail::smtp::{Delivery, Outgoing, OutgoingFile, SendError, Sender, SmtpAccount};
use crate::store::Ledger;

/// The I/O step of a run, for the command and the window's worker alike.
pub trait Courier {
    /// Just before the data of `mails[index]` goes; an error keeps it from going.
    fn handing_over(&mut self, index: usize, mail: &OutMail) -> Result<(), String>;
    /// What became of `mails[index]`; `false` stops the run.
    fn delivered(&mut self, index: usize, mail: &OutMail, delivery: Delivery) -> bool;
}

/// The Message-ID of a message of `key` from `from`: the same message sent again carries the
/// same id, so that a mail client can see the repeat.
fn message_id(key: &str, from: &str) -> String {
    let digest = crate::store::sha256_hex(key.as_bytes());
    let domain = from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').to_ascii_lowercase())
        .filter(|d| !d.is_empty() && d.is_ascii())
        .unwrap_or_else(|| "taizhang.invalid".to_owned());
    format!("<taizhang.{}@{domain}>", &digest[..32.min(digest.len())])
}

/// Reads a file we wrote, to attach it (at most 20 MB).
fn attachment(path: &std::path::Path) -> Result<OutgoingFile, String> {
    let bytes = crate::files::read_file(path, 20 * 1024 * 1024)
        .map_err(|e| format!("未能附上文件，未发送：{e}"))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(OutgoingFile::new(&name, bytes))
}

/// Sends `mails` (a run's [`SendRun::to_send`]): logs in first, so that a wrong code or no
/// network fails before anything is written or sent; then `prepare` (writing the files to
/// attach, which may set each mail's `files`); then each message in turn within `deadline`,
/// through `courier`. With nobody to send to, only `prepare` runs.
pub fn deliver(
    account: &SmtpAccount,
    deadline: Duration,
    mails: &mut [OutMail],
    prepare: &mut dyn FnMut(&mut [OutMail]) -> Result<(), String>,
    courier: &mut dyn Courier,
) -> Result<(), SendError> {
    if mails.is_empty() {
        return prepare(mails).map_err(SendError::Ours);
    }
    let mut sender = Sender::with_deadline(account, deadline)?;
    sender.check()?;
    prepare(mails).map_err(SendError::Ours)?;
    for (index, mail) in mails.iter_mut().enumerate() {
        mail.message_id = message_id(&mail.message_key, &account.from);
        let delivery = match mail
            .files
            .iter()
            .map(|f| attachment(f))
            .collect::<Result<Vec<_>, _>>()
        {
            Err(why) => Delivery::Failed(SendError::Ours(why)),
            Ok(attachments) => {
                let outgoing = Outgoing {
                    to: mail.to.clone().unwrap_or_default(),
                    to_name: mail.recipient.clone(),
                    subject: mail.subject.clone(),
                    body: mail.body.clone(),
                    attachments,
                    message_id: mail.message_id.clone(),
                };
                let shown: &OutMail = mail;
                sender.send(&outgoing, &mut || courier.handing_over(index, shown))
            }
        };
        if !courier.delivered(index, mail, delivery) {
            break;
        }
    }
    sender.quit();
    Ok(())
}

/// A run driven inline on the ledger's thread (the commands): each step recorded at once.
pub struct InlineCourier<'a> {
    pub ledger: &'a mut Ledger,
    pub run: &'a mut SendRun,
}

impl Courier for InlineCourier<'_> {
    fn handing_over(&mut self, index: usize, mail: &OutMail) -> Result<(), String> {
        self.run.handing_over(self.ledger, index, mail)
    }

    fn delivered(&mut self, index: usize, mail: &OutMail, delivery: Delivery) -> bool {
        self.run.settle(self.ledger, index, mail, delivery);
        true
    }
}

/// Runs a batch inline: [`deliver`] with every step recorded at once, then the summary. A run
/// that could not start (login, preparation) still gives the claim back and says why.
pub fn send_inline(
    ledger: &mut Ledger,
    mut run: SendRun,
    account: &SmtpAccount,
    deadline: Duration,
    prepare: &mut dyn FnMut(&mut [OutMail]) -> Result<(), String>,
) -> Result<RunSummary, (SendError, RunSummary)> {
    let mut mails = run.to_send.clone();
    let result = deliver(
        account,
        deadline,
        &mut mails,
        prepare,
        &mut InlineCourier {
            ledger,
            run: &mut run,
        },
    );
    match result {
        Ok(()) => Ok(run.finish()),
        Err(error) => {
            run.not_reached(&error.to_string());
            Err((error, run.finish()))
        }
    }
}
