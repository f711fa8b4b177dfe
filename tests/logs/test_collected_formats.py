"""Other ways of collecting kube-apiserver logs (logs.md §4 FMT-8/FMT-9, ROB-1): journalctl output modes, log
collectors' and exports' JSON records (``envelope``), ``logcli``, terminal colour codes, UTF-16 and byte order marks.
Composed lines in the documented layouts; the cases modelled on public reports are in ``realworld_formats.yaml``."""

from __future__ import annotations

import datetime as dt
import gzip
import os

import pandas as pd
import pytest

from lokonb.logs import analyze, parse_lines
from lokonb.logs import formats as F

MTIME = dt.datetime(2025, 1, 1, tzinfo=dt.UTC).timestamp()
PANIC = 'E1114 22:13:20.401998    1187 runtime.go:76] Observed a panic: "boom" (runtime error: boom)'
TLS = "I1114 22:13:20.123001       1 log.go:195] http: TLS handshake error from 10.0.3.14:33198: EOF"
SYSTEMD = "kube-apiserver.service: Main process exited, code=exited, status=2/INVALIDARGUMENT"


def _run(tmp_path, data: bytes, **kw):
    path = tmp_path / "kube-apiserver.log"
    path.write_bytes(data)
    os.utime(path, (MTIME, MTIME))
    res = analyze([str(path)], include=None, records="all", **kw)
    return res, res.sources.iloc[0], res.records.sort_values("lineno").reset_index(drop=True)


# another writer's header-less line after a panic: a record of its own, never a continuation (FMT-3)
JOURNAL_MODES = {
    "short-unix": (f"1700000000.401998 cp-1 kube-apiserver[1187]: {PANIC}\n"
                   "1700000000.402000 cp-1 kube-apiserver[1187]: goroutine 4711 [running]:\n"
                   f"1700000000.515402 cp-1 systemd[1]: {SYSTEMD}\n", "2023-11-14T22:13:20.515402Z"),
    "short-full": (f"Tue 2023-11-14 22:13:20 UTC cp-1 kube-apiserver[1187]: {PANIC}\n"
                   "Tue 2023-11-14 22:13:20 UTC cp-1 kube-apiserver[1187]: goroutine 4711 [running]:\n"
                   f"Tue 2023-11-14 22:13:20 UTC cp-1 systemd[1]: {SYSTEMD}\n", "2023-11-14T22:13:20Z"),
    "short-monotonic": (f"[  731.980878] cp-1 kube-apiserver[1187]: {PANIC}\n"
                        "[  731.981218] cp-1 kube-apiserver[1187]: goroutine 4711 [running]:\n"
                        f"[  732.115402] cp-1 systemd[1]: {SYSTEMD}\n", None),
}


@pytest.mark.parametrize("mode", sorted(JOURNAL_MODES))
def test_journalctl_output_modes(tmp_path, mode):
    text, systemd_time = JOURNAL_MODES[mode]
    _, src, rec = _run(tmp_path, text.encode())
    assert src["format"] == "syslog"
    assert list(rec["lineno"]) == [1, 3] and list(rec["n_lines"]) == [2, 1]
    assert rec.loc[0, "timestamp"] == pd.Timestamp("2024-11-14T22:13:20.401998Z" if systemd_time is None
                                                   else "2023-11-14T22:13:20.401998Z")
    if systemd_time is not None:
        assert rec.loc[1, "timestamp"] == pd.Timestamp(systemd_time)
    assert rec.loc[1, "message"] == SYSTEMD


def test_short_full_local_zone_keeps_the_year(tmp_path):
    # CET is +01:00 wherever it is used: an outer time with its year (TIME-3), not the file mtime's year
    text = f"Tue 2023-11-14 23:13:20 CET cp-1 systemd[1]: {SYSTEMD}\n"
    _, _, rec = _run(tmp_path, text.encode(), syslog_tz="Europe/Berlin")
    assert rec.loc[0, "timestamp"] == pd.Timestamp("2023-11-14T22:13:20Z")


ENVELOPES = {
    # Fluent Bit with its CRI parser: logtag P marks a fragment, joined with the next record of the stream
    "fluent-bit-logtag": (
        '{"time":"2023-11-14T22:13:20.123456789Z","stream":"stderr","logtag":"P","log":"I1114 22:13:20.123001'
        '       1 log.go:195] http: TLS handshake "}\n'
        '{"time":"2023-11-14T22:13:20.123456790Z","stream":"stderr","logtag":"F","log":"error from 10.0.3.14:33198:'
        ' EOF","kubernetes":{"pod_name":"kube-apiserver-cp-1"}}\n',
        [(1, "http: TLS handshake error from 10.0.3.14:33198: EOF")],
    ),
    # Vector's kubernetes_logs event; epoch milliseconds as the time
    "vector-message": (
        '{"file":"/var/log/pods/kube-system_kube-apiserver-cp-1_0f3b/kube-apiserver/0.log","kubernetes":'
        '{"pod_name":"kube-apiserver-cp-1"},"message":"' + TLS + '","source_type":"kubernetes_logs",'
        '"stream":"stderr","timestamp":1700000000123}\n',
        [(1, "http: TLS handshake error from 10.0.3.14:33198: EOF")],
    ),
    # logcli query -o jsonl
    "logcli-jsonl": (
        '{"labels":{"container":"kube-apiserver","pod":"kube-apiserver-cp-1"},"line":"' + TLS + '",'
        '"timestamp":"2023-11-14T22:13:20.123456789Z"}\n',
        [(1, "http: TLS handshake error from 10.0.3.14:33198: EOF")],
    ),
    # Splunk's search export (REST search/jobs/export, output_mode=json): the event under "result", _raw and _time
    "splunk-export": (
        '{"preview":false,"offset":0,"result":{"_raw":"' + TLS + '","_time":"2023-11-14T22:13:20.123+00:00",'
        '"host":"cp-1","sourcetype":"kube:container:kube-apiserver"}}\n',
        [(1, "http: TLS handshake error from 10.0.3.14:33198: EOF")],
    ),
    # journalctl -o json-seq (RFC 7464): an ASCII record separator before each object
    "journalctl-json-seq": (
        '\x1e{"__REALTIME_TIMESTAMP":"1700000000123456","_HOSTNAME":"cp-1","SYSLOG_IDENTIFIER":"kube-apiserver",'
        '"MESSAGE":"' + TLS + '"}\n',
        [(1, "http: TLS handshake error from 10.0.3.14:33198: EOF")],
    ),
    # a VictoriaLogs query answer: `_msg`, `_time`, the `_stream` labels
    "victorialogs-msg": (
        '{"_msg":"' + TLS + '","_stream":"{app=\\"kube-apiserver\\"}","_time":"2023-11-14T22:13:20.123456789Z"}\n',
        [(1, "http: TLS handshake error from 10.0.3.14:33198: EOF")],
    ),
    # a LogDNA/Mezmo export line: `_line`, `_ts` in epoch ms, `_host` and `_app`
    "logdna-line": (
        '{"_app":"kube-apiserver","_host":"cp-1","_line":"' + TLS + '","_ts":1700000000123}\n',
        [(1, "http: TLS handshake error from 10.0.3.14:33198: EOF")],
    ),
    # `kail --output json` of a JSON logging line: the parsed record under `message` is read as that record
    "kail-parsed-json-logging": (
        '{"container":"kube-apiserver","message":{"caller":"x/log.go:195","msg":"http: TLS handshake error from '
        '10.0.3.14:33198: EOF","ts":1700000000123.001},"name":"kube-apiserver-cp-1","namespace":"kube-system"}\n',
        [(1, "http: TLS handshake error from 10.0.3.14:33198: EOF")],
    ),
    # journald's byte array for a MESSAGE that is not UTF-8
    "journald-byte-array": (
        '{"__REALTIME_TIMESTAMP":"1700000000123456","_HOSTNAME":"cp-1","SYSLOG_IDENTIFIER":"kube-apiserver",'
        '"MESSAGE":[' + ",".join(str(b) for b in TLS.encode()) + "]}\n",
        [(1, "http: TLS handshake error from 10.0.3.14:33198: EOF")],
    ),
}


@pytest.mark.parametrize("name", sorted(ENVELOPES))
def test_envelope_records(tmp_path, name):
    text, want = ENVELOPES[name]
    _, src, rec = _run(tmp_path, text.encode())
    assert src["format"] == "envelope"
    assert [(int(r.lineno), r.message) for r in rec.itertuples()] == want
    assert rec.loc[0, "timestamp"] == pd.Timestamp("2023-11-14T22:13:20.123001Z")
    assert int(src["unparsed"]) == 0


