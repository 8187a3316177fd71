"""Field-by-field merge of a QBO record into a local one.

Each key field is compared in its QBO form on three versions: ours (local now), theirs (QBO now) and the
base (what both sides last agreed on, kept on RemoteState). Changed on one side only → that side's value.
Changed on both sides to different values → the newer change wins and the conflict is logged.
Without a base (a mapping made before the inbound side knew it), a record edited here since its last
sync counts as changed on both sides; otherwise QuickBooks' value is taken.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from invoicing.money import to_cents


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the local attribute
    label: str
    theirs: Callable[[dict[str, Any]], str]  # QBO entity → comparable text
    ours: Callable[[Any], str]  # local object → the same text, in QBO's form
    to_local: Callable[[str], Any] = str
    max_length: int | None = None


@dataclass
class FieldConflict:
    spec: FieldSpec
    ours: str
    theirs: str
    winner: str  # "ours" | "theirs"


@dataclass
class MergeResult:
    merged: dict[str, str]
    remote: dict[str, str]
    take: dict[str, str] = field(default_factory=dict)  # fields to set locally from QBO
    keep: list[str] = field(default_factory=list)  # fields where ours stays and differs from QBO
    conflicts: list[FieldConflict] = field(default_factory=list)

    @property
    def push_needed(self) -> bool:
        return bool(self.keep)


def text(value: object) -> str:
    return " ".join(str(value or "").split())


def money(value: object) -> str:
    try:
        return str(to_cents(Decimal(str(value if value not in (None, "") else 0))))
    except (InvalidOperation, ValueError):
        return "0.00"


def flag(value: object) -> str:
    return "true" if value is not False and str(value).lower() != "false" else "false"


def ref_value(entity: dict[str, Any], key: str, inner: str) -> str:
    holder = entity.get(key) or {}
    return text(holder.get(inner, "")) if isinstance(holder, dict) else ""


def _ours_newer(ours_at: datetime | None, theirs_at: datetime | None) -> bool:
    """QBO times have whole seconds; compare ours at the same precision, and a tie goes to QuickBooks
    (the books are the accountant's)."""
    if ours_at is None:
        return False
    if theirs_at is None:
        return True
    return ours_at.replace(microsecond=0) > theirs_at


def merge(*, specs: list[FieldSpec], obj: Any, entity: dict[str, Any], base: dict[str, str] | None,
          edited_since_sync: bool, ours_at: datetime | None, theirs_at: datetime | None) -> MergeResult:
    result = MergeResult(merged={}, remote={})
    for spec in specs:
        ours, theirs = spec.ours(obj), spec.theirs(entity)
        result.remote[spec.name] = theirs
        winner = _decide(ours, theirs, (base or {}).get(spec.name), known_base=base is not None,
                         edited_since_sync=edited_since_sync, ours_at=ours_at, theirs_at=theirs_at, result=result,
                         spec=spec)
        result.merged[spec.name] = ours if winner == "ours" else theirs
        if ours != theirs:
            if winner == "ours":
                result.keep.append(spec.name)
            else:
                result.take[spec.name] = theirs
    return result


def _decide(ours: str, theirs: str, base: str | None, *, known_base: bool, edited_since_sync: bool,
            ours_at: datetime | None, theirs_at: datetime | None, result: MergeResult, spec: FieldSpec) -> str:
    if ours == theirs:
        return "ours"
    if known_base and base is not None:
        if ours == base:
            return "theirs"
        if theirs == base:
            return "ours"
    elif not edited_since_sync:
        return "theirs"
    winner = "ours" if _ours_newer(ours_at, theirs_at) else "theirs"
    result.conflicts.append(FieldConflict(spec=spec, ours=ours, theirs=theirs, winner=winner))
    return winner
