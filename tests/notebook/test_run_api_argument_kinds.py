"""``lokonb.notebook.run()`` given its sources in the wrong form (round 5 of the bad-input sweep): one path given as
``files`` was read letter by letter ("/: cannot read parameter file: Is a directory"), ``parameters=[(k, v)]`` and
``p={...}`` raised AttributeError/ValueError from inside, ``report="no"`` was true. Each is now a UsageError naming
the argument and the form it takes, raised before a run directory is made."""

from __future__ import annotations

from pathlib import Path

import pytest

from lokonb.notebook import run
from lokonb.notebook.exceptions import UsageError
from lokonb.notebook.execute import RunRequest, gather
from lokonb.notebook.runoptions import check_sources

REPO = Path(__file__).resolve().parents[2]

CASES = [
    # (keyword arguments of run(), fragment of the error)
    ({"files": 5}, "files must be a list of parameter set files (paths or s3:// URLs), got 5"),
    ({"files": [None]}, "files must be a list of parameter set files"),
    ({"parameter_set": 5}, "parameter_set must be the name of a set in parameters/<notebook>/"),
    ({"parameters": [("action", "audit")]}, "parameters must be a mapping of parameter name to value"),
    ({"p": {"action": "audit"}}, "p must be a list of (NAME, VALUE) text pairs as -p takes them"),
    ({"p": "action audit"}, "p must be a list of (NAME, VALUE) text pairs"),
    ({"r": [("action",)]}, "r must be a list of (NAME, VALUE) text pairs as -r takes them"),
    ({"yaml_text": {"action": "audit"}}, "yaml_text must be YAML text or a list of YAML texts (-y)"),
    ({"report": "no"}, "report must be True or False, got 'no'"),
    ({"show_input": 1}, "show_input must be True or False, got 1"),
    # round 6: kernel=5 failed inside papermill after the run directory was made; extra_env values not text raised a
    # bare TypeError from subprocess and left an empty run directory; raise_on_failure="no" was true
    ({"kernel": 5}, "kernel must be a Jupyter kernel name such as 'python3'"),
    ({"kernel": " "}, "kernel must be a Jupyter kernel name"),
    ({"extra_env": {"A": 5}}, "extra_env must be a mapping of environment variable name to text"),
    ({"extra_env": [("A", "b")]}, "extra_env must be a mapping of environment variable name to text"),
    ({"raise_on_failure": "no"}, "raise_on_failure must be True or False, got 'no'"),
]


@pytest.mark.parametrize("kwargs,fragment", CASES, ids=[f"{next(iter(c[0]))}-{i}" for i, c in enumerate(CASES)])
def test_wrong_form_is_named_before_the_run_dir(tmp_path: Path, kwargs: dict, fragment: str) -> None:
    with pytest.raises(UsageError) as exc:
        run("metadata_access", output=tmp_path / "runs", root=REPO, **kwargs)
    assert f"run(): {fragment}" in str(exc.value)
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("kind", [str, Path])
def test_one_path_as_files_is_one_file(tmp_path: Path, kind: type) -> None:
    set_file = tmp_path / "mine.yaml"
    set_file.write_text("action: report\n", "utf-8")
    req = RunRequest("metadata_access", files=kind(set_file))
    check_sources(req)
    raw, _sources, label, _origin = gather(req, REPO)
    assert raw["action"].text == "report" and label == "mine"
