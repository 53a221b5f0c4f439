//! Users, devices and sessions: registration, activation, the admin bootstrap, staff
//! administration, device binding and removal, session listing and revocation.

use pqbank_audit::{Outcome, actions};
use pqbank_domain::{
    Branch, Email, LegalName, Password, Role, RoleAssignment, RoleError, RoleSet, SessionId,
    Username,
};
use pqbank_pki::RevocationReason;
use pqbank_store::{
    CertRecord, DeviceRecord, DeviceStatus, NewDevice, SessionRecord, UserRecord, UserStatus,
};
use time::OffsetDateTime;

use super::{PersonalData, Principal, parse_roles, password};
use crate::authz::{ObjectRef, authz};
use crate::ca::{IssuedCert, internal};
use crate::{Bank, ServiceError};

/// Most users a list returns.
pub const MAX_USER_LIST: u32 = 200;
/// Username of the bootstrap administrator.
pub const BOOTSTRAP_ADMIN: &str = "admin";

/// Self-registration of a customer with their first device.
#[derive(Debug)]
pub struct RegisterRequest {
    /// Username.
    pub username: String,
    /// Password.
    pub password: Password,
    /// Legal name.
    pub legal_name: String,
    /// Email.
    pub email: String,
    /// Name of the first device.
    pub device_name: String,
    /// PKCS#10 CSR of the device's signature key (PEM or DER).
    pub csr: Vec<u8>,
}

/// Result of registration or activation.
#[derive(Debug)]
pub struct Registered {
    /// The user.
    pub user: UserView,
    /// The bound device.
    pub device_id: String,
    /// Its certificate.
    pub certificate: IssuedCert,
}

/// Activation of a pending user (onboarded by a clerk, or the bootstrap admin).
#[derive(Debug)]
pub struct ActivateRequest {
    /// Username.
    pub username: String,
    /// One-time activation code.
    pub code: String,
    /// New password.
    pub new_password: Password,
    /// Name of the first device.
    pub device_name: String,
    /// CSR of the device's signature key.
    pub csr: Vec<u8>,
}

/// A customer onboarded by a clerk.
#[derive(Debug, Clone)]
pub struct OnboardRequest {
    /// Username.
    pub username: String,
    /// Legal name.
    pub legal_name: String,
    /// Email.
    pub email: String,
    /// Postal address.
    pub address: Option<String>,
}

/// A staff (or any) user created by an admin.
#[derive(Debug, Clone)]
pub struct NewStaffUser {
    /// Username.
    pub username: String,
    /// Roles.
    pub roles: RoleSet,
    /// Branch (required for clerk and manager).
    pub branch: Option<String>,
    /// Legal name.
    pub legal_name: String,
    /// Email.
    pub email: String,
}

/// A created pending user and the one-time code to hand over (shown once).
#[derive(Debug)]
pub struct OnboardedUser {
    /// The user.
    pub user: UserView,
    /// One-time activation code.
    pub activation_code: String,
    /// Its expiry.
    pub expires_at: Option<OffsetDateTime>,
}

/// A user as the API shows it (personal data decrypted for the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserView {
    /// Id.
    pub id: String,
    /// Username.
    pub username: String,
    /// Roles.
    pub roles: RoleSet,
    /// Branch.
    pub branch: Option<String>,
    /// `pending`, `active`, `disabled`.
    pub status: &'static str,
    /// Legal name.
    pub legal_name: String,
    /// Email.
    pub email: String,
    /// Creation time.
    pub created_at: OffsetDateTime,
}

/// A device as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceView {
    /// The device.
    pub device: DeviceRecord,
    /// Its certificates (serials, newest last).
    pub certificates: Vec<CertRecord>,
}

/// A session as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionView {
    /// Public id.
    pub id: String,
    /// Device.
    pub device_id: String,
    /// Login time.
    pub created_at: OffsetDateTime,
    /// Last activity.
    pub last_seen_at: OffsetDateTime,
    /// Absolute expiry.
    pub expires_at: OffsetDateTime,
    /// Whether it can still be used.
    pub active: bool,
    /// Whether it is the caller's current session.
    pub current: bool,
    /// Client address at login.
    pub client_addr: Option<String>,
    /// User agent at login.
    pub user_agent: Option<String>,
}

