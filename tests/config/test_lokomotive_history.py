"""Configs of older Lokomotive releases and of their docs' examples (composed fixtures in
``tests/fixtures/lokocfg_history/``, sources in its README): what lokonb says about names that were renamed or
removed across releases, other platforms' attributes and the docs' own mistakes, and that doing what it says
makes the config load."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from lokonb.config import ConfigError, ConfigValidationError, legacy, load_yaml, read_lokocfg
from lokonb.config.fields import CLUSTER_FIELDS, OIDC_FIELDS, POOL_FIELDS, names

from .test_lokomotive_go_cases import _lookup

HISTORY = Path(__file__).parents[1] / "fixtures" / "lokocfg_history"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"
LEVELS = {"cluster": CLUSTER_FIELDS, "pool": POOL_FIELDS, "oidc": OIDC_FIELDS}


def _where(fixture: str, text: str) -> str:
    """``file:line`` of the first line of a fixture holding ``text``."""
    path = HISTORY / fixture
    number = next(n for n, line in enumerate(path.read_text().split("\n"), 1) if text in line)
    return f"{path}:{number}"


def _issues(fixture: str, vars_name: str | None) -> tuple[Any, ...]:
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(HISTORY / fixture, HISTORY / vars_name if vars_name else None)
    return exc.value.issues


# --- the tables themselves --------------------------------------------------------------------------------------

def test_legacy_names_are_not_attributes_and_point_at_real_ones():
    """A table entry for a current name would hide it; a replacement must exist where it is said to be."""
    for item in legacy.LEGACY:
        assert item.name not in names(LEVELS[item.level]), item
        assert (item.to is None) != (item.advice == ""), item
        if item.to is not None:
            assert item.to[1] in names(LEVELS[item.to[0]]), item
    for level, name in legacy.OTHER_PLATFORMS:
        assert name not in names(LEVELS[level]), name
    for (level, name), instead in legacy._AWS_EQUIVALENT.items():
        assert (level, name) in legacy.OTHER_PLATFORMS, name
        assert callable(instead) or instead[0] in names(LEVELS[level]), instead


@pytest.mark.parametrize(("level", "name", "value", "hcl", "rule", "text"), [
    ("cluster", "worker_count", 3, True, "legacy", 'worker_pool "<name>" { count = 3 }'),
    ("cluster", "worker_count", 3, False, "legacy", "worker_pools: [{name: <name>, count: 3}]"),
    ("cluster", "worker_type", "m5.large", False, "legacy", "instance_type: m5.large"),
    ("cluster", "worker_price", "0.05", True, "legacy", 'spot_price = "0.05"'),
    ("cluster", "os_image", "flatcar-beta", True, "legacy", 'write os_channel = "beta"'),
    ("cluster", "os_image", "flatcar-beta", False, "legacy", "write os_channel: beta"),
    ("cluster", "ssh_pubkey", "~/.ssh/k.pub", True, "legacy", 'ssh_pubkeys = [file(pathexpand("~/.ssh/k.pub"))]'),
    ("cluster", "ssh_pubkey", "/keys/k.pub", True, "legacy", 'ssh_pubkeys = [file("/keys/k.pub")]'),
    ("cluster", "ssh_pubkey", "~/.ssh/k.pub", False, "legacy", "ssh_pubkeys: [<the text of ~/.ssh/k.pub>]"),
    ("cluster", "ssh_pubkey", KEY, True, "legacy", f'ssh_pubkeys = ["{KEY}"]'),
    ("cluster", "set_csi_driver_iam_role", True, True, "legacy", "write enable_csi = true"),
    ("cluster", "networking", "calico", True, "legacy", "Calico is the only network plugin"),
    ("cluster", "kube_apiserver_extra_flags", ["-v=1"], True, "legacy", "sets no extra kube-apiserver flags"),
    ("pool", "worker_type", "r5.large", True, "legacy", 'write instance_type = "r5.large"'),
    ("cluster", "worker_clc_snippets", ["storage:\n  files: []\n"], True, "legacy", "{ clc_snippets = ... }"),
    ("cluster", "project_id", "p-1", True, "platform", 'cluster "packet" / "equinixmetal", not of cluster "aws"'),
    ("cluster", "subscription_id", "s", True, "platform", 'an attribute of cluster "aks"'),
    ("cluster", "matchbox_endpoint", "m:8081", True, "platform", 'cluster "bare-metal"'),
    ("pool", "node_type", "c3.small.x86", True, "platform", 'on AWS write instance_type = "<an EC2 instance type'),
    ("pool", "vm_size", "Standard_D2_v2", False, "platform", "on AWS write instance_type: "),
    # the other platforms' attributes of Lokomotive's last release (pkg/platform/{packet,aks,baremetal,tinkerbell})
    ("pool", "os_arch", "arm64", True, "platform", "architecture from its instance type (arm64 for Graviton"),
    ("cluster", "os_arch", "arm64", True, "platform", 'cluster "packet" / "equinixmetal"'),
    ("pool", "reservation_ids", {"worker-0": "r"}, True, "platform", 'a worker_pool attribute of cluster "packet"'),
    ("pool", "setup_raid", True, True, "platform", 'cluster "packet" / "equinixmetal", not of cluster "aws"; remove'),
    ("cluster", "client_secret", "s3cr3t", True, "platform", 'an attribute of cluster "aks"'),
    ("cluster", "kernel_args", ["quiet"], True, "platform", 'cluster "bare-metal", not of cluster "aws"; remove it'),
    ("cluster", "labels", {"a": "b"}, False, "platform", "worker_pools: [{name: <name>, labels: { ... }}]"),
    ("cluster", "clc_snippets", {"node1": ["x"]}, True, "platform", "controller_clc_snippets = [...]"),
    ("cluster", "name", "edge", True, "platform", 'cluster "tinkerbell", not of cluster "aws"; on AWS write '
                                                  'cluster_name = "edge"'),
    ("cluster", "name", None, False, "platform", "cluster_name: <the same value>"),
    ("cluster", "controller_ip_addresses", ["10.17.3.4"], True, "platform", "write controller_count = <the number"),
    ("pool", "ip_addresses", ["10.17.3.5"], True, "platform", "write count = <the number of workers>"),
    ("pool", "ssh_public_keys", [KEY], True, "platform", "write ssh_pubkeys = <the same list of keys>"),
])
def test_hint(level, name, value, hcl, rule, text):
    got = legacy.hint(level, name, value, hcl=hcl)
    assert got is not None and got[0] == rule and text in got[1], got
    assert name != "client_secret" or value not in got[1]


def test_no_hint_for_other_names_or_levels():
    assert legacy.hint("cluster", "controler_type", "x", hcl=True) is None
    assert legacy.hint("oidc", "worker_count", 1, hcl=True) is None  # only where the old name lived
    assert legacy.hint("pool", "project_id", "x", hcl=True) is None


# --- whole configs ---------------------------------------------------------------------------------------------

#: fixture, vars file, the exact set of (path, rule) errors, and message fragments by path.
CONFIGS: list[tuple[str, str | None, set[tuple[str, str]], dict[str, str]]] = [
    ("pre-pools.lokocfg", "pre-pools.vars", {
        ("networking", "legacy"), ("worker_count", "legacy"), ("worker_type", "legacy"),
        ("worker_clc_snippets", "legacy"), ("worker_price", "legacy"), ("worker_target_groups", "legacy"),
        ("worker_pool", "V1"), ("network_mtu", "era"),
    }, {
        "networking": "removed before Lokomotive v0.1.0",
        "worker_count": 'write it in each worker pool: worker_pool "<name>" { count = 4 }',
        "worker_type": 'worker_pool "<name>" { instance_type = "m5.large" }',
        "worker_price": 'worker_pool "<name>" { spot_price = "0.04" }',
        "worker_target_groups": 'worker_pool "<name>" { target_groups = [] }',
        "network_mtu": "written for Lokomotive before v0.5.0 (it uses worker_count [",  # legacy.LEGACY's order
    }),
    ("early-lokoctl/cluster.lokocfg", "early-lokoctl/lokocfg.vars", {
        ("os_image", "legacy"), ("ssh_pubkey", "legacy"), ("worker_clc_snippets", "legacy"),
        ("ssh_pubkeys", "required"), ("worker_pool", "V1"),
    }, {
        "os_image": 'write os_channel = "edge"',
        "ssh_pubkey": f'write ssh_pubkeys = [file("{os.path.expanduser("~/.ssh/id_ed25519.pub")}")]',
        "worker_clc_snippets": 'worker_pool "<name>" { clc_snippets = ... }',
    }),
    ("reference-v0.2.lokocfg", "reference.vars", {
        ("controller_type", "expression"), ("tags", "block"), ("dns_zone_id", "expression"),
        ("set_csi_driver_iam_role", "legacy"), ("enable_aggreation", "unknown"), ("network_mtu", "era"),
    }, {
        "dns_zone_id": "`route53_zone_id` alone is not a value: refer to the variable as var.route53_zone_id",
        "set_csi_driver_iam_role": "write enable_csi = true",
        "enable_aggreation": 'did you mean "enable_aggregation"?',
        "network_mtu": "1480 is a CNI (pod interface) MTU: this file is written for Lokomotive before v0.5.0 (it uses "
                       "set_csi_driver_iam_role [",
    }),
    ("reference-v0.4.lokocfg", "reference.vars", {
        ("controller_type", "expression"), ("tags", "block"), ("dns_zone_id", "expression"),
        ('worker_pool["general"].labels', "type"), ('worker_pool["general"].taints', "type"), ("network_mtu", "era"),
    }, {
        'worker_pool["general"].labels': 'older Lokomotive releases (before v0.5.0); labels is now a map: write '
                                         'labels = { "tier" = "web", "zone" = "blue" }',
        'worker_pool["general"].taints': 'write taints = { "dedicated" = "web:NoSchedule" }',
        "os_name": "removed in v0.6.0, can be removed",  # a warning
        # encrypt_pod_traffic is on: the pods' MTU is 60 less than the physical one
        "network_mtu": "it uses worker_pool[\"general\"].labels as a string [",
    }),
    ("reference-note.lokocfg", None, {('worker_pool["my-worker-pool"].worker_type', "legacy")}, {
        'worker_pool["my-worker-pool"].worker_type': 'write instance_type = "r5.large"',
    }),
    ("ci-extra-flags.lokocfg", "ci.vars", {("kube_apiserver_extra_flags", "legacy")}, {
        "kube_apiserver_extra_flags": "accepted before Lokomotive v0.2.0",
    }),
    ("ci-csi-oidc.lokocfg", "ci.vars", {("set_csi_driver_iam_role", "legacy"), ("oidc.client_id", "era")}, {
        "oidc.client_id": 'defaulted to "gangway"; since v0.5.0 (and in lokonb) the default is "clusterauth"',
    }),
    ("quickstart-draft.lokocfg", None, {("project_id", "platform")}, {
        "project_id": 'an attribute of cluster "packet" / "equinixmetal", not of cluster "aws"; remove it',
    }),
    ("three-pools.lokocfg", None, {
        ('worker_pool["wp2"].lb_http_port', "V4"), ('worker_pool["wp2"].lb_https_port', "V4"),
        ('worker_pool["wp3"].lb_https_port', "V4"),
    }, {
        # wp3 sets 8080 itself, so the first free suggestion is 8081; each suggestion is given once
        'worker_pool["wp2"].lb_http_port': "(80 is the default: give each further pool its own lb_http_port, "
                                           "such as 8081)",
        'worker_pool["wp2"].lb_https_port': "such as 8443)",
        'worker_pool["wp3"].lb_https_port': "such as 8444)",
    }),
    ("backend-s3-unlocked.lokocfg", None, {("state.dynamodb_table", "V22")}, {
        "state.dynamodb_table": 'add dynamodb_table = "<table with hash key LockID>" to the backend "s3" block',
    }),
]


@pytest.mark.parametrize(("fixture", "vars_name", "errors", "messages"), CONFIGS, ids=[c[0] for c in CONFIGS])
def test_history_config_issues(fixture, vars_name, errors, messages):
    issues = _issues(fixture, vars_name)
    assert {(i.path, i.rule) for i in issues if i.severity == "error"} == errors
    for path, text in messages.items():
        found = [i for i in issues if i.path == path]
        assert found and text in found[0].message, (path, found)
    for issue in issues:
        if issue.rule in ("legacy", "platform"):  # located at the attribute's own line
            name = issue.path.rsplit(".", 1)[-1]
            assert issue.source == _where(fixture, f"{name} "), issue


def test_explicit_port_collision_has_no_default_hint(tmp_path):
    text = (HISTORY / "three-pools.lokocfg").read_text().replace(
        'worker_pool "wp2" {', 'worker_pool "wp2" {\n    lb_http_port = 8080')
    cfg = tmp_path / "c.lokocfg"
    cfg.write_text(text)
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(cfg)
    collision = [i for i in exc.value.issues if i.path == 'worker_pool["wp3"].lb_http_port']
    assert collision and "collides with" in collision[0].message and "default" not in collision[0].message


def test_s3_backend_without_region_names_the_backend_attribute(tmp_path, monkeypatch):
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
    text = (HISTORY / "backend-s3-unlocked.lokocfg").read_text()
    cfg = tmp_path / "c.lokocfg"
    cfg.write_text(text.replace('  region         = "ap-southeast-2"\n  aws_creds_path = "~/.aws/credentials"\n', ""))
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(cfg)
    region = [i for i in exc.value.issues if i.path == "state.region"]
    assert region and 'set region = "<bucket region>" in the backend "s3" block' in region[0].message
    assert region[0].source == f"{cfg}:1"


#: What each message says to write, applied to the fixture (old -> new, in order): the config then loads with the
#: values the old attributes had.
FIXES: list[tuple[str, str | None, list[tuple[str, str]], dict[str, Any]]] = [
    ("pre-pools.lokocfg", "pre-pools.vars", [
        ('  networking = "flannel"\n', ""),
        ("  worker_count = var.workers\n", ""), ("  worker_type = var.worker_kind\n", ""),
        ("  worker_clc_snippets = var.worker_snippets\n", ""), ("  worker_price = var.worker_bid\n", ""),
        ("  worker_target_groups = var.worker_tgs\n", ""),
        ("  enable_reporting = false\n", '  enable_reporting = false\n  worker_pool "old" {\n    count = var.workers\n'
         "    instance_type = var.worker_kind\n    clc_snippets = var.worker_snippets\n"
         "    spot_price = var.worker_bid\n    target_groups = var.worker_tgs\n  }\n"),
        ("network_mtu = 1480", "network_mtu = 1500"),
    ], {"worker_pools[0].count": 4, "worker_pools[0].instance_type": "m5.large", "worker_pools[0].spot_price": "0.04",
        "network_mtu": 1500, "os_channel": "beta", "region": "eu-west-1", "controller_count": 3,
        "state.key": "clusters/oldtimer/terraform.tfstate.lokonb.json"}),
    ("early-lokoctl/cluster.lokocfg", "early-lokoctl/lokocfg.vars", [
        ('os_image = "flatcar-edge"', 'os_channel = "edge"'),
        ('ssh_pubkey = "${pathexpand(var.ssh_pubkey)}"', f'ssh_pubkeys = ["{KEY}"]'),
        ("\tworker_clc_snippets = [", '\tworker_pool "edge" {\n\t\tcount = 2\n\t\tclc_snippets = ['),
        ('custom.yaml")}"]\n\tcontroller', 'custom.yaml")}"]\n\t}\n\tcontroller'),
    ], {"os_channel": "edge", "worker_pools[0].count": 2, "asset_dir": "/srv/lokoctl-assets/edgy",
        "creds_path": os.path.expanduser("~/.aws/credentials")}),
    ("reference-v0.2.lokocfg", "reference.vars", [
        ("var.controller_type", '"t3.large"'), ("  tags {", "  tags = {"),
        ("= route53_zone_id", "= var.route53_zone_id"), ("set_csi_driver_iam_role", "enable_csi"),
        ("enable_aggreation", "enable_aggregation"), ("network_mtu = 1480", "network_mtu = 1500"),
    ], {"enable_csi": True, "enable_aggregation": True, "tags": {"team": "blue", "stage": "dev"},
        "dns_zone_id": "Z07REF12345XYZ", "network_mtu": 1500, "host_cidr": "10.0.0.0/16", "oidc.client_id": "gangway",
        "worker_pools[0].lb_http_port": 8080, "disk_type": "gp3", "disk_iops": 3000}),
    ("reference-v0.4.lokocfg", "reference.vars", [
        ("var.controller_type", '"t3.large"'), ("  tags {", "  tags = {"),
        ("= route53_zone_id", "= var.route53_zone_id"),
        ('labels = "tier=web,zone=blue"', 'labels = { "tier" = "web", "zone" = "blue" }'),
        ('taints = "dedicated=web:NoSchedule"', 'taints = { "dedicated" = "web:NoSchedule" }'),
        ("network_mtu = 1480", "network_mtu = 1500"),
    ], {"worker_pools[0].labels": {"tier": "web", "zone": "blue"},
        "worker_pools[0].taints": {"dedicated": "web:NoSchedule"}, "encrypt_pod_traffic": True,
        "enable_tls_bootstrap": True, "network_mtu": 1500, "enable_csi": True}),
    ("reference-note.lokocfg", None, [("worker_type", "instance_type")],
     {"worker_pools[0].instance_type": "r5.large"}),
    ("ci-extra-flags.lokocfg", "ci.vars", [('  kube_apiserver_extra_flags = [\n    "-v=1",\n  ]\n', "")],
     {"os_channel": "edge", "worker_pools[0].spot_price": "0.09"}),
    ("ci-csi-oidc.lokocfg", "ci.vars", [("set_csi_driver_iam_role", "enable_csi"),
                                         ("oidc {}", 'oidc {\n    client_id = "gangway"\n  }')],
     {"enable_csi": True, "oidc.client_id": "gangway",
      "oidc.issuer_url": "https://dex.ci1600000001-beef.ci.example.dev"}),
    ("quickstart-draft.lokocfg", None, [('  project_id           = "00000000-1111-2222-3333-444444444444"\n', "")],
     {"ignore_x509_cn_check": True, "region": "us-east-2"}),
    ("three-pools.lokocfg", None, [
        ('worker_pool "wp2" {', 'worker_pool "wp2" {\n    lb_http_port = 8081\n    lb_https_port = 8443'),
        ("lb_http_port  = 8080", "lb_http_port  = 8080\n    lb_https_port = 8444"),
    ], {"worker_pools[1].lb_http_port": 8081, "worker_pools[2].lb_https_port": 8444}),
    ("backend-s3-unlocked.lokocfg", None,
     [("  aws_creds_path", '  dynamodb_table = "unlocked-lock"\n  aws_creds_path')],
     {"state.dynamodb_table": "unlocked-lock", "state.key": "clusters/unlocked/terraform.tfstate.lokonb.json",
      "state.region": "ap-southeast-2", "state.lock": True}),
]


@pytest.mark.parametrize(("fixture", "vars_name", "edits", "values"), FIXES, ids=[f[0] for f in FIXES])
def test_doing_what_the_messages_say_makes_it_load(tmp_path, fixture, vars_name, edits, values):
    source = HISTORY / fixture
    text = source.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    for extra in source.parent.glob("*.yaml"):  # a snippet the config reads with file()
        (tmp_path / extra.name).write_text(extra.read_text())
    cfg = tmp_path / source.name
    cfg.write_text(text)
    data = read_lokocfg(cfg, HISTORY / vars_name if vars_name else None).config.to_dict()
    for path, value in values.items():
        assert _lookup(data, path) == value, path


# --- syntax mistakes of the docs --------------------------------------------------------------------------------

@pytest.mark.parametrize(("fixture", "where", "text", "fixed"), [
    ("reference-v0.1-label.lokocfg", (14, 15), "a string is not closed on this line (a '\"' is missing)",
     ('"my-worker-pool {', '"my-worker-pool" {')),
    ("howto-oidc.lokocfg", (13, None), 'write issuer_url = "https://dex.<CLUSTER_NAME>.<DOMAIN_NAME>"',
     ("= https://dex.<CLUSTER_NAME>.<DOMAIN_NAME>", '= "https://dex.authn.auth.example.com"')),
])
def test_syntax_mistakes_are_named_at_their_line(tmp_path, fixture, where, text, fixed):
    with pytest.raises(ConfigError) as exc:
        read_lokocfg(HISTORY / fixture, HISTORY / "ci.vars")
    assert text in str(exc.value) and (exc.value.line, exc.value.column) == where
    cfg = tmp_path / "c.lokocfg"
    cfg.write_text((HISTORY / fixture).read_text().replace(*fixed))
    try:
        read_lokocfg(cfg, HISTORY / "reference.vars")
    except ConfigValidationError as err:  # parses now; what is left are ordinary, located issues
        assert all(i.source and i.rule for i in err.issues), err.issues


def test_bare_names_in_the_oidc_howto(tmp_path):
    text = (HISTORY / "howto-oidc.lokocfg").read_text().replace(
        "= https://dex.<CLUSTER_NAME>.<DOMAIN_NAME>", '= "https://dex.authn.auth.example.com"')
    path = tmp_path / "c.lokocfg"
    path.write_text(text)
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(path)
    got = {i.path: i.message for i in exc.value.issues if i.severity == "error"}
    assert got == {f"oidc.{name}": f'`{value}` alone is not a value: write a string in quotes ("{value}"), or '
                                   "var.NAME for a variable"
                   for name, value in (("client_id", "clusterauth"), ("username_claim", "email"),
                                       ("groups_claim", "groups"))}


# --- the same names in YAML parameters -------------------------------------------------------------------------

def test_yaml_gets_the_same_hints_in_yaml_spelling():
    cluster = {"cluster_name": "demo", "dns_zone": "example.com", "ssh_pubkeys": [KEY], "worker_count": 3,
               "os_image": "flatcar-alpha", "project_id": "p",
               "worker_pools": [{"name": "web", "count": 1, "worker_type": "m5.large", "node_type": "c3"}]}
    with pytest.raises(ConfigValidationError) as exc:
        load_yaml({"cluster": cluster})
    got = {(i.path, i.rule): i.message for i in exc.value.issues}
    assert "worker_pools: [{name: <name>, count: 3}]" in got["worker_count", "legacy"]
    assert got["os_image", "legacy"].endswith("write os_channel: alpha")
    assert got["project_id", "platform"].endswith("remove it")
    assert got['worker_pool["web"].worker_type', "legacy"].endswith("write instance_type: m5.large")
    assert "instance_type: " in got['worker_pool["web"].node_type', "platform"]


# --- found by mutating the fixtures: a label HCL cannot read --------------------------------------------------

@pytest.mark.parametrize(("old", "new", "escape", "nested"), [
    ('variable "custom_worker_type"', 'variable "custom\\_worker_type"', "\\_", False),
    ('worker_pool "my-worker-pool"', 'worker_pool "my\\-worker-pool"', "\\-", True),
])
def test_invalid_escape_in_a_label_is_located_not_an_internal_error(tmp_path, old, new, escape, nested):
    """lokoctl stops on such a label ("Invalid escape sequence"); lokonb raised ExprError, an internal error."""
    text = (HISTORY / "reference-note.lokocfg").read_text()
    assert old in text
    cfg = tmp_path / "c.lokocfg"
    cfg.write_text(text.replace(old, new))
    line = next(n for n, row in enumerate(cfg.read_text().split("\n"), 1) if escape in row)
    with pytest.raises(ConfigError) as exc:
        read_lokocfg(cfg)
    message = f"invalid escape sequence {escape} in string"
    if nested:  # inside the cluster block: one located issue among the others
        issues = [i for i in exc.value.issues if message in i.message]
        assert len(issues) == 1 and issues[0].path == "worker_pool" and issues[0].source == f"{cfg}:{line}"
    else:
        assert message in str(exc.value) and exc.value.line == line
