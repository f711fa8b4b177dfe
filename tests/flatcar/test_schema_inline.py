"""The schema validator runs on the packaged schemas with their local ``$ref``s inlined (for speed): it must
report exactly what the schema as shipped reports (messages, JSON paths, order)."""

from __future__ import annotations

import json

import jsonschema
import pytest

from lokonb.flatcar.validate import SPECS, _inline_refs, _validator, load_schema

BROKEN = [
    {},
    {"ignition": {"version": 3}},
    {"ignition": {"version": "{v}", "config": {"merge": [{"source": 1, "verification": {"hash": []}}]}}},
    {"ignition": {"version": "{v}"}, "storage": {"files": [{"path": 5, "mode": "0644", "contents": {"source": {}}}]}},
    {"ignition": {"version": "{v}"}, "storage": {"files": [{"contents": {"compression": 1}}, "x"], "links": {}}},
    {"ignition": {"version": "{v}"}, "storage": {"directories": [{"user": {"id": "0"}, "group": {"name": 1}}]}},
    {"ignition": {"version": "{v}"}, "systemd": {"units": [{"name": 1, "enabled": "yes", "dropins": [{}]}]}},
    {"ignition": {"version": "{v}"}, "passwd": {"users": [{"sshAuthorizedKeys": "k", "uid": "1"}], "groups": [{}]}},
    {"ignition": {"version": "{v}"}, "storage": {"disks": [{"partitions": [{"number": "1"}]}], "raid": [{}]}},
    {"ignition": {"version": "{v}"}, "storage": {"filesystems": [{"mount": {"device": 1}, "name": 2}]}},
    {"ignition": {"version": "{v}"}, "networkd": {"units": [{"name": None}]}},
]


def _errors(validator: jsonschema.Draft4Validator, config: object) -> list[tuple[str, list[object]]]:
    return [(e.message, list(e.absolute_path)) for e in validator.iter_errors(config)]


@pytest.mark.parametrize("spec", SPECS)
def test_inlined_schema_reports_what_the_shipped_schema_reports(spec: str) -> None:
    assert "$ref" not in json.dumps(_validator(spec).schema)
    shipped = jsonschema.Draft4Validator(load_schema(spec))
    for case in BROKEN:
        config = json.loads(json.dumps(case).replace("{v}", spec))
        expected = _errors(shipped, config)
        assert _errors(_validator(spec), config) == expected
    assert any(_errors(shipped, json.loads(json.dumps(c).replace("{v}", spec))) for c in BROKEN[2:])


def test_recursive_or_foreign_refs_are_not_inlined() -> None:
    with pytest.raises(ValueError):
        _inline_refs({"definitions": {"a": {"items": {"$ref": "#/definitions/a"}}}, "$ref": "#/definitions/a"})
    with pytest.raises(ValueError):
        _inline_refs({"properties": {"x": {"$ref": "other.json#/a"}}})
