"""What a company holds, read from its records: object counts per entity and the duplicates a
blind retry leaves behind (``GET /_sim/companies/{realm}/stats``, the home page)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from typing import Any

from .store import Company


def _norm(text: Any) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().casefold()


def duplicates(co: Company) -> dict[str, list[list[str]]]:
    """Records that differ only by Id: what a sync engine leaves behind after a blind retry.

    Customers/Vendors/Items by normalised name (case and whitespace folded: QBO's uniqueness
    check lets "Acme  Ltd" and "acme ltd" through), invoices by DocNumber + customer + amount.
    """
    keys: dict[str, Any] = {
        "Customer": lambda d: _norm(d.get("DisplayName")),
        "Item": lambda d: _norm(d.get("Name")),
        "Invoice": lambda d: (d.get("DocNumber"), (d.get("CustomerRef") or {}).get("value"),
                              d.get("TotalAmt")),
    }
    out: dict[str, list[list[str]]] = {}
    for entity, key_of in keys.items():
        groups: dict[Any, list[str]] = defaultdict(list)
        for rec in co.records.get(entity, {}).values():
            if not rec.deleted:
                groups[key_of(rec.data)].append(rec.id)
        out[entity] = sorted(ids for ids in groups.values() if len(ids) > 1)
    return out


def object_counts(co: Company) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for entity, recs in co.records.items():
        if not recs:
            continue
        c = Counter[str]()
        for rec in recs.values():
            c["total"] += 1
            if rec.deleted:
                c["deleted"] += 1
            elif rec.voided:
                c["voided"] += 1
            elif rec.data.get("Active", True) is False:
                c["inactive"] += 1
            else:
                c["active"] += 1
        counts[entity] = {k: c.get(k, 0) for k in ("total", "active", "inactive", "deleted", "voided")}
    return counts
