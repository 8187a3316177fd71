"""Lines, discounts, tax and totals of a sales form, per kind of company, as QBO computes them
(reference qbo-tax-and-money.md: US manual §2, AST §3, global §4, rounding §5, discounts §6).
Facts the reference marks unverified are read from ``tax_switches`` (one switch each)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

from .. import errors, kinds, tax_switches
from ..store import Company, Record
from .common import number, resolve_ref

_ZERO_JUNK = ("Qty", "UnitPrice", "TaxInclusiveAmt")  # python-quickbooks sends 0 for "not set"
_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "truncate": ROUND_DOWN}
_INLINE_SUBTOTAL = re.compile(r"^Subtotal:( -?[0-9]+\.[0-9]{2})?$")
MAX_TAXABLE_LINES = 750   # §4.1: a taxable transaction has at most 750 lines
GLOBAL_CALC = ("TaxExcluded", "TaxInclusive", "NotApplicable")
CALC_ERROR = ("We're sorry, QuickBooks encountered an error while calculating tax. Try reselecting the tax "
              "rate or reentering the transaction.")


def cents(value: float | Decimal) -> float:
    """Round a money amount to cents with the company-wide rounding switch (§5.2)."""
    mode = _MODES[tax_switches.get("rounding")]
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=mode))


def _half_up(value: float | Decimal) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass
class SaleLine:
    line: dict[str, Any]
    amount: float
    taxed: bool = False               # US: TAX line
    code: Record | None = None        # non-US: the line's TaxCode
    net: float = 0.0                  # after its share of the discount
    tax: float = 0.0


@dataclass
class Totals:
    lines: list[dict[str, Any]]
    subtotal: float
    discount: float
    tax: float
    total: float
    detail: dict[str, Any] | None
    sales: list[SaleLine] = field(default_factory=list)


def currency_ref(co: Company) -> dict[str, str]:
    prefs = co.get("Preferences", "1")
    code = ((prefs.data.get("CurrencyPrefs") or {}).get("HomeCurrency") or {}).get("value", "USD") if prefs else "USD"
    return {"value": code, "name": kinds.CURRENCY.get(code, code)}


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
        detail, tax = _us_manual(co, raw_tax, _us_taxable(d, sales, subtotal, discount))
    elif kind == "us_ast":
        detail, tax = _us_ast(co, d, raw_tax, sales, _us_taxable(d, sales, subtotal, discount))
    else:
        detail, tax = _global(co, d["GlobalTaxCalculation"], raw_tax, sales, subtotal, discount)
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
    if tax_switches.get("line_amount_must_match") and qty is not None and price is not None and abs(_half_up(Decimal(str(qty)) * Decimal(str(price))) - amount) > 0.005:
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
            line["Amount"] = _half_up(Decimal(str(subtotal)) * Decimal(str(pct)) / 100)
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


# --- US -------------------------------------------------------------------------------------------

def _us_taxable(d: dict[str, Any], sales: list[SaleLine], subtotal: float, discount: float) -> float:
    taxable = sum(s.amount for s in sales if s.taxed)
    if d.get("ApplyTaxAfterDiscount") and subtotal:
        taxable -= discount * taxable / subtotal   # §6.2: true = discount first, then tax
    return round(taxable, 2)


def _override(raw: dict[str, Any]) -> float | None:
    """A TotalTax the client wants kept (§2.3, §3.2); python-quickbooks' 0 is "not set" (§2.4)."""
    value = raw.get("TotalTax")
    if value in (None, ""):
        return None
    amount = number(value, "TxnTaxDetail.TotalTax")
    if amount == 0 and not tax_switches.get("zero_total_tax_is_override"):
        return None
    return amount


def _rate_lines(co: Company, code: Record, taxable: float) -> list[dict[str, Any]]:
    out = []
    for det in (code.data.get("SalesTaxRateList") or {}).get("TaxRateDetail", []):
        rate = co.live("TaxRate", det["TaxRateRef"]["value"])
        pct = float(rate.data.get("RateValue", 0)) if rate else 0.0
        out.append({"Amount": cents(Decimal(str(taxable)) * Decimal(str(pct)) / 100), "DetailType": "TaxLineDetail",
                    "TaxLineDetail": {"TaxRateRef": {"value": det["TaxRateRef"]["value"]}, "PercentBased": True,
                                      "TaxPercent": pct, "NetAmountTaxable": taxable}})
    if out and not tax_switches.get("us_group_rates_rounded_separately"):
        combined = cents(Decimal(str(taxable)) * sum(Decimal(str(t["TaxLineDetail"]["TaxPercent"])) for t in out) / 100)
        _spread(out, combined)
    return out


