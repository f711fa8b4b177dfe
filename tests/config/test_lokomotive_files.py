"""Lokomotive's own config files (kinvolk/lokomotive examples, docs and CI), copied verbatim into
``fixtures/lokomotive/`` with a header naming their source: what lokonb reads from them and how it refuses the
parts it cannot take."""

from __future__ import annotations

import os
import re
import shutil
import string
from pathlib import Path

import pytest

from lokonb.config import ConfigError, ConfigValidationError, is_lokocfg, load, read_lokocfg

FIXTURES = Path(__file__).parent / "fixtures" / "lokomotive"
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"

#: The environment Lokomotive's CI gives envsubst (plausible values; CLUSTER_ID as its ci<epoch>-<hash> form).
CI_ENV = {"CLUSTER_ID": "ci1700000000-a1b2", "AWS_DNS_ZONE": "ci.example.com", "AWS_DNS_ZONE_ID": "Z0123456789ABC",
          "PUB_KEY": KEY, "EMAIL": "ci@example.com"}

#: lokocfg.vars for the examples' variables without defaults, as Lokomotive's docs describe them.
EXAMPLE_VARS = f"""\
dns_zone            = "example.com"
route53_zone_id     = "Z0123456789ABC"
ssh_public_keys     = ["{KEY}"]
state_s3_bucket     = "lokomotive-state"
lock_dynamodb_table = "lokomotive-lock"
oidc_issuer_url     = "https://dex.lokomotive-cluster.example.com"
oidc_client_id      = "gangway"
oidc_username_claim = "email"
oidc_groups_claim   = "groups"
"""


#: lokocfg.vars for the configuration reference's example (every variable it declares; values as its table says).
DOCS_VARS = EXAMPLE_VARS.replace("lokomotive-cluster", "myawscluster") + """\
asset_dir               = "./lokomotive-assets"
cluster_name            = "myawscluster"
controllers_count       = 3
workers_count           = 2
state_s3_key            = "lokomotive/terraform.tfstate"
state_s3_region         = "eu-central-1"
workers_type            = "t3.small"
controller_clc_snippets = []
worker_clc_snippets     = []
region                  = "eu-central-1"
disk_size               = 40
disk_type               = "gp2"
disk_iops               = 0
worker_disk_size        = 40
worker_disk_type        = "gp2"
worker_disk_iops        = 0
worker_spot_price       = ""
lb_http_port            = 80
lb_https_port           = 443
target_groups           = []
"""


def envsubst(text: str, env: dict[str, str]) -> str:
    """What CI's ``envsubst`` does to ``$NAME`` (HCL's own ``${var.x}`` templates are not names, so they stay)."""
    return string.Template(text).safe_substitute(env)


def vars_file(tmp_path: Path, text: str = EXAMPLE_VARS) -> Path:
    path = tmp_path / "lokocfg.vars"
    path.write_text(text, encoding="utf-8")
    return path


def copy_fixture(tmp_path: Path, name: str, env: dict[str, str] | None = None) -> Path:
    dest = tmp_path / name
    if env is None:
        shutil.copy(FIXTURES / name, dest)
    else:
        dest.write_text(envsubst((FIXTURES / name).read_text(encoding="utf-8"), env), encoding="utf-8")
    return dest


@pytest.mark.parametrize(("name", "expected"), [
    ("aws-testing.lokocfg", True),
    ("ci-aws-cluster.lokocfg.envsubst", True),
    ("ci-baremetal-cluster.lokocfg.envsubst", True),
    ("ci-aws-lokocfg.vars", False),
])
def test_lokomotive_file_kinds(name, expected):
    assert is_lokocfg(FIXTURES / name) is expected


def test_hcl_without_lokocfg_suffix_is_read_as_lokocfg(tmp_path):
    text = (FIXTURES / "aws-testing.lokocfg").read_text(encoding="utf-8")
    for name in ("cluster.hcl", "cluster.tpl", "cluster"):
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert is_lokocfg(tmp_path / name), name
    (tmp_path / "c.yaml").write_text(text, encoding="utf-8")  # a .yaml name stays YAML
    assert not is_lokocfg(tmp_path / "c.yaml")


