"""US tax engines: manual sales tax (reference §2) and the Automated Sales Tax stand-in (§3)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .. import kinds, tax_switches
from ..store import Company, Record
from .common import number, resolve_ref
from .taxbase import SaleLine, cents, half_up


def us_taxable(d: dict[str, Any], sales: list[SaleLine], subtotal: float, discount: float) -> float:
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
    out: list[dict[str, Any]] = []
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
        share = left if n == len(tax_lines) - 1 else Decimal(str(half_up(Decimal(str(total)) * pct / whole)
                                                                  if whole else 0))
        left -= share
        line["Amount"] = float(share)


def _with_override(tax_lines: list[dict[str, Any]], supplied: float) -> None:
    computed = [t["Amount"] for t in tax_lines]
    _spread(tax_lines, supplied)
    for line, before in zip(tax_lines, computed, strict=True):
        # OverrideDeltaAmount: supplied share minus computed (sign is the simulator's choice, README).
        line["TaxLineDetail"]["OverrideDeltaAmount"] = round(line["Amount"] - before, 2)


def us_manual(co: Company, raw: dict[str, Any], taxable: float) -> tuple[dict[str, Any], float]:
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


def us_ast(co: Company, d: dict[str, Any], raw: dict[str, Any], sales: list[SaleLine],
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
