"""Invoice: server-side totals, tax, DocNumber rules, void and delete (reference §5.4, §2.10)."""

from __future__ import annotations

from typing import Any

from .. import clock, errors
from ..store import Company, Record
from .common import EntityType, WriteOpts, number, resolve_ref, set_default
from .currency import home_amounts, txn_currency
from .links import estimate_links, link_estimates
from .people import refresh_balance
from .taxcalc import Totals, sales_totals

MAX_DOC_NUMBER = 21


class InvoiceType(EntityType):
    name = "Invoice"
    deletable = voidable = True
    readonly_fields = frozenset({"TotalAmt", "Balance", "HomeBalance", "HomeTotalAmt",
                                 "DeliveryInfo", "InvoiceLink", "EInvoiceStatus"})
    keep_empty_lists = frozenset({"Line"})

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        if old is not None and old.voided:
            raise errors.business("A voided transaction cannot be changed")
        d = dict(body)
        customer = resolve_ref(co, d, "CustomerRef", "Customer", required=True)
        assert customer is not None
        currency = txn_currency(co, d, customer, opts)
        totals = sales_totals(co, d)
        set_tax_detail(d, totals)
        total = totals.total
        applied = round(sum(co.applied.get(old.id, {}).values()), 2) if old else 0.0
        deposit = number(d.get("Deposit", 0), "Deposit")
        if applied + deposit > total + 0.005:
            raise errors.business(f"The invoice total {total} is less than the payments applied ({applied})")
        d["TotalAmt"], d["Deposit"] = total, deposit
        d["Balance"] = round(total - deposit - applied, 2)
        d["HomeBalance"] = d["Balance"]
        home_amounts(co, d, "TotalAmt", "Balance")
        d["LinkedTxn"] = estimate_links(co, d, old)  # payment links stay server-owned
        d["DocNumber"] = self._doc_number(co, d.get("DocNumber"), old, opts)
        if d["DocNumber"] is None:
            del d["DocNumber"]
        self._dates(co, d, customer, ts)
        self._defaults(d, customer, old)
        d["CurrencyRef"] = currency
        return d

    def _doc_number(self, co: Company, doc: Any, old: Record | None, opts: WriteOpts) -> str | None:
        custom = bool(_sales_pref(co, "CustomTxnNumbers"))
        if doc is None and old is not None:
            return old.data.get("DocNumber")  # QBO never renumbers an existing invoice
        if doc == "AUTO_GENERATE" or (doc is None and not custom):
            return next_doc_number(co)
        if doc is None:
            return None
        number = str(doc)
        if len(number) > MAX_DOC_NUMBER:
            raise errors.too_long("DocNumber", MAX_DOC_NUMBER, len(number))
        if not opts.allow_dup_docnum:
            for rec in co.records.get("Invoice", {}).values():
                if not rec.deleted and rec.data.get("DocNumber") == number and (old is None or rec.id != old.id):
                    raise errors.validation(
                        "6140", "Duplicate Document Number Error",
                        "Duplicate Document Number Error : You must specify a different number. This "
                        f"number has already been used. DocNumber={number} is assigned to TxnType=Invoice "
                        f"with TxnId={rec.id}", "DocNumber")
        return number

    def _dates(self, co: Company, d: dict[str, Any], customer: Record, ts: float) -> None:
        set_default(d, "TxnDate", clock.today(ts))
        for key in ("TxnDate", "DueDate", "ShipDate"):
            if key in d and clock.parse_datetime(str(d[key])) is None:
                raise errors.validation("2080", "Invalid Date", f"{key}: {d[key]!r}", key)
        term = resolve_ref(co, d, "SalesTermRef", "Term")
        if term is None:
            ref = customer.data.get("SalesTermRef")
            term = co.live("Term", ref["value"]) if ref else None
        if "DueDate" not in d:
            days = int(term.data.get("DueDays", 0)) if term else 30
            d["DueDate"] = clock.add_days(str(d["TxnDate"])[:10], days)

    def _defaults(self, d: dict[str, Any], customer: Record, old: Record | None) -> None:
        set_default(d, "PrintStatus", "NotSet")
        set_default(d, "EmailStatus", "NotSet")
        if "GlobalTaxCalculation" not in d:   # US only (§6.2); sales_totals drops it elsewhere
            set_default(d, "ApplyTaxAfterDiscount", False)
        email = customer.data.get("PrimaryEmailAddr")
        if "BillEmail" not in d and email:
            d["BillEmail"] = dict(email)
        if old is not None and "DeliveryInfo" in old.data:
            d["DeliveryInfo"] = old.data["DeliveryInfo"]

    def after_write(self, co: Company, old: dict[str, Any] | None, rec: Record, ts: float) -> None:
        old_customer = (old or {}).get("CustomerRef", {}).get("value")
        new_customer = rec.data["CustomerRef"]["value"]
        if old_customer and old_customer != new_customer:
            co.by_customer[old_customer].discard(("Invoice", rec.id))
            refresh_balance(co, old_customer)
        co.by_customer[new_customer].add(("Invoice", rec.id))
        refresh_balance(co, new_customer)
        link_estimates(co, rec, old, ts)


def set_tax_detail(d: dict[str, Any], totals: Totals) -> None:
    """Store the computed lines and TxnTaxDetail (none in a company without sales tax, §1.1)."""
    d["Line"] = totals.lines
    if totals.detail is None:
        d.pop("TxnTaxDetail", None)
    else:
        d["TxnTaxDetail"] = totals.detail


def next_doc_number(co: Company) -> str:
    used = {rec.data.get("DocNumber") for rec in co.records.get("Invoice", {}).values()}
    co.doc_seq += 1
    while str(co.doc_seq) in used:
        co.doc_seq += 1
    return str(co.doc_seq)


def _sales_pref(co: Company, key: str) -> Any:
    prefs = co.get("Preferences", "1")
    return ((prefs.data.get("SalesFormsPrefs") or {}).get(key)) if prefs else None


def void_invoice(co: Company, rec: Record) -> None:
    """QBO void: amounts zeroed, Balance 0, "Voided" in PrivateNote; the record stays."""
    for line in rec.data.get("Line", []):
        if "Amount" in line:
            line["Amount"] = 0.0
        detail = line.get("SalesItemLineDetail")
        if detail:
            detail.pop("Qty", None)
            detail.pop("UnitPrice", None)
    note = rec.data.get("PrivateNote")
    rec.data["PrivateNote"] = f"Voided - {note}" if note and "Voided" not in note else (note or "Voided")
    rec.data.update(TotalAmt=0.0, Balance=0.0, HomeBalance=0.0)
    rec.data["TxnTaxDetail"] = {"TotalTax": 0.0}
    rec.voided = True
