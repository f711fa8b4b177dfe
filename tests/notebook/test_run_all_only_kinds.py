"""``run_all(only=...)`` and ``run-all --only`` (round 6 of the bad-input sweep): one name as a string was read letter
by letter ("unknown notebook(s) _, a, c, ..."), ``[5]`` raised TypeError, ``[]`` ran nothing, and a named notebook
without the set was skipped: exit 0 having run nothing. Each is now a UsageError (exit 2) before any run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lokonb.cli import main
from lokonb.notebook import run_all
from lokonb.notebook.exceptions import UsageError
from lokonb.notebook.runoptions import check_only

REPO = Path(__file__).resolve().parents[2]
KNOWN = ["render_flatcar", "metadata_access"]


@pytest.mark.parametrize("only,expected", [
    (None, None),
    ("metadata_access", ["metadata_access"]),
    (["render_flatcar", "metadata_access"], ["render_flatcar", "metadata_access"]),
    (("render_flatcar",), ["render_flatcar"]),
])
def test_only_forms_that_name_notebooks(only: object, expected: object) -> None:
    assert check_only(only, KNOWN) == expected


@pytest.mark.parametrize("only,fragment", [
    ([5], "only must be a list of notebook names"),
    (5, "only must be a list of notebook names"),
    ({"metadata_access": True}, "only must be a list of notebook names"),
    ([], "only is empty: no notebook to run"),
])
def test_only_wrong_form_is_a_usage_error(only: object, fragment: str) -> None:
    with pytest.raises(UsageError) as exc:
        check_only(only, KNOWN)
    assert fragment in str(exc.value)


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    """A project whose render_flatcar has only the default set and whose apiserver_logs notebook is missing."""
    root = tmp_path / "proj"
    (root / "notebooks").mkdir(parents=True)
    for name in ("render_flatcar", "metadata_access"):
        shutil.copy(REPO / "notebooks" / f"{name}.ipynb", root / "notebooks")
        (root / "parameters" / name).mkdir(parents=True)
        (root / "parameters" / name / "default.yaml").write_text("{}\n", "utf-8")
    (root / "parameters" / "metadata_access" / "live-audit.yaml").write_text("{}\n", "utf-8")
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n", "utf-8")
    return root


@pytest.mark.parametrize("only,parameter_set,fragment", [
    ("metadata_access", "nosuch", "metadata_access: no parameter set 'nosuch'"),
    (["render_flatcar", "metadata_access"], "live-audit", "render_flatcar: no parameter set 'live-audit'"),
    (["render_flatcar"], "live-audit", "sets: default"),
    (["apiserver_logs"], "default", "apiserver_logs: no notebook"),
])
def test_named_notebook_that_cannot_run_is_named(project: Path, only: object, parameter_set: str,
                                                 fragment: str) -> None:
    with pytest.raises(UsageError) as exc:
        run_all(only=only, parameter_set=parameter_set, root=project, output=project / "runs")
    assert fragment in str(exc.value)
    assert not (project / "runs").exists()


def test_cli_only_with_a_missing_set_exits_2(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run-all", "--root", str(project), "--only", "render_flatcar", "--set", "live-audit"])
    assert code == 2
    assert "render_flatcar: no parameter set 'live-audit'" in capsys.readouterr().err


def test_cli_set_no_notebook_has_exits_2_naming_the_sets(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --only, a mistyped --set ran nothing and exited 0 (a CI job passed)."""
    code = main(["run-all", "--root", str(project), "--set", "nosuch"])
    err = capsys.readouterr().err
    assert code == 2
    assert "--set 'nosuch': no notebook has this parameter set" in err
    assert "metadata_access: no parameter set 'nosuch'" in err and "sets: default, live-audit" in err
    assert not (project / "runs").exists()


def test_cli_project_without_notebooks_stays_a_no_op(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "parameters").mkdir()
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n", "utf-8")
    assert main(["run-all", "--root", str(tmp_path), "--set", "nosuch"]) == 0
    assert "no notebook with a parameter set 'nosuch'" in capsys.readouterr().err


def test_cli_set_some_notebooks_lack_names_the_skipped(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["run-all", "--root", str(project), "--set", "live-audit", "--output", str(project / "runs")])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "metadata_access" in out
    assert "skipped render_flatcar: no parameters/render_flatcar/live-audit.yaml" in err
    assert "skipped metadata_access" not in err
