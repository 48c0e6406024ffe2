//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod mail;
pub mod sheets;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temporary folder with a ledger path inside it (the file itself is not created).
pub struct TempLedger {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
}

impl TempLedger {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("ledger.sqlite");
        Self { dir, path }
    }
}

/// The seed document as one string: PDF page numbers (`— 3 —`) dropped, every line trimmed
/// and the lines joined, which undoes the PDF's line breaks inside words and names.
pub fn joined_seed_text() -> String {
    let raw = include_str!("../fixtures/rongshui-2019-soil-plan.txt");
    raw.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !is_page_number(line))
        .collect()
}

fn is_page_number(line: &str) -> bool {
    let inner = line.trim_matches(|c: char| c == '—' || c.is_whitespace());
    line.starts_with('—') && !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit())
}

/// The real app in egui_kittest on the ledger at `path`, taking `today` as the date. A
/// missing ledger is made first as the commands make it (the bundled plan, no first-start
/// choice), so that the pages show the example plan.
pub fn start_app(
    path: &std::path::Path,
    today: chrono::NaiveDate,
    size: [f32; 2],
) -> egui_kittest::Harness<'static, taizhang::ui::TaizhangApp> {
    if !path.exists() {
        drop(taizhang::store::Ledger::open(path).expect("a new ledger"));
    }
    start_window(path, today, size)
}

/// The real app in egui_kittest on the ledger at `path` as the window opens it: a missing
/// ledger is made by the window (and asks for the first start's choice).
pub fn start_window(
    path: &std::path::Path,
    today: chrono::NaiveDate,
    size: [f32; 2],
) -> egui_kittest::Harness<'static, taizhang::ui::TaizhangApp> {
    let path = path.to_owned();
    let mut harness = egui_kittest::Harness::builder()
        .with_size(size)
        .build_eframe(move |cc| taizhang::ui::TaizhangApp::new(cc, path, today));
    harness.run();
    harness
}

/// Scrolls the node with this label into view and clicks it, as a user would.
pub fn click(harness: &mut egui_kittest::Harness<'static, taizhang::ui::TaizhangApp>, label: &str) {
    use egui_kittest::kittest::Queryable as _;
    harness.get_by_label(label).scroll_to_me();
    harness.run();
    harness.get_by_label(label).click();
    harness.run();
}

/// Runs frames until `done` holds (worker threads answer within seconds).
pub fn run_until(
    harness: &mut egui_kittest::Harness<'static, taizhang::ui::TaizhangApp>,
    done: impl Fn(&egui_kittest::Harness<'static, taizhang::ui::TaizhangApp>) -> bool,
) {
    for _ in 0..600 {
        harness.step();
        if done(harness) {
            harness.run();
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    panic!(
        "timed out waiting for the window (notice: {:?}, error: {:?})",
        harness.state().notice(),
        harness.state().error()
    );
}

/// Runs the real binary with these arguments.
pub fn taizhang(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_taizhang"))
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The real binary, to add arguments and pipes to.
pub fn taizhang_command() -> Command {
    Command::new(env!("CARGO_BIN_EXE_taizhang"))
}

/// What a command wrote on stderr.
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A path as a command-line argument.
pub fn arg(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// The day the tests take as today: the 2019 plan's returns for July are due on 3 August.
pub fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2019, 8, 5).expect("a date")
}

/// July 2019, the month most tests report on.
pub fn july() -> taizhang::schedule::Period {
    taizhang::schedule::Period::new(2019, 7).expect("a month")
}

/// July's return templates for the ledger at `db`, written by the real command into a folder
/// beside it; their paths, the first being 融水生态环境局's.
pub fn july_templates(db: &Path) -> Vec<PathBuf> {
    let out = db.parent().expect("a folder").join("templates");
    let made = taizhang(&[
        "--db",
        arg(db),
        "templates",
        "--period",
        "2019-07",
        "--out",
        arg(&out),
    ]);
    assert!(made.status.success(), "{}", stderr(&made));
    String::from_utf8(made.stdout)
        .expect("UTF-8 paths")
        .lines()
        .map(PathBuf::from)
        .collect()
}

/// A file dropped on the window from Explorer: the window reads its path.
#[derive(Debug)]
pub struct Dropped(pub PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        Err("the window reads the path".to_owned())
    }
}

/// Drops files on the window.
pub fn drop_files(
    harness: &mut egui_kittest::Harness<'static, taizhang::ui::TaizhangApp>,
    files: &[&Path],
) {
    for file in files {
        harness
            .input_mut()
            .dropped_files
            .push(std::sync::Arc::new(Dropped(file.to_path_buf())));
    }
    harness.run();
}

/// A new seeded ledger open in the test.
pub struct ReturnsLedger {
    _temp: TempLedger,
    pub ledger: taizhang::store::Ledger,
}

/// A new seeded ledger to read returns against.
pub fn returns_ledger() -> ReturnsLedger {
    let temp = TempLedger::new();
    let (ledger, _) = taizhang::store::Ledger::open(&temp.path).expect("a new ledger");
    ReturnsLedger {
        _temp: temp,
        ledger,
    }
}

/// Reads a returned file against the ledger's plan, as the import does.
pub fn read_return_with(
    setup: &ReturnsLedger,
    name: &str,
    bytes: &[u8],
    choice: taizhang::returns::spreadsheet::ImportChoice,
) -> Result<taizhang::returns::spreadsheet::ParsedReturn, taizhang::returns::spreadsheet::ImportError>
{
    let plan = setup.ledger.focused_plan().expect("the plan");
    let departments = setup.ledger.departments().expect("the departments");
    let owed = taizhang::returns::obligations(&plan, &departments);
    let context = taizhang::returns::spreadsheet::ImportContext {
        plan: &plan,
        departments: &departments,
        obligations: &owed,
    };
    taizhang::returns::spreadsheet::read_return(name, bytes, choice, &context)
}

/// A Word document (`.docx`) whose body is the given `w:body` XML.
pub fn docx_with_body(body: &str) -> Vec<u8> {
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
    );
    let mut bytes = Vec::new();
    {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut bytes));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        writer
            .start_file("word/document.xml", options)
            .expect("zip");
        std::io::Write::write_all(&mut writer, xml.as_bytes()).expect("zip");
        writer.finish().expect("zip");
    }
    bytes
}
