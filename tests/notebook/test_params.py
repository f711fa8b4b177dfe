"""Conversion table (§3.2, §3.5) through every route, validation messages, schema registry checks."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lokonb.notebook.exceptions import ParameterError
from lokonb.notebook.paramfiles import parse_text_tree, sources_of, yaml11_traps
from lokonb.notebook.params import NotebookSchema, Param, Text, check_declaration, to_literal, validate
from lokonb.notebook.schemas import REGISTRY

SCHEMA = NotebookSchema("demo", "Demo", (
    Param("name", "str", "x", "a string"),
    Param("count", "int", 3, "an int", minimum=0, maximum=10),
    Param("ratio", "float", 0.5, "a float"),
    Param("debug", "bool", False, "a bool"),
    Param("label", "str", None, "optional", optional=True),
    Param("channel", "choice", "stable", "channel", choices=("stable", "beta", "alpha")),
    Param("tags", "list", [], "list", item=Param("item", "str", "", "")),
    Param("nested", "dict", {"a": 1}, "dict", fields=(Param("a", "int", 1, "a"), Param("b", "str", "z", "b"))),
    Param("when", "datetime", "2026-01-01T00:00:00Z", "time"),
    Param("where", "path", "samples/x.log", "path"),
    Param("progress", "bool", None, "progress", optional=True),
))


def ok(raw: dict, name: str):  # the converted value of one parameter
    return validate(SCHEMA, raw).values[name]


def issues(raw: dict) -> list:
    with pytest.raises(ParameterError) as info:
        validate(SCHEMA, raw)
    return list(info.value.issues)


def yaml_route(text: str) -> dict:
    return parse_text_tree(text, source="set.yaml")


# (name, YAML text, expected value or None when it must be an error)
YAML_ROWS = [
    ("name", "name: no", "no"), ("name", "name: 0123", "0123"), ("name", "name: 1.10", "1.10"),
    ("name", 'name: "0123"', "0123"), ("count", "count: 7", 7), ("count", "count: 0123", None),
    ("count", "count: seven", None), ("count", "count: 3.0", None), ("ratio", "ratio: 1e-3", 0.001),
    ("ratio", "ratio: nan", None), ("debug", "debug: true", True), ("debug", "debug: FALSE", False),
    ("debug", "debug: no", None), ("debug", "debug: on", None), ("debug", "debug: 1", None),
    ("label", "label: null", None), ("label", "label: ~", None), ("label", 'label: "null"', "null"),
    ("channel", "channel: beta", "beta"), ("channel", "channel: lts", None),
    ("tags", "tags: [a, b]", ["a", "b"]), ("tags", "tags: a", None),
    ("nested", "nested: {a: 2}", {"a": 2, "b": "z"}),
    ("when", "when: 2026-03-01T10:00:00+02:00", dt.datetime(2026, 3, 1, 8, tzinfo=dt.UTC)),
    ("when", "when: 2026-03-01T10:00:00", None),
]


@pytest.mark.parametrize(("name", "text", "expected"), YAML_ROWS)
def test_yaml_route(name: str, text: str, expected: object) -> None:
    tree = yaml_route(text)
    if expected is None and name != "label":
        found = issues(tree)
        assert [i.path for i in found] == [name]
        assert found[0].source == "set.yaml:1"
    else:
        assert ok(tree, name) == expected


@pytest.mark.parametrize(("name", "text", "quoted", "expected"), [
    ("debug", "false", False, False), ("debug", "yes", False, None), ("count", "0123", False, None),
    ("name", "0123", False, "0123"), ("name", "1.10", False, "1.10"), ("name", "no", True, "no"),
    ("tags", "[a, b]", False, ["a", "b"]), ("nested.a", "5", False, 5), ("ratio", "1.10", False, 1.1),
    ("count", "5", True, None),
])
def test_p_and_r_routes(name: str, text: str, quoted: bool, expected: object) -> None:
    from lokonb.notebook.params import set_leaf

    raw: dict = {}
    set_leaf(raw, name, Text(text, quoted=quoted, source="-r" if quoted else "-p"))
    top = name.split(".")[0]
    if expected is None:
        assert [i.path for i in issues(raw)] == [name]
    else:
        value = ok(raw, top)
        assert (value["a"] if "." in name else value) == expected


@pytest.mark.parametrize(("name", "value", "expected"), [
    # what plain papermill injects, seen by the setup cell
    ("debug", "false", False), ("debug", "False", False), ("debug", "no", None), ("name", 123, None),
    ("name", 1.1, None), ("tags", "[1,2]", None), ("count", True, None), ("count", 5, 5),
    ("ratio", 3, 3.0), ("label", None, None), ("channel", "alpha", "alpha"),
])
def test_setup_cell_route(name: str, value: object, expected: object) -> None:
    if expected is None and value is not None:
        found = issues({name: value})
        assert found[0].path == name and found[0].message
    else:
        assert ok({name: value}, name) == expected


def test_api_literals() -> None:
    import numpy as np

    assert to_literal((1, 2)) == [1, 2]
    assert to_literal(Path("a/b")) == "a/b"
    assert to_literal(dt.date(2026, 1, 2)) == "2026-01-02"
    assert to_literal(np.bool_(False)) is False
    assert to_literal(np.int64(4)) == 4
    with pytest.raises(TypeError):
        to_literal({1, 2})


def test_messages() -> None:
    found = {i.path: i for i in issues({"cuont": 1, "channel": "lts", "count": 11})}
    assert found["cuont"].suggestion == "did you mean 'count'?"
    assert "allowed: stable, beta, alpha" in found["channel"].message
    assert "out of range" in found["count"].message and "0 to 10" in found["count"].message
    text = str(ParameterError("demo", list(found.values()), "parameters/demo/x.yaml"))
    assert text.startswith("invalid parameters for demo (parameters/demo/x.yaml):")


def test_yaml_bool_hint_and_line() -> None:
    tree = yaml_route("name: a\n\ndebug: no\n")
    (issue,) = issues(tree)
    assert issue.line() == ("debug (line 3): expected true or false, got 'no' (YAML 1.1 reads unquoted no as "
                            "false; write false)")


def test_credential_parameter_refused_without_echo() -> None:
    secret = "wJalr" + "XUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    found = issues({"aws_secret_access_key": secret})
    assert "credentials are never parameters" in found[0].message
    assert secret not in str(ParameterError("demo", found))


def test_path_and_datetime_rich_values(tmp_path: Path) -> None:
    v = validate(SCHEMA, {"where": "~/x.log"})
    assert v.values["where"] == Path.home() / "x.log" and v.literals["where"] == "~/x.log"
    assert validate(SCHEMA, {}).literals["when"] == "2026-01-01T00:00:00Z"


def test_traps() -> None:
    tree = yaml_route("name: yes\ncount: 0123\nlabel: 1.10\nwhen: 2026-01-01\nwhere: 2026-01-01\nok: '1.10'\n")
    messages = [m for _, m in yaml11_traps(tree, SCHEMA)]
    assert len(messages) == 4
    assert sources_of(tree)["count"] == "set.yaml:2"


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_registry_declarations(name: str) -> None:
    assert check_declaration(REGISTRY[name]) == []


def test_declaration_refuses_credential_names() -> None:
    bad = NotebookSchema("bad", "Bad", (Param("api_token", "str", "", "x"),
                                        Param("progress", "bool", None, "p", optional=True)))
    assert any("credential" in p for p in check_declaration(bad))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_generated_cell_matches_papermill_inspection(name: str) -> None:
    import nbformat
    from papermill.translators import PythonTranslator

    from lokonb.notebook.cellgen import parameters_source

    schema = REGISTRY[name]
    cell = nbformat.v4.new_code_cell(parameters_source(schema))
    found = PythonTranslator.inspect(cell)
    assert [p.name for p in found] == schema.names
    for p, param in zip(found, schema.params, strict=True):
        assert p.inferred_type_name == param.type_name
        assert p.help.startswith(param.help)
    namespace: dict = {}
    exec(parameters_source(schema), namespace)  # noqa: S102 - the generated cell must be valid Python
    assert validate(schema, {n: namespace[n] for n in schema.names}).literals == validate(schema, {}).literals


@pytest.mark.parametrize(
    ("notebook", "raw", "field", "fragment"),
    [
        # R3.3: apply/destroy against real resources needs confirm: true
        ("metadata_access", {"source": "live", "action": "apply"}, "confirm", "needs confirm: true"),
        ("provision_cluster", {"action": "apply", "aws": {"endpoint": None, "region": "eu-west-1"}}, "confirm",
         "needs confirm: true"),
        # apply writes to a cluster: a dump or the sample names none (refused before any cell runs)
        ("metadata_access", {"action": "apply"}, "source", "needs source: live"),
        ("metadata_access", {"action": "apply", "source": "dump/"}, "source", "got 'dump/'"),
    ],
)
def test_cross_field_rules(notebook: str, raw: dict, field: str, fragment: str) -> None:
    with pytest.raises(ParameterError) as exc:
        validate(REGISTRY[notebook], raw)
    issues = [i for i in exc.value.issues if i.path == field]
    assert issues and fragment in issues[0].message, exc.value.issues


@pytest.mark.parametrize(
    ("notebook", "raw"),
    [
        ("metadata_access", {"source": "live", "action": "apply", "confirm": True}),
        ("metadata_access", {"source": "live", "action": "apply", "dry_run": True, "confirm": True}),
        ("metadata_access", {"action": "render"}),
        ("metadata_access", {"action": "audit", "source": "dump/"}),
    ],
)
def test_cross_field_rules_accept(notebook: str, raw: dict) -> None:
    validate(REGISTRY[notebook], raw)
