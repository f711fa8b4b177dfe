"""R3.10/R3.11: a default papermill's parameter parser cannot read back stops generation with a message for the
schema author, instead of a cell whose ``papermill --help-notebook`` entry is dropped or cut."""

from __future__ import annotations

import ast

import nbformat
import pytest
from papermill.translators import PythonTranslator

from lokonb.notebook.cellgen import CellGenerationError, parameters_source
from lokonb.notebook.params import NotebookSchema, Param

ITEM = Param("item", "str", "", "")


def schema(p: Param) -> NotebookSchema:
    return NotebookSchema("demo", "Demo", (p, Param("progress", "bool", None, "progress", optional=True)))


@pytest.mark.parametrize(("param", "fragment"), [
    (Param("flags", "str", "--v=2", "flags"), "contains '='"),
    (Param("pairs", "dict", {f"key{i}": f"v={i}" for i in range(12)}, "pairs", free_keys=True), "contains '='"),
    (Param("channel", "str", "ops#alerts", "a chat channel"), "contains '#'"),
    (Param("names", "list", ["a#1", "b"], "names", item=ITEM), "contains '#'"),
    (Param("labels", "dict", {f"label{i}": f"value-{i}#x" for i in range(12)}, "labels", free_keys=True),
     "contains '#'"),
])
def test_unreadable_default_stops_generation(param: Param, fragment: str) -> None:
    with pytest.raises(CellGenerationError, match=fragment) as info:
        parameters_source(schema(param))
    assert str(info.value).startswith(f"{param.name}: the default ")


@pytest.mark.parametrize("param", [
    Param("channel", "str", "ops alerts", "a chat channel, e.g. #ops (a '#' in the help is fine)"),
    Param("names", "list", [f"name-{i:03d}" for i in range(15)], "names: a long list on several lines", item=ITEM),
    Param("pattern", "str", "a: b (c)", "text with a colon and parentheses"),
])
def test_generated_defaults_read_back_through_papermill(param: Param) -> None:
    source = parameters_source(schema(param))
    (found, _) = PythonTranslator.inspect(nbformat.v4.new_code_cell(source))
    assert (found.name, found.inferred_type_name, found.help) == (param.name, param.type_name, param.help)
    assert ast.literal_eval(found.default) == param.default  # the default text papermill shows is the value
