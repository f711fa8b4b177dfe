"""Bad inputs, round 9: files that are no regular files (endless devices, symlink loops, pipes, sockets, folders),
``-`` where a command cannot use stdin/stdout, options dropped without a word, the user's AWS environment, and
Ctrl-C. Each row: argv, exit code, fragments of stderr (stdout for exit 0); no row may end in an internal error or a
traceback, leave a file named ``-`` behind, or touch its inputs.

Modelled on: symlink loops and Path.resolve() (https://github.com/python/cpython/issues/109187); a shell's
AWS_PROFILE naming a profile that does not exist (https://github.com/castlabs/electron-releases/issues/95). The
devices, pipes, sockets and loops are made by the fixture; no third-party text is used."""

from __future__ import annotations

import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from cli_case import run_case

from lokonb.cli import main

REPO = Path(__file__).resolve().parents[1]
PC = str(REPO / "parameters/provision_cluster/default.yaml")
LOKO = str(REPO / "examples/demo/cluster.lokocfg")
ZERO = "/dev/zero"  # never ends: every reader of whole files ran out of memory (internal MemoryError)
BIG = "larger than 256 MiB, the most lokonb reads from an input file"
LOOP = "Too many levels of symbolic links"
SCHED = ["schedule", "render_flatcar", "--set", "default", "--cron", "0 3 * * *"]

ZERO_CASES = [
    # /dev/zero (or any endless or huge input) as a whole-file input; run in a child process with a memory limit
    (["config", "validate", ZERO], 2, [f"cannot read /dev/zero: {BIG}"]),
    (["config", "validate", LOKO, "--vars", ZERO], 2, [f"cannot read /dev/zero: {BIG}"]),
    (["flatcar", "render", ZERO, "--out", "{tmp}/render"], 2, [f"cannot read /dev/zero: {BIG}"]),
    (["params", "render_flatcar", "--check", ZERO], 2, [f"/dev/zero: cannot read parameter file: {BIG}"]),
    (["run", "render_flatcar", "-f", ZERO, "--output", "{tmp}/runs"], 2, ["/dev/zero: cannot read parameter file"]),
    (SCHED[:2] + ["-f", ZERO, "--cron", "0 3 * * *", "--format", "crontab"], 2, [f"cannot read parameter file: {BIG}"]),
    (["lint-notebooks", ZERO], 1, [f"/dev/zero: {BIG}"]),
    (["flatcar", "translate", ZERO], 1, [f"error: cannot read /dev/zero: {BIG}"]),
    (["logs", "families", "--families", ZERO], 2, [f"/dev/zero: cannot read family file: {BIG}"]),
    (["metadata", "audit", "--dump", ZERO], 2, [f"/dev/zero: cannot read: {BIG}"]),
]

