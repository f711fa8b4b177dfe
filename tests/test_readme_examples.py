"""README.md's examples run as written (the brief: "Keep README.md true: ... examples that run").

Every command of the README's ``sh`` blocks is run here, in README order, in a work directory holding copies of
``parameters/``, ``examples/`` and ``notebooks/`` plus the inputs the commands name (``node.clc.yaml``,
``cluster.yaml``, a ``/var/log/pods`` layout, ...), or it is in :data:`SKIPPED` with the reason it cannot run here.
A command added to the README fails :func:`test_every_readme_command_is_run_or_skipped` until it is one or the
other. The ``python`` blocks run as one script, in README order (the assets block uses the config block's
``config``).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"

#: commands that cannot run here, with the reason (key: the command as written, comment cut)
SKIPPED: dict[str, str] = {
    "./run.sh main": "the main job itself (./run.sh test, which runs this file, is its sibling)",
    "./run.sh test": "the whole suite, of which this test is a part",
    ".venv/bin/pip install -e '.[lab]' && .venv/bin/jupyter lab notebooks/":
        "installs JupyterLab and starts a server; the notebooks' interactive path is tested with nbclient",
    "lokonb run-all": "every notebook on its default set, as ./run.sh main; tests/test_notebooks.py runs each set",
    "lokonb logs analyze --pods --kubeconfig ~/.kube/config --since 6h --vpc-cidr 10.0.0.0/16 --fail-on high":
        "needs a live cluster; tests/logs/test_podlogs.py runs it against the recording API server",
    "lokonb metadata audit --kubeconfig ~/.kube/config --context prod --fail-on-reachable":
        "needs a live cluster; tests/kube/test_sources_and_cli.py audits through the recording API server",
    "lokonb metadata apply --kubeconfig ~/.kube/config --allow-namespace kube-system --allow-selector "
    "app=ebs-csi-controller --dry-run": "needs a live cluster; tests/kube/test_apply_live.py applies to the "
                                        "recording API server",
    "lokonb metadata apply --kubeconfig ~/.kube/config --confirm --live-check":
        "needs a live cluster; tests/kube/test_apply_live.py applies to the recording API server",
}

#: commands run with a change, and why: (as written, as run)
REWRITTEN: dict[str, str] = {
    # an absolute node path: the same layout is built under the work directory
    "lokonb logs analyze /var/log/pods/kube-system_kube-apiserver-*/ --records records.csv --summary summary.csv":
        "lokonb logs analyze var/log/pods/kube-system_kube-apiserver-*/ --records records.csv --summary summary.csv",
    # kubectl is not installed: its output (composed below) is given to the right-hand side on stdin
    "kubectl -n kube-system logs kube-apiserver-x --timestamps | lokonb logs analyze -": "lokonb logs analyze -",
    # a synopsis with an optional argument: run with it, the README's own family file
    "lokonb logs families [--families my-families.yaml]": "lokonb logs families --families my-families.yaml",
}

KLOG_EOF = "I1127 10:00:{s:02d}.100000       1 log.go:172] http: TLS handshake error from 127.0.0.1:{port}: EOF"
CRI_LOG = "".join(f"2026-11-27T10:00:{s:02d}.100000000Z stderr F {KLOG_EOF.format(s=s, port=40000 + s)}\n"
                  for s in (0, 10, 20))
KUBECTL_TIMESTAMPS = "".join(f"2026-11-27T10:00:{s:02d}.100000000Z {KLOG_EOF.format(s=s, port=41000 + s)}\n"
                             for s in (0, 10, 20))
STDIN: dict[str, str] = {"lokonb logs analyze -": KUBECTL_TIMESTAMPS}

#: inputs the commands name, composed: path → content
INPUTS: dict[str, str] = {
    "node.clc.yaml": "storage:\n  files:\n    - path: /etc/hostname\n      filesystem: root\n      mode: 0644\n"
                     "      contents:\n        inline: node1\n",
    "etcd.yaml": 'etcd:\n  name: "{HOSTNAME}"\n  advertise_client_urls: "http://{PRIVATE_IPV4}:2379"\n',
    "files/motd": "motd text\n",
    "node.bu": "variant: flatcar\nversion: 1.0.0\nstorage:\n  files:\n    - path: /etc/motd\n      contents:\n"
               "        local: motd\n",
    "var/log/pods/kube-system_kube-apiserver-ip-10-0-1-5_0123/kube-apiserver/0.log": CRI_LOG,
}


@dataclass
class Block:
    lang: str
    line: int  # of the opening fence
    text: str


@dataclass
class Command:
    line: int
    text: str  # as written, continuation lines joined, the comment cut


def readme_blocks(text: str) -> list[Block]:
    blocks, lines, i = [], text.splitlines(), 0
    while i < len(lines):
        m = re.match(r"^```(\S*)\s*$", lines[i])
        if m:
            end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
            blocks.append(Block(m.group(1), i + 1, "\n".join(lines[i + 1:end])))
            i = end
        i += 1
    return blocks


def sh_commands(text: str) -> list[Command]:
    out = []
    for block in readme_blocks(text):
        if block.lang != "sh":
            continue
        pending, first = "", 0
        for n, raw in enumerate(block.text.splitlines(), block.line + 1):
            first = first or n
            if raw.rstrip().endswith("\\"):  # a continuation line
                pending += raw.rstrip()[:-1] + " "
                continue
            line, pending = pending + raw, ""
            cut = line[:_comment_start(line)].strip()
            if cut:
                out.append(Command(first, " ".join(cut.split())))
            first = 0
    return out


def _comment_start(line: str) -> int:
    """Where a shell comment starts (a ``#`` at a word start outside quotes), else the line's length."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return i
    return len(line)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Workdir:
    root: Path
    env: dict[str, str]
    server: subprocess.Popen[bytes] | None = None
    port: int = 0
    results: dict[int, subprocess.CompletedProcess[str]] = field(default_factory=dict)

    def argv(self, text: str) -> list[str]:
        words = shlex.split(text)
        if self.port:
            words = [w.replace("127.0.0.1:5055", f"127.0.0.1:{self.port}") for w in words]
        head = {"lokonb": ["-m", "lokonb"], "papermill": ["-m", "papermill"], "python": []}[words[0]]
        return [sys.executable, *head, *words[1:]]


def _setup(root: Path) -> Workdir:
    for name in ("parameters", "examples", "notebooks"):
        shutil.copytree(REPO / name, root / name)
    for rel, content in INPUTS.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(content)
    shutil.copy(REPO / "parameters" / "provision_cluster" / "default.yaml", root / "cluster.yaml")
    (root / "cluster-dump").mkdir()
    shutil.copy(REPO / "lokonb" / "kube" / "data" / "sample_dump.yaml", root / "cluster-dump" / "sample.yaml")
    families = [b for b in readme_blocks(README.read_text()) if b.lang == "yaml" and "families:" in b.text]
    (root / "my-families.yaml").write_text(families[0].text + "\n")
    (root / "home").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"HOME": str(root / "home"), "PYTHONPATH": str(REPO), "LOKONB_HEADLESS": "1", "MPLBACKEND": "Agg"}
    return Workdir(root, env)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workdir]:
    wd = _setup(tmp_path_factory.mktemp("readme"))
    yield wd
    if wd.server is not None:
        wd.server.terminate()
        wd.server.wait(timeout=30)


