//! Identity API: registration, activation, challenge-response login, logout, the caller's
//! profile, users, devices, sessions and security events. Handlers are thin: extract, call one
//! service method, map the result.

use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use pqbank_domain::auth::{LoginTranscript, SESSION_COOKIE};
use pqbank_domain::{DeviceId, SessionId, UserId};
use pqbank_domain::{Password, Role, RoleSet, Username};
use pqbank_service::identity::{
    ActivateRequest, ChallengeRequest, DeviceView, LoginRequest, NewStaffUser, OnboardRequest,
    OnboardedUser, Principal, RegisterRequest, Registered, SessionView, UserView,
};
use pqbank_store::SecurityEventRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::authn::client_addr;
use crate::problem::{ApiError, Problem};
use crate::routes::extract::{Id, parse_id, parse_query_id};
use crate::routes::rfc3339;

type Body<T> = Result<Json<T>, ApiError>;

/// A user as shown to staff and to themselves.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    /// Id.
    pub id: String,
    /// Username.
    pub username: String,
    /// Roles.
    pub roles: Vec<String>,
    /// Branch of staff roles.
    pub branch: Option<String>,
    /// `pending`, `active` or `disabled`.
    pub status: String,
    /// Legal name.
    pub legal_name: String,
    /// Email.
    pub email: String,
    /// Creation time (RFC 3339).
    pub created_at: String,
}

impl From<UserView> for UserDto {
    fn from(u: UserView) -> Self {
        Self {
            id: u.id,
            username: u.username,
            roles: u.roles.iter().map(|r| r.as_str().to_owned()).collect(),
            branch: u.branch,
            status: u.status.to_owned(),
            legal_name: u.legal_name,
            email: u.email,
            created_at: rfc3339(u.created_at),
        }
    }
}

/// Self-registration with the first device's CSR.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// Username (3..32 characters: lower-case letters, digits, `.`, `_`, `-`).
    pub username: String,
    /// Password (12..128 characters, not a common one).
    #[schema(value_type = String)]
    pub password: Password,
    /// Legal name.
    pub legal_name: String,
    /// Email address.
    pub email: String,
    /// Name of this device.
    pub device_name: String,
    /// PKCS#10 CSR of the device's composite signature key (PEM).
    pub csr_pem: String,
}

/// A bound device and its first certificate.
#[derive(Debug, Serialize, ToSchema)]
pub struct EnrolledDto {
    /// The user.
    pub user: UserDto,
    /// The device id (also the certificate's CN).
    pub device_id: String,
    /// Certificate serial (hex).
    pub certificate_serial: String,
    /// Certificate (PEM).
    pub certificate_pem: String,
    /// End of validity.
    pub not_after: String,
}

fn enrolled(r: Registered) -> Result<EnrolledDto, ApiError> {
    Ok(EnrolledDto {
        user: r.user.into(),
        device_id: r.device_id,
        certificate_serial: r.certificate.serial,
        certificate_pem: r
            .certificate
            .cert
            .to_pem()
            .map_err(pqbank_service::ServiceError::Certificate)?,
        not_after: rfc3339(r.certificate.not_after),
    })
}

