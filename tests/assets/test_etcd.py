"""A real 3-member etcd cluster (Debian's etcd-server) on 127.0.0.1 with the generated certificates and the
settings of the controller config's /etc/kubernetes/etcd.env (flatcar.md §7.4), checked with etcdctl."""

from __future__ import annotations

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
from pathlib import Path

import pytest

from lokonb.assets import load_or_generate

from .conftest import make_config

ETCD = shutil.which("etcd") or "/usr/bin/etcd"
ETCDCTL = shutil.which("etcdctl") or "/usr/bin/etcdctl"


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def etcd_env(i: int, count: int, ssl_dir: Path, data_dir: Path, ports: list[int]) -> dict[str, str]:
    """etcd.env of controller i (flatcar.md §7.4, same order) with the member DNS names replaced by 127.0.0.1
    and the fixed ports by free ones; /etc/ssl/etcd is ``ssl_dir``."""
    client, peer, metrics = ports[3 * i : 3 * i + 3]
    peers = ",".join(f"etcd{j}=https://127.0.0.1:{ports[3 * j + 1]}" for j in range(count))
    return {
        "ETCD_DATA_DIR": str(data_dir),
        "ETCD_NAME": f"etcd{i}",
        "ETCD_ADVERTISE_CLIENT_URLS": f"https://127.0.0.1:{client}",
        "ETCD_INITIAL_ADVERTISE_PEER_URLS": f"https://127.0.0.1:{peer}",
        "ETCD_LISTEN_CLIENT_URLS": f"https://127.0.0.1:{client}",
        "ETCD_LISTEN_PEER_URLS": f"https://127.0.0.1:{peer}",
        "ETCD_LISTEN_METRICS_URLS": f"http://127.0.0.1:{metrics}",
        "ETCD_INITIAL_CLUSTER": peers,
        "ETCD_STRICT_RECONFIG_CHECK": "true",
        "ETCD_TRUSTED_CA_FILE": f"{ssl_dir}/etcd/server-ca.crt",
        "ETCD_CERT_FILE": f"{ssl_dir}/etcd/server.crt",
        "ETCD_KEY_FILE": f"{ssl_dir}/etcd/server.key",
        "ETCD_CLIENT_CERT_AUTH": "true",
        "ETCD_PEER_TRUSTED_CA_FILE": f"{ssl_dir}/etcd/peer-ca.crt",
        "ETCD_PEER_CERT_FILE": f"{ssl_dir}/etcd/peer.crt",
        "ETCD_PEER_KEY_FILE": f"{ssl_dir}/etcd/peer.key",
        "ETCD_PEER_CLIENT_CERT_AUTH": "true",
    }


def _decode(source: str) -> str:
    head, _, body = source.partition(",")
    if head.endswith(";base64"):
        return base64.b64decode(body).decode()
    return urllib.parse.unquote(body)


def from_controller_configs(config, assets) -> list[tuple[dict[str, str], dict[str, str]]] | None:
    """Per controller: (etcd.env as rendered, /etc/ssl/etcd files as rendered), from the real node configs;
    None when the Flatcar renderer is not available."""
    try:
        from lokonb.flatcar import render_cluster
    except ImportError:
        return None
    render = render_cluster(config, assets=assets)
    out = []
    for i in range(config.controller_count):
        files = {f["path"]: f for f in json.loads(render.role(f"controller-{i}").compact)["storage"]["files"]}
        env_text = _decode(files["/etc/kubernetes/etcd.env"]["contents"]["source"])
        env = dict(line.split("=", 1) for line in env_text.splitlines() if line.strip())
        tls = {
            p[len("/etc/ssl/etcd/") :]: _decode(f["contents"]["source"])
            for p, f in files.items()
            if p.startswith("/etc/ssl/etcd/")
        }
        out.append((env, tls))
    return out


def localize(
    env: dict[str, str], i: int, config, ssl_dir: Path, data_dir: Path, ports: list[int]
) -> dict[str, str]:
    """A rendered etcd.env made runnable on one host: member DNS names -> 127.0.0.1 with per-member free
    ports, /etc/ssl/etcd and /var/lib/etcd -> test directories. Only etcd's own (ETCD_) settings."""
    swaps = []
    for j in range(config.controller_count):
        host = f"https://{config.cluster_name}-etcd{j}.{config.dns_zone}"
        swaps += [
            (f"{host}:2379", f"https://127.0.0.1:{ports[3 * j]}"),
            (f"{host}:2380", f"https://127.0.0.1:{ports[3 * j + 1]}"),
        ]
    swaps += [
        ("https://0.0.0.0:2379", f"https://127.0.0.1:{ports[3 * i]}"),
        ("https://0.0.0.0:2380", f"https://127.0.0.1:{ports[3 * i + 1]}"),
        ("http://0.0.0.0:2381", f"http://127.0.0.1:{ports[3 * i + 2]}"),
        ("/etc/ssl/etcd", str(ssl_dir)),
        ("/var/lib/etcd", str(data_dir)),
    ]
    out = {}
    for key, value in env.items():
        if not key.startswith("ETCD_"):
            continue
        for old, new in swaps:
            value = value.replace(old, new)
        out[key] = value
    joined = "".join(out.values())
    assert "example.com" not in joined and "0.0.0.0" not in joined  # noqa: S104 - a check, not a bind
    return out


def _place(files, ssl_dir: Path) -> None:
    """Write etcd_tls_files() as the controller config places them (dirs 0500 -> 0700 here so we can
    clean)."""
    for rel, text in files.items():
        p = ssl_dir / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        p.chmod(0o400)


