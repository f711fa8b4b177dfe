"""Lokomotive .lokocfg loading: the kinds of configs Lokomotive's examples and CI use, and the loader's edges."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lokonb.config import ConfigError, ConfigValidationError, load_lokocfg, parse_var_override, read_lokocfg

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"

# Lokomotive's examples/aws-testing shape: variables without defaults from lokocfg.vars, components.
TESTING = """\
variable "dns_zone" {}
variable "route53_zone_id" {}
variable "ssh_public_keys" {}

variable "asset_dir" {
  default = "./lokomotive-assets"
}

variable "cluster_name" {
  default = "lokomotive-cluster"
}

variable "controllers_count" {
  default = 1
}

variable "workers_count" {
  default = 1
}

variable "workers_type" {
  default = "i3.large"
}

cluster "aws" {
  asset_dir        = pathexpand(var.asset_dir)
  cluster_name     = var.cluster_name
  controller_count = var.controllers_count
  dns_zone         = var.dns_zone
  dns_zone_id      = var.route53_zone_id
  ssh_pubkeys      = var.ssh_public_keys

  certs_validity_period_hours = 1

  //os_channel       = "stable"

  worker_pool "my-wp-name" {
    count         = var.workers_count
    instance_type = var.workers_type
    ssh_pubkeys   = var.ssh_public_keys
  }
}

component "metrics-server" {}

component "openebs-storage-class" {
  storage-class "openebs-test-sc" {
    replica_count = 1
    default       = true
  }
}
"""

VARS = f"""\
dns_zone        = "example.com"
route53_zone_id = "Z0123456789ABC"
ssh_public_keys = ["{KEY}"]
"""

# examples/aws-production shape: S3 backend and an OIDC block from variables.
PRODUCTION = """\
variable "dns_zone" {}
variable "route53_zone_id" {}
variable "ssh_public_keys" {}
variable "state_s3_bucket" {}
variable "lock_dynamodb_table" {}
variable "oidc_issuer_url" {}
variable "oidc_client_id" {}
variable "oidc_username_claim" {}
variable "oidc_groups_claim" {}

variable "state_s3_key" {
  default = "lokomotive/terraform.tfstate"
}

variable "state_s3_region" {
  default = "eu-central-1"
}

backend "s3" {
  bucket         = var.state_s3_bucket
  key            = var.state_s3_key
  region         = var.state_s3_region
  dynamodb_table = var.lock_dynamodb_table
}

cluster "aws" {
  asset_dir        = pathexpand("~/assets")
  cluster_name     = "prod"
  controller_count = 3
  dns_zone         = var.dns_zone
  dns_zone_id      = var.route53_zone_id
  ssh_pubkeys      = var.ssh_public_keys

  oidc {
    issuer_url     = var.oidc_issuer_url
    client_id      = var.oidc_client_id
    username_claim = var.oidc_username_claim
    groups_claim   = var.oidc_groups_claim
  }

  worker_pool "my-wp-name" {
    count         = 3
    instance_type = "i3.large"
  }
}
"""

PRODUCTION_VARS = VARS + """\
state_s3_bucket     = "my-state"
lock_dynamodb_table = "my-locks"
oidc_issuer_url     = "https://dex.prod.example.com"
oidc_client_id      = "gangway"
oidc_username_claim = "email"
oidc_groups_claim   = "groups"
"""

# ci/aws style: heredoc CLC snippets, labels, taints, spot prices, several pools, tags, old-style types.
CI = f"""\
variable "asset_dir" {{
  type = "string"
}}

