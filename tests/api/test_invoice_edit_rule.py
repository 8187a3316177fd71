"""The API applies the invoice page's edit rule (invoicing.validators.invoice_edit_check): what the page
refuses, the API refuses too, with the same sentence, and nothing changes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from invoicing import lifecycle
from invoicing.models import Invoice
from tests.api.conftest import API

ClientFor = Callable[[Organization, str], Client]
ApiClientFor = Callable[[Organization, str], APIClient]


def test_a_paid_invoice_is_refused_by_the_page_and_the_api_alike(
        org: Organization, client_for: ClientFor, api_client_for: ApiClientFor,
        make_invoice: Callable[..., Invoice]) -> None:
    invoice = lifecycle.invoice_finalize(invoice=make_invoice(org, lines=[("1", "100.00")]))
    lifecycle.invoice_record_payment(invoice=invoice, amount=Decimal("10.00"))

    page = client_for(org, Role.OWNER).get(reverse("invoicing:invoice_edit", args=[invoice.pk]))
    assert page.status_code == 302
    [page_message] = [str(m) for m in get_messages(page.wsgi_request)]

    api = api_client_for(org, Role.OWNER).patch(f"{API}/invoices/{invoice.pk}/", {"memo": "changed"}, format="json")
    assert api.status_code == 400
    assert api.json() == {"detail": page_message}
    assert "can be edited" in page_message
    assert Invoice.objects.get(pk=invoice.pk).memo == ""


def test_a_technician_is_refused_a_finalized_invoice_by_the_page_and_the_api_alike(
        org: Organization, client_for: ClientFor, api_client_for: ApiClientFor,
        make_invoice: Callable[..., Invoice]) -> None:
    invoice = lifecycle.invoice_finalize(invoice=make_invoice(org))

    assert client_for(org, Role.TECHNICIAN).get(reverse("invoicing:invoice_edit", args=[invoice.pk])).status_code == 403
    api = api_client_for(org, Role.TECHNICIAN).put(f"{API}/invoices/{invoice.pk}/", {"memo": "changed"}, format="json")
    assert api.status_code == 403
    assert api.json() == {"detail": f"Invoice {invoice.number} is finalized; your role may edit drafts only, so ask "
                                    "the office to correct it."}
    assert Invoice.objects.get(pk=invoice.pk).memo == ""
