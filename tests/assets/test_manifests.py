"""Manifests: Kubernetes API schema validation (kubernetes-validate, strict), deserialisation into the
kubernetes
client models (round trip, so no field is silently dropped), custom objects against our CRD schemas, and the
model -> manifest rules as tables."""

from __future__ import annotations

import copy
import json
import re

import jsonschema
import kubernetes_validate
import pytest
import yaml
from kubernetes import client as k8s

from lokonb.assets import load_or_generate, versions
from lokonb.assets.check import SERVED_APIS
from lokonb.assets.errors import AssetModelError
from lokonb.assets.manifests import calico
from lokonb.assets.network import cluster_dns_ip

from .conftest import make_config

VARIANTS = {
    "oidc-aggregation": {"oidc": {}},
    "minimal": {
        "controller_count": 1,
        "enable_aggregation": False,
        "enable_tls_bootstrap": False,
        "ignore_x509_cn_check": True,
        "enable_reporting": True,
    },
    "wireguard-jumbo": {
        "encrypt_pod_traffic": True,
        "network_mtu": 9001,
        "conntrack_max_per_core": 0,
        "service_cidr": "172.20.0.0/24",
        "pod_cidr": "192.168.0.0/17",
        "cluster_domain_suffix": "k8s.internal",
    },
}


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def variant(request, tmp_path_factory):
    base = tmp_path_factory.mktemp(request.param)
    assets = load_or_generate(make_config(base, **VARIANTS[request.param]), base)
    return request.param, assets


def _docs(assets):
    out = []
    for path, text in assets.manifests().items():
        for doc in yaml.safe_load_all(text):
            assert isinstance(doc, dict), path
            out.append((path, doc))
    return out


def _crd_schemas(assets):
    schemas = {}
    for _, doc in _docs(assets):
        if doc["kind"] == "CustomResourceDefinition":
            spec = doc["spec"]
            schemas[(f"{spec['group']}/{spec['versions'][0]['name']}", spec["names"]["kind"])] = spec[
                "versions"
            ][0]["schema"]["openAPIV3Schema"]
    return schemas


def test_every_manifest_validates_against_the_api_schema(variant):
    _, assets = variant
    crds = _crd_schemas(assets)
    seen = 0
    for path, doc in _docs(assets):
        key = (doc["apiVersion"], doc["kind"])
        if key in crds:  # a Calico custom object: its own CRD's schema is the API schema
            jsonschema.validate(doc, crds[key])
            continue
        used = kubernetes_validate.validate(
            copy.deepcopy(doc), versions.SCHEMA_VALIDATION_VERSION, strict=True
        )
        assert used == versions.SCHEMA_VALIDATION_VERSION.rsplit(".", 1)[0], (path, used)
        seen += 1
    assert seen > 30


@pytest.fixture(scope="module")
def v121():
    """Strict Kubernetes v1.21.0 schemas (vendored from kubernetes-validate 1.28.3; see data/)."""
    import gzip
    from pathlib import Path

    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    bundle = json.loads(
        gzip.decompress((Path(__file__).parent / "data/k8s-schemas-v1.21.0-strict.json.gz").read_bytes())
    )
    registry = Registry().with_resource(
        "_definitions.json", Resource.from_contents(bundle["definitions"], default_specification=DRAFT4)
    )

    def validate(doc):
        group = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", doc["apiVersion"])
        name = f"{doc['kind'].lower()}-{group}"
        assert name in bundle["kinds"], f"{name}: add it to data/extract_k8s_schemas.py KINDS and re-extract"
        jsonschema.Draft4Validator(bundle["kinds"][name], registry=registry).validate(doc)

    return validate


def test_every_manifest_validates_against_the_pinned_v1_21_schema(variant, v121):
    assert versions.KUBERNETES_VERSION.startswith("v1.21.")
    _, assets = variant
    crds = _crd_schemas(assets)
    checked = 0
    for _path, doc in _docs(assets):
        if (doc["apiVersion"], doc["kind"]) not in crds:
            v121(json.loads(json.dumps(doc)))
            checked += 1
    assert checked > 30


def test_v1_21_schema_rejects_mistakes(generated, v121):
    dep = next(
        d
        for d in yaml.safe_load_all(generated.manifests()["manifests/coredns.yaml"])
        if d["kind"] == "Deployment"
    )
    v121(copy.deepcopy(dep))
    bad = copy.deepcopy(dep)
    bad["spec"]["template"]["spec"]["containerz"] = []
    with pytest.raises(jsonschema.ValidationError):
        v121(bad)
    bad = copy.deepcopy(dep)
    bad["spec"]["replicas"] = "two"
    with pytest.raises(jsonschema.ValidationError):
        v121(bad)


