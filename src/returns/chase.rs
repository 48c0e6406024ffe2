//! Who to chase for a month, and the message to send them.

use chrono::{Datelike as _, NaiveDate};

use super::{ExpectedRow, PeriodStatus};
use crate::schedule::{ReturnState, chase_deadline};

/// A department to chase for a period, with its ready message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChaseEntry {
    pub department_id: i64,
    pub department: String,
    pub state: ReturnState,
    pub missing_rows: Vec<ExpectedRow>,
    pub message: String,
}

/// Beyond this many rows, a department that sent nothing is told the count, not the list.
const LISTED_ROWS: usize = 6;

/// What every chase message says of the office that sends it and the plan it is about.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChaseContext {
    /// `2019年度融水苗族自治县土壤污染防治攻坚重点工作实施计划`
    pub plan_title: String,
    /// `融政办发〔2019〕84号`
    pub document_number: String,
    /// Where returns are sent.
    pub mailbox: String,
    pub contact_person: String,
    pub phone: String,
    /// The office sending the message: `融水生态环境局生态股`.
    pub sender: String,
}

impl ChaseContext {
    /// From the plan and our unit's settings.
    pub fn of(plan: &crate::model::Plan, settings: &crate::model::Settings) -> Self {
        Self {
            plan_title: plan.title.clone(),
            document_number: plan.document_number.clone(),
            mailbox: settings.email.clone(),
            contact_person: settings.contact_person.clone(),
            phone: settings.phone.clone(),
            sender: settings.unit.clone(),
        }
    }
}

/// The days a chase message speaks of: the month's due day and the day it is written. Once
/// the due day has passed, the message says so and gives a new date
/// ([`chase_deadline`]: the next working day).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChaseDates {
    pub due: NaiveDate,
    pub today: NaiveDate,
}

impl ChaseDates {
    /// The date the message asks for.
    pub fn deadline(&self) -> NaiveDate {
        chase_deadline(self.due, self.today)
    }

    /// The due day has passed.
    pub fn overdue(&self) -> bool {
        self.today > self.due
    }
}

/// `X月X日`
pub(super) fn month_day(date: NaiveDate) -> String {
    format!("{}月{}日", date.month(), date.day())
}

/// The chase e-mail's subject: 报送 or 补报, and 逾期 once the due day has passed.
pub fn chase_subject(period: crate::schedule::Period, received: bool, overdue: bool) -> String {
    match (received, overdue) {
        (true, _) => format!("请补报{}《重点工作进展》未填各项", period.label()),
        (false, false) => format!("请报送{}《重点工作进展》", period.label()),
        (false, true) => format!("{}《重点工作进展》已逾期未报，请尽快报送", period.label()),
    }
}

/// The message to send, as an office writes it: the plan it follows, 报送 when nothing came
/// (after the due day: that it was due and nothing has arrived, with the new date) and 补报
/// when part is missing, the rows as the department's template numbers them (★ marks its own),
/// where to send it and whom to ask, and the sender.
pub fn chase_message(
    context: &ChaseContext,
    department: &str,
    dates: ChaseDates,
    period: crate::schedule::Period,
    missing_rows: &[ExpectedRow],
    rows_expected: usize,
    received: bool,
) -> String {
    let rows = if missing_rows.len() == rows_expected && rows_expected > LISTED_ROWS {
        format!("标★的全部{rows_expected}项")
    } else {
        rows_by_group(missing_rows)
    };
    let plan = match (
        context.plan_title.is_empty(),
        context.document_number.is_empty(),
    ) {
        (false, false) => format!(
            "根据《{}》（{}）的要求，",
            context.plan_title, context.document_number
        ),
        (false, true) => format!("根据《{}》的要求，", context.plan_title),
        _ => String::new(),
    };
    let month = format!("{}年{}月份《重点工作进展》", period.year, period.month);
    let date = month_day(dates.deadline());
    let request = if received {
        format!("{plan}贵单位{month}已收到，但以下各项尚未填写：{rows}。请于{date}前补报。")
    } else if dates.overdue() {
        format!(
            "{plan}{month}应于{}前报送，截至{}尚未收到贵单位的报送。请于{date}前报送，需填写：{rows}。",
            month_day(dates.due),
            month_day(dates.today)
        )
    } else {
        format!("{plan}请贵单位于{date}前报送{month}，需填写：{rows}。")
    };
    sign(context, format!("{department}：\n{request}"))
}

