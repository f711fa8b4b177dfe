"""FMT-8 with TIME-1…TIME-4: times of syslog/journald prefixes (composed lines).

A year-less, zone-less prefix (``Dec 31 23:59:59 host ident[pid]: …``) is an outer time: it times header-less
records (TIME-2), is read in ``syslog_tz`` (default ``klog_tz``) and gets its year like a klog time (TIME-3 from a
preceding year-carrying outer time, else the TIME-4 walk and anchor); ``short-iso`` prefixes carry year and zone.
"""

from __future__ import annotations

import datetime as dt
import os

import pandas as pd
import pytest

from lokonb.cli import main
from lokonb.logs import analyze, parse_lines
from lokonb.logs.errors import LogParameterError

HOST = "ip-10-0-5-21"
TLS = "http: TLS handshake error from 10.0.38.9:20433: EOF"


def ns(text: str) -> int:
    return pd.Timestamp(text).value


def ts(text: str | None) -> pd.Timestamp:
    return pd.NaT if text is None else pd.Timestamp(text)


def klog(mmdd: str, hms: str, msg: str = TLS, pid: int = 1187) -> str:
    return f"I{mmdd} {hms}    {pid} log.go:195] {msg}"


def rows(res):
    r = res.records.sort_values("lineno")
    return [
        (int(x.lineno), x.timestamp, x.ts_outer)
        for x in r[["lineno", "timestamp", "ts_outer"]].itertuples(index=False)
    ]


# --- header-less lines get the prefix time (TIME-2); [pid] optional, day space-padded --------------------------
@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # the first line of a source without a klog header: an orphan record timed by its prefix
        (f"Jan  5 07:08:09 {HOST} kube-apiserver[1187]: Flag --insecure-port has been deprecated",
         "2025-01-05T07:08:09Z"),
        (f"Jan  5 07:08:09 {HOST} kube-apiserver: Flag --insecure-port has been deprecated", "2025-01-05T07:08:09Z"),
        (f"Dec 24 18:00:00 {HOST} systemd[1]: Started Kubernetes API Server.", "2024-12-24T18:00:00Z"),
        (f"Mar  1 00:00:00 {HOST} kube-apiserver[9]: unexpected text", "2025-03-01T00:00:00Z"),
        # journalctl -o short-precise: fractional seconds
        (f"Jan  5 07:08:09.123456 {HOST} kube-apiserver[1187]: text before klog", "2025-01-05T07:08:09.123456Z"),
    ],
)
def test_yearless_prefix_times_headerless_record(line, expected):
    res = parse_lines([line], anchor_ns=ns("2025-06-01T00:00:00Z"))
    assert res.sources["format"][0] == "syslog"
    r = res.records.iloc[0]
    assert r["orphan"] and pd.isna(r["severity"])
    assert r["timestamp"] == ts(expected) and r["ts_outer"] == ts(expected)
    assert res.sources["year_source"][0] == "collection-time"


def test_flag_lines_before_klog_and_header_records_keep_prefix_as_ts_outer():
    lines = [
        f"Apr  8 05:35:00 {HOST} kube-apiserver[1187]: Flag --a has been deprecated, use --b",
        f"Apr  8 05:35:01 {HOST} kube-apiserver[1187]: Flag --c has been deprecated, use --d",
        f"Apr  8 05:35:02 {HOST} kube-apiserver[1187]: " + klog("0408", "05:35:01.870112"),
        f"Apr  8 05:35:03 {HOST} kube-apiserver: continuation of the record above",
    ]
    res = parse_lines(lines, anchor_ns=ns("2024-04-09T00:00:00Z"))
    assert rows(res) == [
        (1, ts("2024-04-08T05:35:00Z"), ts("2024-04-08T05:35:00Z")),
        (2, ts("2024-04-08T05:35:01Z"), ts("2024-04-08T05:35:01Z")),
        (3, ts("2024-04-08T05:35:01.870112Z"), ts("2024-04-08T05:35:02Z")),
    ]
    assert res.records.set_index("lineno").loc[3, "n_lines"] == 2


