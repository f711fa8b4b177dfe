"""Container Linux Config → Ignition 2.3.0 with ct v0.9.4 semantics (flatcar.md §4).

Pipeline: compose YAML with positions → type-directed decode (yaml.v3 rules) → unknown keys → parse-time
checks →
converters in ct's fixed order → Ignition 2.3 checks of the output, positioned on the CLC source. Any error
means
no output. Output dicts are built in Go struct order so that :func:`lokonb.flatcar.gojson.to_json` matches ct.
"""

from __future__ import annotations

import math
import os
import posixpath
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from lokonb.flatcar import clc_sections as sec
from lokonb.flatcar.convert import ConversionError, convert_2x_to_3x
from lokonb.flatcar.encoding import GoUrlError, data_url_percent, go_url
from lokonb.flatcar.errors import require_files_dir, require_flag, require_kind, require_text
from lokonb.flatcar.gojson import loads as go_loads
from lokonb.flatcar.gopath import go_read_file
from lokonb.flatcar.goscan import syntax_error
from lokonb.flatcar.ign2checks import check_config, check_output
from lokonb.flatcar.report import Report, ReportEntry, Translation
from lokonb.flatcar.yamlpos import (
    BOOL,
    INT,
    RAW,
    STR,
    UINT,
    Obj,
    Scalar,
    Seq,
    Struct,
    YamlSyntaxError,
    compose,
    decode,
    did_you_mean,
    pos,
    scalar_tag,
)

SPEC = "2.3.0"

# ---------------------------------------------------------------------------------------------- CLC schema

_HASH = Struct("types.Hash", {"function": STR, "sum": STR})
_VERIFICATION = Struct("types.Verification", {"hash": _HASH})
_CONFIG_REF = Struct("types.ConfigReference", {"source": STR, "verification": _VERIFICATION})
_CA_REF = Struct("types.CaReference", {"source": STR, "verification": _VERIFICATION})
_IGNITION = Struct(
    "types.Ignition",
    {
        "config": Struct("types.IgnitionConfig", {"append": Seq(_CONFIG_REF), "replace": _CONFIG_REF}),
        "timeouts": Struct("types.Timeouts", {"http_response_headers": INT, "http_total": INT}),
        "security": Struct(
            "types.Security", {"tls": Struct("types.TLS", {"certificate_authorities": Seq(_CA_REF)})}
        ),
    },
)
_NODE_USER = Struct("types.FileUser", {"id": INT, "name": STR})
_NODE_GROUP = Struct("types.FileGroup", {"id": INT, "name": STR})
_REMOTE = Struct("types.Remote", {"url": STR, "compression": STR, "verification": _VERIFICATION})
_FILE = Struct(
    "types.File",
    {
        "filesystem": STR,
        "path": STR,
        "user": _NODE_USER,
        "group": _NODE_GROUP,
        "mode": INT,
        "overwrite": BOOL,
        "append": BOOL,
        "contents": Struct("types.FileContents", {"remote": _REMOTE, "inline": STR, "local": STR}),
    },
)
_DIRECTORY = Struct(
    "types.Directory",
    {
        "filesystem": STR,
        "path": STR,
        "user": _NODE_USER,
        "group": _NODE_GROUP,
        "mode": INT,
        "overwrite": BOOL,
    },
)
_LINK = Struct(
    "types.Link",
    {
        "filesystem": STR,
        "path": STR,
        "user": _NODE_USER,
        "group": _NODE_GROUP,
        "overwrite": BOOL,
        "hard": BOOL,
        "target": STR,
    },
)
_PARTITION = Struct(
    "types.Partition", {"label": STR, "number": INT, "size": STR, "start": STR, "guid": STR, "type_guid": STR}
)
_DISK = Struct("types.Disk", {"device": STR, "wipe_table": BOOL, "partitions": Seq(_PARTITION)})
_RAID = Struct(
    "types.Raid", {"name": STR, "level": STR, "devices": Seq(STR), "spares": INT, "options": Seq(STR)}
)
_MOUNT = Struct(
    "types.Mount",
    {
        "device": STR,
        "format": STR,
        "wipe_filesystem": BOOL,
        "label": STR,
        "uuid": STR,
        "options": Seq(STR),
        "create": Struct("types.Create", {"force": BOOL, "options": Seq(STR)}),
    },
)
_FILESYSTEM = Struct("types.Filesystem", {"name": STR, "mount": _MOUNT, "path": STR})
_DROPIN = Struct("types.SystemdUnitDropIn", {"name": STR, "contents": STR})
_UNIT = Struct(
    "types.SystemdUnit",
    {"name": STR, "enable": BOOL, "enabled": BOOL, "mask": BOOL, "contents": STR, "dropins": Seq(_DROPIN)},
)
_NETWORKD_DROPIN = Struct("types.NetworkdUnitDropIn", {"name": STR, "contents": STR})
_NETWORKD_UNIT = Struct(
    "types.NetworkdUnit", {"name": STR, "contents": STR, "dropins": Seq(_NETWORKD_DROPIN)}
)
_USER_CREATE_FIELDS = {
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
}
_USER = Struct(
    "types.User",
    {
        "name": STR,
        "password_hash": STR,
        "ssh_authorized_keys": Seq(STR),
        **_USER_CREATE_FIELDS,
        # ct's UserCreate.Uid and Group.Gid are *uint (a negative value fails decoding), User.UID is *int
        "create": Struct("types.UserCreate", {**_USER_CREATE_FIELDS, "uid": UINT}),
    },
)
_GROUP = Struct("types.Group", {"name": STR, "gid": UINT, "password_hash": STR, "system": BOOL})
# ct's update fields are named string types (type UpdateGroup string...): yaml.v3's type errors name them
_UPDATE = Struct(
    "types.Update",
    {
        "group": Scalar("str", "types.UpdateGroup"),
        "server": Scalar("str", "types.UpdateServer"),
        "pcr_policy_server": Scalar("str", "types.UpdatePCRPolicyServer"),
        "download_user": Scalar("str", "types.UpdateDownloadUser"),
        "download_password": Scalar("str", "types.UpdateDownloadPassword"),
        "machine_alias": Scalar("str", "types.UpdateMachineAlias"),
    },
)
_LOCKSMITH = Struct(
    "types.Locksmith",
    {
        "reboot_strategy": STR,
        "window_start": STR,
        "window_length": STR,
        "group": STR,
        "etcd_endpoints": STR,
        "etcd_cafile": STR,
        "etcd_certfile": STR,
        "etcd_keyfile": STR,
    },
)
CONFIG = Struct(
    "types.Config",
    {
        "version": INT,
        "ignition": _IGNITION,
        "storage": Struct(
            "types.Storage",
            {
                "disks": Seq(_DISK),
                "raid": Seq(_RAID),
                "filesystems": Seq(_FILESYSTEM),
                "files": Seq(_FILE),
                "directories": Seq(_DIRECTORY),
                "links": Seq(_LINK),
            },
        ),
        "systemd": Struct("types.Systemd", {"units": Seq(_UNIT)}),
        "networkd": Struct("types.Networkd", {"units": Seq(_NETWORKD_UNIT)}),
        "passwd": Struct("types.Passwd", {"users": Seq(_USER), "groups": Seq(_GROUP)}),
        "etcd": RAW,
        "flannel": RAW,
        "docker": Struct("types.Docker", {"flags": Seq(STR)}),
        "update": _UPDATE,
        "locksmith": _LOCKSMITH,
    },
)

