"""Live audits list AdminNetworkPolicies and the BaselineAdminNetworkPolicy (policy.networking.k8s.io/v1alpha1)
over real HTTP against the recording API server: absent CRDs are silent, a 403 is a warning."""

from __future__ import annotations

import yaml
from kubeapi_server import ADMIN_POLICY_CRDS, kubeapi_fixture

from lokonb.cli import main
from lokonb.kube.audit import audit_metadata_access
from lokonb.kube.metadata import render_block_policy

kubeapi = kubeapi_fixture()

ANP_PATH = "/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies"
BANP_PATH = "/apis/policy.networking.k8s.io/v1alpha1/baselineadminnetworkpolicies"
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "aws", "labels": {"team": "aws"}}}
ALLOW_IMDS = {
    "apiVersion": "policy.networking.k8s.io/v1alpha1",
    "kind": "AdminNetworkPolicy",
    "metadata": {"name": "imds-for-csi"},
    "spec": {
        "priority": 10,
        "subject": {"pods": {"namespaceSelector": {"matchLabels": {"team": "aws"}},
                             "podSelector": {"matchLabels": {"app": "csi"}}}},
        "egress": [{"name": "imds", "action": "Allow", "to": [{"networks": ["169.254.169.254/32"]}],
                    "ports": [{"portNumber": {"protocol": "TCP", "port": 80}}]}],
    },
}


def _pod(name: str, app: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "aws", "labels": {"app": app}},
        "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": "Running", "podIP": "10.2.0.7"},
    }


OBJECTS = [NAMESPACE, render_block_policy(), _pod("csi-0", "csi"), _pod("web-0", "web")]


def _seed(server, *, anp: bool = True) -> None:
    for obj in OBJECTS:
        server.add(obj)
    if anp:
        for crd in ADMIN_POLICY_CRDS:
            server.install_crd(crd)
        server.add(ALLOW_IMDS)


def test_live_audit_evaluates_admin_policies_like_the_dump(kubeapi, tmp_path):
    _seed(kubeapi)
    live = audit_metadata_access(kubeconfig=kubeapi.write_kubeconfig(tmp_path / "kc"))
    got = {v.pod: v for v in live.verdicts}
    assert got["csi-0"].reachable is True and "allowed by AdminNetworkPolicy imds-for-csi" in got["csi-0"].reason
    assert got["web-0"].reachable is False
    assert [(r.path, r.status) for r in kubeapi.requests_matching("GET", "/apis/policy.networking.k8s.io/")] == [
        (ANP_PATH, 200),
        (BANP_PATH, 200),
    ]
    dump = tmp_path / "dump.yaml"
    dump.write_text(yaml.safe_dump_all([*OBJECTS, ALLOW_IMDS]))
    offline = audit_metadata_access(dump)
    assert [(v.pod, v.reachable, v.reason) for v in live.ordered()] == [
        (v.pod, v.reachable, v.reason) for v in offline.ordered()
    ]


def test_missing_admin_policy_crds_are_silent(kubeapi, tmp_path):
    _seed(kubeapi, anp=False)
    live = audit_metadata_access(kubeconfig=kubeapi.write_kubeconfig(tmp_path / "kc"))
    assert [r.status for r in kubeapi.requests_matching("GET", "/apis/policy.networking.k8s.io/")] == [404, 404]
    assert not any("dminNetworkPolic" in n for n in live.notes)
    assert {v.pod: v.reachable for v in live.verdicts} == {"csi-0": False, "web-0": False}


def test_forbidden_admin_policies_warn_and_exit_0(kubeapi, tmp_path, capsys):
    _seed(kubeapi)
    kubeapi.forbid("list", "adminnetworkpolicies")
    assert main(["metadata", "audit", "--kubeconfig", str(kubeapi.write_kubeconfig(tmp_path / "kc"))]) == 0
    err = capsys.readouterr().err
    assert "warning: cannot list adminnetworkpolicies (403 Forbidden): they are not evaluated" in err
    assert "Traceback" not in err
