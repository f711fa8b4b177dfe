"""Apply, live audit and live check against the recording Kubernetes API test server (real HTTP, real
client)."""

from __future__ import annotations

import re

import pytest
from kubeapi_server import KubeApiServer, kubeapi_fixture

from lokonb.cli import main
from lokonb.errors import NotConfirmed
from lokonb.kube.apply import apply_policies, live_check
from lokonb.kube.audit import audit_metadata_access
from lokonb.kube.client import load_api_client
from lokonb.kube.errors import CalicoNotInstalled, KubeApiError, KubeconfigError
from lokonb.kube.metadata import allow_metadata_policy, render_block_policy
from lokonb.kube.sample import sample_dump_path, sample_objects

kubeapi = kubeapi_fixture()
no_calico = kubeapi_fixture(calico=False)

GNP_PATH = "/apis/crd.projectcalico.org/v1/globalnetworkpolicies"
NP_PATH = "/apis/networking.k8s.io/v1/namespaces/kube-system/networkpolicies"


def policies(mode: str = "metadata-only"):
    return [
        render_block_policy(),
        allow_metadata_policy(
            "kube-system", {"matchLabels": {"app": "ebs-csi-controller"}}, mode=mode
        ).policy,
    ]


@pytest.fixture
def api(kubeapi: KubeApiServer, tmp_path):
    return load_api_client(kubeapi.write_kubeconfig(tmp_path / "kubeconfig"))


