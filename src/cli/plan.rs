//! `plan` and `import-plan`.

use std::io::Write;
use std::path::Path;

use super::json::{ImportPlanJson, milestone_text, parsed_plan_json, plan_json};
use crate::model::Plan;
use crate::store::Ledger;

/// `plan`: the current plan.
pub(super) fn plan(ledger: &Ledger, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let plan = ledger.focused_plan()?;
    let departments = ledger.departments()?;
    if json {
        serde_json::to_writer(&mut *out, &plan_json(&plan, &departments))?;
        writeln!(out)?;
    } else {
        write_plan_text(&plan, out)?;
    }
    Ok(())
}

/// `plans`: every plan of the ledger with its years and state.
pub(super) fn plans(
    ledger: &Ledger,
    json: bool,
    today: chrono::NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let holidays = crate::holidays::HolidayCalendar::bundled()?;
    let day = crate::service::LedgerDay::load(ledger, today, &holidays)?;
    let in_play: Vec<i64> = day.in_play().iter().map(|d| d.plan.id).collect();
    let mut entries = Vec::new();
    for summary in ledger.plans()? {
        let loaded = crate::service::DayState::load_plan(ledger, summary.id, today, &holidays)?;
        let plan = &loaded.plan;
        entries.push(super::json::PlanEntryJson {
            id: plan.id,
            title: plan.title.clone(),
            year: plan.year,
            current: plan.is_current,
            periods: crate::schedule::plan_periods(plan)
                .iter()
                .map(|p| p.to_string())
                .collect(),
            kind: plan.kind.as_str(),
            state: if plan.active { "active" } else { "closed" },
            in_play: in_play.contains(&plan.id),
            ended: loaded.has_ended(),
            label: plan.label(),
            carried_from: plan.carried_from,
            tasks: plan.open_tasks().count(),
        });
    }
    if json {
        serde_json::to_writer(&mut *out, &super::json::PlansJson { plans: entries })?;
        writeln!(out)?;
    } else {
        for entry in &entries {
            writeln!(
                out,
                "{:>3}  {}{}{}  {}项任务  {}",
                entry.id,
                entry.label,
                if entry.current { "  【当前】" } else { "" },
                if entry.state == "closed" {
                    "  已结束"
                } else if entry.ended {
                    "  年度已过"
                } else {
                    ""
                },
                entry.tasks,
                match (entry.periods.first(), entry.periods.last()) {
                    (Some(first), Some(last)) => format!("报送 {first} 至 {last}"),
                    _ => String::new(),
                }
            )?;
        }
    }
    Ok(())
}

/// What `import-plan` was asked.
pub(super) struct PlanRequest<'a> {
    pub file: &'a Path,
    pub dry_run: bool,
    pub json: bool,
    pub replace: Option<i64>,
    pub new_plan: bool,
}

/// The carried or blank plan a read plan takes the place of: the one named, else the active
/// one of the read plan's year (the current one first), unless a new plan was asked for.
fn plan_to_replace(
    ledger: &Ledger,
    request: &PlanRequest<'_>,
    year: i32,
) -> anyhow::Result<Option<Plan>> {
    use crate::model::PlanKind;
    if request.new_plan {
        return Ok(None);
    }
    if let Some(id) = request.replace {
        let plan = ledger
            .plan(id)
            .map_err(|_| anyhow::anyhow!("台账中没有编号为 {id} 的计划"))?;
        if !matches!(plan.kind, PlanKind::Carried | PlanKind::Blank) {
            anyhow::bail!(
                "计划 {id}（{}）不是“沿用上年”或空白计划，不能被替换",
                plan.label()
            );
        }
        return Ok(Some(plan));
    }
    let mut candidates = Vec::new();
    for summary in ledger.plans()? {
        if summary.active
            && summary.year == year
            && matches!(summary.kind, PlanKind::Carried | PlanKind::Blank)
        {
            candidates.push(summary);
        }
    }
    candidates.sort_by_key(|p| !p.is_current);
    match candidates.first() {
        Some(found) => Ok(Some(ledger.plan(found.id)?)),
        None => Ok(None),
    }
}

