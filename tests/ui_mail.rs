//! The mailbox in the window (egui_kittest): 收件 reads a real Dovecot mailbox on a worker
//! thread and each message is committed or assigned by hand; saved e-mails dropped on the
//! window land there too; the code goes to a real Secret Service (gnome-keyring on a private
//! D-Bus), never into the ledger; chase e-mails go out through a real SMTP server after a
//! confirmation that lists the recipients.
#![expect(clippy::unwrap_used)]

mod common;

use std::path::Path;

use common::mail::{
    CODE, ImapServer, SmtpServer, USER, ledger_with_addresses, message, rows_of, secret_service,
    utf8_word,
};
use common::{click, drop_files, run_until, start_app, taizhang};
use egui_kittest::kittest::Queryable as _;
use taizhang::mail::tls::Security;
use taizhang::store::{Ledger, MailState, MailboxSettings};

fn august(day: u32) -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2019, 8, day).unwrap()
}

/// Mailbox settings pointing at the test servers, and the code in the Secret Service.
fn set_mailbox(db: &Path, imap_port: u16, smtp_port: u16) {
    secret_service();
    let (mut ledger, _) = Ledger::open(db).unwrap();
    ledger
        .save_mailbox_settings(&MailboxSettings {
            address: USER.to_owned(),
            imap_host: "127.0.0.1".to_owned(),
            imap_port,
            imap_security: Security::None,
            smtp_host: "127.0.0.1".to_owned(),
            smtp_port,
            smtp_security: Security::None,
            folder: "INBOX".to_owned(),
        })
        .unwrap();
    taizhang::mail::secret::save(USER, CODE).unwrap();
}

#[test]
fn the_window_reads_the_mailbox_and_each_message_is_committed_or_assigned() {
    let mut server = ImapServer::start();
    let ledger = ledger_with_addresses(&[("县农业农村局", "nyj@example.cn")]);
    let farm = rows_of(&ledger.path, "县农业农村局");
    server.deliver(&message(
        "<nyj@example.cn>",
        &utf8_word("7月份进展"),
        "Fri, 02 Aug 2019 10:00:00 +0800",
        "farm@example.cn",
        &format!("{} {}：已完成方案编制。\n", farm[3].0, farm[3].1),
        &[],
    ));
    let forest = rows_of(&ledger.path, "县林业局");
    server.deliver(&message(
        "<lyj@example.cn>",
        "progress",
        "Thu, 01 Aug 2019 09:00:00 +0800",
        "forest@example.cn",
        &format!("{} {}：已完成年度任务。\n", forest[0].0, forest[0].1),
        &[],
    ));
    set_mailbox(&ledger.path, server.port, 1);

    let mut harness = start_app(&ledger.path, august(10), [1280.0, 900.0]);
    click(&mut harness, "收件");
    click(&mut harness, "收取新邮件");
    run_until(&mut harness, |h| {
        h.query_by_label_contains("收到 2 封新邮件").is_some()
    });
    // Newest first: the department's own message, recognised by its address.
    harness.get_by_label_contains("按发件地址识别");
    harness.get_by_label("未识别");
    harness
        .get_all_by_label("导入这封邮件")
        .next()
        .unwrap()
        .click();
    harness.run();
    harness.get_by_label_contains("已导入县农业农村局的邮件");

    // The unknown sender is assigned by hand, then committed; the address is remembered.
    harness.get_by_label("部门").click();
    harness.run();
    harness.get_by_label("县林业局").click();
    harness.run();
    harness.run();
    harness.get_by_label_contains("按所选识别");
    harness.get_by_label("导入这封邮件").click();
    harness.run();
    harness.get_by_label_contains("已导入县林业局的邮件");
    drop(harness);

    let (open, _) = Ledger::open(&ledger.path).unwrap();
    assert!(
        open.mail_messages(Some(MailState::Pending))
            .unwrap()
            .is_empty()
    );
    let departments = open.departments().unwrap();
    let forest_department = departments.iter().find(|d| d.name == "县林业局").unwrap();
    assert_eq!(
        forest_department.addresses,
        vec!["lyj@example.cn".to_owned()]
    );
    let returns = open
        .returns(Some(taizhang::schedule::Period::new(2019, 7).unwrap()))
        .unwrap();
    let received = |id: i64| {
        returns
            .iter()
            .find(|r| r.department_id == id)
            .and_then(|r| r.received_on)
            .map(|d| d.to_string())
    };
    assert_eq!(
        received(forest_department.id).as_deref(),
        Some("2019-08-01")
    );
    let farm_department = departments
        .iter()
        .find(|d| d.name == "县农业农村局")
        .unwrap();
    assert_eq!(received(farm_department.id).as_deref(), Some("2019-08-02"));
    // Nothing on the server was flagged.
    assert!(server.flags().iter().all(String::is_empty));
}

#[test]
fn a_saved_outlook_message_dropped_on_the_window_is_imported() {
    let ledger = ledger_with_addresses(&[("县农业农村局", "nyj@example.cn")]);
    let farm = rows_of(&ledger.path, "县农业农村局");
    let msg = taizhang::mail::msg::fixtures::msg_file(
        "县农业农村局7月份进展",
        "NYJ@example.cn",
        &format!("{} {}：正在开展。\r\n", farm[4].0, farm[4].1),
        // 2019-08-02 09:00 in China.
        1_564_707_600,
        &[],
    );
    let file = ledger.dir.path().join("7月份进展.msg");
    std::fs::write(&file, msg).unwrap();
    let mut harness = start_app(&ledger.path, august(10), [1280.0, 900.0]);
    drop_files(&mut harness, &[&file]);
    harness.get_by_label_contains("已读入 1 封邮件");
    harness.run();
    harness.get_by_label("导入这封邮件").click();
    harness.run();
    harness.get_by_label_contains("已导入县农业农村局的邮件");
    // The same file again is recognised.
    drop_files(&mut harness, &[&file]);
    harness.get_by_label_contains("读取过");
}

