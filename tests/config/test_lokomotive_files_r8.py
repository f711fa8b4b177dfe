"""Lokomotive configs, round 8: what a config becomes. Each row is a composed ``.lokocfg`` (with ``lokocfg.vars``,
``--var`` overrides or several files where its source has them) after a Lokomotive example, doc, CI config or test
of some release; the whole resolved model is compared field by field with what lokoctl and the Lokomotive AWS
Terraform module would have run with the same file: lokoctl's variable rules (pkg/config), the attributes its
template passes only when non-empty (pkg/platform/aws/template.go) and the module's ``variables.tf`` defaults.
Where aws.md defines a default differently (``controller_type``, pool ``ssh_pubkeys``, pool ``tags``), the
expected value is the spec's and the row says so."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from lokonb.config import ConfigValidationError, read_lokocfg
from lokonb.config.lokocfg import parse_var_override

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"
KEY2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHb5kB0dUzlqCvmbbT6NoxV4X2nbq8K2cqW1iVoMyqU5 ci@example"
TG_ARN = "arn:aws:elasticloadbalancing:eu-central-1:123456789012:targetgroup/web-extra/0123456789abcdef"

LOKO = "https://github.com/kinvolk/lokomotive/blob/"
EX_TESTING = LOKO + "0b360b3a27646b9a8ce6fd3b22b220ddbb248d45/examples/aws-testing/cluster.lokocfg"
EX_PRODUCTION = LOKO + "215889d3cad0930fbce82c58627e7e06706ec612/examples/aws-production/cluster.lokocfg"
DOCS_REFERENCE = LOKO + "0f50bfe458c03f613c76447bcfa17ccabd7b541c/docs/configuration-reference/platforms/aws.md"
CI_AWS = LOKO + "055081dcaf3d0998a6298ad0dabe7e7640976de0/ci/aws/aws-cluster.lokocfg.envsubst"
CI_AWS_VARS = LOKO + "154cc1b01afb48f410d709599e4909bd049bcf29/ci/aws/lokocfg.vars"
CI_EDGE_VARS = LOKO + "154cc1b01afb48f410d709599e4909bd049bcf29/ci/aws-edge/lokocfg.vars"
TEMPLATE_GO = LOKO + "ee6ff6444b740426f5910d65f5e37efd03e74511/pkg/platform/aws/template.go"
MODULE = "/assets/terraform-modules/aws/flatcar-linux/kubernetes/"
MODULE_VARS = LOKO + "51af87f67fa57245c2d9b5f25b695898f1a35017" + MODULE + "variables.tf"
WORKERS_VARS = LOKO + "6819bdc42a0e315d2d2a3964b859660ee4b15eed" + MODULE + "workers/variables.tf"
CONFIG_GO = LOKO + "07fc4022c481daaea215f386a7d92d81c4ef72d9/pkg/config/config.go"
CONFIG_TEST = LOKO + "2085d908b079e48b4596773b6fdd449abeb083a4/pkg/config/config_test.go"
OIDC_GO = LOKO + "0ad5103fbf546bb5cfbf6afa69345061cb508183/pkg/oidc/oidc.go"
AWS_TEST_GO = LOKO + "9dff2cec05aff4ae53284a36f3b622905f79ff35/pkg/platform/aws/aws_test.go"
ROOK_HOWTO = LOKO + "20e0dff3a6a23f73c644d42add2e7d2e26a37c1a/docs/how-to-guides/rook-ceph-storage.md"
CSI_DOCS = LOKO + "173e517e482b964dfd943316971e4294b1723e41/docs/configuration-reference/components/" \
                   "aws-ebs-csi-driver.md"
WORKER_POOLS_DOC = LOKO + "2d403c23636df50b1ce2bde5885b4dae5e2386a3/docs/advanced/worker-pools.md"
BACKEND_LOCAL = LOKO + "9a84c9a91b41e861549e56503f9f1bee95678923/docs/configuration-reference/backend/local.md"
BACKEND_S3 = LOKO + "6a904c497582b7667147e49e38273d4c97ec67a0/docs/configuration-reference/backend/s3.md"
CERT_ROTATION = LOKO + "228f504b2c61ebae09fd64ed4d45798d5dcea5c8/docs/how-to-guides/certificate-rotation.md"
HCL_INDEX = "https://github.com/hashicorp/hcl/blob/ddf207a7cea10ef0d19a82420f8342316e611297/ops.go"
CTY_CONVERT = "https://github.com/zclconf/go-cty/blob/98e835cd91b78ccb4ca90f9c1e285bbefb570234/cty/convert/" \
              "conversion_primitive.go"

#: Every cluster attribute's default as aws.md §2.2 states it (not read from lokonb's tables: this is what they
#: are checked against). Lokomotive's module defaults are the same except controller_type (docs t3.small, code
#: t3.medium) and tags (module {ManagedBy, CreatedBy}, never reached: lokoctl always passed a map).
SPEC_CLUSTER: dict[str, Any] = {
    "tags": {}, "region": "eu-central-1", "dns_zone_id": None, "creds_path": None, "controller_count": 1,
    "controller_type": "t3.medium", "controller_clc_snippets": [], "os_channel": "stable", "os_version": "current",
    "disk_size": 40, "disk_type": "gp2", "disk_iops": 0, "network_mtu": 1500, "host_cidr": "10.0.0.0/16",
    "pod_cidr": "10.2.0.0/16", "service_cidr": "10.3.0.0/16", "expose_nodeports": False, "enable_csi": False,
    "enable_aggregation": True, "enable_reporting": False, "certs_validity_period_hours": 8760,
    "enable_tls_bootstrap": True, "encrypt_pod_traffic": False, "conntrack_max_per_core": 32768,
    "enable_node_local_dns": False, "node_local_dns_ip": "169.254.1.1", "cluster_domain_suffix": "cluster.local",
    "ignore_x509_cn_check": False, "disable_self_hosted_kubelet": False, "imds_v2_required": True,
    "metadata_hop_limit": 1, "ignition_spec": "3.3.0", "max_user_watches": 1048576, "oidc": None,
}
#: aws.md §2.3, the workers module's variables.tf: t3.small, stable/current, 40/gp2/0, on-demand, ports 80/443.
SPEC_POOL: dict[str, Any] = {
    "instance_type": "t3.small", "os_channel": "stable", "os_version": "current", "disk_size": 40,
    "disk_type": "gp2", "disk_iops": 0, "spot_price": "", "labels": {}, "taints": {}, "clc_snippets": [],
    "cpu_manager_policy": "none", "target_groups": [], "tags": {}, "lb_http_port": 80, "lb_https_port": 443,
    "spot_instance_types": [], "imds_v2_required": True, "metadata_hop_limit": 1,
}
#: aws.md §2.4 and pkg/oidc: issuer https://dex.<cluster_name>.<dns_zone>, clusterauth, email, groups.
SPEC_OIDC = {"client_id": "clusterauth", "username_claim": "email", "groups_claim": "groups"}


def oidc(**values: str) -> dict[str, str]:
    """An oidc block's resolved values; issuer_url defaults to the demo cluster's Dex."""
    return {"issuer_url": "https://dex.demo.example.com", **SPEC_OIDC, **values}


def cluster(attrs: str = "", pool: str = "", head: str = "", tail: str = "", pools: str = "") -> str:
    """A cluster "aws" with ``attrs`` in the cluster block and ``pool`` in worker pool "web" (which gives its own
    ssh_pubkeys, as lokoctl requires), ``pools`` as further worker_pool blocks."""
    return f"""{head}
