"""``lokonb assets check``: verify an asset directory without trusting the code that wrote it.

Checks, one problem message per finding: the manifest list (files present, digests, 0600 modes), every
certificate against its recorded expectation (issuer chain, subject, SANs, usages, validity window), key/cert
pairs, the service-account key pair, kubeconfigs (CA and client certificate), bootstrap tokens. Optionally
against the cluster model too (expected certificates and SANs recomputed from it).
"""

from __future__ import annotations

import base64
import datetime as _dt
import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization

from lokonb.assets.errors import AssetCheckError, AssetError, AssetModelError
from lokonb.assets.pki import (
    CertKey,
    CertSpec,
    is_ca_cert,
    key_matches,
    load_cert,
    load_private_key,
    mismatches,
)
from lokonb.assets.tokens import TOKEN_RE
from lokonb.errors import wrong_kind

MANIFEST_LIST = "assets.json"
EXPIRY_WARNING = _dt.timedelta(days=30)

#: API groups/versions and kinds the manifests use, with the Kubernetes minor version that first served them
#: (GA). The pinned control plane (versions.KUBERNETES_VERSION) must serve each; tests enforce the table.
SERVED_APIS: dict[tuple[str, str], str] = {
    ("v1", "Pod"): "1.0",
    ("v1", "Secret"): "1.0",
    ("v1", "ConfigMap"): "1.2",
    ("v1", "Service"): "1.0",
    ("v1", "ServiceAccount"): "1.0",
    ("apps/v1", "DaemonSet"): "1.9",
    ("apps/v1", "Deployment"): "1.9",
    ("policy/v1", "PodDisruptionBudget"): "1.21",
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): "1.8",
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): "1.8",
    ("rbac.authorization.k8s.io/v1", "Role"): "1.8",
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): "1.8",
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"): "1.16",
}


@dataclass
class CheckResult:
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def raise_for_problems(self) -> None:
        """Raise :class:`AssetCheckError` (one line per problem) unless the check passed."""
        if self.problems:
            raise AssetCheckError(self.problems)


def resolve_root(directory: Path) -> Path:
    """Accept the asset dir or its ``cluster-assets/`` subdirectory."""
    directory = Path(directory).expanduser()
    if (directory / MANIFEST_LIST).is_file():
        return directory
    if (directory / "cluster-assets" / MANIFEST_LIST).is_file():
        return directory / "cluster-assets"
    raise AssetError(
        f"{directory}: no {MANIFEST_LIST} here or in {directory / 'cluster-assets'}; "
        "generate the assets with `lokonb assets generate CLUSTER_CONFIG --out DIR`"
    )


def _check_arguments(directory: Any, config: Any) -> None:
    """A directory path and a cluster model (or None): 5 failed inside pathlib, a path given as ``config`` with
    "'str' object has no attribute 'cluster_domain_suffix'" once the certificates were compared."""
    if not isinstance(directory, str | os.PathLike):
        raise AssetModelError(wrong_kind("check_dir", "directory", "an asset directory path (str or Path)", directory))
    if config is not None and not all(hasattr(config, a) for a in ("cluster_name", "worker_pools")):
        from lokonb.config.loaders import not_a_model

        raise AssetModelError(not_a_model("check_dir", config) + " (or None to skip the model checks)")


