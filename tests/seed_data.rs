//! The bundled plan data checked against the seed document itself.
#![expect(clippy::unwrap_used)]

mod common;

use std::collections::BTreeSet;

use chrono::{Datelike as _, NaiveDate};
use taizhang::seed::Seed;

fn seed() -> Seed {
    Seed::bundled().unwrap()
}

#[test]
fn counts_match_the_document() {
    let seed = seed();
    let tasks: Vec<_> = seed.sections.iter().flat_map(|s| &s.tasks).collect();
    assert_eq!(seed.sections.len(), 9, "nine sections （一）…（九）");
    assert_eq!(tasks.len(), 23, "23 tasks carry a responsibility note");
    let milestones: usize = tasks.iter().map(|t| t.milestones.len()).sum();
    assert_eq!(milestones, 8);
    let rows: usize = seed.form.groups.iter().map(|g| g.rows.len()).sum();
    assert_eq!(rows, 31);
    let group_sizes: Vec<usize> = seed.form.groups.iter().map(|g| g.rows.len()).collect();
    assert_eq!(group_sizes, [12, 3, 10, 2, 4]);
    assert_eq!(seed.targets.len(), 3);
    let plan_departments = seed
        .departments
        .iter()
        .filter(|d| d.origin == "plan")
        .count();
    assert_eq!(plan_departments, 20);
}

#[test]
fn header_occurs_in_the_document() {
    let text = common::joined_seed_text();
    let seed = seed();
    assert!(text.contains(&seed.plan.title));
    assert!(text.contains(&seed.plan.document_number));
    assert!(text.contains(&seed.plan.issuer));
    assert_eq!(seed.plan.issued_on, "2019-06-15");
    assert!(text.contains("2019年6月15日"));
    assert_eq!(seed.plan.year, 2019);
    for target in &seed.targets {
        assert!(text.contains(&target.text), "{}", target.text);
        assert!(text.contains(&target.wording), "{}", target.wording);
    }
}

#[test]
fn every_task_title_body_and_note_occurs_in_the_document() {
    let text = common::joined_seed_text();
    for section in seed().sections {
        let heading = format!("（{}）{}", section.number, section.title);
        assert!(text.contains(&heading), "{heading}");
        for heading in &section.headings {
            assert!(text.contains(&format!(
                "{}．{}",
                heading.code.rsplit('.').next().unwrap(),
                heading.title
            )));
        }
        for task in &section.tasks {
            assert!(text.contains(&task.title), "title of {}", task.code);
            assert!(text.contains(&task.body), "body of {}", task.code);
            let full = format!("{}{}", task.body, task.note);
            assert!(
                text.contains(&full),
                "note of {} must follow its body",
                task.code
            );
        }
    }
}

#[test]
fn the_data_holds_every_responsibility_note_of_the_document_in_order() {
    let text = common::joined_seed_text();
    let seed = seed();
    let notes: Vec<&str> = seed
        .sections
        .iter()
        .flat_map(|s| &s.tasks)
        .map(|t| t.note.as_str())
        .collect();
    // Every bracketed clause of the document that assigns a lead, in document order.
    let mut found = Vec::new();
    for (start, _) in text.match_indices('（') {
        let rest = &text[start..];
        let Some(end) = rest.find(['）', '〉']) else {
            continue;
        };
        let closing = rest[end..].chars().next().unwrap();
        let clause = &rest[..end + closing.len_utf8()];
        if clause.contains("牵头") {
            found.push(clause);
        }
    }
    assert_eq!(found, notes);
}

/// `县农业农村局` is written `农业农村局` after a prefix was given once: the short form must
/// be in the note.
fn short_name(name: &str) -> &str {
    name.strip_prefix("县委")
        .or_else(|| name.strip_prefix('县'))
        .unwrap_or(name)
}

#[test]
fn leads_and_participants_are_those_of_each_note() {
    for task in seed().sections.iter().flat_map(|s| &s.tasks) {
        let lead_end = task.note.rfind("牵头").unwrap();
        for lead in &task.leads {
            let at = task.note.find(short_name(&lead.name));
            assert!(
                at.is_some_and(|at| at < lead_end),
                "{}: lead {}",
                task.code,
                lead.name
            );
            if !lead.scope.is_empty() {
                assert!(task.note.contains(&format!(
                    "{}牵头{}",
                    short_name(&lead.name),
                    lead.scope
                )));
            }
        }
        for participant in &task.participants {
            let name = short_name(participant.as_str()).to_owned();
            let at = task.note.rfind(&name);
            assert!(
                at.is_some_and(|at| at > lead_end),
                "{}: participant {}",
                task.code,
                participant
            );
        }
        assert_eq!(
            task.leads_separately,
            task.note.contains("分别牵头"),
            "{}",
            task.code
        );
    }
}