TYPE_GUID_ALIASES = {
    "raid_containing_root": "be9067b9-ea49-4f15-b4f6-f36f8c9e1818",
    "linux_filesystem_data": "0fc63daf-8483-4772-8e79-3d69d8477de4",
    "swap_partition": "0657fd6d-a4ab-43c4-84e5-0933c84b4f4f",
    "raid_partition": "a19d880f-05fc-4d3b-a006-743f0f84911e",
}


# alecthomas/units ParseBase2Bytes as ct uses it: "KiB"-style units first, then "KB"-style (both 1024-based).
def _unit_map(suffix: str) -> dict[str, float]:
    out = {"B": 1.0}
    for i, p in enumerate("KMGTPE", start=1):
        out[p + suffix] = float(1024**i)
    return out


_UNITS_IEC = _unit_map("iB")
_UNITS_OLD = _unit_map("B")
MIB = 1 << 20


class _SizeError(ValueError):
    pass


_LEADING_INT_LIMIT = (2**63 - 10) // 10


def _leading_int(s: str) -> tuple[int, str] | None:
    """``leadingInt``: the leading ASCII digits as an int64, None when it would overflow (Go checks before each
    further digit)."""
    x, i = 0, 0
    while i < len(s) and "0" <= s[i] <= "9":
        if x >= _LEADING_INT_LIMIT:
            return None
        x = x * 10 + ord(s[i]) - 48
        i += 1
    return x, s[i:]


def _parse_unit(orig: str, units: dict[str, float]) -> int:
    """``units.ParseUnit``: ``[-+]?([0-9]*(\\.[0-9]*)?[a-z]+)+`` with Go's messages."""
    s, neg, total = orig, False, 0.0
    if s and s[0] in "+-":
        neg, s = s[0] == "-", s[1:]
    if s == "0":
        return 0
    if not s:
        raise _SizeError("units: invalid " + orig)
    while s:
        if not (s[0] == "." or ("0" <= s[0] <= "9")):
            raise _SizeError("units: invalid " + orig)
        before = len(s)
        lead = _leading_int(s)
        if lead is None:
            raise _SizeError("units: invalid " + orig)
        x, s = lead
        value, pre, post = float(x), before != len(s), False
        if s and s[0] == ".":
            s = s[1:]
            before = len(s)
            lead = _leading_int(s)
            if lead is None:
                raise _SizeError("units: invalid " + orig)
            x, s = lead
            value += x / (10 ** (before - len(s)))
            post = before != len(s)
        if not pre and not post:
            raise _SizeError("units: invalid " + orig)
        i = 0
        while i < len(s) and not (s[i] == "." or ("0" <= s[i] <= "9")):
            i += 1
        unit, s = s[:i], s[i:]
        if unit not in units:
            raise _SizeError(f"units: unknown unit {unit} in {orig}")
        total += value * units[unit]
    return int(-total if neg else total)


def parse_size_mib(text: str) -> int:
    """Partition ``size``/``start`` (``1GB512MB`` → 1536); raise with ct's messages."""
    try:
        size = _parse_unit(text, _UNITS_IEC)
    except _SizeError:
        size = _parse_unit(text, _UNITS_OLD)
    if size < 0:
        raise _SizeError(f"invalid dimension (negative): {sec.go_quote(text)}")
    if size % MIB:
        raise _SizeError("invalid dimension (finest granularity is 1MiB)")
    return size // MIB


def skeleton() -> dict[str, Any]:
    return {
        "ignition": {"config": {}, "security": {"tls": {}}, "timeouts": {}, "version": SPEC},
        "networkd": {},
        "passwd": {},
        "storage": {},
        "systemd": {},
    }


# --------------------------------------------------------------------------------------------- translator


class _Ctx:
    def __init__(self, platform: str | None, files_dir: str | os.PathLike[str] | None) -> None:
        self.platform = platform
        self.files_dir = Path(files_dir) if files_dir else None
        self.r = Report()
        #: (kind, CLC object, output object) for the Ignition 2.3 checks, positioned on the CLC source
        self.pairs: list[tuple[str, Any, dict[str, Any]]] = []


def _set(d: dict[str, Any], key: str, value: Any) -> None:
    if value:
        d[key] = value


def _verification(v: Obj | None) -> dict[str, Any]:
    if not v or not v.get("hash"):
        return {}
    h = v["hash"]
    if h.get("function") and h.get("sum"):
        return {"hash": f"{h['function']}-{h['sum']}"}
    return {}


def _ref(ref: Obj) -> dict[str, Any]:
    # Ignition 2.3's ConfigReference/CaReference: `json:"source"` has no omitempty, so "" is written
    return {"source": ref.get("source") or "", "verification": _verification(ref.get("verification"))}


def _node(entry: Obj, out: dict[str, Any]) -> None:
    out["filesystem"] = entry.get("filesystem") or "root"
    for key in ("group",):
        g = entry.get(key)
        if g is not None:
            out[key] = _owner(g)
    if entry.get("overwrite") is not None:
        out["overwrite"] = entry["overwrite"]
    out["path"] = entry.get("path") or ""
    u = entry.get("user")
    if u is not None:
        out["user"] = _owner(u)


def _owner(o: Obj) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if o.get("id") is not None:
        out["id"] = o["id"]
    _set(out, "name", o.get("name"))
    return out