def check_dir(directory: Path, *, config: Any | None = None, now: _dt.datetime | None = None) -> CheckResult:
    """Verify the asset tree in ``directory``; problems are collected, never raised."""
    if now is not None and not (isinstance(now, _dt.datetime) and now.tzinfo is not None):
        # expiry is compared with timezone-aware certificate dates
        raise AssetModelError(f"check_dir(): now must be a timezone-aware datetime (e.g. "
                              f"datetime.now(timezone.utc)) or None, got {now!r:.40}")
    _check_arguments(directory, config)
    root = resolve_root(directory)
    now = now or _dt.datetime.now(_dt.UTC)
    res = CheckResult()
    try:
        listing = json.loads((root / MANIFEST_LIST).read_text(encoding="utf-8"))
        files = listing["files"]
        expectations: dict[str, dict] = listing["certificates"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        res.problems.append(f"{MANIFEST_LIST}: unreadable manifest list ({exc.__class__.__name__}); "
                            "re-run `lokonb assets generate` to rewrite it")
        return res
    _check_files(root, files, res)
    owner = listing.get("cluster_name") if isinstance(listing, dict) else None
    other = config is not None and isinstance(owner, str) and owner and owner != getattr(config, "cluster_name", owner)
    if other:  # each SAN would differ, each with the advice to re-generate, which generate refuses for this dir
        res.problems.append(f"{root} holds the assets of cluster {owner!r} ({MANIFEST_LIST}); the definition is "
                            f"cluster {config.cluster_name!r}: check it with the definition of {owner!r}, or give "
                            f"{config.cluster_name!r} its own asset_dir")
    elif config is not None:
        _check_model(config, expectations, res)
    certs = _check_certificates(root, expectations, now, res)
    _check_service_account(root, res)
    if "ca" in certs:
        _check_kubeconfigs(root, certs["ca"], res, now)
    _check_tokens(root, res)
    return res


def _check_files(root: Path, files: list[dict], res: CheckResult) -> None:
    for entry in files:
        rel = entry["path"]
        path = root / rel
        if not path.is_file():
            res.problems.append(f"{rel}: listed in {MANIFEST_LIST} but missing")
            continue
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != entry.get("sha256"):
            res.problems.append(
                f"{rel}: content differs from {MANIFEST_LIST} (edited or corrupted); "
                "re-run `lokonb assets generate`"
            )
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            res.problems.append(
                f"{rel}: mode {mode:04o} lets others read it; expected 0600 (chmod 600 {path})"
            )
        res.checked.append(rel)


def _load(root: Path, name: str, res: CheckResult) -> CertKey | None:
    crt, key = root / "tls" / f"{name}.crt", root / "tls" / f"{name}.key"
    try:
        cert = load_cert(crt.read_bytes())
    except FileNotFoundError:
        res.problems.append(f"tls/{name}.crt: missing")
        return None
    except ValueError:
        res.problems.append(f"tls/{name}.crt: not a PEM certificate")
        return None
    try:
        pkey = load_private_key(key.read_bytes())
    except FileNotFoundError:
        res.problems.append(f"tls/{name}.key: missing")
        return None
    except (ValueError, TypeError):
        res.problems.append(f"tls/{name}.key: not an unencrypted PEM RSA private key")
        return None
    return CertKey(cert, pkey)


def _check_certificates(
    root: Path, expectations: dict[str, dict], now: _dt.datetime, res: CheckResult
) -> dict[str, CertKey]:
    loaded: dict[str, CertKey] = {}
    # CAs first (issuer null), then leaves, so chains can be checked.
    try:
        entries = sorted(expectations.items(), key=lambda kv: (kv[1].get("issuer") is not None, kv[0]))
        specs = {
            name: CertSpec(
                name,
                str(exp["common_name"]),
                exp.get("issuer"),
                tuple(exp.get("organizations", ())),
                tuple(exp.get("dns_names", ())),
                tuple(exp.get("ip_addresses", ())),
                tuple(exp.get("usages", ())),
            )
            for name, exp in entries
        }
    except (AttributeError, KeyError, TypeError):
        res.problems.append(
            f"{MANIFEST_LIST}: malformed certificate entries; re-run `lokonb assets generate`"
        )
        return loaded
    for name, spec in specs.items():
        pair = _load(root, name, res)
        if pair is None:
            continue
        loaded[name] = pair
        ca = loaded.get(spec.issuer) if spec.issuer else None
        if spec.issuer and ca is None:
            res.problems.append(f"tls/{name}.crt: its CA {spec.issuer} is missing or unreadable")
        for why in mismatches(spec, pair, ca.cert if ca else None):
            if why.startswith("not signed by") and ca is None:
                continue
            res.problems.append(f"tls/{name}.crt: {why}")
        if spec.issuer and ca is not None and not is_ca_cert(ca.cert):
            res.problems.append(f"tls/{spec.issuer}.crt: issuer of {name} is not a CA certificate")
        start, end = pair.cert.not_valid_before_utc, pair.cert.not_valid_after_utc
        if end <= now:
            res.problems.append(
                f"tls/{name}.crt: expired on {end:%Y-%m-%d %H:%M} UTC; run `lokonb assets generate --rotate`"
            )
        elif end - now < EXPIRY_WARNING:
            res.warnings.append(f"tls/{name}.crt: expires on {end:%Y-%m-%d %H:%M} UTC")
        if start > now + _dt.timedelta(minutes=5):
            res.problems.append(f"tls/{name}.crt: not valid before {start:%Y-%m-%d %H:%M} UTC (clock skew?)")
        if ca is not None and end > ca.cert.not_valid_after_utc:
            res.problems.append(
                f"tls/{name}.crt: outlives its CA {spec.issuer} "
                f"({end:%Y-%m-%d} > {ca.cert.not_valid_after_utc:%Y-%m-%d})"
            )
    return loaded


def _check_model(config: Any, expectations: dict[str, dict], res: CheckResult) -> None:
    from lokonb.assets.specs import all_specs

    for spec in all_specs(config):
        exp = expectations.get(spec.name)
        if exp is None:
            res.problems.append(
                f"tls/{spec.name}.crt: the cluster model needs it but the assets lack it "
                "(re-run `lokonb assets generate`)"
            )
            continue
        want = (sorted(spec.dns_names), sorted(spec.ip_addresses), spec.common_name)
        have = (sorted(exp.get("dns_names", [])), sorted(exp.get("ip_addresses", [])), exp.get("common_name"))
        if want != have:
            res.problems.append(
                f"tls/{spec.name}.crt: generated for a different model (SANs/CN "
                f"{have[0] + have[1]} vs {want[0] + want[1]}); re-run `lokonb assets generate`"
            )


def _check_service_account(root: Path, res: CheckResult) -> None:
    try:
        key = load_private_key((root / "tls/service-account.key").read_bytes())
        pub = serialization.load_pem_public_key((root / "tls/service-account.pub").read_bytes())
    except FileNotFoundError as exc:
        res.problems.append(f"tls/{Path(exc.filename).name}: missing")
        return
    except ValueError:
        res.problems.append("tls/service-account.{key,pub}: unreadable PEM")
        return
    if key.public_key().public_numbers() != pub.public_numbers():  # type: ignore[union-attr]
        res.problems.append("tls/service-account.pub: does not match tls/service-account.key")


def _check_kubeconfigs(root: Path, ca: CertKey, res: CheckResult, now: _dt.datetime) -> None:
    ca_pem = ca.cert_pem()
    for path in sorted((root / "auth").glob("*kubeconfig")):
        rel = path.relative_to(root).as_posix()
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
            cluster = doc["clusters"][0]["cluster"]
            user = doc["users"][0]["user"]
            current = doc["current-context"]
        except (OSError, ValueError, KeyError, IndexError, TypeError, yaml.YAMLError):
            res.problems.append(f"{rel}: not a kubeconfig with a cluster, a user and a current-context")
            continue
        if current not in {c.get("name") for c in doc.get("contexts", [])}:
            res.problems.append(f"{rel}: current-context {current!r} names no context")
        try:
            embedded = base64.b64decode(cluster["certificate-authority-data"]).decode()
        except (KeyError, ValueError):
            res.problems.append(f"{rel}: no certificate-authority-data")
            continue
        if embedded.strip() != ca_pem.strip():
            res.problems.append(f"{rel}: certificate-authority-data is not the cluster CA (tls/ca.crt)")
        if "client-certificate-data" in user:
            try:
                cert = load_cert(base64.b64decode(user["client-certificate-data"]))
                key = load_private_key(base64.b64decode(user["client-key-data"]))
            except (KeyError, ValueError):
                res.problems.append(f"{rel}: unreadable client certificate or key")
                continue
            from lokonb.assets.pki import signed_by

            if not key_matches(cert, key):
                res.problems.append(f"{rel}: client key does not match the client certificate")
            if not signed_by(cert, ca.cert):
                res.problems.append(f"{rel}: client certificate not signed by the cluster CA")
            if cert.not_valid_after_utc <= now:
                res.problems.append(
                    f"{rel}: client certificate expired on {cert.not_valid_after_utc:%Y-%m-%d %H:%M} UTC; "
                    "run `lokonb assets generate --rotate`"
                )
        elif "token" in user:
            if not TOKEN_RE.match(str(user["token"])):
                res.problems.append(f"{rel}: token is not a bootstrap token <id>.<secret>")
        else:
            res.problems.append(f"{rel}: user has neither a client certificate nor a token")


def _check_tokens(root: Path, res: CheckResult) -> None:
    path = root / "auth/bootstrap-tokens.yaml"
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        res.problems.append("auth/bootstrap-tokens.yaml: missing")
        return
    except yaml.YAMLError:
        res.problems.append("auth/bootstrap-tokens.yaml: not YAML")
        return
    if not isinstance(doc, dict):
        res.problems.append("auth/bootstrap-tokens.yaml: must map node roles to tokens")
        return
    ids = set()
    for role, value in doc.items():
        m = TOKEN_RE.match(str(value))
        if not m:
            res.problems.append(
                f"auth/bootstrap-tokens.yaml: token of {role} is malformed"
            )  # value never shown
        elif m.group(1) in ids:
            res.problems.append(f"auth/bootstrap-tokens.yaml: token id of {role} is used twice")
        else:
            ids.add(m.group(1))
