"""``record(name, value, summary=..., label=...)`` with a summary or label of the wrong kind (round 5 of the bad-input
sweep): ``summary="no"`` is true in Python, and the entry went into results.json as it was, which the results
schema refuses, so ``lokonb results``/``report`` called the run's own results file "edited by hand". Such an entry is
now a RecordError in the notebook's cell, naming the argument."""

from __future__ import annotations

import pytest

from lokonb.notebook.exceptions import RecordError
from lokonb.notebook.results import _shape_problems, encode

BAD = [
    ({"summary": "no"}, "record('x'): summary must be True or False, got 'no'"),
    ({"summary": None}, "record('x'): summary must be True or False, got None"),
    ({"summary": 1}, "summary must be True or False, got 1"),
    ({"label": 5}, "record('x'): label must be text or None, got 5"),
    ({"label": ["a"]}, "label must be text or None"),
]


@pytest.mark.parametrize("kwargs,fragment", BAD, ids=[f"{next(iter(b[0]))}-{i}" for i, b in enumerate(BAD)])
def test_wrong_kind_is_a_record_error(kwargs: dict, fragment: str) -> None:
    with pytest.raises(RecordError) as exc:
        encode("x", 1, **kwargs)
    assert fragment in str(exc.value)


@pytest.mark.parametrize("kwargs", [{}, {"summary": True}, {"label": "Lines read", "summary": False}])
def test_accepted_entries_pass_the_results_schema(kwargs: dict) -> None:
    entry = encode("x", [1, 2], **kwargs)
    assert _shape_problems({"results": {"x": entry}}) == []
