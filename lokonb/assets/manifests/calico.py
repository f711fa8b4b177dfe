"""Calico (Kubernetes datastore, BGP + IP-in-IP): CRDs, RBAC, CNI config, calico-node, IP pool, Felix
settings.

MTU rules (table below): pod interfaces must fit inside every encapsulation that may carry their packets.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any

from lokonb.assets import versions
from lokonb.assets.manifests.common import (
    TOLERATE_ALL,
    ManifestContext,
    cluster_role_binding,
    host_path,
    meta,
    mount,
    sa_subject,
    service_account,
)

GROUP = "crd.projectcalico.org"

#: Encapsulation overheads in bytes (IPv4), per Calico's MTU guide.
IPIP_OVERHEAD = 20
WIREGUARD_OVERHEAD = 60

#: Calico v3.19 CRDs: (kind, plural, scope).
CRDS: tuple[tuple[str, str, str], ...] = (
    ("BGPConfiguration", "bgpconfigurations", "Cluster"),
    ("BGPPeer", "bgppeers", "Cluster"),
    ("BlockAffinity", "blockaffinities", "Cluster"),
    ("ClusterInformation", "clusterinformations", "Cluster"),
    ("FelixConfiguration", "felixconfigurations", "Cluster"),
    ("GlobalNetworkPolicy", "globalnetworkpolicies", "Cluster"),
    ("GlobalNetworkSet", "globalnetworksets", "Cluster"),
    ("HostEndpoint", "hostendpoints", "Cluster"),
    ("IPAMBlock", "ipamblocks", "Cluster"),
    ("IPAMConfig", "ipamconfigs", "Cluster"),
    ("IPAMHandle", "ipamhandles", "Cluster"),
    ("IPPool", "ippools", "Cluster"),
    ("KubeControllersConfiguration", "kubecontrollersconfigurations", "Cluster"),
    ("NetworkPolicy", "networkpolicies", "Namespaced"),
    ("NetworkSet", "networksets", "Namespaced"),
)

#: The fields lokonb sets on Calico objects, typed in the CRD schemas (the rest is preserved as Calico's
#: API server-less mode expects); tests validate the rendered custom objects against these schemas.
_SPEC_FIELDS: dict[str, dict[str, Any]] = {
    "IPPool": {
        "required": ["cidr"],
        "properties": {
            "cidr": {"type": "string"},
            "blockSize": {"type": "integer"},
            "ipipMode": {"type": "string", "enum": ["Always", "CrossSubnet", "Never"]},
            "vxlanMode": {"type": "string", "enum": ["Always", "CrossSubnet", "Never"]},
            "natOutgoing": {"type": "boolean"},
            "nodeSelector": {"type": "string"},
        },
    },
    "FelixConfiguration": {
        "properties": {
            "ipipEnabled": {"type": "boolean"},
            "ipipMTU": {"type": "integer"},
            "wireguardEnabled": {"type": "boolean"},
            "wireguardMTU": {"type": "integer"},
            "usageReportingEnabled": {"type": "boolean"},
            "logSeverityScreen": {"type": "string"},
            "reportingInterval": {"type": "string"},
            "bpfLogLevel": {"type": "string"},
        },
    },
    "GlobalNetworkPolicy": {
        "properties": {
            "selector": {"type": "string"},
            "order": {"type": "number"},
            "types": {"type": "array", "items": {"type": "string", "enum": ["Ingress", "Egress"]}},
            "egress": {
                "type": "array",
                "items": {
                    "type": "object",
                    "x-kubernetes-preserve-unknown-fields": True,
                    "required": ["action"],
                    "properties": {"action": {"type": "string", "enum": ["Allow", "Deny", "Log", "Pass"]}},
                },
            },
            "ingress": {
                "type": "array",
                "items": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            },
        },
    },
}


def mtus(config: Any) -> dict[str, int]:
    """Pod (veth) MTU and tunnel MTUs from ``network_mtu`` and ``encrypt_pod_traffic``."""
    host = int(config.network_mtu)
    ipip = host - IPIP_OVERHEAD
    result = {"ipip": ipip, "veth": ipip}
    if config.encrypt_pod_traffic:
        result["wireguard"] = host - WIREGUARD_OVERHEAD
        result["veth"] = min(ipip, result["wireguard"])
    return result


def crd(kind: str, plural: str, scope: str) -> dict:
    spec_schema: dict[str, Any] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True}
    spec_schema.update(_SPEC_FIELDS.get(kind, {}))
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{GROUP}"},
        "spec": {
            "group": GROUP,
            "names": {"kind": kind, "listKind": f"{kind}List", "plural": plural, "singular": kind.lower()},
            "scope": scope,
            "versions": [
                {
                    "name": "v1",
                    "served": True,
                    "storage": True,
                    "schema": {
                        "openAPIV3Schema": {
                            "type": "object",
                            "properties": {
                                "apiVersion": {"type": "string"},
                                "kind": {"type": "string"},
                                "metadata": {"type": "object"},
                                "spec": spec_schema,
                                "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                            },
                        }
                    },
                }
            ],
        },
    }


def crds() -> list[dict]:
    return [crd(*row) for row in CRDS]


def cni_network_config() -> str:
    return json.dumps(
        {
            "name": "k8s-pod-network",
            "cniVersion": "0.3.1",
            "plugins": [
                {
                    "type": "calico",
                    "log_level": "info",
                    "datastore_type": "kubernetes",
                    "nodename": "__KUBERNETES_NODE_NAME__",
                    "mtu": "__CNI_MTU__",
                    "ipam": {"type": "calico-ipam"},
                    "policy": {"type": "k8s"},
                    "kubernetes": {"kubeconfig": "__KUBECONFIG_FILEPATH__"},
                },
                {"type": "portmap", "snat": True, "capabilities": {"portMappings": True}},
                {"type": "bandwidth", "capabilities": {"bandwidth": True}},
            ],
        },
        indent=2,
    ).replace('"__CNI_MTU__"', "__CNI_MTU__")  # install-cni substitutes a bare number


#: Per-node address block (Typhoon's /24: 254 pods per block); never larger than the pool itself.
DEFAULT_BLOCK_SIZE = 24


def block_size(pod_cidr: str) -> int:
    """Calico requires blockSize >= the pool's prefix length (and <= 32)."""
    return max(DEFAULT_BLOCK_SIZE, ipaddress.ip_network(pod_cidr, strict=False).prefixlen)


