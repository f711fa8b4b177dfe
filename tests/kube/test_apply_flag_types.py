"""apply_policies() flags of the wrong kind (round 4 of the bad-input sweep): ``confirm="no"`` is a true string and
wrote the policies to the cluster. Refused before any kubeconfig is read; one rendered object (a dict) is accepted
as a list of one."""

from __future__ import annotations

import pytest

from lokonb.errors import NotConfirmed
from lokonb.kube.apply import apply_policies
from lokonb.kube.errors import KubeconfigError, PolicyInputError
from lokonb.kube.metadata import render_block_policy

MISSING = "/nonexistent/kubeconfig"


@pytest.mark.parametrize("kwargs,message", [
    ({"confirm": "no"}, "confirm: must be True or False, got 'no'"),
    ({"confirm": 1}, "confirm: must be True or False, got 1"),
    ({"confirm": None}, "confirm: must be True or False, got None"),
    ({"dry_run": "false", "confirm": True}, "dry_run: must be True or False, got 'false'"),
])
def test_flags_must_be_bools(kwargs, message):
    with pytest.raises(PolicyInputError) as exc:
        apply_policies([render_block_policy()], kubeconfig=MISSING, **kwargs)
    assert str(exc.value) == message


@pytest.mark.parametrize("objects", [[render_block_policy()], render_block_policy()], ids=["list", "one dict"])
def test_real_bools_and_one_object_reach_the_kubeconfig(objects):
    with pytest.raises(NotConfirmed):
        apply_policies(objects, kubeconfig=MISSING, confirm=False)
    with pytest.raises(KubeconfigError):  # past the checks: the (missing) kubeconfig is what stops it
        apply_policies(objects, kubeconfig=MISSING, confirm=True)