def test_ci_aws_template_after_envsubst_loads_with_lokomotive_values(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    shutil.copy(FIXTURES / "ci-aws-lokocfg.vars", tmp_path / "lokocfg.vars")  # lokoctl reads ./lokocfg.vars
    cfg = copy_fixture(tmp_path, "ci-aws-cluster.lokocfg.envsubst", CI_ENV)
    loaded = load(cfg)
    c = loaded.config
    assert c.cluster_name == "ci1700000000-a1b2" and c.dns_zone == "ci.example.com"
    assert c.asset_dir == Path(os.path.expanduser("~/lokoctl-assets")) and c.os_channel == "stable"
    assert c.controller_count == 2 and c.enable_csi and c.ignore_x509_cn_check
    assert c.conntrack_max_per_core == 0
    assert c.oidc is not None and c.oidc.issuer_url == "https://dex.ci1700000000-a1b2.ci.example.com"
    assert c.oidc.client_id == "clusterauth"
    assert c.controller_clc_snippets[0].startswith("storage:\n  files:\n    - path: /opt/clc_snippet_hello")
    w1, w2 = c.pool("ci1700000000-a1b2-w1"), c.pool("ci1700000000-a1b2-w2")
    assert (w1.count, w1.instance_type, w1.disk_size, w1.spot_price) == (3, "i3.large", 30, "0.08")
    assert dict(w1.labels) == {"testing.io": "yes", "roleofnode": "testing", "conntrack-modified": "true"}
    assert dict(w1.tags) == {"deployment": "ci"} and len(w1.clc_snippets) == 2
    assert w1.clc_snippets[1].endswith("net.netfilter.nf_conntrack_max=50000\n")
    assert (w1.lb_http_port, w1.lb_https_port) == (80, 443)
    assert dict(w2.taints) == {"nodeType": "storage:NoSchedule"}
    assert (w2.count, w2.instance_type, w2.lb_http_port, w2.lb_https_port) == (1, "t2.small", 8080, 8443)
    components = [str(w) for w in loaded.warnings if w.path == "component"]
    assert components and "experimental-linkerd" in components[0] and "node-problem-detector" in components[0]


def test_ci_aws_edge_vars_select_the_edge_channel(tmp_path):
    cfg = copy_fixture(tmp_path, "ci-aws-cluster.lokocfg.envsubst", CI_ENV)
    c = load(cfg, FIXTURES / "ci-aws-edge-lokocfg.vars").config
    assert c.os_channel == "edge"


def test_ci_aws_template_without_envsubst_is_a_lokocfg_error_not_yaml(tmp_path):
    shutil.copy(FIXTURES / "ci-aws-lokocfg.vars", tmp_path / "lokocfg.vars")
    cfg = copy_fixture(tmp_path, "ci-aws-cluster.lokocfg.envsubst")
    with pytest.raises(ConfigValidationError) as exc:
        load(cfg)
    text = str(exc.value)
    assert "YAML" not in text and "cluster_name" in text


@pytest.mark.parametrize(("name", "platform", "line"), [
    ("packet-testing.lokocfg", "packet", 41),
    ("aks-testing.lokocfg", "aks", 35),
    ("tinkerbell-testing.lokocfg", "tinkerbell", 34),
    ("ci-baremetal-cluster.lokocfg.envsubst", "bare-metal", 3),
])
def test_other_platforms_are_refused_clearly(tmp_path, name, platform, line):
    with pytest.raises(ConfigError) as exc:
        load(FIXTURES / name, vars_file(tmp_path, ""))
    assert f'platform "{platform}" is not supported by lokonb (only aws)' in str(exc.value)
    assert exc.value.line == line and exc.value.file == str(FIXTURES / name)


#: Attributes of each platform's example that cluster "aws" has an equivalent for, and what lokonb says to write.
_EQUIVALENTS = {
    "packet-testing.lokocfg": {'worker_pool["pool-1"].node_type': 'write instance_type = "<an EC2 instance type'},
    "aks-testing.lokocfg": {'worker_pool["default"].vm_size': 'write instance_type = "<an EC2 instance type'},
    "tinkerbell-testing.lokocfg": {
        "name": 'write cluster_name = "lokomotive-cluster"',
        "ssh_public_keys": "write ssh_pubkeys = <the same list of keys>",
        "controller_ip_addresses": "write controller_count = <the number of controllers",
        'worker_pool["my-wp-name"].ip_addresses': "write count = <the number of workers>",
        "experimental_sandbox": 'cluster "tinkerbell"\'s provisioning sandbox'},
    "ci-baremetal-cluster.lokocfg.envsubst": {
        "labels": 'worker_pool "<name>" { labels = { ... } }',
        "clc_snippets": 'controllers take controller_clc_snippets = [...] and each worker pool its own: '
                        'worker_pool "<name>" { clc_snippets = [...] }'},
}


@pytest.mark.parametrize("name", sorted(_EQUIVALENTS))
def test_other_platforms_examples_relabelled_aws_name_their_platform(tmp_path, name):
    """Every attribute and block of another platform's example, under cluster "aws", is named as that platform's
    with what AWS takes instead: no look-alike suggestion (tinkerbell's controller_ip_addresses was "did you mean
    controller_type?", bare-metal's per-node clc_snippets map "did you mean controller_clc_snippets?") and no bare
    list of allowed names (packet's pool os_arch, tinkerbell's name, bare-metal's kernel_args)."""
    text = (FIXTURES / name).read_text(encoding="utf-8")
    cfg = tmp_path / "cluster.lokocfg"
    cfg.write_text(re.sub(r'^cluster "[a-z-]+"', 'cluster "aws"', text, count=1, flags=re.M), encoding="utf-8")
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(cfg, vars_file(tmp_path, ""))
    foreign = [i for i in exc.value.errors if i.rule in ("unknown", "platform")]
    assert foreign, [str(i) for i in exc.value.errors]
    for issue in foreign:
        assert "did you mean" not in issue.message and "allowed:" not in issue.message, str(issue)
    by_path = {i.path: i.message for i in foreign}
    for path, fragment in _EQUIVALENTS[name].items():
        assert fragment in by_path.get(path, ""), (path, by_path.get(path))


def test_aws_production_example(tmp_path):
    loaded = read_lokocfg(FIXTURES / "aws-production.lokocfg", vars_file(tmp_path))
    c = loaded.config
    assert (c.cluster_name, c.region, c.controller_count, c.dns_zone_id) == (
        "lokomotive-cluster", "eu-central-1", 3, "Z0123456789ABC")
    assert c.asset_dir == Path("lokomotive-assets") and c.os_channel == "stable" and c.os_version == "current"
    assert c.oidc is not None and (c.oidc.issuer_url, c.oidc.client_id) == (
        "https://dex.lokomotive-cluster.example.com", "gangway")
    assert (c.state.backend, c.state.bucket, c.state.key, c.state.region, c.state.dynamodb_table) == (
        "s3", "lokomotive-state", "lokomotive/terraform.tfstate.lokonb.json", "eu-central-1", "lokomotive-lock")
    pool = c.pool("my-wp-name")
    assert (pool.count, pool.instance_type, pool.ssh_pubkeys) == (3, "i3.large", (KEY,))


def test_aws_testing_example(tmp_path):
    c = read_lokocfg(FIXTURES / "aws-testing.lokocfg", vars_file(tmp_path)).config
    assert c.certs_validity_period_hours == 1 and c.controller_count == 1 and c.oidc is None
    assert c.state.backend == "local" and c.pool("my-wp-name").count == 1


def test_quickstart_loads_once_its_key_placeholder_is_replaced(tmp_path):
    with pytest.raises(ConfigValidationError) as exc:
        load(FIXTURES / "docs-quickstart-aws.lokocfg")
    assert {i.path for i in exc.value.errors} == {"ssh_pubkeys[0]", 'worker_pool["pool-1"].ssh_pubkeys[0]'}
    text = (FIXTURES / "docs-quickstart-aws.lokocfg").read_text(encoding="utf-8").replace("ssh-rsa AAAA...", KEY)
    cfg = tmp_path / "cluster.lokocfg"
    cfg.write_text(text, encoding="utf-8")
    c = load(cfg).config
    assert (c.cluster_name, c.region, c.dns_zone_id, c.asset_dir) == (
        "lokomotive-demo", "us-east-1", "DNSZONEID", Path("assets"))
    assert c.pool("pool-1").count == 2 and c.pool("pool-1").instance_type == "t3.small"


def test_docs_reference_example_mistakes_are_named_with_their_lines(tmp_path):
    """The reference example has three mistakes lokoctl rejects too; lokonb names all of them, each with its line."""
    src = FIXTURES / "docs-config-reference-aws.lokocfg"
    lines = src.read_text(encoding="utf-8").split("\n")
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(src, vars_file(tmp_path, DOCS_VARS))
    errors = {i.path: i for i in exc.value.errors}
    assert set(errors) == {"controller_type", "dns_zone_id", "tags"}
    # 1: var.controller_type has no variable block
    assert 'undeclared variable "controller_type"' in errors["controller_type"].message
    assert errors["controller_type"].source == f"{src}:{lines.index('  controller_type = var.controller_type') + 1}"
    # 2: a bare name instead of var.route53_zone_id
    assert "`route53_zone_id`" in errors["dns_zone_id"].message
    assert errors["dns_zone_id"].source == f"{src}:{lines.index('  dns_zone_id = route53_zone_id') + 1}"
    # 3: tags { } is a block; tags is a map attribute
    assert 'write tags = { ... } (with "=")' in errors["tags"].message
    assert errors["tags"].source == f"{src}:{lines.index('  tags {') + 1}"


def _testing_with(tmp_path: Path, cluster_lines: str = "", pool_lines: str = "", after: str = "") -> Path:
    text = (FIXTURES / "aws-testing.lokocfg").read_text(encoding="utf-8")
    text = text.replace("  certs_validity_period_hours = 1\n", "  certs_validity_period_hours = 1\n" + cluster_lines)
    text = text.replace("    ssh_pubkeys   = var.ssh_public_keys\n",
                        "    ssh_pubkeys   = var.ssh_public_keys\n" + pool_lines)
    text = text.replace('\ncomponent "metrics-server" {}', after + '\ncomponent "metrics-server" {}', 1)
    path = tmp_path / "cluster.lokocfg"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("cluster_lines", "pool_lines", "path", "fragment", "marker"), [
    ('  tags {\n    team = "ops"\n  }\n', "", "tags", "is an attribute, not a block", "  tags {"),
    ("", '    labels {\n      x = "y"\n    }\n', 'worker_pool["my-wp-name"].labels',
     "is an attribute, not a block", "    labels {"),
    ('  oidc = {\n    client_id = "x"\n  }\n', "", "oidc", "is a block, not an attribute", "  oidc = {"),
    ('  experimental_sandbox {\n    hosts_cidr = "10.17.3.0/24"\n  }\n', "", "experimental_sandbox",
     "unknown block (blocks allowed here: worker_pool, oidc)", "  experimental_sandbox {"),
    ("", '    dns {\n      provider = "route53"\n    }\n', 'worker_pool["my-wp-name"].dns',
     "unknown block (blocks allowed here: none)", "    dns {"),
    ('  worker_pool "a" "b" {\n    count = 1\n  }\n', "", "worker_pool", "takes one label", '  worker_pool "a" "b" {'),
    ("  worker_pool {\n    count = 1\n  }\n", "", "worker_pool", "takes one label", "  worker_pool {"),
    ('  oidc "dex" {\n  }\n', "", "oidc", "takes no label", '  oidc "dex" {'),
])
def test_block_shape_mistakes_are_issues_at_their_line(tmp_path, cluster_lines, pool_lines, path, fragment, marker):
    cfg = _testing_with(tmp_path, cluster_lines, pool_lines)
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(cfg, vars_file(tmp_path))
    found = [i for i in exc.value.errors if i.path == path and fragment in i.message]
    assert found, [str(i) for i in exc.value.errors]
    assert found[0].source == f"{cfg}:{cfg.read_text().split(chr(10)).index(marker) + 1}"


