"""The public names of §3 are the functions and classes themselves, also on first access in a fresh process."""

from __future__ import annotations

import subprocess
import sys
import types

import lokonb.flatcar as flatcar


def test_exports_are_not_modules_in_a_fresh_interpreter() -> None:
    # `from pkg import name` where a submodule has the same name used to bind the submodule (translate).
    code = (
        "import types\n"
        "from lokonb.flatcar import __all__ as names\n"
        "ns = {}\n"
        "for n in names:\n"
        "    exec(f'from lokonb.flatcar import {n}', ns)\n"
        "bad = [n for n in names if isinstance(ns[n], types.ModuleType)]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


def test_translate_is_callable_after_its_implementation_is_imported() -> None:
    import lokonb.flatcar.translator  # noqa: F401 - the submodule import must not shadow the function

    assert not isinstance(flatcar.translate, types.ModuleType)
    t = flatcar.translate("storage:\n  files:\n    - path: /a\n      mode: 0644\n", target="3.3.0")
    assert t.ok and t.config["storage"]["files"][0]["path"] == "/a"
