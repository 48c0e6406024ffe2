//! One e-mail, the same way for a saved `.eml`/`.msg`, a body saved as text, and a message
//! fetched from the mailbox, in the window and in the commands: which department and month it
//! is, its received date (the message's Date, in China Standard Time), the body split into the
//! department's rows, each attachment through the return reader, then one transaction that
//! records it all.
//!
//! The department comes from the sender's address (the addresses kept on 责任部门), then the
//! 填报单位 of an attachment, then a department name in the subject or the sender's name. The
//! month comes from the subject, then the attachment, then the body's title line, then the rule "the month before the
//! received date".

use chrono::NaiveDate;

use crate::mail::{MailMessage, quote::forwarded_text};
use crate::model::{Department, Plan};
use crate::readers::sniff::Container;
use crate::returns::spreadsheet::{
    ImportChoice, ImportContext, ImportError, ImportedRow, MatchKind, ParsedReturn, UnmatchedRow,
};
use crate::returns::{Obligation, ReturnRecord, RowStatus, split_email_body};
use crate::schedule::Period;
use crate::store::{Ledger, MailCommit, MailOrigin, MailRecord, MailState, NewMail, StoreError};

/// What the user (or a command's options) decided for a message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MailChoice {
    pub department_id: Option<i64>,
    pub period: Option<Period>,
    /// The received date, for a body saved as text (a message's own Date wins otherwise).
    pub received: Option<NaiveDate>,
}

/// How the department was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoundBy {
    Choice,
    Sender,
    Attachment,
    Subject,
}

impl FoundBy {
    pub fn label(self) -> &'static str {
        match self {
            Self::Choice => "所选",
            Self::Sender => "发件地址",
            Self::Attachment => "附件中的填报单位",
            Self::Subject => "邮件主题",
        }
    }
}

/// What an attachment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttachmentKind {
    /// A spreadsheet or a Word table: read as a return.
    Return,
    /// An old `.doc`, a PDF, a `.wps`: archived with the message, to be entered by hand.
    ByHand,
    /// A picture, a signature file: not a return.
    Other,
}

/// One attachment, read.
#[derive(Clone, Debug)]
pub struct AttachmentIntake {
    pub name: String,
    pub bytes: Vec<u8>,
    pub kind: AttachmentKind,
    /// The return it holds, or why not: (message, detail for the log).
    pub result: Result<ParsedReturn, (String, String)>,
}

impl AttachmentIntake {
    /// A return with at least one filled row.
    pub fn filled_return(&self) -> Option<&ParsedReturn> {
        self.result.as_ref().ok().filter(|p| !p.is_blank())
    }
}

/// One message, read and matched; nothing is written until [`commit_message`].
#[derive(Clone, Debug)]
pub struct MessageIntake {
    /// The file or mailbox place it came from, for messages.
    pub source: String,
    pub message: MailMessage,
    pub raw: Vec<u8>,
    pub department: Option<(i64, String)>,
    pub found_by: Option<FoundBy>,
    pub period: Option<Period>,
    pub received: NaiveDate,
    /// The body's rows as a return, when the department is known and the body has rows.
    pub body: Option<ParsedReturn>,
    pub attachments: Vec<AttachmentIntake>,
    pub warnings: Vec<String>,
    /// Recorded before (read from the mailbox or imported from a file).
    pub seen: Option<MailRecord>,
}

impl MessageIntake {
    /// The returns it would record: the body's rows, then each filled attached return.
    pub fn returns(&self) -> impl Iterator<Item = &ParsedReturn> {
        self.body.iter().filter(|b| !b.is_blank()).chain(
            self.attachments
                .iter()
                .filter_map(AttachmentIntake::filled_return),
        )
    }

    /// Whether committing would record anything.
    pub fn has_rows(&self) -> bool {
        self.department.is_some() && self.returns().next().is_some()
    }

    /// The name the original is archived under: the file's own, else the subject's.
    pub fn archive_name(&self) -> String {
        let source = self.source.to_lowercase();
        if source.ends_with(".msg") || source.ends_with(".eml") {
            self.source.clone()
        } else {
            format!(
                "{}.eml",
                crate::returns::template::safe_file_name(&self.title())
            )
        }
    }

    /// The message's name in lists: its subject, else the file.
    pub fn title(&self) -> String {
        if self.message.subject.trim().is_empty() {
            self.source.clone()
        } else {
            self.message.subject.clone()
        }
    }
}

/// What all of one message's attachments may inflate to, read after read, before the rest are
/// left unread (each can be imported on its own).
pub const MESSAGE_READ_BUDGET: u64 = 200 * 1024 * 1024;

