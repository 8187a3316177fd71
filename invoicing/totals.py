"""The arithmetic of an invoice's totals: discount, tax per rate, subtotal and total, in Decimal.

Pure functions over plain values; `invoicing.services.invoice_recompute_totals` is their only caller and
the only code that writes totals, so the rule lives in one place.

The rules, and why (they follow QuickBooks Online, where the invoices are pushed, so both agree to the cent):

* A line's amount is quantity x unit price rounded half-up to the cent (negative for a credit line).
* Discount: a percent is taken of the sum of the line amounts and rounded to the cent once; an amount is
  taken as is. It may not exceed that sum (QBO refuses a negative total).
* Tax after the discount (QBO's ApplyTaxAfterDiscount): the discount is spread over the lines in proportion
  to their amounts, in cents, by largest remainder (each share is its exact proportion rounded down to the
  cent; the cents left go one each to the shares that lost most, the earlier line on a tie), so each line's
  taxed amount is known exactly, every share is within a cent of its proportion, and only a tie depends on
  the order of the lines. Per-line rounding then taxes each line's share, so this split decides the cents of a
  discounted VAT/GST invoice: it is the one place that says how. Tax before the discount: lines are taxed
  on their full amounts.
* Rounding, per the invoice's `tax_rounding`:
  - PER_INVOICE: each rate's tax is rounded once, on the sum of the taxed amounts of the lines carrying
    it. That is QBO's US sales tax (TaxLine.NetAmountTaxable x TaxPercent) and what this app always did.
  - PER_LINE: each line's tax is rounded per rate, then summed. That is what QBO does for VAT/GST
    companies (UK, CA, AU): three lines of 10.03 at 20 % give 6.03, not 6.02.
* Tax-inclusive prices: the line amounts contain the tax. The net is the gross divided by (1 + the code's
  total rate), rounded to the cent; the tax is gross - net, so no cent is lost; a code of several rates
  splits that tax by rate, the last rate taking the remaining cent. PER_INVOICE does this once per code
  on the sum of its lines, PER_LINE per line.
* Tax override (an invoice's `tax_override`, taken from another tax engine before the invoice is sent,
  tax-exclusive prices only): the tax is that figure and total = subtotal - discount + it. The per-rate
  lines are replaced by one line (named by the caller; the invoice keeps the figure's source) on the
  taxed amount, with the rate that amount and figure imply. Why not our rates scaled to the figure by
  largest remainder: the other engine chose its own jurisdictions and rates (US automated sales tax picks
  them from the job site's address), so our percentages scaled would print rates that do not produce
  their amounts, and agencies that may not be the ones charged; one line is what was charged.
* Totals: total = subtotal - discount + tax, always, to the cent. With tax-exclusive prices the subtotal
  is the sum of the lines. With tax-inclusive prices the customer pays the lines minus the discount; the
  subtotal is the lines less the tax they contain (before any discount), and the discount is shown on
  that same net footing (so 10 % off 120.00 incl. 20 % VAT reads 100.00 - 10.00 + 18.00 = 108.00).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from invoicing.money import CENT, to_cents

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
PER_LINE = "line"
# The key of the one tax line an override leaves: it is none of our rates (they are database ids, from 1).
OVERRIDE_KEY = 0
# InvoiceTaxLine.percent holds three decimals below 1000; an implied rate beyond that is shown as 0.
PERCENT_LIMIT = Decimal(1000)


@dataclass(frozen=True)
class Rate:
    key: int  # identifies the component rate; lines sharing it add up on one tax line
    name: str
    percent: Decimal
    agency: str = ""


@dataclass(frozen=True)
class Line:
    amount: Decimal  # cents, signed
    rates: tuple[Rate, ...] = ()  # of the line's tax code, in order; empty = not taxed
    code_key: int | None = None


@dataclass
class TaxLine:
    rate: Rate
    taxable_amount: Decimal = ZERO
    amount: Decimal = ZERO


@dataclass
class Totals:
    lines_sum: Decimal
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    total: Decimal
    tax_lines: list[TaxLine] = field(default_factory=list)
    own_tax: Decimal | None = None  # with an override: the tax the lines gave, for saying what it replaced


def discount_of(*, kind: str, value: Decimal, lines_sum: Decimal) -> Decimal:
    if kind == "percent":
        return to_cents(lines_sum * value / HUNDRED)
    if kind == "amount":
        return to_cents(value)
    return ZERO


def spread(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """`total` split in cents in proportion to `weights` by largest remainder: each exact share rounded down
    to the cent, then the cents left one each to the largest remainders (the earlier on a tie). The shares
    add up to `total` exactly, and each is its exact proportion rounded up or down, never further."""
    whole = sum(weights, ZERO)
    if not weights or whole == 0 or total == 0:
        return [ZERO for _ in weights]
    exact = [total * weight / whole for weight in weights]
    shares = [share.quantize(CENT, rounding=ROUND_FLOOR) for share in exact]
    left = int((total - sum(shares, ZERO)) / CENT)  # 0 <= left < len(weights): each floor lost under a cent
    for i in sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))[:left]:
        shares[i] += CENT
    return shares


def _split_by_rate(tax: Decimal, net: Decimal, rates: Sequence[Rate]) -> list[Decimal]:
    """Included tax split over a code's rates; the last rate takes what rounding left, so they add to `tax`."""
    parts = [to_cents(net * rate.percent / HUNDRED) for rate in rates[:-1]]
    return [*parts, tax - sum(parts, ZERO)]


