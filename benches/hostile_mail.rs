//! The mail budget on hostile servers and files: every fetch, send or import must end within
//! 5 s of its deadline and 300 MB. For each class this runs the release command against a
//! misbehaving server on 127.0.0.1 (`scripts/hostile-mail-server.py`) or on a hostile saved
//! message, and prints the wall time, the command's peak memory (its `ru_maxrss`, read by a
//! small Python wrapper), the ledger's growth, and the first sentence it said.
//!
//! Run with `cargo bench --bench hostile_mail` (release build, Linux, python3).
#![expect(clippy::unwrap_used)]

use std::io::{BufRead as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(mode: &str, dir: &Path) -> Self {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/hostile-mail-server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg(mode)
            .arg(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().strip_prefix("PORT=").unwrap().parse().unwrap();
        Self { child, port }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs the release binary with `args`; (wall seconds, peak MB, exit code, first stderr line).
fn measure(args: &[String]) -> (f64, f64, i32, String) {
    let wrapper = "import resource, subprocess, sys\n\
        r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n\
        sys.stderr.buffer.write(r.stderr)\n\
        print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, r.returncode)";
    let started = Instant::now();
    let output = Command::new("python3")
        .arg("-c")
        .arg(wrapper)
        .arg(env!("CARGO_BIN_EXE_taizhang"))
        .args(args)
        .env("TZ_CODE", "code")
        .output()
        .unwrap();
    let wall = started.elapsed().as_secs_f64();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut numbers = stdout.split_whitespace();
    let peak_kb: f64 = numbers.next().and_then(|n| n.parse().ok()).unwrap_or(0.0);
    let code: i32 = numbers.next().and_then(|n| n.parse().ok()).unwrap_or(-1);
    let said = String::from_utf8_lossy(&output.stderr)
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(70)
        .collect();
    (wall, peak_kb / 1024.0, code, said)
}

fn fresh_ledger(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(format!("{name}.sqlite"));
    let made = Command::new(env!("CARGO_BIN_EXE_taizhang"))
        .args(["--db", path.to_str().unwrap(), "plan", "--json"])
        .output()
        .unwrap();
    assert!(made.status.success());
    path
}

fn fetch_args(db: &Path, port: u16, deadline: Option<u64>) -> Vec<String> {
    let mut args: Vec<String> = [
        "--db",
        db.to_str().unwrap(),
        "--today",
        "2019-08-10",
        "fetch-mail",
        "--host",
        "127.0.0.1",
        "--port",
        &port.to_string(),
        "--security",
        "none",
        "--user",
        "rsxstg@163.com",
        "--password-env",
        "TZ_CODE",
        "--json",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if let Some(deadline) = deadline {
        args.extend(["--deadline".to_owned(), deadline.to_string()]);
    }
    args
}

fn chase_args(db: &Path, port: u16, deadline: Option<u64>) -> Vec<String> {
    let mut args: Vec<String> = [
        "--db",
        db.to_str().unwrap(),
        "--today",
        "2019-08-10",
        "chase",
        "--period",
        "2019-07",
        "--send",
        "--smtp-host",
        "127.0.0.1",
        "--smtp-port",
        &port.to_string(),
        "--security",
        "none",
        "--user",
        "rsxstg@163.com",
        "--password-env",
        "TZ_CODE",
        "--json",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if let Some(deadline) = deadline {
        args.extend(["--deadline".to_owned(), deadline.to_string()]);
    }
    args
}

fn row(class: &str, what: &str, db: &Path, before: u64, measured: (f64, f64, i32, String)) {
    let (wall, peak, code, said) = measured;
    let grown = std::fs::metadata(db)
        .map_or(0, |m| m.len())
        .saturating_sub(before);
    println!(
        "| {class} | {what} | {wall:.1} s | {peak:.0} MB | {} KB | {code} | {said} |",
        grown / 1024
    );
}

/// An `.xlsx` whose one sheet inflates to about `size` bytes of white space.
fn inflating_xlsx(size: usize) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let parts: [(&str, &str); 4] = [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
            ),
            (
                "_rels/.rels",
                r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
            ),
        ];
        for (name, content) in parts {
            writer.start_file(name, options).unwrap();
            writer.write_all(content.as_bytes()).unwrap();
        }
        writer
            .start_file("xl/worksheets/sheet1.xml", options)
            .unwrap();
        writer
            .write_all(br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#)
            .unwrap();
        let blank = vec![b' '; 1 << 20];
        for _ in 0..size >> 20 {
            writer.write_all(&blank).unwrap();
        }
        writer.write_all(b"</sheetData></worksheet>").unwrap();
        writer.finish().unwrap();
    }
    out
}

fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
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
                out.push(char::from(TABLE[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    println!("| class | input | wall | peak memory | ledger grew | exit | what it said |");
    println!("|---|---|---|---|---|---|---|");
    let imap_cases: [(&str, &str, Option<u64>); 9] = [
        ("endless line", "imap-endless-greeting", None),
        ("endless line", "imap-endless-id", None),
        ("huge literal", "imap-huge-literal", None),
        ("lying size", "imap-lying-size", None),
        ("message over 24 MB", "imap-honest-big", None),
        ("no size", "imap-no-size", None),
        ("trickle (deadline 20 s)", "imap-trickle", Some(20)),
        ("silent (deadline 20 s)", "imap-silent", Some(20)),
        ("not delivered", "imap-missing", None),
    ];
    for (index, (class, mode, deadline)) in imap_cases.iter().enumerate() {
        let server_dir = dir.path().join(format!("imap-{index}"));
        std::fs::create_dir_all(&server_dir).unwrap();
        let server = Server::start(mode, &server_dir);
        let db = fresh_ledger(dir.path(), &format!("imap-{index}"));
        let before = std::fs::metadata(&db).unwrap().len();
        row(
            class,
            mode,
            &db,
            before,
            measure(&fetch_args(&db, server.port, *deadline)),
        );
    }
    {
        let server_dir = dir.path().join("imap-validity");
        std::fs::create_dir_all(&server_dir).unwrap();
        let server = Server::start("imap-uidvalidity", &server_dir);
        let db = fresh_ledger(dir.path(), "imap-validity");
        measure(&fetch_args(&db, server.port, None));
        let before = std::fs::metadata(&db).unwrap().len();
        row(
            "UIDVALIDITY changes (2nd run)",
            "imap-uidvalidity",
            &db,
            before,
            measure(&fetch_args(&db, server.port, None)),
        );
    }
    let smtp_cases: [(&str, &str, Option<u64>); 5] = [
        ("endless line", "smtp-endless-220", None),
        ("no AUTH", "smtp-no-auth", None),
        ("no usable AUTH", "smtp-cram-only", None),
        ("silent (deadline 20 s)", "smtp-silent", Some(20)),
        ("trickle (deadline 20 s)", "smtp-trickle", Some(20)),
    ];
    for (index, (class, mode, deadline)) in smtp_cases.iter().enumerate() {
        let server_dir = dir.path().join(format!("smtp-{index}"));
        std::fs::create_dir_all(&server_dir).unwrap();
        let server = Server::start(mode, &server_dir);
        let db = fresh_ledger(dir.path(), &format!("smtp-{index}"));
        let before = std::fs::metadata(&db).unwrap().len();
        row(
            class,
            mode,
            &db,
            before,
            measure(&chase_args(&db, server.port, *deadline)),
        );
    }

    // A 20 MB .msg whose 50 attachment streams share one chain.
    let data = vec![7_u8; 400 * 1024];
    let names: Vec<String> = (0..50).map(|i| format!("附件{i}.xlsx")).collect();
    let attachments: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), data.as_slice()))
        .collect();
    let mut msg = taizhang::mail::msg::fixtures::msg_file(
        "县林业局7月进展",
        "lyj@example.cn",
        "1.1 已完成",
        1_564_707_600,
        &attachments,
    );
    let name: Vec<u8> = "__substg1.0_37010102"
        .encode_utf16()
        .chain([0])
        .flat_map(u16::to_le_bytes)
        .collect();
    let entries: Vec<usize> = (0..msg.len() - 128)
        .filter(|p| msg[*p..].starts_with(&name) && msg[p + 66] == 2)
        .collect();
    let start: [u8; 4] = msg[entries[0] + 116..entries[0] + 120].try_into().unwrap();
    for entry in &entries[1..] {
        msg[entry + 116..entry + 120].copy_from_slice(&start);
    }
    let msg_path = dir.path().join("shared.msg");
    std::fs::write(&msg_path, &msg).unwrap();
    let db = fresh_ledger(dir.path(), "msg");
    let before = std::fs::metadata(&db).unwrap().len();
    row(
        "shared sector chain",
        "50 streams on one chain (.msg)",
        &db,
        before,
        measure(&[
            "--db".to_owned(),
            db.to_str().unwrap().to_owned(),
            "import-email".to_owned(),
            msg_path.to_str().unwrap().to_owned(),
            "--dry-run".to_owned(),
        ]),
    );

    // 50 attachments that each inflate to 95 MB.
    let xlsx = inflating_xlsx(95 << 20);
    let encoded = base64(&xlsx);
    let mut eml = String::from(
        "From: lyj@example.cn\r\nSubject: 县林业局7月进展\r\nDate: Mon, 5 Aug 2019 09:00:00 +0800\r\nMessage-ID: <bombs@test>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n见附件\r\n",
    );
    for index in 0..50 {
        eml.push_str(&format!("--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"{index}.xlsx\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{encoded}\r\n"));
    }
    eml.push_str("--b--\r\n");
    let eml_path = dir.path().join("bombs.eml");
    std::fs::write(&eml_path, eml).unwrap();
    let db = fresh_ledger(dir.path(), "bombs");
    let before = std::fs::metadata(&db).unwrap().len();
    row(
        "attachments inflate",
        &format!(
            "50 × 95 MB ({} KB each, {} MB message)",
            xlsx.len() / 1024,
            std::fs::metadata(&eml_path).unwrap().len() >> 20
        ),
        &db,
        before,
        measure(&[
            "--db".to_owned(),
            db.to_str().unwrap().to_owned(),
            "--today".to_owned(),
            "2019-08-10".to_owned(),
            "import-email".to_owned(),
            eml_path.to_str().unwrap().to_owned(),
            "--dry-run".to_owned(),
        ]),
    );
}
