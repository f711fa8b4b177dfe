"""JSON Schema export of a notebook schema (``lokonb params NB --format json-schema``) for editors."""

from __future__ import annotations

from typing import Any

from lokonb.notebook.params import NotebookSchema, Param

_BASE = {
    "str": "string",
    "path": "string",
    "datetime": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "dict": "object",
    "list": "array",
}


def param_schema(p: Param) -> dict[str, Any]:
    out: dict[str, Any] = {"description": p.help}
    if p.kind == "choice":
        out["enum"] = list(p.choices) + ([None] if p.optional else [])
    elif p.kind != "any":
        kind = _BASE[p.kind]
        out["type"] = [kind, "null"] if p.optional else kind
    if p.kind == "datetime":
        out["format"] = "date-time"
    if p.minimum is not None:
        out["minimum"] = p.minimum
    if p.maximum is not None:
        out["maximum"] = p.maximum
    if p.kind == "list" and p.item is not None:
        out["items"] = param_schema(p.item)
    if p.kind == "dict" and p.fields and not p.free_keys:
        out["properties"] = {f.name: param_schema(f) for f in p.fields}
        out["additionalProperties"] = False
    out["default"] = p.default
    return out


def to_json_schema(schema: NotebookSchema) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"lokonb parameter set for {schema.notebook}",
        "type": "object",
        "properties": {p.name: param_schema(p) for p in schema.params},
        "additionalProperties": False,
    }
