//! The month's ends in the window: 发模板 and 报市 started on their workers, the 情况通报
//! written and opened, an indicator's value recorded. Each is the service's flow that the
//! commands (`templates --send`, `export-sheet --send-to`, `report`, `set-indicator`) call.

use super::app::{LedgerState, TaizhangApp};
use super::apply_mail::sending_account;
use super::send_job::{Prepare, SendJob};
use crate::schedule::Period;
use crate::service::mail::ResendRule;

impl TaizhangApp {
    /// Starts e-mailing each department its template for the month (a second send as the
    /// user chose); the templates are written under `exports/报送模板/` beside the ledger once
    /// the server has accepted the login.
    pub(super) fn start_templates(&mut self, period: Period, rule: ResendRule) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        if self.template_job.is_some() {
            return;
        }
        let account = match sending_account(&open.data) {
            Ok(account) => account,
            Err(message) => {
                self.show_error(message);
                return;
            }
        };
        let folder = crate::service::exports_dir(&open.data.ledger_path)
            .join("报送模板")
            .join(period.label());
        let begun = crate::service::DayState::load(
            &open.ledger,
            open.data.today,
            &open.data.holidays,
        )
        .map_err(crate::service::ActionError::from)
        .and_then(|day| {
            crate::service::mail::begin_templates(
                &open.ledger,
                day,
                period,
                &folder,
                &open.data.mailbox.address,
                rule,
                crate::service::mail::SEND_DEADLINE,
            )
        })
        .map_err(|error| match error {
            // The page asks before a second send; a command that slipped past it is not sent.
            crate::service::ActionError::AlreadySent(_) => format!(
                "{}的模板已发送过，未再次发送。请在“催报”页点“发模板”，选择全部重发或只发给尚未收到的部门。",
                period.label()
            ),
            other => other.to_string(),
        });
        let (run, files) = match begun {
            Ok(begun) => begun,
            Err(message) => {
                self.show_error(message);
                return;
            }
        };
        let prepare: Prepare = Box::new(move |mails| files.write(mails).map(|_| ()));
        self.template_job = Some(SendJob::start(
            run,
            account,
            prepare,
            (
                format!("{}报送模板邮件", period.label()),
                format!("模板保存在“{}”。", folder.display()),
            ),
        ));
    }

    /// Starts writing the month's sheet under `exports/报市/` and sending it to the city
    /// (`again`: the user confirmed a second send of the month).
    pub(super) fn start_sheet_send(&mut self, period: Period, again: bool) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        if self.sheet_send_job.is_some() {
            return;
        }
        let city = open.data.settings.city_email.trim().to_owned();
        if city.is_empty() {
            self.show_error(
                "尚未填写上级单位邮箱：请在“设置 → 本单位信息”中填写市生态环境局的收件邮箱。"
                    .to_owned(),
            );
            return;
        }
        let account = match sending_account(&open.data) {
            Ok(account) => account,
            Err(message) => {
                self.show_error(message);
                return;
            }
        };
        let stem = open.data.sheet(period).file_stem();
        let folder = crate::service::exports_dir(&open.data.ledger_path).join("报市");
        let begun = crate::files::ensure_folder(&folder)
            .map_err(crate::service::ActionError::from)
            .and_then(|()| {
                crate::service::mail::begin_sheet(
                    &open.ledger,
                    period,
                    &city,
                    (
                        &folder.join(format!("{stem}.xlsx")),
                        &folder.join(format!("{stem}.pdf")),
                    ),
                    again,
                    (crate::service::mail::SEND_DEADLINE, open.data.today),
                )
            });
        let (run, files, city) = match begun {
            Ok(begun) => begun,
            Err(error) => {
                self.show_error(error.to_string());
                return;
            }
        };
        let prepare: Prepare = Box::new(move |_| files.write().map(|_| ()));
        self.sheet_send_job = Some(SendJob::start(
            run,
            account,
            prepare,
            (
                format!("{}进展表邮件", period.label()),
                format!(
                    "已将{}进展表（XLSX、PDF）用一封邮件发送至 {city}。",
                    period.label()
                ),
            ),
        ));
    }

    /// Writes the month's 情况通报 under `exports/情况通报/` and opens it (WPS or Word).
    pub(super) fn write_report(&mut self, period: Period) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let written = crate::service::month_report(&open.ledger, period, open.data.today).and_then(
            |report| {
                let folder = crate::service::exports_dir(&open.data.ledger_path).join("情况通报");
                crate::files::ensure_folder(&folder)?;
                let path = folder.join(format!(
                    "{}.docx",
                    crate::files::safe_file_name(&report.title())
                ));
                crate::service::write_report(
                    &report,
                    &path,
                    &crate::files::Protected::for_ledger(&open.data.ledger_path),
                    // A draft she already edited in WPS is never written over.
                    crate::files::Existing::KeepBoth,
                )
            },
        );
        match written {
            Ok(path) => {
                // The draft is there either way: a system that cannot open it is said in the
                // same message, never as an error over the success.
                let opened = match crate::service::open_with_system(&path) {
                    Ok(()) => "请在 WPS 中修改后印发。".to_owned(),
                    Err(error) => format!(
                        "未能用系统程序打开它（{}），请在文件夹中双击打开，修改后印发。",
                        crate::files::io_phrase(&error)
                    ),
                };
                self.messages
                    .notice(format!("已生成情况通报“{}”。{opened}", path.display()));
            }
            Err(error) => self.show_error(error.to_string()),
        }
    }

    /// Writes the plan in focus's 部门考核 as of today into 导出文件/部门考核 (beside a table
    /// of the same name she may have edited, never over it) and opens it.
    pub(super) fn write_assessment(&mut self) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let plan_id = open.data.plan.id;
        let written = crate::service::assessment_of_plan(&open.ledger, plan_id, open.data.today)
            .and_then(|assessment| {
                let folder = crate::service::exports_dir(&open.data.ledger_path).join("部门考核");
                crate::files::ensure_folder(&folder)?;
                let path = folder.join(format!("{}年度部门考核.xlsx", assessment.year));
                crate::service::write_assessment(
                    &assessment,
                    &path,
                    &crate::files::Protected::for_ledger(&open.data.ledger_path),
                    crate::files::Existing::KeepBoth,
                )
            });
        self.opened_year_file(written, "部门考核表");
    }

    /// 总览's 生成年度总结: the plan's 工作总结 draft written into `exports/年度总结/` (beside
    /// an earlier one, never over it) and opened with the system's program.
    pub(super) fn write_summary(&mut self) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let plan_id = open.data.plan.id;
        let written = crate::service::summary_of_plan(&open.ledger, plan_id, open.data.today)
            .and_then(|summary| {
                let folder = crate::service::exports_dir(&open.data.ledger_path).join("年度总结");
                crate::files::ensure_folder(&folder)?;
                let path = folder.join(format!("{}年度工作总结.docx", summary.year));
                crate::service::write_summary(
                    &summary,
                    &path,
                    &crate::files::Protected::for_ledger(&open.data.ledger_path),
                    crate::files::Existing::KeepBoth,
                )
            });
        self.opened_year_file(written, "年度工作总结");
    }

    /// 工作计划's 导出督察台账: the plan in focus's binder written on a worker into a new folder
    /// `exports/督察台账/2019年度督察台账` (`…（2）` beside an earlier one), then opened.
    pub(super) fn write_binder(&mut self) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        if self.binder_job.is_some() {
            return;
        }
        let folder = crate::service::exports_dir(&open.data.ledger_path).join("督察台账");
        if let Err(error) = crate::files::ensure_folder(&folder) {
            self.show_error(error.to_string());
            return;
        }
        let stem = format!("{}年度督察台账", open.data.plan.year);
        let out = std::iter::once(folder.join(&stem))
            .chain((2..).map(|n| folder.join(format!("{stem}（{n}）"))))
            .find(|candidate| std::fs::symlink_metadata(candidate).is_err())
            .unwrap_or_else(|| folder.join(&stem));
        self.binder_job = Some(super::jobs::BinderJob::start(
            open.data.ledger_path.clone(),
            open.data.plan.id,
            out,
            open.data.today,
        ));
    }

    /// Says where a year's file was written and opens it, or why it was not.
    fn opened_year_file(
        &mut self,
        written: Result<std::path::PathBuf, crate::service::ActionError>,
        what: &str,
    ) {
        match written {
            Ok(path) => {
                let opened = match crate::service::open_with_system(&path) {
                    Ok(()) => String::new(),
                    Err(error) => format!(
                        "未能用系统程序打开它（{}），请在文件夹中双击打开。",
                        crate::files::io_phrase(&error)
                    ),
                };
                self.messages
                    .notice(format!("已生成{what}“{}”。{opened}", path.display()));
            }
            Err(error) => self.show_error(error.to_string()),
        }
    }

    /// Records an indicator's value for a month (refused with nothing written when the value
    /// is not a number, a percentage over 100, or the indicator is not the plan's).
    pub(super) fn set_indicator(&mut self, name: &str, period: Period, value: &str, source: &str) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let plan_id = open.data.plan.id;
        match crate::service::set_indicator(&mut open.ledger, plan_id, name, period, value, source)
        {
            Ok((indicator, value)) => {
                self.messages.notice(format!(
                    "已记录{}{}：{}{}",
                    period.label(),
                    indicator.name,
                    crate::indicators::format_figure(value),
                    indicator.unit
                ));
                self.reload_data();
            }
            Err(error) => self.show_error(error.to_string()),
        }
    }
}
