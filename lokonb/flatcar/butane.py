"""Butane ``variant: flatcar`` (1.0.0 → Ignition 3.3.0, 1.1.0 → 3.4.0) with Butane v0.29 semantics
(flatcar.md §5).

Stages: variant/version pre-pass → type-directed YAML decode → ``unused key`` warnings → source checks →
translation (sugar: inline/local/trees, mount units, local SSH keys and unit contents) → field filter (clevis)
→ duplicates → Ignition 3.x checks of the output. Keys are emitted in Ignition 3 struct order.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml

from lokonb.flatcar.clc_sections import go_semver_string
from lokonb.flatcar.encoding import data_url_base64, data_url_percent, gzip_bytes
from lokonb.flatcar.errors import require_files_dir, require_flag, require_text
from lokonb.flatcar.gojson import loads as go_loads
from lokonb.flatcar.gopath import go_abs, go_join, go_read_file
from lokonb.flatcar.goscan import syntax_error
from lokonb.flatcar.gotypes import type_error
from lokonb.flatcar.report import Report, ReportEntry, Translation
from lokonb.flatcar.yamlpos import (
    BOOL,
    INT,
    STR,
    Arr,
    Obj,
    Seq,
    Struct,
    YamlSyntaxError,
    compose,
    decode,
    pos,
    scalar_tag,
)

#: Butane flatcar version → Ignition spec it emits.
VERSIONS = {"1.0.0": "3.3.0", "1.1.0": "3.4.0"}


def _schema(v11: bool) -> Struct:
    verification = Struct("base.Verification", {"hash": STR})
    header = Struct("base.HTTPHeader", {"name": STR, "value": STR})
    resource = Struct(
        "base.Resource",
        {
            "compression": STR,
            "http_headers": Seq(header),
            "source": STR,
            "inline": STR,
            "local": STR,
            "verification": verification,
        },
    )
    owner = {"id": INT, "name": STR}
    node = {
        "path": STR,
        "overwrite": BOOL,
        "user": Struct("base.NodeUser", dict(owner)),
        "group": Struct("base.NodeGroup", dict(owner)),
    }
    tang = {"url": STR, "thumbprint": STR}
    luks = {
        "name": STR,
        "label": STR,
        "uuid": STR,
        "device": STR,
        "key_file": resource,
        "wipe_volume": BOOL,
        "options": Seq(STR),
    }
    if v11:
        tang["advertisement"] = STR
        luks.update(discard=BOOL, open_options=Seq(STR))
    luks["clevis"] = Struct(
        "base.Clevis",
        {
            "custom": Struct("base.ClevisCustom", {"pin": STR, "config": STR, "needs_network": BOOL}),
            "tpm2": BOOL,
            "tang": Seq(Struct("base.Tang", tang)),
            "threshold": INT,
        },
    )
    user = {
        "name": STR,
        "password_hash": STR,
        "ssh_authorized_keys": Seq(STR),
        "uid": INT,
        "gecos": STR,
        "home_dir": STR,
        "no_create_home": BOOL,
        "primary_group": STR,
        "groups": Seq(STR),
        "no_user_group": BOOL,
        "system": BOOL,
        "no_log_init": BOOL,
        "shell": STR,
        "should_exist": BOOL,
    }
    dropin = {"name": STR, "contents": STR}
    unit = {"name": STR, "enabled": BOOL, "mask": BOOL, "contents": STR}
    if v11:
        user["ssh_authorized_keys_local"] = Seq(STR)
        dropin["contents_local"] = STR
        unit["contents_local"] = STR
    unit["dropins"] = Seq(Struct("base.Dropin", dropin))
    return Struct(
        "v1_0.Config",
        {
            "variant": STR,
            "version": STR,
            "ignition": Struct(
                "base.Ignition",
                {
                    "config": Struct("base.IgnitionConfig", {"merge": Seq(resource), "replace": resource}),
                    "timeouts": Struct("base.Timeouts", {"http_response_headers": INT, "http_total": INT}),
                    "security": Struct(
                        "base.Security",
                        {"tls": Struct("base.TLS", {"certificate_authorities": Seq(resource)})},
                    ),
                    "proxy": Struct(
                        "base.Proxy", {"http_proxy": STR, "https_proxy": STR, "no_proxy": Seq(STR)}
                    ),
                },
            ),
            "kernel_arguments": Struct(
                "base.KernelArguments", {"should_exist": Seq(STR), "should_not_exist": Seq(STR)}
            ),
            "passwd": Struct(
                "base.Passwd",
                {
                    "users": Seq(Struct("base.PasswdUser", user)),
                    "groups": Seq(
                        Struct(
                            "base.PasswdGroup",
                            {
                                "name": STR,
                                "gid": INT,
                                "password_hash": STR,
                                "should_exist": BOOL,
                                "system": BOOL,
                            },
                        )
                    ),
                },
            ),
            "storage": Struct(
                "base.Storage",
                {
                    "disks": Seq(
                        Struct(
                            "base.Disk",
                            {
                                "device": STR,
                                "wipe_table": BOOL,
                                "partitions": Seq(
                                    Struct(
                                        "base.Partition",
                                        {
                                            "label": STR,
                                            "number": INT,
                                            "size_mib": INT,
                                            "start_mib": INT,
                                            "type_guid": STR,
                                            "guid": STR,
                                            "wipe_partition_entry": BOOL,
                                            "should_exist": BOOL,
                                            "resize": BOOL,
                                        },
                                    )
                                ),
                            },
                        )
                    ),
                    "raid": Seq(
                        Struct(
                            "base.Raid",
                            {
                                "name": STR,
                                "level": STR,
                                "devices": Seq(STR),
                                "spares": INT,
                                "options": Seq(STR),
                            },
                        )
                    ),
                    "luks": Seq(Struct("base.Luks", luks)),
                    "filesystems": Seq(
                        Struct(
                            "base.Filesystem",
                            {
                                "device": STR,
                                "format": STR,
                                "path": STR,
                                "label": STR,
                                "uuid": STR,
                                "wipe_filesystem": BOOL,
                                "options": Seq(STR),
                                "mount_options": Seq(STR),
                                "with_mount_unit": BOOL,
                            },
                        )
                    ),
                    "files": Seq(
                        Struct(
                            "base.File", {**node, "contents": resource, "append": Seq(resource), "mode": INT}
                        )
                    ),
                    "directories": Seq(Struct("base.Directory", {**node, "mode": INT})),
                    "links": Seq(Struct("base.Link", {**node, "target": STR, "hard": BOOL})),
                    "trees": Seq(Struct("base.Tree", {"local": STR, "path": STR})),
                },
            ),
            "systemd": Struct("base.Systemd", {"units": Seq(Struct("base.Unit", unit))}),
        },
    )


_SCHEMAS: dict[str, Struct] = {}


def schema(version: str) -> Struct:
    if version not in _SCHEMAS:
        _SCHEMAS[version] = _schema(version == "1.1.0")
    return _SCHEMAS[version]


# ------------------------------------------------------------------------------------------ key ordering

_NODE_KINDS = {"files", "directories", "links"}
_NODE_FIRST = ("group", "overwrite", "path", "user")


def camel(key: str) -> str:
    head, *rest = key.split("_")
    out = head + "".join(p[:1].upper() + p[1:] for p in rest)
    return out.replace("Mib", "MiB")


_ACRONYMS = (
    ("ssh", "SSH"),
    ("https", "HTTPS"),
    ("http", "HTTP"),
    ("uuid", "UUID"),
    ("guid", "GUID"),
    ("uid", "UID"),
    ("url", "URL"),
    ("tls", "TLS"),
)


@functools.lru_cache(maxsize=4096)  # order3 sorts every dict of every config by it: a few dozen distinct keys
def _go_name(key: str) -> str:
    """The Go field name of a JSON key (schematyper sorts struct fields by it: ``SSHAuthorizedKeys <
    Shell``)."""
    for low, up in _ACRONYMS:
        if key.startswith(low):
            return up + key[len(low) :]
    return key[:1].upper() + key[1:]


def order3(value: Any, parent: str = "") -> Any:
    """Ignition 3 Go struct order: fields sorted by Go name, storage nodes with ``group, overwrite, path,
    user``
    (the embedded Node) first."""
    if isinstance(value, dict):
        keys = sorted(value, key=_go_name)
        if parent in _NODE_KINDS:
            keys = [k for k in _NODE_FIRST if k in value] + [k for k in keys if k not in _NODE_FIRST]
        return {k: order3(value[k], k) for k in keys}
    if isinstance(value, list):
        return [order3(v, parent) for v in value]
    return value


# ------------------------------------------------------------------------------------------- translation


class _Ctx:
    def __init__(self, files_dir: str | os.PathLike[str] | None, auto_compress: bool, version: str) -> None:
        self.files_dir = Path(files_dir) if files_dir else None
        self.auto_compress = auto_compress
        self.version = version
        # Butane's three stages (config/util Translate): the source's Validate methods, translation, field
        # filters; a stage with an error ends the run, so later stages' entries are never reported
        self.src = Report()
        self.src_owners: list[str] = []  # per source entry: the path whose Validate method reported it
        self.r = Report()
        self.filt = Report()
        # output paths whose Ignition findings Butane reports at a tree (walkTree's translations): whole new nodes,
        # and the fields a tree fills in on a node the config lists
        self.tree_nodes: dict[str, str] = {}
        self.tree_fields: dict[str, str] = {}
        # output prefix -> source prefix where an entry moved (user units after the generated mount units)
        self.moved: dict[str, str] = {}

    def owned(self, owner: str) -> _Owned:
        """The source-stage report for entries of ``owner``'s Validate method."""
        return _Owned(self, owner)

    def source_entries(self) -> list[ReportEntry]:
        """Source entries in the order vcontext's validate.Validate walks the config: a struct's own Validate,
        then its fields in Go struct order (stable within one owner)."""
        order = sorted(range(len(self.src.entries)), key=lambda i: _struct_order(self.src_owners[i]))
        return [self.src.entries[i] for i in order]

    def source_path(self, out_path: str) -> str:
        """``out_path`` with a moved entry's output prefix replaced by its source prefix."""
        parts = out_path.split(".")
        for n in range(len(parts), 0, -1):
            prefix = ".".join(parts[:n])
            if prefix in self.moved:
                return ".".join([self.moved[prefix], *parts[n:]])
        return out_path

    def origin(self, out_path: str) -> str | None:
        if out_path in self.tree_fields:
            return self.tree_fields[out_path]
        for prefix, src in self.tree_nodes.items():
            if out_path == prefix or out_path.startswith(prefix + "."):
                return src
        return None


