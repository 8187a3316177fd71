"""Role checks: the page hides what a role may not do, and the endpoint refuses it (403), changing nothing."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organization, Role
from customers.models import Customer
from invoicing.lifecycle import invoice_finalize, invoice_send
from invoicing.models import Invoice, InvoiceStatus, Product

pytestmark = pytest.mark.django_db

ClientFor = Callable[[Organization, str], Client]


def _post_action(client: Client, invoice: Invoice, action: str) -> int:
    return client.post(reverse(f"invoicing:invoice_{action}", args=[invoice.pk])).status_code


@pytest.mark.parametrize("action", ["finalize", "void", "send", "delete_draft"])
def test_technician_cannot_run_office_actions(org: Organization, client_for: ClientFor,
                                              make_invoice: Callable[..., Invoice], action: str) -> None:
    invoice = make_invoice(org)
    if action in ("void", "send"):
        invoice = invoice_finalize(invoice=invoice)
    status_before = invoice.status
    client = client_for(org, Role.TECHNICIAN)
    assert _post_action(client, invoice, action) == 403
    assert client.get(reverse(f"invoicing:invoice_{action}", args=[invoice.pk])).status_code == 403
    invoice.refresh_from_db()
    assert invoice.status == status_before


def test_dispatcher_cannot_void_but_owner_can(org: Organization, client_for: ClientFor,
                                              make_invoice: Callable[..., Invoice]) -> None:
    invoice = invoice_send(invoice=invoice_finalize(invoice=make_invoice(org)))
    assert _post_action(client_for(org, Role.DISPATCHER), invoice, "void") == 403
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.SENT

    assert _post_action(client_for(org, Role.OWNER), invoice, "void") == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.VOID
    assert invoice.balance == Decimal("0.00")


def test_dispatcher_can_finalize(org: Organization, client_for: ClientFor,
                                 make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    assert _post_action(client_for(org, Role.DISPATCHER), invoice, "finalize") == 302
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.GENERATED


def test_buttons_follow_role_and_status(org: Organization, client_for: ClientFor,
                                        make_invoice: Callable[..., Invoice]) -> None:
    draft = make_invoice(org)
    url = reverse("invoicing:invoice_detail", args=[draft.pk])
    finalize_url = reverse("invoicing:invoice_finalize", args=[draft.pk])
    void_url = reverse("invoicing:invoice_void", args=[draft.pk])

    tech_html = client_for(org, Role.TECHNICIAN).get(url).content.decode()
    owner_html = client_for(org, Role.OWNER).get(url).content.decode()

    assert finalize_url not in tech_html
    assert finalize_url in owner_html
    assert void_url not in owner_html  # a draft cannot be voided, whatever the role


def test_invoice_list_row_menu_offers_only_allowed_actions(org: Organization, client_for: ClientFor,
                                                           make_invoice: Callable[..., Invoice]) -> None:
    draft = make_invoice(org)
    sent = invoice_send(invoice=invoice_finalize(invoice=make_invoice(org)))
    dispatcher_rows = {row.invoice.pk: {a.name for a in row.actions} for row in
                       client_for(org, Role.DISPATCHER).get(reverse("invoicing:invoice_list")).context["rows"]}
    tech_rows = {row.invoice.pk: {a.name for a in row.actions} for row in
                 client_for(org, Role.TECHNICIAN).get(reverse("invoicing:invoice_list")).context["rows"]}

    assert dispatcher_rows[draft.pk] == {"finalize", "delete_draft"}
    assert dispatcher_rows[sent.pk] == {"send", "record_payment", "dispute"}  # void is managers' only
    assert tech_rows[draft.pk] == set() and tech_rows[sent.pk] == set()


@pytest.mark.parametrize(("url_name", "needs_product"), [
    ("invoicing:product_create", False), ("invoicing:product_edit", True),
])
def test_technician_cannot_edit_products(org: Organization, client_for: ClientFor,
                                         make_product: Callable[..., Product], url_name: str,
                                         needs_product: bool) -> None:
    product = make_product(org)
    url = reverse(url_name, args=[product.pk] if needs_product else [])
    client = client_for(org, Role.TECHNICIAN)
    assert client.get(url).status_code == 403
    assert client.post(url, {"name": "Renamed", "type": "service", "unit_price": "1"}).status_code == 403
    product.refresh_from_db()
    assert product.name == "Furnace tune-up"


def test_technician_cannot_edit_customers_but_can_view(org: Organization, client_for: ClientFor,
                                                       make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org)
    client = client_for(org, Role.TECHNICIAN)
    assert client.get(reverse("customers:detail", args=[customer.pk])).status_code == 200
    assert client.get(reverse("customers:edit", args=[customer.pk])).status_code == 403
    assert client.post(reverse("customers:create"), {"display_name": "New"}).status_code == 403


def test_technician_edits_drafts_but_not_issued_invoices(org: Organization, client_for: ClientFor,
                                                         make_invoice: Callable[..., Invoice]) -> None:
    client = client_for(org, Role.TECHNICIAN)
    draft = make_invoice(org)
    issued = invoice_finalize(invoice=make_invoice(org))
    assert client.get(reverse("invoicing:invoice_edit", args=[draft.pk])).status_code == 200
    assert client.get(reverse("invoicing:invoice_edit", args=[issued.pk])).status_code == 403
    assert client_for(org, Role.ADMIN).get(reverse("invoicing:invoice_edit", args=[issued.pk])).status_code == 200


@pytest.mark.parametrize("url_name", ["dashboard", "customers:list", "invoicing:invoice_list",
                                      "invoicing:product_list", "organization_switch"])
def test_sign_in_required(client: Client, url_name: str) -> None:
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
