"""Ignition 2.3 validation of ct's output, positioned on the CLC source (flatcar.md §4.4, last table)."""

from __future__ import annotations

import re
from typing import Any

from lokonb.flatcar import checks
from lokonb.flatcar.clc_sections import go_quote
from lokonb.flatcar.report import Report

_LABEL_LIMITS = {"ext4": (16,), "btrfs": (256,), "xfs": (12,), "swap": (15,), "vfat": (11,)}
_ORDER = {
    "ref": 0,
    "networkd": 1,
    "user": 1.5,
    "directory": 2,
    "disk": 3,
    "file": 4,
    "filesystem": 5,
    "link": 6,
    "raid": 7,
    "unit": 8,
}


#: Config.Validate's node kinds (ignition v2_3 config.go checkFilesFilesystems), in its order: files, links,
#: directories
_NODE_KINDS = (("files", "File"), ("links", "Link"), ("directories", "Directory"))


def check_config(out: dict[str, Any], pos: Any, r: Report) -> None:
    """Ignition 2.3's Config.Validate, which runs first (at the document) when ct validates its output: a warning per
    node naming a filesystem the config does not define, then one per filesystem redefining a name ("root" is
    predefined). Both are warnings only: the name may come from an appended config."""
    storage = out.get("storage", {})
    defined = {"root"} | {fs.get("name", "") for fs in storage.get("filesystems", [])}
    for key, kind in _NODE_KINDS:
        for node in storage.get(key, []):
            fs = node.get("filesystem", "")
            if fs and fs not in defined:
                r.warning(
                    f"{kind} {go_quote(node.get('path', ''))} references nonexistent filesystem {go_quote(fs)}. "
                    "(This is ok if it is defined in a referenced config)",
                    pos,
                )
    seen = {"root"}
    for fs in storage.get("filesystems", []):
        name = fs.get("name", "")
        if name in seen:
            r.warning(f"Filesystem {go_quote(name)} shadows exising filesystem definition", pos)  # sic: "exising"
        seen.add(name)


def check_output(pairs: list[tuple[str, Any, dict[str, Any]]], r: Report) -> None:
    """Append Ignition 2.3 errors/warnings for every converted entry, in Ignition's struct order."""
    for kind, src, out in sorted(pairs, key=lambda p: _ORDER[p[0]]):
        _CHECKS[kind](src, out, r)


def _ref(src: Any, out: dict[str, Any], r: Report) -> None:
    # ConfigReference/CaReference.ValidateSource: the bare message (only FileContents wraps it in `invalid url %q`);
    # an empty source is valid
    if out.get("source"):
        err = checks.url_error(out["source"], checks.SCHEMES_2, wrap=False)
        if err:
            r.error(err, src.at("source"))
    h = out.get("verification", {}).get("hash")
    if h:
        err = checks.hash_error(h, ("sha512",))
        if err:
            r.error(err, src.at("verification"))


def _node(src: Any, out: dict[str, Any], r: Report) -> None:
    # Node's fields in Go order (the generated structs are alphabetical): filesystem, group, overwrite, path, user
    for key in ("group", "path", "user"):
        o = out.get(key)
        if key == "path":
            if not out.get("path", "").startswith("/"):
                r.error("path not absolute", src.at("path"))
        elif o and "id" in o and o.get("name"):
            r.error("cannot set both id and name", src.at(key))


def _mode(src: Any, out: dict[str, Any], r: Report) -> None:
    if "mode" in out:
        err = checks.mode_error(out["mode"])
        if err:
            r.error(err, src.at("mode"))


def _file(src: Any, out: dict[str, Any], r: Report) -> None:
    """File.Validate at the file (fatal: nothing else of the file is checked), then Node's fields, then
    FileEmbedded1's: append, contents (compression, source, verification), mode."""
    if out.get("append") and out.get("overwrite"):
        r.error("cannot set both append and overwrite to true", src.pos)
        return
    _node(src, out, r)
    c = out["contents"]
    contents = src.get("contents") or src
    remote = contents.get("remote") if hasattr(contents, "get") else None
    # ct patches its tree (contents -> remote, url -> source) only for a remote url; otherwise FileContents is checked
    # at the CLC contents mapping, which has no compression/verification key: those are positioned at the mapping
    node = remote if remote and remote.get("url") else contents
    if c.get("compression") not in (None, "", "gzip"):
        r.error("invalid compression method", node.at("compression"))
    source = c.get("source", "")
    at = (
        remote.at("url")
        if remote and remote.get("url")
        else contents.at("inline")
        if contents.get("inline")
        else getattr(contents, "pos", src.pos)
    )
    err = checks.url_error(source, checks.SCHEMES_2)
    if err:
        r.error(err, at)
    h = c.get("verification", {}).get("hash")
    if h:
        err = checks.hash_error(h, ("sha512",))
        if err:
            r.error(err, node.at("verification"))
    _mode(src, out, r)


