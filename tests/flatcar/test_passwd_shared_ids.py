"""Two users with one uid, or two groups with one gid (e.g. from two snippets) pass the schema and ignition-validate,
but useradd/groupadd refuse an id in use and Ignition then fails the node's boot (round 4 of the bad-input sweep):
a semantic warning names the entry and the owner of the id."""

from __future__ import annotations

import pytest

from lokonb.flatcar import validate_config

CASES = [
    # (passwd, spec, expected (path, message start) findings)
    ({"groups": [{"name": "ops", "gid": 3000}, {"name": "ops2", "gid": 3000}]}, "3.3.0",
     [("$.passwd.groups.1.gid", "gid 3000 of 'ops2' is also 'ops''s: groupadd refuses")]),
    ({"users": [{"name": "a", "uid": 2000}, {"name": "b", "uid": 2001}, {"name": "c", "uid": 2000}]}, "3.4.0",
     [("$.passwd.users.2.uid", "uid 2000 of 'c' is also 'a''s: useradd refuses")]),
    ({"users": [{"name": "a", "uid": 2000}, {"name": "b", "uid": 2000}]}, "2.3.0",
     [("$.passwd.users.1.uid", "uid 2000 of 'b' is also 'a''s")]),
    # distinct ids, ids left to the system, and a uid equal to a gid are fine
    ({"users": [{"name": "a", "uid": 2000}, {"name": "b"}, {"name": "c"}],
      "groups": [{"name": "g", "gid": 2000}]}, "3.3.0", []),
]


@pytest.mark.parametrize("passwd,spec,expected", CASES)
def test_shared_ids_warn(passwd, spec, expected):
    findings = [f for f in validate_config({"ignition": {"version": spec}, "passwd": passwd}, spec=spec)
                if f.validator == "semantic"]
    assert [(f.path, f.severity) for f in findings] == [(p, "warning") for p, _ in expected]
    assert all(f.message.startswith(m) for f, (_, m) in zip(findings, expected, strict=True))
