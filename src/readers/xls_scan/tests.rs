//! Tests of the `.xls` pre-flight check against calamine itself.

#![expect(clippy::unwrap_used)]

use super::fixtures::*;
use super::*;
use calamine::{Data, Reader};
use std::io::Write;
use std::time::{Duration, Instant};

const LIMITS: XlsLimits = XlsLimits {
    max_rows: 2000,
    max_columns: 100,
    max_text_bytes: 16 << 20,
    max_merges: 10_000,
    max_stream_bytes: 30 << 20,
    max_sheets: 32,
};

fn small_stream() -> Vec<u8> {
    let sheet = body(&[
        dimensions(0, 4, 0, 4),
        labelsst(0, 0, 0),
        labelsst(0, 1, 1),
        number(1, 0, 2.5),
        mulrk(2, 0, &[1, 2, 3]),
        label(3, 0, "附注"),
        formula(3, 1, 2.0),
        mergecells(&[(0, 0, 1, 3)]),
    ]);
    let other = body(&[dimensions(0, 1, 0, 1), number(0, 0, 7.0)]);
    workbook(
        &sst(&["任务", "进展"], 8224),
        &[("Sheet1", sheet), ("第二页", other)],
    )
}

fn calamine_range(bytes: &[u8], sheet: &str) -> calamine::Range<Data> {
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).unwrap();
    workbook.worksheet_range(sheet).unwrap()
}

/// Opens with calamine (a panic is allowed, an abort is not): for files the scan passed.
fn calamine_survives(bytes: &[u8]) {
    let _ = std::panic::catch_unwind(|| {
        if let Ok(mut workbook) = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)) {
            for name in workbook.sheet_names() {
                let _ = workbook.worksheet_range(&name);
            }
        }
    });
}

#[test]
fn xls_scan_small_workbook_passes_and_calamine_reads_it() {
    let bytes = xls(&small_stream());
    let summary = scan_xls(&bytes, &LIMITS).unwrap();
    assert_eq!(summary.sheets, 2);
    // 2 LABELSST + NUMBER + 3 MULRK + LABEL + FORMULA, then NUMBER.
    assert_eq!(summary.cells, 9);
    assert_eq!(summary.merges, 1);
    assert!(summary.text_bytes > 12);

    let range = calamine_range(&bytes, "Sheet1");
    assert_eq!(range.get_value((0, 0)), Some(&Data::String("任务".into())));
    assert_eq!(range.get_value((0, 1)), Some(&Data::String("进展".into())));
    assert_eq!(range.get_value((1, 0)), Some(&Data::Float(2.5)));
    assert_eq!(range.get_value((2, 2)), Some(&Data::Int(3)));
    assert_eq!(range.get_value((3, 0)), Some(&Data::String("附注".into())));
    assert_eq!(range.get_value((3, 1)), Some(&Data::Float(2.0)));
    let range = calamine_range(&bytes, "第二页");
    assert_eq!(range.get_value((0, 0)), Some(&Data::Float(7.0)));
}

#[test]
fn xls_scan_version_4_and_large_stream_with_padding_pass() {
    // A stream past the mini-stream cutoff, zero-padded after the last EOF as Excel does,
    // next to a small stream (in the mini stream) as real files have.
    let mut stream = small_stream();
    stream.resize(stream.len() + 9000, 0);
    for version in [cfb::Version::V3, cfb::Version::V4] {
        let mut file =
            cfb::CompoundFile::create_with_version(version, Cursor::new(Vec::new())).unwrap();
        file.create_stream("Workbook")
            .unwrap()
            .write_all(&stream)
            .unwrap();
        file.create_stream("\u{5}SummaryInformation")
            .unwrap()
            .write_all(&[0; 200])
            .unwrap();
        file.flush().unwrap();
        let bytes = file.into_inner().into_inner();
        let summary = scan_xls(&bytes, &LIMITS).unwrap();
        assert_eq!(summary.cells, 9);
        let range = calamine_range(&bytes, "Sheet1");
        assert_eq!(range.get_value((1, 0)), Some(&Data::Float(2.5)));
    }
    // calamine cannot open a version 4 file without a mini stream, and neither does the scan.
    let bytes = compound_file(cfb::Version::V4, "Workbook", &stream);
    assert!(calamine::open_workbook_auto_from_rs(Cursor::new(&bytes)).is_err());
    assert_eq!(
        scan_xls(&bytes, &LIMITS),
        Err(XlsRefusal::Damaged(CFB_DAMAGED.into()))
    );
    // A BIFF5-style "Book" stream is found too.
    let bytes = compound_file(cfb::Version::V3, "Book", &small_stream());
    assert_eq!(scan_xls(&bytes, &LIMITS).unwrap().sheets, 2);
}

