"""The CLI's ``--json`` output contracts for plan / apply / destroy (lokonb/cli/cluster.py, aws.md §7.3, §8.5, §9):
stdout is exactly one JSON document (progress and hints go to stderr), the plan rows carry the §7.3 columns in
wave order, the result rows the §8.5 ones, and no secret material reaches either stream."""

from __future__ import annotations

import json

import yaml

from aws.conftest import BASE
from lokonb.cli import main

PLAN_KEYS = {"action", "type", "name", "reason", "key", "id", "details", "disruptive", "step"}
RESULT_KEYS = {"action", "type", "key", "name", "status", "id", "seconds", "error"}


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_json_outputs_of_plan_apply_destroy(aws_url, tmp_path, capsys):
    data = json.loads(json.dumps(BASE))
    data["cluster"]["asset_dir"] = str(tmp_path / "assets")
    data["aws"].update(waiter_scale=0.01)
    cfg = tmp_path / "c.yaml"
    cfg.write_text(yaml.safe_dump(data))
    common = [str(cfg), "--endpoint", aws_url, "--state", str(tmp_path / "st.json")]

    code, out, err = _cli(capsys, "cluster", "plan", *common, "--json")
    assert code == 0
    rows = json.loads(out)
    assert rows and all(set(r) == PLAN_KEYS for r in rows)
    assert [r["step"] for r in rows] == sorted(r["step"] for r in rows)
    assert {r["action"] for r in rows} == {"create"}

    code, out, err = _cli(capsys, "cluster", "apply", *common, "--json")   # no --confirm: the plan only
    assert code == 0 and isinstance(json.loads(out), list) and "re-run with --confirm" in err

    code, out, err = _cli(capsys, "cluster", "apply", *common, "--json", "--confirm")
    doc = json.loads(out)
    assert code == 0 and set(doc) >= {"plan", "result", "endpoint", "kubeconfig", "notes", "timings"}
    assert len(doc["result"]) == len(doc["plan"]) and all(set(r) == RESULT_KEYS for r in doc["result"])
    assert {r["status"] for r in doc["result"]} == {"done"} and doc["endpoint"] == "demo.example.com"
    # the private keys and bootstrap tokens of the assets (the files the state record references, never values)
    assets = tmp_path / "assets" / "cluster-assets"
    secret_files = sorted(assets.rglob("*.key")) + sorted(assets.rglob("*token*"))
    assert secret_files
    for p in secret_files:
        for line in p.read_text().splitlines():
            if len(line.strip()) >= 16 and not line.startswith("-----"):
                assert line.strip() not in out and line.strip() not in err, p
    code, out, err = _cli(capsys, "cluster", "plan", *common, "--json")
    assert code == 0 and [r for r in json.loads(out) if r["action"] != "skip"] == []

    code, out, err = _cli(capsys, "cluster", "destroy", *common, "--json", "--confirm")
    doc = json.loads(out)
    assert code == 0 and set(doc) == {"message", "result", "left_in_place", "timings"}
    assert doc["message"].startswith("destroyed cluster demo") and all(r["action"] == "delete"
                                                                       for r in doc["result"])

    code, out, err = _cli(capsys, "cluster", "destroy", *common, "--json", "--confirm")
    assert code == 0 and "does not exist" in json.loads(out)["message"]