def _convert_ignition(cfg: Obj, out: dict[str, Any], ctx: _Ctx) -> None:
    ign = cfg.get("ignition")
    if not ign:
        return
    conf = ign.get("config")
    if conf:
        appends = []
        for ref in _items(conf.get("append")):  # a null entry is a zero ConfigReference: source ""
            if _ref_url_ok(ref, ctx):
                appends.append(_ref(ref))
                ctx.pairs.append(("ref", ref, appends[-1]))
        if appends:
            out["ignition"]["config"]["append"] = appends
        rep = conf.get("replace")
        if rep is not None and _ref_url_ok(rep, ctx):
            out["ignition"]["config"]["replace"] = _ref(rep)
            ctx.pairs.append(("ref", rep, out["ignition"]["config"]["replace"]))
    sec_ = (ign.get("security") or {}).get("tls") or {}
    cas = []
    for ca in _items(sec_.get("certificate_authorities")):  # ct's security.go parses no URL: only validation does
        cas.append(_ref(ca))
        ctx.pairs.append(("ref", ca, cas[-1]))
    if cas:
        out["ignition"]["security"]["tls"]["certificateAuthorities"] = cas
    t = ign.get("timeouts") or {}
    if t.get("http_response_headers") is not None:
        out["ignition"]["timeouts"]["httpResponseHeaders"] = t["http_response_headers"]
    if t.get("http_total") is not None:
        out["ignition"]["timeouts"]["httpTotal"] = t["http_total"]


def _ref_url_ok(ref: Obj, ctx: _Ctx) -> bool:
    try:
        go_url(ref.get("source") or "")
    except GoUrlError as exc:
        ctx.r.error(str(exc), ref.at("source"))
        return False
    return True


def _items(seq: Any) -> Iterator[Obj]:
    """The entries of a decoded list; a null entry (``- ~``) becomes an empty mapping at the entry's position (ct
    reports the zero-value struct's errors there), not at 0:0."""
    ipos = getattr(seq, "ipos", [])
    for i, item in enumerate(seq or []):
        yield item if item is not None else Obj(ipos[i] if i < len(ipos) else getattr(seq, "pos", (0, 0)))


def _convert_disks(cfg: Obj, out: dict[str, Any], ctx: _Ctx) -> None:
    disks = (cfg.get("storage") or {}).get("disks") or []
    res = []
    for disk in _items(disks):
        d: dict[str, Any] = {"device": disk.get("device") or ""}
        parts = []
        for part in _items(disk.get("partitions")):
            p: dict[str, Any] = {}
            _set(p, "guid", part.get("guid"))
            if part.get("label") is not None:
                p["label"] = part["label"]
            _set(p, "number", part.get("number"))
            ok = True
            sizes: dict[str, int] = {}
            # ct's disks.go: an empty string is no dimension; size is converted before start, and its error drops
            # the partition without looking at start
            for key, okey in (("size", "sizeMiB"), ("start", "startMiB")):
                if part.get(key) in (None, ""):
                    continue
                try:
                    sizes[okey] = parse_size_mib(part[key])
                except _SizeError as exc:
                    ctx.r.error(str(exc), part.at(key))
                    ok = False
                    break
            if not ok:
                continue
            if "sizeMiB" in sizes:
                p["sizeMiB"] = sizes["sizeMiB"]
            if "startMiB" in sizes:
                p["startMiB"] = sizes["startMiB"]
            tg = part.get("type_guid")
            if tg:
                p["typeGuid"] = TYPE_GUID_ALIASES.get(tg, tg)
            parts.append(p)
        if parts:
            d["partitions"] = parts
        _set(d, "wipeTable", disk.get("wipe_table"))
        res.append(d)
        ctx.pairs.append(("disk", disk, d))
    if res:
        out["storage"]["disks"] = res


def _opts_lines(opts: list[tuple[str, str]], values: Obj, renames: dict[str, str]) -> list[str]:
    """``--flag=value`` lines in table order. etcd and flannel options are Go pointers in ct v0.9 (flannel since the
    ignition v2_3 types; before, its fields were plain and omitted when zero): emitted when set, even "", false, 0."""
    lines = []
    for name, typ in opts:
        if name not in values or values[name] is None:
            continue
        v = values[name]
        flag = renames.get(name, name.replace("_", "-"))
        if typ == "s":
            text = sec.go_quote(v)
        elif typ == "b":
            text = "true" if v else "false"
        else:
            text = str(v)
        lines.append(f"--{flag}={text}")
    return lines


def _template(flag_lines: list[str], ctx: _Ctx, where: str) -> tuple[list[str], bool]:
    """Dynamic-data substitution of ``{FIELD}`` placeholders in rendered flags."""
    if not any("{" in line or "}" in line for line in flag_lines):
        return flag_lines, False
    if not ctx.platform:
        ctx.r.error("platform must be specified to use templating")
        return flag_lines, True
    mapping = sec.PLATFORMS.get(ctx.platform, {})
    out = [sec.perform_templating(mapping, line) for line in flag_lines]
    if None in out:
        ctx.r.error("unknown field")
        return flag_lines, True
    return [line for line in out if line is not None], True


def _wrapper_dropin(
    ctx: _Ctx,
    tag_env: str,
    version: str | None,
    wrapper: str,
    flags: list[str],
    extra_service: list[str],
    where: str,
) -> str:
    flags, templated = _template(flags, ctx, where)
    unit: list[str] = []
    service: list[str] = []
    if templated:
        unit = ["Requires=coreos-metadata.service", "After=coreos-metadata.service"]
        service.append("EnvironmentFile=/run/metadata/coreos")
    if version:
        service.append(f'Environment="{tag_env}=v{version}"')
    service.append("ExecStart=")
    service.append(wrapper + "".join(f" \\\n  {f}" for f in flags))
    service.extend(extra_service)
    return sec.unit_text(unit, service, [])


def _decode_versioned(
    node: Any, goname: str, choose: Any, ctx: _Ctx, path: str, unknown: list[Any]
) -> tuple[Obj | None, Any]:
    """Decode an etcd/flannel mapping: read ``version`` first, then decode against that version's options.
    ``goname`` is the type ct's UnmarshalYAML decodes into first (``etcdCommon``), named by a non-mapping's error."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        ctx.r.error(
            f"yaml: unmarshal errors:\n  line {pos(node)[0]}: cannot unmarshal "
            f"{'!!seq' if isinstance(node, yaml.SequenceNode) else '!!str `' + str(node.value) + '`'}"
            f" into {goname}",
            (pos(node)[0], None),
        )  # type: ignore[arg-type]
        return None, None
    version = None
    vpos = pos(node)
    for k, v in node.value:
        # a null version is a nil *EtcdVersion (the default set); any other scalar, "" included, is parsed
        if getattr(k, "value", None) == "version" and isinstance(v, yaml.ScalarNode) and scalar_tag(v) != "!!null":
            version = v.value
            vpos = pos(v)
    chosen = choose(version, vpos, pos(node))
    if chosen is None:
        return None, None
    struct, meta = chosen
    res = decode(node, struct, path, astyaml_keys=True)
    if res.type_errors:
        line = res.type_errors[0][0]
        ctx.r.entries.append(_unmarshal_entry(res.type_errors, line, res.first_error_column))
        return None, None
    unknown.extend(res.unknown)
    opts = meta[0]
    if opts in (sec.ETCD_30, sec.ETCD_31, sec.ETCD_32, sec.ETCD_33):
        for key, note in sec.ETCD_DEPRECATED.items():
            if key in res.value:
                ctx.r.add("deprecated", note, res.value.kpos[key])
    return res.value, meta


def _unmarshal_entry(
    errors: list[tuple[int, str]],
    line: int,  # type: ignore[no-untyped-def]
    column: int | None = None,
):
    from lokonb.flatcar.report import ReportEntry

    msg = "yaml: unmarshal errors:" + "".join(f"\n  line {ln}: {m}" for ln, m in errors)
    return ReportEntry("error", msg, line, None, hint_column=column)


def _semver(version: str, vpos: tuple[int, int], ctx: _Ctx) -> sec.GoSemver | None:
    """The etcd/flannel ``version`` as go-semver parses it in ct's UnmarshalYAML: a failure is a decode error, which
    ct's Parse reports without a position (the line is kept as a hint for snippet labels)."""
    try:
        return sec.go_semver(version)
    except sec.SemverError as exc:
        ctx.r.entries.append(ReportEntry("error", str(exc), vpos[0], None, hint_column=vpos[1]))
        return None


