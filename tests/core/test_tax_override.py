"""An invoice's tax override: a tax figure taken from elsewhere (the accounting system's own tax engine)
before the invoice is sent. The arithmetic (invoicing/totals.py) and the service's rules (when it is
refused, what an edit of the lines does to it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal as D

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError

from accounts.models import Organization
from customers.models import Customer
from invoicing import lifecycle
from invoicing import totals as arithmetic
from invoicing.models import Invoice, InvoiceStatus, TaxCode, TaxRate
from invoicing.services import (
    InvoiceMoney,
    LineInput,
    invoice_create,
    invoice_tax_override_clear,
    invoice_tax_override_set,
    invoice_update,
    tax_override_dropped_notice,
)

ISSUED = date(2026, 12, 1)
STATE = arithmetic.Rate(key=1, name="State", percent=D("6.25"))
CITY = arithmetic.Rate(key=2, name="City", percent=D("1.625"))


def test_override_sets_tax_total_and_one_line_on_the_taxed_amount() -> None:
    lines = [arithmetic.Line(amount=D("100.00"), rates=(STATE, CITY), code_key=7),
             arithmetic.Line(amount=D("40.00"))]  # not taxed here
    own = arithmetic.compute(lines)
    assert own.tax == D("7.88")  # 6.25 + 1.63
    result = arithmetic.compute(lines, tax_override=D("8.25"), override_name="Sales tax")
    assert (result.subtotal, result.tax, result.total, result.own_tax) == (D("140.00"), D("8.25"), D("148.25"),
                                                                           D("7.88"))
    [line] = result.tax_lines
    assert (line.rate.name, line.rate.key, line.taxable_amount, line.amount, line.rate.percent) == (
        "Sales tax", arithmetic.OVERRIDE_KEY, D("100.00"), D("8.25"), D("8.250"))


def test_override_follows_the_discount_and_taxes_the_net_when_nothing_is_taxed_here() -> None:
    lines = [arithmetic.Line(amount=D("200.00"), rates=(STATE,)), arithmetic.Line(amount=D("100.00"))]
    result = arithmetic.compute(lines, discount_kind="amount", discount_value=D("30.00"), tax_override=D("12.00"))
    assert (result.discount, result.tax, result.total) == (D("30.00"), D("12.00"), D("282.00"))
    assert result.tax_lines[0].taxable_amount == D("180.00")  # the taxed line's share after the discount
    untaxed = arithmetic.compute([arithmetic.Line(amount=D("50.00"))], tax_override=D("4.00"))
    assert (untaxed.tax_lines[0].taxable_amount, untaxed.tax_lines[0].rate.percent) == (D("50.00"), D("8.000"))
    zero = arithmetic.compute([arithmetic.Line(amount=D("50.00"), rates=(STATE,))], tax_override=D("0.00"))
    assert (zero.tax, zero.total) == (D("0.00"), D("50.00"))


def test_override_of_tax_inclusive_prices_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="tax-exclusive"):
        arithmetic.compute([arithmetic.Line(amount=D("120.00"), rates=(STATE,))], prices_include_tax=True,
                           tax_override=D("1.00"))


@pytest.fixture
def finalized(org: Organization, make_customer: Callable[..., Customer]) -> Invoice:
    code = TaxCode.objects.create(organization=org, name="Springfield")
    code.rates.add(TaxRate.objects.create(organization=org, name="State", rate=D("6.25")),
                   TaxRate.objects.create(organization=org, name="City", rate=D("1.625")))
    invoice = invoice_create(organization=org, customer=make_customer(org), issue_date=ISSUED,
                             lines=[LineInput(description="Repair", quantity=D(1), unit_price=D("100.00"),
                                              tax_code=code)])
    return lifecycle.invoice_finalize(invoice=invoice)


@pytest.fixture
def person(db: None) -> User:
    return User.objects.create_user("clerk")


@pytest.mark.django_db
def test_set_and_clear_keep_totals_and_balance_coherent(finalized: Invoice, person: User) -> None:
    saved = invoice_tax_override_set(invoice=finalized, amount="8.25", source="Their engine", user=person)
    saved.refresh_from_db()
    assert (saved.tax_amount, saved.total, saved.balance) == (D("8.25"), D("108.25"), D("108.25"))
    assert (saved.tax_override_source, saved.tax_override_by, saved.tax_override_at is not None) == (
        "Their engine", person, True)
    assert [(t.name, t.tax_rate_id, t.amount) for t in saved.tax_lines.all()] == [("Sales tax", None, D("8.25"))]
    cleared = invoice_tax_override_clear(invoice=saved)
    assert (cleared.tax_override, cleared.tax_override_source, cleared.tax_override_by) == (None, "", None)
    assert (cleared.tax_amount, cleared.total) == (D("7.88"), D("107.88"))
    assert [t.name for t in cleared.tax_lines.all()] == ["City", "State"]
    with pytest.raises(ValidationError, match="already computed from its lines"):
        invoice_tax_override_clear(invoice=cleared)


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "message"), [("-1", "zero or more"), ("1.234", "two decimals"),
                                                 ("lots", "is not an amount"), ("NaN", "zero or more")])
def test_a_bad_amount_is_refused_plainly(finalized: Invoice, person: User, amount: str, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        invoice_tax_override_set(invoice=finalized, amount=amount, source="Their engine", user=person)
    with pytest.raises(ValidationError, match="where the tax figure comes from"):
        invoice_tax_override_set(invoice=finalized, amount="1.00", source="  ", user=person)


@pytest.mark.django_db
@pytest.mark.parametrize(("make_state", "message"), [
    ("send", "was already sent to the customer"),
    ("pay", "already sent"),  # sent and paid: the rule names the sending first
    ("part_pay", "is partially paid; its tax cannot change once it is paid"),
    ("void", "is void"),
    ("draft", "is a draft; finalize it first"),
    ("dispute", "is disputed"),
])
def test_refused_once_sent_paid_void_or_before_finalizing(finalized: Invoice, person: User, make_state: str,
                                                          message: str) -> None:
    invoice = finalized
    if make_state == "send":
        lifecycle.invoice_send(invoice=invoice)
    elif make_state == "pay":
        lifecycle.invoice_send(invoice=invoice)
        lifecycle.invoice_record_payment(invoice=invoice, amount=invoice.total)
    elif make_state == "part_pay":
        lifecycle.invoice_record_payment(invoice=invoice, amount="10.00")
    elif make_state == "void":
        lifecycle.invoice_void(invoice=invoice)
    elif make_state == "draft":
        Invoice.objects.filter(pk=invoice.pk).update(status=InvoiceStatus.DRAFT)
    elif make_state == "dispute":
        lifecycle.invoice_dispute(invoice=invoice)
    invoice.refresh_from_db()
    before = (invoice.tax_amount, invoice.total)
    with pytest.raises(ValidationError, match=message):
        invoice_tax_override_set(invoice=invoice, amount="8.25", source="Their engine", user=person)
    invoice.refresh_from_db()
    assert (invoice.tax_amount, invoice.total, invoice.tax_override) == (*before, None)


@pytest.mark.django_db
def test_a_tax_inclusive_invoice_is_refused(org: Organization, make_customer: Callable[..., Customer],
                                            person: User) -> None:
    org.prices_include_tax = True
    org.save()
    invoice = invoice_create(organization=org, customer=make_customer(org), issue_date=ISSUED,
                             lines=[LineInput(description="Repair", quantity=D(1), unit_price=D("120.00"))])
    lifecycle.invoice_finalize(invoice=invoice)
    with pytest.raises(ValidationError, match="prices include tax"):
        invoice_tax_override_set(invoice=invoice, amount="1.00", source="Their engine", user=person)


@pytest.mark.django_db
def test_an_edit_of_the_lines_drops_it_and_other_edits_keep_it(finalized: Invoice, person: User) -> None:
    invoice = invoice_tax_override_set(invoice=finalized, amount="8.25", source="Their engine", user=person)
    line = invoice.lines.get()
    same = LineInput(description="Repair, with parts", quantity=D(1), unit_price=D("100.00"),
                     tax_code=line.tax_code, id=line.pk)
    kept = invoice_update(invoice=invoice, customer=invoice.customer, issue_date=ISSUED, lines=[same],
                          memo="Thanks")
    assert (kept.tax_override, kept.tax_amount) == (D("8.25"), D("8.25"))
    assert tax_override_dropped_notice(before=invoice, after=kept) == ""

    discounted = invoice_update(invoice=kept, customer=kept.customer, issue_date=ISSUED, lines=[same],
                                money=InvoiceMoney(discount_kind="amount", discount_value=D("10.00")))
    assert discounted.tax_override is None and discounted.tax_amount == D("7.09")  # 90.00 at 7.875 %
    assert tax_override_dropped_notice(before=kept, after=discounted) == (
        "The tax taken from Their engine (8.25) was dropped because the lines changed; the tax is computed "
        "from the lines again (7.09).")
