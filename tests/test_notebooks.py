"""Notebook-level tests that discover every notebook in ``notebooks/`` (a new notebook is covered automatically):
conventions and no committed outputs, parameters cell equal to the schema's generated cell, every set file valid
(``default.yaml`` equal to the schema defaults), a ``lokonb run`` of each notebook on ``default`` asserting its
recorded results and report, nbval on the default parameters, and nbval on copies prepared by plain papermill
(``--prepare-only -f default.yaml``; an invalid variant must fail at the setup cell)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

os.environ["LOKONB_HEADLESS"] = "1"

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p.stem for p in (REPO / "notebooks").glob("*.ipynb"))
SETS = sorted((p.parent.name, p) for p in (REPO / "parameters").glob("*/*.yaml")
              if (REPO / "notebooks" / f"{p.parent.name}.ipynb").is_file())

#: Results each notebook's run test asserts (R5.4); a notebook not listed must record at least one result.
REQUIRED_RESULTS: dict[str, tuple[str, ...]] = {
    "metadata_access": ("reachable", "reachable_pod_network", "pods", "reachable_pods", "audit"),
    "render_flatcar": ("roles", "valid", "errors", "summary"),
    "apiserver_logs": ("lines_read", "records", "actionable", "top_families"),
    "provision_cluster": ("plan_counts", "plan", "apply_result", "resources", "all_attributes_ok"),
}


def _rows(table: dict) -> list[dict]:
    """A recorded DataFrame ({columns, dtypes, data}) as row dicts."""
    return [dict(zip(table["columns"], row, strict=True)) for row in table["data"]]


def _check_metadata_access(v: dict) -> None:
    audit = _rows(v["audit"])
    assert v["pods"] == len(audit) > 0
    reachable = [f"{r['namespace']}/{r['pod']}" for r in audit if r["reachable"]]
    assert v["reachable"] == len(reachable) and sorted(v["reachable_pods"]) == sorted(reachable)
    assert 0 <= v["reachable_pod_network"] <= v["reachable"]


def _check_render_flatcar(v: dict) -> None:
    from lokonb.notebook.paramfiles import read_set

    tree, _, _ = read_set(REPO / "parameters" / "render_flatcar" / "default.yaml")
    cluster = tree["cluster"]  # the roles the default cluster defines: controller-<i>, worker-<pool>
    expected = [f"controller-{i}" for i in range(int(cluster["controller_count"].text))]
    expected += [f"worker-{pool['name'].text}" for pool in cluster["worker_pools"]]
    assert v["roles"] == expected and v["valid"] is True and v["errors"] == 0
    sizes = _rows(v["summary"])
    assert [r["role"] for r in sizes] == expected
    for r in sizes:  # the user-data size against the EC2 limit: inline only when it fits
        assert r["delivery"] != "inline" or r["user_data_size"] <= r["limit"], r


def _check_apiserver_logs(v: dict) -> None:
    assert v["lines_read"] >= v["records"] >= v["actionable"] > 0
    top = _rows(v["top_families"])
    assert 0 < len(top) <= 10 and {"family", "count"} <= set(top[0])
    counts = [r["count"] for r in top]
    assert counts == sorted(counts, reverse=True) and sum(counts) <= v["records"]


def _check_provision_cluster(v: dict) -> None:
    plan, applied, resources = _rows(v["plan"]), _rows(v["apply_result"]), _rows(v["resources"])
    assert sum(v["plan_counts"].values()) == len(plan) > 0
    assert v["plan_counts"]["create"] == len(plan)  # the default set applies to a fresh embedded AWS
    assert len(applied) == len(plan) and len(resources) == len(plan)
    assert v["all_attributes_ok"] is True and all(r["ok"] for r in resources)


#: The asserted values of each notebook's recorded results on ``default`` (§9 run layer), checked against each
#: other and against the set file rather than against copied numbers.
RESULT_CHECKS = {
    "metadata_access": _check_metadata_access,
    "render_flatcar": _check_render_flatcar,
    "apiserver_logs": _check_apiserver_logs,
    "provision_cluster": _check_provision_cluster,
}
needs_notebooks = pytest.mark.skipif(not NOTEBOOKS, reason="no notebook in notebooks/ yet")


@needs_notebooks
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_conventions_and_no_outputs(name: str) -> None:
    from lokonb.notebook.lint import lint_notebook

    assert lint_notebook(REPO / "notebooks" / f"{name}.ipynb", name=name) == []


@needs_notebooks
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_parameters_cell_is_generated_from_schema(name: str) -> None:
    import nbformat

    from lokonb.notebook.cellgen import parameters_source
    from lokonb.notebook.schemas import REGISTRY

    assert name in REGISTRY, f"{name} has no schema in lokonb.notebook.schemas"
    nb = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4)
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert cell.source.strip() == parameters_source(REGISTRY[name]).strip()
    assert nb.metadata["kernelspec"]["name"] == "python3"


@needs_notebooks
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_default_set_equals_schema_defaults(name: str) -> None:
    from lokonb.notebook.paramfiles import read_set
    from lokonb.notebook.params import validate
    from lokonb.notebook.schemas import REGISTRY

    path = REPO / "parameters" / name / "default.yaml"
    assert path.is_file(), f"{path} is required (R2.8)"
    tree, sources, label = read_set(path)
    schema = REGISTRY[name]
    assert validate(schema, tree, sources, origin=label).literals == validate(schema, {}).literals


@pytest.mark.parametrize(("name", "path"), SETS, ids=[f"{n}/{p.name}" for n, p in SETS])
def test_every_set_passes_check(name: str, path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "lokonb", "params", name, "--check", str(path)],
                          capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 0, proc.stderr
    # R2.9: set names are [a-z0-9][a-z0-9-]*; the suite executes only the default sets (test_run_default), so every
    # other set is one that needs a live account or cluster, and must say so by its live-* name
    assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", path.stem)
    assert path.stem == "default" or path.stem.startswith("live-"), f"{path}: a set that needs an account: live-*"


@pytest.fixture(scope="module")
def default_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every notebook run once on ``default``, two at a time (``run_many``: each run in its own child process and
    output folder), shared by the per-notebook assertions of ``test_run_default``."""
    from lokonb.notebook.execute import RunRequest, run_many

    base = tmp_path_factory.mktemp("default-runs")
    results = run_many([RunRequest(name, parameter_set="default", output=base / name) for name in NOTEBOOKS], jobs=2)
    return dict(zip(NOTEBOOKS, results, strict=True))


