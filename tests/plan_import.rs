//! The plan-text reader against the seed document and documents written in other styles.
#![expect(clippy::unwrap_used)]

mod common;

use taizhang::plan_text::{DepartmentNames, ParsedPlan, PlanTextError, decode_file, parse_plan};
use taizhang::seed::Seed;
use taizhang::store::Ledger;

fn known() -> DepartmentNames {
    let temp = common::TempLedger::new();
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    DepartmentNames::new(&ledger.departments().unwrap())
}

fn seed_text() -> &'static str {
    include_str!("fixtures/rongshui-2019-soil-plan.txt")
}

fn parse(text: &str) -> ParsedPlan {
    parse_plan(text, &known()).unwrap()
}

/// The main check: the seed document reads into exactly the plan in data/.
#[test]
fn the_seed_document_parses_to_the_bundled_plan() {
    let parsed = parse(seed_text());
    let seed = Seed::bundled().unwrap();
    assert_eq!(parsed.title, seed.plan.title);
    assert_eq!(parsed.year, seed.plan.year);
    assert_eq!(parsed.document_number, seed.plan.document_number);
    assert_eq!(parsed.issuer, seed.plan.issuer);
    assert_eq!(parsed.issued_on.unwrap().to_string(), seed.plan.issued_on);
    let targets: Vec<(&str, String)> = parsed
        .targets
        .iter()
        .map(|t| (t.text.as_str(), t.due_date.unwrap().to_string()))
        .collect();
    let expected_targets: Vec<(&str, String)> = seed
        .targets
        .iter()
        .map(|t| (t.text.as_str(), t.due_date.clone()))
        .collect();
    assert_eq!(targets, expected_targets);
    assert_eq!(parsed.targets[0].wording, "到2019年底");

    assert_eq!(parsed.sections.len(), seed.sections.len());
    for (got, want) in parsed.sections.iter().zip(&seed.sections) {
        assert_eq!(got.number, want.number);
        assert_eq!(got.title, want.title);
        let headings: Vec<(&str, &str)> = got
            .headings
            .iter()
            .map(|h| (h.code.as_str(), h.title.as_str()))
            .collect();
        let want_headings: Vec<(&str, &str)> = want
            .headings
            .iter()
            .map(|h| (h.code.as_str(), h.title.as_str()))
            .collect();
        assert_eq!(headings, want_headings);
        assert_eq!(
            got.tasks.len(),
            want.tasks.len(),
            "tasks of section {}",
            want.number
        );
        for (task, expected) in got.tasks.iter().zip(&want.tasks) {
            assert_eq!(task.code, expected.code);
            assert_eq!(task.title, expected.title, "{}", expected.code);
            assert_eq!(task.body, expected.body, "{}", expected.code);
            assert_eq!(task.note, expected.note, "{}", expected.code);
            assert_eq!(
                task.leads_separately, expected.leads_separately,
                "{}",
                expected.code
            );
            let leads: Vec<(&str, &str)> = task
                .leads
                .iter()
                .map(|l| (l.name.as_str(), l.scope.as_str()))
                .collect();
            let want_leads: Vec<(&str, &str)> = expected
                .leads
                .iter()
                .map(|l| (l.name.as_str(), l.scope.as_str()))
                .collect();
            assert_eq!(leads, want_leads, "{}", expected.code);
            let participants: Vec<&str> =
                task.participants.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(participants, expected.participants, "{}", expected.code);
            let milestones: Vec<(String, &str, &str)> = task
                .milestones
                .iter()
                .map(|m| {
                    (
                        m.due_date.to_string(),
                        m.wording.as_str(),
                        m.clause.as_str(),
                    )
                })
                .collect();
            let want_milestones: Vec<(String, &str, &str)> = expected
                .milestones
                .iter()
                .map(|m| (m.date.clone(), m.wording.as_str(), m.clause.as_str()))
                .collect();
            assert_eq!(milestones, want_milestones, "{}", expected.code);
            assert!(parsed.source[task.span.clone()].contains(&task.note));
        }
    }
    assert!(
        parsed.new_departments.is_empty(),
        "{:?}",
        parsed.new_departments
    );
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
}

