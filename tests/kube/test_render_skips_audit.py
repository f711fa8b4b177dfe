"""metadata_access with `action: render` skips the audit (README): its results and summary say "not audited",
never "0 of 0 pods can reach 169.254.169.254", which a report reader would take for a clean cluster."""

from __future__ import annotations

import pytest

from lokonb.kube.workflow import audit_step, summary_markdown

COUNTS = ("pods", "reachable", "reachable_pod_network", "reachable_host_network", "blocked",
          "token_blocked_by_hop_limit", "reachable_pods")


@pytest.mark.parametrize(("action", "audited"), [("render", False), ("audit", True)])
def test_summary_counts_only_what_was_audited(action, audited):
    result = audit_step(action, "sample")
    summary = result.summary()
    assert result.skipped is not audited
    for name in COUNTS:
        assert (summary[name] is not None) is audited, name
    if audited:  # the sample dump: 21 pods, some of them reachable
        assert summary["pods"] == len(result.verdicts) > 0 and summary["reachable"] > 0


def test_skipped_summary_markdown_says_so():
    text = summary_markdown(audit_step("render", "sample"))
    assert "Audit skipped" in text and "0 of 0" not in text
    assert "pods can reach" in summary_markdown(audit_step("audit", "sample"))
