"""Admin for tax codes and invoice discounts: the same validation as the pages, an error in place instead
of a 500, and totals recomputed by the services after a change."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.models import Organization
from invoicing.models import Invoice, TaxCode, TaxRate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(db: None) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123"))
    return client


def _form_data(response: Any) -> dict[str, Any]:
    """What the change page would post back unchanged: the main form and every inline formset."""
    data: dict[str, Any] = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        forms.extend(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is None:
                continue
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)
    return data


def test_admin_discount_too_large_is_an_error_in_place(admin_client: Client, org: Organization,
                                                       make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, tax_percent="10", lines=[("2", "50.00")])
    url = f"/admin/invoicing/invoice/{invoice.pk}/change/"
    data = _form_data(admin_client.get(url))
    response = admin_client.post(url, {**data, "discount_kind": "amount", "discount_value": "150.00"})
    assert response.status_code == 200
    assert "more than the lines" in response.content.decode()
    response = admin_client.post(url, {**data, "discount_kind": "percent", "discount_value": "120"})
    assert response.status_code == 200 and "at most 100" in response.content.decode()
    invoice.refresh_from_db()
    assert (invoice.discount_kind, invoice.total) == ("", Decimal("110.00"))

    response = admin_client.post(url, {**data, "discount_kind": "percent", "discount_value": "10"})
    assert response.status_code == 302
    invoice.refresh_from_db()
    # 100 - 10 = 90 taxed at 10 % -> 9.00; total 99.00, with its tax line.
    assert (invoice.discount_amount, invoice.tax_amount, invoice.total) == (
        Decimal("10.00"), Decimal("9.00"), Decimal("99.00"))
    assert [(t.taxable_amount, t.amount) for t in invoice.tax_lines.all()] == [(Decimal("90.00"), Decimal("9.00"))]


def test_admin_tax_code_with_rates(admin_client: Client, org: Organization) -> None:
    gst = TaxRate.objects.create(organization=org, name="GST", rate=Decimal(5))
    pst = TaxRate.objects.create(organization=org, name="PST", rate=Decimal(7))
    response = admin_client.post("/admin/invoicing/taxcode/add/", {
        "organization": str(org.pk), "name": "GST/PST", "rates": [str(gst.pk), str(pst.pk)], "is_active": "on"})
    assert response.status_code == 302
    assert TaxCode.objects.get().total_percent == Decimal(12)
    response = admin_client.post("/admin/invoicing/taxrate/add/", {
        "organization": str(org.pk), "name": "Odd", "rate": "250", "is_active": "on"})
    assert response.status_code == 200 and "between 0 and 100" in response.content.decode()
