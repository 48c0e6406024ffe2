//! The turn of the year on 首页: what the plan in focus is (the example, a carried draft, a
//! year that has ended), another ended plan still in play, and the choice of what next year's
//! working plan takes over (沿用上年).

use super::super::command::Command;
use super::super::context::HomeContext;
use super::super::state::Page;
use super::super::widgets::section_title;

/// Choosing what next year's working plan takes over.
pub(super) struct CarryDialog {
    from: i64,
    /// (task id, code, title, carried?)
    tasks: Vec<(i64, String, String, bool)>,
    shift_dates: bool,
}

/// What the plan in focus is: the example, a carried draft, or a year that has ended (with
/// the new-year step). Returns the carry-forward dialog when the user opens it.
pub(super) fn plan_notice_ui(
    ui: &mut egui::Ui,
    data: &HomeContext<'_>,
    commands: &mut Vec<Command>,
) -> Option<CarryDialog> {
    use crate::model::PlanKind;
    let plan = data.plan;
    let this_year = chrono::Datelike::year(&data.today);
    let mut open = None;
    let newer_in_play = data.others.iter().any(|day| day.plan.year > plan.year);
    // Another plan in play whose year is over (last year's, beside this year's plan in
    // focus): what it still owes, and the way to end it.
    for other in data.others.iter().filter(|day| day.has_ended()) {
        let owed = other
            .deadlines
            .iter()
            .filter(|d| d.plan_id == Some(other.plan.id) && d.light == crate::deadlines::Light::Red)
            .count();
        egui::Frame::group(ui.style())
            .fill(ui.visuals().warn_fg_color.gamma_multiply(0.12))
            .show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.label(format!(
                        "“{}”的{}年度已结束，尚有 {owed} 项逾期未完成；完成、沿用到新一年或结束该计划之前，仍列为逾期。",
                        other.plan.label(),
                        other.plan.year
                    ));
                    if ui.button("切换到该计划").clicked() {
                        commands.push(Command::SetCurrentPlan(other.plan.id));
                    }
                    if ui
                        .button("结束该计划")
                        .on_hover_text("结束后记录保留，但不再在首页、日历和催报中出现；可在“工作计划”中重新启用")
                        .clicked()
                    {
                        commands.push(Command::SetPlanActive {
                            plan_id: other.plan.id,
                            active: false,
                        });
                    }
                });
            });
    }
    if data.plan_ended && !newer_in_play {
        egui::Frame::group(ui.style())
            .fill(ui.visuals().warn_fg_color.gamma_multiply(0.12))
            .show(ui, |ui| {
                ui.label(
                    egui::RichText::new(format!(
                        "“{}”的{}年度已结束：未完成的工作节点在完成、沿用到新一年或结束该计划之前，仍列为逾期。",
                        plan.label(),
                        plan.year
                    ))
                    .strong(),
                );
                ui.label("请开始新一年度：");
                ui.horizontal_wrapped(|ui| {
                    // Carrying forward makes sense into the year after the plan's.
                    if crate::service::can_carry_forward(plan, data.today)
                        && plan.kind != PlanKind::Blank
                        && ui
                            .button(format!("沿用为{}年工作计划（沿用上年）…", plan.year + 1))
                            .clicked()
                    {
                        open = Some(CarryDialog::of(plan));
                    }
                    if ui.button(format!("导入{this_year}年的计划…")).clicked() {
                        commands.push(Command::OpenPage(Page::Import));
                    }
                    if ui.button(format!("新建{this_year}年空白计划")).clicked() {
                        commands.push(Command::NewBlankPlan(this_year));
                    }
                    if ui
                        .button("结束该计划")
                        .on_hover_text("结束后记录保留，但不再在首页、日历和催报中出现；可在“工作计划”中重新启用")
                        .clicked()
                    {
                        commands.push(Command::SetPlanActive {
                            plan_id: plan.id,
                            active: false,
                        });
                    }
                });
            });
        return open;
    }
    // At the turn of the year (its last two months, or January before its last returns are
    // due) the next year's working plan can be carried forward from it.
    let turning = crate::service::can_carry_forward(plan, data.today);
    if turning && !newer_in_play && matches!(plan.kind, PlanKind::Example | PlanKind::Imported) {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!("“{}”的年度即将收尾。", plan.label()));
            if ui
                .button(format!("沿用为{}年工作计划（沿用上年）…", plan.year + 1))
                .clicked()
            {
                open = Some(CarryDialog::of(plan));
            }
        });
    }
    match plan.kind {
        PlanKind::Example => {
            ui.horizontal_wrapped(|ui| {
                ui.label(
                    egui::RichText::new(format!("当前计划是示例：{}", plan.label()))
                        .color(ui.visuals().warn_fg_color),
                );
                if ui.small_button("导入本单位的计划…").clicked() {
                    commands.push(Command::OpenPage(Page::Import));
                }
                if ui.small_button("这就是本单位的计划").clicked() {
                    commands.push(Command::SetPlanKind {
                        plan_id: plan.id,
                        kind: PlanKind::Imported,
                    });
                }
            });
        }
        PlanKind::Carried => {
            ui.horizontal_wrapped(|ui| {
                ui.label(format!(
                    "“{}”是沿用上年的工作计划，正式计划印发后请导入，已收集的报送会保留在对应任务上。",
                    plan.label()
                ));
                if ui.small_button("导入正式计划…").clicked() {
                    commands.push(Command::OpenPage(Page::Import));
                }
            });
        }
        PlanKind::Blank => {
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("“{}”还是空白的。", plan.label()));
                if ui.small_button("导入计划…").clicked() {
                    commands.push(Command::OpenPage(Page::Import));
                }
            });
        }
        PlanKind::Imported => {}
    }
    open
}

