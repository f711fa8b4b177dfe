"""Findings keys: the normalized message of OUT-7 (addresses, UUIDs, hex, Go durations, numbers → placeholders).

Composed lines in the klog layout of logs.md FMT-1; the duration forms are Go's time.Duration.String()
(https://pkg.go.dev/time#Duration.String: ``1m2.5s``, ``1h0m0s``, ``3µs``), the address forms Go's
net.IP.String() (https://pkg.go.dev/net#IP.String: compressed IPv6, IPv4-mapped printed as IPv4 or ``::ffff:``).
"""

from __future__ import annotations

import pytest

from lokonb.logs import parse_lines
from lokonb.logs.messages import normalize_message

CASES = [
    # Go durations are one placeholder, whatever their units (compound, fractional, µ or μ)
    ("retry after 1m2.5s", "retry after <dur>"),
    ("retry after 1h0m0s", "retry after <dur>"),
    ("waited 3µs then 3μs", "waited <dur> then <dur>"),
    ("took 850ms.", "took <dur>."),
    # addresses: IPv6 without a port is an address, not an address and port
    ("peer 2001:db8::7 left", "peer <ip> left"),
    ("peer fd00:10:96::1 and ::1", "peer <ip> and <ip>"),
    ("peer ::ffff:10.0.3.14 left", "peer <ip> left"),
    ("peer 2001:db8:1:2:3:4:5:6 left", "peer <ip> left"),
    ("dial [2001:db8::7]:2379 and 10.0.5.21:2379", "dial <ip:port> and <ip:port>"),
    ("Serving securely on [::]:6443", "Serving securely on <ip:port>"),
    # a clock time is numbers, never an address
    ("(started 10:15:07.401)", "(started <n>:<n>:<n>.<n>)"),
    # hex and UUIDs in either case
    ("object 0xC000A1B2C0 gone", "object <hex> gone"),
    ("uid 0F3B9C1E-7D52-4C1A-9A51-2B6F0D8E4A11 gone", "uid <uid> gone"),
    # words and names keep their letters
    ("client-ca-bundle::/etc/kubernetes/pki/ca.crt", "client-ca-bundle::/etc/kubernetes/pki/ca.crt"),
    ("v1beta1.metrics.k8s.io 5min", "v<n>beta<n>.metrics.k<n>s.io <n>min"),
]


@pytest.mark.parametrize(("text", "want"), CASES)
def test_placeholders(text: str, want: str) -> None:
    assert normalize_message(text) == want


def test_messages_that_differ_only_in_a_duration_or_address_are_one_finding() -> None:
    head = "E0302 10:15:{:02d}.118203       1 controller.go:{}] "
    lines = [
        head.format(7, 113) + "sync of volume binder failed for 2001:db8::7 after 1m2.5s, will retry",
        head.format(8, 113) + "sync of volume binder failed for 2001:db8::9 after 3m0.25s, will retry",
        head.format(9, 113) + "sync of volume binder failed for fd00::3 after 12µs, will retry",
    ]
    res = parse_lines(lines, year=2024)
    other = res.findings[res.findings["family"] == "other"]
    assert other["count"].tolist() == [3]
    assert other["key"].iloc[0] == "sync of volume binder failed for <ip> after <dur>, will retry"
