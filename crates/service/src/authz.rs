//! Authorization with Cedar: the schema and policies in `policies/` (compiled into the binary),
//! validated in strict mode at load. Deny by default.
//!
//! Principal: `User::"<id>"`, member of `Role::"<role>"` for each of its roles. Resource: an
//! `Object` with its kind, owner, whether the owner is staff, and initiator. Before a handler
//! runs the server asks the route-level question ([`ObjectRef::route`]: "could this principal
//! do this action to something of their own?"); the service then asks again with the real
//! object once it is loaded.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;
use std::sync::Mutex;

use cedar_policy::{
    Authorizer, Context, Decision, Entities, Entity, EntityId, EntityTypeName, EntityUid,
    PolicySet, Request, RestrictedExpression, Schema, ValidationMode, Validator,
};

use crate::ServiceError;
use crate::identity::Principal;

/// The schema source.
pub const SCHEMA_SRC: &str = include_str!("../../../policies/pqbank.cedarschema");
/// The policies source.
pub const POLICIES_SRC: &str = include_str!("../../../policies/pqbank.cedar");

/// What an action is applied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRef {
    /// `route` for route-level checks, else the object's type (`device`, `session`, ...).
    pub kind: &'static str,
    /// Object id (for logs).
    pub id: String,
    /// Owner's user id ("" for bank-owned objects).
    pub owner: String,
    /// Whether the owner holds a staff role.
    pub owner_staff: bool,
    /// Initiator's user id ("" when none).
    pub initiator: String,
}

impl ObjectRef {
    /// The route-level resource: something the principal owns.
    pub fn route(principal: &Principal) -> Self {
        Self {
            kind: "route",
            id: "route".into(),
            owner: principal.user_id.clone(),
            owner_staff: false,
            initiator: String::new(),
        }
    }

    /// An object owned by `owner`.
    pub fn owned(
        kind: &'static str,
        id: impl Into<String>,
        owner: &str,
        owner_staff: bool,
    ) -> Self {
        Self {
            kind,
            id: id.into(),
            owner: owner.to_owned(),
            owner_staff,
            initiator: String::new(),
        }
    }
}

/// Most decisions remembered; the cache starts over when full.
const DECISION_CACHE_LIMIT: usize = 8192;

/// The loaded policy engine.
///
/// A decision is a pure function of the request (principal id, roles and branch; action; the
/// object's kind, id, owner, owner-is-staff and initiator) because the schema and policies are
/// fixed for the life of the process. Evaluating one costs tens of microseconds (entities are
/// built and validated against the schema each time), and every request asks at least twice,
/// so decisions are remembered under the complete request as key, bounded by
/// [`DECISION_CACHE_LIMIT`].
#[derive(Debug)]
pub struct Authz {
    schema: Schema,
    policies: PolicySet,
    authorizer: Authorizer,
    actions: Vec<String>,
    decisions: Mutex<HashMap<String, bool>>,
}

/// The cache key: every input of a decision, each length-prefixed so that no two requests
/// share a key.
fn decision_key(principal: &Principal, action: &str, object: &ObjectRef) -> String {
    let roles: Vec<&str> = principal.roles.iter().map(|r| r.as_str()).collect();
    let parts = [
        principal.user_id.as_str(),
        principal.branch.as_deref().unwrap_or("\u{0}none"),
        action,
        object.kind,
        object.id.as_str(),
        object.owner.as_str(),
        if object.owner_staff { "1" } else { "0" },
        object.initiator.as_str(),
    ];
    let mut key = String::with_capacity(160);
    for part in parts.iter().chain(roles.iter()) {
        key.push_str(&part.len().to_string());
        key.push(':');
        key.push_str(part);
    }
    key
}

fn internal(what: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(what.to_string().into())
}

fn uid(ty: &str, id: &str) -> Result<EntityUid, ServiceError> {
    Ok(EntityUid::from_type_name_and_id(
        EntityTypeName::from_str(ty).map_err(internal)?,
        EntityId::new(id),
    ))
}

impl Authz {
    /// Parses the schema and policies and validates the policies against the schema in
    /// strict mode.
    ///
    /// # Errors
    /// [`ServiceError::Internal`] naming the first problem.
    pub fn load() -> Result<Self, ServiceError> {
        Self::from_sources(SCHEMA_SRC, POLICIES_SRC)
    }

