"""Control endpoints that read or edit records directly: test assertions and "a bookkeeper
edited this in QBO" (changes fire webhooks and show up in CDC like real ones)."""

from __future__ import annotations

from typing import Any

from . import clock, errors
from .entities import TYPES, ops
from .entities.common import WriteOpts, index_name
from .simstate import SimState
from .store import Company, Record
from .web import Request, Response, json_response

BOOKKEEPER = WriteOpts(internal=True, allow_dup_docnum=False)


def company(sim: SimState, realm: str) -> Company:
    co = sim.registry.get(realm)
    if co is None:
        raise errors.ApiError(404, {"error": "unknown_company", "realm_id": realm})
    return co


def _entity(name: str) -> str:
    for known in TYPES:
        if known.lower() == name.lower():
            return known
    raise errors.ApiError(404, {"error": "unknown_entity", "entity": name})


def _dump(rec: Record) -> dict[str, Any]:
    return {**rec.data, "_sim": {"deleted": rec.deleted, "voided": rec.voided,
                                 "active": rec.data.get("Active", True) is not False}}


def objects(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    co, entity = company(sim, m["realm"]), _entity(m["entity"])
    with co.lock:
        recs = sorted(co.records.get(entity, {}).values(), key=lambda r: (len(r.id), r.id))
        items = [_dump(r) for r in recs]
    return json_response({"entity": entity, "count": len(items), "objects": items})


def one_object(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    co, entity = company(sim, m["realm"]), _entity(m["entity"])
    with co.lock:
        rec = co.get(entity, m["id"])
        if rec is None:
            raise errors.ApiError(404, {"error": "not_found", "entity": entity, "id": m["id"]})
        return json_response(_dump(rec))


def write(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    """Create (no Id) or update (Id; sparse unless "sparse": false; SyncToken optional)."""
    co, entity = company(sim, m["realm"]), _entity(m["entity"])
    body = req.json()
    if not isinstance(body, dict):
        raise errors.bad_request_body("Expected an entity object")
    with co.lock:
        if body.get("Id"):
            body = {"sparse": True, **body}
            rec = ops.update(co, entity, body, BOOKKEEPER, check_token="SyncToken" in body)
        else:
            rec = ops.create(co, entity, body, BOOKKEEPER)
        return json_response({entity: rec.data})


def remove(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    co, entity = company(sim, m["realm"]), _entity(m["entity"])
    with co.lock:
        body = {"Id": m["id"]}
        rec = ops.delete(co, entity, body, check_token=False) if m["op"] == "delete" else \
            ops.void(co, entity, body, check_token=False)
        return json_response({entity: rec.out()})


def merge(sim: SimState, req: Request, m: dict[str, str]) -> Response:
    """QBO merge of two customers: the source's transactions move to the target and the source
    disappears (deleted stub in CDC); a "merged" webhook fires for the target."""
    co, entity = company(sim, m["realm"]), _entity(m["entity"])
    if entity != "Customer":
        raise errors.unsupported("The simulator merges customers only")
    body = req.json() or {}
    with co.lock:
        source = ops.existing(co, entity, body.get("from"))
        target = ops.existing(co, entity, body.get("into"))
        ts = clock.now()
        for txn_entity, ident in sorted(co.by_customer.get(source.id, set())):
            ops.update(co, txn_entity, {"Id": ident, "sparse": True, "CustomerRef": {"value": target.id}},
                       BOOKKEEPER, check_token=False, ts=ts)
        source.deleted, source.updated = True, ts
        source.data["Active"] = False
        source.touch()
        index_name(co, "person", source.data["DisplayName"], None, entity, source.id)
        co.emit(entity, source.id, "Delete", ts)
        if co.listener is not None:
            sim.webhooks.emit(co.realm_id, entity, target.id, "Merge", ts, {"deletedId": source.id})
        return json_response({"merged": source.id, "into": target.id})