_OLDEST_ETCD = sec.GoSemver(2, 3, 0)
_OLDEST_FLANNEL = sec.GoSemver(0, 5, 0)


def _choose_etcd(ctx: _Ctx):  # type: ignore[no-untyped-def]
    # EtcdVersion/FlannelVersion.Validate run on the version field, so ct positions their entries at its value
    def choose(version: str | None, vpos: tuple[int, int], mpos: tuple[int, int]):  # type: ignore[no-untyped-def]
        extra = {"version": STR}
        if version is None:
            return sec.option_struct("types.Etcd", sec.ETCD_35, extra), (sec.ETCD_35, None)
        v = _semver(version, vpos, ctx)
        if v is None:
            return None
        if v.less_than(_OLDEST_ETCD):  # LessThan: 2.3.0-rc.1 is too old too
            ctx.r.error("Etcd version specified is not valid (too old)", vpos)
            return None
        if v.major > 3:
            ctx.r.error("Etcd version is not valid (too new)", vpos)
            return None
        if (v.major == 2 and v.minor > 3) or (v.major == 3 and v.minor > 5):
            ctx.r.warning(
                "Etcd minor version specified is too new, only options available in the previous "
                "minor version will be accepted",
                vpos,
            )
        if v.major == 2:
            opts = sec.ETCD_2
        else:
            opts = {0: sec.ETCD_30, 1: sec.ETCD_31, 2: sec.ETCD_32, 3: sec.ETCD_33, 4: sec.ETCD_34}.get(
                v.minor, sec.ETCD_35
            )
        return sec.option_struct("types.Etcd", opts, extra), (opts, str(v))

    return choose


def _choose_flannel(ctx: _Ctx):  # type: ignore[no-untyped-def]
    def choose(version: str | None, vpos: tuple[int, int], mpos: tuple[int, int]):  # type: ignore[no-untyped-def]
        extra = {"version": STR, "network_config": Scalar("str", "types.NetworkConfig")}
        if version is None:
            return sec.option_struct("types.Flannel", sec.FLANNEL_06, extra), (sec.FLANNEL_06, None, 6)
        v = _semver(version, vpos, ctx)
        if v is None:
            return None
        if v.less_than(_OLDEST_FLANNEL):
            ctx.r.error("invalid flannel version (too old)", vpos)
            return None
        if v.major == 0 and v.minor > 7:
            ctx.r.warning(
                "flannel minor version too new. Only options available in the previous minor version "
                "will be supported",
                vpos,
            )
        if v.major > 0:  # ct knows no option set for flannel >= 1: every option is an unknown key
            return sec.option_struct("types.Flannel", [], extra), ([], str(v), 0)
        opts = {5: sec.FLANNEL_05, 6: sec.FLANNEL_06}.get(v.minor, sec.FLANNEL_07)
        return sec.option_struct("types.Flannel", opts, extra), (opts, str(v), min(v.minor, 7))

    return choose


def _convert_docker(cfg: Obj, units: list[dict[str, Any]]) -> None:
    docker = cfg.get("docker")
    if docker is None:
        return
    flags = " ".join(docker.get("flags") or [])
    units.append(
        {
            "dropins": [
                {"contents": f'[Service]\nEnvironment="DOCKER_OPTS={flags}"', "name": "20-clct-docker.conf"}
            ],
            "enable": True,
            "name": "docker.service",
        }
    )


def _convert_etcd(etcd: Obj | None, meta: Any, ctx: _Ctx, units: list[dict[str, Any]]) -> None:
    if etcd is None:
        return
    opts, version = meta
    flags = _opts_lines(opts, etcd, {})
    text = _wrapper_dropin(
        ctx, "ETCD_IMAGE_TAG", version, "ExecStart=/usr/lib/coreos/etcd-wrapper $ETCD_OPTS", flags, [], "etcd"
    )
    units.append(
        {
            "dropins": [{"contents": text, "name": "20-clct-etcd-member.conf"}],
            "enable": True,
            "name": "etcd-member.service",
        }
    )


def _convert_flannel(fl: Obj | None, meta: Any, ctx: _Ctx, units: list[dict[str, Any]]) -> None:
    if fl is None:
        return
    opts, version, _minor = meta
    extra: list[str] = []
    nc = fl.get("network_config")
    if nc:
        line = "ExecStartPre=/usr/bin/etcdctl"
        for key, flag in (
            ("etcd_endpoints", "endpoints"),
            ("etcd_cafile", "ca-file"),
            ("etcd_certfile", "cert-file"),
            ("etcd_keyfile", "key-file"),
        ):
            if fl.get(key) is not None:  # *string: set, even to ""
                line += f" --{flag}={sec.go_quote(fl[key])}"
        line += f" set /coreos.com/network/config {sec.go_quote(nc)}"
        extra.append(line)
    flags = _opts_lines(opts, fl, {"interface": "iface"})
    text = _wrapper_dropin(
        ctx,
        "FLANNEL_IMAGE_TAG",
        version,
        "ExecStart=/usr/lib/coreos/flannel-wrapper $FLANNEL_OPTS",
        flags,
        extra,
        "flannel",
    )
    units.append(
        {
            "dropins": [{"contents": text, "name": "20-clct-flannel.conf"}],
            "enable": True,
            "name": "flanneld.service",
        }
    )