def test_cluster_attribute_lines_skip_worker_pool_blocks(tmp_path):
    """A cluster attribute written after a pool that has the same attribute is located at its own line."""
    cfg = _testing_with(tmp_path, pool_lines='    tags = {\n      "team" = "ops"\n    }\n',
                        after='\n  tags = {\n    "x" = ["not", "a", "string"]\n  }\n}')
    text = cfg.read_text().replace("  }\n}\n\n  tags = {", "  }\n\n  tags = {", 1)  # the tags move into the cluster
    cfg.write_text(text)
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(cfg, vars_file(tmp_path))
    issue = next(i for i in exc.value.errors if i.path == 'tags["x"]')
    lines = text.split("\n")
    assert issue.source == f"{cfg}:{len(lines) - lines[::-1].index('  tags = {')}"


def test_pool_attribute_errors_name_the_pool_line(tmp_path):
    """An expression error in the second pool is reported at that pool's attribute, not the first pool's."""
    cfg = _testing_with(tmp_path, pool_lines="    disk_size     = 30\n")
    text = cfg.read_text().replace('  }\n}\n\ncomponent "metrics-server"',
                                   '  }\n  worker_pool "second" {\n    count = 1\n    disk_size = var.nope\n  }\n}\n\n'
                                   'component "metrics-server"', 1)
    cfg.write_text(text)
    with pytest.raises(ConfigValidationError) as exc:  # with V4: the second pool's default ports collide
        read_lokocfg(cfg, vars_file(tmp_path))
    (issue,) = [i for i in exc.value.errors if i.path == 'worker_pool["second"].disk_size']
    line = text.split("\n").index("    disk_size = var.nope") + 1
    assert issue.source == f"{cfg}:{line}"