# --- syslog_tz (default klog_tz) ---------------------------------------------------------------------------------
WINTER = f"Jan 15 12:00:00 {HOST} kube-apiserver[1187]: Flag --x has been deprecated"
SUMMER = f"Jul 15 12:00:00 {HOST} kube-apiserver[1187]: Flag --x has been deprecated"
WRAPPED = f"Jul 15 12:00:00 {HOST} kube-apiserver[1187]: " + klog("0715", "10:00:00.250000")


@pytest.mark.parametrize(
    ("line", "kw", "timestamp", "ts_outer", "tz"),
    [
        (WINTER, {}, "2024-01-15T12:00:00Z", "2024-01-15T12:00:00Z", "UTC"),
        (WINTER, {"syslog_tz": "UTC"}, "2024-01-15T12:00:00Z", "2024-01-15T12:00:00Z", "UTC"),
        (WINTER, {"syslog_tz": "Europe/Berlin"}, "2024-01-15T11:00:00Z", "2024-01-15T11:00:00Z",
         "UTC; syslog Europe/Berlin"),
        (SUMMER, {"syslog_tz": "Europe/Berlin"}, "2024-07-15T10:00:00Z", "2024-07-15T10:00:00Z",
         "UTC; syslog Europe/Berlin"),
        (SUMMER, {"syslog_tz": "America/New_York"}, "2024-07-15T16:00:00Z", "2024-07-15T16:00:00Z",
         "UTC; syslog America/New_York"),
        # default: syslog_tz = klog_tz
        (SUMMER, {"klog_tz": "Europe/Berlin"}, "2024-07-15T10:00:00Z", "2024-07-15T10:00:00Z", "Europe/Berlin"),
        # the klog time keeps klog_tz (UTC: the process logged UTC, the journal local time)
        (WRAPPED, {"syslog_tz": "Europe/Berlin"}, "2024-07-15T10:00:00.25Z", "2024-07-15T10:00:00Z",
         "UTC; syslog Europe/Berlin"),
        (WRAPPED, {"klog_tz": "Europe/Berlin", "syslog_tz": "Europe/Berlin"}, "2024-07-15T08:00:00.25Z",
         "2024-07-15T10:00:00Z", "Europe/Berlin"),
    ],
)  # fmt: skip
def test_syslog_tz(line, kw, timestamp, ts_outer, tz):
    res = parse_lines([line], year=2024, **kw)
    r = res.records.iloc[0]
    assert (r["timestamp"], r["ts_outer"]) == (ts(timestamp), ts(ts_outer))
    assert res.sources["tz"][0] == tz


@pytest.mark.parametrize("bad", ["Mars/Olympus", "europe/berlin", " ", 5])
def test_bad_syslog_tz_is_a_parameter_error(bad):
    with pytest.raises(LogParameterError, match=r"syslog_tz: .* IANA name"):
        parse_lines([WINTER], syslog_tz=bad)


def test_bad_klog_tz_is_rejected_before_reading():
    # klog_tz was only checked when a conversion happened; now up front like syslog_tz
    with pytest.raises(LogParameterError, match=r"klog_tz: 'Nowhere/City' is not a time zone"):
        parse_lines(["no header at all"], klog_tz="Nowhere/City")


