//! Reading a plan stays linear in the size of the text, on hostile inputs of the plan's own
//! shape: one task with very many dated clauses, very many tasks, very many names in one note.
//! No timings are asserted; the inputs are large enough that a quadratic reader would not
//! finish in any reasonable time, and the results are checked in full.
#![expect(clippy::unwrap_used)]

mod common;

use std::fmt::Write as _;

use chrono::NaiveDate;
use taizhang::plan_text::{
    DepartmentNames, ParsedPlan, PlanTextError, decode_file, parse_plan, parse_plan_document,
};
use taizhang::store::Ledger;

fn known() -> DepartmentNames {
    let temp = common::TempLedger::new();
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    DepartmentNames::new(&ledger.departments().unwrap())
}

const HEAD: &str = "融水苗族自治县人民政府办公室\n关于印发《2019年度融水苗族自治县土壤污染防治攻坚重点工作实施计划》的通知\n融水苗族自治县人民政府办公室\n2019年6月15日\n一、目标指标\n到2019年底，实现受污染耕地安全利用率达到50%以上。\n二、重点任务\n（一）稳步推进土壤环境质量调查工作。\n";

const NOTE: &str = "（融水生态环境局牵头，县农业农村局、自然规划局等参与。）";

/// The month, day and wording of the `index`th dated clause: the two shapes the seed has,
/// `6月底前，完成…；` and `2019年8月31日前完成…；`.
fn clause(index: usize) -> (NaiveDate, String, String) {
    let month = u32::try_from(index % 12).unwrap() + 1;
    let what = format!("完成第{index}批水稻、土壤样品的入库工作");
    if index.is_multiple_of(2) {
        let last = NaiveDate::from_ymd_opt(2019 + i32::from(month == 12), month % 12 + 1, 1)
            .unwrap()
            .pred_opt()
            .unwrap();
        (last, format!("{month}月底前，{what}；"), what)
    } else {
        let day = u32::try_from(index % 28).unwrap() + 1;
        (
            NaiveDate::from_ymd_opt(2019, month, day).unwrap(),
            format!("2019年{month}月{day}日前{what}；"),
            what,
        )
    }
}

/// A plan whose one task has `clauses` dated clauses, broken into PDF-like lines.
fn one_task_with_dated_clauses(clauses: usize) -> String {
    let mut text = String::from(HEAD);
    text.push_str("1．完成农用地土壤污染状况详查。按照国家相关技术规范，\n");
    for index in 0..clauses {
        text.push_str(&clause(index).1);
        if index % 3 == 2 {
            text.push('\n');
        }
    }
    text.push_str("。\n");
    text.push_str(NOTE);
    text.push('\n');
    text
}

fn parse(text: &str, known: &DepartmentNames) -> ParsedPlan {
    let decoded = decode_file(text.as_bytes()).unwrap();
    parse_plan(&decoded, known).unwrap()
}

/// The input: one task with a great many dated clauses. Every clause is a milestone
/// with its own date and clause, in order.
#[test]
fn one_task_with_two_hundred_thousand_dated_clauses() {
    const CLAUSES: usize = 200_000;
    let plan = parse(&one_task_with_dated_clauses(CLAUSES), &known());
    let tasks: Vec<_> = plan.tasks().collect();
    assert_eq!(tasks.len(), 1);
    let task = tasks[0];
    assert_eq!(task.code, "1.1");
    assert_eq!(task.title, "完成农用地土壤污染状况详查");
    assert_eq!(task.leads.len(), 1);
    assert_eq!(task.leads[0].name, "融水生态环境局");
    assert_eq!(task.milestones.len(), CLAUSES);
    for (index, milestone) in task.milestones.iter().enumerate() {
        let (due, written, what) = clause(index);
        assert_eq!(milestone.due_date, due, "clause {index}");
        assert!(written.starts_with(&milestone.wording), "clause {index}");
        assert_eq!(milestone.clause, what, "clause {index}");
    }
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings.first());
}

