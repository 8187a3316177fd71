"""Reads for every member; writes and lifecycle actions only for roles with the capability."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from customers.models import Customer
from invoicing import lifecycle
from invoicing.models import Invoice, InvoiceStatus, Product
from tests.api.conftest import API, invoice_payload

Api = Callable[[str], APIClient]


def test_technician_cannot_create_customers(api: Api, org: Organization) -> None:
    response = api(Role.TECHNICIAN).post(f"{API}/customers/", {"display_name": "Nope"}, format="json")
    assert response.status_code == 403
    assert "Technician" in response.json()["detail"]
    assert not Customer.objects.for_org(org).exists()


@pytest.mark.parametrize("role", Role.values)
def test_every_member_can_read(api: Api, rows: tuple[dict, dict], role: str) -> None:
    client = api(role)
    for resource in ("customers", "projects", "products", "tax-rates", "invoices"):
        assert client.get(f"{API}/{resource}/").status_code == 200
    assert client.get(f"{API}/invoices/{rows[0]['invoices'].pk}/").status_code == 200


@pytest.mark.parametrize(("role", "finalize_status"), [(Role.TECHNICIAN, 403), (Role.DISPATCHER, 200)])
def test_neither_technician_nor_dispatcher_may_void(api: Api, make_invoice: Callable[..., Invoice],
                                                    org: Organization, role: str, finalize_status: int) -> None:
    client = api(role)
    draft = make_invoice(org)
    assert client.post(f"{API}/invoices/{draft.pk}/finalize/").status_code == finalize_status
    generated = make_invoice(org)
    lifecycle.invoice_finalize(invoice=generated)
    assert client.post(f"{API}/invoices/{generated.pk}/void/").status_code == 403
    assert Invoice.objects.get(pk=generated.pk).status == InvoiceStatus.GENERATED


def test_technician_cannot_finalize(api: Api, make_invoice: Callable[..., Invoice], org: Organization) -> None:
    draft = make_invoice(org)
    assert api(Role.TECHNICIAN).post(f"{API}/invoices/{draft.pk}/finalize/").status_code == 403
    assert Invoice.objects.get(pk=draft.pk).status == InvoiceStatus.DRAFT


def test_dispatcher_finalizes(api: Api, make_invoice: Callable[..., Invoice], org: Organization) -> None:
    draft = make_invoice(org)
    response = api(Role.DISPATCHER).post(f"{API}/invoices/{draft.pk}/finalize/")
    assert response.status_code == 200
    assert response.json()["status"] == InvoiceStatus.GENERATED
    assert Invoice.objects.get(pk=draft.pk).status == InvoiceStatus.GENERATED


def test_owner_voids(api: Api, make_invoice: Callable[..., Invoice], org: Organization) -> None:
    invoice = make_invoice(org)
    lifecycle.invoice_finalize(invoice=invoice)
    response = api(Role.OWNER).post(f"{API}/invoices/{invoice.pk}/void/")
    assert response.status_code == 200
    invoice.refresh_from_db()
    assert (invoice.status, invoice.balance) == (InvoiceStatus.VOID, Decimal("0.00"))


def test_technician_writes_a_draft_but_cannot_edit_it_once_finalized(
        api: Api, org: Organization, make_customer: Callable[..., Customer]) -> None:
    client = api(Role.TECHNICIAN)
    response = client.post(f"{API}/invoices/", invoice_payload(make_customer(org)), format="json")
    assert response.status_code == 201
    invoice = Invoice.objects.get(pk=response.json()["id"])
    lifecycle.invoice_finalize(invoice=invoice)
    response = client.patch(f"{API}/invoices/{invoice.pk}/", {"memo": "changed"}, format="json")
    assert response.status_code == 403
    invoice.refresh_from_db()
    assert invoice.memo == ""


def test_dispatcher_cannot_edit_the_catalog(api: Api, org: Organization, make_product: Callable[..., Product]) -> None:
    client = api(Role.DISPATCHER)
    product = make_product(org, unit_price="10.00")
    assert client.post(f"{API}/products/", {"name": "Filter", "unit_price": "5.00"}, format="json").status_code == 403
    assert client.patch(f"{API}/products/{product.pk}/", {"unit_price": "1.00"}, format="json").status_code == 403
    assert client.post(f"{API}/tax-rates/", {"name": "VAT", "rate": "20"}, format="json").status_code == 403
    product.refresh_from_db()
    assert product.unit_price == Decimal("10.00")
    assert Product.objects.for_org(org).count() == 1


def test_actions_listed_on_an_invoice_follow_the_role(api: Api, make_invoice: Callable[..., Invoice],
                                                      org: Organization) -> None:
    invoice = make_invoice(org)
    lifecycle.invoice_finalize(invoice=invoice)
    owner = api(Role.OWNER).get(f"{API}/invoices/{invoice.pk}/").json()["actions"]
    dispatcher = api(Role.DISPATCHER).get(f"{API}/invoices/{invoice.pk}/").json()["actions"]
    assert "void" in owner
    assert "void" not in dispatcher
    assert "record_payment" in dispatcher
    assert "finalize" not in owner  # not allowed from Generated, whatever the role


def test_user_without_membership_is_403(db: None) -> None:
    loner = get_user_model().objects.create_user(username="loner", password="x-long-password")
    client = APIClient()
    client.force_authenticate(loner)
    response = client.get(f"{API}/customers/")
    assert response.status_code == 403
    assert "not a member" in response.json()["detail"]


def test_anonymous_is_401(db: None) -> None:
    assert APIClient().get(f"{API}/invoices/").status_code == 401