cluster "aws" {{
  asset_dir        = pathexpand(var.asset_dir)
  cluster_name     = "ci42"
  controller_count = 3
  dns_zone         = "example.com"
  dns_zone_id      = "Z0123456789ABC"
  ssh_pubkeys      = ["{KEY}"]
  enable_csi       = true

  controller_clc_snippets = [
    <<EOF
storage:
  files:
    - path: /opt/clc_snippet_hello
      filesystem: root
      contents:
        inline: Hello, world!
      mode: 0644
EOF
  ]

  worker_pool "ci42-w1" {{
    count         = 3
    disk_size     = 30
    instance_type = "i3.large"
    spot_price    = "0.08"
    labels        = {{
      "testing.io" = "yes",
      "roleofnode" = "testing",
    }}
    tags = {{
      "deployment" = "ci"
    }}
    clc_snippets = [
      <<-EOT
        systemd:
          units:
            - name: hello.service
              enable: true
      EOT
    ]
  }}

  worker_pool "ci42-w2" {{
    count         = 1
    instance_type = "t2.small"
    spot_price    = "0.01"
    taints        = {{
      "nodeType" = "storage:NoSchedule"
    }}
    lb_http_port  = 8080
    lb_https_port = 8443
  }}

  oidc {{}}
}}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_testing_example_with_vars_file(tmp_path):
    cfg = write(tmp_path, "cluster.lokocfg", TESTING)
    vars_file = write(tmp_path, "lokocfg.vars", VARS)
    loaded = read_lokocfg(cfg, vars_file)
    c = loaded.config
    assert c.cluster_name == "lokomotive-cluster" and c.dns_zone_id == "Z0123456789ABC"
    assert c.ssh_pubkeys == (KEY,) and c.certs_validity_period_hours == 1
    assert c.asset_dir == Path("./lokomotive-assets")
    assert c.pool("my-wp-name").instance_type == "i3.large" and c.pool("my-wp-name").count == 1
    assert c.oidc is None and c.state.backend == "local"
    warning = [str(w) for w in loaded.warnings if w.path == "component"]
    assert warning and "metrics-server, openebs-storage-class" in warning[0]
    assert "not handled by lokonb" in warning[0]


def test_production_example_s3_backend_and_oidc(tmp_path):
    cfg = write(tmp_path, "cluster.lokocfg", PRODUCTION)
    c = load_lokocfg(cfg, write(tmp_path, "prod.vars", PRODUCTION_VARS))
    assert c.asset_dir == Path(os.path.expanduser("~/assets"))
    assert (c.state.backend, c.state.bucket, c.state.key, c.state.region, c.state.dynamodb_table) == (
        "s3", "my-state", "lokomotive/terraform.tfstate.lokonb.json", "eu-central-1", "my-locks")
    assert c.oidc is not None and c.oidc.client_id == "gangway"
    assert c.oidc.issuer_url == "https://dex.prod.example.com"
    assert c.controller_count == 3


def test_ci_style_heredocs_labels_taints_spot(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, "lokocfg.vars", 'asset_dir = "~/lokoctl-assets"\n')  # read from the working directory
    c = load_lokocfg(write(tmp_path, "ci.lokocfg", CI))
    assert c.asset_dir == Path(os.path.expanduser("~/lokoctl-assets"))
    assert c.controller_clc_snippets[0].startswith("storage:\n  files:\n")
    assert c.controller_clc_snippets[0].endswith("mode: 0644\n")
    w1, w2 = c.pool("ci42-w1"), c.pool("ci42-w2")
    assert w1.clc_snippets == ("systemd:\n  units:\n    - name: hello.service\n      enable: true\n",)
    assert dict(w1.labels) == {"testing.io": "yes", "roleofnode": "testing"} and w1.spot_price == "0.08"
    assert dict(w1.tags) == {"deployment": "ci"} and w1.disk_size == 30
    assert dict(w2.taints) == {"nodeType": "storage:NoSchedule"}
    assert (w2.lb_http_port, w2.lb_https_port, w2.spot_price) == (8080, 8443, "0.01")
    assert c.enable_csi and c.oidc is not None and c.oidc.issuer_url == "https://dex.ci42.example.com"


def test_directory_of_lokocfg_files_is_merged(tmp_path):
    head, tail = TESTING.split('cluster "aws"')
    (tmp_path / "a.lokocfg").write_text(head)
    (tmp_path / "b.lokocfg").write_text('cluster "aws"' + tail)
    c = load_lokocfg(tmp_path, write(tmp_path, "lokocfg.vars", VARS))
    assert c.cluster_name == "lokomotive-cluster"