/// What matching needs of the ledger.
pub struct IntakeContext<'a> {
    pub plan: &'a Plan,
    pub departments: &'a [Department],
    pub obligations: &'a [Obligation],
    pub returns: &'a [ReturnRecord],
    pub today: NaiveDate,
}

/// `七月` → `7月`, so a subject in words gives its month.
fn month_words_to_digits(text: &str) -> String {
    const WORDS: [(&str, &str); 12] = [
        ("十二月", "12月"),
        ("十一月", "11月"),
        ("十月", "10月"),
        ("一月", "1月"),
        ("二月", "2月"),
        ("三月", "3月"),
        ("四月", "4月"),
        ("五月", "5月"),
        ("六月", "6月"),
        ("七月", "7月"),
        ("八月", "8月"),
        ("九月", "9月"),
    ];
    let mut text = text.to_owned();
    for (word, digits) in WORDS {
        text = text.replace(word, digits);
    }
    text
}

/// The department whose name or alias a text contains (the longest match).
fn department_in(text: &str, departments: &[Department]) -> Option<i64> {
    departments
        .iter()
        .flat_map(|d| {
            std::iter::once(&d.name)
                .chain(&d.aliases)
                .map(move |n| (d.id, n))
        })
        .filter(|(_, name)| name.chars().count() >= 2 && text.contains(name.as_str()))
        .max_by_key(|(_, name)| name.chars().count())
        .map(|(id, _)| id)
}

/// The department this address belongs to.
pub fn department_of_address(address: &str, departments: &[Department]) -> Option<i64> {
    let address = address.trim().to_lowercase();
    if address.is_empty() {
        return None;
    }
    departments
        .iter()
        .find(|d| d.mail_addresses().contains(&address))
        .map(|d| d.id)
}

/// What an attachment is, by content first, then by name.
fn attachment_kind(name: &str, bytes: &[u8]) -> AttachmentKind {
    let lower = name.to_lowercase();
    let extension = lower.rsplit('.').next().unwrap_or_default();
    let container = crate::readers::sniff::container(bytes);
    if container == Container::Pdf || ["pdf", "doc", "wps", "ofd", "et"].contains(&extension) {
        return AttachmentKind::ByHand;
    }
    if container == Container::Compound {
        // An old Word file is a compound file too: its main stream gives it away.
        let marker: Vec<u8> = "WordDocument"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        if bytes.windows(marker.len()).any(|w| w == marker.as_slice()) {
            return AttachmentKind::ByHand;
        }
        return AttachmentKind::Return;
    }
    if container == Container::Zip || ["xlsx", "xls", "ods", "docx", "xlsm"].contains(&extension) {
        return AttachmentKind::Return;
    }
    AttachmentKind::Other
}

