//! Sent once in the window (egui_kittest, real SMTP servers on 127.0.0.1, the code in a real
//! Secret Service): each department's outcome listed after a send, a template send whose
//! server never confirmed asking its own question before those departments get it again, the
//! code asked for when none is saved, and 设置's 测试连接.
#![expect(clippy::unwrap_used)]

mod common;

use std::path::Path;

use chrono::NaiveDate;
use common::mail::{CODE, Hostile, SmtpServer, USER, ledger_with_addresses, secret_service};
use common::{click, run_until, start_app};
use egui_kittest::kittest::Queryable as _;
use taizhang::mail::tls::Security;
use taizhang::store::{Delivered, Ledger, MailboxSettings, SendKind};

type Harness = egui_kittest::Harness<'static, taizhang::ui::TaizhangApp>;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Mailbox settings pointing at the test SMTP server (the IMAP server's port refuses).
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
}

fn sends(db: &Path) -> Vec<taizhang::store::MailSend> {
    let (open, _) = Ledger::open(db).unwrap();
    let plan = open.focused_plan_id().unwrap();
    open.mail_sends(plan, SendKind::Template, Some("2019-07"))
        .unwrap()
}

fn notice(harness: &Harness) -> String {
    let state = harness.state();
    format!(
        "{} {}",
        state.notice().unwrap_or_default(),
        state.error().unwrap_or_default()
    )
}

/// One test, in order: the code and the servers are shared by its steps.
#[test]
fn sends_in_the_window_are_sent_once_and_say_what_became_of_each() {
    // No code saved: the send asks for it in a window of its own, then goes.
    let half = Hostile::start("smtp-half-reply", &["--good", "1"]);
    let ledger = ledger_with_addresses(&[
        ("县农业农村局", "nyj@example.cn"),
        ("县自然规划局", "zrj@example.cn"),
        ("县住建局", "zjj@example.cn"),
    ]);
    set_mailbox(&ledger.path, half.port);
    taizhang::mail::secret::delete(USER).unwrap();
    let mut harness = start_app(&ledger.path, date(2019, 8, 1), [1280.0, 1000.0]);
    click(&mut harness, "催报");
    click(&mut harness, "发模板");
    click(&mut harness, "确认发送 3 封");
    harness.get_by_label_contains("尚未保存授权码");
    assert!(
        sends(&ledger.path).is_empty(),
        "nothing sent before the code"
    );
    harness.get_by_label("客户端授权码").focus();
    harness.run();
    harness.get_by_label("客户端授权码").type_text(CODE);
    harness.run();
    click(&mut harness, "确定并发送");
    // The server confirms the first and cuts the others' replies: every department is listed
    // with its outcome.
    run_until(&mut harness, |h| notice(h).contains("封结果不明"));
    let said = notice(&harness);
    assert!(said.contains("已发送 1 封2019年7月报送模板邮件"), "{said}");
    assert!(said.contains("2 封结果不明"), "{said}");
    assert!(said.contains("县农业农村局（nyj@example.cn）："), "{said}");
    assert!(said.contains("县住建局（zjj@example.cn）："), "{said}");
    assert!(
        said.contains("没有邮箱地址、未发送：融水生态环境局、"),
        "{said}"
    );
    assert_eq!(half.delivered(), 3);
    let recorded = sends(&ledger.path);
    assert_eq!(
        recorded
            .iter()
            .filter(|s| s.outcome == Delivered::Uncertain)
            .count(),
        2
    );
    drop(harness);

    // A second send asks; those who may have it are a question of their own.
    let good = SmtpServer::start(None);
    set_mailbox(&ledger.path, good.port);
    let mut harness = start_app(&ledger.path, date(2019, 8, 1), [1280.0, 1000.0]);
    click(&mut harness, "催报");
    harness.get_by_label_contains("（其中 2 个结果不明）");
    click(&mut harness, "发模板");
    harness.get_by_label_contains("有 2 个部门的模板此前已交给邮件服务器但没有得到确认");
    assert_eq!(
        harness
            .query_all_by_label_contains("结果不明：可能已收到")
            .count(),
        2
    );
    // Only those who have not received it: nobody, while the question is not answered.
    harness.get_by_label_contains("只发给尚未收到的 0 个部门");
    click(
        &mut harness,
        "“只发给尚未收到的部门”时，也重发这 2 个部门（对方可能收到两份）",
    );
    click(&mut harness, "只发给尚未收到的 2 个部门");
    run_until(&mut harness, |h| notice(h).contains("已发送 2 封"));
    assert_eq!(good.messages().len(), 2);
    let recipients: Vec<String> = good
        .messages()
        .iter()
        .map(|(_, to)| to.trim().to_owned())
        .collect();
    let sent_first = recorded
        .iter()
        .find(|s| s.outcome == Delivered::Sent)
        .unwrap();
    assert!(!recipients.contains(&sent_first.address), "{recipients:?}");
    drop(harness);

    // 设置: the code's state is shown, and 测试连接 logs in and says what worked.
    let mut harness = start_app(&ledger.path, date(2019, 8, 1), [1280.0, 1000.0]);
    click(&mut harness, "设置");
    harness.get_by_label_contains("已保存在系统凭据库中");
    click(&mut harness, "测试连接");
    run_until(&mut harness, |h| notice(h).contains("测试连接："));
    let said = notice(&harness);
    assert!(said.contains("发信服务器 127.0.0.1"), "{said}");
    assert!(said.contains("登录成功"), "{said}");
    assert!(said.contains("收信服务器 127.0.0.1:1：无法连接"), "{said}");
}

/// At 640 × 480 every page can still be reached: the navigation scrolls.
#[test]
fn every_page_is_reachable_in_a_small_window() {
    let ledger = common::TempLedger::new();
    let mut harness = start_app(&ledger.path, date(2019, 8, 1), [640.0, 480.0]);
    for label in [
        "首页",
        "日历",
        "工作计划",
        "导入计划",
        "月度报送",
        "导入报送表",
        "收件",
        "部门清单",
        "总览",
        "催报",
        "进展表",
        "责任部门",
        "设置",
    ] {
        // The navigation's entry: the first node of that name.
        harness
            .query_all_by_label(label)
            .next()
            .unwrap()
            .scroll_to_me();
        harness.run();
        let node = harness.query_all_by_label(label).next().unwrap();
        let rect = node.rect();
        assert!(
            rect.min.y >= 0.0 && rect.max.y <= 480.0,
            "{label} at {rect:?}"
        );
        node.click();
        harness.run();
    }
}