def _convert_files(cfg: Obj, out: dict[str, Any], ctx: _Ctx) -> None:
    storage = cfg.get("storage") or {}
    files = []
    for f in _items(storage.get("files")):
        o: dict[str, Any] = {}
        _node(f, o)
        _set(o, "append", f.get("append"))
        contents = f.get("contents") or Obj()
        remote = contents.get("remote") or Obj()
        c: dict[str, Any] = {}
        _set(c, "compression", remote.get("compression"))
        source = None
        if contents.get("inline"):
            source = data_url_percent(contents["inline"].encode("utf-8"))
        if contents.get("local"):
            data = _read_local(contents["local"], contents.at("local"), ctx)
            if data is None:
                continue
            source = data_url_percent(data)
        if remote.get("url"):
            try:
                source = go_url(remote["url"])
            except GoUrlError as exc:
                ctx.r.error(str(exc), remote.at("url"))
                continue
        c["source"] = source if source is not None else "data:,"
        c["verification"] = _verification(remote.get("verification"))
        o["contents"] = c
        o["mode"] = f["mode"] if f.get("mode") is not None else 0o644
        files.append(o)
        ctx.pairs.append(("file", f, o))
    if files:
        out["storage"]["files"] = files
    dirs = []
    for d in _items(storage.get("directories")):
        o = {}
        _node(d, o)
        o["mode"] = d["mode"] if d.get("mode") is not None else 0o755
        dirs.append(o)
        ctx.pairs.append(("directory", d, o))
    if dirs:
        out["storage"]["directories"] = dirs
    links = []
    for ln in _items(storage.get("links")):
        o = {}
        _node(ln, o)
        _set(o, "hard", ln.get("hard"))
        o["target"] = ln.get("target") or ""
        links.append(o)
        ctx.pairs.append(("link", ln, o))
    if links:
        out["storage"]["links"] = links


def _read_local(rel: str, at: tuple[int, int], ctx: _Ctx) -> bytes | None:
    if ctx.files_dir is None:
        ctx.r.error(
            "local files require setting the --files-dir flag to the directory that contains the file", at
        )
        return None
    base = ctx.files_dir.resolve()
    target = Path(f"{base}/{rel}").resolve()  # path.Join: an absolute `local` stays under files_dir
    if target != base and base not in target.parents:
        ctx.r.error("local file path traverses outside the files directory", at)
        return None
    # ct: ioutil.ReadFile(path.Join(filesDir, local)) -- the error names the cleaned path; a directory opens
    # fine and fails on read
    shown = posixpath.normpath(f"{ctx.files_dir}/{rel}")
    if shown.startswith("//"):
        shown = "/" + shown.lstrip("/")
    data, error = go_read_file(str(target), shown)
    if error:
        ctx.r.error(error, at)
    return data


def _convert_filesystems(cfg: Obj, out: dict[str, Any], ctx: _Ctx) -> None:
    res = []
    for fs in _items((cfg.get("storage") or {}).get("filesystems")):
        o: dict[str, Any] = {}
        m = fs.get("mount")
        if m is not None:
            mo: dict[str, Any] = {}
            cr = m.get("create")
            if cr is not None:
                co: dict[str, Any] = {}
                _set(co, "force", cr.get("force"))
                _set(co, "options", list(cr.get("options") or []))
                mo["create"] = co
            mo["device"] = m.get("device") or ""
            mo["format"] = m.get("format") or ""
            if m.get("label") is not None:
                mo["label"] = m["label"]
            _set(mo, "options", list(m.get("options") or []))
            if m.get("uuid") is not None:
                mo["uuid"] = m["uuid"]
            _set(mo, "wipeFilesystem", m.get("wipe_filesystem"))
            o["mount"] = mo
        _set(o, "name", fs.get("name"))
        if fs.get("path") is not None:
            o["path"] = fs["path"]
        res.append(o)
        ctx.pairs.append(("filesystem", fs, o))
    if res:
        out["storage"]["filesystems"] = res


def _convert_networkd(cfg: Obj, out: dict[str, Any], ctx: _Ctx) -> None:
    units = []
    for u in _items((cfg.get("networkd") or {}).get("units")):
        o: dict[str, Any] = {}
        _set(o, "contents", u.get("contents"))
        dropins = [_dropin(d) for d in u.get("dropins") or []]
        _set(o, "dropins", dropins)
        o["name"] = u.get("name") or ""
        units.append(o)
        ctx.pairs.append(("networkd", u, o))
    if units:
        out["networkd"]["units"] = units


def _dropin(d: Obj | None) -> dict[str, Any]:
    d = d or Obj()
    o: dict[str, Any] = {}
    _set(o, "contents", d.get("contents"))
    o["name"] = d.get("name") or ""
    return o


def _go_int(value: int) -> int:
    """ct's convertUintPointerToIntPointer: ``int(*u)`` wraps a uint64 above MaxInt64 to a negative int."""
    return value - 2**64 if value >= 2**63 else value


_USER_KEYS = (
    ("gecos", "gecos"),
    ("groups", "groups"),
    ("home_dir", "homeDir"),
    ("no_create_home", "noCreateHome"),
    ("no_log_init", "noLogInit"),
    ("no_user_group", "noUserGroup"),
    ("primary_group", "primaryGroup"),
    ("shell", "shell"),
    ("system", "system"),
)


def _user_fields(u: Obj, out: dict[str, Any], *, with_name: bool) -> None:
    for key, okey in _USER_KEYS:
        if with_name and okey == "noCreateHome":
            out["name"] = u.get("name") or ""
        if with_name and okey == "primaryGroup" and u.get("password_hash") is not None:
            out["passwordHash"] = u["password_hash"]
        if with_name and okey == "shell" and u.get("ssh_authorized_keys"):
            out["sshAuthorizedKeys"] = list(u["ssh_authorized_keys"])
        v = u.get(key)
        if key == "groups":
            v = list(v) if v else None
        _set(out, okey, v)
    if u.get("uid") is not None:
        out["uid"] = _go_int(u["uid"])


def _convert_passwd(cfg: Obj, out: dict[str, Any], ctx: _Ctx) -> None:
    pw = cfg.get("passwd")
    if not pw:
        return
    groups = []
    for g in _items(pw.get("groups")):
        o: dict[str, Any] = {}
        if g.get("gid") is not None:
            o["gid"] = _go_int(g["gid"])
        o["name"] = g.get("name") or ""
        if g.get("password_hash"):  # a string in ct's Group and in PasswdGroup (omitempty), not a pointer: "" is unset
            o["passwordHash"] = g["password_hash"]
        _set(o, "system", g.get("system"))
        groups.append(o)
    if groups:
        out["passwd"]["groups"] = groups
    users = []
    for u in _items(pw.get("users")):
        o = {}
        if u.get("create") is not None:
            co: dict[str, Any] = {}
            _user_fields(u["create"], co, with_name=False)
            o["create"] = co
        _user_fields(u, o, with_name=True)
        users.append(_order_user(o))
        ctx.pairs.append(("user", u, users[-1]))
    if users:
        out["passwd"]["users"] = users