class _Owned:
    def __init__(self, ctx: _Ctx, owner: str) -> None:
        self.ctx, self.owner = ctx, owner

    def add(self, kind: str, message: str, pos: tuple[int, int] | None = None, path: str | None = None) -> None:
        self.ctx.src.add(kind, message, pos, path)
        self.ctx.src_owners.append(self.owner)

    def error(self, message: str, pos: tuple[int, int] | None = None, path: str | None = None) -> None:
        self.add("error", message, pos, path)

    def warning(self, message: str, pos: tuple[int, int] | None = None, path: str | None = None) -> None:
        self.add("warning", message, pos, path)


def _struct_order(owner: str) -> tuple[tuple[int, int, str], ...]:
    """Sort key of a Butane path in Go struct order: list indices numerically, a storage node's embedded Node
    fields (group, overwrite, path, user) first, other fields by Go name (Butane's structs are sorted by it)."""
    key = []
    parent = ""
    for seg in owner.split(".")[1:]:
        if seg.isdigit():
            key.append((0, int(seg), ""))
            continue
        if parent in _NODE_KINDS and seg in _NODE_FIRST:
            key.append((1, _NODE_FIRST.index(seg), ""))
        else:
            key.append((2, 0, _go_name(camel(seg))))
        parent = seg
    return tuple(key)


