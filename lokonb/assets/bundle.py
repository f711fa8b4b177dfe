"""``load_or_generate``: reuse what exists in ``<asset_dir>/cluster-assets/``, generate what is missing.

Layout (Lokomotive's, relative to ``cluster-assets/``; every file 0600, directories 0700)::

    tls/<name>.crt|.key          CAs (ca, etcd-ca, aggregation-ca) and leaf certificates (see specs.py)
    tls/etcd/etcd<i>/{server,peer}.{crt,key}
    tls/service-account.{key,pub}
    auth/kubeconfig              admin kubeconfig
    auth/kubelet-<role>.kubeconfig
    auth/bootstrap-tokens.yaml   role -> <id>.<secret>
    bootstrap-manifests/*.yaml, manifests/*.yaml
    assets.json                  the manifest list: path, sha256, size, secret, purpose (never contents)

Reuse rules: a CA is regenerated only when missing, unreadable or ``rotate_cas``; a leaf when missing,
unreadable, ``rotate``, or when it no longer fits the model (SANs, subject, issuer after a CA change, usages).
Bootstrap tokens are kept (nodes launched later by an autoscaling group use them); new pools get new ones.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lokonb.assets import kubeconfig as kc
from lokonb.assets import manifests as mf
from lokonb.assets.errors import AssetError, AssetModelError
from lokonb.assets.pki import (
    CertKey,
    CertSpec,
    KeyPair,
    issue,
    load_cert,
    load_private_key,
    mismatches,
    new_key,
)
from lokonb.assets.specs import AGGREGATION_CA, ETCD_CA, KUBERNETES_CA, all_specs
from lokonb.assets.store import AssetStore
from lokonb.assets.tokens import BootstrapToken, new_token, parse_token, token_roles
from lokonb.errors import wrong_kind

log = logging.getLogger(__name__)

ASSET_SUBDIR = "cluster-assets"
MANIFEST_LIST = "assets.json"
TOKENS_FILE = "auth/bootstrap-tokens.yaml"
ADMIN_KUBECONFIG = "auth/kubeconfig"
#: CAs live ten years (kubeadm's choice) unless certificates are asked to live longer; leaves get
#: ``certs_validity_period_hours`` and never outlive their CA.
CA_MIN_VALIDITY = _dt.timedelta(days=3650)
EXPIRY_WARNING = _dt.timedelta(days=30)


@dataclass(frozen=True)
class GenerationReport:
    """What one ``load_or_generate`` call did (names and reasons only, never material)."""

    generated: tuple[str, ...] = ()
    reused: tuple[str, ...] = ()
    reasons: Mapping[str, str] = field(default_factory=dict)
    written: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


class ClusterAssets:
    """The cluster's PKI, kubeconfigs, bootstrap tokens and manifests; implements the Flatcar ``NodeAssets``.

    Every method returns text or bytes ready to place; secrets are returned, never logged, and ``repr`` shows
    only the cluster name and directory.
    """

    def __init__(
        self,
        config: Any,
        root: Path,
        certs: Mapping[str, CertKey],
        service_account: KeyPair,
        tokens: Mapping[str, BootstrapToken],
        report: GenerationReport,
    ) -> None:
        self.config = config
        self.root = root
        self._certs = dict(certs)
        self._sa = service_account
        self._tokens = dict(tokens)
        self.report = report
        self._manifests: dict[str, str] | None = None
        _register_tokens(self._tokens.values())

    def __repr__(self) -> str:
        return f"ClusterAssets(cluster={self.config.cluster_name!r}, root={str(self.root)!r})"

    __str__ = __repr__

    # -- NodeAssets ----------------------------------------------------------------------------------------
    def kubernetes_ca_pem(self) -> str:
        """The Kubernetes CA certificate (public)."""
        return self._certs[KUBERNETES_CA].cert_pem()

    def kubelet_kubeconfig(self, role: str) -> str:
        """Kubelet kubeconfig for ``controller`` or ``worker-<pool>`` (secret): a bootstrap-token kubeconfig
        with
        TLS bootstrap, else the shared kubelet client-certificate kubeconfig."""
        server = self.api_server_url
        if self.config.enable_tls_bootstrap:
            token = self._tokens.get(role)
            if token is None:
                raise AssetError(
                    f"no bootstrap token for node role {role!r}; known roles: "
                    f"{', '.join(sorted(self._tokens))}"
                )
            return kc.kubelet_bootstrap_kubeconfig(
                server=server, ca_pem=self.kubernetes_ca_pem(), token=token.value
            )
        if role not in token_roles(self.config):
            raise AssetError(f"unknown node role {role!r}; known: {', '.join(token_roles(self.config))}")
        kubelet = self._certs["kubelet"]
        return kc.kubelet_cert_kubeconfig(
            server=server,
            ca_pem=self.kubernetes_ca_pem(),
            cert_pem=kubelet.cert_pem(),
            key_pem=kubelet.key_pem(),
        )

    def etcd_tls_files(self, index: int) -> Mapping[str, str]:
        """etcd TLS files of controller ``index``, paths relative to ``/etc/ssl/etcd`` (keys are secret)."""
        if not 0 <= index < int(self.config.controller_count):
            raise AssetError(
                f"controller index {index} out of range 0..{int(self.config.controller_count) - 1}"
            )
        ca = self._certs[ETCD_CA].cert_pem()
        client = self._certs["etcd-client"]
        server = self._certs[f"etcd/etcd{index}/server"]
        peer = self._certs[f"etcd/etcd{index}/peer"]
        return {
            "etcd-client-ca.crt": ca,
            "etcd-client.crt": client.cert_pem(),
            "etcd-client.key": client.key_pem(),
            "etcd/server-ca.crt": ca,
            "etcd/server.crt": server.cert_pem(),
            "etcd/server.key": server.key_pem(),
            "etcd/peer-ca.crt": ca,
            "etcd/peer.crt": peer.cert_pem(),
            "etcd/peer.key": peer.key_pem(),
        }

    def bootkube_assets(self) -> Mapping[str, bytes]:
        """The asset tree for ``/opt/bootkube/assets/`` on controller-0, sorted by path.

        ``tls/`` is what bootkube copies to ``/etc/kubernetes/bootstrap-secrets`` for the temporary control
        plane (no etcd server/peer keys, no etcd or front-proxy CA keys: nothing there needs them).
        """
        files: dict[str, bytes] = {f"tls/{k}": v.encode() for k, v in self.control_plane_tls().items()}
        files["tls/bootstrap-kubeconfig"] = self._admin_kubeconfig("https://127.0.0.1:6443").encode()
        files["auth/kubeconfig"] = self.admin_kubeconfig().encode()
        files.update({p: t.encode() for p, t in self.manifests().items()})
        return dict(sorted(files.items()))

    # -- extras --------------------------------------------------------------------------------------------
    @property
    def api_server_url(self) -> str:
        return f"https://{self.config.cluster_name}.{self.config.dns_zone}:6443"

    @property
    def bootstrap_tokens(self) -> Mapping[str, BootstrapToken]:
        """Role -> token (``repr`` of a token shows its id only)."""
        return dict(self._tokens)

    def admin_kubeconfig(self) -> str:
        """Admin kubeconfig (``system:masters``) for the cluster endpoint (secret)."""
        return self._admin_kubeconfig(self.api_server_url)

    def _admin_kubeconfig(self, server: str) -> str:
        admin = self._certs["admin"]
        return kc.admin_kubeconfig(
            cluster_name=self.config.cluster_name,
            server=server,
            ca_pem=self.kubernetes_ca_pem(),
            cert_pem=admin.cert_pem(),
            key_pem=admin.key_pem(),
        )

    def control_plane_tls(self) -> dict[str, str]:
        """The TLS files the control plane reads, by file name (bootstrap-secrets / Secret keys)."""
        c = self._certs
        out = {
            "ca.crt": c[KUBERNETES_CA].cert_pem(),
            "ca.key": c[KUBERNETES_CA].key_pem(),
            "apiserver.crt": c["apiserver"].cert_pem(),
            "apiserver.key": c["apiserver"].key_pem(),
            "apiserver-kubelet-client.crt": c["apiserver-kubelet-client"].cert_pem(),
            "apiserver-kubelet-client.key": c["apiserver-kubelet-client"].key_pem(),
            "service-account.pub": self._sa.public_pem(),
            "service-account.key": self._sa.private_pem(),
            "etcd-client-ca.crt": c[ETCD_CA].cert_pem(),
            "etcd-client.crt": c["etcd-client"].cert_pem(),
            "etcd-client.key": c["etcd-client"].key_pem(),
        }
        if self.config.enable_aggregation:
            out["aggregation-ca.crt"] = c[AGGREGATION_CA].cert_pem()
            out["aggregation-client.crt"] = c["aggregation-client"].cert_pem()
            out["aggregation-client.key"] = c["aggregation-client"].key_pem()
        return out

    def manifests(self) -> Mapping[str, str]:
        """Control-plane and add-on manifests, path (relative to the bootkube asset dir) -> YAML text."""
        if self._manifests is None:
            ctx = mf.ManifestContext(
                self.config,
                self.control_plane_tls(),
                tuple(self._tokens[r] for r in token_roles(self.config)),
            )
            self._manifests = mf.render(ctx)
        return dict(self._manifests)

    def secret_references(self) -> list[dict[str, str]]:
        """Paths (relative to ``root``) and SHA-256 of every secret file: what a state record may hold
        (aws.md §6.1: references only, never values)."""
        listing = json.loads((self.root / MANIFEST_LIST).read_text(encoding="utf-8"))
        return [{"path": e["path"], "sha256": e["sha256"]} for e in listing["files"] if e["secret"]]

    def certificate(self, name: str) -> CertKey:
        """A certificate by spec name (``apiserver``, ``etcd/etcd0/server``, ``ca``...)."""
        return self._certs[name]


# ----------------------------------------------------------------------------------------------------------


def load_or_generate(
    config: Any, asset_dir: Path | None = None, *, rotate: bool = False, rotate_cas: bool = False
) -> ClusterAssets:
    """Load the cluster assets from ``<asset_dir>/cluster-assets/`` and generate what is missing.

    ``asset_dir`` defaults to ``config.asset_dir``. ``rotate`` re-issues every leaf certificate (CAs and
    their keys are kept, so nodes keep trusting them); ``rotate_cas`` also replaces the CAs and the
    service-account key (and hence every certificate). Writes only files whose content changed; all 0600.

    Raises :class:`~lokonb.assets.errors.AssetModelError` for a model that cannot produce assets and
    :class:`~lokonb.assets.errors.AssetError` for unreadable/unwritable files (both name the field or file).
    """
    if not hasattr(config, "certs_validity_period_hours") or not hasattr(config, "cluster_name"):
        from lokonb.config.loaders import not_a_model

        raise AssetModelError(not_a_model("load_or_generate", config))
    for name, flag in (("rotate", rotate), ("rotate_cas", rotate_cas)):
        # "no" or "false" is a true string: rotate_cas="no" replaced every CA, which no node then trusts
        if not isinstance(flag, bool):
            raise AssetModelError(f"load_or_generate(): {name} must be True or False, got {flag!r:.40}")
    if asset_dir is not None and not isinstance(asset_dir, str | os.PathLike):
        raise AssetModelError(wrong_kind("load_or_generate", "asset_dir", "a directory path (str or Path) or None",
                                         asset_dir))
    if asset_dir == "":  # Path("") is the current folder: the CA keys were written to ./cluster-assets
        raise AssetModelError("load_or_generate(): asset_dir is empty (give a directory path, or None for the "
                              "model's asset_dir)")
    base = Path(asset_dir if asset_dir is not None else config.asset_dir).expanduser()
    store = AssetStore(base / ASSET_SUBDIR)
    # one process at a time: two generating at once each kept its own new CAs in memory (and rendered nodes with
    # them) while only one set survived on disk, or a mix of both
    with store.locked():
        return _load_or_generate(config, store, rotate, rotate_cas)


def _load_or_generate(config: Any, store: AssetStore, rotate: bool, rotate_cas: bool) -> ClusterAssets:
    now = _dt.datetime.now(_dt.UTC)
    hours = int(config.certs_validity_period_hours)
    if hours <= 0:
        raise AssetModelError(f"certs_validity_period_hours must be > 0, got {hours}")
    leaf_validity = _dt.timedelta(hours=hours)
    ca_validity = max(leaf_validity, CA_MIN_VALIDITY)

    _refuse_other_cluster(store, config.cluster_name)
    generated: list[str] = []
    reused: list[str] = []
    reasons: dict[str, str] = {}
    warnings: list[str] = []
    certs: dict[str, CertKey] = {}
    changed: dict[str, CertKey] = {}

    specs = all_specs(config)
    for spec in specs:
        ca = certs.get(spec.issuer) if spec.issuer else None
        existing, why = _load_pair(store, spec)
        if existing is not None:
            if spec.is_ca and rotate_cas:
                why = "CA rotation requested"
            elif not spec.is_ca and (rotate or rotate_cas):
                why = "rotation requested"
            else:
                problems = mismatches(spec, existing, ca.cert if ca else None)
                why = "; ".join(problems) if problems else None
        if spec.is_ca and why is not None and not rotate_cas:
            _refuse_silent_ca_change(store, spec, why, specs)
        if existing is not None and why is None:
            certs[spec.name] = existing
            reused.append(spec.name)
            left = existing.cert.not_valid_after_utc - now
            if left <= _dt.timedelta(0):
                warnings.append(
                    f"{spec.name} expired on {existing.cert.not_valid_after_utc:%Y-%m-%d}; "
                    "regenerate with rotate=True (`lokonb assets generate --rotate`)"
                )
            elif left < EXPIRY_WARNING:
                warnings.append(f"{spec.name} expires on {existing.cert.not_valid_after_utc:%Y-%m-%d}")
            continue
        pair = issue(spec, validity=ca_validity if spec.is_ca else leaf_validity, ca=ca, now=now)
        certs[spec.name] = changed[spec.name] = pair
        generated.append(spec.name)
        reasons[spec.name] = why or "missing"
        log.info("generated %s (%s)", spec.name, reasons[spec.name])

    sa, sa_new = _service_account(store, rotate_cas)
    (generated if sa_new else reused).append("service-account")
    if sa_new:
        reasons["service-account"] = "CA rotation requested" if rotate_cas else "missing"

    tokens, tokens_changed = _tokens(store, config)
    for w in warnings:
        log.warning("%s", w)

    assets = ClusterAssets(
        config,
        store.root,
        certs,
        sa,
        tokens,
        GenerationReport(tuple(generated), tuple(reused), reasons, (), tuple(warnings)),
    )
    written = _write_all(store, assets, changed, sa if sa_new else None, tokens_changed)
    assets.report = GenerationReport(
        tuple(generated), tuple(reused), reasons, tuple(written), tuple(warnings)
    )
    return assets


def _refuse_other_cluster(store: AssetStore, cluster_name: str) -> None:
    """One asset directory per cluster: another cluster's CAs, tokens and service-account key must not be reused
    (its admin kubeconfig would work on this cluster), nor its certificates overwritten."""
    try:
        raw = store.read(MANIFEST_LIST)
        owner = json.loads(raw).get("cluster_name") if raw is not None else None
    except (AssetError, ValueError, AttributeError):
        return  # an unreadable listing is `assets check`'s finding (generate rewrites it); a bad dir fails below
    if isinstance(owner, str) and owner and owner != cluster_name:
        raise AssetError(f"{store.root} holds the assets of cluster {owner!r} ({MANIFEST_LIST}); this definition is "
                         f"cluster {cluster_name!r}: give each cluster its own asset_dir (--out), or move the "
                         "directory away to start this cluster afresh")


def _refuse_silent_ca_change(store: AssetStore, spec: CertSpec, why: str, specs: tuple[CertSpec, ...]) -> None:
    """A CA is replaced only with rotate_cas (README): a damaged or lost CA of a cluster that has certificates
    is an error, since a new CA makes every node and kubeconfig distrust the cluster. A first run (no CA and none
    of its certificates yet) generates it."""
    issued = [s.name for s in specs if s.issuer == spec.name and store.read(f"tls/{s.name}.crt") is not None]
    if why == "missing" and not issued:
        return
    lost = f" while {len(issued)} certificate(s) it signed exist (tls/{issued[0]}.crt ...)" if why == "missing" else ""
    raise AssetError(
        f"CA {spec.name} (tls/{spec.name}.crt and .key under {store.root}): {why}{lost}. A new CA would make every "
        f"node and kubeconfig of the cluster distrust it: restore tls/{spec.name}.crt and tls/{spec.name}.key from a "
        "backup (or the S3 state's secrets), or replace the CAs on purpose with `lokonb assets generate "
        "--rotate-cas` (rotate_cas=True; every node then needs new configs)")


def _load_pair(store: AssetStore, spec: CertSpec) -> tuple[CertKey | None, str | None]:
    cert_data, key_data = store.read(f"tls/{spec.name}.crt"), store.read(f"tls/{spec.name}.key")
    if cert_data is None and key_data is None:
        return None, "missing"
    if cert_data is None or key_data is None:
        return None, f"tls/{spec.name}.{'crt' if cert_data is None else 'key'} missing"
    try:
        # CA keys sign everything: fully validated. Leaf keys: their public half is compared with the
        # certificate by mismatches(); skipping the slow RSA check keeps reuse fast (every render/apply).
        return CertKey(load_cert(cert_data), load_private_key(key_data, validate=spec.is_ca)), None
    except (ValueError, TypeError):  # TypeError: an encrypted key (lokonb never writes one)
        return None, "unreadable PEM (not a certificate and an unencrypted RSA key)"


def _service_account(store: AssetStore, rotate_cas: bool) -> tuple[KeyPair, bool]:
    data = store.read("tls/service-account.key")
    if data is not None and not rotate_cas:
        try:
            return KeyPair(load_private_key(data)), store.read("tls/service-account.pub") is None
        except (ValueError, TypeError):
            # a new key would invalidate every service-account token of the cluster: only with rotate_cas
            raise AssetError(f"{store.root}/tls/service-account.key is not a readable unencrypted RSA key; restore "
                             "it from a backup, or replace it on purpose with `lokonb assets generate "
                             "--rotate-cas` (rotate_cas=True)") from None
    if data is None and not rotate_cas and store.read("tls/service-account.pub") is not None:
        raise AssetError(f"{store.root}/tls/service-account.key is missing but service-account.pub exists; restore "
                         "the key from a backup, or replace it on purpose with `lokonb assets generate "
                         "--rotate-cas` (rotate_cas=True)")
    return KeyPair(new_key()), True


def _register_tokens(tokens: Iterable[BootstrapToken]) -> None:
    """Bootstrap tokens are credentials (a node joins with one) that match no secret pattern once outside a
    kubeconfig (``abcdef.0123456789abcdef`` in an API error, a manifest, a kubelet log): the scrubber learns them
    (``<id>.<secret>`` and the secret alone) as it learns the kubeconfig's tokens."""
    from lokonb.notebook.redact import register_secret

    register_secret([t.value for t in tokens], [t.token_secret for t in tokens])


