//! The month's two ends in the window (egui_kittest), against a real SMTP server (aiosmtpd on
//! 127.0.0.1) and the code in a real Secret Service: 发模板 on 催报 with its confirmation and
//! the question before a second send, 总览's 情况通报 read back and its 目标指标 entry, 报市 on
//! 进展表 with the city's address checked and kept, and 首页 saying what falls due this week and
//! whether the month's sheet went up.
#![expect(clippy::unwrap_used)]

mod common;

use std::io::Read as _;
use std::path::Path;

use chrono::NaiveDate;
use common::mail::{CODE, SmtpServer, USER, ledger_with_addresses, secret_service};
use common::{click, run_until, start_app};
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use taizhang::mail::tls::Security;
use taizhang::returns::{ReturnSource, RowWrite};
use taizhang::store::{Ledger, MailboxSettings, SendKind};

type Harness = egui_kittest::Harness<'static, taizhang::ui::TaizhangApp>;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Mailbox settings pointing at the test server, and the code in the Secret Service.
fn set_mailbox(db: &Path, smtp_port: u16) {
    secret_service();
    let (mut ledger, _) = Ledger::open(db).unwrap();
    ledger
        .save_mailbox_settings(&MailboxSettings {
            address: USER.to_owned(),
            imap_host: "127.0.0.1".to_owned(),
            imap_port: 1,
            imap_security: Security::None,
            smtp_host: "127.0.0.1".to_owned(),
            smtp_port,
            smtp_security: Security::None,
            folder: "INBOX".to_owned(),
        })
        .unwrap();
    taizhang::mail::secret::save(USER, CODE).unwrap();
}

/// Fills a department's July rows, received on `day`.
fn report_july(db: &Path, department: &str, day: NaiveDate) {
    let (mut ledger, _) = Ledger::open(db).unwrap();
    let plan = ledger.focused_plan().unwrap();
    let departments = ledger.departments().unwrap();
    let obligations = taizhang::returns::obligations(&plan, &departments);
    let owed = obligations
        .iter()
        .find(|o| o.department == department)
        .unwrap();
    let writes: Vec<RowWrite> = owed
        .rows_in(common::july())
        .iter()
        .map(|row| RowWrite {
            department_id: owed.department_id,
            period: common::july(),
            key: row.key,
            progress: format!("{department}：已完成排查。受污染耕地安全利用率达到52%。"),
            remark: String::new(),
            source: ReturnSource::Email,
            received_on: Some(day),
        })
        .collect();
    ledger.write_return_rows(&writes).unwrap();
}

fn type_into(harness: &mut Harness, label: &str, text: &str) {
    let field = harness.get_by_label(label);
    field.focus();
    harness.run();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run();
    harness.get_by_label(label).type_text(text);
    harness.run();
}

