//! One budget for every read from a mail server. A server is hostile input: it may never
//! answer, answer one byte every twenty seconds, send an endless line, or send more than it
//! declared. Every connection to IMAP or SMTP goes through a [`Guard`]:
//!
//! - below TLS, [`Socket`] gives each read the time left: at most [`SILENCE`] without a byte,
//!   at most the time of the exchange in hand (a command and its answer), and never past the
//!   deadline of the whole job (a fetch, a send run);
//! - above TLS, [`Metered`] counts what actually arrives for the exchange in hand (not what the
//!   server declared) and the length of the current line, and refuses more than allowed.
//!
//! A refusal is an I/O error carrying an [`Overrun`]; the guard remembers it, so that the
//! caller says what the server did in a sentence of its own ([`Guard::tripped`]).

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The longest wait for any byte from a server.
pub const SILENCE: Duration = Duration::from_secs(30);
/// The longest one short exchange may take (greeting, login, a list, a send's command).
pub const EXCHANGE: Duration = Duration::from_secs(60);
/// The longest a whole fetch of the mailbox may take; what is not read by then is read next
/// time.
pub const FETCH_DEADLINE: Duration = Duration::from_secs(300);
/// The longest a whole run of sends may take.
pub const SEND_DEADLINE: Duration = Duration::from_secs(300);

/// What a server did that ended the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Overrun {
    /// No byte for this long.
    Silent(Duration),
    /// The exchange named took longer than it may.
    Slow { what: String, limit: Duration },
    /// The job's deadline passed.
    Deadline(Duration),
    /// A line longer than this many bytes.
    Line { what: String, limit: u64 },
    /// More than this many bytes for one exchange.
    TooMuch { what: String, limit: u64 },
}

impl std::fmt::Display for Overrun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Silent(limit) => write!(f, "{} 秒没有任何应答", limit.as_secs()),
            Self::Slow { what, limit } => {
                write!(f, "{what}超过 {} 秒仍未发完（发送过慢）", limit.as_secs())
            }
            Self::Deadline(limit) => write!(f, "整个过程超过了 {} 秒的时限", limit.as_secs()),
            Self::Line { what, limit } => {
                write!(
                    f,
                    "{what}中有一行超过 {}，不是正常的应答",
                    size_label(*limit)
                )
            }
            Self::TooMuch { what, limit } => {
                write!(f, "{what}超过 {}，不是正常的应答", size_label(*limit))
            }
        }
    }
}

impl std::error::Error for Overrun {}

/// A size in words: `64 KB`, `24 MB`.
pub fn size_label(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes.div_ceil(1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024).max(1))
    }
}

#[derive(Debug)]
struct State {
    started: Instant,
    deadline: Duration,
    what: String,
    exchange_end: Instant,
    exchange_limit: Duration,
    allowance: u64,
    used: u64,
    line_cap: u64,
    line_len: u64,
    tripped: Option<Overrun>,
}

/// The limits of one connection, shared by its socket and its metered stream.
#[derive(Clone, Debug)]
pub struct Guard {
    state: Arc<Mutex<State>>,
    silence: Duration,
}

/// Why a read may not wait longer: silence, the exchange, or the deadline.
enum Bound {
    Silence,
    Exchange,
    Deadline,
}

impl Guard {
    /// A guard whose job must end `deadline` from now.
    pub fn new(deadline: Duration) -> Self {
        Self::with_silence(deadline, SILENCE)
    }

