"""R2.3/R2.4 forms the planted-fixture table lacks. First those the checks missed: nbval markers as cell tags
(nbval reads both), the legacy PYTEST_VALIDATE comment, ``get_ipython()`` (what ``!cmd``/``%magic`` compile to),
``raise SystemExit``, ``__import__``; then forms that were found but never tested."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from test_lint_results import code, make

from lokonb.notebook.lint import lint_notebook


def tagged(tag: str) -> nbformat.NotebookNode:
    cell = code("x")
    cell.metadata["tags"] = [tag]
    return cell


def _injected() -> nbformat.NotebookNode:
    cell = code("x = 2")
    cell.metadata["tags"] = ["injected-parameters"]
    return cell


@pytest.mark.parametrize(("cell", "rule"), [
    (tagged("nbval-check-output"), "R2.4 nbval marker tag 'nbval-check-output' (= NBVAL_CHECK_OUTPUT)"),
    (tagged("nbval-raises-exception"), "R2.4 nbval marker tag 'nbval-raises-exception' (= NBVAL_RAISES_EXCEPTION)"),
    (tagged("raises-exception"), "R2.4 nbval marker tag 'raises-exception' (= NBVAL_RAISES_EXCEPTION)"),
    (code("# PYTEST_VALIDATE_IGNORE_OUTPUT\nx"), "R2.4 nbval marker PYTEST_VALIDATE_IGNORE_OUTPUT"),
    (code("get_ipython().system('ls /tmp')"), "R2.4 get_ipython()"),
    (code("rows = get_ipython().run_line_magic('time', 'x')"), "R2.4 get_ipython()"),
    (code("raise SystemExit(0)"), "R2.4 raise SystemExit"),
    (code("raise SystemExit"), "R2.4 raise SystemExit"),
    (code("__import__('subprocess').run(['ls'])"), "R2.3 __import__()"),
    # the other R2.3/R2.4 forms the planted-fixture table of test_lint_results does not list
    (code("%xmode Verbose"), "R2.4 magic '%xmode Verbose'"),
    (code("%%bash\nls"), "R2.4 magic '%%bash'"),
    (code("import os\nos.getcwd()"), "R2.3 import of os"),
    (code("from IPython.core.display import HTML"), "R2.3 import from IPython.core.display"),
    (code("class Helper:\n    pass"), "R2.3 definition of 'Helper'"),
    (code("exit()"), "R2.4 exit()"),
    (code("quit()"), "R2.4 quit()"),
    (code("from lokonb.notebook import record\nrecord('log', 'samples/apiserver.log')"),
     "R2.4 path literal 'samples/apiserver.log'"),
    (_injected(), "R2.6 leftover papermill cell (injected-parameters)"),
])
def test_disguised_violation_is_found(tmp_path: Path, cell: nbformat.NotebookNode, rule: str) -> None:
    path = make(tmp_path, cell)
    problems = lint_notebook(path)
    assert any(p.startswith(f"{path}: cell 2: {rule}") for p in problems), problems


@pytest.mark.parametrize("cell", [tagged("nbval-ignore-output"), tagged("nbval-skip"), tagged("lokonb-finish"),
                                  code("# NBVAL_SKIP\nx"), code("raise ValueError('x')")])
def test_allowed_forms_pass(tmp_path: Path, cell: nbformat.NotebookNode) -> None:
    assert lint_notebook(make(tmp_path, cell)) == []