/// Reads and matches one message.
pub fn prepare_message(
    context: &IntakeContext<'_>,
    source: &str,
    message: MailMessage,
    raw: Vec<u8>,
    choice: MailChoice,
) -> MessageIntake {
    let mut warnings = message.warnings.clone();
    // A date before last year's plan or after tomorrow is no return's: not taken as written.
    let earliest = NaiveDate::from_ymd_opt(context.plan.year - 1, 1, 1);
    let latest = context.today.succ_opt();
    let mut message = message;
    if let Some(date) = message.received_on()
        && (earliest.is_some_and(|e| date < e) || latest.is_some_and(|l| date > l))
    {
        warnings.push(format!(
            "邮件的发送日期（{}）不可信，未采用；收到日期按收取或导入的日期计。",
            crate::model::format_date_cn(date)
        ));
        message.date = None;
    }
    let received = match (message.received_on(), choice.received) {
        (Some(date), _) => date,
        (None, Some(date)) => date,
        (None, None) => {
            if !message.from.is_empty() {
                warnings.push("邮件没有发送日期，收到日期按今天记。".to_owned());
            }
            context.today
        }
    };
    let plan_year = context.plan.year;
    let subject = month_words_to_digits(&message.subject);
    let subject_period = crate::returns::spreadsheet::period_in(&subject, plan_year);
    let sender_department = department_of_address(&message.from, context.departments);
    let named = format!("{} {}", message.subject, message.from_name);
    let subject_department = department_in(&named, context.departments);
    let rule_period = Period::of(received).previous();
    // A body that opens with its title (`县农业农村局2019年12月进展情况`) names its month there.
    let body_period = message
        .body
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .take(3)
        // A title, not a row of progress (`2.1 …：6月底前完成`): short, not numbered, and
        // about the report itself.
        .filter(|line| {
            line.chars().count() <= 60
                && !line.starts_with(|c: char| c.is_ascii_digit() || ('０'..='９').contains(&c))
                && ["进展", "报送", "月份", "情况", "月报"]
                    .iter()
                    .any(|word| line.contains(word))
        })
        .find_map(|line| {
            crate::returns::spreadsheet::period_in(&month_words_to_digits(line), plan_year)
        });

    let import_context = ImportContext {
        plan: context.plan,
        departments: context.departments,
        obligations: context.obligations,
    };
    let first_choice = ImportChoice {
        department_id: choice.department_id.or(sender_department),
        period: choice.period.or(subject_period),
    };
    // One budget for the whole message: what its attachments may inflate to, read after read.
    let mut budget = MESSAGE_READ_BUDGET;
    let attachments: Vec<AttachmentIntake> = message
        .attachments
        .iter()
        .map(|attachment| {
            let kind = attachment_kind(&attachment.name, &attachment.bytes);
            let result = match kind {
                AttachmentKind::Return => read_attachment(
                    &import_context,
                    context.returns,
                    &attachment.name,
                    &attachment.bytes,
                    first_choice,
                    (subject_department, rule_period),
                    &mut budget,
                ),
                AttachmentKind::ByHand => Err((
                    format!(
                        "“{}”不是可以读取的报送表（旧版 Word、PDF 等），已随邮件存档，请打开后手工录入。",
                        attachment.name
                    ),
                    String::new(),
                )),
                AttachmentKind::Other => Err((
                    format!("“{}”不是报送表，未读取。", attachment.name),
                    String::new(),
                )),
            };
            AttachmentIntake {
                name: attachment.name.clone(),
                bytes: attachment.bytes.clone(),
                kind,
                result,
            }
        })
        .collect();

    let attachment_return = attachments
        .iter()
        .filter_map(|a| a.result.as_ref().ok())
        .max_by_key(|p| !p.is_blank());
    let (department_id, found_by) = if let Some(id) = choice.department_id {
        (Some(id), Some(FoundBy::Choice))
    } else if let Some(id) = sender_department {
        (Some(id), Some(FoundBy::Sender))
    } else if let Some(parsed) = attachment_return {
        (Some(parsed.department.0), Some(FoundBy::Attachment))
    } else if let Some(id) = subject_department {
        (Some(id), Some(FoundBy::Subject))
    } else {
        (None, None)
    };
    let period = choice
        .period
        .or(subject_period)
        .or(attachment_return.map(|p| p.period))
        .or(body_period)
        .unwrap_or(rule_period);
    let department = department_id.and_then(|id| {
        context
            .departments
            .iter()
            .find(|d| d.id == id)
            .map(|d| (d.id, d.name.clone()))
    });

    let mut intake = MessageIntake {
        source: source.to_owned(),
        raw,
        department,
        found_by,
        period: Some(period),
        received,
        body: None,
        attachments,
        warnings,
        seen: None,
        message,
    };
    if let Some((department_id, name)) = intake.department.clone() {
        intake.body = body_return(context, &intake.message, department_id, &name, period);
        drop_rows_the_attachment_gives(&mut intake);
    } else {
        let who = if intake.message.from.is_empty() {
            "没有发件地址".to_owned()
        } else {
            format!("发件地址 {} 不属于任何部门", intake.message.from)
        };
        intake.warnings.push(format!(
            "未识别：{who}，附件和主题中也没有部门名称。请选择部门；导入后会记住这个地址。"
        ));
    }
    if intake.department.is_some() && !intake.has_rows() {
        intake.warnings.push(
            "邮件中没有可导入的进展：正文没有对应各行的段落，附件中也没有填写过的报送表。"
                .to_owned(),
        );
    }
    intake
}

/// Reads one attached return: with the sender's department and the subject's month; when the
/// file names no department, with the subject's; when it names no month, the rule's.
fn read_attachment(
    context: &ImportContext<'_>,
    returns: &[ReturnRecord],
    name: &str,
    bytes: &[u8],
    choice: ImportChoice,
    (subject_department, rule_period): (Option<i64>, Period),
    budget: &mut u64,
) -> Result<ParsedReturn, (String, String)> {
    // Each read costs what the file may inflate to; a message's attachments share one budget,
    // so fifty attachments that each inflate to 95 MB are not read fifty times over.
    let cost = crate::readers::workbook::read_cost(bytes);
    let mut read = |choice: ImportChoice| {
        if *budget < cost {
            return Err(ImportError::MessageBudget);
        }
        *budget -= cost;
        super::prepare_return(context, returns, name, bytes, choice)
    };
    let mut result = read(choice);
    if let Err(ImportError::NoDepartment) = result
        && let Some(department_id) = subject_department
    {
        result = read(ImportChoice {
            department_id: Some(department_id),
            ..choice
        });
    }
    if let Err(ImportError::NoPeriod) = result {
        let department_id = choice.department_id.or(subject_department);
        result = read(ImportChoice {
            department_id,
            period: Some(rule_period),
        });
    }
    result.map_err(|e| (format!("“{name}”：{e}"), e.log_detail()))
}