/// `import-plan`: reads a plan document; stores it unless `dry_run`, in the place of a
/// carried or blank plan of its year when there is one.
pub(super) fn import_plan(
    ledger: &mut Ledger,
    request: &PlanRequest<'_>,
    today: chrono::NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let file = request.file;
    let (bytes, document) = crate::service::read_plan_file(file)?;
    let departments = ledger.departments()?;
    let parsed = crate::service::recognise_plan(&document.text, &document.tables, &departments)?;
    let warnings: Vec<String> = parsed
        .warnings
        .iter()
        .map(|w| match &w.task_code {
            Some(code) => format!("{code}：{}", w.message),
            None => w.message.clone(),
        })
        .collect();
    let target = plan_to_replace(ledger, request, parsed.year)?;
    let matches = target
        .as_ref()
        .map(|plan| crate::service::match_tasks(plan, &parsed))
        .unwrap_or_default();
    let closing: Vec<String> = target
        .iter()
        .flat_map(|plan| {
            let open: Vec<i64> = plan.open_tasks().map(|t| t.id).collect();
            let matched: Vec<Option<i64>> = matches
                .iter()
                .map(|m| m.as_ref().map(|m| m.task_id))
                .collect();
            crate::service::closing_tasks(&open, &matched)
                .into_iter()
                .filter_map(|id| plan.tasks().find(|t| t.id == id).map(|t| t.code.clone()))
                .collect::<Vec<_>>()
        })
        .collect();
    let match_json: Vec<super::json::TaskMatchJson> = parsed
        .tasks()
        .zip(matches.iter().chain(std::iter::repeat(&None)))
        .filter(|_| target.is_some())
        .map(|(task, found)| super::json::TaskMatchJson {
            code: task.code.clone(),
            title: task.title.clone(),
            carried_code: found.as_ref().map(|m| m.code.clone()),
            carried_title: found.as_ref().map(|m| m.title.clone()),
            score: found.as_ref().map(|m| (m.score * 100.0).round() / 100.0),
        })
        .collect();
    let current = ledger.focused_plan()?;
    let (plan, plan_id) = if request.dry_run {
        (parsed_plan_json(&parsed, &current, &departments), None)
    } else {
        let name = file
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let source = crate::store::SourceFile { name, bytes };
        let plan_id = match &target {
            Some(plan) => {
                let ids: Vec<Option<i64>> = matches
                    .iter()
                    .map(|m| m.as_ref().map(|m| m.task_id))
                    .collect();
                ledger.replace_plan(plan.id, &parsed, &ids, Some(&source), today)?;
                plan.id
            }
            None => ledger.import_plan(&parsed, Some(&source), true)?,
        };
        let stored = ledger.plan(plan_id)?;
        (plan_json(&stored, &ledger.departments()?), Some(plan_id))
    };
    let result = ImportPlanJson {
        plan,
        warnings,
        new_departments: parsed.new_departments.clone(),
        stored: !request.dry_run,
        plan_id,
        replaces: target.as_ref().map(|p| p.id),
        matches: match_json,
        closing,
    };
    let json = request.json;
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
        if let Some(id) = result.replaces {
            for found in &result.matches {
                match &found.carried_code {
                    Some(code) => writeln!(out, "  {} ← 沿用任务 {code}", found.code)?,
                    None => writeln!(out, "  {} 为新任务", found.code)?,
                }
            }
            if !result.closing.is_empty() {
                writeln!(
                    out,
                    "本年计划未列出、将关闭的沿用任务：{}",
                    result.closing.join("、")
                )?;
            }
            writeln!(
                out,
                "替换计划 {id}（沿用上年或空白计划），已收集的报送保留在对应任务上。"
            )?;
        }
        if result.stored {
            writeln!(out, "已保存为当前计划。")?;
        } else {
            writeln!(out, "试运行，未保存。")?;
        }
    }
    Ok(())
}

