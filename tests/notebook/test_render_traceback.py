"""R3.9: in Jupyter a parameter error shows as its short list of issues, not a long traceback."""

from __future__ import annotations

from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output


def test_parameter_error_shows_as_a_short_list() -> None:
    shell = InteractiveShell.instance()
    try:
        with capture_output() as shown:
            shell.run_cell("from lokonb.notebook import setup\nworker_cuont = 3\n"
                           "P = setup('render_flatcar', globals())")
    finally:
        InteractiveShell.clear_instance()
    text = shown.stdout + shown.stderr
    assert text.strip().splitlines() == [
        "invalid parameters for render_flatcar:",
        "  - worker_cuont (notebook): unknown parameter; valid names: cluster, asset_dir, roles, snippets, "
        "ignition_version, external_validate, previous_render, output_dir, progress",
    ]
