"""Lokomotive configs, round 7: HCL syntax corners hcl/v2 (and so lokoctl) accepts, the vars file's value forms, and
``component`` blocks for every Lokomotive component. Each row is a composed ``.lokocfg`` (with ``lokocfg.vars`` and
side files where needed) naming the public source it was modelled on; what lokonb must read from it, or refuse with
its own message (never a parser's)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lokonb.config import ConfigError, ConfigValidationError, read_lokocfg
from lokonb.config.loaders import Loaded

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILm9OVC7oteLOXGJFu5UuvbkqsfIPwFL1OwQmTwFOUsb ops@example"

HCL_SPEC = "https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md#template-literals"
HCL_TEMPLATE_PARSER = "https://github.com/hashicorp/hcl/blob/main/hclsyntax/parser_template.go"
HCL_STRIP = "https://docs.rs/hcl-rs/latest/hcl/template/enum.Strip.html"
COMPONENTS_DOCS = "https://github.com/kinvolk/lokomotive/tree/master/docs/configuration-reference/components"
PROMETHEUS_DOCS = ("https://github.com/kinvolk/lokomotive/blob/0f50bfe458c03f613c76447bcfa17ccabd7b541c/docs/"
                   "configuration-reference/components/prometheus-operator.md")
KONNECTIVITY = "https://github.com/ipochi/konnectivity-on-lokomotive/blob/05a988195fb88f2f117adb8af6ea9c5486af4c88/README.md"


def cluster(attrs: str = "", pool: str = "", extra: str = "", head: str = "") -> str:
    """A minimal valid AWS cluster with ``attrs`` in the cluster block, ``pool`` in worker pool "web"."""
    return f"""{head}cluster "aws" {{
  asset_dir    = "./assets"
  cluster_name = "demo"
  dns_zone     = "example.com"
  dns_zone_id  = "Z0123456789ABC"
  ssh_pubkeys  = ["{KEY}"]
  {attrs}
  worker_pool "web" {{
    count = 2
    {pool}
  }}
}}
{extra}"""


def load_case(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str | bytes, vars_text: str | None = None,
              files: dict[str, str] | None = None) -> Loaded:
    monkeypatch.chdir(tmp_path)
    cfg = tmp_path / "cluster.lokocfg"
    if isinstance(text, bytes):
        cfg.write_bytes(text)
    else:
        cfg.write_text(text, encoding="utf-8", newline="")
    if vars_text is not None:
        (tmp_path / "lokocfg.vars").write_text(vars_text, encoding="utf-8", newline="")
    for name, content in (files or {}).items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    return read_lokocfg(cfg)


def snippets(loaded: Loaded) -> list[str]:
    return list(loaded.config.pool("web").clc_snippets)


def components(loaded: Loaded) -> str:
    return " ".join(str(w) for w in loaded.warnings if w.path == "component")


# --- strip markers: hcl/v2 trims the white space of the literal text beside ${~ / ~} ---------------------------
# python-hcl2's grammar refused them in quoted strings (an "HCL syntax error" lokoctl never gives, even inside a
# component lokonb does not evaluate), and lokonb's evaluator took "~ var.n" in a heredoc for an expression.
STRIP_ROWS: list[tuple[str, str, str, str | None, Callable[[Loaded], Any], Any]] = [
    ("quoted both sides", HCL_SPEC, cluster(pool='clc_snippets = ["a: ${~ "x" ~}  b"]'), None,
     snippets, ["a:xb"]),
    ("whole template keeps the number", HCL_TEMPLATE_PARSER,
     cluster('controller_count = "${~ var.c ~}"', head='variable "c" { default = 3 }\n'), None,
     lambda loaded: loaded.config.controller_count, 3),
    ("heredoc strips the line break before", HCL_STRIP,
     cluster(pool='clc_snippets = [<<EOT\na:\n  ${~ var.n}\nEOT\n    ]', head='variable "n" { default = "x" }\n'),
     None, snippets, ["a:x\n"]),
    ("heredoc strips the line break after", HCL_STRIP,
     cluster(pool='clc_snippets = [<<EOT\n${var.n ~}\n\n  b: 1\nEOT\n    ]',
             head='variable "n" { default = "a: 0" }\n'),
     None, snippets, ["a: 0b: 1\n"]),
    ("escaped line breaks are white space too", HCL_TEMPLATE_PARSER,
     cluster(pool='clc_snippets = ["a\\n ${~ "b" ~}\\t c"]'), None, snippets, ["abc"]),
    ("an interpolation's value is not trimmed", HCL_TEMPLATE_PARSER,
     cluster(pool='clc_snippets = ["${var.s}${~ "b"}"]', head='variable "s" { default = "a " }\n'), None,
     snippets, ["a b"]),
    ("nested quoted string", HCL_SPEC, cluster(pool='clc_snippets = ["a ${~ "${"b"}" ~} c"]'), None,
     snippets, ["abc"]),
    ("map key", HCL_SPEC, cluster('tags = { " ${~ var.t}" = "x" }', head='variable "t" { default = "team" }\n'),
     None, lambda loaded: dict(loaded.config.tags), {"team": "x"}),
    ("vars file value", HCL_SPEC, cluster(pool="clc_snippets = [var.s]", head='variable "s" {}\n'),
     's = "a: ${~ "x" }"\n', snippets, ["a:x"]),
    ("escaped $${~ is text", HCL_SPEC, cluster(pool='clc_snippets = ["a $${~ x ~} %%{~ y }"]'), None, snippets,
     ["a ${~ x ~} %{~ y }"]),
    ("~} that closes no interpolation is text", HCL_SPEC, cluster(pool='clc_snippets = ["a ~} ${"b"} ~}"]'), None,
     snippets, ["a ~} b ~}"]),
    ("component body (not evaluated)", COMPONENTS_DOCS,
     cluster(extra='component "cert-manager" {\n  email = "${~ var.e ~}"\n  x = "%{ if var.y ~}a%{~ endif }"\n}\n'),
     None, components, "component: components are not handled by lokonb: cert-manager (install them with lokoctl or "
                       "Helm)"),
]


@pytest.mark.parametrize(("name", "source", "text", "vars_text", "read", "expected"), STRIP_ROWS,
                         ids=[row[0] for row in STRIP_ROWS])
def test_template_strip_markers(tmp_path, monkeypatch, name, source, text, vars_text, read, expected):
    assert source.startswith("https://")
    assert read(load_case(tmp_path, monkeypatch, text, vars_text)) == expected


def test_strip_marker_directive_is_still_refused_by_name(tmp_path, monkeypatch):
    """``%{~ if ~}`` parses now; lokonb still evaluates no directives and says so for the attribute (HCL_SPEC)."""
    text = cluster(pool='clc_snippets = ["%{~ if true ~}a%{~ endif ~}"]')
    with pytest.raises(ConfigValidationError) as exc:
        load_case(tmp_path, monkeypatch, text)
    issue = exc.value.issues[0]
    assert issue.path == 'worker_pool["web"].clc_snippets' and "unsupported template directive" in issue.message
    assert issue.source.endswith("cluster.lokocfg:10")


def test_strip_marker_keeps_error_lines(tmp_path, monkeypatch):
    """The markers are moved in place, so a later syntax error keeps its line and column (HCL_TEMPLATE_PARSER)."""
    text = cluster(pool='clc_snippets = ["${~ "a" ~}"]\n    labels = { a = }')
    with pytest.raises(ConfigError) as exc:
        load_case(tmp_path, monkeypatch, text)
    assert exc.value.line == 11 and "expected a value" in str(exc.value)


# --- syntax corners lokonb already reads as lokoctl does (regression rows) -------------------------------------
CORNER_ROWS: list[tuple[str, str, str | bytes, str | None, dict[str, str] | None, Callable[[Loaded], Any], Any]] = [
    ("<<-EOT flush heredoc", HCL_SPEC,
     cluster('controller_clc_snippets = [\n    <<-EOT\n    storage:\n      files: []\n    EOT\n  ]'), None, None,
     lambda loaded: list(loaded.config.controller_clc_snippets), ["storage:\n  files: []\n"]),
    ("two heredocs, digits in markers", HCL_SPEC,
     cluster(pool='clc_snippets = [\n<<EOF_1\na: 1\nEOF_1\n,\n<<-EOF2\n  b: 2\n  EOF2\n]'), None, None,
     snippets, ["a: 1\n", "b: 2\n"]),
    ("comments of every form", HCL_SPEC,
     cluster('controller_count = 3 # three\n  network_mtu = 1500 // mtu\n  /* c */ disk_size = 50',
             head="# hash\n// slashes\n/* block\n spanning */\n") + "// end", None, None,
     lambda loaded: (loaded.config.controller_count, loaded.config.disk_size), (3, 50)),
    ("comment markers inside a string and a heredoc", HCL_SPEC,
     cluster(pool='clc_snippets = ["a: /* b */ // c # d", <<EOT\n{ "a": "}" } /* x\n# y\nEOT\n    ]'), None, None,
     snippets, ["a: /* b */ // c # d", '{ "a": "}" } /* x\n# y\n']),
    ("BOM and CRLF", HCL_SPEC, ("\ufeff" + cluster('controller_count = 3')).replace("\n", "\r\n").encode(), None,
     None, lambda loaded: loaded.config.controller_count, 3),
    ("unicode text and \\u escapes", HCL_SPEC,
     cluster('tags = { "Owner" = "Jörg", "Team" = "J\\u00f6rg" }', head="# Cluster für Jörg ☃\n"), None, None,
     lambda loaded: dict(loaded.config.tags), {"Owner": "Jörg", "Team": "Jörg"}),
    ("map with ':' and no commas", HCL_SPEC, cluster(pool='labels = {\n      "a" : "1"\n      b = "2"\n    }'),
     None, None, lambda loaded: dict(loaded.config.pool("web").labels), {"a": "1", "b": "2"}),
    ("file(pathexpand()) as in a CLC snippet how-to", KONNECTIVITY,
     cluster('controller_clc_snippets = [\n    file(pathexpand("./clc_snippet.yaml")),\n  ]'), None,
     {"clc_snippet.yaml": "storage: {}\n"}, lambda loaded: list(loaded.config.controller_clc_snippets),
     ["storage: {}\n"]),
    ("vars: map of lists, list of maps", HCL_SPEC,
     cluster('controller_clc_snippets = var.m["ctl"]', pool="", head='variable "m" {}\nvariable "p" {}\n')
     .replace("count = 2", "count = var.p[0].count"),
     'm = {\n  ctl = ["a: 1", "b: 2"]\n  wrk = []\n}\np = [\n  { name = "web", count = 4 },\n]\n', None,
     lambda loaded: (len(loaded.config.controller_clc_snippets), loaded.config.pool("web").count), (2, 4)),
    ("vars heredoc for a component-only variable", PROMETHEUS_DOCS,
     cluster(head='variable "alertmanager_config" {}\n',
             extra='component "prometheus-operator" {\n  grafana {\n    secret_env = { # secret\n      "KEY" = "V"\n'
                   '    }\n  }\n  alertmanager_config = var.alertmanager_config\n'
                   '  other = file("alertmanager-config.yaml")\n}\n'),
     "alertmanager_config = <<EOF\n  config:\n    global: {}\nEOF\n", None,
     lambda loaded: [str(w) for w in loaded.warnings],
     ["component: components are not handled by lokonb: prometheus-operator (install them with lokoctl or Helm)"]),
]


@pytest.mark.parametrize(("name", "source", "text", "vars_text", "files", "read", "expected"), CORNER_ROWS,
                         ids=[row[0] for row in CORNER_ROWS])
def test_syntax_corners(tmp_path, monkeypatch, name, source, text, vars_text, files, read, expected):
    assert source.startswith("https://")
    assert read(load_case(tmp_path, monkeypatch, text, vars_text, files)) == expected


def test_pathexpand_asset_dir(tmp_path, monkeypatch):
    loaded = load_case(tmp_path, monkeypatch, cluster().replace('"./assets"', 'pathexpand("~/lk-assets")'))
    assert loaded.config.asset_dir == Path(os.path.expanduser("~/lk-assets"))


#: Expressions hcl/v2 evaluates and lokonb does not (aws.md §2.7): refused with the attribute's path and line.
UNSUPPORTED = [
    ("%{ if } in a heredoc", cluster(pool='clc_snippets = [<<EOT\n%{ if true }a%{ endif }\nEOT\n    ]'),
     'worker_pool["web"].clc_snippets', "unsupported template directive"),
    ("splat", cluster('tags = { a = var.p[*].n }', head='variable "p" { default = [{n = 1}] }\n'), "tags",
     "unsupported expression `var.p[*].n`"),
    ("for expression", cluster('tags = { for k in ["a"] : k => "v" }'), "tags", "unsupported expression"),
    ("try()", cluster('controller_type = try(var.t, "t3.large")', head='variable "t" {}\n'), "controller_type",
     "unsupported function try()"),
    ("can()", cluster("enable_csi = can(1)"), "enable_csi", "unsupported function can()"),
    ("env()", cluster('controller_type = env("TYPE")'), "controller_type", "unsupported function env()"),
    ("conditional", cluster("controller_count = true ? 3 : 1"), "controller_count", "unsupported expression"),
]


@pytest.mark.parametrize(("name", "text", "path", "message"), UNSUPPORTED, ids=[row[0] for row in UNSUPPORTED])
def test_unsupported_expressions_are_named(tmp_path, monkeypatch, name, text, path, message):
    with pytest.raises(ConfigValidationError) as exc:
        load_case(tmp_path, monkeypatch, text)
    (issue,) = exc.value.issues
    assert issue.path == path and message in issue.message and issue.source


# --- component blocks: every Lokomotive component is accepted and listed as not handled ------------------------
#: Bodies modelled on each component's configuration reference (COMPONENTS_DOCS/<name>.md): nested and repeated
#: blocks, maps, heredocs, file() of files that are not there and undeclared variables (bodies are not evaluated).
COMPONENT_BODIES = {
    "aws-ebs-csi-driver": "enable_default_storage_class = true",
    "azure-arc-onboarding": 'application_client_id = "id"\n  application_password = var.arc_password',
    "calico-hostendpoint-controller": "",
    "cert-manager": 'email = "ops@example.com"\n  service_monitor = false',
    "cluster-autoscaler": 'worker_pool = "web"\n  min_workers = 1\n  max_workers = 4',
    "contour": 'enable_monitoring = false\n  toleration {\n    key = "k"\n    effect = "NoSchedule"\n  }',
    "dex": ('ingress_host = "dex.example.com"\n  connector "github" {\n    id = "github"\n    config {\n'
            '      client_secret = var.undeclared_secret\n      org {\n        name = "o"\n        teams = ["a"]\n'
            '      }\n    }\n  }\n  static_client {\n    name = "gangway"\n    redirect_uris = ["https://x/cb"]\n  }'),
    "experimental-istio-operator": 'profile = "minimal"',
    "experimental-linkerd": ('values = <<EOF\n%{ if true }x: 1%{ endif }\nEOF\n'
                             '  list = [for s in ["a"] : upper(s)]\n  cond = var.x ? 1 : 2'),
    "external-dns": 'policy = "sync"\n  aws {\n    zone_id = "Z0123456789ABC"\n  }',
    "flatcar-linux-update-operator": "",
    "gangway": 'cluster_name = "demo"\n  api_server_url = "https://demo.example.com:6443"',
    "headlamp": 'ingress_host = "headlamp.example.com"',
    "httpbin": 'ingress_host = "httpbin.example.com"',
    "inspektor-gadget": "enable_traceloop = true",
    "istio-operator": 'profile = "default"',
    "linkerd": "controller_replicas = 2",
    "metallb": ('address_pools = {\n    default = ["192.0.2.0/28"]\n  }\n  speaker_toleration {\n    key = "k1"\n'
                '  }\n  speaker_toleration {\n    key = "k2"\n  }'),
    "metrics-server": "",
    "node-problem-detector": "",
    "openebs-operator": 'ndm_selector_label = "node"',
    "openebs-storage-class": 'storage-class "openebs-replica1" {\n    replica_count = 1\n    disks = ["d"]\n  }',
    "prometheus-operator": ('grafana {\n    admin_password = var.grafana_admin_password\n  }\n'
                            '  alertmanager_config = file("alertmanager-config.yaml")'),
    "prometheus-operator-crds": "",
    "rook": 'node_selector = {\n    "storage.lokomotive.io" = "ceph"\n  }',
    "rook-ceph": "monitor_count = 3\n  storage {\n    storage_class {\n      default = true\n    }\n  }",
    "velero": ('provider = "aws"\n  aws {\n    credentials = file("./credentials-velero")\n'
               '    backup_storage_location {\n      bucket = "b"\n    }\n  }\n'
               '  x = jsonencode({a = [for i in range(3) : i * 2]})'),
    "web-ui": 'ingress {\n    host = "ui.example.com"\n  }',
}


@pytest.mark.parametrize("name", sorted(COMPONENT_BODIES))
def test_every_component_is_listed_not_evaluated(tmp_path, monkeypatch, name):
    text = cluster(extra=f'component "{name}" {{\n  {COMPONENT_BODIES[name]}\n}}\n')
    loaded = load_case(tmp_path, monkeypatch, text)
    assert [str(w) for w in loaded.warnings] == [
        f"component: components are not handled by lokonb: {name} (install them with lokoctl or Helm)"]
    assert loaded.config.pool("web").count == 2


def test_all_components_in_one_file_are_listed_once_in_order(tmp_path, monkeypatch):
    blocks = "".join(f'component "{n}" {{\n  {b}\n}}\n' for n, b in COMPONENT_BODIES.items())
    loaded = load_case(tmp_path, monkeypatch, cluster(extra=blocks))
    (warning,) = [str(w) for w in loaded.warnings]
    assert warning.endswith(", ".join(COMPONENT_BODIES) + " (install them with lokoctl or Helm)")


# --- HCL's legacy index: var.x.0 is var.x[0] (hcl/v2's traversal; lokonb refused it as unsupported) ------------
HCL_ATTR_ACCESS = "https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md#attribute-access-operator"
LEGACY_ROWS = [
    ("list", 'variable "l" { default = [3] }\n', "controller_count = var.l.0", 3),
    ("list of maps", 'variable "p" { default = [{ n = 5 }, { n = 1 }] }\n', "controller_count = var.p.0.n", 5),
    ("map key 0", 'variable "m" { default = { "0" = 3 } }\n', "controller_count = var.m.0", 3),
    ("in a template", 'variable "l" { default = [3] }\n', 'controller_count = "${var.l.0}"', 3),
]


@pytest.mark.parametrize(("name", "head", "attr", "expected"), LEGACY_ROWS, ids=[row[0] for row in LEGACY_ROWS])
def test_legacy_index(tmp_path, monkeypatch, name, head, attr, expected):
    assert HCL_ATTR_ACCESS.startswith("https://")
    assert load_case(tmp_path, monkeypatch, cluster(attr, head=head)).config.controller_count == expected


@pytest.mark.parametrize(("attr", "message"), [
    ("controller_count = var.l.4", "var.l[4] does not exist"),
    ("controller_count = var.l.x", "unsupported expression `var.l.x`"),
])
def test_legacy_index_errors(tmp_path, monkeypatch, attr, message):
    with pytest.raises(ConfigValidationError) as exc:
        load_case(tmp_path, monkeypatch, cluster(attr, head='variable "l" { default = [3] }\n'))
    (issue,) = exc.value.issues
    assert issue.path == "controller_count" and message in issue.message


# --- a /* */ comment inside an interpolation is white space to hcl/v2 (python-hcl2 stopped at it) ---------------
@pytest.mark.parametrize(("pool", "expected"), [
    ('clc_snippets = ["${ var.a /* the name */ }"]', ["x"]),
    ('clc_snippets = ["q ${~ var.a /* c */ ~} r", "/* text */ ${"/* text */"}"]', ["qxr", "/* text */ /* text */"]),
])
def test_block_comment_inside_interpolation(tmp_path, monkeypatch, pool, expected):
    assert HCL_SPEC.startswith("https://")
    text = cluster(pool=pool, head='variable "a" { default = "x" }\n')
    assert snippets(load_case(tmp_path, monkeypatch, text)) == expected


# --- a list or map in parentheses: python-hcl2 hands it over as a Python repr, which lokonb refused --------------
HCL_PARENS = "https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md#expressions"


def test_parenthesized_list_and_map(tmp_path, monkeypatch):
    assert HCL_PARENS.startswith("https://")
    text = cluster('tags = ({ (var.k) = "p", "c d" = "q r" })',
                   pool='clc_snippets = ([\n      "a: 1", var.y, <<EOT\nc: 3\nEOT\n    ])',
                   head='variable "y" { default = "b: 2" }\nvariable "k" { default = "team" }\n')
    loaded = load_case(tmp_path, monkeypatch, text)
    assert snippets(loaded) == ["a: 1", "b: 2", "c: 3\n"]
    assert dict(loaded.config.tags) == {"team": "p", "c d": "q r"}


def test_parenthesized_list_item_errors_are_still_named(tmp_path, monkeypatch):
    with pytest.raises(ConfigValidationError) as exc:
        load_case(tmp_path, monkeypatch, cluster(pool='clc_snippets = (["a: 1", try(1)])'))
    (issue,) = exc.value.issues
    assert issue.path == 'worker_pool["web"].clc_snippets' and "unsupported function try()" in issue.message


# --- heredoc edges of CLC snippets ------------------------------------------------------------------------------
HCL_HEREDOC = "https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md#template-expressions"


@pytest.mark.parametrize(("pool", "expected"), [
    ("clc_snippets = [<<EOT\nEOT\n    ]", [""]),  # no line between the markers: "" (was "\n")
    ("clc_snippets = [<<-EOT\n    EOT\n    ]", [""]),
    ("clc_snippets = [<<EOT\n\nEOT\n    ]", ["\n"]),  # one blank line
    ('clc_snippets = [<<EOT\nExecStart=/bin/sh -c "echo $${HOME} %%{x} $(id -u) $USER"\nEOT\n    ]',
     ['ExecStart=/bin/sh -c "echo ${HOME} %{x} $(id -u) $USER"\n']),
])
def test_heredoc_edges(tmp_path, monkeypatch, pool, expected):
    assert HCL_HEREDOC.startswith("https://")
    assert snippets(load_case(tmp_path, monkeypatch, cluster(pool=pool))) == expected


@pytest.mark.parametrize("pool", [
    "clc_snippets = [<<EOT\nExecStart=/bin/echo ${HOME}\nEOT\n    ]",
    'clc_snippets = ["${HOME}"]',
])
def test_unescaped_shell_variable_in_a_snippet_says_how_to_escape_it(tmp_path, monkeypatch, pool):
    with pytest.raises(ConfigValidationError) as exc:
        load_case(tmp_path, monkeypatch, cluster(pool=pool))
    (issue,) = exc.value.issues
    assert issue.path == 'worker_pool["web"].clc_snippets' and "write $${HOME} for the text ${HOME}" in issue.message
