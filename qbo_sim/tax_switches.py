"""One switch per tax/money fact the reference marks *unverified* (../shared/reference/
qbo-tax-and-money.md, section in each comment). When a real company settles a fact, change its
value here and nowhere else; tests name the switch they depend on.

``/_sim/config`` can flip them at run time: ``{"tax_switches": {"rounding": "half_even"}}``.
"""

from __future__ import annotations

from typing import Any

DEFAULTS: dict[str, Any] = {
    # §2.2: each rate of a US group code is rounded on its own (6.00 + 1.69), not once on the sum.
    "us_group_rates_rounded_separately": True,
    # §2.3: a US-manual TotalTax sent WITHOUT TxnTaxCodeRef: "keep" it (what Invoice Ninja relies on,
    # and what this simulator always did) or "ignore" it and compute (users' reports pqb#301).
    "us_manual_bare_total_tax": "keep",
    # §2.4: python-quickbooks' TxnTaxDetail() sends TotalTax 0. False: 0 is "not set", not an override.
    "zero_total_tax_is_override": False,
    # §3.5: GlobalTaxCalculation on a US transaction is dropped silently (True) or refused (False).
    "us_ignores_global_tax_calculation": True,
    # §5.2: AST engine rounding, "document" (per rate on the taxable subtotal) or "line".
    "ast_rounding": "document",
    # §5.2: half_up | half_even | truncate (to cents), for every computed tax amount.
    "rounding": "half_up",
    # §4.1: a non-US create with line TaxCodeRef NON: refused (False, 2500 like any unknown code) or
    # accepted as "no tax" (True; seen on a captured AU Purchase).
    "non_us_accepts_non": False,
    # §4.1: TaxInclusive: "gross" (line Amount includes tax; tax is backed out per line) or
    # "display_only" (amounts taken as net, as one integrator reports, qr#346).
    "tax_inclusive": "gross",
    # §4.2: 0 % / exempt rates also get a TaxLine with Amount 0 (True) or none (False, as §4.2 shows).
    "zero_rate_tax_lines": False,
    # §4.3: an override TaxLine list must name every non-zero rate of every code used, else 6000.
    "override_must_cover_every_rate": True,
    # §4.6: a TaxLine without DetailType is refused with 2020 (code number unverified).
    "tax_line_needs_detail_type": True,
    # §6.3: how a non-US transaction discount is spread over lines: "proportional" to line amounts, the
    # cents by largest remainder (each share rounded down, the cents left to the largest remainders, the
    # earlier line on a tie); "last_line": each share half-up, the last line takes the rest. The app's
    # invoicing/totals.spread makes the same assumption as the default: change both together.
    "non_us_discount_spread": "proportional",
    # §9: a non-US line without TaxCodeRef takes the item's SalesTaxCodeRef (True) or is refused (False).
    "line_code_from_item": False,
    # §5.1: Amount that disagrees with Qty x UnitPrice is refused with 6070 (code unverified).
    "line_amount_must_match": True,
    # §1.1: CompanyInfo.Country of a UK company (Intuit documents no value set).
    "uk_country": "GB",
}

SWITCHES: dict[str, Any] = dict(DEFAULTS)


def get(name: str) -> Any:
    return SWITCHES[name]


def update(patch: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(patch) - set(DEFAULTS))
    if unknown:
        raise KeyError(", ".join(unknown))
    SWITCHES.update(patch)
    return dict(SWITCHES)


def reset() -> None:
    SWITCHES.clear()
    SWITCHES.update(DEFAULTS)
