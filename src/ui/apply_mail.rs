//! The mailbox's commands in the window: saved e-mails read into 收件, a fetch and a chase
//! send started on their workers (the service's flows; see `mail_jobs.rs`), a written file
//! opened with the system.

use std::path::PathBuf;

use super::app::{LedgerState, TaizhangApp};
use super::state::Page;

impl TaizhangApp {
    /// Reads saved e-mails into 收件: each is recorded as waiting (once; a message read
    /// before says so).
    pub(super) fn add_mail_files(&mut self, paths: Vec<PathBuf>) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        self.page = Page::Mail;
        let mut intake = match crate::service::mail::Intake::load(&open.ledger, open.data.today) {
            Ok(intake) => intake,
            Err(error) => {
                self.show_error(error.to_string());
                return;
            }
        };
        let mut problems = Vec::new();
        let mut added = 0;
        for path in paths {
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let raw = match crate::files::read_file(&path, crate::service::mail::MAX_MESSAGE) {
                Ok(raw) => raw,
                Err(error) => {
                    problems.push(error.to_string());
                    continue;
                }
            };
            match crate::service::mail::handle_message(
                &mut open.ledger,
                &mut intake,
                &name,
                crate::service::mail::RawMail::Whole(raw),
                &crate::store::MailOrigin::default(),
                crate::service::mail::MailChoice::default(),
                crate::service::mail::MailMode::Hold,
            ) {
                Ok(outcome) => {
                    if let Some((message, detail)) = &outcome.error {
                        self.log.error(&format!("{name}：{detail}"));
                        problems.push(format!("“{name}”：{message}"));
                    } else if let Some(earlier) = &outcome.duplicate_of {
                        problems.push(format!(
                            "“{name}”已于{}读取过（{}），未重复导入。",
                            earlier.added_at,
                            earlier.state.label()
                        ));
                    } else {
                        added += 1;
                    }
                }
                Err(error) => problems.push(error.to_string()),
            }
        }
        self.reload_data();
        if added > 0 {
            self.messages
                .notice(format!("已读入 {added} 封邮件，请核对后导入。"));
        }
        if !problems.is_empty() {
            self.show_error(problems.join("\n"));
        }
    }

    /// Writes out a file kept in the ledger (an archived original, an attachment) and opens it
    /// with the system's program.
    pub(super) fn open_written(&mut self, written: Result<PathBuf, crate::service::ActionError>) {
        let result = written.map_err(|e| e.to_string()).and_then(|path| {
            crate::service::open_with_system(&path).map_err(|e| {
                format!(
                    "已取出“{}”，但无法用系统程序打开：{}。请在文件夹中双击打开。",
                    path.display(),
                    crate::files::io_phrase(&e)
                )
            })
        });
        if let Err(message) = result {
            self.show_error(message);
        }
    }

    /// Starts reading the mailbox with the code from the system's credential store.
    pub(super) fn start_fetch(&mut self) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        if self.fetch_job.is_some() {
            return;
        }
        let (mailbox, password) = match mailbox_and_code(&open.data.mailbox, false) {
            Ok(found) => found,
            Err(message) => {
                self.show_error(message);
                return;
            }
        };
        let account = crate::service::mail::imap_account(&mailbox, &password);
        let run = crate::service::fetch::FetchRun::begin(
            &mut open.ledger,
            &account,
            crate::service::mail::MailMode::Hold,
            open.data.today,
            crate::service::mail::FETCH_DEADLINE,
        );
        match run {
            Ok(run) => {
                self.fetch_job = Some(super::mail_jobs::FetchJob::start(account, run));
                self.page = Page::Mail;
            }
            Err(error) => self.show_error(error.to_string()),
        }
    }

    /// Starts e-mailing the month's chase messages.
    pub(super) fn start_chase(&mut self, period: crate::schedule::Period) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        if self.chase_job.is_some() {
            return;
        }
        let account = match sending_account(&open.data) {
            Ok(account) => account,
            Err(message) => {
                self.show_error(message);
                return;
            }
        };
        let holidays = open.data.holidays.clone();
        let today = open.data.today;
        // What each department owes under every plan in play, in one message.
        let begun = crate::service::DayState::load(&open.ledger, today, &holidays)
            .map_err(crate::service::ActionError::from)
            .and_then(|day| {
                crate::service::mail::begin_chase(
                    &open.ledger,
                    &day,
                    &open.data.others,
                    period,
                    crate::service::mail::SEND_DEADLINE,
                )
            });
        match begun {
            Ok((_, run)) => {
                self.chase_job = Some(super::send_job::SendJob::start(
                    run,
                    account,
                    Box::new(|_| Ok(())),
                    (format!("{}催报邮件", period.label()), String::new()),
                ));
            }
            Err(error) => self.show_error(error.to_string()),
        }
    }
}

