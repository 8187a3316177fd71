"""The invoice lifecycle driven through the pages: each button posts to a service; refusals change nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import Organization
from invoicing.email_delivery import invoice_email_deliver
from invoicing.lifecycle import invoice_finalize, invoice_record_payment
from invoicing.models import Invoice, InvoiceEmail, InvoiceStatus, Payment, PaymentKind
from invoicing.selectors import ACTION_CAPABILITIES
from invoicing.views.invoices import action_url
from tests.conftest import DevMail

pytestmark = pytest.mark.django_db


def _act(client: Client, invoice: Invoice, action: str, **data: str) -> tuple[int, str]:
    """Post an action; returns the status code and the newest flash message (redirects are not followed,
    so earlier messages are still queued)."""
    response = client.post(reverse(f"invoicing:invoice_{action}", args=[invoice.pk]), data)
    return response.status_code, [str(m) for m in get_messages(response.wsgi_request)][-1]


def _status(invoice: Invoice) -> str:
    invoice.refresh_from_db()
    return invoice.status


def test_finalize_send_partial_then_full_payment(org: Organization, owner_client: Client, dev_mail: DevMail,
                                                 make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("2", "95.00")])  # total 190.00

    assert _act(owner_client, invoice, "finalize") == (302, f"Invoice {invoice.number} finalized.")
    assert _status(invoice) == InvoiceStatus.GENERATED
    _act(owner_client, invoice, "send", to="jane@smith.example")
    assert _status(invoice) == InvoiceStatus.GENERATED  # until the mail server accepts the message
    invoice_email_deliver(email_id=InvoiceEmail.objects.get(invoice=invoice).pk)  # the worker's part
    assert _status(invoice) == InvoiceStatus.SENT

    code, message = _act(owner_client, invoice, "record_payment", amount="40.00", received_on="2026-01-10",
                      method="Check", reference="CHK-7")
    assert code == 302 and message == f"Payment of $40.00 recorded on invoice {invoice.number}."
    assert _status(invoice) == InvoiceStatus.PARTIALLY_PAID
    assert invoice.balance == Decimal("150.00")

    _act(owner_client, invoice, "record_payment", amount="150.00", received_on="2026-01-20", method="Card")
    assert _status(invoice) == InvoiceStatus.PAID
    assert invoice.balance == Decimal("0.00")
    payments = Payment.objects.filter(invoice=invoice).order_by("received_on")
    assert [(str(p.amount), p.method, p.reference) for p in payments] == [
        ("40.00", "Check", "CHK-7"), ("150.00", "Card", "")]

    html = owner_client.get(reverse("invoicing:invoice_detail", args=[invoice.pk])).content.decode()
    assert 'data-status="paid"' in html
    assert reverse("invoicing:invoice_record_payment", args=[invoice.pk]) not in html


def test_illegal_action_shows_message_and_changes_nothing(org: Organization, owner_client: Client,
                                                          make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    before = Invoice.objects.values().get(pk=invoice.pk)

    code, message = _act(owner_client, invoice, "void")

    assert code == 302
    assert message == f"Invoice {invoice.number} is draft and cannot be voided."
    assert Invoice.objects.values().get(pk=invoice.pk) == before
    page = owner_client.get(reverse("invoicing:invoice_detail", args=[invoice.pk]))
    assert page.status_code == 200


def test_payment_on_a_draft_is_refused(org: Organization, owner_client: Client,
                                       make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    code, message = _act(owner_client, invoice, "record_payment", amount="10", received_on="2026-01-10", method="Cash")
    assert code == 302 and "cannot be paid" in message
    assert not Payment.objects.exists()
    assert _status(invoice) == InvoiceStatus.DRAFT


@pytest.mark.parametrize(("amount", "expected"), [
    ("500.00", "more than the balance"),
    ("-5", "greater than or equal to 0.01"),
    ("", "This field is required."),
    ("abc", "Enter a number."),
])
def test_bad_payment_shows_inline_error_and_saves_nothing(org: Organization, owner_client: Client,
                                                          make_invoice: Callable[..., Invoice], amount: str,
                                                          expected: str) -> None:
    invoice = invoice_finalize(invoice=make_invoice(org, lines=[("1", "100.00")]))
    response = owner_client.post(reverse("invoicing:invoice_record_payment", args=[invoice.pk]),
                                 {"amount": amount, "received_on": "2026-01-10", "method": "Cash"})
    assert response.status_code == 400
    assert expected in " ".join(response.context["payment_form"].errors["amount"])
    assert response.context["open_form"] == "payment"
    assert not Payment.objects.exists()
    assert _status(invoice) == InvoiceStatus.GENERATED


def test_refund_and_dispute_round_trip(org: Organization, owner_client: Client,
                                       make_invoice: Callable[..., Invoice]) -> None:
    invoice = invoice_finalize(invoice=make_invoice(org, lines=[("1", "100.00")]))
    invoice_record_payment(invoice=invoice, amount=Decimal("100.00"))

    _act(owner_client, invoice, "dispute")
    assert _status(invoice) == InvoiceStatus.DISPUTED
    _act(owner_client, invoice, "resolve_dispute")
    assert _status(invoice) == InvoiceStatus.PAID

    too_much = owner_client.post(reverse("invoicing:invoice_refund", args=[invoice.pk]),
                                 {"amount": "150", "received_on": "2026-01-10"})
    assert too_much.status_code == 400
    assert not Payment.objects.filter(kind=PaymentKind.REFUND).exists()

    _act(owner_client, invoice, "refund", amount="30", received_on="2026-01-10", note="Goodwill")
    assert _status(invoice) == InvoiceStatus.PARTIALLY_REFUNDED
    assert invoice.amount_refunded == Decimal("30.00")


def test_delete_draft_goes_back_to_the_list(org: Organization, owner_client: Client,
                                            make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    response = owner_client.post(reverse("invoicing:invoice_delete_draft", args=[invoice.pk]))
    assert response["Location"] == reverse("invoicing:invoice_list")
    assert not Invoice.objects.filter(pk=invoice.pk).exists()


def test_row_action_returns_to_the_filtered_list(org: Organization, owner_client: Client,
                                                 make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    back = reverse("invoicing:invoice_list") + "?status=draft&page=1"
    response = owner_client.post(reverse("invoicing:invoice_finalize", args=[invoice.pk]), {"next": back})
    assert response["Location"] == back
    evil = owner_client.post(reverse("invoicing:invoice_dispute", args=[invoice.pk]), {"next": "https://evil.test/"})
    assert evil["Location"] == reverse("invoicing:invoice_detail", args=[invoice.pk])


def test_actions_refuse_get(org: Organization, owner_client: Client, make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    assert owner_client.get(reverse("invoicing:invoice_finalize", args=[invoice.pk])).status_code == 405
    assert _status(invoice) == InvoiceStatus.DRAFT


def test_paid_invoice_cannot_be_edited(org: Organization, owner_client: Client,
                                       make_invoice: Callable[..., Invoice]) -> None:
    invoice = invoice_finalize(invoice=make_invoice(org, lines=[("1", "100.00")]))
    invoice_record_payment(invoice=invoice, amount=Decimal("10.00"))
    response = owner_client.get(reverse("invoicing:invoice_edit", args=[invoice.pk]))
    assert response.status_code == 302
    assert "can be edited" in " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize("action", [*ACTION_CAPABILITIES, "edit"])
@pytest.mark.django_db(False)
def test_row_menu_urls_match_the_url_conf(action: str) -> None:
    """The list derives action URLs from the detail URL; they must be the routes reverse() gives."""
    detail = reverse("invoicing:invoice_detail", args=[42])
    assert action_url(detail, action) == reverse(f"invoicing:invoice_{action}", args=[42])
