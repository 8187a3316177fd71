"""Tax codes, invoice settings, discounts, credit lines, terms and notes through the API, with the same
validation as the pages (bad input is a 400 naming the field, never a 500)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from rest_framework.test import APIClient

from accounts.models import Organization, Role
from customers.models import Customer
from invoicing.models import Invoice, TaxCode, TaxRate
from tests.api.conftest import API


def _rates(org: Organization) -> tuple[TaxRate, TaxRate]:
    return (TaxRate.objects.create(organization=org, name="GST", rate=Decimal(5), agency="CRA"),
            TaxRate.objects.create(organization=org, name="PST BC", rate=Decimal(7), agency="BC Finance"))


def test_tax_code_crud_with_component_rates(owner_api: APIClient, org: Organization, other_org: Organization) -> None:
    gst, pst = _rates(org)
    created = owner_api.post(f"{API}/tax-codes/", {"name": "GST/PST BC", "rates": [gst.pk, pst.pk]}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (sorted(body["rates"]), body["total_percent"]) == (sorted([gst.pk, pst.pk]), "12.000")
    duplicate = owner_api.post(f"{API}/tax-codes/", {"name": "gst/pst bc", "rates": []}, format="json")
    assert duplicate.status_code == 400 and "name" in duplicate.json()
    foreign = TaxRate.objects.create(organization=other_org, name="VAT", rate=Decimal(20))
    refused = owner_api.post(f"{API}/tax-codes/", {"name": "Mixed", "rates": [gst.pk, foreign.pk]}, format="json")
    assert refused.status_code == 400 and "rates" in refused.json()
    exempt = owner_api.post(f"{API}/tax-codes/", {"name": "Exempt"}, format="json")
    assert exempt.status_code == 201 and exempt.json()["rates"] == []
    assert owner_api.patch(f"{API}/tax-rates/{gst.pk}/", {"agency": "Canada Revenue Agency"},
                           format="json").json()["agency"] == "Canada Revenue Agency"


def test_technician_reads_but_cannot_change_tax_setup(api: Callable[[str], APIClient], org: Organization) -> None:
    tech = api(Role.TECHNICIAN)
    assert tech.get(f"{API}/tax-codes/").status_code == 200
    assert tech.post(f"{API}/tax-codes/", {"name": "X"}, format="json").status_code == 403
    assert tech.get(f"{API}/invoice-settings/").status_code == 200
    assert tech.patch(f"{API}/invoice-settings/", {"prices_include_tax": True}, format="json").status_code == 403


def test_invoice_settings_round_trip_and_validation(owner_api: APIClient, org: Organization) -> None:
    assert owner_api.get(f"{API}/invoice-settings/").json() == {
        "prices_include_tax": False, "tax_after_discount": True, "tax_rounding": "invoice", "payment_terms_days": 30,
        "invoice_number_prefix": "INV-"}
    changed = owner_api.patch(f"{API}/invoice-settings/", {"tax_rounding": "line", "payment_terms_days": 15},
                              format="json")
    assert changed.status_code == 200 and changed.json()["payment_terms_days"] == 15
    org.refresh_from_db()
    assert (org.tax_rounding, org.payment_terms_days) == ("line", 15)
    bad = owner_api.patch(f"{API}/invoice-settings/", {"payment_terms_days": 400, "tax_rounding": "odd"},
                          format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"payment_terms_days", "tax_rounding"}


def test_invoice_with_codes_discount_credit_terms_and_notes(owner_api: APIClient, org: Organization,
                                                           make_customer: Callable[..., Customer]) -> None:
    gst, pst = _rates(org)
    code = TaxCode.objects.create(organization=org, name="GST/PST BC")
    code.rates.set([gst, pst])
    org.tax_rounding = "line"
    org.save()
    customer = make_customer(org, payment_terms_days=15)
    payload = {
        "customer": customer.pk, "issue_date": "2026-11-02",
        "discount_kind": "percent", "discount_value": "10", "memo": "Thanks for choosing us",
        "internal_note": "Customer asked for a discount; approved by Sam.",
        "lines": [
            {"description": "Repair", "quantity": "2", "unit_price": "100.00", "tax_code": code.pk},
            {"description": "Goodwill credit", "kind": "credit", "quantity": "1", "unit_price": "20.00",
             "tax_code": code.pk},
        ],
    }
    response = owner_api.post(f"{API}/invoices/", payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    # Lines 200 - 20 = 180; 10 % off = 18; taxed 162 -> GST 8.10 + PST 11.34; total 181.44. Net 15 terms.
    assert (body["subtotal"], body["discount_amount"], body["tax_amount"], body["total"]) == (
        "180.00", "18.00", "19.44", "181.44")
    assert [(t["name"], t["taxable_amount"], t["amount"]) for t in body["tax_lines"]] == [
        ("GST", "162.00", "8.10"), ("PST BC", "162.00", "11.34")]
    assert (body["due_date"], body["terms_days"]) == ("2026-11-17", 15)
    assert [ln["amount"] for ln in body["lines"]] == ["200.00", "-20.00"]
    assert body["internal_note"].startswith("Customer asked")

    # PATCH the discount to an amount: the stored lines keep their codes.
    patched = owner_api.patch(f"{API}/invoices/{body['id']}/", {"discount_kind": "amount", "discount_value": "30"},
                              format="json")
    assert patched.status_code == 200, patched.content
    assert (patched.json()["discount_amount"], patched.json()["total"]) == ("30.00", "168.00")


def test_bad_money_input_is_a_400_and_changes_nothing(owner_api: APIClient, org: Organization,
                                                      make_customer: Callable[..., Customer]) -> None:
    customer = make_customer(org)
    base = {"customer": customer.pk, "issue_date": "2026-11-02",
            "lines": [{"description": "Repair", "quantity": "1", "unit_price": "50.00"}]}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"discount_kind": "percent", "discount_value": "150"}, "discount_value"),
        ({"discount_kind": "amount", "discount_value": "60"}, "discount_value"),
        ({"discount_kind": "amount"}, "discount_value"),
        ({"discount_kind": "bogus", "discount_value": "5"}, "discount_kind"),
        ({"terms_days": 400}, "terms_days"),
        ({"terms_days": 30, "due_date": "2026-11-05"}, "due_date"),
        ({"lines": [{"description": "Repair", "quantity": "1", "unit_price": "-50.00"}]}, "lines"),
        ({"lines": [{"description": "Credit", "kind": "credit", "quantity": "1", "unit_price": "10"}]}, "lines"),
    ]
    for extra, field in cases:
        response = owner_api.post(f"{API}/invoices/", {**base, **extra}, format="json")
        assert response.status_code == 400, (extra, response.content)
        assert field in response.json(), (extra, response.json())
    assert not Invoice.objects.exists()


def test_legacy_tax_rate_write_still_taxes_taxable_lines(owner_api: APIClient, org: Organization,
                                                         make_customer: Callable[..., Customer]) -> None:
    rate = TaxRate.objects.create(organization=org, name="Sales", rate=Decimal(10))
    payload = {"customer": make_customer(org).pk, "issue_date": "2026-11-02", "due_date": "2026-12-02",
               "tax_rate": rate.pk,
               "lines": [{"description": "Labour", "quantity": "1.5", "unit_price": "80.00"},
                         {"description": "Permit", "quantity": "1", "unit_price": "25.00", "taxable": False}]}
    body = owner_api.post(f"{API}/invoices/", payload, format="json").json()
    assert (body["tax_amount"], body["total"]) == ("12.00", "157.00")
    code = TaxCode.objects.get(organization=org)
    assert [(ln["tax_code"], ln["taxable"]) for ln in body["lines"]] == [(code.pk, True), (None, False)]
    assert Invoice.objects.get(pk=body["id"]).due_date == date(2026, 12, 2)


def test_customer_terms_through_the_api(owner_api: APIClient, org: Organization) -> None:
    created = owner_api.post(f"{API}/customers/", {"display_name": "Net 15 Co", "payment_terms_days": 15},
                             format="json")
    assert created.status_code == 201 and created.json()["payment_terms_days"] == 15
    bad = owner_api.post(f"{API}/customers/", {"display_name": "X", "payment_terms_days": 999}, format="json")
    assert bad.status_code == 400 and "payment_terms_days" in bad.json()
