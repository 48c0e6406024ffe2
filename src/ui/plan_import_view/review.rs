//! The review of a plan just read: its source, header, warnings, tasks and, when it takes the
//! place of a carried or blank plan, the match of each task to the one it continues.

use super::*;

pub(super) fn review_ui(
    ui: &mut egui::Ui,
    review: &mut Review,
    data: &PlanContext<'_>,
    source_file: &Option<SourceFile>,
    commands: &mut Vec<Command>,
    cancel: &mut bool,
) {
    ui.heading("核对识别结果");
    ui.horizontal_wrapped(|ui| {
        ui.label(format!(
            "识别到 {} 项任务，{} 条提示，{} 个新部门。",
            review.parsed.tasks().count(),
            review.parsed.warnings.len(),
            review.parsed.new_departments.len()
        ));
        let replacing = review.replace.as_ref().is_some_and(|r| r.enabled);
        if !replacing {
            ui.checkbox(&mut review.make_current, "设为当前计划");
        }
        if let Some(replace) = &mut review.replace {
            ui.checkbox(
                &mut replace.enabled,
                format!("替换“{}”，已收集的报送保留在对应的任务上", replace.label),
            );
        }
        let save = if replacing {
            "保存并替换"
        } else {
            "保存为新计划"
        };
        if ui.button(save).clicked() {
            match finalize(review) {
                Ok(parsed) => commands.push(Command::ImportPlan(Box::new(PlanImport {
                    replaces: review
                        .replace
                        .as_mut()
                        .filter(|r| r.enabled)
                        .map(|r| (r.target, r.matches(&parsed))),
                    parsed,
                    source: source_file.clone(),
                    make_current: review.make_current || replacing,
                }))),
                Err(message) => {
                    review.parsed.warnings.insert(
                        0,
                        crate::plan_text::Warning {
                            message,
                            task_code: None,
                            span: None,
                        },
                    );
                }
            }
        }
        if ui.button("放弃").clicked() {
            *cancel = true;
        }
    });

    // The source beside the review: at most two fifths of the width, so that the review
    // keeps room at 900 pixels too.
    let source_width = (ui.available_width() * 0.4).clamp(220.0, 460.0);
    egui::Panel::left("import_source")
        .resizable(true)
        .default_size(source_width)
        .min_size(200.0)
        .max_size(ui.available_width() * 0.6)
        .show(ui, |ui| {
            ui.label(egui::RichText::new("原文").strong());
            source_ui(ui, review);
        });
    egui::CentralPanel::default().show(ui, |ui| {
        // The plan's header and the warnings: at most a third of the height, scrolling on
        // their own, so that the tasks always have room.
        egui::ScrollArea::vertical()
            .id_salt("import_top_scroll")
            .max_height(ui.available_height() / 3.0)
            .auto_shrink([false, true])
            .show(ui, |ui| {
                egui::CollapsingHeader::new("计划信息")
                    .id_salt("import_header")
                    .default_open(true)
                    .show(ui, |ui| header_ui(ui, review));
                warnings_ui(ui, review);
            });
        let replacing = review.replace.as_ref().is_some_and(|r| r.enabled);
        if replacing {
            let closing = review
                .replace
                .as_mut()
                .map(|replace| closing_tasks(replace, &review.parsed).len())
                .unwrap_or_default();
            ui.horizontal_wrapped(|ui| {
                ui.selectable_value(&mut review.show_matches, false, "核对任务");
                ui.selectable_value(
                    &mut review.show_matches,
                    true,
                    format!("与沿用上年计划的任务对应（{closing} 项将关闭）"),
                );
            });
        } else {
            review.show_matches = false;
        }
        ui.separator();
        if review.show_matches {
            egui::ScrollArea::vertical()
                .id_salt("import_matches_scroll")
                .auto_shrink([false, false])
                .show(ui, |ui| replace_ui(ui, review));
            return;
        }
        // The task list and the selected task's editor side by side (one above the other when
        // narrow), each scrolling alone.
        if ui.available_width() >= 560.0 {
            ui.columns(2, |columns| {
                egui::ScrollArea::vertical()
                    .id_salt("import_tasks_scroll")
                    .auto_shrink([false, false])
                    .show(&mut columns[0], |ui| tasks_ui(ui, review));
                egui::ScrollArea::vertical()
                    .id_salt("import_editor_scroll")
                    .auto_shrink([false, false])
                    .show(&mut columns[1], |ui| task_editor_ui(ui, review, data));
            });
        } else {
            let half = ui.available_height() / 2.0;
            egui::ScrollArea::vertical()
                .id_salt("import_tasks_scroll")
                .max_height(half)
                .auto_shrink([false, false])
                .show(ui, |ui| tasks_ui(ui, review));
            ui.separator();
            egui::ScrollArea::vertical()
                .id_salt("import_editor_scroll")
                .auto_shrink([false, false])
                .show(ui, |ui| task_editor_ui(ui, review, data));
        }
    });
}

