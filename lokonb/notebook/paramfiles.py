"""Parameter set files: text-preserving YAML reading (local or S3), YAML 1.1 trap checks, writing sets (§2.6, §3.3).

YAML is *composed*, never constructed: every scalar reaches the schema as :class:`~lokonb.notebook.params.Text`
with its quoting and ``file:line`` source, so the schema (not YAML 1.1) decides what ``no`` or ``0123`` mean.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from lokonb.errors import ConfigError
from lokonb.inputfile import not_utf8, read_bytes, wide_encoding
from lokonb.notebook.params import MAX_INT_DIGITS, NotebookSchema, Param, Text, is_null
from lokonb.yamlguard import GuardedSafeLoader, check_node_graph, problem_text
from lokonb.yamlmerge import merged_pairs

_SET_NAME = re.compile(r"[a-z0-9][a-z0-9-]*\Z")
#: Longest parameter set name (a file name with .yaml, and part of run directory names).
MAX_SET_NAME = 100
_LEADING_ZERO = re.compile(r"[+-]?0\d+\Z")
_VERSION_FLOAT = re.compile(r"[+-]?\d+\.\d*0\Z")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}([Tt ].*)?\Z")
#: Integers only YAML 1.1 reads as numbers (binary, hex, digit groups): lokonb reads the text, papermill the number.
_YAML11_INT = re.compile(r"[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*_[0-9_]*)\Z")
_INF_NAN = re.compile(r"[+-]?\.(inf|Inf|INF|nan|NaN|NAN)\Z")
_SEXAGESIMAL = re.compile(r"[+-]?\d+(:[0-5]?\d)+(\.\d*)?\Z")
_YAML11_WORDS = {"yes", "no", "on", "off", "y", "n"}
#: Tags a set may carry (those YAML itself resolves plain values to, written out): any other tag (``!!python/...``,
#: ``!!binary``, ``!!set``, ``!Ref``) was dropped without a word and its text taken as the value.
_CORE_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq",
                                                   "merge", "value")}


def _tree(node: yaml.Node, label: str, key_lines: dict[str, str] | None = None, prefix: str = "") -> Any:
    """``key_lines`` (when given) gets ``file:line`` of every mapping key outside lists, by dotted path: the source
    of a value with no scalar in it (``allow: []``), which :func:`sources_of` cannot find in the tree."""
    line = node.start_mark.line + 1
    if node.tag not in _CORE_TAGS:
        tag = node.tag.replace("tag:yaml.org,2002:", "!!")
        raise ConfigError(f"YAML tag {tag!r} is not supported in parameter sets (allowed: plain values, or the "
                          "standard tags !!str, !!int, !!float, !!bool, !!null, !!map, !!seq)", file=label, line=line)
    if isinstance(node, yaml.ScalarNode):
        quoted = node.style in ("'", '"', "|", ">") or _explicit_tag(node, label) == "str"
        return Text(str(node.value), quoted=quoted, source=f"{label}:{line}")
    if isinstance(node, yaml.SequenceNode):
        return [_tree(child, label) for child in node.value]  # sources_of does not look inside lists either
    if isinstance(node, yaml.MappingNode):
        merged, own = merged_pairs(node, label)
        out: dict[str, Any] = {}
        key_line: dict[str, int] = {}
        for key_node, value_node in own:
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "list" if isinstance(key_node, yaml.SequenceNode) else "mapping"
                raise ConfigError(f"a key must be a plain name, got a {kind} (a `? [..]` or `{{..}}:` key)",
                                  file=label, line=key_node.start_mark.line + 1)
            key = str(key_node.value)
            if key in out:  # YAML readers keep the last one silently: name both places
                raise ConfigError(f"duplicate key {key!r} (first set on line {key_line[key]}; allowed: each key once "
                                  "per mapping)", file=label, line=key_node.start_mark.line + 1)
            key_line[key] = key_node.start_mark.line + 1
            path = f"{prefix}.{key}" if prefix else key
            if key_lines is not None:
                key_lines[path] = f"{label}:{key_node.start_mark.line + 1}"
            out[key] = _tree(value_node, label, key_lines, path)
        # `<<: *base` (YAML 1.1, as papermill reads it): merged keys first, this mapping's own keys win.
        base = {}
        for k, v in merged:
            path = f"{prefix}.{k.value}" if prefix else str(k.value)
            if key_lines is not None:
                key_lines.setdefault(path, f"{label}:{k.start_mark.line + 1}")
            base[str(k.value)] = _tree(v, label, key_lines, path)
        return {**base, **out}
    raise ConfigError("unsupported YAML node", file=label, line=line)  # pragma: no cover


#: What an explicit tag on a scalar allows (YAML 1.2 core schema forms): a tag whose text is not of its kind
#: (``!!int ten``) was read as plain text, while PyYAML (so plain papermill) fails on it.
_TAGGED_FORMS = {
    "int": re.compile(r"[+-]?\d+\Z"),
    "float": re.compile(r"[+-]?((\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|\.inf|\.Inf|\.INF)\Z|\.nan\Z|\.NaN\Z|\.NAN\Z"),
    "bool": re.compile(r"(true|True|TRUE|false|False|FALSE)\Z"),
    "null": re.compile(r"(null|Null|NULL|~|)\Z"),
}


def _explicit_tag(node: yaml.ScalarNode, label: str) -> str | None:
    """The core tag written on ``node`` (``!!str 5``), or ``None`` for a plain scalar; checks the text fits it."""
    if node.style is None and node.tag == _RESOLVER.resolve(yaml.ScalarNode, node.value, (True, False)):
        return None  # the tag YAML resolved for a plain scalar, not one the author wrote
    kind = node.tag.rsplit(":", 1)[-1]
    form = _TAGGED_FORMS.get(kind)
    if form is not None and not form.match(node.value.strip()):
        raise ConfigError(f"!!{kind} {node.value!r:.40}: the text is not of that kind (allowed: {_TAG_EXAMPLES[kind]}"
                          "; or drop the tag)", file=label, line=node.start_mark.line + 1)
    return kind


_RESOLVER = yaml.SafeLoader("")
_TAG_EXAMPLES = {"int": "!!int 5", "float": "!!float 0.5", "bool": "!!bool true or false", "null": "!!null ~"}


def parse_text_tree(text: str, *, source: str | None = None, key_lines: dict[str, str] | None = None) -> Any:
    """Compose YAML ``text`` into a tree of dicts, lists and :class:`Text` leaves (``key_lines``: see ``_tree``)."""
    label = source or "<text>"
    try:
        node = yaml.compose(text, Loader=GuardedSafeLoader)
    except yaml.reader.ReaderError as exc:  # a control character: str(exc) named no line, only "position N"
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise ConfigError(f"not valid YAML: character {char} is not allowed (allowed: printable text; "
                          "write control characters as escapes in a double-quoted string, e.g. \"\\t\")",
                          file=label, line=text.count("\n", 0, exc.position) + 1) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ConfigError(
            f"not valid YAML: {problem_text(exc, 'a parameter set')}",
            file=label,
            line=mark.line + 1 if mark else None,
        ) from None
    if node is None:
        return {}
    check_node_graph(node, label)
    return _tree(node, label, key_lines)


def read_set_text(location: str | Path) -> tuple[str, str]:
    """Read a set file's text from a local path or ``s3://``; returns ``(text, label)``."""
    loc = str(location)
    if loc.startswith("s3://"):
        from lokonb.notebook.s3 import read_text as read_s3

        return read_s3(loc), loc
    if "://" in loc:  # https://... was looked up as a local folder named "https:": "parameter file not found"
        raise ConfigError(f"unsupported URL scheme {loc.split('://', 1)[0]!r} (allowed: a local file or "
                          "s3://BUCKET/KEY; download other URLs first)", file=loc)
    path = Path(loc).expanduser()
    try:
        data = read_bytes(path)
    except FileNotFoundError:
        raise ConfigError("parameter file not found", file=loc) from None
    except OSError as exc:
        raise ConfigError(f"cannot read parameter file: {exc.strerror or exc}", file=loc) from None
    try:
        if wide_encoding(data):  # UTF-16 without a byte order mark decodes as UTF-8 text with NULs in it
            raise UnicodeDecodeError("utf-8", data, 0, 1, "a wide encoding")
        return data.decode("utf-8"), _label(path)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"cannot read parameter file: {not_utf8(data, exc.start)}", file=loc) from None


