"""Families (A14–A16): composed lines per family, global rules, user overrides and validation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lokonb.logs import load_families, parse_lines
from lokonb.logs.errors import FamilyFileError

CASES = yaml.safe_load((Path(__file__).parents[1] / "fixtures" / "logs" / "family_lines.yaml").read_text())


def _line(sev, fileline, msg):
    if sev is None:
        return msg
    return f"{sev}0302 10:15:07.118203       1 {fileline}] {msg}"


def _one(sev, fileline, msg, **kw):
    rec = parse_lines([_line(sev, fileline, msg)], year=2024, **kw).records
    assert len(rec) == 1
    return rec.iloc[0]


def test_every_family_has_cases():
    names = set(load_families().names) - {"other", "stacktrace"}
    assert names <= set(CASES), sorted(names - set(CASES))
    for name, case in CASES.items():
        assert len(case["pos"]) >= 2 and len(case["near"]) >= 1, name


@pytest.mark.parametrize(
    ("family", "case"),
    [(f, c) for f, v in CASES.items() for c in v["pos"]],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_positive(family, case):
    sev, fileline, msg, harmless, fields = case
    r = _one(sev, fileline, msg)
    assert r["family"] == family, msg
    assert bool(r["harmless"]) is harmless, (r["why"], msg)
    import json

    extra = json.loads(r["extra"]) if isinstance(r["extra"], str) else {}
    for key, value in fields.items():
        got = r[key] if key in r.index else extra.get(key)
        if isinstance(value, float):
            assert got == pytest.approx(value), key
        else:
            assert str(got) == str(value), key
    if not harmless:
        assert r["priority"] in ("critical", "high", "medium", "low")


@pytest.mark.parametrize(
    ("family", "case"),
    [(f, c) for f, v in CASES.items() for c in v["near"]],
    ids=lambda x: x if isinstance(x, str) else "",
)
def test_near_miss(family, case):
    sev, fileline, msg, expected = case
    assert _one(sev, fileline, msg)["family"] == expected


def test_global_rules():
    # RULE-1: any F record is critical; RULE-2: unknown lines by severity
    f = _one("F", "server.go:1", "quota admission added evaluator for: pods")
    assert (f["harmless"], f["priority"], f["why"]) == (False, "critical", "severity-F")
    assert _one("I", "x.go:1", "something unknown")["harmless"]
    w = _one("W", "x.go:1", "something unknown")
    assert (w["harmless"], w["priority"], w["why"]) == (False, "low", "unknown-warning")
    e = _one("E", "x.go:1", "something unknown")
    assert (e["harmless"], e["priority"], e["why"]) == (False, "medium", "unknown-error")
    assert (
        _one(
            "E", "status.go:71", "apiserver received an error that is not an metav1.Status: context canceled"
        )["why"]
        == "condition"
    )


def test_stacktrace_only_for_orphans():
    res = parse_lines(
        ["goroutine 12 [running]:", "main.main()", "I0302 10:15:07.118203       1 f.go:1] a.go:12 ok"],
        year=2024,
    ).records
    assert list(res["family"]) == ["stacktrace", "other"]
    assert res["orphan"][0] and res["n_lines"][0] == 2


@pytest.mark.parametrize(
    ("steps", "family", "harmless", "total"),
    [
        (["Trace[7]: [10.035066589s] [10.03497895s] END"], "trace", False, 10.035066589),
        (["Trace[7]: [12.1ms] [12.1ms] About to write a response", "Trace[7]: [640.2ms] [628.1ms] END"], "trace",
         True, 0.6402),
        # no END step: the total is unknown, the header alone is no trace
        (["Trace[7]: [14.03s] [14.03s] About to write a response"], "other", True, None),
    ],
)
def test_trace_header_cut_before_its_total(steps, family, harmless, total):
    # a pasted report cut the header line: the END step's first column is the total
    head = 'I0302 10:15:07.118203       1 trace.go:116] Trace[7]: "GuaranteedUpdate etcd3" type:*coordination.Lease (st'
    r = parse_lines([head, *steps], year=2024).records.iloc[0]
    assert (r["family"], bool(r["harmless"]), int(r["n_lines"])) == (family, harmless, 1 + len(steps))
    if total is not None:
        assert r["total_s"] == pytest.approx(total)


def test_user_file_overrides(tmp_path):
    user = tmp_path / "families.yaml"
    user.write_text("""