#[test]
fn xls_scan_reads_the_stream_calamine_reads() {
    // Two streams; the first one created is renamed "Workbook" in place. calamine takes the
    // first entry of that name in directory order; the directory tree leads elsewhere.
    let decoy = workbook(&sst(&[], 8224), &[("Sheet1", number(0, 0, 99.0))]);
    let mut file =
        cfb::CompoundFile::create_with_version(cfb::Version::V3, Cursor::new(Vec::new())).unwrap();
    file.create_stream("AAAA")
        .unwrap()
        .write_all(&decoy)
        .unwrap();
    file.create_stream("Workbook")
        .unwrap()
        .write_all(&small_stream())
        .unwrap();
    file.flush().unwrap();
    let mut bytes = file.into_inner().into_inner();
    let old: Vec<u8> = "AAAA".encode_utf16().flat_map(u16::to_le_bytes).collect();
    let at = bytes.windows(old.len()).position(|w| w == old).unwrap();
    let new: Vec<u8> = "Workbook"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    bytes[at..at + new.len()].copy_from_slice(&new);
    bytes[at + 64..at + 66].copy_from_slice(&18_u16.to_le_bytes());

    let range = calamine_range(&bytes, "Sheet1");
    assert_eq!(range.get_value((0, 0)), Some(&Data::Float(99.0)));
    assert!(matches!(
        scan_xls(&bytes, &LIMITS),
        Err(XlsRefusal::Damaged(_))
    ));
}

#[test]
fn xls_scan_refuses_four_billion_declared_rows() {
    let sheet = body(&[dimensions(0, 4_000_000_000, 0, 2), number(0, 0, 1.0)]);
    let bytes = xls(&workbook(&sst(&[], 8224), &[("Sheet1", sheet)]));
    assert_eq!(
        scan_xls(&bytes, &LIMITS),
        Err(XlsRefusal::TooManyRows {
            sheet: "Sheet1".into(),
            rows: 4_000_000_000
        })
    );
    // A first row beyond the last wraps around to billions in calamine's arithmetic.
    let sheet = body(&[dimensions(5, 1, 0, 2)]);
    let bytes = xls(&workbook(&sst(&[], 8224), &[("Sheet1", sheet)]));
    assert!(matches!(
        scan_xls(&bytes, &LIMITS),
        Err(XlsRefusal::TooManyRows { .. })
    ));
}

#[test]
fn xls_scan_refuses_a_cell_at_iv65536() {
    let sheet = body(&[number(0, 0, 1.0), number(65535, 255, 1.0)]);
    let bytes = xls(&workbook(&sst(&[], 8224), &[("Sheet1", sheet)]));
    assert_eq!(
        scan_xls(&bytes, &LIMITS),
        Err(XlsRefusal::TooManyRows {
            sheet: "Sheet1".into(),
            rows: 65536
        })
    );
    let sheet = body(&[mulrk(0, 98, &[1, 2, 3])]);
    let bytes = xls(&workbook(&sst(&[], 8224), &[("宽表", sheet)]));
    assert_eq!(
        scan_xls(&bytes, &LIMITS),
        Err(XlsRefusal::TooManyColumns {
            sheet: "宽表".into(),
            columns: 101
        })
    );
}

#[test]
fn xls_scan_refuses_one_long_string_in_many_cells() {
    let long = "x".repeat(32_000);
    let mut sheet = Vec::with_capacity(198_000 * 14);
    for i in 0..198_000_u32 {
        let row = u16::try_from(i / 100 % 2000).unwrap();
        let column = u16::try_from(i % 100).unwrap();
        sheet.extend(labelsst(row, column, 0));
    }
    let bytes = xls(&workbook(&sst(&[&long], 8224), &[("Sheet1", sheet)]));
    let started = Instant::now();
    let result = scan_xls(&bytes, &LIMITS);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(matches!(result, Err(XlsRefusal::TooMuchText { bytes }) if bytes > 16 << 20));
}

#[test]
fn xls_scan_refuses_twenty_thousand_merges() {
    let ranges: Vec<(u16, u16, u16, u16)> = (0..1000).map(|i| (i, i, 0, 1)).collect();
    let sheet: Vec<u8> = (0..20).flat_map(|_| mergecells(&ranges)).collect();
    let bytes = xls(&workbook(&sst(&[], 8224), &[("Sheet1", sheet)]));
    assert!(matches!(
        scan_xls(&bytes, &LIMITS),
        Err(XlsRefusal::TooManyMerges { count }) if count > 10_000
    ));
}