def encode_inline(data: bytes, compression: str | None, auto_compress: bool) -> tuple[str, str | None]:
    """Butane's shortest encoding: (source, compression to write)."""
    best = data_url_percent(data)
    b64 = data_url_base64(data)
    if len(b64) < len(best):
        best = b64
    if not compression:  # absent or "": Butane may compress, and writes "" otherwise
        if auto_compress:
            gz = data_url_base64(gzip_bytes(data))
            if len(gz) + 4 < len(best):
                return gz, "gzip"
        return best, ""
    return best, compression


def _local_path(ctx: _Ctx, rel: str, path: str, at: tuple[int, int]) -> Path | None:
    if ctx.files_dir is None:
        ctx.r.error(
            "local file paths are relative to a files directory that must be specified with -d/--files-dir",
            at,
            path,
        )
        return None
    # Butane's ReadLocalFile: filepath.Join (cleaned; an absolute `rel` stays below the files dir), then a lexical
    # filepath.Abs prefix check -- symlinks are not resolved, so one may point outside (reading follows it)
    full = go_join(str(ctx.files_dir), rel)
    base, target = go_abs(str(ctx.files_dir)), go_abs(full)
    if target != base and not target.startswith(base + "/"):
        ctx.r.error("local file path traverses outside the files directory", at, path)
        return None
    return Path(full)


def _read_local(ctx: _Ctx, rel: str, path: str, at: tuple[int, int]) -> bytes | None:
    p = _local_path(ctx, rel, path, at)
    if p is None:
        return None
    data, error = go_read_file(str(p))  # ReadLocalFile: os.ReadFile, so a directory fails on read
    if error:
        ctx.r.error(error, at, path)
    return data


