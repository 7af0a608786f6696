"""Keyword parameters as the scenario file spells them: ``time_limit_s`` → ``time-limit-s``, nested tables
merged key by key over the scenario's own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def kebab(value: Any) -> Any:
    """``value`` with every mapping key's underscores turned into hyphens, recursively (values untouched)."""
    if isinstance(value, Mapping):
        return {str(k).replace("_", "-"): kebab(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [kebab(v) for v in value]
    return value


def merged(base: Mapping[str, Any] | None, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` with ``overrides`` laid over it: tables merge key by key, anything else replaces."""
    out: dict[str, Any] = dict(base or {})
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out