cluster "aws" {{
  asset_dir    = "./assets"
  cluster_name = "demo"
  dns_zone     = "example.com"
  dns_zone_id  = "Z0123456789ABC"
  ssh_pubkeys  = ["{KEY}"]
  {attrs}
  worker_pool "web" {{
    count       = 2
    ssh_pubkeys = ["{KEY}"]
    {pool}
  }}
  {pools}
}}
{tail}"""


@dataclass
class Case:
    """One composed config and the model lokoctl + the module make of it (only what differs from the spec's
    defaults; ``pools`` maps pool name -> its attributes, count included)."""

    name: str
    source: str
    text: str
    expect: dict[str, Any] = field(default_factory=dict)
    pools: dict[str, dict[str, Any]] = field(default_factory=lambda: {"web": {"count": 2}})
    vars_text: str | None = None
    overrides: dict[str, Any] | None = None
    files: dict[str, str] = field(default_factory=dict)  # more *.lokocfg files: load the directory
    state: dict[str, Any] | None = None  # the state settings a backend block gives (None: local, in asset_dir)
    base: dict[str, Any] = field(default_factory=lambda: {"cluster_name": "demo", "dns_zone": "example.com",
                                                          "dns_zone_id": "Z0123456789ABC", "asset_dir": "assets",
                                                          "ssh_pubkeys": [KEY]})


#: The examples' variables without defaults, set as Lokomotive's docs describe them.
EXAMPLE_VARS = f"""\
dns_zone        = "example.com"
route53_zone_id = "Z0123456789ABC"
ssh_public_keys = ["{KEY}"]
"""
PRODUCTION_VARS = EXAMPLE_VARS + """\
state_s3_bucket     = "lokomotive-state"
lock_dynamodb_table = "lokomotive-lock"
oidc_issuer_url     = "https://dex.lokomotive-cluster.example.com"
oidc_client_id      = "gangway"
oidc_username_claim = "email"
oidc_groups_claim   = "groups"
"""
HOME = Path(os.path.expanduser("~"))


def example_testing(certs: str = "1") -> str:
    """examples/aws-testing: variables with and without defaults, pathexpand, one pool on i3.large."""
    return f"""variable "dns_zone" {{}}
variable "route53_zone_id" {{}}
variable "ssh_public_keys" {{}}
variable "asset_dir" {{
  default = "./lokomotive-assets"
}}
variable "cluster_name" {{
  default = "lokomotive-cluster"
}}
variable "controllers_count" {{
  default = 1
}}
variable "workers_count" {{
  default = 1
}}
variable "workers_type" {{
  default = "i3.large"
}}

cluster "aws" {{
  asset_dir        = pathexpand(var.asset_dir)
  cluster_name     = var.cluster_name
  controller_count = var.controllers_count
  dns_zone         = var.dns_zone
  dns_zone_id      = var.route53_zone_id
  ssh_pubkeys      = var.ssh_public_keys

  certs_validity_period_hours = {certs}

  //os_channel       = "stable"
  worker_pool "my-wp-name" {{
    count         = var.workers_count
    instance_type = var.workers_type
    ssh_pubkeys   = var.ssh_public_keys
  }}
}}

component "metrics-server" {{}}
"""


EXAMPLE_BASE = {"cluster_name": "lokomotive-cluster", "dns_zone": "example.com", "dns_zone_id": "Z0123456789ABC",
                "asset_dir": "lokomotive-assets", "ssh_pubkeys": [KEY]}

PRODUCTION = """variable "dns_zone" {}
variable "route53_zone_id" {}
variable "ssh_public_keys" {}
variable "state_s3_bucket" {}
variable "lock_dynamodb_table" {}
variable "oidc_issuer_url" {}
variable "oidc_client_id" {}
variable "oidc_username_claim" {}
variable "oidc_groups_claim" {}
variable "cluster_name" { default = "lokomotive-cluster" }
variable "controllers_count" { default = 3 }
variable "workers_count" { default = 3 }
variable "state_s3_key" { default = "lokomotive/terraform.tfstate" }
variable "state_s3_region" { default = "eu-central-1" }
variable "workers_type" { default = "i3.large" }

