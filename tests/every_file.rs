//! Every file a county office sends: e-mails with broken header lines, encoded words cut
//! inside a character, raw GBK headers and attachment names, read through `import-email` as
//! a mature parser would read them.
#![expect(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::mail::{base64, docx_return, ledger_with_addresses, rows_of};
use common::{arg, stderr, taizhang};
use serde_json::Value;

fn import(db: &Path, file: &Path) -> Value {
    let output = taizhang(&[
        "--db",
        arg(db),
        "--today",
        "2019-08-10",
        "import-email",
        arg(file),
        "--dry-run",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GBK.encode(text).0.into_owned()
}

/// A message from an address no department has, its header given as bytes, with the
/// department's return attached as a Word document named `name` (raw bytes).
fn message_with(header: &[u8], name: &[u8], attachment: &[u8]) -> Vec<u8> {
    let mut raw = header.to_vec();
    raw.extend_from_slice(
        b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\n--=_b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nsee attached\r\n--=_b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"",
    );
    raw.extend_from_slice(name);
    raw.extend_from_slice(b"\"\r\nContent-Transfer-Encoding: base64\r\n\r\n");
    raw.extend_from_slice(base64(attachment).as_bytes());
    raw.extend_from_slice(b"\r\n--=_b--\r\n");
    raw
}

fn forest_return(db: &Path) -> Vec<u8> {
    let rows: Vec<(String, String)> = rows_of(db, "县林业局")
        .into_iter()
        .map(|(code, text)| (format!("{code} {text}"), "已完成年度造林任务。".to_owned()))
        .collect();
    docx_return("县林业局", &rows)
}

#[test]
fn a_broken_header_line_loses_nothing_else() {
    let ledger = ledger_with_addresses(&[]);
    let attachment = forest_return(&ledger.path);
    let mut header = b"From: \"Office\" <oa@example.gov.cn>\r\nTo: rsxstg@163.com\r\n".to_vec();
    header.extend_from_slice(
        format!(
            "Subject: {}\r\n",
            common::mail::utf8_word("县林业局2019年7月进展")
        )
        .as_bytes(),
    );
    // An OA system's continuation line without indentation, and a line with no colon.
    header.extend_from_slice(b"X-OA-Route: gw1\r\nrelay-by gw2 without a colon\r\n");
    header.extend_from_slice(
        b"Date: Fri, 02 Aug 2019 09:00:00 +0800\r\nMessage-ID: <broken@example.cn>\r\n",
    );
    let raw = message_with(&header, b"report.docx", &attachment);
    let file = ledger.dir.path().join("broken.eml");
    std::fs::write(&file, raw).unwrap();
    let message = import(&ledger.path, &file);
    assert_eq!(message["from"], "oa@example.gov.cn", "{message}");
    assert_eq!(message["subject"], "县林业局2019年7月进展");
    assert_eq!(message["date"], "2019-08-02");
    assert_eq!(message["department"], "县林业局");
    assert_eq!(message["period"], "2019-07");
    let attachment = &message["attachments"][0];
    assert_eq!(attachment["name"], "report.docx");
    assert!(attachment["error"].is_null(), "{attachment}");
    assert!(
        message["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("格式不正确")),
        "{message}"
    );
}

#[test]
fn a_subject_cut_inside_a_character_decodes_whole() {
    let ledger = ledger_with_addresses(&[]);
    let subject = "关于报送县林业局2019年7月重点工作进展情况的函";
    let bytes = gbk(subject);
    // Cut after an odd number of bytes, as long Chinese subjects are folded.
    let (a, b) = bytes.split_at(7);
    let header = format!(
        "From: oa@example.gov.cn\r\nSubject: =?GBK?B?{}?=\r\n =?GBK?B?{}?=\r\nDate: Fri, 02 Aug 2019 09:00:00 +0800\r\nMessage-ID: <cut@example.cn>\r\n",
        base64(a).replace("\r\n", ""),
        base64(b).replace("\r\n", "")
    );
    let raw = message_with(
        header.as_bytes(),
        b"report.docx",
        &forest_return(&ledger.path),
    );
    let file = ledger.dir.path().join("cut.eml");
    std::fs::write(&file, raw).unwrap();
    let message = import(&ledger.path, &file);
    assert_eq!(message["subject"], subject, "{message}");
    assert_eq!(message["department"], "县林业局");
}

#[test]
fn raw_gbk_headers_and_names_are_read_as_gb18030() {
    let ledger = ledger_with_addresses(&[]);
    let mut header = b"From: ".to_vec();
    header.extend(gbk("\"县林业局\""));
    header.extend_from_slice(b" <lyj@example.cn>\r\nSubject: ");
    header.extend(gbk("县林业局2019年7月份工作进展"));
    header.extend_from_slice(
        b"\r\nDate: Fri, 02 Aug 2019 09:00:00 +0800\r\nMessage-ID: <raw@example.cn>\r\n",
    );
    let name = gbk("县林业局7月进展.docx");
    let raw = message_with(&header, &name, &forest_return(&ledger.path));
    let file = ledger.dir.path().join("raw.eml");
    std::fs::write(&file, raw).unwrap();
    let message = import(&ledger.path, &file);
    assert_eq!(
        message["subject"], "县林业局2019年7月份工作进展",
        "{message}"
    );
    assert_eq!(message["department"], "县林业局");
    assert_eq!(message["attachments"][0]["name"], "县林业局7月进展.docx");
    assert!(message["attachments"][0]["error"].is_null(), "{message}");
}

#[test]
fn a_name_that_lost_characters_matches_no_department() {
    let ledger = ledger_with_addresses(&[]);
    // Bytes no charset reads: the subject keeps a U+FFFD and is not trusted to name anyone.
    let mut header = b"From: someone@example.cn\r\nSubject: ".to_vec();
    header.extend(gbk("县林业局"));
    header.extend_from_slice(&[0xFF, 0xFF]);
    header.extend_from_slice(
        b"\r\nDate: Fri, 02 Aug 2019 09:00:00 +0800\r\nMessage-ID: <lost@example.cn>\r\n\r\n1.1 done\r\n",
    );
    let file = ledger.dir.path().join("lost.eml");
    std::fs::write(&file, header).unwrap();
    let message = import(&ledger.path, &file);
    assert!(
        message["subject"].as_str().unwrap().contains('\u{FFFD}'),
        "{message}"
    );
    assert!(message["department"].is_null(), "{message}");
    assert_eq!(message["committed"], false);
}

/// An Outlook message from an Exchange sender: the department is found by the SMTP address
/// the file holds, and 8-bit text is read in the code page the message declares.
#[test]
fn an_exchange_msg_finds_its_department_and_code_page() {
    let ledger = ledger_with_addresses(&[("县林业局", "linye@example.cn")]);
    let utf16 =
        |text: &str| -> Vec<u8> { text.encode_utf16().flat_map(u16::to_le_bytes).collect() };
    let mut entry_id = vec![0_u8; 24];
    entry_id.extend(utf16("林业局\0SMTP\0LinYe@example.cn\0"));
    let subject = encoding_rs::WINDOWS_1252
        .encode("Rapport défini (7月)")
        .0
        .to_vec();
    let bytes = taizhang::mail::msg::fixtures::msg_with(
        &[
            ("0037001E", subject),
            (
                "0C1F001F",
                utf16("/O=EXCHANGELABS/OU=EXCHANGE ADMINISTRATIVE GROUP/CN=RECIPIENTS/CN=LINYE"),
            ),
            ("0C190102", entry_id),
            ("1000001F", utf16("1.1 已完成")),
        ],
        &[(0x3FFD, 1252)],
    );
    let file = ledger.dir.path().join("exchange.msg");
    std::fs::write(&file, bytes).unwrap();
    let message = import(&ledger.path, &file);
    assert_eq!(message["from"], "linye@example.cn", "{message}");
    assert_eq!(message["department"], "县林业局");
    // "7月" is not in code page 1252: it was never in this subject; the Latin text is.
    assert!(
        message["subject"]
            .as_str()
            .unwrap()
            .starts_with("Rapport défini"),
        "{message}"
    );
}

/// Writes the sources of the Word 97 fixtures (run once with `--ignored`, then converted by
/// LibreOffice: see tests/fixtures/word97/README.md).
#[test]
#[ignore = "makes fixture sources"]
fn make_word97_fixture_sources() {
    let out = std::path::PathBuf::from(std::env::var("FIXTURE_OUT").unwrap());
    let ledger = ledger_with_addresses(&[]);
    // A return as a page with its table (LibreOffice makes the .doc and the .docx of it).
    let mut html = String::from(
        "<html><head><meta charset=\"utf-8\"></head><body><p>2019年7月份《重点工作进展》</p><p>填报单位：融水生态环境局</p><table border=\"1\"><tr><td colspan=\"2\">项目</td><td>本月</td><td>备注</td></tr><tr><td>序号</td><td>重点工作事项</td><td>进展情况</td><td>备注</td></tr>",
    );
    for (index, (code, text)) in rows_of(&ledger.path, "融水生态环境局").iter().enumerate() {
        html.push_str(&format!(
            "<tr><td>{}</td><td>{code} {text}</td><td>7月份，已完成第{}项年度任务的63%；下月继续推进。</td><td></td></tr>",
            index + 1,
            index + 1
        ));
    }
    html.push_str("</table><p>联系人：韦某某</p></body></html>");
    std::fs::write(out.join("生态环境局-2019年7月.html"), html).unwrap();
}

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/word97")
        .join(name)
}

/// `import-returns --dry-run --json` of a file, without its file name.
fn read_return(db: &Path, file: &Path) -> Value {
    let output = taizhang(&[
        "--db",
        arg(db),
        "--today",
        "2019-08-10",
        "import-returns",
        arg(file),
        "--dry-run",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let mut json: Value = serde_json::from_slice(&output.stdout).unwrap();
    json.as_object_mut().unwrap().remove("file");
    json
}

/// A Word 97 return (LibreOffice's .doc of a page with the form's table, a header cell
/// spanning two columns above it) reads exactly as the .docx LibreOffice made of the same
/// page: department, month, every row's code and words. Named .wps, it reads the same.
#[test]
fn a_word97_return_reads_as_its_docx() {
    let ledger = ledger_with_addresses(&[]);
    let doc = read_return(&ledger.path, &fixture("生态环境局-2019年7月.doc"));
    let docx = read_return(&ledger.path, &fixture("生态环境局-2019年7月.docx"));
    assert_eq!(doc, docx);
    assert_eq!(doc["department"], "融水生态环境局");
    assert_eq!(doc["period"], "2019-07");
    let rows = doc["rows"].as_array().unwrap();
    assert!(rows.len() >= 10, "{doc}");
    assert_eq!(
        rows[0]["progress"],
        "7月份，已完成第1项年度任务的63%；下月继续推进。"
    );
    let wps = ledger.dir.path().join("生态环境局7月.wps");
    std::fs::copy(fixture("生态环境局-2019年7月.doc"), &wps).unwrap();
    assert_eq!(read_return(&ledger.path, &wps), doc);
}

/// A .doc attached to an e-mail is read as a return, not left to be typed by hand.
#[test]
fn a_word97_attachment_is_read() {
    let ledger = ledger_with_addresses(&[("融水生态环境局", "sthj@example.cn")]);
    let doc = std::fs::read(fixture("生态环境局-2019年7月.doc")).unwrap();
    let raw = common::mail::message(
        "sthj@example.cn",
        &common::mail::utf8_word("7月进展"),
        "Fri, 02 Aug 2019 09:00:00 +0800",
        "doc@example.cn",
        "见附件",
        &[("filename=\"jd.doc\"".to_owned(), doc.as_slice())],
    );
    let file = ledger.dir.path().join("doc.eml");
    std::fs::write(&file, raw).unwrap();
    let message = import(&ledger.path, &file);
    let attachment = &message["attachments"][0];
    assert!(attachment["error"].is_null(), "{attachment}");
    assert!(
        attachment["rows"].as_array().unwrap().len() >= 10,
        "{attachment}"
    );
}

/// The plan as a Word 97 document (LibreOffice's .doc of the seed text) gives exactly the
/// tasks, departments, dates and form that the text gives.
#[test]
fn a_word97_plan_reads_as_its_text() {
    let temp = common::TempLedger::new();
    let plan = |file: &Path| -> Value {
        let output = taizhang(&[
            "--db",
            arg(&temp.path),
            "--today",
            "2019-08-10",
            "import-plan",
            arg(file),
            "--dry-run",
            "--json",
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let text = plan(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/rongshui-2019-soil-plan.txt"),
    );
    let doc = plan(&fixture("rongshui-2019-soil-plan.doc"));
    assert_eq!(doc, text);
    assert!(doc["tasks"].as_array().unwrap().len() >= 20);
}

/// The fixture's WordDocument stream, changed by `edit`, in a compound file of its own.
fn edited_doc(edit: impl Fn(&mut Vec<u8>, &mut Vec<u8>)) -> Vec<u8> {
    use std::io::{Read as _, Write as _};
    let bytes = std::fs::read(fixture("生态环境局-2019年7月.doc")).unwrap();
    let mut source = cfb::CompoundFile::open(std::io::Cursor::new(bytes)).unwrap();
    let mut word = Vec::new();
    source
        .open_stream("/WordDocument")
        .unwrap()
        .read_to_end(&mut word)
        .unwrap();
    let table_name = if u16::from_le_bytes([word[10], word[11]]) & 0x0200 != 0 {
        "/1Table"
    } else {
        "/0Table"
    };
    let mut table = Vec::new();
    source
        .open_stream(table_name)
        .unwrap()
        .read_to_end(&mut table)
        .unwrap();
    edit(&mut word, &mut table);
    let mut out = cfb::CompoundFile::create(std::io::Cursor::new(Vec::new())).unwrap();
    out.create_stream("/WordDocument")
        .unwrap()
        .write_all(&word)
        .unwrap();
    out.create_stream(table_name)
        .unwrap()
        .write_all(&table)
        .unwrap();
    out.flush().unwrap();
    out.into_inner().into_inner()
}

/// The offset of the FIB's fcClx/lcbClx pair.
fn clx_at(word: &[u8]) -> usize {
    let csw = usize::from(u16::from_le_bytes([word[32], word[33]]));
    let lw = 34 + csw * 2;
    let cslw = usize::from(u16::from_le_bytes([word[lw], word[lw + 1]]));
    lw + 2 + cslw * 4 + 2 + 33 * 8
}

/// Hostile Word files: a piece table declared past its stream, pieces that loop back, a
/// piece past the document, a stream declared at 1 GB, an older Word. Each is refused with a
/// clear sentence, quickly, and the ledger stays byte for byte as it was.
#[test]
fn hostile_word_files_are_refused_and_nothing_is_written() {
    let ledger = ledger_with_addresses(&[]);
    let before = std::fs::read(&ledger.path).unwrap();
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "piece table past its stream",
            edited_doc(|word, _| {
                let at = clx_at(word) + 4;
                word[at..at + 4].copy_from_slice(&0xFFFF_FFF0_u32.to_le_bytes());
            }),
        ),
        (
            "pieces looping back",
            edited_doc(|word, table| {
                let at = clx_at(word);
                let fc = u32::from_le_bytes(word[at..at + 4].try_into().unwrap()) as usize;
                // The Pcdt after any Prc: its first CP set past the second.
                let mut p = fc;
                while table[p] == 1 {
                    p += 3 + usize::from(u16::from_le_bytes([table[p + 1], table[p + 2]]));
                }
                table[p + 5..p + 9].copy_from_slice(&0x7FFF_FFFF_u32.to_le_bytes());
            }),
        ),
        (
            "a piece past the document",
            edited_doc(|word, table| {
                let at = clx_at(word);
                let fc = u32::from_le_bytes(word[at..at + 4].try_into().unwrap()) as usize;
                let mut p = fc;
                while table[p] == 1 {
                    p += 3 + usize::from(u16::from_le_bytes([table[p + 1], table[p + 2]]));
                }
                let lcb = u32::from_le_bytes(table[p + 1..p + 5].try_into().unwrap()) as usize;
                let count = (lcb - 4) / 12;
                let pcd = p + 5 + (count + 1) * 4;
                table[pcd + 2..pcd + 6].copy_from_slice(&0x3FFF_0000_u32.to_le_bytes());
            }),
        ),
        (
            "Word 6",
            edited_doc(|word, _| word[0..2].copy_from_slice(&0xA5DC_u16.to_le_bytes())),
        ),
    ];
    // A WordDocument stream declared at 1 GB in the compound file's directory.
    let mut gigabyte = std::fs::read(fixture("生态环境局-2019年7月.doc")).unwrap();
    let name: Vec<u8> = "WordDocument"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let entry = gigabyte
        .windows(name.len())
        .position(|w| w == name.as_slice())
        .unwrap();
    gigabyte[entry + 0x78..entry + 0x80].copy_from_slice(&(1_u64 << 30).to_le_bytes());
    cases.push(("a 1 GB stream", gigabyte));
    for (what, bytes) in cases {
        let file = ledger.dir.path().join("hostile.doc");
        std::fs::write(&file, &bytes).unwrap();
        let started = std::time::Instant::now();
        let output = taizhang(&[
            "--db",
            arg(&ledger.path),
            "--today",
            "2019-08-10",
            "import-returns",
            arg(&file),
        ]);
        let took = started.elapsed();
        assert!(!output.status.success(), "{what}");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            stderr(&output)
        );
        assert!(
            said.contains("损坏") || said.contains("Word 6.0/95"),
            "{what}: {said}"
        );
        assert!(
            took < std::time::Duration::from_secs(10),
            "{what}: {took:?}"
        );
        assert_eq!(std::fs::read(&ledger.path).unwrap(), before, "{what}");
    }
}

/// Dropped on the window, a Word 97 return is previewed and imported like a spreadsheet.
#[test]
fn a_word97_return_dropped_on_the_window_is_imported() {
    use egui_kittest::kittest::Queryable as _;
    let temp = common::TempLedger::new();
    let doc = temp.dir.path().join("生态环境局7月.doc");
    std::fs::copy(fixture("生态环境局-2019年7月.doc"), &doc).unwrap();
    let mut harness = common::start_app(&temp.path, common::today(), [1400.0, 1000.0]);
    common::drop_files(&mut harness, &[&doc]);
    common::run_until(&mut harness, |h| {
        h.query_by_label_contains("全部导入（1）").is_some()
    });
    common::click(&mut harness, "全部导入（1）");
    let data = harness.state().data().unwrap();
    let status = data.status(common::july()).unwrap();
    let ours = status
        .departments
        .iter()
        .find(|d| d.department == "融水生态环境局")
        .unwrap();
    assert!(ours.state.is_received(), "{ours:?}");
}

/// A return workbook of 县住建局 with the city's form, as `rust_xlsxwriter` writes it, with a
/// chart sheet after it when asked.
fn housing_return(chart: bool) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet().set_name("进展").unwrap();
    sheet
        .write_string(
            0,
            0,
            "2019年柳州市落实《土壤污染防治行动计划》重点工作进展（2019年7月）",
        )
        .unwrap();
    sheet.write_string(1, 0, "填报单位：县住建局").unwrap();
    for (column, header) in [
        "重点内容",
        "重点工作事项",
        "责任单位",
        "进展情况（重点）",
        "备注",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(2, column as u16, *header).unwrap();
    }
    sheet.write_string(3, 0, "源头预防").unwrap();
    sheet
        .write_string(3, 1, "11．非正规垃圾堆放点排查整治情况")
        .unwrap();
    sheet.write_string(3, 3, "已完成排查").unwrap();
    sheet.write_number(5, 0, 3.0).unwrap();
    sheet.write_number(6, 0, 5.0).unwrap();
    if chart {
        let mut figure = rust_xlsxwriter::Chart::new(rust_xlsxwriter::ChartType::Column);
        figure.add_series().set_values("进展!$A$6:$A$7");
        workbook
            .add_chartsheet()
            .insert_chart(0, 0, &figure)
            .unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

/// The zip's parts copied under other names (`rename` of each name).
fn renamed_parts(
    bytes: &[u8],
    rename: impl Fn(&str) -> String,
    edit: impl Fn(&str, Vec<u8>) -> Vec<u8>,
) -> Vec<u8> {
    use std::io::{Read as _, Write as _};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for index in 0..archive.len() {
        let mut part = archive.by_index(index).unwrap();
        let name = part.name().unwrap().into_owned();
        let mut content = Vec::new();
        part.read_to_end(&mut content).unwrap();
        out.start_file(rename(&name), zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(&edit(&name, content)).unwrap();
    }
    out.finish().unwrap().into_inner()
}

/// `import-returns --dry-run --json` of one file: its object.
fn try_return(db: &Path, name: &str, bytes: &[u8]) -> Value {
    let file = db.parent().unwrap().join(name);
    std::fs::write(&file, bytes).unwrap();
    let output = taizhang(&[
        "--db",
        arg(db),
        "--today",
        "2019-08-10",
        "import-returns",
        arg(&file),
        "--dry-run",
        "--json",
    ]);
    serde_json::from_slice(&output.stdout).unwrap_or_else(|_| panic!("{}", stderr(&output)))
}

/// The right reason for each file offices send that is not what it seems: a chart sheet is
/// skipped, not "damaged"; encryption is named for .xls and .ods as for .xlsx; odd but valid
/// zip part names (backslashes, a workbook part of another name) are read; Excel 4.0 is named
/// with what to do.
#[test]
fn each_odd_file_gets_the_right_reason() {
    let ledger = ledger_with_addresses(&[]);
    let db = &ledger.path;
    let plain = try_return(db, "plain.xlsx", &housing_return(false));
    assert!(plain["error"].is_null(), "{plain}");
    assert_eq!(plain["department"], "县住建局");

    let chart = try_return(db, "chart.xlsx", &housing_return(true));
    assert!(chart["error"].is_null(), "{chart}");
    assert_eq!(chart["rows"], plain["rows"]);

    let backslashes = renamed_parts(&housing_return(false), |n| n.replace('/', "\\"), |_, c| c);
    let read = try_return(db, "backslash.xlsx", &backslashes);
    assert!(read["error"].is_null(), "{read}");
    assert_eq!(read["rows"], plain["rows"]);

    let other_name = renamed_parts(
        &housing_return(false),
        |n| match n {
            "xl/workbook.xml" => "xl/book.xml".to_owned(),
            "xl/_rels/workbook.xml.rels" => "xl/_rels/book.xml.rels".to_owned(),
            other => other.to_owned(),
        },
        |name, content| match name {
            "_rels/.rels" | "[Content_Types].xml" => String::from_utf8(content)
                .unwrap()
                .replace("xl/workbook.xml", "xl/book.xml")
                .into_bytes(),
            _ => content,
        },
    );
    let read = try_return(db, "other-name.xlsx", &other_name);
    assert!(read["error"].is_null(), "{read}");
    assert_eq!(read["rows"], plain["rows"]);

    // An .xls protected with a password: its FILEPASS record (RC4).
    use taizhang::readers::xls_scan::fixtures;
    let stream = [
        fixtures::bof(0x0005),
        fixtures::record(0x002F, &[1, 0, 1, 0, 1, 0, 0, 0, 0, 0]),
        vec![0x5A; 200],
    ]
    .concat();
    let read = try_return(db, "locked.xls", &fixtures::xls(&stream));
    assert!(read["error"].as_str().unwrap().contains("密码"), "{read}");

    // An .ods saved with a password: its manifest names the encryption.
    let ods = {
        use std::io::Write as _;
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        zip.start_file("mimetype", stored).unwrap();
        zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
            .unwrap();
        zip.start_file("content.xml", stored).unwrap();
        zip.write_all(&[0x9C; 300]).unwrap();
        zip.start_file("META-INF/manifest.xml", stored).unwrap();
        zip.write_all(br#"<?xml version="1.0"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"><manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k" manifest:checksum="x"><manifest:algorithm manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="x"/></manifest:encryption-data></manifest:file-entry></manifest:manifest>"#).unwrap();
        zip.finish().unwrap().into_inner()
    };
    let read = try_return(db, "locked.ods", &ods);
    assert!(read["error"].as_str().unwrap().contains("密码"), "{read}");

    // Excel 4.0: a bare BIFF4 stream.
    let mut biff4 = vec![0x09, 0x04, 0x06, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00];
    biff4.extend_from_slice(&[0x0A, 0x00, 0x00, 0x00]);
    let read = try_return(db, "old.xls", &biff4);
    assert!(
        read["error"].as_str().unwrap().contains("Excel 4.0"),
        "{read}"
    );
}

/// A Word return whose progress is written as paragraphs, not in a table, is read as an
/// e-mail body is: row by row, by number and title.
#[test]
fn a_word_return_in_paragraphs_is_read_row_by_row() {
    let ledger = ledger_with_addresses(&[]);
    let rows = rows_of(&ledger.path, "县农业农村局");
    let paragraph = |text: &str| format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>");
    let mut body = paragraph("县农业农村局2019年7月重点工作进展情况");
    body.push_str(&paragraph("填报单位：县农业农村局"));
    for (code, text) in rows.iter().take(2) {
        body.push_str(&paragraph(&format!("{code} {text}：本月已完成排查。")));
    }
    body.push_str(&paragraph("联系人：韦某某"));
    let docx = common::docx_with_body(&body);
    let read = try_return(&ledger.path, "农业农村局进展.docx", &docx);
    assert!(read["error"].is_null(), "{read}");
    assert_eq!(read["department"], "县农业农村局");
    assert_eq!(read["period"], "2019-07");
    let got = read["rows"].as_array().unwrap();
    assert_eq!(got.len(), 2, "{read}");
    assert_eq!(got[0]["code"], rows[0].0.as_str());
    assert_eq!(got[0]["progress"], "本月已完成排查。");
}

/// `import-plan --dry-run --json` of a file, and its exit.
fn read_plan(db: &Path, file: &Path) -> (bool, Value, String) {
    let output = taizhang(&[
        "--db",
        arg(db),
        "--today",
        "2019-08-10",
        "import-plan",
        arg(file),
        "--dry-run",
        "--json",
    ]);
    (
        output.status.success(),
        serde_json::from_slice(&output.stdout).unwrap_or(Value::Null),
        stderr(&output),
    )
}

/// The plan as a PDF (LibreOffice's, from the seed text) gives the same tasks, departments,
/// dates, targets and form as the text.
#[test]
fn a_pdf_plan_reads_as_its_text() {
    let temp = common::TempLedger::new();
    let (ok, text, said) = read_plan(
        &temp.path,
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/rongshui-2019-soil-plan.txt"),
    );
    assert!(ok, "{said}");
    let (ok, pdf, said) = read_plan(&temp.path, &fixture("rongshui-2019-soil-plan.pdf"));
    assert!(ok, "{said}");
    for key in [
        "title",
        "year",
        "document_number",
        "issuer",
        "issued_on",
        "targets",
        "departments",
        "form",
        "reporting",
    ] {
        assert_eq!(pdf[key], text[key], "{key}");
    }
    let tasks = |plan: &Value| -> Vec<Value> {
        plan["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|task| {
                let mut task = task.clone();
                // The PDF's font lost the one `〉` of the text (see the fixtures' README).
                task.as_object_mut().unwrap().remove("note");
                task
            })
            .collect()
    };
    assert_eq!(tasks(&pdf), tasks(&text));
}

/// A PDF without a text layer (a scan), and hostile PDFs (a page tree that loops, a content
/// stream that inflates past the limit, a damaged file): each refused with a clear sentence,
/// quickly, and the ledger stays byte for byte as it was.
#[test]
fn scanned_and_hostile_pdfs_are_refused_and_nothing_is_written() {
    use lopdf::{Dictionary, Document, Object, Stream, dictionary};
    let temp = common::TempLedger::new();
    read_plan(&temp.path, &fixture("rongshui-2019-soil-plan.pdf"));
    let before = std::fs::read(&temp.path).unwrap();
    let document = |content: Vec<u8>, compress: bool, looping: bool| -> Vec<u8> {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font_id = doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Courier",
        });
        let mut stream = Stream::new(Dictionary::new(), content);
        if compress {
            stream.compress().unwrap();
        }
        let content_id = doc.add_object(stream);
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => pages_id, "Contents" => content_id,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font_id } },
        });
        let kids: Vec<Object> = if looping {
            vec![page_id.into(), pages_id.into()]
        } else {
            vec![page_id.into()]
        };
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => 1 }),
        );
        let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_to(&mut bytes).unwrap();
        bytes
    };
    let scan = document(b"q 100 0 0 100 0 0 cm Q".to_vec(), false, false);
    let looping = document(b"BT /F1 12 Tf 10 10 Td (x) Tj ET".to_vec(), false, true);
    let bomb = document(vec![b' '; 64 * 1024 * 1024], true, false);
    let mut cut = std::fs::read(fixture("rongshui-2019-soil-plan.pdf")).unwrap();
    cut.truncate(cut.len() / 3);
    for (what, bytes, expected) in [
        ("a scan", scan, "没有文字层"),
        ("a looping page tree", looping, "没有文字层"),
        ("a bomb", bomb, "过大"),
        ("cut short", cut, "PDF"),
    ] {
        let file = temp.dir.path().join("plan.pdf");
        std::fs::write(&file, &bytes).unwrap();
        let started = std::time::Instant::now();
        let (ok, _, said) = read_plan(&temp.path, &file);
        assert!(!ok, "{what}");
        assert!(said.contains(expected), "{what}: {said}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "{what}"
        );
        assert_eq!(std::fs::read(&temp.path).unwrap(), before, "{what}");
    }
}

