"""Node templates: Butane documents shipped as package data, filled on the parsed tree (flatcar.md §7.1).

Substitution never touches text: a scalar that is exactly one ``{{name}}`` is replaced by a node of the
value's
type (list, int, bool, multi-line string); a placeholder inside a longer scalar accepts only single-line
strings
without control characters. Values are inserted once and never re-scanned, so a value containing ``{{x}}``
or YAML
syntax stays literal. Any other ``{{…}}`` (Go templates such as ``{{.CgroupDriver}}``) is left verbatim.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import yaml

from lokonb.flatcar.errors import TemplateError
from lokonb.flatcar.yamlpos import compose

PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9_]*)\s*\}\}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_STR = "tag:yaml.org,2002:str"
TEMPLATES = ("common", "controller", "worker", "bootkube")


@functools.cache
def template_text(name: str) -> str:
    """Text of a packaged template (``common``, ``controller``, ``worker``, ``bootkube``)."""
    if name not in TEMPLATES:
        raise TemplateError(f"unknown template {name!r}; known: {', '.join(TEMPLATES)}")
    return resources.files("lokonb.flatcar").joinpath("templates", f"{name}.bu").read_text("utf-8")


@dataclass
class Filled:
    """A filled template: the YAML node tree and where secret values were placed (YAML key paths)."""

    root: Any
    secret_paths: list[tuple[Any, ...]] = field(default_factory=list)


def _value_node(value: Any, mark: Any) -> yaml.Node:
    if isinstance(value, bool):
        return yaml.ScalarNode("tag:yaml.org,2002:bool", "true" if value else "false", mark, mark)
    if isinstance(value, int):
        return yaml.ScalarNode("tag:yaml.org,2002:int", str(value), mark, mark)
    if isinstance(value, str):
        return yaml.ScalarNode(_STR, value, mark, mark, style='"')
    if isinstance(value, (list, tuple)):
        return yaml.SequenceNode("tag:yaml.org,2002:seq", [_value_node(v, mark) for v in value], mark, mark)
    raise TemplateError(f"template value of type {type(value).__name__} is not supported")


def fill(name: str, variables: Mapping[str, Any], secret: frozenset[str] = frozenset()) -> Filled:
    """Compose template ``name`` and substitute ``variables``; raise :class:`TemplateError`."""
    root = _compose_cached(name)
    out = Filled(None)

    def walk(node: yaml.Node, path: tuple[Any, ...]) -> yaml.Node:
        if isinstance(node, yaml.MappingNode):
            return yaml.MappingNode(
                node.tag,
                [(k, walk(v, path + (k.value,))) for k, v in node.value],
                node.start_mark,
                node.end_mark,
                node.flow_style,
            )
        if isinstance(node, yaml.SequenceNode):
            return yaml.SequenceNode(
                node.tag,
                [walk(v, path + (i,)) for i, v in enumerate(node.value)],
                node.start_mark,
                node.end_mark,
                node.flow_style,
            )
        text = node.value
        if "{{" not in text:
            return node
        where = f"template {name}.bu line {node.start_mark.line + 1}"
        whole = (
            PLACEHOLDER.fullmatch(text.strip()) if text.strip() == text or node.style in ('"', "'") else None
        )
        if whole:
            var = whole.group(1)
            if var not in variables:
                raise TemplateError(f"{where}: unknown template variable {var!r}")
            if var in secret:
                out.secret_paths.append(path)
            return _value_node(variables[var], node.start_mark)
        used = False

        def sub(m: re.Match[str]) -> str:
            nonlocal used
            var = m.group(1)
            if var not in variables:
                raise TemplateError(f"{where}: unknown template variable {var!r}")
            value = variables[var]
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                raise TemplateError(f"{where}: variable {var!r} inside a string must be a single-line string")
            value = str(value)
            if _CONTROL.search(value):
                raise TemplateError(
                    f"{where}: variable {var!r} inside a string must be a single line without "
                    "control characters"
                )
            if var in secret:
                used = True
            return value

        new = PLACEHOLDER.sub(sub, text)
        if used:
            out.secret_paths.append(path)
        return yaml.ScalarNode(
            _STR, new, node.start_mark, node.end_mark, style='"' if node.style is None else node.style
        )

    out.root = walk(root, ())
    return out


@functools.cache
def _compose_cached(name: str) -> Any:
    return compose(template_text(name))


def placeholders(name: str) -> set[str]:
    """Every variable a template uses."""
    return set(PLACEHOLDER.findall(template_text(name)))
