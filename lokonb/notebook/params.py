"""Typed notebook parameters: declaration, conversion from every input route, validation (``notebooks.md`` §3).

Input routes carry values in two shapes:

* :class:`Text` — scalar text as it was written (a YAML scalar, ``-p``/``-r`` text), with a ``quoted`` flag, so
  that the schema (not YAML 1.1) decides what ``no``, ``0123`` or ``1.10`` mean;
* plain Python values — from the Python API, from the setup cell (what papermill injected) and from YAML
  sequences/mappings (whose leaves are :class:`Text`).

The conversion table of §3.2/§3.5 lives in :func:`_convert_scalar` and its helpers; validation collects every
problem into one :class:`~lokonb.notebook.exceptions.ParameterError`.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import difflib
import math
import re
import sys
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lokonb.errors import kind_name
from lokonb.notebook.exceptions import ParameterError, ParameterIssue

#: Parameter kinds (the "declared type" column of §3.2).
KINDS = ("str", "int", "float", "bool", "choice", "list", "dict", "path", "datetime", "any")

#: Names that look like credentials (R3.8); matched case-insensitively as substrings.
CREDENTIAL_NAME = re.compile(
    r"(?!.*(_file|_path|_dir)$)(?:.*(secret|password|passwd|token|private_?key|client[_-]?key|credential|"
    r"api_?key|aws_access_key_id))",
    re.I,
)

_INT = re.compile(r"[+-]?\d+\Z")
_FLOAT = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\Z")
_NULLS = ("null", "Null", "NULL", "~", "")
#: The route label of ``-p NAME VALUE`` text; papermill's ``-p`` reads the exact word ``None`` as ``None``.
P_ROUTE = "-p"
_YAML11_BOOLS = {"yes", "no", "on", "off", "y", "n"}


@dataclass(frozen=True)
class Text:
    """Scalar text exactly as written; ``quoted`` is true for quoted YAML scalars and ``-r`` values."""

    text: str
    quoted: bool = False
    source: str | None = None


@dataclass(frozen=True)
class Param:
    """One declared parameter (or a sub-field of a dict parameter, or the item type of a list)."""

    name: str
    kind: str
    default: Any
    help: str
    optional: bool = False
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    item: Param | None = None
    fields: tuple[Param, ...] = ()
    free_keys: bool = False
    group: str = ""
    example: str | None = None
    allow_nan: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: unknown kind {self.kind!r}")
        if len(self.help) > 100:
            raise ValueError(f"{self.name}: help longer than 100 characters")

    @property
    def type_name(self) -> str:
        """The annotation used in the parameters cell (papermill's regex accepts ``\\w``, ``[]``, ``,``)."""
        base = {
            "str": "str",
            "int": "int",
            "float": "float",
            "bool": "bool",
            "choice": "str",
            "path": "str",
            "datetime": "str",
            "dict": "dict",
            "any": "object",
        }.get(self.kind)
        if self.kind == "choice" and self.choices and not isinstance(self.choices[0], str):
            base = type(self.choices[0]).__name__
        if self.kind == "list":
            base = f"list[{self.item.type_name if self.item else 'object'}]"
            base = base.replace("Optional[", "").replace("]]", "]") if "Optional" in base else base
        return f"Optional[{base}]" if self.optional else str(base)

    def sub(self, name: str) -> Param | None:
        return next((f for f in self.fields if f.name == name), None)


Rule = Callable[[Mapping[str, Any]], Iterable[ParameterIssue]]


@dataclass(frozen=True)
class NotebookSchema:
    """A notebook's typed parameters, cross-field rules and run defaults."""

    notebook: str
    title: str
    params: tuple[Param, ...]
    rules: tuple[Rule, ...] = ()
    cell_timeout: int = 600
    run_timeout: int | None = None
    #: summary result names shown in the index (up to three)
    index_results: tuple[str, ...] = ()

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.params]

    def defaults(self) -> dict[str, Any]:
        """The schema defaults as literal values (what the parameters cell holds)."""
        return {p.name: _copy(p.default) for p in self.params}


