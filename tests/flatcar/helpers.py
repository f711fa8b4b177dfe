"""Decoding helpers for assertions on rendered configs."""

from __future__ import annotations

from typing import Any

from lokonb.flatcar.diff import decoded_contents


def files(cfg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in (cfg.get("storage") or {}).get("files") or []}


def text(cfg: dict[str, Any], path: str) -> str:
    data = decoded_contents(files(cfg)[path].get("contents"))
    assert isinstance(data, bytes)
    return data.decode("utf-8")


def units(cfg: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {u["name"]: u for u in (cfg.get("systemd") or {}).get("units") or []}