/// Registers a customer and binds their first device.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "identity", request_body = RegisterBody,
    responses((status = 201, body = EnrolledDto), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn register(
    State(state): State<AppState>,
    body: Result<Json<RegisterBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<EnrolledDto>), ApiError> {
    let Json(b) = body?;
    let r = state
        .bank
        .register(RegisterRequest {
            username: b.username,
            password: b.password,
            legal_name: b.legal_name,
            email: b.email,
            device_name: b.device_name,
            csr: b.csr_pem.into_bytes(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(enrolled(r)?)))
}

/// Activation of a pending account with its one-time code.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivateBody {
    /// Username.
    pub username: String,
    /// The one-time code from the clerk or the bootstrap.
    pub code: String,
    /// The new password.
    #[schema(value_type = String)]
    pub new_password: Password,
    /// Name of this device.
    pub device_name: String,
    /// CSR of the device's signature key (PEM).
    pub csr_pem: String,
}

/// Activates a pending account: sets the password and binds the first device.
#[utoipa::path(post, path = "/api/v1/auth/activate", tag = "identity", request_body = ActivateBody,
    responses((status = 201, body = EnrolledDto), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn activate(
    State(state): State<AppState>,
    body: Result<Json<ActivateBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<EnrolledDto>), ApiError> {
    let Json(b) = body?;
    let r = state
        .bank
        .activate(ActivateRequest {
            username: b.username,
            code: b.code,
            new_password: b.new_password,
            device_name: b.device_name,
            csr: b.csr_pem.into_bytes(),
        })
        .await?;
    Ok((StatusCode::CREATED, Json(enrolled(r)?)))
}

/// Request for a login challenge.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeBody {
    /// Username.
    pub username: String,
    /// Serial (hex) of the device's signature certificate.
    pub device_cert_serial: String,
    /// The origin the client talks to, e.g. `https://bank.example:8443`.
    pub origin: String,
}

/// A login challenge.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChallengeDto {
    /// 256-bit nonce (hex), single use.
    pub nonce: String,
    /// Expiry (RFC 3339).
    pub expires_at: String,
}

/// Issues a single-use login challenge bound to username, device certificate and origin.
#[utoipa::path(post, path = "/api/v1/auth/challenge", tag = "identity", request_body = ChallengeBody,
    responses((status = 200, body = ChallengeDto), (status = 422, body = Problem)))]
pub async fn challenge(
    State(state): State<AppState>,
    body: Result<Json<ChallengeBody>, axum::extract::rejection::JsonRejection>,
) -> Body<ChallengeDto> {
    let Json(b) = body?;
    let c = state
        .bank
        .login_challenge(ChallengeRequest {
            username: b.username,
            device_cert_serial: b.device_cert_serial,
            origin: b.origin,
        })
        .await?;
    Ok(Json(ChallengeDto {
        nonce: c.nonce,
        expires_at: rfc3339(c.expires_at),
    }))
}

/// The signed login transcript's fields.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TranscriptBody {
    /// The challenge nonce.
    pub nonce: String,
    /// Username.
    pub username: String,
    /// Device certificate serial (hex).
    pub device_cert_serial: String,
    /// Ephemeral X-Wing public key (base64url).
    pub client_kem_public_key: String,
    /// Origin.
    pub origin: String,
}

/// Login: password + device signature over the transcript.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// The password.
    #[schema(value_type = String)]
    pub password: Password,
    /// The transcript the device signed (purpose `pqbank-login-v1`, canonical JSON).
    pub transcript: TranscriptBody,
    /// Device signature (base64url) over the transcript's canonical bytes, context
    /// `pqbank/login/v1`.
    pub signature: String,
}

/// A new session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    /// Bearer token for non-browser clients (browsers use the cookie).
    pub token: String,
    /// Public session id.
    pub session_id: String,
    /// X-Wing ciphertext to the ephemeral key (base64url); decapsulate, then
    /// `HKDF-SHA256(salt = SHA-256(transcript), ikm = shared secret, info = "pqbank session key v1")`.
    pub kem_ciphertext: String,
    /// Absolute expiry.
    pub expires_at: String,
    /// Idle timeout in seconds.
    pub idle_timeout_secs: i64,
    /// The user.
    pub user_id: String,
    /// Roles.
    pub roles: Vec<String>,
}

fn session_cookie(token: &str, max_age: i64) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age={max_age}"
    ))
    .ok()
}

/// Logs in with password + device challenge-response; sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "identity", request_body = LoginBody,
    responses((status = 200, body = SessionDto), (status = 401, body = Problem), (status = 403, body = Problem),
              (status = 423, body = Problem), (status = 429, body = Problem)))]
