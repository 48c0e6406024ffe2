//! A poor man's fuzzing, run in every test pass: thousands of damaged plan texts and
//! spreadsheets must give a result or a clear error, never a panic.
#![expect(clippy::unwrap_used)]

mod common;

use taizhang::plan_text::{DepartmentNames, decode_file, parse_plan};
use taizhang::returns::obligations;
use taizhang::returns::spreadsheet::{ImportChoice, ImportContext, ImportError, read_return};
use taizhang::store::Ledger;

/// xorshift64*: small, deterministic, good enough to pick places to damage.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const NOISE: [&str; 16] = [
    "（",
    "）",
    "〉",
    "(",
    ")",
    "牵头",
    "参与",
    "，",
    "、",
    "月底前",
    "1．",
    "（一）",
    "\n",
    "年底",
    "：",
    "12",
];

#[test]
fn damaged_plan_texts_never_panic() {
    let temp = common::TempLedger::new();
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let known = DepartmentNames::new(&ledger.departments().unwrap());
    let seed: Vec<char> = include_str!("fixtures/rongshui-2019-soil-plan.txt")
        .chars()
        .collect();
    let mut random = Random(0x9E37_79B9_7F4A_7C15);
    for _ in 0..400 {
        let mut text = seed.clone();
        for _ in 0..1 + random.below(20) {
            let at = random.below(text.len());
            match random.below(3) {
                0 => {
                    let end = (at + random.below(200)).min(text.len());
                    text.drain(at..end);
                }
                1 => {
                    let noise = NOISE[random.below(NOISE.len())];
                    for (offset, c) in noise.chars().enumerate() {
                        text.insert((at + offset).min(text.len()), c);
                    }
                }
                _ => text.truncate(at),
            }
        }
        let text: String = text.into_iter().collect();
        let _ = parse_plan(&text, &known);
    }
}

#[test]
fn damaged_bytes_as_plan_files_never_panic() {
    let seed = include_bytes!("fixtures/rongshui-2019-soil-plan.txt");
    let mut random = Random(42);
    for _ in 0..300 {
        let mut bytes = seed.to_vec();
        for _ in 0..1 + random.below(30) {
            let at = random.below(bytes.len());
            bytes[at] = random.next() as u8;
        }
        bytes.truncate(random.below(bytes.len()) + 1);
        let _ = decode_file(&bytes);
    }
}

#[test]
fn damaged_spreadsheets_never_panic_the_reader() {
    let temp = common::TempLedger::new();
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let departments = ledger.departments().unwrap();
    let owed = obligations(&plan, &departments);
    let context = ImportContext {
        plan: &plan,
        departments: &departments,
        obligations: &owed,
    };
    let period = taizhang::schedule::Period::new(2019, 7).unwrap();
    let due = chrono::NaiveDate::from_ymd_opt(2019, 8, 3).unwrap();
    let mut sources = [
        taizhang::returns::template::write_template(&plan, &owed[1], period, due).unwrap(),
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/returns/住建局-2019年7月.xls"
        ))
        .unwrap(),
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/returns/住建局-2019年7月.ods"
        ))
        .unwrap(),
    ];
    let mut random = Random(7);
    let mut results = (0, 0, 0);
    for round in 0..600 {
        let source = &mut sources[round % 3];
        let mut bytes = source.clone();
        for _ in 0..1 + random.below(8) {
            let at = random.below(bytes.len());
            bytes[at] = random.next() as u8;
        }
        if random.below(4) == 0 {
            bytes.truncate(random.below(bytes.len()) + 1);
        }
        let result = read_return(
            "damaged.xlsx",
            &bytes,
            ImportChoice {
                department_id: None,
                period: Some(period),
            },
            &context,
        );
        // The reader turns a panic into `Failed`, so the window survives. Our own code must not
        // panic; calamine's compound-file (.xls) reader does on some damaged files.
        if matches!(result, Err(ImportError::Failed(_))) {
            assert_eq!(
                round % 3,
                1,
                "round {round}: a panic outside the .xls reader: {result:?}"
            );
            results.2 += 1;
        }
        match result {
            Ok(_) => results.0 += 1,
            Err(_) => results.1 += 1,
        }
    }
    eprintln!(
        "read {} damaged files, refused {} ({} after a panic in calamine's .xls reader)",
        results.0, results.1, results.2
    );
}
