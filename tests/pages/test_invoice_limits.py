"""Nonsense and overflowing invoice input on the pages and in the admin: the same rules as the API
(invoicing/validators.py), shown beside the field a person fixes, never a 500, nothing stored."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import Organization
from customers.models import Customer
from invoicing.models import Invoice, InvoiceStatus
from tests.invoice_edits import form_fields
from tests.pages.test_forms import _invoice_post, _line

WINDOW = "Give a date between 1970-01-01 and 2099-12-31"
CREATE = "invoicing:invoice_create"


def test_a_line_too_big_to_store(org: Organization, owner_client: Client,
                                 make_customer: Callable[..., Customer]) -> None:
    data = _invoice_post(make_customer(org), [_line(quantity="1000000", unit_price="100000.00")])
    response = owner_client.post(reverse(CREATE), data)
    assert response.status_code == 400
    message = "Line 1: 1000000 × 100,000.00 = 100,000,000,000.00 is more than one line can hold (9,999,999,999.99)."
    assert response.context["formset"].non_form_errors() == [message]
    assert message in response.content.decode()
    assert not Invoice.objects.exists()


def test_an_edit_whose_total_overflows_changes_nothing(org: Organization, owner_client: Client,
                                                       make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("1", "100.00"), ("1", "10.00")])
    url = reverse("invoicing:invoice_edit", args=[invoice.pk])
    data = form_fields(owner_client.get(url).content.decode())
    data.update({"lines-0-unit_price": "6000000000.00", "lines-1-unit_price": "6000000000.00"})
    response = owner_client.post(url, data)
    assert response.status_code == 400
    assert "The invoice would total 12,000,000,000.00" in response.content.decode()
    assert list(invoice.lines.values_list("amount", flat=True)) == [100, 10]
    assert str(Invoice.objects.get(pk=invoice.pk).total) == "110.00"


@pytest.mark.parametrize(("field", "value"), [("issue_date", "0001-01-01"), ("due_date", "9999-12-31")])
def test_dates_outside_a_sane_window(org: Organization, owner_client: Client,
                                     make_customer: Callable[..., Customer], field: str, value: str) -> None:
    response = owner_client.post(reverse(CREATE), _invoice_post(make_customer(org), [_line()], **{field: value}))
    assert response.status_code == 400
    assert response.context["form"].errors[field] == [f"{WINDOW}; {value} is outside it."]
    assert not Invoice.objects.exists()


def test_a_memo_longer_than_quickbooks_holds(org: Organization, owner_client: Client,
                                            make_customer: Callable[..., Customer]) -> None:
    response = owner_client.post(reverse(CREATE), _invoice_post(make_customer(org), [_line()], memo="x" * 100_000))
    assert response.status_code == 400
    assert response.context["form"].errors["memo"] == [
        "The memo can have at most 1,000 characters (QuickBooks' limit for a customer memo); this one has 100,000."]
    assert 'maxlength="1000"' in owner_client.get(reverse(CREATE)).content.decode()  # the browser stops typing too
    assert not Invoice.objects.exists()


def test_more_lines_than_quickbooks_takes(org: Organization, owner_client: Client,
                                         make_customer: Callable[..., Customer]) -> None:
    data = _invoice_post(make_customer(org), [_line(quantity="1", unit_price="0.10")] * 1500)
    response = owner_client.post(reverse(CREATE), data)
    assert response.status_code == 400
    assert response.context["formset"].non_form_errors() == [
        ("An invoice can have at most 750 lines (QuickBooks' limit); this one has 1,500. "
        "Split the work over several invoices.")]
    assert not Invoice.objects.exists()
    data = _invoice_post(make_customer(org, "Bolt Buyer"), [_line(quantity="1", unit_price="0.10")] * 750)
    assert owner_client.post(reverse(CREATE), data).status_code == 302  # the limit itself fits through the page
    assert Invoice.objects.get().lines.count() == 750


def test_finalizing_a_zero_invoice_is_refused(org: Organization, owner_client: Client,
                                              make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("1", "0.00")])
    response = owner_client.post(reverse("invoicing:invoice_finalize", args=[invoice.pk]), follow=True)
    assert (f"Invoice {invoice.number} totals 0.00; give it a line with a price before finalizing, "
            "or delete the draft.") in response.content.decode()
    assert Invoice.objects.get(pk=invoice.pk).status == InvoiceStatus.DRAFT


@pytest.fixture
def admin_client(db: None) -> Client:
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123"))
    return client


def _admin_form(client: Client, invoice: Invoice) -> tuple[str, dict[str, str]]:
    url = f"/admin/invoicing/invoice/{invoice.pk}/change/"
    page = client.get(url)
    assert page.status_code == 200
    return url, form_fields(page.content.decode(), ("id", "invoice_form"))


@pytest.mark.parametrize(("change", "message"), [
    ({"memo": "x" * 100_000}, "The memo can have at most 1,000 characters"),
    ({"issue_date": "0001-01-01"}, f"{WINDOW}; 0001-01-01 is outside it."),
    ({"lines-0-quantity": "1000000", "lines-0-unit_price": "100000.00"}, "is more than one line can hold"),
])
def test_the_admin_applies_the_same_rules(admin_client: Client, org: Organization,
                                          make_invoice: Callable[..., Invoice], change: dict[str, str],
                                          message: str) -> None:
    invoice = make_invoice(org, lines=[("2", "95.00")])
    url, data = _admin_form(admin_client, invoice)
    data.update(change)
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with the error
    assert message in response.content.decode()
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.memo, stored.issue_date, str(stored.total)) == (invoice.memo, invoice.issue_date, "190.00")


def test_the_admin_saves_a_sound_edit(admin_client: Client, org: Organization,
                                      make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("2", "95.00")])
    url, data = _admin_form(admin_client, invoice)
    data.update({"memo": "Gate code 1234", "lines-0-quantity": "3"})
    assert admin_client.post(url, data).status_code == 302
    stored = Invoice.objects.get(pk=invoice.pk)
    assert (stored.memo, str(stored.total)) == ("Gate code 1234", "285.00")
