//! Plain domain types: the plan, its tasks and departments, the form. No I/O here.

mod date;
mod department;
mod digits;
mod duties;
mod form;
mod plan;

pub use date::{format_date_cn, parse_date};
pub use department::{Department, DepartmentOrigin};
pub use digits::ascii_number;
pub use duties::{Duties, DutyTask};
pub use form::{Form, FormGroup, FormRow, FormTextEntry, shift_years};
pub use plan::{
    Heading, Milestone, Plan, PlanKind, ReportingRule, Role, Section, Settings, Target, Task,
    TaskDepartment, plan_label, section_heading,
};