pub async fn login(State(state): State<AppState>, req: Request) -> Result<Response, ApiError> {
    let addr = client_addr(&req);
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Json(b): Json<LoginBody> =
        <Json<LoginBody> as axum::extract::FromRequest<AppState>>::from_request(req, &state)
            .await
            .map_err(ApiError::from)?;
    let out = state
        .bank
        .login(LoginRequest {
            password: b.password,
            transcript: LoginTranscript {
                nonce: b.transcript.nonce,
                username: b.transcript.username,
                device_cert_serial: b.transcript.device_cert_serial,
                client_kem_public_key: b.transcript.client_kem_public_key,
                origin: b.transcript.origin,
            },
            signature: b.signature,
            client_addr: addr,
            user_agent: agent,
        })
        .await?;
    let cookie = session_cookie(
        &out.token,
        (out.expires_at - out.principal.logged_in_at).whole_seconds(),
    );
    let dto = SessionDto {
        token: out.token,
        session_id: out.session_id,
        kem_ciphertext: out.kem_ciphertext,
        expires_at: rfc3339(out.expires_at),
        idle_timeout_secs: out.idle_timeout_secs,
        user_id: out.principal.user_id.clone(),
        roles: out
            .principal
            .roles
            .iter()
            .map(|r| r.as_str().to_owned())
            .collect(),
    };
    let mut resp = Json(dto).into_response();
    if let Some(c) = cookie {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

/// Ends the session server-side and clears the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "identity",
    responses((status = 204), (status = 401, body = Problem)))]
pub async fn logout(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Response, ApiError> {
    state.bank.logout(&p).await?;
    let mut resp = StatusCode::NO_CONTENT.into_response();
    if let Some(c) = session_cookie("", 0) {
        resp.headers_mut().insert(header::SET_COOKIE, c);
    }
    Ok(resp)
}

/// The signed-in user with session facts.
#[derive(Debug, Serialize, ToSchema)]
pub struct WhoAmIDto {
    /// The user.
    pub user: UserDto,
    /// Current session id.
    pub session_id: String,
    /// Device of this session.
    pub device_id: String,
    /// Its certificate serial.
    pub device_cert_serial: String,
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "identity",
    responses((status = 200, body = WhoAmIDto), (status = 401, body = Problem)))]
pub async fn me(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Body<WhoAmIDto> {
    let user = state.bank.whoami(&p).await?;
    Ok(Json(WhoAmIDto {
        user: user.into(),
        session_id: p.session_id,
        device_id: p.device_id,
        device_cert_serial: p.cert_serial,
    }))
}

/// Password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordBody {
    /// Current password.
    #[schema(value_type = String)]
    pub current_password: Password,
    /// New password.
    #[schema(value_type = String)]
    pub new_password: Password,
}

/// Changes the caller's password.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "identity", request_body = PasswordBody,
    responses((status = 204), (status = 401, body = Problem), (status = 422, body = Problem)))]
pub async fn change_password(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    body: Result<Json<PasswordBody>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(b) = body?;
    state
        .bank
        .change_password(&p, b.current_password, b.new_password)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Paging of user lists.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UserListQuery {
    /// Continue after this username (a malformed one is 400 `invalid_id`).
    pub after: Option<String>,
    /// Page size (at most 200).
    pub limit: Option<u32>,
}

/// Users (staff).
#[utoipa::path(get, path = "/api/v1/users", tag = "identity", params(UserListQuery),
    responses((status = 200, body = Vec<UserDto>), (status = 403, body = Problem)))]
pub async fn list_users(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<UserListQuery>,
) -> Body<Vec<UserDto>> {
    let after: Option<Username> = parse_query_id("after", q.after.as_deref())?;
    let users = state
        .bank
        .list_users(
            &p,
            after.as_ref().map(Username::as_str),
            q.limit.unwrap_or(50),
        )
        .await?;
    Ok(Json(users.into_iter().map(UserDto::from).collect()))
}

/// A new user created by an admin.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    /// Username.
    pub username: String,
    /// Roles (`customer`, `clerk`, `manager`, `auditor`, `admin`).
    pub roles: Vec<String>,
    /// Branch (required for clerk and manager).
    pub branch: Option<String>,
    /// Legal name.
    pub legal_name: String,
    /// Email.
    pub email: String,
}

