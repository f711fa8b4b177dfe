"""NodeLocal DNSCache addresses in the ``dns`` rule of allow policies, wired end to end (issue 7).

``allow_metadata_policy(..., node_local_dns=...)`` was a Python keyword only: the CLI and the notebook rendered the
spec's rule (UDP/TCP 53 to kube-system), with which pods of a NodeLocal DNS cluster lose DNS (the cache is in the
host network; no selector matches it). Now ``metadata render/apply --node-local-dns IP`` and the notebook's
``node_local_dns`` take the addresses, and a cluster definition (``--cluster-config``, the notebook's ``cluster``)
that enables NodeLocal DNS makes its ``node_local_dns_ip`` (aws.md §2, default 169.254.1.1) the default. Without
either the rule stays the spec's.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

from lokonb.cli import main
from lokonb.config import load_yaml
from lokonb.kube.errors import PolicyInputError
from lokonb.kube.metadata import MetadataPolicyWarning, dns_cache_addresses, dns_rule, node_local_dns_from_config
from lokonb.kube.workflow import policy_issues, render_policies
from lokonb.notebook.schemas import DEMO_CLUSTER

REPO = Path(__file__).resolve().parents[2]
KUBE_SYSTEM = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}
ALLOW = ["metadata", "render", "--no-block", "--allow-namespace", "kube-system", "--allow-selector", "app=ebs"]
ENTRY = {"namespace": "kube-system", "pod_selector": {"matchLabels": {"app": "ebs"}}, "include": ["dns"]}


def _cluster(**fields: Any) -> dict[str, Any]:
    return {**DEMO_CLUSTER, **fields}


def _dns_to(policy: dict[str, Any]) -> list[Any]:
    """The ``to`` of the policy's DNS rule (the one with port 53)."""
    rules = [r for r in policy["spec"]["egress"] if {"protocol": "UDP", "port": 53} in r.get("ports", [])]
    assert len(rules) == 1, policy
    return rules[0]["to"]


def _blocks(*ips: str) -> list[dict[str, Any]]:
    return [KUBE_SYSTEM, *({"ipBlock": {"cidr": ip}} for ip in ips)]


def _render(capsys, *args: str) -> tuple[int, Any, str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MetadataPolicyWarning)
        code = main([*ALLOW, *args])
    out, err = capsys.readouterr()
    return code, (yaml.safe_load(out) if code == 0 else None), err


# --- the address check ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "expected"), [
    (["169.254.20.10"], ["169.254.20.10"]),
    ("169.254.20.10", ["169.254.20.10"]),  # one string is one address, not its characters
    (["169.254.20.10", " 169.254.20.10 ", "10.3.0.10"], ["169.254.20.10", "10.3.0.10"]),
    (["::ffff:169.254.20.10"], ["169.254.20.10"]),  # the IPv4-mapped form is the IPv4 address, as Calico stores it
    (["fd00::53"], ["fd00::53"]),
])
def test_dns_cache_addresses(given, expected):
    assert dns_cache_addresses(given) == expected


@pytest.mark.parametrize(("given", "why"), [
    ("", "not an IP address"),
    ("dns.local", "not an IP address"),
    ("169.254.20.10/32", "not an IP address"),
    (5, "not an IP address"),
    ("169.254.169.254", "the EC2 metadata endpoint"),
    ("::ffff:169.254.169.254", "the EC2 metadata endpoint"),  # was accepted: ::ffff:a9fe:a9fe is not in the list
    ("fd00:ec2::254", "the EC2 metadata endpoint"),
    ("127.0.0.1", "a loopback address"),
    ("::", "the unspecified address"),
    ("224.0.0.251", "a multicast address"),
])
def test_dns_cache_addresses_refused_with_the_field_and_what_is_allowed(given, why):
    with pytest.raises(PolicyInputError) as err:
        dns_cache_addresses(["169.254.20.10", given], field_name="--node-local-dns")
    assert str(err.value).startswith("--node-local-dns[1]: ")
    assert f"is not a DNS cache address: {why}" in str(err.value) and "allowed: an IP address" in str(err.value)
    with pytest.raises(PolicyInputError):  # the rule builder checks the same way
        dns_rule([given])


