"""YAML composed with positions, decoded by the type of the target field (as Go's yaml.v3 does).

PyYAML's implicit resolver would turn ``inline: yes`` into ``True``; ct and Butane never see that because Go
decodes each scalar into the type of the struct field it lands in. :func:`decode` does the same from a schema
built of :class:`Scalar`, :class:`Seq` and :class:`Struct` descriptions. Decoded structs are :class:`Obj`
(a dict that remembers the position of itself, of every value and of every key), lists are :class:`Arr`.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml

try:  # libyaml gives the same error texts as yaml.v3 (a port of libyaml) and is much faster
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - pure-Python fallback
    _Loader = yaml.SafeLoader

Pos = tuple[int, int]


class YamlSyntaxError(Exception):
    """A YAML syntax error; ``line`` as yaml.v3 reports it, ``problem`` the libyaml text."""

    def __init__(self, problem: str, line: int | None, column: int | None) -> None:
        self.problem = problem
        self.line = line
        self.column = column
        super().__init__(problem)


def compose(text: str) -> yaml.Node | None:
    """Compose one YAML document into a node tree; raise :class:`YamlSyntaxError`."""
    try:
        # like yaml.v3's Unmarshal, only the first document counts
        return next(iter(yaml.compose_all(text, Loader=_Loader)), None)
    except yaml.MarkedYAMLError as exc:
        mark = exc.context_mark or exc.problem_mark
        line = mark.line + 1 if mark is not None else None
        col = (exc.problem_mark.column + 1) if exc.problem_mark is not None else None
        raise YamlSyntaxError(str(exc.problem or exc.context or "invalid YAML"), line, col) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(str(exc), None, None) from None


def pos(node: yaml.Node) -> Pos:
    """1-based (line, column) of a node's start."""
    return node.start_mark.line + 1, node.start_mark.column + 1


class Obj(dict):
    """A decoded mapping: ``pos`` of the mapping, ``vpos[key]`` of each value, ``kpos[key]`` of each key."""

    __slots__ = ("pos", "vpos", "kpos", "node")

    def __init__(self, position: Pos = (0, 0)) -> None:
        super().__init__()
        self.pos = position
        self.vpos: dict[str, Pos] = {}
        self.kpos: dict[str, Pos] = {}
        self.node: Any = None

    def at(self, key: str) -> Pos:
        """Position of the value of ``key`` (or of the mapping when absent)."""
        return self.vpos.get(key, self.pos)


class Arr(list):
    """A decoded sequence with ``pos`` and ``ipos[i]`` of each item."""

    __slots__ = ("pos", "ipos")

    def __init__(self, position: Pos = (0, 0)) -> None:
        super().__init__()
        self.pos = position
        self.ipos: list[Pos] = []


# ---------------------------------------------------------------------------------------------- type schema


@dataclass(frozen=True)
class Scalar:
    """``kind`` is ``str``, ``int``, ``bool`` or ``any`` (plain Python value of the YAML core schema); ``name`` is the
    Go type of a named scalar type (``type NetworkConfig string``) for type errors."""

    kind: str
    name: str | None = None

    @property
    def goname(self) -> str:
        if self.name:
            return self.name
        return {
            "str": "string",
            "int": "int",
            "uint": "uint",
            "bool": "bool",
            "any": "interface {}",
            "node": "yaml.Node",
        }[self.kind]


@dataclass(frozen=True)
class Seq:
    item: Any

    @property
    def goname(self) -> str:
        return "[]" + self.item.goname


@dataclass
class Struct:
    """An ordered mapping of known keys to types. ``goname`` is used in yaml.v3-style type errors."""

    goname: str
    fields: dict[str, Any] = field(default_factory=dict)

    def add(self, **fields: Any) -> Struct:
        self.fields.update(fields)
        return self


@dataclass(frozen=True)
class StrMap:
    """A mapping of arbitrary string keys to one value type."""

    value: Any

    @property
    def goname(self) -> str:
        return "map[string]" + self.value.goname


STR = Scalar("str")
INT = Scalar("int")
UINT = Scalar("uint")
BOOL = Scalar("bool")
ANY = Scalar("any")
RAW = Scalar("node")

