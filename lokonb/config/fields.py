"""The attribute tables of the cluster model: every attribute, its type and its default, as data.

These tables are the single source for loading (type checks, unknown-attribute suggestions), for the defaults
shown by ``lokonb config show`` and for the README's configuration reference. Names and meanings follow
Lokomotive's AWS configuration reference; where Lokomotive's docs and its code disagree, the code wins (noted in
``note``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Field:
    """One attribute: its name, kind (see ``lokonb.config.coerce``), default and a short description."""

    name: str
    kind: str
    default: Any
    help: str = ""
    note: str = ""
    required: bool = False


#: Marker for defaults computed from other attributes (documented in ``help``).
DERIVED = object()

CLUSTER_FIELDS: tuple[Field, ...] = (
    Field("cluster_name", "str", None, "DNS label used in names and tags (1-28 chars)", required=True),
    Field("asset_dir", "path", DERIVED, "generated material and local state; default ./lokonb-assets/<cluster_name>"),
    Field("tags", "map", {}, "user tags on every resource"),
    Field("region", "str", "eu-central-1", "AWS region (same field as aws.region)"),
    Field("dns_zone", "str", None, "Route 53 public zone; the API is at <cluster_name>.<dns_zone>:6443", required=True),
    Field("dns_zone_id", "str", None, "hosted zone id; looked up by name when unset"),
    Field("ssh_pubkeys", "list", None, "OpenSSH public keys for user core", required=True),
    Field("creds_path", "path", None, "shared credentials file (= aws.shared_credentials_file)"),
    Field("controller_count", "int", 1, "controllers = etcd members, one per AZ"),
    Field("controller_type", "str", "t3.medium", "controller instance type",
          note="Lokomotive's docs say t3.small, its module code uses t3.medium; lokonb follows the code"),
    Field("controller_clc_snippets", "list", (), "CLC or Butane snippets for controllers"),
    Field("os_channel", "str", "stable", "Flatcar channel for controllers: stable, beta, alpha, edge"),
    Field("os_version", "str", "current", "Flatcar version for controllers: current or X.Y.Z"),
    Field("disk_size", "int", 40, "controller root volume size, GiB"),
    Field("disk_type", "str", "gp2", "controller root volume type"),
    Field("disk_iops", "int", 0, "controller root volume provisioned IOPS (0 = unset)",
          note="0 leaves the IOPS to AWS (gp3: 3000) and is not compared later, as in Lokomotive"),
    Field("network_mtu", "int", 1500, "Calico MTU (9001 for jumbo frames)"),
    Field("host_cidr", "cidr", "10.0.0.0/16", "VPC CIDR"),
    Field("pod_cidr", "cidr", "10.2.0.0/16", "Calico pod IP pool"),
    Field("service_cidr", "cidr", "10.3.0.0/16", "service IPs (.1 apiserver, .10 cluster DNS)"),
    Field("expose_nodeports", "bool", False, "open TCP 30000-32767 on the worker SG (from the worker SG only)"),
    Field("enable_csi", "bool", False, "add the EBS CSI policy to node roles"),
    Field("enable_aggregation", "bool", True, "Kubernetes API aggregation"),
    Field("enable_reporting", "bool", False, "Calico usage reporting"),
    Field("certs_validity_period_hours", "int", 8760, "certificate lifetime in hours"),
    Field("enable_tls_bootstrap", "bool", True, "kubelet TLS bootstrap with bootstrap tokens"),
    Field("encrypt_pod_traffic", "bool", False, "Calico WireGuard (MTU -60, UDP 51820 rules)"),
    Field("conntrack_max_per_core", "int", 32768, "kube-proxy --conntrack-max-per-core (0 = kernel value)"),
    Field("enable_node_local_dns", "bool", False, "node-local DNS cache"),
    Field("node_local_dns_ip", "ip", "169.254.1.1", "node-local DNS address"),
    Field("cluster_domain_suffix", "str", "cluster.local", "cluster DNS domain"),
    Field("ignore_x509_cn_check", "bool", False, "GODEBUG=x509ignoreCN=0 on the apiserver"),
    Field("disable_self_hosted_kubelet", "bool", False, "do not run the self-hosted kubelet DaemonSet"),
    Field("imds_v2_required", "bool", True, "require IMDSv2 tokens on every node (lokonb)"),
    Field("metadata_hop_limit", "int", 1, "IMDS PUT response hop limit on every node (lokonb)"),
    Field("ignition_spec", "str", "3.3.0", "Ignition spec of the node configs: 3.3.0, 3.4.0 (Ignition >= 2.15) or "
          "2.3.0 (Flatcar < 3185) (lokonb)"),
    Field("max_user_watches", "int", 1048576, "fs.inotify.max_user_watches on every node (lokonb)",
          note="Lokomotive wrote 16184, which lowers the kernel's own RAM-scaled default"),
)

POOL_FIELDS: tuple[Field, ...] = (
    Field("name", "str", None, "pool name: DNS label, 1-28 chars, unique in the cluster", required=True),
    Field("count", "int", None, "number of workers (ASG min = desired = count, max = count + 2)", required=True),
    Field("instance_type", "str", "t3.small", "worker instance type"),
    Field("ssh_pubkeys", "list", DERIVED, "default: the cluster's ssh_pubkeys"),
    Field("os_channel", "str", "stable", "Flatcar channel (not inherited from the cluster)"),
    Field("os_version", "str", "current", "Flatcar version: current or X.Y.Z"),
    Field("disk_size", "int", 40, "root volume size, GiB"),
    Field("disk_type", "str", "gp2", "root volume type"),
    Field("disk_iops", "int", 0, "root volume provisioned IOPS (0 = unset)"),
    Field("spot_price", "str", "", "max hourly spot price; empty = on-demand"),
    Field("labels", "map", {}, "node labels (node.kubernetes.io/node= is always added)"),
    Field("taints", "map", {}, "taints as key = \"value:Effect\""),
    Field("clc_snippets", "list", (), "CLC or Butane snippets for this pool"),
    Field("cpu_manager_policy", "str", "none", "kubelet CPU manager policy: none or static"),
    Field("target_groups", "list", (), "extra ELBv2 target group ARNs for the ASG"),
    Field("tags", "map", {}, "tags merged over the cluster's (pool wins)",
          note="Lokomotive replaced the cluster tags instead of merging"),
    Field("lb_http_port", "int", 80, "NLB listener port forwarding to NodePort 30080 (0 = 80)"),
    Field("lb_https_port", "int", 443, "NLB listener port forwarding to NodePort 30443 (0 = 443)"),
    Field("spot_instance_types", "list", (), "non-empty: mixed instances policy with these types (lokonb)"),
    Field("imds_v2_required", "bool", DERIVED, "default: the cluster's imds_v2_required (lokonb)"),
    Field("metadata_hop_limit", "int", DERIVED, "default: the cluster's metadata_hop_limit (lokonb)"),
)

OIDC_FIELDS: tuple[Field, ...] = (
    Field("issuer_url", "str", DERIVED, "default https://dex.<cluster_name>.<dns_zone>"),
    Field("client_id", "str", "clusterauth", "OIDC client id"),
    Field("username_claim", "str", "email", "JWT claim used as the user name"),
    Field("groups_claim", "str", "groups", "JWT claim used as the user's groups"),
)

AWS_FIELDS: tuple[Field, ...] = (
    Field("endpoint", "endpoint", None, "null = real AWS; embedded = a moto server started by lokonb; or a URL"),
    Field("region", "str", DERIVED, "= region (eu-central-1)"),
    Field("profile", "str", None, "named AWS profile"),
    Field("shared_credentials_file", "path", None, "shared credentials file (= creds_path)"),
    Field("retry_mode", "str", "standard", "botocore retry mode: standard or adaptive"),
    Field("max_attempts", "int", 10, "total attempts per AWS call"),
    Field("max_concurrency", "int", 8, "AWS operations in flight during apply/destroy"),
    Field("connect_timeout", "number", 10, "seconds"),
    Field("read_timeout", "number", 60, "seconds"),
    Field("waiter_scale", "number", DERIVED, "multiplies waiter delays; 1.0 (0.02 on the embedded AWS)"),
    Field("flatcar_ami_owner", "str", "075585003325", "account publishing the Flatcar AMIs"),
    Field("ebs_kms_key_id", "str", None, "KMS key for root volumes (null = AWS-managed key)"),
)

STATE_FIELDS: tuple[Field, ...] = (
    Field("backend", "str", "local", "local or s3"),
    Field("path", "path", DERIVED, "local state file; default <asset_dir>/lokonb-state.json"),
    Field("bucket", "str", None, "S3 backend: bucket"),
    Field("key", "str", DERIVED, "S3 backend: object key; default lokonb/<cluster_name>.json"),
    Field("region", "str", None, "S3 backend: region of bucket and lock table; default the cluster's"),
    Field("dynamodb_table", "str", None, "S3 backend: DynamoDB lock table (hash key LockID)"),
    Field("profile", "str", None, "S3 backend: AWS profile; default aws.profile"),
    Field("shared_credentials_file", "path", None, "S3 backend: credentials file (lokocfg aws_creds_path)"),
    Field("lock", "bool", True, "false turns locking off (warning on every apply)"),
)


def names(fields: tuple[Field, ...]) -> tuple[str, ...]:
    """The attribute names of a table, in table order."""
    return tuple(f.name for f in fields)
