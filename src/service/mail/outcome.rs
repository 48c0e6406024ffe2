//! What became of each recipient of a send run, and the run's closing line.

use super::OutMail;

/// What became of one recipient.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The server confirmed it.
    Sent,
    /// Handed over without a complete reply: the recipient may have it.
    Uncertain(String),
    /// Not delivered, with why.
    Failed(String),
    /// No address: not sent.
    NoAddress,
    /// Left out by the resend rule, with why.
    Skipped(String),
}

impl Outcome {
    /// `sent`, `uncertain`, `failed`, `no_address`, `skipped`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Uncertain(_) => "uncertain",
            Self::Failed(_) => "failed",
            Self::NoAddress => "no_address",
            Self::Skipped(_) => "skipped",
        }
    }

    /// The outcome in words for the user.
    pub fn words(&self) -> String {
        match self {
            Self::Sent => "已发送".to_owned(),
            Self::Uncertain(why) => format!("结果不明：对方可能已收到（{why}）"),
            Self::Failed(why) => format!("发送失败：{why}"),
            Self::NoAddress => "没有邮箱地址，未发送；请在“责任部门”中填写".to_owned(),
            Self::Skipped(why) => format!("未发送：{why}"),
        }
    }

    /// The reason alone, when there is one.
    pub fn reason(&self) -> Option<String> {
        match self {
            Self::Sent => None,
            Self::Uncertain(why) | Self::Failed(why) | Self::Skipped(why) => Some(why.clone()),
            Self::NoAddress => {
                Some("该部门没有邮箱地址，未发送；请在“责任部门”中填写。".to_owned())
            }
        }
    }
}

/// One recipient's line in the run's result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailReport {
    pub mail: OutMail,
    pub outcome: Outcome,
    /// The outcome could not be recorded (the ledger was busy or failed): why.
    pub unrecorded: Option<String>,
}

/// What a run did, one line per recipient.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub reports: Vec<MailReport>,
}

impl RunSummary {
    /// How many ended with outcome `code`.
    pub fn count(&self, code: &str) -> usize {
        self.reports
            .iter()
            .filter(|r| r.outcome.code() == code)
            .count()
    }

    /// Whether every message with an address went and was recorded.
    pub fn all_well(&self) -> bool {
        self.reports.iter().all(|r| {
            matches!(
                r.outcome,
                Outcome::Sent | Outcome::NoAddress | Outcome::Skipped(_)
            ) && r.unrecorded.is_none()
        })
    }

    /// The closing line, counting exactly what happened: `what` names a message (模板邮件).
    pub fn closing_line(&self, what: &str) -> String {
        let mut parts = vec![format!("已发送 {} 封{what}", self.count("sent"))];
        let uncertain = self.count("uncertain");
        if uncertain > 0 {
            parts.push(format!(
                "{uncertain} 封结果不明（已交给服务器但未得到确认，对方可能已收到；只发未收到的不会重发它们）"
            ));
        }
        let failed = self.count("failed");
        if failed > 0 {
            parts.push(format!("{failed} 封未能发送"));
        }
        let no_address = self.count("no_address");
        if no_address > 0 {
            parts.push(format!("{no_address} 个部门没有邮箱地址"));
        }
        let skipped = self.count("skipped");
        if skipped > 0 {
            parts.push(format!("{skipped} 个此前已发、本次未发"));
        }
        let unrecorded = self
            .reports
            .iter()
            .filter(|r| r.unrecorded.is_some())
            .count();
        let recorded = if unrecorded > 0 {
            format!("；其中 {unrecorded} 封未能记入台账（见各自的原因）")
        } else if self.count("sent") + uncertain + failed > 0 {
            "；均已记入台账".to_owned()
        } else {
            String::new()
        };
        format!("{}{recorded}。", parts.join("，"))
    }
}
