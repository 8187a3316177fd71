"""Another organization's ids are a 404 on every page and action; nothing of theirs changes."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organization
from invoicing.models import Invoice, InvoiceStatus
from invoicing.selectors import ACTION_CAPABILITIES
from tests.pages.conftest import OrgObjects

pytestmark = pytest.mark.django_db

PAGES = [
    ("customers:detail", "customer"),
    ("customers:edit", "customer"),
    ("customers:project_create", "customer"),
    ("customers:project_edit", "project"),
    ("invoicing:product_edit", "product"),
    ("invoicing:invoice_detail", "invoice"),
    ("invoicing:invoice_edit", "invoice"),
]


@pytest.mark.parametrize(("url_name", "kind"), PAGES)
@pytest.mark.parametrize("method", ["get", "post"])
def test_foreign_objects_are_not_found(owner_client: Client, foreign: OrgObjects, url_name: str, kind: str,
                                       method: str) -> None:
    url = reverse(url_name, args=[getattr(foreign, kind).pk])
    response = getattr(owner_client, method)(url, {"name": "Hijacked", "display_name": "Hijacked"})
    assert response.status_code == 404


@pytest.mark.parametrize("action", list(ACTION_CAPABILITIES))
def test_foreign_invoice_actions_are_not_found(owner_client: Client, foreign: OrgObjects, action: str) -> None:
    url = reverse(f"invoicing:invoice_{action}", args=[foreign.invoice.pk])
    response = owner_client.post(url, {"amount": "1.00", "received_on": "2026-01-05", "method": "Cash"})
    assert response.status_code == 404
    foreign.invoice.refresh_from_db()
    assert foreign.invoice.status == InvoiceStatus.DRAFT


def test_lists_show_only_own_organization(org: Organization, owner_client: Client, foreign: OrgObjects) -> None:
    for url in (reverse("customers:list"), reverse("invoicing:product_list"), reverse("invoicing:invoice_list"),
                reverse("dashboard")):
        html = owner_client.get(url).content.decode()
        assert foreign.customer.display_name not in html, url
        assert foreign.invoice.number not in html, url  # this org has no invoices, so no number at all
    products_html = owner_client.get(reverse("invoicing:product_list")).content.decode()
    assert foreign.product.name not in products_html


def test_invoice_form_refuses_foreign_customer_and_product(org: Organization, owner_client: Client,
                                                          foreign: OrgObjects) -> None:
    before = Invoice.objects.count()
    response = owner_client.post(reverse("invoicing:invoice_create"), {
        "customer": foreign.customer.pk, "issue_date": "2026-01-05", "due_date": "2026-02-04",
        "lines-TOTAL_FORMS": "1", "lines-INITIAL_FORMS": "0",
        "lines-0-product": foreign.product.pk, "lines-0-description": "x", "lines-0-quantity": "1",
        "lines-0-unit_price": "10", "lines-0-taxable": "on",
    })
    assert response.status_code == 400
    assert Invoice.objects.count() == before
    form, formset = response.context["form"], response.context["formset"]
    assert "customer" in form.errors
    assert "product" in formset.forms[0].errors


def test_project_options_do_not_leak_foreign_projects(owner_client: Client, foreign: OrgObjects) -> None:
    response = owner_client.get(reverse("invoicing:invoice_project_options"), {"customer": foreign.customer.pk})
    assert response.status_code == 200
    assert foreign.project.name not in response.content.decode()
