"""R1.1/R3.9: "Run All" a second time in one JupyterLab kernel passes setup (``P`` and the work cells' results are
not unknown parameters), while a fresh kernel still refuses names that are not in the schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell

from lokonb.notebook.exceptions import ParameterError
from lokonb.notebook.schemas import REGISTRY
from lokonb.notebook.session import setup

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"


def code_cells(name: str) -> list[str]:
    nb = json.loads((NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def test_run_all_twice_in_one_kernel(monkeypatch: pytest.MonkeyPatch) -> None:
    """The metadata_access notebook (offline, about a second) run top to bottom twice in one shell."""
    monkeypatch.chdir(NOTEBOOKS)  # as JupyterLab starts the kernel
    shell = InteractiveShell.instance()
    try:
        for round_ in (1, 2):
            for i, source in enumerate(code_cells("metadata_access")):
                result = shell.run_cell(source, silent=True)
                assert result.success, f"round {round_}, code cell {i}: {result.error_in_exec!r}"
        assert "P" in shell.user_ns
    finally:
        InteractiveShell.clear_instance()


def test_a_fresh_namespace_still_refuses_unknown_names() -> None:
    schema = REGISTRY["metadata_access"]
    ns: dict[str, object] = {"dry_runn": True}
    with pytest.raises(ParameterError) as info:
        setup(schema, ns)
    assert [i.path for i in info.value.issues] == ["dry_runn"]


def test_names_from_after_an_earlier_setup_are_not_parameters() -> None:
    schema = REGISTRY["metadata_access"]
    ns: dict[str, object] = {"dry_run": True}
    ns["P"] = setup(schema, ns)
    ns["audit"] = ["a work cell's result"]
    again = setup(schema, ns)
    assert again.values["dry_run"] is True



class _EndsWithExecution:
    """An object of one execution marked as such (as the provision run's ``Aws`` is); records its close."""

    ends_with_execution = True

    def __init__(self) -> None:
        self.closed = False

    def close(self) -> None:
        self.closed = True


def test_a_later_setup_closes_only_objects_marked_as_ending_with_their_execution(tmp_path: Path) -> None:
    """A second "Run All" closes what holds an execution's resources, nothing else a user keeps in the kernel:
    an open lokonb reader (it has ``close()`` but is not marked) stays open."""
    from lokonb.logs.sources import _Utf16Reader

    schema = REGISTRY["metadata_access"]
    (tmp_path / "x.log").write_bytes(b"")
    ns: dict[str, object] = {"dry_run": True}
    ns["P"] = setup(schema, ns)
    marked, reader = _EndsWithExecution(), _Utf16Reader(open(tmp_path / "x.log", "rb"))  # noqa: SIM115
    ns["run"], ns["reader"] = marked, reader
    try:
        setup(schema, ns)
        assert marked.closed is True
        assert reader.closed is False  # was closed: every lokonb object with close() was
    finally:
        reader.close()


def test_the_provision_objects_are_marked() -> None:
    from lokonb.aws.session import Aws
    from lokonb.aws.workflow import ProvisionRun
    from lokonb.notebook.session import ENDS_WITH_EXECUTION

    assert getattr(Aws, ENDS_WITH_EXECUTION) is True
    assert getattr(ProvisionRun, ENDS_WITH_EXECUTION) is True