def _label(path: Path) -> str:
    from lokonb.notebook.project import find_root

    root = find_root(required=False)
    try:
        return str(path.resolve().relative_to(root)) if root else str(path)
    except ValueError:
        return str(path)


def read_set(location: str | Path) -> tuple[dict[str, Any], dict[str, str], str]:
    """Read a set file into ``(raw tree, sources by dotted path, label)``."""
    text, label = read_set_text(location)
    tree, sources = parse_set(text, label)
    return tree, sources, label


def parse_set(text: str, label: str) -> tuple[dict[str, Any], dict[str, str]]:
    """A set file's text as ``(raw tree, sources by dotted path)``."""
    key_lines: dict[str, str] = {}
    tree = set_tree(parse_text_tree(text, source=label, key_lines=key_lines))
    if not isinstance(tree, dict):
        raise ConfigError("a parameter set must be a mapping of names to values", file=label, line=1)
    return tree, {**key_lines, **sources_of(tree)}


def set_tree(tree: Any) -> Any:
    """A set file's or ``-y`` text's tree: a document that is only null (``---`` alone, ``~``) sets nothing, as
    papermill's ``yaml.load(f) or {}`` reads it (it was "a parameter set must be a mapping", while an empty file
    was fine)."""
    return {} if is_null(tree) else tree


