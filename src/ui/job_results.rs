//! What the window shows when a background job reports: the jobs say how they ended
//! ([`JobEnd`]), the window shows it and reloads what changed.

use super::app::{LedgerState, TaizhangApp};
use super::jobs::{JobEnd, backup_end};
use super::mail_jobs::Polled;

impl TaizhangApp {
    /// Polls every background job once a frame.
    pub(super) fn poll_jobs(&mut self, ctx: &egui::Context) {
        self.poll_export(ctx);
        self.poll_binder(ctx);
        self.poll_backup(ctx);
        self.poll_fetch(ctx);
        self.poll_chase(ctx);
        self.poll_templates(ctx);
        self.poll_sheet_send(ctx);
        self.poll_mailbox_test(ctx);
    }

    /// Waits for the backup at start to finish and takes its result (tests and benchmarks;
    /// the window polls instead).
    pub fn wait_for_backup(&mut self) {
        if let LedgerState::Open(open) = &mut self.state
            && let Some(mut job) = open.backup_job.take()
            && let Some(result) = job.wait()
        {
            self.show_end(backup_end(result));
        }
    }

    fn poll_backup(&mut self, ctx: &egui::Context) {
        let LedgerState::Open(open) = &mut self.state else {
            return;
        };
        let Some(job) = &mut open.backup_job else {
            return;
        };
        match job.try_finish() {
            Some(result) => {
                open.backup_job = None;
                self.show_end(backup_end(result));
            }
            None => ctx.request_repaint_after(super::JOB_FALLBACK),
        }
    }

    fn poll_mailbox_test(&mut self, ctx: &egui::Context) {
        let Some(job) = &mut self.mailbox_test_job else {
            return;
        };
        match job.poll() {
            Some(done) => {
                self.mailbox_test_job = None;
                // The result takes the place of the word that the test was running.
                self.messages.withdraw(super::apply::TESTING_MAILBOX);
                let lines = done.unwrap_or_else(|_| vec!["测试连接意外中止".to_owned()]);
                let message = format!("测试连接：\n{}", lines.join("\n"));
                if lines.iter().all(|l| l.contains("登录成功")) {
                    self.messages.notice(message);
                } else {
                    self.show_error(message);
                }
            }
            None => ctx.request_repaint_after(super::JOB_FALLBACK),
        }
    }

    fn poll_binder(&mut self, ctx: &egui::Context) {
        let Some(job) = &mut self.binder_job else {
            return;
        };
        let line = job.progress_line();
        if line != job.shown {
            if let Some(old) = job.shown.take() {
                self.messages.withdraw(&old);
            }
            if let Some(line) = &line {
                self.messages.notice(line.clone());
            }
            job.shown = line;
        }
        match job.poll() {
            Some(end) => {
                if let Some(old) = job.shown.take() {
                    self.messages.withdraw(&old);
                }
                self.binder_job = None;
                self.show_end(end);
            }
            None => ctx.request_repaint_after(super::JOB_FALLBACK),
        }
    }

    fn poll_export(&mut self, ctx: &egui::Context) {
        let Some(job) = &mut self.export_job else {
            return;
        };
        match job.poll() {
            Some(end) => {
                self.export_job = None;
                self.show_end(end);
            }
            None => ctx.request_repaint_after(super::JOB_FALLBACK),
        }
    }

    fn poll_fetch(&mut self, ctx: &egui::Context) {
        let (Some(job), LedgerState::Open(open)) = (&mut self.fetch_job, &mut self.state) else {
            return;
        };
        ctx.request_repaint_after(super::JOB_FALLBACK);
        let polled = job.poll(&mut open.ledger);
        if polled.end.is_some() {
            self.fetch_job = None;
        }
        self.show_polled(polled);
    }

    fn poll_chase(&mut self, ctx: &egui::Context) {
        let (Some(job), LedgerState::Open(open)) = (&mut self.chase_job, &mut self.state) else {
            return;
        };
        ctx.request_repaint_after(super::JOB_FALLBACK);
        let polled = job.poll(&mut open.ledger);
        if polled.end.is_some() {
            self.chase_job = None;
        }
        self.show_polled(polled);
    }

    fn poll_templates(&mut self, ctx: &egui::Context) {
        let (Some(job), LedgerState::Open(open)) = (&mut self.template_job, &mut self.state) else {
            return;
        };
        ctx.request_repaint_after(super::JOB_FALLBACK);
        let polled = job.poll(&mut open.ledger);
        if polled.end.is_some() {
            self.template_job = None;
        }
        self.show_polled(polled);
    }

    fn poll_sheet_send(&mut self, ctx: &egui::Context) {
        let (Some(job), LedgerState::Open(open)) = (&mut self.sheet_send_job, &mut self.state)
        else {
            return;
        };
        ctx.request_repaint_after(super::JOB_FALLBACK);
        let polled = job.poll(&mut open.ledger);
        if polled.end.is_some() {
            self.sheet_send_job = None;
        }
        self.show_polled(polled);
    }

    fn show_polled(&mut self, polled: Polled) {
        if let Some(problem) = polled.problem {
            self.show_error(problem);
        }
        if let Some(end) = polled.end {
            self.show_end(end);
        }
    }

    /// Shows how a job ended and reloads what it may have changed.
    fn show_end(&mut self, end: JobEnd) {
        self.reload_data();
        match end {
            JobEnd::Quiet => {}
            JobEnd::Notice(notice) => self.messages.notice(notice),
            JobEnd::Warning(message) => {
                self.log.error(&message);
                self.messages.notice(message);
            }
            JobEnd::Problem(message, detail) => {
                self.log.error(&detail);
                self.show_error(message);
            }
        }
    }
}
