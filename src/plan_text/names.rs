//! Department names: mapping what a document writes onto the ledger's departments.

use std::collections::{HashMap, HashSet};

use crate::model::Department;

/// Level prefixes, longest first: a name starting with one carries its own level.
const LEVELS: [&str; 14] = [
    "自治区",
    "县委",
    "市委",
    "省委",
    "区委",
    "州委",
    "自治县",
    "县",
    "市",
    "省",
    "区",
    "州",
    "乡",
    "镇",
];

/// The ledger's department names and aliases.
#[derive(Clone, Debug, Default)]
pub struct DepartmentNames {
    /// Any known spelling → canonical name.
    spellings: HashMap<String, String>,
    canonical: HashSet<String>,
}

impl DepartmentNames {
    /// The names of these departments.
    pub fn new(departments: &[Department]) -> Self {
        let mut names = Self::default();
        for department in departments {
            names.canonical.insert(department.name.clone());
            names
                .spellings
                .insert(department.name.clone(), department.name.clone());
            for alias in &department.aliases {
                names
                    .spellings
                    .entry(alias.clone())
                    .or_insert_with(|| department.name.clone());
            }
        }
        names
    }

    /// Whether `name` is a department's canonical name.
    pub fn is_canonical(&self, name: &str) -> bool {
        self.canonical.contains(name)
    }

    /// The canonical name for a known spelling.
    pub fn canonical_of(&self, spelling: &str) -> Option<&str> {
        self.spellings.get(spelling).map(String::as_str)
    }

    /// A resolver for one note: a prefix written once (`县农业农村局、自然规划局`) carries to
    /// the names after it.
    pub fn resolver(&self) -> Resolver<'_> {
        Resolver {
            names: self,
            carried: None,
        }
    }
}

fn level_of(name: &str) -> Option<&'static str> {
    LEVELS.iter().copied().find(|level| name.starts_with(level))
}

/// Whether a name carries a place of its own early on (`柳州市…`, `融安县…`).
fn has_own_place(name: &str) -> bool {
    name.chars()
        .take(5)
        .skip(1)
        .any(|c| matches!(c, '县' | '市' | '区' | '省'))
}

/// Resolves the names of one note in order.
pub struct Resolver<'a> {
    names: &'a DepartmentNames,
    carried: Option<&'static str>,
}

impl Resolver<'_> {
    /// The canonical name for `raw`, and whether it is a department the ledger lacks.
    pub fn resolve(&mut self, raw: &str) -> (String, bool) {
        let raw = raw.trim();
        if let Some(level) = level_of(raw) {
            self.carried = Some(level);
            return self.lookup(raw);
        }
        // A complete name as the ledger has it (融水生态环境局) stands on its own.
        if self.names.is_canonical(raw) || has_own_place(raw) {
            return self.lookup(raw);
        }
        match self.carried {
            Some(level) => {
                let prefixed = format!("{level}{raw}");
                if let Some(canonical) = self.names.canonical_of(&prefixed) {
                    return (canonical.to_owned(), false);
                }
                // An alias of a department of the same level (`自然规划局` after `县…`).
                if let Some(canonical) = self
                    .names
                    .canonical_of(raw)
                    .filter(|canonical| canonical.starts_with(level))
                {
                    return (canonical.to_owned(), false);
                }
                (prefixed, true)
            }
            None => self.lookup(raw),
        }
    }

    fn lookup(&self, name: &str) -> (String, bool) {
        match self.names.canonical_of(name) {
            Some(canonical) => (canonical.to_owned(), false),
            None => (name.to_owned(), true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::DepartmentOrigin;

    fn known() -> DepartmentNames {
        let department = |id, name: &str, aliases: &[&str]| Department {
            id,
            name: name.to_owned(),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            contact_person: String::new(),
            phone: String::new(),
            email: String::new(),
            addresses: Vec::new(),
            origin: DepartmentOrigin::Plan,
            extra_tasks: Vec::new(),
        };
        DepartmentNames::new(&[
            department(1, "县农业农村局", &["农业农村局"]),
            department(2, "县自然规划局", &["自然规划局", "县自然资源和规划局"]),
            department(3, "县委宣传部", &["宣传部"]),
            department(4, "县委组织部", &["组织部"]),
            department(5, "融水生态环境局", &["县生态环境局"]),
            department(6, "县发改局", &["发展和改革局", "县发展和改革局"]),
        ])
    }

    fn resolve_all(names: &[&str]) -> Vec<(String, bool)> {
        let known = known();
        let mut resolver = known.resolver();
        names.iter().map(|n| resolver.resolve(n)).collect()
    }

    #[test]
    fn a_prefix_written_once_carries_on() {
        assert_eq!(
            resolve_all(&["县农业农村局", "自然规划局"]),
            [
                ("县农业农村局".to_owned(), false),
                ("县自然规划局".to_owned(), false)
            ]
        );
        assert_eq!(
            resolve_all(&["县委组织部", "宣传部", "县发改局"]),
            [
                ("县委组织部".to_owned(), false),
                ("县委宣传部".to_owned(), false),
                ("县发改局".to_owned(), false)
            ]
        );
        assert_eq!(
            resolve_all(&["市生态环境局", "发展和改革局"]),
            [
                ("市生态环境局".to_owned(), true),
                ("市发展和改革局".to_owned(), true)
            ]
        );
    }

    #[test]
    fn aliases_and_complete_names_map_to_the_ledger() {
        assert_eq!(
            resolve_all(&["县自然资源和规划局"]),
            [("县自然规划局".to_owned(), false)]
        );
        assert_eq!(
            resolve_all(&["县公安局", "融水生态环境局"]),
            [
                ("县公安局".to_owned(), true),
                ("融水生态环境局".to_owned(), false)
            ]
        );
        assert_eq!(
            resolve_all(&["县生态环境局"]),
            [("融水生态环境局".to_owned(), false)]
        );
        assert_eq!(
            resolve_all(&["柳州市生态环境局"]),
            [("柳州市生态环境局".to_owned(), true)]
        );
    }
}