/// The body split into the department's rows, as a return; for a forward with no rows of its
/// own, the forwarded text.
fn body_return(
    context: &IntakeContext<'_>,
    message: &MailMessage,
    department_id: i64,
    department: &str,
    period: Period,
) -> Option<ParsedReturn> {
    let obligation = context
        .obligations
        .iter()
        .find(|o| o.department_id == department_id)?;
    let mut warnings = Vec::new();
    let mut split = split_email_body(&message.body, &obligation.rows);
    if split.rows.is_empty()
        && let Some(forwarded) = forwarded_text(&message.body)
        && message.is_forward()
    {
        let inner = split_email_body(&forwarded, &obligation.rows);
        if !inner.rows.is_empty() {
            warnings.push("正文各行取自转发的原邮件".to_owned());
            split = inner;
        }
    }
    if split.rows.is_empty() && split.unmatched.is_empty() {
        return None;
    }
    let mut rows: Vec<ImportedRow> = Vec::new();
    for (index, (key, text)) in split.rows.iter().enumerate() {
        let Some(expected) = obligation.rows.iter().find(|r| r.key == *key) else {
            continue;
        };
        if let Some(existing) = rows.iter_mut().find(|r| r.key == *key) {
            existing.progress = format!("{}\n{}", existing.progress, text.trim());
            existing.status = RowStatus::of(&existing.progress);
            continue;
        }
        rows.push(ImportedRow {
            key: *key,
            code: expected.code.clone(),
            text: expected.text.clone(),
            file_row: u32::try_from(index + 1).unwrap_or(u32::MAX),
            progress: text.trim().to_owned(),
            remark: String::new(),
            status: RowStatus::of(text),
            matched_by: MatchKind::Text,
            accepted: true,
            conflict: None,
        });
    }
    let unmatched = split
        .unmatched
        .iter()
        .enumerate()
        .map(|(index, text)| UnmatchedRow {
            row: u32::try_from(index + 1).unwrap_or(u32::MAX),
            text: text.clone(),
        })
        .collect();
    Some(ParsedReturn {
        file_name: "邮件正文".to_owned(),
        sha256: crate::hash::sha256_hex(message.body.as_bytes()),
        department: (department_id, department.to_owned()),
        period,
        rows,
        unmatched,
        warnings,
    })
}

/// Where the body and an attached return fill the same row, the attachment's text is kept
/// (the body usually only says 见附件).
fn drop_rows_the_attachment_gives(intake: &mut MessageIntake) {
    let Some(body) = intake.body.as_mut() else {
        return;
    };
    let attached: Vec<_> = intake
        .attachments
        .iter()
        .filter_map(AttachmentIntake::filled_return)
        .filter(|p| p.department.0 == body.department.0 && p.period == body.period)
        .flat_map(|p| p.rows.iter().filter(|r| r.accepted && r.status.is_filled()))
        .map(|r| r.key)
        .collect();
    let before = body.rows.len();
    let mut dropped = Vec::new();
    body.rows.retain(|row| {
        let keep = !attached.contains(&row.key);
        if !keep {
            dropped.push(row.code.clone());
        }
        keep
    });
    if body.rows.len() < before {
        intake.warnings.push(format!(
            "正文和附件都填了第 {} 行，以附件为准",
            dropped.join("、")
        ));
    }
}

/// Loads what matching needs and prepares a message.
pub struct Intake {
    pub plan: Plan,
    pub departments: Vec<Department>,
    pub obligations: Vec<Obligation>,
    pub returns: Vec<ReturnRecord>,
    pub today: NaiveDate,
}

impl Intake {
    pub fn load(ledger: &Ledger, today: NaiveDate) -> Result<Self, StoreError> {
        let plan = ledger.current_plan()?;
        let departments = ledger.departments()?;
        let obligations = crate::returns::obligations(&plan, &departments);
        let returns = ledger.returns(None)?;
        Ok(Self {
            plan,
            departments,
            obligations,
            returns,
            today,
        })
    }

    pub fn context(&self) -> IntakeContext<'_> {
        IntakeContext {
            plan: &self.plan,
            departments: &self.departments,
            obligations: &self.obligations,
            returns: &self.returns,
            today: self.today,
        }
    }

    /// Reloads what a commit changed (returns and learned addresses).
    pub fn refresh(&mut self, ledger: &Ledger) -> Result<(), StoreError> {
        self.departments = ledger.departments()?;
        self.returns = ledger.returns(None)?;
        Ok(())
    }

    /// Reads a message's bytes (an `.eml`, `.msg` or body text) and prepares it.
    pub fn prepare_bytes(
        &self,
        source: &str,
        raw: Vec<u8>,
        choice: MailChoice,
    ) -> Result<MessageIntake, crate::mail::MailError> {
        let message = crate::mail::parse_mail(&raw)?;
        Ok(prepare_message(
            &self.context(),
            source,
            message,
            raw,
            choice,
        ))
    }
}

