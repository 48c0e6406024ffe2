//! 导入报送表: returned spreadsheets previewed row by row before anything is written.

use super::command::Command;
use super::context::ReturnsContext;
use super::state::Selection;
use super::widgets::{period_picker, section_title};
use crate::returns::spreadsheet::{ImportChoice, ImportContext, MatchKind, ParsedReturn};
use crate::schedule::Period;

/// Importing returned spreadsheets (导入报送表): files from a dialog or dropped on the window,
/// each previewed row by row against the ledger before anything is written.
#[derive(Default)]
pub struct ReturnImportView {
    files: Vec<ImportFile>,
    /// A path typed when the file dialog cannot open.
    typed_path: String,
    next_id: u64,
}

/// A file waiting in the preview.
pub struct ImportFile {
    pub id: u64,
    pub name: String,
    pub bytes: Vec<u8>,
    choice: ImportChoice,
    parsed: Option<Result<ParsedReturn, String>>,
    /// Read under another plan in play, the one its month belongs to: (id, label).
    plan: Option<(i64, String)>,
    /// The same file was imported before: (name, when).
    duplicate: Option<(String, String)>,
    /// Set once committed.
    done: Option<String>,
    /// The day the return arrived, as typed (`YYYY-MM-DD`); today until changed.
    received: String,
    /// The user confirmed that a file with no filled row is to be recorded as received.
    confirm_blank: bool,
}

impl ImportFile {
    /// The typed received date, when it is a date.
    fn received_on(&self) -> Option<chrono::NaiveDate> {
        crate::model::parse_date(self.received.trim())
    }

    /// Read, not yet committed, with a valid date, and not an unconfirmed blank.
    fn ready(&self) -> bool {
        self.done.is_none()
            && self.received_on().is_some()
            && matches!(&self.parsed, Some(Ok(parsed)) if !parsed.is_blank() || self.confirm_blank)
    }
}

impl ReturnImportView {
    /// Queues a file for preview; `duplicate` says when the same contents were imported.
    pub fn add_file(&mut self, name: String, bytes: Vec<u8>, duplicate: Option<(String, String)>) {
        self.next_id += 1;
        self.files.push(ImportFile {
            id: self.next_id,
            name,
            bytes,
            choice: ImportChoice::default(),
            parsed: None,
            plan: None,
            duplicate,
            done: None,
            received: String::new(),
            confirm_blank: false,
        });
    }

    /// Marks a file committed.
    pub fn mark_done(&mut self, id: u64, message: String) {
        if let Some(file) = self.files.iter_mut().find(|f| f.id == id) {
            file.done = Some(message);
        }
    }

