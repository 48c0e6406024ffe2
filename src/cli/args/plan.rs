//! The plan commands' arguments: `plan`, `import-plan`, `carry-forward`, `close-plan`, the
//! department commands.

use super::*;

pub(super) fn plan(words: &mut Words) -> Result<Job, UsageError> {
    Ok(Job::Plan {
        json: only_json(words)?,
    })
}

/// A command whose only option is `--json`.
pub(super) fn only_json(words: &mut Words) -> Result<bool, UsageError> {
    let mut json = false;
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) if flag == "--json" => json = true,
            Word::Flag(other) | Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    Ok(json)
}

pub(super) fn import_plan(words: &mut Words) -> Result<Job, UsageError> {
    let (mut file, mut dry_run, mut json) = (None, false, false);
    let (mut replace, mut new_plan) = (None, false);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--dry-run" => dry_run = true,
                "--json" => json = true,
                "--replace" => replace = Some(words.plan_id_after("--replace")?),
                "--new" => new_plan = true,
                other => return Err(words.unknown(other)),
            },
            Word::Plain(_) if file.is_some() => {
                return Err(usage("import-plan 一次只读一个文件"));
            }
            Word::Plain(path) => file = Some(PathBuf::from(path)),
        }
    }
    let file = file.ok_or_else(|| usage("import-plan 后面缺少文件"))?;
    if replace.is_some() && new_plan {
        return Err(usage("--replace 与 --new 不能同时使用"));
    }
    Ok(Job::ImportPlan {
        file,
        dry_run,
        json,
        replace,
        new_plan,
    })
}

pub(super) fn carry_forward(words: &mut Words) -> Result<Job, UsageError> {
    let (mut from, mut all_tasks, mut shift_dates, mut json) = (None, false, false, false);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--from" => from = Some(words.plan_id_after("--from")?),
                "--all-tasks" => all_tasks = true,
                "--shift-dates" => shift_dates = true,
                "--json" => json = true,
                other => return Err(words.unknown(other)),
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    Ok(Job::CarryForward {
        from,
        all_tasks,
        shift_dates,
        json,
    })
}

pub(super) fn close_plan(words: &mut Words, reopen: bool) -> Result<Job, UsageError> {
    let (mut plan, mut json) = (None, false);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) if flag == "--json" => json = true,
            Word::Flag(flag) if flag == "--plan" => plan = Some(words.plan_id()?),
            Word::Flag(other) | Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    let plan = plan.ok_or_else(|| usage(format!("{} 需要 --plan ID", words.command)))?;
    Ok(Job::ClosePlan { plan, reopen, json })
}

/// Two department names after the command.
pub(super) fn two_names(words: &mut Words) -> Result<(String, String), UsageError> {
    let mut names = Vec::new();
    while let Some(word) = words.next() {
        match word {
            Word::Plain(name) => names.push(name),
            Word::Flag(other) => return Err(words.unknown(&other)),
        }
    }
    match <[String; 2]>::try_from(names) {
        Ok([first, second]) => Ok((first, second)),
        Err(_) => Err(usage(format!("{} 需要两个部门名称", words.command))),
    }
}
