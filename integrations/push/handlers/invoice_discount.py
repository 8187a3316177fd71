"""An invoice's discount on its way to QBO (qbo-tax-and-money.md §6), including where QuickBooks cannot take
it as the app means it.

* Discounts on in the company: one `DiscountLineDetail` after the sales lines (§6.1); in the US also
  `ApplyTaxAfterDiscount` = the invoice's choice (§6.2, a US-only field).
* Outside the US QBO always taxes what the discount leaves of each line (§6.3): an invoice taxed *before*
  its discount would total otherwise there. Measured against the simulator (amount discount 8.00 on
  3 × 10.03 + 49.99, tax before the discount): CA ours 79.58 / tax 7.50, QBO 78.83 / 6.75; UK ours 83.58 /
  11.50, QBO 82.43 / 10.35. So it is refused before anything is sent. §6.3's workarounds do not help: a
  discount put into the lines, or a discount item line per tax code, is taxed after too.
* Discounts off in the company (`AllowDiscount` false, §6.1): §6.3's first workaround, the discount put
  into the lines. Each line's share is the one our totals use (`invoicing.totals.spread`, largest
  remainder), its `Amount` = its amount − share, `UnitPrice` = `Amount` / `Qty` to the 7 decimals QBO keeps
  (§5.1: `Amount` must equal `Qty` × `UnitPrice`; the simulator, like QBO's own form, rounds that product
  half-up to the cent: qbo_sim/README.md), and the `Description` keeps the list price and the share. QBO
  then sees the amounts ours taxed: per line outside the US (the same split), on the taxable subtotal in a
  US manual company (and our `TotalTax` is sent anyway), so `TotalAmt` and `TotalTax` are ours to the cent.
  With tax before the discount QBO would tax the lowered prices (and a US manual company would report a
  lower taxable amount than the tax was charged on), so that stays refused unless the invoice has no tax.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from integrations.models import CompanyKind, QuickBooksConnection
from integrations.qbo.errors import QboRefusedHere
from invoicing.models import DiscountKind, Invoice, InvoiceLine, LineKind
from invoicing.money import to_cents
from invoicing.totals import discount_of, spread

US_KINDS = (CompanyKind.US_MANUAL, CompanyKind.US_AST, CompanyKind.US_NO_TAX)
UNIT_PRICE_PLACES = Decimal("0.0000001")  # QBO keeps 7 decimals of Qty and UnitPrice (§5.1)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class DiscountPlan:
    """How the invoice's discount is sent: `lines` after the sales lines and `extra` body fields, or each
    sales line's `shares` put into its amount (discounts off in the company)."""

    lines: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    shares: list[Decimal] = field(default_factory=list)

    def share(self, index: int) -> Decimal:
        return self.shares[index] if self.shares else ZERO


def _has_discount(invoice: Invoice) -> bool:
    return bool(invoice.discount_kind) and invoice.discount_amount > 0


def _taxed_before(invoice: Invoice) -> bool:
    """Tax before the discount, on an invoice that has tax (without tax the order changes nothing)."""
    return not invoice.tax_after_discount and invoice.tax_amount != 0


def discount_plan(connection: QuickBooksConnection, invoice: Invoice, lines: list[InvoiceLine]) -> DiscountPlan:
    if not _has_discount(invoice):
        return DiscountPlan()
    if connection.company_kind == CompanyKind.NON_US and _taxed_before(invoice):
        where = connection.company_country or "outside the US"
        raise QboRefusedHere(
            f"This invoice takes tax before its discount, but QuickBooks ({where}) always taxes the discounted "
            "amount: its tax and total would differ from this invoice's, so nothing was sent.",
            # An issued invoice keeps the tax order it was made with (invoicing copies it at creation).
            hint="Turn on “Apply tax after the discount” under Settings › Tax & terms so new invoices are made "
                 "QuickBooks' way. For this invoice: remove its discount (saving the edit sends it), or void it "
                 "and issue a new one.")
    if connection.company_read_at is not None and not connection.allow_discount:
        return _into_lines(invoice, lines)
    if invoice.discount_kind == DiscountKind.PERCENT:
        detail: dict[str, Any] = {"PercentBased": True, "DiscountPercent": float(invoice.discount_value)}
        amount = invoice.discount_amount
    else:
        # The amount as entered: with tax-inclusive prices it comes off the gross lines, as QBO takes it.
        detail, amount = {"PercentBased": False}, invoice.discount_value
    line = {"DetailType": "DiscountLineDetail", "Amount": float(amount), "DiscountLineDetail": detail}
    extra = {"ApplyTaxAfterDiscount": invoice.tax_after_discount} if connection.company_kind in US_KINDS else {}
    return DiscountPlan(lines=[line], extra=extra)


def _into_lines(invoice: Invoice, lines: list[InvoiceLine]) -> DiscountPlan:
    if _taxed_before(invoice):
        raise QboRefusedHere(
            "This invoice takes tax before its discount, but discounts are off in the QuickBooks company: put "
            "into the lines instead, the discount would be taken before tax there, so nothing was sent.",
            hint="Turn on Account and settings › Sales › Discount in QuickBooks, press “Re-read company "
                 "settings” on the QuickBooks settings page, then press Retry; or remove the invoice's discount "
                 "(saving the edit sends it).")
    amounts = [line.amount for line in lines]
    total = discount_of(kind=invoice.discount_kind, value=invoice.discount_value, lines_sum=sum(amounts, ZERO))
    return DiscountPlan(shares=spread(total, amounts))


def _price_for(quantity: Decimal, amount: Decimal) -> Decimal | None:
    """The UnitPrice (7 decimals) whose product with `quantity`, rounded half-up to the cent, is `amount`;
    None when there is none (a quantity of 100,000 or more steps over a cent per 0.0000001 of price)."""
    if quantity == 0:
        return None
    price = (amount / quantity).quantize(UNIT_PRICE_PLACES, rounding=ROUND_HALF_UP)
    sent = Decimal(str(float(price)))  # what the JSON body carries
    return price if to_cents(quantity * sent) == amount else None


def sales_line_money(line: InvoiceLine, share: Decimal) -> tuple[Decimal, dict[str, Any], str]:
    """A sales line's Amount, its Qty/UnitPrice and its Description, with its discount share put in."""
    # A credit line is stored with a positive price and a negative amount; QBO wants
    # Amount = Qty x UnitPrice (6070 otherwise), so the price goes out negative.
    price = -line.unit_price if line.kind == LineKind.CREDIT else line.unit_price
    if not share:
        return line.amount, {"Qty": float(line.quantity), "UnitPrice": float(price)}, line.description[:4000]
    amount = line.amount - share
    note = f" ({line.quantity.normalize():f} × {price} list price, less {share} of the invoice discount)"
    description = line.description[:4000 - len(note)] + note
    fitted = _price_for(line.quantity, amount)
    if fitted is None:
        return amount, {}, description  # the line total alone, as QBO takes it (Qty and UnitPrice optional)
    return amount, {"Qty": float(line.quantity), "UnitPrice": float(fitted)}, description