    /// The file with this id, its reviewed parse and its received date, for committing; `None`
    /// unless it is ready (read, dated, and not an unconfirmed blank).
    /// A file ready to commit: what was read, its bytes, the received day and the plan it
    /// was read under when that is not the one in focus.
    pub fn reviewed(
        &self,
        id: u64,
    ) -> Option<(&ParsedReturn, &[u8], chrono::NaiveDate, Option<i64>)> {
        let file = self.files.iter().find(|f| f.id == id)?;
        if !file.ready() {
            return None;
        }
        match (&file.parsed, file.received_on()) {
            (Some(Ok(parsed)), Some(received)) => Some((
                parsed,
                &file.bytes,
                received,
                file.plan.as_ref().map(|(id, _)| *id),
            )),
            _ => None,
        }
    }

    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        data: &ReturnsContext<'_>,
        selection: &mut Selection,
        commands: &mut Vec<Command>,
    ) {
        ui.heading("导入报送表");
        ui.label("选择部门报回的表格（.xlsx、.xls、.ods，可多选），或直接把文件从资源管理器拖到本窗口。导入前逐行核对，确认后才写入台账。");
        let periods = data.periods();
        ui.horizontal_wrapped(|ui| {
            if ui.button("选择文件…").clicked() {
                match super::widgets::pick(|| {
                    rfd::FileDialog::new()
                        .add_filter(
                            "报送表（电子表格、Word、WPS）",
                            &[
                                "xlsx", "xls", "ods", "et", "docx", "doc", "wps", "XLSX", "XLS",
                                "ODS", "ET", "DOCX", "DOC", "WPS",
                            ],
                        )
                        .add_filter("所有文件", &["*"])
                        .pick_files()
                }) {
                    super::widgets::Picked::Chosen(paths) => {
                        commands.push(Command::AddImportFiles(paths));
                    }
                    super::widgets::Picked::Failed => commands.push(Command::Notify(
                        super::widgets::dialog_failed("打开"),
                    )),
                    super::widgets::Picked::Cancelled => {}
                }
            }
            if let Some(path) = super::widgets::typed_path_ui(ui, &mut self.typed_path, "打开")
            {
                commands.push(Command::AddImportFiles(vec![path]));
                self.typed_path.clear();
            }
            ui.separator();
            period_picker(ui, &periods, &mut selection.period);
            if ui.button("生成该月报送模板…").clicked() {
                match super::widgets::pick(|| rfd::FileDialog::new().pick_folder()) {
                    super::widgets::Picked::Chosen(folder) => {
                        commands.push(Command::WriteTemplates {
                            period: selection.period,
                            folder,
                        });
                    }
                    super::widgets::Picked::Failed => commands.push(Command::Notify(
                        "无法打开文件夹选择窗口。模板可以用命令生成：taizhang templates --period YYYY-MM --out 文件夹".to_owned(),
                    )),
                    super::widgets::Picked::Cancelled => {}
                }
            }
            let ready: Vec<u64> = self
                .files
                .iter()
                .filter(|f| f.ready())
                .map(|f| f.id)
                .collect();
            if ui
                .add_enabled(
                    !ready.is_empty(),
                    egui::Button::new(format!("全部导入（{}）", ready.len())),
                )
                .clicked()
            {
                for id in ready {
                    commands.push(Command::CommitImport(id));
                }
            }
            if ui
                .add_enabled(!self.files.is_empty(), egui::Button::new("清空列表"))
                .clicked()
            {
                self.files.clear();
            }
        });
        let context = ImportContext {
            plan: data.plan,
            departments: data.departments,
            obligations: data.obligations,
        };
        let others: Vec<(ImportContext<'_>, &[crate::returns::ReturnRecord])> = data
            .others
            .iter()
            .map(|day| {
                (
                    ImportContext {
                        plan: &day.plan,
                        departments: &day.departments,
                        obligations: &day.obligations,
                    },
                    day.returns.as_slice(),
                )
            })
            .collect();
        let choices: Vec<(i64, String)> = data
            .obligations
            .iter()
            .map(|o| (o.department_id, o.department.clone()))
            .collect();
        let mut remove = None;
        egui::ScrollArea::vertical()
            .id_salt("import_returns_scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if self.files.is_empty() {
                    ui.add_space(20.0);
                    ui.weak("还没有文件。");
                }
                for file in &mut self.files {
                    if file.received.is_empty() {
                        file.received = data.today.format("%Y-%m-%d").to_string();
                    }
                    if file.parsed.is_none() {
                        // Under the plan of the file's month, as import-returns reads it.
                        let read = crate::service::prepare_return_for_month(
                            (&context, data.returns),
                            &others,
                            &file.name,
                            &file.bytes,
                            file.choice,
                        );
                        file.plan = read.as_ref().ok().and_then(|(plan, _)| {
                            let plan = (*plan)?;
                            let label = data.others.iter().find(|d| d.plan.id == plan)?;
                            Some((plan, label.plan.label()))
                        });
                        file.parsed =
                            Some(read.map(|(_, parsed)| parsed).map_err(|e| e.to_string()));
                    }
                    // Each card's pickers need ids of their own.
                    let changed = ui
                        .push_id(file.id, |ui| {
                            file_ui(ui, file, data, &periods, &choices, commands, &mut remove)
                        })
                        .inner;
                    if changed {
                        file.parsed = None;
                    }
                }
            });
        if let Some(id) = remove {
            self.files.retain(|f| f.id != id);
        }
    }
}