/// The message's close: where to send the return, whom to ask, and the sender.
pub(super) fn sign(context: &ChaseContext, mut message: String) -> String {
    let mut contact = Vec::new();
    if !context.mailbox.is_empty() {
        contact.push(format!("请将报送表发送至{}", context.mailbox));
    }
    match (context.contact_person.is_empty(), context.phone.is_empty()) {
        (false, false) => contact.push(format!(
            "联系人：{}，联系电话：{}",
            context.contact_person, context.phone
        )),
        (false, true) => contact.push(format!("联系人：{}", context.contact_person)),
        (true, false) => contact.push(format!("联系电话：{}", context.phone)),
        (true, true) => {}
    }
    if !contact.is_empty() {
        message.push_str(&format!("{}。", contact.join("；")));
    }
    if !context.sender.is_empty() {
        message.push_str(&format!("\n{}", context.sender));
    }
    message
}

/// The rows as the template lists them: `★8．…；★9．…`, and where they stand under more than
/// one of the form's groups (whose numbers each start at 1), each group named:
/// `源头预防：★4．…；★5．…；建设用地准入管理：★4．…`.
fn rows_by_group(rows: &[ExpectedRow]) -> String {
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for row in rows {
        let label = format!("★{}", row.label());
        match groups.iter_mut().find(|(name, _)| *name == row.group) {
            Some((_, labels)) => labels.push(label),
            None => groups.push((&row.group, vec![label])),
        }
    }
    if groups.len() <= 1 {
        return groups
            .into_iter()
            .flat_map(|(_, labels)| labels)
            .collect::<Vec<_>>()
            .join("；");
    }
    groups
        .into_iter()
        .map(|(name, labels)| format!("{name}：{}", labels.join("；")))
        .collect::<Vec<_>>()
        .join("；")
}