def _tokens(store: AssetStore, config: Any) -> tuple[dict[str, BootstrapToken], bool]:
    raw = store.read(TOKENS_FILE)
    stored: dict[str, str] = {}
    if raw is not None:
        try:
            loaded = yaml.safe_load(raw) or {}
        except yaml.YAMLError:
            raise AssetError(
                f"{store.path(TOKENS_FILE)} is not valid YAML; fix or delete it "
                "(deleting issues new bootstrap tokens)"
            ) from None
        if not isinstance(loaded, dict):
            raise AssetError(f"{store.path(TOKENS_FILE)} must map node roles to tokens")
        stored = {str(k): str(v) for k, v in loaded.items()}
    tokens: dict[str, BootstrapToken] = {}
    changed = False
    for role in token_roles(config):
        if role in stored:
            try:
                tokens[role] = parse_token(role, stored[role])
                continue
            except ValueError as exc:
                raise AssetError(f"{store.path(TOKENS_FILE)}: {exc}") from None
        tokens[role] = new_token(role)
        changed = True
        log.info("generated bootstrap token for %s (id %s)", role, tokens[role].token_id)
    if set(stored) - set(tokens):
        changed = True
    return tokens, changed


def _write_all(
    store: AssetStore,
    assets: ClusterAssets,
    changed: Mapping[str, CertKey],
    sa: KeyPair | None,
    tokens_changed: bool,
) -> list[str]:
    files: dict[str, bytes] = {}
    for name, pair in changed.items():
        files[f"tls/{name}.crt"] = pair.cert_pem().encode()
        files[f"tls/{name}.key"] = pair.key_pem().encode()
    if sa is not None:
        files["tls/service-account.key"] = sa.private_pem().encode()
        files["tls/service-account.pub"] = sa.public_pem().encode()
    if tokens_changed:
        tokens = assets.bootstrap_tokens
        files[TOKENS_FILE] = yaml.safe_dump({r: tokens[r].value for r in tokens}, sort_keys=False).encode()
    files[ADMIN_KUBECONFIG] = assets.admin_kubeconfig().encode()
    for role in token_roles(assets.config):
        files[f"auth/kubelet-{role}.kubeconfig"] = assets.kubelet_kubeconfig(role).encode()
    manifests = assets.manifests()
    files.update({p: t.encode() for p, t in manifests.items()})
    # Stale generated manifests (a component switched off) go; key material is never deleted here.
    for under in ("bootstrap-manifests", "manifests"):
        for rel in store.list(under):
            if rel not in manifests:
                store.remove(rel)
                log.info("removed stale %s", rel)
    written = [rel for rel, data in sorted(files.items()) if store.write(rel, data)]
    store.write(
        MANIFEST_LIST, json.dumps(manifest_list(store, assets), indent=2, sort_keys=True).encode() + b"\n"
    )
    for rel in written:
        log.debug("wrote %s", rel)
    return written