/// Whether a message's month is one the plan has returns for.
pub fn period_in_plan(plan: &Plan, period: Period) -> bool {
    crate::schedule::plan_periods(plan).contains(&period)
}

/// Records one message: its returns (when the department is known and something is filled
/// and the month is the plan's) in one transaction with the archived original, the message's
/// record and the sender's address; otherwise the message waits for the user. Returns the
/// rows changed, or `None` when it was left waiting.
pub fn commit_message(
    ledger: &mut Ledger,
    plan: &Plan,
    intake: &mut MessageIntake,
    origin: &MailOrigin,
    existing: Option<i64>,
) -> Result<Option<usize>, StoreError> {
    let file_name = intake.archive_name();
    let period_ok = intake.period.is_some_and(|p| period_in_plan(plan, p));
    let committable = intake.has_rows() && period_ok;
    if intake.has_rows() && !period_ok {
        intake.warnings.push(format!(
            "{}不在当前计划的报送月份内，未导入。请选择月份。",
            intake.period.map(Period::label).unwrap_or_default()
        ));
    }
    let new = NewMail {
        message_id: &intake.message.message_id,
        origin,
        sender: &intake.message.from,
        subject: &intake.message.subject,
        sent_on: Some(intake.received),
        state: if committable {
            MailState::Committed
        } else {
            MailState::Pending
        },
        department_id: intake.department.as_ref().map(|d| d.0),
        period: intake.period,
        raw: Some((&file_name, &intake.raw)),
        note: "",
    };
    if !committable {
        if existing.is_none() {
            ledger.record_mail(&new)?;
        }
        return Ok(None);
    }
    let attachments: Vec<(&ParsedReturn, &[u8])> = intake
        .attachments
        .iter()
        .filter_map(|a| a.filled_return().map(|p| (p, a.bytes.as_slice())))
        .collect();
    let body = intake.body.as_ref().filter(|b| !b.is_blank());
    let learn = intake
        .department
        .as_ref()
        .filter(|_| intake.message.from.contains('@'))
        .map(|d| (d.0, intake.message.from.as_str()));
    let commit = MailCommit {
        mail: new,
        existing,
        body,
        attachments,
        received_on: intake.received,
        learn_address: learn,
    };
    ledger.commit_mail(&commit).map(Some)
}

/// What to do with a message read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MailMode {
    /// Read and match only; nothing is written.
    DryRun,
    /// Record it, committing its returns when department, month and rows are known.
    Commit,
    /// Record it as waiting for the user (the window's 收件 page).
    Hold,
}

/// What became of one message.
#[derive(Debug)]
pub struct MailOutcome {
    /// The file, or `folder UID n` for a fetched message.
    pub source: String,
    pub intake: Option<MessageIntake>,
    /// Why it could not be read: (message, detail for the log).
    pub error: Option<(String, String)>,
    /// Rows changed by the commit; `None` when nothing was committed.
    pub committed: Option<usize>,
    /// The message was read before: the earlier record.
    pub duplicate_of: Option<MailRecord>,
}

/// A message as it arrived: whole, or too large to read (only its headers).
#[derive(Clone, Debug)]
pub enum RawMail {
    Whole(Vec<u8>),
    TooLarge { size: u64, headers: Vec<u8> },
}