disable: [apf]
families:
  - {name: webhook_rejected, verdict: actionable, priority: low, reason: every denial is audited here}
  - name: policy_background_scan
    before: other
    group: admission
    any: ["background scan failed"]
    regex: 'policy (?P<policy>\\S+) background scan failed: (?P<err>.*)'
    fields: {policy: str, err: str}
    verdict: actionable
    priority: medium
    group_by: [policy]
    reason: a cluster policy cannot evaluate existing resources
""")
    table = load_families(user)
    assert "apf" not in table.names and table.names[-2:] == ("policy_background_scan", "other")
    r = _one("W", "dispatcher.go:1", 'rejected by webhook "a.b": no', families=str(user))
    assert (r["family"], r["harmless"], r["priority"]) == ("webhook_rejected", False, "low")
    res = parse_lines(
        [_line("E", "x.go:1", "policy p1 background scan failed: boom")], year=2024, families=str(user)
    )
    assert res.records["family"][0] == "policy_background_scan"
    assert "policy=p1" in res.findings["key"][0]
    q = _one("I", "queueset.go:1", "QS(workload-low) at t=1", families=str(user))
    assert q["family"] == "other"
    # the packaged table is parsed once per process: a user file never changes what a later call gets
    packaged = load_families()
    assert "apf" in packaged.names and "policy_background_scan" not in packaged.names
    assert packaged.get("webhook_rejected").verdict == "harmless"


@pytest.mark.parametrize(
    ("sev", "test", "harmless"),
    [
        ("E", "^[EF]$", False),
        ("W", "^[EF]$", True),
        ("I", "^I$", False),
        (None, "^[EF]$", True),  # a header-less line has no severity
    ],
)
def test_severity_condition_names_the_letter(sev, test, harmless):
    # a `severity:` condition is a regex on the klog letter, not on the internal severity code
    fam = {"name": "sev_probe", "any": ["gate probe line"], "verdict": "harmless"}
    fam["actionable_if"] = [{"severity": test}]
    r = _one(sev, "x.go:1", "gate probe line", families={"families": [fam]})
    assert (r["family"], bool(r["harmless"])) == ("sev_probe", harmless)


@pytest.mark.parametrize(
    ("doc", "where"),
    [
        ("families:\n  - {name: x1, any: [a], regex: '(unbalanced'}\n", "families[0].regex"),
        ("families:\n  - {name: x1, any: [a]}\n  - {name: x1, any: [b]}\n", "families[1].name"),
        ("families:\n  - {name: x1, any: [a], colour: red}\n", "families[0].colour"),
        ("families:\n  - {name: x1, any: [a], regex: '(?P<g>a)'}\n", "families[0].regex"),
        ("families:\n  - {name: x1, any: [a], verdict: maybe}\n", "families[0].verdict"),
        ("families:\n  - {name: x1, any: [a], priority: urgent}\n", "families[0].priority"),
        ("families:\n  - {name: x1, any: [a], before: nosuch}\n", "families[0].before"),
        ("disable: [nosuch]\n", "disable[0]"),
    ],
)
def test_invalid_family_files(tmp_path, doc, where):
    p = tmp_path / "bad.yaml"
    p.write_text(doc)
    with pytest.raises(FamilyFileError) as exc:
        load_families(p)
    assert where in str(exc.value) and str(p) in str(exc.value)
    assert exc.value.exit_code == 2


def test_packaged_table_validates():
    table = load_families()
    assert len(table) >= 40 and table.names[-1] == "other"
    assert table.get("tls_handshake_reset").verdict == "probe"