impl CarryDialog {
    fn of(plan: &crate::model::Plan) -> Self {
        let default: std::collections::HashSet<i64> =
            crate::service::default_carry(plan).into_iter().collect();
        Self {
            from: plan.id,
            tasks: plan
                .open_tasks()
                .map(|t| {
                    (
                        t.id,
                        t.code.clone(),
                        t.title.clone(),
                        default.contains(&t.id),
                    )
                })
                .collect(),
            // Dates move a year on only when the user says so.
            shift_dates: false,
        }
    }
}

/// Choosing the tasks next year's working plan takes over.
pub(super) fn carry_dialog_ui(
    ui: &mut egui::Ui,
    dialog: &mut CarryDialog,
    data: &HomeContext<'_>,
    commands: &mut Vec<Command>,
    close: &mut bool,
) {
    section_title(ui, &format!("沿用为{}年工作计划", data.plan.year + 1));
    ui.label("责任部门（含联系人、邮箱、别名）和报送表照搬；下面勾选要沿用的任务（默认勾选未完成和常态化的任务）。沿用的计划标为“沿用上年”，可以修改，正式计划印发后导入即可替换。");
    ui.checkbox(&mut dialog.shift_dates, "未完成的时间节点顺延一年");
    ui.horizontal(|ui| {
        let chosen = dialog.tasks.iter().filter(|t| t.3).count();
        if ui
            .add_enabled(
                chosen > 0,
                egui::Button::new(format!("沿用 {chosen} 项任务")),
            )
            .clicked()
        {
            commands.push(Command::CarryForward(crate::store::CarryForward {
                from: dialog.from,
                tasks: dialog.tasks.iter().filter(|t| t.3).map(|t| t.0).collect(),
                shift_dates: dialog.shift_dates,
            }));
            *close = true;
        }
        if ui.button("全选").clicked() {
            dialog.tasks.iter_mut().for_each(|t| t.3 = true);
        }
        if ui.button("取消").clicked() {
            *close = true;
        }
    });
    egui::ScrollArea::vertical()
        .id_salt("carry_tasks")
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (_, code, title, carried) in &mut dialog.tasks {
                ui.checkbox(carried, format!("{code} {title}"));
            }
        });
}
