//! TLS for the mailbox: rustls with ring, certificates verified by the operating system's
//! verifier (Windows' own store, where a government network may have added its root; the
//! system's CA bundle on Linux, or `SSL_CERT_FILE`). A certificate the system does not trust
//! is refused; there is no switch to accept it.

use std::io;
use std::net::{TcpStream, ToSocketAddrs as _};
use std::sync::Arc;
use std::time::Duration;

use rustls_platform_verifier::BuilderVerifierExt as _;

use super::MailboxError;
use super::net::{Guard, Socket, TlsStream};

/// How a mail server is reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Security {
    /// TLS from the first byte (IMAPS 993, SMTPS 465).
    #[default]
    Tls,
    /// Plain, then `STARTTLS`.
    StartTls,
    /// No encryption (a server on this machine).
    None,
}

impl Security {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "tls" | "ssl" => Some(Self::Tls),
            "starttls" => Some(Self::StartTls),
            "none" | "plain" => Some(Self::None),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::Tls => "tls",
            Self::StartTls => "starttls",
            Self::None => "none",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Tls => "SSL/TLS",
            Self::StartTls => "STARTTLS",
            Self::None => "不加密",
        }
    }
}

/// Seconds to wait for a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// The client configuration: ring, the platform verifier.
pub fn client_config() -> Result<Arc<rustls::ClientConfig>, MailboxError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_platform_verifier())
        .map_err(|e| MailboxError::Tls(e.to_string()))?
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// Opens a TCP connection whose reads and writes the guard bounds; every failure is "cannot
/// connect" (what the server does once connected is the guard's to say).
pub fn connect_tcp(host: &str, port: u16, guard: &Guard) -> Result<Socket, MailboxError> {
    let unreachable = |detail: String| MailboxError::Connect {
        server: format!("{host}:{port}"),
        detail,
    };
    // The system's resolver has no timeout of its own: ask on a helper thread and wait at
    // most the connect time.
    let (sender, receiver) = std::sync::mpsc::channel();
    let name = (host.to_owned(), port);
    let asked = std::thread::Builder::new()
        .name("name-resolver".to_owned())
        .spawn(move || {
            let _ = sender.send(name.to_socket_addrs().map(Iterator::collect::<Vec<_>>));
        });
    if let Err(error) = asked {
        return Err(unreachable(error.to_string()));
    }
    let addresses = match receiver.recv_timeout(CONNECT_TIMEOUT.min(guard.time_left())) {
        Ok(Ok(addresses)) => addresses,
        Ok(Err(error)) => return Err(unreachable(error.to_string())),
        Err(_) => return Err(unreachable("the name did not resolve in time".to_owned())),
    };
    let mut last = None;
    for address in addresses {
        let wait = CONNECT_TIMEOUT.min(guard.time_left());
        if wait.is_zero() {
            break;
        }
        match TcpStream::connect_timeout(&address, wait) {
            Ok(stream) => return Ok(Socket::new(stream, guard.clone())),
            Err(error) => last = Some(error),
        }
    }
    Err(unreachable(
        last.map_or_else(|| "no address".to_owned(), |e| e.to_string()),
    ))
}

/// Wraps a connected socket in TLS and completes the handshake, so that a certificate the
/// system does not trust is refused here, with the reason.
pub fn wrap(host: &str, mut tcp: Socket, guard: &Guard) -> Result<TlsStream, MailboxError> {
    let name = rustls::pki_types::ServerName::try_from(host.to_owned())
        .map_err(|e| MailboxError::Tls(e.to_string()))?;
    let mut connection = rustls::ClientConnection::new(client_config()?, name)
        .map_err(|e| MailboxError::Tls(e.to_string()))?;
    while connection.is_handshaking() {
        connection
            .complete_io(&mut tcp)
            .map_err(|e| tls_failure(host, &e, guard))?;
    }
    Ok(rustls::StreamOwned::new(connection, tcp))
}

/// A failure on a connected stream in words: what the guard stopped, an untrusted
/// certificate and why, a server that does not speak TLS.
pub fn tls_failure(host: &str, error: &io::Error, guard: &Guard) -> MailboxError {
    if let Some(overrun) = guard.tripped() {
        return MailboxError::Misbehaved {
            server: host.to_owned(),
            overrun,
        };
    }
    match error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidCertificate(reason)) => {
            return MailboxError::Untrusted {
                server: host.to_owned(),
                reason: certificate_reason(reason),
            };
        }
        // Not TLS at all (a plain port), or a broken handshake.
        Some(_) => {
            return MailboxError::Tls(format!(
                "服务器（{host}）没有按 SSL/TLS 应答，请检查端口和加密方式"
            ));
        }
        None => {}
    }
    MailboxError::Lost(format!(
        "{host} {}",
        match error.kind() {
            io::ErrorKind::BrokenPipe
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::UnexpectedEof => "断开了连接".to_owned(),
            _ => crate::files::io_phrase(error).to_owned(),
        }
    ))
}

fn certificate_reason(error: &rustls::CertificateError) -> String {
    use rustls::CertificateError as E;
    match error {
        E::Expired | E::ExpiredContext { .. } => "证书已过期".to_owned(),
        E::NotValidYet | E::NotValidYetContext { .. } => "证书尚未生效".to_owned(),
        E::NotValidForName | E::NotValidForNameContext { .. } => {
            "证书上的名称与服务器地址不符".to_owned()
        }
        E::UnknownIssuer => "证书的签发机构不在本机信任的根证书中".to_owned(),
        E::Revoked => "证书已被吊销".to_owned(),
        E::BadSignature => "证书签名无效".to_owned(),
        other => format!("证书无效（{other:?}）"),
    }
}