def test_var_overrides_win(tmp_path):
    cfg = write(tmp_path, "cluster.lokocfg", TESTING)
    overrides = dict(parse_var_override(v) for v in
                     ["workers_count=4", "cluster_name=other", "workers_type=t3.large"])
    c = load_lokocfg(cfg, write(tmp_path, "v.vars", VARS), overrides)
    assert (c.cluster_name, c.pool("my-wp-name").count, c.pool("my-wp-name").instance_type) == (
        "other", 4, "t3.large")


def test_parse_var_override_types():
    assert parse_var_override("n=3") == ("n", 3)
    assert parse_var_override("b=true") == ("b", True)
    assert parse_var_override('s="x y"') == ("s", "x y")
    assert parse_var_override("plain=eu-central-1") == ("plain", "eu-central-1")
    assert parse_var_override('l=["a", "b"]') == ("l", ["a", "b"])
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        parse_var_override("novalue")


def test_missing_variable_is_named(tmp_path):
    cfg = write(tmp_path, "cluster.lokocfg", TESTING)
    with pytest.raises(ConfigValidationError) as exc:  # ssh_public_keys has no value either: reported too
        load_lokocfg(cfg, write(tmp_path, "v.vars", 'dns_zone = "example.com"\n'))
    (issue,) = [i for i in exc.value.errors if i.path == "dns_zone_id"]
    assert 'variable "route53_zone_id" has no value' in issue.message and "dns_zone_id" in str(exc.value)
    line = TESTING.split("\n").index("  dns_zone_id      = var.route53_zone_id") + 1
    assert issue.source == f"{cfg}:{line}"


def test_undeclared_variable_and_vars_warning(tmp_path):
    cfg = write(tmp_path, "c.lokocfg", TESTING.replace("var.workers_type", "var.nope"))
    with pytest.raises(ConfigError, match='undeclared variable "nope"'):
        load_lokocfg(cfg, write(tmp_path, "v.vars", VARS))
    loaded = read_lokocfg(write(tmp_path, "d.lokocfg", TESTING),
                          write(tmp_path, "w.vars", VARS + "extra = 1\n"))
    assert any(w.path == "var.extra" and "ignored" in w.message for w in loaded.warnings)


@pytest.mark.parametrize("expr", ['upper("x")', "var.workers_count + 1", 'var.workers_count == 1 ? 2 : 3',
                                  '[for x in ["a"]: x]'])
def test_unsupported_expressions(tmp_path, expr):
    cfg = write(tmp_path, "c.lokocfg", TESTING.replace("certs_validity_period_hours = 1",
                                                       f"certs_validity_period_hours = {expr}"))
    with pytest.raises(ConfigError) as exc:
        load_lokocfg(cfg, write(tmp_path, "v.vars", VARS))
    assert "certs_validity_period_hours" in str(exc.value)
    assert "lokonb evaluates var.*, file(), pathexpand() and string templates" in str(exc.value)


def _ci_without_vars() -> str:
    return CI.replace("pathexpand(var.asset_dir)", '"./a"').replace(
        'variable "asset_dir" {\n  type = "string"\n}\n', "")


def test_file_outside_the_config_folder_is_allowed_missing_file_is_clear(tmp_path, monkeypatch):
    (tmp_path / "snippets").mkdir()
    (tmp_path / "snippets" / "s.yaml").write_text("storage: {}\n")
    conf = tmp_path / "conf"
    conf.mkdir()
    monkeypatch.chdir(conf)
    (conf / "c.lokocfg").write_text(_ci_without_vars().replace(
        "controller_clc_snippets = [", 'controller_clc_snippets = [file("../snippets/s.yaml"), '))
    assert load_lokocfg(conf / "c.lokocfg").controller_clc_snippets[0] == "storage: {}\n"
    (conf / "m.lokocfg").write_text(_ci_without_vars().replace(
        "controller_clc_snippets = [", 'controller_clc_snippets = [file("missing.yaml"), '))
    with pytest.raises(ConfigError) as exc:
        load_lokocfg(conf / "m.lokocfg")
    assert "file('missing.yaml'): no such file" in str(exc.value)
    assert "controller_clc_snippets" in str(exc.value)


