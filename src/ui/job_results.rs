//! What the window shows when a background job reports: the jobs say how they ended
//! ([`super::mail_jobs::JobEnd`]), the window shows it and reloads what changed.

use super::app::{LedgerState, TaizhangApp};
use super::mail_jobs::{JobEnd, Polled};

impl TaizhangApp {
    /// Polls the fetch of the mailbox.
    pub(super) fn poll_fetch(&mut self, ctx: &egui::Context) {
        let (Some(job), LedgerState::Open(open)) = (&mut self.fetch_job, &mut self.state) else {
            return;
        };
        ctx.request_repaint_after(std::time::Duration::from_millis(100));
        let polled = job.poll(&mut open.ledger);
        if polled.end.is_some() {
            self.fetch_job = None;
        }
        self.show_polled(polled);
    }

    /// Polls the send of chase e-mails.
    pub(super) fn poll_chase(&mut self, ctx: &egui::Context) {
        let (Some(job), LedgerState::Open(open)) = (&mut self.chase_job, &mut self.state) else {
            return;
        };
        ctx.request_repaint_after(std::time::Duration::from_millis(100));
        let polled = job.poll(&mut open.ledger);
        if polled.end.is_some() {
            self.chase_job = None;
        }
        self.show_polled(polled);
    }

    fn show_polled(&mut self, polled: Polled) {
        if let Some(problem) = polled.problem {
            self.show_error(problem);
        }
        let Some(end) = polled.end else {
            return;
        };
        self.reload_data();
        match end {
            JobEnd::Notice(notice) => self.notice = Some(notice),
            JobEnd::Problem(message, detail) => {
                self.log.error(&detail);
                self.show_error(message);
            }
        }
    }
}
