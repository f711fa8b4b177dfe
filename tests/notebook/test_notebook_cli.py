

def test_readme_notebook_parameter_tables_match_the_schemas():
    """README's parameter tables are `lokonb params NB --format markdown`: regenerate them when a schema changes."""
    from pathlib import Path

    from lokonb.cli.notebook import params_markdown
    from lokonb.notebook.schemas import REGISTRY

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for schema in REGISTRY.values():
        assert params_markdown(schema) in readme, f"README table of {schema.notebook} is stale"
