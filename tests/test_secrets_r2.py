"""Secrets never leak, round 2: values that reached an output in the audit of every CLI command, error path and
scrubber input (see the helper's cases.md). Planted values are built at test time so repository secret scanners
stay quiet; log lines are composed (logs.md §10) from the public formats cited beside them."""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest

from lokonb.notebook import redact
from lokonb.notebook.redact import MASK, Redactor, kubeconfig_secrets, scrub


def _fake(prefix: str, n: int) -> str:
    rng = random.Random(prefix + str(n))
    return prefix + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


@pytest.fixture()
def scrubber(monkeypatch: pytest.MonkeyPatch) -> Redactor:
    """A process scrubber that knows nothing from this machine's environment."""
    red = Redactor()
    monkeypatch.setattr(redact, "_PROCESS_REDACTOR", [red])
    return red


# -- patterns ------------------------------------------------------------------------------------------------------
PASSWORD = _fake("pw", 12)
BASIC = base64.b64encode(f"admin:{PASSWORD}".encode()).decode()
SIGNATURE = "".join(random.Random(7).choices("0123456789abcdef", k=64))

LEAKS = [
    # RFC 3986 §3.2.1 userinfo (https://datatracker.ietf.org/doc/html/rfc3986#section-3.2.1) in a webhook URL, as
    # the apiserver's dispatcher quotes it: Post "https://<user>:<password>@<host>/validate?timeout=10s"
    (f'Post "https://hook:{PASSWORD}@hook.example.com:8443/validate?timeout=10s": dial tcp', PASSWORD),
    (f"postgres://app:{PASSWORD}@db.example.com:5432/app", PASSWORD),
    # RFC 7617 Basic credentials (https://datatracker.ietf.org/doc/html/rfc7617#section-2)
    (f"upstream request header Authorization: Basic {BASIC}", BASIC),
    (f'"authorization":"{_fake("tk", 30)}"', _fake("tk", 30)),
    # SigV4 query authentication (https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html)
    (f"https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature={SIGNATURE}", SIGNATURE),
    (f"Authorization: AWS4-HMAC-SHA256 Credential=x/20261127/us-east-1/s3/aws4_request, SignedHeaders=host, "
     f"Signature={SIGNATURE}", SIGNATURE),
]


@pytest.mark.parametrize(("text", "secret"), LEAKS)
def test_secret_patterns_r2(text: str, secret: str) -> None:
    out = Redactor().text(text)
    assert secret not in out and MASK in out


@pytest.mark.parametrize("text", [
    '"secret": true, "token": null',  # render summaries flag secret roles; a flag is no secret
    "http://localhost:8080/path@v1",  # a port, not a password
    "git@github.com:org/repo.git",
    "error SignatureDoesNotMatch",
    "the authorization: denied",
])
def test_not_secret_r2(text: str) -> None:
    red = Redactor()
    assert red.text(text) == text and red.count == 0


# -- kubeconfig secrets ----------------------------------------------------------------------------------------------
def _kubeconfig(path: Path, server: str = "https://192.0.2.10:6443") -> dict[str, str]:
    """A kubeconfig with a token user, an OIDC auth-provider user and an exec user with a secret in its env
    (shapes of https://kubernetes.io/docs/reference/access-authn-authz/authentication/)."""
    values = {"token": _fake("kt", 32), "id-token": _fake("id", 40), "refresh-token": _fake("rt", 24),
              "client-secret": _fake("cs", 20), "exec-env": _fake("ev", 24)}
    users = [
        {"name": "t", "user": {"token": values["token"]}},
        {"name": "o", "user": {"auth-provider": {"name": "oidc", "config": {
            "idp-issuer-url": "https://issuer.example.com", "client-id": "kube", "id-token": values["id-token"],
            "refresh-token": values["refresh-token"], "client-secret": values["client-secret"]}}}},
        {"name": "x", "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1", "command": "true",
                                        "env": [{"name": "VAULT_TOKEN", "value": values["exec-env"]},
                                                {"name": "AWS_PROFILE", "value": "operations-team"}]}}},
    ]
    path.write_text(json.dumps({"apiVersion": "v1", "kind": "Config", "current-context": "t",
                                "clusters": [{"name": "c", "cluster": {"server": server}}],
                                "contexts": [{"name": n, "context": {"cluster": "c", "user": n}} for n in "tox"],
                                "users": users}))
    return values


def test_kubeconfig_plugin_secrets_are_known(tmp_path: Path) -> None:
    values = _kubeconfig(tmp_path / "kubeconfig")
    known = kubeconfig_secrets({"KUBECONFIG": str(tmp_path / "kubeconfig")})
    assert set(values.values()) <= set(known)
    assert "operations-team" not in known  # exec env of a name that is no secret


