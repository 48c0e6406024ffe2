//! 退回: the message that sends a department's return back for correction (the reason and the
//! rows in question, each with what the department wrote, quoted as written), and the chase
//! of a return sent back and not yet corrected.

use chrono::{Datelike as _, NaiveDate};

use super::chase::{month_day, sign};
use super::{ChaseContext, ChaseDates, DepartmentStatus};
use crate::schedule::Period;

/// The longest reason kept, in characters.
pub const REASON_LIMIT: usize = 1000;

/// A row in question and what the department wrote in it (empty when it left it empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RowInQuestion {
    /// As the template labels it (`11．非正规垃圾堆放点排查整治情况`, `3.1.4 …`).
    pub label: String,
    pub progress: String,
    pub remark: String,
}

/// The reason as it is sent and recorded: each line cleaned as every name is
/// ([`crate::files::clean_name`]: control and invisible characters out, runs of spaces made
/// one), blank lines dropped. Refused when nothing is left or it is too long.
pub fn clean_reason(reason: &str) -> Result<String, String> {
    let lines: Vec<String> = reason
        .lines()
        .map(crate::files::clean_name)
        .filter(|l| !l.is_empty())
        .collect();
    let cleaned = lines.join("\n");
    if cleaned.is_empty() {
        return Err("请写明退回原因（例如：只写了“按计划推进”，没有数字）".to_owned());
    }
    let length = cleaned.chars().count();
    if length > REASON_LIMIT {
        return Err(format!(
            "退回原因太长（{length} 字），请控制在 {REASON_LIMIT} 字以内"
        ));
    }
    Ok(cleaned)
}

/// The subject of a sending back.
pub fn send_back_subject(period: Period) -> String {
    format!("退回修改：{}《重点工作进展》", period.label())
}

/// The subject of the chase of a return sent back and not yet corrected.
pub fn returned_chase_subject(period: Period) -> String {
    format!(
        "请尽快重新报送{}《重点工作进展》（已退回修改）",
        period.label()
    )
}

/// The text of a sending back, as an office writes it: which return, why, the rows in
/// question with what the department wrote, by when to send the corrected one, where, whom to
/// ask, and the sender.
pub fn send_back_message(
    context: &ChaseContext,
    department: &str,
    period: Period,
    received_on: Option<NaiveDate>,
    reason: &str,
    rows: &[RowInQuestion],
    dates: ChaseDates,
) -> String {
    let month = format!("{}年{}月份《重点工作进展》", period.year, period.month);
    let received = received_on.map_or_else(String::new, |day| {
        if day.year() == dates.today.year() {
            format!("于{}", month_day(day))
        } else {
            format!("于{}年{}", day.year(), month_day(day))
        }
    });
    let mut message = format!(
        "{department}：\n贵单位{received}报送的{month}经审核，需修改后重新报送。\n退回原因：{reason}\n"
    );
    if !rows.is_empty() {
        message.push_str("需修改的内容：\n");
        for row in rows {
            let said = match (row.progress.trim().is_empty(), row.remark.trim().is_empty()) {
                (true, true) => "（未填写）".to_owned(),
                (false, true) => format!("原报“{}”", row.progress),
                (true, false) => format!("备注“{}”", row.remark),
                (false, false) => format!("原报“{}”，备注“{}”", row.progress, row.remark),
            };
            message.push_str(&format!("★{}：{said}\n", row.label));
        }
    }
    message.push_str(&format!(
        "请于{}前将修改后的报送表重新报送。",
        month_day(dates.deadline())
    ));
    sign(context, message)
}

/// The chase of a return sent back and not corrected yet.
pub fn returned_chase_message(
    context: &ChaseContext,
    status: &DepartmentStatus,
    dates: ChaseDates,
    period: Period,
) -> String {
    let when = status
        .sent_back_at
        .as_deref()
        .and_then(|at| NaiveDate::parse_from_str(at.get(..10)?, "%Y-%m-%d").ok())
        .map_or_else(String::new, |day| format!("已于{}", month_day(day)));
    sign(
        context,
        format!(
            "{}：\n贵单位{}年{}月份《重点工作进展》{when}退回修改，尚未收到修改后的报送。请于{}前重新报送。",
            status.department,
            period.year,
            period.month,
            month_day(dates.deadline())
        ),
    )
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_reason_is_cleaned_and_bounded() {
        assert_eq!(
            clean_reason("  只写了按计划推进\r\n\r\n\u{200b}没有数字\u{7}  ").unwrap(),
            "只写了按计划推进\n没有数字"
        );
        assert!(clean_reason(" \n\t\u{200b} ").is_err());
        assert!(clean_reason(&"字".repeat(REASON_LIMIT + 1)).is_err());
        assert!(clean_reason(&"字".repeat(REASON_LIMIT)).is_ok());
    }

    #[test]
    fn the_message_quotes_the_department_as_written() {
        let context = ChaseContext {
            mailbox: "rsxstg@163.com".to_owned(),
            contact_person: "韦工".to_owned(),
            phone: "0772-1234567".to_owned(),
            sender: "融水生态环境局生态股".to_owned(),
            ..ChaseContext::default()
        };
        let today = NaiveDate::from_ymd_opt(2019, 8, 6).unwrap();
        let message = send_back_message(
            &context,
            "县农业农村局",
            Period::new(2019, 7).unwrap(),
            NaiveDate::from_ymd_opt(2019, 8, 2),
            "只写了“按计划推进”，没有完成的数字",
            &[
                RowInQuestion {
                    label: "8．化肥农药使用量零增长情况".to_owned(),
                    progress: "按计划推进；  12.50万亩".to_owned(),
                    remark: String::new(),
                },
                RowInQuestion {
                    label: "9．秸秆综合利用".to_owned(),
                    progress: String::new(),
                    remark: String::new(),
                },
            ],
            ChaseDates {
                due: NaiveDate::from_ymd_opt(2019, 8, 5).unwrap(),
                today,
            },
        );
        assert!(
            message.starts_with("县农业农村局：\n贵单位于8月2日报送的2019年7月份"),
            "{message}"
        );
        assert!(message.contains("退回原因：只写了“按计划推进”，没有完成的数字"));
        assert!(message.contains("★8．化肥农药使用量零增长情况：原报“按计划推进；  12.50万亩”"));
        assert!(message.contains("★9．秸秆综合利用：（未填写）"));
        assert!(message.contains("请将报送表发送至rsxstg@163.com"));
        assert!(message.ends_with("融水生态环境局生态股"));
    }
}