@dataclass
class Validated:
    """The outcome of a successful validation: rich values, literal values and each value's source."""

    schema: NotebookSchema
    values: dict[str, Any]
    literals: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_copy(v) for v in value]
    return value


# ---------------------------------------------------------------------------------------------------------------
# Conversion
# ---------------------------------------------------------------------------------------------------------------


class _Bad(Exception):
    def __init__(self, message: str, suggestion: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.suggestion = suggestion


class _WrongKind(_Bad):
    """A value of the wrong kind: ``expected EXPECTED, got KIND VALUE``, where KIND is worded by the value's
    origin (:func:`lokonb.errors.kind_name`): "a map" for YAML/``-p`` text, ``dict`` for a Python value."""

    def __init__(self, expected: str, value: Any, suggestion: str | None = None, *, show: bool = True) -> None:
        super().__init__(f"expected {expected}, got {kind_name(value)}", suggestion)
        self.expected, self.value, self.show = expected, value, show

    def worded(self, document: bool) -> str:
        shown = f" {_show(self.value)}" if self.show else ""
        return f"expected {self.expected}, got {kind_name(self.value, document=document)}{shown}"


def _bare(value: Any) -> Any:
    """``value`` with every :class:`Text` leaf as its text: messages showed ``{'a': Text(text='1', quoted=...``."""
    if isinstance(value, Text):
        return value.text
    if isinstance(value, Mapping):
        return {_bare(k): _bare(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_bare(v) for v in value]
    return value


#: Sources whose values are Python values, not text read from YAML or ``-p`` (routes of ``validate``, ``-r``).
_PYTHON_SOURCES = frozenset({"api", "notebook", "form", "default", "-r"})


def _has_text(value: Any) -> bool:
    """Whether ``value`` holds a :class:`Text` leaf (so it was composed from YAML or ``-p`` text)."""
    if isinstance(value, Text):
        return True
    if isinstance(value, Mapping):
        return any(_has_text(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_text(v) for v in value)
    return False


#: Longest integer text converted (Python's own limit: int() of longer text raised an internal ValueError).
MAX_INT_DIGITS = sys.get_int_max_str_digits() or 4300


def number_text(value: Any) -> str:
    """``str(value)``, or for an integer too long to print (over :data:`MAX_INT_DIGITS` digits, where ``str()``
    itself raises) its size."""
    if isinstance(value, int) and value.bit_length() > MAX_INT_DIGITS * 3.32:
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    return str(value)


def _show(value: Any, limit: int = 40) -> str:
    from lokonb.notebook.redact import default_redactor

    # scrubbed before it is cut: a known secret given by mistake (a kubeconfig token as -r ignition_version) was
    # quoted to 37 characters, which no longer matched the whole value and reached stderr and results.json
    bare = _bare(value)
    shown = number_text(bare) if isinstance(bare, int) else default_redactor().text(repr(bare))
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


def _from_numpy(value: Any) -> Any:
    item = getattr(value, "item", None)
    if callable(item) and type(value).__module__ == "numpy":
        return item()
    return value


def _to_str(p: Param, v: Any) -> str:
    if isinstance(v, Text):
        return v.text
    if isinstance(v, str):
        return v
    if isinstance(v, Path) and p.kind == "path":
        return str(v)
    if isinstance(v, (bool, int, float)):
        raise _WrongKind(
            "a string", v, "use -r NAME VALUE or quote it in YAML (the original text may already be lost)"
        )
    raise _WrongKind("a string", v, show=False)


def _to_int(p: Param, v: Any) -> int:
    if isinstance(v, Text):
        t = v.text.strip()
        if v.quoted or not _INT.match(t):
            raise _Bad(f"expected an integer, got {_show(v)}")
        digits = t.lstrip("+-")
        if len(digits) > 1 and digits.startswith("0"):
            raise _Bad(
                f"expected an integer, got {t!r}",
                "a leading zero is ambiguous (YAML 1.1 reads it as octal); remove it or use a string",
            )
        if len(digits) > MAX_INT_DIGITS:  # int() raised "Exceeds the limit (4300 digits)": an internal error
            raise _Bad(f"expected an integer, got a number of {len(digits):,} digits (allowed: at most "
                       f"{MAX_INT_DIGITS:,} digits)")
        return int(t)
    v = _from_numpy(v)
    if isinstance(v, bool) or not isinstance(v, int):  # strict: 3.0 and True are not integers
        raise _WrongKind("an integer", v)
    if v.bit_length() > MAX_INT_DIGITS * 3.32:  # papermill could not write it into the notebook
        raise _Bad(f"expected an integer, got {number_text(v)} (allowed: at most {MAX_INT_DIGITS:,} digits)")
    return v


def _to_float(p: Param, v: Any) -> float:
    if isinstance(v, Text):
        t = v.text.strip()
        low = t.lower().lstrip("+-.")
        if not v.quoted and low in ("nan", "inf", "infinity"):
            result = float(t.replace(".", "")) if t.startswith((".", "-.", "+.")) else float(t)
        elif v.quoted or not _FLOAT.match(t):
            raise _Bad(f"expected a number, got {_show(v)}")
        else:
            result = float(t)
            if math.isinf(result):  # 1e400: "inf is not allowed" named a value nobody wrote
                raise _Bad(f"{_show(Text(t))} is too large for a number (it overflows to {result})",
                           "give a finite number (at most about 1.8e308)")
    else:
        v = _from_numpy(v)
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise _WrongKind("a number", v)
        try:
            result = float(v)
        except OverflowError:  # an int beyond float's range: "int too large to convert to float" (internal)
            raise _Bad(f"{number_text(v)} is too large for a number", "give a finite number (at most about "
                       "1.8e308)") from None
    if not p.allow_nan and (math.isnan(result) or math.isinf(result)):
        raise _Bad(f"{result} is not allowed", "give a finite number")
    return result


def _to_bool(p: Param, v: Any) -> bool:
    if isinstance(v, Text) or isinstance(v, str):
        t = v.text if isinstance(v, Text) else v
        quoted = v.quoted if isinstance(v, Text) else False
        if not quoted and t.strip().lower() in ("true", "false"):
            return t.strip().lower() == "true"
        if not isinstance(v, Text) and t in ("True", "False", "true", "false"):
            return t.lower() == "true"  # papermill injects -p debug false as the string "false"
        hint = None
        if quoted and t.strip().lower() in ("true", "false"):
            hint = f"(quoted, so a string; write {t.strip().lower()} without quotes)"
        elif t.strip().lower() in _YAML11_BOOLS | {"1", "0"}:
            word = "true" if t.strip().lower() in ("yes", "on", "y", "1") else "false"
            hint = f"(YAML 1.1 reads unquoted {t.strip()} as {word}; write {word})"
        raise _Bad(f"expected true or false, got {_show(t)}" + (f" {hint}" if hint else ""))
    v = _from_numpy(v)
    if not isinstance(v, bool):
        raise _WrongKind("true or false", v)
    return v


def _to_datetime(p: Param, v: Any) -> _dt.datetime:
    if isinstance(v, _dt.datetime):
        if v.tzinfo is None:
            raise _Bad("expected a date-time with an explicit zone (e.g. 2026-01-01T00:00:00Z)")
        return v
    text = _to_str(p, v).strip()
    try:
        parsed = _dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise _Bad(
            f"expected an ISO 8601 date-time, got {_show(text)}", "e.g. 2026-01-01T00:00:00Z"
        ) from None
    if parsed.tzinfo is None:
        raise _Bad(f"{text!r} has no time zone", "add Z or an offset such as +02:00")
    return parsed


def _to_choice(p: Param, v: Any) -> Any:
    allowed = ", ".join(str(c) for c in p.choices)
    if p.choices and all(isinstance(c, str) for c in p.choices):
        value: Any = _to_str(p, v)
    else:
        scalar = Text(v.text) if isinstance(v, Text) else v
        value = _to_int(p, scalar) if all(isinstance(c, int) for c in p.choices) else _to_str(p, scalar)
    if value not in p.choices:
        close = difflib.get_close_matches(str(value), [str(c) for c in p.choices], n=1)
        hint = f"did you mean {close[0]!r}?" if close else None
        raise _Bad(f"{_show(value)} is not allowed; allowed: {allowed}", hint)
    return value


_SCALARS: dict[str, Callable[[Param, Any], Any]] = {
    "str": _to_str,
    "int": _to_int,
    "float": _to_float,
    "bool": _to_bool,
    "datetime": _to_datetime,
    "choice": _to_choice,
    "path": _to_str,
}


def is_null(v: Any) -> bool:
    """``None`` or unquoted ``null``/``~``/empty text."""
    return v is None or (isinstance(v, Text) and not v.quoted and v.text.strip() in _NULLS)


def _p_none(v: Any) -> bool:
    """``-p NAME None``: papermill's ``_resolve_type`` makes the exact word ``None`` a ``None`` (not YAML's)."""
    return isinstance(v, Text) and v.source == P_ROUTE and not v.quoted and v.text == "None"


def _p_flow_leaves(raw: Any) -> Any:
    """In a mapping with free keys (``cluster``), ``-p cluster.worker_pools '[{name: web, count: 1}]'`` is a flow
    collection, read as for a declared list/dict parameter (it stayed a string the model refused)."""
    if isinstance(raw, Mapping):
        return {k: _p_flow_leaves(v) for k, v in raw.items()}
    if isinstance(raw, list):
        return [_p_flow_leaves(v) for v in raw]
    if isinstance(raw, Text) and raw.source == P_ROUTE and not raw.quoted and raw.text.strip()[:1] in ("[", "{"):
        return _text_tree(raw)
    return raw


def _text_tree(v: Any) -> Any:
    """Turn a Text holding a flow collection (``-p tags '[a, b]'``) into a tree of Text leaves."""
    from lokonb.notebook.paramfiles import parse_text_tree

    return parse_text_tree(v.text, source=v.source)


class _Converter:
    """Converts one raw tree against one schema, collecting issues instead of stopping at the first."""

    def __init__(self, source_of: Callable[[str], str], route: str) -> None:
        self.issues: list[ParameterIssue] = []
        self.source_of = source_of
        self.route = route

    def fail(self, path: str, message: str, suggestion: str | None = None, raw: Any = None) -> None:
        source = raw.source if isinstance(raw, Text) and raw.source else self.source_of(path)
        self.issues.append(ParameterIssue(path, message, source, suggestion))

    def convert(self, p: Param, raw: Any, path: str) -> tuple[Any, Any]:
        """Return ``(rich value, literal value)``; on error record an issue and return the default."""
        if is_null(raw) or (p.optional and _p_none(raw)):
            if p.optional:
                return None, None
            if p.kind in ("str", "path") and isinstance(raw, Text) and raw.source == P_ROUTE:
                return raw.text, raw.text  # -p NAME '' (or null): the text, as papermill's -p passes it
            hint = None
            if isinstance(raw, Text) and p.kind in ("str", "path"):
                # YAML (papermill) reads these as null: `sources: [~]` was the path ~, the home folder
                written = raw.text.strip()
                hint = f"quote it ('{written}') for the text" if written else "give a value, or quote '' for empty"
            self.fail(path, "a value is required (null is not allowed here)", hint, raw)
            return p.default, p.default
        try:
            if p.kind == "list":
                return self._list(p, raw, path)
            if p.kind == "dict":
                return self._dict(p, raw, path)
            if p.kind == "any":
                return self._any(raw), self._any(raw)
            value = _SCALARS[p.kind](p, raw)
        except _WrongKind as bad:
            hint = bad.suggestion
            if hint is None and isinstance(raw, str) and self.source_of(path) == "-r":  # -r 'max_records' 5
                hint = f"-r always passes text; give a {p.type_name} with -p NAME VALUE"
            self.fail(path, bad.worded(self.from_document(path, raw)), hint, raw)
            return p.default, p.default
        except _Bad as bad:
            self.fail(path, bad.message, bad.suggestion, raw)
            return p.default, p.default
        return self._range(p, value, path)

    def from_document(self, path: str, raw: Any) -> bool:
        """Whether ``raw`` was read from YAML or ``-p`` text (its kind is then named as YAML names it)."""
        return _has_text(raw) or self.source_of(path) not in _PYTHON_SOURCES

    def _range(self, p: Param, value: Any, path: str) -> tuple[Any, Any]:
        if p.minimum is not None and value < p.minimum or p.maximum is not None and value > p.maximum:
            lo = "-inf" if p.minimum is None else p.minimum
            hi = "inf" if p.maximum is None else p.maximum
            self.fail(path, f"{number_text(value)} is out of range; allowed: {lo} to {hi}")
            return p.default, p.default
        if p.kind == "datetime":
            return value, value.isoformat().replace("+00:00", "Z")
        if p.kind == "path":
            return resolve_path(value), value
        return value, value

    def _any(self, raw: Any) -> Any:
        from lokonb.notebook.paramfiles import plain_value

        return plain_value(raw)

    def _list(self, p: Param, raw: Any, path: str) -> tuple[Any, Any]:
        if isinstance(raw, Text):
            stripped = raw.text.strip()
            if raw.quoted or not stripped.startswith("["):
                raise _Bad(f"expected a list, got {_show(raw)}", "write a YAML flow sequence such as [a, b]")
            raw = _text_tree(raw)
        elif isinstance(raw, str):
            raise _Bad(
                f"expected a list, got the string {_show(raw)}",
                "papermill -p passes lists as text; use -y, -f or lokonb run -p",
            )
        if isinstance(raw, (set, frozenset)):
            raise _Bad("expected a list, got a set (its order is undefined)")
        if not isinstance(raw, (list, tuple)):
            raise _WrongKind("a list", raw, show=False)
        item = p.item or Param("item", "any", None, "")
        rich, lit = [], []
        for i, element in enumerate(raw):
            r, literal = self.convert(item, element, f"{path}[{i}]")
            rich.append(r)
            lit.append(literal)
        return rich, lit

    def _dict(self, p: Param, raw: Any, path: str) -> tuple[Any, Any]:
        if isinstance(raw, Text):
            if raw.quoted or not raw.text.strip().startswith("{"):
                raise _Bad(f"expected a mapping, got {_show(raw)}", "write a YAML mapping such as {k: v}")
            raw = _text_tree(raw)
        if not isinstance(raw, Mapping):
            raise _WrongKind(
                "a mapping", raw,
                "papermill -p passes mappings as text; use -y, -f or lokonb run -p" if isinstance(raw, str) else None,
                show=False,
            )
        if p.free_keys or not p.fields:
            value = self._any(_p_flow_leaves(raw))
            return value, value
        rich: dict[str, Any] = {}
        lit: dict[str, Any] = {}
        for key, element in raw.items():
            sub = p.sub(str(key))
            if sub is None:
                self.unknown(f"{path}.{key}", str(key), [f.name for f in p.fields])
                continue
            rich[sub.name], lit[sub.name] = self.convert(sub, element, f"{path}.{key}")
        for sub in p.fields:
            if sub.name not in lit:
                rich[sub.name] = lit[sub.name] = _copy(sub.default)
        return rich, lit

    def unknown(self, path: str, name: str, valid: list[str]) -> None:
        if CREDENTIAL_NAME.search(name):
            self.fail(
                path,
                "credentials are never parameters",
                "they come from the AWS credential chain (environment, profile, instance role) or the "
                "kubeconfig",
            )
            return
        hidden = [c for c in name if not c.isprintable() or unicodedata.category(c) == "Cf"]
        if hidden:  # a byte order mark of a joined file, a zero-width space: the name looked right when shown
            codes = ", ".join(dict.fromkeys(f"U+{ord(c):04X}" for c in hidden))
            plain = "".join(c for c in name if c not in hidden)
            self.fail(path, f"unknown parameter: the name holds the invisible character(s) {codes} (allowed: "
                      "plain names; a U+FEFF byte order mark is left by joining files, e.g. cat a.yaml b.yaml)",
                      f"did you mean {plain!r}?" if plain in valid else None)
            return
        close = difflib.get_close_matches(name, valid, n=1, cutoff=0.6)
        if close:
            self.fail(path, "unknown parameter", f"did you mean {close[0]!r}?")
        else:
            self.fail(path, "unknown parameter", "valid names: " + ", ".join(valid))


def resolve_path(value: str) -> Path:
    """Resolve a path parameter: ``~`` expanded, relative paths against the project root (§3.2)."""
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    from lokonb.notebook.project import find_root

    root = find_root(required=False)
    return (root / path) if root else path.resolve()


def validate(
    schema: NotebookSchema,
    raw: Mapping[str, Any],
    sources: Mapping[str, str] | None = None,
    *,
    route: str = "api",
    origin: str | None = None,
) -> Validated:
    """Validate ``raw`` (partial: missing names take their defaults) against ``schema``.

    ``sources`` maps dotted paths (or top-level names) to where each value came from. Raises
    :class:`ParameterError` listing every problem, or returns rich and literal values.
    """
    src = dict(sources or {})

    def source_of(path: str) -> str:
        probe = path
        while probe:
            if probe in src:
                return src[probe]
            probe = (
                probe.rsplit(".", 1)[0] if "." in probe else probe.split("[", 1)[0] if "[" in probe else ""
            )
        return route

    conv = _Converter(source_of, route)
    values: dict[str, Any] = {}
    literals: dict[str, Any] = {}
    for name, raw_value in raw.items():
        p = schema.param(name)
        if p is None:
            conv.unknown(name, name, schema.names)
            continue
        values[name], literals[name] = conv.convert(p, raw_value, name)
    for p in schema.params:
        if p.name not in literals:
            values[p.name], literals[p.name] = conv.convert(p, _copy(p.default), p.name)
            src.setdefault(p.name, "default")
    if not conv.issues:
        for rule in schema.rules:  # a rule marked takes_raw also gets the raw tree (its Text leaves know their lines)
            for issue in rule(values, raw) if getattr(rule, "takes_raw", False) else rule(values):
                # a rule knows the field, not where its value came from: name the set file's line (or -p, -y...)
                where = source_of(issue.path) if issue.source == "parameters" else route
                conv.issues.append(issue if where == route else dataclasses.replace(issue, source=where))
    if conv.issues:
        raise ParameterError(schema.notebook, conv.issues, origin)
    final_sources = {p.name: _top_source(src, p.name) or source_of(p.name) for p in schema.params}
    return Validated(schema, values, literals, final_sources)


def _top_source(src: Mapping[str, str], name: str) -> str | None:
    """The source of a top-level parameter, or of its first leaf set on its own (``-p aws.region X``)."""
    if name in src:
        return src[name]
    return next((v for k, v in src.items() if k.startswith((f"{name}.", f"{name}["))), None)


def check_declaration(schema: NotebookSchema) -> list[str]:
    """Problems in a schema itself: credential-like names, bad names, defaults that do not validate."""
    problems: list[str] = []

    def walk(p: Param, path: str) -> None:
        if CREDENTIAL_NAME.search(p.name):
            problems.append(f"{path}: looks like a credential; credentials are never parameters")
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", p.name) and p.name != "item":
            problems.append(f"{path}: not a snake_case name")
        for sub in p.fields:
            walk(sub, f"{path}.{sub.name}")

    for p in schema.params:
        walk(p, p.name)
    if schema.param("progress") is None:
        problems.append("every schema has progress: Optional[bool] = None (§3.3)")
    try:
        validate(schema, {})
    except ParameterError as exc:
        problems.extend(issue.line() for issue in exc.issues)
    return problems


def to_literal(value: Any) -> Any:
    """Turn Python API values into literals papermill can inject (§3.5); refuse what has no literal form."""
    value = _from_numpy(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, _dt.datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, _dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [to_literal(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_literal(v) for k, v in value.items()}
    raise TypeError(f"cannot pass {kind_name(value)} as a notebook parameter (allowed: None, bool, int, float, "
                    "str, Path, date, datetime, numpy scalars, and lists and mappings of these)")


def set_leaf(tree: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``a.b.c`` in a nested dict (``-p a.b VALUE``), creating intermediate mappings."""
    parts = dotted.split(".")
    node = tree
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            node[part] = nxt
        node = nxt
    node[parts[-1]] = value

