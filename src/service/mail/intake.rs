//! Reading one message into a [`MessageIntake`]: department, month, received date, the body's
//! rows and each attachment through the return reader. Nothing is written here.

use chrono::{Datelike as _, NaiveDate};

use super::body::{body_return, drop_rows_the_attachment_gives};
use crate::mail::MailMessage;
use crate::model::{Department, Plan};
use crate::readers::sniff::Container;
use crate::returns::spreadsheet::{ImportChoice, ImportContext, ImportError, ParsedReturn};
use crate::returns::{Obligation, ReturnRecord};
use crate::schedule::Period;
use crate::store::MailRecord;

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
    // Word 97–2003, WPS and WPS spreadsheets (.et) are compound files, read like the others.
    if container == Container::Compound {
        return AttachmentKind::Return;
    }
    if container == Container::Pdf || ["pdf", "ofd"].contains(&extension) {
        return AttachmentKind::ByHand;
    }
    if container == Container::Zip
        || ["xlsx", "xls", "ods", "docx", "xlsm", "doc", "wps", "et"].contains(&extension)
    {
        return AttachmentKind::Return;
    }
    AttachmentKind::Other
}

/// Reads and matches one message.
#[expect(
    clippy::too_many_lines,
    reason = "the one intake of a message: department, month, body, each attachment, in that order"
)]
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
            let doubted = warnings
                .iter()
                .any(|w| w.contains("发送日期") && w.contains("不可信"));
            if !message.from.is_empty() && !doubted {
                warnings.push("邮件没有发送日期，收到日期按今天记。".to_owned());
            }
            context.today
        }
    };
    // A month named without its year is the latest such month not after the one the message
    // arrived in: `12月` read on 3 January is last December, whichever plan is in focus.
    let year_of = |month: u32| {
        if month <= received.month() {
            received.year()
        } else {
            received.year() - 1
        }
    };
    // A name decoded with characters lost (U+FFFD) could name the wrong department or month:
    // it is never used to match.
    let subject = month_words_to_digits(trusted(&message.subject));
    let subject_period = crate::returns::spreadsheet::period_in_with(&subject, &year_of);
    let sender_department = department_of_address(&message.from, context.departments);
    let named = format!(
        "{} {}",
        trusted(&message.subject),
        trusted(&message.from_name)
    );
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
            crate::returns::spreadsheet::period_in_with(&month_words_to_digits(line), &year_of)
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
                    trusted(&attachment.name),
                    &attachment.bytes,
                    first_choice,
                    (subject_department, rule_period),
                    &mut budget,
                ),
                AttachmentKind::ByHand => Err((
                    format!(
                        "“{}”不是可以读取的报送表（PDF、OFD 等），已随邮件存档，请打开后手工录入。",
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
        crate::service::prepare_return(context, returns, name, bytes, choice)
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

/// The text, or nothing when its decoding lost characters (U+FFFD): such a name never
/// matches a department or a month.
fn trusted(text: &str) -> &str {
    if text.contains('\u{FFFD}') { "" } else { text }
}
