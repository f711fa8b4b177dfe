"""Sources and robustness (A24, A25, A27): directory trees, symlinks, rotation order, stdin, bad inputs."""

from __future__ import annotations

import gzip
import io
import os
import resource

import pandas as pd
import pytest

from lokonb.logs import analyze
from lokonb.logs.errors import LogSourceError

L = "I0302 10:15:0{i}.000000       1 a.go:1] line {n}"


def _lines(n0, n, sec0=0):
    return "".join(L.format(i=(sec0 + k) % 10, n=n0 + k) + "\n" for k in range(n))


def test_pods_tree_with_container_links(tmp_path):
    pods = tmp_path / "var/log/pods"
    d = pods / "kube-system_kube-apiserver-ip-10-0-5-21_0f3b9c1e" / "kube-apiserver"
    d.mkdir(parents=True)
    (d / "0.log.20240302-101502.gz").write_bytes(gzip.compress(_lines(0, 2).encode()))
    (d / "0.log.20240302-101504").write_text(_lines(2, 2, 2))
    (d / "0.log").write_text(_lines(4, 2, 4))
    (d / "1.log").write_text(_lines(6, 2, 6))
    other = pods / "kube-system_coredns-abc_1234" / "coredns"
    other.mkdir(parents=True)
    (other / "0.log").write_text(_lines(100, 3))
    cont = tmp_path / "var/log/containers"
    cont.mkdir(parents=True)
    os.symlink(
        d / "0.log", cont / "kube-apiserver-ip-10-0-5-21_kube-system_kube-apiserver-0123456789abcdef.log"
    )
    os.symlink(tmp_path / "var/log", tmp_path / "var/log/pods/loop")  # a symlink loop
    res = analyze([str(tmp_path / "var/log")], year=2024, records="all")
    src = res.sources
    assert len(src) == 4  # each real file once, coredns filtered out by the default include
    names = list(src["source"])
    assert names[0].endswith("0.log.20240302-101502.gz") and names[1].endswith("0.log.20240302-101504")
    assert names[2].endswith("/0.log") and names[3].endswith("/1.log")
    assert set(src["pod"]) == {"kube-apiserver-ip-10-0-5-21"} and set(src["container"]) == {"kube-apiserver"}
    rec = res.records
    assert sorted(rec["message"].str.extract(r"line (\d+)")[0].astype(int)) == list(range(8))
    assert any("already visited" in w for w in res.meta["warnings"])
    everything = analyze([str(tmp_path / "var/log")], year=2024, include=None)
    assert len(everything.sources) == 5


def test_glob_and_named_sources(tmp_path):
    for i in range(2):
        (tmp_path / f"kube-apiserver-{i}.log").write_text(_lines(10 * i, 3))
    res = analyze([str(tmp_path / "*.log"), f"ctl-0={tmp_path / 'kube-apiserver-0.log'}"], year=2024)
    assert len(res.sources) == 2
    named = analyze([("ctl-1", str(tmp_path / "kube-apiserver-1.log"))], year=2024, records="all")
    assert set(named.records["node"]) == {"ctl-1"}


@pytest.mark.parametrize("pattern", ["var/log/pods/kube-system_kube-apiserver-*/", "var/log/pods/kube-system_*",
                                     "var/log/pods/*/kube-apiserver"])
def test_glob_matching_directories_walks_them(tmp_path, pattern):
    """As after the shell's expansion of the README's `/var/log/pods/kube-system_kube-apiserver-*/` (quoted, or from
    a notebook parameter, it was 'glob matched no file'); the walk keeps its include filter."""
    pods = tmp_path / "var/log/pods"
    for pod, lines in (("kube-system_kube-apiserver-ip-10-0-5-21_0f3b", _lines(0, 2)),
                       ("kube-system_kube-apiserver-ip-10-0-5-22_1a2b", _lines(2, 3))):
        (pods / pod / "kube-apiserver").mkdir(parents=True)
        (pods / pod / "kube-apiserver" / "0.log").write_text(lines)
    (pods / "kube-system_coredns-abc_1234" / "coredns").mkdir(parents=True)
    (pods / "kube-system_coredns-abc_1234" / "coredns" / "0.log").write_text(_lines(100, 3))
    res = analyze([str(tmp_path / pattern)], year=2024, records="all")
    assert len(res.sources) == 2 and set(res.sources["container"]) == {"kube-apiserver"}
    assert sorted(res.records["message"].str.extract(r"line (\d+)")[0].astype(int)) == list(range(5))


def test_stdin_streams_large_input():
    big = _lines(0, 50_000).encode()
    res = analyze(["-"], stdin=io.BufferedReader(io.BytesIO(big)), records="none")
    s = res.sources.iloc[0]
    assert s["source"] == "stdin" and s["lines"] == 50_000 and s["year_source"] == "assumed-now"
    assert any("assumed the current year" in w for w in res.meta["warnings"])



