"""The planted-secret test (§7): fake AWS keys, session token, kubeconfig token and client key, a PEM key, a
credentials-file profile; the leaky fixture prints them everywhere; no artefact may contain any form of them."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path

import pytest

from lokonb.notebook.redact import MASK, Redactor

FIX = Path(__file__).parent / "fixtures"


def _fake(prefix: str, n: int) -> str:
    import random

    rng = random.Random(prefix)  # built at test time so repository secret scanners stay quiet
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return prefix + "".join(rng.choice(alphabet) for _ in range(n))


@pytest.fixture()
def planted(tmp_path: Path) -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    values = {"AWS_ACCESS_KEY_ID": "AKIA" + _fake("", 16).upper(),
              "AWS_SECRET_ACCESS_KEY": _fake("s", 39), "AWS_SESSION_TOKEN": _fake("IQo", 120),
              "PLANTED_KUBE_TOKEN": _fake("kt", 40), "PLANTED_PEM": pem}
    profile_secret = _fake("p", 39)
    creds = tmp_path / "aws-credentials"
    creds.write_text(f"[ops]\naws_access_key_id = AKIA{_fake('', 16).upper()}\n"
                     f"aws_secret_access_key = {profile_secret}\n")
    client_key = base64.b64encode(pem.encode()).decode()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(json.dumps({"apiVersion": "v1", "kind": "Config", "users": [
        {"name": "u", "user": {"token": values["PLANTED_KUBE_TOKEN"], "client-key-data": client_key}}]}))
    env = {**values, "AWS_SHARED_CREDENTIALS_FILE": str(creds), "AWS_PROFILE": "ops",
           "KUBECONFIG": str(kubeconfig)}
    return {"env": env, "scan": [*values.values(), profile_secret, client_key]}  # type: ignore[dict-item]


def forms(value: str) -> set[str]:
    out = {value, base64.b64encode(value.encode()).decode(), json.dumps(value)[1:-1]}
    return {f for f in out if len(f) >= 8}


def scan(blobs: dict[str, bytes], secrets: list[str]) -> list[str]:
    hits = []
    for name, blob in blobs.items():
        text = blob.decode("utf-8", errors="replace")
        for secret in secrets:
            for form in forms(secret):
                if form in text:
                    hits.append(f"{name}: {form[:12]}...")
            if "\n" in secret:  # PEM: each body line alone
                hits.extend(f"{name}: PEM line" for line in secret.splitlines()[1:-1] if line in text)
    return hits


def test_leaky_notebook_leaves_no_secret(tmp_path: Path, planted: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in planted["env"].items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "runs"
    proc = subprocess.run([sys.executable, "-m", "lokonb", "run", str(FIX / "leaky.ipynb"), "--output", str(out)],
                          capture_output=True, timeout=120)
    assert proc.returncode == 1, proc.stderr.decode()[-2000:]
    (run_dir,) = out.glob("leaky/*")
    blobs = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    blobs["stdout"], blobs["stderr"] = proc.stdout, proc.stderr
    assert {"leaky/" + run_dir.name + "/" + n for n in ("leaky.ipynb", "report.html", "run.log")} <= set(blobs)
    assert scan(blobs, planted["scan"]) == []
    data = json.loads((run_dir / "results.json").read_text())
    assert data["redactions"] > 0 and data["error"]["ename"] == "RuntimeError"
    assert MASK in (run_dir / "leaky.ipynb").read_text()


def test_leaky_run_to_s3_leaves_no_secret(tmp_path: Path, planted: dict, moto_endpoint: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """§7 acceptance: the S3 objects of a leaky run (embedded AWS) hold no form of a planted value."""
    import boto3

    for key, value in planted["env"].items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_endpoint)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    s3 = boto3.session.Session().client("s3")  # a fresh session reads the planted profile (no cached default)
    s3.create_bucket(Bucket="reports")
    proc = subprocess.run([sys.executable, "-m", "lokonb", "run", str(FIX / "leaky.ipynb"), "--output",
                           "s3://reports/runs"], capture_output=True, timeout=120)
    assert proc.returncode == 1, proc.stderr.decode()[-2000:]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="reports")["Contents"]]
    assert any(k.endswith("/report.html") for k in keys) and "runs/index.json" in keys
    blobs = {k: s3.get_object(Bucket="reports", Key=k)["Body"].read() for k in keys}
    blobs["stdout"], blobs["stderr"] = proc.stdout, proc.stderr
    assert scan(blobs, planted["scan"]) == []


def test_defaults_and_schedules_leave_no_secret(tmp_path: Path, planted: dict,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """§7 acceptance: every notebook on ``default`` (run-all) and every ``schedule`` output, under the planted
    environment, AWS profile and kubeconfig: no artefact, index or CLI stream holds any form of a planted value."""
    for key, value in planted["env"].items():
        monkeypatch.setenv(key, value)
    out = tmp_path / "runs"
    proc = subprocess.run([sys.executable, "-m", "lokonb", "run-all", "--output", str(out)], capture_output=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    blobs = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    blobs["run-all stdout"], blobs["run-all stderr"] = proc.stdout, proc.stderr
    assert "index.json" in blobs and len(list(out.glob("*/*/report.html"))) == 4
    for name in ("provision_cluster", "render_flatcar", "apiserver_logs", "metadata_access"):
        for creds in ("instance-role", "irsa:arn:aws:iam::123456789012:role/lokonb", "secret:aws"):
            sched = subprocess.run([sys.executable, "-m", "lokonb", "schedule", name, "--set", "default", "--cron",
                                    "0 3 * * *", "--image", "registry/lokonb:1", "--output", "s3://b/p",
                                    "--credentials", creds], capture_output=True, timeout=60)
            assert sched.returncode == 0, sched.stderr.decode()
            blobs[f"schedule {name} {creds}"] = sched.stdout + sched.stderr
    assert scan(blobs, planted["scan"]) == []


def test_credential_parameter_not_echoed(tmp_path: Path) -> None:
    value = _fake("v", 40)
    proc = subprocess.run([sys.executable, "-m", "lokonb", "run", str(FIX / "ok.ipynb"), "-p",
                           "aws_secret_access_key", value, "--output", str(tmp_path)], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 2
    blobs = {str(p): p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    blobs["cli"] = (proc.stdout + proc.stderr).encode()
    assert scan(blobs, [value]) == []


@pytest.mark.parametrize(("text", "kept"), [
    ("Authorization: Bearer abcdefghijklmnop", "Authorization: Bearer "),
    ("token: abcdef123456", "token: "),
    ("client-key-data: LS0tLS1CRUdJTiBQUklWQVRF", "client-key-data: "),
    ("key AKIAABCDEFGHIJKLMNOP here", "key "),
    ("jwt eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.c2lnbmF0dXJl", "jwt "),
    ('{"password": "hunter2hunter2"}', '{"password": "'),
    ("commit 3f786850e387550fdab836ed7e6dc881de23001b is fine", None),
    ("client_secret: abcdef123456", "client_secret: "),
    # a Go type name before an error is no secret key (kube-apiserver's storage transformer errors)
    ('"*core.Secret: unable to transform key \\"/registry/secrets/kube-system/x\\""', None),
    ("*v1.Secret: failed to list", None),
])
def test_patterns(text: str, kept: str | None) -> None:
    red = Redactor()
    out = red.text(text)
    if kept is None:
        assert out == text and red.count == 0
    else:
        assert out.startswith(kept) and MASK in out and red.count >= 1


def test_known_values_and_keys() -> None:
    red = Redactor(["supersecretvalue1"])
    assert red.text("x supersecretvalue1 y") == f"x {MASK} y"
    assert red.text(base64.b64encode(b"supersecretvalue1").decode()) == MASK
    assert red.value({"db_password": "abc", "n": 1}) == {"db_password": MASK, "n": 1}


# register_secret() given its secrets in another form (round 6 of the bad-input sweep): a list or bytes was skipped
# without a word, so the token was printed unredacted
@pytest.mark.parametrize("args,secret", [
    (("strtoken-dddd4444",), "strtoken-dddd4444"),
    ((["listtoken-aaaa1111", "listtoken-bbbb2222"],), "listtoken-bbbb2222"),
    ((("tupletoken-eeee5555",),), "tupletoken-eeee5555"),
    ((b"bytestoken-cccc3333",), "bytestoken-cccc3333"),
    ((None, "aftertoken-ffff6666"), "aftertoken-ffff6666"),
])
def test_register_secret_forms(monkeypatch: pytest.MonkeyPatch, args: tuple, secret: str) -> None:
    from lokonb.notebook import redact

    monkeypatch.setattr(redact, "_PROCESS_REDACTOR", [Redactor()])
    redact.register_secret(*args)
    assert redact.scrub(f"token {secret} end") == f"token {MASK} end"


@pytest.mark.parametrize("args", [(5,), (["ok-token-12345678", 5],), ({"token": "x"},)])
def test_register_secret_other_kinds_are_named(monkeypatch: pytest.MonkeyPatch, args: tuple) -> None:
    from lokonb.notebook import redact
    from lokonb.notebook.exceptions import UsageError

    monkeypatch.setattr(redact, "_PROCESS_REDACTOR", [Redactor()])
    with pytest.raises(UsageError, match="register_secret\\(\\): argument 1 must be the secret text"):
        redact.register_secret(*args)