@pytest.mark.parametrize(("text", "fragment"), [
    ("cluster {\n}\n", "a cluster block takes one label"),
    ('cluster "aws" "x" {\n}\n', "a cluster block takes one label"),
    ("cluster = { a = 1 }\n", 'cluster is a block: write cluster "label" { ... }'),
    ('component {\n}\ncluster "aws" {\n}\n', "a component block takes one label"),
    ("variable {\n}\n", "a variable block takes one label"),
])
def test_top_level_shape_mistakes_are_config_errors_not_crashes(tmp_path, text, fragment):
    cfg = tmp_path / "c.lokocfg"
    cfg.write_text(text)
    with pytest.raises(ConfigError) as exc:
        read_lokocfg(cfg)
    assert fragment in str(exc.value) and exc.value.line == 1


def test_docs_reference_example_once_corrected_maps_every_attribute(tmp_path):
    """With its three mistakes corrected as lokoctl requires, the reference example loads; its host_cidr = ""
    means the default for lokoctl (its template leaves an empty host_cidr out), so it does for lokonb too."""
    text = (FIXTURES / "docs-config-reference-aws.lokocfg").read_text(encoding="utf-8")
    text = text.replace('variable "workers_type" {}', 'variable "workers_type" {}\nvariable "controller_type" {}')
    text = text.replace("= route53_zone_id", "= var.route53_zone_id").replace("  tags {", "  tags = {")
    cfg = tmp_path / "myawscluster.lokocfg"
    cfg.write_text(text, encoding="utf-8")
    loaded = read_lokocfg(cfg, vars_file(tmp_path, DOCS_VARS + 'controller_type = "t3.small"\n'))
    c = loaded.config
    host = [w for w in loaded.warnings if w.path == "host_cidr"]
    assert len(host) == 1 and "lokonb uses the default '10.0.0.0/16'" in host[0].message
    host_line = text.split("\n").index('  host_cidr = ""') + 1
    assert host[0].source == f"{cfg}:{host_line}"
    assert (c.host_cidr, c.pod_cidr, c.service_cidr, c.network_mtu) == ("10.0.0.0/16", "10.2.0.0/16", "10.3.0.0/16",
                                                                        1500)
    assert (c.cluster_name, c.controller_count, c.controller_type, c.region) == (
        "myawscluster", 3, "t3.small", "eu-central-1")
    assert dict(c.tags) == {"key1": "value1", "key2": "value2"}
    assert c.enable_csi and not c.expose_nodeports and c.enable_aggregation and c.enable_tls_bootstrap
    assert c.encrypt_pod_traffic and not c.enable_reporting and c.certs_validity_period_hours == 8760
    assert (c.disk_size, c.disk_type, c.disk_iops, c.cluster_domain_suffix) == (40, "gp2", 0, "cluster.local")
    assert c.oidc is not None and c.oidc.issuer_url == "https://dex.myawscluster.example.com"
    pool = c.pool("my-worker-pool")
    assert (pool.count, pool.instance_type, pool.os_channel, pool.os_version) == (2, "t3.small", "stable", "current")
    assert dict(pool.labels) == {"testlabel": ""} and dict(pool.taints) == {"nodeType": "storage:NoSchedule"}
    assert (pool.spot_price, pool.lb_http_port, pool.lb_https_port, pool.target_groups) == ("", 80, 443, ())
    assert dict(pool.tags) == {"key1": "value1", "key2": "value2", "key": "value"}
    assert c.state.backend == "s3" and c.state.key == "lokomotive/terraform.tfstate.lokonb.json"


