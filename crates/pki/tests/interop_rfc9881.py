#!/usr/bin/env python3
"""RFC 9881 interoperability check of a pqbank pure ML-DSA-65 hierarchy with pyca/cryptography.

Usage: interop_rfc9881.py DIR

DIR holds root.pem, issuing.pem, device.pem, crl.pem and revoked_serial.txt (lower-case hex),
written by tests/interop.rs. The script loads the certificates, verifies each one's signature
with its issuer's public key, verifies the CRL signature with the issuing CA's key and finds the
revoked serial in the CRL.

Needs pyca/cryptography 50 or later (bundled OpenSSL with ML-DSA certificate verification).
Exit codes: 0 success, 1 a check failed, 77 the environment cannot run the check (cryptography
missing or too old); the reason is printed.
"""

import pathlib
import sys

SKIP = 77


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        import cryptography
        from cryptography import x509
        from cryptography.hazmat.primitives.asymmetric import mldsa  # noqa: F401
    except ImportError as err:
        print(f"SKIP: pyca/cryptography with ML-DSA support unavailable: {err}")
        return SKIP

    directory = pathlib.Path(sys.argv[1])

    def load(name):
        return x509.load_pem_x509_certificate((directory / name).read_bytes())

    try:
        root, issuing, device = load("root.pem"), load("issuing.pem"), load("device.pem")
    except Exception as err:  # noqa: BLE001 - report any loader failure
        print(f"FAIL: cannot load the certificates: {err!r}")
        return 1
    print(f"cryptography {cryptography.__version__}: loaded 3 certificates")

    for cert, issuer, name in [
        (root, root, "root (self-signed)"),
        (issuing, root, "issuing CA"),
        (device, issuing, "device"),
    ]:
        if cert.signature_algorithm_oid.dotted_string != "2.16.840.1.101.3.4.3.18":
            print(f"FAIL: {name} is not signed with id-ml-dsa-65")
            return 1
        try:
            cert.verify_directly_issued_by(issuer)
        except TypeError as err:
            # Raised for key types the installed release cannot verify certificates with
            # (ML-DSA needs cryptography 50 or later); a bad signature raises InvalidSignature.
            print(
                f"SKIP: cryptography {cryptography.__version__} cannot verify ML-DSA "
                f"certificate signatures ({err}); pip install 'cryptography>=50'"
            )
            return SKIP
        except Exception as err:  # noqa: BLE001
            print(f"FAIL: {name} signature: {err!r}")
            return 1
        print(f"ok: {name} verified by {issuer.subject.rfc4514_string()}")

    crl = x509.load_pem_x509_crl((directory / "crl.pem").read_bytes())
    if not crl.is_signature_valid(issuing.public_key()):
        print("FAIL: CRL signature does not verify with the issuing CA key")
        return 1
    if crl.next_update_utc is None:
        print("FAIL: CRL without nextUpdate")
        return 1
    print(f"ok: CRL signature verified (nextUpdate {crl.next_update_utc})")

    serial = int((directory / "revoked_serial.txt").read_text().strip(), 16)
    entry = crl.get_revoked_certificate_by_serial_number(serial)
    if entry is None:
        print(f"FAIL: serial {serial:x} not in the CRL")
        return 1
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    print(f"ok: serial {serial:x} revoked ({reason.name})")
    if crl.get_revoked_certificate_by_serial_number(device.serial_number) is None:
        print("FAIL: the device certificate is not the revoked one")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