#[test]
fn another_countys_plan_in_word_style_reads_with_its_own_phrasings() {
    let text = "\
XX县人民政府办公室关于印发《2021年XX县水污染防治工作方案》的通知
X政办发[2021]12号
各乡镇人民政府，县直各有关单位：
现将方案印发给你们。
XX县人民政府办公室
2021年3月1日
一、工作目标
到2021年底，县城集中式饮用水水源水质达标率100%，地表水优良比例达到90%以上。
二、主要任务
（一）保护饮用水水源
1.开展水源地整治。3月底前完成方案编制，2022年9月底前完成治理修复。(牵头单位：县水利局；责任单位：县自然资源局、县住建局)
2、加强水质监测。按月监测。（县生态环境局牵头，县卫健局配合）
（二）治理农业面源污染
1. 推进化肥减量。年底前化肥使用量零增长。（县农业农村局牵头督导）
（1）测土配方施肥。在2021年底前完成。（县农业农村局、县供销社分别牵头）
（2）畜禽粪污治理。9月中旬前完成排查。〔责任单位：县畜牧局、县环保局〕
（三）落实工作保障
各乡镇落实河长制。（各乡（镇）人民政府落实。以下各项均需各乡（镇）人民政府落实，不再列出）
三、保障措施
（一）加强领导。
";
    let parsed = parse(text);
    assert_eq!(parsed.title, "2021年XX县水污染防治工作方案");
    assert_eq!(parsed.year, 2021);
    assert_eq!(parsed.document_number, "X政办发〔2021〕12号");
    assert_eq!(parsed.issuer, "XX县人民政府办公室");
    assert_eq!(parsed.issued_on.unwrap().to_string(), "2021-03-01");
    let target_texts: Vec<&str> = parsed.targets.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        target_texts,
        [
            "县城集中式饮用水水源水质达标率100%",
            "地表水优良比例达到90%以上"
        ]
    );
    assert_eq!(
        parsed.targets[0].due_date.unwrap().to_string(),
        "2021-12-31"
    );

    let tasks: Vec<_> = parsed.tasks().collect();
    let codes: Vec<&str> = tasks.iter().map(|t| t.code.as_str()).collect();
    // 1. 推进化肥减量 has sub-items and a note of its own: it is a task (2.1), not a heading.
    assert_eq!(codes, ["1.1", "1.2", "2.1", "2.1.1", "2.1.2", "3"]);
    let lead_names = |code: &str| -> Vec<String> {
        tasks
            .iter()
            .find(|t| t.code == code)
            .unwrap()
            .leads
            .iter()
            .map(|l| l.name.clone())
            .collect()
    };
    let participant_names = |code: &str| -> Vec<String> {
        tasks
            .iter()
            .find(|t| t.code == code)
            .unwrap()
            .participants
            .iter()
            .map(|l| l.name.clone())
            .collect()
    };
    assert_eq!(lead_names("1.1"), ["县水利局"]);
    assert_eq!(
        participant_names("1.1"),
        ["县自然规划局", "县住建局"],
        "县自然资源局 is an alias"
    );
    let first = tasks[0];
    let dates: Vec<String> = first
        .milestones
        .iter()
        .map(|m| m.due_date.to_string())
        .collect();
    assert_eq!(dates, ["2021-03-31", "2022-09-30"]);
    assert_eq!(first.milestones[1].clause, "完成治理修复");
    assert_eq!(
        lead_names("1.2"),
        ["融水生态环境局"],
        "县生态环境局 is an alias"
    );
    assert_eq!(participant_names("1.2"), ["县卫健局"]);
    let separately = tasks.iter().find(|t| t.code == "2.1.1").unwrap();
    assert!(separately.leads_separately);
    assert_eq!(lead_names("2.1.1"), ["县农业农村局", "县供销社"]);
    assert_eq!(separately.milestones[0].due_date.to_string(), "2021-12-31");
    assert!(parsed.sections[1].headings.is_empty());
    let supervised = tasks.iter().find(|t| t.code == "2.1").unwrap();
    assert_eq!(supervised.leads[0].scope, "督导");
    assert_eq!(supervised.milestones[0].wording, "年底前");
    assert_eq!(supervised.milestones[0].due_date.to_string(), "2021-12-31");
    assert_eq!(
        lead_names("3"),
        ["各乡（镇）人民政府"],
        "a lone 落实 clause names the implementers"
    );
    assert!(parsed.new_departments.contains(&"县供销社".to_owned()));
    assert!(parsed.new_departments.contains(&"县畜牧局".to_owned()));
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.message.contains("9月中旬前"))
    );
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.message.contains("县供销社"))
    );
    // 责任单位 without a rule for who leads: all lead, flagged.
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.message.contains("未说明谁牵头"))
    );
}

#[test]
fn the_first_listed_unit_leads_when_the_document_says_so() {
    let text = "\
2022年度土壤污染防治工作要点
一、重点任务
各项任务中排在首位的为牵头单位。
（一）风险管控
1．严格准入。（责任单位：县自然资源局、县住建局、县生态环境局）
";
    let parsed = parse(text);
    let task = parsed.tasks().next().unwrap();
    assert_eq!(
        task.leads
            .iter()
            .map(|l| l.name.as_str())
            .collect::<Vec<_>>(),
        ["县自然规划局"]
    );
    assert_eq!(task.participants.len(), 2);
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(parsed.year, 2022);
}

#[test]
fn a_cut_off_text_is_flagged_not_guessed() {
    let cut = &seed_text()[..seed_text()
        .find("（县农\n\n业农村局牵头负责农用地")
        .unwrap()];
    let parsed = parse(cut);
    let last = parsed.tasks().last().unwrap();
    assert_eq!(last.code, "1.3");
    assert!(last.note.is_empty());
    assert!(last.leads.is_empty());
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.task_code.as_deref() == Some("1.3") && w.message.contains("没有责任分工")),
        "{:?}",
        parsed.warnings
    );
}

#[test]
fn gbk_and_docx_files_read_like_the_text() {
    let (gbk, _, _) = encoding_rs::GBK.encode(seed_text());
    let from_gbk = parse(&decode_file(&gbk).unwrap());
    assert_eq!(from_gbk.tasks().count(), 23);

    // A .docx with one paragraph per line of the seed.
    let mut body = String::new();
    for line in seed_text().lines() {
        let escaped = line
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        body.push_str(&format!(
            "<w:p><w:r><w:t xml:space=\"preserve\">{escaped}</w:t></w:r></w:p>"
        ));
    }
    let bytes = common::docx_with_body(&body);
    let from_docx = parse(&decode_file(&bytes).unwrap());
    assert_eq!(from_docx.tasks().count(), 23);
    assert_eq!(from_docx.document_number, "融政办发〔2019〕84号");
}

#[test]
fn garbage_input_gives_a_clear_message() {
    let email =
        "张科长：\n\n您好！附件是我局7月份的进展情况，请查收。\n\n县农业农村局 李四\n2019年8月2日";
    assert_eq!(
        parse_plan(email, &known()).unwrap_err(),
        PlanTextError::NoTasks
    );
    assert_eq!(parse_plan("", &known()).unwrap_err(), PlanTextError::Empty);
    assert!(PlanTextError::NoTasks.to_string().contains("不像工作计划"));
}
