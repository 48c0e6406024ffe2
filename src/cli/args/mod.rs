//! The command line: global options, the job asked for, and its arguments.

use std::path::PathBuf;

use chrono::NaiveDate;

use crate::model::parse_date;
use crate::schedule::Period;

/// Usage text, printed for `--help` and after a bad argument.
pub const USAGE: &str = "\
用法 / usage:
  taizhang [--db FILE] [--today YYYY-MM-DD]                 打开窗口 (open the window)
  taizhang [--db FILE] [--today YYYY-MM-DD] COMMAND [ARGS]  运行一个命令后退出 (run one job)

命令 / commands:
  plan [--json]     输出当前计划 (print the ledger's current plan)
  plans [--json]    列出台账中的全部计划：编号、年度、状态、报送月份 (every plan of the ledger)
  import-plan FILE [--dry-run] [--json]
                    读取计划文件（.txt/.docx/.xlsx，正文式或任务分工表式），输出识别结果；
                    不带 --dry-run 时保存为新的当前计划
  import-plan 遇到同年度的“沿用上年”或空白计划时按任务相似度对应后替换它（--replace ID 指定，--new 另存为新计划）
  carry-forward [--from ID] [--all-tasks] [--shift-dates] [--json]
                    从已结束的计划沿用出下一年度的工作计划（沿用上年）：部门、报表、未完成或常态化的任务
  close-plan --plan ID / reopen-plan --plan ID
                    结束（或重新启用）一个计划：保留记录，不再显示和催报
  rename-department 原名称 新名称   部门更名，原名称保留为别名
  merge-departments 被合并部门 合并后部门   两个部门合并，报送记录随之归入
  status、deadlines、templates、export-sheet、chase、send-back、report、indicators、set-indicator 均可加 --plan ID 指定计划（编号见 plans）；
  不加时用该月所属的计划，几个计划都有该月时列出它们并拒绝
  export-sheet --period YYYY-MM [--xlsx FILE] [--pdf FILE] [--json]
               [--send-to ADDR SMTP… [--again]]
                    写出该月的《重点工作进展》表；带 --send-to 时把 XLSX 和 PDF 用一封邮件报送市局
                    （本月已报送过时须加 --again 才再报一次）
  report --period YYYY-MM --docx FILE [--json]
                    该月的情况通报（公文格式 .docx）：按时、逾期、不全、未报的单位，按时报送率，
                    进展、逾期节点和目标指标
  indicators [--plan ID] [--json]
                    计划的目标指标：名称、目标值、单位、比较方式，以及各月的数值和来源
  set-indicator 指标名称 --period YYYY-MM --value 数值 [--source 来源] [--json]
                    记录某月的指标数值（保留修改历史）
  deadlines --from DATE --to DATE [--ics FILE] [--json]
                    该时段内的全部期限：时间节点、月报截止、季度报告、自定事项；
                    带 --ics 时另写出日历文件，每项在前一个工作日9时提醒
  templates --period YYYY-MM --out DIR [--send SMTP… [--again | --unsent [--uncertain]]] [--json]
                    为每个报送部门生成该月的报送模板；带 --send 时发给有邮箱的部门
                    （本月已发过时须加 --again 全部重发，或 --unsent 只发未收到的部门；
                    此前结果不明、对方可能已收到的部门，须再加 --uncertain 才重发）
  import-returns FILE... [--period YYYY-MM] [--department NAME] [--received YYYY-MM-DD] [--dry-run] [--json]
                    读取部门报回的表格（.xlsx/.xls/.ods），每个文件输出一行 JSON
  status [--period YYYY-MM] [--json]
                    各部门该月的报送状态；默认上个月 (each department's return state for a month)
  assessment --year YYYY [--plan ID] [--xlsx FILE] [--json]
                    该年度计划各部门的考核：应报、按时、逾期、内容不全、未报、退回、按时率、齐全率和牵头节点
  summary --year YYYY [--plan ID] --docx FILE [--json]
                    该年度计划的工作总结初稿（公文格式 .docx）：目标、各项任务及节点、各单位报送的最新进展（原文照录）、
                    目标指标、各单位报送情况，末尾留给起草人填写
  binder [--plan ID] --out DIR [--add] [--json]
                    督察台账：每个任务一个文件夹，内有各责任单位各月报送的原始文件（与收到时逐字节相同）、
                    各月报送内容和催报、退回记录，顶层有 索引.xlsx 和 索引.pdf；文件夹须为空或新建（--add 加入已有文件夹）
  import-email FILE... [--department NAME] [--period YYYY-MM] [--received YYYY-MM-DD] [--dry-run] [--json]
                    读取保存的邮件（.eml/.msg）或邮件正文（.txt）：正文各行和附件，每封邮件一行 JSON
  fetch-mail --host H --port N --security tls|starttls|none --user U --password-env VAR [--folder NAME] [--deadline SECONDS] [--dry-run] [--json]
                    从单位邮箱（IMAP）读取新邮件，不删除、不标记；密码（授权码）从环境变量 VAR 读取
  chase --period YYYY-MM [--send --smtp-host H --smtp-port N --security tls|starttls|none --user U --password-env VAR [--deadline SECONDS]] [--json]
                    该月的催报消息；带 --send 时用邮件发给各部门
  send-back --period YYYY-MM --department NAME --reason TEXT [SMTP…] [--json]
                    退回某部门该月的报送，请其修改后重报：带 SMTP 参数时用邮件发出，
                    否则输出退回通知文字供复制；之后该月状态为“已退回”，直到修改后的报送到来
  SMTP… 即 --smtp-host H --smtp-port N --security tls|starttls|none --user U --password-env VAR [--deadline SECONDS]

选项 / options:
  --db FILE         台账文件；不存在时由命令新建，并载入2019年示例计划（窗口新建时先询问如何开始）
                    (the ledger file; a command creates it with the 2019 example plan)
  --today DATE      视为今天的日期 (the date taken as today)
  --help            显示本说明 (show this text)
  --version         显示版本 (print the version, one line)";

/// What the command line asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub db: Option<PathBuf>,
    pub today: Option<NaiveDate>,
    pub job: Option<Job>,
}

/// A headless job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Job {
    /// Print the current plan.
    Plan { json: bool },
    /// Read a plan document; store it as a new current plan unless `dry_run`.
    ImportPlan {
        file: PathBuf,
        dry_run: bool,
        json: bool,
        /// The carried or blank plan the read plan takes the place of; by default the active
        /// one of the same year, if any.
        replace: Option<i64>,
        /// Store it beside the others even when a carried plan of its year exists.
        new_plan: bool,
    },
    /// Create next year's working plan (沿用上年) from an ended plan.
    CarryForward {
        from: Option<i64>,
        all_tasks: bool,
        shift_dates: bool,
        json: bool,
    },
    /// Close a plan (kept, no longer shown or chased), or open it again.
    ClosePlan { plan: i64, reopen: bool, json: bool },
    /// Rename a department; the old name stays as an alias.
    RenameDepartment { name: String, new_name: String },
    /// Merge one department into another; its returns go with it.
    MergeDepartments { from: String, into: String },
    /// Write a month's progress sheet; with `send_to`, e-mail both files to the city.
    ExportSheet {
        period: Period,
        xlsx: Option<PathBuf>,
        pdf: Option<PathBuf>,
        json: bool,
        plan: Option<i64>,
        send_to: Option<(String, MailServer)>,
        /// Send again although this month's sheet went up before.
        again: bool,
    },
    /// Print every dated item between two days.
    Deadlines {
        from: NaiveDate,
        to: NaiveDate,
        json: bool,
        /// One plan only; every plan in play without it.
        plan: Option<i64>,
        /// Also write the items as an iCalendar file, each with its reminder.
        ics: Option<PathBuf>,
    },
    /// Write one return template per department; with `send`, e-mail each its own.
    Templates {
        period: Period,
        out: PathBuf,
        plan: Option<i64>,
        send: Option<MailServer>,
        /// Which departments a send goes to when this month's templates went out before.
        again: crate::service::mail::ResendRule,
        json: bool,
    },
    /// The month's 情况通报 as a `.docx`.
    Report {
        period: Period,
        docx: PathBuf,
        json: bool,
        plan: Option<i64>,
    },
    /// The plan's 目标指标 with their values.
    Indicators { plan: Option<i64>, json: bool },
    /// Record an indicator's value for a month.
    SetIndicator {
        name: String,
        period: Period,
        value: String,
        source: Option<String>,
        plan: Option<i64>,
        json: bool,
    },
    /// Read returned spreadsheets; store them unless `dry_run`.
    ImportReturns {
        files: Vec<PathBuf>,
        period: Option<Period>,
        department: Option<String>,
        /// The day the returns arrived (default: today).
        received: Option<NaiveDate>,
        dry_run: bool,
        json: bool,
    },
    /// Print each department's return state for a period (default: the month before today).
    Status {
        period: Option<Period>,
        json: bool,
        plan: Option<i64>,
    },
    /// Print (or write as an XLSX) the departments' 考核 of a year's plan.
    Assessment {
        year: i32,
        plan: Option<i64>,
        xlsx: Option<PathBuf>,
        json: bool,
    },
    /// Print every plan of the ledger.
    Plans { json: bool },
    /// Read saved e-mails (or bodies saved as text); store them unless `dry_run`.
    ImportEmail {
        files: Vec<PathBuf>,
        department: Option<String>,
        period: Option<Period>,
        received: Option<NaiveDate>,
        dry_run: bool,
        json: bool,
    },
    /// Read the mailbox's new messages.
    FetchMail {
        server: MailServer,
        folder: String,
        dry_run: bool,
        json: bool,
    },
    /// The month's chase messages; e-mailed when `send` is given.
    Chase {
        period: Period,
        send: Option<MailServer>,
        json: bool,
        plan: Option<i64>,
    },
    /// The 督察台账 as a folder.
    Binder {
        plan: Option<i64>,
        out: PathBuf,
        add: bool,
        json: bool,
    },
    /// The year's 工作总结 as a `.docx`.
    Summary {
        year: i32,
        plan: Option<i64>,
        docx: PathBuf,
        json: bool,
    },
    /// Send a department's return for a month back for correction (退回).
    SendBack {
        period: Period,
        department: String,
        reason: String,
        send: Option<MailServer>,
        json: bool,
        plan: Option<i64>,
    },
    /// Print the usage text.
    Help,
    /// Print the version, one line.
    Version,
}

