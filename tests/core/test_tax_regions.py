"""Worked examples per region: the totals an invoice gets, per rate, as QuickBooks computes them for a
company of that kind (examples from /work/shared/reference/qbo-tax-and-money.md where it has them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal as D

import pytest

from accounts.models import Organization, TaxRounding
from customers.models import Customer
from invoicing.models import DiscountKind, LineKind
from invoicing.services import InvoiceMoney, LineInput, invoice_create
from tests.core.tax_helpers import make_codes

pytestmark = pytest.mark.django_db
ISSUED = date(2026, 12, 1)


@dataclass(frozen=True)
class Example:
    region: str
    what: str
    lines: list[tuple[str, str, str | None]]  # quantity, unit price, code name (None: no tax); "-" price = credit
    tax_lines: list[tuple[str, str, str]]  # rate name, taxable amount, tax
    subtotal: str
    tax: str
    total: str
    rounding: str = TaxRounding.PER_INVOICE
    inclusive: bool = False
    discount: tuple[str, str] = ("", "0")
    tax_after_discount: bool = True
    discount_amount: str = "0.00"
    extra: dict[str, str] = field(default_factory=dict)


US, LINE = TaxRounding.PER_INVOICE, TaxRounding.PER_LINE
EXAMPLES = [
    # QBO's own: three taxable lines of 335.25 with California 8 % -> 26.82, total 362.07.
    Example("US", "one-rate code on the taxable subtotal",
            [("1", "275.00", "California"), ("1", "12.75", "California"), ("1", "47.50", "California")],
            [("California", "335.25", "26.82")], "335.25", "26.82", "362.07"),
    # A group code: each rate of Tucson on the taxable subtotal; labour not taxed.
    Example("US", "state + city group, labour not taxed",
            [("2", "95.00", None), ("1", "84.50", "Tucson")],
            [("AZ State tax", "84.50", "6.00"), ("Tucson City", "84.50", "1.69")], "274.50", "7.69", "282.19"),
    # Tax after a 10 % discount: taxed 180.00 -> 14.40, total 194.40.
    Example("US", "10 % discount, tax after the discount", [("2", "100.00", "California")],
            [("California", "180.00", "14.40")], "200.00", "14.40", "194.40",
            discount=(DiscountKind.PERCENT, "10"), discount_amount="20.00"),
    # Tax before the discount: 16.00, total 196.00.
    Example("US", "10 % discount, tax before the discount", [("2", "100.00", "California")],
            [("California", "200.00", "16.00")], "200.00", "16.00", "196.00",
            discount=(DiscountKind.PERCENT, "10"), tax_after_discount=False, discount_amount="20.00"),
    # An amount discount spread over a taxable and an untaxed line in proportion: 30 x 150/300 = 15 off the taxed.
    Example("US", "amount discount spread over taxed and untaxed lines",
            [("1", "150.00", "California"), ("1", "150.00", None)],
            [("California", "135.00", "10.80")], "300.00", "10.80", "280.80",
            discount=(DiscountKind.AMOUNT, "30.00"), discount_amount="30.00"),
    # A credit line lowers the taxed amount of its code.
    Example("US", "credit line", [("1", "300.00", "California"), ("1", "-50.00", "California")],
            [("California", "250.00", "20.00")], "250.00", "20.00", "270.00"),
    # Canada, per line: 29 x 1.59 and 2 x (11 x 1.59) at 12 % -> 9.71 (the subtotal method would say 9.73).
    Example("CA", "per-line rounding, HST 12", [*[("1", "1.59", "HST 12")] * 29, ("11", "1.59", "HST 12"),
                                                 ("11", "1.59", "HST 12")],
            [("HST 12", "81.09", "9.71")], "81.09", "9.71", "90.80", rounding=LINE),
    # GST + PST on one net line: 1,060.71 -> 53.04 + 74.25.
    Example("CA", "GST + PST BC", [("1", "1060.71", "GST/PST BC")],
            [("GST", "1060.71", "53.04"), ("PST BC", "1060.71", "74.25")], "1060.71", "127.29", "1188.00",
            rounding=LINE),
    # GST shared by two codes adds up on one tax line; QST separately.
    Example("CA", "GST shared by GST and GST/QST", [("1", "100.00", "GST"), ("1", "200.00", "GST/QST QC")],
            [("GST", "300.00", "15.00"), ("QST", "200.00", "19.95")], "300.00", "34.95", "334.95", rounding=LINE),
    # UK: QBO's example, 4 x 60 at 20 % and an exempt line -> 48.00, total 323.00.
    Example("UK", "standard and exempt", [("4", "60.00", "20.0% S"), ("1", "35.00", "Exempt")],
            [("VAT 20", "240.00", "48.00")], "275.00", "48.00", "323.00", rounding=LINE),
    # Three lines of 10.03 at 20 % round to 2.01 each: 6.03 (the subtotal would give 6.02).
    Example("UK", "per-line rounding", [("1", "10.03", "20.0% S")] * 3,
            [("VAT 20", "30.09", "6.03")], "30.09", "6.03", "36.12", rounding=LINE),
    # Zero-rated is reported with a tax line of 0.00; reduced rate 5 %.
    Example("UK", "reduced and zero-rated", [("1", "100.00", "5.0% R"), ("1", "40.00", "0.0% Z")],
            [("VAT 5", "100.00", "5.00"), ("VAT 0", "40.00", "0.00")], "140.00", "5.00", "145.00", rounding=LINE),
    # Tax-inclusive: 10.00 gross at 20 % is 8.33 net + 1.67 VAT; 120.00 gross is 100.00 + 20.00.
    Example("UK", "VAT-inclusive prices", [("1", "10.00", "20.0% S"), ("1", "120.00", "20.0% S")],
            [("VAT 20", "108.33", "21.67")], "108.33", "21.67", "130.00", rounding=LINE, inclusive=True),
    # Tax-inclusive, 10 % off before tax: 120.00 - 12.00 = 108.00 paid = 90.00 + 18.00 VAT; shown net of tax
    # as 100.00 - 10.00 + 18.00.
    Example("UK", "VAT-inclusive with a discount", [("1", "120.00", "20.0% S")],
            [("VAT 20", "90.00", "18.00")], "100.00", "18.00", "108.00", rounding=LINE, inclusive=True,
            discount=(DiscountKind.PERCENT, "10"), discount_amount="10.00"),
    # Tax-inclusive, discount after tax: VAT on the full 120.00 (20.00), then 12.00 off the gross.
    Example("UK", "VAT-inclusive, discount after tax", [("1", "120.00", "20.0% S")],
            [("VAT 20", "100.00", "20.00")], "100.00", "20.00", "108.00", rounding=LINE, inclusive=True,
            discount=(DiscountKind.PERCENT, "10"), tax_after_discount=False, discount_amount="12.00"),
    # Australia: GST-inclusive 110.00 -> 100.00 + 10.00; GST-free 50.00 untaxed.
    Example("AU", "GST-inclusive and GST-free", [("1", "110.00", "GST AU"), ("1", "50.00", "GST-free")],
            [("GST 10", "100.00", "10.00")], "150.00", "10.00", "160.00", rounding=LINE, inclusive=True),
    # GST-exclusive per line: 3 x 33.33 -> 3.33 each = 9.99 (the subtotal 99.99 would give 10.00).
    Example("AU", "GST per line", [("1", "33.33", "GST AU")] * 3,
            [("GST 10", "99.99", "9.99")], "99.99", "9.99", "109.98", rounding=LINE),
]


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: f"{e.region}: {e.what}")
def test_worked_example(example: Example, org: Organization, make_customer: Callable[..., Customer]) -> None:
    codes = make_codes(org)
    org.tax_rounding, org.prices_include_tax = example.rounding, example.inclusive
    org.tax_after_discount = example.tax_after_discount
    org.save()
    lines = []
    for quantity, price, code in example.lines:
        credit = price.startswith("-")
        lines.append(LineInput(description="Work", quantity=D(quantity), unit_price=D(price.lstrip("-")),
                               tax_code=codes[code] if code else None, taxable=code is not None,
                               kind=LineKind.CREDIT if credit else LineKind.ITEM))
    kind, value = example.discount
    invoice = invoice_create(organization=org, customer=make_customer(org), issue_date=ISSUED, lines=lines,
                             money=InvoiceMoney(discount_kind=kind, discount_value=D(value)))
    invoice.refresh_from_db()
    assert [(t.name, str(t.taxable_amount), str(t.amount)) for t in invoice.tax_lines.all()] == example.tax_lines
    assert (str(invoice.subtotal), str(invoice.discount_amount), str(invoice.tax_amount), str(invoice.total)) == (
        example.subtotal, example.discount_amount, example.tax, example.total)
    assert invoice.subtotal - invoice.discount_amount + invoice.tax_amount == invoice.total == invoice.balance
