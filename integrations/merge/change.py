"""One QBO entity as read back from QuickBooks, and QBO's timestamps."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Change:
    """One QBO entity that changed. `data` is the entity as QBO returned it from a read (a re-read after a
    webhook, or a CDC row) — never a webhook payload, which carries ids only."""

    entity: str
    qbo_id: str
    data: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. a merge's deletedId

    @property
    def deleted(self) -> bool:
        return self.data.get("status") == "Deleted"

    @property
    def sync_token(self) -> str:
        return str(self.data.get("SyncToken", ""))

    @property
    def updated_at(self) -> datetime | None:
        return parse_qbo_time((self.data.get("MetaData") or {}).get("LastUpdatedTime"))


def parse_qbo_time(value: object) -> datetime | None:
    """QBO and webhook timestamps: '2025-03-01T10:08:51-08:00', '...-0800', '...123456789Z'."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