pub use crate::service::mail::Resend;

/// A mail server as the command line gives it; the password is read from the environment
/// variable named, never from the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailServer {
    pub host: String,
    pub port: u16,
    pub security: crate::service::mail::Security,
    pub user: String,
    pub password_env: String,
    /// `--deadline SECONDS`: how long the whole fetch or send may take.
    pub deadline: Option<u64>,
}

/// A command line that cannot be understood.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

fn usage(message: impl Into<String>) -> UsageError {
    UsageError(message.into())
}

/// One command's words after its name: flags, options with a value, and plain arguments.
struct Words {
    command: String,
    words: std::vec::IntoIter<String>,
}

enum Word {
    /// `--name`
    Flag(String),
    /// A word that is not an option.
    Plain(String),
}

impl Words {
    fn next(&mut self) -> Option<Word> {
        let word = self.words.next()?;
        Some(if word.starts_with("--") {
            Word::Flag(word)
        } else {
            Word::Plain(word)
        })
    }

    /// The value after `--name`.
    fn value(&mut self, name: &str) -> Result<String, UsageError> {
        self.words
            .next()
            .ok_or_else(|| usage(format!("{name} 后面缺少值")))
    }

    fn period(&mut self, name: &str) -> Result<Period, UsageError> {
        let text = self.value(name)?;
        Period::parse(&text)
            .ok_or_else(|| usage(format!("{name} 的月份“{text}”无效，应为 YYYY-MM")))
    }