def test_docker_entries_keep_fragment_joining_and_json_logging_is_not_an_envelope():
    entry = F._docker(b'{"log":"I1114 22:13:20.123001 1 a.go:1] x","stream":"stderr","time":"2023-11-14T22:13:20Z"}')
    assert entry.fmt == "docker" and entry._partial  # no "\n": a fragment of a long line (FMT-6)
    assert F._docker(b'{"ts":1700000000123.4,"msg":"x","message":"y"}') is None
    assert F._docker(b'{"kind":"Event","apiVersion":"audit.k8s.io/v1","responseStatus":{"message":"m"}}') is None


def test_logcli_labels_are_the_writer_not_the_message(tmp_path):
    labels = "{" + ", ".join(f'l{i}="{"v" * 20}"' for i in range(8)) + "}"  # longer than the klog fallback's reach
    text = f"2023-11-14T22:13:20.2Z {labels} {TLS}\n"
    _, src, rec = _run(tmp_path, text.encode())
    assert src["format"] == "kubectl"
    assert rec.loc[0, "severity"] == "I" and rec.loc[0, "message"].startswith("http: TLS handshake error")


def test_colour_codes_are_dropped(tmp_path):
    """`stern` without --timestamps prefixes every line with its coloured pod and container (the stack line too):
    the codes and the prefix are dropped, the stack line continues the record."""
    prefix = "\x1b[32mkube-apiserver-cp-1\x1b[0m \x1b[33mkube-apiserver\x1b[0m "
    text = f"{prefix}{TLS}\n{prefix}\x1b[31mgoroutine 1 [running]:\x1b[0m\n"
    _, _, rec = _run(tmp_path, text.encode())
    assert rec.loc[0, "severity"] == "I" and rec.loc[0, "n_lines"] == 2
    assert "\x1b" not in rec.loc[0, "message"] and rec.loc[0, "continuation"] == "goroutine 1 [running]:"


def test_terminal_sequences_and_carriage_returns_are_dropped():
    """A `script` typescript keeps what the terminal got: bracketed-paste switches, the window title (OSC) and a
    carriage return before the line that was then written over the prompt."""
    line = b"\x1b[?2004l\r" + TLS.encode()
    assert F.strip_ansi(line) == TLS.encode()
    assert F.strip_ansi(b"\x1b]0;core@cp-1: ~\x07core@cp-1 ~ $ ls\x1b[K") == b"core@cp-1 ~ $ ls"
    assert F.strip_ansi(b"abcdef\rXY") == b"XYcdef"


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-8-sig"])
@pytest.mark.parametrize("gz", [False, True])
def test_utf16_and_byte_order_marks(tmp_path, encoding, gz):
    text = f"\ufeff{TLS}\r\n{PANIC}\r\n" if encoding == "utf-16-be" else f"{TLS}\r\n{PANIC}\r\n"
    data = text.encode(encoding)
    res, src, rec = _run(tmp_path, gzip.compress(data) if gz else data)
    assert int(src["unparsed"]) == 0 and list(rec["lineno"]) == [1, 2]
    assert list(rec["severity"]) == ["I", "E"] and rec.loc[0, "family"] == "tls_handshake_eof"
    utf16 = any("UTF-16" in w for w in res.meta["warnings"])
    assert utf16 == encoding.startswith("utf-16")


@pytest.mark.parametrize("gz", [False, True])
def test_cr_cr_lf_line_ends(tmp_path, gz):
    """A CRLF copy written again through a Windows text-mode stream ends its lines in CR CR LF (the bytes
    `0d 0d 0a` of marian-nmt/marian-dev#255): no CR is left in a message (`: EOF` still ends the TLS line)."""
    data = f"{TLS}\r\r\n{PANIC}\r\r\ngoroutine 4711 [running]:\r\r\n".encode()
    _, src, rec = _run(tmp_path, gzip.compress(data) if gz else data)
    assert int(src["lines"]) == 3 and list(rec["n_lines"]) == [1, 2]
    assert not rec["message"].str.contains("\r").any() and rec.loc[1, "continuation"] == "goroutine 4711 [running]:"
    assert rec.loc[0, "family"] == "tls_handshake_eof"


@pytest.mark.timeout(120)
def test_a_run_of_carriage_returns_is_one_line_end(tmp_path):
    """ROB-1: a binary line of 100,000 CRs before its LF ends in one pass over the block (a pass per CR took
    minutes); the records around it are read."""
    data = f"{TLS}\r\n".encode() + b"\x00" + b"\r" * 100_000 + b"\n" + f"{PANIC}\r\n".encode()
    _, src, rec = _run(tmp_path, data)
    assert int(src["lines"]) == 3 and list(rec["lineno"]) == [1, 3]
    assert not rec["message"].str.contains("\r").any()


CSV_EXPORTS = {
    # Kibana's Discover export: quoted header, doubled quotes, its date format
    "kibana": ('"@timestamp","kubernetes.pod_name",log\n'
               '"Nov 14, 2023 @ 22:13:21.123","kube-apiserver-cp-1","E1114 22:13:21.123001       1 '
               'authentication.go:73] ""Unable to authenticate the request"" err=""invalid bearer token"""\n',
               "Unable to authenticate the request"),
    # Azure Log Analytics: US date, the line in log_s, a row spanning two lines (a quoted newline)
    "log-analytics": ("TimeGenerated [UTC],Category,log_s,pod_s\n"
                      '"11/14/2023, 10:13:21.123 PM",kube-apiserver,"E1114 22:13:21.123001       1 status.go:71] '
                      'apiserver received an error that is not an metav1.Status: context canceled\n'
                      'goroutine 7 [running]:",kube-apiserver-cp-1\n',
                      "apiserver received an error that is not an metav1.Status: context canceled"),
}


@pytest.mark.parametrize("name", sorted(CSV_EXPORTS))
def test_csv_exports(tmp_path, name):
    text, message = CSV_EXPORTS[name]
    res, src, rec = _run(tmp_path, text.encode())
    assert src["format"] == "csv"
    assert int(src["unparsed"]) == 1 and set(res.unparsed["reason"]) == {F.CSV_HEADER_REASON}
    assert rec.loc[0, "lineno"] == 2 and rec.loc[0, "severity"] == "E" and rec.loc[0, "message"].startswith(message)
    assert rec.loc[0, "timestamp"] == pd.Timestamp("2023-11-14T22:13:21.123001Z")  # the year from the row's time
    # a row spanning lines (a quoted newline): the field's lines are the record's physical lines (FMT-3)
    assert int(rec["n_lines"].sum()) + 1 == text.count("\n")
    if name == "log-analytics":
        assert rec.loc[0, "continuation"] == "goroutine 7 [running]:"


# what collecting tools and terminals write between a log's lines (FMT-3): each starts a record of its own
STARTS_RECORD = [
    "-- cursor: s=8c41d07e;i=2a3f1;b=5e0c7a19;m=2b91c04e;t=60a9f3c2b5d17;x=91d0e4a7",  # journalctl --show-cursor
    'Error from server (BadRequest): container "kube-apiserver" in pod "kube-apiserver-cp-1" is waiting to start',
    "+ kube-apiserver-cp-1 \u203a kube-apiserver",  # stern: a container tailed
    "- kube-system kube-apiserver-cp-1 \u203a kube-apiserver",  # stern --all-namespaces: one gone
    "$ kubectl -n kube-system logs kube-apiserver-cp-1",
    "$",
    "core@cp-1 ~ $ journalctl -u kubelet",
    "root@cp-1:~# crictl logs 4f2d0c8e1b7a",
    "[root@ip-10-0-1-2 ~]# exit",
    "Script started on 2023-11-14 22:13:19+00:00 [TERM=\"xterm\"]",
    "Script done on 2023-11-14 22:13:25+00:00 [COMMAND_EXIT_CODE=\"0\"]",
    "error: unexpected EOF",  # kubectl logs -f cut (kubectl's own errors, in a 2>&1 copy)
    "At line:1 char:1",  # Windows PowerShell's NativeCommandError record of a native command's stderr line
    "At C:\\ws\\collect-logs.ps1:80 char:19",  # the same, in a script
    # the Go runtime's crash report after the process's last klog line: the process died, a record of its own
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "fatal error: concurrent map read and map write",
    "runtime/cgo: pthread_create failed: Resource temporarily unavailable",
    # systemd's own lines about the unit in `journalctl -o cat` (no writer to tell them apart)
    "kube-apiserver.service: Main process exited, code=exited, status=2/INVALIDARGUMENT",
    "kubelet.service: Scheduled restart job, restart counter is at 12.",
    "Started Kubernetes API Server.",
    "Stopping kube-apiserver.service - Kubernetes API Server...",
    "Failed to start kube-apiserver.service - Kubernetes API Server.",
    # kubeadm's output copied with the logs (an upgrade run on the node): its steps, its wait, a failed phase
    "[upgrade/staticpods] Waiting for the kubelet to restart the component",
    "[preflight] Running pre-flight checks",
    "Static pod: kube-apiserver-cp-1 hash: 3f2a9c0d41b7e8a6f5c4d3b2a1908f7e",
    "error execution phase preflight: [preflight] Some fatal errors occurred:",
]
# header-less lines that do continue a record: stack frames, trace steps, error tails, user text
CONTINUES = [
    "goroutine 4711 [running]:",
    "\tk8s.io/apiserver/pkg/server/filters/timeout.go:141 +0x2a5",
    "Trace[1693025481]: ---\"Writing http response done\" count:5230 2143ms (10:15:09.602)",
    ", Header: map[Content-Type:[text/plain; charset=utf-8] X-Content-Type-Options:[nosniff]]",
    "$HOME is not set",
    "- name: kube-apiserver",
    "admin@example.com: $ 12 charged",
    "\terror: unexpected EOF",
    "    + CategoryInfo          : NotSpecified: (I0506 07:08:09....:String) [], RemoteException",
    "Attempt at line 1 failed",
    # inside a crash report: the nested panic of a recovered one, the signal line, runtime frames
    "\tpanic: runtime error: index out of range [recovered]",
    "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x1a2b3c]",
    "SIGABRT: abort",
    "runtime.throw(0x3b0d043, 0x21)",
    # near misses of systemd's lines: no unit suffix before the colon, no sentence
    "kube-apiserver: Main process exited",
    "Started watching for changes in /etc/kubernetes",
    # near misses of kubeadm's lines: a preflight error indented under its phase, a bracketed word of another tool,
    # kubeadm's words inside a sentence
    "\t[ERROR Port-6443]: Port 6443 is in use",
    "[restful/swagger] listing is available at https://cp-1/swaggerapi/",
    "Static pod hash for component kube-apiserver did not change",
]


