//! Plans in the shapes next year's plan really comes in: a task table (任务分工表) in Word,
//! in a spreadsheet and copied out of a PDF as text; a standing clause (`以下…不再列出`) that
//! is a note, not departments; a stray closing bracket. All through `import-plan`.

mod common;

use common::{TempLedger, arg, taizhang};
use serde_json::Value;

/// The table every test reads, as rows: a merged section heading, then tasks.
fn rows() -> Vec<Vec<&'static str>> {
    vec![
        vec![
            "序号",
            "重点任务",
            "牵头单位",
            "配合单位（责任单位）",
            "完成时限",
        ],
        vec!["一、推进土壤污染状况详查"],
        vec![
            "1",
            "完成重点行业企业用地调查成果集成，上报调查结果。",
            "县生态环境局",
            "县自然资源局、县工业和信息化局（以下各项工作均需各县、区人民政府落实，不再列出）",
            "2020年6月底前",
        ],
        vec![
            "2",
            "开展耕地土壤环境质量类别划分，建立分类清单。",
            "县农业农村局",
            "县生态环境局",
            "2020年12月",
        ],
        vec!["注：以下各项工作均需各乡（镇）人民政府配合落实，不再列出。"],
        vec!["二、严格建设用地准入管理"],
        vec![
            "3",
            "建立建设用地土壤污染风险管控和修复名录，动态更新。",
            "县生态环境局",
            "县自然资源局\n县住房城乡建设局",
            "长期坚持",
        ],
        vec![
            "4",
            "加强涉重金属行业污染防控，落实减排措施。",
            "县生态环境局",
            "县发展改革局、县工业和信息化局",
            "持续推进",
        ],
    ]
}

const TITLE: &str = "融水县2020年土壤污染防治工作任务分工表";

fn docx_table(title: &str, rows: &[Vec<&str>]) -> Vec<u8> {
    let escape = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let paragraph = |t: &str| {
        t.split('\n')
            .map(|line| format!("<w:p><w:r><w:t>{}</w:t></w:r></w:p>", escape(line)))
            .collect::<String>()
    };
    let mut body = paragraph(title);
    body.push_str("<w:tbl><w:tblGrid>");
    for _ in 0..5 {
        body.push_str("<w:gridCol/>");
    }
    body.push_str("</w:tblGrid>");
    for row in rows {
        body.push_str("<w:tr>");
        if row.len() == 1 {
            body.push_str(&format!(
                "<w:tc><w:tcPr><w:gridSpan w:val=\"5\"/></w:tcPr>{}</w:tc>",
                paragraph(row[0])
            ));
        } else {
            for cell in row {
                body.push_str(&format!("<w:tc>{}</w:tc>", paragraph(cell)));
            }
        }
        body.push_str("</w:tr>");
    }
    body.push_str("</w:tbl>");
    body.push_str(&paragraph("融水苗族自治县人民政府办公室"));
    common::docx_with_body(&body)
}

/// The table in a workbook, with a two-row header (责任单位 over 牵头单位 and 配合单位) and
/// the section headings merged across the row.
fn xlsx_table(rows: &[Vec<&str>]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.write_string(0, 0, TITLE).expect("write");
    let header_format = rust_xlsxwriter::Format::new();
    sheet
        .merge_range(1, 2, 1, 3, "责任单位", &header_format)
        .expect("merge");
    for (column, text) in [(0u16, "序号"), (1, "工作任务"), (4, "完成时间")] {
        sheet.write_string(1, column, text).expect("write");
    }
    sheet.write_string(2, 2, "牵头单位").expect("write");
    sheet.write_string(2, 3, "配合单位").expect("write");
    for (at, row) in (3u32..).zip(&rows[1..]) {
        if row.len() == 1 {
            sheet
                .merge_range(at, 0, at, 4, row[0], &header_format)
                .expect("merge");
        } else {
            for (column, text) in row.iter().enumerate() {
                sheet
                    .write_string(at, u16::try_from(column).expect("column"), *text)
                    .expect("write");
            }
        }
    }
    workbook.save_to_buffer().expect("xlsx")
}

