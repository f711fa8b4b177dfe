"""The recording Kubernetes API test server, exercised through the official client."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import kubernetes
import pytest
from kubeapi_server import KubeApiServer, kubeapi_fixture
from kubernetes.client.rest import ApiException

kubeapi = kubeapi_fixture()
no_calico = kubeapi_fixture(calico=False)


def _client(server: KubeApiServer, tmp_path) -> kubernetes.client.ApiClient:
    path = server.write_kubeconfig(tmp_path / "kubeconfig")
    return kubernetes.config.new_client_from_config(config_file=str(path))


NP = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "allow", "namespace": "default"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "a"}},
        "policyTypes": ["Egress"],
        "egress": [{"to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}]}],
    },
}


def test_crud_and_resource_versions(kubeapi, tmp_path):
    net = kubernetes.client.NetworkingV1Api(_client(kubeapi, tmp_path))
    created = net.create_namespaced_network_policy("default", NP)
    assert created.metadata.resource_version and created.metadata.uid
    assert kubeapi.requests[-1].status == 201
    with pytest.raises(ApiException) as err:
        net.create_namespaced_network_policy("default", NP)
    assert err.value.status == 409 and '"allow" already exists' in json.loads(err.value.body)["message"]
    same = net.replace_namespaced_network_policy("allow", "default", NP)
    assert same.metadata.resource_version == created.metadata.resource_version  # no-op update
    changed = dict(NP, spec=dict(NP["spec"], podSelector={}))
    replaced = net.replace_namespaced_network_policy("allow", "default", changed)
    assert replaced.metadata.resource_version != created.metadata.resource_version
    assert replaced.metadata.generation == 2
    stale = dict(changed, metadata=dict(NP["metadata"], resourceVersion=created.metadata.resource_version))
    with pytest.raises(ApiException) as err:
        net.replace_namespaced_network_policy("allow", "default", stale)
    assert err.value.status == 409 and "has been modified" in json.loads(err.value.body)["message"]
    net.delete_namespaced_network_policy("allow", "default")
    with pytest.raises(ApiException) as err:
        net.read_namespaced_network_policy("allow", "default")
    assert err.value.status == 404


def test_dry_run_stores_nothing(kubeapi, tmp_path):
    net = kubernetes.client.NetworkingV1Api(_client(kubeapi, tmp_path))
    net.create_namespaced_network_policy("default", NP, dry_run="All")
    assert kubeapi.requests[-1].query["dryRun"] == ["All"]
    assert kubeapi.get("networking.k8s.io/v1", "NetworkPolicy", "allow", "default") is None
    with pytest.raises(ApiException) as err:
        net.create_namespaced_network_policy("default", NP, dry_run="Some")
    assert err.value.status == 400


def test_validation_namespace_and_auth(kubeapi, tmp_path):
    net = kubernetes.client.NetworkingV1Api(_client(kubeapi, tmp_path))
    bad = dict(NP, spec=dict(NP["spec"], egress=[{"to": [{"ipBlock": {"cidr": "169.254.169.254/99"}}]}]))
    with pytest.raises(ApiException) as err:
        net.create_namespaced_network_policy("default", bad)
    assert err.value.status == 422 and "cidr" in json.loads(err.value.body)["message"]
    with pytest.raises(ApiException) as err:
        net.create_namespaced_network_policy("nope", dict(NP, metadata={"name": "x"}))
    assert err.value.status == 404 and 'namespaces "nope" not found' in json.loads(err.value.body)["message"]
    kubeapi.token = "another"  # noqa: S105 - a fake test token
    with pytest.raises(ApiException) as err:
        net.list_network_policy_for_all_namespaces()
    assert err.value.status == 401


def test_custom_objects_follow_crd_presence(no_calico, tmp_path):
    custom = kubernetes.client.CustomObjectsApi(_client(no_calico, tmp_path))
    with pytest.raises(ApiException) as err:
        custom.list_cluster_custom_object("crd.projectcalico.org", "v1", "globalnetworkpolicies")
    assert err.value.status == 404 and json.loads(err.value.body)["kind"] == "Status"
    no_calico.install_crd("globalnetworkpolicies.crd.projectcalico.org")
    gnp = {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "g"},
        "spec": {"selector": "all()"},
    }
    custom.create_cluster_custom_object("crd.projectcalico.org", "v1", "globalnetworkpolicies", gnp)
    listed = custom.list_cluster_custom_object("crd.projectcalico.org", "v1", "globalnetworkpolicies")
    assert [i["metadata"]["name"] for i in listed["items"]] == ["g"]
    assert listed["items"][0]["kind"] == "GlobalNetworkPolicy"


def test_list_label_selector_and_forbidden(kubeapi, tmp_path):
    for name, labels in (("a", {"app": "x", "tier": "web"}), ("b", {"app": "y"}), ("c", {})):
        kubeapi.add(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {"name": name, "namespace": "default", "labels": labels},
                "spec": {"containers": [{"name": "c", "image": "i"}]},
            }
        )
    core = kubernetes.client.CoreV1Api(_client(kubeapi, tmp_path))
    names = lambda sel: [p.metadata.name for p in core.list_pod_for_all_namespaces(label_selector=sel).items]  # noqa: E731
    assert names("app=x") == ["a"]
    assert names("app in (x,y),tier!=web") == ["b"]
    assert names("!app") == ["c"]
    assert names("app") == ["a", "b"]
    kubeapi.forbid("list", "pods")
    with pytest.raises(ApiException) as err:
        core.list_pod_for_all_namespaces()
    assert err.value.status == 403 and "cannot list resource" in json.loads(err.value.body)["message"]


def test_pod_log_options(kubeapi, tmp_path):
    kubeapi.add(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "p", "namespace": "kube-system"},
            "spec": {"containers": [{"name": "a", "image": "i"}, {"name": "b", "image": "i"}]},
        }
    )
    base = datetime(2026, 1, 1, tzinfo=UTC)
    kubeapi.set_pod_log(
        "kube-system", "p", [(base + timedelta(minutes=i), f"line {i}") for i in range(5)], container="a"
    )
    kubeapi.set_pod_log("kube-system", "p", "old\n", container="a", previous=True)
    core = kubernetes.client.CoreV1Api(_client(kubeapi, tmp_path))
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log("p", "kube-system")
    assert err.value.status == 400 and "choose one of: [a b]" in json.loads(err.value.body)["message"]
    # client 37 has no since_time argument: build the request with the client's own serializer
    api = core.api_client
    method, url, headers, _, _ = api.param_serialize(
        "GET",
        "/api/v1/namespaces/{namespace}/pods/{name}/log",
        path_params={"namespace": "kube-system", "name": "p"},
        query_params=[("container", "a"), ("sinceTime", "2026-01-01T00:03:00Z")],
        auth_settings=["BearerToken"],
    )
    response = api.call_api(method, url, headers)
    response.read()
    text = response.data.decode()
    assert text == "line 3\nline 4\n"
    stamped = core.read_namespaced_pod_log("p", "kube-system", container="a", timestamps=True, tail_lines=1)
    assert stamped == "2026-01-01T00:04:00.000000000Z line 4\n"
    assert core.read_namespaced_pod_log("p", "kube-system", container="a", previous=True) == "old\n"
    with pytest.raises(ApiException) as err:
        core.read_namespaced_pod_log("p", "kube-system", container="b", previous=True)
    assert err.value.status == 400
    kubeapi.now = base + timedelta(minutes=4, seconds=30)
    assert core.read_namespaced_pod_log("p", "kube-system", container="a", since_seconds=60) == "line 4\n"
    req = kubeapi.requests_matching("GET", "/api/v1/namespaces/kube-system/pods/p/log")[-1]
    assert req.query["sinceSeconds"] == ["60"] and req.authorized


def test_fail_next_and_namespace_delete(kubeapi, tmp_path):
    core = kubernetes.client.CoreV1Api(_client(kubeapi, tmp_path))
    core.create_namespace({"metadata": {"name": "tmp"}})
    core.create_namespaced_pod(
        "tmp", {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
    )
    kubeapi.fail_next(500, method="GET", path="/pods$")
    with pytest.raises(ApiException) as err:
        core.list_namespaced_pod("tmp")
    assert err.value.status == 500
    assert [p.metadata.name for p in core.list_namespaced_pod("tmp").items] == ["p"]
    core.delete_namespace("tmp")
    assert kubeapi.objects("v1", "Pod", "tmp") == []