@pytest.mark.parametrize("line", STARTS_RECORD)
def test_collectors_lines_start_records(line):
    assert F.starts_record(line.encode())


@pytest.mark.parametrize("line", CONTINUES)
def test_other_header_less_lines_continue(line):
    assert not F.starts_record(line.encode())


@pytest.mark.parametrize("crash", [
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "fatal error: concurrent map read and map write",
    "runtime/cgo: pthread_create failed: Resource temporarily unavailable\nSIGABRT: abort",
    # a memory fault: the runtime prints the address, then its throw (kubernetes/kubernetes#120110, Talos #14243)
    "unexpected fault address 0x7f4d1c2e9a10\nfatal error: fault\n[signal SIGSEGV: segmentation violation code=0x2]",
])
def test_a_go_runtime_crash_after_a_klog_line_is_its_own_record(crash):
    # the process's last info line must not swallow the crash report (it would be judged harmless with it)
    text = f"I0505 16:02:47.755461   30805 manager.go:127] Machine: {{NumCores:1}}\n{crash}\n\ngoroutine 1 [running]:"
    rec = parse_lines(text.split("\n"), format="klog", year=2024).records.sort_values("lineno")
    assert list(rec["family"]) == ["other", "panic"] and list(rec["harmless"]) == [True, False]
    assert list(rec["n_lines"]) == [1, text.count("\n")]


def test_a_fault_throw_continues_only_its_fault_address():
    # "fatal error: fault" right after "unexpected fault address 0x…" is the same crash; without the address line
    # before it (the report quotes only the throw) it still starts a record of its own
    assert F.continues_fault(b"unexpected fault address 0x1008ad2c0", b"fatal error: fault")
    assert not F.continues_fault(b"I0505 16:02:47.755461   30805 x.go:1] ok", b"fatal error: fault")
    assert not F.continues_fault(b"unexpected fault address 0x1008ad2c0", b"fatal error: concurrent map writes")
    text = "I0505 16:02:47.755461   30805 x.go:1] ok\nfatal error: fault\n[signal SIGBUS: bus error code=0x2]"
    rec = parse_lines(text.split("\n"), format="klog", year=2024).records.sort_values("lineno")
    assert list(rec["family"]) == ["other", "panic"] and list(rec["n_lines"]) == [1, 2]


def test_a_klog_first_line_is_not_a_csv_header():
    assert F.csv_header(TLS.encode()) is None
    assert F.csv_header(b"Flag --insecure-port has been deprecated, This flag will be removed") is None
    assert F.detect_format(b"@logStream,@timestamp,@message\n") == "cloudwatch"


HEAD = "Tue 2023-11-14 22:13:{s} UTC [s=8c41d07e;i=2a3f{i};b=5e0c7a19;m=2b91c04e;t=60a9f3c2b5d17;x=91d0e4a7]"
VERBOSE = "".join(
    f"{HEAD.format(s=s, i=i)}\n    _TRANSPORT=stdout\n    SYSLOG_IDENTIFIER=kube-apiserver\n    MESSAGE={m}\n"
    "    _HOSTNAME=cp-1\n"
    for i, (s, m) in enumerate([("20.401998", PANIC), ("20.402117", TLS)])
)
EXPORT = "".join(
    f"__CURSOR=s=8c41d07e;i=2a3f{i}\n__REALTIME_TIMESTAMP={us}\n_HOSTNAME=cp-1\nSYSLOG_IDENTIFIER=kube-apiserver\n"
    f"MESSAGE={m}\n\n"
    for i, (us, m) in enumerate([(1700000000401998, PANIC), (1700000000402117, TLS)])
)


@pytest.mark.parametrize(("text", "second"), [(VERBOSE, 6), (EXPORT, 7)], ids=["verbose", "export"])
def test_journalctl_verbose_and_export_entries_are_one_line_each(tmp_path, text, second):
    """Each entry spans lines (a head, KEY=value fields): one record at its first line, from its MESSAGE, with
    the entry's time (so the year); its other lines are fragments of it, not continuations or records."""
    _, src, rec = _run(tmp_path, text.encode())
    assert src["format"] == "syslog" and int(src["unparsed"]) == 0
    assert list(rec["lineno"]) == [1, second] and list(rec["n_lines"]) == [1, 1]
    assert list(rec["severity"]) == ["E", "I"] and rec.loc[1, "family"] == "tls_handshake_eof"
    assert rec.loc[0, "timestamp"] == pd.Timestamp("2023-11-14T22:13:20.401998Z")


GARBAGE_TIMES = [
    '{"timestamp": Infinity, "message": "E1114 22:13:20.401998 1 a.go:1] x"}',
    '{"timestamp": 1e30, "message": "y"}',
    '{"__REALTIME_TIMESTAMP":"99999999999999999999999","MESSAGE":"z"}',
    '{"ts": 1e300, "msg": "x"}',
    '{"ts": "9999-12-31T23:59:59Z", "level": "info", "msg": "y"}',
    "9999-12-31T23:59:59.1Z stderr F I1114 22:13:20.401998 1 a.go:1] z",
    "99999999999 cp-1 kube-apiserver[1]: I1114 22:13:20.401998 1 a.go:1] z",
]


@pytest.mark.parametrize("line", GARBAGE_TIMES)
def test_times_out_of_range_are_no_times_not_crashes(tmp_path, line):
    """ROB-1: an infinite, huge or year-9999 time in a wrapper is not a time (the line is kept), never a crash."""
    _, src, rec = _run(tmp_path, (line + "\n").encode())
    assert int(rec["n_lines"].sum()) + int(src["unparsed"]) == 1
    assert rec["timestamp"].isna().all() or (rec["timestamp"].dt.year < 2200).all()


def test_stern_timestamps_with_colours(tmp_path):
    """`stern --timestamps`: `<pod> <container> <time> <line>`, names coloured on a terminal: the pod and container
    are the writer (a stack line of cp-1 after cp-2's line is not cp-2's continuation: it continues cp-1's panic,
    each writer's lines are a stream of their own, IN-6), the time the outer time."""
    line = "\x1b[3{c}m{pod}\x1b[0m \x1b[33mkube-apiserver\x1b[0m 2023-11-14T22:13:20.{f}Z {text}\n"
    text = (line.format(c=2, pod="kube-apiserver-cp-1", f="118203001", text=PANIC)
            + line.format(c=6, pod="kube-apiserver-cp-2", f="223456789", text=TLS)
            + line.format(c=2, pod="kube-apiserver-cp-1", f="323456789", text="goroutine 1 [running]:"))
    _, src, rec = _run(tmp_path, text.encode())
    assert src["format"] == "kubectl"
    assert list(rec["lineno"]) == [1, 2] and list(rec["n_lines"]) == [2, 1]
    assert rec.loc[0, "ts_outer"] == pd.Timestamp("2023-11-14T22:13:20.118203001Z")
    assert rec.loc[1, "ts_outer"] == pd.Timestamp("2023-11-14T22:13:20.223456789Z")


