"""Benchmark of the run wrapper (notebooks.md §4.9): ``lokonb.notebook.run`` against plain
``papermill.execute_notebook`` on the same trivial notebook, measured in the same process.

    .venv/bin/python bench/notebook_run.py [--repeat 3]

Prints the median wall time of each and the wrapper's overhead (SHOULD stay under 1 s; the fixed cost of a headless
run, kernel start and stop, is about 2-3 s for both). The wrapper's run includes its child process, the report,
the scrub and the index.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))



def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import nbformat
    import papermill

    from lokonb.notebook import run

    os.environ["LOKONB_HEADLESS"] = "1"
    with tempfile.TemporaryDirectory(prefix="lokonb-bench-") as tmp:
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nb.cells = [nbformat.v4.new_code_cell("x: int = 1", metadata={"tags": ["parameters"]}),
                    nbformat.v4.new_code_cell("print(x * 2)")]
        trivial = Path(tmp) / "trivial.ipynb"
        nbformat.write(nb, trivial)
        plain, wrapped = [], []
        for i in range(args.repeat):
            t0 = time.perf_counter()
            papermill.execute_notebook(str(trivial), f"{tmp}/out-{i}.ipynb", parameters={"x": 2}, progress_bar=False,
                                       kernel_name="python3")
            plain.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            run(trivial, parameters={"x": 2}, output=Path(tmp) / "runs")
            wrapped.append(time.perf_counter() - t0)
    p, w = statistics.median(plain), statistics.median(wrapped)
    print(f"papermill.execute_notebook  {p:6.2f} s (median of {args.repeat})")
    print(f"lokonb.notebook.run         {w:6.2f} s (median of {args.repeat})")
    print(f"overhead                    {w - p:6.2f} s  (SHOULD < 1 s: {'ok' if w - p < 1 else 'over'})")


if __name__ == "__main__":
    main()
