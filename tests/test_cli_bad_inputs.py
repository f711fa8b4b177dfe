"""Bad and edge inputs across the ``lokonb`` commands (not ``logs``): each row is an input an operator can
really give, the exit code and the message that must name the file/line or field and what is allowed.
No row may end in an internal error (exit 70) or a message that leaks Python internals."""

from __future__ import annotations

from pathlib import Path

import pytest

from lokonb.cli import main

REPO = Path(__file__).resolve().parents[1]
NB = REPO / "notebooks"

FILES = {
    "alias.yaml": "a: &x [*x]\n",
    "bigcount.yaml": (REPO / "parameters/provision_cluster/default.yaml").read_text().replace(
        "count: 2", "count: 99999999999999999999"),
    "complexkey.yaml": "? [a, b]\n: 1\n",
    "empty.ipynb": "{}",
    "run-list/results.json": "[]",
    "listing/render_flatcar/20260101T000000Z-a/results.json": '{"run_id": 5, "notebook": null, "status": []}',
    "listing/render_flatcar/20260101T000000Z-b/results.json": "[]",
    "run-other/results.json": '{"schema_version": 1}',
    "run-badnb/results.json": '{"run_id": "r", "notebook": "render_flatcar"}',
    "run-badnb/render_flatcar.ipynb": "not json",
    "podspec.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: b}\nspec: 7\n",
    "podlist.yaml": "apiVersion: v1\nkind: List\nitems: &i [{apiVersion: v1, kind: List, items: *i}]\n",
    "secret.ipynb": "[default]\naws_secret_access_key = lokonbtestNOTJSON\n",
    "earlier-sample.yaml": "# Sample manifest dump of a Lokomotive-style cluster on AWS, written by lokonb (python -m "
                           "lokonb.kube.sample).\nold: 1\n",
    "mktemp.yaml": "",
}

K8S = ["schedule", "provision_cluster", "--set", "default", "--cron", "0 3 * * *", "--format", "kubernetes",
       "--image", "registry.example.com/lokonb:1", "--output", "s3://bkt/p"]

