"""Allow entries of the metadata_access parameters with a key written and no value (round 6 of the bad-input sweep):
``namespace:`` rendered a policy without a namespace (applied to the kubeconfig's namespace, so the pods it was meant
for stayed blocked) and ``pod_selector:`` became ``{}``, allowing every pod of the namespace to reach the metadata
endpoint. Both are now errors naming the entry and the key; the pre-kernel check (policy_issues) reports them."""

from __future__ import annotations

import pytest

from lokonb.kube.errors import PolicyInputError
from lokonb.kube.workflow import policy_issues, render_policies

BLOCKED = ["169.254.169.254/32"]
SEL = {"matchLabels": {"app": "ebs-csi"}}

REFUSED = [
    ({"namespace": None, "pod_selector": SEL}, "allow[0].namespace", "namespace has no value (null)"),
    ({"namespace": "kube-system", "pod_selector": None}, "allow[0].pod_selector", "pod_selector has no value (null)"),
]


@pytest.mark.parametrize("entry,field,fragment", REFUSED)
def test_null_value_is_named(entry: dict, field: str, fragment: str) -> None:
    with pytest.raises(PolicyInputError) as exc:
        render_policies(BLOCKED, [entry])
    assert exc.value.field == field and fragment in str(exc.value)


@pytest.mark.parametrize("entry,field,fragment", REFUSED)
def test_pre_kernel_check_reports_it(entry: dict, field: str, fragment: str) -> None:
    issues = policy_issues(BLOCKED, [{"namespace": "a", "pod_selector": SEL}, entry])
    assert [f for f, _m in issues] == [field.replace("allow[0]", "allow[1]")]
    assert fragment in issues[0][1]


@pytest.mark.parametrize("entry,selector", [
    ({"namespace": "kube-system", "pod_selector": {}}, {}),  # written as {}: every pod, on purpose
    ({"namespace": "kube-system"}, {}),
    ({"namespace": "kube-system", "pod_selector": SEL}, SEL),
])
def test_written_values_still_render(entry: dict, selector: dict) -> None:
    policy = render_policies(BLOCKED, [entry]).objects[1]
    assert policy["metadata"]["namespace"] == "kube-system" and policy["spec"]["podSelector"] == selector


# an entry written without its "- " is one mapping: it was read key by key and refused as "allow[0]: must be a
# mapping" (which it is); a string was read letter by letter
@pytest.mark.parametrize("allow,fragment", [
    ({"namespace": "kube-system", "pod_selector": SEL}, "must be a list of entries, got one mapping"),
    ("kube-system", "must be a list of entries (mappings with namespace and pod_selector), got a string"),
    (5, "got a number"),
])
def test_allow_that_is_not_a_list_is_named(allow: object, fragment: str) -> None:
    with pytest.raises(PolicyInputError) as exc:
        render_policies(BLOCKED, allow)  # type: ignore[arg-type]
    assert exc.value.field == "allow" and fragment in str(exc.value)
    assert [f for f, _m in policy_issues(BLOCKED, allow)] == ["allow"]  # type: ignore[arg-type]
