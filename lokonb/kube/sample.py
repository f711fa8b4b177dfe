"""The sample manifest dump lokonb bundles: a small Lokomotive-style AWS cluster, as ``kubectl get -o yaml``
writes it.

It exercises every audit rule (host network, the block policy, open and metadata-only allows, ``except``,
other
ports, named ports, default deny, matchExpressions, hop limits). ``write_sample_dump`` regenerates it; the
packaged
copy (``lokonb/kube/data/sample_dump.yaml``) is the output of this module and a test checks they agree.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from lokonb.errors import ConfigError, OperationFailed
from lokonb.kube.audit import ANNOTATION_HOP_LIMIT, ANNOTATION_HTTP_TOKENS
from lokonb.kube.metadata import allow_metadata_policy, render_block_policy

_HEADER = """\
# Sample manifest dump of a Lokomotive-style cluster on AWS, written by lokonb (python -m lokonb.kube.sample).
# Equivalent to: kubectl get namespaces,nodes -o yaml; kubectl get pods,networkpolicies -A -o yaml;
#                kubectl get globalnetworkpolicies.crd.projectcalico.org -o yaml
# Node annotations lokonb.io/imds-* record the EC2 metadata options of each node (not visible in Kubernetes).
"""
_CREATED = "2026-01-05T09:00:00Z"


def _pod(
    ns: str,
    name: str,
    node: str,
    ip: str,
    labels: dict[str, str],
    *,
    host: bool = False,
    sa: str = "default",
    image: str = "registry.example/app:1.0",
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [{"name": name.rsplit("-", 1)[0][:40], "image": image}],
        "nodeName": node,
        "serviceAccountName": sa,
        "restartPolicy": "Always",
    }
    if host:
        spec["hostNetwork"] = True
        spec["dnsPolicy"] = "ClusterFirstWithHostNet"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns, "labels": labels, "creationTimestamp": _CREATED},
        "spec": spec,
        "status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}]},
    }


_NODES = {  # name: (role, private IP, http tokens, hop limit)
    "ip-10-0-1-10": ("controller", "10.0.1.10", "required", 1),
    "ip-10-0-2-20": ("worker", "10.0.2.20", "required", 2),
    "ip-10-0-2-21": ("worker", "10.0.2.21", "required", 2),
}


def sample_objects() -> list[dict[str, Any]]:
    """Every object of the sample dump, in document order."""
    namespaces = [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns, **extra}},
        }
        for ns, extra in (
            ("kube-system", {}),
            ("default", {}),
            ("monitoring", {"team": "platform"}),
            ("apps", {"team": "web"}),
            ("batch", {"team": "data"}),
        )
    ]
    nodes = [
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": name,
                "labels": {"node.kubernetes.io/" + role: "", "kubernetes.io/hostname": name},
                "annotations": {ANNOTATION_HTTP_TOKENS: tokens, ANNOTATION_HOP_LIMIT: str(hop)},
            },
            "status": {"addresses": [{"type": "InternalIP", "address": ip}]},
        }
        for name, (role, ip, tokens, hop) in _NODES.items()
    ]
    ctrl, w0, w1 = list(_NODES)
    pods = [
        _pod(
            "kube-system",
            f"kube-apiserver-{ctrl}",
            ctrl,
            "10.0.1.10",
            {"k8s-app": "kube-apiserver"},
            host=True,
        ),
        *[
            _pod("kube-system", f"calico-node-{s}", n, _NODES[n][1], {"k8s-app": "calico-node"}, host=True)
            for s, n in (("x7k2p", ctrl), ("m4q9d", w0), ("t8v3c", w1))
        ],
        *[
            _pod("kube-system", f"kube-proxy-{s}", n, _NODES[n][1], {"k8s-app": "kube-proxy"}, host=True)
            for s, n in (("b2n6w", ctrl), ("h5r1z", w0), ("j9f4k", w1))
        ],
        _pod("kube-system", "coredns-6d4b75cb6d-5qv8n", w0, "10.2.1.3", {"k8s-app": "coredns"}),
        _pod("kube-system", "coredns-6d4b75cb6d-kx2lm", w1, "10.2.2.3", {"k8s-app": "coredns"}),
        _pod(
            "kube-system",
            "kube-controller-manager-7f9c8d-2hx4p",
            ctrl,
            "10.2.0.4",
            {"k8s-app": "kube-controller-manager"},
        ),
        _pod(
            "kube-system",
            "ebs-csi-controller-5b8f7c-9wz2t",
            w0,
            "10.2.1.8",
            {"app": "ebs-csi-controller"},
            sa="ebs-csi-controller-sa",
        ),
        _pod(
            "kube-system", "cluster-autoscaler-66c9b-4kq7r", ctrl, "10.2.0.9", {"app": "cluster-autoscaler"}
        ),
        _pod("monitoring", "prometheus-k8s-0", w0, "10.2.1.20", {"app.kubernetes.io/name": "prometheus"}),
        _pod("monitoring", "grafana-7c6d9-s5n2q", w1, "10.2.2.21", {"app.kubernetes.io/name": "grafana"}),
        _pod("apps", "web-frontend-59d7b-2kp9x", w0, "10.2.1.30", {"app": "web-frontend"}),
        _pod("apps", "web-frontend-59d7b-8mt4v", w1, "10.2.2.30", {"app": "web-frontend"}),
        _pod("apps", "legacy-sdk-7b5c4-q2w8e", w1, "10.2.2.31", {"app": "legacy-sdk", "foo": "foo"}),
        _pod("apps", "metrics-exporter-6f8d-x3c7v", w0, "10.2.1.32", {"app": "metrics-exporter"}),
        _pod("batch", "nightly-report-28461-zt5mq", w1, "10.2.2.40", {"job": "nightly-report"}),
        _pod(
            "batch", "s3-uploader-5d9c7-p8r2k", w0, "10.2.1.41", {"job": "s3-uploader", "role": "aws-client"}
        ),
        _pod("default", "debug-shell", w1, "10.2.2.50", {"run": "debug-shell"}),
    ]
    policies = [
        allow_metadata_policy(
            "kube-system", {"matchLabels": {"app": "ebs-csi-controller"}}, include=("dns", "all-but-metadata")
        ).policy,
        allow_metadata_policy(
            "kube-system", {"matchLabels": {"app": "cluster-autoscaler"}}, mode="open"
        ).policy,
        # the documented, very open example, applied to the legacy SDK
        {
            **allow_metadata_policy(
                "apps", {"matchLabels": {"foo": "foo"}}, mode="open", name="allow-metadata-access"
            ).policy
        },
        _np(
            "monitoring",
            "prometheus-egress",
            {"matchLabels": {"app.kubernetes.io/name": "prometheus"}},
            [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0", "except": ["169.254.0.0/16"]}}]}],
        ),
        _np(
            "monitoring",
            "grafana-egress-https",
            {"matchLabels": {"app.kubernetes.io/name": "grafana"}},
            [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"protocol": "TCP", "port": 443}]}],
        ),
        _np(
            "apps",
            "metrics-exporter-imds",
            {"matchLabels": {"app": "metrics-exporter"}},
            [
                {
                    "to": [{"ipBlock": {"cidr": "169.254.169.254/32"}}],
                    "ports": [{"protocol": "TCP", "port": "http"}],
                }
            ],
        ),
        _np("batch", "default-deny-egress", {}, []),
        _np(
            "batch",
            "allow-dns",
            {},
            [
                {
                    "to": [
                        {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }
            ],
        ),
        allow_metadata_policy(
            "batch",
            {"matchExpressions": [{"key": "role", "operator": "In", "values": ["aws-client"]}]},
            name="allow-metadata-aws-clients",
        ).policy,
    ]
    for p in policies:
        p["metadata"]["creationTimestamp"] = _CREATED
    return [*namespaces, *nodes, *pods, *policies, render_block_policy()]


def _np(ns: str, name: str, selector: dict[str, Any], egress: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": ns},
        "spec": {"podSelector": selector, "policyTypes": ["Egress"], "egress": egress},
    }


def sample_dump_text() -> str:
    """The dump as YAML: one ``List`` per ``kubectl get`` call, like real dumps."""
    import yaml

    objs = sample_objects()
    groups = [
        [o for o in objs if o["kind"] in ("Namespace", "Node")],
        [o for o in objs if o["kind"] == "Pod"],
        [o for o in objs if o["kind"] == "NetworkPolicy"],
        [o for o in objs if o["kind"] == "GlobalNetworkPolicy"],
    ]
    docs = [
        yaml.safe_dump(
            {"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": g},
            sort_keys=False,
        )
        for g in groups
    ]
    return _HEADER + "---\n".join(docs)


def _refuse_overwrite(path: Path) -> None:
    """A non-empty regular file that is not an earlier sample dump is the user's (often a real ``kubectl get``
    dump, named dump.yaml like this one): replacing it silently loses it. Devices such as /dev/stdout stay
    writable."""
    if not path.is_file():
        return
    try:
        with path.open("rb") as fh:
            first = fh.readline(200)
    except OSError:
        return  # the write reports the reason
    if first and not first.startswith(_HEADER.splitlines()[0].encode()):  # an empty file (mktemp) holds nothing
        raise ConfigError(f"{path} exists and is not a sample dump written by lokonb: not replaced (give a new file "
                          "name, or remove the file first)")


def write_sample_dump(path: str | Path) -> Path:
    """Write the sample dump to ``path`` and return it."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path} is a directory; give a file name such as {path / 'sample-dump.yaml'}")
    _refuse_overwrite(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sample_dump_text(), encoding="utf-8")
    except OSError as exc:  # a full disk or a special file: errno 28 has no file name of its own
        raise OperationFailed(f"cannot write {path}: {exc.strerror or exc}") from None
    return path


def sample_dump_path() -> Path:
    """The packaged sample dump."""
    return Path(str(resources.files("lokonb.kube") / "data" / "sample_dump.yaml"))


if __name__ == "__main__":  # pragma: no cover - regenerates the packaged copy
    print(write_sample_dump(Path(__file__).parent / "data" / "sample_dump.yaml"))
