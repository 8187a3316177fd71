"""Invoices brought into any status through the real lifecycle services, never by writing `status`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest

from accounts.models import Organization
from customers.models import Customer
from invoicing import lifecycle
from invoicing.models import Invoice, InvoiceStatus
from invoicing.services import LineInput, invoice_create

S = InvoiceStatus
TOTAL = Decimal("200.00")  # every invoice made here: 2 x 100.00, no tax
PARTIAL = Decimal("50.00")


def create_invoice(organization: Organization, customer: Customer, *, due: date,
                   lines: list[LineInput] | None = None) -> Invoice:
    return invoice_create(
        organization=organization, customer=customer, issue_date=due - timedelta(days=30), due_date=due,
        lines=lines or [LineInput(description="Boiler service", quantity=Decimal(2), unit_price=Decimal(100))],
    )


def _sent(invoice: Invoice) -> Invoice:
    return lifecycle.invoice_send(invoice=lifecycle.invoice_finalize(invoice=invoice))


def _paid(invoice: Invoice) -> Invoice:
    lifecycle.invoice_record_payment(invoice=_sent(invoice), amount=TOTAL)
    return invoice


def _partially_paid(invoice: Invoice) -> Invoice:
    lifecycle.invoice_record_payment(invoice=_sent(invoice), amount=PARTIAL)
    return invoice


def _overdue(invoice: Invoice) -> Invoice:
    _sent(invoice)
    lifecycle.invoices_mark_overdue(today=invoice.due_date + timedelta(days=1))
    return invoice


def _refunded(invoice: Invoice) -> Invoice:
    lifecycle.invoice_refund(invoice=_paid(invoice), amount=TOTAL)
    return invoice


def _partially_refunded(invoice: Invoice) -> Invoice:
    lifecycle.invoice_refund(invoice=_paid(invoice), amount=PARTIAL)
    return invoice


# status -> the services that lead there from a fresh draft
_PATHS: dict[str, Callable[[Invoice], Invoice]] = {
    S.DRAFT: lambda invoice: invoice,
    S.GENERATED: lambda invoice: lifecycle.invoice_finalize(invoice=invoice),
    S.SENT: _sent,
    S.PARTIALLY_PAID: _partially_paid,
    S.PAID: _paid,
    S.OVERDUE: _overdue,
    S.VOID: lambda invoice: lifecycle.invoice_void(invoice=lifecycle.invoice_finalize(invoice=invoice)),
    S.REFUNDED: _refunded,
    S.PARTIALLY_REFUNDED: _partially_refunded,
    S.DISPUTED: lambda invoice: lifecycle.invoice_dispute(invoice=_sent(invoice)),
}


@pytest.fixture
def customer(org: Organization, make_customer: Callable[..., Customer]) -> Customer:
    return make_customer(org, "Dana Whitfield")


@pytest.fixture
def invoice_in(org: Organization, customer: Customer) -> Callable[..., Invoice]:
    """`invoice_in(status, due=...)`: a fresh invoice walked into `status`, reloaded from the database."""

    def _make(status: str, *, due: date | None = None) -> Invoice:
        invoice = create_invoice(org, customer, due=due or date.today() + timedelta(days=30))
        _PATHS[status](invoice)
        invoice.refresh_from_db()
        assert invoice.status == status, f"could not build a {status} invoice (got {invoice.status})"
        return invoice

    return _make