def _add(tax_lines: dict[int, TaxLine], rate: Rate, base: Decimal, amount: Decimal) -> None:
    tax_line = tax_lines.setdefault(rate.key, TaxLine(rate=rate))
    tax_line.taxable_amount += base
    tax_line.amount += amount


def _exclusive_tax(bases: list[tuple[Line, Decimal]], per_line: bool) -> dict[int, TaxLine]:
    tax_lines: dict[int, TaxLine] = {}
    for line, base in bases:
        for rate in line.rates:
            _add(tax_lines, rate, base, to_cents(base * rate.percent / HUNDRED) if per_line else ZERO)
    if not per_line:
        for tax_line in tax_lines.values():
            tax_line.amount = to_cents(tax_line.taxable_amount * tax_line.rate.percent / HUNDRED)
    return tax_lines


def _inclusive_tax(bases: list[tuple[Line, Decimal]], per_line: bool) -> dict[int, TaxLine]:
    groups: list[tuple[tuple[Rate, ...], Decimal]] = []
    if per_line:
        groups = [(line.rates, base) for line, base in bases if line.rates]
    else:
        by_code: dict[object, tuple[tuple[Rate, ...], Decimal]] = {}
        for line, base in bases:
            if line.rates:
                key = line.code_key if line.code_key is not None else tuple(r.key for r in line.rates)
                rates, gross = by_code.get(key, (line.rates, ZERO))
                by_code[key] = (rates, gross + base)
        groups = list(by_code.values())
    tax_lines: dict[int, TaxLine] = {}
    for rates, gross in groups:
        net = to_cents(gross * HUNDRED / (HUNDRED + sum((r.percent for r in rates), Decimal(0))))
        for rate, amount in zip(rates, _split_by_rate(gross - net, net, rates), strict=True):
            _add(tax_lines, rate, net, amount)
    return tax_lines


def _override_line(override: Decimal, name: str, bases: list[tuple[Line, Decimal]], net: Decimal) -> TaxLine:
    """The one line of an overridden tax: on what our lines tax (all of the net when none is taxed here,
    e.g. lines the other engine taxes by their product), at the rate that amount and the figure imply."""
    taxed = sum((base for line, base in bases if line.rates), ZERO) or net
    percent = (override * HUNDRED / taxed).quantize(Decimal("0.001")) if taxed > 0 else Decimal(0)
    if percent >= PERCENT_LIMIT:
        percent = Decimal(0)
    return TaxLine(rate=Rate(key=OVERRIDE_KEY, name=name, percent=percent), taxable_amount=taxed, amount=override)


def compute(lines: Sequence[Line], *, discount_kind: str = "", discount_value: Decimal = ZERO,
            prices_include_tax: bool = False, tax_after_discount: bool = True,
            rounding: str = "invoice", tax_override: Decimal | None = None, override_name: str = "") -> Totals:
    if tax_override is not None and prices_include_tax:
        raise ValueError("a tax override applies to tax-exclusive prices only")
    lines_sum = sum((line.amount for line in lines), ZERO)
    discount = discount_of(kind=discount_kind, value=discount_value, lines_sum=lines_sum)
    shares = spread(discount, [line.amount for line in lines]) if tax_after_discount else [ZERO] * len(lines)
    bases = [(line, line.amount - share) for line, share in zip(lines, shares, strict=True)]
    per_line = rounding == PER_LINE
    tax_lines = (_inclusive_tax if prices_include_tax else _exclusive_tax)(bases, per_line)
    tax = sum((tax_line.amount for tax_line in tax_lines.values()), ZERO)
    if tax_override is not None:
        line = _override_line(tax_override, override_name, bases, lines_sum - discount)
        return Totals(lines_sum=lines_sum, subtotal=lines_sum, discount=discount, tax=tax_override,
                      total=lines_sum - discount + tax_override, tax_lines=[line], own_tax=tax)
    if not prices_include_tax:
        return Totals(lines_sum=lines_sum, subtotal=lines_sum, discount=discount, tax=tax,
                      total=lines_sum - discount + tax, tax_lines=list(tax_lines.values()))
    # Inclusive: the customer pays the lines less the discount. The summary is shown net of tax: the
    # subtotal is the lines less the tax they contain before any discount, and the discount shown is what
    # it takes off that (net of tax when tax is after the discount, gross when the discount comes after tax).
    undiscounted = tax
    if tax_after_discount and discount:
        full = _inclusive_tax([(line, line.amount) for line in lines], per_line)
        undiscounted = sum((tax_line.amount for tax_line in full.values()), ZERO)
    subtotal, total = lines_sum - undiscounted, lines_sum - discount
    return Totals(lines_sum=lines_sum, subtotal=subtotal, discount=subtotal + tax - total, tax=tax, total=total,
                  tax_lines=list(tax_lines.values()))
