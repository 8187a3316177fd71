"""Totals, balance and payments stay consistent with a discount, credits and tax-inclusive prices."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Organization
from customers.models import Customer
from invoicing import lifecycle
from invoicing.models import DiscountKind, InvoiceStatus, LineKind
from invoicing.services import InvoiceMoney, LineInput, invoice_create, invoice_update
from tests.core.tax_helpers import make_codes

pytestmark = pytest.mark.django_db


def test_discounted_inclusive_invoice_is_paid_to_exactly_zero(org: Organization,
                                                              make_customer: Callable[..., Customer]) -> None:
    codes = make_codes(org, ["20.0% S"])
    org.prices_include_tax = True
    org.save()
    customer = make_customer(org)
    invoice = invoice_create(
        organization=org, customer=customer, issue_date=date(2026, 12, 1),
        lines=[LineInput(description="Boiler service", quantity=Decimal("1.5"), unit_price=Decimal("80.00"),
                         tax_code=codes["20.0% S"]),
               LineInput(description="Goodwill", quantity=Decimal(1), unit_price=Decimal("10.00"),
                         kind=LineKind.CREDIT, tax_code=codes["20.0% S"])],
        money=InvoiceMoney(discount_kind=DiscountKind.AMOUNT, discount_value=Decimal("11.00")))
    # 120.00 - 10.00 = 110.00 gross, 11.00 off: 99.00 paid, of which VAT 16.50.
    assert (invoice.total, invoice.tax_amount, invoice.balance) == (Decimal("99.00"), Decimal("16.50"),
                                                                   Decimal("99.00"))
    lifecycle.invoice_finalize(invoice=invoice)
    lifecycle.invoice_record_payment(invoice=invoice, amount=Decimal("40.00"))
    with pytest.raises(ValidationError):
        lifecycle.invoice_record_payment(invoice=invoice, amount=Decimal("59.01"))
    lifecycle.invoice_record_payment(invoice=invoice, amount=Decimal("59.00"))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance, invoice.amount_paid) == (InvoiceStatus.PAID, Decimal("0.00"),
                                                                      Decimal("99.00"))
    # Paid invoices keep their money: no edit of lines or discount any more.
    with pytest.raises(ValidationError):
        invoice_update(invoice=invoice, customer=customer, issue_date=invoice.issue_date,
                       lines=[LineInput(description="x", quantity=Decimal(1), unit_price=Decimal(1))])


def test_edited_discount_moves_the_balance(org: Organization, make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org)
    lines = [LineInput(description="Repair", quantity=Decimal(1), unit_price=Decimal("200.00"))]
    invoice = invoice_create(organization=org, customer=customer, issue_date=date(2026, 12, 1), lines=lines)
    lifecycle.invoice_finalize(invoice=invoice)
    invoice = invoice_update(invoice=invoice, customer=customer, issue_date=invoice.issue_date, lines=lines,
                             money=InvoiceMoney(discount_kind=DiscountKind.PERCENT, discount_value=Decimal("12.5")))
    assert (invoice.discount_amount, invoice.total, invoice.balance) == (
        Decimal("25.00"), Decimal("175.00"), Decimal("175.00"))
