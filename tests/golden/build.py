"""Sources of the golden notebooks (spec notebooks.md §9, "golden" layer), and the command that regenerates them.

The golden notebooks call the library as the four notebooks do and print the parts of their results that are
deterministic (tables as fixed-width text), so that nbval in strict mode compares them byte for byte::

    .venv/bin/python tests/golden/build.py        # rewrite and re-execute tests/golden/*.ipynb; review `git diff`
    .venv/bin/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with tests/golden/sanitize.cfg tests/golden/

Volatile values (hashes of configs carrying freshly generated keys, timestamps, durations) are left out of the
printed tables or normalised by ``sanitize.cfg``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

_PRELUDE = """\
def show(frame):
    # one line per row, columns separated by " | ": stable and readable whatever the width of a column
    print(" | ".join(frame.columns))
    for row in frame.itertuples(index=False):
        print(" | ".join(str(v) for v in row))"""

GOLDENS: dict[str, list[str]] = {
    "render_flatcar": [
        _PRELUDE,
        """\
import yaml

from lokonb.flatcar.workflow import render_notebook

params = yaml.safe_load(open("../../parameters/render_flatcar/default.yaml"))
run = render_notebook(params["cluster"], asset_dir=None, roles=None, snippets=True, ignition_version="3.3.0",
                      external_validate=False, previous_render=None, output_dir=None)
print("valid:", run.ok)""",
        """\
# the role and size table, without the columns that depend on the freshly generated keys (sizes, hashes)
summary = run.summary_frame()
show(summary[["role", "spec", "user_data_size", "limit", "percent", "delivery", "secret", "instances", "errors",
              "warnings", "files", "units"]])""",
        """\
config = run.render.roles["worker-batch"].config
print("units:", ", ".join(u["name"] for u in config["systemd"]["units"]))
print("files:", len(config["storage"]["files"]))""",
    ],
    "apiserver_logs": [
        _PRELUDE,
        """\
from lokonb.logs import analyze

result = analyze(["sample"])
print(result.banner())""",
        """\
show(result.summary[["family", "group", "count", "harmless_count", "actionable_count", "default"]])""",
        """\
show(result.findings[["priority", "family", "severity", "key", "count"]].head(12))""",
        """\
probe = result.meta["probe"]
print("probe records:", probe["records"], "period_s:", probe["period_s"], "addresses:", probe["addresses"])""",
    ],
    "metadata_access": [
        _PRELUDE,
        """\
from lokonb.kube.workflow import render_policies

policies = render_policies(["169.254.169.254/32"], [
    {"namespace": "kube-system", "pod_selector": {"matchLabels": {"app": "ebs-csi-controller"}}}])
print(policies.yaml)""",
        """\
from lokonb.kube.workflow import audit_step

audit = audit_step("audit", "sample")
print(audit.summary()["reachable"], "reachable of", audit.summary()["pods"], "pods")
show(audit.table()[["namespace", "pod", "reachable", "host_network", "reason"]])""",
    ],
}


def notebook(name: str):  # noqa: ANN201 - nbformat.NotebookNode
    import nbformat

    cells = [nbformat.v4.new_markdown_cell(
        f"# Golden: {name}\n\nDeterministic outputs of the `{name}` notebook's library calls, compared byte for byte "
        "by `pytest --nbval` (regenerate with `python tests/golden/build.py`, review the diff).")]
    cells += [nbformat.v4.new_code_cell(src) for src in GOLDENS[name]]
    for i, cell in enumerate(cells):
        cell.id = f"{name.replace('_', '-')}-{i}"  # stable ids: a regeneration diff shows only what changed
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def main() -> int:
    import nbformat
    from nbclient import NotebookClient

    os.environ["LOKONB_HEADLESS"] = "1"
    os.environ.setdefault("MPLBACKEND", "Agg")
    for name in sorted(GOLDENS):
        nb = notebook(name)
        NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
        for cell in nb.cells:
            cell.metadata.pop("execution", None)
        nbformat.write(nb, HERE / f"{name}.ipynb")
        print(f"wrote {HERE / f'{name}.ipynb'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
