"""The global (non-US) tax engine: CA, UK, AU (reference §4, per-line rounding §5.2, discounts §6.3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import errors, tax_switches
from ..store import Company, Record
from .common import number
from .taxbase import SaleLine, cents, half_up

CALC_ERROR = ("We're sorry, QuickBooks encountered an error while calculating tax. Try reselecting the tax "
              "rate or reentering the transaction.")


def _spread_discount(sales: list[SaleLine], subtotal: float, discount: float) -> None:
    """§6.3 (unverified): the whole-transaction discount is shared over lines by amount."""
    if not discount or not subtotal:
        return
    left = Decimal(str(discount))
    for n, sale in enumerate(sales):
        share = left if n == len(sales) - 1 else Decimal(str(half_up(Decimal(str(discount)) *
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


def global_tax(co: Company, mode: str, raw: dict[str, Any], sales: list[SaleLine], subtotal: float,
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
            net = Decimal(str(half_up(base / (1 + sum(pcts, Decimal(0)) / 100))))
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
    tax_lines: list[dict[str, Any]] = [{"Amount": float(e["tax"]), "DetailType": "TaxLineDetail",
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