def _directory(src: Any, out: dict[str, Any], r: Report) -> None:
    _node(src, out, r)
    _mode(src, out, r)


def _link(src: Any, out: dict[str, Any], r: Report) -> None:
    _node(src, out, r)


_GUID = re.compile(r"^([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})?$")
_GUID_MSG = 'doesn\'t match the form "01234567-89AB-CDEF-EDCB-A98765432101"'


def _disk(src: Any, out: dict[str, Any], r: Report) -> None:
    # Disk.ValidateDevice is a field validator: at the device's value when the key is written (`device: ""`)
    if not out.get("device"):
        r.error("disk device is required", src.at("device"))
    elif not out["device"].startswith("/"):
        r.error("path not absolute", src.at("device"))
    # Disk.ValidatePartitions (at the partitions list): ct writes no sector sizes and no shouldExist, so overlap,
    # alignment and should-exist checks cannot fire; the number collision (number 0 = next free) can. (Some v2_3 builds
    # also reject duplicate labels; unconfirmed for ct's ignition, so not checked.)
    numbers = [p.get("number") for p in out.get("partitions", []) if p.get("number")]
    if len(numbers) != len(set(numbers)):
        r.error("partition numbers collide", src.at("partitions"))
    for part, psrc in zip(out.get("partitions", []), src.get("partitions") or [], strict=False):
        if psrc is None:
            continue
        # Partition's fields in Go order (alphabetical): guid, label, ..., typeGuid
        if part.get("guid") and not _GUID.match(part["guid"]):
            r.error(_GUID_MSG, psrc.at("guid"))
        label = part.get("label")
        if label is not None and len(label.encode()) > 36:  # Go's len(): bytes, not characters
            r.error("partition labels may not exceed 36 characters", psrc.at("label"))
        if label is not None and ":" in label:
            r.warning("partition label will be truncated to text before the colon", psrc.at("label"))
        if part.get("typeGuid") and not _GUID.match(part["typeGuid"]):
            r.error(_GUID_MSG, psrc.at("type_guid"))


#: PasswdUser.Validate's checks, in its order (ignition v2_x passwd.go), one error per field set beside create
_USER_LEVEL = (
    "gecos",
    "groups",
    "homeDir",
    "noCreateHome",
    "noLogInit",
    "noUserGroup",
    "primaryGroup",
    "shell",
    "system",
    "uid",
)


def _user(src: Any, out: dict[str, Any], r: Report) -> None:
    if "create" not in out:
        return
    r.warning("the create object has been deprecated in favor of user-level options", src.pos)
    for key in _USER_LEVEL:
        if key in out:
            r.error(f"cannot use both the create object and the user-level {key} field", src.pos)


def _filesystem(src: Any, out: dict[str, Any], r: Report) -> None:
    """ignition v2_x filesystem.go: Filesystem.Validate at the filesystem (an error there stops the descent), then the
    mount (Mount.Validate's format check at the mount; an error stops its fields: device, label), then the path."""
    m = out.get("mount")
    fatal: list[str] = []
    if m is None and "path" not in out:
        fatal.append("filesystem is missing mount or path")
    if m is not None:
        if "path" in out:
            fatal.append("filesystem has both mount and path defined")
        if "create" in m:
            if m.get("wipeFilesystem"):
                fatal.append("cannot use both create object and wipeFilesystem field")
            if m.get("options"):
                fatal.append("cannot use both create object and mount-level options field")
    for msg in fatal:
        r.error(msg, src.pos)
    if m is not None and "create" in m:
        r.warning("the create object has been deprecated in favor of mount-level options", src.pos)
    if fatal:
        return
    if m is not None:
        msrc = src.get("mount")
        fmt = m.get("format")
        if fmt not in checks.FS_FORMATS[:-1]:
            r.error("invalid filesystem format", msrc.pos)
        else:
            if not m.get("device", "").startswith("/"):
                r.error("path not absolute", msrc.at("device"))
            label = m.get("label")
            limit = _LABEL_LIMITS.get(fmt)
            if label is not None and limit and len(label.encode()) > limit[0]:  # bytes, as Go's len()
                r.error(
                    f"filesystem labels cannot be longer than {limit[0]} characters when using {fmt}",
                    msrc.at("label"),
                )
    if out.get("path") is not None and not out["path"].startswith("/"):
        r.error(f'filesystem "{out.get("name", "")}": path not absolute', src.at("path"))


