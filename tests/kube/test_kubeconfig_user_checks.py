"""A kubeconfig whose context names a missing user, or whose user's exec plugin is not installed, is an error
naming the file and the cause: the kubernetes client only logged these and went on without credentials, so the
API answered 401 (or the run failed on the connection) and the cause was lost. Tokens are never printed."""

from __future__ import annotations

import pytest
import yaml

from lokonb.kube.client import check_context_user
from lokonb.kube.errors import KubeconfigError

TOKEN = "SECRETTOKEN123"


def _kubeconfig(tmp_path, user_name="u", users=None):
    users = users if users is not None else [{"name": "u", "user": {"token": TOKEN}}]
    doc = {"apiVersion": "v1", "kind": "Config", "current-context": "x",
           "clusters": [{"name": "c", "cluster": {"server": "https://127.0.0.1:1"}}],
           "contexts": [{"name": "x", "context": {"cluster": "c", "user": user_name}}], "users": users}
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(doc))
    return path


def _exec_user(command):
    return [{"name": "u", "user": {"exec": {"apiVersion": "client.authentication.k8s.io/v1beta1",
                                             "command": command, "args": ["token"]}}}]


def _script(tmp_path, name="bin/auth"):
    script = tmp_path / name
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text("#!/bin/sh\necho {}\n")
    script.chmod(0o755)
    return name


CASES = [
    # (name, kubeconfig maker, error fragment or None)
    ("user missing", lambda t: _kubeconfig(t, user_name="nobody"), "names user 'nobody', which is not in users (u)"),
    ("exec plugin missing", lambda t: _kubeconfig(t, users=_exec_user("/nonexistent-h22-auth")),
     "exec plugin '/nonexistent-h22-auth', which is not installed"),
    ("exec plugin not on PATH", lambda t: _kubeconfig(t, users=_exec_user("nonexistent-h22-auth")),
     "which is not installed"),
    ("exec plugin beside the kubeconfig", lambda t: _kubeconfig(t, users=_exec_user("./" + _script(t))), None),
    ("exec plugin on PATH", lambda t: _kubeconfig(t, users=_exec_user("sh")), None),
    ("token user", lambda t: _kubeconfig(t), None),
]


@pytest.mark.parametrize("name,make,fragment", CASES, ids=[c[0] for c in CASES])
def test_context_user_checks(tmp_path, name, make, fragment):
    path = make(tmp_path)
    if fragment is None:
        check_context_user(path, "x")
        return
    with pytest.raises(KubeconfigError) as exc:
        check_context_user(path, "x")
    assert fragment in str(exc.value) and str(path) in str(exc.value) and TOKEN not in str(exc.value)


def test_cli_names_the_missing_plugin(tmp_path, capsys):
    from lokonb.cli import main

    path = _kubeconfig(tmp_path, users=_exec_user("/nonexistent-h22-auth"))
    assert main(["metadata", "audit", "--kubeconfig", str(path)]) == 2
    assert "exec plugin '/nonexistent-h22-auth'" in capsys.readouterr().err