_USER_ORDER = (
    "create",
    "gecos",
    "groups",
    "homeDir",
    "name",
    "noCreateHome",
    "noLogInit",
    "noUserGroup",
    "passwordHash",
    "primaryGroup",
    "sshAuthorizedKeys",
    "shell",
    "system",
    "uid",
)


def _order_user(o: dict[str, Any]) -> dict[str, Any]:
    return {k: o[k] for k in _USER_ORDER if k in o}


def _convert_raid(cfg: Obj, out: dict[str, Any], ctx: _Ctx) -> None:
    res = []
    for r in _items((cfg.get("storage") or {}).get("raid")):
        o: dict[str, Any] = {
            # ct's convertStringSliceToTypesDeviceSlice appends to a nil slice and Ignition's `json:"devices"` has no
            # omitempty: absent and [] are both written as null
            "devices": list(r["devices"]) if r.get("devices") else None,
            "level": r.get("level") or "",
            "name": r.get("name") or "",
        }
        _set(o, "options", list(r.get("options") or []))
        _set(o, "spares", r.get("spares"))
        res.append(o)
        ctx.pairs.append(("raid", r, o))
    if res:
        out["storage"]["raid"] = res


def _convert_systemd(cfg: Obj, units: list[dict[str, Any]], ctx: _Ctx) -> None:
    for u in _items((cfg.get("systemd") or {}).get("units")):
        o: dict[str, Any] = {}
        _set(o, "contents", u.get("contents"))
        _set(o, "dropins", [_dropin(d) for d in u.get("dropins") or []])
        _set(o, "enable", u.get("enable"))
        if u.get("enabled") is not None:
            o["enabled"] = u["enabled"]
        _set(o, "mask", u.get("mask"))
        o["name"] = u.get("name") or ""
        units.append(o)


def _pair_units(cfg: Obj, units: list[dict[str, Any]], ctx: _Ctx) -> None:
    """Queue every output unit, generated ones included, for the Ignition checks at the CLC node ct validates it
    at: validate.Validate walks the output by index (SliceChild(i), else the sequence itself; a missing key is its
    parent's node), and the units ct generates come first, so output unit i is checked at CLC unit i's node."""
    systemd = cfg.get("systemd")
    seq = systemd.get("units") if isinstance(systemd, Obj) else None
    nodes = list(_items(seq)) if isinstance(seq, list) else []
    fallback = Obj(systemd.at("units") if isinstance(systemd, Obj) else cfg.at("systemd"))
    for i, o in enumerate(units):
        ctx.pairs.append(("unit", nodes[i] if i < len(nodes) else fallback, o))


_UPDATE_KEYS = (
    ("server", "SERVER"),
    ("pcr_policy_server", "PCR_POLICY_SERVER"),
    ("download_user", "DOWNLOAD_USER"),
    ("download_password", "DOWNLOAD_PASSWORD"),
    ("machine_alias", "MACHINE_ALIAS"),
)
_LOCKSMITH_KEYS = (
    ("reboot_strategy", "REBOOT_STRATEGY"),
    ("window_start", "LOCKSMITHD_REBOOT_WINDOW_START"),
    ("window_length", "LOCKSMITHD_REBOOT_WINDOW_LENGTH"),
    ("group", "LOCKSMITHD_GROUP"),
    ("etcd_endpoints", "LOCKSMITHD_ENDPOINT"),
    ("etcd_cafile", "LOCKSMITHD_ETCD_CAFILE"),
    ("etcd_certfile", "LOCKSMITHD_ETCD_CERTFILE"),
    ("etcd_keyfile", "LOCKSMITHD_ETCD_KEYFILE"),
)


def _convert_update(cfg: Obj, out: dict[str, Any]) -> None:
    upd = cfg.get("update")
    lock = cfg.get("locksmith")
    text = ""
    if upd is not None:
        if upd.get("group"):
            text = "GROUP=" + sec.go_lower(upd["group"])
        for key, var in _UPDATE_KEYS:
            if upd.get(key):
                text += f"\n{var}={upd[key]}"
    if lock is not None:
        # ct's Locksmith fields are *string and getArgs skips only nil pointers: an explicit "" is written as
        # KEY="" (a YAML null stays nil); the plain-string Update fields above are skipped when empty
        lines = [f"{var}={sec.go_quote(lock[key])}" for key, var in _LOCKSMITH_KEYS if lock.get(key) is not None]
        if lines:
            text += "\n" + "\n".join(lines)
    if not text:
        return
    out["storage"].setdefault("files", []).append(
        {
            "filesystem": "root",
            "path": "/etc/coreos/update.conf",
            "contents": {"source": data_url_percent(text.encode("utf-8")), "verification": {}},
            "mode": 0o644,
        }
    )


# ------------------------------------------------------------------------------------------- parse checks


def _stop_descent(obj: Obj, ctx: _Ctx) -> None:
    """A fatal struct-level Validate() in ct's parse-time walk returns before the struct's fields and its unused-key
    check: drop the warnings and infos lokonb's decoder already reported inside that mapping (unknown keys, version
    warnings)."""
    node = getattr(obj, "node", None)
    if node is None:
        return
    span = ((node.start_mark.line, node.start_mark.column), (node.end_mark.line, node.end_mark.column))

    def inside(e: Any) -> bool:
        return e.line is not None and span[0] <= (e.line - 1, (e.column or 1) - 1) < span[1]

    ctx.r.entries[:] = [e for e in ctx.r.entries if e.kind == "error" or not inside(e)]


def _parse_checks(cfg: Obj, ctx: _Ctx) -> None:
    """ct's parse-time validation (struct-level entries at the mapping, in struct order)."""
    r = ctx.r
    storage = cfg.get("storage") or {}
    for f in storage.get("files") or []:
        if f is None:
            continue
        if f.get("mode") is None:
            if f.get("append"):
                r.info("mode unspecified for file, defaulting to 0644 if the file does not exist", f.pos)
            else:
                r.warning("mode unspecified for file, defaulting to 0644", f.pos)
        c = f.get("contents")
        if c is not None:
            n = sum(1 for v in ((c.get("remote") or {}).get("url"), c.get("inline"), c.get("local")) if v)
            if n > 1:  # FileContents.Validate: fatal, so nothing inside contents is walked
                _stop_descent(c, ctx)
                r.error("only one of the following can be set: local, inline, remote.url", c.pos)
    for d in storage.get("directories") or []:
        if d is not None and d.get("mode") is None:
            r.warning("mode unspecified for directory, defaulting to 0755", d.pos)
    _check_update(cfg, ctx)


