"""Money arithmetic: Decimal everywhere, rounded half-up to cents (what customers and QBO expect)."""

from __future__ import annotations

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