_TRUE = {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"}
_FALSE = {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"}
#: yaml.v3 decode.go: a bool field also takes these YAML 1.1 words when they resolve to a *string*, i.e. plain or
#: quoted ('"yes"' is true); "true"/"false" resolve to !!bool only when plain, so '"true"' is an error
_BOOL_WORDS = {w: w in _TRUE for w in (_TRUE | _FALSE) - {"true", "True", "TRUE", "false", "False", "FALSE"}}
#: yaml.v3 resolve.go yamlStyleFloat (applied after removing '_')
_YAML_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_DATE_RE = re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$")
_NULL = {"", "~", "null", "Null", "NULL"}
_INT_RE = re.compile(r"^[-+]?(0[bB][01_]+|0[oO][0-7_]+|0[xX][0-9a-fA-F_]+|[0-9][0-9_]*)$")
_FLOAT_RE = re.compile(
    r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?$|^[-+]?\.(inf|Inf|INF)$|^\.(nan|NaN|NAN)$"
)
_STR_TAG = "tag:yaml.org,2002:str"


_IMPLICIT = yaml.resolver.Resolver()


def _is_plain(node: yaml.ScalarNode) -> bool:
    """A plain scalar that yaml.v3 resolves itself: not quoted or block-styled (style None or ""), and not tagged
    ``!!str`` explicitly -- Node.indicatedString() makes ``!!str 0644`` a string like ``"0644"``."""
    if node.style:
        return False
    return not (
        node.tag == _STR_TAG and _IMPLICIT.resolve(yaml.ScalarNode, node.value, (True, False)) != _STR_TAG
    )


def _parse_go_base0(text: str) -> int | None:
    """The value of a Go base-0 integer literal as yaml.v3 reads it (``_`` removed, ``0o`` accepted), unbounded."""
    plain = text.replace("_", "")
    if not plain or not _INT_RE.match(text):
        return None
    sign = -1 if plain[0] == "-" else 1
    body = plain.lstrip("+-")
    try:
        if body[:2] in ("0x", "0X"):
            value = int(body[2:], 16)
        elif body[:2] in ("0b", "0B"):
            value = int(body[2:], 2)
        elif body[:2] in ("0o", "0O"):
            value = int(body[2:], 8)
        elif len(body) > 1 and body[0] == "0":
            value = int(body[1:], 8)
        else:
            value = int(body, 10)
    except ValueError:
        return None
    return sign * value


def parse_go_int(text: str) -> int | None:
    """Go ``strconv.ParseInt(s, 0, 64)`` as yaml.v3 applies it (``_`` removed, ``0o`` accepted)."""
    value = _parse_go_base0(text)
    return value if value is not None and -(2**63) <= value < 2**63 else None


def parse_go_uint(text: str) -> int | None:
    """Go ``strconv.ParseUint(s, 0, 64)``, yaml.v3's second try: no sign, up to 2**64-1 (still an !!int)."""
    value = _parse_go_base0(text)
    ok = value is not None and text.replace("_", "")[:1] not in "+-" and 0 <= value < 2**64
    return value if ok else None


def _is_date(text: str) -> bool:
    """yaml.v3 parseTimestamp for the date-only layout ``2006-1-2`` (Go's time.Parse checks the day's range)."""
    m = _DATE_RE.match(text)
    if not m:
        return False
    try:
        datetime.date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return False
    return True


def parse_go_float(text: str) -> float | None:
    """A plain scalar yaml.v3 resolves to !!float (``.inf``/``.nan`` spellings included), else None."""
    if _FLOAT_RE.match(text) is None:
        return None
    plain = text.replace("_", "")
    if plain.lstrip("+-").lower() in (".inf", ".nan"):
        return float(plain.replace(".", ""))
    if text.startswith(".") or _YAML_FLOAT_RE.match(plain):
        try:
            return float(plain if not text.startswith(".") else text)
        except ValueError:
            return None
    return None


def scalar_tag(node: yaml.ScalarNode) -> str:
    """The yaml.v3 short tag of a scalar as resolved (``!!str`` for quoted ones)."""
    if not _is_plain(node):
        return "!!str"
    value = node.value
    if value in _NULL:
        return "!!null"
    if value in ("true", "True", "TRUE", "false", "False", "FALSE"):
        return "!!bool"
    if _is_date(value):
        return "!!timestamp"
    if parse_go_int(value) is not None or parse_go_uint(value) is not None:
        return "!!int"
    if _FLOAT_RE.match(value):
        return "!!float"
    return "!!str"


def _node_desc(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "!!map"
    if isinstance(node, yaml.SequenceNode):
        return "!!seq"
    value = node.value
    shown = f"{value[:7]}..." if len(value) > 10 else value
    return f"{scalar_tag(node)} `{shown}`"


def _any_value(node: yaml.Node) -> Any:
    """Plain Python value of a node with the YAML core schema (for untyped fields)."""
    if isinstance(node, yaml.MappingNode):
        return {str(_any_value(k)): _any_value(v) for k, v in node.value}
    if isinstance(node, yaml.SequenceNode):
        return [_any_value(v) for v in node.value]
    tag = scalar_tag(node)
    if tag == "!!null":
        return None
    if tag == "!!bool":
        return node.value in _TRUE
    if tag == "!!int":
        return parse_go_int(node.value)
    if tag == "!!float":
        try:
            return float(node.value.replace("_", ""))
        except ValueError:
            return node.value
    return node.value


@dataclass
class UnknownKey:
    key: str
    pos: Pos
    path: str
    known: tuple[str, ...]


@dataclass
class DecodeResult:
    value: Any
    type_errors: list[tuple[int, str]]  # (line, "cannot unmarshal ...") in document order
    unknown: list[UnknownKey]
    duplicates: list[tuple[int, str]]
    first_error_column: int | None = None


class _Decoder:
    def __init__(
        self, on_unknown: Callable[[UnknownKey], None] | None = None, *, astyaml_keys: bool = False
    ) -> None:
        self.astyaml_keys = astyaml_keys
        self.in_alias = 0  # > 0 while decoding the target of an alias (`*name`)
        self.type_errors: list[tuple[int, str]] = []
        self.columns: list[int] = []
        self.unknown: list[UnknownKey] = []
        self.duplicates: list[tuple[int, str]] = []

    def type_error(self, node: yaml.Node, typ: Any) -> None:
        self.type_errors.append((pos(node)[0], f"cannot unmarshal {_node_desc(node)} into {typ.goname}"))
        self.columns.append(pos(node)[1])

    def decode(self, node: yaml.Node, typ: Any, path: str) -> Any:
        if isinstance(node, yaml.ScalarNode) and _is_plain(node) and node.value in _NULL:
            return None
        if isinstance(typ, Scalar):
            return self.scalar(node, typ)
        if isinstance(typ, Seq):
            if not isinstance(node, yaml.SequenceNode):
                self.type_error(node, typ)
                return None
            out = Arr(pos(node))
            last = node.start_mark.index
            for i, item in enumerate(node.value):
                out.append(self._child(item, typ.item, f"{path}.{i}", item.start_mark.index < last))
                out.ipos.append(pos(item))
                last = max(last, item.end_mark.index)
            return out
        if isinstance(typ, (Struct, StrMap)):
            if not isinstance(node, yaml.MappingNode):
                self.type_error(node, typ)
                return None
            return self.mapping(node, typ, path)
        raise TypeError(f"bad schema type {typ!r}")  # pragma: no cover

    def _child(self, node: yaml.Node, typ: Any, path: str, alias: bool) -> Any:
        """Decode a child. ``alias``: it has no AST node of its own in ct (an alias -- PyYAML hands over the anchor's
        node, which starts before the key's or the previous item's end -- or a merged-in value)."""
        self.in_alias += alias
        try:
            return self.decode(node, typ, path)
        finally:
            self.in_alias -= alias

    @staticmethod
    def _merged(node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
        """Pairs with YAML merge keys (``<<: *anchor``) expanded; explicit keys win over merged ones."""
        pairs = [
            (k, v)
            for k, v in node.value
            if not (isinstance(k, yaml.ScalarNode) and k.value == "<<" and not k.style)
        ]
        if len(pairs) == len(node.value):
            return pairs
        own = {k.value for k, _ in pairs if isinstance(k, yaml.ScalarNode)}
        extra: list[tuple[yaml.Node, yaml.Node]] = []
        for k, v in node.value:
            if not (isinstance(k, yaml.ScalarNode) and k.value == "<<" and not k.style):
                continue
            sources = v.value if isinstance(v, yaml.SequenceNode) else [v]
            for src in sources:
                if isinstance(src, yaml.MappingNode):
                    for mk, mv in _Decoder._merged(src):
                        if isinstance(mk, yaml.ScalarNode) and mk.value not in own:
                            own.add(mk.value)
                            extra.append((mk, mv))
        return pairs + extra

    def mapping(self, node: yaml.MappingNode, typ: Struct | StrMap, path: str) -> Obj:
        out = Obj(pos(node))
        out.node = node
        seen: dict[str, int] = {}
        own = {id(k) for k, _ in node.value}
        if self.astyaml_keys and isinstance(typ, Struct) and not self.in_alias:
            # ct checks unused keys on the mapping as written (config/astyaml): '<<' is one of them, the keys it
            # merges in are not
            for knode, _ in node.value:
                if isinstance(knode, yaml.ScalarNode) and knode.value == "<<" and not knode.style:
                    self.unknown.append(UnknownKey("<<", pos(knode), f"{path}.<<", tuple(typ.fields)))
        for knode, vnode in self._merged(node):
            key = knode.value if isinstance(knode, yaml.ScalarNode) else str(_any_value(knode))
            if key in seen:
                self.type_errors.append(
                    (pos(knode)[0], f'mapping key "{key}" already defined at line {seen[key]}')
                )
                self.columns.append(pos(knode)[1])
                continue
            seen[key] = pos(knode)[0]
            if isinstance(typ, StrMap):
                vtyp = typ.value
            else:
                vtyp = typ.fields.get(key)
                if vtyp is None:
                    if not self.astyaml_keys or (id(knode) in own and not self.in_alias):
                        self.unknown.append(UnknownKey(key, pos(knode), f"{path}.{key}", tuple(typ.fields)))
                    continue
            out.kpos[key] = pos(knode)
            out.vpos[key] = pos(vnode)
            alias = id(knode) not in own or vnode.start_mark.index < knode.end_mark.index
            value = self._child(vnode, vtyp, f"{path}.{key}", alias)
            if value is not None or isinstance(vtyp, Scalar):
                out[key] = value
        return out

    def scalar(self, node: yaml.Node, typ: Scalar) -> Any:
        if typ.kind == "any":
            return _any_value(node)
        if typ.kind == "node":  # decoded later by a caller that needs other fields first
            return node
        if not isinstance(node, yaml.ScalarNode):
            self.type_error(node, typ)
            return None
        value = node.value
        if typ.kind == "str":
            return value
        plain = _is_plain(node)
        if typ.kind in ("int", "uint"):
            parsed = self._integer(value, typ) if plain else None
            if parsed is None:
                self.type_error(node, typ)
            return parsed
        if typ.kind == "bool":
            if plain and value in ("true", "True", "TRUE", "false", "False", "FALSE"):
                return value[0] in "tT"
            if value in _BOOL_WORDS:
                return _BOOL_WORDS[value]
            self.type_error(node, typ)
            return None
        raise TypeError(typ.kind)  # pragma: no cover

    @staticmethod
    def _integer(value: str, typ: Scalar) -> int | None:
        """yaml.v3 decode.go into an int / uint field: an !!int in range, or an !!float truncated toward zero
        (``420.9`` -> 420); dates are !!timestamp, never numbers; a negative number does not fit a uint."""
        if _is_date(value):
            return None
        number: int | None = parse_go_int(value)
        if number is None and parse_go_uint(value) is not None:  # an !!int beyond int64: only a uint takes it
            return parse_go_uint(value) if typ.kind == "uint" else None
        if number is None:
            f = parse_go_float(value)
            limit = 2.0**64 if typ.kind == "uint" else 2.0**63
            if f is None or f != f or f in (float("inf"), float("-inf")) or abs(f) >= limit:
                return None
            number = int(f)
        if typ.kind == "uint" and number < 0:
            return None
        return number


def decode(node: yaml.Node, typ: Any, path: str = "$", *, astyaml_keys: bool = False) -> DecodeResult:
    """Decode ``node`` into ``typ``; collects type errors, duplicate keys and unknown keys (never raises).
    ``astyaml_keys``: ct's unused-key rules (config/astyaml): ``<<`` itself is unknown, the keys it merges in are
    not checked, nor anything below an alias."""
    dec = _Decoder(astyaml_keys=astyaml_keys)
    value = dec.decode(node, typ, path)
    return DecodeResult(
        value, dec.type_errors, dec.unknown, dec.duplicates, dec.columns[0] if dec.columns else None
    )


def did_you_mean(key: str, known: tuple[str, ...]) -> str | None:
    """The known key equal to ``key`` ignoring case (ct's suggestion rule)."""
    low = key.lower()
    for k in known:
        if k.lower() == low and k != key:
            return k
    return None