    /// The same with another silence limit (tests of slow servers).
    pub fn with_silence(deadline: Duration, silence: Duration) -> Self {
        let now = Instant::now();
        Self {
            state: Arc::new(Mutex::new(State {
                started: now,
                deadline,
                what: "服务器的应答".to_owned(),
                exchange_end: now + EXCHANGE.min(deadline),
                exchange_limit: EXCHANGE,
                allowance: 64 * 1024,
                used: 0,
                line_cap: 64 * 1024,
                line_len: 0,
                tripped: None,
            })),
            silence,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts an exchange: `what` (in words, for the message), at most `allowance` bytes in
    /// all with lines of at most `line_cap`, within `time` (and the job's deadline).
    pub fn begin(&self, what: &str, allowance: u64, line_cap: u64, time: Duration) {
        let mut state = self.lock();
        let now = Instant::now();
        let job_end = state.started + state.deadline;
        state.what = what.to_owned();
        state.exchange_end = (now + time).min(job_end);
        state.exchange_limit = time;
        state.allowance = allowance;
        state.used = 0;
        state.line_cap = line_cap;
        state.line_len = 0;
    }

    /// Forgets what ended the last connection, for a new one under the same deadline.
    pub fn reconnecting(&self) {
        self.lock().tripped = None;
    }

    /// What ended the connection, if the guard did.
    pub fn tripped(&self) -> Option<Overrun> {
        self.lock().tripped.clone()
    }

    /// Whether the job's deadline has passed.
    pub fn past_deadline(&self) -> bool {
        let state = self.lock();
        state.started.elapsed() >= state.deadline
    }

    /// The job's deadline.
    pub fn deadline(&self) -> Duration {
        self.lock().deadline
    }

    /// The time left for the job.
    pub fn time_left(&self) -> Duration {
        let state = self.lock();
        state.deadline.saturating_sub(state.started.elapsed())
    }

    fn trip(&self, state: &mut State, overrun: Overrun) -> io::Error {
        if state.tripped.is_none() {
            state.tripped = Some(overrun.clone());
        }
        let kind = match overrun {
            Overrun::Silent(_) | Overrun::Slow { .. } | Overrun::Deadline(_) => {
                io::ErrorKind::TimedOut
            }
            _ => io::ErrorKind::InvalidData,
        };
        io::Error::new(kind, overrun)
    }

    /// How long the next read may wait, and what bounds it.
    fn wait(&self) -> Result<(Duration, Bound), io::Error> {
        let mut state = self.lock();
        if let Some(tripped) = state.tripped.clone() {
            return Err(io::Error::new(io::ErrorKind::TimedOut, tripped));
        }
        let now = Instant::now();
        let job_end = state.started + state.deadline;
        let mut wait = (self.silence, Bound::Silence);
        let exchange_left = state.exchange_end.saturating_duration_since(now);
        if exchange_left <= wait.0 {
            wait = if state.exchange_end >= job_end {
                (exchange_left, Bound::Deadline)
            } else {
                (exchange_left, Bound::Exchange)
            };
        }
        if wait.0.is_zero() {
            let overrun = self.overrun_of(&state, &wait.1);
            return Err(self.trip(&mut state, overrun));
        }
        Ok(wait)
    }

    fn overrun_of(&self, state: &State, bound: &Bound) -> Overrun {
        match bound {
            Bound::Silence => Overrun::Silent(self.silence),
            Bound::Exchange => Overrun::Slow {
                what: state.what.clone(),
                limit: state.exchange_limit,
            },
            Bound::Deadline => Overrun::Deadline(state.deadline),
        }
    }

    fn timed_out(&self, bound: &Bound) -> io::Error {
        let mut state = self.lock();
        let overrun = self.overrun_of(&state, bound);
        self.trip(&mut state, overrun)
    }

    /// Counts bytes that arrived for the exchange in hand.
    fn count(&self, bytes: &[u8]) -> Result<(), io::Error> {
        let mut state = self.lock();
        state.used = state.used.saturating_add(bytes.len() as u64);
        if state.used > state.allowance {
            let overrun = Overrun::TooMuch {
                what: state.what.clone(),
                limit: state.allowance,
            };
            return Err(self.trip(&mut state, overrun));
        }
        let mut line = state.line_len;
        for byte in bytes {
            if *byte == b'\n' {
                line = 0;
            } else {
                line += 1;
            }
            if line > state.line_cap {
                let overrun = Overrun::Line {
                    what: state.what.clone(),
                    limit: state.line_cap,
                };
                return Err(self.trip(&mut state, overrun));
            }
        }
        state.line_len = line;
        Ok(())
    }
}

/// The TCP socket of a guarded connection: every read and write waits at most what the guard
/// allows. TLS runs over it, so a server that trickles TLS records is bounded too.
#[derive(Debug)]
pub struct Socket {
    tcp: TcpStream,
    guard: Guard,
}

impl Socket {
    pub fn new(tcp: TcpStream, guard: Guard) -> Self {
        Self { tcp, guard }
    }
}

fn is_timeout(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let (wait, bound) = self.guard.wait()?;
        self.tcp.set_read_timeout(Some(wait))?;
        match self.tcp.read(buf) {
            Err(error) if is_timeout(&error) => Err(self.guard.timed_out(&bound)),
            other => other,
        }
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let (wait, bound) = self.guard.wait()?;
        self.tcp.set_write_timeout(Some(wait))?;
        match self.tcp.write(buf) {
            Err(error) if is_timeout(&error) => Err(self.guard.timed_out(&bound)),
            other => other,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// A plain or TLS stream whose reads are counted against the guard's exchange.
pub struct Metered<S> {
    inner: S,
    guard: Guard,
}

impl<S> Metered<S> {
    pub fn new(inner: S, guard: Guard) -> Self {
        Self { inner, guard }
    }

    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S: Read> Read for Metered<S> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.guard.count(buf.get(..read).unwrap_or_default())?;
        Ok(read)
    }
}

impl<S: Write> Write for Metered<S> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// A connection to a mail server, plain or TLS, its reads metered by its guard.
pub enum MailStream {
    Plain(Metered<Socket>),
    Tls(Box<Metered<TlsStream>>),
}

/// TLS over a guarded socket.
pub type TlsStream = rustls::StreamOwned<rustls::ClientConnection, Socket>;

impl Read for MailStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.read(buf),
            Self::Tls(s) => s.read(buf),
        }
    }
}