_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _sscan_two_words(text: str) -> tuple[str, str] | None:
    """``fmt.Sscanf(text, "%s %s", &a, &b)``: two whitespace-separated words (trailing text ignored); a newline
    cannot stand for the space, and a missing second word is an error."""
    words, i = [], 0
    for _ in range(2):
        while i < len(text) and text[i].isspace() and text[i] != "\n":
            i += 1
        if i == len(text) or text[i] == "\n":
            return None
        j = i
        while j < len(text) and not text[j].isspace():
            j += 1
        words.append(text[i:j])
        i = j
    return words[0], words[1]


def _check_update(cfg: Obj, ctx: _Ctx) -> None:
    upd = cfg.get("update")
    r = ctx.r
    if upd is not None:
        group = sec.go_lower(upd.get("group") or "")
        if group not in ("stable", "beta", "alpha") and not upd.get("server"):
            r.warning("unknown update group", upd.pos)  # struct-level check: at the mapping
        if upd.get("server"):
            try:
                go_url(upd["server"])
            except GoUrlError as exc:
                r.error(str(exc), upd.at("server"))
    lock = cfg.get("locksmith")
    if lock is None:
        return
    start, length = lock.get("window_start"), lock.get("window_length")
    if bool(start) != bool(length):  # struct-level: neither its fields nor its unknown keys are checked then
        _stop_descent(lock, ctx)
        r.error("window-start and window-length must both be specified", lock.pos)
        return
    strategy = lock.get("reboot_strategy")
    if strategy and sec.go_lower(strategy) not in ("reboot", "etcd-lock", "off"):
        r.error("unknown reboot strategy", lock.at("reboot_strategy"))
    if start:
        words = _sscan_two_words(start)  # fmt.Sscanf("%s %s"), else the whole text is the time
        day, clock = words if words else (None, start)
        if day is not None and sec.go_lower(day) not in _DAYS:
            r.error("unknown day in window start", lock.at("window_start"))
        elif not sec.go_clock_ok(clock):
            r.error("couldn't parse window start", lock.at("window_start"))
    if length and not sec.go_duration_ok(length):
        r.error("couldn't parse window length", lock.at("window_length"))


def _parse(text: str, ctx: _Ctx) -> tuple[Obj, Any, Any, Any, Any] | None:
    """ct's Parse stage: YAML, type-directed decode, unknown keys, parse-time checks (None on YAML
    failure)."""
    import yaml

    from lokonb.flatcar.report import ReportEntry

    r = ctx.r
    try:
        root = compose(text)
    except YamlSyntaxError as exc:
        msg = f"yaml: line {exc.line}: {exc.problem}" if exc.line else f"yaml: {exc.problem}"
        r.entries.append(ReportEntry("error", msg, exc.line, None, hint_column=exc.column))
        return None
    if root is None or (
        isinstance(root, yaml.ScalarNode)
        and root.value in ("", "~", "null", "Null", "NULL")
        and not root.style
    ):
        r.warning("Configuration is empty")
        return Obj(), None, None, None, None
    if not isinstance(root, yaml.MappingNode):
        kind = "!!seq" if isinstance(root, yaml.SequenceNode) else f"!!str `{root.value}`"
        r.entries.append(
            _unmarshal_entry(
                [(pos(root)[0], f"cannot unmarshal {kind} into types.Config")], pos(root)[0], pos(root)[1]
            )
        )
        return None
    res = decode(root, CONFIG, astyaml_keys=True)
    if res.type_errors:
        r.entries.append(_unmarshal_entry(res.type_errors, res.type_errors[0][0], res.first_error_column))
        return None
    cfg: Obj = res.value
    unknown = list(res.unknown)
    etcd, etcd_meta = (None, None)
    if cfg.get("etcd") is not None:
        etcd, etcd_meta = _decode_versioned(
            cfg["etcd"], "types.etcdCommon", _choose_etcd(ctx), ctx, "$.etcd", unknown
        )
    flannel, flannel_meta = (None, None)
    if cfg.get("flannel") is not None:
        flannel, flannel_meta = _decode_versioned(
            cfg["flannel"], "types.flannelCommon", _choose_flannel(ctx), ctx, "$.flannel", unknown
        )
    if any(e.kind == "error" and e.message.startswith("yaml: unmarshal") for e in r.entries):
        return None
    unknown.sort(key=lambda u: u.pos)
    pre = Report()
    for u in unknown:
        pre.warning(f"Config has unrecognized key: {u.key}", u.pos)
        suggestion = did_you_mean(u.key, u.known)
        if suggestion:
            pre.info(f"Did you mean {suggestion} instead of {u.key}", u.pos)
    r.entries[:0] = pre.entries
    if cfg.get("version") not in (None, 0):
        r.error("Invalid version. Only version 0 is supported", cfg.at("version"))
    _parse_checks(cfg, ctx)
    if flannel is not None:
        _check_flannel(flannel, flannel_meta[2], ctx)
    return cfg, etcd, etcd_meta, flannel, flannel_meta


def _go_float(token: str) -> float:
    """A JSON number as json.Unmarshal stores it in an interface{}: strconv.ParseFloat, out of range is an error."""
    value = float(token)
    if math.isinf(value):
        raise ValueError(f"number {token} out of float64 range")
    return value


def _check_flannel(fl: Obj, minor: int, ctx: _Ctx) -> None:
    nc = fl.get("network_config")
    if not nc:
        return

    # ct's NetworkConfig.Validate: json.Unmarshal into a map[string]interface{} -- Go's syntax (no NaN/Infinity,
    # at most MAX_DEPTH levels), an object or null, numbers that fit a float64 (1e400 fails)
    ok = syntax_error(nc) is None
    if ok:
        try:
            parsed = go_loads(nc, parse_float=_go_float, parse_int=_go_float)
            ok = parsed is None or isinstance(parsed, dict)
        except ValueError:
            ok = False
    # (*Flannel).Validate runs at the mapping before its fields, and its error stops the descent: no JSON check, no
    # version warning, no unknown keys inside the mapping
    if minor == 7 and fl.get("kube_subnet_mgr"):
        _stop_descent(fl, ctx)
        ctx.r.error("flannel network config cannot be provided if kube_subnet_mgr is set", fl.pos)
    elif not ok:
        ctx.r.error("flannel network config doesn't appear to be valid JSON", fl.at("network_config"))


# ----------------------------------------------------------------------------------------------- public

SUPPORTED_PLATFORMS = tuple(sec.PLATFORMS)


