"""From a raw definition (plain data from YAML or an evaluated lokocfg) to a validated :class:`ClusterConfig`.

Steps: check every attribute's type and name (unknown names get a did-you-mean), fill defaults and derived
values, run the validation rules (``lokonb.config.rules``) over the resolved values, collect **all** issues, and
only then either raise :class:`ConfigValidationError` or build the immutable model.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lokonb.config import legacy
from lokonb.config.coerce import BadValue, convert, show
from lokonb.config.errors import ConfigValidationError, Issue
from lokonb.config.fields import (
    AWS_FIELDS,
    CLUSTER_FIELDS,
    DERIVED,
    OIDC_FIELDS,
    POOL_FIELDS,
    STATE_FIELDS,
    Field,
    names,
)
from lokonb.config.model import (
    AwsSettings,
    ClusterConfig,
    FrozenMap,
    OidcConfig,
    StateSettings,
    WorkerPool,
)

#: A raw location: the keys leading to a value in the source document, e.g. ("worker_pools", 1, "count").
RawPath = tuple[str | int, ...]
Locator = Callable[[RawPath], str | None]

#: Marks a value that failed its type check, so rules do not pile further errors on it. A source may also put it in
#: a :class:`RawDefinition` for a value it could not read and has already reported (a lokocfg expression error): the
#: attribute then counts as present (no "is required") and is skipped by the rules.
INVALID = object()


@dataclass
class RawDefinition:
    """Plain data of a cluster definition before validation, whatever the source format.

    ``cluster`` holds the cluster attributes with ``worker_pools`` as a list of mappings (each with ``name``) and
    ``oidc`` as a mapping (absent = no OIDC); ``aws`` and ``state`` hold lokonb's blocks. ``locate`` maps a raw path
    (prefixed with ``"cluster"``, ``"aws"`` or ``"state"``) to ``file:line`` when the source knows it.
    """

    cluster: Mapping[str, Any]
    aws: Mapping[str, Any] = field(default_factory=dict)
    state: Mapping[str, Any] = field(default_factory=dict)
    file: str | None = None
    locate: Locator = lambda _path: None
    issues: list[Issue] = field(default_factory=list)  # found while reading (e.g. lokocfg warnings)
    #: how the source format spells attribute names in "allowed:" lists (lokocfg: ``worker_pool`` blocks, whose
    #: ``name`` is the block label and so not an attribute); absent names are listed as they are
    spelling: Mapping[str, str | None] = field(default_factory=dict)
    #: the source is a lokocfg (HCL): suggestions are written as HCL, else as YAML
    hcl: bool = False


def key_path(base: str, key: str | int) -> str:
    """Join a display path: ``tags`` + ``"Owner"`` -> ``tags["Owner"]``, ``ssh_pubkeys`` + 1 -> ``ssh_pubkeys[1]``."""
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f'{base}["{key}"]'


def attr_path(base: str, name: str) -> str:
    return f"{base}.{name}" if base else name


def suggest(name: str, allowed: tuple[str, ...]) -> str:
    """``did you mean "x"?`` for a close match (difflib, cutoff 0.6), else the list of allowed names."""
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        return f'did you mean "{close[0]}"?'
    return "allowed: " + ", ".join(allowed)


#: Values longer than this are quoted shortened in messages.
LONG_VALUE = 120


class Collector:
    """Collects issues with display paths and sources."""

    def __init__(self, raw: RawDefinition) -> None:
        self.raw = raw
        self.issues: list[Issue] = list(raw.issues)

    def add(self, path: str, message: str, *, raw: RawPath = (), severity: str = "error",
            value: Any = None, allowed: str | None = None, rule: str = "") -> None:
        if isinstance(value, str) and len(value) > LONG_VALUE and repr(value) in message:
            # a pasted file or a runaway variable must not flood the terminal: quote its start and its size
            message = message.replace(repr(value), f"{value[:60]!r}... ({len(value):,} characters)")
        self.issues.append(Issue(
            path=path, message=message, severity=severity,
            value=None if value is None else show(value), allowed=allowed,
            source=self.raw.locate(raw) if raw else None, rule=rule,
        ))

    @property
    def has_errors(self) -> bool:
        return any(i.severity == "error" for i in self.issues)


def _check_block(col: Collector, data: Any, table: tuple[Field, ...], base: str, raw: RawPath,
                 *, skip: tuple[str, ...] = (), level: str = "") -> dict[str, Any]:
    """Type-check one block's attributes; returns name -> converted value (or INVALID). Unknown names reported,
    names of older Lokomotive releases and other platforms (``legacy``, by ``level``) with what to write now."""
    allowed = tuple(n for n in (col.raw.spelling.get(k, k) for k in names(table) + skip) if n)
    out: dict[str, Any] = {}
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        col.add(base or "(top level)", f"expected a block of attributes, got {show(data)}", raw=raw, rule="type")
        return {spec.name: INVALID for spec in table if spec.required}
    by_name = {f.name: f for f in table}
    for key, value in data.items():
        if key in skip:
            continue
        spec = by_name.get(key)
        path = attr_path(base, str(key))
        if spec is None:
            old = legacy.hint(level, str(key), None if value is INVALID else value, hcl=col.raw.hcl)
            if old is not None:
                col.add(path, old[1], raw=(*raw, key), rule=old[0])
            else:
                col.add(path, f"unknown attribute; {suggest(str(key), allowed)}", raw=(*raw, key), rule="unknown")
            continue
        if value is INVALID:  # the source already reported it (a lokocfg expression that failed to evaluate)
            out[key] = INVALID
            continue
        if value is None and spec.default is DERIVED:
            continue  # null = "use the derived default" (how to_dict() writes unset derived values)
        try:
            out[key] = _normalize(key, convert(spec.kind, value, nullable=spec.default is None and not spec.required))
        except BadValue as exc:
            item_path = path if exc.item is None else key_path(path, exc.item)
            item_raw = (*raw, key) if exc.item is None else (*raw, key, exc.item)
            col.add(item_path, str(exc), raw=item_raw, value=value, rule="type")
            out[key] = INVALID
    for spec in table:
        if spec.required and spec.name not in data:
            col.add(attr_path(base, spec.name), "is required", raw=raw, rule="required")
            out[spec.name] = INVALID
    return out


def _strip_items(value: Any) -> Any:
    """SSH keys without surrounding whitespace: a heredoc or YAML block scalar ends a key with newlines (lokoctl
    trims them too, so the key renders as one line)."""
    if isinstance(value, list | tuple):
        return type(value)(v.strip() if isinstance(v, str) else v for v in value)
    return value


#: Converted values cleaned up before validation, by attribute name (same at every level).
_NORMALIZERS = {"ssh_pubkeys": _strip_items}


def _normalize(name: str, value: Any) -> Any:
    clean = _NORMALIZERS.get(name)
    return value if clean is None else clean(value)


def _defaults(values: dict[str, Any], table: tuple[Field, ...]) -> dict[str, Any]:
    out = {}
    for spec in table:
        if spec.name in values:
            out[spec.name] = values[spec.name]
        elif spec.default is not DERIVED:
            out[spec.name] = spec.default
    return out


def default_asset_dir(cluster_name: Any) -> Path:
    """``asset_dir`` when the definition leaves it out: ``lokonb-assets/<cluster_name>``."""
    return Path("lokonb-assets") / (cluster_name if isinstance(cluster_name, str) else "cluster")


def pool_base(index: int, name: Any) -> str:
    """The display path of a pool: ``worker_pool["web"]``, or ``worker_pool[2]`` while it has no usable name."""
    return key_path("worker_pool", name) if isinstance(name, str) and name else key_path("worker_pool", index)


@dataclass
class Resolved:
    """Every block's attributes after type checks and defaults; the input of the validation rules."""

    cluster: dict[str, Any]
    pools: list[tuple[str, RawPath, dict[str, Any]]]  # (display base, raw path, attributes)
    oidc: dict[str, Any] | None
    aws: dict[str, Any]
    state: dict[str, Any]
    pools_reported: bool = False  # pools were given but none is usable, and the source said why (no V1 then)