def _etcdctl(
    ssl_dir: Path, endpoints: str, *args: str, timeout: int = 15
) -> subprocess.CompletedProcess[str]:
    env = {"ETCDCTL_API": "3", "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    return subprocess.run(
        [
            ETCDCTL,
            f"--endpoints={endpoints}",
            f"--cacert={ssl_dir}/etcd-client-ca.crt",
            f"--cert={ssl_dir}/etcd-client.crt",
            f"--key={ssl_dir}/etcd-client.key",
            "--dial-timeout=3s",
            "--command-timeout=5s",
            *args,
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


@pytest.mark.timeout(120)
def test_three_member_etcd_with_generated_certificates(tmp_path, openssl):
    if not (os.access(ETCD, os.X_OK) and os.access(ETCDCTL, os.X_OK)):
        pytest.fail("etcd and etcdctl are required (Debian packages etcd-server, etcd-client)")
    count = 3
    cfg = make_config(tmp_path / "assets", controller_count=count)
    assets = load_or_generate(cfg, tmp_path / "assets")
    ports = _free_ports(3 * count)
    procs: list[subprocess.Popen] = []
    logs = []
    try:
        rendered = from_controller_configs(cfg, assets)
        for i in range(count):
            ssl_dir = tmp_path / f"ssl{i}"
            data_dir = tmp_path / f"data{i}"
            data_dir.mkdir(mode=0o700)
            if rendered is not None:  # the exact files and settings the controller config carries
                env_file, tls = rendered[i]
                _place(tls, ssl_dir)
                etcd_settings = localize(env_file, i, cfg, ssl_dir, data_dir, ports)
                assert etcd_settings.keys() == etcd_env(i, count, ssl_dir, data_dir, ports).keys()
            else:
                _place(assets.etcd_tls_files(i), ssl_dir)
                etcd_settings = etcd_env(i, count, ssl_dir, data_dir, ports)
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **etcd_settings}
            log = open(tmp_path / f"etcd{i}.log", "w")  # noqa: SIM115 - closed in finally
            logs.append(log)
            procs.append(subprocess.Popen([ETCD], env=env, stdout=log, stderr=subprocess.STDOUT))
        ssl0 = tmp_path / "ssl0"
        endpoints = ",".join(f"https://127.0.0.1:{ports[3 * i]}" for i in range(count))
        deadline = time.monotonic() + 60
        while True:
            r = _etcdctl(ssl0, endpoints, "endpoint", "health")
            if r.returncode == 0:
                break
            if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
                pytest.fail(
                    "etcd did not become healthy:\n"
                    + r.stdout
                    + r.stderr
                    + "\n"
                    + (tmp_path / "etcd0.log").read_text()[-3000:]
                )
            time.sleep(0.5)
        out = r.stdout + r.stderr  # etcdctl 3.4 prints health results on stderr
        assert out.count("is healthy") == count and "unhealthy" not in out, out
        members = _etcdctl(ssl0, endpoints, "member", "list")
        assert members.returncode == 0 and members.stdout.count("started") == count, members.stdout
        assert _etcdctl(ssl0, endpoints, "put", "lokonb", "works").returncode == 0
        got = _etcdctl(ssl0, f"https://localhost:{ports[6]}", "get", "lokonb", "--print-value-only")
        assert got.stdout.strip() == "works", got.stderr  # replicated; DNS SAN localhost verified

        # The live server presents the member's DNS name (SAN) and chains to the etcd CA.
        s = subprocess.run(
            [
                "openssl",
                "s_client",
                "-connect",
                f"127.0.0.1:{ports[3]}",
                "-CAfile",
                str(ssl0 / "etcd-client-ca.crt"),
                "-verify_hostname",
                "demo-etcd1.example.com",
                "-verify_return_error",
                "-cert",
                str(ssl0 / "etcd-client.crt"),
                "-key",
                str(ssl0 / "etcd-client.key"),
            ],
            input="",
            capture_output=True,
            text=True,
            timeout=15,
        )
        assert "Verify return code: 0 (ok)" in s.stdout, s.stdout[-2000:] + s.stderr

        # A client certificate from another CA is refused.
        other = load_or_generate(make_config(tmp_path / "other", controller_count=1), tmp_path / "other")
        foreign = tmp_path / "foreign"
        files = dict(assets.etcd_tls_files(0))
        files["etcd-client.crt"] = other.etcd_tls_files(0)["etcd-client.crt"]
        files["etcd-client.key"] = other.etcd_tls_files(0)["etcd-client.key"]
        _place(files, foreign)
        refused = _etcdctl(foreign, f"https://127.0.0.1:{ports[0]}", "endpoint", "health")
        assert refused.returncode != 0
        assert " is healthy" not in refused.stdout + refused.stderr
        log0 = (tmp_path / "etcd0.log").read_text()
        assert "bad certificate" in refused.stderr or "certificate signed by unknown authority" in log0, (
            refused.stderr + log0[-1500:]
        )
        # ...and so is a server whose CA the client does not trust (the other cluster's CA).
        _place(
            {**assets.etcd_tls_files(0), "etcd-client-ca.crt": other.etcd_tls_files(0)["etcd-client-ca.crt"]},
            tmp_path / "wrongca",
        )
        r = _etcdctl(tmp_path / "wrongca", f"https://127.0.0.1:{ports[0]}", "endpoint", "health")
        assert r.returncode != 0 and " is healthy" not in r.stdout + r.stderr
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        for log in logs:
            log.close()