CASES = [
    # (argv with {tmp} and {nb}, exit code, fragments expected on stderr (stdout for exit 0))
    (["config", "validate", "{tmp}/alias.yaml"], 2, ["alias.yaml:1:4: recursive YAML alias"]),
    (["params", "provision_cluster", "--check", "{tmp}/alias.yaml"], 2, ["alias.yaml:1:4: recursive YAML alias"]),
    (["run", "provision_cluster", "-y", "a: &x [*x]"], 2, ["recursive YAML alias"]),
    (["config", "validate", "{tmp}/bigcount.yaml"], 2,
     ['worker_pool["web"].count: 99999999999999999999 workers cannot get addresses', "bigcount.yaml:15"]),
    (["params", "{nb}/render_flatcar.ipynb", "--format", "yaml"], 0, ["cluster:", "ignition_version:"]),
    (["params", "{tmp}/missing.ipynb"], 2, ["notebook not found: {tmp}/missing.ipynb"]),
    (["params", "render_flatcar", "--check", "{tmp}/complexkey.yaml"], 2,
     ["complexkey.yaml:1: a key must be a plain name, got a list"]),
    (["config", "validate", "{nb}/../examples/demo/cluster.lokocfg", "--vars", "{tmp}"], 2,
     ["vars file {tmp} is a directory"]),
    # run options: usage errors (exit 2) before a run directory or kernel exists
    (["run", "render_flatcar", "--cell-timeout", "-1", "--output", "{tmp}"], 2,
     ["--cell-timeout -1.0: expected a positive number of seconds"]),
    (["run", "render_flatcar", "--cell-timeout", "nan", "--output", "{tmp}"], 2, ["--cell-timeout nan"]),
    (["run", "render_flatcar", "--run-timeout", "0", "--output", "{tmp}"], 2, ["--run-timeout 0.0"]),
    (["run", "render_flatcar", "--output", "ftp://host/runs"], 2, ["unsupported URL scheme 'ftp'", "s3://"]),
    (["run", "render_flatcar", "--root", "{tmp}"], 2, ["--root {tmp} is not a project root"]),
    (["run-all", "--jobs", "0", "--output", "{tmp}"], 2, ["--jobs 0: expected 1 or more"]),
    (["run-all", "--only", " , ", "--output", "{tmp}"], 2, ["--only ' , ': no notebook name"]),
    (["schedule", "provision_cluster", "--set", "default", "--cron", "0 3 * * *", "--run-timeout", "inf"], 2,
     ["--run-timeout inf"]),
    (["schedule", "provision_cluster", "--set", "default", "--cron", "0 3 * * *", "--cell-timeout", "nan",
      "--format", "crontab"], 2, ["--cell-timeout nan"]),
    # schedule --format kubernetes: values the cluster would reject when the manifests are applied or the Job runs
    (K8S + ["--namespace", "Bad_NS"], 2, ["--namespace 'Bad_NS' is not valid", "DNS-1123 label"]),
    (K8S + ["--time-zone", "Mars/Olympus"], 2, ["--time-zone 'Mars/Olympus' is not an IANA time zone"]),
    (K8S + ["--credentials", "irsa:lokonb-role"], 2, ["'lokonb-role' is not valid", "irsa:arn:aws:iam::"]),
    (K8S + ["--credentials", "secret:AWS_Creds"], 2, ["'AWS_Creds' is not valid", "DNS-1123 subdomain"]),
    (K8S[:-4] + ["--image", "lokonb 1.0", "--output", "s3://bkt/p"], 2, ["--image 'lokonb 1.0' is not valid"]),
    (K8S[:-2] + ["--output", "s3://"], 2, ["--output 's3://' is not valid"]),
    (K8S + ["--credentials", "irsa:arn:aws:iam::123456789012:role/lokonb", "--time-zone", "Europe/Berlin"], 0,
     ["timeZone: Europe/Berlin", "eks.amazonaws.com/role-arn"]),
    # a notebook file that is not a notebook is a lint finding naming the file, not an internal error
    (["lint-notebooks", "{tmp}/secret.ipynb"], 1, ["secret.ipynb: not a readable notebook: not JSON"]),
    (["lint-notebooks", "{tmp}/empty.ipynb"], 1, ["empty.ipynb: not a readable notebook"]),
    # metadata audit: dumps edited by hand or written by other tools
    (["metadata", "audit", "--dump", "{tmp}/podspec.yaml"], 2, ["Pod b/a is malformed: spec must be a mapping, got 7"]),
    (["metadata", "audit", "--dump", "{tmp}/podlist.yaml"], 2, ["podlist.yaml:3:8: recursive YAML alias"]),
    (["metadata", "audit", "--dump", "{tmp}/latin1.yaml"], 2, ["latin1.yaml: cannot read: not UTF-8 text (byte 0)"]),
    (["metadata", "audit", "--sample", "--imds-hop-limit", "0"], 2, ["hop_limit: 0; must be an integer from 1"]),
    # outputs that are directories, special files or files where a folder is needed
    (["metadata", "sample-dump", "{tmp}"], 2, ["{tmp} is a directory; give a file name"]),
    (["metadata", "sample-dump", "/dev/full"], 1, ["cannot write /dev/full: No space left on device"]),
    # a file of the user's (a real dump named like the sample) is not replaced; an earlier sample or an empty file is
    (["metadata", "sample-dump", "{tmp}/podspec.yaml"], 2,
     ["{tmp}/podspec.yaml exists and is not a sample dump written by lokonb: not replaced"]),
    (["metadata", "sample-dump", "{tmp}/earlier-sample.yaml"], 0, ["wrote {tmp}/earlier-sample.yaml"]),
    (["metadata", "sample-dump", "{tmp}/mktemp.yaml"], 0, ["wrote {tmp}/mktemp.yaml"]),
    (["assets", "generate", "{nb}/../parameters/provision_cluster/default.yaml", "--out", "{tmp}/alias.yaml"], 2,
     ["--out: {tmp}/alias.yaml exists and is not a directory"]),
    # run directories damaged by hand, a full disk or another tool
    (["results", "{tmp}/run-list"], 1, ["run-list/results.json is not a lokonb results file: a list without run_id"]),
    (["report", "{tmp}/run-other"], 1, ["is not a lokonb results file: an object without run_id and notebook"]),
    (["report", "{tmp}/run-badnb"], 1, ["render_flatcar.ipynb: the run's notebook is not readable: not JSON"]),
    (["runs", "--output", "{tmp}/listing"], 0, ["20260101T000000Z-a  render_flatcar       unreadable",
                                                "20260101T000000Z-b  render_flatcar       unreadable"]),
    (["runs", "--output", "{tmp}", "--limit", "-1"], 2, ["--limit -1: expected 1 or more"]),
    (["runs", "--output", "{tmp}", "--status", "bogus"], 2, ["not a run status (allowed: running, succeeded"]),
    (["runs", "--output", "{tmp}", "--notebook", "nosuch"], 2, ["no such notebook and no runs of it"]),
    (["runs", "--output", "{tmp}/latin1.yaml"], 2, ["latin1.yaml is a file, not a runs directory"]),
]


@pytest.mark.parametrize("argv,code,fragments", CASES, ids=[" ".join(c[0][:3]) for c in CASES])
def test_bad_input(tmp_path, capsys, argv, code, fragments):
    for name, text in FILES.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "latin1.yaml").write_bytes("\xe9t\xe9: 1\n".encode("latin-1"))
    assert main([a.format(tmp=tmp_path, nb=NB) for a in argv]) == code
    out, err = capsys.readouterr()
    shown = out if code == 0 else err
    for fragment in fragments:
        assert fragment.format(tmp=tmp_path) in shown, shown
    assert "lokonbtestNOTJSON" not in out + err
    assert "Traceback" not in err and "internal error" not in err and "Node(" not in err


FULL_STDOUT = [
    ["config", "show", str(REPO / "parameters/provision_cluster/default.yaml")],
    ["flatcar", "translate", str(REPO / "tests/fixtures/flatcar/full_stdout.clc")],
    ["metadata", "render"],
]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("argv", FULL_STDOUT, ids=[" ".join(a[:2]) for a in FULL_STDOUT])
def test_stdout_that_cannot_be_written_is_a_file_error(tmp_path, argv):
    """`lokonb ... > file` on a full disk: exit 1 naming stdout (was an internal error, exit 70, or status 120)."""
    import subprocess
    import sys

    clc = tmp_path / "full_stdout.clc"
    clc.write_text("storage:\n  files:\n    - path: /x\n      mode: 0644\n      contents:\n        inline: hi\n")
    argv = [str(clc) if a.endswith("full_stdout.clc") else a for a in argv]
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "lokonb", *argv], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.strip().endswith("error: <stdout>: No space left on device"), proc.stderr
    assert "internal error" not in proc.stderr and "Exception ignored" not in proc.stderr