@pytest.mark.parametrize(
    ("head", "year_source"),
    [
        ("-- Logs begin at Tue 2023-11-14 08:00:01 UTC, end at Tue 2023-11-14 22:30:00 UTC. --\n", "journal-header"),
        ("-- Journal begins at Tue 2023-11-14 08:00:01 UTC, ends at Tue 2023-11-14 22:30:00 UTC. --\n",
         "journal-header"),
        ("Log file created at: 2023/11/14 22:13:19\nRunning on machine: cp-1\n"
         "Binary: Built with gc go1.20.10 for linux/amd64\n"
         "Log line format: [IWEF]mmdd hh:mm:ss.uuuuuu threadid file:line] msg\n", "log-file-header"),
        # a `script` typescript (util-linux 2.35+)
        ('Script started on 2023-11-14 22:13:19+00:00 [TERM="xterm-256color" TTY="/dev/pts/0"]\n', "script-header"),
    ],
)
def test_a_year_stated_in_the_header_beats_the_file_mtime(tmp_path, head, year_source):
    """A copied or downloaded log has the copy's mtime (here 2025): the journal span or the klog log file header
    says 2023 (TIME-4)."""
    res, src, rec = _run(tmp_path, (head + PANIC + "\n" + TLS + "\n").encode())
    assert src["year_source"] == year_source
    assert list(rec.dropna(subset=["timestamp"])["timestamp"].dt.year) == [2023, 2023]
    assert rec.loc[0, "n_lines"] == head.count("\n") and rec.loc[0, "family"] == "wrapper"


# --- directory layouts of bundles and copies (IN-2, IN-3, TIME-4)
CRI_NEW_YEAR = ("2023-12-31T23:59:59.412882Z stderr F I1231 23:59:59.411870       1 log.go:245] http: TLS handshake "
                "error from 10.20.4.17:51234: EOF\n"
                "2024-01-01T00:00:00.120431Z stderr F E0101 00:00:00.119730       1 status.go:71] apiserver "
                "received an error that is not an metav1.Status: &errors.errorString{s:\"context canceled\"}: "
                "context canceled\n")


def _tree(root, files: dict[str, str | bytes]):
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str) and data.startswith("->"):
            p.symlink_to(data[2:])
            continue
        p.write_bytes(data.encode() if isinstance(data, str) else data)
        os.utime(p, (MTIME, MTIME))


def test_kind_export_logs_copies_are_read_once(tmp_path):
    """`kind export logs` tars the node's /var/log with `-h`: every /var/log/containers link arrives as a copy of
    its /var/log/pods file (modelled on kubernetes-sigs/kind pkg/cluster/logs/logs.go and the tree in
    kubernetes-sigs/kind#123). Each log is read once, from the pods file (it names the restart), and said so."""
    pod = "kube-system_kube-apiserver-kind-control-plane_9c1e7d524c1a4a519a512b6f0d8e4a11"
    cid = "4f2d0c8e1b7a6935e0d4c2b1a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a190"
    _tree(tmp_path, {
        f"kind-control-plane/pods/{pod}/kube-apiserver/0.log": CRI_NEW_YEAR,
        f"kind-control-plane/containers/kube-apiserver-kind-control-plane_kube-system_kube-apiserver-{cid}.log":
            CRI_NEW_YEAR,
        "kind-control-plane/journal.log": "-- No entries --\n",
    })
    res = analyze([str(tmp_path)], records="all")
    assert list(res.sources["source"].str.contains("/pods/")) == [True]
    rec = res.records
    assert set(rec["container"].astype(str)) == {"kube-apiserver"}
    assert list(rec["lineno"]) == [1, 2]
    assert list(rec["timestamp"].dt.year) == [2023, 2024]
    assert any("same content as" in w and "/containers/" in w for w in res.meta["warnings"])


def test_klog_log_dir_file_names_are_start_anchors_and_info_holds_all(tmp_path):
    """kube-apiserver run with `--logtostderr=false --log-dir` (kubernetes/kubernetes#39414) writes
    `<program>.<host>.<user>.log.<SEVERITY>.<yyyymmdd-hhmmss>.<pid>` files and `kube-apiserver.<SEVERITY>` links.
    The time in the name is when the file was created: the year of its first record (here a copy without the
    `Log file created at` header, mtime a year later); the WARNING file repeats the INFO file's W/E records."""
    info = "kube-apiserver.cp-1.root.log.INFO.20231231-235000.2391"
    warn = "kube-apiserver.cp-1.root.log.WARNING.20231231-235959.2391"
    lines = ("I1231 23:50:00.104512    2391 flags.go:64] FLAG: --advertise-address=\"10.40.7.12\"\n"
             "W1231 23:59:59.412117    2391 dispatcher.go:217] Failed calling webhook, failing open "
             "policy.example.io: failed calling webhook \"policy.example.io\": context deadline exceeded\n"
             "E0101 00:00:01.089113    2391 status.go:71] apiserver received an error that is not an "
             "metav1.Status: etcdserver: request timed out\n")
    _tree(tmp_path, {info: lines, warn: "".join(lines.splitlines(True)[1:]),
                     "kube-apiserver.INFO": "->" + info, "kube-apiserver.WARNING": "->" + warn})
    res = analyze([str(tmp_path)], records="all")
    assert len(res.sources) == 1 and res.sources.iloc[0]["year_source"] == "filename"
    assert list(res.records["timestamp"].dt.year) == [2023, 2023, 2024]
    assert any("WARNING" in w and "INFO file" in w for w in res.meta["warnings"])


def test_cluster_info_dump_directory_markers_are_records(tmp_path):
    """`kubectl cluster-info dump --output-directory` writes each container's log to
    `<namespace>/<pod>/logs.txt` between `==== START logs …` and `==== END logs …`: the end marker is no line of
    the section's last record (a stack after a panic stays that record's)."""
    _tree(tmp_path, {
        "kube-system/kube-apiserver-cp-1/logs.txt":
            "==== START logs for container kube-apiserver of pod kube-system/kube-apiserver-cp-1 ====\n"
            f"{PANIC}\ngoroutine 4711 [running]:\n"
            "==== END logs for container kube-apiserver of pod kube-system/kube-apiserver-cp-1 ====\n",
        "kube-system/events.json": '{\n    "kind": "EventList",\n    "items": []\n}\n',
    })
    res = analyze([str(tmp_path)], records="all")
    rec = res.records.sort_values("lineno")
    assert len(res.sources) == 1
    assert list(rec["lineno"]) == [1, 2, 4] and list(rec["n_lines"]) == [1, 2, 1]
    assert rec["message"].iloc[2].startswith("==== END logs for container kube-apiserver")


def test_a_manifest_in_a_bundle_is_not_a_log(tmp_path):
    """Rancher's logs collector (rancherlabs/support-tools, Rancher_Logs_Collector_Directory_Structure.md) keeps
    `<distro>/podlogs/<namespace>-<pod>` (`kubectl logs` output, no extension) next to
    `<distro>/pod-manifests/kube-apiserver.yaml`: both match the default include; the manifest's lines are counted as
    unparsed with why, not read as one header-less record."""
    manifest = ("# static pod\napiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver\n  namespace: kube-system\n"
                "spec:\n  containers:\n  - command:\n    - kube-apiserver\n    - --advertise-address=10.40.7.12\n")
    _tree(tmp_path, {
        "rke2/pod-manifests/kube-apiserver.yaml": manifest,
        "rke2/podlogs/kube-system-kube-apiserver-node-1": f"{TLS}\n{PANIC}\ngoroutine 4711 [running]:\n",
        "rke2/podlogs/kube-system-kube-apiserver-node-1-previous": "Error from server (BadRequest): previous "
        "terminated container \"kube-apiserver\" in pod \"kube-apiserver-node-1\" not found\n",
    })
    res = analyze([str(tmp_path)], records="all")
    src = res.sources.set_index(res.sources["source"].str.rsplit("/", n=1).str[-1])
    assert int(src.loc["kube-apiserver.yaml", "unparsed"]) == manifest.count("\n")  # every line, counted
    assert int(src.loc["kube-apiserver.yaml", "records"]) == 0
    assert set(res.unparsed["reason"]) == {F.MANIFEST_REASON}
    assert int(src.loc["kube-system-kube-apiserver-node-1", "records"]) == 2
    assert any("Kubernetes manifest" in w for w in res.meta["warnings"])


@pytest.mark.parametrize("head", ["apiVersion: v1\nkind: Pod\n", "---\nkind: Pod\napiVersion: v1\nmetadata:\n"])
def test_manifest_detection(head):
    assert F.is_manifest(head.encode())
    assert not F.is_manifest(f"{TLS}\napiVersion: v1\nkind: Pod\n".encode())
    assert not F.is_manifest(b"---\ninsertId: x\ntextPayload: y\n")