CASES = [
    # symlink loops: Python 3.11's Path.resolve() raised RuntimeError, an internal error (exit 70)
    (["params", "{tmp}/loop.ipynb"], 1, ["error: {tmp}/loop.ipynb: " + LOOP]),
    (["runs", "--finalize", "{tmp}/loop"], 1, ["error: {tmp}/loop: " + LOOP]),
    (["run", "render_flatcar", "--output", "{tmp}/loop"], 1, ["error: {tmp}/loop: " + LOOP]),
    (["flatcar", "translate", "{tmp}/in.clc", "-o", "{tmp}/loop"], 1, ["error: {tmp}/loop: " + LOOP]),
    (["logs", "sample", "--lines", "5", "-o", "{tmp}/loop"], 2, ["--output: cannot write {tmp}/loop: " + LOOP]),
    (["logs", "analyze", "{tmp}/api.log", "--records", "{tmp}/loop"], 2, ["--records: cannot write {tmp}/loop"]),
    (["logs", "analyze", "{tmp}/api.log", "--records-parquet", "{tmp}/loop"], 2, ["--records-parquet: cannot write"]),
    # a family table that is not UTF-8 was an internal UnicodeDecodeError
    (["logs", "families", "--families", "{tmp}/latin1.yaml"], 2,
     ["latin1.yaml: cannot read family file: not UTF-8 text (byte 0)"]),
    (["logs", "analyze", "{tmp}/api.log", "--families", "{tmp}/latin1.yaml"], 2, ["not UTF-8 text (byte 0)"]),
    # '-' for an option that writes a file or folder: it became a file or folder named '-' in the cwd
    (["logs", "analyze", "{tmp}/api.log", "--records", "-"], 2, ["--records -: this option writes a file, not stdout"]),
    (["logs", "analyze", "{tmp}/api.log", "--summary", "-"], 2, ["--summary -: this option writes a file"]),
    (["logs", "analyze", "{tmp}/api.log", "--records-parquet", "-"], 2, ["--records-parquet -: this option writes"]),
    (["logs", "analyze", "{tmp}/api.log", "--out", "-"], 2, ["--out -: this option writes a folder, not stdout"]),
    (["logs", "sample", "--lines", "5", "-o", "{tmp}/s.log", "--truth", "-"], 2, ["--truth -: this option writes"]),
    (["logs", "sample", "--lines", "5", "--controllers", "2", "-o", "-"], 2, ["--output -: this option writes a"]),
    (["flatcar", "render", PC, "--out", "-"], 2, ["--out -: this option writes a folder"]),
    (["assets", "generate", PC, "--out", "-"], 2, ["--out -: this option writes a folder"]),
    (["run", "render_flatcar", "--output", "-"], 2, ["--output -: this option writes run directories"]),
    (["run-all", "--output", "-"], 2, ["--output -: this option writes run directories"]),
    (["metadata", "sample-dump", "-"], 2, ["PATH -: this option writes the dump to a file"]),
    # ... and where '-' is stdout, it is stdout for flatcar translate -o too (as its input '-' is stdin)
    (["flatcar", "translate", "{tmp}/in.clc", "-o", "-"], 0, ['"ignition"']),
    # a socket as an output: --records said "No such device or address", --records-parquet replaced the socket
    (["logs", "analyze", "{tmp}/api.log", "--records-parquet", "{tmp}/sock"], 2,
     ["--records-parquet: cannot write {tmp}/sock: it is a socket or block device"]),
    # kubeconfigs that exist but are no regular file were "not found"; a non-UTF-8 one said "UnicodeDecodeError"
    (["metadata", "audit", "--kubeconfig", "{tmp}/fifo"], 2,
     ["kubeconfig {tmp}/fifo is not a regular file (a pipe, socket or device)", "save it to a file"]),
    (["logs", "analyze", "--pods", "--kubeconfig", "{tmp}/sock"], 2, ["kubeconfig {tmp}/sock is not a regular file"]),
    (["metadata", "apply", "--dry-run", "--kubeconfig", "{tmp}/loop"], 2,
     ["kubeconfig {tmp}/loop is a broken symlink or a symlink loop"]),
    (["metadata", "audit", "--kubeconfig", "{tmp}/latin1.yaml"], 2,
     ["latin1.yaml: cannot read kubeconfig: not UTF-8 text (byte 0)"]),
    # a notebook path that is a folder or a pipe was "notebook not found"
    (["params", "{tmp}/dir.ipynb"], 2, ["notebook {tmp}/dir.ipynb is a directory; give the .ipynb file"]),
    (["params", "{tmp}/fifo.ipynb"], 2, ["notebook {tmp}/fifo.ipynb is not a regular file"]),
    # options of the Kubernetes manifests given with --format crontab were dropped without a word
    (SCHED + ["--format", "crontab", "--image", "registry.example.com/lokonb:1"], 2,
     ["--image: only apply to the Kubernetes manifests; use --format kubernetes or both"]),
    (SCHED + ["--format", "crontab", "--namespace", "ops", "--credentials", "instance-role"], 2,
     ["--namespace, --credentials: only apply to the Kubernetes manifests"]),
    (SCHED + ["--format", "kubernetes", "--image", "registry.example.com/lokonb:1", "--output", "s3://bkt/p"], 0,
     ["namespace: lokonb", "lokonb.io/metadata-access: allow"]),
]


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in.clc").write_text("storage:\n  files:\n    - path: /etc/x\n      filesystem: root\n"
                                     "      mode: 0644\n      contents:\n        inline: hi\n")
    (tmp_path / "latin1.yaml").write_bytes("\xe9t\xe9: 1\n".encode("latin-1"))
    (tmp_path / "dir.ipynb").mkdir()
    for name in ("fifo", "fifo.ipynb"):
        os.mkfifo(tmp_path / name)  # never opened by the rows: each is refused before a read would block
    for name in ("loop", "loop.ipynb"):
        os.symlink(tmp_path / f"{name}.2", tmp_path / name)
        os.symlink(tmp_path / name, tmp_path / f"{name}.2")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    assert main(["logs", "sample", "--lines", "20", "-o", str(tmp_path / "api.log")]) == 0
    yield tmp_path
    sock.close()