#[test]
fn xls_scan_measures_strings_split_across_continue_records() {
    // "ab" in the SST record, "台账" (UTF-16) in a CONTINUE; then a rich string whose
    // formatting runs cross into a third record, then an extended string.
    let mut first = Vec::new();
    first.extend_from_slice(&3_u32.to_le_bytes());
    first.extend_from_slice(&3_u32.to_le_bytes());
    first.extend_from_slice(&4_u16.to_le_bytes());
    first.push(0);
    first.extend_from_slice(b"ab");
    let mut second = vec![1];
    for unit in "台账".encode_utf16() {
        second.extend_from_slice(&unit.to_le_bytes());
    }
    second.extend_from_slice(&3_u16.to_le_bytes());
    second.push(0x08);
    second.extend_from_slice(&2_u16.to_le_bytes());
    second.extend_from_slice(b"xyz");
    second.extend_from_slice(&[0; 4]);
    let mut third = vec![0; 4];
    third.extend_from_slice(&2_u16.to_le_bytes());
    third.push(0x04);
    third.extend_from_slice(&3_i32.to_le_bytes());
    third.extend_from_slice(b"ok");
    third.extend_from_slice(&[9, 9, 9]);
    let sst_records = [
        record(SST, &first),
        record(CONTINUE, &second),
        record(CONTINUE, &third),
    ]
    .concat();

    let mut records = Records::new(&sst_records);
    let sst_record = records.next().unwrap().ok().unwrap();
    assert!(records.next().is_none());
    let lengths = sst_lengths(&sst_record, Encoding { codepage: 1200 }, 1000).unwrap();
    assert_eq!(lengths, vec![8, 3, 2]);

    let sheet = body(&[labelsst(0, 0, 0), labelsst(0, 1, 1), labelsst(0, 2, 2)]);
    let bytes = xls(&workbook(&sst_records, &[("Sheet1", sheet)]));
    assert!(scan_xls(&bytes, &LIMITS).is_ok());
    let range = calamine_range(&bytes, "Sheet1");
    assert_eq!(
        range.get_value((0, 0)),
        Some(&Data::String("ab台账".into()))
    );
    assert_eq!(range.get_value((0, 1)), Some(&Data::String("xyz".into())));
    assert_eq!(range.get_value((0, 2)), Some(&Data::String("ok".into())));

    // The test's own SST writer splits long strings the same way.
    let long = "台".repeat(5000);
    let split = sst(&["a", &long, "b"], 8224);
    let sst_record = Records::new(&split).next().unwrap().ok().unwrap();
    let lengths = sst_lengths(&sst_record, Encoding { codepage: 1200 }, split.len()).unwrap();
    assert_eq!(lengths, vec![1, 15_000, 1]);
}

#[test]
fn xls_scan_refuses_too_many_sheets_and_bad_sheet_positions() {
    let sheets: Vec<(String, Vec<u8>)> = (0..40)
        .map(|i| (format!("S{i}"), number(0, 0, 1.0)))
        .collect();
    let sheets: Vec<(&str, Vec<u8>)> = sheets
        .iter()
        .map(|(name, body)| (name.as_str(), body.clone()))
        .collect();
    let bytes = xls(&workbook(&sst(&[], 8224), &sheets));
    assert_eq!(
        scan_xls(&bytes, &LIMITS),
        Err(XlsRefusal::TooManySheets { count: 40 })
    );

    // A sheet position inside another record's data, where a hidden sheet waits: the
    // "Hidden" sheet's BOUNDSHEET is patched (in place) to point into an unknown record.
    let hidden = [bof(0x0010), number(65535, 255, 1.0), eof()].concat();
    let mut stream = workbook(
        &sst(&[], 8224),
        &[("Sheet1", number(0, 0, 1.0)), ("Hidden", Vec::new())],
    );
    let unknown_at = stream.len();
    stream.extend(record(0x00EF, &hidden));
    assert_eq!(scan_xls(&xls(&stream), &LIMITS).unwrap().sheets, 2);
    let last_boundsheet = Records::new(&stream)
        .map(|r| r.ok().unwrap())
        .filter(|r| r.typ == BOUNDSHEET)
        .last()
        .unwrap()
        .start;
    let target = u32::try_from(unknown_at + 4).unwrap();
    stream[last_boundsheet + 4..last_boundsheet + 8].copy_from_slice(&target.to_le_bytes());
    assert_eq!(
        scan_xls(&xls(&stream), &LIMITS),
        Err(XlsRefusal::Damaged(SHEET_POSITION.into()))
    );
    // Two sheets at one position.
    let first_sheet = Records::new(&stream)
        .map(|r| r.ok().unwrap())
        .find(|r| r.typ == BOUNDSHEET)
        .unwrap()
        .start;
    let first_pos = stream[first_sheet + 4..first_sheet + 8].to_vec();
    stream[last_boundsheet + 4..last_boundsheet + 8].copy_from_slice(&first_pos);
    assert_eq!(
        scan_xls(&xls(&stream), &LIMITS),
        Err(XlsRefusal::Damaged(SHEET_POSITION.into()))
    );
}

