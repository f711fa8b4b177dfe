"""Generating a notebook's parameters cell from its schema (§3.6, R3.10).

Every parameter becomes ``name: Type = literal  # help``; multi-line literals carry the help on their last line
(the only comment papermill keeps), and no line may contain a second ``=`` (papermill's inspector drops it) or a
``#`` inside the default (papermill's inspector cuts the line there).
"""

from __future__ import annotations

import pprint
from typing import Any

from lokonb.notebook.params import NotebookSchema, Param

_WIDTH = 110


class CellGenerationError(ValueError):
    """A default cannot be written on lines papermill parses; the schema author must change it."""


def literal(value: Any, indent: int = 0) -> str:
    """A Python literal for a JSON-like value, wrapped like pprint (dict order kept)."""
    width = max(40, _WIDTH - indent)
    return pprint.pformat(value, width=width, sort_dicts=False)


def _quote(type_name: str) -> str:
    # Optional[...] is not defined in the kernel: quote it so the annotation is a plain string.
    return f'"{type_name}"' if "Optional" in type_name or type_name == "object" else type_name


def param_lines(p: Param) -> list[str]:
    head = f"{p.name}: {_quote(p.type_name)} = "
    text = literal(p.default, indent=len(head))
    lines = text.splitlines()
    lines = [head + lines[0]] + [" " * len(head) + line for line in lines[1:]]
    if len(lines) == 1 and lines[0].count("=") > 1 or any("=" in line for line in lines[1:]):
        raise CellGenerationError(
            f"{p.name}: the default {p.default!r} contains '=', which papermill's parser drops; "
            "change the default (for example, to a list of key/value pairs)"
        )
    if "#" in text:  # papermill cuts a parameter line at its first '#': the rest becomes help, the default is cut
        raise CellGenerationError(
            f"{p.name}: the default {p.default!r} contains '#', which papermill's parser reads as the start of "
            "the help comment (papermill --help-notebook would show a cut default and wrong help); change the default"
        )
    help_text = p.help
    if p.choices:
        help_text += " (" + ", ".join(map(str, p.choices)) + ")"
    if "=" in help_text:
        raise CellGenerationError(f"{p.name}: the help text contains '=', which papermill's parser drops")
    lines[-1] += f"  # {help_text}"
    return lines


def parameters_source(schema: NotebookSchema) -> str:
    """The exact source of the notebook's ``parameters`` cell."""
    out = [
        f"# Parameters of {schema.notebook} (generated from lokonb.notebook.schemas; "
        f"full list: lokonb params {schema.notebook})"
    ]
    for p in schema.params:
        out.extend(param_lines(p))
    return "\n".join(out)