@pytest.mark.parametrize(("cluster_lines", "pool_lines", "path", "attr", "value"), [
    ('  host_cidr = ""\n', "", "host_cidr", "host_cidr", "10.0.0.0/16"),
    ('  pod_cidr = ""\n', "", "pod_cidr", "pod_cidr", "10.2.0.0/16"),
    ('  service_cidr = ""\n', "", "service_cidr", "service_cidr", "10.3.0.0/16"),
    ('  cluster_domain_suffix = ""\n', "", "cluster_domain_suffix", "cluster_domain_suffix", "cluster.local"),
    ('  controller_type = ""\n', "", "controller_type", "controller_type", "t3.medium"),
    ('  os_channel = ""\n', "", "os_channel", "os_channel", "stable"),
    ('  os_version = ""\n', "", "os_version", "os_version", "current"),
    ('  disk_type = ""\n', "", "disk_type", "disk_type", "gp2"),
    ("  disk_size = 0\n", "", "disk_size", "disk_size", 40),
    ("  network_mtu = 0\n", "", "network_mtu", "network_mtu", 1500),
    ("", '    os_channel = ""\n', 'worker_pool["my-wp-name"].os_channel', "os_channel", "stable"),
    ("", "    disk_size = 0\n", 'worker_pool["my-wp-name"].disk_size', "disk_size", 40),
    ("", '    os_version = ""\n', 'worker_pool["my-wp-name"].os_version', "os_version", "current"),
])
def test_empty_values_mean_the_default_as_for_lokoctl(tmp_path, cluster_lines, pool_lines, path, attr, value):
    cfg = _testing_with(tmp_path, cluster_lines, pool_lines)
    loaded = read_lokocfg(cfg, vars_file(tmp_path))
    obj = loaded.config.pool("my-wp-name") if path.startswith("worker_pool") else loaded.config
    assert getattr(obj, attr) == value
    warning = [w for w in loaded.warnings if w.path == path]
    assert len(warning) == 1 and warning[0].rule == "empty-default"
    line = cfg.read_text().split("\n").index((cluster_lines or pool_lines).rstrip("\n")) + 1
    assert warning[0].source == f"{cfg}:{line}"


