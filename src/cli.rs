//! The headless commands (`../shared/CLI.md`): argument parsing and the jobs themselves.

use std::io::Write;
use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::{Department, Plan, format_date_cn, parse_date};
use crate::returns::{PeriodStatus, period_status};
use crate::schedule::Period;
use crate::store::Ledger;

/// Usage text, printed for `--help` and after a bad argument.
pub const USAGE: &str = "\
用法 / usage:
  taizhang [--db FILE] [--today YYYY-MM-DD]                 打开窗口 (open the window)
  taizhang [--db FILE] [--today YYYY-MM-DD] COMMAND [ARGS]  运行一个命令后退出 (run one job)

命令 / commands:
  plan [--json]     输出当前计划 (print the ledger's current plan)
  import-plan FILE [--dry-run] [--json]
                    读取计划文件（.txt/.docx），输出识别结果；不带 --dry-run 时保存为新的当前计划
  export-sheet --period YYYY-MM [--xlsx FILE] [--pdf FILE] [--json]
                    写出该月的《重点工作进展》表 (write the month's progress sheet)
  deadlines --from DATE --to DATE [--json]
                    该时段内的全部期限：时间节点、月报截止、季度报告、自定事项
  templates --period YYYY-MM --out DIR
                    为每个报送部门生成该月的报送模板 (one return template per department)
  import-returns FILE... [--period YYYY-MM] [--department NAME] [--dry-run] [--json]
                    读取部门报回的表格（.xlsx/.xls/.ods），每个文件输出一行 JSON
  status [--period YYYY-MM] [--json]
                    各部门该月的报送状态；默认上个月 (each department's return state for a month)

选项 / options:
  --db FILE         台账文件；不存在时新建并载入2019年计划 (the ledger file; created if missing)
  --today DATE      视为今天的日期 (the date taken as today)
  --help            显示本说明 (show this text)";

/// What the command line asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    pub db: Option<PathBuf>,
    pub today: Option<NaiveDate>,
    pub command: Option<Command>,
}

/// A headless job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Print the current plan.
    Plan { json: bool },
    /// Read a plan document; store it as a new current plan unless `dry_run`.
    ImportPlan {
        file: PathBuf,
        dry_run: bool,
        json: bool,
    },
    /// Write a month's progress sheet.
    ExportSheet {
        period: Period,
        xlsx: Option<PathBuf>,
        pdf: Option<PathBuf>,
        json: bool,
    },
    /// Print every dated item between two days.
    Deadlines {
        from: NaiveDate,
        to: NaiveDate,
        json: bool,
    },
    /// Write one return template per department.
    Templates { period: Period, out: PathBuf },
    /// Read returned spreadsheets; store them unless `dry_run`.
    ImportReturns {
        files: Vec<PathBuf>,
        period: Option<Period>,
        department: Option<String>,
        dry_run: bool,
        json: bool,
    },
    /// Print each department's return state for a period (default: the month before today).
    Status { period: Option<Period>, json: bool },
    /// Print the usage text.
    Help,
}

/// A command line that cannot be understood.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Reads the arguments after the program name.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Invocation, UsageError> {
    let mut args = args.into_iter();
    let mut invocation = Invocation {
        db: None,
        today: None,
        command: None,
    };
    let mut command_words: Vec<String> = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--db" => {
                let value = args
                    .next()
                    .ok_or_else(|| UsageError("--db 后面缺少台账文件路径".to_owned()))?;
                invocation.db = Some(PathBuf::from(value));
            }
            "--today" => {
                let value = args
                    .next()
                    .ok_or_else(|| UsageError("--today 后面缺少日期".to_owned()))?;
                let date = parse_date(&value).ok_or_else(|| {
                    UsageError(format!("--today 的日期“{value}”无效，应为 YYYY-MM-DD"))
                })?;
                invocation.today = Some(date);
            }
            "--help" | "-h" => invocation.command = Some(Command::Help),
            _ => command_words.push(arg),
        }
    }
    if invocation.command.is_some() {
        return Ok(invocation);
    }
    let mut words = command_words.into_iter();
    let Some(name) = words.next() else {
        return Ok(invocation);
    };
    let options: Vec<String> = words.collect();
    invocation.command = Some(match name.as_str() {
        "plan" => {
            let mut json = false;
            for option in options {
                match option.as_str() {
                    "--json" => json = true,
                    other => return Err(UsageError(format!("plan 命令不认识参数“{other}”"))),
                }
            }
            Command::Plan { json }
        }
        "import-plan" => {
            let mut file = None;
            let mut dry_run = false;
            let mut json = false;
            for option in options {
                match option.as_str() {
                    "--dry-run" => dry_run = true,
                    "--json" => json = true,
                    other if other.starts_with("--") => {
                        return Err(UsageError(format!("import-plan 命令不认识参数“{other}”")));
                    }
                    _ if file.is_some() => {
                        return Err(UsageError("import-plan 一次只读一个文件".to_owned()));
                    }
                    _ => file = Some(PathBuf::from(option)),
                }
            }
            let file = file.ok_or_else(|| UsageError("import-plan 后面缺少文件".to_owned()))?;
            Command::ImportPlan {
                file,
                dry_run,
                json,
            }
        }
        "export-sheet" => {
            let mut period = None;
            let mut xlsx = None;
            let mut pdf = None;
            let mut json = false;
            let mut options = options.into_iter();
            while let Some(option) = options.next() {
                let mut value = |name: &str| {
                    options
                        .next()
                        .ok_or_else(|| UsageError(format!("{name} 后面缺少值")))
                };
                match option.as_str() {
                    "--json" => json = true,
                    "--period" => {
                        let text = value("--period")?;
                        period = Some(Period::parse(&text).ok_or_else(|| {
                            UsageError(format!("--period 的月份“{text}”无效，应为 YYYY-MM"))
                        })?);
                    }
                    "--xlsx" => xlsx = Some(PathBuf::from(value("--xlsx")?)),
                    "--pdf" => pdf = Some(PathBuf::from(value("--pdf")?)),
                    other => {
                        return Err(UsageError(format!("export-sheet 命令不认识参数“{other}”")));
                    }
                }
            }
            let period = period
                .ok_or_else(|| UsageError("export-sheet 需要 --period YYYY-MM".to_owned()))?;
            Command::ExportSheet {
                period,
                xlsx,
                pdf,
                json,
            }
        }
        "deadlines" => {
            let mut from = None;
            let mut to = None;
            let mut json = false;
            let mut options = options.into_iter();
            while let Some(option) = options.next() {
                match option.as_str() {
                    "--json" => json = true,
                    "--from" | "--to" => {
                        let value = options
                            .next()
                            .ok_or_else(|| UsageError(format!("{option} 后面缺少日期")))?;
                        let date = parse_date(&value).ok_or_else(|| {
                            UsageError(format!("{option} 的日期“{value}”无效，应为 YYYY-MM-DD"))
                        })?;
                        if option == "--from" {
                            from = Some(date);
                        } else {
                            to = Some(date);
                        }
                    }
                    other => return Err(UsageError(format!("deadlines 命令不认识参数“{other}”"))),
                }
            }
            let (Some(from), Some(to)) = (from, to) else {
                return Err(UsageError("deadlines 需要 --from 和 --to".to_owned()));
            };
            if to < from {
                return Err(UsageError("--to 早于 --from".to_owned()));
            }
            Command::Deadlines { from, to, json }
        }
        "templates" => {
            let mut period = None;
            let mut out = None;
            let mut options = options.into_iter();
            while let Some(option) = options.next() {
                match option.as_str() {
                    "--period" => {
                        let value = options
                            .next()
                            .ok_or_else(|| UsageError("--period 后面缺少月份".to_owned()))?;
                        period = Some(Period::parse(&value).ok_or_else(|| {
                            UsageError(format!("--period 的月份“{value}”无效，应为 YYYY-MM"))
                        })?);
                    }
                    "--out" => {
                        out =
                            Some(PathBuf::from(options.next().ok_or_else(|| {
                                UsageError("--out 后面缺少文件夹".to_owned())
                            })?));
                    }
                    other => return Err(UsageError(format!("templates 命令不认识参数“{other}”"))),
                }
            }
            let (Some(period), Some(out)) = (period, out) else {
                return Err(UsageError("templates 需要 --period 和 --out".to_owned()));
            };
            Command::Templates { period, out }
        }
        "import-returns" => {
            let mut files = Vec::new();
            let mut period = None;
            let mut department = None;
            let mut dry_run = false;
            let mut json = false;
            let mut options = options.into_iter();
            while let Some(option) = options.next() {
                match option.as_str() {
                    "--dry-run" => dry_run = true,
                    "--json" => json = true,
                    "--period" => {
                        let value = options
                            .next()
                            .ok_or_else(|| UsageError("--period 后面缺少月份".to_owned()))?;
                        period = Some(Period::parse(&value).ok_or_else(|| {
                            UsageError(format!("--period 的月份“{value}”无效，应为 YYYY-MM"))
                        })?);
                    }
                    "--department" => {
                        department = Some(options.next().ok_or_else(|| {
                            UsageError("--department 后面缺少部门名称".to_owned())
                        })?);
                    }
                    other if other.starts_with("--") => {
                        return Err(UsageError(format!(
                            "import-returns 命令不认识参数“{other}”"
                        )));
                    }
                    _ => files.push(PathBuf::from(option)),
                }
            }
            if files.is_empty() {
                return Err(UsageError("import-returns 后面缺少文件".to_owned()));
            }
            Command::ImportReturns {
                files,
                period,
                department,
                dry_run,
                json,
            }
        }
        "status" => {
            let mut json = false;
            let mut period = None;
            let mut options = options.into_iter();
            while let Some(option) = options.next() {
                match option.as_str() {
                    "--json" => json = true,
                    "--period" => {
                        let value = options
                            .next()
                            .ok_or_else(|| UsageError("--period 后面缺少月份".to_owned()))?;
                        period = Some(Period::parse(&value).ok_or_else(|| {
                            UsageError(format!("--period 的月份“{value}”无效，应为 YYYY-MM"))
                        })?);
                    }
                    other => return Err(UsageError(format!("status 命令不认识参数“{other}”"))),
                }
            }
            Command::Status { period, json }
        }
        other => return Err(UsageError(format!("未知命令“{other}”"))),
    });
    Ok(invocation)
}