# --- the missing year: New Year rollover, anchors, short-iso ------------------------------------------------------
ROLLOVER = [
    f"Dec 31 23:59:58 {HOST} kube-apiserver[1187]: Flag --a has been deprecated",
    f"Dec 31 23:59:59 {HOST} kube-apiserver[1187]: " + klog("1231", "23:59:59.100000"),
    # klog wrote the line before midnight, the journal stamped it after: the klog year follows the prefix
    f"Jan  1 00:00:00 {HOST} kube-apiserver[1187]: " + klog("1231", "23:59:59.998304"),
    f"Jan  1 00:00:01 {HOST} kube-apiserver: " + klog("0101", "00:00:01.000001"),
    f"Jan  2 10:00:00 {HOST} kube-apiserver[1187]: " + klog("0102", "10:00:00.000000"),
]
ROLLOVER_EXPECTED = [
    (1, "2024-12-31T23:59:58Z", "2024-12-31T23:59:58Z"),
    (2, "2024-12-31T23:59:59.1Z", "2024-12-31T23:59:59Z"),
    (3, "2024-12-31T23:59:59.998304Z", "2025-01-01T00:00:00Z"),
    (4, "2025-01-01T00:00:01.000001Z", "2025-01-01T00:00:01Z"),
    (5, "2025-01-02T10:00:00Z", "2025-01-02T10:00:00Z"),
]


def _expected(shift_hours: int = 0):
    h = pd.Timedelta(hours=shift_hours)
    return [(n, ts(a), ts(b) - h) for n, a, b in ROLLOVER_EXPECTED]


@pytest.mark.parametrize(
    ("mtime", "kw", "year_source"),
    [
        ("2025-01-02T10:00:05Z", {}, "mtime"),  # end anchor: the file's mtime (TIME-4)
        ("2025-01-03T00:00:00Z", {"workers": 2}, "mtime"),  # PERF-4: same result with workers
        ("2031-05-05T00:00:00Z", {"year": 2024}, "parameter"),  # start anchor: year of the first record
    ],
)
def test_rollover_across_new_year_in_a_syslog_file(tmp_path, mtime, kw, year_source):
    path = tmp_path / "kube-apiserver.log"
    path.write_text("\n".join(ROLLOVER) + "\n")
    t = pd.Timestamp(mtime).timestamp()
    os.utime(path, (t, t))
    res = analyze([str(path)], records="all", **kw)
    assert rows(res) == _expected()
    assert res.sources["year_source"][0] == year_source
    assert res.sources["time_errors"][0] == 0
    assert res.records.sort_values("lineno")["ts_outer"].is_monotonic_increasing


def test_rollover_workers_equal_and_syslog_tz(tmp_path):
    path = tmp_path / "kube-apiserver.log"
    path.write_text("\n".join(ROLLOVER * 400) + "\n")
    t = pd.Timestamp("2025-01-02T12:00:00Z").timestamp()
    os.utime(path, (t, t))
    kw = {"records": "all", "syslog_tz": "Etc/GMT-3"}  # UTC+03:00: the prefix times are 3 h ahead of UTC
    one = analyze([str(path)], workers=1, **kw)
    two = analyze([str(path)], workers=2, **kw)
    for name in ("records", "summary", "findings", "sources", "tls_sources"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name), obj=name)
    # the klog times stay UTC (klog_tz), each in the year closest to its prefix time
    assert rows(one)[:5] == [
        (1, ts("2024-12-31T20:59:58Z"), ts("2024-12-31T20:59:58Z")),
        (2, ts("2024-12-31T23:59:59.1Z"), ts("2024-12-31T20:59:59Z")),
        (3, ts("2024-12-31T23:59:59.998304Z"), ts("2024-12-31T21:00:00Z")),
        (4, ts("2025-01-01T00:00:01.000001Z"), ts("2024-12-31T21:00:01Z")),
        (5, ts("2025-01-02T10:00:00Z"), ts("2025-01-02T07:00:00Z")),
    ]
    # the excerpt repeated: jumps back from Jan 2 to Dec 31 (under 180 days) keep the year
    assert one.records["ts_outer"].min() == ts("2024-12-31T20:59:58Z")
    assert one.records["ts_outer"].max() == ts("2025-01-02T07:00:00Z")
    assert one.sources["tz"][0] == "UTC; syslog Etc/GMT-3"


YEARLESS_AFTER = f"Jan  1 00:00:05 {HOST} kube-apiserver: " + klog("0101", "00:00:04.500000")