def test_create_then_unchanged_then_replace(kubeapi, api):
    first = apply_policies(policies(), api_client=api, confirm=True)
    assert [r.action for r in first] == ["created", "created"]
    assert [(r.method, r.path, r.status) for r in kubeapi.writes()] == [
        ("POST", GNP_PATH, 201),
        ("POST", NP_PATH, 201),
    ]
    stored = kubeapi.get(
        "networking.k8s.io/v1", "NetworkPolicy", "allow-metadata-app-ebs-csi-controller", "kube-system"
    )
    assert stored["spec"]["egress"][0]["ports"] == [{"protocol": "TCP", "port": 80}]
    assert stored["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "lokonb"}

    again = apply_policies(policies(), api_client=api, confirm=True)
    assert [r.action for r in again] == ["unchanged", "unchanged"]
    assert len(kubeapi.writes()) == 2  # nothing written the second time

    changed = apply_policies(policies(mode="open"), api_client=api, confirm=True)
    assert [r.action for r in changed] == ["unchanged", "replaced"]
    put = kubeapi.writes()[-1]
    assert put.method == "PUT" and put.path == f"{NP_PATH}/allow-metadata-app-ebs-csi-controller"
    assert put.body["metadata"]["resourceVersion"] == stored["metadata"]["resourceVersion"]
    assert kubeapi.get(
        "networking.k8s.io/v1", "NetworkPolicy", "allow-metadata-app-ebs-csi-controller", "kube-system"
    )["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]


def test_replace_keeps_foreign_labels(kubeapi, api):
    gnp = render_block_policy()
    kubeapi.add(
        {
            **gnp,
            "metadata": {"name": "block-metadata-access", "labels": {"owner": "ops"}},
            "spec": {**gnp["spec"], "order": 5},
        }
    )
    (result,) = apply_policies([gnp], api_client=api, confirm=True)
    assert result.action == "replaced"
    stored = kubeapi.get("crd.projectcalico.org/v1", "GlobalNetworkPolicy", "block-metadata-access")
    assert stored["metadata"]["labels"] == {"owner": "ops", "app.kubernetes.io/managed-by": "lokonb"}
    assert "order" not in stored["spec"]


def test_dry_run_sends_dry_run_all_and_stores_nothing(kubeapi, api):
    results = apply_policies(policies(), api_client=api, dry_run=True)  # no confirm needed for a dry run
    assert [r.action for r in results] == ["would create", "would create"]
    writes = kubeapi.writes()
    assert len(writes) == 2 and all(w.query.get("dryRun") == ["All"] for w in writes)
    assert kubeapi.objects("crd.projectcalico.org/v1", "GlobalNetworkPolicy") == []


def test_not_confirmed_applies_nothing(kubeapi, api):
    with pytest.raises(NotConfirmed, match="confirm"):
        apply_policies(policies(), api_client=api)
    assert kubeapi.requests == []


def test_crd_missing_says_calico_is_not_installed(no_calico, tmp_path):
    api = load_api_client(no_calico.write_kubeconfig(tmp_path / "kc"))
    with pytest.raises(CalicoNotInstalled, match="Calico is not installed") as err:
        apply_policies(policies(), api_client=api, confirm=True)
    assert "GlobalNetworkPolicy block-metadata-access" in str(err.value)
    assert no_calico.writes() == []


@pytest.mark.parametrize(
    ("code", "expected"),
    [(403, "forbidden (403)"), (409, "conflict (409)"), (422, "invalid (422)"), (500, "API error 500")],
)
def test_api_errors_are_translated_and_name_the_object(kubeapi, api, code, expected):
    kubeapi.fail_next(
        code, method="POST", path="/networking.k8s.io/v1/namespaces/kube-system/networkpolicies$"
    )
    with pytest.raises(KubeApiError, match=re.escape(expected)) as err:
        apply_policies(policies(), api_client=api, confirm=True)
    assert "NetworkPolicy kube-system/allow-metadata-app-ebs-csi-controller" in str(err.value)
    assert err.value.status == code


def test_rbac_forbidden_message(kubeapi, api):
    kubeapi.forbid("create", "globalnetworkpolicies")
    with pytest.raises(
        KubeApiError, match=r"cannot apply GlobalNetworkPolicy block-metadata-access: forbidden"
    ):
        apply_policies(policies(), api_client=api, confirm=True)


def test_real_422_from_server_validation(kubeapi, api):
    bad = allow_metadata_policy("kube-system", {"matchLabels": {"a": "b"}}).policy
    bad["spec"]["egress"][0]["ports"][0]["protocol"] = "ICMP"
    with pytest.raises(KubeApiError, match=r"invalid \(422\): spec.egress\[0\].ports\[0\].protocol"):
        apply_policies([bad], api_client=api, confirm=True)


def test_live_audit_matches_dump_audit(kubeapi, tmp_path):
    for obj in sample_objects():
        if kubeapi.get("v1", "Namespace", obj["metadata"]["name"]) is None or obj["kind"] != "Namespace":
            kubeapi.add(obj)
    kubeconfig = kubeapi.write_kubeconfig(tmp_path / "kc", context="prod", extra_contexts=["other"])
    live = audit_metadata_access(kubeconfig=kubeconfig, context="prod")
    dump = audit_metadata_access(sample_dump_path())
    assert [(v.pod, v.reachable, v.reason) for v in live.ordered()] == [
        (v.pod, v.reachable, v.reason) for v in dump.ordered()
    ]
    listed = {r.path for r in kubeapi.requests_matching("GET")}
    assert {"/api/v1/pods", "/apis/networking.k8s.io/v1/networkpolicies", GNP_PATH} <= listed


def test_live_audit_without_calico(no_calico, tmp_path):
    no_calico.add(sample_objects()[5 + 3])  # a pod
    live = audit_metadata_access(kubeconfig=no_calico.write_kubeconfig(tmp_path / "kc"))
    assert all(v.reachable for v in live.verdicts)
    assert any("Calico is not installed" in n for n in live.notes)


def test_kubeconfig_errors(kubeapi, tmp_path):
    with pytest.raises(KubeconfigError, match="not found"):
        load_api_client(tmp_path / "missing")
    path = kubeapi.write_kubeconfig(tmp_path / "kc", context="a", extra_contexts=["b"])
    with pytest.raises(KubeconfigError, match=r"context 'c' not found; available contexts: a, b"):
        load_api_client(path, "c")
    (tmp_path / "broken").write_text("clusters: [\n")
    with pytest.raises(KubeconfigError, match="not valid YAML"):
        load_api_client(tmp_path / "broken")


def test_live_check_reports_and_always_cleans_up(kubeapi, api):
    with pytest.raises(NotConfirmed):
        live_check(api, confirm=False)
    kubeapi.pod_outcomes["imds-check"] = ("Succeeded", "IMDS-BLOCKED\n")
    result = live_check(api, confirm=True, poll_s=0.01)
    assert result.connected is False and result.cleaned_up
    assert kubeapi.get("v1", "Namespace", result.namespace) is None
    deletes = kubeapi.requests_matching("DELETE", f"/api/v1/namespaces/{result.namespace}")
    assert len(deletes) == 1
    created = kubeapi.requests_matching("POST", f"/api/v1/namespaces/{result.namespace}/pods")[0].body
    assert created["spec"]["restartPolicy"] == "Never"
    assert "wget -q -T 5" in created["spec"]["containers"][0]["command"][2]


def test_live_check_cleans_up_on_failure(kubeapi, api):
    kubeapi.fail_next(403, method="POST", path="/pods$")
    with pytest.raises(KubeApiError, match="forbidden"):
        live_check(api, confirm=True, poll_s=0.01)
    ns_created = kubeapi.requests_matching("POST", "/api/v1/namespaces")[0].body["metadata"]["name"]
    assert kubeapi.get("v1", "Namespace", ns_created) is None


def test_live_check_timeout_still_cleans_up(kubeapi, api):
    result = live_check(api, confirm=True, timeout_s=0.05, poll_s=0.01)  # the pod stays Pending
    assert result.connected is None and "did not finish" in result.detail and result.cleaned_up


def test_cli_apply_dry_run_then_confirm(kubeapi, tmp_path, capsys):
    kc = str(kubeapi.write_kubeconfig(tmp_path / "kc"))
    args = [
        "metadata",
        "apply",
        "--kubeconfig",
        kc,
        "--allow-namespace",
        "kube-system",
        "--allow-selector",
        "app=ebs-csi-controller",
        "--include",
        "dns",
        "--include",
        "all-but-metadata",
    ]
    assert main([*args]) == 2
    assert "--confirm" in capsys.readouterr().err and kubeapi.writes() == []
    assert main([*args, "--dry-run"]) == 0
    assert "would create (server-side dry run)" in capsys.readouterr().out
    assert main([*args, "--confirm"]) == 0
    out = capsys.readouterr().out
    assert "GlobalNetworkPolicy block-metadata-access: created" in out
    assert main([*args, "--confirm"]) == 0
    assert capsys.readouterr().out.count("unchanged") == 2


def test_cli_apply_bad_input_never_connects(kubeapi, tmp_path, capsys):
    kc = str(kubeapi.write_kubeconfig(tmp_path / "kc"))
    code = main(["metadata", "apply", "--kubeconfig", kc, "--blocked-cidr", "nope", "--confirm"])
    assert code == 2 and "blocked_cidrs[0]" in capsys.readouterr().err
    code = main(["metadata", "apply", "--kubeconfig", kc, "--allow-selector", "a=b", "--confirm"])
    assert code == 2 and "--allow-namespace: required" in capsys.readouterr().err
    code = main(
        [
            "metadata",
            "apply",
            "--kubeconfig",
            kc,
            "--allow-namespace",
            "x",
            "--allow-selector",
            "a=b",
            "--mode",
            "open",
            "--include",
            "dns",
            "--confirm",
        ]
    )
    assert code == 2 and "include" in capsys.readouterr().err
    assert kubeapi.requests == []


def test_live_audit_pages_through_large_lists(kubeapi, tmp_path, monkeypatch):
    import lokonb.kube.sources as sources

    monkeypatch.setattr(sources, "LIST_CHUNK", 2)
    pods = [o for o in sample_objects() if o["kind"] == "Pod"]
    for obj in pods:
        kubeapi.add(obj)
    kubeapi.add(render_block_policy())
    kubeapi.add({**render_block_policy(), "metadata": {"name": "second"}})
    kubeapi.add({**render_block_policy(), "metadata": {"name": "third"}})
    live = audit_metadata_access(kubeconfig=kubeapi.write_kubeconfig(tmp_path / "kc"))
    assert len(live.verdicts) == len(pods)
    pod_lists = kubeapi.requests_matching("GET", "/api/v1/pods")
    assert len(pod_lists) == (len(pods) + 1) // 2 and pod_lists[1].query["continue"] == ["2"]
    assert len(kubeapi.requests_matching("GET", GNP_PATH)) == 2


def test_cli_audit_live_json(kubeapi, tmp_path, capsys):
    import json

    for obj in sample_objects():
        if obj["kind"] != "Namespace":
            kubeapi.add(obj)
    kc = str(kubeapi.write_kubeconfig(tmp_path / "kc", context="prod"))
    assert main(["metadata", "audit", "--kubeconfig", kc, "--context", "prod", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    dump = {v.pod: v.reachable for v in audit_metadata_access(sample_dump_path()).verdicts}
    assert {r["pod"]: r["reachable"] for r in rows} == dump
    assert main(["metadata", "audit", "--kubeconfig", kc, "--context", "nope"]) == 2
    assert "context 'nope' not found; available contexts: prod" in capsys.readouterr().err