def resolve(raw: RawDefinition, col: Collector) -> Resolved:
    """Type-check every block and fill defaults and derived values."""
    cluster_in = raw.cluster if isinstance(raw.cluster, Mapping) else {}
    c = _defaults(_check_block(col, raw.cluster, CLUSTER_FIELDS, "", ("cluster",),
                               skip=("worker_pools", "oidc"), level="cluster"), CLUSTER_FIELDS)
    valid_name = c.get("cluster_name") if isinstance(c.get("cluster_name"), str) else "cluster"
    if "asset_dir" not in c:
        c["asset_dir"] = default_asset_dir(valid_name)

    aws = _defaults(_check_block(col, raw.aws, AWS_FIELDS, "aws", ("aws",)), AWS_FIELDS)
    _resolve_region(col, raw, c, aws)
    if "waiter_scale" not in aws:
        aws["waiter_scale"] = 0.02 if aws.get("endpoint") == "embedded" else 1.0
    creds = c.get("creds_path")
    if aws.get("shared_credentials_file") is None and creds not in (None, INVALID):
        aws["shared_credentials_file"] = creds

    state = _defaults(_check_block(col, raw.state, STATE_FIELDS, "state", ("state",)), STATE_FIELDS)
    if state.get("backend") == "local" and "path" not in state and isinstance(c["asset_dir"], Path):
        state["path"] = c["asset_dir"] / "lokonb-state.json"
    if state.get("backend") == "s3" and "key" not in state:
        state["key"] = f"lokonb/{valid_name}.json"

    oidc = None
    # `oidc: {}` (Lokomotive's `oidc {}`) turns OIDC on; null/absent leaves it off.
    if cluster_in.get("oidc") not in (None, False):
        oidc = _defaults(_check_block(col, cluster_in["oidc"], OIDC_FIELDS, "oidc", ("cluster", "oidc"),
                                      level="oidc"), OIDC_FIELDS)
        if "issuer_url" not in oidc:
            oidc["issuer_url"] = f"https://dex.{valid_name}.{canonical_zone(c.get('dns_zone'))}"
    pools = _resolve_pools(col, cluster_in, c)
    # pool blocks the source could not read (a lokocfg's worker_pool label) were reported where they are
    reported = pools is None or any(i.severity == "error" and i.path.startswith("worker_pool") for i in raw.issues)
    return Resolved(cluster=c, pools=pools or [], oidc=oidc, aws=aws, state=state, pools_reported=reported)


