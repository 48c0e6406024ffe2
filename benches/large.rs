//! The window on a large ledger (10 plan years, 60 departments, every return with history and
//! an archived file): opening, one frame of every page, switching period, peak memory.
//! Run with `cargo bench --bench large`; the ledger is generated once into the temp folder.
#![expect(clippy::unwrap_used)]

#[path = "support/large.rs"]
mod large;

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use taizhang::ui::TaizhangApp;

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn peak_memory_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<f64>().ok())
            })
        })
        .unwrap_or(0.0)
        / 1024.0
}

fn main() {
    let path = large::ensure();
    let dir = path.parent().unwrap().to_owned();
    // Start without backups, so that the first start's backup is a full copy.
    let _ = std::fs::remove_dir_all(dir.join("backups"));
    let size = std::fs::metadata(&path).unwrap().len();
    let today = NaiveDate::from_ymd_opt(2026, 8, 5).unwrap();

    // Opening: lock, open, read everything the pages show. The backup runs on a worker
    // thread meanwhile: a full copy the first time, then skipped while nothing changed.
    let mut opens = Vec::new();
    let mut backup_times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let mut app = TaizhangApp::open(path.clone(), today);
        opens.push(started.elapsed());
        assert!(app.failure().is_none(), "{:?}", app.failure());
        let started = Instant::now();
        app.wait_for_backup();
        backup_times.push(started.elapsed());
    }
    let backups = taizhang::store::list_backups(&path);
    assert_eq!(backups.len(), 1, "one copy while nothing changed");
    println!(
        "ledger {} MB; open (lock, open, load): median {:?} over 5",
        size / 1024 / 1024,
        median(opens),
    );
    println!(
        "backup at start on its worker thread: first (full copy of {} MB) {:?}; unchanged ledger, median {:?} over 4",
        backups[0].size / 1024 / 1024,
        backup_times[0],
        median(backup_times[1..].to_vec())
    );

    import_and_export(&path, today);
    month_close(&path, today);

    let mut harness = Harness::builder()
        .with_size([1280.0, 800.0])
        .build_eframe(move |cc| TaizhangApp::new(cc, path.clone(), today));
    let started = Instant::now();
    harness.run();
    println!("first frames (fonts, home page): {:?}", started.elapsed());

    for page in [
        "首页",
        "日历",
        "工作计划",
        "月度报送",
        "导入报送表",
        "部门清单",
        "总览",
        "催报",
        "进展表",
        "责任部门",
        "设置",
    ] {
        harness.get_by_label(page).click();
        let switched = Instant::now();
        harness.run();
        let first = switched.elapsed();
        let mut frames = Vec::new();
        let mut tessellations = Vec::new();
        for _ in 0..20 {
            let started = Instant::now();
            harness.step();
            frames.push(started.elapsed());
            // What the window does next with the frame's shapes (kittest does not).
            let shapes = harness.output().shapes.clone();
            let started = Instant::now();
            let meshes = harness.ctx.tessellate(shapes, 1.0);
            tessellations.push(started.elapsed());
            std::hint::black_box(meshes);
        }
        let frame = median(frames);
        let tessellation = median(tessellations);
        println!(
            "{page}: first frames {first:?}; one frame median {:?} (layout {frame:?} + tessellation {tessellation:?}) over 20",
            frame + tessellation
        );
    }
    for page in ["月度报送", "总览", "进展表"] {
        harness.get_by_label(page).click();
        harness.run();
        let mut switches = Vec::new();
        for _ in 0..4 {
            harness.get_by_label("上月").click();
            let started = Instant::now();
            harness.step();
            switches.push(started.elapsed());
        }
        println!(
            "{page}: switching period, median {:?} over 4",
            median(switches)
        );
    }
    // Switching department: pick one in the department list, as the user would.
    let names: Vec<String> = {
        let data = harness.state().data().unwrap();
        data.obligations
            .iter()
            .skip(1)
            .take(4)
            .map(|o| data.department(o.department_id).unwrap().0.name.clone())
            .collect()
    };
    for page in ["月度报送", "部门清单"] {
        harness.get_by_label(page).click();
        harness.run();
        let mut switches = Vec::new();
        for name in &names {
            harness.get_by_label("部门").click();
            harness.run();
            harness
                .get_by_role_and_label(egui::accesskit::Role::Button, name)
                .click();
            let started = Instant::now();
            harness.step();
            switches.push(started.elapsed());
            harness.run();
        }
        println!(
            "{page}: switching department, median {:?} over {}",
            median(switches),
            names.len()
        );
    }
    println!("peak memory: {:.0} MB", peak_memory_mb());
}