def test_invalid_manifest_is_rejected_by_the_validator(generated):
    """The validator used above does reject mistakes (guards against a vacuous pass)."""
    doc = yaml.safe_load_all(generated.manifests()["manifests/coredns.yaml"])
    deployment = next(d for d in doc if d["kind"] == "Deployment")
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] = 7
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, versions.SCHEMA_VALIDATION_VERSION, strict=True)
    deployment["spec"]["template"]["spec"]["containers"][0].pop("imagePullPolicy")
    deployment["spec"]["template"]["spec"]["containerz"] = []
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, versions.SCHEMA_VALIDATION_VERSION, strict=True)


def test_every_builtin_object_round_trips_through_the_client_models(variant):
    _, assets = variant
    api = k8s.ApiClient()
    api.configuration.client_side_validation = True
    crds = _crd_schemas(assets)
    for path, doc in _docs(assets):
        if (doc["apiVersion"], doc["kind"]) in crds:
            continue
        model = api.deserialize(json.dumps(doc), f"V1{doc['kind']}", "application/json")
        assert type(model).__name__ == f"V1{doc['kind']}"
        back = api.sanitize_for_serialization(model)
        assert back == json.loads(json.dumps(doc)), (
            f"{path} {doc['kind']}/{doc['metadata']['name']} lost fields"
        )


def test_api_versions_are_served_by_the_pinned_kubernetes(variant):
    _, assets = variant
    minor = int(versions.KUBERNETES_VERSION.split(".")[1])
    crds = _crd_schemas(assets)
    for path, doc in _docs(assets):
        key = (doc["apiVersion"], doc["kind"])
        if key in crds:
            continue
        assert key in SERVED_APIS, f"{path}: {key} not in the served-API table"
        assert int(SERVED_APIS[key].split(".")[1]) <= minor, f"{key} needs {SERVED_APIS[key]}"


def test_manifests_are_deterministic(tmp_path):
    cfg = make_config(tmp_path, controller_count=1)
    a = load_or_generate(cfg, tmp_path).manifests()
    b = load_or_generate(cfg, tmp_path).manifests()
    assert a == b


# ---- model -> manifest rules -----------------------------------------------------------------------------


def _objects(assets, path):
    return list(yaml.safe_load_all(assets.manifests()[path]))


def _apiserver_command(assets):
    ds = next(d for d in _objects(assets, "manifests/kube-apiserver.yaml") if d["kind"] == "DaemonSet")
    cmd = ds["spec"]["template"]["spec"]["containers"][0]["command"]
    boot = _objects(assets, "bootstrap-manifests/bootstrap-apiserver.yaml")[0]
    assert boot["spec"]["containers"][0]["command"] == cmd
    return dict(f.split("=", 1) for f in cmd[1:])


def test_apiserver_flags_follow_the_model(variant):
    name, assets = variant
    c = assets.config
    flags = _apiserver_command(assets)
    assert flags["--etcd-servers"] == ",".join(
        f"https://demo-etcd{i}.example.com:2379" for i in range(c.controller_count)
    )
    assert flags["--service-cluster-ip-range"] == c.service_cidr
    assert flags["--enable-bootstrap-token-auth"] == "true"
    assert flags["--authorization-mode"] == "Node,RBAC"
    oidc = {k: v for k, v in flags.items() if k.startswith("--oidc-")}
    if name == "oidc-aggregation":
        assert oidc == {
            "--oidc-issuer-url": "https://dex.demo.example.com",
            "--oidc-client-id": "clusterauth",
            "--oidc-username-claim": "email",
            "--oidc-groups-claim": "groups",
        }
    else:
        assert oidc == {}
    agg = {k for k in flags if k.startswith(("--requestheader-", "--proxy-client-"))}
    assert bool(agg) == bool(c.enable_aggregation)
    secret = next(d for d in _objects(assets, "manifests/kube-apiserver.yaml") if d["kind"] == "Secret")
    for flag, value in flags.items():  # every file a flag names is in the Secret
        if value.startswith("/etc/kubernetes/secrets/"):
            assert value.rsplit("/", 1)[1] in secret["data"], flag


