//! The mail commands' arguments: `import-email`, `fetch-mail`, `chase`, and the server
//! options they share.

use super::*;

pub(super) fn import_email(words: &mut Words) -> Result<Job, UsageError> {
    let Job::ImportReturns {
        files,
        period,
        department,
        received,
        dry_run,
        json,
    } = import_returns(words)
        .map_err(|e| UsageError(e.0.replace("import-returns", "import-email")))?
    else {
        return Err(usage("import-email 后面缺少文件"));
    };
    Ok(Job::ImportEmail {
        files,
        department,
        period,
        received,
        dry_run,
        json,
    })
}

/// The server options shared by `fetch-mail` and `chase --send`.
#[derive(Default)]
pub(super) struct ServerWords {
    host: Option<String>,
    port: Option<u16>,
    security: Option<crate::service::mail::Security>,
    user: Option<String>,
    password_env: Option<String>,
    deadline: Option<u64>,
}

impl ServerWords {
    /// No server option was given.
    pub(super) fn is_empty(&self) -> bool {
        self.host.is_none()
            && self.port.is_none()
            && self.security.is_none()
            && self.user.is_none()
            && self.password_env.is_none()
            && self.deadline.is_none()
    }

    /// Takes `flag` if it is a server option.
    pub(super) fn take(
        &mut self,
        flag: &str,
        words: &mut Words,
        host_flag: &str,
        port_flag: &str,
    ) -> Result<bool, UsageError> {
        match flag {
            f if f == host_flag => self.host = Some(words.value(host_flag)?),
            f if f == port_flag => {
                let text = words.value(port_flag)?;
                let port = text
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| usage(format!("{port_flag} 的端口“{text}”无效")))?;
                self.port = Some(port);
            }
            "--security" => {
                let text = words.value("--security")?;
                self.security =
                    Some(crate::service::mail::Security::parse(&text).ok_or_else(|| {
                        usage(format!(
                            "--security 应为 tls、starttls 或 none，而不是“{text}”"
                        ))
                    })?);
            }
            "--user" => self.user = Some(words.value("--user")?),
            "--password-env" => self.password_env = Some(words.value("--password-env")?),
            "--deadline" => {
                let text = words.value("--deadline")?;
                let seconds = text
                    .parse::<u64>()
                    .ok()
                    .filter(|s| (5..=3600).contains(s))
                    .ok_or_else(|| {
                        usage(format!(
                            "--deadline 应为 5 至 3600 之间的秒数，而不是“{text}”"
                        ))
                    })?;
                self.deadline = Some(seconds);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Refuses server options given without the flag that sends.
    pub(super) fn refuse_unused(&self, command: &str, flag: &str) -> Result<(), UsageError> {
        if self.host.is_some()
            || self.port.is_some()
            || self.user.is_some()
            || self.password_env.is_some()
            || self.deadline.is_some()
            || self.security.is_some()
        {
            return Err(usage(format!(
                "{command} 的邮件服务器参数只在 {flag} 时使用"
            )));
        }
        Ok(())
    }

    pub(super) fn finish(
        self,
        command: &str,
        host_flag: &str,
        port_flag: &str,
    ) -> Result<MailServer, UsageError> {
        let missing = |what: &str| usage(format!("{command} 需要 {what}"));
        Ok(MailServer {
            host: self.host.ok_or_else(|| missing(host_flag))?,
            port: self.port.ok_or_else(|| missing(port_flag))?,
            security: self.security.ok_or_else(|| missing("--security"))?,
            user: self.user.ok_or_else(|| missing("--user"))?,
            password_env: self.password_env.ok_or_else(|| missing("--password-env"))?,
            deadline: self.deadline,
        })
    }
}

pub(super) fn fetch_mail(words: &mut Words) -> Result<Job, UsageError> {
    let mut server = ServerWords::default();
    let (mut folder, mut dry_run, mut json) = (None, false, false);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--dry-run" => dry_run = true,
                "--json" => json = true,
                "--folder" => folder = Some(words.value("--folder")?),
                other => {
                    if !server.take(other, words, "--host", "--port")? {
                        return Err(words.unknown(other));
                    }
                }
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    Ok(Job::FetchMail {
        server: server.finish("fetch-mail", "--host", "--port")?,
        folder: folder.unwrap_or_else(|| "INBOX".to_owned()),
        dry_run,
        json,
    })
}

pub(super) fn chase(words: &mut Words) -> Result<Job, UsageError> {
    let mut server = ServerWords::default();
    let (mut period, mut send, mut json, mut plan) = (None, false, false, None);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--send" => send = true,
                "--plan" => plan = Some(words.plan_id()?),
                "--json" => json = true,
                "--period" => period = Some(words.period("--period")?),
                other => {
                    if !server.take(other, words, "--smtp-host", "--smtp-port")? {
                        return Err(words.unknown(other));
                    }
                }
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    let period = period.ok_or_else(|| usage("chase 需要 --period YYYY-MM"))?;
    let send = if send {
        Some(server.finish("chase --send", "--smtp-host", "--smtp-port")?)
    } else {
        if server.host.is_some() || server.user.is_some() || server.deadline.is_some() {
            return Err(usage("chase 的邮件服务器参数只在 --send 时使用"));
        }
        None
    };
    Ok(Job::Chase {
        period,
        send,
        json,
        plan,
    })
}

/// `send-back --period P --department NAME --reason TEXT [SMTP…] [--plan ID] [--json]`: with
/// the SMTP options the sending back is e-mailed; without them the text is printed to copy.
pub(super) fn send_back(words: &mut Words) -> Result<Job, UsageError> {
    let mut server = ServerWords::default();
    let (mut period, mut department, mut reason, mut json, mut plan) =
        (None, None, None, false, None);
    while let Some(word) = words.next() {
        match word {
            Word::Flag(flag) => match flag.as_str() {
                "--plan" => plan = Some(words.plan_id()?),
                "--json" => json = true,
                "--period" => period = Some(words.period("--period")?),
                "--department" => department = Some(words.value("--department")?),
                "--reason" => reason = Some(words.value("--reason")?),
                other => {
                    if !server.take(other, words, "--smtp-host", "--smtp-port")? {
                        return Err(words.unknown(other));
                    }
                }
            },
            Word::Plain(other) => return Err(words.unknown(&other)),
        }
    }
    let period = period.ok_or_else(|| usage("send-back 需要 --period YYYY-MM"))?;
    let department = department.ok_or_else(|| usage("send-back 需要 --department 部门名称"))?;
    let reason = reason.ok_or_else(|| usage("send-back 需要 --reason 退回原因"))?;
    let send = if server.is_empty() {
        None
    } else {
        Some(server.finish("send-back", "--smtp-host", "--smtp-port")?)
    };
    Ok(Job::SendBack {
        period,
        department,
        reason,
        send,
        json,
        plan,
    })
}
