"""Kubernetes label keys/values and label selectors: validation, parsing, matching (NetworkPolicy
semantics)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from lokonb.kube.errors import PolicyInputError

_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_NAME_PART = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")

#: matchExpressions operators and whether they take values.
OPERATORS: Mapping[str, bool] = {"In": True, "NotIn": True, "Exists": False, "DoesNotExist": False}


def label_key_error(key: object) -> str | None:
    """Why ``key`` is not a valid label key, or None."""
    if not isinstance(key, str) or not key:
        return "a label key must be a non-empty string"
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not _DNS1123_SUBDOMAIN.match(prefix)):
        return f"prefix {prefix!r} of label key {key!r} must be a DNS subdomain (lowercase, '-', '.')"
    if len(name) > 63 or not _NAME_PART.match(name):
        return (
            f"label key {key!r}: the name part must be 1-63 characters, alphanumeric, '-', '_' or '.', "
            "starting and ending with an alphanumeric character"
        )
    return None


def label_value_error(value: object) -> str | None:
    """Why ``value`` is not a valid label value, or None."""
    if not isinstance(value, str):
        return f"label value {value!r} must be a string"
    if len(value) > 63 or not _VALUE.match(value):
        return (
            f"label value {value!r} must be at most 63 characters, alphanumeric, '-', '_' or '.', "
            "starting and ending with an alphanumeric character (or empty)"
        )
    return None


#: Label namespaces and well-known keys the kubelet may set on its own Node (NodeRestriction admission).
KUBELET_LABEL_PREFIXES = ("node.kubernetes.io", "kubelet.kubernetes.io")
KUBELET_WELL_KNOWN_LABELS = (
    "kubernetes.io/arch", "kubernetes.io/hostname", "kubernetes.io/os",
    "topology.kubernetes.io/region", "topology.kubernetes.io/zone",
    "beta.kubernetes.io/arch", "beta.kubernetes.io/os", "beta.kubernetes.io/instance-type",
    "node.kubernetes.io/instance-type",
    "failure-domain.beta.kubernetes.io/region", "failure-domain.beta.kubernetes.io/zone",
)


def kubelet_label_error(key: str) -> str | None:
    """Why the kubelet may not set node label ``key`` itself (``--node-labels``), or None."""
    prefix, slash, _name = key.rpartition("/")
    if slash and (prefix.endswith("kubernetes.io") or prefix.endswith("k8s.io")) \
            and prefix not in KUBELET_LABEL_PREFIXES and key not in KUBELET_WELL_KNOWN_LABELS:
        return (f"label key {key!r}: kubelet may not set labels in the kubernetes.io/k8s.io namespaces "
                "(allowed: node.kubernetes.io/*, kubelet.kubernetes.io/*, well-known topology labels)")
    return None


def dns1123_label_error(value: object, what: str = "name") -> str | None:
    """Why ``value`` is not a DNS-1123 label (namespace names), or None."""
    if not isinstance(value, str) or not value:
        return f"{what} must not be empty"
    if len(value) > 63 or not _DNS1123_LABEL.match(value):
        return f"{what} {value!r} must be a DNS-1123 label: at most 63 lowercase alphanumerics or '-'"
    return None


def dns1123_subdomain_error(value: object, what: str = "name") -> str | None:
    """Why ``value`` is not a DNS-1123 subdomain (object names), or None."""
    if not isinstance(value, str) or not value:
        return f"{what} must not be empty"
    if len(value) > 253 or not _DNS1123_SUBDOMAIN.match(value):
        return f"{what} {value!r} must be a DNS-1123 subdomain: lowercase alphanumerics, '-' or '.'"
    return None


@dataclass(frozen=True)
class Requirement:
    """One matchExpressions entry."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "In":
            return present and labels[self.key] in self.values
        if self.operator == "NotIn":
            return not present or labels[self.key] not in self.values
        if self.operator == "Exists":
            return present
        return not present  # DoesNotExist

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key, "operator": self.operator}
        if OPERATORS[self.operator]:
            out["values"] = list(self.values)
        return out


