"""``lokonb schedule``: manifests validated through the kubernetes client models with lossless round trip."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from lokonb.notebook.exceptions import ScheduleError
from lokonb.notebook.schedule import ScheduleRequest, check_cron, k8s_name, schedule

REPO = Path(__file__).resolve().parents[2]
DNS1123 = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    (tmp_path / "notebooks").mkdir()
    for nb in ("provision_cluster", "metadata_access"):
        (tmp_path / "parameters" / nb).mkdir(parents=True)
    (tmp_path / "parameters" / "provision_cluster" / "default.yaml").write_text(
        (REPO / "parameters/provision_cluster/default.yaml").read_text())
    (tmp_path / "parameters" / "metadata_access" / ("x" * 60 + ".yaml")).write_text("action: audit\n")
    return tmp_path


def _models(doc: dict) -> None:
    from kubernetes import client

    api = client.ApiClient()
    model = {"ConfigMap": "V1ConfigMap", "ServiceAccount": "V1ServiceAccount", "CronJob": "V1CronJob"}[doc["kind"]]

    obj = api._ApiClient__deserialize(doc, model)  # the models reject missing required fields and bad types
    assert api.sanitize_for_serialization(obj) == doc  # unknown or misspelled keys would be dropped


@pytest.mark.parametrize("credentials", ["instance-role", "irsa:arn:aws:iam::123456789012:role/lokonb",
                                         "secret:aws-creds"])
@pytest.mark.parametrize(("notebook", "set_name"), [("provision_cluster", "default"),
                                                     ("metadata_access", "x" * 60)])
def test_manifests_validate(project: Path, notebook: str, set_name: str, credentials: str) -> None:
    text, notes = schedule(ScheduleRequest(notebook, "*/15 2 * * mon-fri", parameter_set=set_name,
                                           fmt="kubernetes", image="registry.example/lokonb:1",
                                           output="s3://bucket/reports", credentials=credentials,
                                           root=str(project)))
    docs = list(yaml.safe_load_all(text))
    # every document written out in full: no &anchor/*alias pairs for the label dicts the manifests share
    assert not [e for e in yaml.parse(text) if isinstance(e, yaml.AliasEvent)]
    kinds = [d["kind"] for d in docs]
    assert kinds == ["ConfigMap", "ServiceAccount", "CronJob"] if credentials.startswith("irsa") else \
        ["ConfigMap", "CronJob"]
    for doc in docs:
        _models(doc)
        assert DNS1123.match(doc["metadata"]["name"]) and len(doc["metadata"]["name"]) <= 52
    cron = docs[-1]["spec"]
    assert cron["concurrencyPolicy"] in ("Allow", "Forbid", "Replace") and cron["concurrencyPolicy"] == "Forbid"
    pod = cron["jobTemplate"]["spec"]["template"]["spec"]
    assert pod["restartPolicy"] in ("Never", "OnFailure")
    container = pod["containers"][0]
    key = container["command"][container["command"].index("-f") + 1].rsplit("/", 1)[1]
    params = docs[0]["data"][key]
    from lokonb.notebook.paramfiles import parse_text_tree
    from lokonb.notebook.params import validate
    from lokonb.notebook.schemas import REGISTRY

    validate(REGISTRY[notebook], parse_text_tree(params))
    if credentials.startswith("secret:"):
        assert container["envFrom"] == [{"secretRef": {"name": "aws-creds"}}]
    if credentials == "instance-role":
        assert any("metadata" in n for n in notes)


def test_kubernetes_validate_package(project: Path) -> None:
    import kubernetes_validate

    text, _ = schedule(ScheduleRequest("provision_cluster", "0 3 * * *", parameter_set="default",
                                       fmt="kubernetes", image="i:1", output="s3://b/p", root=str(project)))
    for doc in yaml.safe_load_all(text):
        kubernetes_validate.validate(doc, "1.30", strict=True)


def test_crontab_escapes_percent_and_uses_flock(tmp_path: Path) -> None:
    root = tmp_path / "pro%ject"
    (root / "notebooks").mkdir(parents=True)
    (root / "parameters" / "provision_cluster").mkdir(parents=True)
    (root / "parameters/provision_cluster/default.yaml").write_text("action: plan\n")
    text, _ = schedule(ScheduleRequest("provision_cluster", "0 3 * * *", parameter_set="default",
                                       fmt="crontab", root=str(root)))
    comment, line = text.strip().splitlines()
    assert comment.startswith("# lokonb: provision_cluster with set default")
    assert "%" not in line.replace("\\%", "") and "pro\\%ject" in line
    assert "flock -n" in line and "lokonb run provision_cluster --set default" in line
    assert "cron.log" in line


@pytest.mark.parametrize("expr", ["* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *",
                                  "* * * * 8", "5-1 * * * *", "*/0 * * * *", "* * * foo *"])
def test_bad_cron(expr: str) -> None:
    with pytest.raises(ScheduleError):
        check_cron(expr)


def test_bad_cron_cli_exits_2() -> None:
    proc = subprocess.run([sys.executable, "-m", "lokonb", "schedule", "provision_cluster", "--set", "default",
                           "--cron", "61 * * * *"], capture_output=True, text=True, cwd=REPO, timeout=60)
    assert proc.returncode == 2 and "out of range" in proc.stderr


def test_name_shortening() -> None:
    name = k8s_name("metadata_access", "y" * 60)
    assert len(name) <= 52 and DNS1123.match(name)
    assert name != k8s_name("metadata_access", "y" * 59)


@pytest.mark.parametrize("where,error", [
    ("notebooks/provision_cluster.ipynb", None),
    ("elsewhere/provision_cluster.ipynb", "is not one of the project's notebooks"),
    ("notebooks/missing.ipynb", "notebook not found"),
])
def test_notebook_given_as_a_path(project: Path, where: str, error: str | None) -> None:
    path = project / where
    path.parent.mkdir(exist_ok=True)
    if "missing" not in where:
        path.write_text("{}")
    req = ScheduleRequest(str(path), "0 3 * * *", parameter_set="default", fmt="both", root=str(project),
                          image="lokonb:1", output="s3://b/p")
    if error:
        with pytest.raises(Exception, match=error) as exc:
            schedule(req)
        assert exc.value.exit_code == 2
        return
    text, _ = schedule(req)
    assert "lokonb run provision_cluster --set default" in text
    assert "name: lokonb-provision-cluster-default" in text and str(project / "notebooks") not in text.split("---")[1]


@pytest.mark.parametrize("expr,runs", [
    ("0 0 31 2 *", False), ("0 0 30,31 2 *", False), ("0 0 31 4,6,9,11 *", False), ("0 0 30 feb *", False),
    ("0 0 29 2 *", True), ("0 0 31 2 1", True), ("0 0 31 1-12/2 *", True), ("0 0 31 feb-apr *", True),
    ("0 0 */31 2 *", True), ("0 0 28-31 2 *", True),
])
def test_cron_day_that_no_chosen_month_has(expr: str, runs: bool) -> None:
    # cron accepts "31 2" and never fires it; the day of week (when set) still fires
    if runs:
        check_cron(expr)
        return
    with pytest.raises(ScheduleError, match="never runs: no chosen month has day"):
        check_cron(expr)


@pytest.mark.parametrize("where", ["root", "file"])
def test_crontab_refuses_line_breaks(tmp_path: Path, where: str) -> None:
    # a line break would end the entry; "* * * * * evil" on the next line would run every minute
    root = tmp_path / ("pro\n* * * * * evil" if where == "root" else "project")
    (root / "notebooks").mkdir(parents=True)
    (root / "parameters" / "provision_cluster").mkdir(parents=True)
    set_file = root / ("a\n* * * * * evil.yaml" if where == "file" else "set.yaml")
    set_file.write_text("action: plan\n")
    req = ScheduleRequest("provision_cluster", "0 3 * * *", file=str(set_file), fmt="crontab", root=str(root))
    with pytest.raises(ScheduleError, match="holds a line break") as exc:
        schedule(req)
    assert exc.value.exit_code == 2


@pytest.mark.parametrize("file_name,key", [
    ("nightly.yaml", "nightly.yaml"), ("s%et 1.yaml", "params.yaml"), ("ünï.yaml", "params.yaml"),
    ("a\nb.yaml", "params.yaml"),
])
def test_configmap_key_is_valid(project: Path, file_name: str, key: str) -> None:
    set_file = project / file_name
    set_file.write_text("action: plan\n")
    req = ScheduleRequest("provision_cluster", "0 3 * * *", file=str(set_file), fmt="kubernetes",
                          root=str(project), image="lokonb:1", output="s3://b/p")
    text, _ = schedule(req)
    docs = list(yaml.safe_load_all(text))
    assert list(docs[0]["data"]) == [key]
    assert f"/etc/lokonb/{key}" in docs[-1]["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0][
        "command"]


def _snippet_with(contents: str) -> str:
    lines = "".join(f"              {line}\n" for line in contents.splitlines())
    return ("variant: flatcar\nversion: 1.0.0\nstorage:\n  files:\n  - path: /etc/app/secret\n    contents:\n"
            f"      inline: |\n{lines}")


def _pem() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()


# secret-looking text a set can carry (built at test time so repository secret scanners stay quiet): the printed
# ConfigMap would hold ***REDACTED*** in its place, so --format kubernetes/both refuse the set; crontab passes the
# file by name and is unaffected
SECRET_SETS = {
    "aws-key-in-snippet": lambda: "aws_access_key_id = AKIA" + "QWERTYUIOPASDFGH" + "\n",
    "pem-in-snippet": _pem,
    "token-line-in-snippet": lambda: "token: " + "z9" * 12 + "\n",
}


@pytest.mark.parametrize("kind", sorted(SECRET_SETS))
@pytest.mark.parametrize("fmt", ["kubernetes", "both", "crontab"])
def test_secret_in_set_refused_for_manifests(project: Path, kind: str, fmt: str) -> None:
    secret = SECRET_SETS[kind]()
    cluster = yaml.safe_load((REPO / "parameters/provision_cluster/default.yaml").read_text())
    cluster["cluster"]["worker_pools"][0]["clc_snippets"] = [_snippet_with(secret)]
    set_file = project / "with-secret.yaml"
    set_file.write_text(yaml.safe_dump(cluster))
    req = ScheduleRequest("provision_cluster", "0 3 * * *", file=str(set_file), fmt=fmt, root=str(project),
                          image="lokonb:1", output="s3://b/p")
    if fmt == "crontab":
        text, _ = schedule(req)
        assert str(set_file) in text and "REDACTED" not in text
        return
    with pytest.raises(ScheduleError, match=r"holds secret-looking text .* --format crontab") as exc:
        schedule(req)
    assert exc.value.exit_code == 2
    values = [line.split()[-1] for line in secret.splitlines() if "-----" not in line]
    assert values and not any(v in str(exc.value) for v in values)  # the message never quotes the secret
