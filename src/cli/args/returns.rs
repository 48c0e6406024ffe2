//! The monthly commands' arguments: `export-sheet`, `deadlines`, `templates`,
//! `import-returns`, `status`.

use super::*;

pub(super) fn export_sheet(words: &mut Words) -> Result<Job, UsageError> {
    let (mut period, mut xlsx, mut pdf, mut json, mut plan) = (None, None, None, false, None);
    let (mut send_to, mut server) = (None, super::mail::ServerWords::default());
    let mut again = false;
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--json" => json = true,
                "--again" => again = true,
                "--period" => period = Some(words.period("--period")?),
                "--xlsx" => xlsx = Some(PathBuf::from(words.value("--xlsx")?)),
                "--pdf" => pdf = Some(PathBuf::from(words.value("--pdf")?)),
                "--plan" => plan = Some(words.plan_id()?),
                "--send-to" => send_to = Some(words.value("--send-to")?),
                other => {
                    if !server.take(other, words, "--smtp-host", "--smtp-port")? {
                        return Err(words.unknown(other));
                    }
                }
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    let period = period.ok_or_else(|| usage("export-sheet 需要 --period YYYY-MM"))?;
    let send_to = match send_to {
        Some(address) => {
            if xlsx.is_none() || pdf.is_none() {
                return Err(usage(
                    "export-sheet --send-to 需要同时给出 --xlsx 和 --pdf：两个文件用一封邮件报送",
                ));
            }
            Some((
                address,
                server.finish("export-sheet --send-to", "--smtp-host", "--smtp-port")?,
            ))
        }
        None => {
            server.refuse_unused("export-sheet", "--send-to")?;
            if again {
                return Err(usage("--again 只在 --send-to 时使用"));
            }
            None
        }
    };
    Ok(Job::ExportSheet {
        period,
        xlsx,
        pdf,
        json,
        plan,
        send_to,
        again,
    })
}

pub(super) fn report(words: &mut Words) -> Result<Job, UsageError> {
    let (mut period, mut docx, mut json, mut plan) = (None, None, false, None);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--json" => json = true,
                "--period" => period = Some(words.period("--period")?),
                "--docx" => docx = Some(PathBuf::from(words.value("--docx")?)),
                "--plan" => plan = Some(words.plan_id()?),
                other => return Err(words.unknown(other)),
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    let (Some(period), Some(docx)) = (period, docx) else {
        return Err(usage("report 需要 --period YYYY-MM 和 --docx FILE"));
    };
    Ok(Job::Report {
        period,
        docx,
        json,
        plan,
    })
}

pub(super) fn indicators(words: &mut Words) -> Result<Job, UsageError> {
    let (mut json, mut plan) = (false, None);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--json" => json = true,
                "--plan" => plan = Some(words.plan_id()?),
                other => return Err(words.unknown(other)),
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    Ok(Job::Indicators { plan, json })
}

pub(super) fn set_indicator(words: &mut Words) -> Result<Job, UsageError> {
    let (mut name, mut period, mut value, mut source, mut plan, mut json) =
        (None, None, None, None, None, false);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--json" => json = true,
                "--period" => period = Some(words.period("--period")?),
                "--value" => value = Some(words.value("--value")?),
                "--source" => source = Some(words.value("--source")?),
                "--plan" => plan = Some(words.plan_id()?),
                other => return Err(words.unknown(other)),
            },
            Word::Plain(word) if name.is_none() => name = Some(word),
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    let name = name.ok_or_else(|| usage("set-indicator 需要指标名称"))?;
    let (Some(period), Some(value)) = (period, value) else {
        return Err(usage("set-indicator 需要 --period YYYY-MM 和 --value 数值"));
    };
    Ok(Job::SetIndicator {
        name,
        period,
        value,
        source,
        plan,
        json,
    })
}

pub(super) fn deadlines(words: &mut Words) -> Result<Job, UsageError> {
    let (mut from, mut to, mut json, mut plan, mut ics) = (None, None, false, None, None);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--json" => json = true,
                "--ics" => ics = Some(PathBuf::from(words.value("--ics")?)),
                "--from" => from = Some(words.date("--from")?),
                "--to" => to = Some(words.date("--to")?),
                "--plan" => plan = Some(words.plan_id()?),
                other => return Err(words.unknown(other)),
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Err(usage("deadlines 需要 --from 和 --to"));
    };
    if to < from {
        return Err(usage("--to 早于 --from"));
    }
    Ok(Job::Deadlines {
        from,
        to,
        json,
        plan,
        ics,
    })
}

