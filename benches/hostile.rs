//! The import budget on hostile inputs: every import of any one file, good or hostile, must
//! finish within 5 s and 300 MB. For the worst input of each class this prints the time and the
//! process's peak memory while reading it (the peak is reset before each input through
//! `/proc/self/clear_refs`), and the wall time of the release command `import-returns
//! --dry-run` (or `import-plan --dry-run`) on the same file.
//!
//! Run with `cargo bench --bench hostile` (release build, Linux).
#![expect(clippy::unwrap_used)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use taizhang::readers::xls_scan::fixtures as biff;
use taizhang::returns::obligations;
use taizhang::returns::spreadsheet::{ImportChoice, ImportContext, read_return};
use taizhang::store::Ledger;

/// Resets the peak resident memory to the current one (Linux 4.0+).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Peak resident memory since the last reset, in MB.
fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

fn zip_of(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, content) in parts {
            writer.start_file(*name, options).unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap();
    }
    out
}

/// An `.xlsx` whose sheet holds `sheet_data` and `merges`, with the shared strings `sst`.
fn xlsx(sheet_data: &str, merges: &str, sst: &str) -> Vec<u8> {
    zip_of(&[
        ("[Content_Types].xml", br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#.to_vec()),
        ("_rels/.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#.to_vec()),
        ("xl/workbook.xml", br#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#.to_vec()),
        ("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#.to_vec()),
        ("xl/worksheets/sheet1.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{sheet_data}</sheetData>{merges}</worksheet>"#).into_bytes()),
        ("xl/sharedStrings.xml", sst.as_bytes().to_vec()),
    ])
}

fn sst(count: &str, strings: &[&str]) -> String {
    let items: String = strings
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{count}" uniqueCount="{count}">{items}</sst>"#
    )
}

fn column_name(mut column: u32) -> String {
    let mut name = String::new();
    column += 1;
    while column > 0 {
        let rem = (column - 1) % 26;
        name.insert(0, char::from(b'A' + rem as u8));
        column = (column - 1) / 26;
    }
    name
}

fn ods(table: &str) -> Vec<u8> {
    zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet".to_vec()),
        ("content.xml", format!(r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet>{table}</office:spreadsheet></office:body></office:document-content>"#).into_bytes()),
    ])
}

/// A zip part that declares 1 KB and inflates to 150 MB.
fn lying_zip() -> Vec<u8> {
    let spaces = vec![b' '; 150 * 1024 * 1024];
    let mut bytes = zip_of(&[
        ("xl/workbook.xml", b"<workbook/>".to_vec()),
        ("xl/worksheets/sheet1.xml", spaces),
    ]);
    // Patch the uncompressed size of the second part in its local and central headers.
    let declared = 1024_u32.to_le_bytes();
    let mut patched = 0;
    let mut at = 0;
    while let Some(found) = find(&bytes[at..], b"xl/worksheets/sheet1.xml") {
        let name_at = at + found;
        // Local header: name at +30, size at +22; central header: name at +46, size at +24.
        for (offset, signature, size_at) in [(30, b"PK\x03\x04", 22), (46, b"PK\x01\x02", 24)] {
            if name_at >= offset && &bytes[name_at - offset..name_at - offset + 4] == signature {
                let start = name_at - offset + size_at;
                bytes[start..start + 4].copy_from_slice(&declared);
                patched += 1;
            }
        }
        at = name_at + 1;
    }
    assert_eq!(patched, 2);
    bytes
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn xls_with(sst: &[u8], sheet: Vec<u8>) -> Vec<u8> {
    biff::xls(&biff::workbook(sst, &[("Sheet1", sheet)]))
}

/// A plan whose one task has `clauses` dated clauses (`punctuated` or run together).
fn plan_text(clauses: usize, punctuated: bool) -> Vec<u8> {
    let mut text = String::from(
        "关于印发《2019年度融水苗族自治县土壤污染防治攻坚重点工作实施计划》的通知\n二、重点任务\n（一）稳步推进土壤环境质量调查工作。\n1．完成农用地土壤污染状况详查。",
    );
    for index in 0..clauses {
        let month = index % 12 + 1;
        text.push_str(&format!("{month}月底前完成第{index}批样品入库"));
        if punctuated {
            text.push('；');
        }
    }
    text.push_str("。（融水生态环境局牵头，县农业农村局等参与。）\n");
    text.into_bytes()
}

enum Input {
    Return(Vec<u8>),
    Plan(Vec<u8>),
    Special(fn(&Path)),
}

fn inputs() -> Vec<(&'static str, &'static str, Input)> {
    let long = "很长的文字".repeat(6_400);
    let mut one_string_everywhere = String::new();
    for row in 0..1_990 {
        one_string_everywhere.push_str(&format!(r#"<row r="{}">"#, row + 1));
        for column in 0..99 {
            one_string_everywhere.push_str(&format!(
                r#"<c r="{}{}" t="s"><v>0</v></c>"#,
                column_name(column),
                row + 1
            ));
        }
        one_string_everywhere.push_str("</row>");
    }
    let merges: String = (0..200_000)
        .map(|i| format!(r#"<mergeCell ref="A{}:B{}"/>"#, i + 1, i + 1))
        .collect();
    let overlapping: String = (0..1_000)
        .map(|_| r#"<mergeCell ref="A1:CV1999"/>"#)
        .collect();
    let one_cell = r#"<row r="1"><c r="A1" t="s"><v>0</v></c></row>"#;
    let long_sst = biff::sst(&[long.as_str()], 8_000);
    let many_labels: Vec<Vec<u8>> = (0..198_000_u32)
        .map(|i| biff::labelsst((i / 99) as u16, (i % 99) as u16, 0))
        .collect();
    vec![
        (
            "xlsx",
            "uniqueCount=\"4000000000\" (9 KB)",
            Input::Return(xlsx(one_cell, "", &sst("4000000000", &["x"]))),
        ),
        (
            "xlsx",
            "one 32,000-char string in 197,010 cells",
            Input::Return(xlsx(&one_string_everywhere, "", &sst("1", &[&long]))),
        ),
        (
            "xlsx",
            "a cell at XFD1048576",
            Input::Return(xlsx(
                r#"<row r="1048576"><c r="XFD1048576" t="s"><v>0</v></c></row>"#,
                "",
                &sst("1", &["x"]),
            )),
        ),
        (
            "xlsx",
            "200,000 merged ranges",
            Input::Return(xlsx(
                one_cell,
                &format!(r#"<mergeCells count="200000">{merges}</mergeCells>"#),
                &sst("1", &["x"]),
            )),
        ),
        (
            "xlsx",
            "1,000 merges over 1,999 rows × 100 columns",
            Input::Return(xlsx(
                one_cell,
                &format!(r#"<mergeCells count="1000">{overlapping}</mergeCells>"#),
                &sst("1", &["x"]),
            )),
        ),
        (
            "xlsx",
            "a part declaring 1 KB that inflates to 150 MB",
            Input::Return(lying_zip()),
        ),
        (
            "ods",
            "one cell repeated 16,384 columns × 6,000 rows (993 bytes)",
            Input::Return(ods(
                r#"<table:table table:name="表"><table:table-row table:number-rows-repeated="6000"><table:table-cell table:number-columns-repeated="16384" office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table>"#,
            )),
        ),
        (
            "ods",
            "1,048,576 empty rows × 16,384 empty columns",
            Input::Return(ods(
                r#"<table:table table:name="表"><table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384"/></table:table-row></table:table>"#,
            )),
        ),
        (
            "xls",
            "DIMENSIONS of 4,000,000,000 rows",
            Input::Return(xls_with(
                &biff::sst(&[], 8_000),
                biff::body(&[
                    biff::dimensions(0, 4_000_000_000, 0, 2),
                    biff::number(0, 0, 1.0),
                ]),
            )),
        ),
        (
            "xls",
            "one cell at IV65536",
            Input::Return(xls_with(
                &biff::sst(&[], 8_000),
                biff::body(&[biff::number(0, 0, 1.0), biff::number(65_535, 255, 1.0)]),
            )),
        ),
        (
            "xls",
            "one 32,000-char string in 198,000 cells",
            Input::Return(xls_with(&long_sst, biff::body(&many_labels))),
        ),
        (
            "path",
            "a FIFO named .xlsx",
            Input::Special(|path| {
                assert!(Command::new("mkfifo").arg(path).status().unwrap().success());
            }),
        ),
        (
            "path",
            "a symlink to /dev/zero",
            Input::Special(|path| {
                std::os::unix::fs::symlink("/dev/zero", path).unwrap();
            }),
        ),
        (
            "path",
            "a 2 GB sparse file",
            Input::Special(|path| {
                std::fs::File::create(path)
                    .unwrap()
                    .set_len(2 << 30)
                    .unwrap();
            }),
        ),
        (
            "plan",
            "one task with 200,000 dated clauses",
            Input::Plan(plan_text(200_000, true)),
        ),
        (
            "plan",
            "20,000 dates with no punctuation",
            Input::Plan(plan_text(20_000, false)),
        ),
    ]
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let ledger_path = dir.path().join("bench.sqlite");
    let (ledger, _) = Ledger::open(&ledger_path).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let departments = ledger.departments().unwrap();
    let owed = obligations(&plan, &departments);
    let known = taizhang::plan_text::DepartmentNames::new(&departments);
    let context = ImportContext {
        plan: &plan,
        departments: &departments,
        obligations: &owed,
    };
    let binary = Some(PathBuf::from(env!("CARGO_BIN_EXE_taizhang")));

    println!("| class | input | file | read in process | peak memory | command (wall) | result |");
    println!("|---|---|---|---|---|---|---|");
    for (index, (class, name, input)) in inputs().into_iter().enumerate() {
        let (path, is_plan): (PathBuf, bool) = match &input {
            Input::Return(bytes) => {
                let path = dir.path().join(format!("input-{index}.xlsx"));
                std::fs::write(&path, bytes).unwrap();
                (path, false)
            }
            Input::Plan(bytes) => {
                let path = dir.path().join(format!("input-{index}.txt"));
                std::fs::write(&path, bytes).unwrap();
                (path, true)
            }
            Input::Special(make) => {
                let path = dir.path().join(format!("input-{index}.xlsx"));
                make(&path);
                (path, false)
            }
        };
        let size = std::fs::symlink_metadata(&path).map_or(0, |m| m.len());
        reset_peak();
        let started = Instant::now();
        let outcome = if is_plan {
            taizhang::files::read_file(&path, taizhang::plan_text::MAX_INPUT_BYTES)
                .map_err(|e| e.to_string())
                .and_then(|bytes| {
                    taizhang::plan_text::decode_file(&bytes).map_err(|e| e.to_string())
                })
                .and_then(|text| {
                    taizhang::plan_text::parse_plan(&text, &known).map_err(|e| e.to_string())
                })
                .map(|plan| format!("read: {} tasks", plan.tasks().count()))
        } else {
            taizhang::service::read_return_file(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| {
                    read_return("input.xlsx", &bytes, ImportChoice::default(), &context)
                        .map_err(|e| e.to_string())
                })
                .map(|parsed| format!("read: {} rows", parsed.rows.len()))
        };
        let elapsed = started.elapsed();
        let peak = peak_mb();
        let command = binary.as_ref().map(|binary| {
            let command_name = if is_plan {
                "import-plan"
            } else {
                "import-returns"
            };
            let started = Instant::now();
            let _ = Command::new(binary)
                .args([
                    "--db",
                    ledger_path.to_str().unwrap(),
                    command_name,
                    path.to_str().unwrap(),
                    "--dry-run",
                    "--json",
                ])
                .output();
            started.elapsed()
        });
        let result = match outcome {
            Ok(done) => done,
            Err(message) => format!("refused: {}", message.chars().take(40).collect::<String>()),
        };
        println!(
            "| {class} | {name} | {} | {} | {peak:.0} MB | {} | {result} |",
            size_text(size),
            ms(elapsed),
            command.map_or("-".to_owned(), ms),
        );
    }
}

fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

fn size_text(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{:.1} MB", bytes as f64 / f64::from(1 << 20))
    } else {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    }
}
