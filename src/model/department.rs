//! County departments: their names, aliases and contact data.

/// Where a department entered the ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DepartmentOrigin {
    /// Named in a responsibility note of a plan.
    Plan,
    /// A county unit that a city-level unit of the form maps to.
    Form,
    /// Added by the user.
    User,
}

impl DepartmentOrigin {
    /// The value stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Plan => "plan",
            Self::Form => "form",
            Self::User => "user",
        }
    }

    /// Reads a stored value; unknown values count as user-made.
    pub fn from_str_lossy(text: &str) -> Self {
        match text {
            "plan" => Self::Plan,
            "form" => Self::Form,
            _ => Self::User,
        }
    }
}

/// A county department with its contact data and the other names it goes by.
#[derive(Clone, Debug, PartialEq)]
pub struct Department {
    pub id: i64,
    /// Canonical county name, e.g. `县自然规划局`.
    pub name: String,
    /// Other spellings, sorted: `自然规划局`, `县自然资源和规划局` …
    pub aliases: Vec<String>,
    pub contact_person: String,
    pub phone: String,
    /// The contact's address(es) as typed; several may be separated by `,` `;` or spaces.
    pub email: String,
    /// Addresses learned from committed e-mails (or added on 责任部门).
    pub addresses: Vec<String>,
    pub origin: DepartmentOrigin,
    /// Tasks it reports besides its rows on the city's form: a department merged from one on
    /// the form and one that reported the tasks it led keeps both duties.
    pub extra_tasks: Vec<i64>,
}

impl Department {
    /// Every address the department writes from: the typed ones first, then the learned
    /// ones, lower-case, each once.
    pub fn mail_addresses(&self) -> Vec<String> {
        let mut all: Vec<String> = Vec::new();
        let typed = self
            .email
            .split([',', ';', '，', '；', ' ', '、', '\n'])
            .map(str::trim)
            .filter(|a| a.contains('@'));
        for address in typed.chain(self.addresses.iter().map(String::as_str)) {
            let address = address.trim().to_lowercase();
            if !all.contains(&address) {
                all.push(address);
            }
        }
        all
    }
}