/// The carried tasks no read task continues: they will be closed.
fn closing_tasks(replace: &mut ReplaceChoice, parsed: &ParsedPlan) -> Vec<String> {
    let matches = replace.matches(parsed);
    let carried: Vec<i64> = replace.carried.iter().map(|c| c.0).collect();
    crate::service::closing_tasks(&carried, &matches)
        .into_iter()
        .filter_map(|id| replace.carried.iter().find(|c| c.0 == id))
        .map(|c| format!("{} {}", c.1, short(&c.2)))
        .collect()
}

/// Which carried task each read task continues, for the user to confirm or change.
pub(super) fn replace_ui(ui: &mut egui::Ui, review: &mut Review) {
    let Some(replace) = &mut review.replace else {
        return;
    };
    if !replace.enabled {
        return;
    }
    ui.add(
        egui::Label::new(
            "按文字相似度和牵头单位自动对应；对应上的任务保留已收集的报送，未对应的沿用任务将关闭。",
        )
        .wrap(),
    );
    let closing = closing_tasks(replace, &review.parsed);
    if !closing.is_empty() {
        ui.add(
            egui::Label::new(
                egui::RichText::new(format!("将关闭的沿用任务：{}", closing.join("；")))
                    .color(ui.visuals().warn_fg_color),
            )
            .wrap(),
        );
    }
    let matches = replace.matches(&review.parsed);
    // Each read task on its line, its picker below at the width there is: nothing runs past
    // the window's edge at 900 pixels.
    let width = ui.available_width().min(520.0);
    for (task, found) in review.parsed.tasks().zip(&matches) {
        ui.add_space(4.0);
        let label = ui.add(egui::Label::new(format!("{} {}", task.code, task.title)).wrap());
        let shown = found
            .and_then(|id| replace.carried.iter().find(|c| c.0 == id))
            .map_or_else(
                || "（新任务）".to_owned(),
                |c| format!("沿用 {} {}", c.1, c.2),
            );
        egui::ComboBox::from_id_salt(("match", &task.code))
            .selected_text(fit(&shown, width - 40.0))
            .width(width)
            .show_ui(ui, |ui| {
                if ui.selectable_label(found.is_none(), "（新任务）").clicked() {
                    replace.overrides.insert(task.code.clone(), None);
                }
                for (id, code, title) in &replace.carried {
                    let text = format!("沿用 {code} {}", short(title));
                    if ui.selectable_label(*found == Some(*id), text).clicked() {
                        replace.overrides.insert(task.code.clone(), Some(*id));
                    }
                }
            })
            .response
            .labelled_by(label.id);
    }
}

