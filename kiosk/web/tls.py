"""The dashboard's own TLS certificate: self-signed, made once, recognised by its fingerprint.

There is no certificate authority on a kitchen counter, so the browser warns the first time;
the caregiver compares the SHA-256 fingerprint it shows with the one printed here (and by the
installer) and accepts it once. The key never leaves the data folder (owner only).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from kiosk.access.pin_lock import write_private

VALID_DAYS = 10 * 365


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path
    fingerprint: str  # SHA-256, as browsers show it: AB:CD:...
    made_now: bool


def ensure_certificate(cert: Path, key: Path, hostname: str | None = None) -> Certificate:
    """The certificate in `cert`/`key`, made when either file is missing."""
    if cert.is_file() and key.is_file():
        return Certificate(cert, key, fingerprint(cert), False)
    name = hostname or socket.gethostname() or "balance-kiosk"
    private = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name[:64])])
    now = dt.datetime.now(dt.UTC)
    names: list[x509.GeneralName] = [
        x509.DNSName(name),
        x509.DNSName(f"{name}.local"),
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
    ]
    built = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    key_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    write_private(key, key_pem)
    write_private(cert, built.public_bytes(serialization.Encoding.PEM))
    return Certificate(cert, key, fingerprint(cert), True)


def fingerprint(cert: Path) -> str:
    loaded = x509.load_pem_x509_certificate(cert.read_bytes())
    return ":".join(f"{b:02X}" for b in loaded.fingerprint(hashes.SHA256()))
