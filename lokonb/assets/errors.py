"""Errors of the asset step."""

from __future__ import annotations

from lokonb.errors import ConfigError, OperationFailed


class AssetError(OperationFailed):
    """Asset material could not be read, generated or written (message names the file)."""


class AssetModelError(ConfigError):
    """The cluster model cannot produce valid assets (e.g. a service CIDR too small); names the field."""


class AssetCheckError(OperationFailed):
    """``lokonb assets check`` found problems; ``problems`` lists one message per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            f"{len(self.problems)} problem(s) in the cluster assets:\n"
            + "\n".join(f"  - {p}" for p in self.problems)
        )