fn write_plan_text(plan: &Plan, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", plan.title)?;
    writeln!(out, "{}  {}", plan.document_number, plan.issuer)?;
    for section in &plan.sections {
        writeln!(
            out,
            "{}",
            crate::model::section_heading(&section.number, &section.title)
        )?;
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

/// `carry-forward`: next year's working plan from an ended one.
pub(super) fn carry_forward(
    ledger: &mut Ledger,
    request: (Option<i64>, bool, bool),
    json: bool,
    today: chrono::NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let (from, all_tasks, shift_dates) = request;
    let from = match from {
        Some(id) => ledger
            .plan(id)
            .map_err(|_| anyhow::anyhow!("台账中没有编号为 {id} 的计划"))?,
        None => ledger.focused_plan()?,
    };
    let tasks: Vec<i64> = if all_tasks {
        from.open_tasks().map(|t| t.id).collect()
    } else {
        crate::service::default_carry(&from)
    };
    // From a plan that has ended or is ending, into the year after it only (the service's
    // rule, the window's too).
    let new_id = crate::service::carry_forward(
        ledger,
        &crate::store::CarryForward {
            from: from.id,
            tasks,
            shift_dates,
        },
        today,
    )?;
    let plan = ledger.plan(new_id)?;
    if json {
        serde_json::to_writer(
            &mut *out,
            &serde_json::json!({
                "plan_id": new_id,
                "from": from.id,
                "title": plan.title,
                "year": plan.year,
                "kind": plan.kind.as_str(),
                "tasks": plan.tasks().map(|t| t.code.clone()).collect::<Vec<_>>(),
                "form_rows": plan.form.rows().count(),
            }),
        )?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "已从“{}”沿用出“{}”（{} 项任务），为当前计划。",
            from.label(),
            plan.label(),
            plan.tasks().count()
        )?;
    }
    Ok(())
}

/// `close-plan` / `reopen-plan`.
pub(super) fn close_plan(
    ledger: &mut Ledger,
    plan_id: i64,
    reopen: bool,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    crate::service::plan_for_period(ledger, Some(plan_id), None)?;
    ledger.set_plan_active(plan_id, reopen)?;
    if json {
        serde_json::to_writer(
            &mut *out,
            &serde_json::json!({"plan_id": plan_id, "state": if reopen { "active" } else { "closed" }}),
        )?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "计划 {plan_id} 已{}。",
            if reopen { "重新启用" } else { "结束" }
        )?;
    }
    Ok(())
}

/// A department by name or alias.
fn department_named(ledger: &Ledger, name: &str) -> anyhow::Result<crate::model::Department> {
    ledger
        .departments()?
        .into_iter()
        .find(|d| d.name == name || d.aliases.iter().any(|a| a == name))
        .ok_or_else(|| anyhow::anyhow!("台账中没有名为“{name}”的部门"))
}

/// `rename-department`: the old name stays as an alias.
pub(super) fn rename_department(
    ledger: &mut Ledger,
    name: &str,
    new_name: &str,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let department = department_named(ledger, name)?;
    let new_name = crate::files::clean_name(new_name);
    if department.name == new_name {
        writeln!(out, "“{}”的名称未变，未作改动。", department.name)?;
        return Ok(());
    }
    let mut edit = crate::store::DepartmentEdit::from_department(&department);
    edit.name = new_name;
    ledger.update_department(&edit)?;
    writeln!(
        out,
        "“{}”已更名为“{}”，原名称保留为别名。",
        department.name, edit.name
    )?;
    Ok(())
}

/// `merge-departments`.
pub(super) fn merge_departments(
    ledger: &mut Ledger,
    from: &str,
    into: &str,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let from_name = from;
    let from = department_named(ledger, from)?;
    let into = department_named(ledger, into)?;
    if from.id == into.id && from.name != from_name {
        anyhow::bail!(
            "“{from_name}”已是“{}”的别名（已经合并），无需再合并。",
            into.name
        );
    }
    ledger.merge_departments(from.id, into.id)?;
    writeln!(
        out,
        "“{}”已并入“{}”，其报送记录随之归入。",
        from.name, into.name
    )?;
    Ok(())
}
