"""The model: every documented default, immutability, JSON round trip, the model hash."""

from __future__ import annotations

import dataclasses
import json
import pickle
from pathlib import Path

import pytest

from lokonb.config import ClusterConfig, load_lokocfg, load_yaml
from lokonb.config.fields import AWS_FIELDS, CLUSTER_FIELDS, DERIVED, OIDC_FIELDS, POOL_FIELDS, STATE_FIELDS

# The configuration reference's defaults (aws.md §2.2-§2.5), written out independently of fields.py.
CLUSTER_DEFAULTS = {
    "tags": {}, "region": "eu-central-1", "controller_count": 1, "controller_type": "t3.medium",
    "controller_clc_snippets": [], "os_channel": "stable", "os_version": "current", "disk_size": 40,
    "disk_type": "gp2", "disk_iops": 0, "network_mtu": 1500, "host_cidr": "10.0.0.0/16",
    "pod_cidr": "10.2.0.0/16", "service_cidr": "10.3.0.0/16", "expose_nodeports": False, "enable_csi": False,
    "enable_aggregation": True, "enable_reporting": False, "certs_validity_period_hours": 8760,
    "enable_tls_bootstrap": True, "encrypt_pod_traffic": False, "conntrack_max_per_core": 32768,
    "enable_node_local_dns": False, "node_local_dns_ip": "169.254.1.1", "cluster_domain_suffix": "cluster.local",
    "ignore_x509_cn_check": False, "disable_self_hosted_kubelet": False, "imds_v2_required": True,
    "metadata_hop_limit": 1, "creds_path": None, "asset_dir": "lokonb-assets/demo", "oidc": None,
}
POOL_DEFAULTS = {
    "instance_type": "t3.small", "os_channel": "stable", "os_version": "current", "disk_size": 40,
    "disk_type": "gp2", "disk_iops": 0, "spot_price": "", "labels": {}, "taints": {}, "clc_snippets": [],
    "cpu_manager_policy": "none", "target_groups": [], "tags": {}, "lb_http_port": 80, "lb_https_port": 443,
    "spot_instance_types": [], "imds_v2_required": True, "metadata_hop_limit": 1,
}
AWS_DEFAULTS = {
    "endpoint": None, "region": "eu-central-1", "profile": None, "shared_credentials_file": None,
    "retry_mode": "standard", "max_attempts": 10, "max_concurrency": 8, "connect_timeout": 10,
    "read_timeout": 60, "waiter_scale": 1.0, "flatcar_ami_owner": "075585003325", "ebs_kms_key_id": None,
}
STATE_DEFAULTS = {"backend": "local", "path": "lokonb-assets/demo/lokonb-state.json", "lock": True}


def test_every_reference_default_is_filled(minimal):
    data = load_yaml(minimal).to_dict()
    for key, value in CLUSTER_DEFAULTS.items():
        assert data[key] == value, key
    pool = data["worker_pools"][0]
    assert pool["name"] == "web" and pool["count"] == 2
    assert pool["ssh_pubkeys"] == data["ssh_pubkeys"]  # pools default to the cluster's keys
    for key, value in POOL_DEFAULTS.items():
        assert pool[key] == value, key
    for key, value in AWS_DEFAULTS.items():
        assert data["aws"][key] == value, key
    for key, value in STATE_DEFAULTS.items():
        assert data["state"][key] == value, key


def test_field_tables_cover_the_model():
    config_fields = {f.name for f in dataclasses.fields(ClusterConfig)}
    assert {f.name for f in CLUSTER_FIELDS} | {"worker_pools", "oidc", "aws", "state"} == config_fields
    for table in (CLUSTER_FIELDS, POOL_FIELDS, OIDC_FIELDS, AWS_FIELDS, STATE_FIELDS):
        for f in table:
            assert f.help, f.name
            assert f.required or f.default is not None or f.default is DERIVED or f.kind in (
                "str", "path", "endpoint"), f.name


def test_oidc_block_defaults(minimal):
    minimal["cluster"]["oidc"] = {}
    oidc = load_yaml(minimal).oidc
    assert oidc is not None
    assert (oidc.issuer_url, oidc.client_id, oidc.username_claim, oidc.groups_claim) == (
        "https://dex.demo.example.com", "clusterauth", "email", "groups")


def test_model_is_immutable(minimal):
    config = load_yaml(minimal)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.cluster_name = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.tags["x"] = "y"  # type: ignore[index]
    assert isinstance(config.worker_pools, tuple) and isinstance(config.ssh_pubkeys, tuple)
    assert pickle.loads(pickle.dumps(config)) == config
    assert hash(config) == hash(load_yaml(minimal))


def test_to_dict_round_trips_through_json_and_load_yaml(repo_root: Path):
    config = load_yaml(repo_root / "parameters/provision_cluster/default.yaml")
    again = load_yaml(json.loads(json.dumps(config.to_dict())))
    assert again == config
    assert again.to_dict() == config.to_dict()


def test_model_hash_ignores_how_aws_is_reached(minimal):
    base = load_yaml(minimal).model_hash
    minimal["aws"] = {"endpoint": "embedded", "profile": "ops", "max_attempts": 3}
    minimal["state"] = {"backend": "local", "path": "/tmp/x.json"}
    assert load_yaml(minimal).model_hash == base
    minimal["cluster"]["controller_type"] = "t3.large"
    assert load_yaml(minimal).model_hash != base


def test_pool_tags_merge_over_cluster_tags(minimal):
    minimal["cluster"]["tags"] = {"team": "platform", "cost": "a"}
    minimal["cluster"]["worker_pools"][0]["tags"] = {"cost": "b"}
    config = load_yaml(minimal)
    assert dict(config.pool("web").tags) == {"team": "platform", "cost": "b"}
    assert dict(config.tags) == {"team": "platform", "cost": "a"}


def test_lb_port_zero_means_default_and_embedded_waiter_scale(minimal):
    minimal["cluster"]["worker_pools"][0].update(lb_http_port=0, lb_https_port=0)
    minimal["aws"] = {"endpoint": "embedded"}
    config = load_yaml(minimal)
    assert (config.pool("web").lb_http_port, config.pool("web").lb_https_port) == (80, 443)
    assert config.aws.waiter_scale == 0.02 and config.aws.embedded


def test_example_lokocfg_is_the_default_parameters_cluster(repo_root: Path):
    yaml_model = load_yaml(repo_root / "parameters/provision_cluster/default.yaml")
    hcl_model = load_lokocfg(repo_root / "examples/demo/cluster.lokocfg",
                             vars_path=repo_root / "examples/demo/lokocfg.vars")
    assert hcl_model.model_hash == yaml_model.model_hash
    assert hcl_model.worker_pools == yaml_model.worker_pools
