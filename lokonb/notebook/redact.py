"""Secret detection and scrubbing (§7): by name, by value pattern and by known value.

A :class:`Redactor` collects known secret values (secret-named environment variables, the AWS shared credentials
file, kubeconfig tokens/passwords/client keys, values registered by the library) and rewrites them, their base64,
JSON-escaped and HTML-escaped forms, and everything matching the secret patterns, to ``***REDACTED***``. It counts
what it replaced (never what it was).
"""

from __future__ import annotations

import base64
import configparser
import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from lokonb.errors import kind_name, wrong_kind

MASK = "***REDACTED***"

#: Names (parameter, environment variable, dict key) whose values are secret; case-insensitive substrings.
SECRET_NAME = re.compile(
    r"secret|password|passwd|token|private_?key|privatekey|client[_-]?key|credential|api_?key|apikey|"
    r"aws_access_key_id",
    re.I,
)

_PATTERNS: tuple[re.Pattern[str], ...] = (
    # PEM private keys, also JSON-escaped (\n as two characters) and truncated ones
    re.compile(r"-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(-----END \1PRIVATE KEY-----|\Z)", re.S),
    re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"),
    # kubeconfig / config style "token: X", "client-key-data: X", "password=X" (not a Go type name such as
    # "*core.Secret: unable to transform key", which the apiserver logs with an error after it)
    re.compile(
        r"(?i)(?<!\.)((?:token|client-key-data|client_key_data|password|passwd|secret)[\"']?\s*[:=]\s*[\"']?)"
        r"(?!\*\*\*REDACTED)(?!(?:true|false|null|none)\b)([^\s\"',}&<]{4,})"  # a flag ("secret": true) is no secret
    ),
    # an Authorization header's credentials, whatever the scheme (Basic user:password in base64, a bare token)
    re.compile(
        r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?(?:(?:basic|bearer|digest|token|negotiate|aws4-hmac-sha256)\s+"
        r"(?=[^\s\"',}&<]{8})|(?=[^\s\"',}&<]{16})))(?!\*\*\*REDACTED)([^\s\"',}&<]+)"  # no scheme: a long value only
    ),
    # the password of a URL (scheme://user:password@host): webhook, proxy, endpoint and database URLs
    re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^\s/:@\"'<>]*:)(?!\*\*\*REDACTED)([^\s/@\"'<>]+)(?=@)"),
    # a SigV4 signature (presigned S3 URLs, Authorization headers): with it the URL is a credential on its own
    re.compile(r"(?i)(\b(?:x-amz-)?signature=)([0-9a-f]{64})\b"),
    # a 40-character base64 string next to a secret-like key (not bare: every git hash would match)
    re.compile(
        r"(?i)((?:secret|aws_secret_access_key|session_token)[A-Za-z_\"']*\s*[:=]\s*[\"']?)"
        r"([A-Za-z0-9/+]{40})"
    ),
)

_MIN_KNOWN = 8


def _forms(value: str) -> set[str]:
    """The forms a secret value takes in artefacts: exact, base64, JSON-escaped, HTML-escaped, repr."""
    out = {value}
    try:
        out.add(base64.b64encode(value.encode()).decode())
    except Exception:  # noqa: BLE001, S110 - any encodable str works; this never fails in practice
        pass
    out.add(json.dumps(value)[1:-1])
    out.add(html.escape(value))
    out.add(html.escape(json.dumps(value)[1:-1]))
    out.add(repr(value)[1:-1])
    if "\n" in value:  # multi-line secrets (PEM): also each long line alone
        out.update(line.strip() for line in value.splitlines() if len(line.strip()) >= 16)
    return {form for form in out if len(form) >= _MIN_KNOWN}


