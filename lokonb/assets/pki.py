"""PKI primitives: keys, CAs and leaf certificates with ``cryptography``, and the checks that decide reuse.

Objects holding private keys never show them in ``repr``/``str``; PEM text is produced only on request.
RSA 2048 everywhere (what kubeadm, Typhoon and Lokomotive use; every component accepts it).
"""

from __future__ import annotations

import datetime as _dt
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KEY_BITS = 2048

USAGE_OIDS = {"server": ExtendedKeyUsageOID.SERVER_AUTH, "client": ExtendedKeyUsageOID.CLIENT_AUTH}


@dataclass(frozen=True)
class CertSpec:
    """What one certificate must look like; the reuse check compares an existing certificate against it."""

    name: str  # file stem under tls/, e.g. "apiserver", "etcd/etcd0/server"
    common_name: str
    issuer: str | None = None  # name of the issuing CA spec; None = self-signed CA
    organizations: tuple[str, ...] = ()
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    usages: tuple[str, ...] = ()  # "server" / "client"
    purpose: str = ""

    @property
    def is_ca(self) -> bool:
        return self.issuer is None


class CertKey:
    """A certificate and its private key. ``repr``/``str`` show the subject and expiry only."""

    __slots__ = ("cert", "_key")

    def __init__(self, cert: x509.Certificate, key: rsa.RSAPrivateKey) -> None:
        self.cert = cert
        self._key = key

    @property
    def key(self) -> rsa.RSAPrivateKey:
        return self._key

    def cert_pem(self) -> str:
        return self.cert.public_bytes(serialization.Encoding.PEM).decode("ascii")

    def key_pem(self) -> str:
        return private_key_pem(self._key)

    def __repr__(self) -> str:
        subject = self.cert.subject.rfc4514_string()
        return f"CertKey(subject={subject!r}, not_after={not_after(self.cert).isoformat()})"

    __str__ = __repr__


@dataclass(frozen=True)
class KeyPair:
    """The service-account signing key pair; ``repr`` hides the private key."""

    key: rsa.RSAPrivateKey = field(repr=False)

    def private_pem(self) -> str:
        return private_key_pem(self.key)

    def public_pem(self) -> str:
        return (
            self.key.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)


def private_key_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode("ascii")


def load_private_key(data: bytes, *, validate: bool = True) -> rsa.RSAPrivateKey:
    """Load an unencrypted PEM RSA key. ``validate=False`` skips OpenSSL's RSA consistency check (~75 ms per
    key): only for lokonb's own 0600 files whose public half is compared with the certificate anyway."""
    key = serialization.load_pem_private_key(data, password=None, unsafe_skip_rsa_key_validation=not validate)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_cert(data: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(data)


def not_after(cert: x509.Certificate) -> _dt.datetime:
    return cert.not_valid_after_utc


def _name(common_name: str, organizations: Iterable[str]) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def issue(
    spec: CertSpec,
    *,
    validity: _dt.timedelta,
    ca: CertKey | None = None,
    now: _dt.datetime | None = None,
    key: rsa.RSAPrivateKey | None = None,
) -> CertKey:
    """Create the certificate ``spec`` describes: self-signed when it is a CA, else signed by ``ca``.

    A leaf never outlives its CA (``not_after`` is capped at the CA's).
    """
    now = now or _dt.datetime.now(_dt.UTC)
    key = key or new_key()
    subject = _name(spec.common_name, spec.organizations)
    # Lokomotive's (Terraform tls provider) semantics: valid from creation for exactly the validity period;
    # nodes boot minutes after generation, so no backdating is needed for clock skew.
    start = now
    end = now + validity
    if spec.is_ca:
        issuer_name, signer = subject, key
    else:
        if ca is None:
            raise ValueError(f"certificate {spec.name} needs its CA {spec.issuer}")
        issuer_name, signer = ca.cert.subject, ca.key
        end = min(end, not_after(ca.cert))
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if spec.is_ca:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        assert ca is not None
        builder = builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
        if spec.usages:
            builder = builder.add_extension(
                x509.ExtendedKeyUsage([USAGE_OIDS[u] for u in spec.usages]), critical=False
            )
        sans: list[x509.GeneralName] = [x509.DNSName(d) for d in spec.dns_names]
        sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in spec.ip_addresses]
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(signer, hashes.SHA256())
    return CertKey(cert, key)


def sans_of(cert: x509.Certificate) -> tuple[set[str], set[str]]:
    """(DNS names, IP addresses as strings) of a certificate's SAN extension."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set(), set()
    return set(ext.get_values_for_type(x509.DNSName)), {
        str(i) for i in ext.get_values_for_type(x509.IPAddress)
    }


def usages_of(cert: x509.Certificate) -> set[str]:
    try:
        ext = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return set()
    names = {oid: name for name, oid in USAGE_OIDS.items()}
    return {names.get(oid, oid.dotted_string) for oid in ext}


def is_ca_cert(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def key_matches(cert: x509.Certificate, key: rsa.RSAPrivateKey) -> bool:
    return cert.public_key().public_numbers() == key.public_key().public_numbers()  # type: ignore[union-attr]


def signed_by(cert: x509.Certificate, ca_cert: x509.Certificate) -> bool:
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def mismatches(spec: CertSpec, pair: CertKey, ca_cert: x509.Certificate | None) -> list[str]:
    """Why an existing certificate does not fit ``spec`` (empty list = reusable as is)."""
    cert = pair.cert
    problems: list[str] = []
    if not key_matches(cert, pair.key):
        problems.append("private key does not match the certificate")
    cns = [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if cns != [spec.common_name]:
        problems.append(f"subject CN {cns} != {spec.common_name!r}")
    orgs = sorted(str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME))
    if orgs != sorted(spec.organizations):
        problems.append(f"subject O {orgs} != {sorted(spec.organizations)}")
    if spec.is_ca:
        if not is_ca_cert(cert):
            problems.append("not a CA certificate")
        return problems
    if ca_cert is None or not signed_by(cert, ca_cert):
        problems.append(f"not signed by the current {spec.issuer}")
    dns, ips = sans_of(cert)
    if dns != set(spec.dns_names) or ips != set(spec.ip_addresses):
        problems.append(f"SANs {sorted(dns | ips)} != {sorted(set(spec.dns_names) | set(spec.ip_addresses))}")
    if usages_of(cert) != set(spec.usages):
        problems.append(f"extended key usage {sorted(usages_of(cert))} != {sorted(spec.usages)}")
    return problems