pub(super) fn templates(words: &mut Words) -> Result<Job, UsageError> {
    let (mut period, mut out, mut plan) = (None, None, None);
    let (mut send, mut again, mut json) = (false, Resend::Ask, false);
    let mut uncertain = false;
    let mut server = super::mail::ServerWords::default();
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--period" => period = Some(words.period("--period")?),
                "--out" => out = Some(PathBuf::from(words.value("--out")?)),
                "--plan" => plan = Some(words.plan_id()?),
                "--send" => send = true,
                "--json" => json = true,
                "--again" | "--unsent" if again != Resend::Ask => {
                    return Err(usage("--again 和 --unsent 只能选一个"));
                }
                "--again" => again = Resend::All,
                "--unsent" => again = Resend::Unsent,
                "--uncertain" => uncertain = true,
                other => {
                    if !server.take(other, words, "--smtp-host", "--smtp-port")? {
                        return Err(words.unknown(other));
                    }
                }
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    let (Some(period), Some(out)) = (period, out) else {
        return Err(usage("templates 需要 --period 和 --out"));
    };
    let send = if send {
        Some(server.finish("templates --send", "--smtp-host", "--smtp-port")?)
    } else {
        server.refuse_unused("templates", "--send")?;
        if again != Resend::Ask || uncertain {
            return Err(usage("--again、--unsent 和 --uncertain 只在 --send 时使用"));
        }
        None
    };
    if uncertain && again != Resend::Unsent {
        return Err(usage(
            "--uncertain 只与 --unsent 一起使用：另行确认重发此前结果不明的部门",
        ));
    }
    Ok(Job::Templates {
        period,
        out,
        plan,
        send,
        again: crate::service::mail::ResendRule {
            resend: again,
            uncertain,
        },
        json,
    })
}

pub(super) fn import_returns(words: &mut Words) -> Result<Job, UsageError> {
    let (mut files, mut period, mut department, mut received) = (Vec::new(), None, None, None);
    let (mut dry_run, mut json) = (false, false);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--dry-run" => dry_run = true,
                "--json" => json = true,
                "--period" => period = Some(words.period("--period")?),
                "--department" => department = Some(words.value("--department")?),
                "--received" => received = Some(words.date("--received")?),
                other => return Err(words.unknown(other)),
            },
            Word::Plain(path) => files.push(PathBuf::from(path)),
        }
    }
    if files.is_empty() {
        return Err(usage("import-returns 后面缺少文件"));
    }
    Ok(Job::ImportReturns {
        files,
        period,
        department,
        received,
        dry_run,
        json,
    })
}

pub(super) fn status(words: &mut Words) -> Result<Job, UsageError> {
    let (mut period, mut json, mut plan) = (None, false, None);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--json" => json = true,
                "--period" => period = Some(words.period("--period")?),
                "--plan" => plan = Some(words.plan_id()?),
                other => return Err(words.unknown(other)),
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    Ok(Job::Status { period, json, plan })
}

/// `--year YYYY`.
fn year_value(words: &mut Words) -> Result<i32, UsageError> {
    let text = words.value("--year")?;
    text.parse::<i32>()
        .ok()
        .filter(|y| (2000..=2100).contains(y))
        .ok_or_else(|| usage(format!("--year 的年份“{text}”无效，应为 YYYY")))
}

/// `summary --year YYYY [--plan ID] --docx FILE [--json]`.
pub(super) fn summary(words: &mut Words) -> Result<Job, UsageError> {
    let (mut year, mut plan, mut docx, mut json) = (None, None, None, false);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--json" => json = true,
                "--year" => year = Some(year_value(words)?),
                "--plan" => plan = Some(words.plan_id()?),
                "--docx" => docx = Some(PathBuf::from(words.value("--docx")?)),
                other => return Err(words.unknown(other)),
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    Ok(Job::Summary {
        year: year.ok_or_else(|| usage("summary 需要 --year YYYY".to_owned()))?,
        plan,
        docx: docx.ok_or_else(|| usage("summary 需要 --docx 文件".to_owned()))?,
        json,
    })
}

/// `binder [--plan ID] --out DIR [--add] [--json]`.
pub(super) fn binder(words: &mut Words) -> Result<Job, UsageError> {
    let (mut plan, mut out, mut add, mut json) = (None, None, false, false);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--json" => json = true,
                "--add" => add = true,
                "--plan" => plan = Some(words.plan_id()?),
                "--out" => out = Some(PathBuf::from(words.value("--out")?)),
                other => return Err(words.unknown(other)),
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    Ok(Job::Binder {
        plan,
        out: out.ok_or_else(|| usage("binder 需要 --out 文件夹".to_owned()))?,
        add,
        json,
    })
}

pub(super) fn assessment(words: &mut Words) -> Result<Job, UsageError> {
    let (mut year, mut plan, mut xlsx, mut json) = (None, None, None, false);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--json" => json = true,
                "--year" => year = Some(year_value(words)?),
                "--plan" => plan = Some(words.plan_id()?),
                "--xlsx" => xlsx = Some(PathBuf::from(words.value("--xlsx")?)),
                other => return Err(words.unknown(other)),
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    let year = year.ok_or_else(|| usage("assessment 需要 --year YYYY".to_owned()))?;
    Ok(Job::Assessment {
        year,
        plan,
        xlsx,
        json,
    })
}
