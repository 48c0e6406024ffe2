//! A process killed (SIGKILL) in the middle of a large import leaves a sound ledger holding
//! all of that import or none of it.
#![expect(clippy::unwrap_used)]
#![cfg(unix)]

mod common;

use common::taizhang_command as taizhang;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::TempLedger;
use taizhang::store::Ledger;

const NUMERALS: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];

fn numeral(n: usize) -> String {
    match n {
        1..=10 => NUMERALS[n - 1].to_owned(),
        11..=19 => format!("十{}", NUMERALS[n - 11]),
        _ => format!("{}十", NUMERALS[n / 10 - 1]),
    }
}

/// A plan of 20 sections × 99 tasks, each with two departments and a milestone.
fn large_plan() -> String {
    let mut text = String::from("2030年度大型测试工作计划\n二、重点任务\n");
    for section in 1..=20 {
        text.push_str(&format!("（{}）第{section}类工作\n", numeral(section)));
        for item in 1..=99 {
            text.push_str(&format!(
                "{item}．开展第{section}类第{item}项工作。6月底前完成方案，12月底前完成验收。（融水生态环境局牵头，县农业农村局等参与）\n"
            ));
        }
    }
    text
}

#[test]
fn a_killed_plan_import_leaves_all_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let plan_file = dir.path().join("large-plan.txt");
    std::fs::write(&plan_file, large_plan()).unwrap();

    // How long an undisturbed import takes, to spread the kills over it.
    let reference = TempLedger::new();
    let started = Instant::now();
    let output = taizhang()
        .args([
            "--db",
            reference.path.to_str().unwrap(),
            "import-plan",
            plan_file.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let full = started.elapsed();
    let (ledger, _) = Ledger::open(&reference.path).unwrap();
    let expected_tasks = ledger.focused_plan().unwrap().tasks().count();
    assert_eq!(expected_tasks, 20 * 99);
    drop(ledger);

    let mut outcomes = (0, 0);
    // Kill moments spread from the start to well past the end of a normal run.
    let fractions = [
        0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.5, 2.5, 4.0,
    ];
    for (round, fraction) in fractions.into_iter().enumerate() {
        let temp = TempLedger::new();
        // The ledger exists before the import starts.
        assert!(
            taizhang()
                .args(["--db", temp.path.to_str().unwrap(), "plan"])
                .output()
                .unwrap()
                .status
                .success()
        );
        let mut child = taizhang()
            .args([
                "--db",
                temp.path.to_str().unwrap(),
                "import-plan",
                plan_file.to_str().unwrap(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let delay = full.mul_f64(fraction);
        std::thread::sleep(delay.min(Duration::from_secs(10)));
        let _ = child.kill();
        let _ = child.wait();

        let (ledger, _) = Ledger::open(&temp.path).unwrap();
        assert_eq!(ledger.integrity_check().unwrap(), "ok", "round {round}");
        let plans = ledger.plans().unwrap();
        match plans.len() {
            1 => {
                outcomes.0 += 1;
                assert!(plans[0].is_current);
                assert_eq!(plans[0].task_count, 23, "the seed plan is untouched");
            }
            2 => {
                outcomes.1 += 1;
                assert_eq!(
                    plans[1].task_count, expected_tasks,
                    "round {round}: a partial plan"
                );
                assert!(plans[1].is_current && !plans[0].is_current);
            }
            n => panic!("round {round}: {n} plans"),
        }
    }
    eprintln!(
        "killed before the commit: {}, after: {}",
        outcomes.0, outcomes.1
    );
    // Both outcomes must actually have happened, or the test showed nothing.
    assert!(outcomes.0 > 0, "no kill landed before the commit");
    assert!(outcomes.1 > 0, "no import was kept whole");
}
