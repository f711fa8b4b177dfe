"""Bad inputs, round 7: outputs that would overwrite an input or each other, empty or zero values that were taken as
"the default" or made an empty result, options that were ignored without a word, notebook files of the wrong JSON
shape, and secrets given in the wrong place that an error message quoted back. Each row: argv, exit code, fragments
of stderr (stdout for exit 0); no row may end in an internal error or leave the planted secret in the output."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cli_case import run_case

from lokonb.cli import main

REPO = Path(__file__).resolve().parents[1]
PC = str(REPO / "parameters/provision_cluster/default.yaml")
# planted fakes, built at test time so that repository secret scanners stay quiet
KEY_ID = "AKIA" + "LOKONBR7TESTKEYX"
SECRET = "lokonbR7" + "secretVALUEzz9"

FILES = {
    "in.clc": "storage:\n  files:\n    - path: /etc/x\n      filesystem: root\n      mode: 0644\n",
    "nb-list.ipynb": "[]",
    "nb-cells.ipynb": '{"cells": 5, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
    "nb-cellnull.ipynb": '{"cells": [null], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}',
    "window.yaml": 'since: "2026-01-02T00:00:00Z"\nuntil: "2026-01-01T00:00:00Z"\nbucket: 0min\n',
    "akia-name.yaml": Path(PC).read_text().replace("cluster_name: demo", f"cluster_name: {KEY_ID}"),
    # a hand-written kubeconfig whose server lost its scheme (client-go adds https:// with TLS; the client http://)
    "kc-refused.yaml": "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:1'}}]\n"
                       "users: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
                       "current-context: x\n",
    "pods-ns.yaml": "pods: {namespace: Kube_System}\n",
    "kc-list.yaml": "- a kubeconfig that is a YAML list\n",
    "kc-noscheme.yaml": "apiVersion: v1\nkind: Config\n"
                        "clusters: [{name: c, cluster: {server: 'api.demo.example.com:6443'}}]\n"
                        "users: [{name: u, user: {}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
                        "current-context: x\n",
}

SCHED = ["schedule", "apiserver_logs", "--set", "default", "--cron", "0 3 * * *"]
K8S = SCHED + ["--format", "kubernetes", "--output", "s3://bkt/p"]

CASES = [
    # an output that is an input, or two outputs that are one file: refused before anything is written
    (["flatcar", "translate", "{tmp}/in.clc", "-o", "{tmp}/in.clc"], 2,
     ["--output: {tmp}/in.clc is an input of this command and would be overwritten"]),
    (["flatcar", "translate", "{tmp}/in.clc", "-o", "{tmp}/sub/../in.clc"], 2, ["is an input of this command"]),
    (["logs", "analyze", "{tmp}/api.log", "--records", "{tmp}/api.log"], 2,
     ["--records: {tmp}/api.log is an input of this command"]),
    (["logs", "analyze", "cp1={tmp}/api.log", "--summary", "{tmp}/api.log"], 2,
     ["--summary: {tmp}/api.log is an input"]),
    (["logs", "analyze", "{tmp}/api.log", "--records", "{tmp}/o.csv", "--summary", "{tmp}/./o.csv"], 2,
     ["is also the --summary file"]),
    (["logs", "sample", "--lines", "10", "-o", "{tmp}/s.log", "--truth", "{tmp}/s.log"], 2,
     ["--truth: {tmp}/s.log is also the --output file"]),
    # buckets and windows that gave a division by zero, NaT, a 60 ns grid or an empty result
    (["logs", "analyze", "{tmp}/api.log", "--bucket", "0min"], 2, ["bucket: '0min' is not a duration", "a unit"]),
    (["logs", "analyze", "{tmp}/api.log", "--bucket", ""], 2, ["bucket: '' is not a duration"]),
    (["logs", "analyze", "{tmp}/api.log", "--bucket", "60"], 2, ["bucket: '60' is not a duration"]),
    (["logs", "analyze", "{tmp}/api.log", "--since", "2026-01-02T00:00:00Z", "--until", "2026-01-01"], 2,
     ["until: 2026-01-01T00:00:00+00:00 is not after since 2026-01-02T00:00:00+00:00"]),
    (["params", "apiserver_logs", "--check", "{tmp}/window.yaml"], 2,
     ["bucket (line 3): '0min' is not a duration", "until (line 2): 2026-01-01T00:00:00+00:00 is not after since"]),
    # counts of 0 or less: --lines 0 wrote the default 10,000 lines, --size 0 an empty file
    (["logs", "sample", "--lines", "0", "-o", "{tmp}/z.log"], 2, ["--lines 0: expected 1 or more"]),
    (["logs", "sample", "--lines", "-5", "-o", "{tmp}/z.log"], 2, ["--lines -5: expected 1 or more"]),
    (["logs", "sample", "--size", "0", "-o", "{tmp}/z.log"], 2, ["--size '0': expected 1 byte or more"]),
    (["logs", "sample", "--controllers", "0", "-o", "{tmp}/zdir"], 2, ["--controllers 0: expected 1 or more"]),
    # options of live pods given without --pods were ignored
    (["logs", "analyze", "{tmp}/api.log", "--context", "prod", "--previous"], 2,
     ["--context, --previous: only apply to live pods; add --pods"]),
    (["logs", "analyze", "{tmp}/api.log", "--namespace", "kube-public"], 2, ["--namespace: only apply to live pods"]),
    # notebook files of the wrong JSON shape: the lint named a Python error ("'list' object has no attribute 'get'")
    (["lint-notebooks", "{tmp}/nb-list.ipynb"], 1, ["nb-list.ipynb: not a readable notebook: a JSON document "
                                                    "holding a list (expected an object with cells"]),
    (["lint-notebooks", "{tmp}/nb-cells.ipynb"], 1, ["cells is a number (expected a list of cell objects)"]),
    (["lint-notebooks", "{tmp}/nb-cellnull.ipynb"], 1, ["cells[0] is null (expected a cell object"]),
    # S3 outputs, images and time zones: checked for crontab and run too, credentials never quoted back
    (SCHED + ["--format", "crontab", "--output", f"s3://{KEY_ID}:{SECRET}@bkt/p"], 2,
     ["--output: an s3:// URL cannot carry credentials"]),
    (SCHED + ["--format", "crontab", "--output", "s3://Bad_Bucket/p"], 2, ["'Bad_Bucket' is not an S3 bucket name"]),
    (["run", "render_flatcar", "--output", "s3://Bad_Bucket/runs"], 2, ["'Bad_Bucket' is not an S3 bucket name"]),
    (SCHED + ["--format", "crontab", "--time-zone", "Nowhere/Atlantis"], 2,
     ["--time-zone 'Nowhere/Atlantis' is not an IANA time zone"]),
    (K8S + ["--image", f"ops:{SECRET}@registry.example.com/lokonb:1"], 2, ["--image is not valid in a Kubernetes"]),
    (K8S + ["--image", "registry.example.com/lokonb@sha256:" + "ab" * 32], 0, ["image: registry.example.com/lokonb@"]),
    (K8S + ["--image", "registry.example.com/lokonb:1", "--credentials", KEY_ID], 2,
     ["--credentials '***REDACTED***': use instance-role"]),
    # run options: -p NAME.KEY on a parameter that is no mapping showed "got dict {'x': Text(text='1', ...)}";
    # --set '' ran with no set; an https:// set file was looked up as a local folder "https:"
    (["run", "render_flatcar", "--output", "{tmp}/runs", "-p", "snippets.x", "1"], 2,
     ["-p 'snippets.x': snippets is a bool parameter, not a mapping (allowed: -p snippets VALUE"]),
    (["run", "apiserver_logs", "--output", "{tmp}/runs", "-r", "year.x", "1"], 2, ["-r 'year.x': year is a"]),
    (["run", "apiserver_logs", "--output", "{tmp}/runs", "--set", ""], 2, ["invalid parameter set name ''"]),
    (["run", "apiserver_logs", "--output", "{tmp}/runs", "-f", "https://example.com/set.yaml"], 2,
     ["https://example.com/set.yaml: unsupported URL scheme 'https' (allowed: a local file or s3://BUCKET/KEY"]),
    (["metadata", "apply", "--dry-run", "--kubeconfig", "{tmp}/kc-noscheme.yaml"], 2,
     ["cluster 'c': server 'api.demo.example.com:6443' has no scheme (allowed: an https:// or http:// URL, "
      "e.g. https://api.demo.example.com:6443"]),
    (["logs", "analyze", "{tmp}/api.log", "--klog-tz", ""], 2, ["klog_tz: '' is not a time zone"]),
    (["report", "{tmp}/in.clc"], 1, ["{tmp}/in.clc is a file, not a run directory"]),
    (["runs", "--finalize", "{tmp}/in.clc"], 1, ["{tmp}/in.clc is a file, not a run directory"]),
    # an unreachable API server was an internal error (urllib3's MaxRetryError)
    (["logs", "analyze", "--pods", "--kubeconfig", "{tmp}/kc-refused.yaml"], 1,
     ["cannot reach the Kubernetes API to list pods in kube-system: NewConnectionError", "Connection refused"]),
    # a namespace that is no DNS-1123 label reached the API as a path segment ("no pods found")
    (["logs", "analyze", "--pods", "--kubeconfig", "{tmp}/kc-refused.yaml", "--namespace", "Kube System"], 2,
     ["pods.namespace: namespace 'Kube System' must be a DNS-1123 label"]),
    (["params", "apiserver_logs", "--check", "{tmp}/pods-ns.yaml"], 2,
     ["pods.namespace (line 1): namespace 'Kube_System' must be a DNS-1123 label"]),
    # an empty override fell back to the config's value without a word
    (["cluster", "plan", PC, "--region", ""], 2, ["--region '' is empty"]),
    (["cluster", "plan", PC, "--endpoint", " "], 2, ["--endpoint ' ' is empty", "embedded or an http(s) URL"]),
    (["cluster", "plan", PC, "--profile", ""], 2, ["--profile '' is empty"]),
    # an access key pasted as the cluster name is not printed back
    (["config", "validate", "{tmp}/akia-name.yaml"], 2, ["cluster_name: '***REDACTED***' is not a valid cluster name"]),
    (["params", "provision_cluster", "--check", "{tmp}/akia-name.yaml"], 2, ["'***REDACTED***' is not a valid"]),
]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name, text in FILES.items():
        (tmp_path / name).write_text(text)
    assert main(["logs", "sample", "--lines", "20", "-o", str(tmp_path / "api.log")]) == 0
    return tmp_path


@pytest.mark.parametrize("argv,code,fragments", CASES, ids=[" ".join(c[0][:3]) + f"-{i}" for i, c in enumerate(CASES)])
def test_bad_input_r7(workdir, capsys, argv, code, fragments):
    out, err = run_case(workdir, capsys, argv, code, fragments)
    assert KEY_ID not in out + err and SECRET not in out + err


def test_vars_file_from_a_pipe(capsys):
    """`--vars <(sops -d lokocfg.vars)` gives /dev/fd/N, a pipe: it was "vars file not found"."""
    read, write = os.pipe()
    os.write(write, (REPO / "examples/demo/lokocfg.vars").read_bytes())
    os.close(write)
    try:
        assert main(["config", "validate", str(REPO / "examples/demo/cluster.lokocfg"), "--vars",
                     f"/dev/fd/{read}"]) == 0
    finally:
        os.close(read)
    assert "demo: valid" in capsys.readouterr().out


ENV_CASES = [
    # a $KUBECONFIG entry of the wrong shape crashed the secret scrubber before the reader could name the file
    (["logs", "analyze", "--pods"], {"KUBECONFIG": "{tmp}/none.yaml:{tmp}/kc-list.yaml"}, 2,
     ["{tmp}/kc-list.yaml: not a kubeconfig (expected a mapping"]),
    (["config", "validate", "{tmp}/akia-name.yaml"], {"KUBECONFIG": "{tmp}/kc-list.yaml"}, 2, ["'***REDACTED***'"]),
    # LOKONB_ROOT that is no project was passed over for the cwd's project or the source tree
    (["run", "apiserver_logs", "--output", "{tmp}/runs"], {"LOKONB_ROOT": "{tmp}/nowhere"}, 2,
     ["LOKONB_ROOT {tmp}/nowhere is not a project root"]),
]


@pytest.mark.parametrize("argv,env,code,fragments", ENV_CASES, ids=[" ".join(c[0][:2]) + f"-{i}"
                                                                    for i, c in enumerate(ENV_CASES)])
def test_bad_environment_r7(workdir, capsys, monkeypatch, argv, env, code, fragments):
    for name, value in env.items():
        monkeypatch.setenv(name, value.format(tmp=workdir))
    capsys.readouterr()
    assert main([a.format(tmp=workdir) for a in argv]) == code
    out, err = capsys.readouterr()
    for fragment in fragments:
        assert fragment.format(tmp=workdir) in err, err
    assert KEY_ID not in out + err and "Traceback" not in err and "internal error" not in err
