"""Input that once answered 500 (issue 12, point 6): each now gets a clear 4xx and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.models import Organization
from customers.models import Customer, Project
from invoicing.models import Invoice
from tests.api.conftest import API


def test_moving_a_project_with_invoices_to_another_customer_is_refused(
        owner_api: APIClient, org: Organization, make_customer: Callable[..., Customer],
        make_invoice: Callable[..., Invoice]) -> None:
    jane, bob = make_customer(org, "Jane Smith"), make_customer(org, "Bob Jones")
    project = Project.objects.create(organization=org, customer=jane, name="Boiler swap")
    invoice = make_invoice(org, customer=jane)
    Invoice.objects.filter(pk=invoice.pk).update(project=project)

    response = owner_api.patch(f"{API}/projects/{project.pk}/", {"customer": bob.pk}, format="json")

    assert response.status_code == 400
    assert "cannot move to another customer" in response.json()["customer"][0]
    project.refresh_from_db()
    assert project.customer_id == jane.pk


def test_a_project_without_invoices_may_move(owner_api: APIClient, org: Organization,
                                             make_customer: Callable[..., Customer]) -> None:
    jane, bob = make_customer(org, "Jane Smith"), make_customer(org, "Bob Jones")
    project = Project.objects.create(organization=org, customer=jane, name="Boiler swap")

    response = owner_api.patch(f"{API}/projects/{project.pk}/", {"customer": bob.pk}, format="json")

    assert response.status_code == 200
    project.refresh_from_db()
    assert project.customer_id == bob.pk


@pytest.mark.parametrize("path", ["/me/", "/auth/token/", "/integrations/quickbooks/", "/integrations/quickbooks/queue/", "/integrations/quickbooks/disconnect/", "/customers/"])
def test_options_and_head_answer_on_every_kind_of_view(owner_api: APIClient, path: str) -> None:
    response = owner_api.options(f"{API}{path}")
    assert response.status_code == 200, response.content[:500]
    assert response.json()["name"]
    assert owner_api.head(f"{API}{path}").status_code in (200, 405)