/// Runs a job on an open ledger, writing its output to `out`.
pub fn run(
    ledger: &mut Ledger,
    command: &Command,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    match command {
        Command::Templates { period, out: dir } => write_templates(ledger, *period, dir, out)?,
        Command::ImportReturns {
            files,
            period,
            department,
            dry_run,
            json,
        } => {
            let failed = import_returns(
                ledger,
                files,
                *period,
                department.as_deref(),
                *dry_run,
                *json,
                today,
                out,
            )?;
            if failed > 0 {
                return Err(anyhow::anyhow!("{failed} 个文件未能导入"));
            }
        }
        Command::Deadlines { from, to, json } => {
            let items = deadline_list(ledger, today)?;
            let selected: Vec<&crate::deadlines::Deadline> = items
                .iter()
                .filter(|d| d.date >= *from && d.date <= *to)
                .collect();
            if *json {
                let result = DeadlinesJson {
                    from: from.format("%Y-%m-%d").to_string(),
                    to: to.format("%Y-%m-%d").to_string(),
                    items: selected
                        .iter()
                        .map(|d| DeadlineJson {
                            date: d.date.format("%Y-%m-%d").to_string(),
                            nominal_date: d.nominal.map(|n| n.format("%Y-%m-%d").to_string()),
                            kind: d.kind.code(),
                            title: d.title.clone(),
                            departments: d.departments.clone(),
                            task: d.task_code.clone(),
                            state: d.light.code(),
                        })
                        .collect(),
                };
                serde_json::to_writer(&mut *out, &result)?;
                writeln!(out)?;
            } else {
                for d in selected {
                    writeln!(
                        out,
                        "{}  【{}】{}  {}  {}",
                        format_date_cn(d.date),
                        d.light.label(),
                        d.title,
                        d.departments.join("、"),
                        d.kind.label()
                    )?;
                }
            }
        }
        Command::ExportSheet {
            period,
            xlsx,
            pdf,
            json,
        } => export_sheet(ledger, *period, xlsx.as_deref(), pdf.as_deref(), *json, out)?,
        Command::ImportPlan {
            file,
            dry_run,
            json,
        } => import_plan(ledger, file, *dry_run, *json, out)?,
        Command::Status { period, json } => {
            let period = period.unwrap_or_else(|| Period::of(today).previous());
            let plan = ledger.current_plan()?;
            let departments = ledger.departments()?;
            let obligations = crate::returns::obligations(&plan, &departments);
            let records = ledger.returns(Some(period))?;
            let holidays = crate::holidays::HolidayCalendar::bundled()?;
            let settings = ledger.settings()?;
            let rule = crate::schedule::DueRule::from_settings(
                plan.reporting.due_day,
                &settings,
                &holidays,
            );
            let status = period_status(
                &plan,
                &departments,
                &obligations,
                &records,
                period,
                today,
                &rule,
            );
            if *json {
                serde_json::to_writer(&mut *out, &status_json(&status))?;
                writeln!(out)?;
            } else {
                write_status_text(&status, out)?;
            }
        }
        Command::Help => writeln!(out, "{USAGE}")?,
        Command::Plan { json } => {
            let plan = ledger.current_plan()?;
            let departments = ledger.departments()?;
            if *json {
                serde_json::to_writer(&mut *out, &plan_json(&plan, &departments))?;
                writeln!(out)?;
            } else {
                write_plan_text(&plan, out)?;
            }
        }
    }
    Ok(())
}

