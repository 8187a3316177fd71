"""Invoice: server-side totals, tax, DocNumber rules, void and delete (reference §5.4, §2.10)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .. import clock, errors
from ..store import Company, Record
from .common import USD, EntityType, WriteOpts, number, resolve_ref, set_default
from .links import estimate_links, link_estimates
from .people import refresh_balance

MAX_DOC_NUMBER = 21
_ZERO_JUNK = ("Qty", "UnitPrice", "TaxInclusiveAmt")  # python-quickbooks sends 0 for "not set"


class InvoiceType(EntityType):
    name = "Invoice"
    deletable = voidable = True
    readonly_fields = frozenset({"TotalAmt", "Balance", "HomeBalance", "HomeTotalAmt",
                                 "DeliveryInfo", "InvoiceLink", "EInvoiceStatus", "CurrencyRef",
                                 "GlobalTaxCalculation"})
    keep_empty_lists = frozenset({"Line"})

    def prepare(self, co: Company, body: dict[str, Any], old: Record | None, opts: WriteOpts,
                ts: float) -> dict[str, Any]:
        if old is not None and old.voided:
            raise errors.business("A voided transaction cannot be changed")
        d = dict(body)
        customer = resolve_ref(co, d, "CustomerRef", "Customer", required=True)
        assert customer is not None
        raw_lines = [ln for ln in d.get("Line") or [] if ln.get("DetailType") != "SubTotalLineDetail"]
        if not raw_lines:
            raise errors.required("Line")  # QBO: "Required parameter Line is missing in the request"
        lines, subtotal, taxable, discount = build_lines(co, raw_lines)
        if d.get("ApplyTaxAfterDiscount") and subtotal:
            taxable -= discount * taxable / subtotal
        d["TxnTaxDetail"], tax = compute_tax(co, d.get("TxnTaxDetail") or {}, taxable)
        d["Line"] = [*lines, {"Amount": round(subtotal, 2), "DetailType": "SubTotalLineDetail",
                              "SubTotalLineDetail": {}}]
        total = round(subtotal - discount + tax, 2)
        applied = round(sum(co.applied.get(old.id, {}).values()), 2) if old else 0.0
        deposit = number(d.get("Deposit", 0), "Deposit")
        if applied + deposit > total + 0.005:
            raise errors.business(f"The invoice total {total} is less than the payments applied ({applied})")
        d["TotalAmt"], d["Deposit"] = total, deposit
        d["Balance"] = round(total - deposit - applied, 2)
        d["HomeBalance"] = d["Balance"]
        d["LinkedTxn"] = estimate_links(co, d, old)  # payment links stay server-owned
        d["DocNumber"] = self._doc_number(co, d.get("DocNumber"), old, opts)
        if d["DocNumber"] is None:
            del d["DocNumber"]
        self._dates(co, d, customer, ts)
        self._defaults(d, customer, old)
        return d

    def _doc_number(self, co: Company, doc: Any, old: Record | None, opts: WriteOpts) -> str | None:
        custom = bool(_sales_pref(co, "CustomTxnNumbers"))
        if doc is None and old is not None:
            return old.data.get("DocNumber")  # QBO never renumbers an existing invoice
        if doc == "AUTO_GENERATE" or (doc is None and not custom):
            return next_doc_number(co)
        if doc is None:
            return None
        doc = str(doc)
        if len(doc) > MAX_DOC_NUMBER:
            raise errors.too_long("DocNumber", MAX_DOC_NUMBER, len(doc))
        if not opts.allow_dup_docnum:
            for rec in co.records.get("Invoice", {}).values():
                if not rec.deleted and rec.data.get("DocNumber") == doc and (old is None or rec.id != old.id):
                    raise errors.validation(
                        "6140", "Duplicate Document Number Error",
                        "Duplicate Document Number Error : You must specify a different number. This "
                        f"number has already been used. DocNumber={doc} is assigned to TxnType=Invoice "
                        f"with TxnId={rec.id}", "DocNumber")
        return doc

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
        set_default(d, "ApplyTaxAfterDiscount", False)
        d["CurrencyRef"] = dict(USD)
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


def build_lines(co: Company, raw_lines: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float, float, float]:
    out: list[dict[str, Any]] = []
    subtotal = taxable = discount_pct = discount_amt = 0.0
    for n, raw in enumerate(raw_lines, 1):
        line = {k: v for k, v in raw.items() if k not in ("LineNum", "Id", "LinkedTxn", "CustomField")}
        line["Id"], line["LineNum"] = str(n), n
        kind = line.get("DetailType")
        if kind == "SalesItemLineDetail":
            amount, is_taxable = _sales_line(co, line)
            subtotal += amount
            taxable += amount if is_taxable else 0.0
        elif kind == "DiscountLineDetail":
            detail = line.setdefault("DiscountLineDetail", {})
            if detail.get("PercentBased"):
                discount_pct += number(detail.get("DiscountPercent", 0), "DiscountPercent")
            else:
                discount_amt += number(line.get("Amount", 0), "Line.Amount")
        elif kind == "DescriptionOnly":
            line.setdefault("DescriptionLineDetail", {})
            line.pop("Amount", None)
        elif kind is None:
            raise errors.required("Line.DetailType")
        else:
            raise errors.validation("2170", "Invalid Enumeration",
                                    f"Line.DetailType {kind} is not supported by the simulator", "Line")
        out.append(line)
    discount = round(discount_amt + subtotal * discount_pct / 100, 2)
    for line in out:
        if line["DetailType"] == "DiscountLineDetail":
            detail = line["DiscountLineDetail"]
            line["Amount"] = (round(subtotal * number(detail.get("DiscountPercent", 0), "x") / 100, 2)
                              if detail.get("PercentBased") else number(line.get("Amount", 0), "x"))
    return out, round(subtotal, 2), round(taxable, 2), discount


def _sales_line(co: Company, line: dict[str, Any]) -> tuple[float, bool]:
    detail = {k: v for k, v in (line.get("SalesItemLineDetail") or {}).items()
              if not (k in _ZERO_JUNK and v in (0, 0.0, "0"))}
    if "ItemRef" not in detail:
        detail["ItemRef"] = {"value": _default_item(co)}  # QBO falls back to the "Services" item
    resolve_ref(co, detail, "ItemRef", "Item")
    detail.setdefault("TaxCodeRef", {"value": "NON"})
    resolve_ref(co, detail, "TaxCodeRef", "TaxCode")
    qty, price = detail.get("Qty"), detail.get("UnitPrice")
    amount = line.get("Amount")
    if amount is None:
        if qty is None or price is None:
            raise errors.required("Line.Amount")
        amount = float(qty) * float(price)
    amount = number(amount, "Line.Amount")
    if qty is not None and price is not None and abs(_cents(qty, price) - amount) > 0.005:
        # QBO 6070: Amount must equal UnitPrice * Qty when both are given (assumption, §5.4).
        raise errors.validation("6070", "Amount is not equal to UnitPrice * Qty",
                                f"Amount {amount} != {qty} * {price}", "Line.Amount")
    line["Amount"], line["SalesItemLineDetail"] = amount, detail
    return amount, detail["TaxCodeRef"]["value"] == "TAX"


def _cents(qty: Any, price: Any) -> float:
    # QBO rounds Qty * UnitPrice half-up to cents in decimal (1.5 * 12.49 = 18.735 -> 18.74); binary
    # floats would round it down and reject a correct Amount.
    exact = Decimal(str(qty)) * Decimal(str(price))
    return float(exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _default_item(co: Company) -> str:
    owner = co.names["Item"].get("services")
    return owner[1] if owner else "1"


def compute_tax(co: Company, raw: dict[str, Any], taxable: float) -> tuple[dict[str, Any], float]:
    """US-style: TxnTaxCodeRef picks a TaxCode whose rates apply to the TAX lines. Without one,
    an explicit TotalTax is taken as is (AST accepts an override)."""
    holder = {"TxnTaxCodeRef": raw.get("TxnTaxCodeRef")}
    code = resolve_ref(co, holder, "TxnTaxCodeRef", "TaxCode")
    if code is None:
        total = number(raw.get("TotalTax", 0) or 0, "TxnTaxDetail.TotalTax")
        return {"TotalTax": total}, total
    tax_lines, total = [], 0.0
    for det in (code.data.get("SalesTaxRateList") or {}).get("TaxRateDetail", []):
        rate = co.live("TaxRate", det["TaxRateRef"]["value"])
        pct = float(rate.data.get("RateValue", 0)) if rate else 0.0
        amount = round(taxable * pct / 100, 2)
        total += amount
        tax_lines.append({"Amount": amount, "DetailType": "TaxLineDetail", "TaxLineDetail": {
            "TaxRateRef": {"value": det["TaxRateRef"]["value"]}, "PercentBased": True,
            "TaxPercent": pct, "NetAmountTaxable": taxable}})
    total = round(total, 2)
    return {"TxnTaxCodeRef": holder["TxnTaxCodeRef"], "TotalTax": total, "TaxLine": tax_lines}, total


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
