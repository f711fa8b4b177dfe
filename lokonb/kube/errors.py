"""Errors of the Kubernetes area; ``str()`` is the message shown to the user."""

from __future__ import annotations

from lokonb.errors import ConfigError, OperationFailed


class KubeconfigError(ConfigError):
    """The kubeconfig file or context cannot be used (missing, unreadable, unknown context)."""


class PolicyInputError(ConfigError):
    """Bad input for a policy: invalid CIDR, label, selector, namespace, name or mode. Names the field."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


class DumpError(ConfigError):
    """A manifest dump that cannot be read or holds no pods (names the file, and the line when known)."""


class KubeApiError(OperationFailed):
    """The Kubernetes API refused or failed a request; the message names the object and what to do."""

    def __init__(self, message: str, *, status: int | None = None, object_ref: str | None = None) -> None:
        self.status = status
        self.object_ref = object_ref
        super().__init__(message)


class CalicoNotInstalled(KubeApiError):
    """The cluster serves no Calico GlobalNetworkPolicy resource (the CRD is missing)."""