/// A pending user and their one-time activation code (shown once).
#[derive(Debug, Serialize, ToSchema)]
pub struct OnboardedDto {
    /// The user.
    pub user: UserDto,
    /// One-time activation code to hand over.
    pub activation_code: String,
    /// Its expiry.
    pub expires_at: Option<String>,
}

fn onboarded(o: OnboardedUser) -> OnboardedDto {
    OnboardedDto {
        user: o.user.into(),
        activation_code: o.activation_code,
        expires_at: o.expires_at.map(rfc3339),
    }
}

fn parse_roles(roles: &[String]) -> Result<RoleSet, ApiError> {
    let parsed = roles
        .iter()
        .map(|r| r.parse::<Role>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
                "roles: unknown role",
            )
        })?;
    RoleSet::from_roles(parsed).map_err(|e| {
        ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            format!("roles: {e}"),
        )
    })
}

/// Creates a user (admins); they activate with the returned code.
#[utoipa::path(post, path = "/api/v1/users", tag = "identity", request_body = NewUserBody,
    responses((status = 201, body = OnboardedDto), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn create_user(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    body: Result<Json<NewUserBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<OnboardedDto>), ApiError> {
    let Json(b) = body?;
    let roles = parse_roles(&b.roles)?;
    let o = state
        .bank
        .create_user(
            &p,
            NewStaffUser {
                username: b.username,
                roles,
                branch: b.branch,
                legal_name: b.legal_name,
                email: b.email,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(onboarded(o))))
}

/// A customer onboarded at the counter.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnboardBody {
    /// Username.
    pub username: String,
    /// Legal name.
    pub legal_name: String,
    /// Email.
    pub email: String,
    /// Postal address.
    pub address: Option<String>,
}

/// Onboards a customer (clerks); the customer activates with the returned code.
#[utoipa::path(post, path = "/api/v1/customers", tag = "identity", request_body = OnboardBody,
    responses((status = 201, body = OnboardedDto), (status = 403, body = Problem), (status = 409, body = Problem)))]
pub async fn onboard_customer(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    body: Result<Json<OnboardBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<OnboardedDto>), ApiError> {
    let Json(b) = body?;
    let o = state
        .bank
        .onboard_customer(
            &p,
            OnboardRequest {
                username: b.username,
                legal_name: b.legal_name,
                email: b.email,
                address: b.address,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(onboarded(o))))
}

/// One user.
#[utoipa::path(get, path = "/api/v1/users/{user_id}", tag = "identity",
    params(("user_id" = String, Path, format = Uuid, description = "User id (lower-case UUID)")),
    responses((status = 200, body = UserDto), (status = 404, body = Problem)))]
pub async fn get_user(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(user_id): Id<UserId>,
) -> Body<UserDto> {
    Ok(Json(
        state.bank.get_user(&p, &user_id.to_string()).await?.into(),
    ))
}

/// New roles of a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesBody {
    /// The complete new role list.
    pub roles: Vec<String>,
    /// Branch (required for clerk and manager).
    pub branch: Option<String>,
}