# --- the cluster model's default ------------------------------------------------------------------------------

def test_model_default_is_node_local_dns_ip_when_enabled():
    assert node_local_dns_from_config(load_yaml({"cluster": _cluster()})) == ()
    assert node_local_dns_from_config(load_yaml({"cluster": _cluster(enable_node_local_dns=True)})) == (
        "169.254.1.1",  # aws.md §2 default
    )
    model = load_yaml({"cluster": _cluster(enable_node_local_dns=True, node_local_dns_ip="169.254.20.10")})
    assert node_local_dns_from_config(model) == ("169.254.20.10",)
    model = load_yaml({"cluster": _cluster(enable_node_local_dns=False, node_local_dns_ip="169.254.20.10")})
    assert node_local_dns_from_config(model) == ()


# --- CLI ------------------------------------------------------------------------------------------------------

def test_cli_node_local_dns_repeatable_and_comma_separated(capsys):
    code, policy, _err = _render(capsys, "--include", "dns", "--node-local-dns", "169.254.20.10,fd00::53",
                                 "--node-local-dns", "169.254.20.10", "10.3.0.10")
    assert code == 0
    assert _dns_to(policy) == _blocks("169.254.20.10/32", "fd00::53/128", "10.3.0.10/32")


def test_cli_without_node_local_dns_keeps_the_spec_rule(capsys):
    code, policy, err = _render(capsys, "--include", "dns")
    assert code == 0 and _dns_to(policy) == [KUBE_SYSTEM] and "note:" not in err


@pytest.mark.parametrize(("args", "message"), [
    (["--node-local-dns", "169.254.20.10"], "--node-local-dns: only applies with --include dns"),
    (["--include", "dns", "--node-local-dns", "169.254.20.10,"], "--node-local-dns[1]: '' is not a DNS cache address"),
    (["--include", "dns", "--node-local-dns", "kube-dns"], "--node-local-dns[0]: 'kube-dns' is not a DNS cache"),
    (["--include", "dns", "--node-local-dns", "169.254.169.254"], "the EC2 metadata endpoint"),
    (["--include", "dns", "--vars", "lokocfg.vars"], "--vars/--var: only apply to a .lokocfg --cluster-config"),
])
def test_cli_bad_node_local_dns_is_a_clear_error(capsys, args, message):
    code, _policy, err = _render(capsys, *args)
    assert code == 2 and message in err and "Traceback" not in err


def _write_set(tmp_path: Path, **fields: Any) -> Path:
    """A provision_cluster parameters file (cluster, aws, state, action...) with ``fields`` in its cluster."""
    data = yaml.safe_load((REPO / "parameters" / "provision_cluster" / "default.yaml").read_text())
    data["cluster"].update(fields)
    path = tmp_path / "cluster.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_cli_cluster_config_enabling_node_local_dns_is_the_default(capsys, tmp_path):
    path = _write_set(tmp_path, enable_node_local_dns=True)
    code, policy, err = _render(capsys, "--include", "dns", "--cluster-config", str(path))
    assert code == 0 and _dns_to(policy) == _blocks("169.254.1.1/32")
    assert "note: the dns rule also allows the NodeLocal DNSCache at 169.254.1.1" in err
    # an explicit address wins over the cluster's
    code, policy, err = _render(capsys, "--include", "dns", "--cluster-config", str(path),
                                "--node-local-dns", "169.254.20.10")
    assert code == 0 and _dns_to(policy) == _blocks("169.254.20.10/32") and "note:" not in err


def test_cli_cluster_config_without_node_local_dns_keeps_the_spec_rule(capsys, tmp_path):
    path = _write_set(tmp_path, node_local_dns_ip="169.254.20.10")  # an address, but NodeLocal DNS is off
    code, policy, err = _render(capsys, "--include", "dns", "--cluster-config", str(path))
    assert code == 0 and _dns_to(policy) == [KUBE_SYSTEM] and "note:" not in err


