"""Manifest dumps (files, directories, List objects, JSON) and the CLI contract, bad input included."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import yaml

from lokonb.cli import main
from lokonb.kube.audit import audit_metadata_access
from lokonb.kube.errors import DumpError
from lokonb.kube.sample import sample_dump_path, sample_dump_text, sample_objects
from lokonb.kube.sources import load_dump

EXPECTED_SAMPLE = {  # pod -> reachable
    "legacy-sdk-7b5c4-q2w8e": True,
    "s3-uploader-5d9c7-p8r2k": True,
    "cluster-autoscaler-66c9b-4kq7r": True,
    "ebs-csi-controller-5b8f7c-9wz2t": True,
    "metrics-exporter-6f8d-x3c7v": False,
    "web-frontend-59d7b-2kp9x": False,
    "nightly-report-28461-zt5mq": False,
    "debug-shell": False,
    "coredns-6d4b75cb6d-5qv8n": False,
    "kube-controller-manager-7f9c8d-2hx4p": False,
    "grafana-7c6d9-s5n2q": False,
    "prometheus-k8s-0": False,
    "kube-apiserver-ip-10-0-1-10": True,
}


def test_packaged_sample_dump_is_the_generated_one():
    assert sample_dump_path().read_text(encoding="utf-8") == sample_dump_text()


def test_sample_dump_verdicts():
    result = audit_metadata_access(sample_dump_path())
    got = {v.pod: v.reachable for v in result.verdicts}
    assert {k: got[k] for k in EXPECTED_SAMPLE} == EXPECTED_SAMPLE
    summary = result.summary()
    assert summary["block_policy"] == "block-metadata-access"
    assert summary["reachable_pods"][:4] == [
        "apps/legacy-sdk-7b5c4-q2w8e",
        "batch/s3-uploader-5d9c7-p8r2k",
        "kube-system/cluster-autoscaler-66c9b-4kq7r",
        "kube-system/ebs-csi-controller-5b8f7c-9wz2t",
    ]
    autoscaler = next(v for v in result.verdicts if v.pod.startswith("cluster-autoscaler"))
    assert autoscaler.reason.endswith("network reachable, token blocked by hop limit")
    assert list(result.table().columns[:6]) == ["namespace", "pod", "node", "reachable", "reason", "policy"]


def test_directory_of_json_and_yaml_typed_lists(tmp_path):
    objs = sample_objects()
    pods = [o for o in objs if o["kind"] == "Pod"]
    others = [o for o in objs if o["kind"] != "Pod"]
    for p in pods:  # typed lists from the API server carry no kind/apiVersion on items
        p.pop("kind"), p.pop("apiVersion")
    (tmp_path / "pods.json").write_text(json.dumps({"apiVersion": "v1", "kind": "PodList", "items": pods}))
    sub = tmp_path / "policies"
    sub.mkdir()
    (sub / "np.yaml").write_text(yaml.safe_dump_all(others))
    (sub / "README.txt").write_text("ignored")
    result = audit_metadata_access(tmp_path)
    assert {v.pod: v.reachable for v in result.verdicts} == {
        v.pod: v.reachable for v in audit_metadata_access(sample_dump_path()).verdicts
    }


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: a\n", "bad.yaml", r"bad\.yaml:\d+:\d+: invalid YAML"),
        ('{"apiVersion": "v1", "kind": "List", "items": [}', "bad.json", r"bad\.json:1:\d+: invalid JSON"),
        ("", "empty.yaml", "no pods found"),
        ("- just\n- a list\n", "list.yaml", "expected a Kubernetes object"),
        (
            "apiVersion: v1\nkind: List\nitems:\n- kind: NetworkPolicy\n  apiVersion: networking.k8s.io/v1\n"
            "  metadata: {name: x, namespace: a}\n",
            "nopods.yaml",
            "no pods found",
        ),
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n", "nons.yaml", "has no metadata.namespace"),
    ],
)
def test_malformed_or_empty_dump(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(DumpError, match=message):
        load_dump(path)


def test_missing_dump(tmp_path):
    with pytest.raises(DumpError, match="not found"):
        load_dump(tmp_path / "nope.yaml")


SPECIAL_PATHS = [
    # (name, path maker, message): existing non-regular paths are read, never reported as missing
    ("/dev/null is read as empty", lambda tmp: "/dev/null", "no pods found in /dev/null"),
    ("broken symlink", lambda tmp: _broken_link(tmp), r"is a broken symlink \(to .*gone\.yaml\)"),
]


def _broken_link(tmp_path):
    link = tmp_path / "dump.yaml"
    link.symlink_to(tmp_path / "gone.yaml")
    return link


@pytest.mark.parametrize("name,make,message", SPECIAL_PATHS, ids=[c[0] for c in SPECIAL_PATHS])
def test_special_dump_paths(tmp_path, name, make, message):
    with pytest.raises(DumpError, match=message):
        load_dump(make(tmp_path))


def test_dump_from_a_pipe(tmp_path):
    # `kubectl get ... | lokonb metadata audit --dump /dev/stdin` and `--dump <(kubectl get ...)` are FIFOs
    import os
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text(sample_dump_text()))
    writer.start()
    try:
        assert len(load_dump(fifo).pods) == len(load_dump(sample_dump_path()).pods) > 0
    finally:
        writer.join(timeout=10)


# -- CLI (in process for speed; one real subprocess to prove the entry point and the no-traceback rule) ------


def run(argv, capsys):
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_render_default_is_the_block_policy(capsys):
    code, out, err = run(["metadata", "render"], capsys)
    assert code == 0 and err == ""
    assert list(yaml.safe_load_all(out))[0]["metadata"]["name"] == "block-metadata-access"


def test_cli_render_allow_open_and_metadata_only(capsys):
    code, out, err = run(
        [
            "metadata",
            "render",
            "--blocked-cidr",
            "169.254.169.254/32",
            "fd00:ec2::254/128",
            "--allow-namespace",
            "apps",
            "--allow-selector",
            "foo=foo",
            "--mode",
            "open",
        ],
        capsys,
    )
    docs = list(yaml.safe_load_all(out))
    assert code == 0 and [d["kind"] for d in docs] == ["GlobalNetworkPolicy", "NetworkPolicy"]
    assert docs[1]["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]
    assert "very open" in err
    code, out, err = run(
        [
            "metadata",
            "render",
            "--allow-namespace",
            "kube-system",
            "--allow-selector",
            "app=ebs-csi-controller",
            "--allow-selector",
            "tier in (a,b)",
        ],
        capsys,
    )
    np = list(yaml.safe_load_all(out))[1]
    assert np["spec"]["podSelector"]["matchExpressions"] == [
        {"key": "tier", "operator": "In", "values": ["a", "b"]}
    ]
    assert np["spec"]["egress"][0]["ports"] == [{"protocol": "TCP", "port": 80}]
    assert "DNS included" in err


def test_cli_render_documented_example_exactly(capsys):
    from lokonb.kube.metadata import DOCUMENTED_OPEN_EXAMPLE

    code, out, _ = run(
        [
            "metadata",
            "render",
            "--no-block",
            "--allow-selector",
            "foo=foo",
            "--mode",
            "open",
            "--name",
            "allow-metadata-access",
        ],
        capsys,
    )
    assert code == 0 and out == DOCUMENTED_OPEN_EXAMPLE


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--blocked-cidr", "169.254.169.254/40"], "blocked_cidrs[0]"),
        (["--allow-namespace", "apps", "--allow-selector", "bad key=x"], "--allow-selector"),
        (["--allow-namespace", "apps", "--allow-selector", "app=bad value!"], "--allow-selector"),
        (["--allow-namespace", "", "--allow-selector", "a=b"], "namespace"),
        (["--allow-namespace", "apps"], "--allow-selector"),
        (["--mode", "open"], "only apply to an allow policy"),
    ],
)
def test_cli_render_bad_input(capsys, argv, message):
    code, out, err = run(["metadata", "render", *argv], capsys)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and message in err and "Traceback" not in err


def test_cli_unknown_mode_is_rejected(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["metadata", "render", "--allow-namespace", "a", "--allow-selector", "a=b", "--mode", "wide"])
    assert exc.value.code == 2
    assert "invalid choice: 'wide'" in capsys.readouterr().err


def test_cli_audit_json(capsys):
    code, out, _ = run(["metadata", "audit", "--dump", str(sample_dump_path()), "--json"], capsys)
    rows = json.loads(out)
    assert code == 0 and {"namespace", "pod", "reachable", "reason"} <= set(rows[0])
    assert {r["pod"]: r["reachable"] for r in rows if r["pod"] in EXPECTED_SAMPLE} == EXPECTED_SAMPLE


def test_cli_audit_table_and_fail_on_reachable(capsys):
    code, out, _ = run(["metadata", "audit", "--sample", "--fail-on-reachable"], capsys)
    assert code == 3
    assert out.splitlines()[0].startswith("21 pods in dump")
    assert out.splitlines()[1].split()[:6] == ["NAMESPACE", "POD", "NODE", "REACHABLE", "POLICY", "REASON"]


def test_cli_audit_bad_dump_and_kubeconfig(capsys, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: [\n")
    code, out, err = run(["metadata", "audit", "--dump", str(bad), "--json"], capsys)
    assert code == 2 and out == "" and "bad.yaml:2:1: invalid YAML" in err and "Traceback" not in err
    code, out, err = run(["metadata", "audit", "--kubeconfig", str(tmp_path / "none")], capsys)
    assert code == 2 and "kubeconfig" in err and "not found" in err


def test_cli_subprocess_no_traceback(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("---\n")
    proc = subprocess.run(
        [sys.executable, "-m", "lokonb", "metadata", "audit", "--dump", str(empty), "--json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert "no pods found" in proc.stderr and "Traceback" not in proc.stderr