@pytest.mark.parametrize(
    ("line", "kw", "timestamp", "ts_outer"),
    [
        # short-iso: the year and zone come from the prefix, whatever the anchor or syslog_tz say
        (f"2024-12-31T23:59:59+0000 {HOST} kube-apiserver[1187]: text", {}, "2024-12-31T23:59:59Z",
         "2024-12-31T23:59:59Z"),
        (f"2025-01-01T00:59:59+0100 {HOST} kube-apiserver: text", {"syslog_tz": "America/New_York"},
         "2024-12-31T23:59:59Z", "2024-12-31T23:59:59Z"),
        # short-iso-precise and rsyslog's high-precision form keep the fraction
        (f"2024-12-31T23:59:59.870112+0000 {HOST} kube-apiserver[1187]: text", {},
         "2024-12-31T23:59:59.870112Z", "2024-12-31T23:59:59.870112Z"),
        (f"2024-12-31T23:59:59.870112+00:00 {HOST} kube-apiserver[1187]: text", {},
         "2024-12-31T23:59:59.870112Z", "2024-12-31T23:59:59.870112Z"),
        # a klog time under a short-iso prefix after midnight: the year of the prefix minus one (TIME-3)
        (f"2025-01-01T00:00:00+0000 {HOST} kube-apiserver[1187]: " + klog("1231", "23:59:59.998304"), {},
         "2024-12-31T23:59:59.998304Z", "2025-01-01T00:00:00Z"),
    ],
)  # fmt: skip
def test_short_iso_carries_the_year_for_the_yearless_lines_after_it(line, kw, timestamp, ts_outer):
    """TIME-3: the year-less prefix after a short-iso line takes the year of the nearest preceding outer time."""
    res = parse_lines([line, YEARLESS_AFTER], anchor_ns=ns("2031-06-01T00:00:00Z"), **kw)
    assert rows(res) == [
        (1, ts(timestamp), ts(ts_outer)),
        (2, ts("2025-01-01T00:00:04.5Z"), ts("2025-01-01T00:00:05Z") + pd.Timedelta(hours=5 if kw else 0)),
    ]
    assert res.sources["year_source"][0] == "outer"


def test_yearless_prefix_after_short_iso_takes_its_year():
    """TIME-3: records without a year-carrying outer time take the year from the nearest preceding one."""
    lines = [
        f"2024-12-31T23:59:50+0000 {HOST} kube-apiserver[1187]: " + klog("1231", "23:59:50.000000"),
        f"Dec 31 23:59:59 {HOST} kube-apiserver[1187]: " + klog("1231", "23:59:58.500000"),
        f"Jan  1 00:00:03 {HOST} kube-apiserver[1187]: " + klog("0101", "00:00:02.500000"),
    ]
    res = parse_lines(lines, anchor_ns=ns("2031-06-01T00:00:00Z"))
    assert rows(res) == [
        (1, ts("2024-12-31T23:59:50Z"), ts("2024-12-31T23:59:50Z")),
        (2, ts("2024-12-31T23:59:58.5Z"), ts("2024-12-31T23:59:59Z")),
        (3, ts("2025-01-01T00:00:02.5Z"), ts("2025-01-01T00:00:03Z")),
    ]
    assert res.sources["year_source"][0] == "outer"


def test_feb29_prefix_in_a_non_leap_year_is_a_time_error():
    lines = [f"Feb 29 10:00:00 {HOST} kube-apiserver[1]: text before klog"]
    res = parse_lines(lines, year=2025)
    r = res.records.iloc[0]
    assert pd.isna(r["timestamp"]) and pd.isna(r["ts_outer"])
    assert res.sources["time_errors"][0] == 1 and len(res.records) == 1


def test_cli_syslog_tz(tmp_path, capsys):
    path = tmp_path / "kube-apiserver.log"
    path.write_text(WINTER + "\n")
    out = tmp_path / "records.csv"
    argv = ["logs", "analyze", str(path), "--year", "2024", "--syslog-tz", "Europe/Berlin", "--records", str(out)]
    assert main(argv) == 0
    rec = pd.read_csv(out)
    assert pd.Timestamp(rec["timestamp"][0]) == ts("2024-01-15T11:00:00Z")
    capsys.readouterr()
    assert main(["logs", "analyze", str(path), "--syslog-tz", "Mars/Olympus"]) == 2
    err = capsys.readouterr().err
    assert "syslog_tz: 'Mars/Olympus' is not a time zone" in err and "Traceback" not in err


