//! Stable action names. Names are part of the signed log: never rename one, only add.

use crate::event::Action;

macro_rules! actions {
    ($($(#[$doc:meta])* $name:ident = $value:literal;)*) => {
        $($(#[$doc])* pub const $name: Action = Action::known($value);)*
        /// Every action defined in this module.
        pub const ALL: &[Action] = &[$($name),*];
    };
}

actions! {
    /// Successful login.
    AUTH_LOGIN = "auth.login";
    /// Failed login attempt.
    AUTH_LOGIN_FAILED = "auth.login_failed";
    /// Logout.
    AUTH_LOGOUT = "auth.logout";
    /// Session expired or revoked.
    AUTH_SESSION_REVOKE = "auth.session_revoke";
    /// Device enrolled (certificate requested).
    DEVICE_ENROLL = "device.enroll";
    /// Device removed.
    DEVICE_REMOVE = "device.remove";
    /// Certificate issued.
    CERT_ISSUE = "cert.issue";
    /// Certificate renewed.
    CERT_RENEW = "cert.renew";
    /// Certificate revoked.
    CERT_REVOKE = "cert.revoke";
    /// Account opened.
    ACCOUNT_OPEN = "account.open";
    /// Account frozen.
    ACCOUNT_FREEZE = "account.freeze";
    /// Account unfrozen.
    ACCOUNT_UNFREEZE = "account.unfreeze";
    /// Account closed.
    ACCOUNT_CLOSE = "account.close";
    /// Transfer created.
    TRANSFER_CREATE = "transfer.create";
    /// Transfer approved (four-eyes).
    TRANSFER_APPROVE = "transfer.approve";
    /// Transfer rejected.
    TRANSFER_REJECT = "transfer.reject";
    /// Transfer expired without approval.
    TRANSFER_EXPIRE = "transfer.expire";
    /// Transfer booked to the ledger.
    TRANSFER_EXECUTE = "transfer.execute";
    /// Cash deposited.
    CASH_DEPOSIT = "cash.deposit";
    /// Cash withdrawn.
    CASH_WITHDRAW = "cash.withdraw";
    /// User created.
    USER_CREATE = "user.create";
    /// User disabled.
    USER_DISABLE = "user.disable";
    /// User enabled.
    USER_ENABLE = "user.enable";
    /// Role assigned to a user.
    ROLE_ASSIGN = "role.assign";
    /// Role removed from a user.
    ROLE_REMOVE = "role.remove";
    /// Setting changed.
    SETTING_CHANGE = "setting.change";
    /// Signing or encryption key rotated.
    KEY_ROTATE = "key.rotate";
    /// Alert raised.
    ALERT_RAISE = "alert.raise";
    /// Alert updated (acknowledged, closed).
    ALERT_UPDATE = "alert.update";
    /// Signed checkpoint published.
    AUDIT_CHECKPOINT = "audit.checkpoint";
    /// Audit log exported.
    AUDIT_EXPORT = "audit.export";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::is_valid_action;
    use std::collections::BTreeSet;

    #[test]
    fn all_actions_are_valid_and_distinct() {
        for a in ALL {
            assert!(is_valid_action(a.as_str()), "{a}");
            assert_eq!(Action::new(a.as_str()).unwrap(), *a);
        }
        let names: BTreeSet<&str> = ALL.iter().map(Action::as_str).collect();
        assert_eq!(names.len(), ALL.len());
        assert!(names.contains("audit.checkpoint"));
    }
}
