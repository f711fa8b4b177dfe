"""Merging configs: Ignition 3 merge (parent = template, children = snippets) and spec-2 append (flatcar.md
§6.5)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from lokonb.flatcar.butane import order3
from lokonb.flatcar.errors import require_kind

#: Keyed lists of spec 3: list name → function giving an entry's key.
_KEYS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "files": lambda e: e.get("path"),
    "directories": lambda e: e.get("path"),
    "links": lambda e: e.get("path"),
    "disks": lambda e: e.get("device"),
    "partitions": lambda e: ("n", e["number"]) if e.get("number") else ("l", e.get("label")),
    "raid": lambda e: e.get("name"),
    "filesystems": lambda e: e.get("device"),
    "luks": lambda e: e.get("name"),
    "tang": lambda e: e.get("url"),
    "units": lambda e: e.get("name"),
    "dropins": lambda e: e.get("name"),
    "users": lambda e: e.get("name"),
    "groups": lambda e: e.get("name"),
    "merge": lambda e: e.get("source"),
    "certificateAuthorities": lambda e: e.get("source"),
    "httpHeaders": lambda e: e.get("name"),
}
#: Lists that are concatenated, never keyed.
_CONCAT = {"append", "options", "mountOptions", "openOptions"}
_NODE_LISTS = ("files", "directories", "links")

Override = Callable[[str, str], None]
_SCALARS = (str, int, float, bool, type(None))


def _clone(value: Any) -> Any:
    """A deep copy of JSON data (dicts, lists, scalars), several times faster than ``copy.deepcopy``, which
    keeps a memo for shared references configs do not have; other values go to ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clone(v) for v in value]
    if isinstance(value, _SCALARS):
        return value
    return copy.deepcopy(value)


def _check_configs(function: str, parent: object, child: object, spec: str) -> None:
    """Both configs are dicts: a str ended in "'str' object has no attribute 'items'" (or 'get')."""
    for name, value in (("parent", parent), ("child", child)):
        require_kind(value, dict, function, name, f"an Ignition {spec} config (a dict)")


def merge_3x(
    parent: dict[str, Any], child: dict[str, Any], *, on_override: Override | None = None
) -> dict[str, Any]:
    """Ignition 3 merge of ``child`` over ``parent`` (neither is modified); ``on_override(kind, key)`` is
    called for every child entry that merges into an existing parent entry (file path, unit name...)."""
    _check_configs("merge_3x", parent, child, "3.x")
    if on_override is not None and not callable(on_override):
        require_kind(on_override, Callable, "merge_3x", "on_override", "a function (kind, key) or None")
    out = _merge_obj(_clone(parent), child, "", on_override)
    return order3(out)


def _merge_obj(p: dict[str, Any], c: dict[str, Any], name: str, cb: Override | None) -> dict[str, Any]:
    if name == "storage":
        _drop_shadowed_nodes(p, c, cb)
    if name == "kernelArguments":
        for mine, other in (("shouldExist", "shouldNotExist"), ("shouldNotExist", "shouldExist")):
            if c.get(mine) and p.get(other):
                p[other] = [v for v in p[other] if v not in c[mine]]
    for key, cv in c.items():
        if key not in p or p[key] is None:
            p[key] = _clone(cv)
            continue
        pv = p[key]
        if isinstance(cv, dict) and isinstance(pv, dict):
            p[key] = _merge_obj(pv, cv, key, cb)
        elif isinstance(cv, list) and isinstance(pv, list):
            p[key] = _merge_list(pv, cv, key, cb)
        else:
            p[key] = _clone(cv)
    return p


def _drop_shadowed_nodes(p: dict[str, Any], c: dict[str, Any], cb: Override | None) -> None:
    """A child entry at a path the parent has in a *different* node list removes the parent's entry."""
    for ckind in _NODE_LISTS:
        paths = {e.get("path") for e in c.get(ckind) or []}
        if not paths:
            continue
        for pkind in _NODE_LISTS:
            if pkind == ckind or not p.get(pkind):
                continue
            kept = []
            for e in p[pkind]:
                if e.get("path") in paths:
                    if cb:
                        cb(ckind[:-1] if ckind != "directories" else "directory", e.get("path"))
                    continue
                kept.append(e)
            p[pkind] = kept


def _merge_list(pv: list[Any], cv: list[Any], name: str, cb: Override | None) -> list[Any]:
    if name in _CONCAT:
        return pv + _clone(cv)
    keyf = _KEYS.get(name)
    if keyf is None or not all(isinstance(x, dict) for x in pv + cv):
        out = list(pv)  # list of scalars: keyed by value
        for v in cv:
            if v not in out:
                out.append(v)
        return out
    out = list(pv)
    index = {keyf(e): i for i, e in enumerate(out)}
    for e in cv:
        k = keyf(e)
        if name == "httpHeaders" and e.get("value") is None:
            if k in index:
                out[index[k]] = None
            continue
        if k in index and out[index[k]] is not None:
            if cb and name in ("files", "directories", "links", "units", "dropins", "users", "groups"):
                cb(
                    {
                        "files": "file",
                        "directories": "directory",
                        "links": "link",
                        "units": "unit",
                        "dropins": "dropin",
                        "users": "user",
                        "groups": "group",
                    }[name],
                    str(k),
                )
            out[index[k]] = _merge_obj(out[index[k]], e, name, cb)
        else:
            index[k] = len(out)
            out.append(_clone(e))
    return [e for e in out if e is not None]


def append_2x(
    parent: dict[str, Any], child: dict[str, Any], *, warnings: list[str] | None = None
) -> dict[str, Any]:
    """Spec-2 append (as Lokomotive's ct provider used it): lists concatenated, structs recursed, set scalars
    replaced, ``ignition.version`` kept from the parent and ``ignition.config`` taken wholesale from the
    child.

    A dropped parent ``ignition.config`` is reported into ``warnings`` when given."""
    _check_configs("append_2x", parent, child, "2.x")
    require_kind(warnings, list, "append_2x", "warnings", "a list the warnings are appended to, or None",
                 optional=True)
    if warnings is None:
        warnings = []
    out = _clone(parent)
    pconf = (out.get("ignition") or {}).get("config") or {}
    cconf = (child.get("ignition") or {}).get("config") or {}
    if pconf and pconf != cconf:
        warnings.append("the snippet's ignition.config replaces the parent's (spec-2 append quirk)")
    for key, cv in child.items():
        if key == "ignition":
            ign = out.setdefault("ignition", {})
            for ik, iv in cv.items():
                if ik == "version":
                    continue
                if ik == "config":
                    ign["config"] = _clone(iv)
                elif isinstance(iv, dict) and isinstance(ign.get(ik), dict):
                    ign[ik] = _append_obj(ign[ik], iv)
                else:
                    ign[ik] = _clone(iv)
            continue
        if isinstance(cv, dict) and isinstance(out.get(key), dict):
            out[key] = _append_obj(out[key], cv)
        elif isinstance(cv, list) and isinstance(out.get(key), list):
            out[key] = out[key] + _clone(cv)
        else:
            out[key] = _clone(cv)
    return out


def _append_obj(p: dict[str, Any], c: dict[str, Any]) -> dict[str, Any]:
    for key, cv in c.items():
        pv = p.get(key)
        if isinstance(cv, dict) and isinstance(pv, dict):
            p[key] = _append_obj(pv, cv)
        elif isinstance(cv, list) and isinstance(pv, list):
            p[key] = pv + _clone(cv)
        else:
            p[key] = _clone(cv)
    return p