/// Reads one message (its raw bytes, or the headers of one too large to download), matches
/// it, and records it as `mode` says. Each message is its own transaction; a message another
/// fetch or import recorded meanwhile is reported as read before, never recorded twice.
pub fn handle_message(
    ledger: &mut Ledger,
    intake: &mut Intake,
    source: &str,
    raw: RawMail,
    origin: &MailOrigin,
    choice: MailChoice,
    mode: MailMode,
) -> Result<MailOutcome, StoreError> {
    let mut outcome = MailOutcome {
        source: source.to_owned(),
        intake: None,
        error: None,
        committed: None,
        duplicate_of: None,
    };
    let raw = match raw {
        RawMail::Whole(raw) => raw,
        RawMail::TooLarge { size, headers } => {
            let error = crate::mail::MailError::TooLarge(size.div_ceil(1024 * 1024));
            if mode != MailMode::DryRun {
                record_too_large(ledger, origin, &headers, &error.to_string())?;
            }
            outcome.error = Some((error.to_string(), format!("{error} [{size} bytes]")));
            return Ok(outcome);
        }
    };
    // Each message under the plan of the month it is for (a December return sent in February
    // belongs to last year's plan), for import-email, fetch-mail and the window alike.
    let prepared = intake.prepare_bytes(source, raw.clone(), choice);
    let owner = match &prepared {
        Ok(read) if choice.period.is_none() => read
            .period
            .and_then(|period| super::plan_for_period(ledger, None, Some(period)).ok())
            .filter(|owner| *owner != intake.plan.id),
        _ => None,
    };
    let previous = ledger.focused_plan_id()?;
    let prepared = match owner {
        Some(owner) => {
            ledger.focus_plan(Some(owner))?;
            *intake = Intake::load(ledger, intake.today)?;
            intake.prepare_bytes(source, raw.clone(), choice)
        }
        None => prepared,
    };
    let recorded = record_read(ledger, intake, prepared, raw, origin, mode, &mut outcome);
    if owner.is_some() {
        ledger.focus_plan(Some(previous))?;
        *intake = Intake::load(ledger, intake.today)?;
    }
    match recorded {
        Err(StoreError::MailRecorded) => {
            let message_id = outcome
                .intake
                .as_ref()
                .map(|i| i.message.message_id.clone());
            outcome.committed = None;
            outcome.duplicate_of = match message_id {
                Some(id) => ledger.mail_seen(&id)?,
                None => None,
            };
            if let Some(intake) = outcome.intake.as_mut() {
                intake
                    .warnings
                    .push("这封邮件已由另一处同时记入台账，未重复记录。".to_owned());
            }
            Ok(outcome)
        }
        Err(error) => Err(error),
        Ok(()) => Ok(outcome),
    }
}

/// Records a message too large to read by its headers (sender, subject, date, Message-ID):
/// never its bytes.
fn record_too_large(
    ledger: &mut Ledger,
    origin: &MailOrigin,
    headers: &[u8],
    note: &str,
) -> Result<(), StoreError> {
    let mut block = headers.to_vec();
    block.extend_from_slice(b"\r\n\r\n");
    let read = crate::mail::parse_mail(&block).ok();
    let fallback = format!("{}:{}:{}", origin.account, origin.uid_validity, origin.uid);
    let message_id = read
        .as_ref()
        .map(|m| m.message_id.clone())
        .filter(|id| !id.starts_with("sha256:"))
        .unwrap_or(fallback);
    let new = NewMail {
        message_id: &message_id,
        origin,
        sender: read.as_ref().map_or("", |m| m.from.as_str()),
        subject: read.as_ref().map_or("", |m| m.subject.as_str()),
        sent_on: read.as_ref().and_then(MailMessage::received_on),
        state: MailState::Refused,
        department_id: None,
        period: None,
        raw: None,
        note,
    };
    match ledger.record_mail(&new) {
        Ok(_) | Err(StoreError::MailRecorded) => Ok(()),
        Err(error) => Err(error),
    }
}

fn record_read(
    ledger: &mut Ledger,
    intake: &mut Intake,
    prepared: Result<MessageIntake, crate::mail::MailError>,
    raw: Vec<u8>,
    origin: &MailOrigin,
    mode: MailMode,
    outcome: &mut MailOutcome,
) -> Result<(), StoreError> {
    let mut prepared = match prepared {
        Ok(prepared) => prepared,
        Err(error) => {
            if mode != MailMode::DryRun && !origin.account.is_empty() {
                let message_id = format!("sha256:{}", crate::hash::sha256_hex(&raw));
                let archived = Some(("无法读取的邮件.eml", raw.as_slice()));
                record_refused(ledger, origin, &message_id, archived, &error.to_string())?;
            }
            outcome.error = Some((error.to_string(), error.log_detail()));
            return Ok(());
        }
    };
    let seen = ledger.mail_seen(&prepared.message.message_id)?;
    let waiting = seen
        .as_ref()
        .filter(|s| s.state == MailState::Pending)
        .map(|s| s.id);
    if let Some(earlier) = seen.clone().filter(|s| s.state != MailState::Pending) {
        prepared.warnings.push(format!(
            "这封邮件已于{}读取过（{}），未重复导入。",
            earlier.added_at,
            earlier.state.label()
        ));
        if mode != MailMode::DryRun && !origin.account.is_empty() {
            // Remember the UID, so that the next fetch passes it over.
            let noted = ledger.record_mail(&NewMail {
                message_id: &prepared.message.message_id,
                origin,
                sender: &prepared.message.from,
                subject: &prepared.message.subject,
                sent_on: Some(prepared.received),
                state: MailState::Rejected,
                department_id: None,
                period: None,
                raw: None,
                note: "与已读取的邮件相同",
            });
            match noted {
                Ok(_) | Err(StoreError::MailRecorded) => {}
                Err(error) => return Err(error),
            }
        }
        prepared.seen = Some(earlier.clone());
        outcome.duplicate_of = Some(earlier);
        outcome.intake = Some(prepared);
        return Ok(());
    }
    prepared.seen = seen;
    let recorded = match mode {
        MailMode::DryRun => Ok(()),
        MailMode::Hold if waiting.is_some() => Ok(()),
        MailMode::Hold => {
            let file_name = prepared.archive_name();
            ledger
                .record_mail(&NewMail {
                    message_id: &prepared.message.message_id,
                    origin,
                    sender: &prepared.message.from,
                    subject: &prepared.message.subject,
                    sent_on: Some(prepared.received),
                    state: MailState::Pending,
                    department_id: prepared.department.as_ref().map(|d| d.0),
                    period: prepared.period,
                    raw: Some((&file_name, &prepared.raw)),
                    note: "",
                })
                .map(|_| ())
        }
        MailMode::Commit => {
            let plan = intake.plan.clone();
            commit_message(ledger, &plan, &mut prepared, origin, waiting).and_then(|committed| {
                outcome.committed = committed;
                if committed.is_some() {
                    intake.refresh(ledger)?;
                }
                Ok(())
            })
        }
    };
    outcome.intake = Some(prepared);
    recorded
}

