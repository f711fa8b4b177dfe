"""The audit and rule-builder API given arguments of the wrong form (round 5 of the bad-input sweep): a misspelt
``node_imds`` key (``http_token: optional``) was ignored, so the audit assumed IMDSv2 required and reported tokens
"blocked by hop limit" that pods can obtain; ``node_imds`` as a list, ``source`` as an int or dict, a bad
``metadata_ip`` and one CIDR string given to ``all_but_metadata_rule`` (read letter by letter) raised bare
AttributeError/TypeError/ValueError. Each is now a PolicyInputError/DumpError naming the field and what it takes."""

from __future__ import annotations

from pathlib import Path

import pytest

from lokonb.kube.audit import audit_inventory, audit_metadata_access
from lokonb.kube.errors import DumpError, PolicyInputError
from lokonb.kube.metadata import all_but_metadata_rule, block_policy_rules
from lokonb.kube.sample import write_sample_dump
from lokonb.kube.sources import load_dump


@pytest.fixture(scope="module")
def dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_sample_dump(tmp_path_factory.mktemp("d") / "dump.yaml")


AUDIT = [
    # (keyword arguments of audit_metadata_access besides the source, error type, fragment)
    ({"node_imds": {"*": {"http_token": "optional", "hop_limit": 2}}}, PolicyInputError,
     "node_imds.*.http_token: unknown key; allowed: http_tokens, hop_limit"),
    ({"node_imds": {"ip-10-0-1-10": {"hop": 2}}}, PolicyInputError, "node_imds.ip-10-0-1-10.hop: unknown key"),
    ({"node_imds": [("*", {"http_tokens": "optional"})]}, PolicyInputError,
     "node_imds: must be a mapping of node name (or \"*\" for every node) to {http_tokens, hop_limit}, got a list"),
]


@pytest.mark.parametrize("kwargs,error,fragment", AUDIT, ids=[f"audit-{i}" for i in range(len(AUDIT))])
def test_audit_arguments(dump: Path, kwargs: dict, error: type, fragment: str) -> None:
    with pytest.raises(error) as exc:
        audit_metadata_access(dump, **kwargs)
    assert fragment in str(exc.value)


@pytest.mark.parametrize("source", [5, {"kind": "List", "items": []}], ids=["int", "dict"])
def test_source_of_the_wrong_kind(source: object) -> None:
    with pytest.raises(DumpError, match=r"audit_metadata_access\(\): source must be an Inventory or a manifest dump "
                                        rf"path \(or a list of paths\), got {type(source).__name__}"):
        audit_metadata_access(source)  # type: ignore[arg-type]


ENDPOINT = [
    ({"metadata_ip": "garbage"}, "metadata_ip: 'garbage' is not an IP address (default 169.254.169.254)"),
    ({"port": "80"}, "port: '80'; must be an integer from 1 to 65535 (default 80)"),
    ({"port": 0}, "port: 0; must be an integer from 1 to 65535"),
]


@pytest.mark.parametrize("kwargs,fragment", ENDPOINT, ids=[next(iter(e[0])) + str(i) for i, e in enumerate(ENDPOINT)])
def test_audit_inventory_endpoint(dump: Path, kwargs: dict, fragment: str) -> None:
    with pytest.raises(PolicyInputError) as exc:
        audit_inventory(load_dump(dump), **kwargs)
    assert fragment in str(exc.value)


def test_correct_imds_keys_still_decide(dump: Path) -> None:
    nodes = {v.node for v in audit_metadata_access(dump).verdicts if v.node}
    optional = audit_metadata_access(dump, node_imds={n: {"http_tokens": "optional", "hop_limit": 1} for n in nodes})
    required = audit_metadata_access(dump, node_imds={n: {"http_tokens": "required", "hop_limit": 1} for n in nodes})
    assert [v.imds_token for v in optional.verdicts] != [v.imds_token for v in required.verdicts]


RULES = [
    (lambda: all_but_metadata_rule("169.254.169.254/32"),
     {"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.169.254/32"]}}]}),
    (lambda: block_policy_rules("169.254.169.254/32"),
     [{"action": "Allow", "destination": {"notNets": ["169.254.169.254/32"]}}]),
]


@pytest.mark.parametrize("call,expected", RULES, ids=["all_but_metadata_rule", "block_policy_rules"])
def test_one_cidr_string_is_one_cidr(call, expected) -> None:  # type: ignore[no-untyped-def]
    assert call() == expected


@pytest.mark.parametrize("call,field", [(lambda: all_but_metadata_rule(["garbage"]), "metadata_cidrs[0]"),
                                        (lambda: block_policy_rules(["169.254.169.254/32", 5]), "blocked_cidrs[1]")])
def test_rule_builders_name_a_bad_entry(call, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(PolicyInputError, match=rf"^{field.replace('[', '.').replace(']', '.')}: .* is not a "
                                               "normalised CIDR"):
        call()