def canonical_zone(zone: Any) -> Any:
    """``dns_zone`` as Route 53 names it, without the trailing dot (V20) and in lower case: DNS names are
    case-insensitive and Route 53 answers in lower case, so "Example.COM." kept as typed matched no public zone
    (and the derived OIDC issuer kept the dot). Anything but a string is left for the type check."""
    return zone.rstrip(".").lower() if isinstance(zone, str) else zone


def _resolve_region(col: Collector, raw: RawDefinition, c: dict[str, Any], aws: dict[str, Any]) -> None:
    cluster_has = isinstance(raw.cluster, Mapping) and "region" in raw.cluster
    aws_has = "region" in aws  # set in the aws block (and type-checked; null means "use region")
    if cluster_has and aws_has and c["region"] is not INVALID and aws["region"] is not INVALID \
            and c["region"] != aws["region"]:
        col.add("aws.region", f"{show(aws['region'])} differs from region {show(c['region'])}; "
                "set one of them, or the same value in both", raw=("aws", "region"), rule="region")
    if aws_has and not cluster_has:
        c["region"] = aws["region"]
    else:
        aws["region"] = c["region"]


def _resolve_pools(col: Collector, cluster_in: Mapping[str, Any], c: dict[str, Any]
                   ) -> list[tuple[str, RawPath, dict[str, Any]]] | None:
    """Each pool's (display base, raw path, attributes); None when pools were given but are unusable as a whole
    (reported here)."""
    pools_in = cluster_in.get("worker_pools", [])
    if pools_in is None:
        pools_in = []
    if not isinstance(pools_in, list):
        col.add("worker_pools", f"expected a list of worker pools, got {show(pools_in)}",
                raw=("cluster", "worker_pools"), rule="type")
        return None
    pools: list[tuple[str, RawPath, dict[str, Any]]] = []
    for i, data in enumerate(pools_in):
        name = data.get("name") if isinstance(data, Mapping) else None
        base = pool_base(i, name)
        raw = ("cluster", "worker_pools", i)
        p = _defaults(_check_block(col, data, POOL_FIELDS, base, raw, level="pool"), POOL_FIELDS)
        if "ssh_pubkeys" not in p or p["ssh_pubkeys"] == ():
            if "ssh_pubkeys" in p and c.get("ssh_pubkeys"):
                # lokoctl gave such a pool no keys at all: taking the cluster's grants access, so say it
                col.add(attr_path(base, "ssh_pubkeys"), "an empty list takes the cluster's ssh_pubkeys (lokoctl gave "
                        "the pool no keys)", severity="warning", raw=(*raw, "ssh_pubkeys"), rule="V12")
            p["ssh_pubkeys"] = c.get("ssh_pubkeys", ())
        for inherited in ("imds_v2_required", "metadata_hop_limit"):
            p.setdefault(inherited, c.get(inherited))
        for port, default in (("lb_http_port", 80), ("lb_https_port", 443)):
            if p.get(port) == 0:
                p[port] = default
        pools.append((base, raw, p))
    return pools


def _frozen(value: Any) -> Any:
    return FrozenMap(value) if isinstance(value, dict) else value


def build_model(r: Resolved) -> ClusterConfig:
    """Construct the immutable model from resolved, validated values."""
    pools = tuple(WorkerPool(**{k: _frozen(v) for k, v in p.items()}) for _b, _r, p in r.pools)
    oidc = OidcConfig(**r.oidc) if r.oidc is not None else None
    cluster = {k: _frozen(v) for k, v in r.cluster.items()}
    return ClusterConfig(**cluster, worker_pools=pools, oidc=oidc,
                         aws=AwsSettings(**r.aws), state=StateSettings(**r.state))


def validate_raw(raw: RawDefinition, *, environ: Mapping[str, str] | None = None
                 ) -> tuple[ClusterConfig, tuple[Issue, ...]]:
    """Validate a raw definition; return the model and its warnings, or raise with every issue."""
    from lokonb.config.rules import run_rules

    col = Collector(raw)
    resolved = resolve(raw, col)
    run_rules(resolved, col, environ=os.environ if environ is None else environ)
    if col.has_errors:
        raise ConfigValidationError(col.issues, file=raw.file)
    return build_model(resolved), tuple(col.issues)