/// Replaces a user's roles (admins; never their own; at least one role).
#[utoipa::path(put, path = "/api/v1/users/{user_id}/roles", tag = "identity", request_body = RolesBody,
    params(("user_id" = String, Path, format = Uuid, description = "User id (lower-case UUID)")),
    responses((status = 200, body = UserDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn set_roles(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(user_id): Id<UserId>,
    body: Result<Json<RolesBody>, axum::extract::rejection::JsonRejection>,
) -> Body<UserDto> {
    let Json(b) = body?;
    let roles = parse_roles(&b.roles)?;
    Ok(Json(
        state
            .bank
            .set_roles(&p, &user_id.to_string(), roles, b.branch)
            .await?
            .into(),
    ))
}

/// Disables a user (admins).
#[utoipa::path(post, path = "/api/v1/users/{user_id}/disable", tag = "identity",
    params(("user_id" = String, Path, format = Uuid, description = "User id (lower-case UUID)")),
    responses((status = 200, body = UserDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn disable_user(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(user_id): Id<UserId>,
) -> Body<UserDto> {
    Ok(Json(
        state
            .bank
            .set_user_enabled(&p, &user_id.to_string(), false)
            .await?
            .into(),
    ))
}

/// Enables a user again (admins).
#[utoipa::path(post, path = "/api/v1/users/{user_id}/enable", tag = "identity",
    params(("user_id" = String, Path, format = Uuid, description = "User id (lower-case UUID)")),
    responses((status = 200, body = UserDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn enable_user(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(user_id): Id<UserId>,
) -> Body<UserDto> {
    Ok(Json(
        state
            .bank
            .set_user_enabled(&p, &user_id.to_string(), true)
            .await?
            .into(),
    ))
}

/// Resets a user's credentials (admins; clerks for customers): a new one-time code.
#[utoipa::path(post, path = "/api/v1/users/{user_id}/reset", tag = "identity",
    params(("user_id" = String, Path, format = Uuid, description = "User id (lower-case UUID)")),
    responses((status = 200, body = OnboardedDto), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn reset_user(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(user_id): Id<UserId>,
) -> Body<OnboardedDto> {
    Ok(Json(onboarded(
        state
            .bank
            .reset_credentials(&p, &user_id.to_string())
            .await?,
    )))
}

/// A certificate of a device.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceCertDto {
    /// Serial (hex).
    pub serial: String,
    /// `signature` or `kem`.
    pub usage: String,
    /// `valid` or `revoked`.
    pub status: String,
    /// End of validity.
    pub not_after: String,
}

/// A device.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeviceDto {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// `active` or `removed`.
    pub status: String,
    /// Binding time.
    pub created_at: String,
    /// Its certificates.
    pub certificates: Vec<DeviceCertDto>,
}

impl From<DeviceView> for DeviceDto {
    fn from(v: DeviceView) -> Self {
        Self {
            id: v.device.id,
            name: v.device.name,
            status: v.device.status.as_str().to_owned(),
            created_at: rfc3339(v.device.created_at),
            certificates: v
                .certificates
                .into_iter()
                .map(|c| DeviceCertDto {
                    serial: c.serial,
                    usage: c.usage.as_str().to_owned(),
                    status: c.status.as_str().to_owned(),
                    not_after: rfc3339(c.not_after),
                })
                .collect(),
        }
    }
}

/// A user's devices.
#[utoipa::path(get, path = "/api/v1/users/{user_id}/devices", tag = "identity",
    params(("user_id" = String, Path, format = Uuid, description = "User id (lower-case UUID)")),
    responses((status = 200, body = Vec<DeviceDto>), (status = 404, body = Problem)))]
pub async fn list_devices(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(user_id): Id<UserId>,
) -> Body<Vec<DeviceDto>> {
    let devices = state.bank.list_devices(&p, &user_id.to_string()).await?;
    Ok(Json(devices.into_iter().map(DeviceDto::from).collect()))
}

/// Another device for a user.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddDeviceBody {
    /// Device name.
    pub device_name: String,
    /// CSR of the new device's signature key (PEM).
    pub csr_pem: String,
}

/// A newly bound device.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddedDeviceDto {
    /// Device id.
    pub device_id: String,
    /// Certificate serial.
    pub certificate_serial: String,
    /// Certificate (PEM).
    pub certificate_pem: String,
}

/// Binds another device (from a bound device of the same user, or by a clerk).
#[utoipa::path(post, path = "/api/v1/users/{user_id}/devices", tag = "identity", request_body = AddDeviceBody,
    params(("user_id" = String, Path, format = Uuid, description = "User id (lower-case UUID)")),
    responses((status = 201, body = AddedDeviceDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_device(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(user_id): Id<UserId>,
    body: Result<Json<AddDeviceBody>, axum::extract::rejection::JsonRejection>,
) -> Result<(StatusCode, Json<AddedDeviceDto>), ApiError> {
    let Json(b) = body?;
    let (device, cert) = state
        .bank
        .add_device(
            &p,
            &user_id.to_string(),
            &b.device_name,
            b.csr_pem.as_bytes(),
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(AddedDeviceDto {
            device_id: device.id,
            certificate_serial: cert.serial,
            certificate_pem: cert
                .cert
                .to_pem()
                .map_err(pqbank_service::ServiceError::Certificate)?,
        }),
    ))
}

/// Removes a device; its certificates are revoked and its sessions end.
#[utoipa::path(delete, path = "/api/v1/devices/{device_id}", tag = "identity",
    params(("device_id" = String, Path, format = Uuid, description = "Device id (lower-case UUID)")),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn remove_device(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(device_id): Id<DeviceId>,
) -> Result<StatusCode, ApiError> {
    state.bank.remove_device(&p, &device_id.to_string()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfoDto {
    /// Public id.
    pub id: String,
    /// Device.
    pub device_id: String,
    /// Login time.
    pub created_at: String,
    /// Last activity.
    pub last_seen_at: String,
    /// When it ends (idle or absolute, whichever first).
    pub expires_at: String,
    /// Still usable.
    pub active: bool,
    /// The caller's current session.
    pub current: bool,
    /// Client address at login.
    pub client_addr: Option<String>,
    /// User agent at login.
    pub user_agent: Option<String>,
}

impl From<SessionView> for SessionInfoDto {
    fn from(s: SessionView) -> Self {
        Self {
            id: s.id,
            device_id: s.device_id,
            created_at: rfc3339(s.created_at),
            last_seen_at: rfc3339(s.last_seen_at),
            expires_at: rfc3339(s.expires_at),
            active: s.active,
            current: s.current,
            client_addr: s.client_addr,
            user_agent: s.user_agent,
        }
    }
}

/// A user's sessions (own; admins any).
#[utoipa::path(get, path = "/api/v1/users/{user_id}/sessions", tag = "identity",
    params(("user_id" = String, Path, format = Uuid, description = "User id (lower-case UUID)")),
    responses((status = 200, body = Vec<SessionInfoDto>), (status = 404, body = Problem)))]
pub async fn list_sessions(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(user_id): Id<UserId>,
) -> Body<Vec<SessionInfoDto>> {
    let sessions = state.bank.list_sessions(&p, &user_id.to_string()).await?;
    Ok(Json(
        sessions.into_iter().map(SessionInfoDto::from).collect(),
    ))
}

/// Revokes a session (own; admins any).
#[utoipa::path(delete, path = "/api/v1/users/{user_id}/sessions/{session_id}", tag = "identity",
    params(("user_id" = String, Path, format = Uuid, description = "User id (lower-case UUID)"), ("session_id" = String, Path, description = "Session id (32 lower-case hex characters)")),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn revoke_session(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path((user_id, session_id)): Path<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let user_id: UserId = parse_id(&user_id)?;
    let session_id: SessionId = parse_id(&session_id)?;
    state
        .bank
        .revoke_session(&p, &user_id.to_string(), session_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A security event.
#[derive(Debug, Serialize, ToSchema)]
pub struct SecurityEventDto {
    /// Ascending id.
    pub id: i64,
    /// Time.
    pub time: String,
    /// Kind, e.g. `auth.invalid_credentials`.
    pub kind: String,
    /// `info`, `warning`, `critical`.
    pub severity: String,
    /// User concerned.
    pub user_id: Option<String>,
    /// Client address.
    pub client_addr: Option<String>,
    /// Details (JSON text).
    pub details: String,
    /// `open`, `acknowledged`, `resolved`.
    pub status: String,
    /// Audit log indexes the alert rests on.
    pub evidence: Vec<u64>,
    /// Who changed the status last (user id).
    pub status_by: Option<String>,
    /// Why.
    pub status_note: Option<String>,
    /// When.
    pub status_time: Option<String>,
}

impl From<SecurityEventRecord> for SecurityEventDto {
    fn from(e: SecurityEventRecord) -> Self {
        Self {
            id: e.id,
            time: rfc3339(e.time),
            kind: e.kind,
            severity: e.severity,
            user_id: e.user_id,
            client_addr: e.client_addr,
            details: e.details,
            status: e.status,
            evidence: e.evidence,
            status_by: e.status_by,
            status_note: e.status_note,
            status_time: e.status_time.map(rfc3339),
        }
    }
}

/// Paging of security events.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventQuery {
    /// Events with a larger id.
    pub after: Option<i64>,
    /// Page size (at most 500).
    pub limit: Option<u32>,
}

/// Security events (auditors and admins).
#[utoipa::path(get, path = "/api/v1/security/events", tag = "identity", params(EventQuery),
    responses((status = 200, body = Vec<SecurityEventDto>), (status = 403, body = Problem)))]
pub async fn security_events(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<EventQuery>,
) -> Body<Vec<SecurityEventDto>> {
    let events = state
        .bank
        .list_security_events(&p, q.after.unwrap_or(0), q.limit.unwrap_or(100))
        .await?;
    Ok(Json(
        events.into_iter().map(SecurityEventDto::from).collect(),
    ))
}

/// Live security events (auditors and admins) as Server-Sent Events: one `security` event per
/// new security event (`id` = its id, data = the JSON of [`SecurityEventDto`]). Resumes after
/// `Last-Event-ID`; reads the store every second, so events of every instance arrive; a
/// comment keeps the connection alive every 15 s; the stream ends after an hour (clients
/// reconnect).
#[utoipa::path(get, path = "/api/v1/security/events/stream", tag = "identity",
    responses((status = 200, description = "text/event-stream of security events", content_type = "text/event-stream"),
              (status = 403, body = Problem)))]