/// The plan as `plan --json` prints it (field names are the contract of ../shared/CLI.md).
#[derive(Debug, Serialize)]
pub struct PlanJson {
    pub title: String,
    pub year: i32,
    pub document_number: String,
    pub issuer: String,
    pub issued_on: Option<String>,
    pub targets: Vec<TargetJson>,
    pub departments: Vec<DepartmentJson>,
    pub tasks: Vec<TaskJson>,
    pub form: FormJson,
    pub reporting: ReportingJson,
}

#[derive(Debug, Serialize)]
pub struct TargetJson {
    pub text: String,
    pub date: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DepartmentJson {
    pub name: String,
    pub aliases: Vec<String>,
    pub contact_person: String,
    pub phone: String,
    pub email: String,
}

#[derive(Debug, Serialize)]
pub struct TaskJson {
    pub code: String,
    pub section: String,
    pub title: String,
    pub leads: Vec<String>,
    pub participants: Vec<String>,
    /// Scope notes of leads that answer for part of the task only, e.g. 负责农用地.
    pub lead_scopes: Vec<LeadScopeJson>,
    pub leads_separately: bool,
    pub note: String,
    pub milestones: Vec<MilestoneJson>,
}

#[derive(Debug, Serialize)]
pub struct LeadScopeJson {
    pub name: String,
    pub scope: String,
}

#[derive(Debug, Serialize)]
pub struct MilestoneJson {
    pub date: String,
    pub text: String,
    pub wording: String,
    pub clause: String,
}

#[derive(Debug, Serialize)]
pub struct FormJson {
    pub title: String,
    pub groups: Vec<FormGroupJson>,
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct FormGroupJson {
    pub name: String,
    pub rows: Vec<FormRowJson>,
}

#[derive(Debug, Serialize)]
pub struct FormRowJson {
    pub code: String,
    pub text: String,
    pub units: Vec<String>,
    pub departments: Vec<String>,
    pub quarterly: bool,
}

#[derive(Debug, Serialize)]
pub struct ReportingJson {
    pub due_day: u32,
    pub form_due_day: u32,
    pub quarterly_months: Vec<u32>,
}

/// Builds the JSON view of a plan. Its departments are those its tasks and form rows name,
/// in the ledger's order.
pub fn plan_json(plan: &Plan, departments: &[Department]) -> PlanJson {
    let iso = |date: NaiveDate| date.format("%Y-%m-%d").to_string();
    let mut used = std::collections::BTreeSet::new();
    for task in plan.tasks() {
        used.extend(task.leads.iter().map(|d| d.department_id));
        used.extend(task.participants.iter().map(|d| d.department_id));
    }
    for row in plan.form.rows() {
        used.extend(row.departments.iter().map(|(id, _)| *id));
    }
    let tasks = plan
        .sections
        .iter()
        .flat_map(|section| {
            section.tasks.iter().map(move |task| {
                task_json(
                    &section.title,
                    TaskParts {
                        code: &task.code,
                        title: &task.title,
                        note: &task.note,
                        leads_separately: task.leads_separately,
                        leads: task
                            .leads
                            .iter()
                            .map(|d| (d.name.as_str(), d.scope.as_str()))
                            .collect(),
                        participants: task.participants.iter().map(|d| d.name.as_str()).collect(),
                        milestones: &task.milestones,
                    },
                )
            })
        })
        .collect();
    PlanJson {
        title: plan.title.clone(),
        year: plan.year,
        document_number: plan.document_number.clone(),
        issuer: plan.issuer.clone(),
        issued_on: plan.issued_on.map(iso),
        targets: plan
            .targets
            .iter()
            .map(|t| TargetJson {
                text: t.text.clone(),
                date: t.due_date.map(iso),
            })
            .collect(),
        departments: departments
            .iter()
            .filter(|d| used.contains(&d.id))
            .map(|d| DepartmentJson {
                name: d.name.clone(),
                aliases: d.aliases.clone(),
                contact_person: d.contact_person.clone(),
                phone: d.phone.clone(),
                email: d.email.clone(),
            })
            .collect(),
        tasks,
        form: FormJson {
            title: plan.form.title.clone(),
            groups: plan
                .form
                .groups
                .iter()
                .map(|group| FormGroupJson {
                    name: group.name.clone(),
                    rows: group
                        .rows
                        .iter()
                        .map(|row| FormRowJson {
                            code: row.code.clone(),
                            text: row.text.clone(),
                            units: row.units.clone(),
                            departments: row.departments.iter().map(|(_, n)| n.clone()).collect(),
                            quarterly: row.quarterly,
                        })
                        .collect(),
                })
                .collect(),
            notes: plan.form.notes.clone(),
        },
        reporting: ReportingJson {
            due_day: plan.reporting.due_day,
            form_due_day: plan.reporting.form_due_day,
            quarterly_months: plan.reporting.quarterly_months.clone(),
        },
    }
}

fn write_templates(
    ledger: &Ledger,
    period: Period,
    dir: &std::path::Path,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let plan = ledger.current_plan()?;
    let departments = ledger.departments()?;
    let settings = ledger.settings()?;
    let holidays = crate::holidays::HolidayCalendar::bundled()?;
    let rule =
        crate::schedule::DueRule::from_settings(plan.reporting.due_day, &settings, &holidays);
    let (_, due) = rule.due(period);
    let obligations = crate::returns::obligations(&plan, &departments);
    let written = crate::service::write_templates(
        &plan,
        &obligations,
        period,
        due,
        dir,
        &crate::files::Protected::for_ledger(ledger.path()),
    )?;
    for template in &written {
        writeln!(out, "{}", template.path.display())?;
    }
    for template in &written {
        if let Some(existing) = &template.kept_existing {
            eprintln!(
                "注意：“{}”已存在，未覆盖；{}的模板另存为“{}”",
                existing.display(),
                template.department,
                template.path.display()
            );
        }
    }
    Ok(())
}

/// `import-returns --json`: one object per file.
#[derive(Debug, Serialize)]
pub struct ImportReturnJson {
    pub file: String,
    pub department: Option<String>,
    pub period: Option<String>,
    pub rows: Vec<ImportRowJson>,
    pub unmatched: Vec<UnmatchedJson>,
    pub warnings: Vec<String>,
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ImportRowJson {
    pub code: String,
    pub status: &'static str,
    pub progress: String,
    pub remark: String,
    /// Whether the row is (or would be) imported: rows matched by similar text wait for a
    /// person to confirm them in the window.
    pub imported: bool,
}

#[derive(Debug, Serialize)]
pub struct UnmatchedJson {
    pub row: u32,
    pub text: String,
}

#[expect(clippy::too_many_arguments)]
fn import_returns(
    ledger: &mut Ledger,
    files: &[PathBuf],
    period: Option<Period>,
    department: Option<&str>,
    dry_run: bool,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<usize> {
    let plan = ledger.current_plan()?;
    let departments = ledger.departments()?;
    let obligations = crate::returns::obligations(&plan, &departments);
    let department_id = match department {
        Some(name) => {
            let known = crate::plan_text::DepartmentNames::new(&departments);
            let canonical = known
                .canonical_of(name.trim())
                .ok_or_else(|| anyhow::anyhow!("台账中没有部门“{name}”"))?;
            departments
                .iter()
                .find(|d| d.name == canonical)
                .map(|d| d.id)
        }
        None => None,
    };
    let context = crate::returns::spreadsheet::ImportContext {
        plan: &plan,
        departments: &departments,
        obligations: &obligations,
    };
    let choice = crate::returns::spreadsheet::ImportChoice {
        department_id,
        period,
    };
    let mut failed = 0;
    for file in files {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut result = ImportReturnJson {
            file: file.display().to_string(),
            department: None,
            period: None,
            rows: Vec::new(),
            unmatched: Vec::new(),
            warnings: Vec::new(),
            error: None,
        };
        // The message is shown; what the OS or the reader said goes to the log.
        let outcome = crate::service::read_return_file(file)
            .map_err(|e| (e.to_string(), format!("{e:?}")))
            .and_then(|bytes| {
                crate::returns::spreadsheet::read_return(&name, &bytes, choice, &context)
                    .map(|parsed| (parsed, bytes))
                    .map_err(|e| (e.to_string(), e.log_detail()))
            });
        match outcome {
            Err((message, detail)) => {
                failed += 1;
                result.error = Some(message);
                crate::logfile::LogFile::beside(ledger.path())
                    .error(&format!("{}：{detail}", file.display()));
            }
            Ok((mut parsed, bytes)) => {
                let stored = ledger
                    .returns(Some(parsed.period))?
                    .into_iter()
                    .find(|r| r.department_id == parsed.department.0);
                crate::returns::spreadsheet::keep_stored_text(&mut parsed, stored.as_ref());
                result.department = Some(parsed.department.1.clone());
                result.period = Some(parsed.period.to_string());
                result.warnings.clone_from(&parsed.warnings);
                if let Some((earlier, when)) = ledger.find_source_file(&parsed.sha256)? {
                    result
                        .warnings
                        .push(format!("同一文件已于{when}导入过（{earlier}）"));
                }
                result.rows = parsed
                    .rows
                    .iter()
                    .map(|row| ImportRowJson {
                        code: row.code.clone(),
                        status: row.status.code(),
                        progress: row.progress.clone(),
                        remark: row.remark.clone(),
                        imported: row.accepted,
                    })
                    .collect();
                result.unmatched = parsed
                    .unmatched
                    .iter()
                    .map(|u| UnmatchedJson {
                        row: u.row,
                        text: u.text.clone(),
                    })
                    .collect();
                if !dry_run && let Err(error) = ledger.commit_return_import(&parsed, today, &bytes)
                {
                    failed += 1;
                    result.error = Some(error.to_string());
                }
            }
        }
        if json {
            serde_json::to_writer(&mut *out, &result)?;
            writeln!(out)?;
        } else {
            match &result.error {
                Some(error) => writeln!(out, "{}：{error}", result.file)?,
                None => writeln!(
                    out,
                    "{}：{} {}，{} 行{}",
                    result.file,
                    result.department.clone().unwrap_or_default(),
                    result.period.clone().unwrap_or_default(),
                    result.rows.len(),
                    if dry_run {
                        "（试运行，未保存）"
                    } else {
                        "已导入"
                    }
                )?,
            }
            for warning in &result.warnings {
                writeln!(out, "  注意：{warning}")?;
            }
        }
    }
    Ok(failed)
}

/// `deadlines --json`.
#[derive(Debug, Serialize)]
pub struct DeadlinesJson {
    pub from: String,
    pub to: String,
    pub items: Vec<DeadlineJson>,
}

#[derive(Debug, Serialize)]
pub struct DeadlineJson {
    pub date: String,
    /// The date as written, when a holiday moved it.
    pub nominal_date: Option<String>,
    pub kind: &'static str,
    pub title: String,
    pub departments: Vec<String>,
    pub task: Option<String>,
    pub state: &'static str,
}

/// Every dated item of the current plan and the user's items, as the calendar shows them.
pub fn deadline_list(
    ledger: &Ledger,
    today: NaiveDate,
) -> anyhow::Result<Vec<crate::deadlines::Deadline>> {
    let plan = ledger.current_plan()?;
    let departments = ledger.departments()?;
    let settings = ledger.settings()?;
    let holidays = crate::holidays::HolidayCalendar::bundled()?;
    let rule =
        crate::schedule::DueRule::from_settings(plan.reporting.due_day, &settings, &holidays);
    let obligations = crate::returns::obligations(&plan, &departments);
    let returns = ledger.returns(None)?;
    let statuses =
        crate::returns::year_statuses(&plan, &departments, &obligations, &returns, today, &rule);
    let items = ledger.calendar_items()?;
    Ok(crate::deadlines::deadlines(
        &crate::deadlines::DeadlineInputs {
            plan: &plan,
            obligations: &obligations,
            returns: &returns,
            statuses: &statuses,
            items: &items,
            rule,
            today,
        },
    ))
}

/// `export-sheet --json`.
#[derive(Debug, Serialize)]
pub struct ExportSheetJson {
    pub period: String,
    pub rows: usize,
    pub xlsx: Option<String>,
    pub pdf: Option<String>,
    pub warnings: Vec<String>,
}

fn export_sheet(
    ledger: &Ledger,
    period: Period,
    xlsx: Option<&std::path::Path>,
    pdf: Option<&std::path::Path>,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let plan = ledger.current_plan()?;
    crate::service::check_period(&plan, period)?;
    let settings = ledger.settings()?;
    let returns = ledger.returns(Some(period))?;
    let edits = ledger.sheet_edits(Some(period))?;
    let sheet = crate::sheet::build_sheet(&plan, &settings, &returns, &edits, period);
    let export = crate::service::export_sheet(
        &sheet,
        &plan,
        xlsx,
        pdf,
        &crate::files::Protected::for_ledger(ledger.path()),
    )?;
    let mut warnings = export.warnings;
    warnings.extend(export.missing);
    let result = ExportSheetJson {
        period: period.to_string(),
        rows: export.rows,
        xlsx: xlsx.map(|p| p.display().to_string()),
        pdf: pdf.map(|p| p.display().to_string()),
        warnings,
    };
    if json {
        serde_json::to_writer(&mut *out, &result)?;
        writeln!(out)?;
    } else {
        writeln!(out, "{}：共 {} 行。", period.label(), result.rows)?;
        for path in result.xlsx.iter().chain(&result.pdf) {
            writeln!(out, "已写出 {path}")?;
        }
        for warning in &result.warnings {
            writeln!(out, "注意：{warning}")?;
        }
    }
    Ok(())
}

/// `import-plan --json`: the plan shape plus what the reader was unsure of.
#[derive(Debug, Serialize)]
pub struct ImportPlanJson {
    #[serde(flatten)]
    pub plan: PlanJson,
    pub warnings: Vec<String>,
    pub new_departments: Vec<String>,
    /// Whether the plan was stored (false for `--dry-run`).
    pub stored: bool,
    pub plan_id: Option<i64>,
}

fn import_plan(
    ledger: &mut Ledger,
    file: &std::path::Path,
    dry_run: bool,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let bytes = crate::files::read_file(file, crate::plan_text::MAX_INPUT_BYTES)?;
    let text = crate::plan_text::decode_file(&bytes)?;
    let departments = ledger.departments()?;
    let known = crate::plan_text::DepartmentNames::new(&departments);
    let parsed = crate::plan_text::parse_plan(&text, &known)?;
    let warnings: Vec<String> = parsed
        .warnings
        .iter()
        .map(|w| match &w.task_code {
            Some(code) => format!("{code}：{}", w.message),
            None => w.message.clone(),
        })
        .collect();
    let current = ledger.current_plan()?;
    let (plan, plan_id) = if dry_run {
        (parsed_plan_json(&parsed, &current, &departments), None)
    } else {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let source = crate::store::SourceFile { name, bytes };
        let plan_id = ledger.import_plan(&parsed, Some(&source), true)?;
        let stored = ledger.current_plan()?;
        (plan_json(&stored, &ledger.departments()?), Some(plan_id))
    };
    let result = ImportPlanJson {
        plan,
        warnings,
        new_departments: parsed.new_departments.clone(),
        stored: !dry_run,
        plan_id,
    };
    if json {
        serde_json::to_writer(&mut *out, &result)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "{}（{}年，{}）",
            result.plan.title, result.plan.year, result.plan.document_number
        )?;
        writeln!(out, "识别到 {} 项任务。", result.plan.tasks.len())?;
        for task in &result.plan.tasks {
            writeln!(
                out,
                "  {} {}  牵头：{}",
                task.code,
                task.title,
                task.leads.join("、")
            )?;
        }
        for warning in &result.warnings {
            writeln!(out, "注意：{warning}")?;
        }
        if result.stored {
            writeln!(out, "已保存为新的当前计划。")?;
        } else {
            writeln!(out, "试运行，未保存。")?;
        }
    }
    Ok(())
}

/// The JSON view of a plan read but not stored: its own header and tasks, the departments it
/// names (with the ledger's aliases where known), and the form it would carry over.
fn parsed_plan_json(
    parsed: &crate::plan_text::ParsedPlan,
    current: &Plan,
    departments: &[Department],
) -> PlanJson {
    let iso = |date: NaiveDate| date.format("%Y-%m-%d").to_string();
    let mut named: Vec<String> = Vec::new();
    for task in parsed.tasks() {
        for part in task.leads.iter().chain(&task.participants) {
            if !named.contains(&part.name) {
                named.push(part.name.clone());
            }
        }
    }
    let mut plan = plan_json(current, departments);
    plan.title = parsed.title.clone();
    plan.year = parsed.year;
    plan.document_number = parsed.document_number.clone();
    plan.issuer = parsed.issuer.clone();
    plan.issued_on = parsed.issued_on.map(iso);
    plan.targets = parsed
        .targets
        .iter()
        .map(|t| TargetJson {
            text: t.text.clone(),
            date: t.due_date.map(iso),
        })
        .collect();
    plan.departments = named
        .iter()
        .map(|name| {
            let known = departments.iter().find(|d| &d.name == name);
            DepartmentJson {
                name: name.clone(),
                aliases: known.map(|d| d.aliases.clone()).unwrap_or_default(),
                contact_person: known.map(|d| d.contact_person.clone()).unwrap_or_default(),
                phone: known.map(|d| d.phone.clone()).unwrap_or_default(),
                email: known.map(|d| d.email.clone()).unwrap_or_default(),
            }
        })
        .collect();
    plan.tasks = parsed
        .sections
        .iter()
        .flat_map(|section| {
            section.tasks.iter().map(move |task| {
                task_json(
                    &section.title,
                    TaskParts {
                        code: &task.code,
                        title: &task.title,
                        note: &task.note,
                        leads_separately: task.leads_separately,
                        leads: task
                            .leads
                            .iter()
                            .map(|p| (p.name.as_str(), p.scope.as_str()))
                            .collect(),
                        participants: task.participants.iter().map(|p| p.name.as_str()).collect(),
                        milestones: &task.milestones,
                    },
                )
            })
        })
        .collect();
    plan
}

/// `status --json`: each department's return state for one period.
#[derive(Debug, Serialize)]
pub struct StatusJson {
    pub period: String,
    pub due: String,
    pub departments: Vec<DepartmentStatusJson>,
}

#[derive(Debug, Serialize)]
pub struct DepartmentStatusJson {
    pub name: String,
    pub state: &'static str,
    pub received: Option<String>,
    pub rows_expected: usize,
    pub rows_filled: usize,
    /// Codes of the rows still unanswered.
    pub missing_rows: Vec<String>,
}

/// Builds the JSON view of a period's states.
pub fn status_json(status: &PeriodStatus) -> StatusJson {
    StatusJson {
        period: status.period.to_string(),
        due: status.due.format("%Y-%m-%d").to_string(),
        departments: status
            .departments
            .iter()
            .map(|d| DepartmentStatusJson {
                name: d.department.clone(),
                state: d.state.code(),
                received: d.received_on.map(|r| r.format("%Y-%m-%d").to_string()),
                rows_expected: d.rows_expected,
                rows_filled: d.rows_filled,
                missing_rows: d.missing_rows.iter().map(|r| r.code.clone()).collect(),
            })
            .collect(),
    }
}

fn write_status_text(status: &PeriodStatus, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{}报送情况（截止{}）",
        status.period.label(),
        format_date_cn(status.due)
    )?;
    for d in &status.departments {
        let received = d.received_on.map(format_date_cn).unwrap_or_default();
        writeln!(
            out,
            "  {}  {}  {}  已填{}/{}行",
            d.department,
            d.state.label(),
            received,
            d.rows_filled,
            d.rows_expected
        )?;
    }
    Ok(())
}

/// A task's parts, from the ledger or from a document just read.
struct TaskParts<'a> {
    code: &'a str,
    title: &'a str,
    note: &'a str,
    leads_separately: bool,
    leads: Vec<(&'a str, &'a str)>,
    participants: Vec<&'a str>,
    milestones: &'a [crate::model::Milestone],
}

fn task_json(section: &str, task: TaskParts<'_>) -> TaskJson {
    TaskJson {
        code: task.code.to_owned(),
        section: section.to_owned(),
        title: task.title.to_owned(),
        leads: task
            .leads
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect(),
        participants: task
            .participants
            .iter()
            .map(|name| (*name).to_owned())
            .collect(),
        lead_scopes: task
            .leads
            .iter()
            .filter(|(_, scope)| !scope.is_empty())
            .map(|(name, scope)| LeadScopeJson {
                name: (*name).to_owned(),
                scope: (*scope).to_owned(),
            })
            .collect(),
        leads_separately: task.leads_separately,
        note: task.note.to_owned(),
        milestones: task
            .milestones
            .iter()
            .map(|m| MilestoneJson {
                date: m.due_date.format("%Y-%m-%d").to_string(),
                text: milestone_text(&m.wording, &m.clause),
                wording: m.wording.clone(),
                clause: m.clause.clone(),
            })
            .collect(),
    }
}

/// A milestone as one phrase: `6月底前，完成水稻、土壤样品的入库工作`.
pub fn milestone_text(wording: &str, clause: &str) -> String {
    match (wording.is_empty(), clause.is_empty()) {
        (_, true) => wording.to_owned(),
        (true, false) => clause.to_owned(),
        (false, false) => format!("{wording}，{clause}"),
    }
}

fn write_plan_text(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", plan.title)?;
    writeln!(out, "{}  {}", plan.document_number, plan.issuer)?;
    for section in &plan.sections {
        writeln!(out, "（{}）{}", section.number, section.title)?;
        for task in &section.tasks {
            let names = |list: &[crate::model::TaskDepartment]| {
                list.iter()
                    .map(|d| d.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、")
            };
            writeln!(
                out,
                "  {} {}  牵头：{}  参与：{}",
                task.code,
                task.title,
                names(&task.leads),
                names(&task.participants)
            )?;
            for milestone in &task.milestones {
                writeln!(
                    out,
                    "      {}  {}",
                    crate::model::format_date_cn(milestone.due_date),
                    milestone_text(&milestone.wording, &milestone.clause)
                )?;
            }
        }
    }
    Ok(())
}

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
        assert_eq!(invocation.command, Some(Command::Plan { json: true }));
        assert_eq!(parse_args(args("")).unwrap().command, None);
    }

    #[test]
    fn refuses_unknown_commands_and_bad_values() {
        assert!(parse_args(args("frobnicate")).is_err());
        assert!(parse_args(args("plan --xml")).is_err());
        assert!(parse_args(args("--today 2019-13-01")).is_err());
        assert!(parse_args(args("--db")).is_err());
    }
}