class Redactor:
    """Scrubs text and JSON-like structures; ``count`` is the number of replacements made so far."""

    def __init__(self, known: Iterable[str] = ()) -> None:
        self._known: set[str] = set()
        self.count = 0
        self._regex: re.Pattern[str] | None = None
        self.add(known)

    def add(self, values: Iterable[str]) -> None:
        for value in values:
            if isinstance(value, str) and len(value) >= _MIN_KNOWN:
                self._known.update(_forms(value))
        self._regex = None

    @property
    def known_count(self) -> int:
        return len(self._known)

    def _known_regex(self) -> re.Pattern[str] | None:
        if self._regex is None and self._known:
            ordered = sorted(self._known, key=len, reverse=True)  # longest first: no partial leftovers
            self._regex = re.compile("|".join(re.escape(v) for v in ordered))
        return self._regex

    def text(self, text: str) -> str:
        """Scrub one string."""
        if not text:
            return text
        regex = self._known_regex()
        if regex is not None:
            text, n = regex.subn(MASK, text)
            self.count += n
        for pattern in _PATTERNS:
            text, n = pattern.subn(self._replacement(pattern), text)
            self.count += n
        return text

    @staticmethod
    def _replacement(pattern: re.Pattern[str]) -> Any:
        if pattern.groups >= 2 and not pattern.pattern.startswith("-----"):
            return lambda m: m.group(1) + MASK
        if pattern.groups == 1 and "bearer" in pattern.pattern:
            return lambda m: m.group(1) + MASK
        return MASK

    def value(self, value: Any, key: str | None = None) -> Any:
        """Scrub a JSON-like value; values under secret-like keys are masked whole."""
        if (
            key is not None
            and SECRET_NAME.search(key)
            and value not in (None, "", [], {})
            and not isinstance(value, (bool, int, float))
        ):
            self.count += 1
            return MASK
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {k: self.value(v, str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [self.value(v) for v in value]
        return value

    def notebook(self, nb: Any, root: Path | None = None) -> Any:
        """Scrub an nbformat notebook in place (sources, outputs, metadata; R7.3) and return it."""
        md = nb.get("metadata", {})
        md.pop("widgets", None)
        pm = md.get("papermill")
        if isinstance(pm, dict):
            for key in ("input_path", "output_path"):
                if pm.get(key):
                    pm[key] = _project_relative(str(pm[key]), root)
            if isinstance(pm.get("parameters"), dict):
                pm["parameters"] = self.value(pm["parameters"])
            if isinstance(pm.get("exception"), str):
                pm["exception"] = self.text(pm["exception"])
        if "lokonb" in md:
            md["lokonb"] = self.value(md["lokonb"])
        for cell in nb.get("cells", []):
            src = cell.get("source", "")
            cell["source"] = self.text("".join(src) if isinstance(src, list) else src)
            cell.get("metadata", {}).pop("widgets", None)
            for output in cell.get("outputs", []) or []:
                self._output(output)
        return nb

    def _output(self, output: Any) -> None:
        if "text" in output:
            text = output["text"]
            output["text"] = self.text("".join(text) if isinstance(text, list) else text)
        if "data" in output:
            data = output["data"]
            for mime in list(data):
                item = data[mime]
                if isinstance(item, str):
                    data[mime] = self.text(item)
                elif isinstance(item, list):
                    data[mime] = (
                        self.text("".join(item))
                        if all(isinstance(x, str) for x in item)
                        else self.value(item)
                    )
                else:
                    data[mime] = self.value(item)
        if "evalue" in output:
            output["evalue"] = self.text(str(output["evalue"]))
        if "traceback" in output:
            output["traceback"] = [self.text(line) for line in output["traceback"]]


def _project_relative(path: str, root: Path | None) -> str:
    if path.startswith("s3://") or not os.path.isabs(path):
        return path
    if root is not None:
        try:
            return str(Path(path).resolve().relative_to(root))
        except ValueError:
            pass
    return Path(path).name


# ---------------------------------------------------------------------------------------------------------------
# Known values
# ---------------------------------------------------------------------------------------------------------------


#: secret-sounding names that hold where a secret is, not the secret (``AWS_SHARED_CREDENTIALS_FILE``,
#: ``AWS_WEB_IDENTITY_TOKEN_FILE``): masking the path hid which file an error was about
_LOCATION_NAME = re.compile(r"_(?:FILES?|PATH|DIR)$", re.I)


def env_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of secret-named environment variables (AWS keys, tokens, passwords...), not those naming a file."""
    env = os.environ if environ is None else environ
    return [v for k, v in env.items()
            if (SECRET_NAME.search(k) and not _LOCATION_NAME.search(k)) or k in ("AWS_SESSION_TOKEN",)]


def _regular_file(path: Path) -> bool:
    """Whether ``path`` is a regular file; one the user cannot even stat (``sudo -u`` keeping another user's HOME:
    ``/root/.aws/credentials``) holds nothing a command could read either, and stopped every command with
    "Permission denied" or a traceback from inside the error handler."""
    try:
        return path.is_file()
    except OSError:
        return False


def aws_file_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """Static keys in the AWS shared credentials and config files (every profile; no network)."""
    env = os.environ if environ is None else environ
    files = [
        env.get("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
        env.get("AWS_CONFIG_FILE", "~/.aws/config"),
    ]
    out: list[str] = []
    for name in files:
        path = Path(name).expanduser()
        if not _regular_file(path):
            continue
        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, OSError, UnicodeDecodeError):
            continue
        for section in parser.sections():
            for key, value in parser.items(section):
                if SECRET_NAME.search(key) or key in ("aws_session_token",):
                    out.append(value.strip())
    return out


def kubeconfig_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """Tokens, passwords and client keys (encoded and decoded) of the kubeconfig files in use."""
    env = os.environ if environ is None else environ
    paths = env.get("KUBECONFIG") or "~/.kube/config"
    return [value for name in paths.split(os.pathsep) if name for value in kubeconfig_file_secrets(name)]


def kubeconfig_file_secrets(name: str | os.PathLike[str]) -> list[str]:
    """Tokens, passwords and client keys of one kubeconfig file (none when it is missing or unreadable)."""
    path = Path(name).expanduser()
    out: list[str] = []
    if not _regular_file(path):
        return out
    try:
        import yaml

        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except Exception:  # noqa: BLE001 - an unreadable kubeconfig holds nothing we can learn
        return out
    # a hand-edited file of another shape (a list, users: a map) holds no secret we can find; it crashed here,
    # before the kubeconfig reader could name the file
    users = doc.get("users") if isinstance(doc, dict) else None
    for user in users if isinstance(users, list) else []:
        fields = user.get("user") if isinstance(user, dict) else None
        if not isinstance(fields, dict):
            continue
        for key in ("token", "password", "client-key-data", "client-key"):
            value = fields.get(key)
            if not isinstance(value, str):
                continue
            out.append(value)
            if key == "client-key-data":
                try:
                    out.append(base64.b64decode(value).decode())
                except Exception:  # noqa: BLE001, S110 - not base64: the encoded form is enough
                    pass
        out.extend(_plugin_secrets(fields))
    return out


def _plugin_secrets(fields: Mapping[str, Any]) -> list[str]:
    """Secret-named values of a kubeconfig user's ``auth-provider.config`` (OIDC ``id-token``, ``refresh-token``,
    ``client-secret``) and ``exec.env`` (``{name: API_TOKEN, value: ...}``): tokens as much as ``token`` is."""
    out: list[str] = []
    provider = fields.get("auth-provider")
    config = provider.get("config") if isinstance(provider, dict) else None
    if isinstance(config, dict):
        out += [v for k, v in config.items() if isinstance(v, str) and SECRET_NAME.search(str(k))]
    plugin = fields.get("exec")
    env = plugin.get("env") if isinstance(plugin, dict) else None
    for item in env if isinstance(env, list) else []:
        if isinstance(item, dict) and isinstance(item.get("value"), str) and SECRET_NAME.search(str(item.get("name"))):
            out.append(item["value"])
    return out


def from_environment(environ: Mapping[str, str] | None = None) -> Redactor:
    """A redactor knowing every secret reachable from this process's environment and credential files."""
    return Redactor([*env_secrets(environ), *aws_file_secrets(environ), *kubeconfig_secrets(environ)])


_PROCESS_REDACTOR: list[Redactor] = []


def default_redactor() -> Redactor:
    """The process's redactor (built once from the environment); :func:`register_secret` adds to it."""
    if not _PROCESS_REDACTOR:
        _PROCESS_REDACTOR.append(from_environment())
    return _PROCESS_REDACTOR[0]


def secret_values(values: Iterable[Any]) -> list[str]:
    """The strings of :func:`register_secret`'s arguments: a list/tuple/set of them is flattened and bytes are
    decoded (both were skipped without a word, so the secret was printed unredacted); None (an unset variable) is
    nothing to hide; any other kind is an error naming it."""
    out: list[str] = []
    for i, value in enumerate(values):
        items = value if isinstance(value, list | tuple | set | frozenset) else [value]
        for item in items:
            if isinstance(item, bytes | bytearray):
                item = bytes(item).decode("utf-8", "replace")
            if item is None:
                continue
            if not isinstance(item, str):
                from lokonb.notebook.exceptions import UsageError

                raise UsageError(f"register_secret(): argument {i + 1} must be the secret text (str, bytes, or a "
                                 f"list of them), got {kind_name(item)}; nothing registered from it")
            out.append(item)
    return out


def register_secret(*values: str) -> None:
    """Tell the scrubber about secret values the library loaded (e.g. a kubeconfig token); values shorter than
    8 characters are not scrubbed (they would mask ordinary words)."""
    default_redactor().add(secret_values(values))


def scrub(text: str) -> str:
    """Scrub one string with the process's redactor (for display, logs and records inside a kernel); None is
    returned as is."""
    if text is not None and not isinstance(text, str):  # 5 ended in "expected string or bytes-like object"
        from lokonb.notebook.exceptions import UsageError

        raise UsageError(wrong_kind("scrub", "text", "a string (scrub_value() scrubs JSON-like values)", text))
    return default_redactor().text(text)


def scrub_value(value: Any) -> Any:
    """Scrub a JSON-like value with the process's redactor."""
    return default_redactor().value(value)