def test_logrotate_names_order_and_dateext_anchor(tmp_path):
    """A copy of a kubeadm/kops host's /var/log (kube-apiserver.log written by the static pod's redirect, rotated by
    logrotate): `.log.2.gz`, `.log.1`, `.log` are read oldest first; with `dateext` the day in the name
    (`.log-20240101`, rotated that day) is the end anchor, not the copy's mtime (here a year later)."""
    line = "I{md} {t}       1 controller.go:624] quota admission added evaluator for: leases.coordination.k8s.io\n"
    _tree(tmp_path, {
        "a/kube-apiserver.log": line.format(md="0103", t="00:00:01.104512"),
        "a/kube-apiserver.log.1": line.format(md="0102", t="00:00:01.104512"),
        "a/kube-apiserver.log.2.gz": gzip.compress(line.format(md="0101", t="00:00:01.104512").encode(), mtime=0),
        "b/kube-apiserver.log-20240101": line.format(md="1231", t="23:59:58.104512"),
    })
    res = analyze([str(tmp_path / "a")], records="all")
    assert [s.rsplit("/", 1)[-1] for s in res.sources["source"]] == [
        "kube-apiserver.log.2.gz", "kube-apiserver.log.1", "kube-apiserver.log"]
    res = analyze([str(tmp_path / "b")], records="all")
    assert res.sources.iloc[0]["year_source"] == "filename"
    assert res.records["timestamp"].iloc[0] == pd.Timestamp("2023-12-31T23:59:58.104512Z")


def test_must_gather_pod_logs_previous_first(tmp_path):
    """OpenShift must-gather / `oc adm inspect`:
    `namespaces/openshift-kube-apiserver/pods/<pod>/<container>/<container>/logs/{previous,current}.log` with the
    kubelet's timestamps, next to the pod's manifest `<pod>/<pod>.yaml`: the previous instance is read first, the
    manifest is counted as unparsed."""
    pod = "namespaces/openshift-kube-apiserver/pods/kube-apiserver-ip-10-0-1-2.ec2.internal"
    _tree(tmp_path, {
        f"{pod}/kube-apiserver/kube-apiserver/logs/current.log":
            "2024-01-01T00:00:01.089620123Z E0101 00:00:01.089113      18 status.go:71] apiserver received an error "
            "that is not an metav1.Status: etcdserver: request timed out\n",
        f"{pod}/kube-apiserver/kube-apiserver/logs/previous.log":
            "2023-12-31T23:59:59.412133001Z I1231 23:59:59.411870      17 log.go:245] http: TLS handshake error "
            "from 10.20.4.17:51234: EOF\n",
        f"{pod}/kube-apiserver-ip-10-0-1-2.ec2.internal.yaml": "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n",
    })
    res = analyze([str(tmp_path)], records="all")
    names = [s.rsplit("/", 1)[-1] for s in res.sources["source"]]
    assert names.index("previous.log") < names.index("current.log")
    rec = res.records.sort_values("timestamp")
    assert list(rec["timestamp"].dt.year) == [2023, 2024] and list(rec["severity"]) == ["I", "E"]
    assert set(res.unparsed["reason"]) == {F.MANIFEST_REASON}


@pytest.mark.parametrize(
    ("rel", "container", "restart"),
    [
        # 1.10-1.13 (the tree in kubernetes-sigs/kind#123)
        ("pods/3e65270f5639a928435bdc3de5a06ab5/kube-apiserver/1.log", "kube-apiserver", 1),
        # before 1.10 (coreos/tectonic-forum#183)
        ("pods/0a051756-8d6c-11e7-b698-000c29bb38fc/kube-apiserver_2.log", "kube-apiserver", 2),
    ],
)
def test_old_pods_layouts_name_the_container_and_restart(tmp_path, rel, container, restart):
    from lokonb.logs.sources import file_source

    _tree(tmp_path, {rel: TLS + "\n"})
    src = file_source(tmp_path / rel)
    assert (src.namespace, src.pod, src.container, src.restart) == (None, None, container, restart)


@pytest.mark.parametrize(
    ("rel", "namespace", "pod", "container"),
    [
        # sonobuoy results (the file list `sonobuoy results` prints, vmware-tanzu/sonobuoy docs)
        ("podlogs/kube-system/kube-apiserver-cp-1/logs/kube-apiserver.txt", "kube-system", "kube-apiserver-cp-1",
         "kube-apiserver"),
        # must-gather / oc adm inspect
        ("namespaces/openshift-kube-apiserver/pods/kube-apiserver-ip-10-0-1-2.ec2.internal/kube-apiserver/"
         "kube-apiserver/logs/current.log", "openshift-kube-apiserver", "kube-apiserver-ip-10-0-1-2.ec2.internal",
         "kube-apiserver"),
    ],
)
def test_bundle_layouts_name_namespace_pod_and_container(tmp_path, rel, namespace, pod, container):
    """IN-2: the trees of support bundles name the namespace, pod and container of each log."""
    from lokonb.logs.sources import file_source

    _tree(tmp_path, {rel: TLS + "\n"})
    src = file_source(tmp_path / rel)
    assert (src.namespace, src.pod, src.container, src.restart) == (namespace, pod, container, None)


JSON_PRETTY = "".join(
    "{\n"
    f'\t"__CURSOR" : "s=8c41d07e;i=2a3f{i}",\n'
    f'\t"__REALTIME_TIMESTAMP" : "{us}",\n'
    '\t"_HOSTNAME" : "cp-1",\n'
    '\t"SYSLOG_IDENTIFIER" : "kube-apiserver",\n'
    f'\t"MESSAGE" : "{m}"\n'
    "}\n"
    for i, (us, m) in enumerate([(1700000000401998, PANIC.replace('"', '\\"')), (1700000000402117, TLS)])
)


def test_pretty_printed_log_records_are_read(tmp_path):
    """`journalctl -o json-pretty` (and `gcloud logging read --format=json`, realworld_formats.yaml): each object
    is one line at its `{` line; an object cut short at the end of the source is counted as unparsed."""
    _, src, rec = _run(tmp_path, (JSON_PRETTY + '{\n\t"MESSAGE" : "I1114 22:13:21.1\n').encode())
    assert src["format"] == "envelope"
    assert list(rec["lineno"]) == [1, 8] and list(rec["severity"]) == ["E", "I"]
    assert rec.loc[0, "timestamp"] == pd.Timestamp("2023-11-14T22:13:20.401998Z")
    assert int(src["unparsed"]) == 1


def test_other_pretty_printed_json_is_still_not_read(tmp_path):
    """A JSON document that is no list of log records (`kubectl get events -o json`: the messages are deeper than
    the first object's members) is counted as unparsed, line by line, as before."""
    text = ('{\n    "apiVersion": "v1",\n    "items": [\n        {\n            "message": "Started container",\n'
            '            "reason": "Started"\n        }\n    ],\n    "kind": "List"\n}\n')
    res, src, rec = _run(tmp_path, text.encode())
    assert len(rec) == 0 and int(src["unparsed"]) == text.count("\n")
    assert set(res.unparsed["reason"]) == {F.PRETTY_JSON_REASON}


def test_pretty_json_objects_are_bounded():
    """An object longer than the record limit is not buffered further: counted as unparsed, with why; the records
    after it are read."""
    doc = [b"[", b"  {", b'    "log": "' + b"x" * 300 + b'",', b'    "time": "2023-11-14T22:13:20Z"',
                             b"  },", b"  {", b'    "log": "' + TLS.encode() + b'",',
                             b'    "time": "2023-11-14T22:13:20.2Z"', b"  }", b"]"]
    pj = F.PrettyJson(max_bytes=240)
    out = [pj.feed(raw, i + 1) for i, raw in enumerate(doc)]
    got = [(ln, r.unparsed or r.inner.decode()) for r, ln in out if r is not None]
    assert got == [(2, "JSON object longer than 240 bytes"), (6, TLS)]


# kubetail's `[<pod>] ` is read where a time or a klog header follows it; other bracketed words stay text
@pytest.mark.parametrize("line", [
    b"[graceful-termination] shutdown event name=ShutdownInitiated",
    b"[+]ping ok",
    b"[kube-apiserver-cp-1] k8s.io/apimachinery/pkg/util/runtime.logPanic()",  # its pod's line: by its prefix
    b"[Kube-Apiserver] I0506 07:08:09.123102       1 log.go:245] upper case is no pod name",
])
def test_bracketed_words_are_no_kubetail_prefix(line):
    assert F._kubectl(line) is None


