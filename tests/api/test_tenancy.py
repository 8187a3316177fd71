"""Every endpoint sees and writes only the caller's organization; other ids are 404, other FKs 400."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Organization
from customers.models import Customer, Project
from invoicing import lifecycle
from invoicing.models import Invoice, InvoiceStatus, Payment, Product, TaxRate
from tests.api.conftest import API, invoice_payload

RESOURCES = ["customers", "projects", "products", "tax-rates", "invoices"]
# A harmless change per resource, used to prove another org's row is not touched.
PATCHES: dict[str, tuple[str, Any]] = {
    "customers": ("display_name", "Hijacked"),
    "projects": ("name", "Hijacked"),
    "products": ("description", "Hijacked"),
    "tax-rates": ("name", "Hijacked"),
    "invoices": ("memo", "Hijacked"),
}


@pytest.mark.parametrize("resource", RESOURCES)
def test_list_shows_only_own_rows(owner_api: APIClient, rows: tuple[dict, dict], resource: str) -> None:
    mine, _ = rows
    response = owner_api.get(f"{API}/{resource}/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine[resource].pk]


@pytest.mark.parametrize("resource", RESOURCES)
def test_retrieve_other_orgs_row_is_404(owner_api: APIClient, rows: tuple[dict, dict], resource: str) -> None:
    mine, theirs = rows
    assert owner_api.get(f"{API}/{resource}/{mine[resource].pk}/").status_code == 200
    assert owner_api.get(f"{API}/{resource}/{theirs[resource].pk}/").status_code == 404


@pytest.mark.parametrize("method", ["put", "patch"])
@pytest.mark.parametrize("resource", RESOURCES)
def test_update_other_orgs_row_is_404_and_unchanged(owner_api: APIClient, rows: tuple[dict, dict],
                                                     resource: str, method: str) -> None:
    _, theirs = rows
    row = theirs[resource]
    field, value = PATCHES[resource]
    response = getattr(owner_api, method)(f"{API}/{resource}/{row.pk}/", {field: value}, format="json")
    assert response.status_code == 404
    row.refresh_from_db()
    assert getattr(row, field) != value


@pytest.mark.parametrize("resource", RESOURCES)
def test_delete_other_orgs_row_is_404_and_kept(owner_api: APIClient, rows: tuple[dict, dict], resource: str) -> None:
    _, theirs = rows
    row = theirs[resource]
    assert owner_api.delete(f"{API}/{resource}/{row.pk}/").status_code == 404
    assert type(row).objects.filter(pk=row.pk).exists()


def _ready_for(action: str, invoice: Invoice) -> Invoice:
    """Bring an invoice to a status from which `action` is legal, so only scoping can refuse it."""
    if action != "finalize":
        lifecycle.invoice_finalize(invoice=invoice)
    if action == "refund":
        lifecycle.invoice_record_payment(invoice=invoice, amount=Decimal("10.00"))
    if action == "resolve-dispute":
        lifecycle.invoice_dispute(invoice=invoice)
    invoice.refresh_from_db()
    assert action.replace("-", "_") in lifecycle.allowed_actions(invoice)
    return invoice


ACTION_BODIES: dict[str, dict[str, str]] = {
    "finalize": {}, "send": {}, "void": {}, "dispute": {}, "resolve-dispute": {},
    "record-payment": {"amount": "5.00"}, "refund": {"amount": "5.00"},
}


@pytest.mark.parametrize("action", ACTION_BODIES)
def test_action_on_other_orgs_invoice_is_404(owner_api: APIClient, rows: tuple[dict, dict], action: str) -> None:
    _, theirs = rows
    invoice = _ready_for(action, theirs["invoices"])
    payments_before = Payment.objects.filter(invoice=invoice).count()
    response = owner_api.post(f"{API}/invoices/{invoice.pk}/{action}/", ACTION_BODIES[action], format="json")
    assert response.status_code == 404
    after = Invoice.objects.get(pk=invoice.pk)
    assert (after.status, after.balance) == (invoice.status, invoice.balance)
    assert Payment.objects.filter(invoice=invoice).count() == payments_before


@pytest.mark.parametrize("field", ["customer", "project", "tax_rate"])
def test_invoice_pointing_at_other_orgs_row_is_400_and_not_saved(owner_api: APIClient, rows: tuple[dict, dict],
                                                                  field: str) -> None:
    mine, theirs = rows
    source = {"customer": "customers", "project": "projects", "tax_rate": "tax-rates"}[field]
    payload = {**invoice_payload(mine["customers"]), field: theirs[source].pk}
    before = Invoice.objects.count()
    response = owner_api.post(f"{API}/invoices/", payload, format="json")
    assert response.status_code == 400
    assert "in this organization" in response.json()[field][0]
    assert Invoice.objects.count() == before


def test_invoice_line_with_other_orgs_product_is_400_and_not_saved(owner_api: APIClient,
                                                                    rows: tuple[dict, dict]) -> None:
    mine, theirs = rows
    before = Invoice.objects.count()
    response = owner_api.post(f"{API}/invoices/", invoice_payload(mine["customers"], theirs["products"]),
                              format="json")
    assert response.status_code == 400
    assert "in this organization" in response.json()["lines"]["0"]["product"][0]
    assert Invoice.objects.count() == before


def test_updating_an_invoice_to_other_orgs_customer_is_400(owner_api: APIClient, rows: tuple[dict, dict]) -> None:
    mine, theirs = rows
    invoice = mine["invoices"]
    response = owner_api.patch(f"{API}/invoices/{invoice.pk}/", {"customer": theirs["customers"].pk}, format="json")
    assert response.status_code == 400
    invoice.refresh_from_db()
    assert invoice.customer_id == mine["customers"].pk


def test_project_for_other_orgs_customer_is_400_and_not_saved(owner_api: APIClient, rows: tuple[dict, dict]) -> None:
    _, theirs = rows
    before = Project.objects.count()
    response = owner_api.post(f"{API}/projects/", {"customer": theirs["customers"].pk, "name": "Sneaky"}, format="json")
    assert response.status_code == 400
    assert "customer" in response.json()
    assert Project.objects.count() == before


def test_filters_by_other_orgs_customer_find_nothing(owner_api: APIClient, rows: tuple[dict, dict]) -> None:
    _, theirs = rows
    for resource in ("projects", "invoices"):
        response = owner_api.get(f"{API}/{resource}/", {"customer": theirs["customers"].pk})
        assert response.status_code == 200
        assert response.json()["count"] == 0


def test_created_rows_belong_to_callers_org(owner_api: APIClient, org: Organization, rows: tuple[dict, dict]) -> None:
    mine, _ = rows
    created = {
        "customers": (Customer, {"display_name": "New Customer"}),
        "projects": (Project, {"customer": mine["customers"].pk, "name": "New Project"}),
        "products": (Product, {"name": "New Product", "unit_price": "10.00"}),
        "tax-rates": (TaxRate, {"name": "New Tax", "rate": "5.000"}),
        "invoices": (Invoice, invoice_payload(mine["customers"])),
    }
    for resource, (model, payload) in created.items():
        response = owner_api.post(f"{API}/{resource}/", payload, format="json")
        assert response.status_code == 201, response.content
        assert model.objects.get(pk=response.json()["id"]).organization_id == org.pk


def test_invoice_statuses_are_untouched_by_other_org_reads(owner_api: APIClient, rows: tuple[dict, dict]) -> None:
    _, theirs = rows
    assert owner_api.get(f"{API}/invoices/", {"status": InvoiceStatus.DRAFT}).json()["count"] == 1
    assert Invoice.objects.get(pk=theirs["invoices"].pk).status == InvoiceStatus.DRAFT
