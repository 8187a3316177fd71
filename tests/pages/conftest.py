"""Fixtures for the page tests: a second organization's objects to probe tenancy with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from accounts.models import Organization
from customers.models import Customer, Project
from invoicing.models import Invoice, Product


@dataclass
class OrgObjects:
    customer: Customer
    project: Project
    product: Product
    invoice: Invoice


@pytest.fixture
def foreign(other_org: Organization, make_customer: Callable[..., Customer],
            make_invoice: Callable[..., Invoice]) -> OrgObjects:
    """A customer, project, product and draft invoice that belong to another organization."""
    customer = make_customer(other_org, "Their Customer")
    project = Project.objects.create(organization=other_org, customer=customer, name="Their boiler job")
    invoice = make_invoice(other_org, customer=customer)
    product = Product.objects.for_org(other_org).get()
    return OrgObjects(customer=customer, project=project, product=product, invoice=invoice)