/// The month's 情况通报 drafted from the large ledger (read, built, written as .docx) and the
/// plan's indicators read with their values from every return.
fn month_close(path: &std::path::Path, today: NaiveDate) {
    let (ledger, _) = taizhang::store::Ledger::open(path).unwrap();
    let period = taizhang::schedule::Period::of(today).previous();
    let out = path.with_file_name("report-bench.docx");
    let protected = taizhang::files::Protected::for_ledger(path);
    let mut reports = Vec::new();
    let mut size = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let report = taizhang::service::month_report(&ledger, period, today).unwrap();
        let written = taizhang::service::write_report(
            &report,
            &out,
            &protected,
            taizhang::files::Existing::Replace,
        )
        .unwrap();
        reports.push(started.elapsed());
        size = std::fs::metadata(written).unwrap().len();
    }
    let plan = ledger.focused_plan().unwrap();
    let mut readings = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        std::hint::black_box(taizhang::service::plan_indicators(&ledger, plan.id).unwrap());
        readings.push(started.elapsed());
    }
    println!(
        "情况通报 for {} (read, build, write {} KB .docx): median {:?} over 5; indicators with their values: median {:?} over 5",
        period.label(),
        size / 1024,
        median(reports),
        median(readings)
    );
}

/// A 1,000-row returned sheet imported into (a copy of) the large ledger, and the month's
/// progress sheet exported from it.
fn import_and_export(path: &std::path::Path, today: NaiveDate) {
    use taizhang::returns::obligations;
    use taizhang::returns::spreadsheet::{ImportChoice, ImportContext, read_return};
    use taizhang::sheet::{build_sheet, write_pdf, write_xlsx};

    let copy = path.with_file_name("import-copy.sqlite");
    std::fs::copy(path, &copy).unwrap();
    let (mut ledger, _) = taizhang::store::Ledger::open(&copy).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let departments = ledger.departments().unwrap();
    let owed = obligations(&plan, &departments);
    // The department with the most form rows of its own.
    let obligation = owed
        .iter()
        .filter(|o| {
            o.rows
                .iter()
                .all(|r| matches!(r.key, taizhang::returns::RowKey::FormRow(_)))
        })
        .max_by_key(|o| o.rows.len())
        .unwrap();
    let period = taizhang::schedule::Period::of(today).previous();

    // The department's own rows first, then other texts: 1,000 rows of 200 characters.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .write_string(0, 0, format!("填报单位：{}", obligation.department))
        .unwrap();
    for (column, header) in ["重点工作事项", "责任单位", "进展情况", "备注"]
        .iter()
        .enumerate()
    {
        sheet.write_string(1, column as u16, *header).unwrap();
    }
    let progress = "本月组织开展重点行业企业用地土壤污染状况调查质量控制，完成信息采集地块复核，督促企业落实自行监测和信息公开要求，现场检查企业若干家次，发现问题均已督促整改到位。".repeat(3);
    for row in 0..1_000_u32 {
        let item = obligation
            .rows
            .get(row as usize)
            .map_or_else(|| format!("其他工作事项第{row}项"), |r| r.text.clone());
        sheet.write_string(2 + row, 0, &item).unwrap();
        sheet.write_string(2 + row, 2, &progress).unwrap();
    }
    let bytes = workbook.save_to_buffer().unwrap();
    let context = ImportContext {
        plan: &plan,
        departments: &departments,
        obligations: &owed,
    };
    let choice = ImportChoice {
        department_id: Some(obligation.department_id),
        period: Some(period),
    };
    let mut reads = Vec::new();
    let mut parsed = None;
    for _ in 0..10 {
        let started = Instant::now();
        parsed = Some(read_return("报送.xlsx", &bytes, choice, &context).unwrap());
        reads.push(started.elapsed());
    }
    let parsed = parsed.unwrap();
    let mut commits = Vec::new();
    for _ in 0..10 {
        let started = Instant::now();
        ledger.commit_return_import(&parsed, today, &bytes).unwrap();
        commits.push(started.elapsed());
    }
    println!(
        "1,000-row return into the large ledger: read and match median {:?}, commit median {:?} ({} of the department's {} rows matched, {} other rows; {:?})",
        median(reads),
        median(commits),
        parsed.rows.len(),
        obligation.rows.len(),
        parsed.unmatched.len(),
        parsed.warnings.iter().take(2).collect::<Vec<_>>()
    );

    let settings = ledger.settings().unwrap();
    let returns = ledger.returns(Some(period)).unwrap();
    let edits = ledger.sheet_edits(Some(period)).unwrap();
    let started = Instant::now();
    let sheet = build_sheet(&plan, &settings, &returns, &edits, period);
    let consolidate = started.elapsed();
    let mut xlsx = Vec::new();
    let mut pdf = Vec::new();
    let mut pages = 0;
    for _ in 0..10 {
        let started = Instant::now();
        std::hint::black_box(write_xlsx(&sheet).unwrap());
        xlsx.push(started.elapsed());
        let started = Instant::now();
        pages = write_pdf(&sheet).unwrap().pages;
        pdf.push(started.elapsed());
    }
    println!(
        "sheet of {} from the large ledger ({} rows): consolidate {consolidate:?}, XLSX median {:?}, PDF median {:?} ({pages} pages)",
        period.label(),
        sheet.rows().count(),
        median(xlsx),
        median(pdf)
    );
    drop(ledger);
    let _ = std::fs::remove_file(&copy);
}
