"""R1.1 in JupyterLab: the summary ``finish`` shows holds only what the current execution recorded. "Run All" again
(setup re-run) or the form's Apply start a new execution; a name the new parameters no longer record must not
survive from the earlier one (the recorded results live in the kernel for its whole life)."""

from __future__ import annotations

from typing import Any

import IPython.display
import pytest

from lokonb.notebook.results import record
from lokonb.notebook.schemas import REGISTRY
from lokonb.notebook.session import finish, setup


def _summary(monkeypatch: pytest.MonkeyPatch) -> str:
    shown: list[Any] = []
    monkeypatch.setattr(IPython.display, "update_display", lambda obj, **_kw: shown.append(obj))
    finish()
    return shown[-1].data


def test_run_all_again_forgets_what_the_earlier_execution_recorded(monkeypatch: pytest.MonkeyPatch) -> None:
    schema = REGISTRY["metadata_access"]
    ns: dict[str, object] = {}
    ns["P"] = setup(schema, ns)
    record("plan_counts", {"create": 3}, summary=True, label="planned actions")
    assert "planned actions" in _summary(monkeypatch)
    ns["P"] = setup(schema, ns)  # "Run All" again; this time the cell that records plan_counts does not
    record("pods", 4, summary=True, label="pods audited")
    summary = _summary(monkeypatch)
    assert "pods audited" in summary and "planned actions" not in summary


def test_form_apply_starts_a_new_execution(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOKONB_HEADLESS", raising=False)
    shown: list[Any] = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs, **_kw: shown.extend(objs))
    ns: dict[str, object] = {}
    ns["P"] = setup(REGISTRY["metadata_access"], ns)
    form = next(o for o in shown if hasattr(o, "controls"))
    record("plan_counts", {"create": 3}, summary=True, label="planned actions")
    form.controls["action"].value = "render"
    apply = next(b for box in form.children if hasattr(box, "children") for b in box.children
                 if getattr(b, "description", "") == "Apply")
    apply.click()
    assert ns["P"].action == "render"
    record("pods", 0, summary=True, label="pods audited")
    summary = _summary(monkeypatch)
    assert "pods audited" in summary and "planned actions" not in summary
