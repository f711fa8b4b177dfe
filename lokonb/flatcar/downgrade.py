"""Spec 3.x → 2.3.0 for the node templates (legacy Flatcar < 3185 runs Ignition v0.3x, max spec 2.3.0).

Only what the templates use is supported (files, directories, links, units, users); anything else is an error
rather than a silent loss.
"""

from __future__ import annotations

from typing import Any

from lokonb.flatcar.errors import TemplateError

_SKELETON_KEYS = ("ignition", "networkd", "passwd", "storage", "systemd")


def downgrade_to_23(cfg: dict[str, Any]) -> dict[str, Any]:
    extra = set(cfg) - {"ignition", "passwd", "storage", "systemd"}
    st = cfg.get("storage") or {}
    extra |= {f"storage.{k}" for k in st if k not in ("files", "directories", "links")}
    if extra:
        raise TemplateError(f"cannot express {', '.join(sorted(extra))} in Ignition spec 2.3.0")
    out: dict[str, Any] = {
        "ignition": {"config": {}, "security": {"tls": {}}, "timeouts": {}, "version": "2.3.0"},
        "networkd": {},
        "passwd": {},
        "storage": {},
        "systemd": {},
    }
    if cfg.get("passwd", {}).get("users"):
        out["passwd"]["users"] = [_user(u) for u in cfg["passwd"]["users"]]
    for kind in ("directories", "files", "links"):
        entries = []
        for e in st.get(kind) or []:
            o: dict[str, Any] = {"filesystem": "root"}
            if e.get("group"):
                o["group"] = dict(e["group"])
            if e.get("overwrite") is not None:
                o["overwrite"] = e["overwrite"]
            o["path"] = e["path"]
            if e.get("user"):
                o["user"] = dict(e["user"])
            if kind == "files":
                c = e.get("contents") or {}
                co: dict[str, Any] = {}
                if c.get("compression"):
                    co["compression"] = c["compression"]
                co["source"] = c.get("source", "data:,")
                co["verification"] = dict(c.get("verification") or {})
                o["contents"] = co
            if kind == "links":
                if e.get("hard"):
                    o["hard"] = True
                o["target"] = e.get("target", "")
            elif e.get("mode") is not None:
                o["mode"] = e["mode"]
            entries.append(o)
        if entries:
            out["storage"][kind] = entries
    units = []
    for u in (cfg.get("systemd") or {}).get("units") or []:
        o = {}
        if u.get("contents"):
            o["contents"] = u["contents"]
        if u.get("dropins"):
            o["dropins"] = [{k: d[k] for k in ("contents", "name") if k in d} for d in u["dropins"]]
        if u.get("enabled") is not None:
            o["enabled"] = u["enabled"]
        if u.get("mask"):
            o["mask"] = True
        o["name"] = u["name"]
        units.append(o)
    if units:
        out["systemd"]["units"] = units
    return out


_USER_ORDER = (
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


def _user(u: dict[str, Any]) -> dict[str, Any]:
    return {k: u[k] for k in _USER_ORDER if k in u}
