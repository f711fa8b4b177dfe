"""Table-driven tests of every validation rule: each row mutates a valid definition and names the exact path,
a fragment of the message and the severity expected."""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from typing import Any

import pytest

from lokonb.config import ConfigValidationError, read_yaml

Mutation = Callable[[dict[str, Any]], None]


def c(**attrs: Any) -> Mutation:
    """Set cluster attributes."""
    def apply(d: dict[str, Any]) -> None:
        d["cluster"].update(attrs)
    return apply


def p(index: int = 0, **attrs: Any) -> Mutation:
    """Set attributes of worker pool ``index``."""
    def apply(d: dict[str, Any]) -> None:
        d["cluster"]["worker_pools"][index].update(attrs)
    return apply


def pools(*items: dict[str, Any]) -> Mutation:
    def apply(d: dict[str, Any]) -> None:
        d["cluster"]["worker_pools"] = list(items)
    return apply


def block(name: str, **attrs: Any) -> Mutation:
    def apply(d: dict[str, Any]) -> None:
        d[name] = attrs
    return apply


def both(*mutations: Mutation) -> Mutation:
    def apply(d: dict[str, Any]) -> None:
        for m in mutations:
            m(d)
    return apply


def rsa_key(bits: int) -> str:
    def mpint(n: int) -> bytes:
        raw = n.to_bytes((n.bit_length() + 8) // 8, "big")
        return struct.pack(">I", len(raw)) + raw
    blob = struct.pack(">I", 7) + b"ssh-rsa" + mpint(65537) + mpint((1 << (bits - 1)) | 1)
    return "ssh-rsa " + base64.b64encode(blob).decode() + " test"


ED_AS_RSA = "ssh-rsa AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb x"
TG = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/my-tg/0123456789abcdef"

# (id, mutation, expected path, message fragment, severity)
CASES: list[tuple[str, Mutation, str, str, str]] = [
    ("V1", pools(), "worker_pool", "at least one worker pool", "error"),
    ("V2", pools({"name": "web", "count": 1}, {"name": "web", "count": 1, "lb_http_port": 81,
                                               "lb_https_port": 444}),
     'worker_pool["web"]', "duplicated", "error"),
    ("V3", c(cluster_name="Demo"), "cluster_name", "not a valid cluster name", "error"),
    ("V3", c(cluster_name="a" * 29), "cluster_name", "1-28 characters", "error"),
    ("V3", c(cluster_name="internal-x"), "cluster_name", "internal-", "error"),
    ("V3", p(name="web-"), 'worker_pool["web-"].name', "not a valid worker pool name", "error"),
    ("V4", p(lb_https_port=6443), 'worker_pool["web"].lb_https_port', "API server listener", "error"),
    ("V4", p(lb_http_port=70000), 'worker_pool["web"].lb_http_port', "out of range", "error"),
    ("V4", p(lb_http_port=8080, lb_https_port=8080), 'worker_pool["web"].lb_https_port',
     "different ports", "error"),
    ("V4", pools({"name": "web", "count": 1}, {"name": "batch", "count": 1, "lb_https_port": 8443}),
     'worker_pool["batch"].lb_http_port', 'collides with worker_pool["web"].lb_http_port', "error"),
    ("V5", p(cpu_manager_policy="dynamic"), 'worker_pool["web"].cpu_manager_policy', "CPU manager", "error"),
    ("V6", c(conntrack_max_per_core=-1), "conntrack_max_per_core", "negative", "error"),
    ("V7", c(oidc={"issuer_url": "http://dex.example.com"}), "oidc.issuer_url", "scheme must be https",
     "error"),
    ("V7", c(oidc={"issuer_url": "https://"}), "oidc.issuer_url", "no host", "error"),
    ("V7", c(oidc={"client_id": ""}), "oidc.client_id", "must not be empty", "error"),
    ("V8", c(controller_count=0), "controller_count", "at least 1", "error"),
    ("V8", c(controller_count=2), "controller_count", "majority", "warning"),
    ("V9", c(host_cidr="10.0.0.1/16"), "host_cidr", "did you mean 10.0.0.0/16", "error"),
    ("V9", c(pod_cidr="10.0.128.0/17"), "pod_cidr", "overlaps host_cidr", "error"),
    ("V9", c(service_cidr="169.254.0.0/24"), "service_cidr", "reserved", "error"),
    ("V9", c(host_cidr="10.0.0.0/12"), "host_cidr", "/16 to /24", "error"),
    ("V9", c(service_cidr="10.3.0.0/29"), "service_cidr", "too small", "error"),
    ("V9", c(node_local_dns_ip="169.254.169.254"), "node_local_dns_ip", "metadata", "error"),
    ("V9", c(pod_cidr="nope"), "pod_cidr", "not an IPv4 network", "error"),
    ("V10", c(disk_type="st1"), "disk_type", "not a bootable", "error"),
    ("V10", p(disk_type="io1"), 'worker_pool["web"].disk_iops', "required for io1", "error"),
    ("V10", c(disk_type="gp2", disk_iops=3000), "disk_iops", "only possible with io1, io2 or gp3", "error"),
    ("V10", c(disk_type="gp3", disk_iops=20000), "disk_iops", "out of range", "error"),
    ("V10", c(disk_type="io1", disk_size=10, disk_iops=1000), "disk_iops", "50 per GiB", "error"),
    ("V10", c(disk_type="standard", disk_size=2000), "disk_size", "out of range", "error"),
    ("V11", p(spot_price="cheap"), 'worker_pool["web"].spot_price', "not a price", "error"),
    ("V11", p(spot_price="0"), 'worker_pool["web"].spot_price', "not a price", "error"),
    ("V12", c(ssh_pubkeys=["ssh-dss AAAA x"]), "ssh_pubkeys[0]", "not supported", "error"),
    ("V12", c(ssh_pubkeys=[ED_AS_RSA]), "ssh_pubkeys[0]", "'ssh-ed25519' key, not 'ssh-rsa'", "error"),
    ("V12", c(ssh_pubkeys=["ssh-ed25519 !!!notbase64"]), "ssh_pubkeys[0]", "not valid base64", "error"),
    ("V12", c(ssh_pubkeys=[rsa_key(768)]), "ssh_pubkeys[0]", "under 1024 bits", "error"),
    ("V12", c(ssh_pubkeys=[rsa_key(1024)]), "ssh_pubkeys[0]", "weak", "warning"),
    ("V12", c(ssh_pubkeys=[]), "ssh_pubkeys", "at least one", "error"),
    ("V12", p(ssh_pubkeys=[]), 'worker_pool["web"].ssh_pubkeys', "takes the cluster's ssh_pubkeys", "warning"),
    ("V13", c(tags={"aws:owner": "x"}), 'tags["aws:owner"]', "reserved by AWS", "error"),
    ("V13", c(tags={"lokonb:cluster": "x"}), 'tags["lokonb:cluster"]', "set by lokonb", "error"),
    ("V13", c(tags={"Name": "x"}), 'tags["Name"]', "X-Name", "warning"),
    ("V13", c(tags={"k": "bad\u0001value"}), 'tags["k"]', "not a valid tag value", "error"),
    ("V13", p(tags={f"k{i}": "v" for i in range(46)}), 'worker_pool["web"].tags', "46 user tags", "error"),
    ("V14", c(controller_type="t3medium"), "controller_type", "not an EC2 instance type", "error"),
    ("V14", p(instance_type="mac2.metal"), 'worker_pool["web"].instance_type', "Mac", "error"),
    ("V14", p(instance_type="m6g.large", spot_instance_types=["m6g.xlarge", "m5.large"]),
     'worker_pool["web"].spot_instance_types[1]', "arm64", "error"),
    ("V15", c(region="eu-centrl-1"), "region", "did you mean eu-central-1", "error"),
    ("V15", block("aws", region="mars-1"), "aws.region", "not an AWS region", "error"),
    ("V16", c(os_channel="lts"), "os_channel", "not a Flatcar channel", "error"),
    ("V16", p(os_channel="flatcar-beta"), 'worker_pool["web"].os_channel',
     'is not a Flatcar channel; write "beta" (the flatcar- prefix of older Lokomotive releases is gone)', "error"),
    ("V16", p(os_version="3815.2"), 'worker_pool["web"].os_version', "not a Flatcar version", "error"),
    # flatcar.md §2: the Ignition spec of the node configs (T1: it must suit every pinned Flatcar version)
    ("V16", c(ignition_spec="3.2.0"), "ignition_spec", "not an Ignition spec lokonb renders", "error"),
    ("V16", c(ignition_spec=3.3), "ignition_spec", "", "error"),
    # T1 is the render's error (a Lokomotive file pinning an old release still gives a model)
    ("V16", c(os_version="2905.2.0"), "ignition_spec", "Flatcar 2905.2.0 (os_version) runs Ignition v0.3x",
     "warning"),
    ("V16", p(os_version="3033.2.4"), "ignition_spec", 'Flatcar 3033.2.4 (worker_pool["web"].os_version)',
     "warning"),
    ("V16", both(c(ignition_spec="3.4.0"), p(os_version="3100.0.0")), "ignition_spec", "max spec 2.3.0",
     "warning"),
    ("V16", c(ignition_spec="2.3.0", os_version="3815.2.0"), "ignition_spec", "converts spec 2.3.0 at boot",
     "warning"),
    ("V16", c(max_user_watches=0), "max_user_watches", "out of range", "error"),
    ("V16", c(max_user_watches=2**31), "max_user_watches", "out of range", "error"),
    ("V16", c(max_user_watches=4096), "max_user_watches", "below the kernel's old default", "warning"),
    ("V16", c(max_user_watches="many"), "max_user_watches", "", "error"),
    ("V17", p(count=-1), 'worker_pool["web"].count', "negative", "error"),
    ("V17", p(count=0), "worker_pool", "no worker nodes", "warning"),
    ("V17", p(count=10**20), 'worker_pool["web"].count', "at most 16 subnets of /20", "error"),
    ("V17", both(c(host_cidr="10.0.0.0/24"), p(count=177)), 'worker_pool["web"].count', "allowed: 0 to 176",
     "error"),
    ("V17", both(c(host_cidr="10.0.0.0/24"), pools({"name": "a", "count": 100}, {"name": "b", "count": 76})),
     "worker_pool", "177 nodes", "error"),
    ("V18", p(labels={"bad key!": "x"}), 'worker_pool["web"].labels["bad key!"]', "invalid label", "error"),
    ("V18", p(labels={"a": "-x"}), 'worker_pool["web"].labels["a"]', "value", "error"),
    ("V18", p(taints={"dedicated": "batch:Never"}), 'worker_pool["web"].taints["dedicated"]',
     "value:Effect", "error"),
    ("V19", p(target_groups=["arn:aws:s3:::bucket"]), 'worker_pool["web"].target_groups[0]',
     "not an ELBv2 target group ARN", "error"),
    ("V19", p(target_groups=[TG.replace("eu-central-1", "us-east-1")]), 'worker_pool["web"].target_groups[0]',
     "us-east-1", "error"),
    ("V20", c(dns_zone="example"), "dns_zone", "not a DNS zone name", "error"),
    # <cluster>.<zone> has 251 characters, the etcd records 6 more: Route 53 would refuse them after the controllers
    # were running
    ("V20", both(c(cluster_name="a" * 16, dns_zone=".".join(["b" * 57] * 4) + ".c"), c(controller_count=3)),
     "dns_zone", "the etcd record of controller 2", "error"),
    ("V20", c(dns_zone_id="/hostedzone/z-lower"), "dns_zone_id", "not a Route 53 hosted zone id", "error"),
    ("V20", c(cluster_domain_suffix=""), "cluster_domain_suffix", "not a DNS domain", "error"),
    ("V20", c(cluster_domain_suffix="cluster..local"), "cluster_domain_suffix", "not a DNS domain", "error"),
    ("V20", c(cluster_domain_suffix="Cluster.Local"), "cluster_domain_suffix", "upper-case letters", "error"),
    ("V21", c(metadata_hop_limit=65), "metadata_hop_limit", "out of range", "error"),
    ("V21", c(metadata_hop_limit=2), "metadata_hop_limit", "IAM credentials", "warning"),
    ("V21", p(imds_v2_required=False), 'worker_pool["web"].imds_v2_required', "IMDSv1", "warning"),
    ("V21", c(network_mtu=9100), "network_mtu", "out of range", "error"),
    ("V21", c(certs_validity_period_hours=0), "certs_validity_period_hours", "positive", "error"),
    ("V22", block("state", backend="s3", region="eu-central-1", dynamodb_table="locks"), "state.bucket",
     "no bucket", "error"),
    ("V22", block("state", backend="s3", bucket="b", region="eu-central-1"), "state.dynamodb_table",
     "lock table", "error"),
    ("V22", block("state", backend="consul"), "state.backend", "not a state backend", "error"),
    ("V22", block("state", backend="s3", bucket="Bad Bucket", key="k", region="eu-central-1", dynamodb_table="locks"),
     "state.bucket", "'Bad Bucket' is not a valid name (allowed: an S3 bucket name", "error"),
    ("V22", block("state", backend="s3", bucket="10.0.0.1", key="k", region="eu-central-1", dynamodb_table="locks"),
     "state.bucket", "not a valid name", "error"),
    ("V22", block("state", backend="s3", bucket="state", key="k", region="eu-central-1", dynamodb_table="bad table!"),
     "state.dynamodb_table", "'bad table!' is not a valid name (allowed: a DynamoDB table name", "error"),
    ("type", c(controller_count="three"), "controller_count", 'expected an integer, got "three"', "error"),
    ("type", c(enable_csi="yes"), "enable_csi", "expected true or false", "error"),
    ("type", p(labels={"a": 1.5}), 'worker_pool["web"].labels["a"]', "quote it", "error"),
    ("type", c(ssh_pubkeys="ssh-ed25519 AAAA"), "ssh_pubkeys", "expected a list", "error"),
    ("unknown", c(controler_type="t3.small"), "controler_type", 'did you mean "controller_type"?', "error"),
    ("unknown", p(instance_typ="t3.small"), 'worker_pool["web"].instance_typ', 'did you mean "instance_type"?',
     "error"),
    ("unknown", c(oidc={"issuer": "https://x"}), "oidc.issuer", 'did you mean "issuer_url"?', "error"),
    ("unknown", block("aws", endpont="embedded"), "aws.endpont", 'did you mean "endpoint"?', "error"),
    ("required", lambda d: d["cluster"].pop("dns_zone"), "dns_zone", "is required", "error"),
    ("required", p(count=None), 'worker_pool["web"].count', "expected an integer, got null", "error"),
    ("region", both(c(region="eu-west-1"), block("aws", region="eu-central-1")), "aws.region", "differs",
     "error"),
    ("aws", block("aws", retry_mode="legacy"), "aws.retry_mode", "retry mode", "error"),
    ("aws", block("aws", endpoint="ftp://x"), "aws.endpoint", "embedded", "error"),
    # URL credentials: botocore ignores them, config show and plans printed them
    ("aws", block("aws", endpoint="https://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG@example.com"), "aws.endpoint",
     "must not carry credentials", "error"),
    ("aws", block("aws", endpoint="https://user:pw-secret-1@example.com:8443"), "aws.endpoint",
     "must not carry credentials", "error"),
    ("aws", block("aws", endpoint="https://example.com:99999"), "aws.endpoint", "not a number from 0 to 65535",
     "error"),
    ("aws", block("aws", endpoint="https://example.com:abc"), "aws.endpoint", "not a number from 0 to 65535",
     "error"),
]


def issues_for(minimal: dict[str, Any], mutate: Mutation) -> list[Any]:
    mutate(minimal)
    try:
        return list(read_yaml(minimal).warnings)
    except ConfigValidationError as exc:
        return list(exc.issues)


@pytest.mark.parametrize(("rule", "mutate", "path", "fragment", "severity"), CASES,
                         ids=[f"{c[0]}-{c[2]}-{c[3][:20]}" for c in CASES])
def test_rule(minimal, rule, mutate, path, fragment, severity):
    found = issues_for(minimal, mutate)
    matching = [i for i in found if i.path == path and fragment in str(i)]
    assert matching, f"no issue at {path} containing {fragment!r}; got: {[str(i) for i in found]}"
    assert matching[0].severity == severity
    if severity == "warning":
        assert not [i for i in found if i.severity == "error"], [str(i) for i in found]


def test_every_rule_has_a_case():
    from lokonb.config.rules import RULES

    covered = {case[0] for case in CASES}
    assert {rule_id for rule_id, _ in RULES} <= covered


def test_all_issues_reported_at_once(minimal):
    minimal["cluster"].update(cluster_name="Bad_Name", controller_count="x", host_cidr="10.0.0.1/16")
    minimal["cluster"]["worker_pools"][0].update(lb_https_port=6443, cpu_manager_policy="x")
    with pytest.raises(ConfigValidationError) as exc:
        read_yaml(minimal)
    paths = {i.path for i in exc.value.errors}
    assert {"cluster_name", "controller_count", "host_cidr", 'worker_pool["web"].lb_https_port',
            'worker_pool["web"].cpu_manager_policy'} <= paths


def test_valid_edge_values_pass(minimal):
    minimal["cluster"].update(controller_count=3, disk_type="io2", disk_size=100, disk_iops=100000,
                              dns_zone="example.com.", dns_zone_id="/hostedzone/Z0123456789ABC",
                              ssh_pubkeys=[minimal["cluster"]["ssh_pubkeys"][0], rsa_key(4096)])
    minimal["cluster"]["worker_pools"][0].update(
        instance_type="c7gn.large", spot_instance_types=["m6g.large", "t4g.medium"], spot_price="0.00001",
        labels={"example.com/role": "web", "empty": ""}, taints={"dedicated": "web:NoExecute"},
        target_groups=[TG], lb_http_port=0, cpu_manager_policy="")
    loaded = read_yaml(minimal)
    assert loaded.config.dns_zone == "example.com" and loaded.config.dns_zone_id == "Z0123456789ABC"
    assert not loaded.warnings


def test_name_tag_is_renamed(minimal):
    minimal["cluster"]["tags"] = {"Name": "mine"}
    loaded = read_yaml(minimal)
    assert dict(loaded.config.tags) == {"X-Name": "mine"}


def test_kubelet_cannot_set_kubernetes_io_labels(minimal):
    minimal["cluster"]["worker_pools"][0]["labels"] = {"node-role.kubernetes.io/worker": "",
                                                      "node.kubernetes.io/role": "web"}
    with pytest.raises(ConfigValidationError) as exc:
        read_yaml(minimal)
    (issue,) = exc.value.errors
    assert issue.path == 'worker_pool["web"].labels["node-role.kubernetes.io/worker"]'
    assert "kubelet may not set" in issue.message


@pytest.mark.parametrize("endpoint", ["https://AKIAIOSFODNN7EXAMPLE:wJalrXUtnFEMI/K7MDENG@example.com",
                                      "ftp://u:wJalrXUtnFEMI@x"])
def test_endpoint_credentials_are_not_echoed(minimal, endpoint):
    found = issues_for(minimal, block("aws", endpoint=endpoint))
    assert found and not [str(i) for i in found if "wJalrXUtnFEMI" in str(i)]


@pytest.mark.parametrize("zone", ["Example.COM.", "EXAMPLE.com", "example.com."])
def test_dns_zone_is_canonical_lower_case_without_the_dot(minimal, zone):
    """DNS names are case-insensitive and Route 53 answers in lower case (V20): the zone is found, the records'
    names match what discovery reads, and the derived OIDC issuer has neither capitals nor the trailing dot."""
    minimal["cluster"].update(dns_zone=zone, oidc={})
    loaded = read_yaml(minimal)
    assert loaded.config.dns_zone == "example.com"
    assert loaded.config.oidc.issuer_url == f"https://dex.{loaded.config.cluster_name}.example.com"


def wire_key(ktype: str, *fields: bytes, extra: bytes = b"") -> str:
    """An OpenSSH public key line from its wire-format strings (uint32 length + bytes each)."""
    blob = b"".join(struct.pack(">I", len(f)) + f for f in (ktype.encode(), *fields)) + extra
    return f"{ktype} {base64.b64encode(blob).decode()} test"


def ec_point(size: int) -> bytes:
    return b"\x04" + bytes(range(1, size))


# layouts as OpenSSH's sshkey.c reads them (https://github.com/openssh/openssh-portable/blob/master/sshkey.c,
# ssh-ed25519.c: a 32-byte key, no trailing data); sshd ignores any other key as if it were not there
GOOD_KEYS = [wire_key("ssh-ed25519", bytes(range(32))),
             wire_key("sk-ssh-ed25519@openssh.com", bytes(range(32)), b"ssh:"),
             wire_key("ecdsa-sha2-nistp256", b"nistp256", ec_point(65)),
             wire_key("ecdsa-sha2-nistp384", b"nistp384", ec_point(97)),
             wire_key("ecdsa-sha2-nistp521", b"nistp521", ec_point(133)),
             wire_key("sk-ecdsa-sha2-nistp256@openssh.com", b"nistp256", ec_point(65), b"ssh:")]
BAD_KEYS = [(wire_key("ssh-ed25519", b"\x01"), "wrong size"),
            (wire_key("ssh-ed25519"), "truncated"),
            (wire_key("ssh-ed25519", bytes(range(32)), extra=b"\x00\x00"), "padded"),
            (wire_key("ssh-ed25519", bytes(range(32)), b"more"), "padded"),
            (wire_key("ecdsa-sha2-nistp256", b"nistp256", ec_point(33)), "wrong size"),
            (wire_key("ecdsa-sha2-nistp384", b"nistp256", ec_point(97)), "names curve 'nistp256'"),
            (wire_key("sk-ssh-ed25519@openssh.com", bytes(range(32))), "truncated"),
            (rsa_key(2048)[:-40] + " test", "not valid base64")]


@pytest.mark.parametrize("key", GOOD_KEYS, ids=lambda k: k.split()[0])
def test_well_formed_keys_of_every_allowed_type_pass(minimal, key):
    minimal["cluster"]["ssh_pubkeys"] = [key]
    assert not read_yaml(minimal).warnings


@pytest.mark.parametrize("key,fragment", BAD_KEYS, ids=[f"{k.split()[0]}-{i}" for i, (k, _) in enumerate(BAD_KEYS)])
def test_malformed_key_blobs_are_errors(minimal, key, fragment):
    """V12: an ed25519 key cut short or padded passed (only RSA blobs were parsed); sshd would ignore it."""
    minimal["cluster"]["ssh_pubkeys"] = [key]
    with pytest.raises(ConfigValidationError) as exc:
        read_yaml(minimal)
    (issue,) = exc.value.errors
    assert issue.path == "ssh_pubkeys[0]" and fragment in issue.message, issue.message
