"""Live audits list ServiceAccounts (their labels feed Calico serviceAccountSelectors and pcsa.<label> selectors),
over real HTTP against the recording API server; an RBAC-limited user gets a warning, not a traceback."""

from __future__ import annotations

from kubeapi_server import kubeapi_fixture

from lokonb.cli import main
from lokonb.kube.audit import audit_metadata_access

kubeapi = kubeapi_fixture()

SA_PATH = "/api/v1/serviceaccounts"
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ci"}}
BUILDER = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "builder", "namespace": "ci",
                                                                        "labels": {"team": "ci"}}}
DENY_CI = {
    "apiVersion": "crd.projectcalico.org/v1",
    "kind": "GlobalNetworkPolicy",
    "metadata": {"name": "deny-ci"},
    "spec": {"order": 1, "selector": "all()", "serviceAccountSelector": "team == 'ci'", "types": ["Egress"],
             "egress": [{"action": "Deny"}]},
}


def _pod(name: str, sa: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "ci"},
        "spec": {"serviceAccountName": sa, "nodeName": "n1", "containers": [{"name": "c", "image": "busybox"}]},
        "status": {"phase": "Running", "podIP": "10.2.0.7"},
    }


def _seed(server) -> None:
    for obj in (NAMESPACE, BUILDER, DENY_CI, _pod("build", "builder"), _pod("web", "default")):
        server.add(obj)


def test_live_audit_lists_service_accounts_and_uses_their_labels(kubeapi, tmp_path):
    _seed(kubeapi)
    result = audit_metadata_access(kubeconfig=kubeapi.write_kubeconfig(tmp_path / "kc"))
    got = {v.pod: v for v in result.verdicts}
    assert got["build"].reachable is False and "denied by GlobalNetworkPolicy deny-ci" in got["build"].reason
    assert got["web"].reachable is True
    lists = kubeapi.requests_matching("GET", SA_PATH)
    assert [(r.path, r.status, r.query.get("limit")) for r in lists] == [(SA_PATH, 200, ["500"])]
    assert not any("serviceaccount" in n.lower() for n in result.notes)


def test_forbidden_service_account_list_is_a_warning(kubeapi, tmp_path):
    _seed(kubeapi)
    kubeapi.forbid("list", "serviceaccounts")
    result = audit_metadata_access(kubeconfig=kubeapi.write_kubeconfig(tmp_path / "kc"))
    assert [r.status for r in kubeapi.requests_matching("GET", SA_PATH)] == [403]
    got = {v.pod: v for v in result.verdicts}
    assert got["build"].reachable is True  # the account's labels are unknown, so the selector matches nothing
    assert any(n.startswith("cannot list serviceaccounts (403 Forbidden)") for n in result.notes)
    assert any("listing ServiceAccounts was refused (403 Forbidden)" in n for n in result.notes)


def test_cli_forbidden_service_accounts_warns_and_exits_0(kubeapi, tmp_path, capsys):
    _seed(kubeapi)
    kubeapi.forbid("list", "serviceaccounts")
    assert main(["metadata", "audit", "--kubeconfig", str(kubeapi.write_kubeconfig(tmp_path / "kc"))]) == 0
    err = capsys.readouterr().err
    assert "warning: cannot list serviceaccounts (403 Forbidden)" in err
    assert "Traceback" not in err


def test_other_list_errors_on_service_accounts_still_fail_clearly(kubeapi, tmp_path, capsys):
    _seed(kubeapi)
    kubeapi.fail_next(500, method="GET", path=f"^{SA_PATH}$")
    assert main(["metadata", "audit", "--kubeconfig", str(kubeapi.write_kubeconfig(tmp_path / "kc"))]) != 0
    err = capsys.readouterr().err
    assert "serviceaccounts" in err and "Traceback" not in err