@pytest.mark.parametrize("argv,code,fragments", CASES, ids=[" ".join(c[0][:3]) + f"-{i}" for i, c in enumerate(CASES)])
def test_bad_input_r9(workdir, capsys, argv, code, fragments):
    run_case(workdir, capsys, argv, code, fragments)
    assert not (workdir / "-").exists()  # '-' never became a file or folder
    assert (workdir / "sock").is_socket()


def _memory_limited() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))  # without the bound, the machine's memory


@pytest.mark.parametrize("argv,code,fragments", ZERO_CASES, ids=[" ".join(c[0][:2]) + f"-{i}"
                                                                 for i, c in enumerate(ZERO_CASES)])
def test_endless_input_r9(tmp_path, argv, code, fragments):
    proc = _lokonb([a.format(tmp=tmp_path) for a in argv], tmp_path, preexec_fn=_memory_limited)
    assert proc.returncode == code, proc.stderr
    for fragment in fragments:
        assert fragment in proc.stderr, proc.stderr
    assert "MemoryError" not in proc.stderr and "internal error" not in proc.stderr


def test_records_parquet_never_replaces_a_device_or_pipe(workdir, capsys):
    """`--records-parquet /dev/null` renamed its finished file over /dev/null: as root, /dev/null became a regular
    file holding Parquet data for every process on the machine. A twin of /dev/null (a character device 1,3 made
    here) is written in place; a pipe, which Parquet cannot be written to, is refused instead of replaced."""
    if os.geteuid() != 0:
        pytest.skip("making a character device needs root (as does replacing /dev/null)")
    twin = workdir / "null"
    os.mknod(twin, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    assert main(["logs", "analyze", str(workdir / "api.log"), "--records-parquet", str(twin)]) == 0
    assert twin.is_char_device()
    assert main(["logs", "analyze", str(workdir / "api.log"), "--records-parquet", str(workdir / "fifo")]) == 2
    assert "cannot write {}: a pipe".format(workdir / "fifo") in capsys.readouterr().err
    assert (workdir / "fifo").is_fifo()


def test_unreadable_aws_credentials_file_is_skipped_by_the_scrubber(tmp_path, monkeypatch, capsys):
    """`sudo -u USER lokonb ...` keeps HOME=/root: stat() of /root/.aws/credentials fails with EACCES, and every
    error message (scrubbed before it is printed) became "error: /root/.aws/credentials: Permission denied" or a
    traceback from inside the error handler, hiding the real error."""
    locked = tmp_path / "locked" / "credentials"
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(locked))
    real_stat = Path.stat

    def stat(self, *args, **kwargs):
        if self == locked:
            raise PermissionError(13, "Permission denied", str(self))
        return real_stat(self, *args, **kwargs)

    monkeypatch.setattr(Path, "stat", stat)
    assert main(["config", "validate", str(tmp_path / "none.yaml")]) == 2
    err = capsys.readouterr().err
    assert f"file not found: {tmp_path / 'none.yaml'}" in err and "Permission denied" not in err


def _lokonb(argv, tmp_path, env=None, **kwargs):
    environ = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "lokonb", *argv], cwd=tmp_path, env=environ, capture_output=True,
                          text=True, timeout=kwargs.pop("timeout", 180), **kwargs)