backend "s3" {
  bucket         = var.state_s3_bucket
  key            = var.state_s3_key
  region         = var.state_s3_region
  dynamodb_table = var.lock_dynamodb_table
}

cluster "aws" {
  asset_dir        = "./lokomotive-assets"
  cluster_name     = var.cluster_name
  controller_count = var.controllers_count
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
    count         = var.workers_count
    instance_type = var.workers_type
    ssh_pubkeys   = var.ssh_public_keys
  }
}
"""
PRODUCTION_STATE = {"backend": "s3", "bucket": "lokomotive-state", "key": "lokomotive/terraform.tfstate.lokonb.json",
                    "region": "eu-central-1", "dynamodb_table": "lokomotive-lock", "shared_credentials_file": None}
PRODUCTION_OIDC = {"issuer_url": "https://dex.lokomotive-cluster.example.com", "client_id": "gangway",
                   "username_claim": "email", "groups_claim": "groups"}

#: The configuration reference's example, with its mistakes corrected the way its table says (tags as a map,
#: var.route53_zone_id, a declared controller_type) and every variable set in lokocfg.vars.
DOCS = """variable "dns_zone" {}
variable "route53_zone_id" {}
variable "ssh_public_keys" {}
variable "cluster_name" {}
variable "controllers_count" {}
variable "controller_type" {}
variable "workers_type" {}
variable "disk_size" {}
variable "disk_type" {}
variable "disk_iops" {}
variable "worker_disk_size" {}
variable "worker_disk_type" {}
variable "worker_disk_iops" {}
variable "worker_spot_price" {}
variable "lb_http_port" {}
variable "lb_https_port" {}
variable "target_groups" {}
variable "worker_clc_snippets" {}

cluster "aws" {
  asset_dir        = "./assets"
  cluster_name     = var.cluster_name
  controller_count = var.controllers_count
  controller_type  = var.controller_type
  os_channel       = "stable"
  os_version       = "current"
  tags = {
    key1 = "value1"
    key2 = "value2"
  }
  dns_zone                    = var.dns_zone
  dns_zone_id                 = var.route53_zone_id
  enable_csi                  = true
  expose_nodeports            = false
  ssh_pubkeys                 = var.ssh_public_keys
  certs_validity_period_hours = 8760
  enable_aggregation          = true
  enable_tls_bootstrap        = true
  encrypt_pod_traffic         = true
  disk_size                   = var.disk_size
  disk_type                   = var.disk_type
  disk_iops                   = var.disk_iops
  network_mtu                 = 1500
  host_cidr                   = ""
  pod_cidr                    = "10.2.0.0/16"
  service_cidr                = "10.3.0.0/16"
  cluster_domain_suffix       = "cluster.local"
  enable_reporting            = false

  worker_pool "my-worker-pool" {
    count         = 2
    instance_type = var.workers_type
    ssh_pubkeys   = var.ssh_public_keys
    labels = {
      "testlabel" = ""
    }
    taints = {
      "nodeType" = "storage:NoSchedule"
    }
    disk_size     = var.worker_disk_size
    disk_type     = var.worker_disk_type
    disk_iops     = var.worker_disk_iops
    spot_price    = var.worker_spot_price
    lb_http_port  = var.lb_http_port
    lb_https_port = var.lb_https_port
    target_groups = var.target_groups
    clc_snippets  = var.worker_clc_snippets
    tags = {
      "key" = "value"
    }
  }
}
"""
DOCS_VARS = EXAMPLE_VARS + """\
cluster_name        = "demo"
controllers_count   = 3
controller_type     = "t3.small"
workers_type        = "t3.small"
disk_size           = 40
disk_type           = "gp2"
disk_iops           = 0
worker_disk_size    = 40
worker_disk_type    = "gp2"
worker_disk_iops    = 0
worker_spot_price   = ""
lb_http_port        = 80
lb_https_port       = 443
target_groups       = []
worker_clc_snippets = []
"""
DOCS_POOL = {"count": 2, "labels": {"testlabel": ""}, "taints": {"nodeType": "storage:NoSchedule"},
             "tags": {"key": "value"}}
DOCS_EXPECT = {"controller_count": 3, "controller_type": "t3.small", "tags": {"key1": "value1", "key2": "value2"},
               "enable_csi": True, "encrypt_pod_traffic": True}

SNIPPET = """storage:
  files:
    - path: /opt/clc_snippet_hello
      filesystem: root
      contents:
        inline: Hello, world!
      mode: 0644
"""
#: CI's AWS config after envsubst (CLUSTER_ID etc. as CI sets them), read with ci/aws/lokocfg.vars.
CI = f"""# Use variables here even if not strictly necessary
variable "asset_dir" {{
  type = "string"
}}

variable "os_channel" {{
  type = "string"
}}

cluster "aws" {{
  asset_dir        = pathexpand(var.asset_dir)
  cluster_name     = "ci1700000000-a1b2"
  controller_count = 3
  dns_zone         = "ci.example.com"
  dns_zone_id      = "Z0123456789ABC"
  os_channel       = var.os_channel
  ssh_pubkeys      = ["{KEY}"]
  enable_csi       = true

  controller_clc_snippets = [
    <<EOF
{SNIPPET}EOF
  ]

  ignore_x509_cn_check = true

  worker_pool "ci1700000000-a1b2-w1" {{
    count         = 3
    ssh_pubkeys   = ["{KEY}"]
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
  }}

  worker_pool "ci1700000000-a1b2-w2" {{
    count         = 1
    ssh_pubkeys   = ["{KEY}"]
    disk_size     = 30
    instance_type = "t2.small"
    spot_price    = "0.01"
    taints        = {{
      "nodeType" = "storage:NoSchedule"
    }}
    lb_http_port  = 8080
    lb_https_port = 8443
    clc_snippets = [
      <<EOF
{SNIPPET}EOF
    ]
  }}

  oidc {{}}
}}

