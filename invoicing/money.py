"""Money arithmetic: Decimal everywhere, rounded half-up to cents (what customers and QBO expect)."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_cents(value: Decimal | int | str) -> Decimal:
    try:
        return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not an amount of money") from None


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return to_cents(Decimal(quantity) * Decimal(unit_price))


def tax_on(taxable_subtotal: Decimal, percent: Decimal) -> Decimal:
    return to_cents(Decimal(taxable_subtotal) * Decimal(percent) / Decimal(100))


def invoice_totals(lines: Iterable[tuple[Decimal, bool]], percent: Decimal) -> tuple[Decimal, Decimal, Decimal]:
    """(subtotal, tax, total) of (line amount, taxable) pairs: tax on the taxable subtotal, rounded once."""
    subtotal = taxable = Decimal(0)
    for amount, is_taxable in lines:
        subtotal += amount
        if is_taxable:
            taxable += amount
    subtotal, tax = to_cents(subtotal), tax_on(taxable, percent)
    return subtotal, tax, subtotal + tax
