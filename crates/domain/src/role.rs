//! Roles, role sets and role attributes (branch).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::text::InputError;

/// Errors from role parsing and role-set invariants.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RoleError {
    /// Not one of the role names.
    #[error("unknown role")]
    UnknownRole,
    /// The same role listed twice.
    #[error("role {0} listed more than once")]
    Duplicate(Role),
    /// Two roles that one person must not hold together (segregation of duties).
    #[error("roles {0} and {1} must not be held together")]
    Conflict(Role, Role),
    /// A user's assignment names no role: such a user could sign in and do nothing. Disabling
    /// the user is what takes every right away.
    #[error("at least one role")]
    Empty,
    /// Clerks and managers work at a branch and need one.
    #[error("clerk and manager roles require a branch")]
    BranchRequired,
    /// Only branch staff (clerk, manager) have a branch.
    #[error("a branch can only be set for clerk or manager roles")]
    BranchNotAllowed,
    /// Invalid branch code.
    #[error(transparent)]
    Branch(#[from] InputError),
}

/// A role a user can hold. The string names are stable (stored, put in certificates and policies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// A bank customer: owns accounts, initiates transfers from them.
    Customer,
    /// Branch staff: serves customers, operates the cash desk.
    Clerk,
    /// Branch manager: approves large transfers (four-eyes), freezes accounts.
    Manager,
    /// Internal auditor: read-only access to ledgers and the audit log.
    Auditor,
    /// System administrator: users, devices, certificates; no money movement.
    Admin,
}

impl Role {
    /// All roles, in declaration order.
    pub const ALL: [Role; 5] = [
        Role::Customer,
        Role::Clerk,
        Role::Manager,
        Role::Auditor,
        Role::Admin,
    ];

    /// The stable name: `customer`, `clerk`, `manager`, `auditor`, `admin`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Clerk => "clerk",
            Role::Manager => "manager",
            Role::Auditor => "auditor",
            Role::Admin => "admin",
        }
    }

    /// True for bank employees (every role except customer).
    pub const fn is_staff(self) -> bool {
        !matches!(self, Role::Customer)
    }

    /// True for roles that work at a branch and therefore carry a [`Branch`].
    pub const fn is_branch_staff(self) -> bool {
        matches!(self, Role::Clerk | Role::Manager)
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, RoleError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(RoleError::UnknownRole)
    }
}

/// Role pairs that one user must not hold together: an auditor must be independent of anyone who
/// moves money or administers the system.
const CONFLICTS: [(Role, Role); 3] = [
    (Role::Clerk, Role::Auditor),
    (Role::Manager, Role::Auditor),
    (Role::Auditor, Role::Admin),
];

/// The set of roles a user holds (possibly empty, e.g. a user pending onboarding).
///
/// Invariant: no conflicting pair (auditor together with clerk, manager or admin).
/// Serialises as a JSON array of role names in canonical order; deserialising rejects unknown
/// names, duplicates and conflicts.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RoleSet(u8);

impl RoleSet {
    /// No roles.
    pub const EMPTY: RoleSet = RoleSet(0);

    /// A set with a single role.
    pub const fn single(role: Role) -> RoleSet {
        RoleSet(role.bit())
    }

    /// Builds a set; duplicates and conflicting roles are errors.
    pub fn from_roles(roles: impl IntoIterator<Item = Role>) -> Result<RoleSet, RoleError> {
        let mut set = RoleSet::EMPTY;
        for role in roles {
            if set.contains(role) {
                return Err(RoleError::Duplicate(role));
            }
            set = set.with(role)?;
        }
        Ok(set)
    }

    /// The set plus `role` (idempotent), unless that creates a conflict.
    pub fn with(self, role: Role) -> Result<RoleSet, RoleError> {
        let next = RoleSet(self.0 | role.bit());
        match CONFLICTS
            .iter()
            .find(|(a, b)| next.contains(*a) && next.contains(*b))
        {
            Some(&(a, b)) => Err(RoleError::Conflict(a, b)),
            None => Ok(next),
        }
    }