    fn date(&mut self, name: &str) -> Result<NaiveDate, UsageError> {
        let text = self.value(name)?;
        parse_date(&text)
            .ok_or_else(|| usage(format!("{name} 的日期“{text}”无效，应为 YYYY-MM-DD")))
    }

    /// A plan's number after `--plan`.
    fn plan_id(&mut self) -> Result<i64, UsageError> {
        self.plan_id_after("--plan")
    }

    /// A plan's number after `flag` (`--plan`, `--from`, `--replace`).
    fn plan_id_after(&mut self, flag: &str) -> Result<i64, UsageError> {
        let text = self.value(flag)?;
        text.parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .ok_or_else(|| {
                usage(format!(
                    "{flag} 的计划编号“{text}”无效，应为 plans 列出的编号"
                ))
            })
    }

    fn unknown(&self, word: &str) -> UsageError {
        usage(format!("{} 命令不认识参数“{word}”", self.command))
    }
}

/// Reads the arguments after the program name.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Invocation, UsageError> {
    let mut args = args.into_iter();
    let mut invocation = Invocation {
        db: None,
        today: None,
        job: None,
    };
    let mut command_words: Vec<String> = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--db" => {
                let value = args
                    .next()
                    .ok_or_else(|| usage("--db 后面缺少台账文件路径"))?;
                invocation.db = Some(PathBuf::from(value));
            }
            "--today" => {
                let value = args.next().ok_or_else(|| usage("--today 后面缺少日期"))?;
                let date = parse_date(&value).ok_or_else(|| {
                    usage(format!("--today 的日期“{value}”无效，应为 YYYY-MM-DD"))
                })?;
                invocation.today = Some(date);
            }
            "--help" | "-h" => invocation.job = Some(Job::Help),
            "--version" | "-V" => invocation.job = Some(Job::Version),
            _ => command_words.push(arg),
        }
    }
    if invocation.job.is_some() {
        return Ok(invocation);
    }
    let mut words = command_words.into_iter();
    let Some(name) = words.next() else {
        return Ok(invocation);
    };
    let mut words = Words {
        command: name.clone(),
        words: words.collect::<Vec<_>>().into_iter(),
    };
    invocation.job = Some(match name.as_str() {
        "plan" => plan(&mut words)?,
        "plans" => Job::Plans {
            json: only_json(&mut words)?,
        },
        "import-plan" => import_plan(&mut words)?,
        "carry-forward" => carry_forward(&mut words)?,
        "close-plan" => close_plan(&mut words, false)?,
        "reopen-plan" => close_plan(&mut words, true)?,
        "rename-department" => {
            let (name, new_name) = two_names(&mut words)?;
            Job::RenameDepartment { name, new_name }
        }
        "merge-departments" => {
            let (from, into) = two_names(&mut words)?;
            Job::MergeDepartments { from, into }
        }
        "export-sheet" => export_sheet(&mut words)?,
        "deadlines" => deadlines(&mut words)?,
        "templates" => templates(&mut words)?,
        "import-returns" => import_returns(&mut words)?,
        "status" => status(&mut words)?,
        "assessment" => assessment(&mut words)?,
        "summary" => summary(&mut words)?,
        "binder" => binder(&mut words)?,
        "import-email" => import_email(&mut words)?,
        "fetch-mail" => fetch_mail(&mut words)?,
        "chase" => chase(&mut words)?,
        "send-back" => send_back(&mut words)?,
        "report" => report(&mut words)?,
        "indicators" => indicators(&mut words)?,
        "set-indicator" => set_indicator(&mut words)?,
        other => return Err(usage(format!("未知命令“{other}”"))),
    });
    Ok(invocation)
}

mod mail;
mod plan;
mod returns;

use mail::*;
use plan::*;
use returns::*;

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn parses_options_in_any_order() {
        let invocation = parse_args(args("plan --db a.sqlite --json --today 2019-08-05")).unwrap();
        assert_eq!(invocation.db, Some(PathBuf::from("a.sqlite")));
        assert_eq!(invocation.today, NaiveDate::from_ymd_opt(2019, 8, 5));
        assert_eq!(invocation.job, Some(Job::Plan { json: true }));
        assert_eq!(parse_args(args("")).unwrap().job, None);
    }

    #[test]
    fn refuses_unknown_commands_and_bad_values() {
        assert!(parse_args(args("frobnicate")).is_err());
        assert!(parse_args(args("plan --xml")).is_err());
        assert!(parse_args(args("--today 2019-13-01")).is_err());
        assert!(parse_args(args("--db")).is_err());
    }
}