/// One file's card. Returns whether the user changed the department or month (re-read).
#[expect(
    clippy::too_many_lines,
    reason = "one file's preview: department, month, each row's match and the commit"
)]
fn file_ui(
    ui: &mut egui::Ui,
    file: &mut ImportFile,
    data: &ReturnsContext<'_>,
    periods: &[Period],
    choices: &[(i64, String)],
    commands: &mut Vec<Command>,
    remove: &mut Option<u64>,
) -> bool {
    let mut changed = false;
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new(&file.name).strong());
            if let Some(done) = &file.done {
                ui.label(egui::RichText::new(done).color(super::widgets::state_color(
                    crate::schedule::ReturnState::OnTime,
                )));
            }
            if ui.small_button("移出列表").clicked() {
                *remove = Some(file.id);
            }
        });
        if let Some((name, when)) = &file.duplicate {
            ui.label(
                egui::RichText::new(format!("同一文件已于{when}导入过（{name}）。"))
                    .color(ui.visuals().warn_fg_color),
            );
        }
        let parsed = match file.parsed.as_mut() {
            Some(Ok(parsed)) => parsed,
            Some(Err(message)) => {
                ui.label(egui::RichText::new(message.as_str()).color(ui.visuals().error_fg_color));
                changed |= choice_ui(ui, &mut file.choice, None, periods, choices);
                return;
            }
            None => return,
        };
        changed |= choice_ui(ui, &mut file.choice, Some(parsed), periods, choices);
        if let Some((_, label)) = &file.plan {
            ui.label(
                egui::RichText::new(format!(
                    "{}属于“{label}”，按该计划的报送表记录。",
                    parsed.period.label()
                ))
                .color(ui.visuals().warn_fg_color),
            );
        }
        let other_plan = file.plan.is_some();
        ui.horizontal(|ui| {
            let label = ui.label("收到日期");
            ui.add(egui::TextEdit::singleline(&mut file.received).desired_width(100.0))
                .labelled_by(label.id);
            if crate::model::parse_date(file.received.trim()).is_none() {
                ui.label(
                    egui::RichText::new("日期应为 YYYY-MM-DD，例如 2019-08-02")
                        .color(ui.visuals().error_fg_color),
                );
            } else {
                ui.weak("（邮件或来文的日期；决定按时还是逾期）");
            }
        });
        if parsed.is_blank() {
            ui.label(
                egui::RichText::new(
                    "这个文件没有填写任何一行（可能是未填写的模板），不算作报送，导入时不会记录。",
                )
                .color(ui.visuals().warn_fg_color),
            );
            ui.checkbox(&mut file.confirm_blank, "确实收到，仍记为已收到");
        }
        for warning in &parsed.warnings {
            ui.label(egui::RichText::new(warning).color(ui.visuals().warn_fg_color));
        }
        let record = data.record(parsed.department.0, parsed.period);
        // The two text columns share what is left beside the tick and the row picker, and
        // wrap there: a long return never pushes the table past the window's edge.
        let text_width = ((ui.available_width() - 300.0 - 140.0) / 2.0).max(140.0);
        let text_cell = |ui: &mut egui::Ui, text: egui::RichText| {
            ui.scope(|ui| {
                ui.set_max_width(text_width);
                ui.add(egui::Label::new(text).wrap());
            });
        };
        egui::Grid::new(("import_rows", file.id))
            .num_columns(4)
            .striped(true)
            .spacing([10.0, 4.0])
            .show(ui, |ui| {
                ui.label("导入");
                ui.label("行");
                ui.label("台账中现有");
                ui.label("表格中的新内容");
                ui.end_row();
                let mut repointed = None;
                for row in &mut parsed.rows {
                    let check = ui.checkbox(&mut row.accepted, row.code.clone());
                    let how = match row.matched_by {
                        MatchKind::Id | MatchKind::Text => String::new(),
                        MatchKind::Similar(score) => {
                            format!("（相近 {:.0}%，请确认）", score * 100.0)
                        }
                        MatchKind::Conflict => "（隐藏编号与文字不符，请确认）".to_owned(),
                    };
                    // The user can point a row at another of the department's rows.
                    let mut target = row.key;
                    if other_plan {
                        // The rows of another plan: matched as read, not re-pointed here.
                        ui.label(format!("{}{how}", row.text)).labelled_by(check.id);
                    } else {
                        egui::ComboBox::from_id_salt(("match", row.file_row))
                            .selected_text(format!("{}{how}", row.text))
                            .width(300.0)
                            .show_ui(ui, |ui| {
                                if let Some(obligation) = data.obligation(parsed.department.0) {
                                    for expected in &obligation.rows {
                                        ui.selectable_value(
                                            &mut target,
                                            expected.key,
                                            format!("{} {}", expected.code, expected.text),
                                        );
                                    }
                                }
                            })
                            .response
                            .labelled_by(check.id);
                    }
                    if target != row.key
                        && let Some(expected) = data
                            .obligation(parsed.department.0)
                            .and_then(|o| o.rows.iter().find(|r| r.key == target))
                    {
                        row.key = expected.key;
                        row.code.clone_from(&expected.code);
                        row.text.clone_from(&expected.text);
                        row.matched_by = MatchKind::Text;
                        row.conflict = None;
                        row.accepted = true;
                        repointed = Some((row.file_row, row.key));
                    }
                    let current = record
                        .and_then(|r| r.row(row.key))
                        .map_or(String::new(), |r| r.progress.clone());
                    let shown = if current.is_empty() {
                        "（空）".to_owned()
                    } else {
                        current.clone()
                    };
                    text_cell(ui, egui::RichText::new(shown).weak());
                    let new_text = format!("【{}】{}", row.status.label(), row.progress);
                    if current == row.progress {
                        text_cell(
                            ui,
                            egui::RichText::new(format!("{new_text}（相同）")).weak(),
                        );
                    } else {
                        text_cell(ui, egui::RichText::new(new_text).strong());
                    }
                    ui.end_row();
                }
                // Two file rows pointed at one ledger row: only the one just chosen stays ticked.
                if let Some((file_row, key)) = repointed {
                    for other in parsed
                        .rows
                        .iter_mut()
                        .filter(|r| r.key == key && r.file_row != file_row)
                    {
                        other.accepted = false;
                    }
                }
            });
        if !parsed.unmatched.is_empty() {
            section_title(ui, "对不上的行（不导入）");
            for row in &parsed.unmatched {
                ui.weak(format!("第{}行：{}", row.row, row.text));
            }
        }
        if file.done.is_none()
            && ui
                .add_enabled(file.ready(), egui::Button::new("导入此文件"))
                .clicked()
        {
            commands.push(Command::CommitImport(file.id));
        }
    });
    changed
}

fn choice_ui(
    ui: &mut egui::Ui,
    choice: &mut ImportChoice,
    parsed: Option<&ParsedReturn>,
    periods: &[Period],
    choices: &[(i64, String)],
) -> bool {
    let before = *choice;
    ui.horizontal(|ui| {
        let mut department = choice.department_id.or(parsed.map(|p| p.department.0));
        super::widgets::department_picker(ui, choices, &mut department);
        if department != choice.department_id.or(parsed.map(|p| p.department.0)) {
            choice.department_id = department;
        }
        let mut period = choice
            .period
            .or(parsed.map(|p| p.period))
            .or(periods.first().copied())
            .unwrap_or(Period {
                year: 2019,
                month: 1,
            });
        let shown = period;
        period_picker(ui, periods, &mut period);
        if period != shown {
            choice.period = Some(period);
        }
    });
    *choice != before
}
