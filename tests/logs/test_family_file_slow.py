"""FAM-3: a user family without ``any``/``all`` literals loads, but is logged as slow (nothing narrows the
messages its regex is tried on); families with literals, and the packaged table, load without a note."""

from __future__ import annotations

import logging

from lokonb.logs import load_families


def test_family_without_literals_is_logged_as_slow(tmp_path, caplog):
    user = tmp_path / "families.yaml"
    user.write_text(
        "families:\n"
        "  - {name: with_literal, group: misc, any: [quota exceeded], verdict: harmless}\n"
        "  - name: regex_only\n"
        "    group: misc\n"
        "    regex: 'lease (?P<lease>\\S+) lost'\n"
        "    fields: {lease: str}\n"
        "    verdict: actionable\n"
        "    priority: high\n"
    )
    with caplog.at_level(logging.WARNING, logger="lokonb.logs"):
        table = load_families(user)
    assert "regex_only" in table.names
    notes = [r.getMessage() for r in caplog.records if r.name == "lokonb.logs"]
    assert len(notes) == 1, notes
    assert str(user) in notes[0] and "families[1]" in notes[0] and "'regex_only'" in notes[0]
    assert "slow" in notes[0]


def test_packaged_table_loads_without_notes(caplog):
    with caplog.at_level(logging.WARNING, logger="lokonb.logs"):
        load_families()
    assert not [r for r in caplog.records if r.name == "lokonb.logs"]
