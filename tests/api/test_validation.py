"""Bad input gets a 400 that says what is wrong, and nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from accounts.models import Organization
from customers.models import Customer
from invoicing import lifecycle
from invoicing.models import Invoice, InvoiceLine, Payment, Product
from tests.api.conftest import API, invoice_payload


def test_customer_without_display_name(owner_api: APIClient, org: Organization) -> None:
    response = owner_api.post(f"{API}/customers/", {"email": "a@example.com"}, format="json")
    assert response.status_code == 400
    assert "required" in response.json()["display_name"][0]
    assert not Customer.objects.for_org(org).exists()


def test_customer_with_blank_display_name(owner_api: APIClient, org: Organization) -> None:
    response = owner_api.post(f"{API}/customers/", {"display_name": "   "}, format="json")
    assert response.status_code == 400
    assert "display_name" in response.json()
    assert not Customer.objects.for_org(org).exists()


def test_customer_with_bad_email(owner_api: APIClient, org: Organization) -> None:
    response = owner_api.post(f"{API}/customers/", {"display_name": "Jo", "email": "not-an-email"}, format="json")
    assert response.status_code == 400
    assert "email" in response.json()["email"][0].lower()
    assert not Customer.objects.for_org(org).exists()


def test_malformed_json(owner_api: APIClient, org: Organization) -> None:
    response = owner_api.post(f"{API}/customers/", '{"display_name": "Jo",', content_type="application/json")
    assert response.status_code == 400
    assert "JSON parse error" in response.json()["detail"]
    assert not Customer.objects.for_org(org).exists()


@pytest.mark.parametrize(("line_change", "message"), [
    ({"quantity": "-1"}, "quantity must be greater than zero"),
    ({"quantity": "0"}, "quantity must be greater than zero"),
    ({"unit_price": "-5.00"}, "unit price cannot be negative"),
    ({"description": ""}, "give a product or a description"),
])
def test_bad_invoice_lines(owner_api: APIClient, org: Organization, make_customer: Callable[..., Customer],
                           line_change: dict[str, str], message: str) -> None:
    payload = invoice_payload(make_customer(org))
    payload["lines"][0].update(line_change)
    response = owner_api.post(f"{API}/invoices/", payload, format="json")
    assert response.status_code == 400
    assert any(message in error for error in response.json()["lines"])
    assert not Invoice.objects.for_org(org).exists()


def test_line_needs_a_price_or_a_product(owner_api: APIClient, org: Organization,
                                         make_customer: Callable[..., Customer]) -> None:
    payload = invoice_payload(make_customer(org))
    del payload["lines"][0]["unit_price"]
    response = owner_api.post(f"{API}/invoices/", payload, format="json")
    assert response.status_code == 400
    assert "unit price" in response.json()["lines"]["0"]["unit_price"][0]
    assert not Invoice.objects.for_org(org).exists()


def test_invoice_without_lines(owner_api: APIClient, org: Organization, make_customer: Callable[..., Customer]) -> None:
    response = owner_api.post(f"{API}/invoices/", invoice_payload(make_customer(org), lines=[]), format="json")
    assert response.status_code == 400
    assert response.json()["lines"] == ["An invoice needs at least one line."]
    assert not Invoice.objects.for_org(org).exists()


def test_due_date_before_issue_date(owner_api: APIClient, org: Organization,
                                   make_customer: Callable[..., Customer]) -> None:
    today = date.today()
    payload = invoice_payload(make_customer(org), due_date=(today - timedelta(days=1)).isoformat())
    response = owner_api.post(f"{API}/invoices/", payload, format="json")
    assert response.status_code == 400
    assert "before the issue date" in response.json()["due_date"][0]
    assert not Invoice.objects.for_org(org).exists()


def test_bad_update_keeps_the_stored_invoice(owner_api: APIClient, org: Organization,
                                            make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    lines_before = list(InvoiceLine.objects.filter(invoice=invoice).values_list("id", "amount"))
    payload = {"lines": [{"description": "x", "quantity": "-3", "unit_price": "1.00"}], "memo": "changed"}
    response = owner_api.patch(f"{API}/invoices/{invoice.pk}/", payload, format="json")
    assert response.status_code == 400
    after = Invoice.objects.get(pk=invoice.pk)
    assert (after.memo, after.total) == (invoice.memo, invoice.total)
    assert list(InvoiceLine.objects.filter(invoice=invoice).values_list("id", "amount")) == lines_before


def test_payment_above_balance(owner_api: APIClient, org: Organization, make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    lifecycle.invoice_finalize(invoice=invoice)
    too_much = invoice.balance + Decimal("0.01")
    response = owner_api.post(f"{API}/invoices/{invoice.pk}/record-payment/", {"amount": str(too_much)}, format="json")
    assert response.status_code == 400
    assert "more than the balance" in response.json()["amount"][0]
    assert not Payment.objects.filter(invoice=invoice).exists()
    assert Invoice.objects.get(pk=invoice.pk).amount_paid == Decimal("0.00")


@pytest.mark.parametrize("amount", ["0", "-5", "abc", ""])
def test_payment_amount_must_be_a_positive_number(owner_api: APIClient, org: Organization,
                                                  make_invoice: Callable[..., Invoice], amount: str) -> None:
    invoice = make_invoice(org)
    lifecycle.invoice_finalize(invoice=invoice)
    response = owner_api.post(f"{API}/invoices/{invoice.pk}/record-payment/", {"amount": amount}, format="json")
    assert response.status_code == 400
    assert response.json()["amount"]
    assert not Payment.objects.filter(invoice=invoice).exists()


def test_illegal_transition_is_a_400_with_detail(owner_api: APIClient, org: Organization,
                                                 make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    response = owner_api.post(f"{API}/invoices/{invoice.pk}/void/")
    assert response.status_code == 400
    assert response.json() == {"detail": f"Invoice {invoice.number} is draft and cannot be voided."}
    assert Invoice.objects.get(pk=invoice.pk).status == invoice.status


def test_deleting_a_finalized_invoice_is_refused(owner_api: APIClient, org: Organization,
                                                 make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    lifecycle.invoice_finalize(invoice=invoice)
    response = owner_api.delete(f"{API}/invoices/{invoice.pk}/")
    assert response.status_code == 400
    assert "cannot be deleted" in response.json()["detail"]
    assert Invoice.objects.filter(pk=invoice.pk).exists()


@pytest.mark.parametrize(("resource", "params", "field"), [
    ("invoices", {"status": "bogus"}, "status"),
    ("invoices", {"customer": "abc"}, "customer"),
    ("projects", {"customer": "1x"}, "customer"),
    ("customers", {"active": "maybe"}, "active"),
    ("products", {"active": "maybe"}, "active"),
])
def test_bad_filter_values(owner_api: APIClient, rows: tuple[dict, dict], resource: str,
                           params: dict[str, str], field: str) -> None:
    response = owner_api.get(f"{API}/{resource}/", params)
    assert response.status_code == 400
    assert repr(params[field]) in response.json()[field][0]


def test_unknown_status_lists_the_valid_ones(owner_api: APIClient, rows: tuple[dict, dict]) -> None:
    message = owner_api.get(f"{API}/invoices/", {"status": "bogus"}).json()["status"][0]
    assert "draft" in message and "partially_paid" in message


@pytest.mark.parametrize(("field", "make_value"), [
    ("name", lambda product: product.name.upper()),
    ("sku", lambda product: product.sku),
])
def test_product_name_and_sku_are_unique(owner_api: APIClient, org: Organization,
                                         make_product: Callable[..., Product], field: str,
                                         make_value: Callable[[Product], str]) -> None:
    existing = make_product(org, name="Filter", sku="FLT-1")
    payload = {"name": "Other", "sku": "OTHER-1", "unit_price": "5.00", field: make_value(existing)}
    response = owner_api.post(f"{API}/products/", payload, format="json")
    assert response.status_code == 400
    assert "already" in response.json()[field][0]
    assert Product.objects.for_org(org).count() == 1


def test_renaming_a_product_to_its_own_name_is_fine(owner_api: APIClient, org: Organization,
                                                    make_product: Callable[..., Product]) -> None:
    product = make_product(org, name="Filter", sku="FLT-1")
    response = owner_api.put(f"{API}/products/{product.pk}/", {"name": "FILTER", "sku": "FLT-1",
                                                                 "unit_price": "7.00"}, format="json")
    assert response.status_code == 200, response.content
    product.refresh_from_db()
    assert (product.name, product.unit_price) == ("FILTER", Decimal("7.00"))


def test_blank_skus_may_repeat(owner_api: APIClient, org: Organization, make_product: Callable[..., Product]) -> None:
    make_product(org, name="Filter")
    response = owner_api.post(f"{API}/products/", {"name": "Belt", "unit_price": "5.00"}, format="json")
    assert response.status_code == 201


def test_deleting_a_customer_in_use_is_refused(owner_api: APIClient, org: Organization,
                                               make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org)
    response = owner_api.delete(f"{API}/customers/{invoice.customer_id}/")
    assert response.status_code == 400
    assert "cannot be deleted" in response.json()["detail"]
    assert Customer.objects.filter(pk=invoice.customer_id).exists()


def test_project_end_before_start(owner_api: APIClient, org: Organization,
                                  make_customer: Callable[..., Customer]) -> None:
    payload = {"customer": make_customer(org).pk, "name": "Boiler", "start_date": "2025-05-02",
               "end_date": "2025-05-01"}
    response = owner_api.post(f"{API}/projects/", payload, format="json")
    assert response.status_code == 400
    assert "before the start date" in response.json()["end_date"][0]


def test_tax_rate_out_of_range_and_duplicate(owner_api: APIClient, rows: tuple[dict, dict]) -> None:
    existing = rows[0]["tax-rates"]
    assert "between 0 and 100" in owner_api.post(f"{API}/tax-rates/", {"name": "Big", "rate": "150"},
                                                 format="json").json()["rate"][0]
    response = owner_api.post(f"{API}/tax-rates/", {"name": existing.name.lower(), "rate": "5"}, format="json")
    assert response.status_code == 400
    assert "already exists" in response.json()["name"][0]
