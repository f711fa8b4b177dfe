"""Message families as data: the packaged catalogue (``families.yaml``), user overrides, validation.

A :class:`FamilyTable` is an ordered tuple of :class:`Family`; the first family whose literals, ``files`` and
``regex`` all match a record claims it (spec logs.md FAM-2); ``other`` is implicit and always last.
"""

from __future__ import annotations

import copy
import fnmatch
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from lokonb.inputfile import read_text
from lokonb.logs.errors import FamilyFileError

log = logging.getLogger("lokonb.logs")

NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
GROUPS = (
    "tls",
    "http",
    "trace",
    "etcd",
    "watch",
    "admission",
    "auth",
    "aggregation",
    "apf",
    "lifecycle",
    "runtime",
    "misc",
)
VERDICTS = ("harmless", "actionable", "probe")
PRIORITIES = ("critical", "high", "medium", "low")
FIELD_TYPES = ("str", "int", "float", "duration", "addr")
COND_OPS = ("ge", "gt", "le", "lt", "eq", "ne", "in", "notin")
#: Standard field columns of the records table (spec §5.1); other fields go to ``extra``.
STANDARD_FIELDS: dict[str, str] = {
    "client_addr": "addr",
    "client_port": "int",
    "local_addr": "addr",
    "local_port": "int",
    "tls_error": "str",
    "verb": "str",
    "uri": "str",
    "code": "int",
    "latency_s": "duration",
    "user_agent": "str",
    "trace_id": "str",
    "op": "str",
    "total_s": "duration",
    "webhook": "str",
    "resource": "str",
    "apiservice": "str",
    "etcd_error": "str",
    "err_kind": "str",
    "err": "str",
}
#: Pseudo-fields usable in conditions and ``derive``: the record's first line and its klog severity.
PSEUDO_FIELDS = ("line", "severity")
KEYS = {
    "name",
    "group",
    "any",
    "all",
    "ignore_case",
    "files",
    "regex",
    "fields",
    "verdict",
    "priority",
    "harmless_if",
    "actionable_if",
    "group_by",
    "continuation",
    "reason",
    "before",
    "after",
    "set",
    "derive",
    "fields_only",
    "quick",
}
OTHER = "other"


@dataclass(frozen=True)
class Derive:
    """A field computed from another field: the value of the first case whose regex matches, else ``default``."""

    source: str
    cases: tuple[tuple[str, str], ...]
    default: str | None


@dataclass(frozen=True)
class Family:
    """One message family (one row of the catalogue)."""

    name: str
    group: str = "misc"
    any: tuple[str, ...] = ()
    all: tuple[str, ...] = ()
    ignore_case: bool = False
    files: tuple[str, ...] = ()
    regex: tuple[str, ...] = ()
    fields_only: bool = False
    fields: Mapping[str, str] = field(default_factory=dict)
    quick: Mapping[str, str] = field(default_factory=dict)
    set: Mapping[str, str] = field(default_factory=dict)
    derive: Mapping[str, Derive] = field(default_factory=dict)
    verdict: str = "actionable"
    priority: str | None = None
    harmless_if: tuple[Mapping[str, Any], ...] = ()
    actionable_if: tuple[Mapping[str, Any], ...] = ()
    group_by: tuple[str, ...] = ()
    continuation: bool = False
    reason: str = ""

    @property
    def all_fields(self) -> tuple[str, ...]:
        """Every field this family can fill (regex groups, constants, derived)."""
        return tuple(dict.fromkeys([*self.fields, *self.set, *self.derive]))

    def file_matches(self, basename: str | None) -> bool:
        """True when the family has no ``files`` filter or ``basename`` matches one of its globs."""
        if not self.files:
            return True
        return basename is not None and any(fnmatch.fnmatchcase(basename, g) for g in self.files)


@dataclass(frozen=True)
class FamilyTable:
    """The effective, validated family table in first-match order (without the implicit ``other``)."""

    families: tuple[Family, ...]
    source: str = "packaged"

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.families)

    def __len__(self) -> int:
        return len(self.families)

    @property
    def names(self) -> tuple[str, ...]:
        """Family names in match order, ``other`` last."""
        return (*[f.name for f in self.families], OTHER)

    def get(self, name: str) -> Family | None:
        """The family called ``name`` (None for ``other`` or unknown names)."""
        for fam in self.families:
            if fam.name == name:
                return fam
        return None

    def to_frame(self):  # type: ignore[no-untyped-def]
        """The table as a DataFrame (what ``lokonb logs families`` prints)."""
        import pandas as pd

        rows = []
        for i, f in enumerate(self.families, 1):
            rows.append(
                {
                    "order": i,
                    "family": f.name,
                    "group": f.group,
                    "default": f.verdict if f.verdict != "actionable" else f"act:{f.priority}",
                    "conditions": _cond_text(f),
                    "recognised_by": " / ".join((*f.any, *f.all))[:80],
                    "reason": f.reason,
                }
            )
        rows.append(
            {
                "order": len(rows) + 1,
                "family": OTHER,
                "group": "misc",
                "default": "by severity",
                "conditions": "I/none harmless, W act:low, E act:medium, F act:critical",
                "recognised_by": "nothing above matched",
                "reason": "unknown is not automatically harmless",
            }
        )
        return pd.DataFrame(rows)


def _cond_text(f: Family) -> str:
    parts = []
    if f.harmless_if:
        parts.append(f"harmless if {list(map(dict, f.harmless_if))}")
    if f.actionable_if:
        parts.append(f"act:{f.priority} if {list(map(dict, f.actionable_if))}")
    return "; ".join(parts)


# --------------------------------------------------------------------------------------------------------------
def _err(where: str, msg: str, file: str | None) -> FamilyFileError:
    return FamilyFileError(f"{where}: {msg}", file=file)


def _str_list(value: Any, where: str, file: str | None) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _err(where, "must be a list of strings", file)
    return tuple(value)


def _check_regex(pattern: str, where: str, flags: int, file: str | None) -> set[str]:
    try:
        rx = re.compile(pattern, flags)
    except re.error as exc:
        raise _err(where, f"invalid regex: {exc}", file) from None
    return set(rx.groupindex)


def _conditions(value: Any, where: str, known: set[str], file: str | None) -> tuple[dict[str, Any], ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise _err(where, "must be a list of condition maps", file)
    out = []
    for i, cond in enumerate(value):
        w = f"{where}[{i}]"
        if not isinstance(cond, dict) or not cond:
            raise _err(w, "must be a non-empty map of field: regex or field: {op: value}", file)
        for fname, test in cond.items():
            if fname not in known and fname not in PSEUDO_FIELDS:
                raise _err(
                    f"{w}.{fname}",
                    f"unknown field (known: {', '.join(sorted(known | set(PSEUDO_FIELDS)))})",
                    file,
                )
            if isinstance(test, str):
                _check_regex(test, f"{w}.{fname}", 0, file)
            elif isinstance(test, dict):
                for op in test:
                    if op not in COND_OPS:
                        raise _err(
                            f"{w}.{fname}.{op}", f"unknown operator (allowed: {', '.join(COND_OPS)})", file
                        )
                    if op in ("in", "notin") and not isinstance(test[op], list):
                        raise _err(f"{w}.{fname}.{op}", "must be a list", file)
            elif isinstance(test, (int, float)) and not isinstance(test, bool):
                pass
            else:
                raise _err(f"{w}.{fname}", "must be a regex string or a map of operators", file)
        out.append(dict(cond))
    return tuple(out)


def _build(entry: Mapping[str, Any], where: str, file: str | None) -> Family:
    unknown = set(entry) - KEYS
    if unknown:
        raise _err(f"{where}.{sorted(unknown)[0]}", f"unknown key (allowed: {', '.join(sorted(KEYS))})", file)
    name = entry.get("name")
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise _err(f"{where}.name", "must match [a-z][a-z0-9_]*", file)
    if name == OTHER:
        raise _err(f"{where}.name", "'other' is implicit and always last", file)
    group = entry.get("group", "misc")
    if group not in GROUPS:
        raise _err(f"{where}.group", f"unknown group {group!r} (allowed: {', '.join(GROUPS)})", file)
    ignore_case = bool(entry.get("ignore_case", False))
    flags = re.IGNORECASE if ignore_case else 0
    regexes = _str_list(entry.get("regex", []), f"{where}.regex", file)
    fields = entry.get("fields") or {}
    if not isinstance(fields, dict):
        raise _err(f"{where}.fields", "must be a map name -> type", file)
    for fname, ftype in fields.items():
        if ftype not in FIELD_TYPES:
            raise _err(
                f"{where}.fields.{fname}", f"unknown type {ftype!r} (allowed: {', '.join(FIELD_TYPES)})", file
            )
    for i, rx in enumerate(regexes):
        w = f"{where}.regex" if len(regexes) == 1 else f"{where}.regex[{i}]"
        groups = _check_regex(rx, w, flags, file)
        missing = groups - set(fields)
        if missing:
            raise _err(w, f"named group(s) {', '.join(sorted(missing))} not declared in fields", file)
    quick = entry.get("quick") or {}
    if not isinstance(quick, dict):
        raise _err(f"{where}.quick", "must be a map field -> regex with one group", file)
    for qname, qrx in quick.items():
        if qname not in fields:
            raise _err(f"{where}.quick.{qname}", "quick patterns may only fill declared fields", file)
        try:
            if re.compile(str(qrx)).groups != 1:
                raise _err(f"{where}.quick.{qname}", "needs exactly one capturing group", file)
        except re.error as exc:
            raise _err(f"{where}.quick.{qname}", f"invalid regex: {exc}", file) from None
    set_ = entry.get("set") or {}
    if not isinstance(set_, dict):
        raise _err(f"{where}.set", "must be a map field -> value", file)
    derive: dict[str, Derive] = {}
    for fname, spec in (entry.get("derive") or {}).items():
        w = f"{where}.derive.{fname}"
        if not isinstance(spec, dict) or "from" not in spec:
            raise _err(w, "must be a map with 'from', 'cases' and optional 'default'", file)
        cases = []
        for j, case in enumerate(spec.get("cases") or []):
            if not (isinstance(case, list) and len(case) == 2):
                raise _err(f"{w}.cases[{j}]", "must be [regex, value]", file)
            _check_regex(str(case[0]), f"{w}.cases[{j}]", 0, file)
            cases.append((str(case[0]), str(case[1])))
        src = spec["from"]
        if src not in fields and src not in PSEUDO_FIELDS:
            raise _err(f"{w}.from", f"unknown field {src!r}", file)
        derive[fname] = Derive(
            src, tuple(cases), None if spec.get("default") is None else str(spec["default"])
        )
    known = set(fields) | set(set_) | set(derive)
    verdict = entry.get("verdict", "actionable")
    if verdict not in VERDICTS:
        raise _err(f"{where}.verdict", f"unknown verdict {verdict!r} (allowed: {', '.join(VERDICTS)})", file)
    priority = entry.get("priority")
    if priority is not None and priority not in PRIORITIES:
        raise _err(
            f"{where}.priority", f"unknown priority {priority!r} (allowed: {', '.join(PRIORITIES)})", file
        )
    if priority is None and (verdict == "actionable" or entry.get("actionable_if")):
        priority = "medium"
    group_by = _str_list(entry.get("group_by", []), f"{where}.group_by", file)
    for g in group_by:
        if g not in known:
            raise _err(f"{where}.group_by", f"unknown field {g!r}", file)
    anys = _str_list(entry.get("any", []), f"{where}.any", file)
    alls = _str_list(entry.get("all", []), f"{where}.all", file)
    if any(not s for s in (*anys, *alls)):
        raise _err(f"{where}.any", "literals must not be empty", file)
    return Family(
        name=name,
        group=group,
        any=anys,
        all=alls,
        ignore_case=ignore_case,
        files=_str_list(entry.get("files", []), f"{where}.files", file),
        regex=regexes,
        fields_only=bool(entry.get("fields_only", False)),
        fields=dict(fields),
        quick={k: str(v) for k, v in quick.items()},
        set={k: str(v) for k, v in set_.items()},
        derive=derive,
        verdict=verdict,
        priority=priority,
        harmless_if=_conditions(entry.get("harmless_if"), f"{where}.harmless_if", known, file),
        actionable_if=_conditions(entry.get("actionable_if"), f"{where}.actionable_if", known, file),
        group_by=group_by,
        continuation=bool(entry.get("continuation", False)),
        reason=str(entry.get("reason", "")),
    )


def _read_yaml(path: Path | str | None, text: str | None) -> tuple[Any, str | None]:
    import yaml

    name = None if path is None else str(path)
    try:
        if text is None:
            text = read_text(path)  # type: ignore[arg-type]
        return yaml.safe_load(text), name
    except OSError as exc:
        raise FamilyFileError(f"cannot read family file: {exc.strerror}", file=name) from None
    except UnicodeDecodeError as exc:  # was an internal error
        raise FamilyFileError(f"cannot read family file: not UTF-8 text (byte {exc.start})", file=name) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise FamilyFileError(
            f"invalid YAML: {getattr(exc, 'problem', exc)}",
            file=name,
            line=None if mark is None else mark.line + 1,
        ) from None


# Parsed and validated once per process: every analysis call needs the packaged table, and parsing its YAML cost
# ~17 ms a call (most of a one-line `parse_lines`). Callers never mutate entries (`_apply_user` deep-copies them).
@lru_cache(maxsize=1)
def _packaged_entries() -> tuple[dict[str, Any], ...]:
    import yaml

    text = resources.files("lokonb.logs").joinpath("families.yaml").read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None:  # PyYAML built without libyaml: the pure-Python loader (~0.2 s)
        data, _ = _read_yaml(None, text)
    else:
        data = yaml.load(text, Loader=loader)  # noqa: S506 - the safe loader, in C; packaged, known-good file
    return tuple(data["families"])


@lru_cache(maxsize=1)
def _packaged_table() -> FamilyTable:
    return _validated(list(_packaged_entries()), None, "packaged")


def load_families(
    path: str | Path | None = None, *, overrides: Mapping[str, Any] | None = None
) -> FamilyTable:
    """Load the packaged catalogue, then apply a user file (``path``) and/or an ``overrides`` mapping.

    A user document has ``families:`` (an existing name overrides only the keys given; a new name adds a family
    before ``other`` or at ``before``/``after``) and ``disable:`` (names). Raises :class:`FamilyFileError` naming
    the YAML path of the first problem.
    """
    entries = list(_packaged_entries())
    table = _packaged_table()
    if path is not None:
        doc, file = _read_yaml(path, None)
        entries = _apply_user(entries, doc, file)
        table = _validated(entries, file, str(path))
    if overrides is not None:
        entries = _apply_user(entries, dict(overrides), None)
        table = _validated(entries, None, "overrides")
    return table


def _validated(entries: list[dict[str, Any]], file: str | None, label: str) -> FamilyTable:
    fams, seen = [], set()
    for i, entry in enumerate(entries):
        where = f"families[{i}]"
        if not isinstance(entry, dict):
            raise _err(where, "must be a map", file)
        entry = dict(entry)
        fam_where = entry.pop("_where", where)
        fam = _build(entry, fam_where, file)
        if fam.name in seen:
            raise _err(f"{where}.name", f"duplicate family {fam.name!r}", file)
        if label != "packaged" and not (fam.any or fam.all or fam.continuation):
            # FAM-3: allowed, but nothing narrows the candidates: the regex (if any) runs on every message
            log.warning(
                "%s%s: family %r has no 'any'/'all' literals: it is tried on every message (slow)",
                f"{file}: " if file else "",
                fam_where,
                fam.name,
            )
        seen.add(fam.name)
        fams.append(fam)
    return FamilyTable(tuple(fams), label)


def _apply_user(entries: list[dict[str, Any]], doc: Any, file: str | None) -> list[dict[str, Any]]:
    if doc is None:
        return entries
    if not isinstance(doc, dict):
        raise _err("(top)", "must be a map with 'families' and/or 'disable'", file)
    unknown = set(doc) - {"families", "disable", "version"}
    if unknown:
        raise _err(sorted(unknown)[0], "unknown key (allowed: families, disable, version)", file)
    out = [copy.deepcopy(e) for e in entries]
    for e in out:
        e.pop("_where", None)
    names = [e["name"] for e in out]
    user = doc.get("families") or []
    if not isinstance(user, list):
        raise _err("families", "must be a list", file)
    user_names: set[str] = set()
    for i, entry in enumerate(user):
        where = f"families[{i}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            raise _err(where, "must be a map with a 'name'", file)
        if entry["name"] in user_names:
            raise _err(f"{where}.name", f"duplicate family {entry['name']!r} in this file", file)
        user_names.add(entry["name"])
        entry = dict(entry)
        before, after = entry.pop("before", None), entry.pop("after", None)
        for key, ref in (("before", before), ("after", after)):
            if ref is not None and ref not in names and ref != OTHER:
                raise _err(f"{where}.{key}", f"unknown family {ref!r}", file)
        entry["_where"] = where
        if entry["name"] in names:
            idx = names.index(entry["name"])
            merged = {**out[idx], **entry}
            if before is None and after is None:
                out[idx] = merged
                continue
            out.pop(idx)
            names.pop(idx)
            entry = merged
        pos = len(out)
        if before is not None and before != OTHER:
            pos = names.index(before)
        elif after is not None and after != OTHER:
            pos = names.index(after) + 1
        out.insert(pos, entry)
        names.insert(pos, entry["name"])
    disable = doc.get("disable") or []
    if not isinstance(disable, list):
        raise _err("disable", "must be a list of family names", file)
    for j, name in enumerate(disable):
        if name not in names:
            raise _err(f"disable[{j}]", f"unknown family {name!r}", file)
        idx = names.index(name)
        out.pop(idx)
        names.pop(idx)
    return out


def coerce_table(
    families: FamilyTable | str | Path | Mapping[str, Any] | Sequence[Any] | None,
) -> FamilyTable:
    """Accept a table, a YAML path, a user mapping or None (packaged) and return a :class:`FamilyTable`."""
    if families is None:
        return load_families()
    if isinstance(families, FamilyTable):
        return families
    if isinstance(families, (str, Path)):
        return load_families(families)
    if isinstance(families, Mapping):
        return load_families(overrides=families)
    return load_families(overrides={"families": list(families)})