/// Records a message that could not be read, so that the next fetch starts after it.
fn record_refused(
    ledger: &mut Ledger,
    origin: &MailOrigin,
    message_id: &str,
    raw: Option<(&str, &[u8])>,
    note: &str,
) -> Result<(), StoreError> {
    let recorded = ledger.record_mail(&NewMail {
        message_id,
        origin,
        sender: "",
        subject: "",
        sent_on: None,
        state: MailState::Refused,
        department_id: None,
        period: None,
        raw,
        note,
    });
    match recorded {
        Ok(_) | Err(StoreError::MailRecorded) => Ok(()),
        Err(error) => Err(error),
    }
}

/// One department's chase e-mail for a month.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChaseMail {
    pub department_id: i64,
    pub department: String,
    /// The address it goes to: the department's first; `None` when it has none.
    pub to: Option<String>,
    pub subject: String,
    pub message: String,
    /// The plans and months it chases (one, or several when it covers several plans).
    pub parts: Vec<(i64, Period)>,
}

impl ChaseMail {
    /// The records of this message sent now to `address`: one per plan and month it chases,
    /// so that each plan's 催报 shows it.
    pub fn sent_now(&self, address: &str) -> Vec<(i64, crate::store::ChaseSend)> {
        let sent_at = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
        self.parts
            .iter()
            .map(|(plan_id, period)| {
                (
                    *plan_id,
                    crate::store::ChaseSend {
                        department_id: self.department_id,
                        period: period.to_string(),
                        address: address.to_owned(),
                        subject: self.subject.clone(),
                        message: self.message.clone(),
                        sent_at: sent_at.clone(),
                    },
                )
            })
            .collect()
    }
}

/// The chase e-mails of a month: one per department still missing or incomplete. A closed
/// plan is never chased ("不再催报"), in the window or by a command.
pub fn chase_mails(day: &super::DayState, period: Period) -> Vec<ChaseMail> {
    if !day.plan.active {
        return Vec::new();
    }
    let status = day.period_status(period);
    let context = crate::returns::ChaseContext::of(&day.plan, &day.settings);
    crate::returns::chase_entries(&status, day.today, &context)
        .into_iter()
        .map(|entry| {
            let to = day
                .departments
                .iter()
                .find(|d| d.id == entry.department_id)
                .and_then(|d| d.mail_addresses().into_iter().next());
            let subject = if entry.state.is_received() {
                format!("请补报{}《重点工作进展》未填各项", period.label())
            } else {
                format!("请报送{}《重点工作进展》", period.label())
            };
            ChaseMail {
                department_id: entry.department_id,
                department: entry.department,
                to,
                subject,
                message: entry.message,
                parts: vec![(day.plan.id, period)],
            }
        })
        .collect()
}

/// The month each other plan in play is chased for, beside `period` for the plan in focus:
/// the same month when the plan has it, else its latest month already due on `today`.
/// `(index in others, month)`.
pub fn other_chase_periods(
    today: chrono::NaiveDate,
    others: &[super::DayState],
    period: Period,
) -> Vec<(usize, Period)> {
    let mut periods = Vec::new();
    for (index, day) in others.iter().enumerate() {
        let months = crate::schedule::plan_periods(&day.plan);
        let chosen = if months.contains(&period) {
            Some(period)
        } else {
            let rule = day.rule();
            months
                .iter()
                .rev()
                .find(|month| rule.due(**month).1 <= today)
                .copied()
        };
        if let Some(chosen) = chosen {
            periods.push((index, chosen));
        }
    }
    periods
}