fn invalid(field: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Invalid(format!("{field}: {e}"))
}

fn device_name(name: &str) -> Result<String, ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 64 || name.chars().any(char::is_control) {
        return Err(ServiceError::Invalid(
            "device_name must be 1..64 printable characters".into(),
        ));
    }
    Ok(name.to_owned())
}

impl Bank {
    fn user_view(&self, u: &UserRecord) -> Result<UserView, ServiceError> {
        let pii = self.decrypt_pii(u)?;
        Ok(UserView {
            id: u.id.clone(),
            username: u.username.clone(),
            roles: parse_roles(&u.roles)?,
            branch: u.branch.clone(),
            status: u.status.as_str(),
            legal_name: pii.legal_name,
            email: pii.email,
            created_at: u.created_at,
        })
    }

    async fn hash_secret(&self, secret: &[u8]) -> Result<String, ServiceError> {
        let salt = crate::entropy::random_array::<16>(self.entropy.as_ref()).map_err(internal)?;
        password::hash_blocking(secret, salt).await
    }

    fn new_device(
        &self,
        user_id: &str,
        name: &str,
        csr: &[u8],
    ) -> Result<(DeviceRecord, IssuedCert, CertRecord), ServiceError> {
        let device_id = self.new_uuid()?;
        let (issued, record) = self.prepare_device_signature_cert(user_id, &device_id, csr)?;
        let device = DeviceRecord {
            id: device_id,
            user_id: user_id.to_owned(),
            name: device_name(name)?,
            status: DeviceStatus::Active,
            created_at: self.clock.now(),
            removed_at: None,
        };
        Ok((device, issued, record))
    }

