"""Defaults and meanings Lokomotive changed in v0.5.0 (``lokonb.config.eras``): a lokocfg that shows it is written
for an older release gets an error naming what to write, so the oidc client id or the MTU never change silently
(composed fixture ``tests/fixtures/lokocfg_history/v0.4-defaults.lokocfg``, sources in that folder's README)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lokonb.config import ConfigValidationError, legacy, read_lokocfg
from lokonb.config.eras import _OVERHEAD, CHANGES, OLD_CNI_MTUS, PHYSICAL_MTUS, _version

from .test_lokomotive_go_cases import _lookup

HISTORY = Path(__file__).parents[1] / "fixtures" / "lokocfg_history"
FIXTURE = HISTORY / "v0.4-defaults.lokocfg"
VARS = HISTORY / "v0.4-defaults.vars"

LABELS_MAP = ('labels        = "tier=web"\n    taints        = "dedicated=web:NoSchedule"',
              'labels        = { "tier" = "web" }\n    taints        = { "dedicated" = "web:NoSchedule" }')
SIGN_LABELS = 'it uses worker_pool["web"].labels as a string ['


def _load(tmp_path: Path, edits: list[tuple[str, str]]) -> tuple[dict[str, Any] | None, list[Any]]:
    """The fixture with ``edits`` applied: (config dict or None when invalid, every issue)."""
    text = FIXTURE.read_text()
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new)
    cfg = tmp_path / "cluster.lokocfg"
    cfg.write_text(text)
    try:
        loaded = read_lokocfg(cfg, VARS)
    except ConfigValidationError as exc:
        return None, list(exc.value.issues if hasattr(exc, "value") else exc.issues)
    return loaded.config.to_dict(), list(loaded.warnings)


#: edits to the fixture; the era issues expected as {path: (severity, message fragments)}; values when it loads.
CASES: list[tuple[str, list[tuple[str, str]], dict[str, tuple[str, tuple[str, ...]]], dict[str, Any] | None]] = [
    ("as-written", [], {
        "oidc.client_id": ("error", (SIGN_LABELS, 'defaulted to "gangway"', 'write client_id = "gangway"')),
        "network_mtu": ("error", ("8981 is a CNI (pod interface) MTU", SIGN_LABELS, "write network_mtu = 9001"))},
     None),
    # what the two messages say, plus the string forms: it loads with that release's values
    ("fixed", [LABELS_MAP, ("oidc {}", 'oidc {\n    client_id = "gangway"\n  }'),
               ("network_mtu = 8981", "network_mtu = 9001")], {},
     {"oidc.client_id": "gangway", "network_mtu": 9001, "worker_pools[0].labels": {"tier": "web"}}),
    # without a sign of its release the file reads as today's: the oidc default applies, an old CNI value warns
    ("no-sign", [LABELS_MAP], {
        "network_mtu": ("warning", ("of Lokomotive's AWS reference before v0.5.0", "(8961 here)",
                                    "write network_mtu = 9001"))},
     {"oidc.client_id": "clusterauth", "network_mtu": 8981}),
    ("no-sign-physical", [LABELS_MAP, ("network_mtu = 8981", "network_mtu = 9001")], {},
     {"oidc.client_id": "clusterauth", "network_mtu": 9001}),
    # other signs of an older release: a cluster attribute renamed before v0.5.0, one removed before v0.2.0
    ("sign-csi", [LABELS_MAP, ("controller_count = 3", "controller_count = 3\n  set_csi_driver_iam_role = true")], {
        "oidc.client_id": ("error", ("it uses set_csi_driver_iam_role [",)),
        "network_mtu": ("error", ("it uses set_csi_driver_iam_role [", "write network_mtu = 9001"))}, None),
    ("sign-extra-flags", [LABELS_MAP, ("controller_count = 3", 'controller_count = 3\n  kube_apiserver_extra_flags = '
                                                                 '["-v=1"]')], {
        "oidc.client_id": ("error", ("it uses kube_apiserver_extra_flags [",))}, None),
    # with encrypt_pod_traffic the old reference said 1440 (8941 jumbo): 60 less than the physical MTU
    ("encrypted", [("network_mtu = 8981", "network_mtu = 1440\n  encrypt_pod_traffic = true")], {
        "network_mtu": ("error", ("1440 is a CNI", "60 less with encrypt_pod_traffic", "write network_mtu = 1500"))},
     None),
    ("other-cni-value", [("network_mtu = 8981", "network_mtu = 1400")], {
        "network_mtu": ("error", ("1400 is a CNI", "write network_mtu = 1420"))}, None),
    ("other-value-no-sign", [LABELS_MAP, ("network_mtu = 8981", "network_mtu = 1400")], {},
     {"network_mtu": 1400}),
    ("physical-with-sign", [("network_mtu = 8981", "network_mtu = 1500")], {
        "oidc.client_id": ("error", (SIGN_LABELS,))}, None),
    # Lokomotive took an empty client_id as "use the default", so "" is the old default too
    ("empty-client-id", [("oidc {}", 'oidc {\n    client_id = ""\n  }')], {
        "oidc.client_id": ("error", ('defaulted to "gangway"',))}, None),
    # names that tell no release: the docs' worker_type mistake, os_name (removed only in v0.6.0)
    ("no-release-names", [LABELS_MAP, ('instance_type = "m5.large"', 'worker_type   = "m5.large"'),
                          ("controller_count = 3", 'controller_count = 3\n  os_name = "flatcar"'),
                          ("network_mtu = 8981", "network_mtu = 9001")], {}, None),
]


@pytest.mark.parametrize(("case", "edits", "expected", "values"), CASES, ids=[c[0] for c in CASES])
def test_era_issues(tmp_path, case, edits, expected, values):
    data, issues = _load(tmp_path, edits)
    era = {i.path: i for i in issues if i.rule == "era"}
    for path, (severity, fragments) in expected.items():
        assert path in era, (case, path, issues)
        assert era[path].severity == severity
        for fragment in fragments:
            assert fragment in era[path].message, (fragment, era[path].message)
        assert era[path].source and era[path].source.startswith(str(tmp_path)), era[path]
    if case in ("as-written", "fixed", "no-sign", "no-sign-physical", "no-release-names", "other-value-no-sign"):
        assert set(era) == set(expected), (case, era)
    if values is not None:
        assert data is not None, issues
        for path, value in values.items():
            assert _lookup(data, path) == value, path


def test_the_oidc_issue_points_at_the_oidc_block(tmp_path):
    _data, issues = _load(tmp_path, [])
    issue = next(i for i in issues if i.path == "oidc.client_id")
    line = next(n for n, text in enumerate(FIXTURE.read_text().split("\n"), 1) if "oidc {}" in text)
    assert issue.source == f"{tmp_path / 'cluster.lokocfg'}:{line}"


def test_tables_agree():
    """Every release parses; the old CNI values are what the reference's overheads give; a physical MTU
    is never taken for a CNI one; legacy names that mark a release are not current attributes."""
    for change in CHANGES:
        assert _version(change.release) >= (0, 1, 0)
    for item in legacy.LEGACY:  # a release bound must parse, or the name would never count as a sign
        if item.before is not None:
            assert _version(item.before) >= (0, 1, 0), item
    for cni, physical in OLD_CNI_MTUS.items():
        assert physical - cni in _OVERHEAD.values() and physical in PHYSICAL_MTUS
    assert not PHYSICAL_MTUS & set(OLD_CNI_MTUS)