def translate_clc(
    text: str | bytes,
    *,
    platform: str | None = None,
    files_dir: str | os.PathLike[str] | None = None,
    strict: bool = False,
) -> Translation:
    """Translate a Container Linux Config to Ignition 2.3.0 exactly as ct v0.9.4 (``-platform``,
    ``--files-dir``).

    ``strict`` turns warnings into a failure (``config`` is ``None``), like ``ct -strict``. Unlike ct, an
    output that Flatcar >= 3185 could not convert to spec 3 at boot gets warnings (§6.3,
    :func:`boot_conversion_warnings`).
    """
    text = require_text(text, "translate_clc()")  # None/5 failed inside PyYAML ("a string or stream input")
    require_flag(strict, "translate_clc", "strict")
    require_files_dir(files_dir, "translate_clc")
    require_platform(platform, "translate_clc")
    return _translate_clc(text, platform, files_dir, strict, boot_check=True)


def require_platform(platform: object, function: str) -> None:
    """``platform``: a ct platform name or None; an unknown name is ct's "unsupported platform" report entry, but a
    list or dict ended in "unhashable type"."""
    require_kind(platform, str, function, "platform",
                 f"a platform name ({', '.join(SUPPORTED_PLATFORMS)}) or None", optional=True)


def _translate_clc(
    text: str | bytes,
    platform: str | None,
    files_dir: str | os.PathLike[str] | None,
    strict: bool,
    *,
    boot_check: bool,
) -> Translation:
    """:func:`translate_clc`; ``boot_check=False`` leaves the boot-conversion check to the caller
    (:func:`lokonb.flatcar.translator.translate` converts or checks with the model's filesystem paths)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    ctx = _Ctx(platform or None, files_dir)
    r = ctx.r
    parsed = _parse(text, ctx)
    if parsed is None or r.has_errors or (strict and r.entries):
        return _done(None, ctx, strict, note="Failed to parse config")
    cfg, etcd, etcd_meta, flannel, flannel_meta = parsed
    n_parse = len(r.entries)
    if platform and platform not in sec.PLATFORMS:
        r.error("unsupported platform")
        return _done(None, ctx, strict)
    out = skeleton()
    units: list[dict[str, Any]] = sec.platform_units(ctx.platform)
    _convert_ignition(cfg, out, ctx)
    _convert_disks(cfg, out, ctx)
    _convert_docker(cfg, units)
    _convert_etcd(etcd, etcd_meta, ctx, units)
    _convert_files(cfg, out, ctx)
    _convert_filesystems(cfg, out, ctx)
    _convert_flannel(flannel, flannel_meta, ctx, units)
    _convert_networkd(cfg, out, ctx)
    _convert_passwd(cfg, out, ctx)
    _convert_raid(cfg, out, ctx)
    _convert_systemd(cfg, units, ctx)
    _convert_update(cfg, out)
    if units:
        out["systemd"]["units"] = units
    _pair_units(cfg, units, ctx)
    st = out["storage"]
    out["storage"] = {
        k: st[k] for k in ("directories", "disks", "files", "filesystems", "links", "raid") if k in st
    }
    if not r.has_errors:  # ct validates its output only after a conversion without errors
        check_config(out, cfg.pos, r)
    check_output(ctx.pairs, r)
    if boot_check and not r.has_errors:
        r.entries.extend(boot_conversion_warnings(out, text))
    return _done(out, ctx, strict and len(r.entries) > n_parse)


#: Prefix of the warnings of :func:`boot_conversion_warnings`.
BOOT_CONVERSION_WARNING = "on Flatcar >= 3185 this config fails the boot-time conversion to spec 3: "


def boot_conversion_warnings(
    cfg2: Mapping[str, Any], text: str | None = None, *, filesystem_paths: Mapping[str, str] | None = None
) -> list[ReportEntry]:
    """One warning per error of the §6.3 conversion of the 2.x config ``cfg2`` (conflicting inodes, a path
    through a link of the same config, duplicate users/groups/disks/raid/filesystems or drop-ins of one unit,
    ``mount.create`` without ``force``, a non-root filesystem without a path...): ct accepts such configs, but
    Flatcar >= 3185 converts 2.x configs to spec 3 at boot, and that fails on them. Its converter knows no
    mount paths besides the config's own (hence no ``filesystem_paths`` by default). With the CLC ``text``
    that produced ``cfg2`` the warnings are positioned on it."""
    try:
        convert_2x_to_3x(cfg2, target="3.3.0", filesystem_paths=filesystem_paths)
    except ConversionError as exc:
        entries = clc_positions(text, cfg2, exc.entries) if text is not None else exc.entries
        return [
            ReportEntry("warning", BOOT_CONVERSION_WARNING + e.message, e.line, e.column, path=e.path)
            for e in entries
        ]
    return []


def clc_positions(text: str, cfg2: Mapping[str, Any], entries: list[ReportEntry]) -> list[ReportEntry]:
    """Position conversion errors (JSON paths of the 2.3.0 output) on the CLC source (§6.4): the output keeps the
    CLC's list order except the units ct generates (platform, docker, etcd, flannel), which come first."""
    try:
        root = compose(text)
    except YamlSyntaxError:
        return entries
    if root is None:
        return entries
    out = []
    for e in entries:
        p = _walk_clc(root, cfg2, e.path) if e.path and e.line is None else None
        out.append(ReportEntry(e.kind, e.message, p[0], p[1], e.path, e.source) if p else e)
    return out


def _walk_clc(root: Any, cfg2: Mapping[str, Any], path: str) -> tuple[int, int] | None:
    import yaml

    parts = path.split(".")[1:]
    node, found = root, None
    for i, part in enumerate(parts):
        if part.isdigit() and isinstance(node, yaml.SequenceNode):
            idx = int(part)
            if parts[:i] == ["systemd", "units"]:
                clc_units = len(node.value)
                idx -= len((cfg2.get("systemd") or {}).get("units") or []) - clc_units
            if not 0 <= idx < len(node.value):
                break
            node = node.value[idx]
        elif isinstance(node, yaml.MappingNode):
            snake = re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), part)
            nxt = next((v for k, v in node.value if k.value in (part, snake)), None)
            if nxt is None:
                break
            node = nxt
        else:
            break
        found = node
    return (found.start_mark.line + 1, found.start_mark.column + 1) if found is not None else None


def _done(out: dict[str, Any] | None, ctx: _Ctx, strict: bool, note: str | None = None) -> Translation:
    entries = ctx.r.entries
    failed = any(e.kind == "error" for e in entries) or (strict and any(e.kind == "warning" for e in entries))
    return Translation(None if failed else out, entries, SPEC, "clc", note=note)