    /// Registers a customer with their first device. Nothing is stored if any part fails
    /// (bad CSR, taken username, weak password).
    ///
    /// # Errors
    /// [`ServiceError::Invalid`], [`ServiceError::Conflict`] (username taken),
    /// [`ServiceError::Certificate`]; store errors.
    pub async fn register(&self, req: RegisterRequest) -> Result<Registered, ServiceError> {
        let username = Username::parse(&req.username).map_err(|e| invalid("username", e))?;
        let legal_name = LegalName::parse(&req.legal_name).map_err(|e| invalid("legal_name", e))?;
        let email = Email::parse(&req.email).map_err(|e| invalid("email", e))?;
        password::check_policy(&req.password, username.as_str())?;
        let now = self.clock.now();
        let id = self.new_uuid()?;
        let (device, issued, cert) = self.new_device(&id, &req.device_name, &req.csr)?;
        let roles = RoleSet::single(Role::Customer);
        let user = UserRecord {
            id: id.clone(),
            username: username.as_str().to_owned(),
            password_hash: Some(self.hash_secret(req.password.expose().as_bytes()).await?),
            roles: roles.to_string(),
            branch: None,
            status: UserStatus::Active,
            pii_encrypted: self.encrypt_pii(
                &id,
                &PersonalData {
                    legal_name: legal_name.as_str().to_owned(),
                    email: email.as_str().to_owned(),
                    address: None,
                },
            )?,
            activation_hash: None,
            activation_expires_at: None,
            failed_logins: 0,
            locked_until: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let actor = super::actor(&id, roles, None);
        let audit = vec![
            self.audit_event(
                actor.clone(),
                actions::USER_CREATE,
                "user",
                &id,
                Outcome::Success,
            )?,
            self.audit_event(
                actor.clone(),
                actions::DEVICE_ENROLL,
                "device",
                &device.id,
                Outcome::Success,
            )?,
            self.audit_event(
                actor,
                actions::CERT_ISSUE,
                "certificate",
                &cert.serial,
                Outcome::Success,
            )?,
        ];
        self.store
            .create_user(
                &user,
                Some(NewDevice {
                    device: &device,
                    cert: &cert,
                }),
                audit,
            )
            .await?;
        Ok(Registered {
            user: self.user_view(&user)?,
            device_id: device.id,
            certificate: issued,
        })
    }

    /// Activates a pending user with the one-time code: sets the password and binds the first
    /// device. A wrong code counts as a failed login and raises a security event.
    ///
    /// # Errors
    /// [`ServiceError::Unauthorized`] for a wrong or expired code or a user that is not
    /// pending; [`ServiceError::Invalid`]; store errors.
    pub async fn activate(&self, req: ActivateRequest) -> Result<Registered, ServiceError> {
        let username = Username::parse(&req.username).map_err(|e| invalid("username", e))?;
        password::check_policy(&req.new_password, username.as_str())?;
        let now = self.clock.now();
        let user = self.store.get_user_by_username(username.as_str()).await?;
        let hash = user.as_ref().and_then(|u| u.activation_hash.clone());
        let ok = password::verify_blocking(req.code.trim().as_bytes(), hash).await?;
        let usable = user.as_ref().is_some_and(|u| {
            u.status == UserStatus::Pending
                && u.activation_expires_at.is_none_or(|exp| now <= exp)
                && u.locked_until.is_none_or(|l| l <= now)
        });
        let Some(mut user) = user.filter(|_| ok && usable) else {
            self.security_event(
                "auth.bad_activation_code",
                "warning",
                None,
                None,
                serde_json::json!({ "username_len": username.as_str().len() }),
                Vec::new(),
            )
            .await;
            return Err(ServiceError::Unauthorized(
                super::AuthFailure::InvalidCredentials,
            ));
        };
        let (device, issued, cert) = self.new_device(&user.id, &req.device_name, &req.csr)?;
        let expected = user.version;
        user.password_hash = Some(
            self.hash_secret(req.new_password.expose().as_bytes())
                .await?,
        );
        user.status = UserStatus::Active;
        user.activation_hash = None;
        user.activation_expires_at = None;
        user.failed_logins = 0;
        user.locked_until = None;
        user.updated_at = now;
        let roles = parse_roles(&user.roles)?;
        let actor = super::actor(&user.id, roles, None);
        let audit = vec![
            self.audit_event(
                actor.clone(),
                pqbank_audit::Action::new("user.activate").map_err(internal)?,
                "user",
                &user.id,
                Outcome::Success,
            )?,
            self.audit_event(
                actor.clone(),
                actions::DEVICE_ENROLL,
                "device",
                &device.id,
                Outcome::Success,
            )?,
            self.audit_event(
                actor,
                actions::CERT_ISSUE,
                "certificate",
                &cert.serial,
                Outcome::Success,
            )?,
        ];
        self.store
            .update_user(
                &user,
                expected,
                Some(NewDevice {
                    device: &device,
                    cert: &cert,
                }),
                audit,
            )
            .await?;
        user.version = expected + 1;
        Ok(Registered {
            user: self.user_view(&user)?,
            device_id: device.id,
            certificate: issued,
        })
    }

    /// Creates the bootstrap administrator if no admin exists; returns the one-time password
    /// (its activation code), which is stored only hashed. Call once at startup.
    ///
    /// # Errors
    /// Store errors.
    pub async fn ensure_admin(&self) -> Result<Option<String>, ServiceError> {
        if self.store.role_has_holder(Role::Admin.as_str()).await? {
            return Ok(None);
        }
        let req = NewStaffUser {
            username: BOOTSTRAP_ADMIN.to_owned(),
            roles: RoleSet::single(Role::Admin),
            branch: None,
            legal_name: "Bootstrap Administrator".to_owned(),
            email: "admin@pqbank.invalid".to_owned(),
        };
        match self.create_pending_user(None, &req, None, None).await {
            Ok(created) => Ok(Some(created.activation_code)),
            // Another instance created it first.
            Err(ServiceError::Conflict(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// An admin creates a user (staff or customer) who activates with the returned code.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`] unless admin; [`ServiceError::Invalid`] for bad input or
    /// role/branch rules; [`ServiceError::Conflict`] for a taken username.
    pub async fn create_user(
        &self,
        principal: &Principal,
        req: NewStaffUser,
    ) -> Result<OnboardedUser, ServiceError> {
        authz()?.require(principal, "user.create", &ObjectRef::route(principal))?;
        self.create_pending_user(
            Some(principal),
            &req,
            None,
            Some(self.identity.config.activation_ttl),
        )
        .await
    }

    /// The operator creates a user from the command line (`pqbank admin create-user`), with
    /// access to the database and key ring; the user activates with the returned code.
    ///
    /// # Errors
    /// As [`Self::create_user`] without the authorization check.
    pub async fn create_user_as_operator(
        &self,
        req: NewStaffUser,
    ) -> Result<OnboardedUser, ServiceError> {
        self.create_pending_user(None, &req, None, Some(self.identity.config.activation_ttl))
            .await
    }

    /// A clerk (or admin) onboards a customer, who then activates with the returned code.
    ///
    /// # Errors
    /// As [`Self::create_user`].
    pub async fn onboard_customer(
        &self,
        principal: &Principal,
        req: OnboardRequest,
    ) -> Result<OnboardedUser, ServiceError> {
        authz()?.require(principal, "customer.onboard", &ObjectRef::route(principal))?;
        let staff = NewStaffUser {
            username: req.username,
            roles: RoleSet::single(Role::Customer),
            branch: None,
            legal_name: req.legal_name,
            email: req.email,
        };
        self.create_pending_user(
            Some(principal),
            &staff,
            req.address,
            Some(self.identity.config.activation_ttl),
        )
        .await
    }

    async fn create_pending_user(
        &self,
        by: Option<&Principal>,
        req: &NewStaffUser,
        address: Option<String>,
        ttl: Option<time::Duration>,
    ) -> Result<OnboardedUser, ServiceError> {
        let username = Username::parse(&req.username).map_err(|e| invalid("username", e))?;
        let legal_name = LegalName::parse(&req.legal_name).map_err(|e| invalid("legal_name", e))?;
        let email = Email::parse(&req.email).map_err(|e| invalid("email", e))?;
        let branch = req
            .branch
            .as_deref()
            .map(Branch::parse)
            .transpose()
            .map_err(|e| invalid("branch", e))?;
        let assignment = RoleAssignment::new(req.roles, branch).map_err(|e| invalid("roles", e))?;
        if let Some(a) = &address
            && (a.chars().count() > 500 || a.chars().any(|c| c.is_control() && c != '\n'))
        {
            return Err(ServiceError::Invalid(
                "address: at most 500 characters".into(),
            ));
        }
        let now = self.clock.now();
        let id = self.new_uuid()?;
        // 20 random bytes, base32-like grouping for reading out loud: 32 hex chars.
        let code = self.random_hex::<16>()?;
        let user = UserRecord {
            id: id.clone(),
            username: username.as_str().to_owned(),
            password_hash: None,
            roles: assignment.roles().to_string(),
            branch: assignment.branch().map(|b| b.as_str().to_owned()),
            status: UserStatus::Pending,
            pii_encrypted: self.encrypt_pii(
                &id,
                &PersonalData {
                    legal_name: legal_name.as_str().to_owned(),
                    email: email.as_str().to_owned(),
                    address,
                },
            )?,
            activation_hash: Some(self.hash_secret(code.as_bytes()).await?),
            activation_expires_at: ttl.map(|t| now + t),
            failed_logins: 0,
            locked_until: None,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let actor = by.map(Principal::actor).unwrap_or_default();
        let mut event =
            self.audit_event(actor, actions::USER_CREATE, "user", &id, Outcome::Success)?;
        if let (Ok(k), Ok(v)) = (
            pqbank_audit::DetailKey::new("roles"),
            pqbank_audit::DetailValue::new(user.roles.clone()),
        ) {
            event.details.insert(k, v);
        }
        self.store.create_user(&user, None, vec![event]).await?;
        if let Some(by) = by
            && assignment.roles().is_staff()
        {
            self.privilege_alert(by, &id, "staff_user_created", &user.roles)
                .await;
        }
        Ok(OnboardedUser {
            user: self.user_view(&user)?,
            activation_code: code,
            expires_at: user.activation_expires_at,
        })
    }

    /// The caller's own profile.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] if the user vanished; store errors.
    pub async fn whoami(&self, principal: &Principal) -> Result<UserView, ServiceError> {
        let user = self
            .store
            .get_user(&principal.user_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.user_view(&user)
    }

    /// Users ordered by username (admins, clerks, managers, auditors). Clerks see customers
    /// only.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`]; store errors.
    pub async fn list_users(
        &self,
        principal: &Principal,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserView>, ServiceError> {
        let engine = authz()?;
        engine.require(principal, "user.list", &ObjectRef::route(principal))?;
        let rows = self
            .store
            .list_users(after, limit.min(MAX_USER_LIST))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for u in &rows {
            let roles = parse_roles(&u.roles)?;
            let obj = ObjectRef::owned("user", &u.id, &u.id, roles.is_staff());
            if engine.is_allowed(principal, "user.list", &obj) {
                out.push(self.user_view(u)?);
            }
        }
        Ok(out)
    }

    async fn load_user_for(
        &self,
        principal: &Principal,
        action: &str,
        user_id: &str,
    ) -> Result<UserRecord, ServiceError> {
        let user = self
            .store
            .get_user(user_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let roles = parse_roles(&user.roles)?;
        authz()?.require(
            principal,
            action,
            &ObjectRef::owned("user", &user.id, &user.id, roles.is_staff()),
        )?;
        Ok(user)
    }

    /// One user.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] (also when not visible); store errors.
    pub async fn get_user(
        &self,
        principal: &Principal,
        user_id: &str,
    ) -> Result<UserView, ServiceError> {
        let user = self.load_user_for(principal, "user.read", user_id).await?;
        self.user_view(&user)
    }

    /// Replaces a user's roles (admins; never their own).
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`] for one's own roles; [`ServiceError::Invalid`] for role
    /// conflicts or branch rules; [`ServiceError::Conflict`] on a concurrent change.
    pub async fn set_roles(
        &self,
        principal: &Principal,
        user_id: &str,
        roles: RoleSet,
        branch: Option<String>,
    ) -> Result<UserView, ServiceError> {
        let mut user = self.load_user_for(principal, "user.roles", user_id).await?;
        if user.id == principal.user_id {
            return Err(ServiceError::Forbidden("own_roles"));
        }
        let branch = branch
            .as_deref()
            .map(Branch::parse)
            .transpose()
            .map_err(|e| invalid("branch", e))?;
        // As at creation, the domain refuses an assignment without roles. Here the caller is
        // pointed at the tool that does take every right away (and ends the user's sessions).
        let assignment = RoleAssignment::new(roles, branch).map_err(|e| match e {
            RoleError::Empty => invalid(
                "roles",
                "at least one role (disable the user to take every right away)",
            ),
            other => invalid("roles", other),
        })?;
        let before = parse_roles(&user.roles)?;
        let expected = user.version;
        user.roles = assignment.roles().to_string();
        user.branch = assignment.branch().map(|b| b.as_str().to_owned());
        user.updated_at = self.clock.now();
        let mut audit = Vec::new();
        for role in Role::ALL {
            let action = match (before.contains(role), roles.contains(role)) {
                (false, true) => actions::ROLE_ASSIGN,
                (true, false) => actions::ROLE_REMOVE,
                _ => continue,
            };
            let mut e = self.audit_event(
                principal.actor(),
                action,
                "user",
                &user.id,
                Outcome::Success,
            )?;
            if let (Ok(k), Ok(v)) = (
                pqbank_audit::DetailKey::new("role"),
                pqbank_audit::DetailValue::new(role.as_str()),
            ) {
                e.details.insert(k, v);
            }
            audit.push(e);
        }
        let changed = !audit.is_empty();
        self.store.update_user(&user, expected, None, audit).await?;
        if changed {
            self.privilege_alert(principal, &user.id, "roles_changed", &user.roles)
                .await;
        }
        self.user_view(&user)
    }

    /// Disables or enables a user (admins; never themselves). Disabling revokes nothing but
    /// every request of the user is refused from now on.
    ///
    /// # Errors
    /// As [`Self::set_roles`].
    pub async fn set_user_enabled(
        &self,
        principal: &Principal,
        user_id: &str,
        enabled: bool,
    ) -> Result<UserView, ServiceError> {
        let action = if enabled {
            "user.enable"
        } else {
            "user.disable"
        };
        let mut user = self.load_user_for(principal, action, user_id).await?;
        if user.id == principal.user_id {
            return Err(ServiceError::Forbidden("own_account"));
        }
        let expected = user.version;
        user.status = match (enabled, user.status) {
            (true, UserStatus::Disabled) => {
                if user.password_hash.is_some() {
                    UserStatus::Active
                } else {
                    UserStatus::Pending
                }
            }
            (false, _) => UserStatus::Disabled,
            (true, s) => s,
        };
        user.updated_at = self.clock.now();
        let event = self.audit_event(
            principal.actor(),
            if enabled {
                actions::USER_ENABLE
            } else {
                actions::USER_DISABLE
            },
            "user",
            &user.id,
            Outcome::Success,
        )?;
        self.store
            .update_user(&user, expected, None, vec![event])
            .await?;
        self.privilege_alert(
            principal,
            &user.id,
            if enabled {
                "user_enabled"
            } else {
                "user_disabled"
            },
            &user.roles,
        )
        .await;
        self.user_view(&user)
    }

    /// Resets a user's credentials (admin, or clerk for customers): the user goes back to
    /// pending and activates again with the returned one-time code and a new device.
    ///
    /// # Errors
    /// As [`Self::set_roles`].
    pub async fn reset_credentials(
        &self,
        principal: &Principal,
        user_id: &str,
    ) -> Result<OnboardedUser, ServiceError> {
        let mut user = self.load_user_for(principal, "user.reset", user_id).await?;
        if user.id == principal.user_id {
            return Err(ServiceError::Forbidden("own_account"));
        }
        let code = self.random_hex::<16>()?;
        let now = self.clock.now();
        let expected = user.version;
        user.password_hash = None;
        user.status = UserStatus::Pending;
        user.activation_hash = Some(self.hash_secret(code.as_bytes()).await?);
        user.activation_expires_at = Some(now + self.identity.config.activation_ttl);
        user.updated_at = now;
        let event = self.audit_event(
            principal.actor(),
            pqbank_audit::Action::new("user.credential_reset").map_err(internal)?,
            "user",
            &user.id,
            Outcome::Success,
        )?;
        self.store
            .update_user(&user, expected, None, vec![event])
            .await?;
        Ok(OnboardedUser {
            user: self.user_view(&user)?,
            activation_code: code,
            expires_at: user.activation_expires_at,
        })
    }

    /// Changes the caller's password (needs the current one).
    ///
    /// # Errors
    /// [`ServiceError::Unauthorized`] for a wrong current password; [`ServiceError::Invalid`]
    /// for a weak new one.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: Password,
        new: Password,
    ) -> Result<(), ServiceError> {
        let mut user = self
            .store
            .get_user(&principal.user_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        password::check_policy(&new, &user.username)?;
        let ok = password::verify_blocking(current.expose().as_bytes(), user.password_hash.clone())
            .await?;
        if !ok {
            return Err(ServiceError::Unauthorized(
                super::AuthFailure::InvalidCredentials,
            ));
        }
        let expected = user.version;
        user.password_hash = Some(self.hash_secret(new.expose().as_bytes()).await?);
        user.updated_at = self.clock.now();
        let event = self.audit_event(
            principal.actor(),
            pqbank_audit::Action::new("user.password_change").map_err(internal)?,
            "user",
            &user.id,
            Outcome::Success,
        )?;
        self.store
            .update_user(&user, expected, None, vec![event])
            .await?;
        Ok(())
    }

    /// The devices of `user_id` (one's own; clerks for customers; admins for anyone).
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] if not visible; store errors.
    pub async fn list_devices(
        &self,
        principal: &Principal,
        user_id: &str,
    ) -> Result<Vec<DeviceView>, ServiceError> {
        let user = self
            .load_user_for(principal, "device.list", user_id)
            .await?;
        let certs = self.store.list_certificates(&user.id, 1000).await?;
        let devices = self.store.list_devices(&user.id).await?;
        Ok(devices
            .into_iter()
            .map(|d| DeviceView {
                certificates: certs
                    .iter()
                    .filter(|c| c.device_id == d.id)
                    .cloned()
                    .collect(),
                device: d,
            })
            .collect())
    }

    /// Binds another device to `user_id`: from a session on an already bound device of the
    /// same user, or by a clerk (customers) after identity checks.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] if not visible, [`ServiceError::Certificate`] for a bad CSR,
    /// [`ServiceError::Conflict`] past the device limit.
    pub async fn add_device(
        &self,
        principal: &Principal,
        user_id: &str,
        name: &str,
        csr: &[u8],
    ) -> Result<(DeviceRecord, IssuedCert), ServiceError> {
        let user = self.load_user_for(principal, "device.add", user_id).await?;
        let (device, issued, cert) = self.new_device(&user.id, name, csr)?;
        let audit = vec![
            self.audit_event(
                principal.actor(),
                actions::DEVICE_ENROLL,
                "device",
                &device.id,
                Outcome::Success,
            )?,
            self.audit_event(
                principal.actor(),
                actions::CERT_ISSUE,
                "certificate",
                &cert.serial,
                Outcome::Success,
            )?,
        ];
        self.store
            .insert_device(
                NewDevice {
                    device: &device,
                    cert: &cert,
                },
                audit,
            )
            .await?;
        Ok((device, issued))
    }

    /// Removes a device: it is unbound, its sessions end and its certificates are revoked.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] if unknown, removed or not visible.
    pub async fn remove_device(
        &self,
        principal: &Principal,
        device_id: &str,
    ) -> Result<(), ServiceError> {
        let device = self
            .store
            .get_device(device_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        self.load_user_for(principal, "device.remove", &device.user_id)
            .await
            .map_err(|e| match e {
                ServiceError::Forbidden(_) => ServiceError::NotFound,
                e => e,
            })?;
        let event = self.audit_event(
            principal.actor(),
            actions::DEVICE_REMOVE,
            "device",
            &device.id,
            Outcome::Success,
        )?;
        if !self
            .store
            .remove_device(&device.id, self.clock.now(), vec![event])
            .await?
        {
            return Err(ServiceError::NotFound);
        }
        let certs = self.store.list_certificates(&device.user_id, 1000).await?;
        for cert in certs
            .iter()
            .filter(|c| c.device_id == device.id && c.status == pqbank_store::CertStatus::Valid)
        {
            match self
                .revoke_certificate(&cert.serial, RevocationReason::CessationOfOperation)
                .await
            {
                Ok(()) | Err(ServiceError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Sessions of `user_id` (one's own; admins any).
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] if not visible.
    pub async fn list_sessions(
        &self,
        principal: &Principal,
        user_id: &str,
    ) -> Result<Vec<SessionView>, ServiceError> {
        let user = self
            .load_user_for(principal, "session.list", user_id)
            .await?;
        let now = self.clock.now();
        let rows = self.store.list_sessions(&user.id, 100).await?;
        Ok(rows
            .into_iter()
            .map(|s| session_view(&s, now, &principal.session_id))
            .collect())
    }

    /// Revokes a session by its public id (one's own; admins any).
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] if unknown, already revoked or not visible.
    pub async fn revoke_session(
        &self,
        principal: &Principal,
        user_id: &str,
        session_id: SessionId,
    ) -> Result<(), ServiceError> {
        let session_id = session_id.to_string();
        let user = self
            .load_user_for(principal, "session.revoke", user_id)
            .await?;
        let owned = self
            .store
            .list_sessions(&user.id, 200)
            .await?
            .into_iter()
            .any(|s| s.public_id == session_id);
        if !owned {
            return Err(ServiceError::NotFound);
        }
        let event = self.audit_event(
            principal.actor(),
            actions::AUTH_SESSION_REVOKE,
            "session",
            &session_id,
            Outcome::Success,
        )?;
        if !self
            .store
            .revoke_session(&user.id, &session_id, self.clock.now(), vec![event])
            .await?
        {
            return Err(ServiceError::NotFound);
        }
        Ok(())
    }
}

fn session_view(s: &SessionRecord, now: OffsetDateTime, current: &str) -> SessionView {
    let idle_end = s.last_seen_at + time::Duration::seconds(s.idle_secs);
    SessionView {
        id: s.public_id.clone(),
        device_id: s.device_id.clone(),
        created_at: s.created_at,
        last_seen_at: s.last_seen_at,
        expires_at: s.expires_at.min(idle_end),
        active: s.revoked_at.is_none() && now < s.expires_at && now < idle_end,
        current: s.public_id == current,
        client_addr: s.client_addr.clone(),
        user_agent: s.user_agent.clone(),
    }
}
