//! A large, realistic ledger for benchmarks: 10 plan years, 60 departments, 40 form rows and
//! 80 tasks a year, every department's return every month with 200-character texts, two
//! history versions per row, and a 10 KB archived source file per return.

use std::path::Path;

use chrono::NaiveDate;
use taizhang::model::{Heading, Milestone};
use taizhang::plan_text::{NamedPart, ParsedPlan, ParsedSection, ParsedTask};
use taizhang::returns::{ReturnSource, RowWrite, obligations};
use taizhang::schedule::Period;
use taizhang::store::{Ledger, SourceFile};

pub const YEARS: i32 = 10;
pub const FIRST_YEAR: i32 = 2017;
pub const DEPARTMENTS: usize = 60;
pub const TASKS: usize = 80;
pub const FORM_ROWS: usize = 40;

fn text_of(length: usize, seed: usize) -> String {
    const WORDS: &str = "组织开展土壤污染状况调查督促重点监管企业落实自行监测完成受污染耕地安全利用推进建设用地准入管理开展现场检查发现问题均已整改到位";
    let chars: Vec<char> = WORDS.chars().collect();
    (0..length)
        .map(|i| chars[(i * 7 + seed * 13) % chars.len()])
        .collect()
}

fn department_name(index: usize) -> String {
    if index < 20 {
        // The seed's own departments come first.
        String::new()
    } else {
        format!("县第{index}测试局")
    }
}

/// The large ledger in the temp folder, generated on first use (about a minute and a half).
#[allow(dead_code, reason = "the example writes its own file")]
pub fn ensure() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join("taizhang-large-v3");
    let path = dir.join("ledger.sqlite");
    if !path.exists() {
        std::fs::create_dir_all(&dir).expect("temp folder");
        let partial = dir.join("generating.sqlite");
        let _ = std::fs::remove_file(&partial);
        let started = std::time::Instant::now();
        generate(&partial);
        std::fs::rename(&partial, &path).expect("rename the generated ledger");
        println!("generated the large ledger in {:?}", started.elapsed());
    }
    path
}