@pytest.mark.parametrize(
    ("cidr", "ip"),
    [
        ("10.3.0.0/16", "10.3.0.10"),
        ("172.20.0.0/24", "172.20.0.10"),
        ("10.96.0.0/12", "10.96.0.10"),
        ("192.168.7.0/28", "192.168.7.10"),
        ("10.3.0.5/16", "10.3.0.10"),
    ],
)
def test_cluster_dns_ip_is_the_tenth_address(cidr, ip):
    assert cluster_dns_ip(cidr) == ip


@pytest.mark.parametrize("cidr", ["10.3.0.0/29", "10.3.0.0/32", "nonsense"])
def test_too_small_or_invalid_service_cidr_is_a_model_error(cidr):
    with pytest.raises(AssetModelError, match="service_cidr"):
        cluster_dns_ip(cidr)


def test_coredns_service_and_domain(variant):
    _, assets = variant
    c = assets.config
    svc = next(d for d in _objects(assets, "manifests/coredns.yaml") if d["kind"] == "Service")
    assert svc["spec"]["clusterIP"] == cluster_dns_ip(c.service_cidr)
    cm = next(d for d in _objects(assets, "manifests/coredns.yaml") if d["kind"] == "ConfigMap")
    assert f"kubernetes {c.cluster_domain_suffix} in-addr.arpa" in cm["data"]["Corefile"]


@pytest.mark.parametrize(
    ("mtu", "wireguard", "expected"),
    [
        (1500, False, {"ipip": 1480, "veth": 1480}),
        (9001, False, {"ipip": 8981, "veth": 8981}),
        (1500, True, {"ipip": 1480, "wireguard": 1440, "veth": 1440}),
        (9001, True, {"ipip": 8981, "wireguard": 8941, "veth": 8941}),
    ],
)
def test_calico_mtu_rules(mtu, wireguard, expected):
    class C:
        network_mtu = mtu
        encrypt_pod_traffic = wireguard

    assert calico.mtus(C) == expected


def test_calico_pool_mtu_and_wireguard(variant):
    _, assets = variant
    c = assets.config
    pool, felix = _objects(assets, "manifests/calico-config.yaml")
    assert (
        pool["kind"] == "IPPool"
        and pool["spec"]["cidr"] == c.pod_cidr
        and pool["spec"]["ipipMode"] == "Always"
    )
    assert felix["spec"]["wireguardEnabled"] is bool(c.encrypt_pod_traffic)
    assert felix["spec"]["usageReportingEnabled"] is bool(c.enable_reporting)
    cm = next(d for d in _objects(assets, "manifests/calico.yaml") if d["kind"] == "ConfigMap")
    assert cm["data"]["veth_mtu"] == str(calico.mtus(c)["veth"])
    cni = json.loads(cm["data"]["cni_network_config"].replace("__CNI_MTU__", "1440"))
    assert cni["plugins"][0]["mtu"] == 1440
    if c.encrypt_pod_traffic:
        assert felix["spec"]["wireguardMTU"] == c.network_mtu - 60
    else:
        assert "wireguardMTU" not in felix["spec"]


def test_kube_proxy_conntrack(variant):
    _, assets = variant
    ds = next(d for d in _objects(assets, "manifests/kube-proxy.yaml") if d["kind"] == "DaemonSet")
    cmd = ds["spec"]["template"]["spec"]["containers"][0]["command"]
    assert f"--conntrack-max-per-core={assets.config.conntrack_max_per_core}" in cmd
    assert f"--cluster-cidr={assets.config.pod_cidr}" in cmd
    kubeconfig = yaml.safe_load(
        next(d for d in _objects(assets, "manifests/kube-proxy.yaml") if d["kind"] == "ConfigMap")["data"][
            "kubeconfig"
        ]
    )
    assert kubeconfig["clusters"][0]["cluster"]["server"] == "https://demo.example.com:6443"


def test_block_metadata_policy_shape(generated):
    (policy,) = _objects(generated, "manifests/block-metadata-access.yaml")
    assert policy == {
        "apiVersion": "crd.projectcalico.org/v1",
        "kind": "GlobalNetworkPolicy",
        "metadata": {"name": "block-metadata-access"},
        "spec": {
            "selector": "!has(host-endpoint)",
            "types": ["Egress"],
            "egress": [{"action": "Allow", "destination": {"notNets": ["169.254.169.254/32"]}}],
        },
    }