impl TaizhangApp {
    /// 退回: the service's draft from the ledger as it is, then the e-mail on the send job
    /// (the chase's: one batch to departments at a time), or the sending back recorded as made
    /// by hand (the view copied the text).
    pub(super) fn send_back(
        &mut self,
        period: crate::schedule::Period,
        department_id: i64,
        reason: &str,
        rows: &[crate::returns::RowKey],
        by_hand: bool,
    ) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        if !by_hand && self.chase_job.is_some() {
            self.show_error("正在发送催报邮件，请发完后再退回。".to_owned());
            return;
        }
        let today = open.data.today;
        let name = open
            .data
            .departments
            .iter()
            .find(|d| d.id == department_id)
            .map(|d| d.name.clone())
            .unwrap_or_default();
        let draft = crate::service::DayState::load(&open.ledger, today, &open.data.holidays)
            .map_err(crate::service::ActionError::from)
            .and_then(|day| {
                crate::service::mail::send_back_draft(&day, period, &name, reason, Some(rows))
            });
        let draft = match draft {
            Ok(draft) => draft,
            Err(error) => {
                self.show_error(error.to_string());
                return;
            }
        };
        if by_hand || draft.to.is_none() {
            match crate::service::mail::record_by_hand(&mut open.ledger, &draft) {
                Ok(()) => {
                    self.messages.notice(format!(
                        "已记为退回{}{}的报送；退回通知已复制，请发给对方。",
                        draft.department,
                        period.label()
                    ));
                    self.reload_data();
                }
                Err(error) => self.show_error(error.to_string()),
            }
            return;
        }
        let account = match sending_account(&open.data) {
            Ok(account) => account,
            Err(message) => {
                self.show_error(message);
                return;
            }
        };
        match crate::service::mail::SendRun::begin(
            &open.ledger,
            draft.batch(),
            vec![draft.out_mail(today)],
            crate::service::mail::ResendRule::ALL,
            crate::service::mail::SEND_DEADLINE,
        ) {
            Ok(run) => {
                self.chase_job = Some(super::send_job::SendJob::start(
                    run,
                    account,
                    Box::new(|_| Ok(())),
                    (format!("{}退回邮件", draft.department), String::new()),
                ));
            }
            Err(error) => self.show_error(error.to_string()),
        }
    }

    /// Whether a send must first ask for the mailbox's code (none saved, or the credential
    /// store cannot be used): the code window is shown and the send waits in it.
    pub(super) fn asks_for_code(&mut self, command: &super::command::Command) -> bool {
        let LedgerState::Open(open) = &self.state else {
            return false;
        };
        let mailbox = &open.data.mailbox;
        if !mailbox.is_set() || mailbox.smtp_host.trim().is_empty() {
            return false;
        }
        let why = match crate::service::mail::secret::load(&mailbox.address) {
            Ok(Some(_)) => return false,
            Ok(None) => "尚未保存授权码：请输入邮箱的客户端授权码（不是登录密码）。".to_owned(),
            Err(error) => format!("{error}。请输入授权码，本次运行期间有效。"),
        };
        self.code_prompt = Some(super::code_prompt::CodePrompt::new(
            mailbox.address.clone(),
            why,
            command.clone(),
        ));
        true
    }
}

/// The office mailbox as a sender (the same sender as `chase --send`), or why nothing can be
/// sent (no mailbox or SMTP server set, no code saved).
pub(super) fn sending_account(
    data: &super::state::AppData,
) -> Result<crate::service::mail::SmtpAccount, String> {
    let (mailbox, password) = mailbox_and_code(&data.mailbox, true)?;
    Ok(crate::service::mail::smtp_account(
        &mailbox,
        &data.settings.email,
        &password,
    ))
}

/// Tests the logins to the mailbox's servers on a worker (设置's 测试连接), with the code
/// typed in the field, else the one saved.
pub(super) fn test_mailbox(
    mailbox: crate::store::MailboxSettings,
    unit_email: String,
    typed: Option<String>,
) -> Result<super::jobs::Worker<Vec<String>>, String> {
    if !mailbox.address.contains('@') {
        return Err("请先填写邮箱地址。".to_owned());
    }
    let code = match typed {
        Some(code) => code,
        None => mailbox_code(&mailbox.address)?,
    };
    Ok(super::jobs::Worker::spawn("mailbox-test", move || {
        crate::service::mail::test_connection(&mailbox, &unit_email, &code)
    }))
}

/// The mailbox's code from the system's credential store, or why there is none.
fn mailbox_code(address: &str) -> Result<String, String> {
    crate::service::mail::secret::load(address)?
        .ok_or_else(|| "尚未保存授权码：请在“设置 → 单位邮箱”中填写客户端授权码。".to_owned())
}

/// The mailbox's settings and its code, or why a job cannot start (no mailbox set, no SMTP
/// server when `sending`, no code saved).
fn mailbox_and_code(
    mailbox: &crate::store::MailboxSettings,
    sending: bool,
) -> Result<(crate::store::MailboxSettings, String), String> {
    if !mailbox.is_set() || sending && mailbox.smtp_host.trim().is_empty() {
        return Err(crate::service::fetch::MailboxError::NotSet.to_string());
    }
    Ok((mailbox.clone(), mailbox_code(&mailbox.address)?))
}
