"""Generic create / update / delete / void flows shared by the API, batch and control writes.
Callers hold ``co.lock``."""

from __future__ import annotations

from typing import Any

from .. import clock, errors
from ..store import Company, Record
from . import TYPES
from .books import deposited_in
from .common import EntityType, WriteOpts, strip_junk
from .invoice import void_invoice
from .links import link_estimates
from .payment import relink, unlink_invoice, void_payment
from .people import refresh_balance
from .taxcalc import recomputable


def entity_type(name: str) -> EntityType:
    et = TYPES.get(name)
    if et is None:
        raise errors.unsupported(f"Entity {name} is not supported")
    return et


def finalize(ident: str, sync_token: str, data: dict[str, Any], created: float, ts: float) -> dict[str, Any]:
    out = {"Id": ident, "SyncToken": sync_token, **data, "domain": "QBO", "sparse": False,
           "MetaData": {"CreateTime": clock.iso_s(created), "LastUpdatedTime": clock.iso_s(ts)}}
    return out


def save(co: Company, name: str, body: Any, opts: WriteOpts, *, check_token: bool = True) -> tuple[Record, str]:
    """Create when ``Id`` is absent (python-quickbooks rule), else update. Returns (record, op)."""
    if not isinstance(body, dict):
        raise errors.bad_request_body(f"Expected a {name} object")
    ident = body.get("Id")
    if ident in (None, "", 0, "0"):
        return create(co, name, body, opts), "Create"
    return update(co, name, body, opts, check_token=check_token), "Update"


def create(co: Company, name: str, body: dict[str, Any], opts: WriteOpts, ts: float | None = None) -> Record:
    et = entity_type(name)
    if not et.creatable and not opts.internal:
        raise errors.unsupported(f"Operation Create is not supported for {name}")
    ts = clock.now() if ts is None else ts
    data = et.prepare(co, et.clean(body, opts.internal), None, opts, ts)
    if opts.internal and "Id" in body:  # fixtures use well-known ids (TaxCode "TAX", Preferences "1")
        ident = str(body["Id"])
    else:
        ident = co.next_id(name)
    rec = Record(name, ident, finalize(ident, "0", data, ts, ts), ts)
    co.insert(rec)
    et.after_write(co, None, rec, ts)
    co.emit(name, ident, "Create", ts)
    return rec


def _sync_token(body: dict[str, Any], rec: Record) -> None:
    sent = body.get("SyncToken")
    if sent in (None, ""):
        raise errors.required("SyncToken")
    try:
        sent_text = str(int(float(sent)))  # python-quickbooks may echo an int
    except (TypeError, ValueError):
        sent_text = str(sent)
    if sent_text != rec.data["SyncToken"]:
        raise errors.stale(rec.entity, sent_text, rec.data["SyncToken"])


def existing(co: Company, name: str, ident: Any) -> Record:
    rec = co.get(name, str(ident))
    if rec is None or rec.deleted:
        raise errors.not_found(name, str(ident))
    return rec


def update(co: Company, name: str, body: dict[str, Any], opts: WriteOpts, *, check_token: bool = True,
           ts: float | None = None) -> Record:
    et = entity_type(name)
    if not et.updatable and not opts.internal:
        raise errors.unsupported(f"Operation Update is not supported for {name}")
    rec = existing(co, name, body.get("Id"))
    if check_token:
        _sync_token(body, rec)
    ts = clock.now() if ts is None else ts
    cleaned = et.clean(body, opts.internal)
    if body.get("sparse") in (True, "true"):
        # QBO sparse update: only the fields sent change; "" cannot clear DisplayName.
        merged = {**et.writable(rec.data), **cleaned}
        if "Line" in cleaned and "TxnTaxDetail" not in cleaned and "TxnTaxDetail" in merged:
            merged["TxnTaxDetail"] = recomputable(merged["TxnTaxDetail"])
    else:
        # QBO full update: every writable field missing from the body becomes null.
        merged = cleaned
    data = et.prepare(co, merged, rec, opts, ts)
    old = rec.data
    rec.data = finalize(rec.id, str(int(old["SyncToken"]) + 1), data, rec.created, ts)
    rec.updated = ts
    rec.touch()
    et.after_write(co, old, rec, ts)
    co.emit(name, rec.id, "Update", ts)
    return rec


def delete(co: Company, name: str, body: Any, *, check_token: bool = True) -> Record:
    et = entity_type(name)
    if not et.deletable:
        # QBO: name lists have no delete; set Active=false instead.
        raise errors.unsupported(f"Operation Delete is not supported for {name}")
    if not isinstance(body, dict):
        raise errors.bad_request_body("Expected an object with Id and SyncToken")
    rec = existing(co, name, body.get("Id"))
    if check_token:
        _sync_token(body, rec)
    ts = clock.now()
    old = rec.data
    if name == "Invoice":
        unlink_invoice(co, rec.id, ts)
    if name in ("Payment", "SalesReceipt") and (holder := deposited_in(co, name, rec.id)):
        raise errors.business(f"This transaction is in deposit {holder}; remove it from the deposit first")
    rec.deleted, rec.updated = True, ts
    rec.data = {**old, "SyncToken": str(int(old["SyncToken"]) + 1)}
    rec.data["MetaData"] = {**old["MetaData"], "LastUpdatedTime": clock.iso_s(ts)}
    rec.touch()
    if name == "Payment":
        et.after_write(co, old, rec, ts)
    else:
        _refresh_customer(co, rec)
    if name == "Invoice":
        link_estimates(co, rec, old, ts)
    co.emit(name, rec.id, "Delete", ts)
    return rec


def void(co: Company, name: str, body: Any, *, check_token: bool = True) -> Record:
    et = entity_type(name)
    if not et.voidable:
        raise errors.unsupported(f"Operation Void is not supported for {name}")
    if not isinstance(body, dict):
        raise errors.bad_request_body("Expected an object with Id and SyncToken")
    rec = existing(co, name, body.get("Id"))
    if check_token:
        _sync_token(body, rec)
    ts = clock.now()
    old = strip_junk(dict(rec.data))
    if name in ("Payment", "SalesReceipt") and (holder := deposited_in(co, name, rec.id)):
        raise errors.business(f"This transaction is in deposit {holder}; remove it from the deposit first")
    if name == "Invoice":
        unlink_invoice(co, rec.id, ts)
        void_invoice(co, rec)
    elif name == "Payment":
        void_payment(co, rec)
    else:
        void_invoice(co, rec)  # QBO zeroes every voided sales form the same way
    rec.data["SyncToken"] = str(int(rec.data["SyncToken"]) + 1)
    rec.data["MetaData"]["LastUpdatedTime"] = clock.iso_s(ts)
    rec.updated = ts
    rec.touch()
    if name == "Payment":
        relink(co, rec, old, ts)
    else:
        _refresh_customer(co, rec)
    co.emit(name, rec.id, "Void", ts)
    return rec


def _refresh_customer(co: Company, rec: Record) -> None:
    customer = (rec.data.get("CustomerRef") or {}).get("value")
    if customer:
        refresh_balance(co, customer)