/// A text cut to what fits `width` pixels at the body size (a CJK character about 15).
fn fit(text: &str, width: f32) -> String {
    let room = (width / 15.0).max(4.0) as usize;
    if text.chars().count() <= room {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(room.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A title cut to 24 characters for a list.
pub(super) fn short(text: &str) -> String {
    let mut short: String = text.chars().take(24).collect();
    if text.chars().count() > 24 {
        short.push('…');
    }
    short
}

/// Applies the typed header fields; fails with a message when one cannot be read.
pub(super) fn finalize(review: &Review) -> Result<ParsedPlan, String> {
    let mut parsed = review.parsed.clone();
    parsed.year = review
        .year
        .trim()
        .parse()
        .map_err(|_| format!("年度“{}”无法识别", review.year))?;
    parsed.issued_on = if review.issued_on.trim().is_empty() {
        None
    } else {
        Some(parse_date(&review.issued_on).ok_or_else(|| {
            format!(
                "印发日期“{}”无法识别，请写成 2019年6月15日",
                review.issued_on
            )
        })?)
    };
    Ok(parsed)
}

pub(super) fn source_ui(ui: &mut egui::Ui, review: &mut Review) {
    let span = review
        .selected
        .and_then(|(s, t)| review.parsed.sections.get(s)?.tasks.get(t))
        .map(|task| task.span.clone());
    let scroll = std::mem::take(&mut review.scroll_to_selection);
    egui::ScrollArea::vertical()
        .id_salt("import_source_scroll")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            let mut offset = 0;
            for line in review.parsed.source.split('\n') {
                let range = offset..offset + line.len();
                offset += line.len() + 1;
                let overlap = span
                    .as_ref()
                    .map(|s| s.start.max(range.start)..s.end.min(range.end))
                    .filter(|o| o.start < o.end);
                let Some(overlap) = overlap else {
                    ui.label(line);
                    continue;
                };
                let mut job = egui::text::LayoutJob::default();
                let normal = egui::TextFormat {
                    font_id: egui::TextStyle::Body.resolve(ui.style()),
                    color: ui.visuals().text_color(),
                    ..Default::default()
                };
                let highlighted = egui::TextFormat {
                    background: ui.visuals().selection.bg_fill,
                    color: ui.visuals().strong_text_color(),
                    ..normal.clone()
                };
                let local = overlap.start - range.start..overlap.end - range.start;
                job.append(&line[..local.start], 0.0, normal.clone());
                job.append(&line[local.clone()], 0.0, highlighted);
                job.append(&line[local.end..], 0.0, normal);
                job.wrap.max_width = ui.available_width();
                let response = ui.label(job);
                if scroll && overlap.start == span.as_ref().map_or(0, |s| s.start.max(range.start))
                {
                    response.scroll_to_me(Some(egui::Align::Center));
                }
            }
        });
}

pub(super) fn header_ui(ui: &mut egui::Ui, review: &mut Review) {
    let parsed = &mut review.parsed;
    egui::Grid::new("import_header")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            labelled_field(ui, "计划名称", &mut parsed.title, 420.0);
            ui.end_row();
            labelled_field(ui, "年度", &mut review.year, 80.0);
            ui.end_row();
            labelled_field(ui, "文号", &mut parsed.document_number, 240.0);
            ui.end_row();
            labelled_field(ui, "印发机关", &mut parsed.issuer, 300.0);
            ui.end_row();
            labelled_field(ui, "印发日期", &mut review.issued_on, 160.0);
            ui.end_row();
        });
    if !parsed.targets.is_empty() {
        ui.label(egui::RichText::new("目标指标").strong());
        for target in &parsed.targets {
            let when = target
                .due_date
                .map(|d| format!("（{}）", format_date_cn(d)))
                .unwrap_or_default();
            ui.label(format!("· {}{when}", target.text));
        }
    }
    if !parsed.new_departments.is_empty() {
        ui.label(format!(
            "新部门（提交时新建）：{}",
            parsed.new_departments.join("、")
        ));
    }
}

pub(super) fn warnings_ui(ui: &mut egui::Ui, review: &mut Review) {
    if review.parsed.warnings.is_empty() {
        return;
    }
    section_title(
        ui,
        &format!("需要核对的地方（{}）", review.parsed.warnings.len()),
    );
    let mut select = None;
    for warning in &review.parsed.warnings {
        let text = match &warning.task_code {
            Some(code) => format!("{code}：{}", warning.message),
            None => warning.message.clone(),
        };
        let color = ui.visuals().warn_fg_color;
        if ui.link(egui::RichText::new(text).color(color)).clicked() {
            select = warning.task_code.clone();
        }
    }
    if let Some(code) = select {
        review.selected = find_task(&review.parsed, &code);
        review.scroll_to_selection = true;
    }
}

pub(super) fn find_task(parsed: &ParsedPlan, code: &str) -> Option<(usize, usize)> {
    parsed.sections.iter().enumerate().find_map(|(s, section)| {
        section
            .tasks
            .iter()
            .position(|t| t.code == code)
            .map(|t| (s, t))
    })
}

pub(super) fn tasks_ui(ui: &mut egui::Ui, review: &mut Review) {
    section_title(ui, "任务");
    let mut select = None;
    for (s, section) in review.parsed.sections.iter().enumerate() {
        ui.label(
            egui::RichText::new(crate::model::section_heading(
                &section.number,
                &section.title,
            ))
            .strong(),
        );
        for (t, task) in section.tasks.iter().enumerate() {
            let leads: Vec<&str> = task.leads.iter().map(|l| l.name.as_str()).collect();
            let text = format!(
                "{} {}　牵头：{}",
                task.code,
                task.title,
                if leads.is_empty() {
                    "（无）".to_owned()
                } else {
                    leads.join("、")
                }
            );
            if ui
                .selectable_label(review.selected == Some((s, t)), text)
                .clicked()
            {
                select = Some((s, t));
            }
        }
    }
    if let Some(selection) = select {
        review.selected = Some(selection);
        review.scroll_to_selection = true;
        review.milestone_dates.clear();
    }
}

