"""Re-reading entities from QBO after webhooks, which carry ids only and may arrive late or out of order.

Reads are metered by Intuit and count against the per-company rate, so ids are fetched with one query per
up to 100 of them (`Id IN (...)`). An id the query does not return is read alone: a name-list record made
inactive (queries hide those), or a 610 Object Not Found, which means QBO deleted it."""

from __future__ import annotations

from typing import Any

from integrations.inbound.common import deleted_stub
from integrations.qbo.client import QboClient
from integrations.qbo.errors import QboNotFound

CHUNK = 100


def _in_clause(ids: list[str]) -> str:
    # Ids are QBO's own (digits); quote them anyway, escaping as the client does for values.
    quoted = ", ".join("'" + i.replace("\\", "\\\\").replace("'", "\\'") + "'" for i in ids)
    return f"Id IN ({quoted})"


def fetch_many(client: QboClient, entity: str, ids: list[str]) -> dict[str, dict[str, Any]]:
    """Id → the entity as QBO has it now (a deleted stub when QBO no longer has it)."""
    found: dict[str, dict[str, Any]] = {}
    unique = sorted(set(ids), key=lambda i: (len(i), i))
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start:start + CHUNK]
        rows = client.query(f"SELECT * FROM {entity} WHERE {_in_clause(chunk)} MAXRESULTS 1000").get(entity, [])
        found.update({str(row["Id"]): row for row in rows})
    for qbo_id in unique:
        if qbo_id not in found:
            found[qbo_id] = fetch_one(client, entity, qbo_id)
    return found


def fetch_one(client: QboClient, entity: str, qbo_id: str) -> dict[str, Any]:
    try:
        return client.get(entity, qbo_id)
    except QboNotFound:
        return deleted_stub(qbo_id)