def test_cli_cluster_config_lokocfg_with_vars(capsys, tmp_path):
    text = (REPO / "examples" / "demo" / "cluster.lokocfg").read_text()
    assert "  controller_count = 1\n" in text
    text = text.replace("  controller_count = 1\n", "  controller_count = 1\n  enable_node_local_dns = true\n"
                        "  node_local_dns_ip = \"169.254.25.10\"\n")
    (tmp_path / "cluster.lokocfg").write_text(text)
    code, policy, _err = _render(capsys, "--include", "dns", "--cluster-config", str(tmp_path / "cluster.lokocfg"),
                                 "--vars", str(REPO / "examples" / "demo" / "lokocfg.vars"))
    assert code == 0 and _dns_to(policy) == _blocks("169.254.25.10/32")


def test_cli_broken_cluster_config_is_an_error_not_a_silent_default(capsys, tmp_path):
    path = _write_set(tmp_path, enable_node_local_dns=True, node_local_dns_ip="169.254.169.254")
    code, _policy, err = _render(capsys, "--include", "dns", "--cluster-config", str(path))
    assert code == 2 and "node_local_dns_ip" in err and str(path) in err and "Traceback" not in err


def test_cli_apply_dry_run_uses_the_same_rule(capsys, tmp_path):
    """apply builds the objects as render does: bad input fails before any connection (no kubeconfig needed)."""
    code = main(["metadata", "apply", "--allow-namespace", "kube-system", "--allow-selector", "app=ebs",
                 "--node-local-dns", "169.254.20.10", "--dry-run", "--kubeconfig", str(tmp_path / "missing")])
    assert code == 2 and "--node-local-dns: only applies with --include dns" in capsys.readouterr().err


# --- the notebook's library step ------------------------------------------------------------------------------

def test_render_policies_cluster_default_with_a_note():
    out = render_policies(["169.254.169.254/32"], [ENTRY], cluster=_cluster(enable_node_local_dns=True))
    assert _dns_to(out.objects[1]) == _blocks("169.254.1.1/32")
    assert out.notes == ["The `dns` rules also allow the NodeLocal DNSCache at 169.254.1.1 (the cluster enables "
                         "NodeLocal DNS); set `node_local_dns` to choose other addresses, `[]` for none."]


def test_render_policies_explicit_list_and_empty_list_override_the_cluster():
    cluster = _cluster(enable_node_local_dns=True)
    out = render_policies(["169.254.169.254/32"], [ENTRY], node_local_dns=["169.254.20.10"], cluster=cluster)
    assert _dns_to(out.objects[1]) == _blocks("169.254.20.10/32") and out.notes == []
    out = render_policies(["169.254.169.254/32"], [ENTRY], node_local_dns=[], cluster=cluster)
    assert _dns_to(out.objects[1]) == [KUBE_SYSTEM] and out.notes == []


def test_render_policies_without_either_keeps_the_spec_rule():
    out = render_policies(["169.254.169.254/32"], [ENTRY])
    assert _dns_to(out.objects[1]) == [KUBE_SYSTEM] and out.notes == []


def test_render_policies_warns_about_addresses_no_entry_uses():
    entry = {k: v for k, v in ENTRY.items() if k != "include"}
    out = render_policies(["169.254.169.254/32"], [entry], node_local_dns=["169.254.20.10"])
    assert "node_local_dns 169.254.20.10 is not used: no allow entry includes dns" in out.warnings
    # the offered rule carries them, for when the user adds include: [dns]
    out_offered = out.offered_rules["allow-metadata-app-ebs"]["dns"]["to"]
    assert out_offered == _blocks("169.254.20.10/32")


def test_policy_issues_names_a_bad_address_before_a_kernel_starts():
    assert policy_issues(["169.254.169.254/32"], [ENTRY], ["169.254.20.10", "nonsense"]) == [
        ("node_local_dns[1]", "'nonsense' is not a DNS cache address: not an IP address (allowed: an IP address "
                              "such as 169.254.20.10)")
    ]