    /// As [`Self::load`] with other sources (tests).
    ///
    /// # Errors
    /// [`ServiceError::Internal`] naming the first problem.
    pub fn from_sources(schema_src: &str, policies_src: &str) -> Result<Self, ServiceError> {
        let (schema, _warnings) = Schema::from_cedarschema_str(schema_src).map_err(internal)?;
        let policies = PolicySet::from_str(policies_src).map_err(internal)?;
        let result = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !result.validation_passed() {
            let first = result
                .validation_errors()
                .next()
                .map(ToString::to_string)
                .unwrap_or_default();
            return Err(internal(format!("policy validation failed: {first}")));
        }
        let actions = schema
            .actions()
            .map(|a| a.id().unescaped().to_string())
            .collect();
        Ok(Self {
            schema,
            policies,
            authorizer: Authorizer::new(),
            actions,
            decisions: Mutex::new(HashMap::new()),
        })
    }

    /// Every action the schema declares.
    pub fn actions(&self) -> &[String] {
        &self.actions
    }

    /// Whether the schema declares `action`.
    pub fn knows(&self, action: &str) -> bool {
        self.actions.iter().any(|a| a == action)
    }

    /// The policy decision. Errors (unknown action, bad entity) deny.
    pub fn is_allowed(&self, principal: &Principal, action: &str, object: &ObjectRef) -> bool {
        let key = decision_key(principal, action, object);
        if let Some(&allowed) = self
            .decisions
            .lock()
            .ok()
            .as_ref()
            .and_then(|d| d.get(&key))
        {
            return allowed;
        }
        match self.decide(principal, action, object) {
            Ok(allowed) => {
                if let Ok(mut d) = self.decisions.lock() {
                    if d.len() >= DECISION_CACHE_LIMIT {
                        d.clear();
                    }
                    d.insert(key, allowed);
                }
                allowed
            }
            Err(e) => {
                tracing::error!(error = %e, action, "authorization request failed; denied");
                false
            }
        }
    }

    fn decide(
        &self,
        principal: &Principal,
        action: &str,
        object: &ObjectRef,
    ) -> Result<bool, ServiceError> {
        let user = uid("User", &principal.user_id)?;
        let mut roles = HashSet::new();
        let mut entities = Vec::new();
        for role in principal.roles.iter() {
            let r = uid("Role", role.as_str())?;
            roles.insert(r.clone());
            entities.push(Entity::new_no_attrs(r, HashSet::new()));
        }
        let attrs = HashMap::from([
            (
                "uid".to_owned(),
                RestrictedExpression::new_string(principal.user_id.clone()),
            ),
            (
                "branch".to_owned(),
                RestrictedExpression::new_string(principal.branch.clone().unwrap_or_default()),
            ),
        ]);
        entities.push(Entity::new(user.clone(), attrs, roles).map_err(internal)?);
        let resource = uid("Object", &object.id)?;
        let attrs = HashMap::from([
            (
                "kind".to_owned(),
                RestrictedExpression::new_string(object.kind.to_owned()),
            ),
            (
                "owner".to_owned(),
                RestrictedExpression::new_string(object.owner.clone()),
            ),
            (
                "owner_staff".to_owned(),
                RestrictedExpression::new_bool(object.owner_staff),
            ),
            (
                "initiator".to_owned(),
                RestrictedExpression::new_string(object.initiator.clone()),
            ),
        ]);
        entities.push(Entity::new(resource.clone(), attrs, HashSet::new()).map_err(internal)?);
        let entities = Entities::from_entities(entities, Some(&self.schema)).map_err(internal)?;
        let request = Request::new(
            user,
            uid("Action", action)?,
            resource,
            Context::empty(),
            Some(&self.schema),
        )
        .map_err(internal)?;
        let response = self
            .authorizer
            .is_authorized(&request, &self.policies, &entities);
        Ok(response.decision() == Decision::Allow)
    }

    /// Route-level and object-level check in one: [`ServiceError::NotFound`] when the object
    /// belongs to someone else and the caller may not see it, [`ServiceError::Forbidden`]
    /// otherwise.
    ///
    /// # Errors
    /// As described.
    pub fn require(
        &self,
        principal: &Principal,
        action: &str,
        object: &ObjectRef,
    ) -> Result<(), ServiceError> {
        if self.is_allowed(principal, action, object) {
            return Ok(());
        }
        if object.kind != "route" && object.owner != principal.user_id {
            return Err(ServiceError::NotFound);
        }
        Err(ServiceError::Forbidden("forbidden"))
    }
}

/// The process-wide policy engine, loaded (and validated) on first use.
///
/// # Errors
/// [`ServiceError::Internal`] if the compiled-in policies do not validate.
pub fn authz() -> Result<&'static Authz, ServiceError> {
    static AUTHZ: std::sync::OnceLock<Result<Authz, String>> = std::sync::OnceLock::new();
    AUTHZ
        .get_or_init(|| Authz::load().map_err(|e| format!("{e:?}")))
        .as_ref()
        .map_err(|e| ServiceError::Internal(e.clone().into()))
}