/// Builds the large ledger at `path` (which must not exist). Returns the current plan's year.
pub fn generate(path: &Path) -> i32 {
    let (mut ledger, _) = Ledger::open(path).expect("a new ledger");
    let seed_names: Vec<String> = ledger
        .departments()
        .expect("departments")
        .into_iter()
        .map(|d| d.name)
        .collect();
    let names: Vec<String> = (0..DEPARTMENTS)
        .map(|i| {
            seed_names
                .get(i)
                .cloned()
                .filter(|_| i < 20)
                .unwrap_or_else(|| department_name(i))
        })
        .collect();
    for year_index in 0..YEARS {
        let year = FIRST_YEAR + year_index;
        let sections = (0..8)
            .map(|section| ParsedSection {
                number: ["一", "二", "三", "四", "五", "六", "七", "八"][section].to_owned(),
                title: format!("第{}类重点工作", section + 1),
                headings: Vec::<Heading>::new(),
                tasks: (0..TASKS / 8)
                    .map(|item| {
                        let n = section * (TASKS / 8) + item;
                        ParsedTask {
                            code: format!("{}.{}", section + 1, item + 1),
                            title: format!("第{n}项任务{}", text_of(10, n)),
                            body: text_of(120, n),
                            note: format!(
                                "（{}牵头，{}参与）",
                                names[n % DEPARTMENTS],
                                names[(n + 7) % DEPARTMENTS]
                            ),
                            leads_separately: false,
                            leads: vec![NamedPart {
                                name: names[n % DEPARTMENTS].clone(),
                                scope: String::new(),
                            }],
                            participants: vec![NamedPart {
                                name: names[(n + 7) % DEPARTMENTS].clone(),
                                scope: String::new(),
                            }],
                            milestones: vec![Milestone {
                                id: 0,
                                due_date: NaiveDate::from_ymd_opt(year, (n % 12) as u32 + 1, 28)
                                    .expect("date"),
                                wording: format!("{}月底前", n % 12 + 1),
                                clause: text_of(16, n),
                                done_on: None,
                                done_note: String::new(),
                            }],
                            deadline: String::new(),
                            span: 0..0,
                        }
                    })
                    .collect(),
            })
            .collect();
        let parsed = ParsedPlan {
            title: format!("{year}年度土壤污染防治重点工作实施计划"),
            year,
            document_number: format!("融政办发〔{year}〕{}号", 10 + year_index),
            issuer: "融水苗族自治县人民政府办公室".to_owned(),
            issued_on: NaiveDate::from_ymd_opt(year, 1, 15),
            targets: Vec::new(),
            sections,
            new_departments: Vec::new(),
            notes: Vec::new(),
            warnings: Vec::new(),
            source: String::new(),
        };
        let source = SourceFile {
            name: format!("{year}计划.txt"),
            bytes: text_of(3000, year_index as usize).into_bytes(),
        };
        let plan_id = ledger
            .import_plan(&parsed, Some(&source), true)
            .expect("plan");
        // 9 more form rows (40 in all), each answered by two departments.
        let department_ids: Vec<i64> = ledger
            .departments()
            .expect("departments")
            .iter()
            .map(|d| d.id)
            .collect();
        ledger
            .write(|tx| {
                let group: i64 = tx.query_row(
                    "SELECT g.id FROM form_groups g JOIN forms f ON f.id = g.form_id WHERE f.plan_id = ?1 ORDER BY g.position DESC LIMIT 1",
                    [plan_id],
                    |row| row.get(0),
                )?;
                for extra in 0..(FORM_ROWS - 31) {
                    tx.execute(
                        "INSERT INTO form_rows (group_id, position, code, text, units, quarterly) VALUES (?1, ?2, ?3, ?4, '市生态环境局', 0)",
                        (group, 10 + extra as i64, format!("5.{}", 5 + extra), format!("新增事项{extra}{}", text_of(12, extra))),
                    )?;
                }
                // Spread the form rows over the departments.
                let rows: Vec<i64> = tx
                    .prepare("SELECT r.id FROM form_rows r JOIN form_groups g ON g.id = r.group_id JOIN forms f ON f.id = g.form_id WHERE f.plan_id = ?1 ORDER BY r.id")?
                    .query_map([plan_id], |row| row.get(0))?
                    .collect::<Result<_, _>>()?;
                tx.execute(
                    "DELETE FROM form_row_departments WHERE form_row_id IN (SELECT r.id FROM form_rows r JOIN form_groups g ON g.id = r.group_id JOIN forms f ON f.id = g.form_id WHERE f.plan_id = ?1)",
                    [plan_id],
                )?;
                for (index, row) in rows.iter().enumerate() {
                    for (position, offset) in [0, 20].iter().enumerate() {
                        let department = department_ids[(index + offset) % department_ids.len()];
                        tx.execute(
                            "INSERT OR IGNORE INTO form_row_departments (form_row_id, department_id, position) VALUES (?1, ?2, ?3)",
                            (row, department, position as i64),
                        )?;
                    }
                }
                Ok(())
            })
            .expect("form rows");

        let plan = ledger.focused_plan().expect("plan");
        let departments = ledger.departments().expect("departments");
        let owed = obligations(&plan, &departments);
        for month in 1..=12 {
            let period = Period::new(year, month).expect("period");
            let received = period.due_date(3) - chrono::Days::new((month % 4) as u64);
            for version in 0..3 {
                let writes: Vec<RowWrite> = owed
                    .iter()
                    .flat_map(|o| {
                        o.rows.iter().map(move |row| RowWrite {
                            department_id: o.department_id,
                            period,
                            key: row.key,
                            progress: text_of(200, month as usize * 31 + version),
                            remark: String::new(),
                            source: ReturnSource::Email,
                            received_on: Some(received),
                        })
                    })
                    .collect();
                ledger.write_return_rows(&writes).expect("returns");
            }
            // A 10 KB archived file per return.
            let archive = vec![b'x'; 10 * 1024];
            ledger
                .write(|tx| {
                    for o in &owed {
                        tx.execute(
                            "INSERT INTO source_files (name, kind, sha256, size, content, added_at) VALUES (?1, 'return', ?2, ?3, ?4, '2019-01-01 00:00:00')",
                            (format!("{}-{period}.xlsx", o.department), format!("{year}{month}{}", o.department_id), archive.len() as i64, &archive),
                        )?;
                        let file = tx.last_insert_rowid();
                        tx.execute(
                            "UPDATE returns SET source_file_id = ?1 WHERE plan_id = ?2 AND department_id = ?3 AND period = ?4",
                            (file, plan_id, o.department_id, period.to_string()),
                        )?;
                        tx.execute(
                            "INSERT INTO return_files (return_id, source_file_id, added_at) SELECT id, ?1, '2019-01-01 00:00:00' FROM returns WHERE plan_id = ?2 AND department_id = ?3 AND period = ?4",
                            (file, plan_id, o.department_id, period.to_string()),
                        )?;
                    }
                    Ok(())
                })
                .expect("archives");
        }
    }
    FIRST_YEAR + YEARS - 1
}
