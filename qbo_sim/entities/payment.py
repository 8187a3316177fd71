"""Payment: applies amounts to invoices through LinkedTxn; the rest is UnappliedAmt (§5.5)."""

from __future__ import annotations

from typing import Any

from .. import clock, errors
from ..store import Company, Record
from .common import EntityType, WriteOpts, number, resolve_ref, set_default
from .currency import home_amounts, txn_currency
from .people import refresh_balance


class PaymentType(EntityType):
    name = "Payment"
    deletable = voidable = True
    readonly_fields = frozenset({"UnappliedAmt"})
    keep_empty_lists = frozenset({"Line"})  # "To remove all lines, send an empty Line list"

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        if old is not None and old.voided:
            raise errors.business("A voided transaction cannot be changed")
        d = dict(body)
        customer = resolve_ref(co, d, "CustomerRef", "Customer", required=True)
        assert customer is not None
        d["CurrencyRef"] = txn_currency(co, d, customer, opts)
        if d.get("TotalAmt") is None:
            raise errors.required("TotalAmt")
        total = d["TotalAmt"] = number(d["TotalAmt"], "TotalAmt")
        mine = co_applied_by(co, old.id) if old else {}
        applied = 0.0
        lines = []
        for raw in d.get("Line") or []:
            line = _payment_line(co, raw, customer.id, mine)
            applied += line["Amount"]
            lines.append(line)
        applied = round(applied, 2)
        if applied > total + 0.005:
            raise errors.business(f"The payment amount {total} is less than the amount applied ({applied})",
                                  "TotalAmt")
        d["Line"] = lines
        d["UnappliedAmt"] = round(total - applied, 2)
        resolve_ref(co, d, "PaymentMethodRef", "PaymentMethod")
        if resolve_ref(co, d, "DepositToAccountRef", "Account") is None:
            owner = co.names["Account"].get("undeposited funds")  # QBO default deposit account
            if owner:
                d["DepositToAccountRef"] = {"value": owner[1], "name": "Undeposited Funds"}
        set_default(d, "TxnDate", clock.today(ts))
        set_default(d, "ProcessPayment", False)
        home_amounts(co, d, "TotalAmt")
        return d

    def after_write(self, co: Company, old: dict[str, Any] | None, rec: Record, ts: float) -> None:
        relink(co, rec, old, ts)


def co_applied_by(co: Company, payment_id: str) -> dict[str, float]:
    return {inv: amounts[payment_id] for inv, amounts in co.applied.items() if payment_id in amounts}


def _payment_line(co: Company, raw: dict[str, Any], customer_id: str, mine: dict[str, float]) -> dict[str, Any]:
    amount = number(raw.get("Amount", 0), "Line.Amount")
    links = []
    for link in raw.get("LinkedTxn") or []:
        txn_id, txn_type = str(link.get("TxnId", "")), link.get("TxnType")
        if txn_type != "Invoice":
            raise errors.validation("2170", "Invalid Enumeration",
                                    f"LinkedTxn.TxnType {txn_type} is not supported by the simulator",
                                    "Line.LinkedTxn")
        inv = co.get("Invoice", txn_id)
        if inv is None or inv.deleted:
            raise errors.invalid_ref("Invoice", txn_id, "Line.LinkedTxn")
        if inv.voided:
            raise errors.business(f"Invoice {txn_id} is voided", "Line.LinkedTxn")
        if inv.data["CustomerRef"]["value"] != customer_id:
            raise errors.business(f"Invoice {txn_id} belongs to another customer", "Line.LinkedTxn")
        open_balance = inv.data.get("Balance", 0.0) + mine.get(txn_id, 0.0)
        if amount > open_balance + 0.005:
            raise errors.business(f"Amount {amount} exceeds the open balance {open_balance} of invoice "
                                  f"{txn_id}", "Line.Amount")
        links.append({"TxnId": txn_id, "TxnType": "Invoice"})
    line = {k: v for k, v in raw.items() if k not in ("LinkedTxn", "Amount")}
    line.update(Amount=amount, LinkedTxn=links)
    return line


