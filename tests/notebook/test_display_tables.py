"""R6.4 tables: numeric columns right-aligned, text left, at most 200 rows then "N more rows in results.json"."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from lokonb.notebook.tables import MAX_ROWS, dataframe_html, register


def _right_aligned(html: str) -> set[int]:
    return {int(n) for n in re.findall(r"> :nth-child\((\d+)\) \{ text-align: right; \}", html)}


@pytest.mark.parametrize(("frame", "right"), [
    # the index is the first cell of a row: column k is child k + 1 (+1 per extra index level)
    (pd.DataFrame({"role": ["a"], "size": [1], "ok": [True], "pct": [1.5]}), {3, 5}),
    (pd.DataFrame({"n": pd.array([1, None], dtype="Int64"), "s": pd.array(["x", None], dtype="string")}), {2}),
    (pd.DataFrame({"v": [1.0, 2.0]}, index=pd.MultiIndex.from_tuples([("a", 1), ("b", 2)])), {3}),
    (pd.DataFrame({"when": pd.to_datetime(["2026-01-01"], utc=True), "text": ["x"]}), set()),
])
def test_numeric_columns_right_text_left(frame: pd.DataFrame, right: set[int]) -> None:
    html = dataframe_html(frame)
    assert _right_aligned(html) == right
    table_id = re.search(r'id="(lokonb-t\d+)"', html).group(1)
    assert f"#{table_id} th, #{table_id} td {{ text-align: left; }}" in html
    assert "<thead>" in html and 'class="dataframe lokonb-table"' in html


def test_at_most_200_rows_then_a_note() -> None:
    html = dataframe_html(pd.DataFrame({"x": range(MAX_ROWS + 7)}))
    assert html.count("<tr>") == MAX_ROWS and html.rstrip().endswith("<p>7 more rows in results.json</p>")
    small = dataframe_html(pd.DataFrame({"x": range(MAX_ROWS)}))
    assert small.count("<tr>") == MAX_ROWS and "more rows" not in small


def test_register_makes_display_use_it() -> None:
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        register()
        data, _meta = shell.display_formatter.format(pd.DataFrame({"size": [1], "name": ["a"]}))
        assert "lokonb-table" in data["text/html"] and _right_aligned(data["text/html"]) == {2}
    finally:
        InteractiveShell.clear_instance()


def test_filter_table_shows_the_same_table(monkeypatch: pytest.MonkeyPatch) -> None:
    """filter_table's static table (headless reports) follows the same rules: filtered, aligned, capped."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.utils.capture import capture_output

    from lokonb.notebook.widgets import filter_table

    monkeypatch.setenv("LOKONB_HEADLESS", "1")
    InteractiveShell.instance()
    try:
        frame = pd.DataFrame({"ns": ["a"] * (MAX_ROWS + 3) + ["b"], "count": range(MAX_ROWS + 4)})
        with capture_output() as out:
            filter_table(frame, filters=["ns"], default={"ns": "a"})
        html = out.outputs[0].data["text/html"]
        assert html.count("<tr>") == MAX_ROWS and html.rstrip().endswith("<p>3 more rows in results.json</p>")
        assert _right_aligned(html) == {3} and ">b<" not in html
    finally:
        InteractiveShell.clear_instance()