#[test]
fn the_twenty_departments_are_exactly_those_of_the_notes() {
    let seed = seed();
    let named: BTreeSet<&str> = seed
        .sections
        .iter()
        .flat_map(|s| &s.tasks)
        .flat_map(|t| {
            t.leads
                .iter()
                .map(|l| l.name.as_str())
                .chain(t.participants.iter().map(String::as_str))
        })
        .collect();
    let plan_departments: BTreeSet<&str> = seed
        .departments
        .iter()
        .filter(|d| d.origin == "plan")
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(named, plan_departments);
    let aliases = &seed
        .departments
        .iter()
        .find(|d| d.name == "县自然规划局")
        .unwrap()
        .aliases;
    assert!(aliases.iter().any(|a| a == "自然规划局"));
    assert!(aliases.iter().any(|a| a == "县自然资源和规划局"));
}

fn last_day_of_month(year: i32, month: u32) -> NaiveDate {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    first_of_next.unwrap().pred_opt().unwrap()
}

#[test]
fn milestone_dates_follow_their_wording() {
    let seed = seed();
    for task in seed.sections.iter().flat_map(|s| &s.tasks) {
        for milestone in &task.milestones {
            let phrase = format!("{}，{}", milestone.wording, milestone.clause);
            let joined = format!("{}{}", milestone.wording, milestone.clause);
            assert!(
                task.body.contains(&phrase) || task.body.contains(&joined),
                "{}: {phrase}",
                task.code
            );
            let date = taizhang::model::parse_date(&milestone.date).unwrap();
            let month = if let Some(month) = milestone.wording.strip_suffix("月底前") {
                month.parse().unwrap()
            } else {
                assert!(
                    milestone.wording.starts_with("2019年底"),
                    "{}",
                    milestone.wording
                );
                12
            };
            assert_eq!(
                date,
                last_day_of_month(seed.plan.year, month),
                "{}",
                task.code
            );
            assert_eq!(date.year(), 2019);
        }
    }
}

#[test]
fn form_rows_units_and_notes_occur_in_the_document() {
    let text = common::joined_seed_text();
    let seed = seed();
    assert!(text.contains(&seed.form.title));
    for group in &seed.form.groups {
        assert!(text.contains(&group.name), "{}", group.name);
        for (index, row) in group.rows.iter().enumerate() {
            let numbered = format!("{}．{}", index + 1, row.text);
            let spaced = format!("{}． {}", index + 1, row.text);
            assert!(
                text.contains(&numbered) || text.contains(&spaced),
                "{}",
                row.text
            );
            let units = row.units.join("、");
            assert!(
                text.contains(&format!("{}{units}", row.text)),
                "units of {}",
                row.text
            );
            assert_eq!(row.units.len(), row.departments.len(), "{}", row.text);
        }
    }
    for note in &seed.form.notes {
        assert!(text.contains(note.as_str()), "{note}");
    }
    let quarterly: Vec<&str> = seed
        .form
        .groups
        .iter()
        .flat_map(|g| &g.rows)
        .filter(|r| r.quarterly)
        .map(|r| r.text.as_str())
        .collect();
    assert_eq!(quarterly.len(), 2);
    assert!(quarterly.iter().all(|t| t.contains("按季度")));
}

#[test]
fn reporting_rule_quotes_the_document() {
    let text = common::joined_seed_text();
    let rule = seed().reporting;
    assert_eq!(rule.due_day, 3);
    assert_eq!(rule.form_due_day, 1);
    assert!(text.contains(&rule.due_day_source));
    assert!(text.contains(&rule.form_due_day_source));
    assert_eq!(rule.quarterly_months, [1, 4, 7, 10]);
}

#[test]
fn a_seed_naming_an_unknown_department_is_refused() {
    let broken = taizhang::seed::SEED_TOML.replacen(
        "participants = [\"县农业农村局\"",
        "participants = [\"县不存在局\"",
        1,
    );
    assert_ne!(broken, taizhang::seed::SEED_TOML);
    let error = Seed::from_toml(&broken).unwrap_err().to_string();
    assert!(error.contains("县不存在局"), "{error}");
}