def sources_of(tree: Any, prefix: str = "") -> dict[str, str]:
    """Dotted path → ``file:line`` for every node of a composed tree."""
    out: dict[str, str] = {}
    if isinstance(tree, dict):
        for key, value in tree.items():
            path = f"{prefix}.{key}" if prefix else key
            first = _first_source(value)
            if first:
                out[path] = first
            out.update(sources_of(value, path))
    return out


def _first_source(value: Any) -> str | None:
    if isinstance(value, Text):
        return value.source
    if isinstance(value, dict):
        return next((s for s in (_first_source(v) for v in value.values()) if s), None)
    if isinstance(value, list):
        return next((s for s in (_first_source(v) for v in value) if s), None)
    return None


def plain_value(value: Any) -> Any:
    """A composed tree as plain Python values, resolving unquoted scalars like YAML 1.2's core schema."""
    if isinstance(value, Text):
        if value.quoted:
            return value.text
        t = value.text.strip()
        if is_null(value):
            return None
        if t.lower() in ("true", "false"):
            return t.lower() == "true"
        if re.fullmatch(r"[+-]?(0|[1-9]\d*)", t):
            if len(t.lstrip("+-")) > MAX_INT_DIGITS:  # int() raised an internal ValueError
                raise ConfigError(f"{value.source or '<text>'}: a number of {len(t.lstrip('+-')):,} digits (allowed: "
                                  f"at most {MAX_INT_DIGITS:,} digits)")
            return int(t)
        if re.fullmatch(r"[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?", t) and not _LEADING_ZERO.match(t):
            return float(t)
        return value.text
    if isinstance(value, Mapping):
        return {str(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_value(v) for v in value]
    return value


def yaml11_traps(tree: Any, schema: NotebookSchema | None = None) -> list[tuple[str, str]]:
    """Unquoted scalars that YAML 1.1 readers (plain papermill) would read differently: ``(source, message)``."""
    found: list[tuple[str, str]] = []

    def kind_at(path: list[str]) -> str | None:
        if schema is None or not path:
            return None
        p: Param | None = schema.param(path[0])
        for part in path[1:]:
            if p is None:
                return None
            p = p.sub(part) if p.kind == "dict" else p.item
        return p.kind if p else None

    def walk(node: Any, path: list[str]) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, [*path, k])
        elif isinstance(node, list):
            for v in node:
                walk(v, path)
        elif isinstance(node, Text) and not node.quoted:
            message = _trap(node.text.strip(), kind_at(path))
            if message:
                found.append((node.source or "?", f"{'.'.join(path)}: {message}"))

    walk(tree, [])
    return found


def yaml11_key_traps(text: str, label: str) -> list[tuple[str, str]]:
    """Unquoted mapping keys that YAML 1.1 readers (plain papermill) read as something other than text: ``on``,
    ``no``, ``0123``, ``1.10``, ``2026-01-01``, ``~`` as a tag or label key became ``True``, ``False``, ``83``,
    ``1.1``, a date, ``None``, while lokonb reads the text; ``(source, message)`` like :func:`yaml11_traps`."""
    found: list[tuple[int, str]] = []
    root = yaml.compose(text, Loader=GuardedSafeLoader)  # already read once: no error left to report here
    seen: set[int] = set()
    stack = [root] if root is not None else []
    while stack:  # iterative, and each node once: aliases make the document a graph
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                kind = _RESOLVER.resolve(yaml.ScalarNode, key.value, (True, False)).rsplit(":", 1)[-1]
                if isinstance(key, yaml.ScalarNode) and key.style is None and kind not in ("str", "merge"):
                    read = ("a date" if kind == "timestamp"
                            else f"the {kind} {yaml.load(key.value, Loader=yaml.SafeLoader)!r}")
                    found.append((key.start_mark.line + 1, f"key {key.value}: unquoted, YAML 1.1 readers read it "
                                  f"as {read}, not as text; quote it"))
                stack.extend((key, value))
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return [(f"{label}:{line}", message) for line, message in sorted(found)]


