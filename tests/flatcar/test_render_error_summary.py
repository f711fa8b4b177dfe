"""RenderError's summary line for a snippet error without a line/column: ct's ``<kind>: <message>`` (flatcar.md §3)
or the JSON path as the position — never ``error at <message>``."""

from __future__ import annotations

import pytest

from lokonb.flatcar.errors import RenderError
from lokonb.flatcar.render import render_cluster

REPLACE = '{"ignition":{"version":"3.3.0","config":{"replace":{"source":"https://example.com/x.ign"}}}}'
LUKS_34 = (
    "variant: flatcar\nversion: 1.1.0\nstorage:\n  luks:\n    - name: data\n      device: /dev/xvdb\n"
    "      discard: true\n"
)


@pytest.mark.parametrize(
    "snippet, line",
    [
        (REPLACE, "worker_pool.web.clc_snippets[0]: error at $.ignition.config.replace: a snippet must not set"),
        (LUKS_34, "worker_pool.web.clc_snippets[0]: error: $.storage.luks.0.discard needs Ignition spec 3.4.0"),
    ],
)
def test_positionless_snippet_error_reads_as_kind_colon_message(model_with, fake_assets, snippet, line) -> None:
    with pytest.raises(RenderError) as exc:
        render_cluster(model_with(pool_web={"clc_snippets": (snippet,)}), assets=fake_assets)
    assert f"worker-web: {line}" in str(exc.value)
    assert "error at a snippet" not in str(exc.value) and "error at $.storage" not in str(exc.value)
