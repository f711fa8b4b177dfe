"""Render every node role of a cluster: templates + user snippets → validated Ignition (flatcar.md §6–§10).

Roles are ``controller-<i>`` (one per controller: etcd name and certificates differ) and ``worker-<pool>``
(every
instance of a pool boots the same config). Output is deterministic: same model, assets and snippets → same
bytes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lokonb.errors import ConfigError, kind_name, wrong_kind
from lokonb.flatcar import variables as V
from lokonb.flatcar.assets import NodeAssets
from lokonb.flatcar.butane import order3, translate_butane_root
from lokonb.flatcar.clc import boot_conversion_warnings
from lokonb.flatcar.delivery import USER_DATA_LIMIT, Delivery, plan_delivery, sha512_hex
from lokonb.flatcar.downgrade import downgrade_to_23
from lokonb.flatcar.encoding import data_url_base64, escape_bytes
from lokonb.flatcar.errors import InputTypeError, RenderError, TemplateError, require_files_dir
from lokonb.flatcar.gojson import dumps
from lokonb.flatcar.merge import append_2x, merge_3x
from lokonb.flatcar.template import fill
from lokonb.flatcar.translator import TARGETS, to_target, translate
from lokonb.flatcar.validate import Finding, external_check, validate_config

#: ct platform used for CLC snippets on AWS (placeholders such as {PRIVATE_IPV4} need it).
PLATFORM = "ec2"
#: Flatcar release that moved to Ignition v2 (spec 3.x).
FIRST_SPEC3_RELEASE = 3185
DEFAULT_TARGET = "3.3.0"  # flatcar.md §2: Flatcar >= 3185 (Ignition v2.13, max spec 3.3.0)
BOOTKUBE_DIR = "/opt/bootkube/assets/"
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()")
_DELETE_UNRESERVED = bytes(sorted(_UNRESERVED))


def _package_version() -> str:
    from lokonb import __version__

    return __version__


def encode_plain(data: bytes) -> str:
    """Butane's shortest encoding without gzip (node renders must be reproducible across zlib builds)."""
    unsafe = len(data.translate(None, _DELETE_UNRESERVED))
    percent_len = len("data:,") + len(data) + 2 * unsafe
    b64_len = len("data:;base64,") + 4 * ((len(data) + 2) // 3)
    return data_url_base64(data) if b64_len < percent_len else "data:," + escape_bytes(data)


# ---------------------------------------------------------------------------------------------- results


@dataclass
class RoleConfig:
    """One rendered role: its config, bytes, secrets, provenance and findings."""

    role: str
    spec: str
    # The config and its bytes may hold keys and tokens: never part of repr() (logs, notebook outputs).
    config: dict[str, Any] = field(repr=False)
    cluster_name: str = ""
    instances: int = 1
    secret_paths: tuple[str, ...] = ()
    provenance: dict[str, str] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)
    compact: bytes = field(default=b"", repr=False)
    pretty: bytes = field(default=b"", repr=False)

    def __post_init__(self) -> None:
        if not self.compact:
            self.compact = dumps(self.config).encode("utf-8")
        if not self.pretty:
            self.pretty = (dumps(self.config, pretty=True) + "\n").encode("utf-8")

    @property
    def size(self) -> int:
        return len(self.compact)

    @property
    def sha512(self) -> str:
        return sha512_hex(self.compact)

    @property
    def secret(self) -> bool:
        return bool(self.secret_paths)

    def delivery(self, *, bucket: str, prefix: str = "", policy: str = "auto", **kw: Any) -> Delivery:
        return plan_delivery(
            self, bucket=bucket, prefix=prefix, policy=policy, cluster_name=self.cluster_name, **kw
        )


def default_bucket(cluster_name: str) -> str:
    """Placeholder bucket name used for size figures when the AWS layer has not named the bucket yet."""
    return f"lokonb-{cluster_name}-00000000"