def test_explicit_kubeconfig_is_registered(tmp_path: Path, scrubber: Redactor) -> None:
    """--kubeconfig F / the kubeconfig parameter (not $KUBECONFIG): an API error body echoing the token was
    printed as is by `lokonb logs analyze --pods`."""
    from lokonb.kube.client import load_api_client

    values = _kubeconfig(tmp_path / "kc.yaml")
    load_api_client(tmp_path / "kc.yaml")  # builds a client; no request is made
    for value in values.values():
        assert scrub(f"401: token {value} rejected") == f"401: token {MASK} rejected"


# -- bootstrap tokens ------------------------------------------------------------------------------------------------
def test_bootstrap_tokens_are_registered(tmp_path: Path, scrubber: Redactor) -> None:
    from lokonb.assets import load_or_generate
    from lokonb.config import load

    config = load(Path(__file__).parents[1] / "parameters/provision_cluster/default.yaml").config
    assets = load_or_generate(config, tmp_path)
    tokens = list(assets.bootstrap_tokens.values())
    assert tokens
    for token in tokens:
        assert token.value not in scrub(f"kubelet joined with {token.value}")
        assert token.token_secret not in scrub(f"secret part {token.token_secret}")


# -- CLI streams -------------------------------------------------------------------------------------------------------
def _run_main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], exc: BaseException,
              argv: list[str], warn: str = "") -> tuple[int, str]:
    import lokonb.cli as cli

    def build() -> argparse.ArgumentParser:
        parser = argparse.ArgumentParser()
        parser.add_argument("--debug", action="store_true")

        def func(_: argparse.Namespace) -> int:
            if warn:
                print(f"warning: {warn}", file=sys.stderr)
            raise exc

        parser.set_defaults(func=func)
        return parser

    monkeypatch.setattr(cli, "build_parser", build)
    code = cli.main(argv)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("argv", [[], ["--debug"]])
def test_internal_error_is_scrubbed(argv: list[str], monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str], scrubber: Redactor) -> None:
    secret = _fake("sk", 30)
    scrubber.add([secret])
    code, err = _run_main(monkeypatch, capsys, ValueError(f"unexpected body {secret}"), argv)
    assert code == 70 and secret not in err and MASK in err
    for saved in re.findall(r"traceback saved to (\S+?);", err):
        text = Path(saved).read_text()
        Path(saved).unlink()
        assert secret not in text and MASK in text


def test_debug_traceback_and_warnings_are_scrubbed(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str], scrubber: Redactor) -> None:
    from lokonb.errors import LokonbError

    secret = _fake("dt", 30)
    scrubber.add([secret])
    code, err = _run_main(monkeypatch, capsys, LokonbError(f"rejected {secret}"), ["--debug"],
                          warn=f"https://u:{PASSWORD}@192.0.2.1/")
    assert code == 1 and "Traceback" in err
    assert secret not in err and PASSWORD not in err


# -- end to end: logs analyze ----------------------------------------------------------------------------------
def test_logs_analyze_masks_basic_auth_and_url_passwords(tmp_path: Path) -> None:
    # klog lines (logs.md §2) composed on the webhook dispatcher error quoted in
    # https://github.com/open-policy-agent/gatekeeper/issues/2601 ("Failed calling webhook, failing open ...: Post
    # ...: dial tcp ...: connect: connection refused"; here with a password in the URL) and an upstream header dump
    # with RFC 7617 Basic credentials; TEST-NET addresses, invented names, timestamps and PIDs
    lines = [
        f'W1127 08:14:03.118204      23 dispatcher.go:205] Failed calling webhook, failing open '
        f'policy.example.org: failed calling webhook "policy.example.org": Post "https://probe:{PASSWORD}@'
        f'policy.example.org:9443/validate?timeout=10s": dial tcp 192.0.2.44:9443: connect: connection refused',
        f"E1127 08:14:05.220913      23 proxy.go:112] upstream request header Authorization: Basic {BASIC}",
    ]
    log = tmp_path / "apiserver.log"
    log.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "lokonb", "logs", "analyze", str(log), "--json", "--out", str(out)],
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).parents[1])
    assert proc.returncode == 0, proc.stderr[-2000:]
    blobs = {"stdout": proc.stdout, "stderr": proc.stderr}
    blobs.update({p.name: p.read_bytes().decode("utf-8", "replace") for p in out.rglob("*") if p.is_file()})
    assert MASK in proc.stdout
    for name, text in blobs.items():
        assert PASSWORD not in text and BASIC not in text, name


def test_variables_naming_a_file_are_not_secrets() -> None:
    """A credentials *file's* path is no secret: masking it hid which file an error was about (the keys inside the
    file are read and masked by ``aws_file_secrets``)."""
    env = {"AWS_SHARED_CREDENTIALS_FILE": "/home/ops/.aws/creds", "AWS_WEB_IDENTITY_TOKEN_FILE": "/var/run/t",
           "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "GITHUB_TOKEN": "ghp_x1y2z3"}
    assert sorted(redact.env_secrets(env)) == ["ghp_x1y2z3", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]