impl Write for MailStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Self::Plain(s) => s.write(buf),
            Self::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Self::Plain(s) => s.flush(),
            Self::Tls(s) => s.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_line_over_its_cap_trips_the_guard() {
        let guard = Guard::new(Duration::from_secs(10));
        guard.begin("问候语", 1000, 10, Duration::from_secs(5));
        let mut stream = Metered::new(&b"* OK hello there, this is long\r\n"[..], guard.clone());
        let mut out = Vec::new();
        assert!(stream.read_to_end(&mut out).is_err());
        assert!(matches!(
            guard.tripped(),
            Some(Overrun::Line { limit: 10, .. })
        ));
    }

    #[test]
    fn more_than_the_allowance_trips_the_guard() {
        let guard = Guard::new(Duration::from_secs(10));
        guard.begin("邮件", 16, 1000, Duration::from_secs(5));
        let data = [b'a'; 100];
        let mut stream = Metered::new(&data[..], guard.clone());
        let mut out = Vec::new();
        assert!(stream.read_to_end(&mut out).is_err());
        assert!(matches!(
            guard.tripped(),
            Some(Overrun::TooMuch { limit: 16, .. })
        ));
    }

    #[test]
    fn lines_reset_at_each_newline() {
        let guard = Guard::new(Duration::from_secs(10));
        guard.begin("列表", 1000, 10, Duration::from_secs(5));
        let mut stream = Metered::new(&b"123456789\n123456789\n"[..], guard.clone());
        let mut out = Vec::new();
        stream.read_to_end(&mut out).unwrap();
        assert_eq!(guard.tripped(), None);
    }

    #[test]
    fn a_silent_server_trips_the_silence_limit() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        #[expect(clippy::disallowed_methods, reason = "a test's server thread")]
        let _server = std::thread::spawn(move || {
            let (socket, _) = listener.accept().unwrap();
            std::thread::sleep(Duration::from_secs(2));
            drop(socket);
        });
        let guard = Guard::with_silence(Duration::from_secs(10), Duration::from_millis(300));
        let mut socket = Socket::new(TcpStream::connect(address).unwrap(), guard.clone());
        let mut buf = [0_u8; 8];
        let started = Instant::now();
        assert!(socket.read(&mut buf).is_err());
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(
            guard.tripped(),
            Some(Overrun::Silent(Duration::from_millis(300)))
        );
    }

    #[test]
    fn the_deadline_bounds_a_trickle() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        #[expect(clippy::disallowed_methods, reason = "a test's server thread")]
        let _server = std::thread::spawn(move || {
            let (mut socket, _) = listener.accept().unwrap();
            for _ in 0..40 {
                if socket.write_all(b"x").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let guard = Guard::with_silence(Duration::from_millis(700), Duration::from_secs(5));
        guard.begin("问候语", 1000, 1000, Duration::from_secs(60));
        let mut socket = Socket::new(TcpStream::connect(address).unwrap(), guard.clone());
        let started = Instant::now();
        let mut buf = [0_u8; 1];
        while socket.read(&mut buf).is_ok() {}
        assert!(started.elapsed() < Duration::from_secs(2));
        assert_eq!(
            guard.tripped(),
            Some(Overrun::Deadline(Duration::from_millis(700)))
        );
    }
}
