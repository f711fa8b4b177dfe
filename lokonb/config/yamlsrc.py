"""Reading YAML cluster definitions: syntax errors with file/line/column, duplicate keys, and line numbers for
every value so validation issues can say where they come from."""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from lokonb.errors import ConfigError
from lokonb.inputfile import not_utf8, read_bytes, wide_encoding
from lokonb.yamlguard import DepthLimited, check_node_graph, problem_text
from lokonb.yamlmerge import merged_pairs

RawPath = tuple[str | int, ...]


class _LineLoader(DepthLimited, yaml.SafeLoader):
    """SafeLoader that rejects duplicate keys (plain YAML keeps the last one silently)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    # `<<: *base` (YAML 1.1): merged pairs first, this mapping's own keys override them; only own keys can clash.
    merged, own = merged_pairs(node, _name(loader))
    node.value = merged + own  # as PyYAML's flatten_mapping leaves it: _index_lines then sees merged keys too
    out: dict[Any, Any] = {}
    for key_node, value_node in merged:
        out[_construct_key(loader, key_node)] = loader.construct_object(value_node, deep=deep)
    seen_own: dict[Any, int] = {}
    for key_node, value_node in own:
        key = _construct_key(loader, key_node)
        if key in seen_own:
            mark = key_node.start_mark
            raise ConfigError(f"duplicate key {key!r} (first set on line {seen_own[key]}; YAML would silently keep "
                              "only the last one)", file=_name(loader), line=mark.line + 1, column=mark.column + 1)
        seen_own[key] = key_node.start_mark.line + 1
        out[key] = loader.construct_object(value_node, deep=deep)
    return out


def _construct_key(loader: _LineLoader, key_node: yaml.Node) -> Any:
    key = loader.construct_object(key_node, deep=True)
    return tuple(key) if isinstance(key, list) else key


def _name(loader: _LineLoader) -> str | None:
    return loader.name if loader.name != "<unicode string>" else None


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class YamlInt(int):
    """An integer YAML 1.1 wrote in a form other than plain decimal (``0123`` octal, ``0x1F``, ``1_000``,
    ``1:20``): the number differs from the text, so a string attribute refuses it instead of keeping ``'83'``
    for ``0123`` (:mod:`lokonb.config.coerce`). ``text`` is what the file says."""

    text: str


_DECIMAL = re.compile(r"[-+]?(0|[1-9][0-9]*)\Z")


def _construct_int(loader: _LineLoader, node: yaml.ScalarNode) -> int:
    try:
        value = yaml.SafeLoader.construct_yaml_int(loader, node)
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion": an internal error
        digits = sum(c.isdigit() for c in node.value)
        raise yaml.constructor.ConstructorError(
            None, None, f"a number of {digits:,} digits (allowed: at most {sys.get_int_max_str_digits():,} digits)",
            node.start_mark) from None
    if _DECIMAL.match(node.value):
        return value
    marked = YamlInt(value)
    marked.text = node.value
    return marked


_LineLoader.add_constructor("tag:yaml.org,2002:int", _construct_int)


class YamlWord(str):
    """One of YAML 1.1's boolean words other than true/false, unquoted in the file (kept as its text)."""


def _construct_bool(loader: _LineLoader, node: yaml.ScalarNode) -> bool | str:
    """``true``/``false`` are booleans; YAML 1.1's other words (``yes``, ``no``, ``on``, ``off``) stay the text,
    as the notebooks read the same file (notebooks.md §3.2): ``enable_csi: yes`` was valid to ``config validate``
    and refused by ``lokonb run``, and ``team: no`` became ``false``. The boolean check names them."""
    if node.value.lower() in ("true", "false"):
        return bool(yaml.SafeLoader.construct_yaml_bool(loader, node))
    return YamlWord(node.value)


_LineLoader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)


def _index_lines(node: yaml.Node, path: RawPath, lines: dict[RawPath, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key_path = (*path, key_node.value)
                _index_lines(value_node, key_path, lines)
                lines[key_path] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index_lines(item, (*path, i), lines)


def read_text(path: Path) -> str:
    """Read a UTF-8 text file (a BOM is dropped, CRLF accepted) with errors that name the file."""
    try:
        data = read_bytes(path)
    except FileNotFoundError:
        raise ConfigError(f"file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"{path} is a directory, expected a file") from None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:  # e.g. a NUL byte in the path
        raise ConfigError(f"invalid path {str(path)!r}: {exc}") from None
    try:
        if wide_encoding(data):  # UTF-16 without a byte order mark decodes as UTF-8 text with NULs in it
            raise UnicodeDecodeError("utf-8", data, 0, 1, "a wide encoding")
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise ConfigError(not_utf8(data, exc.start), file=str(path), line=line) from None
    return text.replace("\r\n", "\n")


def parse_yaml(text: str, name: str | None) -> tuple[Any, dict[RawPath, int]]:
    """Parse YAML text; returns the data and a map raw path -> line. Syntax errors name file, line, column."""
    loader = _LineLoader(text)
    if name:
        loader.name = name
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        check_node_graph(node, name)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = problem_text(exc, "a cluster definition")
        raise ConfigError(f"YAML syntax error: {problem}", file=name,
                          line=mark.line + 1 if mark else None, column=mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"YAML error: {exc}", file=name) from None
    finally:
        loader.dispose()
    lines: dict[RawPath, int] = {}
    _index_lines(node, (), lines)
    return data, lines


def is_mapping(value: Any) -> bool:
    return isinstance(value, Mapping)