/// The plans a month's chase covers: the plan in focus for `period`, and each other plan in
/// play for its own month.
pub fn chase_plans<'a>(
    focus: &'a super::DayState,
    others: &'a [super::DayState],
    period: Period,
) -> Vec<(&'a super::DayState, Period)> {
    std::iter::once((focus, period))
        .chain(
            other_chase_periods(focus.today, others, period)
                .into_iter()
                .map(|(index, month)| (&others[index], month)),
        )
        .collect()
}

/// The chase e-mails for several plans at once, each with its month: one per department,
/// covering what it owes under each plan (each part headed by its plan when there is more
/// than one).
pub fn chase_mails_across(plans: &[(&super::DayState, Period)]) -> Vec<ChaseMail> {
    let per_plan: Vec<(String, Vec<ChaseMail>)> = plans
        .iter()
        .map(|(day, period)| (day.plan.label(), chase_mails(day, *period)))
        .collect();
    let several = per_plan
        .iter()
        .filter(|(_, mails)| !mails.is_empty())
        .count()
        > 1;
    let mut merged: Vec<(ChaseMail, Vec<(String, String)>)> = Vec::new();
    for (label, mails) in per_plan {
        for mail in mails {
            match merged
                .iter_mut()
                .find(|(m, _)| m.department_id == mail.department_id)
            {
                Some((first, parts)) => {
                    first.parts.extend(mail.parts.iter().copied());
                    parts.push((label.clone(), mail.message));
                }
                None => {
                    let message = mail.message.clone();
                    merged.push((mail, vec![(label.clone(), message)]));
                }
            }
        }
    }
    merged
        .into_iter()
        .map(|(mut mail, parts)| {
            if several {
                mail.message = combined_message(&parts);
            }
            mail
        })
        .collect()
}

/// One message out of a department's messages under several plans, each headed by its
/// plan: `【plan】` and the message.
pub fn combined_message(parts: &[(String, String)]) -> String {
    parts
        .iter()
        .map(|(label, message)| format!("【{label}】\n{message}"))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// What became of one chase e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChaseResult {
    pub mail: ChaseMail,
    pub sent: bool,
    pub error: Option<String>,
}

/// Sends one chase e-mail (the I/O step, for a worker thread too); a department without an
/// address is not sent, with a note.
pub fn send_chase_mail(sender: &mut crate::mail::smtp::Sender, mail: ChaseMail) -> ChaseResult {
    let Some(to) = mail.to.clone() else {
        return ChaseResult {
            mail,
            sent: false,
            error: Some("该部门没有邮箱地址，未发送；请在“责任部门”中填写。".to_owned()),
        };
    };
    let outgoing = crate::mail::smtp::Outgoing {
        to,
        to_name: mail.department.clone(),
        subject: mail.subject.clone(),
        body: mail.message.clone(),
    };
    match sender.send(&outgoing) {
        Ok(()) => ChaseResult {
            mail,
            sent: true,
            error: None,
        },
        Err(error) => ChaseResult {
            mail,
            sent: false,
            error: Some(error.to_string()),
        },
    }
}

/// Records a chase e-mail that was sent (the recording step, on the ledger's thread): one
/// send per plan and month it chases, in one transaction.
pub fn record_chase_result(ledger: &mut Ledger, result: &mut ChaseResult) {
    if !result.sent {
        return;
    }
    let records = result
        .mail
        .sent_now(result.mail.to.as_deref().unwrap_or_default());
    if let Err(error) = ledger.record_chase_sends(&records) {
        result.error = Some(format!("已发送，但未能记入台账：{error}"));
    }
}

/// Sends each chase e-mail that has an address and records each send (its own transaction);
/// a department without an address is skipped with a note. The server is checked once first:
/// a wrong code or no network fails the whole run before anything is sent.
pub fn send_chase_mails(
    ledger: &mut Ledger,
    account: &crate::mail::smtp::SmtpAccount,
    mails: Vec<ChaseMail>,
    deadline: std::time::Duration,
    progress: &mut dyn FnMut(super::Progress),
) -> Result<Vec<ChaseResult>, crate::mail::smtp::SendError> {
    let mut sender = crate::mail::smtp::Sender::with_deadline(account, deadline)?;
    sender.check()?;
    let total = mails.len();
    let mut results = Vec::new();
    for (index, mail) in mails.into_iter().enumerate() {
        progress(super::Progress {
            done: index,
            total,
            what: mail.department.clone(),
        });
        let mut result = send_chase_mail(&mut sender, mail);
        record_chase_result(ledger, &mut result);
        results.push(result);
    }
    sender.quit();
    Ok(results)
}