@dataclass
class ClusterRender:
    """Every role of a cluster, in order: controllers, then worker pools."""

    cluster_name: str
    spec: str
    roles: dict[str, RoleConfig]
    findings: list[Finding] = field(default_factory=list)
    package_version: str = field(default_factory=_package_version)
    bucket: str | None = None
    prefix: str = ""
    policy: str = "auto"

    def role(self, name: str) -> RoleConfig:
        try:
            return self.roles[name]
        except KeyError:
            raise KeyError(f"no role {name!r}; roles: {', '.join(self.roles)}") from None

    def deliveries(self) -> dict[str, Delivery]:
        bucket = self.bucket or default_bucket(self.cluster_name)
        return {
            name: rc.delivery(bucket=bucket, prefix=self.prefix, policy=self.policy)
            for name, rc in self.roles.items()
        }

    def summary(self) -> list[dict[str, Any]]:
        """Per role: spec, size, user-data size, limit, percent, delivery, secret, instances, findings."""
        rows = []
        for name, d in self.deliveries().items():
            rc = self.roles[name]
            row = d.row()
            row.update(
                instances=rc.instances,
                errors=sum(f.severity == "error" for f in rc.findings),
                warnings=sum(f.severity == "warning" for f in rc.findings),
                files=len((rc.config.get("storage") or {}).get("files") or []),
                units=len((rc.config.get("systemd") or {}).get("units") or []),
                sha512=rc.sha512[:16],
            )
            rows.append(row)
        return rows

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.summary())

    def findings_frame(self) -> Any:
        import pandas as pd

        cols = ["role", "severity", "validator", "path", "message", "source", "line", "column"]
        return pd.DataFrame([{c: getattr(f, c) for c in cols} for f in self.findings], columns=cols)

    @property
    def ok(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Write ``<role>.ign`` (pretty, mode 0600) and ``manifest.json``; return the directory."""
        from lokonb.flatcar.diff import content_hashes

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        manifest: dict[str, Any] = {
            "package_version": self.package_version,
            "cluster_name": self.cluster_name,
            "spec": self.spec,
            "roles": {},
        }
        deliveries = self.deliveries()
        for name, rc in self.roles.items():
            path = out / f"{name}.ign"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(rc.pretty)
            os.chmod(path, 0o600)
            manifest["roles"][name] = {
                "spec": rc.spec,
                "size": rc.size,
                "sha512": rc.sha512,
                "delivery": deliveries[name].mode,
                "instances": rc.instances,
                "secret_paths": list(rc.secret_paths),
                "provenance": rc.provenance,
                "content": content_hashes(rc.config),
            }
        (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=False) + "\n", "utf-8")
        return out

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> ClusterRender:
        """Read a directory written by :meth:`save`."""
        d = Path(directory)
        if not d.is_dir():
            raise ConfigError(f"{d}: no such render directory (`lokonb flatcar render CONFIG --out {d}` writes one)")
        try:
            manifest = json.loads((d / "manifest.json").read_text("utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{d}: not a saved render (it has no manifest.json)") from None
        except OSError as exc:
            raise ConfigError(f"{d}: not a saved render (manifest.json unreadable: {exc.strerror or exc})") from None
        except ValueError as exc:
            raise ConfigError(f"{d}: not a saved render (manifest.json is not JSON: {exc})") from None
        try:
            roles = {}
            for name, meta in manifest["roles"].items():
                _check_saved_role(d, name, meta)
                roles[name] = RoleConfig(
                    name,
                    meta["spec"],
                    _load_ign(d / f"{name}.ign"),
                    manifest["cluster_name"],
                    meta.get("instances", 1),
                    tuple(meta.get("secret_paths", ())),
                    dict(meta.get("provenance", {})),
                )
            return cls(
                manifest["cluster_name"], manifest["spec"], roles, [], manifest.get("package_version", "?")
            )
        except (KeyError, TypeError, AttributeError) as exc:  # a manifest of another shape (edited, truncated)
            missing = f"no {exc}" if isinstance(exc, KeyError) else "fields of the wrong type"
            raise ConfigError(f"{d}: not a saved render (manifest.json has {missing}; "
                              f"`lokonb flatcar render CONFIG --out {d}` writes one)") from None


def _load_ign(path: Path) -> dict[str, Any]:
    """One saved ``<role>.ign``; a missing or damaged file names itself."""
    try:
        config = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the saved config: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: the saved config is not JSON ({exc})") from None
    if not isinstance(config, dict):
        raise ConfigError(f"{path}: the saved config holds {kind_name(config, document=True)}, not an Ignition object")
    for where, problem in _saved_shape_problems(config):
        raise ConfigError(f"{path}: the saved config has {where} {problem} (edited by hand? render it again)")
    return config


_ROLE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*\Z")

# the parts of a saved config that diff walks: (parent path, key, each item must be an object)
_SAVED_SHAPE: tuple[tuple[tuple[str, ...], str, bool], ...] = (
    ((), "storage", False), (("storage",), "files", True), (("storage",), "directories", True),
    (("storage",), "links", True), ((), "systemd", False), (("systemd",), "units", True), ((), "passwd", False),
    (("passwd",), "users", True), (("passwd",), "groups", True),
)


def _saved_shape_problems(config: dict[str, Any]) -> list[tuple[str, str]]:
    """Lists of objects where diff expects them (a string or a number there crashed the diff)."""
    out = []
    for parent_path, key, is_list in _SAVED_SHAPE:
        parent: Any = config
        for part in parent_path:
            parent = parent.get(part) if isinstance(parent, dict) else None
        value = parent.get(key) if isinstance(parent, dict) else None
        where = "$." + ".".join((*parent_path, key))
        if value is None:
            continue
        if not is_list:
            if not isinstance(value, dict):
                out.append((where, f"{kind_name(value, document=True)}, expected an object"))
            continue
        if not isinstance(value, list):
            out.append((where, f"{kind_name(value, document=True)}, expected a list of objects"))
            continue
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                out.append((f"{where}.{i}", f"{kind_name(item, document=True)}, expected an object"))
            elif key == "units" and not all(isinstance(d, dict) for d in item.get("dropins") or []):
                out.append((f"{where}.{i}.dropins", "an entry that is not an object"))
    return out


def _check_saved_role(d: Path, name: Any, meta: Any) -> None:
    """A role name is a file name inside the render (``../x`` read outside it); secret paths a list, since a
    string would be searched by substring and leave secret files unredacted in the diff."""
    if not isinstance(name, str) or not _ROLE_NAME.match(name):
        raise ConfigError(f"{d}: not a saved render (manifest.json role {name!r} is not a role name such as "
                          "controller-0 or worker-web; `lokonb flatcar render CONFIG --out DIR` writes one)")
    paths = meta.get("secret_paths", []) if isinstance(meta, dict) else []
    if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
        raise ConfigError(f"{d}: not a saved render (manifest.json roles[{name!r}].secret_paths must be a list of "
                          "paths; render it again)")


# ---------------------------------------------------------------------------------------------- rendering


def _template_config(name: str, variables: dict[str, Any]) -> tuple[dict[str, Any], set[str]]:
    filled = fill(name, variables, V.SECRET_VARIABLES)
    t = translate_butane_root(filled.root, auto_compress=False)
    if t.config is None:
        raise TemplateError(f"template {name}.bu does not translate: {t.format_report('raw').strip()}")
    cfg = t.config
    secret = set()
    files = (cfg.get("storage") or {}).get("files") or []
    for path in filled.secret_paths:
        if len(path) >= 3 and path[:2] == ("storage", "files") and isinstance(path[2], int):
            secret.add(files[path[2]]["path"])
    return cfg, secret


def _is_secret_asset(rel: str, data: bytes) -> bool:
    return (
        rel.endswith(".key")
        or "kubeconfig" in rel
        or b"PRIVATE KEY" in data
        or b"kind: Secret" in data
        or b"token:" in data
    )


def _bootkube_files(assets: NodeAssets) -> tuple[list[dict[str, Any]], set[str]]:
    files, secret = [], set()
    for rel, data in sorted(assets.bootkube_assets().items()):
        if isinstance(data, str):
            data = data.encode("utf-8")
        parts = rel.split("/")
        if rel.startswith("/") or ".." in parts or not rel:
            raise TemplateError(f"bootkube asset path {rel!r} must be relative and stay under {BOOTKUBE_DIR}")
        path = BOOTKUBE_DIR + rel
        files.append(
            {
                "group": {"name": "root"},
                "overwrite": True,
                "path": path,
                "user": {"name": "root"},
                "contents": {"compression": "", "source": encode_plain(data)},
                "mode": 0o600,
            }
        )
        if _is_secret_asset(rel, data):
            secret.add(path)
    return files, secret


def _pinned_versions(model: Any) -> list[tuple[str, str]]:
    """(field, version) of every pinned Flatcar version: the controllers' and each pool's own (a pool does not
    inherit the cluster's ``os_version``, aws.md §2.3), since each boots the target spec with its own Ignition."""
    out = [("os_version", str(getattr(model, "os_version", "current") or "current"))]
    out += [
        (f"worker_pool.{p.name}.os_version", str(getattr(p, "os_version", "current") or "current"))
        for p in getattr(model, "worker_pools", ())
    ]
    return [(name, version) for name, version in out if version != "current"]


def _check_target(model: Any, target: str, findings: list[Finding]) -> None:
    errors = []
    for name, version in _pinned_versions(model):
        try:
            major = int(version.split(".")[0])
        except ValueError:
            continue
        if major < FIRST_SPEC3_RELEASE and target != "2.3.0":
            errors.append(
                f"ignition_spec: Flatcar {version} ({name}) runs Ignition v0.3x (max spec 2.3.0); set "
                f'ignition_spec: "2.3.0" or use Flatcar >= {FIRST_SPEC3_RELEASE}.0.0 (got {target})'
            )
        if major >= FIRST_SPEC3_RELEASE and target == "2.3.0":
            findings.append(
                Finding(
                    "warning",
                    f"Flatcar {version} ({name}) converts spec 2.3.0 at boot; some valid 2.3.0 "
                    "configs fail that conversion (use 3.3.0)",
                    None,
                    "semantic",
                )
            )
    if errors:
        raise ConfigError("\n".join(errors))


def _snippets(model: Any, role: str) -> list[tuple[str, str]]:
    if role.startswith("controller-"):
        items = tuple(getattr(model, "controller_clc_snippets", ()) or ())
        return [(f"controller_clc_snippets[{i}]", s) for i, s in enumerate(items)]
    pool = model.pool(role[len("worker-") :])
    items = tuple(getattr(pool, "clc_snippets", ()) or ())
    return [(f"worker_pool.{pool.name}.clc_snippets[{i}]", s) for i, s in enumerate(items)]


def _snippet_text(item: Any) -> tuple[str, str | None]:
    """A snippet is its text; a ``Path``, an object with ``path``/``text`` or a string with ``path`` (what lokocfg's
    ``file()`` returns) also names its file."""
    if isinstance(item, Path):
        return item.read_text("utf-8"), str(item)
    if isinstance(item, str):
        return str(item), getattr(item, "path", None)
    text = getattr(item, "text", None)
    if text is not None:
        return text, getattr(item, "path", None)
    return str(item), None


def _node_paths(cfg: dict[str, Any]) -> list[tuple[str, str]]:
    st = cfg.get("storage") or {}
    return [
        (kind, e.get("path", "")) for kind in ("directories", "files", "links") for e in st.get(kind) or []
    ]


def _apply_snippets(
    role: str,
    cfg: dict[str, Any],
    spec: str,
    snippets: list[tuple[str, Any]],
    provenance: dict[str, str],
    findings: list[Finding],
    files_dir: str | None,
    filesystem_paths: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    owners: dict[str, str] = {}
    for label, item in snippets:
        text, fname = _snippet_text(item)
        source = f"{label} ({fname})" if fname else label
        t = translate(
            text, target=spec, platform=PLATFORM, files_dir=files_dir, filesystem_paths=filesystem_paths
        )
        for e in t.report:
            message = e.message
            if files_dir is None and "--files-dir" in message:
                # ct's/butane's advice names a flag that `flatcar render` and `cluster apply` do not have
                message += ("; a cluster render has no files directory: put the file's text under "
                            "contents.inline in the snippet")
            findings.append(
                Finding(
                    e.kind if e.kind in ("error", "warning") else "info",
                    message,
                    e.path,
                    "snippet",
                    role,
                    spec,
                    source,
                    e.line,
                    e.column if e.column is not None else e.hint_column,
                )
            )
        if t.config is None:
            if not t.errors:
                findings.append(
                    Finding("error", "snippet could not be translated", None, "snippet", role, spec, source)
                )
            continue
        snip = t.config
        if ((snip.get("ignition") or {}).get("config") or {}).get("replace"):
            findings.append(
                Finding(
                    "error",
                    "a snippet must not set ignition.config.replace: it would discard the "
                    "node config at boot (use merge/append)",
                    "$.ignition.config.replace",
                    "snippet",
                    role,
                    spec,
                    source,
                )
            )
            continue
        for _kind, path in _node_paths(snip):
            if path in owners:
                # snippets merge in list order (§6.5): the later one's entry is merged over the earlier one's
                findings.append(
                    Finding("info", f"{source} overrides {path} from {owners[path]}", None, "snippet", role, spec,
                            source)
                )
            owners[path] = source

        def overridden(kind: str, key: str, source: str = source) -> None:
            if any(
                provenance.get(f"{k}:{key}") == "template"
                for k in ("file", "directory", "link", "unit", "user", "group")
            ):
                findings.append(
                    Finding(
                        "info",
                        f"{source} overrides {kind} {key} from the template",
                        None,
                        "snippet",
                        role,
                        spec,
                        source,
                    )
                )

        if spec.startswith("2."):
            warnings: list[str] = []
            cfg = append_2x(cfg, snip, warnings=warnings)
            for w in warnings:
                findings.append(Finding("warning", w, "$.ignition.config", "snippet", role, spec, source))
        else:
            cfg = merge_3x(cfg, snip, on_override=overridden)
        for kind, path in _node_paths(snip):
            provenance[f"{kind[:-1] if kind != 'directories' else 'directory'}:{path}"] = source
        for u in (snip.get("systemd") or {}).get("units") or []:
            provenance[f"unit:{u.get('name')}"] = source
    return cfg


def _merged_boot_warnings(role: str, cfg: dict[str, Any], fs_paths: Mapping[str, str] | None) -> list[Finding]:
    """2.3.0: snippets are appended (spec-2 rules), so a path set by the template and a snippet, or by two snippets,
    is in the config twice; Flatcar >= 3185 then fails its boot-time conversion to spec 3. Say which paths."""
    storage = cfg.get("storage") or {}

    def named(match: re.Match[str]) -> str:
        kind, index = match.group(1), int(match.group(2))
        entries = storage.get(kind) or []
        path = entries[index].get("path") if index < len(entries) else None
        return f"{match.group(0)} ({path})" if path else match.group(0)

    return [
        Finding("warning", f"merged with its snippets, {_JSON_ENTRY.sub(named, e.message)}; set each path in one "
                "place (a snippet cannot replace a template file in a 2.3.0 config)", e.path, "semantic", role, "2.3.0")
        for e in boot_conversion_warnings(cfg, filesystem_paths=fs_paths)
    ]


_JSON_ENTRY = re.compile(r"\$\.storage\.(files|directories|links)\.(\d+)")


def _order_2x(cfg: dict[str, Any]) -> dict[str, Any]:
    out = {k: cfg[k] for k in ("ignition", "networkd", "passwd", "storage", "systemd") if k in cfg}
    st = out.get("storage") or {}
    out["storage"] = {
        k: st[k] for k in ("directories", "disks", "files", "filesystems", "links", "raid") if k in st
    }
    pw = out.get("passwd") or {}
    out["passwd"] = {k: pw[k] for k in ("groups", "users") if k in pw}
    return out


def _render_role(
    model: Any,
    role: str,
    index: int | None,
    pool: Any,
    assets: NodeAssets,
    target: str,
    use_snippets: bool,
    files_dir: str | None,
) -> RoleConfig:
    ca = assets.kubernetes_ca_pem()
    if index is not None:
        kubeconfig = assets.kubelet_kubeconfig("controller")
        variables = V.controller_variables(model, index, kubeconfig, ca, assets.etcd_tls_files(index))
        parts = ["common", "controller"] + (["bootkube"] if index == 0 else [])
        instances = 1
    else:
        kubeconfig = assets.kubelet_kubeconfig(role)
        variables = V.worker_variables(model, pool, kubeconfig, ca)
        parts = ["common", "worker"]
        instances = int(getattr(pool, "count", 1))
    cfg: dict[str, Any] | None = None
    secret: set[str] = set()
    for part in parts:
        part_cfg, part_secret = _template_config(part, variables)
        secret |= part_secret
        cfg = part_cfg if cfg is None else merge_3x(cfg, part_cfg)
    assert cfg is not None
    if index == 0:
        files, asset_secret = _bootkube_files(assets)
        if files:
            cfg = merge_3x(cfg, {"storage": {"files": files}})
        secret |= asset_secret
    provenance = {
        f"{k[:-1] if k != 'directories' else 'directory'}:{p}": "template" for k, p in _node_paths(cfg)
    }
    provenance.update(
        {f"unit:{u['name']}": "template" for u in (cfg.get("systemd") or {}).get("units") or []}
    )
    if target == "2.3.0":
        cfg = downgrade_to_23(cfg)
    elif target != "3.3.0":
        cfg = to_target(cfg, "3.3.0", target)
    findings: list[Finding] = []
    if use_snippets:
        # model.filesystem_paths (optional): mount path per CLC filesystem name, for 2.x → 3.x
        fs_paths = getattr(model, "filesystem_paths", None)
        cfg = _apply_snippets(
            role, cfg, target, _snippets(model, role), provenance, findings, files_dir, fs_paths
        )
        if target == "2.3.0":
            findings.extend(_merged_boot_warnings(role, cfg, fs_paths))
    cfg = _order_2x(cfg) if target == "2.3.0" else order3(cfg)
    # A template secret stays secret while its path is in the config: a snippet may set only the mode (3.x keeps
    # the template's contents) or, in 2.3.0, add a second entry after the template's (both are delivered).
    kept = {path for _kind, path in _node_paths(cfg)}
    secret_paths = tuple(sorted(p for p in secret if p in kept))
    return RoleConfig(role, target, cfg, model.cluster_name, instances, secret_paths, provenance, findings)


def roles_of(model: Any) -> list[str]:
    return [f"controller-{i}" for i in range(int(model.controller_count))] + [
        f"worker-{p.name}" for p in model.worker_pools
    ]


def render_cluster(
    model: Any,
    *,
    assets: NodeAssets | None = None,
    snippets: bool = True,
    validate: bool = True,
    external_validate: bool | None = None,
    ignition_version: str | None = None,
    strict: bool = False,
    policy: str = "auto",
    bucket: str | None = None,
    prefix: str = "",
    snippet_files_dir: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> ClusterRender:
    """Render, merge and validate the Ignition config of every role of ``model`` (a ``ClusterConfig``).

    ``ignition_version`` (or the model's ``ignition_spec``) picks 3.3.0 (default), 3.4.0 or legacy 2.3.0.
    ``external_validate=True`` also runs ``ignition-validate`` (3.x). Raises :class:`RenderError` with every
    finding when any error exists (warnings too with ``strict``). ``assets`` (PKI, kubeconfigs, bootkube assets)
    default to the cluster's own, loaded from (or generated into) the model's ``asset_dir``.
    """
    if not hasattr(model, "worker_pools") or not hasattr(model, "cluster_name"):
        from lokonb.config.loaders import not_a_model

        raise InputTypeError(not_a_model("render_cluster", model))
    _check_options({"snippets": snippets, "validate": validate, "strict": strict,
                    "external_validate": external_validate, "policy": policy, "bucket": bucket, "prefix": prefix})
    _check_callables(assets, progress, snippet_files_dir)
    target = ignition_version or getattr(model, "ignition_spec", None) or DEFAULT_TARGET
    if target not in TARGETS:
        raise ConfigError(f"ignition_spec: {target!r} is not supported; choose one of {', '.join(TARGETS)}")
    findings: list[Finding] = []
    spec = getattr(model, "ignition_spec", None)
    # an explicit choice wins, but not silently over a spec the cluster chose (the default is nobody's choice)
    if ignition_version and spec and spec not in (ignition_version, DEFAULT_TARGET):
        findings.append(Finding("warning", f"ignition_version {ignition_version} overrides the cluster's "
                                f"ignition_spec {spec}", None, "semantic"))
    _check_target(model, target, findings)
    if assets is None:
        from lokonb.flatcar.assets import real_assets

        assets = real_assets(model)
    roles: dict[str, RoleConfig] = {}
    for role in roles_of(model):
        if progress:
            progress(role)
        if role.startswith("controller-"):
            rc = _render_role(
                model, role, int(role.split("-")[1]), None, assets, target, snippets, snippet_files_dir
            )
        else:
            rc = _render_role(
                model,
                role,
                None,
                model.pool(role[len("worker-") :]),
                assets,
                target,
                snippets,
                snippet_files_dir,
            )
        if validate:
            rc.findings.extend(validate_config(rc.config, spec=target, role=role, strict=strict))
        if external_validate:
            rc.findings.extend(external_check(rc.config, target, role=role))
        if rc.size > USER_DATA_LIMIT or rc.secret:
            pass  # delivery goes to S3 under policy auto; reported by summary()
        roles[role] = rc
        findings.extend(
            f
            if f.role
            else Finding(f.severity, f.message, f.path, f.validator, role, f.spec, f.source, f.line, f.column)
            for f in rc.findings
        )
    render = ClusterRender(
        model.cluster_name, target, roles, findings, bucket=bucket, prefix=prefix, policy=policy
    )
    bad = [f for f in findings if f.severity == "error" or (strict and f.severity == "warning")]
    if bad:
        raise RenderError(_error_summary(bad), findings)
    return render


#: The keyword options of render_cluster: (allowed values or types, what to say). A string "no" for a flag is true,
#: and a misspelt policy only failed later, in plan_delivery.
_OPTIONS: dict[str, tuple[tuple[Any, ...], str]] = {
    "snippets": ((bool,), "True or False"),
    "validate": ((bool,), "True or False"),
    "strict": ((bool,), "True or False"),
    "external_validate": ((bool, type(None)), "True, False or None"),
    "bucket": ((str, type(None)), "a bucket name or None"),
    "prefix": ((str,), "a key prefix string ('' for none)"),
}


def _check_options(values: Mapping[str, Any]) -> None:
    from lokonb.flatcar.delivery import POLICIES

    for name, value in values.items():
        if name == "policy":
            if value not in POLICIES:
                raise InputTypeError(f"render_cluster(): policy must be one of {', '.join(POLICIES)}, "
                                     f"got {value!r:.40}")
            continue
        kinds, allowed = _OPTIONS[name]
        if not isinstance(value, kinds):
            raise InputTypeError(f"render_cluster(): {name} must be {allowed}, got {value!r:.40}")


#: The methods a ``NodeAssets`` provider has (the Protocol in lokonb.flatcar.assets).
_ASSET_METHODS = ("kubernetes_ca_pem", "kubelet_kubeconfig", "etcd_tls_files", "bootkube_assets")


def _check_callables(assets: Any, progress: Any, snippet_files_dir: Any) -> None:
    """``assets``/``progress``/``snippet_files_dir`` of the wrong kind failed mid-render with an AttributeError
    ("'str' object has no attribute 'kubernetes_ca_pem'") or "object is not callable"."""
    if assets is not None and not all(callable(getattr(assets, m, None)) for m in _ASSET_METHODS):
        raise InputTypeError(wrong_kind("render_cluster", "assets", "a NodeAssets provider (such as "
                                        "lokonb.assets.load_or_generate(model)) or None for the cluster's own", assets))
    if progress is not None and not callable(progress):
        raise InputTypeError(wrong_kind("render_cluster", "progress", "a function taking the role name, or None",
                                        progress))
    require_files_dir(snippet_files_dir, "render_cluster", "snippet_files_dir")


def _error_summary(bad: list[Finding]) -> str:
    lines = []
    for f in bad[:10]:
        where = f"{f.role}: " if f.role else ""
        if f.source:
            pos = (
                f"line {f.line}, column {f.column}"
                if f.line is not None and f.column is not None
                else (f"line {f.line}" if f.line is not None else (f.path or ""))
            )
            if pos and pos not in f.message:
                lines.append(f"{where}{f.source}: {f.severity} at {pos}: {f.message}")
            else:  # no position (or the message already names its path): ct's "<kind>: <message>" (flatcar.md §3)
                lines.append(f"{where}{f.source}: {f.severity}: {f.message}")
        else:
            lines.append(f"{where}{f.path or ''} {f.message}".strip())
    more = f"\n... and {len(bad) - 10} more" if len(bad) > 10 else ""
    return "node configs are invalid:\n  " + "\n  ".join(lines) + more


def content_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def model_fingerprint(model: Mapping[str, Any] | Any) -> str:
    return getattr(model, "model_hash", "")
