"""Customers, projects, products and tax rates: CRUD, search, filters and pagination."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from rest_framework.test import APIClient

from accounts.models import Organization
from customers.models import Customer, Project, ProjectStatus
from invoicing.models import Invoice, Product, TaxRate
from tests.api.conftest import API


def _names(client: APIClient, url: str, **params: str | int) -> list[str]:
    response = client.get(url, params)
    assert response.status_code == 200
    return [row.get("display_name") or row["name"] for row in response.json()["results"]]


def test_customer_crud(owner_api: APIClient, org: Organization) -> None:
    created = owner_api.post(f"{API}/customers/", {"display_name": "  Jane Smith ", "email": "jane@example.com",
                                                   "billing_city": "Albany"}, format="json")
    assert created.status_code == 201, created.content
    url = f"{API}/customers/{created.json()['id']}/"
    assert owner_api.get(url).json()["display_name"] == "Jane Smith"
    assert owner_api.patch(url, {"phone": "555-0100", "is_active": False}, format="json").status_code == 200
    customer = Customer.objects.get(pk=created.json()["id"])
    assert (customer.phone, customer.is_active, customer.billing_city) == ("555-0100", False, "Albany")
    assert owner_api.delete(url).status_code == 204
    assert not Customer.objects.filter(pk=customer.pk).exists()


def test_customer_search_and_active_filter(owner_api: APIClient, org: Organization,
                                           make_customer: Callable[..., Customer]) -> None:
    make_customer(org, "Jane Smith", email="jane@smithco.test")
    make_customer(org, "Bob Jones", company_name="Smith Plumbing")
    make_customer(org, "Carl Old", is_active=False)
    url = f"{API}/customers/"
    assert _names(owner_api, url, search="smith") == ["Bob Jones", "Jane Smith"]
    assert _names(owner_api, url, search="smithco") == ["Jane Smith"]
    assert _names(owner_api, url, active="false") == ["Carl Old"]
    assert _names(owner_api, url, active="true") == ["Bob Jones", "Jane Smith"]
    assert _names(owner_api, url) == ["Bob Jones", "Carl Old", "Jane Smith"]


def test_lists_are_paginated(owner_api: APIClient, org: Organization) -> None:
    Customer.objects.bulk_create(Customer(organization=org, display_name=f"C{n:03d}") for n in range(55))
    first = owner_api.get(f"{API}/customers/").json()
    assert (first["count"], len(first["results"])) == (55, 50)
    second = owner_api.get(first["next"]).json()
    assert [row["display_name"] for row in second["results"]] == [f"C{n:03d}" for n in range(50, 55)]


def test_project_crud_and_customer_filter(owner_api: APIClient, org: Organization,
                                          make_customer: Callable[..., Customer]) -> None:
    alice, bob = make_customer(org, "Alice"), make_customer(org, "Bob")
    for customer, name in ((alice, "Boiler"), (bob, "Ducts"), (alice, "Attic")):
        response = owner_api.post(f"{API}/projects/", {"customer": customer.pk, "name": name}, format="json")
        assert response.status_code == 201, response.content
    assert _names(owner_api, f"{API}/projects/", customer=alice.pk) == ["Attic", "Boiler"]
    boiler = Project.objects.get(name="Boiler")
    response = owner_api.patch(f"{API}/projects/{boiler.pk}/", {"status": ProjectStatus.IN_PROGRESS}, format="json")
    assert response.status_code == 200
    boiler.refresh_from_db()
    assert boiler.status == ProjectStatus.IN_PROGRESS
    assert owner_api.delete(f"{API}/projects/{boiler.pk}/").status_code == 204
    assert not Project.objects.filter(pk=boiler.pk).exists()


def test_product_crud_search_and_active(owner_api: APIClient, org: Organization,
                                        make_product: Callable[..., Product]) -> None:
    make_product(org, name="Air filter", sku="AF-20")
    make_product(org, name="Thermostat", description="Smart, wifi", is_active=False)
    response = owner_api.post(f"{API}/products/", {"name": "Duct cleaning", "unit_price": "150.00",
                                                   "type": "service", "sku": "DC-1"}, format="json")
    assert response.status_code == 201, response.content
    url = f"{API}/products/"
    assert _names(owner_api, url, search="af-20") == ["Air filter"]
    assert _names(owner_api, url, search="wifi") == ["Thermostat"]
    assert _names(owner_api, url, active="true") == ["Air filter", "Duct cleaning"]
    product = Product.objects.get(pk=response.json()["id"])
    assert owner_api.patch(f"{url}{product.pk}/", {"unit_price": "175.00"}, format="json").status_code == 200
    product.refresh_from_db()
    assert product.unit_price == Decimal("175.00")


def test_product_used_on_an_invoice_cannot_be_deleted(owner_api: APIClient, org: Organization,
                                                      make_invoice: Callable[..., Invoice]) -> None:
    make_invoice(org)
    product = Product.objects.for_org(org).get()
    response = owner_api.delete(f"{API}/products/{product.pk}/")
    assert response.status_code == 400
    assert "invoice lines" in response.json()["detail"]
    assert Product.objects.filter(pk=product.pk).exists()


def test_tax_rate_crud(owner_api: APIClient, org: Organization) -> None:
    response = owner_api.post(f"{API}/tax-rates/", {"name": "County", "rate": "7.125"}, format="json")
    assert response.status_code == 201, response.content
    url = f"{API}/tax-rates/{response.json()['id']}/"
    assert owner_api.patch(url, {"rate": "7.5"}, format="json").status_code == 200
    assert TaxRate.objects.get(pk=response.json()["id"]).rate == Decimal("7.5")
    assert owner_api.get(f"{API}/tax-rates/").json()["results"][0]["rate"] == "7.500"
    assert owner_api.delete(url).status_code == 204
    assert not TaxRate.objects.for_org(org).exists()
