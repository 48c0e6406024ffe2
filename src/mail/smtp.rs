//! Sending chase e-mails through the office mailbox's SMTP server (lettre, rustls with the
//! system's verifier). Each message is plain text, UTF-8, its subject RFC 2047-encoded.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport as _};

use super::imap::MailboxError;
use super::tls::Security;

/// The server to send through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmtpAccount {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub user: String,
    pub password: String,
    /// The sender's address (normally the user).
    pub from: String,
}

/// One message to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub to: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
}

/// Why a message could not be sent.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum SendError {
    #[error(transparent)]
    Mailbox(#[from] MailboxError),
    #[error("收件地址“{0}”不是有效的邮箱地址。")]
    BadAddress(String),
    #[error("邮件服务器拒绝发送：{0}")]
    Rejected(String),
}

impl SendError {
    pub fn log_detail(&self) -> String {
        match self {
            Self::Mailbox(error) => error.log_detail(),
            other => other.to_string(),
        }
    }
}

/// An open connection that sends one message after another.
pub struct Sender {
    transport: SmtpTransport,
    from: Mailbox,
    server: String,
}

impl Sender {
    pub fn new(account: &SmtpAccount) -> Result<Self, SendError> {
        let from: Mailbox = account
            .from
            .parse()
            .map_err(|_| SendError::BadAddress(account.from.clone()))?;
        let tls = || {
            TlsParameters::builder(account.host.clone())
                .build_rustls()
                .map_err(|e| MailboxError::Tls(e.to_string()))
        };
        let tls = match account.security {
            Security::Tls => Tls::Wrapper(tls()?),
            Security::StartTls => Tls::Required(tls()?),
            Security::None => Tls::None,
        };
        let transport = SmtpTransport::builder_dangerous(account.host.clone())
            .port(account.port)
            .tls(tls)
            .credentials(Credentials::new(
                account.user.clone(),
                account.password.clone(),
            ))
            .timeout(Some(Duration::from_secs(60)))
            .build();
        Ok(Self {
            transport,
            from,
            server: format!("{}:{}", account.host, account.port),
        })
    }

    /// Checks that the server answers and accepts the login, before anything is sent.
    pub fn check(&self) -> Result<(), SendError> {
        self.transport
            .test_connection()
            .map(|_| ())
            .map_err(|e| self.failure(&e))
    }

    /// Sends one message.
    pub fn send(&self, outgoing: &Outgoing) -> Result<(), SendError> {
        let address = outgoing
            .to
            .parse()
            .map_err(|_| SendError::BadAddress(outgoing.to.clone()))?;
        let to = Mailbox::new(
            (!outgoing.to_name.is_empty()).then(|| outgoing.to_name.clone()),
            address,
        );
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(outgoing.subject.clone())
            .header(ContentType::TEXT_PLAIN)
            .body(outgoing.body.clone())
            .map_err(|e| SendError::Rejected(e.to_string()))?;
        self.transport
            .send(&message)
            .map(|_| ())
            .map_err(|e| self.failure(&e))
    }

    fn failure(&self, error: &lettre::transport::smtp::Error) -> SendError {
        use std::error::Error as _;
        // An untrusted certificate says why; it may sit inside an io::Error, whose own
        // `source` skips it.
        let mut source = error.source();
        while let Some(inner) = source {
            let rustls_error = inner.downcast_ref::<rustls::Error>().or_else(|| {
                inner
                    .downcast_ref::<std::io::Error>()
                    .and_then(|io| io.get_ref())
                    .and_then(|e| e.downcast_ref::<rustls::Error>())
            });
            if let Some(rustls_error) = rustls_error {
                let io = std::io::Error::new(std::io::ErrorKind::InvalidData, rustls_error.clone());
                return super::tls::tls_failure(&self.server, &io).into();
            }
            source = inner.source();
        }
        if error.to_string().contains("STARTTLS") {
            return MailboxError::Tls(
                "服务器不支持 STARTTLS，请把加密方式改为 SSL/TLS（163 的端口 465）".to_owned(),
            )
            .into();
        }
        let code = error
            .status()
            .map(|code| code.to_string())
            .unwrap_or_default();
        if code.starts_with("535") || code.starts_with("530") {
            return MailboxError::Login(error.to_string()).into();
        }
        if error.is_response() || error.is_permanent() || error.is_transient() {
            return SendError::Rejected(error.to_string());
        }
        MailboxError::Connect {
            server: self.server.clone(),
            detail: error.to_string(),
        }
        .into()
    }
}