def test_stdin_with_year_parameter_does_not_warn_assumed_year():
    res = analyze(["-"], stdin=io.BufferedReader(io.BytesIO(_lines(0, 10).encode())), year=2024)
    assert res.sources.iloc[0]["year_source"] == "parameter"
    assert not any("assumed the current year" in w for w in res.meta["warnings"])

def test_robustness_table(tmp_path):
    files = {
        "garbage-kube-apiserver.log": os.urandom(4096).replace(b"\n", b"\x00"),
        "empty-kube-apiserver.log": b"",
        "notrail-kube-apiserver.log": _lines(0, 2).encode()[:-1],
        "invalid-utf8-kube-apiserver.log": b"I0302 10:15:00.000000       1 a.go:1] caf\xe9 ok\n",
        "corrupt-kube-apiserver.log.gz": gzip.compress(_lines(0, 2000).encode())[:3000],
        "unreadable-kube-apiserver.log": _lines(0, 1).encode(),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    os.chmod(tmp_path / "unreadable-kube-apiserver.log", 0)
    paths = [str(tmp_path / n) for n in files] + [str(tmp_path / "missing-kube-apiserver.log")]
    res = analyze(paths, year=2024, records="all")
    src = res.sources.set_index(res.sources["source"].map(os.path.basename))
    assert src.loc["garbage-kube-apiserver.log", "unparsed"] >= 1
    assert src.loc["empty-kube-apiserver.log", "lines"] == 0 and pd.isna(
        src.loc["empty-kube-apiserver.log", "error"]
    )
    assert src.loc["notrail-kube-apiserver.log", "records"] == 2
    assert src.loc["invalid-utf8-kube-apiserver.log", "records"] == 1
    assert src.loc["invalid-utf8-kube-apiserver.log", "decode_errors"] == 1
    gz = src.loc["corrupt-kube-apiserver.log.gz"]
    assert gz["error"].startswith(("corrupt gzip data", "gzip stream truncated"))
    assert "uncompressed bytes" in gz["error"]
    assert sum(w.count("corrupt-kube-apiserver.log.gz") for w in res.meta["warnings"]) == 1  # named once
    assert gz["records"] > 0
    if os.geteuid() != 0:  # root reads anything
        assert "cannot open" in src.loc["unreadable-kube-apiserver.log", "error"]
    assert src.loc["missing-kube-apiserver.log", "error"] == "no such file"
    assert any("missing" in w for w in res.meta["warnings"])


def test_every_source_failing_raises(tmp_path):
    with pytest.raises(LogSourceError) as exc:
        analyze([str(tmp_path / "nope.log"), str(tmp_path / "nope2.log")])
    assert exc.value.exit_code == 5 and "nope2.log" in str(exc.value)


def test_multi_megabyte_line_bounded(tmp_path):
    p = tmp_path / "long-kube-apiserver.log"
    with open(p, "wb") as fh:
        fh.write(b"E0302 10:15:00.000000       1 a.go:1] " + b"x" * (8 << 20) + b"\n")
        fh.write(_lines(0, 1).encode())
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    res = analyze([str(p)], year=2024, records="all")
    grown_mib = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    r = res.records
    assert len(r) == 2 and r["truncated"][0] and len(r["message"][0]) == 4096
    assert res.sources["truncated_lines"][0] == 1
    assert grown_mib < 64, grown_mib


def test_empty_directory_is_a_source_error(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "kube-apiserver.log").write_text(_lines(0, 1))
    res = analyze([str(tmp_path / "empty"), str(tmp_path / "kube-apiserver.log")], year=2024)
    err = res.sources.set_index("source").loc[str(tmp_path / "empty"), "error"]
    assert err == "directory holds no readable file"


def test_many_tls_addresses_are_bounded(monkeypatch):
    import lokonb.logs.analysis as A
    from lokonb.logs import parse_lines

    monkeypatch.setattr(A, "MAX_TLS_GROUPS", 5)
    head = "I0302 10:15:{:02d}.000000       1 log.go:195] http: TLS handshake error from 203.0.113.{}:4{:04d}: EOF"
    lines = [head.format(i % 60, i, i) for i in range(20)]
    res = parse_lines(lines, year=2024)
    assert len(res.tls_sources) == 6 and "(other addresses)" in set(res.tls_sources["client_addr"])
    assert not res.records["harmless"].any()


def test_iter_records_per_source(tmp_path):
    from lokonb.logs import iter_records

    for i in range(2):
        (tmp_path / f"kube-apiserver-{i}.log").write_text(_lines(10 * i, 3 + i))
    got = dict(iter_records([str(tmp_path)], year=2024))
    assert sorted(len(df) for df in got.values()) == [3, 4]


# IN-3/FMT-5: containerd writes a line longer than its limit as `P` fragments ended by one `F`
# (https://github.com/containerd/containerd/blob/main/internal/cri/io/logger.go), and the kubelet renames `<n>.log`
# to `<n>.log.<yyyymmdd-hhmmss>` and has the runtime reopen it between two writes
# (https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/logs/container_log_manager.go): a line's fragments
# can end in the next file of the same container instance. Composed lines in that layout.
POD_DIR = "kube-system_kube-apiserver-ip-10-0-5-21_0f3b9c1e/kube-apiserver"
CRI_TLS = "2026-11-27T10:14:5{s}.100000001Z stdout F I1127 10:14:5{s}.099001       1 log.go:195] http: TLS handshake " \
          "error from 10.0.3.14:3319{s}: EOF\n"
CRI_HEAD = ("2026-11-27T10:14:59.402117305Z stderr P E1127 10:14:59.401998       1 available_controller.go:456] "
            "v1beta1.metrics.k8s.io failed with: failing or missing resp\n")
CRI_MID = "2026-11-27T10:15:00.402118001Z stderr P onse from https://10.2.7.19:4443/apis/metrics.k8s.io/v1b\n"
CRI_END = "2026-11-27T10:15:00.402118114Z stderr F eta1: context deadline exceeded\n"
WHOLE = ("v1beta1.metrics.k8s.io failed with: failing or missing response from https://10.2.7.19:4443/apis/"
         "metrics.k8s.io/v1beta1: context deadline exceeded")


def _pod_files(tmp_path, files):
    d = tmp_path / POD_DIR
    d.mkdir(parents=True)
    for name, text in files.items():
        (d / name).write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    res = analyze([str(tmp_path)], records="all")
    return res, res.records.sort_values(["source", "lineno"]).reset_index(drop=True)


@pytest.mark.parametrize("older", ["0.log.20261127-101500", "0.log.20261127-101500.gz"])
def test_cri_partial_line_across_a_rotation_is_joined(tmp_path, older):
    res, rec = _pod_files(tmp_path, {
        "0.log.20261127-101000.gz": CRI_TLS.format(s=5),
        older: CRI_TLS.format(s=7) + CRI_HEAD,
        "0.log": CRI_MID + CRI_END + CRI_TLS.format(s=8),
    })
    src = res.sources.set_index(res.sources["source"].str.rsplit("/", n=1).str[-1])
    assert list(src["lines"]) == [1, 2, 3] and list(src["records"]) == [1, 2, 1]
    err = rec[rec["severity"] == "E"].iloc[0]
    # one record, where the line began (source and line number), the first fragment's time, not cut short
    assert err["message"] == WHOLE and err["source"].endswith(older) and err["lineno"] == 2
    assert err["ts_outer"] == pd.Timestamp("2026-11-27T10:14:59.402117305Z") and not err["truncated"]
    assert err["family"] == "aggregator_unavailable"
    # the next file's fragments are not read again: its first record is its own line 3, no orphan
    assert rec[rec["source"].str.endswith("/0.log")]["lineno"].tolist() == [3] and not rec["orphan"].any()
    assert any("0.log: its first 2 line(s) end a CRI partial line begun at the end of" in w
               for w in res.meta["warnings"])


def test_cri_partial_line_not_ended_in_the_next_file_is_cut_short(tmp_path):
    # 1.log is the next container instance (a restart): a new process never ends the old one's line; and a rotated
    # file whose next file starts with another stream's line
    res, rec = _pod_files(tmp_path, {
        "0.log": CRI_TLS.format(s=7) + CRI_HEAD,
        "1.log": CRI_END + CRI_TLS.format(s=8),
        "2.log.20261127-101500": CRI_HEAD,
        "2.log": CRI_TLS.format(s=9) + CRI_END,
    })
    assert list(res.sources["lines"]) == [2, 2, 1, 2] and res.sources["records"].sum() == 7
    cut = rec[rec["severity"] == "E"]
    assert len(cut) == 2 and cut["truncated"].all() and (cut["n_lines"] == 1).all()
    assert cut["message"].str.endswith("failing or missing resp").all()
    # the other files' fragments are their own (orphan) records: nothing lost, nothing joined to a wrong line
    orphans = rec[rec["orphan"]]
    assert [(s.rsplit("/", 1)[-1], n) for s, n in zip(orphans["source"], orphans["lineno"], strict=True)] == [
        ("1.log", 1), ("2.log", 2)]
    assert not any("CRI partial line" in w for w in res.meta["warnings"])