/// A department's mail saved and attached as a file (`.eml`, or Outlook's `.msg`) to the
/// office's own mail is read as the forwarded message: its sender, date and files.
#[test]
fn a_saved_mail_attached_as_a_file_is_read_as_the_forward() {
    let ledger = ledger_with_addresses(&[]);
    let attachment = forest_return(&ledger.path);
    let inner = common::mail::message(
        "lyj@example.cn",
        &common::mail::utf8_word("县林业局7月进展"),
        "Thu, 01 Aug 2019 09:00:00 +0800",
        "inner-file@example.cn",
        "见附件",
        &[("filename=\"jd.docx\"".to_owned(), attachment.as_slice())],
    );
    let msg = taizhang::mail::msg::fixtures::msg_file(
        "县林业局7月进展",
        "lyj@example.cn",
        "见附件",
        1_564_621_200,
        &[("jd.docx", attachment.as_slice())],
    );
    for (name, bytes) in [("原邮件.eml", inner), ("原邮件.msg", msg)] {
        let outer = common::mail::message(
            "office@example.cn",
            &common::mail::utf8_word("转发：县林业局7月进展"),
            "Fri, 02 Aug 2019 09:00:00 +0800",
            "outer-file@example.cn",
            "请查收",
            &[(format!("filename=\"{name}\""), bytes.as_slice())],
        );
        let file = ledger.dir.path().join("outer.eml");
        std::fs::write(&file, outer).unwrap();
        let message = import(&ledger.path, &file);
        assert_eq!(message["from"], "lyj@example.cn", "{name}: {message}");
        assert_eq!(message["forwarded_by"], "office@example.cn", "{name}");
        assert_eq!(message["date"], "2019-08-01", "{name}");
        assert_eq!(message["department"], "县林业局", "{name}");
        assert_eq!(message["attachments"][0]["name"], "jd.docx", "{name}");
        assert!(
            message["attachments"][0]["error"].is_null(),
            "{name}: {message}"
        );
    }
}