#[test]
fn the_code_goes_to_the_secret_service_and_nowhere_else() {
    secret_service();
    let ledger = ledger_with_addresses(&[]);
    let address = format!("office-{}@163.com", std::process::id());
    let code = "QWERTY-secret-1234";
    let mut harness = start_app(&ledger.path, august(10), [1280.0, 1000.0]);
    click(&mut harness, "设置");
    // The unit's address is offered first.
    assert_eq!(
        harness.get_by_label("邮箱地址").value().as_deref(),
        Some("rsxstg@163.com")
    );
    type_into(&mut harness, "邮箱地址", &address);
    click(&mut harness, "使用163邮箱的服务器设置");
    type_into(&mut harness, "客户端授权码", code);
    click(&mut harness, "保存邮箱设置");
    harness.get_by_label_contains("授权码已存入系统凭据库");
    drop(harness);

    assert_eq!(
        taizhang::mail::secret::load(&address).unwrap().as_deref(),
        Some(code)
    );
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    let settings = open.mailbox_settings().unwrap();
    assert_eq!(settings.address, address);
    assert_eq!(settings.imap_host, "imap.163.com");
    assert_eq!(settings.smtp_port, 465);
    drop(open);
    // Not in the ledger, its log or anything beside it.
    for entry in walk(ledger.dir.path()) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(code.len()).any(|w| w == code.as_bytes()),
            "{} holds the code",
            entry.display()
        );
    }
    taizhang::mail::secret::delete(&address).unwrap();
}

fn type_into(
    harness: &mut egui_kittest::Harness<'static, taizhang::ui::TaizhangApp>,
    label: &str,
    text: &str,
) {
    let field = harness.get_by_label(label);
    field.focus();
    harness.run();
    // Replace what the field holds.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.run();
    harness.get_by_label(label).type_text(text);
    harness.run();
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn chase_emails_are_sent_from_the_window_after_a_confirmation() {
    let smtp = SmtpServer::start(None);
    let ledger = ledger_with_addresses(&[
        ("县农业农村局", "nyj@example.cn"),
        ("县自然规划局", "zrj@example.cn"),
    ]);
    set_mailbox(&ledger.path, 1, smtp.port);
    let mut harness = start_app(&ledger.path, august(5), [1280.0, 1000.0]);
    click(&mut harness, "催报");
    click(&mut harness, "发送催报邮件");
    harness.get_by_label_contains("县农业农村局 <nyj@example.cn>");
    harness.get_by_label_contains("县住建局：没有邮箱地址，将跳过");
    click(&mut harness, "确认发送 2 封");
    run_until(&mut harness, |h| {
        h.query_by_label_contains("已发送 2 封2019年7月催报邮件")
            .is_some()
    });
    assert_eq!(smtp.messages().len(), 2);
    harness.get_by_label_contains("发送催报邮件至 nyj@example.cn");
    // A second send the same day asks first.
    click(&mut harness, "发送催报邮件");
    harness.get_by_label_contains("今天已发送过 2 封");
    click(&mut harness, "取消");
    drop(harness);
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    assert_eq!(open.chase_sends().unwrap().len(), 2);
}

/// A December return read in January, while the carried 2020 plan is in focus, goes to the
/// 2019 plan in the window too (as import-email and fetch-mail record it).
#[test]
fn a_december_message_dropped_in_january_goes_to_last_years_plan() {
    let ledger = ledger_with_addresses(&[("县农业农村局", "nyj@example.cn")]);
    let farm = rows_of(&ledger.path, "县农业农村局");
    let carried = taizhang(&[
        "--db",
        common::arg(&ledger.path),
        "--today",
        "2019-12-28",
        "carry-forward",
        "--json",
    ]);
    assert!(carried.status.success(), "{}", common::stderr(&carried));
    let msg = taizhang::mail::msg::fixtures::msg_file(
        "县农业农村局12月份进展",
        "nyj@example.cn",
        &format!("{} {}：十二月已完成。\r\n", farm[4].0, farm[4].1),
        // 2020-01-03 09:00 in China.
        1_578_013_200,
        &[],
    );
    let file = ledger.dir.path().join("12月份进展.msg");
    std::fs::write(&file, msg).unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2020, 1, 6).unwrap();
    let mut harness = start_app(&ledger.path, day, [1280.0, 900.0]);
    drop_files(&mut harness, &[&file]);
    harness.get_by_label_contains("已读入 1 封邮件");
    harness.run();
    harness.get_by_label("导入这封邮件").click();
    harness.run();
    harness.get_by_label_contains("已导入县农业农村局的邮件");
    drop(harness);
    let (open, _) = Ledger::open(&ledger.path).unwrap();
    let plans = open.plans().unwrap();
    let december = taizhang::schedule::Period::new(2019, 12).unwrap();
    let old = open.plan_returns(plans[0].id, Some(december)).unwrap();
    assert!(
        old.iter()
            .flat_map(|r| r.rows.iter())
            .any(|row| row.progress.contains("十二月已完成")),
        "{old:?}"
    );
    assert!(open.plan_returns(plans[1].id, None).unwrap().is_empty());
}
