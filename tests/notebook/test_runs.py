"""The run wrapper end to end on fixture notebooks: artefacts, failure modes, exit codes, index, S3, parallel."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path

import jsonschema
import nbformat
import pytest

from lokonb.notebook import ExitCode, RunFailed, read_results, read_run, run
from lokonb.notebook.outcome import results_schema

FIX = Path(__file__).parent / "fixtures"
LOKONB = [sys.executable, "-m", "lokonb"]


def check_saved_notebook(run_dir: Path, name: str) -> nbformat.NotebookNode:
    nb = nbformat.read(run_dir / f"{name}.ipynb", as_version=4)
    nbformat.validate(nb)
    return nb


def test_succeeded_run_artefacts(tmp_path: Path) -> None:
    result = run(FIX / "ok.ipynb", output=tmp_path, parameters={"x": 21})
    run_dir = Path(result.run_dir)
    assert result.status == "succeeded" and result.exit_code == 0
    assert run_dir.parent == tmp_path / "ok" and run_dir.name.endswith("-adhoc")
    for name in ("ok.ipynb", "report.html", "results.json", "run.log", "parameters.yaml"):
        assert (run_dir / name).is_file(), name
    assert not (run_dir / ".partial").exists()
    data = json.loads((run_dir / "results.json").read_text())
    jsonschema.validate(data, results_schema())
    assert data["results"]["doubled"]["value"] == 42 and data["parameters"] == {"x": 21}
    assert data["parameter_sources"] == {"x": "api"}
    nb = check_saved_notebook(run_dir, "ok")
    assert nb.metadata["lokonb"]["results"]["doubled"]["value"] == 42
    assert read_run(run_dir).result_objects()["table"].value["count"].tolist() == [3, 2, 1]
    assert read_results(run_dir / "ok.ipynb")["label"].value == "demo"
    log = (run_dir / "run.log").read_text()
    assert "stdout done 21" in log and "\x1b[" not in log
    index = json.loads((tmp_path / "index.json").read_text())
    assert [r["run_id"] for r in index["runs"]] == [result.run_id]
    listed = subprocess.run([*LOKONB, "runs", "--output", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.run_id in listed.stdout and "doubled: 42" in listed.stdout  # §4.7: the index's summary column
    check_report((run_dir / "report.html").read_text(), images=1)


def test_report_exporter_is_built_once(tmp_path: Path) -> None:
    """§4.9: the report's exporter is built once per process (and readied while the child runs); a reused exporter
    renders the same bytes as a fresh one."""
    from lokonb.notebook import report

    result = run(FIX / "ok.ipynb", output=tmp_path, parameters={"x": 2})
    assert report.warm_up() is report.warm_up() and not report.warm_up().is_alive()
    nb = nbformat.read(Path(result.run_dir) / "ok.ipynb", as_version=4)
    first = report.render_report(nb, result)
    exporter = report._EXPORTERS[False]
    assert report.render_report(nb, result) == first and report._EXPORTERS[False] is exporter
    report._EXPORTERS.clear()
    assert report.render_report(nb, result) == first and report._EXPORTERS[False] is not exporter
    assert report.render_report(nb, result, show_input=True) != first


def test_child_imports_papermill_without_its_s3_and_hdfs_dependencies(repo_root: Path) -> None:
    """§4.9: the run's child process imports papermill without boto3 and pyarrow (handlers it never uses), and
    leaves both importable."""
    code = ("import sys\nfrom lokonb.notebook.child import _import_papermill\n_import_papermill()\n"
            "print(sorted(n for n in ('boto3', 'pyarrow', 'numpy') if n in sys.modules))\n"
            "import boto3, pyarrow.fs\nprint('importable')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=repo_root,
                         check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "importable"], out.stdout + out.stderr


class _Report(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []
        self.imgs: list[str] = []
        self.th = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "section" and a.get("id"):
            self.order.append(a["id"])
        if tag == "div" and "jp-OutputArea-output" in (a.get("class") or "") and "output" not in self.order:
            self.order.append("output")
        if tag == "img":
            self.imgs.append(a.get("src", ""))
        if tag == "th":
            self.th += 1


def check_report(html: str, images: int = 0) -> None:
    for bad in ("<script src=", 'import("http', '<link href="http', "cdnjs", "unpkg", "\x1b[", "object at 0x",
                "HBox(children=", "interactive(children=", "injected-parameters"):
        assert bad not in html, bad
    parser = _Report()
    parser.feed(html)
    assert parser.order[:2] == ["lokonb-summary", "lokonb-parameters"], parser.order
    assert parser.th > 0
    assert len(parser.imgs) >= images and all(src.startswith("data:image/") for src in parser.imgs)


FAILURES = [
    # fixture, options, status, exit code, ename, failing cell index (as executed: 0 injected/markdown ...)
    ("raises", {}, "failed", 1, "ValueError", 3),
    ("exit0", {}, "failed", 1, "SystemExit", 1),
    ("exit3", {}, "failed", 1, "SystemExit", 1),
    ("sleeps", {"cell_timeout": 1}, "timeout", 3, "CellTimeoutError", 3),
    ("sleeps", {"run_timeout": 5}, "timeout", 3, "RunTimeout", 3),
    ("dies", {}, "dead_kernel", 138, "DeadKernelError", 3),
]


@pytest.mark.parametrize(("fixture", "options", "status", "code", "ename", "cell"), FAILURES,
                         ids=[f"{f[0]}-{f[2]}-{f[4]}" for f in FAILURES])
def test_failure_modes(tmp_path: Path, fixture: str, options: dict, status: str, code: int, ename: str,
                       cell: int) -> None:
    with pytest.raises(RunFailed) as info:
        run(FIX / f"{fixture}.ipynb", output=tmp_path, **options)
    result = info.value.result
    assert (result.status, result.exit_code, result.error["ename"]) == (status, code, ename)
    assert result.error["cell_index"] == cell
    assert info.value.exit_code == code
    run_dir = Path(result.run_dir)
    data = json.loads((run_dir / "results.json").read_text())
    jsonschema.validate(data, results_schema())
    assert data["status"] == status
    if fixture != "exit0":  # results.json's cells are numbered like error.cell_index (banners not counted)
        assert {c["index"]: c["status"] for c in data["cells"]}[cell] == "failed", data["cells"]
    nb = check_saved_notebook(run_dir, fixture)
    assert nb.metadata["papermill"]["exception"] is True
    assert "papermill-error-cell-tag" in nb.cells[0].metadata.get("tags", [])  # the banner
    cells = [c for c in nb.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    failed = cells[cell]
    if ename != "SystemExit" or fixture == "exit3":
        assert failed.metadata["papermill"]["status"] == "failed"
    assert any(o.get("output_type") == "error" for o in failed.outputs)
    later = [c for c in cells[cell + 1:] if c.cell_type == "code"]
    assert later and all(c.metadata["papermill"]["status"] == "pending" for c in later)
    html = (run_dir / "report.html").read_text()
    assert 'class="lokonb-error"' in html and ename in html
    # R6.3: the error box links to the failed cell; the anchor it names sits right before that cell
    assert 'href="#papermill-error-cell"' in html and html.count('id="papermill-error-cell"') == 1
    anchor = next(i for i, c in enumerate(nb.cells) if 'id="papermill-error-cell"' in c.source)
    assert nb.cells[anchor + 1] is failed
    if fixture in ("raises", "sleeps"):
        assert "before" in data["results"] or "started" in data["results"]  # results up to the failure


def test_parameter_error_exits_2_before_any_kernel(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("x: 1\naws_secret_access_key: planted-value-123456\n")
    proc = subprocess.run([*LOKONB, "run", str(FIX / "ok.ipynb"), "-f", str(bad), "--output", str(tmp_path)],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert "aws_secret_access_key" in proc.stderr and "credentials are never parameters" in proc.stderr
    assert "planted-value-123456" not in proc.stderr + proc.stdout
    (results,) = tmp_path.glob("ok/*/results.json")
    data = json.loads(results.read_text())
    assert data["status"] == "parameter_error" and data["cells"] == []
    assert not list(results.parent.glob("*.ipynb"))  # no kernel, no notebook
    assert "planted-value-123456" not in "".join(p.read_text() for p in results.parent.iterdir())


def test_unknown_registered_parameter_cli(tmp_path: Path, repo_root: Path) -> None:
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "parameters").mkdir()
    proc = subprocess.run([*LOKONB, "run", "metadata_acess", "--root", str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2 and "did you mean 'metadata_access'" in proc.stderr


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGTERM, ExitCode.SIGTERM), (signal.SIGINT, ExitCode.SIGINT)],
                         ids=["SIGTERM", "SIGINT"])
def test_sigterm_cancels_and_saves(tmp_path: Path, sig: signal.Signals, code: ExitCode) -> None:
    """§4.4: SIGTERM and SIGINT (Ctrl-C) both interrupt the kernel, save the notebook and record cancelled, with
    exit 143 and 130."""
    proc = subprocess.Popen([*LOKONB, "run", str(FIX / "sleeps.ipynb"), "--output", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # wait until the sleeping cell runs
        logs = list(tmp_path.glob("sleeps/*/run.log"))
        if logs and "Executing Cell 3" in logs[0].read_text() or \
                logs and time.monotonic() > deadline - 50 and "Executing notebook" in logs[0].read_text():
            break
        time.sleep(0.2)
    time.sleep(1.5)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    (results,) = tmp_path.glob("sleeps/*/results.json")
    data = json.loads(results.read_text())
    assert (data["status"], data["exit_code"]) == ("cancelled", code)
    assert data["error"]["cell_index"] == 3 and data["error"]["ename"] == "KeyboardInterrupt"
    nb = check_saved_notebook(results.parent, "sleeps")
    assert nb.metadata["papermill"]["exception"] is True
    assert "papermill-error-cell-tag" in nb.cells[0].metadata.get("tags", [])  # the banner
    cells = [c for c in nb.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    assert cells[3].metadata["papermill"]["status"] == "failed"
    assert any(o.get("ename") == "KeyboardInterrupt" for o in cells[3].outputs)
    assert cells[4].metadata["papermill"]["status"] == "pending"


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (the run's child and its kernel), from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        kids = parents.get(todo.pop(), [])
        found += kids
        todo += kids
    return found


def test_killed_run_is_finalized_as_interrupted(tmp_path: Path) -> None:
    """R4.4/R7.4: a run whose processes were killed keeps status running and its staging notebook in .partial/;
    ``lokonb runs --finalize RUN`` scrubs it into normal artefacts with status interrupted."""
    import os

    proc = subprocess.Popen([*LOKONB, "run", str(FIX / "sleeps.ipynb"), "--output", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    staging = None
    while time.monotonic() < deadline:  # until the staging notebook holds the cell before the sleeping one
        found = list(tmp_path.glob("sleeps/*/.partial/sleeps.ipynb"))
        if found and "application/vnd.lokonb.result+json" in found[0].read_text():
            staging = found[0]
            break
        time.sleep(0.2)
    victims = [proc.pid, *_descendants(proc.pid)]
    for pid in victims:  # SIGKILL: nothing gets a chance to clean up
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)
    assert staging is not None
    run_dir = staging.parent.parent
    assert json.loads((run_dir / "results.json").read_text())["status"] == "running"
    assert (run_dir / ".partial").is_dir()
    done = subprocess.run([*LOKONB, "runs", "--finalize", str(run_dir)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    data = json.loads((run_dir / "results.json").read_text())
    jsonschema.validate(data, results_schema())
    assert data["status"] == "interrupted" and data["exit_code"] == 143
    assert data["results"]["started"]["value"] is True
    assert not (run_dir / ".partial").exists()
    for name in ("sleeps.ipynb", "report.html", "run.log"):
        assert (run_dir / name).is_file(), name
    nb = check_saved_notebook(run_dir, "sleeps")
    assert nb.metadata["papermill"]["exception"] is True and nb.metadata["lokonb"]["status"] == "interrupted"
    assert "papermill-error-cell-tag" in nb.cells[0].metadata["tags"]
    index = json.loads((tmp_path / "index.json").read_text())
    assert [r["status"] for r in index["runs"]] == ["interrupted"]
    again = subprocess.run([*LOKONB, "runs", "--finalize", str(run_dir)], capture_output=True, text=True,
                           timeout=60)
    assert again.returncode == 2 and "not a killed run" in again.stderr


def _flaky_kernel(tmp_path: Path, failures: int) -> dict[str, str]:
    """A kernelspec whose first ``failures`` starts die before replying (a start race), then a real kernel."""
    spec = tmp_path / "jupyter" / "kernels" / "flaky"
    spec.mkdir(parents=True)
    count = tmp_path / "starts"
    script = spec / "start.sh"
    script.write_text(f'#!/bin/sh\necho x >> "{count}"\n'
                      f'[ "$(wc -l < "{count}")" -le {failures} ] && exit 1\n'
                      f'exec "{sys.executable}" -m ipykernel_launcher -f "$1"\n')
    (spec / "kernel.json").write_text(json.dumps({"argv": ["/bin/sh", str(script), "{connection_file}"],
                                                  "display_name": "flaky", "language": "python"}))
    return {"JUPYTER_PATH": str(tmp_path / "jupyter")}


def test_kernel_start_failure_is_retried_once(tmp_path: Path) -> None:
    """R4.15: a kernel that dies before replying is started once more; a second failure is an environment error
    (exit 5, §4.4 "kernel cannot start"), not a cell failure."""
    ok = run(FIX / "ok.ipynb", output=tmp_path / "a", kernel="flaky", extra_env=_flaky_kernel(tmp_path / "a", 1))
    assert ok.status == "succeeded" and ok.results["doubled"]["value"] == 4
    assert "retrying once" in (Path(ok.run_dir) / "run.log").read_text()
    bad = run(FIX / "ok.ipynb", output=tmp_path / "b", kernel="flaky", extra_env=_flaky_kernel(tmp_path / "b", 2),
              raise_on_failure=False)
    assert (bad.status, bad.exit_code) == ("environment_error", 5), bad.error
    assert (tmp_path / "b" / "starts").read_text().count("x") == 2


def test_parallel_runs_distinct_directories(tmp_path: Path) -> None:
    from lokonb.notebook.execute import RunRequest, run_many

    results = run_many([RunRequest(FIX / "ok.ipynb", output=tmp_path, parameters={"x": i}) for i in range(6)],
                       jobs=6)
    assert [r.status for r in results] == ["succeeded"] * 6
    assert len({r.run_dir for r in results}) == 6
    assert [r.results["doubled"]["value"] for r in results] == [2 * i for i in range(6)]
    index = json.loads((tmp_path / "index.json").read_text())
    assert len(index["runs"]) == 6


def test_s3_output(tmp_path: Path, moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import boto3

    env = {"AWS_ENDPOINT_URL": moto_endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "us-east-1"}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="reports")
    s3.put_object(Bucket="reports", Key="sets/x.yaml", Body=b"x: 4\n")
    result = run(FIX / "ok.ipynb", files=["s3://reports/sets/x.yaml"], output="s3://reports/runs")
    assert result.output_url == f"s3://reports/runs/ok/{result.run_id}"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="reports", Prefix="runs/")["Contents"])
    base = f"runs/ok/{result.run_id}/"
    for name in ("ok.ipynb", "report.html", "results.json", "run.log", "parameters.yaml"):
        assert base + name in keys
    assert "runs/index.html" in keys and not [k for k in keys if ".partial" in k]
    data = json.loads(s3.get_object(Bucket="reports", Key=base + "results.json")["Body"].read())
    assert data["results"]["doubled"]["value"] == 8
    assert read_results(f"s3://reports/{base}ok.ipynb")["doubled"].value == 8