def test_file_is_resolved_beside_the_config(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "snip.yaml").write_text("passwd: {}\n")
    (conf / "c.lokocfg").write_text(_ci_without_vars().replace(
        "controller_clc_snippets = [", 'controller_clc_snippets = [file("snip.yaml"), '))
    assert load_lokocfg(conf / "c.lokocfg").controller_clc_snippets[0] == "passwd: {}\n"


def test_windows_line_endings_and_bom(tmp_path):
    cfg = tmp_path / "c.lokocfg"
    cfg.write_bytes(b"\xef\xbb\xbf" + TESTING.replace("\n", "\r\n").encode())
    vars_file = tmp_path / "v.vars"
    vars_file.write_bytes(b"\xef\xbb\xbf" + VARS.replace("\n", "\r\n").encode())
    assert load_lokocfg(cfg, vars_file).cluster_name == "lokomotive-cluster"


@pytest.mark.parametrize(("text", "fragment"), [
    ("", "no cluster block"),
    ("   \n", "no cluster block"),
    ('cluster "packet" {\n}\n', 'platform "packet" is not supported by lokonb (only aws)'),
    ('clustr "aws" {\n}\n', 'did you mean "cluster"?'),
    ('cluster "aws" {\n  cluster_name = \n}\n', "HCL syntax error"),
    ('backend "gcs" {}\ncluster "aws" {}\n', 'backend "gcs" is not supported'),
    ('backend "s3" {\n  buckt = "x"\n}\ncluster "aws" {}\n', 'did you mean "bucket"?'),
])
def test_structural_errors(tmp_path, text, fragment):
    with pytest.raises(ConfigError) as exc:
        load_lokocfg(write(tmp_path, "c.lokocfg", text))
    assert fragment in str(exc.value)


def test_syntax_error_has_line_and_column(tmp_path):
    cfg = write(tmp_path, "c.lokocfg", 'cluster "aws" {\n  cluster_name = "x"\n  count = = 3\n}\n')
    with pytest.raises(ConfigError) as exc:
        load_lokocfg(cfg)
    assert exc.value.file == str(cfg) and exc.value.line == 3 and exc.value.column is not None


@pytest.mark.parametrize(("body", "where", "message"), [
    ('  asset_dir = \n', (2, 15), "unexpected end of line: expected a value (a string, number, list, map"),
    ('  asset_dir = "x"\n', (3, 1), "unexpected end of file: a '}' is missing (the block opened on line 1"),
    ('  worker_pool "a" {\n    count = 1\n}\n', (5, 1), "a '}' is missing (the block opened on line 1 "),
    ('  asset_dir = "x\n}\n', (2, 15), "a string is not closed on this line (a '\"' is missing)"),
    ('  a = [1, 2\n}\n', (3, 1), "unexpected '}': expected ',' or ']' or end of line"),
    ('  count == 1\n}\n', (2, 9), "unexpected '==': expected '=' (an attribute is written name = value)"),
    ('  count 1\n}\n', (2, 9), "unexpected '1': expected '='"),
    ('  count = @\n}\n', (2, 11), "unexpected '@': expected a value"),
    ('  count = 1 }}\n', (2, 14), "unexpected '}': expected end of file"),
])
def test_syntax_errors_in_words(tmp_path, body, where, message):
    """Parser failures name what was found and what belongs there, never the grammar's token names."""
    cfg = write(tmp_path, "c.lokocfg", 'cluster "aws" {\n' + body)
    with pytest.raises(ConfigError) as exc:
        load_lokocfg(cfg)
    text = str(exc.value)
    assert message in text and "Token(" not in text and "STRING_CHARS" not in text
    assert (exc.value.line, exc.value.column) == where