def relink(co: Company, rec: Record, old: dict[str, Any] | None, ts: float) -> None:
    """Move this payment's applications to match its lines; touched invoices change Balance.

    QBO: applying a payment edits the invoice (Balance, LinkedTxn), so the invoice's SyncToken
    and LastUpdatedTime move too; a client holding the old invoice must re-read it."""
    new_links: dict[str, float] = {}
    if not rec.deleted and not rec.voided:
        for line in rec.data.get("Line", []):
            for link in line.get("LinkedTxn", []):
                new_links[link["TxnId"]] = new_links.get(link["TxnId"], 0.0) + line["Amount"]
    old_links = co_applied_by(co, rec.id)
    for inv_id in set(old_links) | set(new_links):
        amounts = co.applied[inv_id]
        if inv_id in new_links:
            amounts[rec.id] = round(new_links[inv_id], 2)
        else:
            amounts.pop(rec.id, None)
        if old_links.get(inv_id) != new_links.get(inv_id):
            _touch_invoice(co, inv_id, rec.id, inv_id in new_links, ts)
    old_customer = (old or {}).get("CustomerRef", {}).get("value")
    customer = rec.data.get("CustomerRef", {}).get("value") or old_customer
    if old_customer and old_customer != customer:
        co.by_customer[old_customer].discard(("Payment", rec.id))
        refresh_balance(co, old_customer)
    if customer:
        co.by_customer[customer].add(("Payment", rec.id))
        refresh_balance(co, customer)


def _touch_invoice(co: Company, inv_id: str, payment_id: str, linked: bool, ts: float) -> None:
    inv = co.get("Invoice", inv_id)
    if inv is None or inv.deleted:
        return
    applied = sum(co.applied.get(inv_id, {}).values())
    if not inv.voided:
        inv.data["Balance"] = round(inv.data["TotalAmt"] - inv.data.get("Deposit", 0.0) - applied, 2)
        inv.data["HomeBalance"] = inv.data["Balance"]
    links = [lt for lt in inv.data.get("LinkedTxn", []) if lt.get("TxnId") != payment_id]
    if linked:
        links.append({"TxnId": payment_id, "TxnType": "Payment"})
    inv.data["LinkedTxn"] = links
    inv.data["SyncToken"] = str(int(inv.data["SyncToken"]) + 1)
    inv.data["MetaData"]["LastUpdatedTime"] = clock.iso_s(ts)
    inv.updated = ts
    inv.touch()
    co.emit("Invoice", inv_id, "Update", ts)


def void_payment(co: Company, rec: Record) -> None:
    for line in rec.data.get("Line", []):
        line["Amount"] = 0.0
    note = rec.data.get("PrivateNote")
    rec.data["PrivateNote"] = f"Voided - {note}" if note and "Voided" not in note else (note or "Voided")
    rec.data.update(TotalAmt=0.0, UnappliedAmt=0.0)
    rec.voided = True


def unlink_invoice(co: Company, inv_id: str, ts: float) -> None:
    """Voiding/deleting an invoice frees the payments applied to it (they become unapplied)."""
    for pay_id in list(co.applied.get(inv_id, {})):
        pay = co.get("Payment", pay_id)
        if pay is None:
            continue
        for line in pay.data.get("Line", []):
            line["LinkedTxn"] = [lt for lt in line.get("LinkedTxn", []) if lt.get("TxnId") != inv_id]
        pay.data["Line"] = [ln for ln in pay.data["Line"] if ln["LinkedTxn"]]
        applied = sum(ln["Amount"] for ln in pay.data["Line"])
        pay.data["UnappliedAmt"] = round(pay.data["TotalAmt"] - applied, 2)
        pay.data["SyncToken"] = str(int(pay.data["SyncToken"]) + 1)
        pay.data["MetaData"]["LastUpdatedTime"] = clock.iso_s(ts)
        pay.updated = ts
        pay.touch()
        co.emit("Payment", pay_id, "Update", ts)
    co.applied.pop(inv_id, None)
