//! Real mail servers for the tests: a private Dovecot (IMAP and IMAPS) and an aiosmtpd SMTP
//! server, each on 127.0.0.1, started from `scripts/` and stopped when dropped; and messages
//! as departments send them, built as raw RFC 5322 bytes.

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The mailbox's user and its authorisation code.
pub const USER: &str = "returns@example.cn";
pub const CODE: &str = "secret-code";

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scripts")
        .join(name)
}

/// A private Dovecot instance.
pub struct ImapServer {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub tls_port: u16,
    delivered: usize,
}

impl ImapServer {
    pub fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("imap")
            .tempdir_in("/tmp")
            .expect("a temp dir");
        let output = Command::new("bash")
            .arg(script("test-imap-server.sh"))
            .arg(dir.path())
            .output()
            .expect("the IMAP server script runs");
        assert!(
            output.status.success(),
            "Dovecot did not start (install dovecot-imapd, run as root): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let line = String::from_utf8_lossy(&output.stdout).into_owned();
        let value = |name: &str| -> u16 {
            line.split_whitespace()
                .find_map(|w| w.strip_prefix(&format!("{name}=")))
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("no {name} in {line}"))
        };
        Self {
            port: value("IMAP_PORT"),
            tls_port: value("IMAPS_PORT"),
            dir,
            delivered: 0,
        }
    }

    /// Delivers a raw message into the INBOX, as the mail system does.
    pub fn deliver(&mut self, raw: &[u8]) {
        self.delivered += 1;
        let name = format!(
            "1564700000.{}_{}.localhost",
            self.delivered,
            std::process::id()
        );
        let maildir = self.dir.path().join("Maildir");
        let temporary = maildir.join("tmp").join(&name);
        std::fs::write(&temporary, raw).expect("written");
        std::fs::rename(&temporary, maildir.join("new").join(&name)).expect("delivered");
    }

    /// The CA certificate the server's certificate is signed with.
    pub fn ca(&self) -> PathBuf {
        self.dir.path().join("cert.pem")
    }

    /// Everything clients sent after login, in order of sessions.
    pub fn client_lines(&self) -> Vec<String> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("rawlog"))
            .map(|entries| entries.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        files.retain(|p| p.extension().is_some_and(|e| e == "in"));
        files.sort();
        files
            .iter()
            .flat_map(|f| {
                std::fs::read_to_string(f)
                    .unwrap_or_default()
                    .lines()
                    .map(|l| l.split_once(' ').map_or(l, |(_, rest)| rest).to_owned())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// The flags of every message in the Maildir (the part after `:2,`), and how many there are.
    pub fn flags(&self) -> Vec<String> {
        let maildir = self.dir.path().join("Maildir");
        let mut flags = Vec::new();
        for folder in ["new", "cur"] {
            for entry in std::fs::read_dir(maildir.join(folder))
                .expect("a Maildir")
                .flatten()
            {
                let name = entry.file_name().to_string_lossy().into_owned();
                flags.push(name.split_once(":2,").map_or("", |(_, f)| f).to_owned());
            }
        }
        flags
    }
}

impl Drop for ImapServer {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .arg(script("test-imap-server.sh"))
            .arg("--stop")
            .arg(self.dir.path())
            .output();
    }
}

/// A misbehaving server in one mode; killed when dropped.
pub struct Hostile {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl Hostile {
    pub fn start(mode: &str, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("the hostile server");
        let mut child = Command::new("python3")
            .arg(script("hostile-mail-server.py"))
            .arg(mode)
            .arg(dir.path())
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the hostile server");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("the hostile server"))
            .read_line(&mut line)
            .expect("the hostile server");
        let port = line
            .trim()
            .strip_prefix("PORT=")
            .expect("the hostile server")
            .parse()
            .expect("the hostile server");
        Self { dir, port, child }
    }

    /// The commands the server received, and the connection ends.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

impl Drop for Hostile {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Hostile {
    /// How many messages' data reached the server (the final dot), whatever it replied.
    pub fn delivered(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("delivered"))
            .unwrap_or_default()
            .lines()
            .count()
    }
}

/// An aiosmtpd server that saves each message it accepts as `n.eml` in its folder.
pub struct SmtpServer {
    pub dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl SmtpServer {
    /// Plain SMTP, or implicit TLS with this certificate and key.
    pub fn start(tls: Option<(&Path, &Path)>) -> Self {
        Self::start_with(tls, None)
    }

    /// A server that accepts `drop_after` messages, then closes the connection at each later
    /// one's end of data (a send that fails halfway).
    pub fn start_with(tls: Option<(&Path, &Path)>, drop_after: Option<usize>) -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let mut command = Command::new("python3");
        command.arg(script("test-smtp-server.py")).arg(dir.path());
        if let Some((cert, key)) = tls {
            command.arg("--tls").arg(cert).arg(key);
        }
        if let Some(n) = drop_after {
            command.arg("--drop-after").arg(n.to_string());
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs the SMTP server (pip install aiosmtpd)");
        let stdout = child.stdout.take().expect("a pipe");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the port line");
        let port = line
            .trim()
            .strip_prefix("SMTP_PORT=")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("aiosmtpd did not start: {line:?}"));
        Self { dir, port, child }
    }

    /// The messages delivered so far, as raw bytes, in order.
    pub fn messages(&self) -> Vec<(Vec<u8>, String)> {
        (1..)
            .map_while(|n| {
                let eml = std::fs::read(self.dir.path().join(format!("{n}.eml"))).ok()?;
                let rcpt =
                    std::fs::read_to_string(self.dir.path().join(format!("{n}.rcpt"))).ok()?;
                Some((eml, rcpt))
            })
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Base64, folded at 76 characters as mail is.
pub fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len() * 4 / 3 + bytes.len() / 57 * 2 + 4);
    for (index, chunk) in bytes.chunks(3).enumerate() {
        if index > 0 && index % 19 == 0 {
            out.push_str("\r\n");
        }
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An RFC 2047 encoded word in GBK.
pub fn gbk_word(text: &str) -> String {
    let (bytes, _, _) = encoding_rs::GBK.encode(text);
    format!("=?GBK?B?{}?=", base64(&bytes).replace("\r\n", ""))
}

/// An RFC 2047 encoded word in UTF-8.
pub fn utf8_word(text: &str) -> String {
    format!(
        "=?UTF-8?B?{}?=",
        base64(text.as_bytes()).replace("\r\n", "")
    )
}

/// An RFC 2231 file name in GBK, percent-encoded.
pub fn gbk_filename(name: &str) -> String {
    let (bytes, _, _) = encoding_rs::GBK.encode(name);
    let encoded: String = bytes.iter().map(|b| format!("%{b:02X}")).collect();
    format!("filename*=GBK''{encoded}")
}

/// A message: headers, a UTF-8 text body, and attachments (name header part, bytes).
pub fn message(
    from: &str,
    subject_header: &str,
    date: &str,
    message_id: &str,
    body: &str,
    attachments: &[(String, &[u8])],
) -> Vec<u8> {
    let mut raw = format!(
        "From: {from}\r\nTo: rsxstg@163.com\r\nSubject: {subject_header}\r\nDate: {date}\r\nMessage-ID: <{message_id}>\r\nMIME-Version: 1.0\r\n"
    );
    if attachments.is_empty() {
        raw.push_str(
            "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
        );
        raw.push_str(&base64(body.as_bytes()));
        raw.push_str("\r\n");
        return raw.into_bytes();
    }
    raw.push_str("Content-Type: multipart/mixed; boundary=\"=_part\"\r\n\r\n--=_part\r\n");
    raw.push_str(
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n",
    );
    raw.push_str(&base64(body.as_bytes()));
    raw.push_str("\r\n");
    for (name, bytes) in attachments {
        raw.push_str(&format!(
            "--=_part\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; {name}\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        ));
        raw.push_str(&base64(bytes));
        raw.push_str("\r\n");
    }
    raw.push_str("--=_part--\r\n");
    raw.into_bytes()
}

/// A return written as a Word document: a title, 填报单位, and the form's table with these
/// rows (text, progress).
pub fn docx_return(department: &str, rows: &[(String, String)]) -> Vec<u8> {
    use std::io::Write as _;
    let paragraph = |text: &str| format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>");
    let cell = |text: &str| format!("<w:tc>{}</w:tc>", paragraph(text));
    let mut body = paragraph("2019年7月份《重点工作进展》");
    body.push_str(&paragraph(&format!("填报单位：{department}")));
    body.push_str("<w:tbl>");
    body.push_str(&format!(
        "<w:tr>{}{}{}{}</w:tr>",
        cell("序号"),
        cell("重点工作事项"),
        cell("进展情况"),
        cell("备注")
    ));
    for (index, (text, progress)) in rows.iter().enumerate() {
        body.push_str(&format!(
            "<w:tr>{}{}{}{}</w:tr>",
            cell(&(index + 1).to_string()),
            cell(text),
            cell(progress),
            "<w:tc><w:p/></w:tc>"
        ));
    }
    body.push_str("</w:tbl>");
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("[Content_Types].xml", options)
        .expect("a part");
    zip.write_all(b"<?xml version=\"1.0\"?><Types/>")
        .expect("written");
    zip.start_file("word/document.xml", options)
        .expect("a part");
    write!(
        zip,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    )
    .expect("written");
    zip.finish().expect("a zip").into_inner()
}

/// A real Secret Service for the tests: a private D-Bus session bus with gnome-keyring's
/// secrets component on it, unlocked, its files in a temporary folder. Dropping it stops both.
pub struct SecretService {
    pub dir: tempfile::TempDir,
    pub address: String,
    bus: Child,
}

impl SecretService {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("a temp dir");
        let socket = dir.path().join("bus");
        // The bus goes when this process does (a static service is never dropped), and
        // gnome-keyring-daemon leaves with its bus.
        let mut bus = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "dbus-daemon --session --nofork --print-address=1 --address=unix:path={} & bus=$!; \
                 while kill -0 {} 2>/dev/null && kill -0 $bus 2>/dev/null; do sleep 1; done; kill $bus",
                socket.display(),
                std::process::id()
            ))
            .stdout(Stdio::piped())
            .spawn()
            .expect("dbus-daemon runs (apt-get install dbus)");
        let mut line = String::new();
        std::io::BufReader::new(bus.stdout.take().expect("a pipe"))
            .read_line(&mut line)
            .expect("the bus address");
        let address = line.trim().to_owned();
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("HOME", dir.path())
            .env("XDG_RUNTIME_DIR", dir.path())
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon runs (apt-get install gnome-keyring)");
        {
            use std::io::Write as _;
            let mut stdin = keyring.stdin.take().expect("a pipe");
            stdin.write_all(b"test-keyring").expect("the password");
        }
        keyring
            .wait()
            .expect("the daemon forks and the starter exits");
        // Wait until the service owns its name on the bus.
        for _ in 0..100 {
            let owned = Command::new("dbus-send")
                .env("DBUS_SESSION_BUS_ADDRESS", &address)
                .args([
                    "--session",
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    "string:org.freedesktop.secrets",
                ])
                .output()
                .map(|o| String::from_utf8_lossy(&o.stdout).contains("true"))
                .unwrap_or(false);
            if owned {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Self { dir, address, bus }
    }

    /// Points this process's credential store at the service. Call before anything in the
    /// process opens the store (it is opened once per process).
    #[allow(unsafe_code)]
    pub fn use_here(&self) {
        // SAFETY: set once, before any thread of this test binary reads the variable (the
        // credential store reads it when first opened, after this call).
        unsafe { std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &self.address) };
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        let _ = Command::new("pkill")
            .arg("-f")
            .arg(self.dir.path().join("bus"))
            .status();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

/// The process's Secret Service, started once for every test of the binary that needs it.
pub fn secret_service() -> &'static SecretService {
    static SERVICE: std::sync::OnceLock<SecretService> = std::sync::OnceLock::new();
    SERVICE.get_or_init(|| {
        let service = SecretService::start();
        service.use_here();
        service
    })
}

/// A ledger with the seed plan, whose departments have these addresses.
pub fn ledger_with_addresses(addresses: &[(&str, &str)]) -> super::TempLedger {
    let ledger = super::TempLedger::new();
    let made = super::taizhang(&["--db", super::arg(&ledger.path), "plan", "--json"]);
    assert!(made.status.success(), "{}", super::stderr(&made));
    let (mut open, _) = taizhang::store::Ledger::open(&ledger.path).expect("the ledger");
    let departments = open.departments().expect("the ledger");
    for (name, address) in addresses {
        let department = departments
            .iter()
            .find(|d| d.name == *name)
            .expect("the ledger");
        open.add_department_address(department.id, address)
            .expect("the ledger");
    }
    ledger
}

/// A department's rows for July: (code, text).
pub fn rows_of(db: &Path, department: &str) -> Vec<(String, String)> {
    let (open, _) = taizhang::store::Ledger::open(db).expect("the ledger");
    let plan = open.focused_plan().expect("the ledger");
    let departments = open.departments().expect("the ledger");
    let obligations = taizhang::returns::obligations(&plan, &departments);
    obligations
        .iter()
        .find(|o| o.department == department)
        .expect("the ledger")
        .rows
        .iter()
        .map(|r| (r.code.clone(), r.text.clone()))
        .collect()
}
