"""Kubeconfig and context loading with the official ``kubernetes`` client, with clear errors."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from lokonb.errors import kind_name
from lokonb.inputfile import read_text
from lokonb.kube.errors import KubeconfigError

IN_CLUSTER = "in-cluster"


def default_kubeconfig() -> Path:
    """``$KUBECONFIG`` (its first existing entry) or ``~/.kube/config``."""
    paths = kubeconfig_paths()
    return next((p for p in paths if p.is_file()), paths[0])


def kubeconfig_paths() -> list[Path]:
    """The entries of ``$KUBECONFIG`` (a list, as kubectl reads it) or ``~/.kube/config``."""
    env = [e for e in os.environ.get("KUBECONFIG", "").split(os.pathsep) if e.strip()]
    return [Path(e).expanduser() for e in env] or [Path("~/.kube/config").expanduser()]


def _merge_kubeconfigs(paths: list[Path]) -> dict[str, Any]:
    """kubectl's merge of a ``$KUBECONFIG`` list: the first file to name a cluster, user or context wins, and the
    first non-empty current-context wins (the Python client lets the last file's current-context win)."""
    merged: dict[str, Any] = {"clusters": [], "users": [], "contexts": [], "current-context": None}
    for path in paths:
        list_contexts(path)  # unreadable files are errors naming the file
        doc = _read(path)
        for key in ("clusters", "users", "contexts"):
            seen = {item.get("name") for item in merged[key]}
            merged[key] += [i for i in doc.get(key) or [] if isinstance(i, dict) and i.get("name") not in seen]
        merged["current-context"] = merged["current-context"] or doc.get("current-context")
    return merged


def _not_a_file(path: Path) -> str:
    """Why ``path`` is no kubeconfig file: a pipe or device exists but was reported "not found"."""
    if os.path.lexists(path) and not os.path.exists(path):
        return "is a broken symlink or a symlink loop"
    if os.path.exists(path):
        # <(sops -d kubeconfig), /dev/null: the file is read several times (by lokonb and by the client)
        return ("is not a regular file (a pipe, socket or device); the kubeconfig is read more than once: "
                "save it to a file and give that")
    return "not found (set --kubeconfig, the kubeconfig parameter or $KUBECONFIG)"


def list_contexts(kubeconfig: str | Path) -> tuple[list[str], str | None]:
    """Context names in a kubeconfig and its current context (KubeconfigError when unreadable)."""
    import yaml

    path = Path(kubeconfig).expanduser()
    if path.is_dir():
        raise KubeconfigError(f"kubeconfig {path} is a directory; give the kubeconfig file")
    if not path.is_file():
        raise KubeconfigError(f"kubeconfig {path} {_not_a_file(path)}")
    try:
        doc = yaml.safe_load(read_text(path))
    except UnicodeDecodeError as exc:
        raise KubeconfigError(f"cannot read kubeconfig: not UTF-8 text (byte {exc.start})", file=str(path)) from None
    except OSError as exc:
        raise KubeconfigError(f"cannot read kubeconfig: {exc.strerror or exc.__class__.__name__}",
                              file=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise KubeconfigError(
            "kubeconfig is not valid YAML", file=str(path), line=mark.line + 1 if mark else None
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("contexts") or [], list):
        raise KubeconfigError(
            "not a kubeconfig (expected a mapping with clusters, users and contexts)", file=str(path)
        )
    names = [str(c["name"]) for c in doc.get("contexts") or [] if isinstance(c, dict) and c.get("name")]
    current = doc.get("current-context")
    return names, str(current) if current else None


def _read(path: Path) -> dict[str, Any]:
    import yaml

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}  # list_contexts has reported these already
    return doc if isinstance(doc, dict) else {}


def _named(items: Any, name: str) -> dict[str, Any] | None:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("name") == name:
            return item
    return None


def check_context_user(path: Path, context: str) -> None:
    """Problems the ``kubernetes`` client only logs before going on without credentials (the API then answers
    401 and the cause is lost): the context's user missing from ``users``, its exec plugin not installed."""
    doc = _read(path)
    ctx = (_named(doc.get("contexts"), context) or {}).get("context")
    cluster_name = ctx.get("cluster") if isinstance(ctx, dict) else None
    cluster = (_named(doc.get("clusters"), str(cluster_name)) or {}).get("cluster") if cluster_name else None
    server = cluster.get("server") if isinstance(cluster, dict) else None
    if isinstance(server, str) and server.strip() and "://" not in server:
        # client-go (kubectl) adds https:// to a bare host when TLS is configured; the Python client went to
        # http://HOST:80 with a urllib3 warning, so the two tools disagreed about the same file
        raise KubeconfigError(f"cluster {cluster_name!r}: server {server!r} has no scheme (allowed: an https:// or "
                              f"http:// URL, e.g. https://{server.strip()})", file=str(path))
    user_name = ctx.get("user") if isinstance(ctx, dict) else None
    if not user_name:
        return  # no user: anonymous access, as kubectl
    user = _named(doc.get("users"), str(user_name))
    if user is None:
        known = [str(u.get("name")) for u in doc.get("users") or [] if isinstance(u, dict)]
        raise KubeconfigError(f"context {context!r} names user {user_name!r}, which is not in users "
                              f"({', '.join(known) or 'none'})", file=str(path))
    provider = (user.get("user") or {}).get("auth-provider") if isinstance(user.get("user"), dict) else None
    name = provider.get("name") if isinstance(provider, dict) else None
    if name in _REMOVED_PROVIDERS:
        raise KubeconfigError(f"user {user_name!r} uses the auth-provider {name!r}, which kubectl removed in 1.26 "
                              f"and the client cannot use: switch the user to {_REMOVED_PROVIDERS[name]}",
                              file=str(path))
    exec_ = (user.get("user") or {}).get("exec") if isinstance(user.get("user"), dict) else None
    command = exec_.get("command") if isinstance(exec_, dict) else None
    if command and not _runnable(str(command), path.parent):
        raise KubeconfigError(f"user {user_name!r} gets its credentials from the exec plugin {command!r}, which is "
                              "not installed or not executable (install it, or put it on PATH)", file=str(path))


#: auth-providers kubectl no longer has (the Python client crashed on gcp with an AttributeError) -> what replaces them
_REMOVED_PROVIDERS = {
    "gcp": "the exec plugin gke-gcloud-auth-plugin (gcloud components install gke-gcloud-auth-plugin)",
    "azure": "the exec plugin kubelogin (kubelogin convert-kubeconfig)",
}


@contextmanager
def _credential_errors() -> Iterator[list[str]]:
    """The client only logs (root logger, ERROR) a failing exec plugin - exit status, undecodable output - and goes
    on without credentials, so the API's 401 or a connection error hid the cause: collect those messages."""
    seen: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if record.levelno >= logging.ERROR and record.getMessage().startswith("exec:"):
                seen.append(record.getMessage())

    handler = _Collect()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield seen
    finally:
        root.removeHandler(handler)


def _raise_for_credentials(seen: list[str], context: str, where: str | None) -> None:
    if seen:
        raise KubeconfigError(f"context {context!r}: the user's exec plugin gave no credentials ({'; '.join(seen)});"
                              " kubectl fails the same way: fix the plugin or its configuration", file=where)


def _runnable(command: str, base: Path) -> bool:
    import shutil

    if "/" not in command:
        return shutil.which(command) is not None
    candidate = Path(command).expanduser()
    candidate = candidate if candidate.is_absolute() else base / candidate  # as kubectl: beside the kubeconfig
    return candidate.is_file() and os.access(candidate, os.X_OK)


def _register_secrets(path: Path) -> None:
    """The scrubber learns the secrets of ``$KUBECONFIG`` at start; a file given as ``--kubeconfig`` or the
    kubeconfig parameter is learnt here, so an API error that echoes its token (a 401 body) is masked too."""
    from lokonb.notebook.redact import kubeconfig_file_secrets, register_secret

    register_secret(kubeconfig_file_secrets(path))


def load_api_client(kubeconfig: str | Path | None = None, context: str | None = None) -> Any:
    """Return a ``kubernetes.client.ApiClient`` for a kubeconfig file and context.

    ``kubeconfig=None`` uses ``$KUBECONFIG`` or ``~/.kube/config``; ``"in-cluster"`` (or None with no file
    but a
    service-account environment, as in a CronJob) uses the in-cluster configuration. ``context=None`` uses the
    file's current context. Raises :class:`KubeconfigError` naming the file and the available contexts.
    """
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    if kubeconfig is not None and not isinstance(kubeconfig, str | os.PathLike):  # 5: a TypeError from pathlib
        raise KubeconfigError(f"kubeconfig must be the path of a kubeconfig file (str or Path), {IN_CLUSTER!r} or "
                              f"None, got {kind_name(kubeconfig)}")
    if kubeconfig == IN_CLUSTER or (
        kubeconfig is None
        and not default_kubeconfig().is_file()
        and os.environ.get("KUBERNETES_SERVICE_HOST")
    ):
        try:
            cfg = client.Configuration()
            config.load_incluster_config(client_configuration=cfg)
        except ConfigException as exc:
            raise KubeconfigError(f"in-cluster configuration unavailable: {exc}") from None
        return client.ApiClient(cfg)
    path = Path(kubeconfig).expanduser() if kubeconfig else default_kubeconfig()
    if kubeconfig is None and len(kubeconfig_paths()) > 1:
        return _client_from_list(context)
    _register_secrets(path)
    names, current = list_contexts(path)
    if context is not None and context not in names:
        raise KubeconfigError(
            f"context {context!r} not found; available contexts: {', '.join(names) or 'none'}", file=str(path)
        )
    if context is None and not current:
        raise KubeconfigError(
            f"no current-context set; choose one with --context ({', '.join(names) or 'none'})",
            file=str(path),
        )
    check_context_user(path, context or str(current))
    try:
        with _credential_errors() as seen:
            api_client = config.new_client_from_config(config_file=str(path), context=context)
        _raise_for_credentials(seen, context or str(current), str(path))
        return api_client
    except ConfigException as exc:
        raise KubeconfigError(
            f"invalid kubeconfig for context {context or current!r}: {exc}", file=str(path)
        ) from None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise KubeconfigError(
            f"cannot use kubeconfig: {exc.__class__.__name__}: {exc}", file=str(path)
        ) from None


def _client_from_list(context: str | None) -> Any:
    """``$KUBECONFIG`` with several files (``dev.yaml:prod.yaml``): merged as kubectl does; missing entries are
    skipped (kubectl too), all missing is an error naming them. Only the first entry was read before: contexts
    of the other files were "not found" and the first file's lack of a current-context an error."""
    from kubernetes import config
    from kubernetes.config.config_exception import ConfigException

    entries = kubeconfig_paths()
    existing = [p for p in entries if p.is_file()]
    if not existing:
        raise KubeconfigError(f"none of the $KUBECONFIG files exist ({', '.join(map(str, entries))}); set "
                              "--kubeconfig, the kubeconfig parameter or $KUBECONFIG")
    merged = _merge_kubeconfigs(existing)
    where = f"$KUBECONFIG ({os.pathsep.join(map(str, existing))})"
    names = [str(c["name"]) for c in merged["contexts"] if c.get("name")]
    chosen = context or merged["current-context"]
    if context is not None and context not in names:
        raise KubeconfigError(f"context {context!r} not found in {where}; available contexts: "
                              f"{', '.join(names) or 'none'}")
    if not chosen:
        raise KubeconfigError(f"no current-context set in {where}; choose one with --context "
                              f"({', '.join(names) or 'none'})")
    for path in existing:  # the user is checked in the file kubectl takes it from
        if _named(_read(path).get("contexts"), str(chosen)) is not None:
            check_context_user(path, str(chosen))
            break
    try:
        with _credential_errors() as seen:
            api_client = config.new_client_from_config(config_file=os.pathsep.join(map(str, existing)),
                                                       context=chosen)
        _raise_for_credentials(seen, str(chosen), where)
        return api_client
    except ConfigException as exc:
        raise KubeconfigError(f"invalid kubeconfig for context {chosen!r} in {where}: {exc}") from None
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise KubeconfigError(f"cannot use {where}: {exc.__class__.__name__}: {exc}") from None