/// The table as a PDF copied out gives it: one cell per line, the task's text wrapped.
fn flattened_one_cell_per_line(rows: &[Vec<&str>]) -> String {
    let mut text = format!("{TITLE}\n");
    for row in rows {
        for cell in row {
            let cell = cell.replace('\n', "、");
            // Long task texts wrap after 14 characters, as a narrow PDF column does.
            let chars: Vec<char> = cell.chars().collect();
            for chunk in chars.chunks(14) {
                text.push_str(&chunk.iter().collect::<String>());
                text.push('\n');
            }
        }
    }
    text.push_str("— 1 —\n");
    text
}

/// The table saved as tab-separated text.
fn flattened_tabs(rows: &[Vec<&str>]) -> String {
    let mut text = format!("{TITLE}\n\n");
    for row in rows {
        let cells: Vec<String> = row.iter().map(|c| c.replace('\n', "、")).collect();
        text.push_str(&cells.join("\t"));
        text.push('\n');
    }
    text
}

fn import(db: &std::path::Path, file: &std::path::Path, dry_run: bool) -> (Value, String) {
    let mut args = vec!["--db", arg(db), "import-plan", arg(file)];
    if dry_run {
        args.push("--dry-run");
    }
    args.push("--json");
    let output = taizhang(&args);
    assert!(output.status.success(), "{}", common::stderr(&output));
    (
        serde_json::from_slice(&output.stdout).expect("json"),
        common::stderr(&output),
    )
}

fn names(value: &Value) -> Vec<String> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_str().expect("name").to_owned())
        .collect()
}

