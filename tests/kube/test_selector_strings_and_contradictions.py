"""Selector strings as kubectl writes them (`app=x,tier in (a,b)`; `(a,,b)` holds the empty value) and selectors
that can match no pod, which would make an allow policy allow nothing, are refused naming the field."""

from __future__ import annotations

import pytest

from lokonb.kube.errors import PolicyInputError
from lokonb.kube.labels import LabelSelector
from lokonb.kube.metadata import allow_metadata_policy

PARSED = [
    # (items, matchLabels, matchExpressions)
    (["app=x,tier in (a,b),!old"], {"app": "x"},
     [{"key": "tier", "operator": "In", "values": ["a", "b"]}, {"key": "old", "operator": "DoesNotExist"}]),
    (["app in (a,,b)"], None, [{"key": "app", "operator": "In", "values": ["a", "", "b"]}]),
    (["app notin (,a)"], None, [{"key": "app", "operator": "NotIn", "values": ["", "a"]}]),
    (["app in (a, a)"], None, [{"key": "app", "operator": "In", "values": ["a"]}]),
]


@pytest.mark.parametrize("items,labels,exprs", PARSED, ids=[" ".join(p[0]) for p in PARSED])
def test_selector_strings(items, labels, exprs):
    data = LabelSelector.from_strings(items).to_dict()
    assert data.get("matchLabels") == labels and data.get("matchExpressions") == exprs


CONTRADICTIONS = [
    ["app=a", "app!=a"],
    ["app=a", "!app"],
    ["app", "!app"],
    ["app in (a)", "app notin (a,b)"],
    ["app in (a)", "app in (b)"],
    ["app=a,app in (b,c)"],
]


@pytest.mark.parametrize("items", CONTRADICTIONS, ids=[" ".join(c) for c in CONTRADICTIONS])
def test_contradictory_selector_strings_are_refused(items):
    with pytest.raises(PolicyInputError, match="contradict: the selector matches no pod") as exc:
        LabelSelector.from_strings(items, "--allow-selector")
    assert exc.value.field == "--allow-selector"


API_CONTRADICTIONS = [
    {"matchLabels": {"app": "a"}, "matchExpressions": [{"key": "app", "operator": "NotIn", "values": ["a"]}]},
    {"matchExpressions": [{"key": "app", "operator": "Exists"}, {"key": "app", "operator": "DoesNotExist"}]},
    {"matchExpressions": [{"key": "app", "operator": "In", "values": ["a"]},
                          {"key": "app", "operator": "In", "values": ["b"]}]},
]


@pytest.mark.parametrize("selector", API_CONTRADICTIONS, ids=range(len(API_CONTRADICTIONS)))
def test_allow_policy_refuses_a_selector_that_matches_no_pod(selector):
    with pytest.raises(PolicyInputError, match="contradict") as exc:
        allow_metadata_policy("ns", selector)
    assert exc.value.field == "pod_selector"


SATISFIABLE = [["app=a", "app!=b"], ["!app", "app notin (a)"], ["app in (a,b)", "app in (b,c)"], ["app", "tier"]]


@pytest.mark.parametrize("items", SATISFIABLE, ids=[" ".join(s) for s in SATISFIABLE])
def test_satisfiable_selectors_pass(items):
    assert LabelSelector.from_strings(items).contradiction() is None