#[expect(
    clippy::too_many_lines,
    reason = "a task's editor: title, departments, milestones, each with its controls"
)]
pub(super) fn task_editor_ui(ui: &mut egui::Ui, review: &mut Review, data: &PlanContext<'_>) {
    let Some((s, t)) = review.selected else {
        return;
    };
    let known = DepartmentNames::new(data.departments);
    let mut choices: Vec<String> = data.departments.iter().map(|d| d.name.clone()).collect();
    choices.extend(review.parsed.new_departments.iter().cloned());
    let Some(task) = review
        .parsed
        .sections
        .get_mut(s)
        .and_then(|section| section.tasks.get_mut(t))
    else {
        return;
    };
    section_title(ui, &format!("任务 {}", task.code));
    labelled_field(ui, "任务名称", &mut task.title, ui.available_width() - 70.0);
    if !task.note.is_empty() {
        ui.weak(format!("责任分工原文：{}", task.note));
    }
    let mut names_changed = false;
    for (title, parts, add_label, scoped) in [
        ("牵头部门", &mut task.leads, "添加牵头部门", true),
        ("参与部门", &mut task.participants, "添加参与部门", false),
    ] {
        ui.label(egui::RichText::new(title).strong());
        let mut remove = None;
        for (index, part) in parts.iter_mut().enumerate() {
            ui.horizontal_wrapped(|ui| {
                let mut name = part.name.clone();
                let label = ui.label("部门");
                egui::ComboBox::from_id_salt(("import_department", title, index))
                    .selected_text(&name)
                    .width(140.0)
                    .show_ui(ui, |ui| {
                        for choice in &choices {
                            ui.selectable_value(&mut name, choice.clone(), choice);
                        }
                    })
                    .response
                    .labelled_by(label.id);
                if name != part.name {
                    part.name = name;
                    names_changed = true;
                }
                if scoped {
                    labelled_field(ui, "分工", &mut part.scope, 90.0);
                }
                if ui
                    .small_button("移除")
                    .on_hover_text(format!("移除{}", part.name))
                    .clicked()
                {
                    remove = Some(index);
                }
            });
        }
        if let Some(index) = remove {
            parts.remove(index);
            names_changed = true;
        }
        let mut added = None;
        egui::ComboBox::from_label(add_label)
            .selected_text("选择部门…")
            .width(200.0)
            .show_ui(ui, |ui| {
                for choice in &choices {
                    if ui.selectable_label(false, choice).clicked() {
                        added = Some(choice.clone());
                    }
                }
            });
        if let Some(name) = added.filter(|n| !parts.iter().any(|p| &p.name == n)) {
            parts.push(NamedPart {
                name,
                scope: String::new(),
            });
            names_changed = true;
        }
    }
    ui.horizontal_wrapped(|ui| {
        labelled_field(ui, "新部门名称", &mut review.new_name, 160.0);
        let name = review.new_name.trim().to_owned();
        if ui
            .add_enabled(!name.is_empty(), egui::Button::new("作为牵头部门添加"))
            .clicked()
        {
            task.leads.push(NamedPart {
                name: name.clone(),
                scope: String::new(),
            });
            review.new_name.clear();
            names_changed = true;
        }
    });

    ui.label(egui::RichText::new("时间节点").strong());
    if review.milestone_dates.len() != task.milestones.len() {
        review.milestone_dates = task
            .milestones
            .iter()
            .map(|m| format_date_cn(m.due_date))
            .collect();
    }
    let mut remove = None;
    for (index, (milestone, date)) in task
        .milestones
        .iter_mut()
        .zip(review.milestone_dates.iter_mut())
        .enumerate()
    {
        ui.horizontal_wrapped(|ui| {
            let response = labelled_field(ui, "日期", date, 110.0);
            match parse_date(date) {
                Some(parsed) => milestone.due_date = parsed,
                None if response.lost_focus() || !response.has_focus() => {
                    ui.label(
                        egui::RichText::new("日期无法识别").color(ui.visuals().error_fg_color),
                    );
                }
                None => {}
            }
            labelled_field(ui, "原文", &mut milestone.wording, 90.0);
            let room = (ui.available_width() - 50.0).clamp(120.0, 260.0);
            labelled_field(ui, "事项", &mut milestone.clause, room);
            if ui.small_button("删除节点").clicked() {
                remove = Some(index);
            }
        });
    }
    if let Some(index) = remove {
        task.milestones.remove(index);
        review.milestone_dates.remove(index);
    }
    if ui.button("添加时间节点").clicked() {
        let year = review.parsed.year;
        let due_date = chrono::NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or_default();
        if let Some(task) = review
            .parsed
            .sections
            .get_mut(s)
            .and_then(|x| x.tasks.get_mut(t))
        {
            task.milestones.push(Milestone {
                id: 0,
                due_date,
                wording: "年底前".to_owned(),
                clause: String::new(),
                done_on: None,
                done_note: String::new(),
            });
        }
        review.milestone_dates.clear();
    }
    ui.add_space(8.0);
    if ui.button("删除此任务").clicked() {
        if let Some(section) = review.parsed.sections.get_mut(s) {
            section.tasks.remove(t);
        }
        review.selected = None;
        names_changed = true;
    }
    if names_changed {
        review.parsed.refresh_new_departments(&known);
    }
}