/// Very many tasks in one numbered item, each with a time it cannot date and a department of
/// its own the ledger lacks: every warning points at its task, every name is new once.
#[test]
fn very_many_tasks_with_warnings_and_new_departments() {
    const TASKS: usize = 20_000;
    let mut text = String::from(HEAD);
    text.push_str("1．");
    for index in 0..TASKS {
        writeln!(
            text,
            "开展第{index}项调查，上半年完成。（县第{index}局牵头，县林业局、县第{index}局、县水利局参与）"
        )
        .unwrap();
    }
    let plan = parse(&text, &known());
    let tasks: Vec<_> = plan.tasks().collect();
    assert_eq!(tasks.len(), TASKS);
    let mut vague = 0;
    for (index, task) in tasks.iter().enumerate() {
        let code = if index == 0 {
            "1.1".to_owned()
        } else {
            format!("1.1-{}", index + 1)
        };
        assert_eq!(task.code, code);
        assert_eq!(task.leads.len(), 1);
        assert_eq!(task.leads[0].name, format!("县第{index}局"));
        let participants: Vec<&str> = task.participants.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(participants, ["县林业局", "县水利局"]);
        assert!(task.milestones.is_empty());
    }
    for warning in &plan.warnings {
        if warning.message.contains("上半年") {
            let index = vague;
            vague += 1;
            assert_eq!(
                warning.task_code.as_deref(),
                Some(tasks[index].code.as_str())
            );
        }
    }
    assert_eq!(vague, TASKS);
    assert_eq!(plan.new_departments.len(), TASKS);
    assert_eq!(
        plan.new_departments[TASKS - 1],
        format!("县第{}局", TASKS - 1)
    );
}

/// Unnumbered tasks after a section's title get `2.1`, `2.2` … (the second section) in order.
#[test]
fn very_many_unnumbered_tasks_in_one_section() {
    const TASKS: usize = 20_000;
    let mut text = String::from(HEAD);
    text.push_str("（二）加强农用地分类管理。\n");
    for index in 0..TASKS {
        writeln!(text, "开展第{index}项调查。（县农业农村局牵头）").unwrap();
    }
    let plan = parse(&text, &known());
    let codes: Vec<&str> = plan.tasks().map(|t| t.code.as_str()).collect();
    assert_eq!(codes.len(), TASKS);
    for (index, code) in codes.iter().enumerate() {
        assert_eq!(*code, format!("2.{}", index + 1));
    }
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings.first());
}

/// One note naming very many departments, some twice: each counts once, in order.
#[test]
fn very_many_departments_in_one_note() {
    const NAMES: usize = 20_000;
    let mut text = String::from(HEAD);
    text.push_str("1．完成详查。（");
    let leads: Vec<String> = (0..NAMES).map(|i| format!("县第{i}局")).collect();
    text.push_str(&leads.join("、"));
    text.push_str("、县第0局牵头，");
    text.push_str(&leads.join("、"));
    text.push_str("、县林业局参与）\n");
    let plan = parse(&text, &known());
    let task = plan.tasks().next().unwrap();
    let names: Vec<&str> = task.leads.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, leads);
    let participants: Vec<&str> = task.participants.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(participants, ["县林业局"]);
    assert_eq!(plan.new_departments, leads);
}

/// A line of a million characters without punctuation, then very many brackets, some nested,
/// that are not notes: one task, its note found after them.
#[test]
fn a_long_line_without_punctuation_and_many_brackets() {
    let mut text = String::from(HEAD);
    text.push_str("1．");
    text.push_str(&"土壤污染防治".repeat(200_000));
    for index in 0..20_000 {
        write!(text, "（第{index}（乙）类）《方案（{index}）》").unwrap();
    }
    text.push_str("6月底前完成。（融水生态环境局牵头）\n");
    let plan = parse(&text, &known());
    let tasks: Vec<_> = plan.tasks().collect();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].leads[0].name, "融水生态环境局");
    assert_eq!(tasks[0].milestones.len(), 1);
    assert_eq!(tasks[0].milestones[0].clause, "完成");
}