def test_mixed_klog_file_with_syslog_lines_falls_back_from_byte_ranges(tmp_path, monkeypatch):
    """A plain klog file with a few syslog-wrapped lines: byte-range workers (PERF-4) give the sequential result."""
    import lokonb.logs.ranges as R
    import lokonb.logs.sources as S

    monkeypatch.setattr(S, "BLOCK_BYTES", 4 << 10)
    monkeypatch.setattr(R, "MIN_BYTES", 0)
    start = dt.datetime(2024, 12, 31, 23, 40, tzinfo=dt.UTC)  # New Year in the first byte range
    lines = []
    for i in range(3000):
        t = start + dt.timedelta(seconds=2 * i)
        line = klog(t.strftime("%m%d"), t.strftime("%H:%M:%S.%f"), pid=1)
        if i % 500 == 250:
            line = f"{t:%b} {t.day:2d} {t:%H:%M:%S} {HOST} kube-apiserver[1]: " + line
        lines.append(line)
    path = tmp_path / "kube-apiserver.log"
    path.write_text("\n".join(lines) + "\n")
    t = (start + dt.timedelta(hours=2)).timestamp()
    os.utime(path, (t, t))
    one = analyze([str(path)], workers=1, records="all", syslog_tz="UTC")
    two = analyze([str(path)], workers=2, records="all", syslog_tz="UTC")
    for name in ("records", "summary", "findings", "sources"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name), obj=name)
    wrapped = one.records[one.records["ts_outer"].notna()]
    assert len(wrapped) == 6
    assert ((wrapped["ts_outer"] - wrapped["timestamp"]).abs() < pd.Timedelta(seconds=1)).all()


# --- localized month names (FMT-8 `month_names`) ------------------------------------------------------------------
GERMAN = ["Jan", "Feb", "Mär", "Apr", "Mai", "Jun", "Jul", "Aug", "Sep", "Okt", "Nov", "Dez"]
FRENCH = [["janv.", "janvier"], "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.",
          "déc."]  # fmt: skip