def test_empty_instance_type_of_a_pool_means_the_default(tmp_path):
    cfg = _testing_with(tmp_path)
    cfg.write_text(cfg.read_text().replace("instance_type = var.workers_type", 'instance_type = ""'))
    loaded = read_lokocfg(cfg, vars_file(tmp_path))
    assert loaded.config.pool("my-wp-name").instance_type == "t3.small"
    assert [w.rule for w in loaded.warnings if w.path == 'worker_pool["my-wp-name"].instance_type'] == [
        "empty-default"]


def test_ci_template_without_envsubst_names_its_placeholders(tmp_path):
    shutil.copy(FIXTURES / "ci-aws-lokocfg.vars", tmp_path / "lokocfg.vars")
    cfg = copy_fixture(tmp_path, "ci-aws-cluster.lokocfg.envsubst")
    with pytest.raises(ConfigValidationError) as exc:
        load(cfg)
    hint = [i for i in exc.value.issues if i.rule == "placeholders"]
    assert len(hint) == 1 and hint[0].severity == "warning"
    assert "$AWS_DNS_ZONE, $AWS_DNS_ZONE_ID, $CLUSTER_ID, $PUB_KEY" in hint[0].message and "envsubst" in hint[0].message


def test_shell_variables_in_snippets_are_not_placeholders(tmp_path):
    snippet = '  controller_clc_snippets = ["systemd:\\n  units:\\n    - name: x.service\\n      contents: echo $HOME"]'
    snippet += "\n"
    loaded = read_lokocfg(_testing_with(tmp_path, snippet), vars_file(tmp_path))
    assert not [w for w in loaded.warnings if w.rule == "placeholders"]


