//! The seeded 2019 ledger, made once per fuzzing process in the temp folder.
#![allow(dead_code, reason = "each target uses part of it")]

use std::sync::OnceLock;

use taizhang::model::{Department, Plan};
use taizhang::returns::Obligation;

pub struct Fixture {
    pub plan: Plan,
    pub departments: Vec<Department>,
    pub obligations: Vec<Obligation>,
}

pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("taizhang-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        // The ledger's folder must exist: a missing one is refused, as for `--db`.
        std::fs::create_dir_all(&dir).expect("a folder in the temp folder");
        let (ledger, _) = taizhang::store::Ledger::open(&dir.join("ledger.sqlite"))
            .expect("a new ledger in the temp folder");
        let plan = ledger.focused_plan().expect("the seeded plan");
        let departments = ledger.departments().expect("the seeded departments");
        let obligations = taizhang::returns::obligations(&plan, &departments);
        drop(ledger);
        let _ = std::fs::remove_dir_all(&dir);
        Fixture {
            plan,
            departments,
            obligations,
        }
    })
}
