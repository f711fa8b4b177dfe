"""Readable differences between two renders, on decoded content (flatcar.md §10 R3).

Re-encoding alone (percent vs base64, another gzip) is no difference. Secret files show only hashes.
"""

from __future__ import annotations

import difflib
import hashlib
import html
import json
import os
from dataclasses import dataclass, field
from typing import Any

from lokonb.errors import kind_name
from lokonb.flatcar.encoding import DataUrlError, decode_data_url, gunzip

COLUMNS = ("role", "kind", "key", "change", "detail")


def decoded_contents(contents: dict[str, Any] | None) -> bytes | str | None:
    """Bytes of a data URL (gunzipped when marked gzip), the URL itself for remote sources, None without."""
    if not contents or contents.get("source") is None:
        return None
    src = contents["source"]
    if not src.startswith("data:"):
        return src
    try:
        data = decode_data_url(src)
        return gunzip(data) if contents.get("compression") == "gzip" else data
    except DataUrlError:
        return src


def _sha(data: Any) -> str:
    if data is None:
        return "-"
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _items(cfg: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, key) → comparable attributes with decoded content."""
    out: dict[tuple[str, str], dict[str, Any]] = {}

    def put(kind: str, key: str, attrs: dict[str, Any]) -> None:
        # a 2.3.0 config can hold one path twice (snippets are appended): show both, never only the last
        n, slot = 1, key
        while (kind, slot) in out:
            n += 1
            slot = f"{key} (entry {n})"
        out[(kind, slot)] = attrs

    st = cfg.get("storage") or {}
    spec2 = str((cfg.get("ignition") or {}).get("version", "")).startswith("2.")
    for f in st.get("files") or []:
        attrs = {k: f.get(k) for k in ("mode", "user", "group", "overwrite")}
        if spec2 and attrs["overwrite"] is None:
            attrs["overwrite"] = None
        attrs["content"] = decoded_contents(f.get("contents"))
        attrs["append"] = [decoded_contents(a) for a in f.get("append") or []] or None
        put("file", f.get("path", ""), attrs)
    for d in st.get("directories") or []:
        put("directory", d.get("path", ""), {k: d.get(k) for k in ("mode", "user", "group", "overwrite")})
    for ln in st.get("links") or []:
        put("link", ln.get("path", ""), {k: ln.get(k) for k in ("target", "hard", "user", "group", "overwrite")})
    for u in (cfg.get("systemd") or {}).get("units") or []:
        name = u.get("name", "")
        enabled = u.get("enabled", u.get("enable"))
        put("unit", name, {"enabled": enabled, "mask": u.get("mask"), "content": u.get("contents")})
        for d in u.get("dropins") or []:
            put("dropin", f"{name}/{d.get('name', '')}", {"content": d.get("contents")})
    for u in (cfg.get("passwd") or {}).get("users") or []:
        put("user", u.get("name", ""), {k: v for k, v in u.items() if k != "name"})
    for g in (cfg.get("passwd") or {}).get("groups") or []:
        put("group", g.get("name", ""), {k: v for k, v in g.items() if k != "name"})
    rest = {k: v for k, v in cfg.items() if k not in ("storage", "systemd", "passwd")}
    ign = dict(rest.get("ignition") or {})
    # the spec version is its own row: a render for another target (--ignition-version) showed "no differences"
    out[("other", "$.ignition.version")] = {"value": ign.pop("version", None)}
    rest["ignition"] = ign
    for key, value in sorted(rest.items()):
        value = _pruned(value)
        if value not in ({}, None, []):
            out[("other", f"$.{key}")] = {"value": json.dumps(value, sort_keys=True)}
    other_storage = {k: v for k, v in st.items() if k not in ("files", "directories", "links")}
    for key, value in sorted(other_storage.items()):
        out[("other", f"$.storage.{key}")] = {"value": json.dumps(value, sort_keys=True)}
    return out


def _pruned(value: Any) -> Any:
    """Drop empty objects/lists (spec 2.x always writes ``config: {}``, ``security: {tls: {}}``...)."""
    if isinstance(value, dict):
        out = {k: _pruned(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in ({}, [], None)}
    if isinstance(value, list):
        return [_pruned(v) for v in value]
    return value


def content_hashes(cfg: dict[str, Any]) -> dict[str, str]:
    """``kind:key`` → sha256 of the decoded content/attributes (the render manifest's per-file/unit
    hashes)."""
    out = {}
    for (kind, key), attrs in _items(cfg).items():
        blob = json.dumps(
            {k: (_sha(v) if k == "content" else v) for k, v in attrs.items()}, sort_keys=True, default=str
        )
        out[f"{kind}:{key}"] = hashlib.sha256(blob.encode()).hexdigest()
    return out


def _text(value: Any) -> str | None:
    if value is None:
        return ""
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    return str(value)


def _fmt(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return oct(value).replace("0o", "0")
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else str(value)


def _compare(
    role: str, kind: str, key: str, old: dict[str, Any], new: dict[str, Any], secret: bool
) -> list[str]:
    details = []
    for attr in sorted(set(old) | set(new)):
        a, b = old.get(attr), new.get(attr)
        if a == b:
            continue
        if attr in ("content", "append"):
            if secret:
                details.append(f"content changed (sha256 {_sha(a)[:8]}… → {_sha(b)[:8]}…)")
                continue
            ta, tb = _text(a), _text(b)
            if ta is None or tb is None or attr == "append":
                details.append(f"{attr} changed (sha256 {_sha(a)[:8]}… → {_sha(b)[:8]}…)")
                continue
            diff = difflib.unified_diff(ta.splitlines(), tb.splitlines(), "old", "new", lineterm="", n=1)
            details.append("\n".join(diff))
        elif attr == "value":
            details.append(f"{a} → {b}")
        else:
            label = "mode" if attr == "mode" else attr
            details.append(
                f"{label}: {_fmt(a) if a is not None else '-'} → {_fmt(b) if b is not None else '-'}"
            )
    return details


@dataclass
class RenderDiff:
    """Rows ``role, kind, key, change, detail`` (no secret contents)."""

    rows: list[dict[str, str]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.rows)

    def __bool__(self) -> bool:
        return bool(self.rows)

    @property
    def empty(self) -> bool:
        return not self.rows

    def to_frame(self) -> Any:
        import pandas as pd

        return pd.DataFrame(self.rows, columns=list(COLUMNS))

    def by_role(self) -> dict[str, list[dict[str, str]]]:
        out: dict[str, list[dict[str, str]]] = {}
        for r in self.rows:
            out.setdefault(r["role"], []).append(r)
        return out

    def to_text(self) -> str:
        if not self.rows:
            return "no differences\n"
        lines = []
        for role, rows in self.by_role().items():
            counts = {c: sum(r["change"] == c for r in rows) for c in ("added", "removed", "modified")}
            lines.append(f"== {role}: " + ", ".join(f"{n} {c}" for c, n in counts.items() if n))
            for r in rows:
                lines.append(f"  {r['change']:<8} {r['kind']:<9} {r['key']}")
                for dl in r["detail"].splitlines():
                    lines.append(f"      {dl}")
        return "\n".join(lines) + "\n"

    def _repr_html_(self) -> str:
        if not self.rows:
            return "<p><b>No differences</b> between the two renders.</p>"
        parts = ["<table><tr><th>role</th><th>added</th><th>removed</th><th>modified</th></tr>"]
        groups = self.by_role()
        for role, rows in groups.items():
            c = {k: sum(r["change"] == k for r in rows) for k in ("added", "removed", "modified")}
            parts.append(
                f"<tr><td>{html.escape(role)}</td><td>{c['added']}</td><td>{c['removed']}</td>"
                f"<td>{c['modified']}</td></tr>"
            )
        parts.append("</table>")
        for role, rows in groups.items():
            parts.append(f"<details><summary>{html.escape(role)} ({len(rows)} changes)</summary><ul>")
            for r in rows:
                parts.append(
                    f"<li><b>{html.escape(r['change'])}</b> {html.escape(r['kind'])} "
                    f"<code>{html.escape(r['key'])}</code><pre>{html.escape(r['detail'])}</pre></li>"
                )
            parts.append("</ul></details>")
        return "".join(parts)


def _as_render(value: Any) -> Any:
    if isinstance(value, (str, os.PathLike)):
        from lokonb.flatcar.render import ClusterRender

        return ClusterRender.load(value)
    if not hasattr(value, "roles"):
        from lokonb.flatcar.errors import InputTypeError

        raise InputTypeError(f"diff_renders(): expected a ClusterRender or a saved render directory, got "
                             f"{kind_name(value)}")
    return value


def diff_renders(old: Any, new: Any) -> RenderDiff:
    """Compare two renders (``ClusterRender`` objects or directories written by ``save``)."""
    old, new = _as_render(old), _as_render(new)
    rows: list[dict[str, str]] = []
    for role in list(old.roles) + [r for r in new.roles if r not in old.roles]:
        if role not in new.roles:
            rows.append({"role": role, "kind": "role", "key": role, "change": "removed", "detail": ""})
            continue
        if role not in old.roles:
            rows.append({"role": role, "kind": "role", "key": role, "change": "added", "detail": ""})
            continue
        a, b = old.roles[role], new.roles[role]
        secrets = set(a.secret_paths) | set(b.secret_paths)
        ia, ib = _items(a.config), _items(b.config)
        for key in list(ia) + [k for k in ib if k not in ia]:
            kind, name = key
            secret = name.split(" (entry ")[0] in secrets
            if key not in ib:
                rows.append({"role": role, "kind": kind, "key": name, "change": "removed", "detail": ""})
            elif key not in ia:
                rows.append(
                    {
                        "role": role,
                        "kind": kind,
                        "key": name,
                        "change": "added",
                        "detail": "secret content" if secret else "",
                    }
                )
            else:
                details = _compare(role, kind, name, ia[key], ib[key], secret)
                if details:
                    rows.append(
                        {
                            "role": role,
                            "kind": kind,
                            "key": name,
                            "change": "modified",
                            "detail": "\n".join(details),
                        }
                    )
    return RenderDiff(rows)
