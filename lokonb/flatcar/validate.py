"""Validation of Ignition configs: packaged Draft-4 schema, in-process semantic checks, ``ignition-validate``.

Findings are structured (severity, role, spec, JSON path, message, validator, source, line/column) so renders
can report them per node role (flatcar.md §8).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from importlib import resources
from typing import Any

from lokonb.errors import kind_name, wrong_kind
from lokonb.flatcar import checks
from lokonb.flatcar.errors import InputTypeError, UnsupportedSpec, require_flag, require_kind
from lokonb.flatcar.gopath import go_clean

SPECS = ("2.3.0", "3.3.0", "3.4.0")
IGNITION_VALIDATE = "ignition-validate"
#: Specs Debian's ignition-validate 2.14 accepts as they are.
EXTERNAL_SPECS = ("3.0.0", "3.1.0", "3.2.0", "3.3.0")


@dataclass(frozen=True)
class Finding:
    """One validation result for a rendered config."""

    severity: str  # error | warning | info
    message: str
    path: str | None = None
    validator: str = "semantic"  # schema | semantic | ignition-validate
    role: str | None = None
    spec: str | None = None
    source: str | None = None
    line: int | None = None
    column: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = " ".join(p for p in (self.role or "", self.path or "") if p)
        return f"{self.severity}: {where + ': ' if where else ''}{self.message} [{self.validator}]"


# ------------------------------------------------------------------------------------------------ schema


@functools.cache
def load_schema(spec: str) -> dict[str, Any]:
    """The packaged Ignition JSON schema (byte-identical copy of coreos/ignition's)."""
    if spec not in SPECS:
        raise UnsupportedSpec(f"no schema for Ignition spec {spec!r}; known: {', '.join(SPECS)}")
    text = (
        resources.files("lokonb.flatcar").joinpath("data", f"ignition-{spec}.schema.json").read_text("utf-8")
    )
    return json.loads(text)


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` with every ``{"$ref": "#/..."}`` replaced by (a copy of) its target. The packaged schemas use
    only such local references, without sibling keywords, and none is recursive (else ValueError). jsonschema
    then validates about twice as fast (no reference lookups per instance node) with the same errors: same
    messages, paths and order, since a resolved reference is validated with the very keywords it points to."""

    def walk(node: Any, refs: frozenset[str]) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None:
                if len(node) != 1 or not isinstance(ref, str) or not ref.startswith("#/") or ref in refs:
                    raise ValueError(f"cannot inline $ref {ref!r}")
                target: Any = schema
                for part in ref[2:].split("/"):
                    target = target[part]
                return walk(target, refs | {ref})
            return {k: walk(v, refs) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, refs) for v in node]
        return node

    return walk(schema, frozenset())


@functools.cache
def _validator(spec: str) -> Any:
    import jsonschema

    schema = load_schema(spec)
    try:
        schema = _inline_refs(schema)
    except ValueError:
        pass  # validate with the references as they are
    return jsonschema.Draft4Validator(schema)


def _json_path(parts: Any) -> str:
    return "$" + "".join(f".{p}" for p in parts)


def schema_findings(config: dict[str, Any], spec: str) -> list[Finding]:
    out = []
    for err in sorted(_validator(spec).iter_errors(config), key=lambda e: list(map(str, e.absolute_path))):
        out.append(Finding("error", err.message, _json_path(err.absolute_path), "schema", spec=spec))
    return out


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    if ref:
        target: Any = schema
        for part in ref.lstrip("#/").split("/"):
            target = target[part]
        return _resolve(schema, target)
    return node


def _props(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any] | None:
    node = _resolve(schema, node)
    props: dict[str, Any] = {}
    found = False
    if "properties" in node:
        props.update(node["properties"])
        found = True
    for sub in node.get("allOf", []):
        p = _props(schema, sub)
        if p is not None:
            props.update(p)
            found = True
    return props if found else None


def _unknown_keys(
    schema: dict[str, Any], node: dict[str, Any], value: Any, path: str, out: list[Finding], spec: str
) -> None:
    node = _resolve(schema, node)
    if isinstance(value, dict):
        props = _props(schema, node)
        if props is None:
            return
        for k, v in value.items():
            if k not in props:
                out.append(
                    Finding(
                        "error",
                        f"unknown key {k} (Ignition would ignore it)",
                        f"{path}.{k}",
                        "semantic",
                        spec=spec,
                    )
                )
            else:
                _unknown_keys(schema, props[k], v, f"{path}.{k}", out, spec)
    elif isinstance(value, list) and "items" in node:
        for i, v in enumerate(value):
            _unknown_keys(schema, node["items"], v, f"{path}.{i}", out, spec)


# ---------------------------------------------------------------------------------------------- semantic


SPECIAL_MODE_BITS_WARNING = "setuid/setgid/sticky bits are not supported in spec versions older than 3.4.0"


_go_clean = go_clean


def semantic_findings(
    config: dict[str, Any],
    spec: str,
    *,
    unknown_keys: bool = True,
    extras: bool = True,
    dups_first: bool = False,
) -> list[Finding]:
    """Ignition's own rules the schema cannot express, plus (``extras``) lokonb's boot-safety checks
    (§8.2). Spec 3's duplicate pass comes last, as ignition-validate runs it, or first with ``dups_first``, as
    Butane's Translate runs it (ValidateDups before validate.Validate)."""
    out: list[Finding] = []

    def err(path: str, msg: str, sev: str = "error") -> None:
        out.append(Finding(sev, msg, path, "semantic", spec=spec))

    v2 = spec.startswith("2.")
    if not v2 and dups_first:
        _duplicates_3x(config, err)
    schemes = checks.SCHEMES_2 if v2 else checks.SCHEMES_3 if spec >= "3.4.0" else checks.SCHEMES_3[:-1]
    hashes = ("sha512",) if v2 else ("sha512", "sha256")
    if unknown_keys and spec in SPECS:
        _unknown_keys(load_schema(spec), load_schema(spec), config, "$", out, spec)

    def resource(res: Any, path: str) -> None:
        """Ignition 3's Resource order: compression, source, HTTP headers, verification."""
        if not isinstance(res, dict):
            return
        src = res.get("source")
        comp = res.get("compression")
        if comp not in (None, "", "gzip"):
            err(f"{path}.compression", "invalid compression method")
        if src:
            e = checks.url_error(src, schemes, spec2=v2)
            if e:
                err(f"{path}.source", e)
            elif extras:
                e = checks.data_payload_error(src, comp)
                if e:
                    err(f"{path}.source", e)
            if extras and comp and src.split(":", 1)[0].lower() in ("s3", "arn"):
                err(
                    f"{path}.compression",
                    "compression is not supported with s3/arn sources: Ignition cannot decompress S3 fetches",
                )
        h = (res.get("verification") or {}).get("hash")
        if h is not None and not v2 and src is None:  # a nil source only: "" is a source here
            err(f"{path}.verification.hash", "source must be specified if verification is specified")
        if not v2 and res.get("httpHeaders"):
            e = _headers_source_error(src)
            if e:
                err(f"{path}.httpHeaders", e)
        for j, header in enumerate(res.get("httpHeaders") or [] if not v2 else []):
            if not (header or {}).get("name"):
                err(f"{path}.httpHeaders.{j}.name", "HTTP header name can't be empty")
            if (header or {}).get("value") == "":  # a given but empty value; an absent one is fine
                err(f"{path}.httpHeaders.{j}.value", "unable to parse HTTP header")
        if h is not None and (h or not v2):  # Ignition 3 checks a given hash even when empty
            e = checks.hash_error(h, hashes, hex_digits=extras)
            if e:
                err(f"{path}.verification.hash", e)

    def node_checks(kind: str, i: int, node: dict[str, Any]) -> None:
        """One file/directory/link in Ignition's order: path, mode, overwrite, group, user, append, contents."""
        path = f"$.storage.{kind}.{i}"
        p = node.get("path", "")
        if not p and not v2:
            err(f"{path}.path", "path not specified")
        elif not p.startswith("/"):
            err(f"{path}.path", "path not absolute")
        elif not v2 and _go_clean(p) != p:
            err(f"{path}.path", "path is not fully simplified")
        if "mode" in node and node["mode"] is not None:
            m = node["mode"]
            e = checks.mode_error(m)
            if e:
                err(f"{path}.mode", e)
            if not v2 and m & 0o7000 and spec < "3.4.0":  # Ignition's own warning (ignition-validate 2.14)
                err(f"{path}.mode", SPECIAL_MODE_BITS_WARNING, "warning")
        c = node.get("contents")
        if kind == "files" and not v2 and node.get("overwrite") and (c or {}).get("source") is None:
            err(f"{path}.overwrite", "overwrite must be false if source is unspecified")
        if kind == "files" and v2 and node.get("append") and node.get("overwrite"):
            err(f"{path}", "cannot set both append and overwrite to true")
        for owner in ("group", "user"):
            o = node.get(owner) or {}
            if o.get("id") is not None and o.get("name"):
                err(f"{path}.{owner}", "cannot set both id and name")
        if kind == "files":
            for j, a in enumerate(node.get("append") or []):
                resource(a, f"{path}.append.{j}")
            if c:
                resource(c, f"{path}.contents")
        if kind == "links" and v2 and not node.get("target"):
            err(f"{path}.target", "link target is required")

    def required_sources(refs: list[Any], path: str) -> None:
        """Ignition 3 checks merge entries and CAs at the entry before their fields: a source, a valid URL."""
        for i, ref in enumerate(refs if not v2 else []):
            src = (ref or {}).get("source")
            e = checks.url_error(src, schemes, spec2=False) if src else "source is required"
            if e:
                err(f"{path}.{i}", e)

    ign = config.get("ignition") or {}
    conf = ign.get("config") or {}
    required_sources(conf.get("merge") or [], "$.ignition.config.merge")
    for i, ref in enumerate(conf.get("merge") or conf.get("append") or []):
        resource(ref, f"$.ignition.config.{'append' if v2 else 'merge'}.{i}")
    if conf.get("replace"):
        resource(conf["replace"], "$.ignition.config.replace")
    if not v2:
        for key in ("httpProxy", "httpsProxy"):
            proxy = (ign.get("proxy") or {}).get(key)
            if proxy is None:
                continue
            e = checks.proxy_error(proxy)
            if e:
                err(f"$.ignition.proxy.{key}", e)
            elif key == "httpsProxy" and checks.url_scheme(proxy) == "http":
                err(f"$.ignition.proxy.{key}", "insecure plaintext HTTP proxy specified for HTTPS resources", "warning")
    cas = ((ign.get("security") or {}).get("tls") or {}).get("certificateAuthorities") or []
    required_sources(cas, "$.ignition.security.tls.certificateAuthorities")
    for i, ca in enumerate(cas):
        resource(ca, f"$.ignition.security.tls.certificateAuthorities.{i}")

    storage = config.get("storage") or {}
    if not v2:
        _storage_links_3x(storage, err)
    # then Storage's fields in struct order: directories, disks, files, filesystems, links
    for i, node in enumerate(storage.get("directories") or []):
        node_checks("directories", i, node)
    for i, d in enumerate(storage.get("disks") or []):
        if not d.get("device") and not v2:
            err(f"$.storage.disks.{i}.device", "disk device is required")  # Disk.Validate stops here
        else:
            if not d.get("device", "").startswith("/"):
                err(f"$.storage.disks.{i}.device", "path not absolute")
            if not v2:
                _disk_partitions_3x(d.get("partitions") or [], f"$.storage.disks.{i}.partitions", err)
        for j, part in enumerate(d.get("partitions") or [] if not v2 else []):
            _partition_3x(part, f"$.storage.disks.{i}.partitions.{j}", err)
    for i, node in enumerate(storage.get("files") or []):
        node_checks("files", i, node)
    for i, fs in enumerate(storage.get("filesystems") or [] if not v2 else []):
        _filesystem_3x(fs, f"$.storage.filesystems.{i}", err)
    for i, node in enumerate(storage.get("links") or []):
        node_checks("links", i, node)
    if not v2:
        for i, luks in enumerate(storage.get("luks") or []):
            path = f"$.storage.luks.{i}"
            _luks_3x(luks, path, err, schemes)
            resource(luks.get("keyFile"), f"{path}.keyFile")
        for i, raid in enumerate(storage.get("raid") or []):
            _raid_3x(raid, f"$.storage.raid.{i}", err)

    units = (config.get("systemd") or {}).get("units") or []
    for i, u in enumerate(units):
        path = f"$.systemd.units.{i}"
        name = u.get("name", "")
        if not name.endswith(checks.UNIT_EXTENSIONS):
            err(f"{path}.name", "invalid systemd unit extension")
        contents = u.get("contents") or ""
        if contents:
            e = checks.unit_content_error(contents, quote_garbage=True)
            if e:
                err(f"{path}.contents", e)
        enabled = u.get("enabled") is True or u.get("enable") is True
        # Ignition 3's Unit.Validate returns on a contents error before the enable warning (2.x not checked here)
        unparsable = not v2 and bool(contents) and checks.unit_content_error(contents, quote_garbage=True) is not None
        if enabled and contents and not unparsable and not checks.has_install_section(contents):
            err(
                f"{path}.contents",
                f'unit "{name}" is enabled, but has no install section so enable does nothing',
                "warning",
            )
        dnames: set[str] = set()
        for j, d in enumerate(u.get("dropins") or []):
            dp = f"{path}.dropins.{j}"
            if not v2 and d.get("contents"):  # Ignition 3's drop-in check: contents, then name
                e = checks.unit_content_error(d["contents"], quote_garbage=True)
                if e:
                    err(f"{dp}.contents", e)
            if not d.get("name", "").endswith(".conf"):
                err(f"{dp}.name", "invalid systemd drop-in extension")
            if v2 and d.get("name") in dnames:  # spec 3 leaves this to the duplicate pass
                err(dp, "duplicate entry defined")
            dnames.add(d.get("name"))
            if v2 and d.get("contents"):
                e = checks.unit_content_error(d["contents"], quote_garbage=True)
                if e:
                    err(f"{dp}.contents", e)
    for i, u in enumerate((config.get("networkd") or {}).get("units") or []):
        if not u.get("name", "").endswith(checks.NETWORKD_EXTENSIONS):
            err(f"$.networkd.units.{i}.name", "invalid networkd unit extension")
    if not v2 and not dups_first:  # Ignition 3 checks keyed-list duplicates in a pass of its own, after the rest
        _duplicates_3x(config, err)
    if extras:
        _shared_ids(config.get("passwd") or {}, err)
    return out


#: passwd lists whose numeric ids must differ: (list, id field, the tool Ignition runs). Neither the schema nor
#: ignition-validate looks at them, but useradd/groupadd refuse an id in use (Ignition passes no --non-unique), so
#: two snippets giving one uid or gid fail the node's boot.
SHARED_IDS = (("users", "uid", "useradd"), ("groups", "gid", "groupadd"))


def _shared_ids(passwd: dict[str, Any], err: Any) -> None:
    for kind, field, tool in SHARED_IDS:
        owner: dict[int, str] = {}
        for i, entry in enumerate(passwd.get(kind) or []):
            value = entry.get(field) if isinstance(entry, dict) else None
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            name = str(entry.get("name"))
            if value in owner and owner[value] != name:
                err(f"$.passwd.{kind}.{i}.{field}", f"{field} {value} of {name!r} is also {owner[value]!r}'s: {tool} "
                    "refuses an id in use, so Ignition fails the boot; give each a distinct id", "warning")
            owner.setdefault(value, name)


# Ignition 3 field rules the schema cannot express, in Ignition's report order per struct (ignition-validate 2.14)
GUID_FORM = re.compile(r"^(|[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})$")
GUID_MESSAGE = 'doesn\'t match the form "01234567-89AB-CDEF-EDCB-A98765432101"'
FS_LABEL_MAX = {"ext4": 16, "xfs": 12, "vfat": 11, "swap": 15, "btrfs": 256}  # bytes, per format
FS_FORMAT_NEEDED_BY = ("path", "label", "uuid", "wipeFilesystem", "options", "mountOptions")
RAID_LEVELS = ("linear", "raid0", "0", "stripe", "raid1", "1", "mirror", "raid4", "4", "raid5", "5", "raid6", "6",
               "raid10", "10")
RAID_NO_SPARES = ("linear", "raid0", "0", "stripe")
CLEVIS_PINS = ("tpm2", "tang", "sss")


def _headers_source_error(src: str | None) -> str | None:
    """Ignition 3's validateSchemeForHTTPHeaders: headers need a parsable http(s) source; none (or "") is an
    unparsable URL, not a wrong scheme."""
    if not src:
        return "unable to parse url"
    try:
        checks.go_url(src)
    except checks.GoUrlError:
        return "unable to parse url"
    return None if checks.url_scheme(src) in ("http", "https") else "cannot use HTTP headers with this source scheme"


def _storage_links_3x(storage: dict[str, Any], err: Any) -> None:
    """Ignition 3's Storage.Validate, before any field: directories, files, then links under a link of the config
    (every link, hard ones too, matched as a plain '<path>/' prefix, one error per link), then per link its target
    (required) and, for a hard link with a target, one error per directory of the config it names (a relative
    target is joined to the link's own path, as Ignition does)."""
    links = [ln if isinstance(ln, dict) else {} for ln in storage.get("links") or []]
    for kind, word in (("directories", "directory"), ("files", "file")):
        for i, node in enumerate(storage.get(kind) or []):
            p = node.get("path") or ""
            for ln in links:
                if p.startswith((ln.get("path") or "") + "/"):
                    err(f"$.storage.{kind}.{i}", f"{word} path includes link in config")
    dirs = [(d or {}).get("path") for d in storage.get("directories") or []]
    for i, ln in enumerate(links):
        p = ln.get("path") or ""
        for other in links:
            if p.startswith((other.get("path") or "") + "/"):
                err(f"$.storage.links.{i}", "link path includes link in config")
        target = ln.get("target")
        if not target:
            err(f"$.storage.links.{i}.target", "link target is required")
            continue
        if ln.get("hard") is True:
            t = _go_clean(target)
            if not t.startswith("/"):
                t = _go_clean(p + "/" + target) if p else t
            for d in dirs:
                if d == t:
                    err(f"$.storage.links.{i}", "hard link target is a directory")


def _partition_3x(p: dict[str, Any], path: str, err: Any) -> None:
    if p.get("shouldExist") is False and (
        p.get("label") is not None or p.get("typeGuid") or p.get("guid")
        or p.get("startMiB") is not None or p.get("sizeMiB") is not None
    ):
        err(path, "shouldExist specified false with other options also specified")
    if not p.get("number") and p.get("label") is None:
        err(path, "a partition number >= 1 or a label must be specified")
    label = p.get("label")
    if label is not None and len(label.encode()) > 36:
        err(f"{path}.label", "partition labels may not exceed 36 characters")
    elif label is not None and ":" in label:
        err(f"{path}.label", "partition label will be truncated to text before the colon")
    for key in ("guid", "typeGuid"):
        if p.get(key) is not None and not GUID_FORM.match(p[key]):
            err(f"{path}.{key}", GUID_MESSAGE)


def _disk_partitions_3x(parts: list[dict[str, Any]], path: str, err: Any) -> None:
    """Disk.Validate's checks over its partitions, before each partition's own: the first number collision, a
    should_exist false next to a number-0 entry, the first label collision (number 0 = next free, no collision)."""
    j = _first_collision([p.get("number") or None for p in parts])
    if j is not None:
        err(f"{path}.{j}", "partition numbers collide")
    j = _first_overlap(parts)
    if j is not None:
        err(f"{path}.{j}", "partitions overlap")
    if any(p.get("shouldExist") is False for p in parts) and any(not p.get("number") for p in parts):
        err(path, "shouldExist is false for a partition and other partition(s) has start or size 0")
    j = _first_collision([p.get("label") for p in parts])
    if j is not None:
        err(f"{path}.{j}", "cannot use the same partition label twice")


def _first_overlap(parts: list[dict[str, Any]]) -> int | None:
    """Disk.partitionsOverlap: for the first placed partition (start and size given, start not 0) that overlaps
    another placed one, the index of that other one. A size of 0 ("fill available") ends at its start."""

    def span(p: dict[str, Any]) -> tuple[int, int] | None:
        start, size = p.get("startMiB"), p.get("sizeMiB")
        if start is None or size is None or start == 0:
            return None
        return start, start + size - 1 if size else start

    spans = [span(p if isinstance(p, dict) else {}) for p in parts]
    for k, a in enumerate(spans):
        for i, b in enumerate(spans):
            if a is None or b is None or i == k:
                continue
            if b[0] <= a[0] <= b[1] or b[0] <= a[1] <= b[1] or (a[0] < b[0] and a[1] > b[1]):
                return i
    return None


def _filesystem_3x(fs: dict[str, Any], path: str, err: Any) -> None:
    if fs.get("path") and not fs["path"].startswith("/"):
        err(f"{path}.path", "path not absolute")
    elif fs.get("path") and _go_clean(fs["path"]) != fs["path"]:
        err(f"{path}.path", "path is not fully simplified")
    if not fs.get("device"):
        err(f"{path}.device", "path not specified")
    elif not fs["device"].startswith("/"):
        err(f"{path}.device", "path not absolute")
    fmt = fs.get("format") or ""
    if fmt and fmt not in checks.FS_FORMATS:
        err(f"{path}.format", "invalid filesystem format")
    if not fmt and any(fs.get(k) not in (None, "", False, []) for k in FS_FORMAT_NEEDED_BY):
        err(f"{path}.format", "format cannot be empty when " + ", ".join(FS_FORMAT_NEEDED_BY[:-1])
            + ", or mountOptions is specified")
    label = fs.get("label")
    if label and not fmt:  # an empty label counts as unset here
        err(f"{path}.label", "filesystem must specify format if label is specified")
    elif label and len(label.encode()) > FS_LABEL_MAX.get(fmt, len(label.encode())):
        err(f"{path}.label", f"filesystem labels cannot be longer than {FS_LABEL_MAX[fmt]} characters when using {fmt}")


def _luks_3x(luks: dict[str, Any], path: str, err: Any, schemes: tuple[str, ...]) -> None:
    if "/" in (luks.get("name") or ""):  # the name becomes /dev/mapper/<name>
        err(f"{path}.name", "device names cannot contain slashes")
    label = luks.get("label")
    if label is not None and len(label.encode()) > 47:
        err(f"{path}.label", "luks device labels cannot be longer than 47 characters")
    if not luks.get("device"):
        err(f"{path}.device", "disk device is required")
    elif not luks["device"].startswith("/"):
        err(f"{path}.device", "path not absolute")
    clevis = luks.get("clevis") or {}
    custom = clevis.get("custom") or {}
    if custom.get("pin") and (clevis.get("tpm2") is True or clevis.get("tang") or clevis.get("threshold")):
        err(f"{path}.clevis", "cannot use custom clevis config with tpm2, tang, or threshold")
    key_src = (luks.get("keyFile") or {}).get("source")
    if key_src and checks.url_error(key_src, schemes, spec2=False):
        err(f"{path}.keys", "invalid key-file source")
    if custom.get("pin") or custom.get("config") or custom.get("needsNetwork"):
        if not custom.get("pin"):
            err(f"{path}.clevis.custom.pin", "missing required custom clevis pin")
        elif custom["pin"] not in CLEVIS_PINS:
            err(f"{path}.clevis.custom.pin", "unsupported clevis pin")
        if not custom.get("config"):
            err(f"{path}.clevis.custom.config", "missing required custom clevis config")
    for j, tang in enumerate(clevis.get("tang") or []):
        url = (tang or {}).get("url") or ""
        if checks.url_error(url, ("http", "https"), spec2=False):
            err(f"{path}.clevis.tang.{j}.url", checks.url_error(url, ("http", "https"), spec2=False))
        if not (tang or {}).get("thumbprint"):
            err(f"{path}.clevis.tang.{j}.thumbprint", "thumbprint is required")


def _raid_3x(raid: dict[str, Any], path: str, err: Any) -> None:
    level = raid.get("level")
    if not level:
        err(f"{path}.level", "raid level is required")
    elif level not in RAID_LEVELS:
        err(f"{path}.level", "unrecognized raid level")
    elif raid.get("spares") and level in RAID_NO_SPARES:
        err(f"{path}.level", "spares unsupported for linear and raid0 arrays")
    if not raid.get("devices"):
        err(f"{path}.devices", "raid devices required")
    for j, dev in enumerate(raid.get("devices") or []):
        if not dev:
            err(f"{path}.devices.{j}", "path not specified")
        elif not dev.startswith("/"):
            err(f"{path}.devices.{j}", "path not absolute")


def _first_collision(values: list[Any]) -> int | None:
    """Index of the first value (None skipped) seen before, as Ignition's partition*Collide helpers return it."""
    seen: set[Any] = set()
    for j, v in enumerate(values):
        if v is None:
            continue
        if v in seen:
            return j
        seen.add(v)
    return None


def _partition_key(p: dict[str, Any]) -> str | None:
    if p.get("number"):
        return f"number:{p['number']}"
    return f"label:{p['label']}" if p.get("label") is not None else None


def _by(field: str) -> Any:
    return lambda item: (item or {}).get(field) if isinstance(item, dict) or item is None else None


def _same(item: Any) -> Any:
    return item


# Ignition 3's keyed lists per struct, in Go field order: (field, struct kind of the value or its entries, key of a
# list entry or None for a plain struct field, shared key space or None). Only the kinds that lead to a keyed list.
_DUP_FIELDS: dict[str, list[tuple[str, str | None, Any, str | None]]] = {
    "config": [("ignition", "ignition", None, None), ("kernelArguments", "kargs", None, None),
               ("passwd", "passwd", None, None), ("storage", "storage", None, None),
               ("systemd", "systemd", None, None)],
    "ignition": [("config", "ignconfig", None, None), ("proxy", "proxy", None, None),
                 ("security", "security", None, None)],
    "ignconfig": [("merge", "resource", _by("source"), None), ("replace", "resource", None, None)],
    "proxy": [("noProxy", None, _same, None)],
    "security": [("tls", "tls", None, None)],
    "tls": [("certificateAuthorities", "resource", _by("source"), None)],
    "resource": [("httpHeaders", None, _by("name"), None)],
    "kargs": [("shouldExist", None, _same, "kargs"), ("shouldNotExist", None, _same, "kargs")],
    "passwd": [("groups", None, _by("name"), None), ("users", "user", _by("name"), None)],
    "user": [("groups", None, _same, None), ("sshAuthorizedKeys", None, _same, None)],
    "storage": [("directories", None, _by("path"), "node"), ("disks", "disk", _by("device"), None),
                ("files", "file", _by("path"), "node"), ("filesystems", None, _by("device"), None),
                ("links", None, _by("path"), "node"), ("luks", "luks", _by("name"), None),
                ("raid", "raid", _by("name"), None)],
    "disk": [("partitions", None, lambda p: _partition_key(p or {}), None)],
    "file": [("append", "resource", None, None), ("contents", "resource", None, None)],
    "luks": [("clevis", "clevis", None, None), ("keyFile", "resource", None, None)],
    "clevis": [("tang", None, _by("url"), None)],
    "raid": [("devices", None, _same, None)],
    "systemd": [("units", "unit", _by("name"), None)],
    "unit": [("dropins", None, _by("name"), None)],
}


def _duplicates_3x(config: dict[str, Any], err: Any) -> None:
    """Ignition 3's keyed-list duplicate pass, after all field checks (messages and paths as ignition-validate):
    per struct every keyed list first, in field order, then each field's structs; an unset key is "" and collides
    like any other; files, directories and links share one path key space, as do the two kernel argument lists."""

    def walk(node: Any, kind: str, path: str) -> None:
        if not isinstance(node, dict):
            return
        seen: dict[str, set[Any]] = {}
        for field, _child, key, space in _DUP_FIELDS[kind]:
            if key is None or not isinstance(node.get(field), list):
                continue
            keys = seen.setdefault(space or field, set())
            for i, item in enumerate(node[field]):
                k = key(item)
                k = "" if k is None else k
                if k in keys:
                    err(f"{path}.{field}.{i}", "duplicate entry defined")
                keys.add(k)
        for field, child, _key, _space in _DUP_FIELDS[kind]:
            value = node.get(field)
            if child is None:
                continue
            if isinstance(value, list):
                for i, item in enumerate(value):
                    walk(item, child, f"{path}.{field}.{i}")
            else:
                walk(value, child, f"{path}.{field}")

    walk(config, "config", "$")


def validate_config(
    config: dict[str, Any], *, spec: str | None = None, role: str | None = None, strict: bool = False
) -> list[Finding]:
    """Schema + semantic findings for one config (errors first is not imposed: document order)."""
    if not isinstance(config, dict):
        raise InputTypeError(f"validate_config(): expected an Ignition config (a dict, e.g. json.loads of the .ign "
                             f"file), got {kind_name(config)}")
    require_flag(strict, "validate_config", "strict")
    # a list/dict spec ended in "unhashable type"; a non-text role was copied into every finding
    require_kind(spec, str, "validate_config", "spec", f"an Ignition spec version ({', '.join(SPECS)}) or None",
                 optional=True)
    require_kind(role, str, "validate_config", "role", "a role name such as 'controller-0', or None", optional=True)
    ignition = config.get("ignition") or {}
    if not isinstance(ignition, dict):  # the schema reports it; reading the version must not fail first
        ignition = {}
    spec = spec or ignition.get("version") or "3.3.0"
    found = schema_findings(config, spec)
    if not any(f.severity == "error" for f in found):  # semantic checks assume the schema's types
        found += semantic_findings(config, spec)
    out = []
    for f in found:
        sev = "error" if strict and f.severity == "warning" else f.severity
        out.append(Finding(sev, f.message, f.path, f.validator, role, spec, f.source, f.line, f.column))
    return out


# ------------------------------------------------------------------------------------------------ external

_LINE_WITH_PATH = re.compile(r"^(error|warning) at (\$\S*), line (\d+) col (\d+): (.*)$")
_LINE_NO_PATH = re.compile(r"^(error|warning) at line (\d+) col (\d+): (.*)$")


def ignition_validate_binary() -> str | None:
    return shutil.which(IGNITION_VALIDATE) or (
        "/usr/bin/ignition-validate" if os.path.exists("/usr/bin/ignition-validate") else None
    )


def run_ignition_validate(
    json_bytes: bytes | str, *, role: str | None = None, binary: str | None = None, required: bool = False
) -> list[Finding]:
    """Run Debian's ``ignition-validate`` on a config and parse its findings.

    A missing binary yields one info finding (or :class:`FileNotFoundError` with ``required=True``).
    A rejected version (``couldn't parse config``) is an error finding.
    """
    from lokonb.flatcar.errors import require_flag

    require_flag(required, "run_ignition_validate", "required")  # "no" was true: a missing binary raised
    # None/5 failed writing the temporary file; binary=5 or a directory ended in a PermissionError from subprocess
    require_kind(json_bytes, (bytes, str), "run_ignition_validate", "json_bytes", "the config's JSON (bytes or str)")
    require_kind(role, str, "run_ignition_validate", "role", "a role name such as 'controller-0', or None",
                 optional=True)
    if binary is not None and (not isinstance(binary, str | os.PathLike) or os.path.isdir(binary)):
        raise InputTypeError(wrong_kind("run_ignition_validate", "binary", "the path of the ignition-validate "
                                        "program, or None to find it on PATH", binary))
    if isinstance(json_bytes, str):
        json_bytes = json_bytes.encode("utf-8")
    exe = binary or ignition_validate_binary()
    if exe is None:
        if required:
            raise FileNotFoundError("ignition-validate not found: install Debian's 'ignition' package")
        return [
            Finding(
                "info",
                "ignition-validate not installed; external validation skipped",
                None,
                "ignition-validate",
                role,
            )
        ]
    with tempfile.NamedTemporaryFile(suffix=".ign") as fh:
        fh.write(json_bytes)
        fh.flush()
        proc = subprocess.run([exe, fh.name], capture_output=True, text=True, timeout=60, check=False)
    out: list[Finding] = []
    for line in proc.stdout.splitlines():
        m = _LINE_WITH_PATH.match(line)
        if m:
            out.append(
                Finding(
                    m.group(1),
                    m.group(5),
                    m.group(2),
                    "ignition-validate",
                    role,
                    line=int(m.group(3)),
                    column=int(m.group(4)),
                )
            )
            continue
        m = _LINE_NO_PATH.match(line)
        if m:
            out.append(
                Finding(
                    m.group(1),
                    m.group(4),
                    None,
                    "ignition-validate",
                    role,
                    line=int(m.group(2)),
                    column=int(m.group(3)),
                )
            )
    for line in proc.stderr.splitlines():
        if line.strip():
            out.append(Finding("error", line.strip(), None, "ignition-validate", role))
    if proc.returncode != 0 and not any(f.severity == "error" for f in out):
        out.append(
            Finding(
                "error", f"ignition-validate exited with {proc.returncode}", None, "ignition-validate", role
            )
        )
    return out


#: Fields that exist only in final 3.4.0 (not in 3.4.0-experimental as Debian's validator knows it).
_ONLY_340 = ("discard", "openOptions", "advertisement")


def external_check(config: dict[str, Any], spec: str, *, role: str | None = None) -> list[Finding]:
    """ignition-validate where it is meaningful: 3.0–3.3 as is, 3.4.0 via the experimental proxy when
    eligible."""
    from lokonb.flatcar.gojson import dumps

    if spec in EXTERNAL_SPECS:
        return run_ignition_validate(dumps(config), role=role)
    if spec == "3.4.0":
        text = dumps(config)
        if any(f'"{k}"' in text for k in _ONLY_340) or '"arn:' in text:
            return [
                Finding(
                    "info",
                    "3.4.0-only fields present: external proxy check not applicable",
                    None,
                    "ignition-validate",
                    role,
                    spec,
                )
            ]
        proxy = json.loads(text)
        proxy["ignition"]["version"] = "3.4.0-experimental"
        return run_ignition_validate(dumps(proxy), role=role)
    return [
        Finding("info", f"ignition-validate cannot check spec {spec}", None, "ignition-validate", role, spec)
    ]
