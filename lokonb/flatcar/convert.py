"""Ignition spec 2.x → 3.x conversion (flatcar.md §6.3; aligned with ign-converter and Flatcar's boot
converter).

lokonb converts at render time so that configs which would fail Flatcar's converter at boot fail here instead.
"""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from lokonb.flatcar.butane import order3
from lokonb.flatcar.encoding import data_url_percent
from lokonb.flatcar.errors import InputValueError, TranslationError, require_kind
from lokonb.flatcar.report import ReportEntry


class ConversionError(TranslationError):
    """The 2.x config cannot be expressed in 3.x (entries carry the JSON path of each problem)."""


def _res_2to3(ref: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("compression", "source", "httpHeaders"):
        if ref.get(key) is not None:
            out[key] = ref[key]
    h = (ref.get("verification") or {}).get("hash")
    if h:
        out["verification"] = {"hash": h}
    return out


def _owner(o: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not o:
        return None
    out = {
        k: o[k] for k in ("id", "name") if o.get(k) not in (None, "") or (k == "id" and o.get(k) is not None)
    }
    return out or None


#: The specs a 2.x config converts to.
TARGETS_3X = ("3.3.0", "3.4.0")


def convert_2x_to_3x(
    cfg: Mapping[str, Any], *, target: str = "3.3.0", filesystem_paths: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Convert an Ignition 2.x config dict to spec ``target`` (3.3.0 or 3.4.0); raise
    :class:`ConversionError`."""
    # a str/None cfg failed with "'str' object has no attribute 'get'"; any target was written into the output
    require_kind(cfg, Mapping, "convert_2x_to_3x", "cfg", "an Ignition 2.x config (a dict)")
    require_kind(filesystem_paths, Mapping, "convert_2x_to_3x", "filesystem_paths",
                 "a mapping of filesystem name to mount path, or None", optional=True)
    if target not in TARGETS_3X:
        require_kind(target, str, "convert_2x_to_3x", "target", " or ".join(TARGETS_3X))
        raise InputValueError(f"convert_2x_to_3x(): target {target!r} is not supported; choose "
                              f"{' or '.join(TARGETS_3X)}")
    errors: list[ReportEntry] = []

    def err(path: str, msg: str) -> None:
        errors.append(ReportEntry("error", msg, path=path))

    out: dict[str, Any] = {"ignition": {"version": target}}
    ign = cfg.get("ignition") or {}
    conf = ign.get("config") or {}
    ic: dict[str, Any] = {}
    if conf.get("append"):
        ic["merge"] = [_res_2to3(r) for r in conf["append"]]
    if conf.get("replace"):
        ic["replace"] = _res_2to3(conf["replace"])
    if ic:
        out["ignition"]["config"] = ic
    cas = ((ign.get("security") or {}).get("tls") or {}).get("certificateAuthorities")
    if cas:
        out["ignition"]["security"] = {"tls": {"certificateAuthorities": [_res_2to3(c) for c in cas]}}
    t = {k: v for k, v in (ign.get("timeouts") or {}).items() if v is not None}
    if t:
        out["ignition"]["timeouts"] = t

    storage = cfg.get("storage") or {}
    fs_paths: dict[str, str] = {"root": "/"}
    fs_out = []
    devices: dict[str, str] = {}
    for i, fs in enumerate(storage.get("filesystems") or []):
        path = f"$.storage.filesystems.{i}"
        name = fs.get("name") or ""
        if name == "root":
            continue
        if fs.get("path"):
            fs_paths[name] = fs["path"]
        elif filesystem_paths and name in filesystem_paths:
            fs_paths[name] = filesystem_paths[name]
        m = fs.get("mount")
        if not m:
            continue
        o: dict[str, Any] = {"device": m.get("device", ""), "format": m.get("format", "")}
        for key in ("label", "uuid"):
            if m.get(key) is not None:
                o[key] = m[key]
        opts = list(m.get("options") or [])
        create = m.get("create")
        if create is not None:
            if not create.get("force"):
                err(
                    f"{path}.mount.create",
                    "Config must force filesystem creation in case mount.create object is defined.",
                )
            opts += list(create.get("options") or [])
            o["wipeFilesystem"] = True
        if opts:
            o["options"] = opts
        if m.get("wipeFilesystem"):
            o["wipeFilesystem"] = True
        if name in fs_paths and name != "root":
            o["path"] = fs_paths[name]
        if o["device"] in devices:
            err(
                f"{path}.mount.device",
                f"duplicate filesystem device {o['device']} (also {devices[o['device']]})",
            )
        devices[o["device"]] = path
        fs_out.append(o)

    def full_path(node: Mapping[str, Any], path: str) -> str | None:
        fs = node.get("filesystem") or "root"
        base = fs_paths.get(fs)
        if base is None:
            err(f"{path}.filesystem", f'filesystem "{fs}" has no path')
            return None
        return (
            posixpath.join(base, (node.get("path") or "").lstrip("/"))
            if base != "/"
            else node.get("path", "")
        )

    seen: dict[str, str] = {}
    link_paths: set[str] = set()
    nodes: dict[str, list[dict[str, Any]]] = {"directories": [], "files": [], "links": []}
    for kind in ("directories", "files", "links"):
        for i, node in enumerate(storage.get(kind) or []):
            path = f"$.storage.{kind}.{i}"
            p = full_path(node, path)
            if p is None:
                continue
            key = p.rstrip("/") or "/"
            if key in seen:
                err(f"{path}.path", f"Config has conflicting inodes: {seen[key]} and {path}")
            seen[key] = path
            o: dict[str, Any] = {"path": p}
            for owner in ("user", "group"):
                ow = _owner(node.get(owner))
                if ow:
                    o[owner] = ow
            if kind == "files":
                contents = node.get("contents") or {}
                res = _res_2to3(contents)
                if res.get("source") is not None or contents:
                    res.setdefault("compression", "")
                    if res.get("compression") is None:
                        res["compression"] = ""
                if node.get("append"):
                    o["overwrite"] = False
                    o["append"] = [res]
                else:
                    o["overwrite"] = node["overwrite"] if node.get("overwrite") is not None else True
                    o["contents"] = res
            else:
                if node.get("overwrite") is not None:
                    o["overwrite"] = node["overwrite"]
            if kind == "links":
                link_paths.add(key)
                o["target"] = node.get("target", "")
                if node.get("hard") is not None:
                    o["hard"] = node["hard"]
            if node.get("mode") is not None and kind != "links":
                o["mode"] = node["mode"]
            nodes[kind].append(o)

    networkd = (cfg.get("networkd") or {}).get("units") or []
    for i, u in enumerate(networkd):
        base = f"/etc/systemd/network/{u.get('name', '')}"
        entries = []
        if u.get("contents") is not None:
            entries.append((base, u["contents"], f"$.networkd.units.{i}"))
        for j, d in enumerate(u.get("dropins") or []):
            entries.append(
                (
                    f"{base}.d/{d.get('name', '')}",
                    d.get("contents") or "",
                    f"$.networkd.units.{i}.dropins.{j}",
                )
            )
        for p, text, jp in entries:
            if p in seen:
                err(jp, f"Config has conflicting inodes: {seen[p]} and {jp}")
            seen[p] = jp
            nodes["files"].append(
                {
                    "overwrite": True,
                    "path": p,
                    "contents": {"compression": "", "source": data_url_percent(text.encode("utf-8"))},
                    "mode": 0o644,
                }
            )

    for kind in ("directories", "files", "links"):
        for i, node in enumerate(nodes[kind]):
            parts = node["path"].strip("/").split("/")
            for k in range(1, len(parts)):
                prefix = "/" + "/".join(parts[:k])
                if prefix in link_paths:
                    err(
                        f"$.storage.{kind}.{i}.path",
                        f"path {node['path']} traverses link {prefix} defined in the same config",
                    )
                    break

    st: dict[str, Any] = {}
    disks = []
    seen_dev: set[str] = set()
    for i, d in enumerate(storage.get("disks") or []):
        if d.get("device") in seen_dev:
            err(f"$.storage.disks.{i}.device", "duplicate entry defined")
        seen_dev.add(d.get("device"))
        do: dict[str, Any] = {"device": d.get("device", "")}
        parts = []
        for p in d.get("partitions") or []:
            po = {
                k: p[k]
                for k in (
                    "guid",
                    "label",
                    "number",
                    "sizeMiB",
                    "startMiB",
                    "typeGuid",
                    "wipePartitionEntry",
                    "shouldExist",
                )
                if p.get(k) is not None
            }
            if p.get("sizeMiB") is None and p.get("size") is not None:
                po["sizeMiB"] = p["size"] * 512 // (1 << 20)
            if p.get("startMiB") is None and p.get("start") is not None:
                po["startMiB"] = p["start"] * 512 // (1 << 20)
            parts.append(po)
        if parts:
            do["partitions"] = parts
        if d.get("wipeTable"):
            do["wipeTable"] = True
        disks.append(do)
    if disks:
        st["disks"] = disks
    raids = []
    seen_raid: set[str] = set()
    for i, r in enumerate(storage.get("raid") or []):
        if r.get("name") in seen_raid:
            err(f"$.storage.raid.{i}.name", "duplicate entry defined")
        seen_raid.add(r.get("name"))
        ro = {k: r[k] for k in ("devices", "level", "name", "options", "spares") if r.get(k)}
        raids.append(ro)
    if raids:
        st["raid"] = raids
    if fs_out:
        st["filesystems"] = fs_out
    for kind in ("directories", "files", "links"):
        if nodes[kind]:
            st[kind] = nodes[kind]
    if st:
        out["storage"] = st

    pw = cfg.get("passwd") or {}
    pwo: dict[str, Any] = {}
    users = []
    seen_user: set[str] = set()
    for i, u in enumerate(pw.get("users") or []):
        if u.get("name") in seen_user:
            err(f"$.passwd.users.{i}.name", "duplicate entry defined")
        seen_user.add(u.get("name"))
        merged = dict(u.get("create") or {})
        merged.update({k: v for k, v in u.items() if k != "create"})
        uo = {k: v for k, v in merged.items() if v is not None and v is not False and v != "" and v != []}
        users.append(uo)
    if users:
        pwo["users"] = users
    groups = []
    seen_group: set[str] = set()
    for i, g in enumerate(pw.get("groups") or []):
        if g.get("name") in seen_group:
            err(f"$.passwd.groups.{i}.name", "duplicate entry defined")
        seen_group.add(g.get("name"))
        groups.append(
            {
                k: g[k]
                for k in ("gid", "name", "passwordHash", "system")
                if g.get(k) is not None and g.get(k) is not False
            }
        )
    if groups:
        pwo["groups"] = groups
    if pwo:
        out["passwd"] = pwo

    units: list[dict[str, Any]] = []
    by_name: dict[str, dict[str, Any]] = {}
    for i, u in enumerate((cfg.get("systemd") or {}).get("units") or []):
        uo: dict[str, Any] = {"name": u.get("name", "")}
        if u.get("contents"):
            uo["contents"] = u["contents"]
        if u.get("enabled") is False:
            uo["enabled"] = False
        elif u.get("enabled") is True or u.get("enable") is True:
            uo["enabled"] = True
        if u.get("mask"):
            uo["mask"] = True
        dropins = [
            {k: d[k] for k in ("contents", "name") if d.get(k) is not None} for d in u.get("dropins") or []
        ]
        if dropins:
            uo["dropins"] = dropins
        prev = by_name.get(uo["name"])
        if prev is None:
            by_name[uo["name"]] = uo
            units.append(uo)
            names = [d.get("name") for d in dropins]
            if len(names) != len(set(names)):
                err(f"$.systemd.units.{i}.dropins", "duplicate drop-in name in one unit")
            continue
        for key in ("contents", "enabled", "mask"):
            if key in uo:
                prev[key] = uo[key]
        existing = {d.get("name") for d in prev.get("dropins", [])}
        for d in dropins:
            if d.get("name") in existing:
                err(f"$.systemd.units.{i}.dropins", f"duplicate drop-in {d.get('name')} in unit {uo['name']}")
            prev.setdefault("dropins", []).append(d)
    if units:
        out["systemd"] = {"units": units}
    if errors:
        raise ConversionError("; ".join(f"{e.path}: {e.message}" for e in errors), errors)
    return order3(out)
