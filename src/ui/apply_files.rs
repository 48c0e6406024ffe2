//! The window's commands that write a file: the calendar, the month's templates, the sheet
//! (on a worker) and the chase list, each through the service's flow.

use super::app::{LedgerState, TaizhangApp};

impl TaizhangApp {
    /// Writes the calendar file of every deadline.
    pub(super) fn export_ics(&mut self) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        // Every plan in play, as `deadlines --ics` writes it.
        match crate::service::write_ics(
            &open.data.ledger_path,
            &open.data.all_deadlines,
            &open.data.holidays,
        ) {
            Ok(path) => {
                self.messages.notice(format!(
                    "已导出 {} 个期限到“{}”，可用微信或邮件发到手机后导入日历",
                    open.data.all_deadlines.len(),
                    path.display()
                ));
            }
            Err(error) => self.show_error(error.to_string()),
        }
    }

    /// Writes the month's return templates into a folder (the service's flow) and says what
    /// it wrote.
    pub(super) fn write_templates(
        &mut self,
        period: crate::schedule::Period,
        folder: std::path::PathBuf,
    ) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let rule = crate::schedule::DueRule::of_plan(
            &open.data.plan,
            &open.data.settings,
            &open.data.holidays,
        );
        let (_, due) = rule.due(period);
        match crate::service::write_templates(
            &open.data.plan,
            &open.data.obligations,
            period,
            due,
            &folder,
            &crate::files::Protected::for_ledger(&open.data.ledger_path),
            &mut |_| {},
        ) {
            Ok(written) => {
                let kept: Vec<String> = written
                    .iter()
                    .filter(|t| t.kept_existing.is_some())
                    .map(|t| {
                        t.path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    })
                    .collect();
                let mut notice = format!(
                    "已在“{}”生成 {} 份{}报送模板",
                    folder.display(),
                    written.len(),
                    period.label()
                );
                if !kept.is_empty() {
                    notice.push_str(&format!(
                        "；文件夹中已有同名文件，未覆盖，以下模板另存为新名字：{}",
                        kept.join("、")
                    ));
                }
                self.messages.notice(notice);
            }
            Err(error) => self.show_error(error.to_string()),
        }
    }

    /// Starts writing the month's sheet on a worker (the service's export).
    pub(super) fn export_sheet(
        &mut self,
        period: crate::schedule::Period,
        folder: std::path::PathBuf,
        print: bool,
    ) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let sheet = open.data.sheet(period);
        if let Err(error) = crate::service::check_period(&open.data.plan, period) {
            self.show_error(error.to_string());
            return;
        }
        let protected = crate::files::Protected::for_ledger(&open.data.ledger_path);
        self.export_job = Some(super::jobs::ExportJob::start(
            sheet,
            open.data.plan.clone(),
            folder,
            print,
            protected,
        ));
    }

    /// Writes the month's chase list and opens it to print.
    pub(super) fn print_chase_list(&mut self, period: crate::schedule::Period) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let Some(status) = open.data.status(period) else {
            self.show_error(format!("{}不在当前计划的年度内", period.label()));
            return;
        };
        // The day the chase message gives: moved past weekends and holidays.
        let (_, due) = crate::schedule::DueRule::of_plan(
            &open.data.plan,
            &open.data.settings,
            &open.data.holidays,
        )
        .due(period);
        let result = crate::service::write_chase_list(
            &open.data.ledger_path,
            status,
            due,
            open.data.today,
            &crate::returns::ChaseContext::of(&open.data.plan, &open.data.settings),
        )
        .map_err(|e| e.to_string())
        .and_then(|path| {
            crate::service::open_with_system(&path).map_err(|e| {
                format!(
                    "已生成“{}”，但无法用系统程序打开：{}。请在文件夹中双击打开。",
                    path.display(),
                    crate::files::io_phrase(&e)
                )
            })
        });
        if let Err(message) = result {
            self.show_error(message);
        }
    }
}