def ip_pool(config: Any) -> dict:
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": "IPPool",
        "metadata": {"name": "default-ipv4-ippool"},
        "spec": {
            "cidr": str(config.pod_cidr),
            "blockSize": block_size(str(config.pod_cidr)),
            "ipipMode": "Always",
            "vxlanMode": "Never",
            "natOutgoing": True,
            "nodeSelector": "all()",
        },
    }


def felix_configuration(config: Any) -> dict:
    m = mtus(config)
    spec: dict[str, Any] = {
        "ipipEnabled": True,
        "ipipMTU": m["ipip"],
        "logSeverityScreen": "Info",
        "reportingInterval": "0s",
        "usageReportingEnabled": bool(config.enable_reporting),
        "wireguardEnabled": bool(config.encrypt_pod_traffic),
    }
    if config.encrypt_pod_traffic:
        spec["wireguardMTU"] = m["wireguard"]
    return {
        "apiVersion": f"{GROUP}/v1",
        "kind": "FelixConfiguration",
        "metadata": {"name": "default"},
        "spec": spec,
    }


def _rbac() -> list[dict]:
    rules = [
        {"apiGroups": [""], "resources": ["pods", "nodes", "namespaces"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["endpoints", "services"], "verbs": ["watch", "list", "get"]},
        {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["nodes/status"], "verbs": ["patch", "update"]},
        {"apiGroups": ["networking.k8s.io"], "resources": ["networkpolicies"], "verbs": ["watch", "list"]},
        {
            "apiGroups": [""],
            "resources": ["pods", "namespaces", "serviceaccounts"],
            "verbs": ["list", "watch"],
        },
        {"apiGroups": [""], "resources": ["pods/status"], "verbs": ["patch"]},
        {
            "apiGroups": [GROUP],
            "resources": [
                plural
                for _, plural, _ in CRDS
                if not plural.startswith("ipam") and plural != "blockaffinities"
            ],
            "verbs": ["get", "list", "watch"],
        },
        {
            "apiGroups": [GROUP],
            "resources": ["ippools", "felixconfigurations", "clusterinformations"],
            "verbs": ["create", "update"],
        },
        {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": [GROUP], "resources": ["bgpconfigurations", "bgppeers"], "verbs": ["create", "update"]},
        {
            "apiGroups": [GROUP],
            "resources": ["blockaffinities", "ipamblocks", "ipamhandles"],
            "verbs": ["get", "list", "create", "update", "delete"],
        },
        {"apiGroups": [GROUP], "resources": ["ipamconfigs"], "verbs": ["get"]},
        {"apiGroups": [GROUP], "resources": ["blockaffinities"], "verbs": ["watch"]},
        {"apiGroups": ["apps"], "resources": ["daemonsets"], "verbs": ["get"]},
    ]
    return [
        service_account("calico-node"),
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": meta("calico-node", None),
            "rules": rules,
        },
        cluster_role_binding("calico-node", "calico-node", [sa_subject("calico-node")]),
    ]


def _env(config: Any) -> list[dict]:
    m = mtus(config)
    env: list[dict] = [
        {"name": "DATASTORE_TYPE", "value": "kubernetes"},
        {"name": "WAIT_FOR_DATASTORE", "value": "true"},
        {"name": "NODENAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        {"name": "CALICO_NETWORKING_BACKEND", "value": "bird"},
        {"name": "CLUSTER_TYPE", "value": "k8s,bgp"},
        {"name": "IP", "value": "autodetect"},
        {"name": "IP_AUTODETECTION_METHOD", "value": "first-found"},
        {"name": "NO_DEFAULT_POOLS", "value": "true"},  # the IPPool object below is the only pool
        {"name": "CALICO_DISABLE_FILE_LOGGING", "value": "true"},
        {"name": "FELIX_DEFAULTENDPOINTTOHOSTACTION", "value": "ACCEPT"},
        {"name": "FELIX_IPV6SUPPORT", "value": "false"},
        {"name": "FELIX_HEALTHENABLED", "value": "true"},
        {"name": "FELIX_IPINIPENABLED", "value": "true"},
        {"name": "FELIX_IPINIPMTU", "value": str(m["ipip"])},
        {"name": "FELIX_USAGEREPORTINGENABLED", "value": str(bool(config.enable_reporting)).lower()},
        {"name": "FELIX_WIREGUARDENABLED", "value": str(bool(config.encrypt_pod_traffic)).lower()},
    ]
    if config.encrypt_pod_traffic:
        env.append({"name": "FELIX_WIREGUARDMTU", "value": str(m["wireguard"])})
    return env


def _daemonset(config: Any) -> dict:
    labels = {"k8s-app": "calico-node"}
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": meta("calico-node", "kube-system", **labels),
        "spec": {
            "selector": {"matchLabels": labels},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "hostNetwork": True,
                    "priorityClassName": "system-node-critical",
                    "serviceAccountName": "calico-node",
                    "terminationGracePeriodSeconds": 0,
                    "tolerations": list(TOLERATE_ALL),
                    "initContainers": [
                        {
                            "name": "install-cni",
                            "image": versions.image("calico-cni"),
                            "command": ["/opt/cni/bin/install"],
                            "env": [
                                {"name": "CNI_CONF_NAME", "value": "10-calico.conflist"},
                                {
                                    "name": "CNI_NETWORK_CONFIG",
                                    "valueFrom": {
                                        "configMapKeyRef": {
                                            "name": "calico-config",
                                            "key": "cni_network_config",
                                        }
                                    },
                                },
                                {
                                    "name": "KUBERNETES_NODE_NAME",
                                    "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}},
                                },
                                {
                                    "name": "CNI_MTU",
                                    "valueFrom": {
                                        "configMapKeyRef": {"name": "calico-config", "key": "veth_mtu"}
                                    },
                                },
                                {"name": "SLEEP", "value": "false"},
                            ],
                            "securityContext": {"privileged": True},
                            "volumeMounts": [
                                mount("cni-bin-dir", "/host/opt/cni/bin"),
                                mount("cni-net-dir", "/host/etc/cni/net.d"),
                            ],
                        }
                    ],
                    "containers": [
                        {
                            "name": "calico-node",
                            "image": versions.image("calico-node"),
                            "env": _env(config),
                            "securityContext": {"privileged": True},
                            "resources": {"requests": {"cpu": "150m"}},
                            "livenessProbe": {
                                "exec": {"command": ["/bin/calico-node", "-felix-live", "-bird-live"]},
                                "periodSeconds": 10,
                                "initialDelaySeconds": 10,
                                "failureThreshold": 6,
                            },
                            "readinessProbe": {
                                "exec": {"command": ["/bin/calico-node", "-felix-ready", "-bird-ready"]},
                                "periodSeconds": 10,
                            },
                            "volumeMounts": [
                                mount("lib-modules", "/lib/modules", True),
                                mount("xtables-lock", "/run/xtables.lock"),
                                mount("var-run-calico", "/var/run/calico"),
                                mount("var-lib-calico", "/var/lib/calico"),
                                mount("policysync", "/var/run/nodeagent"),
                            ],
                        }
                    ],
                    "volumes": [
                        host_path("lib-modules", "/lib/modules"),
                        host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
                        host_path("var-run-calico", "/var/run/calico"),
                        host_path("var-lib-calico", "/var/lib/calico"),
                        host_path("cni-bin-dir", "/opt/cni/bin"),
                        host_path("cni-net-dir", "/etc/cni/net.d"),
                        host_path("policysync", "/var/run/nodeagent", "DirectoryOrCreate"),
                    ],
                },
            },
        },
    }


def render(ctx: ManifestContext) -> list[dict]:
    config = ctx.config
    return _rbac() + [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": meta("calico-config"),
            "data": {"veth_mtu": str(mtus(config)["veth"]), "cni_network_config": cni_network_config()},
        },
        _daemonset(config),
    ]


def custom_resources(ctx: ManifestContext) -> list[dict]:
    """Calico objects that need the CRDs first (bootkube retries until they are established)."""
    return [ip_pool(ctx.config), felix_configuration(ctx.config)]