@pytest.mark.parametrize(("attr", "value", "suggestion"), [
    ("labels", "foo=bar,baz=zab", 'write labels = { "foo" = "bar", "baz" = "zab" }'),
    ("taints", "nodeType=storage:NoSchedule", 'write taints = { "nodeType" = "storage:NoSchedule" }'),
])
def test_old_string_form_of_labels_and_taints_gets_the_map_to_write(tmp_path, attr, value, suggestion):
    """Lokomotive's AWS reference once documented labels = "foo=bar,baz=zab"; it is a map now."""
    cfg = _testing_with(tmp_path, pool_lines=f'    {attr} = "{value}"\n')
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(cfg, vars_file(tmp_path))
    (issue,) = [i for i in exc.value.errors if i.path == f'worker_pool["my-wp-name"].{attr}']
    assert suggestion in issue.message and "older Lokomotive releases" in issue.message
    line = cfg.read_text().split("\n").index(f'    {attr} = "{value}"') + 1
    assert issue.source == f"{cfg}:{line}"


@pytest.mark.parametrize(("value", "severity", "fragment"), [
    ('"flatcar"', "warning", "is ignored: lokonb installs Flatcar Container Linux only"),
    ('"coreos"', "error", "'coreos': lokonb installs Flatcar Container Linux only"),
])
def test_os_name_of_older_lokomotive_releases(tmp_path, value, severity, fragment):
    """pkg/platform/aws/aws.go of some releases has os_name; lokonb installs Flatcar only."""
    cfg = _testing_with(tmp_path, f"  os_name = {value}\n")
    if severity == "warning":
        issues = read_lokocfg(cfg, vars_file(tmp_path)).warnings
    else:
        with pytest.raises(ConfigValidationError) as exc:
            read_lokocfg(cfg, vars_file(tmp_path))
        issues = exc.value.errors
    (issue,) = [i for i in issues if i.path == "os_name"]
    assert fragment in issue.message and issue.severity == severity
    assert issue.source == f"{cfg}:{cfg.read_text().split(chr(10)).index(f'  os_name = {value}') + 1}"
