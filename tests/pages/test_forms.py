"""Bad input gets a clear error next to the field, and nothing is saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organization
from customers.models import Customer, Project
from invoicing.models import Invoice, InvoiceLine, Product

if TYPE_CHECKING:  # django-stubs name the test client's response (with .context and .json()) only privately
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db


def _errors(response: _MonkeyPatchedWSGIResponse, form_key: str = "form") -> dict[str, list[str]]:
    return {field: list(errs) for field, errs in response.context[form_key].errors.items()}


# ---------- customers and projects ----------

@pytest.mark.parametrize("name", ["", "   "])
def test_customer_needs_a_name(org: Organization, owner_client: Client, name: str) -> None:
    response = owner_client.post(reverse("customers:create"), {"display_name": name, "is_active": "on"})
    assert response.status_code == 400
    assert "display_name" in _errors(response)
    assert not Customer.objects.for_org(org).exists()
    assert "nothing was saved" in response.content.decode()


def test_customer_bad_email(org: Organization, owner_client: Client) -> None:
    response = owner_client.post(reverse("customers:create"), {"display_name": "Jane", "email": "jane@"})
    assert response.status_code == 400
    assert _errors(response)["email"] == ["Enter a valid email address."]
    assert not Customer.objects.for_org(org).exists()


def test_customer_edit_bad_input_keeps_stored_values(org: Organization, owner_client: Client,
                                                     make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org, "Jane Smith", email="jane@example.com")
    response = owner_client.post(reverse("customers:edit", args=[customer.pk]),
                                 {"display_name": "Jane S", "email": "not-an-email"})
    assert response.status_code == 400
    customer.refresh_from_db()
    assert (customer.display_name, customer.email) == ("Jane Smith", "jane@example.com")


def test_customer_create_and_edit(org: Organization, owner_client: Client) -> None:
    response = owner_client.post(reverse("customers:create"), {
        "display_name": " Jane Smith ", "email": "jane@example.com", "billing_city": "Springfield", "is_active": "on",
    })
    customer = Customer.objects.for_org(org).get()
    assert response.status_code == 302 and response["Location"] == reverse("customers:detail", args=[customer.pk])
    assert customer.display_name == "Jane Smith"
    owner_client.post(reverse("customers:edit", args=[customer.pk]), {"display_name": "Jane Doe", "is_active": ""})
    customer.refresh_from_db()
    assert (customer.display_name, customer.is_active) == ("Jane Doe", False)


def test_project_create_edit_and_date_order(org: Organization, owner_client: Client,
                                            make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org)
    url = reverse("customers:project_create", args=[customer.pk])
    bad = owner_client.post(url, {"name": "Attic", "status": "planned", "start_date": "2026-03-10",
                                  "end_date": "2026-03-01"})
    assert bad.status_code == 400 and "end_date" in _errors(bad)
    assert not Project.objects.exists()

    owner_client.post(url, {"name": "Attic", "status": "planned", "start_date": "2026-03-01"})
    project = Project.objects.get()
    assert (project.organization_id, project.customer_id) == (org.pk, customer.pk)
    owner_client.post(reverse("customers:project_edit", args=[project.pk]),
                      {"name": "Attic ductwork", "status": "in_progress"})
    project.refresh_from_db()
    assert (project.name, project.status) == ("Attic ductwork", "in_progress")


# ---------- products ----------

def _product(**overrides: str) -> dict[str, str]:
    return {"name": "Duct cleaning", "sku": "", "type": "service", "unit_price": "120.00", "taxable": "on",
            "is_active": "on", **overrides}


def test_product_name_unique_ignoring_case(org: Organization, owner_client: Client,
                                           make_product: Callable[..., Product]) -> None:
    make_product(org, "Furnace tune-up")
    response = owner_client.post(reverse("invoicing:product_create"), _product(name="FURNACE Tune-Up"))
    assert response.status_code == 400
    assert "already exists" in _errors(response)["name"][0]
    assert Product.objects.for_org(org).count() == 1


def test_product_sku_unique_when_set(org: Organization, owner_client: Client,
                                     make_product: Callable[..., Product]) -> None:
    make_product(org, "Furnace tune-up", sku="FTU-1")
    response = owner_client.post(reverse("invoicing:product_create"), _product(sku="FTU-1"))
    assert response.status_code == 400
    assert "FTU-1" in _errors(response)["sku"][0]
    # Two products without a SKU are fine.
    make_product(org, "Filter")
    assert owner_client.post(reverse("invoicing:product_create"), _product()).status_code == 302
    assert Product.objects.for_org(org).count() == 3


def test_product_names_may_repeat_across_organizations(org: Organization, other_org: Organization,
                                                       owner_client: Client,
                                                       make_product: Callable[..., Product]) -> None:
    make_product(other_org, "Duct cleaning", sku="DC")
    assert owner_client.post(reverse("invoicing:product_create"), _product(sku="DC")).status_code == 302


def test_product_edit_keeps_own_name_and_rejects_empty(org: Organization, owner_client: Client,
                                                       make_product: Callable[..., Product]) -> None:
    product = make_product(org, "Furnace tune-up", sku="FTU")
    url = reverse("invoicing:product_edit", args=[product.pk])
    assert owner_client.post(url, _product(name="furnace TUNE-UP", sku="FTU", unit_price="99")).status_code == 302
    product.refresh_from_db()
    assert (product.name, str(product.unit_price)) == ("furnace TUNE-UP", "99.00")
    response = owner_client.post(url, _product(name=" ", unit_price="-1"))
    assert response.status_code == 400
    assert set(_errors(response)) >= {"name", "unit_price"}
    product.refresh_from_db()
    assert product.name == "furnace TUNE-UP"


# ---------- invoices ----------

def _invoice_post(customer: Customer, lines: list[dict[str, str]], **fields: str) -> dict[str, str]:
    data = {"customer": str(customer.pk), "issue_date": "2026-01-05", "due_date": "2026-02-04", "memo": "",
            "lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0", **fields}
    for i, line in enumerate(lines):
        data.update({f"lines-{i}-{key}": value for key, value in line.items()})
    return data


def _line(**overrides: str) -> dict[str, str]:
    return {"product": "", "description": "Labour", "quantity": "2", "unit_price": "95.00", "taxable": "on",
            **overrides}


def test_invoice_with_no_lines(org: Organization, owner_client: Client,
                               make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org)
    blank_row = _line(description="", quantity="1", unit_price="")
    for lines in ([], [blank_row]):
        response = owner_client.post(reverse("invoicing:invoice_create"), _invoice_post(customer, lines))
        assert response.status_code == 400
        assert response.context["formset"].non_form_errors() == ["An invoice needs at least one line."]
    assert not Invoice.objects.exists()


def test_invoice_negative_quantity(org: Organization, owner_client: Client,
                                   make_customer: Callable[..., Customer]) -> None:
    response = owner_client.post(reverse("invoicing:invoice_create"),
                                 _invoice_post(make_customer(org), [_line(quantity="-1")]))
    assert response.status_code == 400
    assert response.context["formset"].forms[0].errors["quantity"] == ["Quantity must be greater than zero."]
    assert "Quantity must be greater than zero." in response.content.decode()
    assert not Invoice.objects.exists()


def test_invoice_due_before_issue(org: Organization, owner_client: Client,
                                  make_customer: Callable[..., Customer]) -> None:
    response = owner_client.post(reverse("invoicing:invoice_create"),
                                 _invoice_post(make_customer(org), [_line()], due_date="2026-01-01"))
    assert response.status_code == 400
    assert _errors(response)["due_date"] == ["The due date cannot be before the issue date."]
    assert not Invoice.objects.exists()


def test_invoice_line_needs_product_or_description(org: Organization, owner_client: Client,
                                                   make_customer: Callable[..., Customer]) -> None:
    response = owner_client.post(reverse("invoicing:invoice_create"),
                                 _invoice_post(make_customer(org), [_line(description="")]))
    assert response.status_code == 400
    assert "Choose a product or write a description." in response.content.decode()
    assert not Invoice.objects.exists()


def test_invoice_project_of_another_customer(org: Organization, owner_client: Client,
                                             make_customer: Callable[..., Customer]) -> None:
    jane, bob = make_customer(org, "Jane"), make_customer(org, "Bob")
    bobs = Project.objects.create(organization=org, customer=bob, name="Bob's basement")
    response = owner_client.post(reverse("invoicing:invoice_create"),
                                 _invoice_post(jane, [_line()], project=str(bobs.pk)))
    assert response.status_code == 400
    assert "project" in _errors(response)
    assert not Invoice.objects.exists()


def test_invoice_create_computes_totals_on_the_server(org: Organization, owner_client: Client,
                                                      make_customer: Callable[..., Customer],
                                                      make_product: Callable[..., Product]) -> None:
    from invoicing.models import TaxCode, TaxRate

    customer = make_customer(org)
    product = make_product(org, "Filter", unit_price="12.50", taxable=False)
    code = TaxCode.objects.create(organization=org, name="State")
    code.rates.add(TaxRate.objects.create(organization=org, name="State", rate="10"))
    project = Project.objects.create(organization=org, customer=customer, name="Kitchen")
    data = _invoice_post(customer, [
        _line(quantity="3", unit_price="100.00", tax_code=str(code.pk)),
        _line(product=str(product.pk), description="", quantity="2", unit_price="12.50", tax_code=""),
        _line(description="Removed row", quantity="1", unit_price="999", DELETE="on"),
    ], project=str(project.pk), subtotal="1", total="1")  # client totals are ignored
    response = owner_client.post(reverse("invoicing:invoice_create"), data)
    invoice = Invoice.objects.get()
    assert response["Location"] == reverse("invoicing:invoice_detail", args=[invoice.pk])
    assert [str(a) for a in invoice.lines.values_list("amount", flat=True)] == ["300.00", "25.00"]
    assert invoice.lines.get(position=2).description == "Filter"  # taken from the product
    assert (str(invoice.subtotal), str(invoice.tax_amount), str(invoice.total)) == ("325.00", "30.00", "355.00")
    assert invoice.project_id == project.pk


def test_invoice_edit_replaces_lines(org: Organization, owner_client: Client,
                                     make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("1", "10.00"), ("1", "20.00")])
    data = _invoice_post(invoice.customer, [_line(quantity="1", unit_price="10.00"),
                                            _line(quantity="1", unit_price="20.00", DELETE="on"),
                                            _line(quantity="4", unit_price="5.00")])
    data["lines-INITIAL_FORMS"] = "2"
    assert owner_client.post(reverse("invoicing:invoice_edit", args=[invoice.pk]), data).status_code == 302
    invoice.refresh_from_db()
    assert str(invoice.total) == "30.00"
    assert InvoiceLine.objects.filter(invoice=invoice).count() == 2


def test_invoice_edit_bad_input_changes_nothing(org: Organization, owner_client: Client,
                                                make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("2", "95.00")])
    data = _invoice_post(invoice.customer, [_line(quantity="0")], due_date="2025-01-01")
    data["lines-INITIAL_FORMS"] = "1"
    response = owner_client.post(reverse("invoicing:invoice_edit", args=[invoice.pk]), data)
    assert response.status_code == 400
    invoice.refresh_from_db()
    assert str(invoice.total) == "190.00"
    assert list(invoice.lines.values_list("quantity", flat=True)) == [2]
