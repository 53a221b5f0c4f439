//! Certificate lifecycle for signed-in users: issue (signature key from a CSR, or a KEM key from
//! a request signed by the session's device key), list, read, renew, revoke. Owners act on their
//! own certificates, admins on any (Cedar `certificate.*`); others get 404. Every change is an
//! audit event.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use pqbank_audit::{Outcome, actions};
use pqbank_pki::{RevocationReason, SignedKemCertRequest};
use pqbank_store::{CertKind, CertRecord, CertStatus, DeviceStatus};

use super::Principal;
use super::parse_roles;
use crate::authz::{ObjectRef, authz};
use crate::ca::IssuedCert;
use crate::{Bank, ServiceError};

/// What to certify.
#[derive(Debug, Clone)]
pub enum CertificateRequest {
    /// A new signature key for one of the caller's devices (PKCS#10 CSR, PEM or DER).
    Signature {
        /// The device.
        device_id: String,
        /// The CSR; its signature is the proof of possession.
        csr: Vec<u8>,
    },
    /// A KEM key of the caller's current device: the request is signed with the device's
    /// certified signature key (a KEM key cannot sign a CSR).
    Kem {
        /// The signed KEM certificate request (DER, base64 in the API).
        signed_request: Vec<u8>,
    },
}

impl Bank {
    async fn cert_for(
        &self,
        principal: &Principal,
        action: &str,
        serial: &str,
    ) -> Result<CertRecord, ServiceError> {
        let serial = serial.trim().to_ascii_lowercase();
        if serial.is_empty() || serial.len() > 64 || !serial.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return Err(ServiceError::NotFound);
        }
        let cert = self
            .store
            .get_certificate(&serial)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let owner_staff = match self.store.get_user(&cert.user_id).await? {
            Some(u) => parse_roles(&u.roles)?.is_staff(),
            None => false,
        };
        authz()?
            .require(
                principal,
                action,
                &ObjectRef::owned("certificate", &cert.serial, &cert.user_id, owner_staff),
            )
            .map_err(|e| match e {
                ServiceError::Forbidden(_) => ServiceError::NotFound,
                e => e,
            })?;
        Ok(cert)
    }

    async fn record_cert_event(
        &self,
        principal: &Principal,
        action: pqbank_audit::Action,
        serial: &str,
    ) -> Result<(), ServiceError> {
        let event = self.audit_event(
            principal.actor(),
            action,
            "certificate",
            serial,
            Outcome::Success,
        )?;
        self.record(event).await.map(|_| ())
    }

    /// Issues a certificate for the caller's device.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for a device that is not the caller's active device;
    /// [`ServiceError::Certificate`] for a bad CSR or request (wrong proof of possession,
    /// unsupported algorithm, garbage, too large, another identity); store errors.
    pub async fn request_certificate(
        &self,
        principal: &Principal,
        request: CertificateRequest,
    ) -> Result<IssuedCert, ServiceError> {
        let issued = match request {
            CertificateRequest::Signature { device_id, csr } => {
                let device = self
                    .store
                    .get_device(&device_id)
                    .await?
                    .filter(|d| d.user_id == principal.user_id && d.status == DeviceStatus::Active)
                    .ok_or(ServiceError::NotFound)?;
                self.issue_device_signature_cert(&principal.user_id, &device.id, &csr)
                    .await?
            }
            CertificateRequest::Kem { signed_request } => {
                let parsed = SignedKemCertRequest::from_bytes(&signed_request)?;
                let identity = parsed.request().identity();
                if identity.user_id.as_str() != principal.user_id
                    || identity.device_id.as_str() != principal.device_id
                {
                    return Err(ServiceError::Invalid(
                        "the KEM certificate request must name the signed-in user and device"
                            .into(),
                    ));
                }
                let signer = self
                    .store
                    .get_certificate(&principal.cert_serial)
                    .await?
                    .ok_or(ServiceError::NotFound)?;
                self.issue_device_kem_cert(&signed_request, &signer.cert_der)
                    .await?
            }
        };
        self.record_cert_event(principal, actions::CERT_ISSUE, &issued.serial)
            .await?;
        Ok(issued)
    }

    /// Certificates of `user_id` (the caller's own; admins and clerks for others).
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] if not visible.
    pub async fn certificates_of(
        &self,
        principal: &Principal,
        user_id: &str,
    ) -> Result<Vec<CertRecord>, ServiceError> {
        let user = self
            .store
            .get_user(user_id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        authz()?
            .require(
                principal,
                "certificate.list",
                &ObjectRef::owned(
                    "user",
                    &user.id,
                    &user.id,
                    parse_roles(&user.roles)?.is_staff(),
                ),
            )
            .map_err(|e| match e {
                ServiceError::Forbidden(_) => ServiceError::NotFound,
                e => e,
            })?;
        self.list_certificates(&user.id, crate::ca::MAX_CERT_LIST)
            .await
    }

    /// Every user's certificates (admins), filtered by status and usage, paged by serial.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`] for anyone but admins; store errors.
    pub async fn search_certificates(
        &self,
        principal: &Principal,
        status: Option<CertStatus>,
        usage: Option<CertKind>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CertRecord>, ServiceError> {
        // An object owned by no one in particular, as a staff member: only admins may list it.
        if !authz()?.is_allowed(
            principal,
            "certificate.list",
            &ObjectRef::owned("certificate", "all", "", true),
        ) {
            return Err(ServiceError::Forbidden("forbidden"));
        }
        Ok(self
            .store
            .search_certificates(status, usage, after, limit.min(crate::ca::MAX_CERT_LIST))
            .await?)
    }

    /// One certificate (owner or admin).
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] if unknown or not visible.
    pub async fn certificate(
        &self,
        principal: &Principal,
        serial: &str,
    ) -> Result<CertRecord, ServiceError> {
        self.cert_for(principal, "certificate.read", serial).await
    }

    /// Renews a certificate (owner or admin): same key, or the key of `new_csr`.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`]; [`ServiceError::Certificate`] if it no longer validates or
    /// the CSR is bad.
    pub async fn renew_certificate(
        &self,
        principal: &Principal,
        serial: &str,
        new_csr: Option<&[u8]>,
    ) -> Result<IssuedCert, ServiceError> {
        let cert = self
            .cert_for(principal, "certificate.renew", serial)
            .await?;
        let issued = self.renew_device_cert(&cert.serial, new_csr).await?;
        self.record_cert_event(principal, actions::CERT_RENEW, &issued.serial)
            .await?;
        Ok(issued)
    }

    /// Revokes a certificate (owner or admin) with an RFC 5280 reason code.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`]; [`ServiceError::Conflict`] if already revoked;
    /// [`ServiceError::Invalid`] for an unknown reason code.
    pub async fn revoke_certificate_as(
        &self,
        principal: &Principal,
        serial: &str,
        reason: u8,
    ) -> Result<(), ServiceError> {
        let reason = RevocationReason::from_code(reason)
            .map_err(|_| ServiceError::Invalid("reason: not an RFC 5280 reason code".into()))?;
        let cert = self
            .cert_for(principal, "certificate.revoke", serial)
            .await?;
        self.revoke_certificate(&cert.serial, reason).await?;
        self.record_cert_event(principal, actions::CERT_REVOKE, &cert.serial)
            .await
    }
}

/// Decodes standard base64 (the API's encoding of a signed KEM request).
///
/// # Errors
/// [`ServiceError::Invalid`].
pub fn decode_b64(text: &str) -> Result<Vec<u8>, ServiceError> {
    B64.decode(text.trim())
        .map_err(|_| ServiceError::Invalid("signed_request must be base64".into()))
}