def _trap(t: str, kind: str | None) -> str | None:
    if t.lower() in _YAML11_WORDS:
        return f"unquoted {t} is a boolean to YAML 1.1 readers; write true/false or quote it"
    if _LEADING_ZERO.match(t):
        return f"unquoted {t} is octal to YAML 1.1 readers; quote it"
    if _VERSION_FLOAT.match(t) and kind != "float":
        return f"unquoted {t} becomes the number {float(t)}; quote it"
    if _DATE.match(t) and kind != "datetime":
        return f"unquoted {t} is a timestamp to YAML readers; quote it"
    if _SEXAGESIMAL.match(t):
        return f"unquoted {t} is a base-60 number to YAML 1.1 readers; quote it"
    if _YAML11_INT.match(t):
        return f"unquoted {t} is the number {yaml.safe_load(t)} to YAML 1.1 readers; quote it"
    if _INF_NAN.match(t) and kind != "float":
        return f"unquoted {t} is the number {float(t.replace('.', ''))} to YAML readers; quote it"
    return None


def misnamed_set(folder: Path, name: str) -> str:
    """A hint when set ``name`` exists under another suffix (``prod.yml``, ``prod.YAML``): only ``<name>.yaml``
    is a set, and the other file was left out of "available:" without a word."""
    if not folder.is_dir():
        return ""
    others = sorted(p.name for p in folder.iterdir() if p.stem == name and p.suffix != ".yaml"
                    and p.suffix.lower() in (".yml", ".yaml", ".json"))
    return f" ({others[0]} exists: set files are named <set>.yaml; rename it)" if others else ""


def check_set_name(name: str) -> None:
    if len(name) > MAX_SET_NAME:
        # the name becomes a file name (and part of run directory names): past the file system's limit the
        # error was a bare "File name too long" from the OS
        raise ConfigError(f"invalid parameter set name {name[:40]!r}... ({len(name):,} characters): use at most "
                          f"{MAX_SET_NAME} lowercase letters, digits and '-'")
    if not _SET_NAME.match(name):
        raise ConfigError(f"invalid parameter set name {name!r}; use lowercase letters, digits and '-'")


def dump_literals(values: Mapping[str, Any]) -> str:
    """Effective literal values as YAML that every reader (YAML 1.1 included) reads back unchanged."""

    class _Dumper(yaml.SafeDumper):
        pass

    def str_rep(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
        style = '"' if (_needs_quotes(data)) else None
        if "\n" in data:
            style = "|"
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)

    _Dumper.add_representer(str, str_rep)
    return yaml.dump(dict(values), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)


def _needs_quotes(data: str) -> bool:
    t = data.strip()
    return (
        t != data
        or t == ""
        or t.lower() in _YAML11_WORDS | {"true", "false", "null", "~"}
        or bool(
            _LEADING_ZERO.match(t)
            or _VERSION_FLOAT.match(t)
            or _DATE.match(t)
            or _SEXAGESIMAL.match(t)
            or re.fullmatch(r"[+-]?[\d.eE+-]+", t)
        )
    )


def commented_set(schema: NotebookSchema, values: Mapping[str, Any] | None = None) -> str:
    """A set file with every parameter (at its default, or at ``values``) and its help as a comment
    (``lokonb params --format yaml``; the form's "Save as set")."""
    lines = [
        f"# Parameter set for {schema.notebook}: save as parameters/{schema.notebook}/<name>.yaml",
        f"# Run: lokonb run {schema.notebook} -f FILE    (check: lokonb params {schema.notebook} --check FILE)",
    ]
    for p in schema.params:
        allowed = f" (allowed: {', '.join(map(str, p.choices))})" if p.choices else ""
        lines.append(f"# {p.name}: {p.type_name}{allowed} - {p.help}")
        value = values[p.name] if values is not None and p.name in values else p.default
        lines.append(dump_literals({p.name: value}).rstrip())
    return "\n".join(lines) + "\n"
