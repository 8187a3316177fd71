"""Input that once answered 500 (issue 12, point 6): each now gets a clear 4xx and changes nothing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from accounts.api import MeView
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


@pytest.mark.django_db
def test_the_schema_documents_the_errors_each_operation_answers(owner_api: APIClient) -> None:
    paths = owner_api.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert set(paths["/api/v1/customers/{id}/"]["get"]["responses"]) == {"200", "401", "403", "404"}
    assert set(paths["/api/v1/customers/"]["post"]["responses"]) == {"201", "400", "401", "403", "415"}
    assert set(paths["/api/v1/customers/"]["get"]["responses"]) >= {"200", "400", "401", "403", "404"}
    assert set(paths["/api/v1/auth/token/"]["post"]["responses"]) >= {"200", "400", "415"}
    assert "401" not in paths["/api/v1/auth/token/"]["post"]["responses"]  # signing in needs no sign-in
    search = next(p for p in paths["/api/v1/customers/"]["get"]["parameters"] if p["name"] == "search")
    assert search["allowEmptyValue"] is True


def test_a_form_encoded_body_is_a_415(owner_api: APIClient, org: Organization) -> None:
    response = owner_api.post(f"{API}/customers/", {"display_name": "Jo"}, format="multipart")
    assert response.status_code == 415
    assert not Customer.objects.for_org(org).exists()


@pytest.mark.parametrize("path", ["/invoices/1.5/", "/integrations/quickbooks/queue/null/retry/", "/nothing/"])
def test_a_path_the_api_does_not_have_is_a_json_404(owner_api: APIClient, path: str) -> None:
    for method in (owner_api.get, owner_api.delete):
        response = method(f"{API}{path}")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found."}


def test_a_nul_character_in_a_search_is_a_400_with_a_detail(owner_api: APIClient) -> None:
    response = owner_api.get(f"{API}/customers/", {"search": "a\x00b"})
    assert response.status_code == 400
    assert response.json() == {"detail": "Null characters are not allowed."}


@pytest.mark.django_db
def test_a_view_names_an_error_it_answers_outside_drf_and_the_schema_documents_it() -> None:
    # MeView names no extra error answer of its own: the test gives it one for the while
    MeView.error_responses = {"429": "Too many sign-ins."}  # type: ignore[attr-defined]
    try:
        schema = SchemaGenerator().get_schema(request=None, public=True)
    finally:
        del MeView.error_responses  # type: ignore[attr-defined]
    response = schema["paths"]["/api/v1/me/"]["get"]["responses"]["429"]
    assert response["description"] == "Too many sign-ins."