fn files_in(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn document_xml(path: &Path) -> String {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let mut text = String::new();
    archive
        .by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    text
}

#[test]
fn the_month_runs_from_templates_out_to_the_sheet_up_and_the_report_in_the_window() {
    let smtp = SmtpServer::start(None);
    let ledger = ledger_with_addresses(&[
        ("县农业农村局", "nyj@example.cn"),
        ("县自然规划局", "zrj@example.cn"),
    ]);
    set_mailbox(&ledger.path, smtp.port);
    report_july(&ledger.path, "县农业农村局", date(2019, 8, 2));
    report_july(&ledger.path, "县自然规划局", date(2019, 8, 9));
    let mut harness = start_app(&ledger.path, date(2019, 8, 12), [1280.0, 1000.0]);

    // 首页: this week's items first, and the July sheet not yet up.
    harness.get_by_label_contains("本周到期（2019年8月12日至2019年8月18日");
    harness.get_by_label_contains("2019年7月进展表尚未报市");

    // 发模板: the confirmation lists who gets one and who is skipped.
    click(&mut harness, "催报");
    click(&mut harness, "发模板");
    harness.get_by_label_contains("县农业农村局 <nyj@example.cn>");
    harness.get_by_label_contains("县住建局：没有邮箱地址，将跳过");
    click(&mut harness, "确认发送 2 封");
    run_until(&mut harness, |h| {
        h.query_by_label_contains("已发送 2 封2019年7月报送模板邮件")
            .is_some()
    });
    let delivered = smtp.messages();
    assert_eq!(delivered.len(), 2);
    for (raw, _) in &delivered {
        let message = taizhang::mail::parse_mail(raw).unwrap();
        assert!(message.subject.contains("2019年7月"), "{}", message.subject);
        assert_eq!(message.attachments.len(), 1);
        assert!(message.attachments[0].name.ends_with(".xlsx"));
    }
    let folder = ledger
        .dir
        .path()
        .join("exports")
        .join("报送模板")
        .join("2019年7月");
    assert!(files_in(&folder).len() > 5, "every department's template");
    harness.get_by_label_contains("本月模板已于");

    // A second send asks whom to send to; cancelling sends nothing.
    click(&mut harness, "发模板");
    harness.get_by_label_contains("本月模板已经发送过");
    assert!(
        harness
            .get_by_label("只发给尚未收到的 0 个部门")
            .accesskit_node()
            .is_disabled(),
        "nobody with an address is left"
    );
    click(&mut harness, "取消");
    assert_eq!(smtp.messages().len(), 2);

    // 总览: the 情况通报 as a .docx naming the late department; an indicator recorded.
    click(&mut harness, "总览");
    // The notice floats over the page's top: closed first, as she would.
    let close = harness.get_by_label("关闭提示").rect();
    assert!(
        close.max.x <= 1280.0,
        "the notice's button stays in the window: {close:?}"
    );
    click(&mut harness, "关闭提示");
    assert_eq!(harness.state().notice(), None);
    click(&mut harness, "生成情况通报");
    harness.get_by_label_contains("已生成情况通报");
    let reports = files_in(&ledger.dir.path().join("exports").join("情况通报"));
    assert_eq!(
        reports.len(),
        1,
        "{reports:?} {:?}",
        harness.state().error()
    );
    let xml = document_xml(&reports[0]);
    assert!(xml.contains("方正小标宋简体") && xml.contains("仿宋_GB2312"));
    assert!(xml.contains("县自然规划局"), "the late department is named");
    assert!(xml.contains("县农业农村局"));
    harness.get_by_label_contains("受污染耕地安全利用率");
    type_into(&mut harness, "数值", "120");
    click(&mut harness, "记录指标");
    // Refused beside the field, which keeps what was typed to be corrected.
    harness.get_by_label_contains("超过了 100%");
    // Full-width digits, as an IME types them.
    type_into(&mut harness, "数值", "５５");
    type_into(&mut harness, "来源", "县农业农村局统计");
    click(&mut harness, "记录指标");
    harness.get_by_label_contains("已记录2019年7月受污染耕地安全利用率：55%");
    {
        let (open, _) = Ledger::open(&ledger.path).unwrap();
        let plan = open.focused_plan().unwrap();
        let values = open.indicator_values(plan.id).unwrap();
        assert_eq!(values.len(), 1, "the refused value wrote nothing");
        assert_eq!(values[0].value, 55.0);
        assert_eq!(values[0].source, "县农业农村局统计");
    }

    // 报市: the city's address is asked once and checked; a bad one sends nothing.
    click(&mut harness, "进展表");
    click(&mut harness, "报市");
    type_into(&mut harness, "上级单位邮箱", "市局邮箱");
    // Most departments have not reported: it says so and asks.
    harness.get_by_label_contains("本月进展表还不完整");
    click(&mut harness, "仍然报市");
    harness.get_by_label_contains("不是有效的邮箱地址");
    assert_eq!(smtp.messages().len(), 2);
    type_into(&mut harness, "上级单位邮箱", "sthjj@city.example.cn");
    // The send runs with a spinner: clicked, then waited for.
    harness.get_by_label("仍然报市").click();
    run_until(&mut harness, |h| {
        h.query_by_label_contains(
            "已将2019年7月进展表（XLSX、PDF）用一封邮件发送至 sthjj@city.example.cn",
        )
        .is_some()
    });
    let delivered = smtp.messages();
    assert_eq!(delivered.len(), 3);
    let (raw, recipients) = &delivered[2];
    assert!(recipients.contains("sthjj@city.example.cn"), "{recipients}");
    let message = taizhang::mail::parse_mail(raw).unwrap();
    let names: Vec<&str> = message
        .attachments
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names[0].ends_with(".xlsx") && names[1].ends_with(".pdf"));
    harness.get_by_label_contains("本月进展表已于");

    // 首页 says it went up.
    click(&mut harness, "首页");
    harness.get_by_label_contains("2019年7月进展表已于");
    drop(harness);
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    let plan = open.focused_plan().unwrap();
    assert_eq!(
        open.mail_sends(plan.id, SendKind::Template, Some("2019-07"))
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        open.mail_sends(plan.id, SendKind::Sheet, Some("2019-07"))
            .unwrap()
            .len(),
        1
    );
    assert_eq!(open.settings().unwrap().city_email, "sthjj@city.example.cn");
}
