"""Nonsense and overflowing invoice input through the API: a clear 400 naming the field and the limit,
never a 500, and nothing stored (the rules live in invoicing/validators.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Organization
from customers.models import Customer
from invoicing.models import Invoice, InvoiceStatus
from tests.api.conftest import API, invoice_payload

HUGE_LINE = {"description": "Crane hire", "quantity": "1000000", "unit_price": "100000.00"}
WINDOW = "Give a date between 1970-01-01 and 2099-12-31"


def test_a_line_too_big_to_store(owner_api: APIClient, org: Organization,
                                 make_customer: Callable[..., Customer]) -> None:
    response = owner_api.post(f"{API}/invoices/", invoice_payload(make_customer(org), lines=[HUGE_LINE]),
                              format="json")
    assert response.status_code == 400
    assert response.json()["lines"] == [
        "Line 1: 1000000 × 100,000.00 = 100,000,000,000.00 is more than one line can hold (9,999,999,999.99)."]
    assert not Invoice.objects.exists()


def test_a_total_too_big_to_store(owner_api: APIClient, org: Organization,
                                  make_customer: Callable[..., Customer]) -> None:
    line = {"description": "Tower", "quantity": "1", "unit_price": "6000000000.00"}
    response = owner_api.post(f"{API}/invoices/", invoice_payload(make_customer(org), lines=[line, line]),
                              format="json")
    assert response.status_code == 400
    assert response.json()["lines"] == [
        ("The invoice would total 12,000,000,000.00, more than one invoice can hold (9,999,999,999.99). "
        "Split the work over several invoices.")]
    assert not Invoice.objects.exists()


def test_an_edit_that_overflows_changes_nothing(owner_api: APIClient, org: Organization,
                                                make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("2", "95.00"), ("1", "10.00")])
    first = invoice.lines.first()
    assert first is not None
    response = owner_api.patch(f"{API}/invoices/{invoice.pk}/", {"lines": [{"id": first.pk, **HUGE_LINE}]},
                               format="json")
    assert response.status_code == 400
    assert "is more than one line can hold" in response.json()["lines"][0]
    invoice.refresh_from_db()
    # Decimal equals int by value; mypy's strict_equality does not know that (comparison-overlap)
    assert (str(invoice.total),  # type: ignore[comparison-overlap]
            list(invoice.lines.values_list("amount", flat=True))) == ("200.00", [190, 10])


@pytest.mark.parametrize(("field", "value"), [("issue_date", "0001-01-01"), ("due_date", "9999-12-31"),
                                              ("issue_date", "1969-12-31"), ("due_date", "2100-01-01")])
def test_dates_outside_a_sane_window(owner_api: APIClient, org: Organization,
                                     make_customer: Callable[..., Customer], field: str, value: str) -> None:
    override: dict[str, Any] = {field: value}
    payload = invoice_payload(make_customer(org), **override)
    response = owner_api.post(f"{API}/invoices/", payload, format="json")
    assert response.status_code == 400
    assert response.json()[field] == [f"{WINDOW}; {value} is outside it."]
    assert not Invoice.objects.exists()


def test_dates_on_the_window_edges_are_fine(owner_api: APIClient, org: Organization,
                                           make_customer: Callable[..., Customer]) -> None:
    payload = invoice_payload(make_customer(org), issue_date="1970-01-01", due_date="2099-12-31")
    assert owner_api.post(f"{API}/invoices/", payload, format="json").status_code == 201


def test_a_memo_longer_than_quickbooks_holds(owner_api: APIClient, org: Organization,
                                            make_customer: Callable[..., Customer],
                                            make_invoice: Callable[..., Invoice]) -> None:
    response = owner_api.post(f"{API}/invoices/", invoice_payload(make_customer(org), memo="x" * 100_000),
                              format="json")
    assert response.status_code == 400
    assert response.json()["memo"] == [
        "The memo can have at most 1,000 characters (QuickBooks' limit for a customer memo); this one has 100,000."]
    assert not Invoice.objects.exists()
    invoice = make_invoice(org)
    assert owner_api.patch(f"{API}/invoices/{invoice.pk}/", {"memo": "y" * 1001}, format="json").status_code == 400
    assert owner_api.patch(f"{API}/invoices/{invoice.pk}/", {"memo": "y" * 1000}, format="json").status_code == 200
    assert len(Invoice.objects.get(pk=invoice.pk).memo) == 1000


def test_more_lines_than_quickbooks_takes(owner_api: APIClient, org: Organization,
                                         make_customer: Callable[..., Customer]) -> None:
    line = {"description": "Bolt", "quantity": "1", "unit_price": "0.10"}
    customer = make_customer(org)
    response = owner_api.post(f"{API}/invoices/", invoice_payload(customer, lines=[line] * 1500), format="json")
    assert response.status_code == 400
    assert response.json()["lines"] == [
        ("An invoice can have at most 750 lines (QuickBooks' limit); this one has 1,500. "
        "Split the work over several invoices.")]
    assert not Invoice.objects.exists()
    response = owner_api.post(f"{API}/invoices/", invoice_payload(customer, lines=[line] * 750), format="json")
    assert response.status_code == 201
    assert len(response.json()["lines"]) == 750


def test_finalizing_a_zero_invoice_is_refused(owner_api: APIClient, org: Organization,
                                              make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("1", "0.00")])
    response = owner_api.post(f"{API}/invoices/{invoice.pk}/finalize/", {}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == (f"Invoice {invoice.number} totals 0.00; give it a line with a price "
                                         "before finalizing, or delete the draft.")
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT
