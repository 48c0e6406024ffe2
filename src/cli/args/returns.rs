//! The monthly commands' arguments: `export-sheet`, `deadlines`, `templates`,
//! `import-returns`, `status`.

use super::*;

pub(super) fn export_sheet(words: &mut Words) -> Result<Job, UsageError> {
    let (mut period, mut xlsx, mut pdf, mut json, mut plan) = (None, None, None, false, None);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--json" => json = true,
                "--period" => period = Some(words.period("--period")?),
                "--xlsx" => xlsx = Some(PathBuf::from(words.value("--xlsx")?)),
                "--pdf" => pdf = Some(PathBuf::from(words.value("--pdf")?)),
                "--plan" => plan = Some(words.plan_id()?),
                other => return Err(words.unknown(other)),
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    let period = period.ok_or_else(|| usage("export-sheet 需要 --period YYYY-MM"))?;
    Ok(Job::ExportSheet {
        period,
        xlsx,
        pdf,
        json,
        plan,
    })
}

pub(super) fn deadlines(words: &mut Words) -> Result<Job, UsageError> {
    let (mut from, mut to, mut json, mut plan) = (None, None, false, None);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--json" => json = true,
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
    })
}

pub(super) fn templates(words: &mut Words) -> Result<Job, UsageError> {
    let (mut period, mut out, mut plan) = (None, None, None);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--period" => period = Some(words.period("--period")?),
                "--out" => out = Some(PathBuf::from(words.value("--out")?)),
                "--plan" => plan = Some(words.plan_id()?),
                other => return Err(words.unknown(other)),
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    let (Some(period), Some(out)) = (period, out) else {
        return Err(usage("templates 需要 --period 和 --out"));
    };
    Ok(Job::Templates { period, out, plan })
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
