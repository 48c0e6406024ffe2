//! E-mail bodies written the way county offices write them, split into the rows of the 2019
//! plan's real departments: greetings, signatures, quoted replies, every numbering in use, rows
//! out of order, two rows in one paragraph. The signature and the quoted message never reach a
//! row, and text that matches no row is returned, not dropped.
#![expect(clippy::unwrap_used)]

mod common;

use common::TempLedger;
use taizhang::returns::{EmailSplit, ExpectedRow, RowKey, obligations, split_email_body};
use taizhang::store::Ledger;

fn rows_of(department: &str) -> Vec<ExpectedRow> {
    let temp = TempLedger::new();
    let (ledger, _) = Ledger::open(&temp.path).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let departments = ledger.departments().unwrap();
    obligations(&plan, &departments)
        .into_iter()
        .find(|o| o.department == department)
        .unwrap()
        .rows
}

fn key(rows: &[ExpectedRow], code: &str) -> RowKey {
    rows.iter().find(|r| r.code == code).unwrap().key
}

/// The text each code got.
fn texts(split: &EmailSplit, rows: &[ExpectedRow]) -> Vec<(String, String)> {
    split
        .rows
        .iter()
        .map(|(k, text)| {
            (
                rows.iter().find(|r| r.key == *k).unwrap().code.clone(),
                text.clone(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[test]
fn the_signature_never_reaches_a_row() {
    let rows = rows_of("县城管执法局");
    let body = "生态股：\n1.11 非正规垃圾堆放点排查整治情况：已排查3处，整治2处。\n县城管执法局\n2019年8月2日";
    let split = split_email_body(body, &rows);
    assert_eq!(
        texts(&split, &rows),
        pairs(&[("1.11", "已排查3处，整治2处。")])
    );
    assert!(split.skipped.contains(&"县城管执法局".to_owned()));
    assert!(split.skipped.contains(&"2019年8月2日".to_owned()));
    assert!(split.unmatched.is_empty(), "{:?}", split.unmatched);
}

#[test]
fn a_quoted_earlier_message_is_cut_off() {
    let rows = rows_of("县城管执法局");
    for quote in [
        "-----原始邮件-----\n发件人: rsxstg@163.com\n主题: 请报送7月进展\n11．非正规垃圾堆放点排查整治情况：请填写",
        "发件人：融水县生态环境局\n发送时间：2019年8月1日\n请于8月3日前报送",
        "在 2019-08-01 09:12:30，\"生态股\" <rsxstg@163.com> 写道：\n> 请报送7月进展\n> 11．非正规垃圾堆放点排查整治情况：",
        "> 11．非正规垃圾堆放点排查整治情况：请填写\n> 此致",
    ] {
        let body = format!("您好！\n★11．非正规垃圾堆放点排查整治情况：完成整治2处。\n\n{quote}");
        let split = split_email_body(&body, &rows);
        assert_eq!(
            texts(&split, &rows),
            pairs(&[("1.11", "完成整治2处。")]),
            "{body}"
        );
        assert!(split.unmatched.is_empty(), "{:?}", split.unmatched);
    }
}

#[test]
fn every_numbering_in_use_finds_its_row() {
    let rows = rows_of("县城管执法局");
    for numbering in [
        "1.11 ",
        "1.11、",
        "★11．",
        "11、",
        "11.",
        "（十一）",
        "(11)",
        "第11项 ",
        "第十一项",
        "⑪",
    ] {
        let body = format!("{numbering}已排查3处。");
        let split = split_email_body(&body, &rows);
        assert_eq!(
            texts(&split, &rows),
            pairs(&[("1.11", "已排查3处。")]),
            "{numbering}"
        );
    }
}

#[test]
fn rows_out_of_order_with_headings_and_contacts() {
    let rows = rows_of("县农业农村局");
    let body = "生态股：\n您好！现将我局7月份重点工作进展报送如下：\n\
        9．废弃农膜回收利用情况：回收农膜12吨。\n\
        8．化肥农药使用量零增长情况：已制定年度方案，\n正在组织实施。\n\
        2.1 产粮（油）大县制定土壤环境保护方案及落实情况：无此项任务\n\
        联系人：韦某某\n电话：0772-5123456\n\n县农业农村局\n2019年8月2日";
    let split = split_email_body(body, &rows);
    assert_eq!(
        texts(&split, &rows),
        pairs(&[
            ("1.9", "回收农膜12吨。"),
            ("1.8", "已制定年度方案，\n正在组织实施。"),
            ("2.1", "无此项任务"),
        ])
    );
    assert!(
        split.skipped.iter().any(|s| s.starts_with("联系人"))
            && split.skipped.iter().any(|s| s.starts_with("电话"))
    );
    // The opening sentence is no row's text, and is shown rather than dropped.
    assert_eq!(
        split.unmatched,
        ["您好！现将我局7月份重点工作进展报送如下："]
    );
}

#[test]
fn two_rows_in_one_paragraph_are_split() {
    let rows = rows_of("县农业农村局");
    let body = "8．化肥农药使用量零增长情况：已完成方案。9．废弃农膜回收利用情况：回收农膜12吨；10．开展农药包装废弃物回收处理试点情况：试点2个。";
    let split = split_email_body(body, &rows);
    assert_eq!(
        texts(&split, &rows),
        pairs(&[
            ("1.8", "已完成方案。"),
            ("1.9", "回收农膜12吨；"),
            ("1.10", "试点2个。"),
        ])
    );
}

#[test]
fn sentences_with_numbers_inside_a_paragraph_stay_whole() {
    let rows = rows_of("县农业农村局");
    let body =
        "8．化肥农药使用量零增长情况：完成两项工作：1.测土配方施肥3.5万亩；2.统防统治1万亩。";
    let split = split_email_body(body, &rows);
    assert_eq!(
        texts(&split, &rows),
        pairs(&[(
            "1.8",
            "完成两项工作：1.测土配方施肥3.5万亩；2.统防统治1万亩。"
        )])
    );
}

#[test]
fn circled_and_chinese_numbers_with_a_closing() {
    let rows = rows_of("县农业农村局");
    let body = "各位领导：\n（八）化肥农药使用量零增长情况：持续推进。\n（九）废弃农膜回收利用情况：回收10吨。\n此致\n敬礼！\n县农业农村局（盖章）\n2019.8.2";
    let split = split_email_body(body, &rows);
    assert_eq!(
        texts(&split, &rows),
        pairs(&[("1.8", "持续推进。"), ("1.9", "回收10吨。")])
    );
    assert!(split.unmatched.is_empty(), "{:?}", split.unmatched);
}

#[test]
fn a_paragraph_for_no_row_of_the_department_is_shown() {
    let rows = rows_of("县城管执法局");
    let body =
        "11．非正规垃圾堆放点排查整治情况：整治2处。\n3．工业固体废物堆存场所环境整治情况：无";
    let split = split_email_body(body, &rows);
    assert_eq!(texts(&split, &rows), pairs(&[("1.11", "整治2处。")]));
    assert_eq!(split.unmatched, ["3．工业固体废物堆存场所环境整治情况：无"]);
}

#[test]
fn the_row_named_by_words_without_numbering() {
    let rows = rows_of("县城管执法局");
    let body = "非正规垃圾堆放点排查整治情况：本月无新增。";
    let split = split_email_body(body, &rows);
    // No numbering: nothing is split, and the text is shown to the user.
    assert!(split.rows.is_empty());
    assert_eq!(split.unmatched, [body]);
}

#[test]
fn a_forwarded_body_with_dashes_and_english_headers() {
    let rows = rows_of("县城管执法局");
    let body = "11、排查3处，整治2处\n\n---------- Forwarded message ---------\nFrom: someone\n11、旧的内容";
    let split = split_email_body(body, &rows);
    assert_eq!(texts(&split, &rows), pairs(&[("1.11", "排查3处，整治2处")]));
}

#[test]
fn an_outlook_reply() {
    let rows = rows_of("县城管执法局");
    let body = "11．已完成整治。\r\n\r\n-----Original Message-----\r\nFrom: rsxstg\r\nSent: 2019-08-01\r\n11．请填写";
    let split = split_email_body(body, &rows);
    assert_eq!(texts(&split, &rows), pairs(&[("1.11", "已完成整治。")]));
}

#[test]
fn a_date_in_figures_and_a_phone_line_end_the_paragraph() {
    let rows = rows_of("县城管执法局");
    let body = "11．已完成整治。\n2019-08-02\n手机：13800000000";
    let split = split_email_body(body, &rows);
    assert_eq!(texts(&split, &rows), pairs(&[("1.11", "已完成整治。")]));
}

#[test]
fn a_row_named_twice_keeps_both_texts() {
    let rows = rows_of("县城管执法局");
    let body = "11．已排查3处。\n\n11、另整治2处。";
    let split = split_email_body(body, &rows);
    assert_eq!(
        texts(&split, &rows),
        pairs(&[("1.11", "已排查3处。\n另整治2处。")])
    );
}

#[test]
fn full_width_digits() {
    let rows = rows_of("县农业农村局");
    let body = "８．化肥农药使用量零增长情况：推进中。";
    let split = split_email_body(body, &rows);
    assert_eq!(texts(&split, &rows), pairs(&[("1.8", "推进中。")]));
}

#[test]
fn an_empty_body_and_greetings_alone() {
    let rows = rows_of("县城管执法局");
    assert_eq!(split_email_body("", &rows), EmailSplit::default());
    let split = split_email_body("您好！\n生态股：\n", &rows);
    assert!(split.rows.is_empty() && split.unmatched.is_empty());
    assert_eq!(split.skipped.len(), 2);
    let _ = key(&rows, "1.11");
}
