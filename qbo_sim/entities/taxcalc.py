"""Lines, discounts, tax and totals of a sales form, per kind of company, as QBO computes them
(reference qbo-tax-and-money.md: US manual §2, AST §3, global §4, rounding §5, discounts §6).
Facts the reference marks unverified are read from ``tax_switches`` (one switch each)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import errors, kinds, tax_switches
from ..store import Company, Record
from .common import number, resolve_ref
from .taxbase import SaleLine, half_up
from .taxglobal import global_tax
from .taxus import us_ast, us_manual, us_taxable

_ZERO_JUNK = ("Qty", "UnitPrice", "TaxInclusiveAmt")  # python-quickbooks sends 0 for "not set"
_INLINE_SUBTOTAL = re.compile(r"^Subtotal:( -?[0-9]+\.[0-9]{2})?$")
MAX_TAXABLE_LINES = 750   # §4.1: a taxable transaction has at most 750 lines
GLOBAL_CALC = ("TaxExcluded", "TaxInclusive", "NotApplicable")


@dataclass
class Totals:
    lines: list[dict[str, Any]]
    subtotal: float
    discount: float
    tax: float
    total: float
    detail: dict[str, Any] | None
    sales: list[SaleLine] = field(default_factory=list)


def recomputable(stored: Any) -> dict[str, Any]:
    """A sparse update that changes ``Line`` but sends no TxnTaxDetail: the stored amounts were
    computed for the old lines, so only the chosen code stays (assumption; §4.1 says to leave
    TxnTaxDetail out to change line amounts, and a TxnTaxDetail that is sent is an override)."""
    code = stored.get("TxnTaxCodeRef") if isinstance(stored, dict) else None
    return {"TxnTaxCodeRef": code} if code else {}


def sales_totals(co: Company, d: dict[str, Any]) -> Totals:
    """Everything QBO computes on a SalesTransaction (Invoice, SalesReceipt, CreditMemo…)."""
    kind = kinds.kind_of(co)
    raw_lines = [ln for ln in d.get("Line") or [] if ln.get("DetailType") != "SubTotalLineDetail"]
    if not raw_lines:
        raise errors.required("Line")  # QBO: "Required parameter Line is missing in the request"
    us = kind in kinds.US_KINDS
    if us:
        _us_fields(d)
    else:
        mode = d.setdefault("GlobalTaxCalculation", "TaxExcluded")   # §4.1: TaxExcluded is the default
        if mode not in GLOBAL_CALC:
            raise errors.validation("2170", "Invalid Enumeration", f"Invalid GlobalTaxCalculation: {mode}",
                                    "GlobalTaxCalculation")
        d.pop("ApplyTaxAfterDiscount", None)   # §6.2: US only
    lines, sales, discount_lines = _build(co, raw_lines, kind)
    subtotal = round(sum(s.amount for s in sales), 2)
    discount = _discount(co, discount_lines, subtotal)
    raw_tax = d.get("TxnTaxDetail") or {}
    if kind == "us_no_tax":
        detail, tax = None, 0.0   # §1.1: TxnTaxDetail is ignored and not stored
    elif kind == "us_manual":
        detail, tax = us_manual(co, raw_tax, us_taxable(d, sales, subtotal, discount))
    elif kind == "us_ast":
        detail, tax = us_ast(co, d, raw_tax, sales, us_taxable(d, sales, subtotal, discount))
    else:
        detail, tax = global_tax(co, d["GlobalTaxCalculation"], raw_tax, sales, subtotal, discount)
    if detail and detail.get("TaxLine") and len(raw_lines) > MAX_TAXABLE_LINES:
        raise errors.business(f"A transaction with sales tax can have at most {MAX_TAXABLE_LINES} lines.")
    inclusive = (not us and d.get("GlobalTaxCalculation") == "TaxInclusive"
                 and tax_switches.get("tax_inclusive") == "gross")
    total = round(subtotal - discount + (0.0 if inclusive else tax), 2)
    if total < 0:
        raise errors.business("The discount amount can't be greater than the "
                              "subtotal. QuickBooks does not allow a transaction with a negative total.")
    lines.append({"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}})
    return Totals(lines, subtotal, discount, tax, total, detail, sales)


def _us_fields(d: dict[str, Any]) -> None:
    if "GlobalTaxCalculation" in d:
        if not tax_switches.get("us_ignores_global_tax_calculation"):
            raise errors.validation("2010", "Request has invalid or unsupported property",
                                    "GlobalTaxCalculation is not applicable to US companies", "GlobalTaxCalculation")
        del d["GlobalTaxCalculation"]   # §3.5: documented as not applicable to US companies


def _build(co: Company, raw_lines: list[dict[str, Any]],
           kind: str) -> tuple[list[dict[str, Any]], list[SaleLine], list[dict[str, Any]]]:
    out: list[dict[str, Any]] = []
    sales: list[SaleLine] = []
    discounts: list[dict[str, Any]] = []
    since = 0
    for n, raw in enumerate(raw_lines, 1):
        line = {k: v for k, v in raw.items() if k not in ("LineNum", "Id", "LinkedTxn", "CustomField")}
        line["Id"], line["LineNum"] = str(n), n
        detail_type = line.get("DetailType")
        if detail_type == "SalesItemLineDetail":
            sales.append(_sales_line(co, line, kind))
        elif detail_type == "DiscountLineDetail":
            line.setdefault("DiscountLineDetail", {})
            discounts.append(line)
        elif detail_type == "DescriptionOnly":
            line.setdefault("DescriptionLineDetail", {})
            line.pop("Amount", None)
            if _INLINE_SUBTOTAL.match(str(line.get("Description", ""))):
                # §6.1: "Subtotal:" (case-sensitive) sums the sales lines above it, back to the
                # previous inline subtotal (assumption); reads show "Subtotal: nn.nn".
                above = sum(x.amount for x in sales[since:])
                line["Description"] = f"Subtotal: {above:.2f}"
                since = len(sales)
        elif detail_type is None:
            raise errors.required("Line.DetailType")
        else:
            raise errors.validation("2170", "Invalid Enumeration",
                                    f"Line.DetailType {detail_type} is not supported by the simulator", "Line")
        out.append(line)
    return out, sales, discounts


def _sales_line(co: Company, line: dict[str, Any], kind: str) -> SaleLine:
    detail = {k: v for k, v in (line.get("SalesItemLineDetail") or {}).items()
              if not (k in _ZERO_JUNK and v in (0, 0.0, "0"))}
    if "ItemRef" not in detail:
        detail["ItemRef"] = {"value": _default_item(co)}  # QBO falls back to the "Services" item
    item = resolve_ref(co, detail, "ItemRef", "Item")
    sale = SaleLine(line, 0.0)
    _line_code(co, detail, item, kind, sale)
    qty, price = detail.get("Qty"), detail.get("UnitPrice")
    amount = line.get("Amount")
    if amount is None:
        if qty is None or price is None:
            raise errors.required("Line.Amount")
        amount = float(qty) * float(price)
    amount = number(amount, "Line.Amount")
    if tax_switches.get("line_amount_must_match") and qty is not None and price is not None and abs(half_up(Decimal(str(qty)) * Decimal(str(price))) - amount) > 0.005:
        # QBO 6070: Amount must equal UnitPrice * Qty when both are given (assumption, §5.4). Decimal
        # half-up (1.5 * 12.49 = 18.735 -> 18.74); binary floats would round down and reject it.
        raise errors.validation("6070", "Amount is not equal to UnitPrice * Qty",
                                f"Amount {amount} != {qty} * {price}", "Line.Amount")
    line["Amount"], line["SalesItemLineDetail"] = amount, detail
    sale.amount = sale.net = amount
    return sale


def _line_code(co: Company, detail: dict[str, Any], item: Record | None, kind: str, sale: SaleLine) -> None:
    ref = detail.get("TaxCodeRef")
    value = str(ref.get("value")) if isinstance(ref, dict) else None
    if kind == "us_ast":
        # §3.1: NON forces non-taxable; no code = TAX with the item's taxability (since 2018-08-10);
        # numeric codes are ignored (php#199), so they are kept as sent and taxed.
        if value is None:
            sale.taxed = bool(item and item.data.get("Taxable"))
            detail["TaxCodeRef"] = {"value": "TAX" if sale.taxed else "NON"}
        else:
            sale.taxed = value != "NON"
        return
    if kind == "us_no_tax":
        return   # assumption: with sales tax off, line codes are kept as sent and never taxed (README)
    if kind in kinds.US_KINDS:
        detail.setdefault("TaxCodeRef", {"value": "NON"})   # assumption: a manual line without a code is NON
        resolve_ref(co, detail, "TaxCodeRef", "TaxCode")
        sale.taxed = detail["TaxCodeRef"]["value"] == "TAX"
        return
    if value is None and tax_switches.get("line_code_from_item") and item and item.data.get("SalesTaxCodeRef"):
        detail["TaxCodeRef"] = dict(item.data["SalesTaxCodeRef"])
        value = str(detail["TaxCodeRef"]["value"])
    if value is None:
        word = kinds.TAX_WORD.get(_country(co), "VAT")
        raise errors.business(f"Make sure all your transactions have a {word} rate "
                              "before you save.")   # §4.6 (mcp#94, ap#8539)
    if value == "NON" and tax_switches.get("non_us_accepts_non"):
        return
    sale.code = resolve_ref(co, detail, "TaxCodeRef", "TaxCode")   # TAX/NON do not exist here: 2500


def _country(co: Company) -> str:
    info = co.get("CompanyInfo", "1")
    return str(info.data.get("Country", "US")) if info else "US"


def _default_item(co: Company) -> str:
    owner = co.names["Item"].get("services")
    return owner[1] if owner else "1"


def _discount(co: Company, discount_lines: list[dict[str, Any]], subtotal: float) -> float:
    if not discount_lines:
        return 0.0
    prefs = co.get("Preferences", "1")
    allowed = ((prefs.data.get("SalesFormsPrefs") or {}).get("AllowDiscount")) if prefs else True
    if not allowed:
        # §6.1: needs Sales form entry → Discounts. Code and wording are the simulator's (README).
        raise errors.business("Discounts are turned off for this company. Turn on "
                              "Discount in Account and Settings before you add a discount to a transaction.")
    total = 0.0
    for line in discount_lines:
        detail = line["DiscountLineDetail"]
        if detail.get("PercentBased"):
            pct = number(detail.get("DiscountPercent", 0), "DiscountPercent")
            if not 0 <= pct <= 100:
                raise errors.validation("2030", "Invalid Number", f"DiscountPercent {pct} is not within 0-100",
                                        "DiscountPercent")
            line["Amount"] = half_up(Decimal(str(subtotal)) * Decimal(str(pct)) / 100)
        else:
            line["Amount"] = abs(number(line.get("Amount", 0), "Line.Amount"))   # sent positive; QBO subtracts
        if not detail.get("DiscountAccountRef") and prefs is not None:
            default = (prefs.data.get("SalesFormsPrefs") or {}).get("DefaultDiscountAccount")
            if default and co.get("Account", str(default)) is not None:
                detail["DiscountAccountRef"] = {"value": str(default)}
        resolve_ref(co, detail, "DiscountAccountRef", "Account")
        total += line["Amount"]
    total = round(total, 2)
    if total > subtotal + 0.005:
        raise errors.business("The discount amount can't be greater than the subtotal.")
    return total
