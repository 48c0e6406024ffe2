//! `templates`, `import-returns` and `status`.

use std::io::Write;
use std::path::PathBuf;

use chrono::NaiveDate;

use super::json::{ImportReturnJson, status_json};
use crate::returns::PeriodStatus;
use crate::returns::spreadsheet::ImportChoice;
use crate::schedule::Period;
use crate::service::DayState;
use crate::store::Ledger;

/// What `import-returns` was asked.
pub(super) struct ImportRequest<'a> {
    pub files: &'a [PathBuf],
    pub period: Option<Period>,
    pub department: Option<&'a str>,
    /// The day the returns arrived.
    pub received: NaiveDate,
    pub dry_run: bool,
    pub json: bool,
}

/// `import-returns`: one line per file, every file its line; fails when any file failed.
pub(super) fn import_returns(
    ledger: &mut Ledger,
    request: &ImportRequest<'_>,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let departments = ledger.departments()?;
    let department_id = match request.department {
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
    let choice = ImportChoice {
        department_id,
        period: request.period,
    };
    let commit = (!request.dry_run).then_some(request.received);
    let outcomes = if request.period.is_some() {
        crate::service::import_files(ledger, request.files, choice, commit, &mut |_| {})?
    } else {
        // Each file under the plan of the month it says it is for: a December return that
        // arrives in February belongs to last year's plan.
        let mut outcomes = Vec::new();
        for file in request.files {
            let files = std::slice::from_ref(file);
            let read = crate::service::import_files(ledger, files, choice, None, &mut |_| {})?;
            let period = read
                .first()
                .and_then(|o| o.result.as_ref().ok())
                .map(|imported| imported.parsed.period);
            // The one rule for the window and the commands.
            let owner = crate::service::mail::plan_of_month(ledger, period)?;
            let moved = owner != ledger.focused_plan_id()?;
            if moved {
                ledger.focus_plan(Some(owner))?;
            }
            if commit.is_some() || moved {
                outcomes.extend(crate::service::import_files(
                    ledger,
                    files,
                    choice,
                    commit,
                    &mut |_| {},
                )?);
            } else {
                outcomes.extend(read);
            }
        }
        outcomes
    };
    let log = crate::logfile::LogFile::beside(ledger.path());
    let mut failed = 0;
    for outcome in outcomes {
        let mut result = ImportReturnJson::new(outcome.file.display().to_string());
        match outcome.result {
            Err((message, detail)) => {
                failed += 1;
                result.error = Some(message);
                // What the OS or the reader said goes to the log only.
                log.error(&format!("{}：{detail}", outcome.file.display()));
            }
            Ok(imported) => {
                let parsed = imported.parsed;
                result.fill(&parsed, true);
                if let Some((earlier, when)) = imported.duplicate {
                    result
                        .warnings
                        .push(format!("同一文件已于{when}导入过（{earlier}）"));
                }
            }
        }
        if request.json {
            serde_json::to_writer(&mut *out, &result)?;
            writeln!(out)?;
        } else {
            write_import_text(&result, request.dry_run, out)?;
        }
    }
    if failed > 0 {
        return Err(anyhow::anyhow!("{failed} 个文件未能导入"));
    }
    Ok(())
}

fn write_import_text(
    result: &ImportReturnJson,
    dry_run: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
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
            } else if result
                .warnings
                .iter()
                .any(|w| w == crate::returns::spreadsheet::BLANK_RETURN)
            {
                "（未填写，未记录）"
            } else {
                "已导入"
            }
        )?,
    }
    for warning in &result.warnings {
        writeln!(out, "  注意：{warning}")?;
    }
    Ok(())
}

/// `status`: each department's return state for a month (default: the month before today).
pub(super) fn status(
    ledger: &Ledger,
    period: Option<Period>,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let period = period.unwrap_or_else(|| Period::of(today).previous());
    let holidays = crate::holidays::HolidayCalendar::bundled()?;
    let day = DayState::load(ledger, today, &holidays)?;
    let status = day.period_status(period);
    if json {
        serde_json::to_writer(&mut *out, &status_json(&status, &day.send_backs))?;
        writeln!(out)?;
    } else {
        write_status_text(&status, out)?;
    }
    Ok(())
}

fn write_status_text(status: &PeriodStatus, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "{}报送情况（截止{}）",
        status.period.label(),
        crate::model::format_date_cn(status.due)
    )?;
    for d in &status.departments {
        let received = d
            .received_on
            .map(crate::model::format_date_cn)
            .unwrap_or_default();
        writeln!(
            out,
            "  {}  {}  {}  已填{}/{}行",
            d.department,
            d.label(),
            received,
            d.rows_filled,
            d.rows_expected
        )?;
    }
    Ok(())
}

/// The departments' 考核 of a year's plan: a table, or one JSON object; with `xlsx`, also
/// written there (refused, with nothing written, over the ledger, its backups or a device).
pub(super) fn assessment(
    ledger: &Ledger,
    year: i32,
    plan: Option<i64>,
    xlsx: Option<&std::path::Path>,
    json: bool,
    today: NaiveDate,
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let plan_id = crate::service::plan_of_year(ledger, year, plan)?;
    let assessment = crate::service::assessment_of_plan(ledger, plan_id, today)?;
    let written = match xlsx {
        Some(path) => Some(crate::service::write_assessment(
            &assessment,
            path,
            &crate::files::Protected::for_ledger(ledger.path()),
            crate::files::Existing::Replace,
        )?),
        None => None,
    };
    if json {
        let mut value = super::json::assessment_json(&assessment);
        value.xlsx = written.map(|p| p.display().to_string());
        serde_json::to_writer(&mut *out, &value)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}年度各部门报送情况考核（{}，统计至{}）",
        assessment.year,
        assessment.plan_label,
        crate::model::format_date_cn(assessment.as_of)
    )?;
    writeln!(out, "{}", crate::assessment::COLUMNS.join("\t"))?;
    for row in &assessment.departments {
        writeln!(out, "{}", crate::assessment::cells(row).join("\t"))?;
    }
    if assessment.departments.is_empty() {
        writeln!(out, "该计划没有应报送的部门，也没有牵头节点的部门。")?;
    }
    if let Some(path) = written {
        writeln!(out, "已写出 {}", path.display())?;
    }
    Ok(())
}