    /// The set without `role`.
    pub const fn without(self, role: Role) -> RoleSet {
        RoleSet(self.0 & !role.bit())
    }

    /// Membership.
    pub const fn contains(self, role: Role) -> bool {
        self.0 & role.bit() != 0
    }

    /// True when no role is held.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Number of roles.
    pub const fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// True if any role is a staff role.
    pub fn is_staff(self) -> bool {
        self.iter().any(Role::is_staff)
    }

    /// True if any role works at a branch (clerk, manager).
    pub fn has_branch_staff_role(self) -> bool {
        self.iter().any(Role::is_branch_staff)
    }

    /// The roles, in canonical order.
    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| self.contains(*r))
    }
}

impl fmt::Debug for RoleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Comma-separated role names, e.g. `customer,clerk`.
impl fmt::Display for RoleSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, role) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            f.write_str(role.as_str())?;
        }
        Ok(())
    }
}

impl Serialize for RoleSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for RoleSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SeqVisitor;
        impl<'de> serde::de::Visitor<'de> for SeqVisitor {
            type Value = RoleSet;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of distinct role names")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<RoleSet, A::Error> {
                // Stops at the first duplicate, so the work is bounded by the number of roles.
                let mut set = RoleSet::EMPTY;
                while let Some(role) = seq.next_element::<Role>()? {
                    if set.contains(role) {
                        return Err(serde::de::Error::custom(RoleError::Duplicate(role)));
                    }
                    set = set.with(role).map_err(serde::de::Error::custom)?;
                }
                Ok(set)
            }
        }
        deserializer.deserialize_seq(SeqVisitor)
    }
}

/// A branch code, e.g. `ZRH-01`.
///
/// 2..=16 ASCII characters from `A-Z`, `0-9` and `-`; starts with a letter, ends with a letter or
/// digit. Case-insensitive: input is upper-cased.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Branch(String);

impl Branch {
    /// Minimum length.
    pub const MIN_LEN: usize = 2;
    /// Maximum length.
    pub const MAX_LEN: usize = 16;

    /// Normalises (ASCII upper case) and validates.
    pub fn parse(input: &str) -> Result<Branch, InputError> {
        const WHAT: &str = "branch code";
        if input.len() > Self::MAX_LEN {
            return Err(InputError::TooLong {
                what: WHAT,
                max: Self::MAX_LEN,
            });
        }
        if input.len() < Self::MIN_LEN {
            return Err(InputError::TooShort {
                what: WHAT,
                min: Self::MIN_LEN,
            });
        }
        let code = input.to_ascii_uppercase();
        if let Some(position) = code
            .chars()
            .position(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-'))
        {
            return Err(InputError::InvalidChar {
                what: WHAT,
                position,
            });
        }
        if !code.starts_with(|c: char| c.is_ascii_uppercase()) {
            return Err(InputError::Structure {
                what: WHAT,
                rule: "must start with a letter",
            });
        }
        if code.ends_with('-') {
            return Err(InputError::Structure {
                what: WHAT,
                rule: "must end with a letter or digit",
            });
        }
        Ok(Branch(code))
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Branch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Branch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Branch({})", self.0)
    }
}

impl FromStr for Branch {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, InputError> {
        Branch::parse(s)
    }
}

crate::serde_str::serde_via_str!(Branch, "a branch code");

/// A user's roles together with their attributes.
///
/// Invariants: at least one role; a branch is present exactly when the roles include clerk or
/// manager.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RoleAssignmentWire", into = "RoleAssignmentWire")]
pub struct RoleAssignment {
    roles: RoleSet,
    branch: Option<Branch>,
}

impl RoleAssignment {
    /// Checks both invariants: [`RoleError::Empty`] for no role, then the branch rule.
    pub fn new(roles: RoleSet, branch: Option<Branch>) -> Result<RoleAssignment, RoleError> {
        if roles.is_empty() {
            return Err(RoleError::Empty);
        }
        match (roles.has_branch_staff_role(), branch.is_some()) {
            (true, false) => Err(RoleError::BranchRequired),
            (false, true) => Err(RoleError::BranchNotAllowed),
            _ => Ok(RoleAssignment { roles, branch }),
        }
    }

