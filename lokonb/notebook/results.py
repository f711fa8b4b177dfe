"""Recording results from inside a notebook (instead of the unmaintained scrapbook)."""

from __future__ import annotations

import json
from typing import Any

#: MIME type under which a recorded result travels in a display_data output.
RESULT_MIME = "application/vnd.lokonb.result+json"


def _jsonable(value: Any) -> Any:
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict) and type(value).__name__ == "DataFrame":
        return {"columns": [str(c) for c in value.columns], "records": json.loads(value.to_json(orient="records"))}
    json.dumps(value)  # raises TypeError for values that cannot be recorded
    return value


def record(name: str, value: Any) -> None:
    """Record ``value`` under ``name`` in the executing notebook's outputs (JSON-serialisable or a DataFrame)."""
    from IPython.display import display

    display({RESULT_MIME: {"name": name, "value": _jsonable(value)}}, raw=True)
