//! The month's ends in the window: 发模板 and 报市 started on their workers, the 情况通报
//! written and opened, an indicator's value recorded. Each is the service's flow that the
//! commands (`templates --send`, `export-sheet --send-to`, `report`, `set-indicator`) call.

use super::app::{LedgerState, TaizhangApp};
use super::apply_mail::sending_account;
use crate::schedule::Period;
use crate::service::mail::Resend;

impl TaizhangApp {
    /// Starts e-mailing each department its template for the month; the templates are
    /// written under `exports/报送模板/` beside the ledger.
    pub(super) fn start_templates(&mut self, period: Period, resend: Resend) {
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
        // Claimed before the earlier sends are read: a command or another window sending the
        // same month at once is refused instead of sending twice.
        let claim = match crate::service::mail::SendClaim::take(
            &mut open.ledger,
            open.data.plan.id,
            crate::store::SendKind::Template,
            period,
            crate::mail::net::SEND_DEADLINE,
        ) {
            Ok(claim) => claim,
            Err(error) => {
                self.show_error(error.to_string());
                return;
            }
        };
        let earlier = match open.ledger.mail_sends(
            open.data.plan.id,
            crate::store::SendKind::Template,
            Some(&period.to_string()),
        ) {
            Ok(earlier) => earlier,
            Err(error) => {
                claim.release(&mut open.ledger);
                self.show_error(error.to_string());
                return;
            }
        };
        // The view asks before a second send; a command that slipped past it is not sent.
        if resend == Resend::Ask && !earlier.is_empty() {
            claim.release(&mut open.ledger);
            self.show_error(format!(
                "{}的模板已发送过，未再次发送。请在“催报”页点“发模板”，选择全部重发或只发给尚未收到的部门。",
                period.label()
            ));
            return;
        }
        let day = match crate::service::DayState::load(
            &open.ledger,
            open.data.today,
            &open.data.holidays,
        ) {
            Ok(day) => day,
            Err(error) => {
                claim.release(&mut open.ledger);
                self.show_error(error.to_string());
                return;
            }
        };
        let folder = crate::service::exports_dir(&open.data.ledger_path)
            .join("报送模板")
            .join(period.label());
        let request = super::month_jobs::TemplateRequest {
            day,
            mailbox: open.data.mailbox.address.clone(),
            period,
            folder,
            protected: crate::files::Protected::for_ledger(&open.data.ledger_path),
            resend,
            earlier,
        };
        self.template_job = Some(super::month_jobs::TemplateJob::start(
            request, account, claim,
        ));
    }

    /// Starts writing the month's sheet under `exports/报市/` and sending it to the city.
    pub(super) fn start_sheet_send(&mut self, period: Period) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        if self.sheet_send_job.is_some() {
            return;
        }
        let city = open.data.settings.city_email.trim();
        if city.is_empty() {
            self.show_error(
                "尚未填写上级单位邮箱：请在“设置 → 本单位信息”中填写市生态环境局的收件邮箱。"
                    .to_owned(),
            );
            return;
        }
        if let Err(error) = crate::store::check_address(city) {
            self.show_error(error.to_string());
            return;
        }
        if let Err(error) = crate::service::check_period(&open.data.plan, period) {
            self.show_error(error.to_string());
            return;
        }
        let account = match sending_account(&open.data) {
            Ok(account) => account,
            Err(message) => {
                self.show_error(message);
                return;
            }
        };
        let claim = match crate::service::mail::SendClaim::take(
            &mut open.ledger,
            open.data.plan.id,
            crate::store::SendKind::Sheet,
            period,
            crate::mail::net::SEND_DEADLINE,
        ) {
            Ok(claim) => claim,
            Err(error) => {
                self.show_error(error.to_string());
                return;
            }
        };
        let request = super::month_jobs::SheetRequest {
            sheet: open.data.sheet(period),
            plan: open.data.plan.clone(),
            settings: open.data.settings.clone(),
            folder: crate::service::exports_dir(&open.data.ledger_path).join("报市"),
            protected: crate::files::Protected::for_ledger(&open.data.ledger_path),
            today: open.data.today,
        };
        self.sheet_send_job = Some(super::month_jobs::SheetSendJob::start(
            request, account, claim,
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
                self.notice = Some(format!(
                    "已生成情况通报“{}”，请在 WPS 中修改后印发。",
                    path.display()
                ));
                self.open_written(Ok(path));
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
                self.notice = Some(format!(
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
