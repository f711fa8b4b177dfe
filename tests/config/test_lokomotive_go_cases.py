"""The config snippets of Lokomotive's own Go unit tests (``fixtures/lokomotive_go_cases.yaml``, which names the
repository, path, commit and Go test of every case), run through lokonb and compared with the outcome the Go test
expects: lokoctl accepts -> lokonb accepts with the same values, lokoctl rejects -> lokonb rejects with located
errors naming the field. A case where lokonb decides otherwise must say why (``differs``: the spec section)."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from lokonb.config import ConfigError, ConfigValidationError, read_lokocfg
from lokonb.config.errors import Issue

FIXTURE = Path(__file__).parent / "fixtures" / "lokomotive_go_cases.yaml"
DATA = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))
CASES = DATA["cases"]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"


@dataclass
class Outcome:
    """What lokonb made of a case: the model's data, or the error with its issues."""

    data: dict[str, Any] | None = None
    error: ConfigError | None = None
    issues: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = field(default_factory=tuple)

    @property
    def accepted(self) -> bool:
        return self.error is None


def _lokoctl(case: dict[str, Any]) -> str:
    spec = case["lokoctl"]
    return spec if isinstance(spec, str) else spec["outcome"]


def _texts(case: dict[str, Any], replace: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """The case's files (name -> text) and vars text, with replacements and ``@KEY@`` applied."""
    if "files" in case:
        files = dict(case["files"])
    elif "body" in case:
        files = {"cluster.lokocfg": DATA["base"].replace("{body}", case["body"].rstrip("\n"))}
    else:
        files = {"cluster.lokocfg": case["config"]}

    def fill(text: str) -> str:
        for old, new in replace.items():
            text = text.replace(old, new)
        return text.replace("@KEY@", KEY)

    vars_text = case.get("vars")
    return {name: fill(text) for name, text in files.items()}, None if vars_text is None else fill(vars_text)


def _run(tmp_path: Path, case: dict[str, Any], replace: dict[str, str] | None = None) -> Outcome:
    files, vars_text = _texts(case, replace or {})
    root = tmp_path / "cfg"
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    target = root if len(files) > 1 else root / next(iter(files))
    vars_path = None
    if vars_text is not None:
        vars_path = root / "lokocfg.vars"
        vars_path.write_text(vars_text, encoding="utf-8")
    try:
        loaded = read_lokocfg(target, vars_path)
    except ConfigValidationError as exc:
        return Outcome(error=exc, issues=exc.issues)
    except ConfigError as exc:
        return Outcome(error=exc)
    return Outcome(data=loaded.config.to_dict(), warnings=loaded.warnings)


def _lookup(data: Any, path: str) -> Any:
    """``worker_pools[0].lb_http_port`` or ``aws.region`` in ``to_dict()`` data."""
    for part in path.split("."):
        name, *indexes = re.findall(r"[^\[\]]+", part)
        data = data[name]
        for index in indexes:
            data = data[int(index)]
    return data


def _fill(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("@KEY@", KEY)
    if isinstance(value, list):
        return [_fill(v) for v in value]
    return value


def _keys(issues: tuple[Issue, ...], severity: str) -> Counter[str]:
    return Counter(f"{i.path} {i.rule}" for i in issues if i.severity == severity)


def _check(outcome: Outcome, expected: dict[str, Any]) -> None:
    if "values" in expected or not ({"errors", "error"} & expected.keys()):
        assert outcome.accepted, f"lokonb rejected: {outcome.error}"
        for path, value in (expected.get("values") or {}).items():
            got = _lookup(outcome.data, path)
            assert got == _fill(value) or str(got) == str(value), f"{path}: {got!r} != {value!r}"
        _check_warnings(outcome.warnings, expected)
        return
    assert not outcome.accepted, f"lokonb accepted: {outcome.data}"
    if "error" in expected:
        _check_structural(outcome.error, expected)
        return
    assert isinstance(outcome.error, ConfigValidationError), f"not a validation error: {outcome.error}"
    assert _keys(outcome.issues, "error") == Counter(expected["errors"])
    _check_warnings(outcome.issues, expected)
    for issue in outcome.error.errors:  # every error is located (file:line) and names its field
        assert issue.source and re.search(r":\d+$", issue.source), issue
        assert issue.path or issue.rule == "syntax", issue
    for path, text in (expected.get("messages") or {}).items():
        assert any(i.path == path and text in i.message for i in outcome.issues), (path, text, outcome.issues)


def _check_warnings(issues: tuple[Issue, ...], expected: dict[str, Any]) -> None:
    found = _keys(issues, "warning")
    for key in expected.get("warnings") or ():
        assert found[key], f"warning {key!r} missing: {sorted(found)}"
    for path, text in (expected.get("messages") or {}).items():
        if not expected.get("errors"):
            assert any(i.path == path and text in i.message for i in issues), (path, text, issues)


def _check_structural(error: ConfigError | None, expected: dict[str, Any]) -> None:
    assert error is not None and expected["error"] in str(error), str(error)
    if "line" in expected:
        located = error.line if not isinstance(error, ConfigValidationError) else None
        assert located == expected["line"] or f":{expected['line']}" in str(error), str(error)
    if "file" in expected:
        assert error.file and Path(error.file).name == expected["file"], error.file


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_lokomotive_go_case(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./lokocfg.vars of the working directory; pathexpand("./x") stays relative
    outcome = _run(tmp_path, case)
    _check(outcome, case["lokonb"])
    if outcome.accepted != (_lokoctl(case) == "accept"):
        assert case.get("differs"), "lokonb decides otherwise than lokoctl: say why (differs: spec section)"


@pytest.mark.parametrize("case", [c for c in CASES if "adapted" in c], ids=[c["id"] for c in CASES if "adapted" in c])
def test_lokomotive_go_case_adapted(case, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    adapted = case["adapted"]
    _check(_run(tmp_path, case, adapted["replace"]), adapted["lokonb"])


def test_every_case_names_a_known_source():
    for case in CASES:
        source = DATA["sources"][case["source"]]
        assert source["repo"] == "kinvolk/lokomotive" and source["path"].endswith("_test.go")
        assert source.get("commit") or source.get("id"), case["id"]
        assert case["test"].split()[0] in " ".join(source["tests"]) or case["test"].startswith("Test"), case["id"]


def test_differs_only_where_lokonb_decides_otherwise_or_values_differ():
    for case in CASES:
        if case.get("differs") and "lokoctl_values" not in case:
            expected = case["lokonb"]
            accepts = "values" in expected or not ({"errors", "error"} & expected.keys())
            assert accepts != (_lokoctl(case) == "accept"), f"{case['id']}: differs without a difference"


def test_lokoctl_values_that_differ_are_lokonb_defaults_of_the_spec():
    for case in (c for c in CASES if "lokoctl_values" in c):
        for name, theirs in case["lokoctl_values"].items():
            ours = case["lokonb"]["values"][name]
            assert ours != theirs and name in case["differs"], (case["id"], name)
