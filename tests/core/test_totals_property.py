"""Property: over random invoices (3-decimal quantities, prices, mixed tax codes, credits, both discount
kinds, tax before/after the discount, tax-inclusive and exclusive prices, both rounding rules) the totals
add up to the cent, every figure is whole cents, each rate's tax is its base times its percent within the
rounding the rule allows, and saving the invoice again (after a reload) gives exactly the same figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Organization, TaxRounding
from customers.models import Customer
from invoicing.models import DiscountKind, Invoice, LineKind
from invoicing.money import line_amount, to_cents
from invoicing.services import InvoiceMoney, LineInput, invoice_create, invoice_update
from tests.core.tax_helpers import REGION_CODES, make_codes

pytestmark = pytest.mark.django_db
CENT = Decimal("0.01")
CODE_NAMES = [None, *REGION_CODES]

quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(500), places=3)
prices = st.decimals(min_value=Decimal(0), max_value=Decimal(5000), places=2)
line_st = st.tuples(quantities, prices, st.sampled_from(CODE_NAMES),
                    st.sampled_from([LineKind.ITEM] * 4 + [LineKind.CREDIT]))
discount_st = st.one_of(
    st.just((DiscountKind.NONE, Decimal(0))),
    st.tuples(st.just(DiscountKind.PERCENT), st.decimals(min_value=Decimal("0.01"), max_value=Decimal(100), places=2)),
    st.tuples(st.just(DiscountKind.AMOUNT), st.decimals(min_value=Decimal("0.01"), max_value=Decimal(20000), places=2)),
)
invoice_st = st.fixed_dictionaries({
    "lines": st.lists(line_st, min_size=1, max_size=8),
    "discount": discount_st,
    "inclusive": st.booleans(),
    "after": st.booleans(),
    "rounding": st.sampled_from(TaxRounding.values),
})


def _is_cents(value: Decimal) -> bool:
    return value == value.quantize(CENT)


@pytest.fixture
def world(org: Organization, make_customer: Callable[..., Customer]) -> tuple[Organization, Customer, dict]:
    return org, make_customer(org), make_codes(org)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=invoice_st)
def test_totals_are_consistent_and_stable(world: tuple[Organization, Customer, dict], spec: dict) -> None:
    org, customer, codes = world
    org.prices_include_tax, org.tax_after_discount, org.tax_rounding = spec["inclusive"], spec["after"], spec["rounding"]
    org.save()
    lines = [LineInput(description="Work", quantity=q, unit_price=p, kind=kind,
                       tax_code=codes[code] if code else None, taxable=code is not None)
             for q, p, code, kind in spec["lines"]]
    kind, value = spec["discount"]
    money = InvoiceMoney(discount_kind=kind, discount_value=value)
    lines_sum = sum((line_amount(ln.quantity, ln.unit_price) * (-1 if ln.kind == LineKind.CREDIT else 1)
                     for ln in lines), Decimal("0.00"))
    entered = {DiscountKind.NONE: Decimal("0.00"), DiscountKind.AMOUNT: value,
               DiscountKind.PERCENT: to_cents(lines_sum * value / 100)}[kind]

    try:
        invoice = invoice_create(organization=org, customer=customer, issue_date=date(2026, 12, 1), lines=lines,
                                 money=money)
    except ValidationError as exc:
        # Refused, with a clear error, only when the credits or the discount exceed the lines, or credits
        # carry more tax than the items (a negative total, which QBO refuses too).
        message = " ".join(exc.messages)
        assert lines_sum < 0 or entered > lines_sum or "cannot total less than zero" in message, message
        return
    assert lines_sum >= 0 and entered <= lines_sum
    invoice = Invoice.objects.get(pk=invoice.pk)
    stored = list(invoice.lines.all())
    tax_lines = list(invoice.tax_lines.all())
    figures = (invoice.subtotal, invoice.discount_amount, invoice.tax_amount, invoice.total)

    # lines + tax - discount = total, to the cent; everything in whole cents; nothing owed below zero.
    assert all(_is_cents(v) for v in (*figures, *(t.amount for t in tax_lines), *(ln.amount for ln in stored)))
    assert invoice.subtotal - invoice.discount_amount + invoice.tax_amount == invoice.total == invoice.balance
    assert invoice.total >= 0
    assert sum((t.amount for t in tax_lines), Decimal(0)) == invoice.tax_amount
    assert sum((ln.amount for ln in stored), Decimal(0)) == lines_sum
    if spec["inclusive"]:
        assert invoice.total == lines_sum - entered  # the prices already hold the tax
        if kind == DiscountKind.NONE:
            assert invoice.subtotal + invoice.tax_amount == lines_sum
    else:
        assert invoice.subtotal == lines_sum and invoice.discount_amount == entered
        assert invoice.total == lines_sum - entered + invoice.tax_amount

    # Each rate's tax is its taxable amount x its percent, within the cents its rounding rule may move it.
    taxed_lines = sum(1 for _, _, code, _ in spec["lines"] if code and REGION_CODES[code])
    for tax_line in tax_lines:
        exact = tax_line.taxable_amount * tax_line.percent / 100
        if spec["rounding"] == TaxRounding.PER_INVOICE and not spec["inclusive"]:
            assert tax_line.amount == to_cents(exact)
        else:
            assert abs(tax_line.amount - exact) <= CENT * (taxed_lines + 1)

    # Stable: recomputed from what was stored (as an edit that changes nothing does), the figures stay.
    again = invoice_update(
        invoice=invoice, customer=customer, issue_date=invoice.issue_date,
        lines=[LineInput(description=ln.description, quantity=ln.quantity, unit_price=ln.unit_price, kind=ln.kind,
                         tax_code=ln.tax_code, taxable=ln.taxable) for ln in stored],
        money=InvoiceMoney(discount_kind=invoice.discount_kind, discount_value=invoice.discount_value),
    )
    again = Invoice.objects.get(pk=again.pk)
    assert (again.subtotal, again.discount_amount, again.tax_amount, again.total) == figures
    assert [(t.name, t.taxable_amount, t.amount) for t in again.tax_lines.all()] == [
        (t.name, t.taxable_amount, t.amount) for t in tax_lines]
