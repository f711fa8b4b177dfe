"""Real-world kube-apiserver lines from public bug reports: family and verdict as an operator expects.

Each case is one record as posted (verbatim, URL in the comment above it): input text (continuation lines joined
with ``\\n``), format, expected family and expected ``harmless``. A TLS handshake line on its own is never probe
noise (one event cannot be periodic), so those cases expect ``harmless`` False whatever their family.
"""

from __future__ import annotations

import pytest

from lokonb.logs import parse_lines

CASES = [
    # --- Go before 1.8 wrote TLS alerts without the "tls: " prefix -------------------------------------------
    # https://github.com/kubernetes/kubernetes/issues/27931
    ("Jun 22 22:38:16 kubemaster-01 kube-apiserver[5253]: I0622 22:38:16.699924    5253 logs.go:41] http: TLS handshake "
     "error from xx.xx.xx.xx:49486: remote error: bad certificate",
     "syslog", "tls_handshake_bad_cert", False),
    # https://github.com/kubernetes/kubernetes/issues/22822 (header cut in the post)
    ("logs.go:40] http: TLS handshake error from xxxxx:60216: remote error: bad certificate",
     "klog", "tls_handshake_bad_cert", False),
    # https://github.com/kelseyhightower/kubernetes-the-hard-way/issues/654
    ("I0430 00:00:24.205492   31884 log.go:172] http: TLS handshake error from 127.0.0.1:54950: remote error: tls: bad "
     "certificate",
     "klog", "tls_handshake_bad_cert", False),
]


@pytest.mark.parametrize(("text", "fmt", "family", "harmless"), CASES, ids=[f"{c[2]}-{i}" for i, c in enumerate(CASES)])
def test_realworld_line(text, fmt, family, harmless):
    rec = parse_lines(text.split("\n"), format=fmt, year=2024).records
    assert len(rec) == 1, rec[["family", "message"]]
    r = rec.iloc[0]
    assert (r["family"], bool(r["harmless"])) == (family, harmless), (r["why"], text[:120])
