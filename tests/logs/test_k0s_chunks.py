"""FMT-3/FMT-5: k0s relays each control-plane line through its supervisor's logrus logger and splits a line longer
than its 16 KiB buffer into records ``chunk=1``, ``chunk=2``, … of the same component and stream (the last one
holds the rest; a line ending exactly at a chunk boundary has no further record). Those are fragments of one
physical line, as CRI ``P`` fragments are: joined again per component and stream, other writers' lines between
them notwithstanding (k0s pkg/supervisor/logwriter.go and supervisor.go,
https://github.com/k0sproject/k0s/blob/main/pkg/supervisor/logwriter.go,
https://github.com/k0sproject/k0s/blob/main/pkg/supervisor/supervisor.go; logrus text format with sorted fields,
https://github.com/sirupsen/logrus/blob/master/text_formatter.go).

Lines composed in journald's short format with the klog header layout
(https://github.com/kubernetes/klog/blob/main/internal/buffer/buffer.go) and the webhook failure message of the
apiserver's admission dispatcher
(https://github.com/kubernetes/apiserver/blob/master/pkg/admission/plugin/webhook/validating/dispatcher.go); hosts,
PIDs, times, names and addresses are new.
"""

from __future__ import annotations

import pytest

from lokonb.logs import parse_lines

CHUNK = 16 * 1024
HOST = "Jun 11 04:21:{s:02d} cp-3 k0s[2214]: "
LOGRUS = 'time="2024-06-11 04:21:{s:02d}" level=info msg="{msg}" {chunk}component={comp} stream={stream}'


def relay(s: int, text: str, comp: str = "kube-apiserver", stream: str = "stderr", chunk: int | None = None) -> str:
    msg = text.replace("\\", "\\\\").replace('"', '\\"')
    return HOST.format(s=s) + LOGRUS.format(s=s, msg=msg, chunk=f"chunk={chunk} " if chunk else "", comp=comp,
                                            stream=stream)  # fmt: skip


def chunked(s: int, line: str, **kw: object) -> list[str]:
    """The records k0s's logWriter writes for ``line`` (ASCII): whole when the line and its newline fit the buffer,
    else full chunks, then the rest unless it is empty."""
    if len(line) < CHUNK:
        return [relay(s, line, **kw)]  # type: ignore[arg-type]
    parts = [line[i : i + CHUNK] for i in range(0, len(line), CHUNK)]
    return [relay(s, p, chunk=n, **kw) for n, p in enumerate(parts, 1)]  # type: ignore[arg-type]


def webhook(n: int) -> str:
    head = ('W0611 04:21:07.204518    2301 dispatcher.go:217] Failed calling webhook, failing closed '
            'validate.policy.example.test: failed calling webhook "validate.policy.example.test": failed to call '
            'webhook: the server rejected our request: ')  # fmt: skip
    return head + ("denied by rule pod-security-" + "x" * 40 + "; ") * (n // 70) + "context deadline exceeded"


TLS = "I0611 04:21:{s:02d}.{us:06d}    2301 log.go:245] http: TLS handshake error from 10.0.7.{k}:4190{k}: EOF"
ETCD = ('{{"level":"warn","ts":"2024-06-11T04:21:{s:02d}.118Z","caller":"etcdserver/util.go:170",'
        '"msg":"apply request took too long"}}')


def test_chunks_of_one_line_join_across_other_writers():
    long = webhook(40_000)
    parts = chunked(7, long)
    assert len(parts) == 3
    lines = [relay(6, TLS.format(s=6, us=11, k=1)), parts[0], relay(7, ETCD.format(s=7), comp="etcd"), parts[1],
             relay(7, TLS.format(s=7, us=12, k=2), stream="stdout"), parts[2], relay(8, TLS.format(s=8, us=13, k=3))]
    res = parse_lines(lines, format="syslog", year=2024)
    rec = res.records
    wh = rec[rec["family"] == "webhook_failure"]
    assert len(wh) == 1 and wh["n_lines"].iloc[0] == 1 and wh["continuation"].isna().all()
    assert wh["webhook"].iloc[0] == "validate.policy.example.test" and wh["err_kind"].iloc[0] == "deadline_exceeded"
    assert wh["lineno"].iloc[0] == 2
    assert (rec["family"] == "tls_handshake_eof").sum() == 3
    assert res.sources["continuation_lines"].iloc[0] == 0 and res.sources["unparsed"].iloc[0] == 0


@pytest.mark.parametrize("n_full", [1, 2])
def test_line_ending_at_a_chunk_boundary_ends_there(n_full):
    # k0s logs no record for the empty rest: the next line of the writer is a line of its own
    head = "E0611 04:21:09.000120    2301 status.go:71] apiserver received an error that is not an metav1.Status: "
    exact = head + "y" * (n_full * CHUNK - len(head))
    parts = chunked(9, exact)
    assert len(parts) == n_full and len(exact) == n_full * CHUNK
    lines = [*parts, relay(10, TLS.format(s=10, us=14, k=4)), relay(11, TLS.format(s=11, us=15, k=5))]
    rec = parse_lines(lines, format="syslog", year=2024).records
    assert rec["family"].tolist() == ["not_metav1_status", "tls_handshake_eof", "tls_handshake_eof"]
    assert rec["n_lines"].tolist() == [1, 1, 1]


def test_source_ending_inside_a_chunked_line_is_cut_short():
    parts = chunked(12, webhook(40_000))
    res = parse_lines([relay(11, TLS.format(s=11, us=16, k=6)), *parts[:2]], format="syslog", year=2024)
    rec = res.records.set_index("family")
    assert len(rec) == 2 and rec.loc["webhook_failure", "n_lines"] == 1  # its two chunks: one line
    assert bool(rec.loc["webhook_failure", "truncated"])
    assert not rec.loc["tls_handshake_eof", "truncated"]
