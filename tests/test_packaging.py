"""The project's setup contract: environment.yml, pyproject extras and script, run.sh/.ci/run, import cost."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
HEAVY = ("papermill", "nbconvert", "boto3", "moto", "pandas", "matplotlib", "ipywidgets", "kubernetes")


def test_environment_yml():
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    assert env["name"] == "lokonb" and env["channels"] == ["conda-forge"]
    deps = env["dependencies"]
    assert "python=3.11" in deps and "pip" in deps
    pip_block = next(d for d in deps if isinstance(d, dict))
    assert "-e ." in pip_block["pip"]


def test_pyproject_extras_and_console_script():
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert meta["scripts"]["lokonb"] == "lokonb.cli:main"
    assert {"test", "dev", "lab"} <= set(meta["optional-dependencies"])
    assert any(d.startswith("papermill>=2.6") for d in meta["dependencies"])
    assert any(d.startswith("nbval") for d in meta["optional-dependencies"]["test"])
    assert (REPO / "lokonb" / "py.typed").exists()


def test_ci_runs_exactly_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text()
    assert "./run.sh test" in ci
    readme = (REPO / "README.md").read_text()
    assert "./run.sh main" in readme and "./run.sh test" in readme


def test_import_is_light():
    code = ("import sys, lokonb, lokonb.config, lokonb.notebook, lokonb.cli; "
            f"print([m for m in {HEAVY!r} if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _run_sh_test(tmp_path: Path, *pytest_args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return subprocess.run(["bash", str(REPO / "run.sh"), "test", "-p", "no:cacheprovider", *pytest_args],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=600)


def test_run_sh_test_fails_on_a_failing_test_and_on_no_tests(tmp_path):
    failing = tmp_path / "test_fails.py"
    failing.write_text("def test_fails():\n    assert 1 == 2\n")
    result = _run_sh_test(tmp_path, str(failing), "--rootdir", str(tmp_path))
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    assert "1 failed" in result.stdout
    none = tmp_path / "test_nothing.py"
    none.write_text("x = 1\n")
    result = _run_sh_test(tmp_path, str(none), "--rootdir", str(tmp_path))
    assert result.returncode == 1 and "no tests were collected" in result.stderr
    assert "no apt work" in result.stdout or "no apt work" in result.stderr


def test_ignition_validate_tests_never_skip():
    """R11.4: a missing ignition-validate fails its tests; no skip marker or skip call is keyed on it."""
    import ast

    offenders = []
    for path in sorted((REPO / "tests").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = ast.unparse(node.func)
            if func.endswith(("skipif", "skip", "importorskip")) and "ignition" in ast.unparse(node).lower():
                offenders.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert not offenders, offenders
