"""Plain-Python baselines for the log benchmark (stdlib only; spec logs.md §8.3).

``loop``: text mode, UTF-8 with ``errors="replace"``, one compiled 8-group klog header regex per line, a Counter
of severities, a TLS substring test on the message. ``classify``: the same loop plus first-match classification
with 15 substring rules. Prints one JSON line with the counts (checked against the generator's truth).
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter

HEADER = re.compile(r"^([IWEF])(\d\d)(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6}) +(\d+) ([^ \]]+):(\d+)\] (.*)$")
RULES = (
    ("tls_handshake_reset", "connection reset by peer"),
    ("tls_handshake_eof", "TLS handshake error from"),
    ("http_access", '"HTTP" verb='),
    ("trace", "Trace["),
    ("etcd_client_noise", "parsed scheme"),
    ("etcd_client_noise", "ccResolverWrapper"),
    ("etcd_client_noise", "pickfirstBalancer"),
    ("watch_chan_error", "watch chan error"),
    ("reflector_watch_ended", "ended with"),
    ("quota_admission", "quota admission"),
    ("not_metav1_status", "metav1.Status"),
    ("webhook_failure", "Failed calling webhook"),
    ("aggregator_unavailable", "failed with:"),
    ("authn_failure", "Unable to authenticate"),
    ("cacher", "Terminating all watchers"),
)


def loop(path: str) -> dict[str, object]:
    sev: Counter[str] = Counter()
    tls = lines = 0
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            lines += 1
            m = HEADER.match(line)
            if m:
                sev[m.group(1)] += 1
                if "TLS handshake error" in m.group(11):
                    tls += 1
    return {"lines": lines, "severity": dict(sev), "tls": tls}


def classify(path: str) -> dict[str, object]:
    sev: Counter[str] = Counter()
    fams: Counter[str] = Counter()
    tls = lines = 0
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            lines += 1
            m = HEADER.match(line)
            if m:
                sev[m.group(1)] += 1
                msg = m.group(11)
                if "TLS handshake error" in msg:
                    tls += 1
                for name, lit in RULES:
                    if lit in msg:
                        fams[name] += 1
                        break
                else:
                    fams["other"] += 1
    return {"lines": lines, "severity": dict(sev), "tls": tls, "families": dict(fams)}


if __name__ == "__main__":
    mode, path = sys.argv[1], sys.argv[2]
    print(json.dumps(loop(path) if mode == "loop" else classify(path)))