def test_bootstrap_tokens_and_rbac(variant):
    name, assets = variant
    objs = _objects(assets, "manifests/kubelet-bootstrap.yaml")
    secrets = [d for d in objs if d["kind"] == "Secret"]
    bindings = {d["metadata"]["name"]: d for d in objs if d["kind"] == "ClusterRoleBinding"}
    if not assets.config.enable_tls_bootstrap:
        assert secrets == [] and bindings["lokonb:kubelet-nodes"]["roleRef"]["name"] == "system:node"
        return
    tokens = assets.bootstrap_tokens
    assert set(tokens) == {"controller", "worker-web", "worker-batch"}
    assert len({t.token_id for t in tokens.values()}) == 3
    for s in secrets:
        assert s["type"] == "bootstrap.kubernetes.io/token"
        assert s["metadata"]["name"] == f"bootstrap-token-{s['stringData']['token-id']}"
        assert s["stringData"]["usage-bootstrap-authentication"] == "true"
    groups = sorted(t.group for t in tokens.values())
    for b, role in [
        ("lokonb:kubelet-bootstrap", "system:node-bootstrapper"),
        (
            "lokonb:node-autoapprove-bootstrap",
            "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
        ),
    ]:
        assert bindings[b]["roleRef"]["name"] == role
        assert sorted(s["name"] for s in bindings[b]["subjects"]) == groups
    assert (
        bindings["lokonb:node-autoapprove-certificate-rotation"]["roleRef"]["name"]
        == "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient"
    )
    cm = next(
        d for d in _objects(assets, "manifests/kube-controller-manager.yaml") if d["kind"] == "Deployment"
    )
    cmd = cm["spec"]["template"]["spec"]["containers"][0]["command"]
    assert "--controllers=*,bootstrapsigner,tokencleaner" in cmd
    assert f"--cluster-signing-duration={assets.config.certs_validity_period_hours}h" in cmd


def test_apiserver_godebug_only_with_ignore_x509_cn_check(variant):
    _, assets = variant
    ds = next(d for d in _objects(assets, "manifests/kube-apiserver.yaml") if d["kind"] == "DaemonSet")
    env = {e["name"]: e.get("value") for e in ds["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert ("GODEBUG" in env) is bool(assets.config.ignore_x509_cn_check)
    if assets.config.ignore_x509_cn_check:
        assert env["GODEBUG"] == "x509ignoreCN=0"


def test_controller_manager_can_read_its_secret_as_non_root(generated):
    dep = next(
        d for d in _objects(generated, "manifests/kube-controller-manager.yaml") if d["kind"] == "Deployment"
    )
    pod = dep["spec"]["template"]["spec"]
    mode = next(v for v in pod["volumes"] if v["name"] == "secrets")["secret"]["defaultMode"]
    ctx = pod["securityContext"]
    assert ctx["runAsUser"] != 0
    # readable through the group (fsGroup) and never by others
    assert ctx["fsGroup"] is not None and mode & 0o040 and not mode & 0o007


@pytest.mark.parametrize(
    ("cidr", "size"),
    [
        ("10.2.0.0/16", 24),
        ("192.168.0.0/17", 24),
        ("10.2.0.0/26", 26),
        ("10.2.0.0/24", 24),
        ("10.0.0.0/8", 24),
    ],
)
def test_calico_block_size_fits_the_pool(cidr, size):
    assert calico.block_size(cidr) == size


def test_bootkube_assets_identical_across_processes(generated):
    """flatcar.md R1: same model + same material -> byte-identical asset tree, whatever PYTHONHASHSEED."""
    import os
    import subprocess
    import sys

    script = (
        "import hashlib, sys; from lokonb.config import load_yaml; "
        "from lokonb.assets import load_or_generate; "
        "import json; cfg = load_yaml(json.loads(sys.argv[1])); a = load_or_generate(cfg, sys.argv[2]); "
        "h = hashlib.sha256(); [h.update(k.encode() + v) for k, v in a.bootkube_assets().items()]; "
        "print(h.hexdigest(), len(a.report.written))"
    )
    doc = json.dumps(generated.config.to_dict())
    outs = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = subprocess.run(
            [sys.executable, "-c", script, doc, str(generated.root.parent)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
        outs.add(r.stdout.strip())
    assert len(outs) == 1 and outs.pop().endswith(" 0")  # same digest, nothing rewritten
