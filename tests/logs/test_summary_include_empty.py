"""OUT-3: the summary lists the families seen; ``summary_table(include_empty=True)`` lists every family of the
effective table (packaged plus a user file), the unseen ones with zero counts. Composed klog lines (FMT-1)."""

from __future__ import annotations

import pandas as pd

from lokonb.logs import parse_lines

LINES = [
    "I0302 10:15:07.118203       1 log.go:195] http: TLS handshake error from 127.0.0.1:45332: EOF",
    "W0302 10:15:08.220417       1 dispatcher.go:180] Failed calling webhook, failing open policy.example.io: "
    'failed calling webhook "policy.example.io": failed to call webhook: Post '
    '"https://policy-webhook.policy.svc:443/validate?timeout=10s": context deadline exceeded',
]


def test_include_empty_lists_every_family_once(tmp_path):
    user = tmp_path / "families.yaml"
    user.write_text(
        "disable: [apf]\n"
        "families:\n"
        "  - {name: policy_background_scan, before: other, group: admission, any: [background scan failed],\n"
        "     verdict: actionable, priority: medium}\n"
    )
    res = parse_lines(LINES, year=2024, families=str(user))
    seen = res.summary_table()
    pd.testing.assert_frame_equal(seen, res.summary)
    full = res.summary_table(include_empty=True)
    assert full["family"].tolist()[: len(seen)] == seen["family"].tolist()
    assert sorted(full["family"]) == sorted(res.table.names)
    assert "apf" not in set(full["family"]) and "policy_background_scan" in set(full["family"])
    empty = full.iloc[len(seen):]
    assert (empty[["count", "harmless_count", "actionable_count", "sources"]] == 0).all().all()
    assert empty["share"].eq(0.0).all() and empty["first_seen"].isna().all() and empty["example"].eq("").all()
    row = full.set_index("family").loc["policy_background_scan"]
    assert (row["group"], row["default"]) == ("admission", "actionable")
    assert full["share"].sum() == 1.0
    assert full.dtypes.equals(res.summary.dtypes)
