//! The chase list of a month as a printable page.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::ActionError;
use crate::files::{Existing, Protected};
use crate::model::format_date_cn;
use crate::returns::{ChaseContext, ChaseEntry, PeriodStatus, chase_entries};
use crate::schedule::Period;

/// Writes the chase list of a period as an A4 page (HTML, which every PC can print) into the
/// `exports/` folder beside the ledger; returns its path.
pub fn write_chase_list(
    ledger_path: &Path,
    status: &PeriodStatus,
    due: NaiveDate,
    today: NaiveDate,
    context: &ChaseContext,
) -> Result<PathBuf, ActionError> {
    let entries = chase_entries(status, today, context);
    let html = chase_list_html(status.period, due, today, &entries);
    let dir = super::system::exports_dir(ledger_path);
    crate::files::ensure_folder(&dir)?;
    let path = dir.join(format!("催报单-{}.html", status.period.label()));
    Ok(crate::files::write_file(
        &path,
        html.as_bytes(),
        &Protected::for_ledger(ledger_path),
        Existing::Replace,
    )?)
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The printable chase list.
pub fn chase_list_html(
    period: Period,
    due: NaiveDate,
    today: NaiveDate,
    entries: &[ChaseEntry],
) -> String {
    let mut rows = String::new();
    for (index, entry) in entries.iter().enumerate() {
        let missing: Vec<String> = entry
            .missing_rows
            .iter()
            .map(|r| escape(&format!("★{}", r.label())))
            .collect();
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td></td></tr>\n",
            index + 1,
            escape(&entry.department),
            if entry.state.is_received() {
                "已收到，有行未填"
            } else {
                entry.state.label()
            },
            missing.join("<br>")
        ));
    }
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>催报单</title>\
<style>@page {{ size: A4; margin: 18mm; }} body {{ font-family: \"SimSun\", \"Songti SC\", serif; }}\
table {{ border-collapse: collapse; width: 100%; }} td, th {{ border: 1px solid #000; padding: 4px 6px; vertical-align: top; }}\
</style></head><body><h2 style=\"text-align:center\">{}《重点工作进展》催报单</h2>\
<p>报送截止：{}　打印日期：{}</p><table><tr><th>序号</th><th>部门</th><th>状态</th><th>尚缺</th><th>催报记录</th></tr>\n{rows}</table></body></html>\n",
        period.label(),
        format_date_cn(due),
        format_date_cn(today)
    )
}
