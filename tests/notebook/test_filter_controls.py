"""§8.3 filter_table in interactive mode: Dropdown, SelectMultiple and IntSlider controls whose callbacks update the
static table's display; headless, the same static table and no controls."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pandas as pd
import pytest

FRAME = pd.DataFrame({
    "ns": ["a", "a", "b", "c", None],
    "kind": ["pod", "svc", "pod", "pod", "svc"],
    "restarts": pd.array([0, 3, 7, 12, None], dtype="Int64"),
    "name": ["n0", "n1", "n2", "n3", "n4"],
})


@pytest.fixture
def shell() -> Iterator[None]:
    from IPython.core.interactiveshell import InteractiveShell

    InteractiveShell.instance()
    try:
        yield
    finally:
        InteractiveShell.clear_instance()


def _names(html: str) -> list[str]:
    return re.findall(r"<td>(n\d)</td>", html)


def _run(frame: pd.DataFrame, **kwargs: object) -> tuple[object, list[object]]:
    from IPython.utils.capture import capture_output

    from lokonb.notebook.widgets import filter_table

    with capture_output() as out:
        handle = filter_table(frame, **kwargs)
    return handle, out


def _shown(out: object) -> list[str]:
    """The rows of the table as last displayed or updated (the outputs a frontend would show)."""
    tables = [o for o in out.outputs if "lokonb-table" in o.data.get("text/html", "")]
    return _names(tables[-1].data["text/html"])


def test_each_kind_gets_its_control_and_updates_the_display(shell: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import ipywidgets as w
    from IPython.utils.capture import capture_output

    monkeypatch.delenv("LOKONB_HEADLESS", raising=False)
    with capture_output() as out:
        from lokonb.notebook.widgets import filter_table

        handle = filter_table(FRAME, filters={"ns": "dropdown", "kind": "multiple", "restarts": "slider"},
                              default={"kind": ["pod"]})
        assert _shown(out) == ["n0", "n2", "n3"]
        controls = handle.controls
        assert isinstance(controls["ns"], w.Dropdown)
        assert isinstance(controls["kind"], w.SelectMultiple)
        assert isinstance(controls["restarts"], w.IntSlider)
        assert controls["ns"].options[0] == ("all", None) and controls["ns"].value is None
        assert controls["kind"].value == ("pod",)
        slider = controls["restarts"]
        assert (slider.min, slider.max, slider.value, slider.continuous_update) == (0, 12, 0, True)
        # the controls are displayed after the static table, in one row
        assert any("application/vnd.jupyter.widget-view+json" in o.data for o in out.outputs)

        slider.value = 5
        assert out.outputs[-1].update and _shown(out) == ["n2", "n3"]
        controls["ns"].value = "b"
        assert _shown(out) == ["n2"]
        controls["ns"].value = None
        controls["kind"].value = ("svc",)
        assert _shown(out) == []
        slider.value = 3
        assert _shown(out) == ["n1"]
        controls["kind"].value = ()  # an empty selection keeps every row
        assert _shown(out) == ["n1", "n2", "n3"]
        slider.value = 0  # the slider at its minimum keeps every row, missing values too
        assert _shown(out) == ["n0", "n1", "n2", "n3", "n4"]
    # every update goes to the display of the static table
    ids = {o.transient["display_id"] for o in out.outputs if "lokonb-table" in o.data.get("text/html", "")}
    assert len(ids) == 1


def test_kinds_follow_the_default_when_only_columns_are_named(shell: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import ipywidgets as w
    from IPython.utils.capture import capture_output

    from lokonb.notebook.widgets import filter_table

    monkeypatch.delenv("LOKONB_HEADLESS", raising=False)
    with capture_output() as out:
        handle = filter_table(FRAME, filters=["ns", "kind"], default={"ns": "a", "kind": ("svc", "job")})
        assert isinstance(handle.controls["ns"], w.Dropdown) and handle.controls["ns"].value == "a"
        multi = handle.controls["kind"]
        assert isinstance(multi, w.SelectMultiple) and multi.value == ("svc", "job")
        assert [v for _label, v in multi.options] == ["pod", "svc", "job"]  # a default absent from the data
        assert _shown(out) == ["n1"]
        multi.value = ("pod",)
        assert _shown(out) == ["n0"]


def test_slider_on_a_large_frame_updates_on_release(shell: None, monkeypatch: pytest.MonkeyPatch) -> None:
    from IPython.utils.capture import capture_output

    from lokonb.notebook.widgets import LARGE_FRAME, filter_table

    monkeypatch.delenv("LOKONB_HEADLESS", raising=False)
    big = pd.DataFrame({"n": range(LARGE_FRAME + 1)})
    with capture_output() as out:
        slider = filter_table(big, filters={"n": "slider"}, default={"n": LARGE_FRAME - 1}).controls["n"]
        assert slider.continuous_update is False
        assert (slider.min, slider.max, slider.value) == (0, LARGE_FRAME, LARGE_FRAME - 1)
        assert re.findall(r"<td>(\d+)</td>", out.outputs[0].data["text/html"]) == [str(LARGE_FRAME - 1),
                                                                                     str(LARGE_FRAME)]
        slider.value = LARGE_FRAME
        assert re.findall(r"<td>(\d+)</td>", out.outputs[-1].data["text/html"]) == [str(LARGE_FRAME)]


def test_headless_shows_the_default_view_without_controls(shell: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOKONB_HEADLESS", "1")
    handle, out = _run(FRAME, filters={"ns": "dropdown", "kind": "multiple", "restarts": "slider"},
                       default={"kind": ["pod", "svc"], "restarts": 3})
    assert handle.controls == {}
    assert len(out.outputs) == 1 and not any("widget-view" in k for k in out.outputs[0].data)
    assert _shown(out) == ["n1", "n2", "n3"]  # missing values pass no filter
    _handle, out = _run(FRAME, filters=["ns"], default={"ns": "a"})
    assert _shown(out) == ["n0", "n1"]
    _handle, out = _run(FRAME, filters="kind", default={"kind": "svc"})  # one column as a string
    assert _shown(out) == ["n1", "n4"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"filters": {"name": "slider"}}, "a slider needs an integer column"),
    ({"filters": {"restarts": "slider"}, "default": {"restarts": 2.5}}, "a slider's default is an int"),
    ({"filters": {"ns": "range"}}, "unknown filter kind 'range'"),
    ({"filters": {"ns": "dropdown"}, "default": {"ns": ["a"]}}, "a dropdown takes one default value"),
    ({"filters": ["nope"]}, "no column 'nope'"),
    ({"filters": "nope"}, "no column 'nope'"),  # one string is one column, not the letters n, o, p, e
    # -1 cut the last row off silently (df.head(-1)); "5" raised a TypeError from pandas
    ({"max_rows": -1}, "max_rows must be a whole number of rows, 1 or more"),
    ({"max_rows": 0}, "max_rows must be a whole number of rows, 1 or more"),
    ({"max_rows": "5"}, "max_rows must be a whole number of rows, 1 or more"),
    ({"max_rows": True}, "max_rows must be a whole number of rows, 1 or more"),
])
def test_bad_filters_are_refused(shell: None, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises((ValueError, KeyError), match=message):
        _run(FRAME, **kwargs)


def test_slider_default_outside_the_data(shell: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """A slider default at or below the column's minimum keeps every row (missing values too); above its maximum
    the slider's range grows to show it, and the table is empty."""
    from IPython.utils.capture import capture_output

    from lokonb.notebook.widgets import filter_table

    monkeypatch.delenv("LOKONB_HEADLESS", raising=False)
    with capture_output() as out:
        low = filter_table(FRAME, filters={"restarts": "slider"}, default={"restarts": -4}).controls["restarts"]
        assert _shown(out) == ["n0", "n1", "n2", "n3", "n4"] and (low.min, low.value) == (0, 0)
        high = filter_table(FRAME, filters={"restarts": "slider"}, default={"restarts": 20}).controls["restarts"]
        assert _shown(out) == [] and (high.max, high.value) == (20, 20)