def manifest_list(store: AssetStore, assets: ClusterAssets) -> dict:
    """The manifest list: every current file with its digest, size and whether it is secret."""
    secret_manifests = mf.secret_paths()
    entries = []
    for rel in _current_files(assets):
        data = store.read(rel)
        if data is None:
            continue
        is_secret = rel.endswith(".key") or rel.startswith("auth/") or secret_manifests.get(rel, False)
        entries.append(
            {
                "path": rel,
                "sha256": hashlib.sha256(data).hexdigest(),
                "bytes": len(data),
                "secret": bool(is_secret),
                "mode": "0600",
            }
        )
    return {
        "format": 1,
        "cluster_name": assets.config.cluster_name,
        "files": entries,
        "certificates": {
            s.name: _expectation(s, assets.certificate(s.name)) for s in all_specs(assets.config)
        },
    }


def _expectation(spec: CertSpec, pair: CertKey) -> dict:
    """What ``lokonb assets check`` verifies a certificate file against (public data only)."""
    return {
        "issuer": spec.issuer,
        "common_name": spec.common_name,
        "organizations": list(spec.organizations),
        "dns_names": list(spec.dns_names),
        "ip_addresses": list(spec.ip_addresses),
        "usages": list(spec.usages),
        "purpose": spec.purpose,
        "not_after": pair.cert.not_valid_after_utc.isoformat(),
    }


def _current_files(assets: ClusterAssets) -> list[str]:
    names = [s.name for s in all_specs(assets.config)]
    files = [f"tls/{n}.{ext}" for n in names for ext in ("crt", "key")]
    files += ["tls/service-account.key", "tls/service-account.pub", TOKENS_FILE, ADMIN_KUBECONFIG]
    files += [f"auth/kubelet-{r}.kubeconfig" for r in token_roles(assets.config)]
    files += list(assets.manifests())
    return sorted(files)
