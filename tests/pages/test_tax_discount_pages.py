"""The pages for issue 14: Tax & terms settings (codes and their rates), the invoice form's tax codes,
discount, credit lines, terms and two notes, and the detail page showing tax per rate and the discount."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Organization, Role
from customers.models import Customer
from invoicing.models import Invoice, Product, TaxCode, TaxRate

if TYPE_CHECKING:  # django-stubs name the test client's response (with .context and .json()) only privately
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db


def _errors(response: _MonkeyPatchedWSGIResponse, key: str = "form") -> dict[str, list[str]]:
    return {field: list(errs) for field, errs in response.context[key].errors.items()}


def test_owner_builds_a_three_rate_code_on_the_settings_pages(org: Organization, owner_client: Client) -> None:
    for name, rate, agency in [("IL state", "6.25", "IDOR"), ("County", "1", "IDOR"), ("City", "1.625", "City")]:
        response = owner_client.post(reverse("invoicing:tax_rate_create"),
                                     {"name": name, "rate": rate, "agency": agency, "is_active": "on"})
        assert response.status_code == 302, response.content
    rates = list(TaxRate.objects.for_org(org).values_list("pk", flat=True))
    response = owner_client.post(reverse("invoicing:tax_code_create"),
                                 {"name": "Springfield", "rates": [str(pk) for pk in rates], "is_active": "on"})
    assert response.status_code == 302
    code = TaxCode.objects.for_org(org).get()
    assert code.total_percent == Decimal("8.875")
    page = owner_client.get(reverse("invoicing:invoice_settings")).content.decode()
    assert "Springfield" in page and "IL state 6.25%" in page and "8.875%" in page


def test_bad_rate_and_duplicate_code_name_are_refused(org: Organization, owner_client: Client) -> None:
    response = owner_client.post(reverse("invoicing:tax_rate_create"), {"name": "Odd", "rate": "120"})
    assert response.status_code == 400 and "rate" in _errors(response)
    TaxCode.objects.create(organization=org, name="Exempt")
    response = owner_client.post(reverse("invoicing:tax_code_create"), {"name": "exempt"})
    assert response.status_code == 400 and "name" in _errors(response)
    assert not TaxRate.objects.exists() and TaxCode.objects.count() == 1


def test_settings_save_and_technicians_only_read(org: Organization, owner_client: Client,
                                                 client_for: Callable[[Organization, str], Client]) -> None:
    data = {"prices_include_tax": "on", "tax_rounding": "line", "payment_terms_days": "15"}
    assert owner_client.post(reverse("invoicing:invoice_settings"), data).status_code == 302
    org.refresh_from_db()
    assert (org.prices_include_tax, org.tax_after_discount, org.tax_rounding, org.payment_terms_days) == (
        True, False, "line", 15)
    bad = owner_client.post(reverse("invoicing:invoice_settings"), {**data, "payment_terms_days": "-3"})
    assert bad.status_code == 400 and "payment_terms_days" in _errors(bad)
    tech = client_for(org, Role.TECHNICIAN)
    assert tech.get(reverse("invoicing:invoice_settings")).status_code == 200
    tech.post(reverse("invoicing:invoice_settings"), {**data, "payment_terms_days": "60"})
    org.refresh_from_db()
    assert org.payment_terms_days == 15
    assert tech.get(reverse("invoicing:tax_code_create")).status_code == 403


def test_product_default_code_sets_taxable(org: Organization, owner_client: Client) -> None:
    code = TaxCode.objects.create(organization=org, name="Sales")
    base = {"name": "Filter", "sku": "", "type": "non_inventory", "unit_price": "12.50", "is_active": "on"}
    assert owner_client.post(reverse("invoicing:product_create"), {**base, "tax_code": str(code.pk)}).status_code == 302
    product = Product.objects.get()
    assert (product.tax_code_id, product.taxable) == (code.pk, True)
    owner_client.post(reverse("invoicing:product_edit", args=[product.pk]), {**base, "tax_code": ""})
    product.refresh_from_db()
    assert (product.tax_code_id, product.taxable) == (None, False)


def _post(customer: Customer, lines: list[dict[str, str]], **fields: str) -> dict[str, str]:
    data = {"customer": str(customer.pk), "issue_date": "2026-11-02", "due_date": "", "terms_days": "", "memo": "",
            "internal_note": "", "discount_kind": "", "discount_value": "",
            "lines-TOTAL_FORMS": str(len(lines)), "lines-INITIAL_FORMS": "0", **fields}
    for i, line in enumerate(lines):
        data.update({f"lines-{i}-{key}": value for key, value in line.items()})
    return data


def _line(**fields: str) -> dict[str, str]:
    return {"product": "", "kind": "item", "description": "Repair", "quantity": "2", "unit_price": "100.00",
            "tax_code": "", **fields}


@pytest.fixture
def springfield(org: Organization) -> TaxCode:
    code = TaxCode.objects.create(organization=org, name="Springfield")
    code.rates.set([TaxRate.objects.create(organization=org, name="IL state", rate=Decimal("6.25"), agency="IDOR"),
                    TaxRate.objects.create(organization=org, name="City", rate=Decimal("1.625"))])
    return code


def test_invoice_form_saves_codes_discount_credit_terms_and_notes_and_detail_shows_them(
        org: Organization, owner_client: Client, make_customer: Callable[..., Customer], springfield: TaxCode) -> None:
    customer = make_customer(org, payment_terms_days=15)
    data = _post(customer, [_line(tax_code=str(springfield.pk)),
                            _line(kind="credit", description="Missed window", quantity="1", unit_price="20.00",
                                  tax_code=str(springfield.pk)),
                            _line(description="Permit", quantity="1", unit_price="30.00")],
                 discount_kind="percent", discount_value="10", memo="Thank you!",
                 internal_note="Gate code 4521")
    response = owner_client.post(reverse("invoicing:invoice_create"), data)
    assert response.status_code == 302, _errors(response)
    invoice = Invoice.objects.get()
    # Lines 200 - 20 + 30 = 210; 10 % off = 21 spread: taxed base 180 - 18 = 162 -> 10.13 + 2.63.
    assert (invoice.subtotal, invoice.discount_amount, invoice.tax_amount, invoice.total) == (
        Decimal("210.00"), Decimal("21.00"), Decimal("12.76"), Decimal("201.76"))
    assert (str(invoice.due_date), invoice.terms_days, invoice.internal_note) == ("2026-11-17", 15, "Gate code 4521")
    page = owner_client.get(reverse("invoicing:invoice_detail", args=[invoice.pk])).content.decode()
    assert "IL state 6.25% · IDOR on $162.00" in page and "$10.13" in page and "City 1.625% on $162.00" in page
    assert "Discount 10% (taken before tax)" in page and "−$21.00" in page
    assert "Net 15" in page and "Gate code 4521" in page and "not shown to the customer" in page


def test_invoice_form_refuses_bad_discounts_in_place(org: Organization, owner_client: Client,
                                                     make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org)
    for fields, field in [({"discount_kind": "percent", "discount_value": "101"}, "discount_value"),
                          ({"discount_kind": "amount", "discount_value": ""}, "discount_value"),
                          ({"discount_kind": "amount", "discount_value": "500"}, "discount_value"),
                          ({"terms_days": "30", "due_date": "2026-11-05"}, "due_date")]:
        response = owner_client.post(reverse("invoicing:invoice_create"), _post(customer, [_line()], **fields))
        assert response.status_code == 400
        assert field in _errors(response), (fields, _errors(response))
    assert not Invoice.objects.exists()


def test_customer_form_keeps_terms(org: Organization, owner_client: Client) -> None:
    response = owner_client.post(reverse("customers:create"), {"display_name": "Harbor", "payment_terms_days": "15",
                                                               "is_active": "on"})
    assert response.status_code == 302
    assert Customer.objects.get().payment_terms_days == 15
    bad = owner_client.post(reverse("customers:create"), {"display_name": "B", "payment_terms_days": "400"})
    assert bad.status_code == 400 and "payment_terms_days" in _errors(bad)