/// What every form of the table must give.
fn check_table_plan(plan: &Value, what: &str) {
    assert_eq!(plan["year"], 2020, "{what}");
    assert!(
        plan["title"]
            .as_str()
            .expect("title")
            .contains("任务分工表"),
        "{what}: {}",
        plan["title"]
    );
    let tasks = plan["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 4, "{what}: {tasks:#?}");
    // Names resolve to the ledger's departments through their aliases (县生态环境局 is
    // 融水生态环境局, 县自然资源局 is 县自然规划局); a new one stays as written.
    assert_eq!(names(&tasks[0]["leads"]), ["融水生态环境局"], "{what}");
    assert_eq!(
        names(&tasks[0]["participants"]),
        ["县自然规划局", "县工业和信息化局"],
        "{what}"
    );
    assert!(
        tasks[0]["title"]
            .as_str()
            .expect("title")
            .starts_with("完成重点行业企业用地调查成果集成"),
        "{what}: {}",
        tasks[0]["title"]
    );
    assert_eq!(tasks[0]["milestones"][0]["date"], "2020-06-30", "{what}");
    assert_eq!(tasks[0]["deadline"], "2020年6月底前", "{what}");
    assert_eq!(tasks[1]["milestones"][0]["date"], "2020-12-31", "{what}");
    assert_eq!(names(&tasks[1]["leads"]), ["县农业农村局"], "{what}");
    assert_eq!(
        names(&tasks[2]["participants"]),
        ["县自然规划局", "县住建局"],
        "{what}"
    );
    assert_eq!(tasks[2]["deadline"], "长期坚持", "{what}");
    assert!(
        tasks[2]["milestones"].as_array().expect("m").is_empty(),
        "{what}"
    );
    assert_eq!(tasks[3]["deadline"], "持续推进", "{what}");
    assert_eq!(tasks[0]["section"], "推进土壤污染状况详查", "{what}");
    assert_eq!(tasks[2]["section"], "严格建设用地准入管理", "{what}");
    // The standing clauses are the plan's notes, never departments.
    let notes = names(&plan["notes"]);
    assert!(
        notes.iter().any(|n| n.contains("各县、区人民政府落实")),
        "{what}: {notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("各乡（镇）人民政府配合落实")),
        "{what}: {notes:?}"
    );
    for department in plan["departments"].as_array().expect("departments") {
        let name = department["name"].as_str().expect("name");
        for bad in ["以下", "不再", "各县", "区人民政府", "注"] {
            assert!(!name.contains(bad), "{what}: {name}");
        }
    }
    let codes: Vec<&str> = tasks
        .iter()
        .map(|t| t["code"].as_str().expect("code"))
        .collect();
    let unique: std::collections::HashSet<&&str> = codes.iter().collect();
    assert_eq!(unique.len(), 4, "{what}: {codes:?}");
}

#[test]
fn a_task_table_in_word_imports_with_leads_participants_and_dates() {
    let temp = TempLedger::new();
    let file = temp.dir.path().join("分工表.docx");
    std::fs::write(&file, docx_table(TITLE, &rows())).expect("write");
    let (plan, _) = import(&temp.path, &file, true);
    check_table_plan(&plan, "docx");
    // The office's name under the table, with no date, is the issuer.
    assert_eq!(plan["issuer"], "融水苗族自治县人民政府办公室");

    // Stored, it reads back the same, deadlines included.
    let (stored, _) = import(&temp.path, &file, false);
    assert_eq!(stored["stored"], true);
    let output = taizhang(&["--db", arg(&temp.path), "plan", "--json"]);
    let current: Value = serde_json::from_slice(&output.stdout).expect("json");
    check_table_plan(&current, "stored docx");
    assert_eq!(current["kind"], "imported");
}

#[test]
fn a_task_table_in_a_workbook_with_a_two_row_header_imports() {
    let temp = TempLedger::new();
    let file = temp.dir.path().join("分工表.xlsx");
    std::fs::write(&file, xlsx_table(&rows())).expect("write");
    let (plan, _) = import(&temp.path, &file, true);
    check_table_plan(&plan, "xlsx");
}

#[test]
fn a_task_table_flattened_to_text_imports() {
    let temp = TempLedger::new();
    for (name, text) in [
        (
            "one-cell-per-line.txt",
            flattened_one_cell_per_line(&rows()),
        ),
        ("tabs.txt", flattened_tabs(&rows())),
    ] {
        let file = temp.dir.path().join(name);
        std::fs::write(&file, text).expect("write");
        let (plan, _) = import(&temp.path, &file, true);
        check_table_plan(&plan, name);
    }
}

#[test]
fn a_standing_clause_is_a_note_and_a_stray_bracket_starts_nothing() {
    let temp = TempLedger::new();
    let text = "\
柳州市2020年土壤污染防治工作计划
一、重点任务
（一）加强土壤污染源头防控
1．开展涉镉等重金属重点行业企业排查整治，动态更新污染源整治清单。（市生态环境局牵头，市工业和信息化局、市自然资源局参与，以下各项工作均需各县、区人民政府（管委会）落实，不再列出）
2．加强工业固体废物堆存场所环境整治，2020年6月底前完成整治任务。（市生态环境局牵头，市发展改革委参与）]
3．推进耕地土壤环境质量类别划定成果应用。（市农业农村局牵头]，市生态环境局、市自然资源局参与）
4．严格建设用地准入管理，建立疑似污染地块名单。（市自然资源局牵头，自治区以下均需地方各级人民政府落实，不再列出）
";
    let file = temp.dir.path().join("plan.txt");
    std::fs::write(&file, text).expect("write");
    let (plan, _) = import(&temp.path, &file, true);
    let tasks = plan["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 4, "{tasks:#?}");
    for task in tasks {
        assert!(
            !task["title"].as_str().expect("title").starts_with(']'),
            "{task}"
        );
        for name in names(&task["leads"])
            .into_iter()
            .chain(names(&task["participants"]))
        {
            for bad in ["以下", "不再", "各县", "区人民政府", "]"] {
                assert!(!name.contains(bad), "{name} in {task}");
            }
        }
    }
    assert_eq!(names(&tasks[2]["leads"]), ["市农业农村局"]);
    assert_eq!(
        names(&tasks[2]["participants"]),
        ["市生态环境局", "市自然资源局"]
    );
    assert_eq!(tasks[1]["milestones"][0]["date"], "2020-06-30");
    let notes = names(&plan["notes"]);
    assert!(notes.iter().any(|n| n.contains("不再列出")), "{notes:?}");
    for department in plan["departments"].as_array().expect("departments") {
        let name = department["name"].as_str().expect("name");
        assert!(
            !name.contains("不再") && !name.contains("以下") && name != "各县",
            "{name}"
        );
    }

    // Stored, the note is kept with the plan.
    import(&temp.path, &file, false);
    let output = taizhang(&["--db", arg(&temp.path), "plan", "--json"]);
    let current: Value = serde_json::from_slice(&output.stdout).expect("json");
    assert!(
        names(&current["notes"])
            .iter()
            .any(|n| n.contains("不再列出"))
    );
}

#[test]
fn a_table_without_a_lead_column_is_not_a_plan_and_nothing_is_stored() {
    let temp = TempLedger::new();
    let file = temp.dir.path().join("名单.txt");
    std::fs::write(&file, "序号\t姓名\t单位\t电话\n1\t张三\t县林业局\t123\n").expect("write");
    let before = taizhang(&["--db", arg(&temp.path), "plans", "--json"]).stdout;
    let output = taizhang(&["--db", arg(&temp.path), "import-plan", arg(&file), "--json"]);
    assert!(!output.status.success());
    assert!(
        common::stderr(&output).contains("不像工作计划"),
        "{}",
        common::stderr(&output)
    );
    assert_eq!(
        taizhang(&["--db", arg(&temp.path), "plans", "--json"]).stdout,
        before
    );
}

/// In a PDF copy an empty cell gives no line, and a task wrapped over two lines makes the row
/// as long as the header: the lead is still the department, not the task's second line.
#[test]
fn a_wrapped_task_does_not_stand_in_for_an_empty_cell() {
    let temp = TempLedger::new();
    let text = "融水县2020年农村饮水安全工作任务分工表\n序号\n重点任务\n牵头单位\n配合单位\n完成时限\n1\n加强农村饮水安全工程建设和管理，\n确保农村饮水安全\n县水利局\n2020年12月底前\n";
    let file = temp.dir.path().join("饮水.txt");
    std::fs::write(&file, text).expect("write");
    let (plan, _) = import(&temp.path, &file, true);
    let tasks = plan["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 1, "{tasks:#?}");
    assert_eq!(names(&tasks[0]["leads"]), ["县水利局"]);
    assert!(names(&tasks[0]["participants"]).is_empty());
    assert!(
        tasks[0]["title"]
            .as_str()
            .expect("title")
            .contains("确保农村饮水安全")
    );
}

/// Tables as they are issued: as 附件 with no title of their own, with columns the reader
/// does not use (备注, 责任人), with 责任单位 beside 配合单位, a date wrapped over two lines in
/// a PDF copy, and the standing clause on a line of its own above the table.
#[test]
fn tables_as_they_are_issued() {
    let temp = TempLedger::new();
    // A file that begins with its issuer.
    let file = temp.dir.path().join("抬头.txt");
    std::fs::write(
        &file,
        "融水苗族自治县土壤污染防治工作领导小组办公室\n2020年土壤污染防治工作任务分工表\n序号\t重点任务\t牵头单位\t配合单位\t完成时限\n1\t开展耕地土壤环境质量类别划分。\t县农业农村局\t县生态环境局\t2020年6月底前\n",
    )
    .expect("write");
    let (plan, _) = import(&temp.path, &file, true);
    assert_eq!(
        plan["issuer"],
        "融水苗族自治县土壤污染防治工作领导小组办公室"
    );
    let cases = [
        (
            "附件.txt",
            "附件1\n以下各项工作均需各县、区人民政府落实，不再列出。\n序号\t重点任务\t牵头单位\t配合单位\t完成时限\t备注\n1\t开展耕地土壤环境质量类别划分。\t县农业农村局\t县生态环境局\t2020年6月底前\t\n2\t建立污染地块名录。\t县生态环境局\t县自然资源局\t长期坚持\t按季更新\n",
        ),
        (
            "责任单位.txt",
            "2020年土壤污染防治工作任务分工表\n序号\t主要任务\t责任单位\t配合单位\t责任人\t时间节点\n1\t开展耕地土壤环境质量类别划分。\t县农业农村局\t县生态环境局\t张三\t2020年6月底前\n2\t建立污染地块名录。\t县生态环境局\t县自然资源局\t李四\t长期坚持\n",
        ),
        (
            "换行.txt",
            "2020年土壤污染防治工作任务分工表\n序号\n重点任务\n牵头单位\n配合单位\n完成时限\n1\n开展耕地土壤环境质量类别划分。\n县农业农村局\n县生态环境局\n2020年6月\n底前\n2\n建立污染地块名录。\n县生态环境局\n县自然资源局\n长期坚持\n",
        ),
    ];
    for (name, text) in cases {
        let file = temp.dir.path().join(name);
        std::fs::write(&file, text).expect("write");
        let (plan, _) = import(&temp.path, &file, true);
        let tasks = plan["tasks"].as_array().expect("tasks");
        assert_eq!(tasks.len(), 2, "{name}: {tasks:#?}");
        assert_eq!(plan["year"], 2020, "{name}");
        assert!(!plan["title"].as_str().expect("title").is_empty(), "{name}");
        assert_eq!(names(&tasks[0]["leads"]), ["县农业农村局"], "{name}");
        assert_eq!(
            names(&tasks[0]["participants"]),
            ["融水生态环境局"],
            "{name}"
        );
        assert_eq!(tasks[0]["milestones"][0]["date"], "2020-06-30", "{name}");
        assert_eq!(tasks[1]["deadline"], "长期坚持", "{name}");
        assert_eq!(plan["issuer"], "", "{name}: no office named, no issuer");
        for department in plan["departments"].as_array().expect("departments") {
            let department = department["name"].as_str().expect("name");
            assert!(
                !["张三", "李四", "各县"].contains(&department),
                "{name}: {department}"
            );
        }
        // Stored: the title is there to check, not a refusal.
        let (stored, _) = import(&temp.path, &file, false);
        assert_eq!(stored["stored"], true, "{name}");
    }
    let file = temp.dir.path().join("附件.txt");
    let (plan, _) = import(&temp.path, &file, true);
    assert!(
        names(&plan["notes"]).iter().any(|n| n.contains("不再列出")),
        "{}",
        plan["notes"]
    );
}

/// Clauses in prose notes that name groups or ways of working are not departments.
#[test]
fn groups_and_manners_in_notes_are_not_departments() {
    let temp = TempLedger::new();
    let text = "\
2020年土壤污染防治工作计划
一、重点任务
（一）加强源头防控
1．开展涉镉企业排查整治。（县生态环境局牵头，各县、区人民政府(管委会)落实]
2．推进耕地安全利用。（县农业农村局牵头，各市、县人民政府负责落实）
3．加强农药包装废弃物回收。（县农业农村局、县供销社按职责分工负责）
]4．推进污染地块风险管控。（县自然资源局牵头，县生态环境局指导）
";
    let file = temp.dir.path().join("prose.txt");
    std::fs::write(&file, text).expect("write");
    let (plan, _) = import(&temp.path, &file, true);
    let tasks = plan["tasks"].as_array().expect("tasks");
    let codes: Vec<&str> = tasks
        .iter()
        .map(|t| t["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["1.1", "1.2", "1.3", "1.4"], "{tasks:#?}");
    let everyone: Vec<String> = tasks
        .iter()
        .flat_map(|t| {
            names(&t["leads"])
                .into_iter()
                .chain(names(&t["participants"]))
        })
        .collect();
    for bad in ["各县", "区人民政府(管委会)", "各市", "县人民政府"] {
        assert!(!everyone.iter().any(|n| n == bad), "{bad} in {everyone:?}");
    }
    assert!(
        everyone.iter().any(|n| n == "各县、区人民政府(管委会)"),
        "{everyone:?}"
    );
    assert!(
        everyone.iter().all(|n| !n.contains("按职责")),
        "{everyone:?}"
    );
    assert_eq!(names(&tasks[3]["participants"]), ["融水生态环境局"]);
}

/// A short prose plan issued as 附件, with tasks and no sections: read, numbered from 1.
#[test]
fn a_short_prose_plan_issued_as_an_attachment() {
    let temp = TempLedger::new();
    let file = temp.dir.path().join("附件.txt");
    std::fs::write(
        &file,
        "附件\n2020年度某县土壤污染防治重点工作实施计划\n1．完成农用地详查成果应用，2020年6月底前完成。（县生态环境局牵头，县农业农村局参与）\n2．推进受污染耕地安全利用。（县农业农村局牵头）\n",
    )
    .expect("write");
    let (plan, _) = import(&temp.path, &file, true);
    let codes: Vec<&str> = plan["tasks"]
        .as_array()
        .expect("tasks")
        .iter()
        .map(|t| t["code"].as_str().expect("code"))
        .collect();
    assert_eq!(codes, ["1.1", "1.2"]);
    assert_eq!(plan["title"], "2020年度某县土壤污染防治重点工作实施计划");
    assert_eq!(plan["tasks"][0]["milestones"][0]["date"], "2020-06-30");
}