@needs_notebooks
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_run_default(name: str, default_runs: dict) -> None:
    result = default_runs[name]
    assert result.status == "succeeded", result.error
    assert result.exit_code == 0
    required = REQUIRED_RESULTS.get(name, ())
    missing = [r for r in required if r not in result.results]
    assert not missing, f"{name} did not record {missing}"
    assert result.results, f"{name} recorded no results"
    if name in RESULT_CHECKS:
        RESULT_CHECKS[name]({k: e["value"] for k, e in result.results.items()})
    run_dir = Path(result.run_dir)
    for artefact in (f"{name}.ipynb", "report.html", "results.json", "run.log", "parameters.yaml"):
        assert (run_dir / artefact).is_file()
    html = (run_dir / "report.html").read_text()
    for bad in ("<script src=", "cdnjs", "unpkg", "\x1b[", "injected-parameters", "HBox(children="):
        assert bad not in html
    assert html.index('id="lokonb-summary"') < html.index('id="lokonb-parameters"')
    # R6.4: plots are embedded images; a figure saved as its text repr means the PNG formatter was missing
    assert "&lt;Figure size" not in html and "object at 0x" not in html
    imgs = re.findall(r'<img [^>]*src="([^"]{0,16})', html)
    assert all(src.startswith("data:image/") for src in imgs), imgs
    assert imgs or name != "apiserver_logs"


