"""QuickBooks' rules for names: what a DisplayName or item Name may hold, and the " (n)" suffix the sync
gives a record whose plain name QBO already holds. Push, import and the drift report share them."""

from __future__ import annotations

import re

_FORBIDDEN = re.compile(r"[:\t\r\n]+")
_SUFFIX = re.compile(r"(.*) \((\d+)\)")


def qbo_name(value: str, limit: int) -> str:
    """QBO rejects ':' (it separates parent:child names), tabs and newlines in names, and long names."""
    cleaned = _FORBIDDEN.sub(" - ", value)
    return " ".join(cleaned.split())[:limit].strip()


def suffixed(base: str, n: int, limit: int = 500) -> str:
    """`base` as QBO holds it with " (n)": the name the sync gives a record whose plain name QBO already
    holds (DisplayName is unique across customers, vendors and employees, inactive ones too)."""
    suffix = f" ({n})"
    return qbo_name(base, limit - len(suffix)) + suffix


def is_sync_rename(ours: str, theirs: str, limit: int = 500) -> bool:
    """QBO's name is the one the sync gave `ours` on purpose ("Name (2)", "Name (3)"…), not a difference."""
    match = _SUFFIX.fullmatch(theirs)
    return match is not None and int(match[2]) >= 2 and suffixed(ours, int(match[2]), limit) == theirs