def _spread(tax_lines: list[dict[str, Any]], total: float) -> None:
    """Prorate ``total`` over the lines by their rate; the last takes the remainder (§3.2, §2.3)."""
    pcts = [Decimal(str(t["TaxLineDetail"]["TaxPercent"])) for t in tax_lines]
    whole, left = sum(pcts), Decimal(str(total))
    for n, (line, pct) in enumerate(zip(tax_lines, pcts, strict=True)):
        share = left if n == len(tax_lines) - 1 else Decimal(str(_half_up(Decimal(str(total)) * pct / whole)
                                                                  if whole else 0))
        left -= share
        line["Amount"] = float(share)


def _with_override(tax_lines: list[dict[str, Any]], supplied: float) -> None:
    computed = [t["Amount"] for t in tax_lines]
    _spread(tax_lines, supplied)
    for line, before in zip(tax_lines, computed, strict=True):
        # OverrideDeltaAmount: supplied share minus computed (sign is the simulator's choice, README).
        line["TaxLineDetail"]["OverrideDeltaAmount"] = round(line["Amount"] - before, 2)


def _us_manual(co: Company, raw: dict[str, Any], taxable: float) -> tuple[dict[str, Any], float]:
    """§2.2: one TxnTaxCodeRef; a TaxLine per rate of it on the taxable subtotal; §2.3 overrides."""
    holder = {"TxnTaxCodeRef": raw.get("TxnTaxCodeRef")}
    code = resolve_ref(co, holder, "TxnTaxCodeRef", "TaxCode")
    supplied = _override(raw)
    if code is None:
        if supplied is not None and tax_switches.get("us_manual_bare_total_tax") == "keep":
            return {"TotalTax": supplied}, supplied
        return {"TotalTax": 0.0}, 0.0
    tax_lines = _rate_lines(co, code, taxable)
    if supplied is not None and tax_lines:
        _with_override(tax_lines, supplied)
    total = round(sum(t["Amount"] for t in tax_lines), 2)
    return {"TxnTaxCodeRef": holder["TxnTaxCodeRef"], "TotalTax": total, "TaxLine": tax_lines}, total


def _destination_state(co: Company, d: dict[str, Any]) -> str:
    """§3.1 / §11: ShipAddr, then the customer's shipping and billing address, then the company's."""
    addrs: list[Any] = [d.get("ShipAddr")]
    customer = co.get("Customer", str((d.get("CustomerRef") or {}).get("value", "")))
    if customer is not None:
        addrs += [customer.data.get("ShipAddr"), customer.data.get("BillAddr")]
    info = co.get("CompanyInfo", "1")
    if info is not None:
        addrs.append(info.data.get("CompanyAddr"))
    for addr in addrs:
        if isinstance(addr, dict) and addr.get("CountrySubDivisionCode"):
            return str(addr["CountrySubDivisionCode"]).upper()
    return ""


def _us_ast(co: Company, d: dict[str, Any], raw: dict[str, Any], sales: list[SaleLine],
            taxable: float) -> tuple[dict[str, Any], float]:
    """§3: the engine picks the code from the destination; a supplied TotalTax is prorated."""
    state = _destination_state(co, d)
    supplied = _override(raw)
    customer = co.get("Customer", str((d.get("CustomerRef") or {}).get("value", "")))
    if customer is not None and customer.data.get("TaxExemptionReasonId"):
        taxable = 0.0   # §2.4, §3.1: an exempt customer (reasons 1-15) is not taxed by AST
        for sale in sales:
            sale.taxed = False
    if not state or state in kinds.AST_NO_TAX_STATES:
        return ({"TotalTax": supplied}, supplied) if supplied is not None else ({"TotalTax": 0.0}, 0.0)
    code = co.get("TaxCode", kinds.ast_code_id(state))   # made when the company became AST (fixtures)
    if code is None:
        return ({"TotalTax": supplied}, supplied) if supplied is not None else ({"TotalTax": 0.0}, 0.0)
    if tax_switches.get("ast_rounding") == "line":
        per_line = [_rate_lines(co, code, s.amount) for s in sales if s.taxed]
        tax_lines = _rate_lines(co, code, taxable)
        for n, t in enumerate(tax_lines):
            t["Amount"] = round(sum(pl[n]["Amount"] for pl in per_line), 2)
    else:
        tax_lines = _rate_lines(co, code, taxable)
    if supplied is not None and tax_lines:
        _with_override(tax_lines, supplied)
    total = round(sum(t["Amount"] for t in tax_lines), 2)
    ref = {"value": code.id, "name": code.data.get("Name")}
    return {"TxnTaxCodeRef": ref, "TotalTax": total, "TaxLine": tax_lines}, total


# --- Global (non-US) ------------------------------------------------------------------------------

