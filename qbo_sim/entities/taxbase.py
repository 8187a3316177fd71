"""Money helpers shared by the tax engine's modules: rounding to cents (switch ``rounding``, §5.2)
and the per-line record the engines fill."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

from .. import tax_switches
from ..store import Record

_MODES = {"half_up": ROUND_HALF_UP, "half_even": ROUND_HALF_EVEN, "truncate": ROUND_DOWN}


def cents(value: float | Decimal) -> float:
    """Round a money amount to cents with the company-wide rounding switch (§5.2)."""
    mode = _MODES[tax_switches.get("rounding")]
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=mode))


def half_up(value: float | Decimal) -> float:
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@dataclass
class SaleLine:
    line: dict[str, Any]
    amount: float
    taxed: bool = False               # US: TAX line
    code: Record | None = None        # non-US: the line's TaxCode
    net: float = 0.0                  # after its share of the discount
    tax: float = 0.0