    /// The plain customer assignment.
    pub fn customer() -> RoleAssignment {
        RoleAssignment {
            roles: RoleSet::single(Role::Customer),
            branch: None,
        }
    }

    /// The roles.
    pub fn roles(&self) -> RoleSet {
        self.roles
    }

    /// The branch of a clerk or manager.
    pub fn branch(&self) -> Option<&Branch> {
        self.branch.as_ref()
    }

    /// Shorthand for `roles().contains(role)`.
    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(role)
    }

    /// True if the user holds `role` at `branch` (for branch roles) or holds it at all (others).
    pub fn has_at(&self, role: Role, branch: &Branch) -> bool {
        self.has(role) && (!role.is_branch_staff() || self.branch.as_ref() == Some(branch))
    }

    /// True for bank employees.
    pub fn is_staff(&self) -> bool {
        self.roles.is_staff()
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleAssignmentWire {
    roles: RoleSet,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    branch: Option<Branch>,
}

impl TryFrom<RoleAssignmentWire> for RoleAssignment {
    type Error = RoleError;
    fn try_from(w: RoleAssignmentWire) -> Result<Self, RoleError> {
        RoleAssignment::new(w.roles, w.branch)
    }
}

impl From<RoleAssignment> for RoleAssignmentWire {
    fn from(a: RoleAssignment) -> Self {
        RoleAssignmentWire {
            roles: a.roles,
            branch: a.branch,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_are_stable() {
        let names: Vec<&str> = Role::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(names, ["customer", "clerk", "manager", "auditor", "admin"]);
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{r}\""));
            assert_eq!(
                serde_json::from_str::<Role>(&format!("\"{r}\"")).unwrap(),
                r
            );
        }
        assert_eq!("Admin".parse::<Role>(), Err(RoleError::UnknownRole));
        assert_eq!("root".parse::<Role>(), Err(RoleError::UnknownRole));
        assert!(serde_json::from_str::<Role>("\"Admin\"").is_err());
        assert!(!Role::Customer.is_staff());
        assert!(Role::ALL[1..].iter().all(|r| r.is_staff()));
    }

    #[test]
    fn role_sets() {
        let set = RoleSet::from_roles([Role::Manager, Role::Customer]).unwrap();
        assert!(set.contains(Role::Manager) && set.contains(Role::Customer));
        assert!(!set.contains(Role::Clerk));
        assert_eq!(set.len(), 2);
        assert!(set.is_staff());
        assert_eq!(set.to_string(), "customer,manager");
        assert_eq!(format!("{set:?}"), "{Customer, Manager}");
        assert_eq!(
            serde_json::to_string(&set).unwrap(),
            r#"["customer","manager"]"#
        );
        assert_eq!(
            serde_json::from_str::<RoleSet>(r#"["manager","customer"]"#).unwrap(),
            set
        );
        assert!(!RoleSet::single(Role::Customer).is_staff());
        assert!(RoleSet::EMPTY.is_empty() && !RoleSet::EMPTY.is_staff());
        assert_eq!(set.without(Role::Manager), RoleSet::single(Role::Customer));
        assert_eq!(set.with(Role::Manager), Ok(set));
        assert_eq!(
            RoleSet::from_roles([Role::Clerk, Role::Clerk]),
            Err(RoleError::Duplicate(Role::Clerk))
        );
        assert!(serde_json::from_str::<RoleSet>(r#"["clerk","clerk"]"#).is_err());
        assert!(serde_json::from_str::<RoleSet>(r#"["superuser"]"#).is_err());
        assert_eq!(
            serde_json::from_str::<RoleSet>("[]").unwrap(),
            RoleSet::EMPTY
        );
    }

    #[test]
    fn segregation_of_duties() {
        for other in [Role::Clerk, Role::Manager, Role::Admin] {
            assert!(matches!(
                RoleSet::from_roles([other, Role::Auditor]),
                Err(RoleError::Conflict(_, _))
            ));
            assert!(RoleSet::single(Role::Auditor).with(other).is_err());
        }
        assert!(RoleSet::from_roles([Role::Auditor, Role::Customer]).is_ok());
        assert!(
            RoleSet::from_roles([Role::Clerk, Role::Manager, Role::Admin, Role::Customer]).is_ok()
        );
        assert!(serde_json::from_str::<RoleSet>(r#"["auditor","admin"]"#).is_err());
    }

    #[test]
    fn branches() {
        assert_eq!(Branch::parse("zrh-01").unwrap().as_str(), "ZRH-01");
        assert_eq!(Branch::parse("HQ").unwrap().to_string(), "HQ");
        assert!(Branch::parse("ABCDEFGHIJKLMNOP").is_ok());
        assert!(Branch::parse("ABCDEFGHIJKLMNOPQ").is_err());
        for bad in ["H", "", "1HQ", "-HQ", "HQ-", "H Q", "HQ_1", "HÖ"] {
            assert!(Branch::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn role_assignments() {
        let zrh = Branch::parse("ZRH").unwrap();
        let gva = Branch::parse("GVA").unwrap();
        let clerk = RoleAssignment::new(RoleSet::single(Role::Clerk), Some(zrh.clone())).unwrap();
        assert!(clerk.has_at(Role::Clerk, &zrh));
        assert!(!clerk.has_at(Role::Clerk, &gva));
        assert!(!clerk.has_at(Role::Manager, &zrh));
        assert!(clerk.is_staff());
        assert_eq!(clerk.branch(), Some(&zrh));
        assert_eq!(
            RoleAssignment::new(RoleSet::single(Role::Manager), None),
            Err(RoleError::BranchRequired)
        );
        assert_eq!(
            RoleAssignment::new(RoleSet::single(Role::Admin), Some(zrh.clone())),
            Err(RoleError::BranchNotAllowed)
        );
        let admin = RoleAssignment::new(RoleSet::single(Role::Admin), None).unwrap();
        assert!(admin.has_at(Role::Admin, &gva));
        assert!(!RoleAssignment::customer().is_staff());

        let json = serde_json::to_string(&clerk).unwrap();
        assert_eq!(json, r#"{"roles":["clerk"],"branch":"ZRH"}"#);
        assert_eq!(
            serde_json::from_str::<RoleAssignment>(&json).unwrap(),
            clerk
        );
        assert_eq!(
            serde_json::to_string(&RoleAssignment::customer()).unwrap(),
            r#"{"roles":["customer"]}"#
        );
        assert!(serde_json::from_str::<RoleAssignment>(r#"{"roles":["clerk"]}"#).is_err());
        assert!(
            serde_json::from_str::<RoleAssignment>(r#"{"roles":["customer"],"branch":"ZRH"}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<RoleAssignment>(r#"{"roles":[],"extra":1}"#).is_err());
    }

    #[test]
    fn an_assignment_names_at_least_one_role() {
        let zrh = Branch::parse("ZRH").unwrap();
        assert_eq!(
            RoleAssignment::new(RoleSet::EMPTY, None),
            Err(RoleError::Empty)
        );
        // Empty wins over the branch rule: the branch is not the problem.
        assert_eq!(
            RoleAssignment::new(RoleSet::EMPTY, Some(zrh)),
            Err(RoleError::Empty)
        );
        assert_eq!(RoleError::Empty.to_string(), "at least one role");
        for json in [r#"{"roles":[]}"#, r#"{"roles":[],"branch":"ZRH"}"#] {
            let err = serde_json::from_str::<RoleAssignment>(json).unwrap_err();
            assert!(
                err.to_string().contains("at least one role"),
                "{json}: {err}"
            );
        }
    }
}