def _nbval(paths: list[str], rootdir: Path, *extra: str) -> subprocess.Popen[str]:
    """Start ``pytest --nbval-lax --nbval-current-env`` on ``paths`` (one pytest item per cell), not waiting."""
    env = {**os.environ, "LOKONB_HEADLESS": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
    return subprocess.Popen([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                             "--nbval-current-env", "--rootdir", str(rootdir), "-c", os.devnull, *extra, *paths],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)


def _prepare(args: list[str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "papermill", *args, "--prepare-only"], cwd=REPO,
                          capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def nbval_runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The two nbval runs of this module, side by side (each kernel is single-threaded; they share nothing):
    ``defaults`` on ``notebooks/`` as committed, ``prepared`` on the papermill-prepared copies of
    ``test_prepared_variants_pass_nbval`` (its junit report in ``junit``; ``prepare_errors`` if papermill failed)."""
    from concurrent.futures import ThreadPoolExecutor

    procs: dict[str, subprocess.Popen[str]] = {}
    try:
        procs["defaults"] = _nbval([str(REPO / "notebooks")], tmp_path_factory.mktemp("nbval-defaults"))
        work = tmp_path_factory.mktemp("nbval-prepared")
        bad = "render_flatcar" if "render_flatcar" in NOTEBOOKS else NOTEBOOKS[0]
        jobs = [[f"notebooks/{name}.ipynb", str(work / f"{name}.ipynb"), "-f", f"parameters/{name}/default.yaml"]
                for name in NOTEBOOKS]
        jobs.append([f"notebooks/{bad}.ipynb", str(work / "invalid.ipynb"), "-p", "snippets", "no"])
        with ThreadPoolExecutor(max_workers=2) as pool:
            prepare_errors = [(p.args, p.stderr.decode()[-2000:]) for p in pool.map(_prepare, jobs) if p.returncode]
        junit = work / "junit.xml"
        if not prepare_errors:
            procs["prepared"] = _nbval(sorted(str(p) for p in work.glob("*.ipynb")), work, "--junitxml", str(junit))
        out = {"bad": bad, "junit": junit, "prepare_errors": prepare_errors}
        for key, proc in procs.items():
            stdout, _stderr = proc.communicate(timeout=900)
            out[key] = (proc.returncode, stdout)
    finally:  # a timeout or an error above leaves no nbval run behind
        for proc in procs.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    return out


@needs_notebooks
def test_nbval_on_defaults(nbval_runs: dict) -> None:
    """``pytest --nbval-lax --nbval-current-env notebooks/`` passes (one pytest item per cell)."""
    returncode, stdout = nbval_runs["defaults"]
    assert returncode == 0, stdout[-4000:]
    assert " passed" in stdout


@needs_notebooks
def test_prepared_variants_pass_nbval(nbval_runs: dict) -> None:
    """§9 variants: plain ``papermill … -f parameters/<nb>/default.yaml --prepare-only``, then nbval-lax on the
    prepared copies (injection and setup-cell validation as plain papermill users get them). An invalid variant
    (``-p snippets no``, injected as the string "no") must fail first at the setup cell, with the §3.4 message.
    Only the ``default`` sets run offline (R2.8); the others need an account or a cluster."""
    import xml.etree.ElementTree as ET

    assert nbval_runs["prepare_errors"] == []
    bad, junit = nbval_runs["bad"], nbval_runs["junit"]
    assert junit.is_file(), nbval_runs["prepared"][1][-4000:]
    failed: dict[str, list[tuple[str, str]]] = {}
    for case in ET.parse(junit).iter("testcase"):  # noqa: S314 - the report nbval just wrote
        for problem in case:
            if problem.tag in ("failure", "error"):
                failed.setdefault(case.get("classname", ""), []).append((case.get("name", ""), problem.text or ""))
    assert set(failed) == {"invalid.ipynb"}, {k: v[0][1][-2000:] for k, v in failed.items()}
    first_cell, text = failed["invalid.ipynb"][0]
    assert first_cell == "Cell 2", failed["invalid.ipynb"][0]  # code cells: parameters, injected-parameters, setup
    assert f"invalid parameters for {bad}" in text and "snippets" in text
