//! The Cedar schema and policies validate in strict mode, and the key rules hold: deny by
//! default, owners act on their own objects, clerks never on staff, four eyes, no
//! self-administration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use pqbank_domain::{Role, RoleSet};
use pqbank_service::authz::{Authz, ObjectRef, POLICIES_SRC, SCHEMA_SRC};
use pqbank_service::identity::Principal;
use time::OffsetDateTime;

fn who(id: &str, roles: &[Role]) -> Principal {
    Principal {
        user_id: id.into(),
        username: id.into(),
        roles: RoleSet::from_roles(roles.iter().copied()).unwrap(),
        branch: None,
        session_id: "s".into(),
        device_id: "d".into(),
        cert_serial: "0a".into(),
        logged_in_at: OffsetDateTime::UNIX_EPOCH,
    }
}

fn obj(kind: &'static str, owner: &str, staff: bool, initiator: &str) -> ObjectRef {
    ObjectRef {
        kind,
        id: "o1".into(),
        owner: owner.into(),
        owner_staff: staff,
        initiator: initiator.into(),
    }
}

#[test]
fn policies_validate_in_strict_mode() {
    let engine = Authz::load().unwrap();
    assert!(engine.actions().len() >= 30);
    // A policy naming an unknown action or attribute fails strict validation.
    let bad = format!("{POLICIES_SRC}\npermit(principal, action == Action::\"nope\", resource);");
    assert!(Authz::from_sources(SCHEMA_SRC, &bad).is_err());
    let bad = format!(
        "{POLICIES_SRC}\npermit(principal, action, resource) when {{ resource.colour == \"red\" }};"
    );
    assert!(Authz::from_sources(SCHEMA_SRC, &bad).is_err());
}

#[test]
fn deny_by_default_and_ownership() {
    let engine = Authz::load().unwrap();
    let alice = who("alice", &[Role::Customer]);
    assert!(engine.is_allowed(&alice, "device.list", &obj("device", "alice", false, "")));
    assert!(!engine.is_allowed(&alice, "device.list", &obj("device", "bob", false, "")));
    assert!(!engine.is_allowed(&alice, "user.create", &ObjectRef::route(&alice)));
    assert!(!engine.is_allowed(&alice, "no.such.action", &ObjectRef::route(&alice)));
    // Someone without roles can still only touch their own objects.
    let nobody = who("n", &[]);
    assert!(!engine.is_allowed(&nobody, "account.read", &obj("account", "n", false, "")));
}

#[test]
fn clerks_help_customers_not_staff() {
    let engine = Authz::load().unwrap();
    let clerk = who("c", &[Role::Clerk]);
    assert!(engine.is_allowed(&clerk, "user.reset", &obj("user", "cust", false, "")));
    assert!(!engine.is_allowed(&clerk, "user.reset", &obj("user", "mgr", true, "")));
    assert!(!engine.is_allowed(&clerk, "user.roles", &obj("user", "cust", false, "")));
}

#[test]
fn four_eyes_and_no_self_administration() {
    let engine = Authz::load().unwrap();
    let m = who("m1", &[Role::Manager]);
    assert!(engine.is_allowed(
        &m,
        "transfer.approve",
        &obj("transfer", "cust", false, "cust")
    ));
    assert!(!engine.is_allowed(&m, "transfer.approve", &obj("transfer", "m1", true, "m1")));
    assert!(!engine.is_allowed(&m, "transfer.reject", &obj("transfer", "x", false, "m1")));
    let admin = who("a1", &[Role::Admin, Role::Manager]);
    assert!(engine.is_allowed(&admin, "user.roles", &obj("user", "other", true, "")));
    assert!(!engine.is_allowed(&admin, "user.roles", &obj("user", "a1", true, "")));
    assert!(!engine.is_allowed(&admin, "user.disable", &obj("user", "a1", true, "")));
    assert!(!engine.is_allowed(
        &admin,
        "transfer.approve",
        &obj("transfer", "a1", true, "a1")
    ));
    // Route level (before the object is known) lets the manager through; the object check
    // decides.
    assert!(engine.is_allowed(&m, "transfer.approve", &ObjectRef::route(&m)));
}

#[test]
fn remembered_decisions_match_fresh_ones() {
    // One engine answers a grid of requests twice (the second time from its decision cache);
    // every answer equals a fresh engine's. Requests differing in one input only (roles of the
    // same user id, owner, staff flag, initiator, action) never share an answer.
    let shared = Authz::load().unwrap();
    let principals = [
        who("alice", &[Role::Customer]),
        who("alice", &[Role::Admin]),
        who("alice", &[Role::Manager]),
        who("alice", &[Role::Customer, Role::Clerk]),
        who("bob", &[Role::Clerk]),
    ];
    let actions = [
        "user.create",
        "account.read",
        "transfer.approve",
        "device.list",
        "cash.deposit",
    ];
    let objects = [
        obj("account", "alice", false, ""),
        obj("account", "alice", true, ""),
        obj("account", "carol", false, ""),
        obj("transfer", "carol", false, "alice"),
        obj("transfer", "carol", false, "carol"),
        obj("device", "bob", false, ""),
    ];
    let mut allowed = 0;
    for round in 0..2 {
        for p in &principals {
            let mut requests = vec![ObjectRef::route(p)];
            requests.extend(objects.iter().cloned());
            for a in actions {
                for o in &requests {
                    let fresh = Authz::load().unwrap().is_allowed(p, a, o);
                    assert_eq!(
                        shared.is_allowed(p, a, o),
                        fresh,
                        "round {round}: {a} {o:?}"
                    );
                    allowed += usize::from(fresh);
                }
            }
        }
    }
    // The grid holds both answers.
    assert!(allowed > 0 && allowed < 2 * principals.len() * actions.len() * 7);
    let alice = &principals[0];
    let admin = &principals[1];
    assert!(!shared.is_allowed(alice, "user.create", &ObjectRef::route(alice)));
    assert!(shared.is_allowed(admin, "user.create", &ObjectRef::route(admin)));
}
