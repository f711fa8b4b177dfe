"""Every value keeps its source (notebooks.md R3.5), also one with no scalar in it (`allow: []`, `tags: {}`): the
report's parameter table said `api` for those, as if no set file had given them."""

from __future__ import annotations

import pytest

from lokonb.notebook.execute import RunRequest, gather
from lokonb.notebook.params import validate
from lokonb.notebook.schemas import REGISTRY

SET = """\
# a set whose lists are empty
source: sample
blocked_cidrs:
  - 169.254.169.254/32
allow: []
"""

# (notebook, set text, -y texts, parameter, expected source: a line of the set file, or -y)
CASES = [
    ("metadata_access", SET, [], "allow", ":5"),
    ("metadata_access", SET, [], "blocked_cidrs", ":4"),
    ("metadata_access", SET, ["{allow: []}"], "allow", "-y"),
    ("apiserver_logs", "extra_probe_networks: []\nsources: [sample]\n", [], "extra_probe_networks", ":1"),
    ("apiserver_logs", "sources: [sample]\n<<: {extra_probe_networks: []}\n", [], "extra_probe_networks", ":2"),
]


@pytest.mark.parametrize(("notebook", "text", "yamls", "name", "where"), CASES,
                         ids=[f"{c[0]}-{c[3]}-{c[4]}" for c in CASES])
def test_source_of_a_value_without_scalars(tmp_path, notebook, text, yamls, name, where):
    path = tmp_path / "set.yaml"
    path.write_text(text)
    raw, sources, _label, origin = gather(RunRequest(notebook, files=[path], yaml_text=yamls), None)
    validated = validate(REGISTRY[notebook], raw, sources, origin=origin)
    source = validated.sources[name]
    if where == "-y":
        assert source == "-y"
    else:
        assert source.endswith(f"set.yaml{where}"), source
