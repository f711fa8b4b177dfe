"""Benchmark of the run wrapper (notebooks.md §4.9): ``lokonb.notebook.run`` against plain
``papermill.execute_notebook`` on the same trivial notebook, measured in the same process.

    .venv/bin/python bench/notebook_run.py [--repeat 3] [--cli]

Prints the median wall time of each and the wrapper's overhead (SHOULD stay under 1 s; the fixed cost of a headless
run, kernel start and stop, is about 2-3 s for both). The wrapper's run includes its child process, the report,
the scrub and the index. ``--cli`` compares the commands instead (``lokonb run`` against ``papermill``, one process
each, in interleaved rounds), so the wrapper's own start-up and its report renderer's first use count too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def _commands(trivial: Path, tmp: str, i: int) -> tuple[list[str], list[str]]:
    papermill = Path(sys.executable).with_name("papermill")
    plain = [str(papermill), str(trivial), f"{tmp}/out-{i}.ipynb", "-p", "x", "2", "-k", "python3", "--no-progress-bar"]
    wrapped = [sys.executable, "-m", "lokonb", "run", str(trivial), "-p", "x", "2", "--output", f"{tmp}/runs"]
    return plain, wrapped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cli", action="store_true", help="time the papermill and lokonb run commands")
    args = parser.parse_args()
    import nbformat
    import papermill

    from lokonb.notebook import run

    os.environ["LOKONB_HEADLESS"] = "1"
    # the wrapper's child process and `lokonb run` import this checkout's lokonb, as this process does
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))
    with tempfile.TemporaryDirectory(prefix="lokonb-bench-") as tmp:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell("x: int = 1", metadata={"tags": ["parameters"]}),
                    nbformat.v4.new_code_cell("print(x * 2)")]
        trivial = Path(tmp) / "trivial.ipynb"
        nbformat.write(nb, trivial)
        plain, wrapped = [], []
        for i in range(args.repeat):
            if args.cli:
                for cmd, times in zip(_commands(trivial, tmp, i), (plain, wrapped), strict=True):
                    t0 = time.perf_counter()
                    subprocess.run(cmd, check=True, capture_output=True, cwd=REPO)  # noqa: S603
                    times.append(time.perf_counter() - t0)
                continue
            t0 = time.perf_counter()
            papermill.execute_notebook(str(trivial), f"{tmp}/out-{i}.ipynb", parameters={"x": 2}, progress_bar=False,
                                       kernel_name="python3")
            plain.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            run(trivial, parameters={"x": 2}, output=Path(tmp) / "runs")
            wrapped.append(time.perf_counter() - t0)
    p, w = statistics.median(plain), statistics.median(wrapped)
    names = ("papermill (command)", "lokonb run (command)") if args.cli else ("papermill.execute_notebook",
                                                                              "lokonb.notebook.run")
    print(f"{names[0]:27s} {p:6.2f} s (median of {args.repeat})")
    print(f"{names[1]:27s} {w:6.2f} s (median of {args.repeat})")
    print(f"overhead                    {w - p:6.2f} s  (SHOULD < 1 s: {'ok' if w - p < 1 else 'over'})")


if __name__ == "__main__":
    main()
