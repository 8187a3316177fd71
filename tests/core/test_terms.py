"""Payment terms: the organization's default, a customer's own, or the invoice's, set the due date; the
overdue sweep follows them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Organization, terms_label
from customers.models import Customer
from invoicing import lifecycle
from invoicing.models import Invoice, InvoiceStatus
from invoicing.services import InvoiceMoney, LineInput, invoice_create, invoice_update

pytestmark = pytest.mark.django_db
ISSUED = date(2026, 11, 2)
LINES = [LineInput(description="Service call", quantity=Decimal(1), unit_price=Decimal("120.00"))]


def _invoice(org: Organization, customer: Customer, *, due_date: date | None = None,
             money: InvoiceMoney | None = None) -> Invoice:
    return invoice_create(organization=org, customer=customer, issue_date=ISSUED, lines=LINES, due_date=due_date,
                          money=money)


def test_due_date_follows_the_customer_terms_else_the_organization(
        org: Organization, make_customer: Callable[..., Customer]) -> None:
    org.payment_terms_days = 30
    org.save()
    net15 = make_customer(org, "Harbor View Hotel", payment_terms_days=15)
    on_receipt = make_customer(org, "Walk-in", payment_terms_days=0)
    default = make_customer(org, "Jane Smith")
    assert (_invoice(org, net15).due_date, _invoice(org, net15).terms_days) == (date(2026, 11, 17), 15)
    assert _invoice(org, on_receipt).due_date == ISSUED
    assert _invoice(org, default).due_date == date(2026, 12, 2)
    # The invoice's own terms win; a due date chosen by hand is kept and marks no terms.
    assert _invoice(org, default, money=InvoiceMoney(terms_days=45)).due_date == date(2026, 12, 17)
    chosen = _invoice(org, default, due_date=date(2026, 11, 20))
    assert (chosen.due_date, chosen.terms_days) == (date(2026, 11, 20), None)


def test_terms_and_a_due_date_that_disagree_are_refused(org: Organization,
                                                        make_customer: Callable[..., Customer]) -> None:
    with pytest.raises(ValidationError) as exc:
        _invoice(org, make_customer(org), due_date=date(2026, 11, 20), money=InvoiceMoney(terms_days=30))
    assert "does not match the terms" in str(exc.value)
    with pytest.raises(ValidationError):
        _invoice(org, make_customer(org, "B"), money=InvoiceMoney(terms_days=400))


def test_a_new_issue_date_moves_the_due_date_of_an_invoice_on_terms(
        org: Organization, make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org, payment_terms_days=15)
    invoice = _invoice(org, customer)
    moved = invoice_update(invoice=invoice, customer=customer, issue_date=ISSUED + timedelta(days=10), lines=LINES,
                           money=InvoiceMoney(terms_days=invoice.terms_days))
    assert moved.due_date == date(2026, 11, 27)


def test_overdue_sweep_follows_the_terms(org: Organization, make_customer: Callable[..., Customer]) -> None:
    net15 = _invoice(org, make_customer(org, "Net 15 Co", payment_terms_days=15))
    net30 = _invoice(org, make_customer(org, "Net 30 Co"))
    on_receipt = _invoice(org, make_customer(org, "Cash Co", payment_terms_days=0))
    for invoice in (net15, net30, on_receipt):
        lifecycle.invoice_finalize(invoice=invoice)
    # On the due day nothing is overdue yet; the day after, it is.
    assert lifecycle.invoices_mark_overdue(today=ISSUED) == []
    assert lifecycle.invoices_mark_overdue(today=ISSUED + timedelta(days=1)) == [on_receipt.pk]
    assert lifecycle.invoices_mark_overdue(today=ISSUED + timedelta(days=15)) == []
    assert lifecycle.invoices_mark_overdue(today=ISSUED + timedelta(days=16)) == [net15.pk]
    assert lifecycle.invoices_mark_overdue(today=ISSUED + timedelta(days=31)) == [net30.pk]
    net30.refresh_from_db()
    assert net30.status == InvoiceStatus.OVERDUE


@pytest.mark.parametrize(("days", "label"), [(0, "Due on receipt"), (15, "Net 15"), (30, "Net 30"), (45, "Net 45"),
                                             (None, "Custom due date")])
def test_terms_labels(days: int | None, label: str) -> None:
    assert terms_label(days) == label