#[test]
fn xls_scan_refuses_a_formula_that_calamine_would_rebuild_forever() {
    let mut rgce = vec![0x1E, 1, 0];
    for _ in 0..2000 {
        rgce.extend_from_slice(&[0x19, 0x40, 0x00, 0xFF]);
    }
    let mut data = cell_head(0, 0);
    data.extend_from_slice(&1.0_f64.to_le_bytes());
    data.extend_from_slice(&[0; 6]);
    data.extend_from_slice(&u16::try_from(rgce.len()).unwrap().to_le_bytes());
    data.extend_from_slice(&rgce);
    let sheet = record(FORMULA, &data);
    let bytes = xls(&workbook(&sst(&[], 8224), &[("Sheet1", sheet)]));
    let result = scan_xls(&bytes, &LIMITS);
    assert!(
        matches!(&result, Err(XlsRefusal::Damaged(detail)) if detail == FORMULA_TOO_COMPLEX),
        "{result:?}"
    );
}

#[test]
fn xls_scan_refuses_what_is_not_a_workbook() {
    assert_eq!(scan_xls(b"", &LIMITS), Err(XlsRefusal::NoWorkbook));
    assert_eq!(
        scan_xls(b"PK\x03\x04 not xls", &LIMITS),
        Err(XlsRefusal::NoWorkbook)
    );
    let bytes = compound_file(cfb::Version::V3, "Other", &small_stream());
    assert_eq!(scan_xls(&bytes, &LIMITS), Err(XlsRefusal::NoWorkbook));
    let mut garbage = CFB_SIGNATURE.to_vec();
    garbage.resize(4096, 0x5A);
    assert!(matches!(
        scan_xls(&garbage, &LIMITS),
        Err(XlsRefusal::Damaged(_))
    ));
    let huge = XlsLimits {
        max_stream_bytes: 100,
        ..LIMITS
    };
    assert!(matches!(
        scan_xls(&xls(&small_stream()), &huge),
        Err(XlsRefusal::Damaged(_))
    ));
}

#[test]
fn xls_scan_survives_every_truncation() {
    let stream = small_stream();
    let bytes = xls(&stream);
    for len in 0..bytes.len() {
        let result = scan_xls(&bytes[..len], &LIMITS);
        if result.is_ok() {
            calamine_survives(&bytes[..len]);
        }
    }
    // Truncated workbook streams in a sound compound file.
    for len in 0..stream.len() {
        let bytes = xls(&stream[..len]);
        if scan_xls(&bytes, &LIMITS).is_ok() {
            calamine_survives(&bytes);
        }
    }
}

#[test]
fn xls_scan_survives_byte_mutations() {
    let stream = small_stream();
    let bytes = xls(&stream);
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for _ in 0..400 {
        let mut mutated = stream.clone();
        let at = usize::try_from(next() % stream.len() as u64).unwrap();
        mutated[at] = u8::try_from(next() & 0xFF).unwrap();
        let file = xls(&mutated);
        if scan_xls(&file, &LIMITS).is_ok() {
            calamine_survives(&file);
        }
    }
    for _ in 0..400 {
        let mut mutated = bytes.clone();
        let at = usize::try_from(next() % bytes.len() as u64).unwrap();
        mutated[at] = u8::try_from(next() & 0xFF).unwrap();
        if scan_xls(&mutated, &LIMITS).is_ok() {
            calamine_survives(&mutated);
        }
    }
}

#[test]
fn xls_scan_passes_the_real_fixture() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/returns/住建局-2019年7月.xls"
    );
    let bytes = std::fs::read(path).unwrap();
    let summary = scan_xls(&bytes, &LIMITS).unwrap();
    let mut workbook = calamine::open_workbook_auto_from_rs(Cursor::new(&bytes)).unwrap();
    let names = workbook.sheet_names();
    assert_eq!(summary.sheets, names.len());
    let used: usize = names
        .iter()
        .map(|name| workbook.worksheet_range(name).unwrap().used_cells().count())
        .sum();
    assert!(used > 0);
    assert!(summary.cells >= used as u64, "{summary:?} vs {used}");
    assert!(
        summary.text_bytes > 0 && summary.text_bytes < 1 << 20,
        "{summary:?}"
    );
}
