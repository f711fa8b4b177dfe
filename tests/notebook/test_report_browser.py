"""§6 acceptance (SHOULD): a headless Chromium renders a run's report.html offline into a non-blank screenshot.

Runs when ``chromium`` is installed; required (a failure, not a skip) when ``LOKONB_REQUIRE_BROWSER=1``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

FIX = Path(__file__).parent / "fixtures"


def _chromium() -> str | None:
    found = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
    if found is None and os.environ.get("LOKONB_REQUIRE_BROWSER") == "1":
        pytest.fail("LOKONB_REQUIRE_BROWSER=1 but chromium is not installed")
    return found


def test_report_screenshot_is_not_blank(tmp_path: Path) -> None:
    from PIL import Image

    from lokonb.notebook import run

    browser = _chromium()
    if browser is None:
        pytest.skip("chromium not installed (set LOKONB_REQUIRE_BROWSER=1 to require it)")
    result = run(FIX / "ok.ipynb", output=tmp_path / "runs", parameters={"x": 21})
    report = Path(result.run_dir) / "report.html"
    shot = tmp_path / "report.png"
    args = [browser, "--headless", "--disable-gpu", "--hide-scrollbars", "--window-size=1000,900",
            "--host-resolver-rules=MAP * ~NOTFOUND",  # offline: a report that needs the network shows less
            f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", report.as_uri()]
    if os.geteuid() == 0:
        args.insert(1, "--no-sandbox")
    proc = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert shot.is_file(), proc.stderr[-2000:]
    with Image.open(shot) as img:
        colours = img.convert("RGB").getcolors(maxcolors=1 << 16)
    assert colours is None or len(colours) > 10, "the screenshot is blank"
