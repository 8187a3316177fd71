"""Batch (reference §2.7), change data capture (§2.8), plus the two odd writes: Preferences
(no Id, UpdateNoIdMixin) and invoice send."""

from __future__ import annotations

import json
from typing import Any

from . import clock, errors, query_exec, schema
from .entities import TYPES, ops
from .entities.common import WriteOpts
from .simstate import SimState
from .store import Company, Record

CDC_WINDOW_S = 30 * 86400
CDC_MAX = 1000
MAX_BID_WITH_REQUEST_ID = 10


def batch(sim: SimState, co: Company, body: Any, has_request_id: bool) -> bytes:
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        raise errors.required("BatchItemRequest")
    limit = sim.config.batch_max_items
    if len(items) > limit:
        # The code QBO enforces is unverified (§2.7); 1040 is the third-party-listed one.
        raise errors.validation("1040", "Batch size exceeds allowed limit",
                                f"The batch has {len(items)} items; at most {limit} are allowed")
    out = []
    for item in items:
        bid = str(item.get("bId", "")) if isinstance(item, dict) else ""
        try:
            if not isinstance(item, dict):
                raise errors.bad_request_body("BatchItemRequest entries must be objects")
            if has_request_id and len(bid) > MAX_BID_WITH_REQUEST_ID:
                raise errors.too_long("bId", MAX_BID_WITH_REQUEST_ID, len(bid))
            out.append({"bId": bid, **_batch_item(co, item)})
        except errors.ApiError as exc:
            fault = exc.payload.get("Fault", {})
            out.append({"bId": bid, "Fault": {"type": fault.get("type", "ValidationFault"),
                                              "Error": fault.get("Error", [])}})
    return json.dumps({"BatchItemResponse": out, "time": clock.iso_ms(clock.now())}).encode()


def _batch_item(co: Company, item: dict[str, Any]) -> dict[str, Any]:
    if "Query" in item:
        return {"QueryResponse": query_exec.run_dict(co, str(item["Query"]))}
    names = [k for k in item if k in TYPES]
    if len(names) != 1:
        raise errors.bad_request_body("Each batch item needs exactly one entity or a Query")
    entity, payload = names[0], item[names[0]]
    op = str(item.get("operation", "")).lower()
    options = str(item.get("optionsData", "")).lower()
    if op == "create":
        rec = ops.create(co, entity, payload if isinstance(payload, dict) else {}, WriteOpts())
    elif op == "update" and options == "void":
        rec = ops.void(co, entity, payload)   # QBO: a void inside a batch is update + optionsData void
    elif op == "update":
        rec = ops.update(co, entity, payload if isinstance(payload, dict) else {}, WriteOpts())
    elif op == "delete":
        rec = ops.delete(co, entity, payload)
        return {entity: {"Id": rec.id, "status": "Deleted", "domain": "QBO"}}
    else:
        raise errors.required("operation")
    return {entity: rec.data}


def cdc(co: Company, query: dict[str, str]) -> bytes:
    names = [n.strip() for n in query.get("entities", "").split(",") if n.strip()]
    if not names:
        raise errors.required("entities")
    raw_since = query.get("changedSince", "")
    if not raw_since:
        raise errors.required("changedSince")
    since = clock.parse_datetime(raw_since)
    if since is None:
        raise errors.validation("2080", "Invalid Date", f"changedSince: {raw_since!r}", "changedSince")
    if since < clock.now() - CDC_WINDOW_S:
        # The exact QBO code for this is undocumented; the 30-day window itself is (§2.8).
        raise errors.business("changedSince must be within the last 30 days", "changedSince")
    found: list[tuple[str, list[Record]]] = []
    for name in names:
        info = schema.entity(name)
        if info is None or not info.cdc:  # QBO: only the entities its CDC page lists
            raise errors.unsupported(f"CDC is not supported for {name}")
        entity = info.name
        found.append((entity, [r for r in co.records.get(entity, {}).values() if r.updated >= since]))
    budget = sorted((r.updated for _, recs in found for r in recs))[:CDC_MAX]
    cutoff = budget[-1] if len(budget) == CDC_MAX else None
    responses = []
    for entity, recs in found:
        keep = sorted((r for r in recs if cutoff is None or r.updated <= cutoff), key=lambda r: r.updated)
        responses.append({entity: [r.out() for r in keep], "startPosition": 1, "maxResults": len(keep)}
                         if keep else {})
    return json.dumps({"CDCResponse": [{"QueryResponse": responses}],
                       "time": clock.iso_ms(clock.now())}).encode()


def send_invoice(co: Company, ident: str, send_to: str | None, entity: str = "Invoice") -> Record:
    rec = ops.existing(co, entity, ident)
    address = send_to or (rec.data.get("BillEmail") or {}).get("Address")
    if not address:
        raise errors.required("BillEmail")
    ts = clock.now()
    rec.data.update(EmailStatus="EmailSent", BillEmail={"Address": address},
                    DeliveryInfo={"DeliveryType": "Email", "DeliveryTime": clock.iso_s(ts)})
    rec.data["SyncToken"] = str(int(rec.data["SyncToken"]) + 1)
    rec.data["MetaData"]["LastUpdatedTime"] = clock.iso_s(ts)
    rec.updated = ts
    rec.touch()
    co.emit(entity, rec.id, "Emailed", ts)
    return rec