def _spread_discount(sales: list[SaleLine], subtotal: float, discount: float) -> None:
    """§6.3 (unverified): the whole-transaction discount is shared over lines by amount."""
    if not discount or not subtotal:
        return
    left = Decimal(str(discount))
    for n, sale in enumerate(sales):
        share = left if n == len(sales) - 1 else Decimal(str(_half_up(Decimal(str(discount)) *
                                                                      Decimal(str(sale.amount)) /
                                                                      Decimal(str(subtotal)))))
        left -= share
        sale.net = round(sale.amount - float(share), 2)


def _sales_rates(co: Company, code: Record) -> list[Record]:
    out = []
    for det in (code.data.get("SalesTaxRateList") or {}).get("TaxRateDetail", []):
        rate = co.get("TaxRate", str(det["TaxRateRef"]["value"]))
        if rate is not None:
            out.append(rate)
    return out


def _global(co: Company, mode: str, raw: dict[str, Any], sales: list[SaleLine], subtotal: float,
            discount: float) -> tuple[dict[str, Any], float]:
    """§4, §5.2: tax per line and per rate, rounded per line, summed into a TaxLine per rate."""
    if mode == "NotApplicable":
        return {"TotalTax": 0.0}, 0.0
    _spread_discount(sales, subtotal, discount)
    gross = mode == "TaxInclusive" and tax_switches.get("tax_inclusive") == "gross"
    per_rate: dict[str, dict[str, Any]] = {}
    for sale in sales:
        if sale.code is None:
            continue
        rates = _sales_rates(co, sale.code)
        pcts = [Decimal(str(r.data.get("RateValue", 0))) for r in rates]
        base = Decimal(str(sale.net))
        if gross and sum(pcts):
            # The line amount includes tax: back it out per line (the net is rounded, tax = the rest).
            net = Decimal(str(_half_up(base / (1 + sum(pcts) / 100))))
            taxes = [Decimal(str(cents(net * p / 100))) for p in pcts]
            if taxes:
                taxes[-1] = base - net - sum(taxes[:-1])
            base = net
        else:
            taxes = [Decimal(str(cents(base * p / 100))) for p in pcts]
        sale.tax = float(sum(taxes))
        sale.line["SalesItemLineDetail"]["TaxInclusiveAmt"] = round(float(base) + sale.tax, 2)
        for rate, pct, tax in zip(rates, pcts, taxes, strict=True):
            entry = per_rate.setdefault(rate.id, {"pct": float(pct), "net": Decimal(0), "tax": Decimal(0)})
            entry["net"] += base
            entry["tax"] += tax
    tax_lines = [{"Amount": float(e["tax"]), "DetailType": "TaxLineDetail",
                  "TaxLineDetail": {"TaxRateRef": {"value": rid}, "PercentBased": True, "TaxPercent": e["pct"],
                                    "NetAmountTaxable": float(e["net"])}}
                 for rid, e in per_rate.items() if e["pct"] or tax_switches.get("zero_rate_tax_lines")]
    sent = raw.get("TaxLine") or []
    if sent:
        tax_lines = _global_override(co, sent, per_rate)
    total = round(sum(t["Amount"] for t in tax_lines), 2)
    return {"TotalTax": total, "TaxLine": tax_lines}, total


def _global_override(co: Company, sent: list[Any], per_rate: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """§4.3: TaxLine[] sent = amounts to keep, one per rate of the codes used (§4.1)."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for line in sent:
        if not isinstance(line, dict):
            raise errors.bad_request_body("TxnTaxDetail.TaxLine must hold objects")
        if not line.get("DetailType") and tax_switches.get("tax_line_needs_detail_type"):
            raise errors.required("TxnTaxDetail.TaxLine.DetailTypeEnum")   # §4.6 (qr#529)
        detail = dict(line.get("TaxLineDetail") or {})
        ref = detail.get("TaxRateRef") or {}
        rate = co.get("TaxRate", str(ref.get("value", "")))
        if rate is None:
            raise errors.validation("2500", "Invalid Reference Id", "Invalid Reference Id : TaxRate",
                                    "TaxRateRef")   # §4.6 (qr#268)
        if rate.id not in per_rate or rate.id in seen:
            raise errors.business(CALC_ERROR)   # a rate of no code used, or twice (§4.1)
        seen.add(rate.id)
        entry = per_rate[rate.id]
        amount = number(line.get("Amount", 0), "TaxLine.Amount")
        out.append({"Amount": amount, "DetailType": "TaxLineDetail", "TaxLineDetail": {
            "TaxRateRef": {"value": rate.id}, "PercentBased": True, "TaxPercent": entry["pct"],
            "NetAmountTaxable": float(entry["net"]), "OverrideDeltaAmount": round(amount - float(entry["tax"]), 2)}})
    missing = [rid for rid, e in per_rate.items() if e["pct"] and rid not in seen]
    if missing and tax_switches.get("override_must_cover_every_rate"):
        raise errors.business(CALC_ERROR)   # §4.3 (unverified Quebec report), §4.6 (qr#369)
    return out