def test_papertrail_archive_rows_need_all_ten_fields():
    row = (b"50342052\t2011-02-10 00:19:36 -0800\t2011-02-10 00:19:36 -0800\t42424\tcp-1\t10.0.1.5\tUser\tInfo"
           b"\tkube-apiserver\tI0210 08:19:36.000001    1187 log.go:245] x")
    res = F._kubectl(row)
    assert res.outer_ns == pd.Timestamp("2011-02-10T08:19:36Z").value and res.key == b"cp-1 kube-apiserver"
    assert res.inner.startswith(b"I0210 ")
    assert F._kubectl(row.replace(b"\tUser\tInfo", b"\tUser")) is None  # nine fields: not an archive row


# TIME-3: records before a source's first outer time take their year from it (the nearest following one), not from
# the TIME-4 walk and the file's mtime (2025), whose end-anchor shift would move the outer times as well
TWO = "2021-11-12T03:10:45.413000120Z E1112 03:10:45.412514       1 x.go:1] two"


@pytest.mark.parametrize("first, second, years", [
    ("I1112 03:10:44.920117       1 log.go:184] one", TWO, [2021, 2021]),
    ("[pod/kube-apiserver-cp-1/kube-apiserver] I1112 03:10:44.920117       1 log.go:184] one",
     f"[pod/kube-apiserver-cp-2/kube-apiserver] {TWO}", [2021, 2021]),
    ("kube-apiserver-cp-1 kube-apiserver I1112 03:10:44.920117       1 log.go:184] one",
     f"kube-apiserver-cp-2 kube-apiserver {TWO}", [2021, 2021]),
    ("I1231 23:59:59.920117       1 log.go:184] one",  # the year before the first outer time's
     "2022-01-01T00:00:00.413000120Z E0101 00:00:00.412514       1 x.go:1] two", [2021, 2022]),
])
def test_records_before_the_first_outer_time_take_its_year(tmp_path, first, second, years):
    # the outer time on the last line: its record is held (it may go on) and read after the first one
    _, src, rec = _run(tmp_path, f"{first}\n{second}\n".encode())
    assert [t.year for t in rec["timestamp"]] == years
    assert rec.loc[1, "timestamp"] < rec.loc[1, "ts_outer"] < rec.loc[1, "timestamp"] + pd.Timedelta("1s")
    assert src["year_source"] == "outer"


# `oc adm node-logs`'s node name is read only where a CRI or syslog time follows it
@pytest.mark.parametrize("line", [
    b"kube-apiserver 2024-04-09T18:52:03.118722301+00:00 is not a CRI line",
    b"1700000000.401998 cp-1 kube-apiserver[1187]: I1114 22:13:20.401998    1187 x.go:1] short-unix",
    b"error: unexpected EOF",
])
def test_words_before_a_time_are_no_node_name(line):
    assert F.NODE_LOGS_RE.match(line) is None


# the severity a header-less record start still has (formats.start_level): a cut klog header, a logrus terminal record
START_LEVELS = [
    ("E0506 07:24:", "E"),
    ("W1114 22:13:21.500000       1 lea", "W"),
    ("I1114 22:1", "I"),
    ("ERRO[0012] failed to pull image", "E"),
    ("\x1b[36mINFO\x1b[0m[0000] Starting k3s", "I"),
    ("Error: unknown flag: --insecure-port", None),
    ("panic: runtime error: index out of range", None),
]


@pytest.mark.parametrize("line, level", START_LEVELS)
def test_start_level(line, level):
    assert F.start_level(line.encode()) == level


# table outputs' header rows (formats.TABLE_HEADER_RE) and lines that are none
TABLE_HEADERS = [
    ("TIMESTAMP                       TEXT_PAYLOAD", True),
    ("TIMESTAMP  SEVERITY  TEXT_PAYLOAD  POD_NAME", True),
    ("I0506 07:08:09.123102       1 log.go:245] http: TLS handshake error from 10.0.44.17:51234: EOF", False),
    ("TIMESTAMP TEXT_PAYLOAD", False),  # one space: a sentence, not padded columns
    ("ERROR  connection refused", False),
]


@pytest.mark.parametrize("line, header", TABLE_HEADERS)
def test_table_header_rows_are_counted(line, header):
    res = F._kubectl(line.encode())
    assert (res is not None and res.unparsed == F.TABLE_HEADER_REASON) == header


# several events on one physical line: each is a line of its own (Unwrapped.events)
ONE_LINE_EVENTS = {
    "aws-text": (TLS + "\t" + PANIC.replace("    1187 ", "       1 "), "cloudwatch", 2),
    "get-log-events": ('{"events":[{"timestamp":1700000000123,"message":"' + TLS + '"},{"timestamp":1700000000401,'
                       '"message":"goroutine 4711 [running]:"}],"nextForwardToken":"f/1"}', "envelope", 2),
    "es-hits": ('{"took":3,"hits":{"hits":[{"_source":{"@timestamp":"2023-11-14T22:13:20.123Z","log":"' + TLS
                + '"}}]}}', "envelope", 1),
    "firehose-run-together": ('{"messageType":"DATA_MESSAGE","logStream":"s","logEvents":[{"timestamp":1700000000123,'
                              '"message":"' + TLS + '"}]}{"messageType":"DATA_MESSAGE","logStream":"s","logEvents":'
                              '[{"timestamp":1700000000401,"message":"' + TLS + '"}]}', "envelope", 2),
}


@pytest.mark.parametrize("name", sorted(ONE_LINE_EVENTS))
def test_several_events_on_one_line(name):
    line, fmt, n = ONE_LINE_EVENTS[name]
    res = F._cloudwatch(line.encode()) if fmt == "cloudwatch" else F._docker(line.encode())
    events = res.events or [res]
    assert len(events) == n and all(e.fmt == fmt and e.inner for e in events)
    assert events[0].inner == TLS.encode()


def test_a_list_of_no_log_records_is_no_record():
    # `{"data": [...]}` of something else (an API's list of objects): not a log record
    assert F._docker(b'{"data":[{"id":1,"name":"x"}],"message":"ok"}').inner == b"ok"
    assert F._docker(b'{"events":[{"type":"Normal","reason":"Pulled"}]}') is None


@pytest.mark.parametrize("data, n_lines", [
    # JSON logging's and logrus's message with newlines: physical lines of one record (FMT-3), not a crash
    ('{"ts":1700000000123.4,"caller":"x/trace.go:236","msg":"Trace[1]: \\"List\\" (total time: 2200ms):\\n'
     'Trace[1]: [2.2s] [2.2s] END"}', 2),
    ('time="2023-11-14T22:13:20Z" level=error msg="first\\nsecond\\nthird"', 3),
    ('time="2023-11-14T22:13:20Z" level=error msg="only one\\n"', 1),
])
def test_a_message_with_newlines_is_one_record(tmp_path, data, n_lines):
    text = data + "\n" + TLS + "\n"
    _, src, rec = _run(tmp_path, text.encode())
    assert list(rec["lineno"]) == [1, 2] and list(rec["n_lines"]) == [n_lines, 1]
    assert int(src["lines"]) == 2


def test_a_file_ending_in_nul_bytes_after_a_crash(tmp_path):
    # a pre-allocated log of a crashed host ends in NUL bytes, no newline (containerd/containerd#1720): one
    # unparsed binary line, the records before it kept
    data = (f"2023-11-14T22:13:20.123456789Z stderr F {TLS}\n").encode() + b"\x00" * 300
    res, src, rec = _run(tmp_path, data)
    assert list(rec["lineno"]) == [1] and int(src["unparsed"]) == 1 and set(res.unparsed["reason"]) == {"binary"}


@pytest.mark.parametrize("line, type_line", [
    (b"#TYPE System.Management.Automation.PSCustomObject", True),
    (b"\xef\xbb\xbf#TYPE Selected.System.Diagnostics.Eventing.Reader.EventLogRecord", True),
    (b"#TYPE System.Collections.Generic.List`1[[System.String]]\r", True),
    (b"# TYPE apiserver_request_total counter", False),  # a Prometheus exposition comment
    (b"#TYPE", False),
])
def test_powershell_type_line_above_a_csv_header(line, type_line):
    # Windows PowerShell 5.1's Export-Csv writes it above the header (without -NoTypeInformation)
    assert F.is_ps_type_line(line) == type_line
    if type_line:
        assert F.detect_format(line + b'\n"TimeGenerated","LogMessage"\n"7/1/2024 8:45:27 AM","' + TLS.encode()
                               + b'"\n') == "csv"


def _listing(n: int) -> bytes:
    events = ",".join(f'{{"timestamp":{1700000000123 + i},"message":"{TLS}","ingestionTime":1700000001000}}'
                      for i in range(n))
    return ('{"events":[' + events + '],"nextForwardToken":"f/1"}\n').encode()