pub async fn security_event_stream(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: axum::http::HeaderMap,
) -> Result<
    axum::response::sse::Sse<
        impl futures_util::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
    >,
    ApiError,
> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    use futures_util::StreamExt as _;
    let after = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .unwrap_or(0);
    // Checks the right now, so a refused caller gets a problem, not an empty stream.
    state.bank.list_security_events(&p, i64::MAX, 1).await?;
    const POLLS: u32 = 3600;
    let stream = futures_util::stream::unfold(
        (state.bank.clone(), p, after, 0u32),
        |(bank, p, after, polls)| async move {
            let mut polls = polls;
            while polls < POLLS {
                polls += 1;
                match bank.list_security_events(&p, after, 100).await {
                    Ok(events) if !events.is_empty() => {
                        let last = events.last().map_or(after, |e| e.id);
                        let items: Vec<Event> = events
                            .into_iter()
                            .filter_map(|e| {
                                let id = e.id.to_string();
                                Event::default()
                                    .event("security")
                                    .id(id)
                                    .json_data(SecurityEventDto::from(e))
                                    .ok()
                            })
                            .collect();
                        return Some((items, (bank, p, last, polls)));
                    }
                    Ok(_) => tokio::time::sleep(std::time::Duration::from_secs(1)).await,
                    Err(e) => {
                        tracing::warn!(error = %e, "security event stream ends");
                        return None;
                    }
                }
            }
            None
        },
    )
    .flat_map(|items| futures_util::stream::iter(items.into_iter().map(Ok)));
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(std::time::Duration::from_secs(15))))
}

/// A security event's new status.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventStatusBody {
    /// `acknowledged` or `resolved`.
    pub status: String,
    /// Why (required to resolve; at most 500 characters). Kept with the alert; the audit log
    /// records its hash.
    pub note: Option<String>,
}

/// Acknowledges or resolves a security event (auditors and admins).
#[utoipa::path(post, path = "/api/v1/security/events/{event_id}/status", tag = "identity", request_body = EventStatusBody,
    params(("event_id" = i64, Path, description = "Event id")),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn set_security_event_status(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Path(event_id): Path<i64>,
    body: Result<Json<EventStatusBody>, axum::extract::rejection::JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(b) = body?;
    state
        .bank
        .set_security_event_status(&p, event_id, &b.status, b.note.as_deref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
