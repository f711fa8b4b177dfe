"""The README's configuration reference stays true: every attribute of the model is listed there."""

from __future__ import annotations

from lokonb.config.fields import AWS_FIELDS, CLUSTER_FIELDS, OIDC_FIELDS, POOL_FIELDS, STATE_FIELDS


def test_readme_lists_every_attribute(repo_root):
    readme = (repo_root / "README.md").read_text()
    section = readme[readme.index("### Configuration reference"):readme.index("<!-- /section:config -->")]
    for prefix, table in (("", CLUSTER_FIELDS), ("", POOL_FIELDS), ("oidc.", OIDC_FIELDS), ("aws.", AWS_FIELDS),
                          ("state.", STATE_FIELDS)):
        for field in table:
            assert f"| `{prefix}{field.name}` |" in section, f"{prefix}{field.name} missing from README"