def test_an_api_response_longer_than_the_detection_sample_is_read(tmp_path):
    # get-log-events answers up to 1 MB on one line: longer than the 64 KiB the format is detected from
    data = _listing(2000)
    assert len(data) > 1 << 17
    res, src, rec = _run(tmp_path, data)
    assert src["format"] == "envelope" and len(rec) == 2000 and set(rec["lineno"]) == {1}
    assert int(src["unparsed"]) == 0 and rec["ts_outer"].is_monotonic_increasing


def test_an_api_response_cut_by_the_reader_is_counted_with_a_reason(tmp_path, monkeypatch):
    # not within one read of a block (8 MiB; 64 KiB here) and longer than max_record_bytes (1 MiB): the reader
    # cuts it, its records cannot be read
    from lokonb.logs import sources

    monkeypatch.setattr(sources, "BLOCK_BYTES", 1 << 16)
    data = _listing(7000)
    assert len(data) > 1 << 20
    res, src, rec = _run(tmp_path, data + (TLS + "\n").encode())
    assert list(rec["lineno"]) == [2] and int(src["unparsed"]) == 1
    assert set(res.unparsed["reason"]) == {F.CUT_LISTING_REASON}


# `docker compose logs`: `<service>_<n>` (v2 `<service>-<n>`) padded by two or more spaces before the bar; a text line
# without a replica number or with one space is no prefix
@pytest.mark.parametrize(("line", "key"), [
    (b"kube-apiserver_1  | " + TLS.encode(), b"kube-apiserver_1"),
    (b"k3s-server-12     | time=\"2024-05-17T19:02:44Z\" level=info msg=\"x\"", b"k3s-server-12"),
    (b"kube-system  | Running", None),
    (b"etcd_1 | " + TLS.encode(), None),
])
def test_compose_prefixes(line, key):
    res = F._kubectl(line)
    assert (res.key if res is not None else None) == key
    if key is not None:
        assert not res.inner.startswith(key) and b"| " not in res.inner[:3]


# moreutils' `ts`: a syslog time, then a klog header, is no `host ident:` (the header was read as host and ident);
# a syslog line of a host keeps its writer
@pytest.mark.parametrize(("line", "key", "inner"), [
    (b"Feb 11 06:42:17 " + TLS.encode(), b"ts", TLS.encode()),
    (b"Feb 11 06:42:17.118204 " + TLS.encode(), b"ts", TLS.encode()),
    (b"Feb 11 06:42:17 cp-1 kube-apiserver[1187]: " + TLS.encode(), b"cp-1 kube-apiserver", TLS.encode()),
    (b"Feb 11 06:42:17 kube-apiserver[1187]: " + TLS.encode(), b" kube-apiserver", TLS.encode()),
    (b"1712220331.517840211 " + TLS.encode(), b"ts", TLS.encode()),  # an epoch time (Fluent Bit's `{time} {log}`)
    (b"1712220331.517840 cp-1 kube-apiserver[1187]: " + TLS.encode(), b"cp-1 kube-apiserver", TLS.encode()),
])
def test_ts_time_prefix_is_no_syslog_host(line, key, inner):
    res = F._syslog(line)
    assert (res.key, res.inner) == (key, inner)


def test_ts_iso_prefix_only_before_a_klog_header():
    # a zone-less ISO time is a `ts` prefix where a klog header follows; Python logging or etcd lines are not
    assert F._kubectl(b"2023-08-21 14:03:11.204518 " + TLS.encode()).key == b"ts"
    for line in (b"2023-06-02 14:21:07.418233 I | embed: ready to serve client requests",
                 b"2024-01-01 10:00:00,123 INFO root: hello"):
        res = F._kubectl(line)
        assert res is None or res.key != b"ts"


# msgpack-c's print of a map (Fluent Bit's `stdout` before 2.1): `"` inside a string as `\"`, unprintable bytes as
# `\xNN`, a backslash as it is, `=>` between key and value, `nil`
@pytest.mark.parametrize(("printed", "want"), [
    (rb'{"log"=>"a \"b\" c", "n"=>nil}', {"log": 'a "b" c', "n": None}),
    (rb'{"log"=>"caf\xc3\xa9 => x"}', {"log": "caf\u00e9 => x"}),
    (rb'{"log"=>"C:\tmp \\"q\""}', {"log": 'C:\\tmp \\"q"'}),
    (rb'{"n"=>1, "m"=>{"k"=>"v"}}', {"n": 1, "m": {"k": "v"}}),
])
def test_msgpack_print_as_json(printed, want):
    import json

    assert json.loads(F.msgpack_json(printed)) == want


# Fluent Bit's `Format csv`: `<epoch s.ns>,` then the values; the longest is the line, a stream and a `P` tag are
# read; other lines that start with digits are no such rows
@pytest.mark.parametrize(("line", "inner", "stream", "partial"), [
    (b'1700000000.123456789,"stderr","F","' + TLS.encode() + b'"', TLS.encode(), 2, False),
    (b'1700000000.123456789,"' + TLS.encode() + b'","stdout"', TLS.encode(), 1, False),  # the docker parser's order
    (b'1700000000.123456789,"stderr","P","E1114 22:13:20.401998 1 a.go:1] \\"q\\" x"',
     b'E1114 22:13:20.401998 1 a.go:1] "q" x', 2, True),
    (b'1700000000.123456789,"stderr","F","E1114 22:13:20.401998 1 a.go:1] "q" x"',
     b'E1114 22:13:20.401998 1 a.go:1] "q" x', 2, False),  # quotes left as they are
    (b'1700000000.123456789 ' + TLS.encode(), None, None, None),  # Fluent Bit's template `{time} {log}`
    (b'1700000000,"stderr","F","x"', None, None, None),  # no nanoseconds: no Fluent Bit time
])
def test_fluent_bit_csv_rows(line, inner, stream, partial):
    res = F._docker(line)
    if inner is None:
        assert res is None or res.fmt != "envelope"
        return
    assert (res.inner, res.stream, getattr(res, "_partial", False)) == (inner, stream, partial)
    assert res.outer_ns == 1_700_000_000_123_456_789


# kail's `<namespace>/<pod>[<container>]: ` and saw's `[<RFC 3339>] (<log stream>) ` are writer prefixes (saw's
# with the event time); near misses are not
@pytest.mark.parametrize(("line", "key", "outer"), [
    (b"kube-system/kube-apiserver-cp-1[kube-apiserver]: " + TLS.encode(), b"kube-system/kube-apiserver-cp-1"
     b"[kube-apiserver]", None),
    (b"kube-system/kube-apiserver-cp-1[kube-apiserver]: goroutine 1 [running]:", b"kube-system/kube-apiserver-cp-1"
     b"[kube-apiserver]", None),
    (b"[2023-11-15T00:13:20+02:00] (kube-apiserver-0123456789abcdef0123456789abcdef) " + TLS.encode(),
     b"kube-apiserver-0123456789abcdef0123456789abcdef", 1_700_000_000 * 10**9),
    (b"[2023-11-14T22:13:20Z] (authenticator-0123) time=\"2023-11-14T22:13:20Z\" level=info msg=\"x\"",
     b"authenticator-0123", 1_700_000_000 * 10**9),
])
def test_kail_and_saw_prefixes(line, key, outer):
    res = F._kubectl(line)
    assert (res.key, res.outer_ns) == (key, outer)
    assert not res.inner.startswith((b"[", b"kube-system/"))


@pytest.mark.parametrize("line", [
    b"kube-system/kube-apiserver-cp-1: " + TLS.encode(),  # no [container]
    b"[2023-11-14T22:13:20Z] " + TLS.encode(),  # no (stream)
    b"[2023-11-14T22:13:20Z] (two words) x",
])
def test_kail_and_saw_near_misses(line):
    res = F._kubectl(line)
    assert res is None or not res.key or not res.key.startswith((b"kube-system/", b"two"))
    assert res is None or res.outer_ns is None


INTERLEAVED = (
    "[pod/kube-apiserver-x/kube-apiserver] " + PANIC + "\n"
    "[pod/kube-apiserver-x/haproxy] [WARNING]  (8) : Server kube_apiservers/apiserver1 is DOWN\n"
    "[pod/kube-apiserver-x/kube-apiserver] goroutine 4711 [running]:\n"
    "[pod/kube-apiserver-x/haproxy] [ALERT]    (8) : backend 'kube_apiservers' has no server available!\n"
    "[pod/kube-apiserver-x/kube-apiserver] main.main()\n"
)


def test_a_writers_line_continues_its_own_record_across_other_writers(tmp_path):
    _, src, rec = _run(tmp_path, INTERLEAVED.encode())
    assert [(int(r.lineno), int(r.n_lines), bool(r.orphan)) for r in rec.itertuples()] == [(1, 3, False), (2, 2, True)]


