"""The public API of ``lokonb.logs`` (spec logs.md OUT-1): the names, their lazy import, and analyze's keywords."""

from __future__ import annotations

import inspect
import subprocess
import sys

import lokonb.logs as logs

SPEC_KEYWORDS = {
    "pods": None, "format": "auto", "families": None, "klog_tz": "UTC", "syslog_tz": None, "year": None,
    "vpc_cidrs": "auto", "extra_probe_networks": (), "probe_periods": (10, 30), "since": None, "until": None,
    "bucket": "1min", "max_records": 100_000, "records": "auto", "records_path": None, "workers": "auto",
}


def test_public_names_are_listed_and_resolve():
    for name in ("analyze", "iter_records", "parse_lines", "load_families", "sample_logs", "LogAnalysis"):
        assert name in logs.__all__ and name in dir(logs)
        assert getattr(logs, name) is not None


def test_analyze_keywords_and_defaults():
    params = inspect.signature(logs.analyze).parameters
    assert list(params)[0] == "sources"
    for name, default in SPEC_KEYWORDS.items():
        assert params[name].kind is inspect.Parameter.KEYWORD_ONLY, name
        assert params[name].default == default, name


def test_import_stays_light():
    code = "import sys, lokonb.logs; print(sorted(m for m in ('pandas', 'pyarrow', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