@pytest.mark.parametrize(
    ("names", "lines", "expected"),
    [
        (GERMAN, [f"Dez 31 23:59:59 {HOST} kube-apiserver[1187]: " + klog("1231", "23:59:59.100000"),
                  f"Jan  1 00:00:01 {HOST} kube-apiserver: " + klog("0101", "00:00:00.900000")],
         [("2024-12-31T23:59:59.1Z", "2024-12-31T23:59:59Z"), ("2025-01-01T00:00:00.9Z", "2025-01-01T00:00:01Z")]),
        (",".join(GERMAN), [f"Mär  5 07:08:09 {HOST} kube-apiserver[1]: Flag --x has been deprecated"],
         [("2024-03-05T07:08:09Z", "2024-03-05T07:08:09Z")]),
        (GERMAN, [f"MÄR  5 07:08:09 {HOST} kube-apiserver[1]: Flag --x has been deprecated"],  # any case
         [("2024-03-05T07:08:09Z", "2024-03-05T07:08:09Z")]),
        (FRENCH, [f"déc. 31 23:59:59 {HOST} kube-apiserver[1]: text before klog",
                  f"janvier  1 00:00:02 {HOST} kube-apiserver[1]: " + klog("0101", "00:00:01.000000")],
         [("2024-12-31T23:59:59Z", "2024-12-31T23:59:59Z"), ("2025-01-01T00:00:01Z", "2025-01-01T00:00:02Z")]),
        ({"Mrz": 3}, [f"Mrz  5 07:08:09 {HOST} kube-apiserver[1]: text", f"Apr  5 07:08:09 {HOST} x: " + klog(
            "0405", "07:08:08.000000")],  # English abbreviations are still read
         [("2024-03-05T07:08:09Z", "2024-03-05T07:08:09Z"), ("2024-04-05T07:08:08Z", "2024-04-05T07:08:09Z")]),
    ],
)  # fmt: skip
def test_localized_month_names(names, lines, expected):
    res = parse_lines(lines, year=2024, month_names=names)
    assert res.sources["format"][0] == "syslog"
    assert rows(res) == [(i + 1, ts(a), ts(b)) for i, (a, b) in enumerate(expected)]
    # without them the prefix is not recognised: the line is not syslog and has no outer time
    plain = parse_lines(lines[:1], year=2024)
    assert plain.records["ts_outer"].isna().all() and "syslog" not in plain.sources["format_mix"][0]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # locales such as nl/sv print the English abbreviation in lower case (k3s journal, k3s-io/k3s#2938)
        (f"feb 16 16:02:03 {HOST} k3s[21139]: " + klog("0216", "16:02:03.410000"),
         ("2024-02-16T16:02:03.41Z", "2024-02-16T16:02:03Z")),
        (f"DEC 31 23:59:59 {HOST} kube-apiserver[1187]: " + klog("1231", "23:59:59.100000"),
         ("2024-12-31T23:59:59.1Z", "2024-12-31T23:59:59Z")),
    ],
)  # fmt: skip
def test_english_month_in_any_case(line, expected):
    res = parse_lines([line], year=2024)
    assert res.sources["format"][0] == "syslog"
    assert rows(res) == [(1, ts(expected[0]), ts(expected[1]))]


def test_non_english_lower_case_month_still_needs_month_names():
    # "mrt" (nl) is no English abbreviation in any case: without month_names the prefix stays unrecognised
    res = parse_lines([f"mrt  5 07:08:09 {HOST} kube-apiserver[1]: Flag --x has been deprecated"], year=2024)
    assert res.records["ts_outer"].isna().all() and "syslog" not in res.sources["format_mix"][0]


@pytest.mark.parametrize(
    ("bad", "match"),
    [
        (["Jan"], r"month_names: expected 12 month names"),
        ("Jan,Feb", r"month_names: expected 12 month names"),
        ({"Foo": 13}, r"month_names: 'Foo': month 13 is not 1\.\.12"),
        ({"Foo": "3"}, r"month_names: 'Foo': month '3' is not 1\.\.12"),
        (["a b"] * 12, r"month_names: 'a b' is not a month name"),
        (42, r"month_names: expected 12 month names"),
        # one name for two months (the later silently won)
        ("jan,feb,mar,apr,mai,jun,jul,aug,sep,okt,nov,jan", r"month_names: 'jan' is given for months 1 and 12"),
        (["Ene", "Feb", "Mar", "Abr", "May", "Jun", "Jul", "Ago", "Sep", "Oct", "Nov", ["Dic", "ENE"]],
         r"month_names: 'ENE' is given for months 1 and 12"),
    ],
)
def test_bad_month_names_are_parameter_errors(bad, match):
    with pytest.raises(LogParameterError, match=match):
        parse_lines([WINTER], month_names=bad)


def test_cli_month_names(tmp_path, capsys):
    path = tmp_path / "kube-apiserver.log"
    path.write_text(f"Okt  3 10:00:00 {HOST} kube-apiserver[1]: Flag --x has been deprecated\n")
    out = tmp_path / "records.csv"
    argv = ["logs", "analyze", str(path), "--year", "2024", "--month-names", ",".join(GERMAN), "--records", str(out)]
    assert main(argv) == 0
    assert pd.Timestamp(pd.read_csv(out)["timestamp"][0]) == ts("2024-10-03T10:00:00Z")
    capsys.readouterr()
    assert main(["logs", "analyze", str(path), "--month-names", "Jan,Feb"]) == 2
    assert "month_names: expected 12 month names" in capsys.readouterr().err