@pytest.mark.parametrize("env,message", [
    ({"AWS_PROFILE": "nosuchprofile"}, "AWS profile 'nosuchprofile' (from $AWS_PROFILE) not found"),
    ({"AWS_CONFIG_FILE": "{tmp}/latin1.yaml"}, "cannot parse the AWS config file {tmp}/latin1.yaml"),
], ids=["missing-profile", "broken-config-file"])
def test_embedded_aws_with_a_broken_user_aws_environment(tmp_path, env, message):
    """moto builds a boto3 session when imported: a missing $AWS_PROFILE or an AWS config file botocore cannot
    parse ended `--endpoint embedded` in ProfileNotFound/ConfigParseError, an internal error (exit 70). A fresh
    process: moto is imported once per process."""
    (tmp_path / "latin1.yaml").write_text("not an ini file: [\n")
    env = {k: v.format(tmp=tmp_path) for k, v in env.items()}
    proc = _lokonb(["cluster", "plan", PC, "--endpoint", "embedded"], tmp_path, env)
    assert proc.returncode == 1, proc.stderr
    assert message.format(tmp=tmp_path) in proc.stderr
    assert "internal error" not in proc.stderr and "Traceback" not in proc.stderr


def test_s3_output_with_a_missing_profile_is_an_upload_failure(tmp_path, monkeypatch, capsys):
    """The S3 client was made outside the upload's error handling: after the whole run, exit 70 (internal error)
    instead of exit 5 (output could not be uploaded) with the local copy named."""
    monkeypatch.setenv("AWS_PROFILE", "nosuchprofile")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["run", "metadata_access", "--output", "s3://bkt/runs"]) == 5
    err = capsys.readouterr().err
    assert "upload to s3://bkt/runs failed (ProfileNotFound" in err and "the run is kept locally in" in err
    assert "internal error" not in err


def test_lint_of_a_pipe_reads_it_once(tmp_path):
    """`lint-notebooks <(git show HEAD:nb.ipynb)`: the file was read three times (nbformat, the repeated-id check,
    the shape check); a pipe gives its data once, so the second read blocked forever."""
    fifo = tmp_path / "nb.ipynb"
    os.mkfifo(fifo)
    data = (REPO / "notebooks/render_flatcar.ipynb").read_bytes()

    def feed():
        with open(fifo, "wb") as fh:  # blocks until lokonb opens the pipe, then writes the notebook once
            fh.write(data)

    threading.Thread(target=feed, daemon=True).start()
    try:
        proc = _lokonb(["lint-notebooks", str(fifo)], tmp_path, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("lint-notebooks blocked reading the pipe a second time")
    assert proc.returncode == 0, proc.stderr
    assert "lint-notebooks: ok" in proc.stdout


def _interrupted(argv, tmp_path, ready, env=None):
    environ = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "lokonb", *argv], cwd=tmp_path, env=environ, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while not ready() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    return proc.returncode, out, err


def test_ctrl_c_during_logs_sample_leaves_no_partial_file(tmp_path):
    """A 300 MiB sample interrupted after a few MB left that much as big.log, which looked like a finished sample."""
    big = tmp_path / "big.log"
    code, _, err = _interrupted(["logs", "sample", "--size", "300MiB", "-o", str(big)], tmp_path,
                                lambda: big.exists() and big.stat().st_size > 1 << 20)
    assert code == 130 and err.strip().endswith("interrupted"), err
    assert "Traceback" not in err and not big.exists()


def test_ctrl_c_during_run_all_is_exit_130_naming_sigint(tmp_path):
    """run-all exited 6 ("a run did not succeed") on Ctrl-C, where `lokonb run` exits 130; and the cancelled cell
    said "run cancelled by SIGTERM" for a SIGINT (the children were always sent SIGTERM)."""
    runs = tmp_path / "runs"
    code, out, err = _interrupted(["run-all", "--only", "render_flatcar", "--output", str(runs)], tmp_path,
                                  lambda: any(runs.glob("render_flatcar/*/.partial/*.ipynb")))
    assert code == 130, out + err
    assert "render_flatcar: cancelled (exit 130)" in out + err
    assert "run cancelled by SIGINT" in out + err and "SIGTERM" not in out + err
