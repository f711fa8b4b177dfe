"""``lokonb run`` reads -p/-r/-y/-f as papermill's CLI does (notebooks.md §3.3, §3.5).

Each table compares lokonb with what plain papermill injects, seen by the setup cell (papermill's own
``_resolve_type`` and YAML reading are the reference). Rows where lokonb deliberately differs (§3.5: text kept for
``str`` fields, flow sequences for lists) say so.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from papermill.cli import _resolve_type
from papermill.iorw import read_yaml_file

from lokonb.cli import build_parser
from lokonb.notebook.exceptions import ParameterError
from lokonb.notebook.execute import RunRequest, gather
from lokonb.notebook.params import NotebookSchema, Param, validate

SCHEMA = NotebookSchema("demo", "Demo", (
    Param("name", "str", "x", "a string"),
    Param("label", "str", None, "an optional string", optional=True),
    Param("count", "int", 3, "an int"),
    Param("year", "int", None, "an optional int", optional=True),
    Param("ratio", "float", 0.5, "a float"),
    Param("debug", "bool", False, "a bool"),
    Param("check", "bool", None, "an optional bool", optional=True),
    Param("level", "choice", None, "an optional choice", optional=True, choices=("low", "high")),
    Param("anything", "any", "auto", "any value", optional=True),
    Param("tags", "list", [], "a list", item=Param("item", "str", "", "")),
    Param("aws", "dict", {"region": "r0", "endpoint": "e0"}, "a mapping",
          fields=(Param("region", "str", "r0", "region"), Param("endpoint", "str", "e0", "endpoint"),
                  Param("profile", "str", None, "profile", optional=True))),
    Param("progress", "bool", None, "progress", optional=True),
))

ERROR = object()


def lokonb_value(name: str, **request: Any) -> Any:
    """The validated literal of ``name`` after lokonb's gathering, or ERROR."""
    raw, sources, _, origin = gather(RunRequest("demo", **request), None)
    try:
        return validate(SCHEMA, raw, sources, origin=origin).literals[name]
    except ParameterError:
        return ERROR


def papermill_value(name: str, parameters: dict[str, Any]) -> Any:
    """What the setup cell makes of the values plain papermill injects, or ERROR."""
    try:
        return validate(SCHEMA, parameters, route="notebook").literals[name]
    except ParameterError:
        return ERROR


# (name, -p text, lokonb's value, same as papermill + setup cell?)
P_ROWS = [
    ("year", "None", None, True),  # papermill's -p reads the word None as None
    ("label", "None", None, True),
    ("check", "None", None, True),
    ("level", "None", None, True),
    ("anything", "None", None, True),
    ("count", "None", ERROR, True),  # not optional: an error either way
    ("name", "None", "None", False),  # §3.5: lokonb keeps the text of str fields (papermill: None, refused)
    ("debug", "True", True, True), ("debug", "False", False, True), ("debug", "false", False, True),
    ("debug", "yes", ERROR, True), ("check", "TRUE", True, True),
    ("count", "7", 7, True), ("count", "+7", 7, True), ("count", "-7", -7, True), ("count", " 7 ", 7, True),
    ("count", "7.0", ERROR, True), ("count", "1e3", ERROR, True), ("count", "seven", ERROR, True),
    ("ratio", "1.10", 1.1, True), ("ratio", "3", 3.0, True), ("ratio", "1e-3", 0.001, True),
    ("ratio", "nan", ERROR, True), ("ratio", "-inf", ERROR, True),
    ("name", "1.10", "1.10", False), ("name", "True", "True", False), ("name", "007", "007", False),
    ("label", "hello", "hello", True),
    ("tags", "[a, b]", ["a", "b"], False),  # §3.5: papermill injects the string "[a, b]"
    ("anything", "12", 12, True), ("anything", "x", "x", True),
]


@pytest.mark.parametrize(("name", "text", "expected", "same"), P_ROWS)
def test_p_typing(name: str, text: str, expected: Any, same: bool) -> None:
    got = lokonb_value(name, p=[(name, text)])
    assert got == expected if expected is not ERROR else got is ERROR
    reference = papermill_value(name, {name: _resolve_type(text)})
    assert (reference == got and (reference is ERROR) == (got is ERROR)) is same


# (name, -r text, lokonb's value): -r is the string papermill injects, converted as the setup cell converts it
R_ROWS = [
    ("debug", "true", True), ("debug", "False", False), ("debug", "no", ERROR),
    ("name", "0123", "0123"), ("name", "-6h", "-6h"), ("label", "None", "None"), ("label", "", ""),
    ("count", "5", ERROR), ("ratio", "1.5", ERROR), ("tags", "[a]", ERROR), ("level", "high", "high"),
]


@pytest.mark.parametrize(("name", "text", "expected"), R_ROWS)
def test_r_is_the_string_papermill_injects(name: str, text: str, expected: Any) -> None:
    got = lokonb_value(name, r=[(name, text)])
    assert got == expected if expected is not ERROR else got is ERROR
    reference = papermill_value(name, {name: text})
    assert reference == got and (reference is ERROR) == (got is ERROR)