/// A task table copied out of a PDF, one cell per line, with very many rows: every row a
/// task, in order, each with its leads and its date.
#[test]
fn a_flattened_task_table_with_twenty_thousand_rows() {
    const ROWS: usize = 20_000;
    let mut text = String::from(
        "融水县2020年土壤污染防治工作任务分工表\n序号\n重点任务\n牵头单位\n配合单位\n完成时限\n",
    );
    for index in 0..ROWS {
        writeln!(
            text,
            "{}\n开展第{index}项土壤污染状况调查，\n建立清单。\n县第{index}局\n县林业局、县水利局\n2020年6月底前",
            index + 1
        )
        .unwrap();
    }
    let plan = parse_plan_document(&text, &[], &known()).unwrap();
    let tasks: Vec<_> = plan.tasks().collect();
    assert_eq!(tasks.len(), ROWS);
    for (index, task) in tasks.iter().enumerate() {
        assert_eq!(task.leads[0].name, format!("县第{index}局"), "row {index}");
        let participants: Vec<&str> = task.participants.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(participants, ["县林业局", "县水利局"], "row {index}");
        assert_eq!(
            task.milestones[0].due_date,
            NaiveDate::from_ymd_opt(2020, 6, 30).unwrap()
        );
    }
}

/// Text of nothing but column names, a note with very many stray closing brackets, a name
/// with very many opening ones, a department list wrapped over very many lines: each read in
/// one pass.
#[test]
fn hostile_tables_and_brackets_are_read_in_one_pass() {
    let headers = "序号\n重点任务\n完成时限\n".repeat(100_000);
    assert_eq!(
        parse_plan_document(&headers, &[], &known()).unwrap_err(),
        PlanTextError::NoTasks
    );

    let mut text = String::from(HEAD);
    text.push_str("1．完成详查。（县林业局牵头");
    text.push_str(&"]".repeat(200_000));
    text.push_str("，县水利局参与）\n");
    let plan = parse_plan_document(&text, &[], &known()).unwrap();
    let task = plan.tasks().next().unwrap();
    assert_eq!(task.leads[0].name, "县林业局");
    assert_eq!(task.participants[0].name, "县水利局");

    let mut text = String::from(HEAD);
    text.push_str("1．完成详查。（县林业局牵头，");
    text.push_str(&"〔".repeat(100_000));
    text.push_str("县水利局参与）\n");
    let plan = parse_plan_document(&text, &[], &known()).unwrap();
    assert_eq!(plan.tasks().count(), 1);

    let mut text =
        String::from("序号\n重点任务\n牵头单位\n配合单位\n完成时限\n1\n开展调查。\n县林业局\n");
    text.push_str(&"县第一局、\n".repeat(100_000));
    text.push_str("县水利局\n2020年6月底前\n");
    let plan = parse_plan_document(&text, &[], &known()).unwrap();
    assert_eq!(plan.tasks().count(), 1);
}

/// Prints how long reading takes as the number of dated clauses doubles (not a check:
/// `cargo test --test plan_text_scaling -- --ignored --nocapture`).
#[test]
#[ignore = "prints timings only"]
fn print_timings() {
    let known = known();
    let sizes =
        std::env::var("SCALING_SIZES").unwrap_or_else(|_| "10000,20000,40000,200000".into());
    for clauses in sizes.split(',').map(|n| n.trim().parse::<usize>().unwrap()) {
        let text = one_task_with_dated_clauses(clauses);
        let started = std::time::Instant::now();
        let plan = parse(&text, &known);
        let elapsed = started.elapsed();
        let found: usize = plan.tasks().map(|t| t.milestones.len()).sum();
        let mut line = String::new();
        write!(
            line,
            "{clauses} clauses, {} KB: {found} milestones in {elapsed:.2?}",
            text.len() / 1024
        )
        .unwrap();
        println!("{line}");
    }
}

#[test]
fn dates_without_punctuation_keep_each_clause_short() {
    // 20,000 dates in one task with no clause end anywhere: each date's clause would run to the
    // end of the text, and the milestones would hold 20,000 × 20,000 characters.
    let mut text = String::from(HEAD);
    text.push_str("1．完成农用地土壤污染状况详查");
    for index in 0..20_000 {
        let month = index % 12 + 1;
        let _ = write!(text, "{month}月底前完成第{index}批样品入库");
    }
    text.push('\n');
    text.push_str(NOTE);
    text.push('\n');
    let plan = parse(&text, &known());
    let task = plan.tasks().next().unwrap();
    assert!(task.milestones.len() >= 19_000, "{}", task.milestones.len());
    let longest = task
        .milestones
        .iter()
        .map(|m| m.clause.chars().count())
        .max()
        .unwrap();
    assert!(longest <= 300, "{longest}");
}