def _resource(res: Obj, path: str, ctx: _Ctx, *, is_config: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    # Butane checks local, inline, source in this order and reports on the last one present (source > inline > local),
    # whatever the document's key order (base v0_4 validate_test.go TestValidateResource)
    present = [k for k in ("local", "inline", "source") if res.get(k) is not None]
    if len(present) > 1:
        last = present[-1]
        ctx.owned(path).error(
            "only one of the following can be set: inline, local, source", res.at(last), f"{path}.{last}"
        )
        return out
    if res.get("compression") is not None:
        out["compression"] = res["compression"]
    if res.get("http_headers"):
        out["httpHeaders"] = [
            {k: v for k, v in (("name", h.get("name")), ("value", h.get("value"))) if v is not None}
            for h in res["http_headers"]
            if h is not None
        ]
    data: bytes | None = None
    if res.get("inline") is not None:
        data = res["inline"].encode("utf-8")
        if is_config:
            _check_inline_config(res["inline"], res.at("inline"), path, "inline", ctx)
    elif res.get("local") is not None:
        data = _read_local(ctx, res["local"], f"{path}.local", res.at("local"))
        if data is not None and is_config:
            _check_inline_config(data.decode("utf-8", "replace"), res.at("local"), path, "local", ctx)
    if data is not None:
        source, comp = encode_inline(data, res.get("compression"), ctx.auto_compress)
        out["source"] = source
        if comp is not None:
            out["compression"] = comp
    elif res.get("source") is not None:
        out["source"] = res["source"]
    if res.get("verification") and res["verification"].get("hash") is not None:
        out["verification"] = {"hash": res["verification"]["hash"]}
    return out


def _check_inline_config(text: str, at: tuple[int, int], res_path: str, field: str, ctx: _Ctx) -> None:
    # Butane validates only inline configs (Resource.Validate, a source-stage check): translateResource's check of
    # a local file tests the prefix on a relative path ("$.local") and never runs. lokonb still checks local files
    # for syntax and version (flatcar.md 5) as a translation-stage check, without Butane's child validation.
    inline = field == "inline"
    rep: Report | _Owned = ctx.owned(res_path) if inline else ctx.r
    spec = VERSIONS[ctx.version]
    # Ignition's HandleParseErrors: json.Unmarshal into the emitted spec's types.Config -- Go's first syntax error,
    # else its first type error, placed in the inline text
    err = syntax_error(text) or type_error(text, spec)
    if err:
        msg, line, col = err
        rep.error(msg, (line, col))
        rep.error("config is not valid", at, f"{res_path}.{field}")
        return
    cfg = go_loads(text) or {}  # null decodes into the zero Config, as {} does
    version = (cfg.get("ignition") or {}).get("version")
    # Ignition.Validate compares semver.NewVersion(version) with MaxVersion: "03.3.0" is 3.3.0, "v3.3.0" no semver
    canon = go_semver_string(version or "")
    if inline and canon is None:
        # ErrInvalidVersion is not skipped: the config is validated
        rep.error("invalid config version (couldn't parse)", at, "$.ignition.version")
        _child_findings(cfg, spec, at, rep)
        return
    # Butane parses the config with the types of the spec it emits (v3_3 for 1.0.0, v3_4 for 1.1.0): any other
    # valid version is Ignition's ErrUnknownVersion, reported on <resource>.version (base/v0_4/util.go)
    if canon != spec:
        rep.warning(
            "skipping validation for the merge/replace ignition config due to an unkown version",
            at,
            f"{res_path}.version",
        )
        return
    if inline:
        _child_findings(cfg, spec, at, rep)


def _child_findings(cfg: dict[str, Any], spec: str, at: tuple[int, int], rep: Report | _Owned) -> None:
    """ValidateWithContext on an embedded config: Ignition's findings at the child's own (JSON) paths."""
    from lokonb.flatcar.validate import schema_findings, semantic_findings

    if schema_findings(cfg, spec):  # type errors were reported (gotypes); a null Go accepts is left unvalidated
        return
    for f in semantic_findings(cfg, spec, unknown_keys=False, extras=False):
        rep.add(f.severity, f.message, at, f.path)
    _child_unused_keys(cfg, spec, at, rep)


def _child_unused_keys(cfg: dict[str, Any], spec: str, at: tuple[int, int], rep: Report | _Owned) -> None:
    """ValidateWithContext's last pass: 'Unused key' warnings, each object's own keys before its fields' (struct
    walk; Go visits one object's unknown keys in map order, so a single one per object is deterministic)."""
    from lokonb.flatcar.validate import _props, _resolve, load_schema

    schema = load_schema(spec)

    def walk(node: dict[str, Any], value: Any, path: str, parent: str) -> None:
        node = _resolve(schema, node)
        if isinstance(value, dict):
            props = _props(schema, node)
            if props is None:
                return
            for k in value:
                if k not in props:
                    rep.warning(f"Unused key {k}", at, f"{path}.{k}")
            for k in order3({k: None for k in value if k in props}, parent):  # the Go struct's field order
                walk(props[k], value[k], f"{path}.{k}", k)
        elif isinstance(value, list) and "items" in node:
            for i, v in enumerate(value):
                walk(node["items"], v, f"{path}.{i}", parent)

    walk(schema, cfg, "$", "")


def _copy_scalars(src: Obj, keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        v = src.get(key)
        if v is None:
            continue
        if isinstance(v, list):
            if v:
                out[camel(key)] = list(v)
        else:
            out[camel(key)] = v
    return out


def _owner(o: Obj | None) -> dict[str, Any] | None:
    if o is None:
        return None
    d = _copy_scalars(o, ("id", "name"))
    return d or None


def _node(src: Obj) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if src.get("path") is not None:
        out["path"] = src["path"]
    if src.get("overwrite") is not None:
        out["overwrite"] = src["overwrite"]
    for key in ("user", "group"):
        o = _owner(src.get(key))
        if o:
            out[key] = o
    return out


_DECIMAL_MODE_MSG = (
    "unreasonable mode would be reasonable if specified in octal; remember to add a leading zero"
)


def _typical_mode(mode: int, directory: bool) -> bool:
    """Butane's notion of an unsurprising mode (used to spot modes written in decimal)."""
    if mode == 0:
        return True
    had_r = had_w = had_x = False
    for perm in (mode & 0o7, (mode >> 3) & 0o7, (mode >> 6) & 0o7):  # other, group, user
        r, w, x = bool(perm & 4), bool(perm & 2), bool(perm & 1)
        if (not r and had_r) or (not w and had_w) or (not x and had_x):
            return False
        if x and had_r and not had_x:
            return False
        if (w or x) and not r:
            return False
        had_r, had_w, had_x = had_r or r, had_w or w, had_x or x
    if not had_r:
        return False
    if directory:
        if not had_x or mode & 0o4000 or (mode & 0o3000 and not had_w):
            return False
    else:
        if mode & 0o6000 and (not had_x or mode & 2):
            return False
        if mode & 0o1000:
            return False
    return True


def decimal_mode_suspect(mode: int, directory: bool) -> bool:
    """True when ``mode`` looks like an octal mode written in decimal (``644``)."""
    if mode < 0 or mode > 7777:
        return False
    digits = f"{mode:04d}"
    if any(d > "7" for d in digits):
        return False
    corrected = int(digits, 8)
    return not _typical_mode(mode, directory) and _typical_mode(corrected, directory)


def _check_mode(src: Obj, path: str, ctx: _Ctx, directory: bool) -> None:
    mode = src.get("mode")
    if mode is not None and decimal_mode_suspect(mode, directory):
        ctx.owned(path).warning(_DECIMAL_MODE_MSG, src.at("mode"), f"{path}.mode")


def systemd_escape_path(path: str) -> str:
    """``systemd-escape --path`` as go-systemd's unit.UnitNamePathEscape (which Butane uses) spells it."""
    trimmed = "/".join(p for p in path.split("/") if p)
    if not trimmed:
        return "-"
    out = []
    for i, b in enumerate(trimmed.encode("utf-8")):
        ch = chr(b)
        if ch == "/":
            out.append("-")
        elif (ch.isascii() and (ch.isalnum() or ch in ":_.")) and not (i == 0 and ch == "."):
            out.append(ch)
        else:  # Go's `\x%x`: no zero padding, so a tab is \x9 (systemd-escape itself would write \x09)
            out.append(f"\\x{b:x}")
    return "".join(out)


def mount_unit(fs: dict[str, Any]) -> tuple[str, str]:
    """(name, contents) of the unit Butane generates for ``with_mount_unit``."""
    opts = ",".join(fs.get("mountOptions") or [])
    device = fs["device"]
    if fs.get("format") == "swap":
        body = f"# Generated by Butane\n[Swap]\nWhat={device}"
        if opts:
            body += f"\nOptions={opts}"
        body += "\n\n[Install]\nRequiredBy=swap.target"
        return systemd_escape_path(device) + ".swap", body
    esc = systemd_escape_path(device)
    body = (
        f"# Generated by Butane\n[Unit]\nRequires=systemd-fsck@{esc}.service\n"
        f"After=systemd-fsck@{esc}.service"
        f"\n\n[Mount]\nWhere={fs['path']}\nWhat={device}\nType={fs['format']}"
    )
    if opts:
        body += f"\nOptions={opts}"
    body += "\n\n[Install]\nRequiredBy=local-fs.target"
    return systemd_escape_path(fs["path"]) + ".mount", body


def _translate(cfg: Obj, ctx: _Ctx, spec: str) -> dict[str, Any]:
    out: dict[str, Any] = {"ignition": {"version": spec}}
    ign = cfg.get("ignition") or Obj()
    conf = ign.get("config") or Obj()
    ic: dict[str, Any] = {}
    merges = [
        _resource(m, f"$.ignition.config.merge.{i}", ctx, is_config=True)
        for i, m in enumerate(conf.get("merge") or [])
        if m is not None
    ]
    if merges:
        ic["merge"] = merges
    if conf.get("replace") is not None:
        ic["replace"] = _resource(conf["replace"], "$.ignition.config.replace", ctx, is_config=True)
    if ic:
        out["ignition"]["config"] = ic
    t = _copy_scalars(ign.get("timeouts") or Obj(), ("http_response_headers", "http_total"))
    if t:
        out["ignition"]["timeouts"] = t
    tls = (ign.get("security") or Obj()).get("tls") or Obj()
    cas = [
        _resource(c, f"$.ignition.security.tls.certificate_authorities.{i}", ctx)
        for i, c in enumerate(tls.get("certificate_authorities") or [])
        if c is not None
    ]
    if cas:
        out["ignition"]["security"] = {"tls": {"certificateAuthorities": cas}}
    proxy = _copy_scalars(ign.get("proxy") or Obj(), ("http_proxy", "https_proxy", "no_proxy"))
    if proxy:
        out["ignition"]["proxy"] = proxy
    ka = _copy_scalars(cfg.get("kernel_arguments") or Obj(), ("should_exist", "should_not_exist"))
    if ka:
        out["kernelArguments"] = ka
    passwd = _passwd(cfg.get("passwd") or Obj(), ctx)
    if passwd:
        out["passwd"] = passwd
    units: list[dict[str, Any]] = []
    storage = _storage(cfg.get("storage") or Obj(), ctx, units)
    if storage:
        out["storage"] = storage
    systemd = cfg.get("systemd") or Obj()
    # Butane merges the user's config (child) into the generated mount units (parent) with Ignition's merge: each
    # generated unit takes the non-null fields of the LAST user unit of its name, every user unit of a generated
    # name is then dropped, and the other user units follow (their duplicates stay: Ignition rejects them)
    generated = {x["name"] for x in units}
    user = [
        (i, _unit(u, f"$.systemd.units.{i}", ctx)) for i, u in enumerate(systemd.get("units") or []) if u is not None
    ]
    last = {unit.get("name"): unit for _, unit in user}
    for gen in units:
        child = last.get(gen["name"])
        if child is not None:
            gen.update({k: v for k, v in child.items() if k != "dropins"})
            if child.get("dropins"):  # the generated unit has none: the child's list as it is
                gen["dropins"] = child["dropins"]
    for i, unit in user:
        if unit.get("name") not in generated:
            if len(units) != i:  # TranslateReportPaths reports its findings at the user's entry
                ctx.moved[f"$.systemd.units.{len(units)}"] = f"$.systemd.units.{i}"
            units.append(unit)
    if units:
        out["systemd"] = {"units": units}
    return out


def _unit(u: Obj, path: str, ctx: _Ctx) -> dict[str, Any]:
    out = _copy_scalars(u, ("name", "enabled", "mask", "contents"))
    if u.get("contents_local") is not None:
        if u.get("contents") is not None:
            ctx.owned(path).error(
                "only one of the following can be set: contents, contents_local",
                u.at("contents_local"),
                f"{path}.contents_local",
            )
        elif u["contents_local"]:  # translateUnit reads it only when NotEmpty
            data = _read_local(ctx, u["contents_local"], f"{path}.contents_local", u.at("contents_local"))
            if data is not None:
                out["contents"] = data.decode("utf-8")
    dropins = []
    for j, d in enumerate(u.get("dropins") or []):
        if d is None:
            continue
        do = _copy_scalars(d, ("name", "contents"))
        if d.get("contents_local") is not None:
            if d.get("contents") is not None:
                ctx.owned(f"{path}.dropins.{j}").error(
                    "only one of the following can be set: contents, contents_local",
                    d.at("contents_local"),
                    f"{path}.dropins.{j}.contents_local",
                )
            elif d["contents_local"]:  # translateDropin reads it only when NotEmpty
                data = _read_local(
                    ctx, d["contents_local"], f"{path}.dropins.{j}.contents_local", d.at("contents_local")
                )
                if data is not None:
                    do["contents"] = data.decode("utf-8")
        dropins.append(do)
    if dropins:
        out["dropins"] = dropins
    return out


def _passwd(pw: Obj, ctx: _Ctx) -> dict[str, Any]:
    out: dict[str, Any] = {}
    users = []
    for i, u in enumerate(pw.get("users") or []):
        if u is None:
            continue
        uo = _copy_scalars(
            u,
            (
                "name",
                "password_hash",
                "ssh_authorized_keys",
                "uid",
                "gecos",
                "home_dir",
                "no_create_home",
                "primary_group",
                "groups",
                "no_user_group",
                "system",
                "no_log_init",
                "shell",
                "should_exist",
            ),
        )
        local_keys = u.get("ssh_authorized_keys_local") or []
        if local_keys and ctx.files_dir is None:
            # Butane reports a missing files directory once, on the list (base v0_5 TestTranslateSSHAuthorizedKey)
            _local_path(ctx, "", f"$.passwd.users.{i}.ssh_authorized_keys_local", u.at("ssh_authorized_keys_local"))
            local_keys = []
        for j, rel in enumerate(local_keys):
            data = _read_local(
                ctx,
                rel,
                f"$.passwd.users.{i}.ssh_authorized_keys_local.{j}",
                u["ssh_authorized_keys_local"].ipos[j],
            )
            if data is None:
                continue
            keys = [ln for ln in re.split(r"\r?\n", data.decode("utf-8")) if ln]
            if keys:  # an empty key file adds nothing (Go leaves the slice nil: no `sshAuthorizedKeys: []`)
                uo.setdefault("sshAuthorizedKeys", []).extend(keys)
        users.append(uo)
    if users:
        out["users"] = users
    groups = [
        _copy_scalars(g, ("name", "gid", "password_hash", "should_exist", "system"))
        for g in pw.get("groups") or []
        if g is not None
    ]
    if groups:
        out["groups"] = groups
    return out


def _filter_empty(value: Any) -> bool:
    """FieldFilters.isEmpty: a struct whose fields are all empty, a zero-length list or an unset pointer; any set
    scalar (every Clevis leaf is a pointer) counts, even false or 0."""
    if value is None:
        return True
    if isinstance(value, dict):
        return all(_filter_empty(v) for v in value.values())
    if isinstance(value, list):
        return not value
    return False


def _storage(st: Obj, ctx: _Ctx, units: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    disks = []
    for d in st.get("disks") or []:
        if d is None:
            continue
        do = _copy_scalars(d, ("device", "wipe_table"))
        parts = []
        for p in d.get("partitions") or []:
            if p is None:
                continue
            po = _copy_scalars(
                p,
                (
                    "label",
                    "number",
                    "size_mib",
                    "start_mib",
                    "type_guid",
                    "guid",
                    "wipe_partition_entry",
                    "should_exist",
                    "resize",
                ),
            )
            if po.get("number") == 0:  # a plain int with omitempty in Ignition's types
                del po["number"]
            parts.append(po)
        if parts:
            do["partitions"] = parts
        disks.append(do)
    if disks:
        out["disks"] = disks
    raid = [
        _copy_scalars(r, ("name", "level", "devices", "spares", "options"))
        for r in st.get("raid") or []
        if r is not None
    ]
    if raid:
        out["raid"] = raid
    luks = []
    for i, lk in enumerate(st.get("luks") or []):
        if lk is None:
            continue
        lo = _copy_scalars(
            lk, ("name", "label", "uuid", "device", "wipe_volume", "options", "discard", "open_options")
        )
        if lk.get("key_file") is not None:
            lo["keyFile"] = _resource(lk["key_file"], f"$.storage.luks.{i}.key_file", ctx)
        cl = lk.get("clevis")
        if not _filter_empty(cl):
            # Field filter of flatcar 1.0.0/1.1.0: clevis is not supported.
            ctx.filt.error(
                "clevis is not supported in this spec version", lk.at("clevis"), f"$.storage.luks.{i}.clevis"
            )
        luks.append(lo)
    if luks:
        out["luks"] = luks
    filesystems = []
    for i, fs in enumerate(st.get("filesystems") or []):
        if fs is None:
            continue
        fo = _copy_scalars(
            fs, ("device", "format", "path", "label", "uuid", "wipe_filesystem", "options", "mount_options")
        )
        filesystems.append(fo)
        if fs.get("with_mount_unit"):
            p = f"$.storage.filesystems.{i}"
            if not fs.get("format"):
                ctx.owned(p).error(
                    "format is required if with_mount_unit is true", fs.at("with_mount_unit"), f"{p}.format"
                )
                continue
            if fs.get("format") != "swap" and not fs.get("path"):
                ctx.owned(p).error(
                    "path is required if with_mount_unit is true and format is not swap",
                    fs.at("with_mount_unit"),
                    f"{p}.path",
                )
                continue
            name, contents = mount_unit(fo)
            units.append({"contents": contents, "enabled": True, "name": name})
    if filesystems:
        out["filesystems"] = filesystems
    files = []
    for i, f in enumerate(st.get("files") or []):
        if f is None:
            continue
        p = f"$.storage.files.{i}"
        fo = _node(f)
        _check_mode(f, p, ctx, directory=False)
        if f.get("contents") is not None:
            res = _resource(f["contents"], f"{p}.contents", ctx)
            if res:
                fo["contents"] = res
        app = [
            _resource(a, f"{p}.append.{j}", ctx) for j, a in enumerate(f.get("append") or []) if a is not None
        ]
        if app:
            fo["append"] = app
        if f.get("mode") is not None:
            fo["mode"] = f["mode"]
        files.append(fo)
    dirs = []
    for i, d in enumerate(st.get("directories") or []):
        if d is None:
            continue
        do = _node(d)
        _check_mode(d, f"$.storage.directories.{i}", ctx, directory=True)
        if d.get("mode") is not None:
            do["mode"] = d["mode"]
        dirs.append(do)
    links = []
    for ln in st.get("links") or []:
        if ln is None:
            continue
        lo = _node(ln)
        if ln.get("target") is not None:
            lo["target"] = ln["target"]
        if ln.get("hard") is not None:
            lo["hard"] = ln["hard"]
        links.append(lo)
    for i, tree in enumerate(st.get("trees") or []):
        if tree is not None and not _walk_tree(tree, f"$.storage.trees.{i}", ctx, files, links, dirs):
            break  # processTrees returns after the first tree when no files dir is given
    if dirs:
        out["directories"] = dirs
    if files:
        out["files"] = files
    if links:
        out["links"] = links
    return out


def _go_walk(root: Path):  # type: ignore[no-untyped-def]
    """Go ``filepath.Walk``: the root is Lstat'ed, so a symlink root (os.Stat found a directory behind it) is one
    symlink entry, not followed; a directory root is walked."""
    st_ = os.lstat(root)
    if stat.S_ISDIR(st_.st_mode):
        yield from _lexical_walk(root)
    else:
        yield root, st_


def _lexical_walk(root: Path):  # type: ignore[no-untyped-def]
    """Go ``filepath.Walk`` order: entries of each directory sorted, directories descended where met."""
    for name in sorted(os.listdir(root)):
        full = root / name
        st_ = os.lstat(full)
        yield full, st_
        if stat.S_ISDIR(st_.st_mode):
            yield from _lexical_walk(full)


def _index_of(nodes: list[dict[str, Any]], entry: dict[str, Any] | None) -> int:
    """Index of ``entry`` (by identity) in ``nodes``, or the index it gets when appended."""
    return next((i for i, n in enumerate(nodes) if n is entry), len(nodes))


def _walk_tree(
    tree: Obj,
    path: str,
    ctx: _Ctx,
    files: list[dict[str, Any]],
    links: list[dict[str, Any]],
    dirs: list[dict[str, Any]],
) -> bool:
    """Walk one tree into files/links; False when there is no files dir (Butane stops at the first tree)."""
    if not tree.get("local"):
        ctx.owned(path).error("local is required", tree.pos, path)  # on the tree itself (TestValidateTree)
        return True
    root = _local_path(ctx, tree["local"], path, tree.pos)
    if root is None:
        return ctx.files_dir is not None
    try:
        if not stat.S_ISDIR(os.stat(root).st_mode):
            ctx.r.error("root of tree must be a directory", tree.pos, path)
            return True
    except OSError as exc:
        ctx.r.error(f"stat {root}: {(exc.strerror or str(exc)).lower()}", tree.pos, path)
        return True
    dest = tree.get("path") or "/"
    exists = "matching filesystem node has existing contents or different type"
    for full, st_ in _go_walk(root):
        rel = full.relative_to(root).as_posix()
        target_path = go_join(dest, rel)  # path.Join: '//etc' and '/etc/' give /etc/<rel>
        by_f = {f.get("path"): f for f in files}
        by_l = {ln.get("path"): ln for ln in links}
        taken = set(by_f) | set(by_l) | {d.get("path") for d in dirs}
        if stat.S_ISDIR(st_.st_mode):
            continue
        if stat.S_ISREG(st_.st_mode):
            entry = by_f.get(target_path)
            if entry is not None and (entry.get("contents") or {}).get("source"):
                ctx.r.error(exists, tree.pos, path)
                continue
            at = f"$.storage.files.{_index_of(files, entry)}"
            if entry is None:
                if target_path in taken:
                    ctx.r.error(exists, tree.pos, path)
                    continue
                entry = {"path": target_path}
                files.append(entry)
                ctx.tree_nodes[at] = path
            for field in ("contents", "contents.source", "contents.compression"):
                ctx.tree_fields[f"{at}.{field}"] = path
            try:
                data = full.read_bytes()
            except OSError as exc:
                ctx.r.error(f"open {full}: {(exc.strerror or str(exc)).lower()}", tree.pos, path)
                continue
            source, comp = encode_inline(
                data, (entry.get("contents") or {}).get("compression"), ctx.auto_compress
            )
            contents = dict(entry.get("contents") or {})
            contents["source"] = source
            if comp is not None:
                contents["compression"] = comp
            entry["contents"] = contents
            if entry.get("mode") is None:
                entry["mode"] = 0o755 if st_.st_mode & 0o111 else 0o644
                ctx.tree_fields[f"{at}.mode"] = path
        elif stat.S_ISLNK(st_.st_mode):
            entry = by_l.get(target_path)
            if entry is not None and entry.get("target"):
                ctx.r.error(exists, tree.pos, path)
                continue
            at = f"$.storage.links.{_index_of(links, entry)}"
            if entry is None:
                if target_path in taken:
                    ctx.r.error(exists, tree.pos, path)
                    continue
                entry = {"path": target_path}
                links.append(entry)
                ctx.tree_nodes[at] = path
            entry["target"] = os.readlink(full)
            ctx.tree_fields[f"{at}.target"] = path
        else:
            ctx.r.error("trees may only contain files, directories, and symlinks", tree.pos, path)
    return True


# ---------------------------------------------------------------------------------------- pre-pass, public


def _pos_index(value: Any, path: str, index: dict[str, tuple[int, int]]) -> None:
    """Map output-style JSON paths (camelCase) to source positions."""
    if isinstance(value, Obj):
        index.setdefault(path, value.pos)
        for k, v in value.items():
            cp = f"{path}.{camel(k)}"
            index[cp] = value.vpos.get(k, value.pos)
            _pos_index(v, cp, index)
    elif isinstance(value, Arr):
        for i, v in enumerate(value):
            cp = f"{path}.{i}"
            index[cp] = value.ipos[i]
            _pos_index(v, cp, index)


def _locate(path: str, index: dict[str, tuple[int, int]]) -> tuple[int, int] | None:
    p = path
    while p:
        if p in index:
            return index[p]
        p = p.rpartition(".")[0]
    return None


def _snake_path(path: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), path).replace("_mi_b", "_mib")


def translate_butane(
    text: str | bytes,
    *,
    files_dir: str | os.PathLike[str] | None = None,
    strict: bool = False,
    auto_compress: bool = True,
) -> Translation:
    """Translate a Butane ``variant: flatcar`` document (1.0.0 → 3.3.0, 1.1.0 → 3.4.0) like ``butane``.

    ``auto_compress=False`` is Butane's ``NoResourceAutoCompression``. ``strict`` fails on warnings.
    """
    require_flag(strict, "translate_butane", "strict")
    require_flag(auto_compress, "translate_butane", "auto_compress")
    require_files_dir(files_dir, "translate_butane")
    text = require_text(text, "translate_butane()")  # None/5 failed inside PyYAML ("a string or stream input")
    r = Report()
    try:
        root = compose(text)
    except YamlSyntaxError as exc:
        msg = f"yaml: line {exc.line}: {exc.problem}" if exc.line else f"yaml: {exc.problem}"
        r.entries.append(ReportEntry("error", msg, exc.line, None, hint_column=exc.column))
        return _fail(r, "", f"Error translating config: {msg}")
    return translate_butane_root(
        root, files_dir=files_dir, strict=strict, auto_compress=auto_compress, report=r
    )


def translate_butane_root(
    root: Any,
    *,
    files_dir: str | os.PathLike[str] | None = None,
    strict: bool = False,
    auto_compress: bool = True,
    report: Report | None = None,
) -> Translation:
    """Translate an already composed Butane YAML node tree (used by the node templates)."""
    r = report if report is not None else Report()
    head = _header(root)
    variant, version = head.get("variant"), head.get("version")
    if not variant:
        r.error("error parsing variant; must be specified")
        return _fail(r, "", "Error translating config: error parsing variant; must be specified")
    # config.TranslateBytes picks the translator by semver.NewVersion(version).String(): "01.0.0" is 1.0.0
    version = go_semver_string(version or "")
    if version is None:
        r.error("error parsing version; must be a valid semver")
        return _fail(r, "", "Error translating config: error parsing version; must be a valid semver")
    if variant != "flatcar" or version not in VERSIONS:
        msg = f"No translator exists for variant {variant} with version {version}"
        r.error(msg)
        return _fail(r, "", f"Error translating config: {msg}")
    spec = VERSIONS[version]
    res = decode(root, schema(version))
    if res.type_errors:  # yaml.v3 fails the whole decode; butane prints only its error text
        msg = "yaml: unmarshal errors:" + "".join(f"\n  line {ln}: {m}" for ln, m in res.type_errors)
        r.entries.append(
            ReportEntry("error", msg, res.type_errors[0][0], None, hint_column=res.first_error_column)
        )
        return _fail(r, spec, f"Error translating config: {msg}")
    # TranslateBytes' unused-key pass walks the config like validate.Validate: a mapping's own keys, then its
    # fields in Go struct order
    for u in sorted(res.unknown, key=lambda u: _struct_order(u.path.rsplit(".", 1)[0])):
        r.warning(f"Unused key {u.key}", u.pos, u.path)
    ctx = _Ctx(files_dir, auto_compress, version)
    cfg: Obj = res.value
    out = _translate(cfg, ctx, spec)
    # Butane runs the stages in turn and stops after the first one with an error
    for entries in (ctx.source_entries(), ctx.r.entries, ctx.filt.entries):
        r.entries.extend(entries)
        if any(e.kind == "error" for e in entries):
            return _fail(r, spec, "Error translating config: source config is invalid")
    out = order3(out)
    index: dict[str, tuple[int, int]] = {}
    _pos_index(cfg, "$", index)
    from lokonb.flatcar.validate import semantic_findings

    # config/util Translate: ValidateDups on the output, then validate.Validate (ignition-validate runs them the
    # other way round; an inline child config is checked in that order, see _child_findings)
    for f in semantic_findings(out, spec, unknown_keys=False, extras=False, dups_first=True):
        tree = ctx.origin(f.path) if f.path else None
        if tree is not None:  # TranslateReportPaths maps a tree's nodes back to the tree
            r.add(f.severity, f.message, _locate(tree, index), tree)
            continue
        fpath = ctx.source_path(f.path) if f.path else None
        src_pos = _locate(_snake_to_src(fpath or "$"), index)
        r.add(f.severity, f.message, src_pos, _yaml_path(fpath) if fpath else None)
    if r.has_errors:
        return _fail(r, spec, "Error translating config: config generated was invalid")
    failed = strict and any(e.kind == "warning" for e in r.entries)
    return Translation(
        None if failed else out,
        r.entries,
        spec,
        "butane",
        note="Error translating config: strict mode: warnings present" if failed else None,
    )


_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def _yaml_path(path: str) -> str:
    """Butane reports Ignition's findings at the Butane (snake_case) path: $.kernel_arguments.should_not_exist.1."""
    out = []
    for seg in path.split("."):
        if seg.endswith("MiB"):  # sizeMiB / startMiB -> size_mib / start_mib
            seg = seg[:-3] + "_mib"
        out.append(_CAMEL.sub(r"_\1", seg).lower() if not seg.isdigit() else seg)
    return ".".join(out)


def _snake_to_src(path: str) -> str:
    return path  # the position index is keyed by camelCase paths already


def _header(root: Any) -> dict[str, str]:
    """``variant`` and ``version`` as Butane's first yaml.v3 pass reads them into strings (a null scalar is "")."""
    out: dict[str, str] = {}
    if isinstance(root, yaml.MappingNode):
        for k, v in root.value:
            if (
                isinstance(k, yaml.ScalarNode)
                and k.value in ("variant", "version")
                and isinstance(v, yaml.ScalarNode)
            ):
                out[k.value] = "" if scalar_tag(v) == "!!null" else v.value
    return out


def _fail(r: Report, spec: str, note: str) -> Translation:
    return Translation(None, r.entries, spec, "butane", note=note)


def is_butane(root: Any) -> bool:
    return "variant" in _header(root)


__all__ = ["translate_butane", "encode_inline", "mount_unit", "systemd_escape_path", "VERSIONS", "pos"]