def _raid(src: Any, out: dict[str, Any], r: Report) -> None:
    # Raid's fields in Go order: devices (ValidateDevices: one error per relative device), then level
    for dev in out.get("devices") or []:
        if not dev.startswith("/"):
            r.error("path not absolute", src.at("devices"))
    level = out.get("level") or ""  # Ignition's switch is case-sensitive: RAID1 is unrecognized
    if level not in checks.RAID_LEVELS:
        r.error("unrecognized raid level", src.at("level"))
    elif level in ("linear", "raid0", "0", "stripe") and out.get("spares"):
        r.error("spares unsupported for arrays with a level greater than 0", src.at("level"))


def _unit(src: Any, out: dict[str, Any], r: Report) -> None:
    contents = out.get("contents", "")
    if contents:
        err = checks.unit_content_error(contents)
        if err:
            r.error(err, src.at("contents"))
    enabled = out.get("enable") or out.get("enabled") is True
    if enabled and contents and not checks.has_install_section(contents):
        r.warning(
            f'unit "{out["name"]}" is enabled, but has no install section so enable does nothing',
            src.at("contents"),
        )
    _dropins(src, out, r, "systemd")  # Unit's fields in Go order: contents, dropins, ..., name
    if not out["name"].endswith(checks.UNIT_EXTENSIONS):
        r.error("invalid systemd unit extension", src.at("name"))


def _dropins(src: Any, out: dict[str, Any], r: Report, kind: str) -> None:
    """A unit's drop-ins (``kind`` systemd or networkd): Ignition 2.x checks each in its struct-level Validate(), so
    ct puts the content and the extension error on the drop-in's mapping. ``src`` may be another unit's node (ct checks
    by index): a drop-in without a node of its own is checked at the drop-ins sequence, or at the unit without one."""
    seq = src.get("dropins")
    nodes, ipos = (seq, getattr(seq, "ipos", [])) if isinstance(seq, list) else ([], [])
    for k, d in enumerate(out.get("dropins", [])):
        if k < len(nodes):  # a null entry is a node of its own: at the entry
            at = nodes[k].pos if nodes[k] is not None else ipos[k] if k < len(ipos) else src.at("dropins")
        else:
            at = src.at("dropins")
        if d.get("contents"):
            err = checks.unit_content_error(d["contents"])
            if err:
                r.error(err, at)
        if not d["name"].endswith(".conf"):
            r.error(f"invalid {kind} drop-in extension", at)


def _networkd(src: Any, out: dict[str, Any], r: Report) -> None:
    # Networkdunit and NetworkdDropin are checked by struct-level Validate() in Ignition 2.x (contents, then name): ct
    # reports them at the unit's / drop-in's mapping (ct config_test.go: `invalid networkd unit extension` at 4:7)
    fatal = False
    if out.get("contents"):
        err = checks.unit_content_error(out["contents"])
        if err:
            r.error(err, src.pos)
            fatal = True
    if not out["name"].endswith(checks.NETWORKD_EXTENSIONS):
        r.error("invalid networkd unit extension", src.pos)
        fatal = True
    if not fatal:  # a struct-level error stops the descent to the drop-ins
        _dropins(src, out, r, "networkd")


_CHECKS = {
    "ref": _ref,
    "networkd": _networkd,
    "user": _user,
    "directory": _directory,
    "disk": _disk,
    "file": _file,
    "filesystem": _filesystem,
    "link": _link,
    "raid": _raid,
    "unit": _unit,
}