def test_writers_beyond_the_bound_are_records_of_their_own(tmp_path, monkeypatch):
    from lokonb.logs import analysis

    monkeypatch.setattr(analysis, "MAX_WRITER_GROUPS", 0)
    _, src, rec = _run(tmp_path, INTERLEAVED.encode())
    assert [int(r.lineno) for r in rec.itertuples()] == [1, 2, 3, 4, 5]
    assert int(rec["n_lines"].sum()) == 5


def test_interleaved_writers_do_not_depend_on_the_block_size(tmp_path, monkeypatch):
    from lokonb.logs import sources

    data = (INTERLEAVED * 400).encode()
    _, _, whole = _run(tmp_path, data)
    monkeypatch.setattr(sources, "BLOCK_BYTES", 1 << 12)
    _, src, small = _run(tmp_path, data)
    cols = ["lineno", "n_lines", "orphan", "message"]
    pd.testing.assert_frame_equal(whole[cols], small[cols])
    assert int(small["n_lines"].sum()) + int(src["unparsed"]) == 2000


@pytest.mark.parametrize(("line", "relayed"), [
    # the supervisor relays a child's line at level info with its stream: the child's line is the record
    ('time="2025-02-04 09:18:17" level=info msg="I0204 09:18:17.645567  230514 x.go:1] hi" '
     "component=kube-controller-manager stream=stderr", (b"I0204 09:18:17.645567  230514 x.go:1] hi", 2)),
    ('time="2025-02-04 09:18:17" level=warning msg="W0204 09:18:17.645567  230514 x.go:1] hi" '
     "component=kube-apiserver stream=stdout", (b"W0204 09:18:17.645567  230514 x.go:1] hi", 1)),
    # older k0s relayed without stream=, at info
    ('time="2021-10-15 22:12:17" level=info msg="I1015 22:12:17.335922      38 x.go:1] hi" component=kube-apiserver',
     (b"I1015 22:12:17.335922      38 x.go:1] hi", 0)),
    # k0s's own component logging an error: an event of its own with its level
    ('time="2025-02-04 09:18:08" level=error msg="error sending POST request for job kube-scheduler" '
     "component=metrics metrics_job=kube-scheduler", None),
    ('time="2025-02-04 09:18:08" level=warning msg="failed to reconcile" component=coredns', None),
    # the supervisor's own info records about its child, without stream= in every k0s version: k0s's events
    ('time="2021-10-15 22:12:16" level=info msg="Starting to supervise" component=kube-apiserver', None),
    ('time="2025-02-04 09:18:08" level=info msg="Started successfully, go nuts pid 1488" component=kube-apiserver',
     None),
    ('time="2021-10-15 22:14:07" level=info msg="Restarted" component=kube-apiserver', None),
    ('time="2025-02-04 09:18:08" level=info msg="Restarted (3)" component=kube-apiserver', None),
    ('time="2025-02-04 09:18:08" level=info msg="respawning in 5s" component=kube-apiserver', None),
    ('time="2021-10-15 22:14:07" level=info msg="Shutting down pid 1419" component=kube-apiserver', None),
    ('time="2025-02-04 09:18:08" level=info msg="Requesting graceful shutdown" component=kube-apiserver', None),
    # ... but a child's line that merely starts like one is relayed (matched on the whole message)
    ('time="2021-10-15 22:12:16" level=info msg="Restarted watch of *v1.Pod" component=kube-apiserver',
     (b"Restarted watch of *v1.Pod", 0)),
    # k3s's own logrus record: no component= at all
    ('time="2025-02-04T09:18:08Z" level=info msg="Starting k3s v1.30.2+k3s1"', None),
])
def test_k0s_supervisor_relays_only_its_childrens_lines(line, relayed):
    assert F.k0s_supervised(line.encode()) == relayed


def _binary_field(name: bytes, value: bytes) -> bytes:
    return name + b"\n" + len(value).to_bytes(8, "little") + value + b"\n"


def _export_entry(us: int, message: bytes) -> bytes:
    return (f"__CURSOR=s=8c41d07e;i={us}\n__REALTIME_TIMESTAMP={us}\n_HOSTNAME=cp-1\n".encode()
            + _binary_field(b"MESSAGE", message) + b"SYSLOG_IDENTIFIER=kube-apiserver\n\n")


# `journalctl -o export` writes a value with a control byte or a newline as a binary field: the bytes are the value,
# whatever they hold (colour codes, a line of NULs, a line that looks like an entry start or a blank line)
BINARY_VALUES = {
    "colour-codes": (PANIC.replace("Observed", "\x1b[31mObserved\x1b[0m").encode(), "Observed a panic:", 1),
    "length-256-starts-with-nul": ((PANIC + " " + "x" * (255 - len(PANIC))).encode(), "Observed a panic:", 1),
    "entry-start-and-blank-line-inside": ((PANIC + "\n__CURSOR=s=1\n\n" + "goroutine 1 [running]:").encode(),
                                          "Observed a panic:", 4),
}


@pytest.mark.parametrize("name", list(BINARY_VALUES))
def test_journal_export_binary_fields(tmp_path, name):
    value, start, n_lines = BINARY_VALUES[name]
    data = _export_entry(1700000000401998, value) + _export_entry(1700000000402117, TLS.encode() + b"\r")
    _, src, rec = _run(tmp_path, data)
    assert src["format"] == "syslog" and int(src["unparsed"]) == 0
    assert list(rec["severity"]) == ["E", "I"] and rec.loc[0, "message"].startswith(start)
    assert "\x1b" not in rec.loc[0, "message"]  # colour codes are dropped from the text, after the value is read
    assert list(rec["n_lines"]) == [n_lines, 1] and rec.loc[1, "family"] == "tls_handshake_eof"
    assert rec.loc[1, "lineno"] == data[: data.index(b"i=1700000000402117")].count(b"\n") + 1


@pytest.mark.parametrize(("value", "want"), [
    ("2024-05-02 09:20:11.532000 UTC", "2024-05-02T09:20:11.532Z"),  # BigQuery's TIMESTAMP text
    ("2024-05-02 09:20:13 UTC", "2024-05-02T09:20:13Z"),
    ("2024-05-02 09:20:13.5 GMT", "2024-05-02T09:20:13.5Z"),
    ("2024-05-02 09:20:13 CEST", None),  # a zone name we cannot read is no time, never read as UTC
])
def test_csv_times_with_a_utc_suffix(value, want):
    got = F._csv_time(value)
    assert got == (None if want is None else pd.Timestamp(want).value)


def test_a_source_column_is_the_line_only_without_a_line_column():
    assert F.csv_header(b'"@timestamp","_source"').text == 1
    assert F.csv_header(b"@timestamp,_source,message").text == 2
    assert F.csv_header(b"@timestamp,source") is None


J = "Nov 27 10:14:{s:02d} cp-2 kube-apiserver[1187]: "


def _journal_row(s: int, text: str) -> str:
    return J.format(s=s) + text


@pytest.mark.parametrize(("lines", "width"), [
    # rows of exactly 80 columns followed by rows without the journal prefix: a terminal's hard wrap
    ([_journal_row(1, "x" * 37), "y" * 80, "z" * 10, _journal_row(2, "w" * 36), "v" * 5, ""], 80),
    # a single wrapped row is not enough to tell a width from chance: no joining (the row stays a record of its own)
    ([_journal_row(1, "x" * 37), "y" * 5, _journal_row(2, "tail"), ""], None),
    # prefix-less lines after lines of different lengths (journalctl's indented continuation of a multi-line
    # message, boot markers): no width
    ([_journal_row(1, "x" * 37), "     more", _journal_row(2, "x" * 50), "-- Boot 5a1c --", _journal_row(3, "a"), ""],
     None),
])
def test_hard_wrap_width(lines, width):
    assert F.hard_wrap_width("\n".join(lines).encode()) == width


def test_hard_wrapped_rows_join_only_after_full_rows():
    rows = [_journal_row(1, "x" * 37).encode(), b"y" * 80, b"z" * 10, b"-- Boot 5a1c --", _journal_row(2, "w").encode()]
    assert F.join_hard_wrapped(rows, 80) == [(rows[0] + rows[1] + rows[2], 3), (rows[3], 1), (rows[4], 1)]


def test_journal_row_without_prefix_is_never_joined_to_another_record_when_no_width(tmp_path):
    # one wrapped entry only: its rest is a record of its own (orphan), not a continuation of the TLS record
    line = _journal_row(1, PANIC.replace("1187 runtime.go", "   1187 runtime.go"))
    data = (line[:80] + "\n" + line[80:] + "\n" + _journal_row(2, TLS) + "\n").encode()
    _, src, rec = _run(tmp_path, data)
    assert src["lines"] == 3 and len(rec) == 3 and list(rec["n_lines"]) == [1, 1, 1]
    assert bool(rec.loc[1, "orphan"]) and rec.loc[2, "family"] == "tls_handshake_eof"
