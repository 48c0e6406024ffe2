//! `plan` and `import-plan`.

use std::io::Write;
use std::path::Path;

use super::json::{ImportPlanJson, milestone_text, parsed_plan_json, plan_json};
use crate::model::Plan;
use crate::store::Ledger;

/// `plan`: the current plan.
pub(super) fn plan(ledger: &Ledger, json: bool, out: &mut dyn Write) -> anyhow::Result<()> {
    let plan = ledger.current_plan()?;
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

/// `import-plan`: reads a plan document; stores it unless `dry_run`.
pub(super) fn import_plan(
    ledger: &mut Ledger,
    file: &Path,
    dry_run: bool,
    json: bool,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let bytes = crate::files::read_file(file, crate::plan_text::MAX_INPUT_BYTES)?;
    let document = crate::service::read_plan_document(&bytes)?;
    let departments = ledger.departments()?;
    let known = crate::plan_text::DepartmentNames::new(&departments);
    let parsed = crate::crash::catching(|| {
        crate::plan_text::parse_plan_document(&document.text, &document.tables, &known)
    })
    .map_err(|_| {
        anyhow::anyhow!("识别计划时程序出错，未保存任何内容；详细原因已记入日志 taizhang.log。")
    })??;
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
