"""Fixtures for the REST API tests: clients per role in `org`, and one row of every kind per org."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from customers.models import Customer, Project
from invoicing.models import Invoice, Product, TaxRate

API = "/api/v1"


@pytest.fixture
def api(org: Organization, api_client_for: Callable[[Organization, str], APIClient]) -> Callable[[str], APIClient]:
    """api(role) -> a client signed in as a member of `org` with that role."""
    return lambda role: api_client_for(org, role)


@pytest.fixture
def owner_api(api: Callable[[str], APIClient]) -> APIClient:
    return api(Role.OWNER)


def build_rows(organization: Organization, tag: str, make_customer: Callable[..., Customer],
               make_product: Callable[..., Product], make_invoice: Callable[..., Invoice]) -> dict[str, Any]:
    customer = make_customer(organization, f"Customer {tag}")
    product = make_product(organization, f"Product {tag}")
    return {
        "customers": customer,
        "projects": Project.objects.create(organization=organization, customer=customer, name=f"Project {tag}"),
        "products": product,
        "tax-rates": TaxRate.objects.create(organization=organization, name=f"Tax {tag}", rate=Decimal("8.25")),
        "invoices": make_invoice(organization, customer=customer),
    }


@pytest.fixture
def rows(org: Organization, other_org: Organization, make_customer: Callable[..., Customer],
         make_product: Callable[..., Product], make_invoice: Callable[..., Invoice]) -> tuple[dict, dict]:
    """(mine, theirs): a customer, project, product, tax rate and draft invoice in `org` and in `other_org`."""
    return (build_rows(org, "mine", make_customer, make_product, make_invoice),
            build_rows(other_org, "theirs", make_customer, make_product, make_invoice))


def invoice_payload(customer: Customer, product: Product | None = None, **overrides: Any) -> dict[str, Any]:
    today = date.today()
    line: dict[str, Any] = {"description": "Annual service", "quantity": "2", "unit_price": "95.00"}
    if product is not None:
        line["product"] = product.pk
    payload: dict[str, Any] = {
        "customer": customer.pk,
        "issue_date": today.isoformat(),
        "due_date": (today + timedelta(days=30)).isoformat(),
        "lines": [line],
    }
    payload.update(overrides)
    return payload