component "metrics-server" {{}}
"""
CI_BASE = {"cluster_name": "ci1700000000-a1b2", "dns_zone": "ci.example.com", "dns_zone_id": "Z0123456789ABC",
           "asset_dir": str(HOME / "lokoctl-assets"), "ssh_pubkeys": [KEY]}
CI_EXPECT = {"controller_count": 3, "enable_csi": True, "ignore_x509_cn_check": True,
             "controller_clc_snippets": [SNIPPET],
             "oidc": {"issuer_url": "https://dex.ci1700000000-a1b2.ci.example.com", **SPEC_OIDC}}
CI_POOLS = {
    "ci1700000000-a1b2-w1": {"count": 3, "disk_size": 30, "instance_type": "i3.large", "spot_price": "0.08",
                             "labels": {"testing.io": "yes", "roleofnode": "testing"}, "tags": {"deployment": "ci"}},
    "ci1700000000-a1b2-w2": {"count": 1, "disk_size": 30, "instance_type": "t2.small", "spot_price": "0.01",
                             "taints": {"nodeType": "storage:NoSchedule"}, "lb_http_port": 8080,
                             "lb_https_port": 8443, "clc_snippets": [SNIPPET]},
}

CASES: list[Case] = [
    # --- Lokomotive's own examples, docs and CI, whole ------------------------------------------------------------
    Case("aws-testing example", EX_TESTING, example_testing(), {"certs_validity_period_hours": 1},
         {"my-wp-name": {"count": 1, "instance_type": "i3.large"}}, EXAMPLE_VARS, base=EXAMPLE_BASE),
    Case("aws-testing example, vars override defaults", EX_TESTING, example_testing(),
         {"cluster_name": "staging", "controller_count": 3, "certs_validity_period_hours": 1},
         {"my-wp-name": {"count": 4, "instance_type": "m5.large"}},
         EXAMPLE_VARS + 'cluster_name = "staging"\ncontrollers_count = 3\nworkers_count = 4\n'
                        'workers_type = "m5.large"\n', base=EXAMPLE_BASE),
    Case("aws-testing example, --var beats lokocfg.vars", EX_TESTING, example_testing(),
         {"controller_count": 5, "certs_validity_period_hours": 1},
         {"my-wp-name": {"count": 6, "instance_type": "i3.large"}},
         EXAMPLE_VARS + "controllers_count = 3\nworkers_count = 4\n",
         overrides={"controllers_count": 5, "workers_count": "6"}, base=EXAMPLE_BASE),
    Case("aws-testing example, --var asset_dir through pathexpand", EX_TESTING, example_testing(),
         {"asset_dir": str(HOME / "lk" / "staging"), "certs_validity_period_hours": 1},
         {"my-wp-name": {"count": 1, "instance_type": "i3.large"}}, EXAMPLE_VARS,
         overrides={"asset_dir": "~/lk/staging"}, base=EXAMPLE_BASE),
    Case("aws-testing example, certificates for a year", CERT_ROTATION, example_testing("8760"), {},
         {"my-wp-name": {"count": 1, "instance_type": "i3.large"}}, EXAMPLE_VARS, base=EXAMPLE_BASE),
    Case("aws-production example", EX_PRODUCTION, PRODUCTION, {"controller_count": 3, "oidc": PRODUCTION_OIDC},
         {"my-wp-name": {"count": 3, "instance_type": "i3.large"}}, PRODUCTION_VARS, base=EXAMPLE_BASE,
         state=PRODUCTION_STATE),
    Case("aws-production example, state key from --var", EX_PRODUCTION, PRODUCTION,
         {"controller_count": 3, "oidc": PRODUCTION_OIDC}, {"my-wp-name": {"count": 3, "instance_type": "i3.large"}},
         PRODUCTION_VARS, overrides={"state_s3_key": "clusters/prod.tfstate", "state_s3_region": "us-east-1"},
         base=EXAMPLE_BASE, state={**PRODUCTION_STATE, "key": "clusters/prod.tfstate.lokonb.json",
                                   "region": "us-east-1"}),
    Case("aws-production example on a local backend", BACKEND_LOCAL,
         PRODUCTION.replace(PRODUCTION[PRODUCTION.index('backend "s3"'):PRODUCTION.index('cluster "aws"')],
                            'backend "local" {\n  path = "state/lokomotive.tfstate"\n}\n\n'),
         {"controller_count": 3, "oidc": PRODUCTION_OIDC}, {"my-wp-name": {"count": 3, "instance_type": "i3.large"}},
         PRODUCTION_VARS, base=EXAMPLE_BASE,
         state={"backend": "local", "path": "lokomotive-assets/terraform/state/lokomotive.tfstate.lokonb.json"}),
    Case("s3 backend with a credentials file", BACKEND_S3,
         cluster(head='variable "bucket" {}\nvariable "creds" { default = "~/.aws/credentials" }',
                 tail='backend "s3" {\n  bucket = var.bucket\n  key = "lokomotive/demo"\n  region = "eu-west-1"\n'
                      '  aws_creds_path = var.creds\n  dynamodb_table = "kinvolk-lokomotive-test"\n}\n'),
         vars_text='bucket = "kinvolk-lokomotive-test"\n',
         state={"backend": "s3", "bucket": "kinvolk-lokomotive-test", "key": "lokomotive/demo.lokonb.json",
                "region": "eu-west-1", "dynamodb_table": "kinvolk-lokomotive-test",
                "shared_credentials_file": str(HOME / ".aws" / "credentials")}),
    Case("aws-production example, oidc values left empty take pkg/oidc's defaults", OIDC_GO, PRODUCTION,
         {"controller_count": 3, "oidc": {"issuer_url": "https://dex.lokomotive-cluster.example.com", **SPEC_OIDC}},
         {"my-wp-name": {"count": 3, "instance_type": "i3.large"}},
         PRODUCTION_VARS.replace('"gangway"', '""').replace('"email"', '""').replace('"groups"', '""')
         .replace('"https://dex.lokomotive-cluster.example.com"', '""'), base=EXAMPLE_BASE, state=PRODUCTION_STATE),
    Case("configuration reference example", DOCS_REFERENCE, DOCS, DOCS_EXPECT, {"my-worker-pool": DOCS_POOL},
         DOCS_VARS),
    Case("configuration reference, every 'empty' var value", TEMPLATE_GO, DOCS,
         {**DOCS_EXPECT, "controller_count": 1, "controller_type": "t3.medium"},
         {"my-worker-pool": DOCS_POOL},
         DOCS_VARS.replace("= 40", "= 0").replace('"gp2"', '""').replace("= 80", "= 0").replace("= 443", "= 0")
         .replace('controller_type     = "t3.small"', 'controller_type = ""').replace("controllers_count   = 3", "")
         .replace('workers_type        = "t3.small"', 'workers_type = ""') + "controllers_count = 0\n",
         ),
    Case("configuration reference, io1 controllers and spot workers", DOCS_REFERENCE, DOCS,
         {**DOCS_EXPECT, "disk_size": 100, "disk_type": "io1", "disk_iops": 3000},
         {"my-worker-pool": {**DOCS_POOL, "disk_size": 200, "disk_type": "gp3", "disk_iops": 4000,
                             "spot_price": "0.1", "lb_http_port": 8080, "lb_https_port": 8443,
                             "target_groups": [TG_ARN], "instance_type": "c5.xlarge"}},
         DOCS_VARS.replace("disk_size           = 40", "disk_size = 100").replace('disk_type           = "gp2"',
                                                                                'disk_type = "io1"')
         .replace("disk_iops           = 0", "disk_iops = 3000").replace("worker_disk_size    = 40",
                                                                          "worker_disk_size = 200")
         .replace('worker_disk_type    = "gp2"', 'worker_disk_type = "gp3"')
         .replace("worker_disk_iops    = 0", "worker_disk_iops = 4000")
         .replace('worker_spot_price   = ""', "worker_spot_price = 0.10").replace("= 80", "= 8080")
         .replace("= 443", "= 8443").replace("target_groups       = []", f'target_groups = ["{TG_ARN}"]')
         .replace('workers_type        = "t3.small"', 'workers_type = "c5.xlarge"')),
    Case("CI aws config", CI_AWS, CI, CI_EXPECT, CI_POOLS, 'asset_dir = "~/lokoctl-assets"\nos_channel = "stable"\n',
         base=CI_BASE),
    Case("CI aws config with the edge vars", CI_EDGE_VARS, CI, {**CI_EXPECT, "os_channel": "edge"}, CI_POOLS,
         'asset_dir = "~/lokoctl-assets"\nos_channel = "edge"\n', base=CI_BASE),
    Case("CI aws config, its asset_dir var given on the command line", CI_AWS_VARS, CI, CI_EXPECT, CI_POOLS,
         'os_channel = "stable"\n', overrides={"asset_dir": "~/lokoctl-assets"}, base=CI_BASE),
    Case("storage pool with labels and taints", ROOK_HOWTO,
         cluster(pools='worker_pool "storage" {\n    count = 3\n    instance_type = "i3.xlarge"\n'
                       '    labels = {\n      "storage.lokomotive.io" = "ceph"\n    }\n'
                       '    taints = {\n      "storage.lokomotive.io" = "ceph:NoSchedule"\n    }\n'
                       '    lb_http_port = 8080\n    lb_https_port = 8443\n  }'),
         pools={"web": {"count": 2}, "storage": {"count": 3, "instance_type": "i3.xlarge",
                                                 "labels": {"storage.lokomotive.io": "ceph"},
                                                 "taints": {"storage.lokomotive.io": "ceph:NoSchedule"},
                                                 "lb_http_port": 8080, "lb_https_port": 8443}}),
    Case("EBS CSI driver cluster", CSI_DOCS,
         cluster("enable_csi = true",
                 tail='component "aws-ebs-csi-driver" {\n  enable_default_storage_class = true\n}\n'),
         {"enable_csi": True}),
    Case("pool on m5.large with a spot price", WORKER_POOLS_DOC,
         cluster(pool='instance_type = "m5.large"\n    disk_size = 100\n    spot_price = "0.10"\n    '
                      'os_channel = "beta"'),
         pools={"web": {"count": 2, "instance_type": "m5.large", "disk_size": 100, "spot_price": "0.10",
                        "os_channel": "beta"}}),

    # --- lokoctl's variable rules (pkg/config): vars file over default, --var over both ------------------------------
    Case("vars file value beats the default", CONFIG_GO,
         cluster('controller_type = var.ct', head='variable "ct" { default = "t3.large" }'),
         {"controller_type": "m5.large"}, vars_text='ct = "m5.large"\n'),
    Case("default used without a vars file", CONFIG_GO,
         cluster('controller_type = var.ct', head='variable "ct" { default = "t3.large" }'),
         {"controller_type": "t3.large"}),
    Case("--var beats the vars file", CONFIG_GO,
         cluster('controller_type = var.ct', head='variable "ct" { default = "t3.large" }'),
         {"controller_type": "c5.large"}, vars_text='ct = "m5.large"\n', overrides={"ct": "c5.large"}),
    Case("--var NAME=VALUE text parsed as HCL", CONFIG_GO,
         cluster('controller_count = var.n', pool="spot_price = var.p", head='variable "n" {}\nvariable "p" {}'),
         {"controller_count": 3}, {"web": {"count": 2, "spot_price": "0.1"}},
         overrides=dict([parse_var_override("n=3"), parse_var_override("p=0.10")])),
    Case("declared type is ignored (Terraform 0.11 string form)", CI_AWS,
         cluster('os_channel = var.ch', head='variable "ch" {\n  type = "string"\n}'), {"os_channel": "beta"},
         vars_text='ch = "beta"\n'),
    Case("declared type number, quoted value converts", CONFIG_TEST,
         cluster(head='variable "wc" {\n  type = number\n  default = 1\n}').replace("count       = 2",
                                                                                  "count = var.wc"),
         pools={"web": {"count": 4}}, vars_text='wc = "4"\n'),
    Case("variable declared, never set, never used", CONFIG_TEST, cluster(head='variable "unused" {}')),
    Case("vars file entry without a variable block is ignored", CONFIG_GO,
         cluster('controller_type = var.ct', head='variable "ct" { default = "t3.large" }'),
         {"controller_type": "t3.large"}, vars_text='ct2 = "m5.large"\n'),
    Case("map variable: whole and by key", CONFIG_GO,
         cluster('tags = var.tags', pool='tags = { team = var.tags.team, cost = var.tags["cost"] }',
                 head='variable "tags" { default = { team = "ops", cost = 42 } }'),
         {"tags": {"team": "ops", "cost": "42"}}, {"web": {"count": 2, "tags": {"team": "ops", "cost": "42"}}}),
    Case("list variable: whole and by index", CONFIG_GO,
         cluster(head='variable "keys" {}').replace(f'ssh_pubkeys  = ["{KEY}"]', "ssh_pubkeys = var.keys")
         .replace(f'ssh_pubkeys = ["{KEY}"]', "ssh_pubkeys = [var.keys[1]]"),
         {"ssh_pubkeys": [KEY, KEY2]}, {"web": {"count": 2, "ssh_pubkeys": [KEY2]}},
         vars_text=f'keys = ["{KEY}", "{KEY2}"]\n'),
    Case("list index given as text in the vars file", HCL_INDEX,
         cluster(head='variable "keys" {}\nvariable "which" {}').replace(f'ssh_pubkeys = ["{KEY}"]',
                                                                         "ssh_pubkeys = [var.keys[var.which]]"),
         pools={"web": {"count": 2, "ssh_pubkeys": [KEY2]}}, vars_text=f'keys = ["{KEY}", "{KEY2}"]\nwhich = "1"\n'),
    Case("list index written as a whole float", HCL_INDEX,
         cluster('controller_type = var.types[1.0]', head='variable "types" { default = ["t3.small", "c5.large"] }'),
         {"controller_type": "c5.large"}),
    Case("map looked up with a number", HCL_INDEX,
         cluster(pool='instance_type = var.by_gen[var.gen]',
                 head='variable "by_gen" { default = { "5" = "m5.large", "6" = "m6i.large" } }\nvariable "gen" {}'),
         pools={"web": {"count": 2, "instance_type": "m6i.large"}}, vars_text="gen = 6\n"),
    Case("keys from a heredoc in the vars file", CONFIG_GO,
         cluster(head='variable "key" {}').replace(f'["{KEY}"]', "[var.key]"), vars_text=f"key = <<EOF\n{KEY}\nEOF\n"),
    Case("bool variable given as a string", CSI_DOCS,
         cluster("enable_csi = var.csi\n  expose_nodeports = var.np", head='variable "csi" {}\nvariable "np" {}'),
         {"enable_csi": True}, vars_text='csi = "true"\nnp = "false"\n'),
    Case("directory: variables, cluster and components in separate files", CONFIG_GO,
         cluster(pool="instance_type = var.wt").replace("count       = 2", "count = var.wc"),
         pools={"web": {"count": 5, "instance_type": "m5.large"}}, vars_text="wc = 5\n",
         files={"variables.lokocfg": 'variable "wc" { default = 1 }\nvariable "wt" { default = "m5.large" }\n',
                "components.lokocfg": 'component "metrics-server" {}\n'}),

    # --- numbers in strings are written the way HCL (go-cty) writes them --------------------------------------------
    Case("whole number in a template has no .0", CTY_CONVERT,
         cluster('cluster_domain_suffix = "k${var.n}.local"', head='variable "n" { default = 3.0 }'),
         {"cluster_domain_suffix": "k3.local"}),
    Case("small number in a template is written out", CTY_CONVERT,
         cluster('tags = { price = "${var.p} USD" }', head='variable "p" { default = 0.00001 }'),
         {"tags": {"price": "0.00001 USD"}}),
    Case("number from the vars file in a template", CTY_CONVERT,
         cluster(pool='labels = { "gen" = "g${var.g}" }', head='variable "g" {}'),
         pools={"web": {"count": 2, "labels": {"gen": "g2"}}}, vars_text="g = 2.0\n"),
    Case("number from --var in a template", CTY_CONVERT,
         cluster('tags = { "size" = "${var.n}x" }', head='variable "n" {}'), {"tags": {"size": "1000x"}},
         overrides=dict([parse_var_override("n=1e3")])),
    Case("number as a map key", CTY_CONVERT,
         cluster(pool='labels = { (var.n) = "yes" }', head='variable "n" { default = 2.0 }'),
         pools={"web": {"count": 2, "labels": {"2": "yes"}}}),
    Case("numbers and bools where strings are expected", CTY_CONVERT,
         cluster("tags = { cost = 100, on = true, ratio = 1.50 }",
                 pool="spot_price = 0.0035\n    labels = { tier = 1 }"),
         {"tags": {"cost": "100", "on": "true", "ratio": "1.5"}},
         {"web": {"count": 2, "spot_price": "0.0035", "labels": {"tier": "1"}}}),
    Case("strings where numbers and bools are expected", CTY_CONVERT,
         cluster('controller_count = "3"\n  disk_size = "1e2"\n  enable_csi = "true"', pool='disk_size = "50.0"'),
         {"controller_count": 3, "disk_size": 100, "enable_csi": True},
         {"web": {"count": 2, "disk_size": 50}}),

    # --- what the template leaves out when empty takes the module's default (template.go, variables.tf) -------------
    Case("zero and empty cluster values", TEMPLATE_GO,
         cluster('controller_count = 0\n  controller_type = ""\n  disk_size = 0\n  disk_type = ""\n  '
                 'os_channel = ""\n  os_version = ""\n  certs_validity_period_hours = 0\n  '
                 'cluster_domain_suffix = ""')),
    Case("empty CIDRs", MODULE_VARS, cluster('host_cidr = ""\n  pod_cidr = ""\n  service_cidr = ""')),
    Case("zero and empty pool values", WORKERS_VARS,
         cluster(pool='instance_type = ""\n    os_channel = ""\n    os_version = ""\n    disk_size = 0\n    '
                      'disk_type = ""\n    disk_iops = 0\n    spot_price = ""\n    lb_http_port = 0\n    '
                      'lb_https_port = 0')),
    Case("null lists and maps are empty", TEMPLATE_GO,
         cluster("controller_clc_snippets = null", pool="target_groups = null\n    labels = null\n    taints = null\n"
                                                         "    clc_snippets = null\n    tags = null")),
    Case("conntrack 0 is passed as 0 (kernel value), not the default", MODULE_VARS,
         cluster("conntrack_max_per_core = 0"), {"conntrack_max_per_core": 0}),
    Case("bools passed as set", TEMPLATE_GO,
         cluster("enable_aggregation = false\n  enable_reporting = true\n  expose_nodeports = true\n  "
                 "enable_tls_bootstrap = false\n  disable_self_hosted_kubelet = true"),
         {"enable_aggregation": False, "enable_reporting": True, "expose_nodeports": True,
          "enable_tls_bootstrap": False, "disable_self_hosted_kubelet": True}),
    Case("jumbo frames with pod traffic encryption", MODULE_VARS,
         cluster("network_mtu = 9001\n  encrypt_pod_traffic = true"),
         {"network_mtu": 9001, "encrypt_pod_traffic": True}),
    Case("cluster OS and disk are not inherited by pools", WORKERS_VARS,
         cluster('os_channel = "beta"\n  os_version = "3139.2.0"\n  disk_size = 80\n  disk_type = "gp3"\n  '
                 'controller_type = "c5.large"'),
         {"os_channel": "beta", "os_version": "3139.2.0", "disk_size": 80, "disk_type": "gp3",
          "controller_type": "c5.large"}),
    Case("pool ssh_pubkeys left out take the cluster's (aws.md §2.3; lokoctl required them)", AWS_TEST_GO,
         cluster().replace(f'ssh_pubkeys = ["{KEY}"]\n', "")),
    Case("pool keys differ from the cluster's", AWS_TEST_GO,
         cluster().replace(f'ssh_pubkeys = ["{KEY}"]', f'ssh_pubkeys = ["{KEY2}"]'),
         pools={"web": {"count": 2, "ssh_pubkeys": [KEY2]}}),
    Case("pool with zero workers", WORKERS_VARS,
         cluster(pools='worker_pool "spare" {\n    count = 0\n    lb_http_port = 8080\n    lb_https_port = 8443\n  }'),
         pools={"web": {"count": 2}, "spare": {"count": 0, "lb_http_port": 8080, "lb_https_port": 8443}}),
    Case("static CPU manager", WORKERS_VARS, cluster(pool='cpu_manager_policy = "static"'),
         pools={"web": {"count": 2, "cpu_manager_policy": "static"}}),
    Case("flush heredoc snippet", CI_AWS,
         cluster(pool="clc_snippets = [\n      <<-EOF\n      storage:\n        files: []\n      EOF\n    ]"),
         pools={"web": {"count": 2, "clc_snippets": ["storage:\n  files: []\n"]}}),
    Case("oidc {} takes the defaults and the cluster's Dex", OIDC_GO, cluster("oidc {}"), {"oidc": oidc()}),
    Case("oidc with only a client id", OIDC_GO, cluster('oidc {\n    client_id = "gangway"\n  }'),
         {"oidc": oidc(client_id="gangway")}),
    Case("region and credentials file", TEMPLATE_GO,
         cluster('region = "us-west-2"\n  creds_path = "~/.aws/credentials"'),
         {"region": "us-west-2", "creds_path": str(HOME / ".aws" / "credentials")}),
    Case("hosted zone id as Route 53 returns it", TEMPLATE_GO,
         cluster().replace('"Z0123456789ABC"', '"/hostedzone/Z0123456789ABC"')),
    Case("zone with a trailing dot in upper case", OIDC_GO, cluster("oidc {}").replace('"example.com"',
                                                                                        '"Example.COM."'),
         {"oidc": oidc()}),
]


def _write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: Case) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cluster.lokocfg").write_text(case.text, encoding="utf-8")
    for name, text in case.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    if case.vars_text is not None:
        (tmp_path / "lokocfg.vars").write_text(case.vars_text, encoding="utf-8")
    return tmp_path if case.files else tmp_path / "cluster.lokocfg"


def expected(case: Case) -> dict[str, Any]:
    """The cluster part of ``to_dict()`` lokoctl + the module would have run with: the spec's defaults, the case's
    values, pools with the cluster's keys where they give none and their tags merged over the cluster's (aws.md
    §2.3; Lokomotive replaced them)."""
    model = {**SPEC_CLUSTER, **case.base, **case.expect}
    model["worker_pools"] = [{"name": name, **SPEC_POOL, "ssh_pubkeys": model["ssh_pubkeys"], **values,
                              "tags": {**model["tags"], **values.get("tags", {})}}
                             for name, values in case.pools.items()]
    return model


def test_at_least_fifty_composed_files_each_citing_its_source():
    assert len(CASES) >= 50
    assert len({c.name for c in CASES}) == len(CASES)
    assert all(c.source.startswith("https://github.com/") for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_model_field_by_field(tmp_path, monkeypatch, case):
    loaded = read_lokocfg(_write(tmp_path, monkeypatch, case), overrides=case.overrides)
    actual = loaded.config.to_dict()
    want = expected(case)
    wrong = {key: (actual.get(key), value) for key, value in want.items()
             if key != "worker_pools" and actual.get(key) != value}
    assert not wrong, f"{case.source}: (lokonb, lokoctl) differ: {wrong}"
    assert [p["name"] for p in actual["worker_pools"]] == [p["name"] for p in want["worker_pools"]]
    for got, pool in zip(actual["worker_pools"], want["worker_pools"], strict=True):
        wrong = {key: (got.get(key), value) for key, value in pool.items() if got.get(key) != value}
        assert not wrong, f"{case.source}: pool {pool['name']}: (lokonb, lokoctl) differ: {wrong}"
    assert set(actual) - {"aws", "state"} == set(want), "a model field is not compared"
    assert (actual["aws"]["region"], actual["aws"]["shared_credentials_file"]) == (want["region"], want["creds_path"])
    state = case.state or {"backend": "local", "path": os.path.join(want["asset_dir"], "lokonb-state.json")}
    assert {key: actual["state"][key] for key in state} == state


@dataclass(frozen=True)
class Missing:
    """A variable without a value (no default, no vars entry, no --var): the error names it and where it is used."""

    name: str
    source: str
    text: str
    path: str
    variable: str
    line_of: str  # the text on the line the error must point at
    files: tuple[tuple[str, str], ...] = ()


MISSING = [
    Missing("examples' variables without lokocfg.vars", EX_TESTING, example_testing(), "dns_zone", "dns_zone",
            "dns_zone         = var.dns_zone"),
    Missing("pool count", CONFIG_TEST, cluster(head='variable "wc" {}').replace("count       = 2", "count = var.wc"),
            'worker_pool["web"].count', "wc", "count = var.wc"),
    Missing("inside a template", CONFIG_GO,
            cluster('cluster_domain_suffix = "${var.env}.local"', head='variable "env" {}'),
            "cluster_domain_suffix", "env", "cluster_domain_suffix ="),
    Missing("in a list", CONFIG_GO, cluster(head='variable "k2" {}').replace(f'["{KEY}"]', f'["{KEY}", var.k2]', 1),
            "ssh_pubkeys", "k2", "var.k2"),
    Missing("in the oidc block", OIDC_GO,
            cluster('oidc {\n    issuer_url = var.issuer\n  }', head='variable "issuer" {}'), "oidc.issuer_url",
            "issuer", "issuer_url = var.issuer"),
    Missing("in the backend", EX_PRODUCTION,
            cluster(head='variable "bucket" {}', tail='backend "s3" {\n  bucket = var.bucket\n  key = "k/t"\n'
                                                      '  region = "eu-west-1"\n  dynamodb_table = "lock-table"\n}\n'),
            "backend.bucket", "bucket", "bucket = var.bucket"),
    Missing("in another file of the directory", CONFIG_GO, cluster(pool="instance_type = var.wt"),
            'worker_pool["web"].instance_type', "wt", "instance_type = var.wt",
            files=(("variables.lokocfg", 'variable "wt" {}\n'),)),
]


@pytest.mark.parametrize("case", MISSING, ids=[c.name for c in MISSING])
def test_variable_without_a_value_is_named_with_file_and_line(tmp_path, monkeypatch, case):
    target = _write(tmp_path, monkeypatch, Case(case.name, case.source, case.text, files=dict(case.files)))
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(target)
    issue = next(i for i in exc.value.issues if i.path == case.path)
    assert f'variable "{case.variable}" has no value' in issue.message
    assert f"--var {case.variable}=VALUE" in issue.message
    lines = case.text.split("\n")
    line = next(n for n, text in enumerate(lines, start=1) if case.line_of in text)
    assert issue.source == f"{tmp_path / 'cluster.lokocfg'}:{line}"


#: Indexes hcl's Index refuses (HCL_INDEX). Python's indexing took three of them as values (a position counted
#: from the end, true as position 1, a character of a string); each is an error naming what the variable holds.
BAD_INDEXES = [
    ("negative position", 'var.types[-1]'),
    ("bool position", "var.types[true]"),
    ("fractional position", "var.types[0.5]"),
    ("position past the end", "var.types[2]"),
    ("character of a string", "var.name[0]"),
    ("key of a list", 'var.types["small"]'),
    ("missing map key", 'var.by_gen["7"]'),
]


@pytest.mark.parametrize(("name", "expression"), BAD_INDEXES, ids=[row[0] for row in BAD_INDEXES])
def test_index_hcl_refuses_is_an_error_not_a_value(tmp_path, monkeypatch, name, expression):
    head = ('variable "types" { default = ["t3.small", "c5.large"] }\nvariable "name" { default = "c5.large" }\n'
            'variable "by_gen" { default = { "5" = "m5.large" } }')
    text = cluster(f"controller_type = {expression}", head=head)
    with pytest.raises(ConfigValidationError) as exc:
        read_lokocfg(_write(tmp_path, monkeypatch, Case(name, HCL_INDEX, text)))
    issue = next(i for i in exc.value.issues if i.path == "controller_type")
    assert f"{expression} does not exist: " in issue.message
    line = next(n for n, row in enumerate(text.split("\n"), start=1) if "controller_type =" in row)
    assert issue.source == f"{tmp_path / 'cluster.lokocfg'}:{line}"
