use super::app::{AppData, Command, Selection};
use super::widgets::{period_picker, state_badge};
use crate::model::format_date_cn;
use crate::returns::chase_entries;
use crate::schedule::{Period, chase_deadline};

/// The chase list (催报): every department still missing or incomplete, with a ready message.
#[derive(Default)]
pub struct ChaseView;

impl ChaseView {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &AppData,
        selection: &mut Selection,
        commands: &mut Vec<Command>,
    ) {
        ui.heading("催报");
        let periods = data.periods();
        ui.horizontal(|ui| {
            period_picker(ui, &periods, &mut selection.period);
        });
        let Some(status) = data.status(selection.period) else {
            return;
        };
        let entries = chase_entries(status, data.today);
        ui.label(format!(
            "{}进展应于{}前报送；催报消息写明的期限：{}。",
            selection.period.label(),
            format_date_cn(status.due),
            format_date_cn(chase_deadline(status.due, data.today))
        ));
        if status
            .departments
            .iter()
            .all(|d| d.state == crate::schedule::ReturnState::NotRequired)
        {
            ui.label("该月不在计划的报送期内，无需报送。");
            return;
        }
        if entries.is_empty() {
            ui.label("本月各部门均已报齐。");
            return;
        }
        ui.horizontal(|ui| {
            ui.label(format!("共 {} 个部门待催报", entries.len()));
            if ui.button("全部复制").clicked() {
                let all: Vec<&str> = entries.iter().map(|e| e.message.as_str()).collect();
                ui.ctx().copy_text(all.join("\n"));
            }
            if ui.button("打印催报单").clicked() {
                commands.push(Command::PrintChaseList(selection.period));
            }
        });
        egui::ScrollArea::vertical()
            .id_salt("chase_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for entry in &entries {
                    egui::Frame::group(ui.style()).show(ui, |ui| {
                        ui.set_width(ui.available_width());
                        ui.horizontal(|ui| {
                            ui.label(egui::RichText::new(&entry.department).strong());
                            state_badge(ui, entry.state);
                            if entry.state.is_received() {
                                ui.label("已收到，但有行未填");
                            }
                            if ui.button(format!("复制给{}", entry.department)).clicked() {
                                ui.ctx().copy_text(entry.message.clone());
                            }
                            if ui.button("去填写").clicked() {
                                commands.push(Command::OpenReturn {
                                    department_id: entry.department_id,
                                    period: selection.period,
                                });
                            }
                        });
                        ui.label(&entry.message);
                    });
                }
            });
    }
}

/// Writes the chase list of a period as an A4 page (HTML, which every PC can print) into the
/// `exports/` folder beside the ledger and opens it with the system's default program.
pub fn print_chase_list(data: &AppData, period: Period) -> Result<(), String> {
    let Some(status) = data.status(period) else {
        return Err(format!("{}不在当前计划的年度内", period.label()));
    };
    let entries = chase_entries(status, data.today);
    let html = chase_list_html(data, period, &entries);
    let dir = data
        .ledger_path
        .parent()
        .unwrap_or_else(|| std::path::Path::new("."))
        .join("exports");
    crate::files::ensure_folder(&dir).map_err(|e| e.to_string())?;
    let path = dir.join(format!("催报单-{}.html", period.label()));
    crate::files::write_file(
        &path,
        html.as_bytes(),
        &crate::files::Protected::for_ledger(&data.ledger_path),
        crate::files::Existing::Replace,
    )
    .map_err(|e| e.to_string())?;
    open_with_system(&path).map_err(|e| {
        format!(
            "已生成“{}”，但无法用系统程序打开：{}。请在文件夹中双击打开。",
            path.display(),
            crate::files::io_phrase(&e)
        )
    })
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The printable chase list.
pub fn chase_list_html(
    data: &AppData,
    period: Period,
    entries: &[crate::returns::ChaseEntry],
) -> String {
    let mut rows = String::new();
    for (index, entry) in entries.iter().enumerate() {
        let missing: Vec<String> = entry
            .missing_rows
            .iter()
            .map(|r| escape(&format!("{} {}", r.code, r.text)))
            .collect();
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td></td></tr>\n",
            index + 1,
            escape(&entry.department),
            entry.state.label(),
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
        format_date_cn(period.due_date(data.plan.reporting.due_day)),
        format_date_cn(data.today)
    )
}

/// Opens a file with the system's default program (Windows: its associated app).
pub fn open_with_system(path: &std::path::Path) -> std::io::Result<()> {
    #[cfg(windows)]
    let mut command = {
        let mut command = std::process::Command::new("cmd");
        command.args(["/C", "start", ""]).arg(path);
        command
    };
    #[cfg(not(windows))]
    let mut command = {
        let mut command = std::process::Command::new("xdg-open");
        command.arg(path);
        command
    };
    command.spawn().map(|_| ())
}
