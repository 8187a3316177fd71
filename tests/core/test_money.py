"""Totals, half-up rounding to cents, payment and refund bounds, the overdue sweep, dispute and resolve."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Organization
from customers.models import Customer
from invoicing import lifecycle
from invoicing.models import Invoice, InvoiceStatus, Payment, TaxRate
from invoicing.money import to_cents
from invoicing.services import LineInput, invoice_create, invoice_update
from tests.core.conftest import create_invoice

S = InvoiceStatus
D = Decimal
TODAY = date.today()


def _line(quantity: str, price: str, *, taxable: bool = True) -> LineInput:
    return LineInput(description="Work", quantity=D(quantity), unit_price=D(price), taxable=taxable)


@pytest.fixture
def sales_tax(org: Organization) -> TaxRate:
    return TaxRate.objects.create(organization=org, name="NYC", rate=D("8.875"))


@pytest.mark.parametrize(("raw", "cents"), [
    ("1.005", "1.01"), ("2.675", "2.68"), ("1.004", "1.00"), ("0.125", "0.13"), ("-1.005", "-1.01"), ("7", "7.00"),
])
def test_to_cents_rounds_half_up(raw: str, cents: str) -> None:
    assert to_cents(D(raw)) == D(cents)


def test_to_cents_refuses_garbage() -> None:
    with pytest.raises(ValueError, match="not an amount"):
        to_cents("12,50")


def test_line_amount_rounds_the_product_not_the_price(org: Organization, customer: Customer) -> None:
    # 3 x 0.335 = 1.005 -> 1.01; rounding the price first (0.34) would give 1.02.
    invoice = create_invoice(org, customer, due=TODAY, lines=[_line("3", "0.335"), _line("1", "1.005")])
    amounts = list(invoice.lines.values_list("amount", flat=True))
    assert amounts == [D("1.01"), D("1.01")]
    assert (invoice.subtotal, invoice.total, invoice.balance) == (D("2.02"), D("2.02"), D("2.02"))


def test_tax_is_taken_on_taxable_lines_only_and_rounded_half_up(
    org: Organization, customer: Customer, sales_tax: TaxRate
) -> None:
    # Taxable 2 x 30.00 = 60.00; 8.875% of it is 5.325 -> 5.33 (banker's rounding would say 5.32).
    invoice = invoice_create(
        organization=org, customer=customer, issue_date=TODAY, due_date=TODAY, tax_rate=sales_tax,
        lines=[_line("2", "30.00"), _line("1", "45.50", taxable=False)],
    )
    assert (invoice.subtotal, invoice.tax_amount, invoice.total) == (D("105.50"), D("5.33"), D("110.83"))
    assert [(t.name, t.percent, t.taxable_amount, t.amount) for t in invoice.tax_lines.all()] == [
        ("NYC", D("8.875"), D("60.00"), D("5.33"))]


def test_mixed_lines_with_fractional_quantities(org: Organization, customer: Customer, sales_tax: TaxRate) -> None:
    # Taxable 60.00 + 1.01 (3 x 0.335) = 61.01 -> tax 5.4146... -> 5.41; non-taxable 1.5 x 19.99 = 29.985 -> 29.99.
    invoice = invoice_create(
        organization=org, customer=customer, issue_date=TODAY, due_date=TODAY, tax_rate=sales_tax,
        lines=[_line("2", "30.00"), _line("3", "0.335"), _line("1.5", "19.99", taxable=False)],
    )
    assert (invoice.subtotal, invoice.tax_amount, invoice.total) == (D("91.00"), D("5.41"), D("96.41"))


def test_totals_are_recomputed_on_update_whatever_was_stored(
    org: Organization, customer: Customer, sales_tax: TaxRate
) -> None:
    invoice = create_invoice(org, customer, due=TODAY)
    Invoice.objects.filter(pk=invoice.pk).update(subtotal=D(1), tax_amount=D(1), total=D(1), balance=D(1))
    invoice.total = D("0.01")  # a stale or tampered in-memory value is not trusted either
    updated = invoice_update(invoice=invoice, customer=customer, issue_date=TODAY, due_date=TODAY,
                             tax_rate=sales_tax, lines=[_line("2", "30.00")])
    updated.refresh_from_db()
    assert (updated.subtotal, updated.tax_amount, updated.total, updated.balance) == (
        D("60.00"), D("5.33"), D("65.33"), D("65.33"))


def test_a_rate_changed_later_does_not_touch_an_issued_invoice(
    org: Organization, customer: Customer, sales_tax: TaxRate
) -> None:
    invoice = invoice_create(organization=org, customer=customer, issue_date=TODAY, due_date=TODAY,
                             tax_rate=sales_tax, lines=[_line("2", "30.00")])
    TaxRate.objects.filter(pk=sales_tax.pk).update(rate=D("20"))
    invoice.refresh_from_db()
    tax_line = invoice.tax_lines.get()
    assert (tax_line.percent, tax_line.amount, invoice.tax_amount) == (D("8.875"), D("5.33"), D("5.33"))


@pytest.mark.parametrize("amount", ["200.01", "0", "0.00", "-5", "abc", "0.004"])
def test_payment_outside_bounds_is_refused_and_changes_nothing(
    amount: str, invoice_in: Callable[..., Invoice]
) -> None:
    invoice = invoice_in(S.SENT)
    with pytest.raises(ValidationError) as refused:
        lifecycle.invoice_record_payment(invoice=invoice, amount=amount)
    assert "amount" in refused.value.message_dict
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert (fresh.status, fresh.amount_paid, fresh.balance) == (S.SENT, D("0.00"), D("200.00"))
    assert not Payment.objects.filter(invoice=invoice).exists()


def test_payment_above_balance_names_both_amounts(invoice_in: Callable[..., Invoice]) -> None:
    invoice = invoice_in(S.PARTIALLY_PAID)  # 50.00 of 200.00 paid
    with pytest.raises(ValidationError) as refused:
        lifecycle.invoice_record_payment(invoice=invoice, amount="150.01")
    assert refused.value.message_dict["amount"] == ["The payment (150.01) is more than the balance (150.00)."]


def test_payments_up_to_the_balance_make_it_paid(invoice_in: Callable[..., Invoice]) -> None:
    invoice = invoice_in(S.SENT)
    lifecycle.invoice_record_payment(invoice=invoice, amount="120.005")  # rounds half-up to 120.01
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (S.PARTIALLY_PAID, D("120.01"), D("79.99"))
    lifecycle.invoice_record_payment(invoice=invoice, amount="79.99")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.balance) == (S.PAID, D("200.00"), D("0.00"))


@pytest.mark.parametrize("amount", ["200.01", "0", "-1", "abc"])
def test_refund_outside_bounds_is_refused_and_changes_nothing(
    amount: str, invoice_in: Callable[..., Invoice]
) -> None:
    invoice = invoice_in(S.PAID)
    with pytest.raises(ValidationError) as refused:
        lifecycle.invoice_refund(invoice=invoice, amount=amount)
    assert "amount" in refused.value.message_dict
    fresh = Invoice.objects.get(pk=invoice.pk)
    assert (fresh.status, fresh.amount_refunded) == (S.PAID, D("0.00"))
    assert list(Payment.objects.filter(invoice=invoice).values_list("kind", flat=True)) == ["payment"]


def test_refunds_add_up_to_what_was_paid(invoice_in: Callable[..., Invoice]) -> None:
    invoice = invoice_in(S.PARTIALLY_REFUNDED)  # paid 200.00, refunded 50.00
    with pytest.raises(ValidationError, match=r"more than what was paid and not yet refunded \(150.00\)"):
        lifecycle.invoice_refund(invoice=invoice, amount="150.01")
    lifecycle.invoice_refund(invoice=invoice, amount="150.00")
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_refunded) == (S.REFUNDED, D("200.00"))


def test_overdue_sweep_moves_only_generated_and_sent_past_due_with_a_balance(
    org: Organization, customer: Customer, invoice_in: Callable[..., Invoice]
) -> None:
    past = TODAY - timedelta(days=1)
    should_move = [invoice_in(S.GENERATED, due=past), invoice_in(S.SENT, due=past)]
    stay = {
        "due today": invoice_in(S.SENT, due=TODAY),
        "not yet due": invoice_in(S.SENT),
        "draft": invoice_in(S.DRAFT, due=past),
        "partially paid": invoice_in(S.PARTIALLY_PAID, due=past),
        "paid": invoice_in(S.PAID, due=past),
        "disputed": invoice_in(S.DISPUTED, due=past),
        "void": invoice_in(S.VOID, due=past),
    }
    # A 0.00 invoice cannot be finalized; a sent one can be corrected down to nothing owed.
    free = lifecycle.invoice_send(invoice=lifecycle.invoice_finalize(
        invoice=create_invoice(org, customer, due=past, lines=[_line("1", "10.00")])))
    stay["nothing owed"] = invoice_update(invoice=free, customer=customer, issue_date=free.issue_date,
                                          due_date=past, lines=[_line("1", "0.00")])

    changed = lifecycle.invoices_mark_overdue()

    assert sorted(changed) == sorted(invoice.id for invoice in should_move)
    assert set(Invoice.objects.filter(id__in=changed).values_list("status", flat=True)) == {S.OVERDUE}
    for label, invoice in stay.items():
        before = invoice.status
        invoice.refresh_from_db()
        assert invoice.status == before, label
    assert lifecycle.invoices_mark_overdue() == []  # a second sweep finds nothing left


@pytest.mark.parametrize("status", [S.GENERATED, S.SENT, S.OVERDUE, S.PARTIALLY_PAID, S.PAID])
def test_resolving_a_dispute_restores_the_previous_status(status: str, invoice_in: Callable[..., Invoice]) -> None:
    invoice = lifecycle.invoice_dispute(invoice=invoice_in(status))
    invoice.refresh_from_db()
    assert (invoice.status, invoice.status_before_dispute) == (S.DISPUTED, status)
    lifecycle.invoice_resolve_dispute(invoice=invoice)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.status_before_dispute) == (status, "")


def test_an_invoice_that_fell_due_during_its_dispute_comes_back_overdue(invoice_in: Callable[..., Invoice]) -> None:
    invoice = lifecycle.invoice_dispute(invoice=invoice_in(S.SENT))
    Invoice.objects.filter(pk=invoice.pk).update(due_date=TODAY - timedelta(days=1))
    lifecycle.invoice_resolve_dispute(invoice=invoice)
    assert Invoice.objects.get(pk=invoice.pk).status == S.OVERDUE
