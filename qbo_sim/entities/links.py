"""Links QBO keeps between transactions: an Invoice made from an Estimate closes the estimate
and both list each other in ``LinkedTxn`` (Intuit's Estimate and Invoice pages)."""

from __future__ import annotations

from typing import Any

from .. import clock, errors
from ..store import Company, Record


def link_estimates(co: Company, invoice: Record, old: dict[str, Any] | None, ts: float) -> None:
    """An invoice whose LinkedTxn names an Estimate closes it; both sides list each other."""
    before = {lt["TxnId"] for lt in (old or {}).get("LinkedTxn", []) if lt.get("TxnType") == "Estimate"}
    now = set() if invoice.deleted else {
        lt["TxnId"] for lt in invoice.data.get("LinkedTxn", []) if lt.get("TxnType") == "Estimate"}
    for est_id in before ^ now:
        est = co.get("Estimate", est_id)
        if est is None or est.deleted:
            continue
        links = [lt for lt in est.data.get("LinkedTxn", []) if lt.get("TxnId") != invoice.id]
        if est_id in now and not invoice.deleted:
            links.append({"TxnId": invoice.id, "TxnType": "Invoice"})
        est.data["LinkedTxn"] = links
        est.data["TxnStatus"] = "Closed" if links else "Pending"
        est.data["SyncToken"] = str(int(est.data["SyncToken"]) + 1)
        est.data["MetaData"]["LastUpdatedTime"] = clock.iso_s(ts)
        est.updated = ts
        est.touch()
        co.emit("Estimate", est_id, "Update", ts)


def estimate_links(co: Company, body: dict[str, Any], old: Record | None) -> list[dict[str, str]]:
    """The LinkedTxn an invoice write may set: Estimates (checked); payments stay server-owned."""
    out = list(old.data.get("LinkedTxn", [])) if old else []   # kept: links are never dropped by an update
    have = {lt["TxnId"] for lt in out if lt.get("TxnType") == "Estimate"}
    for link in body.get("LinkedTxn") or []:
        if not isinstance(link, dict) or link.get("TxnType") != "Estimate":
            continue
        est = co.get("Estimate", str(link.get("TxnId", "")))
        if est is None or est.deleted:
            raise errors.invalid_ref("Estimate", str(link.get("TxnId")), "LinkedTxn")
        if est.data["CustomerRef"]["value"] != body["CustomerRef"]["value"]:
            raise errors.business(f"Estimate {est.id} belongs to another customer", "LinkedTxn")
        if est.id not in have:
            out.append({"TxnId": est.id, "TxnType": "Estimate"})
            have.add(est.id)
    return out