def test_block_labels_may_be_identifiers(tmp_path):
    """HCL allows bare identifier labels (``cluster aws {``); they read as the quoted ones."""
    text = TESTING.replace('cluster "aws" {', "cluster aws {").replace('worker_pool "my-wp-name"', "worker_pool w1")
    assert text != TESTING
    loaded = read_lokocfg(write(tmp_path, "c.lokocfg", text), write(tmp_path, "lokocfg.vars", VARS))
    assert [p.name for p in loaded.config.worker_pools] == ["w1"]
    bad = text.replace("instance_type = var.workers_type", 'instance_type = var.workers_type\n    instance_typ = "x"')
    with pytest.raises(ConfigValidationError) as exc:
        load_lokocfg(write(tmp_path, "c.lokocfg", bad), write(tmp_path, "lokocfg.vars", VARS))
    line = bad.split("\n").index('    instance_typ = "x"') + 1
    assert {i.source for i in exc.value.errors if i.path.endswith("instance_typ")} == {f"{tmp_path}/c.lokocfg:{line}"}


def test_validation_issues_use_lokocfg_paths_and_lines(tmp_path):
    text = TESTING.replace("instance_type = var.workers_type", "instance_type = var.workers_type\n"
                           '    lb_https_port = 6443\n    instance_typ = "x"')
    cfg = write(tmp_path, "c.lokocfg", text)
    with pytest.raises(ConfigValidationError) as exc:
        load_lokocfg(cfg, write(tmp_path, "v.vars", VARS))
    by_path = {i.path: i for i in exc.value.errors}
    line = text.split("\n").index("    lb_https_port = 6443") + 1
    assert by_path['worker_pool["my-wp-name"].lb_https_port'].source == f"{cfg}:{line}"
    assert 'did you mean "instance_type"?' in by_path['worker_pool["my-wp-name"].instance_typ'].message


def test_string_templates_and_escapes(tmp_path):
    text = TESTING.replace("cluster_name     = var.cluster_name",
                           'cluster_name     = "${var.cluster_name}-x"').replace(
        "certs_validity_period_hours = 1",
        'certs_validity_period_hours = 1\n  controller_clc_snippets = ["a\\"b $${lit} %%{x}\\t\\u00e9"]')
    c = load_lokocfg(write(tmp_path, "c.lokocfg", text), write(tmp_path, "v.vars", VARS))
    assert c.cluster_name == "lokomotive-cluster-x"
    assert c.controller_clc_snippets == ('a"b ${lit} %{x}\t\u00e9',)


def test_backend_local_maps_to_lokonb_state_file(tmp_path):
    text = 'backend "local" {\n  path = "./lokomotive-assets/terraform.tfstate"\n}\n' + TESTING
    c = load_lokocfg(write(tmp_path, "c.lokocfg", text), write(tmp_path, "v.vars", VARS))
    assert c.state.backend == "local"
    # lokoctl ran Terraform in <asset_dir>/terraform, so a relative path was relative to that directory
    assert c.state.path == Path("./lokomotive-assets/terraform/lokomotive-assets/terraform.tfstate.lokonb.json")


def test_allowed_lists_use_lokocfg_spelling(tmp_path):
    # lokocfg writes pools as `worker_pool "name" { }` blocks: the "allowed" lists must say so (not the YAML
    # `worker_pools`, not `name`, which is the block label)
    text = TESTING.replace("instance_type = var.workers_type", 'instance_type = var.workers_type\n    zzz_qqq = 1')
    text = text.replace('cluster "aws" {', 'cluster "aws" {\n  qqq_zzz = 1', 1)
    cfg = write(tmp_path, "c.lokocfg", text)
    with pytest.raises(ConfigValidationError) as exc:
        load_lokocfg(cfg, write(tmp_path, "v.vars", VARS))
    by_path = {i.path: i.message for i in exc.value.errors}
    cluster_msg = by_path["qqq_zzz"]
    pool_msg = by_path['worker_pool["my-wp-name"].zzz_qqq']
    assert "worker_pool, oidc" in cluster_msg and "worker_pools" not in cluster_msg
    assert "allowed: count, instance_type" in pool_msg and "name" not in pool_msg.split("allowed:")[1]