@dataclass(frozen=True)
class LabelSelector:
    """A Kubernetes LabelSelector: matchLabels AND matchExpressions; the empty selector selects everything."""

    match_labels: tuple[tuple[str, str], ...] = ()
    match_expressions: tuple[Requirement, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.match_labels and not self.match_expressions

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        labels = labels or {}
        return all(labels.get(k) == v for k, v in self.match_labels) and all(
            r.matches(labels) for r in self.match_expressions
        )

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.match_labels:
            out["matchLabels"] = dict(self.match_labels)
        if self.match_expressions:
            out["matchExpressions"] = [r.to_dict() for r in self.match_expressions]
        return out

    def describe(self) -> str:
        """Kubernetes selector syntax, e.g. ``app=web,tier in (a,b)``; ``(all pods)`` when empty."""
        parts = [f"{k}={v}" for k, v in self.match_labels]
        for r in self.match_expressions:
            parts.append(
                {
                    "In": f"{r.key} in ({','.join(r.values)})",
                    "NotIn": f"{r.key} notin ({','.join(r.values)})",
                    "Exists": r.key,
                    "DoesNotExist": f"!{r.key}",
                }[r.operator]
            )
        return ",".join(parts) or "(all pods)"

    @classmethod
    def parse(cls, data: Any, field: str = "selector") -> LabelSelector:
        """Build from a dict (``matchLabels``/``matchExpressions``), a LabelSelector, or None (empty).

        Raises :class:`PolicyInputError` naming ``field`` for any invalid key, value or operator.
        """
        if data is None:
            return cls()
        if isinstance(data, LabelSelector):
            return data
        if not isinstance(data, Mapping):
            raise PolicyInputError(
                field, f"must be a mapping with matchLabels/matchExpressions, got {data!r}"
            )
        unknown = set(data) - {"matchLabels", "matchExpressions"}
        if unknown:
            raise PolicyInputError(
                field, f"unknown key(s) {sorted(unknown)}; allowed: matchLabels, matchExpressions"
            )
        labels = data.get("matchLabels") or {}
        if not isinstance(labels, Mapping):
            raise PolicyInputError(f"{field}.matchLabels", "must be a mapping of label key to value")
        pairs = []
        for key, value in labels.items():
            err = label_key_error(key) or label_value_error(value)
            if err:
                raise PolicyInputError(f"{field}.matchLabels", err)
            pairs.append((key, value))
        exprs = data.get("matchExpressions") or []
        if not isinstance(exprs, Sequence) or isinstance(exprs, str):
            raise PolicyInputError(f"{field}.matchExpressions", "must be a list")
        reqs = []
        for i, expr in enumerate(exprs):
            where = f"{field}.matchExpressions[{i}]"
            if not isinstance(expr, Mapping):
                raise PolicyInputError(where, "must be a mapping with key, operator and values")
            key, op, values = expr.get("key"), expr.get("operator"), expr.get("values")
            err = label_key_error(key)
            if err:
                raise PolicyInputError(f"{where}.key", err)
            if op not in OPERATORS:
                raise PolicyInputError(
                    f"{where}.operator", f"unknown operator {op!r}; allowed: " + ", ".join(OPERATORS)
                )
            if OPERATORS[str(op)]:
                if not values or not isinstance(values, Sequence) or isinstance(values, str):
                    raise PolicyInputError(
                        f"{where}.values", f"operator {op} needs a non-empty list of values"
                    )
                for v in values:
                    err = label_value_error(v)
                    if err:
                        raise PolicyInputError(f"{where}.values", err)
            elif values:
                raise PolicyInputError(f"{where}.values", f"operator {op} takes no values")
            reqs.append(Requirement(str(key), str(op), tuple(values or ())))
        return cls(tuple(pairs), tuple(reqs))

    @classmethod
    def from_strings(cls, items: Sequence[str], field: str = "selector") -> LabelSelector:
        """Parse ``KEY=VALUE`` items (and the set-based forms ``KEY in (a,b)``, ``KEY notin (a)``, ``KEY``,
        ``!KEY``) into a selector; equality items become matchLabels."""
        labels: dict[str, str] = {}
        exprs: list[dict[str, Any]] = []
        # kubectl's `-l app=web,tier in (a,b)` form: split on the commas outside parentheses
        parts = [(item, part) for item in items for part in _split_top_level(item)]
        for item, part in parts:
            text = part.strip()
            m = re.match(
                r"^(!?)\s*([^\s=!(),]+)\s*(?:(==|=|!=)\s*([^\s=!(),]*)|\s+(in|notin)\s*\(([^)]*)\))?$", text
            )
            if not m or not text:
                raise PolicyInputError(
                    field,
                    f"cannot parse {item!r}; use KEY=VALUE, 'KEY in (A,B)', 'KEY notin (A)', KEY or !KEY",
                )
            neg, key, eq, value, setop, values = m.groups()
            if neg and (eq or setop):
                raise PolicyInputError(field, f"cannot parse {item!r}: '!' only goes with a bare KEY")
            if eq in ("=", "=="):
                if key in labels and labels[key] != value:
                    raise PolicyInputError(field, f"label {key!r} given twice with different values")
                labels[key] = value
            elif eq == "!=":
                exprs.append({"key": key, "operator": "NotIn", "values": [value]})
            elif setop:
                # as Kubernetes: `(a,,b)`, `(,a)` and `(a,)` hold the empty value too; `()` holds none
                vals = list(dict.fromkeys(v.strip() for v in values.split(","))) if values.strip() else []
                exprs.append({"key": key, "operator": "In" if setop == "in" else "NotIn", "values": vals})
            else:
                exprs.append({"key": key, "operator": "DoesNotExist" if neg else "Exists"})
        data: dict[str, Any] = {}
        if labels:
            data["matchLabels"] = labels
        if exprs:
            data["matchExpressions"] = exprs
        selector = cls.parse(data, field)
        contradiction = selector.contradiction()
        if contradiction:
            raise PolicyInputError(field, contradiction)
        return selector

    def contradiction(self) -> str | None:
        """Why no label set can match this selector (``app=a`` with ``app!=a`` or ``!app``...), else None."""
        for key in dict.fromkeys([k for k, _ in self.match_labels] + [r.key for r in self.match_expressions]):
            # the values `key` may take: None = any value; absent_ok = the label may be missing
            allowed: set[str] | None = None
            absent_ok, present_ok, excluded = True, True, set()
            said = [f"{k}={v}" for k, v in self.match_labels if k == key]
            for k, v in self.match_labels:
                if k == key:
                    allowed, absent_ok = {v} if allowed is None else allowed & {v}, False
            for r in self.match_expressions:
                if r.key != key:
                    continue
                said.append(LabelSelector(match_expressions=(r,)).describe())
                if r.operator == "In":
                    allowed = set(r.values) if allowed is None else allowed & set(r.values)
                    absent_ok = False
                elif r.operator == "NotIn":
                    excluded |= set(r.values)
                elif r.operator == "Exists":
                    absent_ok = False
                else:
                    present_ok = False
            if allowed is not None:
                allowed -= excluded
            if not absent_ok and (not present_ok or allowed == set()):
                return f"{' and '.join(said)} contradict: the selector matches no pod"
        return None


def _split_top_level(text: str) -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts
