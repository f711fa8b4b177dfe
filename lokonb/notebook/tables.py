"""How DataFrames look in notebooks and reports (notebooks.md R6.4).

pandas HTML with its header row, numeric columns right-aligned and text left-aligned, and at most
:data:`MAX_ROWS` rows followed by "N more rows in results.json". :func:`register` installs it as the kernel's HTML
formatter for DataFrames, so a plain ``display(df)`` follows the rule in JupyterLab, in headless runs and in the
report.
"""

from __future__ import annotations

import itertools
from typing import Any

MAX_ROWS = 200
_IDS = itertools.count(1)


def dataframe_html(df: Any, max_rows: int = MAX_ROWS) -> str:
    """The HTML table of ``df``: at most ``max_rows`` rows, numeric columns right-aligned, the rest left-aligned."""
    import pandas as pd

    shown = df.head(max_rows)
    table_id = f"lokonb-t{next(_IDS)}"  # not "lokonb-table-N", filter_table's display ids
    body = shown.to_html(table_id=table_id, classes="lokonb-table", border=0, max_rows=None,
                         max_cols=None)
    offset = shown.index.nlevels  # index cells come first in every body row
    # a header cell per column only when the columns are flat (a MultiIndex spans several header rows)
    scope = f"#{table_id} tr" if not isinstance(shown.columns, pd.MultiIndex) else f"#{table_id} tbody tr"
    numeric = [
        i + offset + 1
        for i, dtype in enumerate(shown.dtypes)
        if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    ]
    rules = [f"#{table_id} th, #{table_id} td {{ text-align: left; }}"]
    rules += [f"{scope} > :nth-child({n}) {{ text-align: right; }}" for n in numeric]
    html = f'<style type="text/css">{" ".join(rules)}</style>\n{body}'
    more = len(df) - len(shown)
    if more > 0:
        html += f"\n<p>{more} more rows in results.json</p>"
    return html


def register() -> None:
    """Make :func:`dataframe_html` the HTML formatter of DataFrames in the running IPython kernel (if any)."""
    try:
        import pandas as pd
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - both are dependencies
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.formatters["text/html"].for_type(pd.DataFrame, dataframe_html)
