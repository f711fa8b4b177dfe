"""The run child's status of an exception (notebooks.md §4.4), in particular a cancel during the kernel's start."""

from __future__ import annotations

import pytest

from lokonb.notebook import child


@pytest.fixture()
def state(monkeypatch: pytest.MonkeyPatch) -> dict:
    monkeypatch.setattr(child, "STATE", {"running": None, "started": {}, "cancel": None, "client": None})
    return child.STATE


class DeadKernelError(Exception):
    pass


@pytest.mark.parametrize(
    ("cancel", "started", "exc", "status", "evalue"),
    [
        # Ctrl-C while the kernel starts: the start fails with nbclient's RuntimeError, and that was the message
        # (the run said "cancelled" but its error "Kernel died before replying to kernel_info")
        ("SIGINT", {}, RuntimeError("Kernel died before replying to kernel_info"), "cancelled",
         "run cancelled by SIGINT"),
        ("SIGTERM", {1: True}, DeadKernelError("kernel died"), "cancelled", "run cancelled by SIGTERM"),
        # without a cancel the same start failure is the environment's
        (None, {}, RuntimeError("Kernel died before replying to kernel_info"), "environment_error",
         "Kernel died before replying to kernel_info"),
        # a cancel pending while a started run fails for another reason keeps that reason
        ("SIGINT", {1: True}, ValueError("boom"), "failed", "boom"),
    ],
)
def test_classify(state: dict, cancel, started, exc, status, evalue) -> None:
    state["cancel"], state["started"] = cancel, started
    got, err = child.classify(exc)
    assert (got, err["evalue"]) == (status, evalue)