/// Every department still missing (whether or not the due day has passed) or incomplete for
/// the period, in department order.
pub fn chase_entries(
    status: &PeriodStatus,
    today: NaiveDate,
    context: &ChaseContext,
) -> Vec<ChaseEntry> {
    let dates = ChaseDates {
        due: status.due,
        today,
    };
    status
        .departments
        .iter()
        .filter(|d| {
            matches!(
                d.state,
                ReturnState::Missing | ReturnState::NotDue | ReturnState::Returned
            ) || d.is_incomplete()
        })
        .map(|d| ChaseEntry {
            department_id: d.department_id,
            department: d.department.clone(),
            state: d.state,
            missing_rows: d.missing_rows.clone(),
            message: if d.state == ReturnState::Returned {
                super::send_back::returned_chase_message(context, d, dates, status.period)
            } else {
                chase_message(
                    context,
                    &d.department,
                    dates,
                    status.period,
                    &d.missing_rows,
                    d.rows_expected,
                    d.state.is_received(),
                )
            },
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![expect(clippy::unwrap_used)]
    use super::*;
    use crate::returns::RowKey;

    #[test]
    fn the_message_reads_like_an_offices_own() {
        let rows = [
            ExpectedRow {
                key: RowKey::FormRow(8),
                code: "1.8".to_owned(),
                text: "化肥农药使用量零增长情况".to_owned(),
                quarterly: false,
                group: String::new(),
                until: None,
            },
            ExpectedRow {
                key: RowKey::Task(40),
                code: "3.1.4".to_owned(),
                text: "开展交通沿线土壤环境排查".to_owned(),
                quarterly: false,
                group: String::new(),
                until: None,
            },
        ];
        let context = ChaseContext {
            plan_title: "2019年度融水苗族自治县土壤污染防治攻坚重点工作实施计划".to_owned(),
            document_number: "融政办发〔2019〕84号".to_owned(),
            mailbox: "rsxstg@163.com".to_owned(),
            contact_person: "韦工".to_owned(),
            phone: "0772-5120000".to_owned(),
            sender: "融水生态环境局生态股".to_owned(),
        };
        let deadline = ChaseDates {
            due: NaiveDate::from_ymd_opt(2019, 8, 6).unwrap(),
            today: NaiveDate::from_ymd_opt(2019, 8, 1).unwrap(),
        };
        let july = crate::schedule::Period::new(2019, 7).unwrap();
        let message = chase_message(&context, "县农业农村局", deadline, july, &rows, 6, false);
        assert_eq!(
            message,
            "县农业农村局：\n根据《2019年度融水苗族自治县土壤污染防治攻坚重点工作实施计划》（融政办发〔2019〕84号）的要求，请贵单位于8月6日前报送2019年7月份《重点工作进展》，需填写：★8．化肥农药使用量零增长情况；★3.1.4 开展交通沿线土壤环境排查。请将报送表发送至rsxstg@163.com；联系人：韦工，联系电话：0772-5120000。\n融水生态环境局生态股"
        );
        // Part received: 补报.
        let message = chase_message(
            &context,
            "县农业农村局",
            deadline,
            july,
            &rows[..1],
            6,
            true,
        );
        assert!(
            message.contains(
                "已收到，但以下各项尚未填写：★8．化肥农药使用量零增长情况。请于8月6日前补报。"
            ),
            "{message}"
        );
        // A department that sent nothing of many rows is told the count.
        let many: Vec<ExpectedRow> = (0..23).map(|_| rows[0].clone()).collect();
        let message = chase_message(&context, "融水生态环境局", deadline, july, &many, 23, false);
        assert!(message.contains("需填写：标★的全部23项。"), "{message}");
        // After the due day (Tuesday 6 August): it was due, nothing came, a new date (the
        // next working day after today).
        let late = ChaseDates {
            due: NaiveDate::from_ymd_opt(2019, 8, 6).unwrap(),
            today: NaiveDate::from_ymd_opt(2019, 8, 9).unwrap(),
        };
        let message = chase_message(&context, "县农业农村局", late, july, &rows, 6, false);
        assert!(
            message.contains(
                "2019年7月份《重点工作进展》应于8月6日前报送，截至8月9日尚未收到贵单位的报送。请于8月12日前报送，需填写："
            ),
            "{message}"
        );
        assert!(!message.contains("请贵单位于"), "{message}");
        assert_eq!(
            chase_subject(july, false, true),
            "2019年7月《重点工作进展》已逾期未报，请尽快报送"
        );
    }

    #[test]
    fn rows_under_several_groups_are_named_by_group() {
        let row = |id: i64, code: &str, text: &str, group: &str| ExpectedRow {
            key: RowKey::FormRow(id),
            code: code.to_owned(),
            text: text.to_owned(),
            quarterly: false,
            group: group.to_owned(),
            until: None,
        };
        let rows = [
            row(4, "1.4", "重点监管企业土壤环境管理情况", "源头预防"),
            row(5, "1.5", "重点监管企业周边监督性监测情况", "源头预防"),
            row(
                24,
                "3.4",
                "污染地块再开发利用准入管理情况",
                "建设用地准入管理",
            ),
        ];
        assert_eq!(
            rows_by_group(&rows),
            "源头预防：★4．重点监管企业土壤环境管理情况；★5．重点监管企业周边监督性监测情况；建设用地准入管理：★4．污染地块再开发利用准入管理情况"
        );
        assert_eq!(
            rows_by_group(&rows[..2]),
            "★4．重点监管企业土壤环境管理情况；★5．重点监管企业周边监督性监测情况"
        );
    }
}