COMMANDS = sh_commands(README.read_text())
#: each command once, at its first place (the render_flatcar run and papermill lines stand in two sections)
FIRST = [c for i, c in enumerate(COMMANDS) if c.text not in {d.text for d in COMMANDS[:i]}]


def _serve(wd: Workdir, text: str) -> None:
    """``python -m lokonb.aws.embedded serve --port 5055 ... &``: on a free port, until the module ends."""
    wd.port = free_port()
    argv = wd.argv(text.removesuffix("&").strip().replace("--port 5055", f"--port {wd.port}"))
    wd.server = subprocess.Popen(argv, cwd=wd.root, env=wd.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", wd.port)) == 0:
                return
        assert wd.server.poll() is None, wd.server.stdout.read().decode() if wd.server.stdout else ""
        time.sleep(0.2)
    pytest.fail(f"the embedded AWS did not listen on port {wd.port}")


#: checks beyond exit code 0 and no traceback, by the command as run: (workdir, stdout) → None
def _files(*names: str) -> Callable[[Workdir, str], None]:
    def check(wd: Workdir, out: str) -> None:
        for name in names:
            assert (wd.root / name).exists(), name
    return check


CHECKS: dict[str, Callable[[Workdir, str], None]] = {
    "lokonb config show parameters/provision_cluster/default.yaml": lambda wd, out: _has(out, "cluster_name: demo"),
    "lokonb flatcar translate --platform ec2 --pretty etcd.yaml": lambda wd, out: _has(out, "COREOS_EC2_IPV4_LOCAL"),
    "lokonb flatcar translate --pretty -d files/ node.bu": lambda wd, out: _has(out, '"path": "/etc/motd"'),
    "lokonb flatcar diff renders/demo renders/new": lambda wd, out: _has(out, "3.3.0 → 3.4.0"),
    "lokonb assets check ./lokonb-assets/demo": lambda wd, out: _has(out, "ok:"),
    "lokonb logs analyze var/log/pods/kube-system_kube-apiserver-*/ --records records.csv --summary summary.csv":
        _files("records.csv", "summary.csv"),
    "lokonb logs analyze -": lambda wd, out: _has(out, "3 records from 3 lines"),
    "lokonb logs analyze sample --out report/": _files("report/timeline.png", "report/findings.png"),
    "lokonb logs sample --size 64MiB -o big.log --truth big.truth.json": _files("big.log", "big.truth.json"),
    "lokonb logs families --families my-families.yaml": lambda wd, out: _has(out, "my_policy_scan"),
    "lokonb metadata audit --sample": lambda wd, out: _has(out, "can reach 169.254.169.254"),
    "lokonb metadata sample-dump sample.yaml": _files("sample.yaml"),
    "lokonb run render_flatcar --set default": lambda wd, out: _has(out, "render_flatcar: succeeded"),
    "lokonb cluster plan parameters/provision_cluster/default.yaml --endpoint http://127.0.0.1:5055":
        lambda wd, out: _has(out, "No changes."),
}


def _has(out: str, fragment: str) -> None:
    assert fragment in out, out[-2000:]


def test_every_readme_command_is_run_or_skipped() -> None:
    texts = [c.text for c in COMMANDS]
    assert texts, "no sh block found in README.md"
    runnable = {"lokonb", "papermill", "python", "export"}
    for text in texts:
        if text in SKIPPED:
            continue
        words = shlex.split(REWRITTEN.get(text, text))
        assert words[0] in runnable and "|" not in words and "&&" not in words, (
            f"README command not runnable here: {text!r}; run it in this test or add it to SKIPPED with a reason")
    for table in (SKIPPED, REWRITTEN):
        stale = [k for k in table if k not in texts]
        assert not stale, f"no longer in README.md: {stale}"


@pytest.mark.parametrize("cmd", FIRST, ids=[f"README:{c.line}" for c in FIRST])
def test_readme_command(cmd: Command, workdir: Workdir) -> None:
    if cmd.text in SKIPPED:
        pytest.skip(SKIPPED[cmd.text])
    text = REWRITTEN.get(cmd.text, cmd.text)
    words = shlex.split(text)
    if words[0] == "export":
        workdir.env |= dict(w.split("=", 1) for w in words[1:])
        return
    if text.endswith("&"):
        _serve(workdir, text)
        return
    run = subprocess.run(workdir.argv(text), cwd=workdir.root, env=workdir.env, input=STDIN.get(text, ""),
                         capture_output=True, text=True, timeout=600)
    shown = run.stdout + run.stderr
    assert run.returncode == 0, f"README line {cmd.line}: {text}\n{shown[-3000:]}"
    assert "Traceback" not in shown and "internal error" not in shown, shown[-3000:]
    check = CHECKS.get(text.replace(f"127.0.0.1:{workdir.port}", "127.0.0.1:5055"))
    if check is not None:
        check(workdir, shown)


def test_readme_python_blocks(workdir: Workdir) -> None:
    """The ``python`` blocks, in README order, as one script (the assets block uses ``config``)."""
    script = "\n".join(b.text for b in readme_blocks(README.read_text()) if b.lang == "python")
    assert "load_yaml" in script and "aws.apply" in script
    run = subprocess.run([sys.executable, "-c", script], cwd=workdir.root, env=workdir.env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert "Traceback" not in run.stderr


def test_checks_name_readme_commands() -> None:
    """A check for a command the README no longer has would never run."""
    run_as = {REWRITTEN.get(c.text, c.text) for c in COMMANDS}
    assert not [k for k in CHECKS if k not in run_as]