# (command line, parameter, value): papermill applies files < each -y in order < -p < -r, whatever the order of the
# options on the command line
PRECEDENCE_ROWS = [
    (["-r", "label", "raw", "-p", "label", "p", "-y", "label: y"], "label", "raw"),
    (["-p", "label", "p", "-y", "label: y"], "label", "p"),
    (["-y", "count: 4", "-y", "label: a"], "count", 4),
    (["-y", "count: 4", "-y", "label: a"], "label", "a"),
    (["-y", "count: 4", "-y", "count: 5"], "count", 5),
]


@pytest.mark.parametrize(("argv", "name", "expected"), PRECEDENCE_ROWS)
def test_precedence_is_by_kind_like_papermill(argv: list[str], name: str, expected: Any) -> None:
    args = build_parser().parse_args(["run", "demo", *argv])
    assert lokonb_value(name, p=args.p, r=args.r, yaml_text=args.yaml_text) == expected


# (files, -y texts, parameter): later sources replace whole top-level values, as papermill's dict.update does
MERGE_ROWS = [
    (["aws:\n  region: r1\n  endpoint: e1\n", "aws:\n  region: r2\n"], [], "aws"),
    (["aws:\n  region: r1\n  profile: p1\n"], ["aws: {endpoint: e2}"], "aws"),
    ([], ["aws: {region: r1, profile: p1}", "aws: {region: r2}"], "aws"),
    ([], ["label: one\ncount: 4", "label: two"], "label"),
    ([], ["label: one\ncount: 4", "label: two"], "count"),
    (["label: one\n", "count: 5\n"], ["debug: true"], "label"),
]


@pytest.mark.parametrize(("files", "yamls", "name"), MERGE_ROWS)
def test_files_and_yaml_apply_like_papermill(tmp_path: Path, files: list[str], yamls: list[str], name: str) -> None:
    import yaml
    from papermill.iorw import NoDatesSafeLoader

    paths = []
    for i, text in enumerate(files):
        paths.append(tmp_path / f"set{i}.yaml")
        paths[-1].write_text(text)
    argv = ["run", "demo"] + [w for p in paths for w in ("-f", str(p))] + [w for y in yamls for w in ("-y", y)]
    args = build_parser().parse_args(argv)
    got = lokonb_value(name, files=args.files, yaml_text=args.yaml_text)
    injected: dict[str, Any] = {}
    for path in paths:
        injected.update(read_yaml_file(str(path)) or {})
    for text in yamls:
        injected.update(yaml.load(text, Loader=NoDatesSafeLoader) or {})  # noqa: S506 - a SafeLoader (papermill -y)
    assert got == papermill_value(name, injected)


# papermill's spellings of the same options, and values that begin with '-' (click takes them verbatim)
ARGV_ROWS = [
    (["-r", "since", "-6h"], "r", [["since", "-6h"]]),
    (["-p", "offset", "-1e3", "-p", "n", "-5"], "p", [["offset", "-1e3"], ["n", "-5"]]),
    (["-p", "flag", "--x"], "p", [["flag", "--x"]]),
    (["--parameters", "a", "1"], "p", [["a", "1"]]),
    (["--parameters_raw", "a", "-"], "r", [["a", "-"]]),
    (["--parameters_yaml", "a: 1", "-y", "b: 2"], "yaml_text", ["a: 1", "b: 2"]),
    (["--parameters_file", "a.yaml", "-f", "b.yaml"], "files", ["a.yaml", "b.yaml"]),
    (["-k", "python3"], "kernel", "python3"),
    (["--output", "out", "-p", "a", "b"], "p", [["a", "b"]]),
    (["-p", "a"], "p", SystemExit),  # an incomplete pair stays a usage error
]


@pytest.mark.parametrize(("argv", "dest", "expected"), ARGV_ROWS)
def test_run_options_parse_like_papermill(argv: list[str], dest: str, expected: Any) -> None:
    if expected is SystemExit:
        with pytest.raises(SystemExit) as info:
            build_parser().parse_args(["run", "demo", *argv])
        assert info.value.code == 2
        return
    args = build_parser().parse_args(["run", "demo", *argv])
    assert getattr(args, dest) == expected
    assert args.notebook == "demo"


# (request, parameter, its recorded source)
SOURCE_ROWS = [
    ({"p": [("aws.region", "r9")]}, "aws", "-p"),
    ({"r": [("aws.profile", "p9")]}, "aws", "-r"),
    ({"yaml_text": ["aws: {region: r1}"], "p": [("aws.region", "r9")]}, "aws", "-y"),
]


@pytest.mark.parametrize(("request_", "name", "source"), SOURCE_ROWS)
def test_dotted_leaf_source(request_: dict[str, Any], name: str, source: str) -> None:
    raw, sources, _, origin = gather(RunRequest("demo", **request_), None)
    assert validate(SCHEMA, raw, sources, origin=origin).sources[name] == source


def test_cli_parameter_errors_exit_2_and_accept_papermill_forms(tmp_path: Path) -> None:
    """-r for a bool and -p NAME None are accepted; the one bad name is reported with a suggestion, no kernel."""
    proc = subprocess.run(
        [sys.executable, "-m", "lokonb", "run", "render_flatcar", "-r", "snippets", "true",
         "-p", "external_validate", "None", "--parameters", "snippet", "true", "--output", str(tmp_path)],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 2, proc.stderr
    issues = [line for line in proc.stderr.splitlines() if line.startswith("  - ")]
    assert issues == ["  - snippet (-p): unknown parameter; did you mean 'snippets'?"]
