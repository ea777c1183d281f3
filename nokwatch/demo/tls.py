"""Certificates of the fixture web: a test CA, and per-host certificates in every state the crawler judges.

``valid`` is issued by the test CA for the host (trusted once the CA file is configured as an extra
bundle, like the Russian Trusted Root CA), ``expired`` ran out ten days ago, ``wrong_host`` names
another host, ``untrusted`` is self-signed by an issuer nobody trusts.
"""

from __future__ import annotations

import datetime as dt
import ssl
import tempfile
import threading
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TLS_STATES = ("valid", "expired", "wrong_host", "untrusted")
_lock = threading.Lock()


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(obj: x509.Certificate | ec.EllipticCurvePrivateKey) -> bytes:
    if isinstance(obj, x509.Certificate):
        return obj.public_bytes(serialization.Encoding.PEM)
    return obj.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@cache
def _folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="nokwatch-fixture-tls-"))


def _issue(
    subject: str,
    sans: list[str],
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    days: tuple[int, int],
    ca: bool = False,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_name, issuer_key = issuer or (_name(subject), key)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + dt.timedelta(days=days[0]))
        .not_valid_after(now + dt.timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]), critical=False
        )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    builder = builder.add_extension(
        x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False
    )
    return builder.sign(issuer_key, hashes.SHA256()), key


@cache
def _ca() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    return _issue("nokwatch fixture web test root CA", [], None, (-365, 3650), ca=True)


def ca_file() -> Path:
    """The test CA's certificate (PEM), for NOKWATCH_CA_BUNDLE."""
    path = _folder() / "ca.pem"
    with _lock:
        if not path.exists():
            path.write_bytes(_pem(_ca()[0]))
    return path


@cache
def server_context(host: str, state: str = "valid") -> ssl.SSLContext:
    """A server-side context presenting ``host`` a certificate in the given state."""
    ca_cert, ca_key = _ca()
    issuer = (ca_cert.subject, ca_key)
    cert, key = {
        "valid": lambda: _issue(host, [host, f"www.{host}"], issuer, (-30, 365)),
        "expired": lambda: _issue(host, [host, f"www.{host}"], issuer, (-400, -10)),
        "wrong_host": lambda: _issue(
            "other.nokwatch.test", ["other.nokwatch.test"], issuer, (-30, 365)
        ),
        "untrusted": lambda: _issue(host, [host], None, (-30, 365)),
    }[state]()
    stem = _folder() / f"{host}-{state}"
    stem.with_suffix(".crt").write_bytes(
        _pem(cert) + (_pem(ca_cert) if state != "untrusted" else b"")
    )
    stem.with_suffix(".key").write_bytes(_pem(key))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(stem.with_suffix(".crt"), stem.with_suffix(".key"))
    return context
