"""Editing an invoice's lines on its page: every line the person did not remove stays, changed or not.

The property test opens the edit page, fills the form the way a browser submits it (unchanged rows are
sent back as they were rendered), applies a random plan of changes, removals and additions, saves, and
compares the stored lines and totals with the plan.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings

from accounts.models import Organization
from customers.models import Customer
from invoicing.models import Invoice
from invoicing.services import LineInput, invoice_update
from tests.invoice_edits import (
    Line,
    Plan,
    assert_left_as_planned,
    create_start,
    form_fields,
    plans,
    stored,
    tax_codes,
)


def _set_line(data: dict[str, str], index: int, line: Line, codes: dict[str, str]) -> None:
    data[f"lines-{index}-description"] = line.description
    data[f"lines-{index}-quantity"] = f"{line.quantity:f}"
    data[f"lines-{index}-unit_price"] = f"{line.unit_price:f}"
    data[f"lines-{index}-tax_code"] = codes.get(line.tax_code or "", "")  # the row's Tax <select>


def _submit_plan(client: Client, invoice: Invoice, plan: Plan) -> tuple[int, dict[str, str]]:
    url = reverse("invoicing:invoice_edit", args=[invoice.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = form_fields(page.content.decode())
    rows = int(data["lines-TOTAL_FORMS"])
    assert rows == len(plan.start)
    codes = {name: str(code.pk) for name, code in tax_codes(invoice.organization).items()}
    for index, (what, new) in enumerate(plan.actions):
        if what == "edit":
            assert new is not None  # an edit carries the line it becomes
            _set_line(data, index, new, codes)
        elif what == "delete":
            data[f"lines-{index}-DELETE"] = "on"  # what the row's ✕ button ticks
    for offset, line in enumerate(plan.added):  # "+ Add line" copies the blank row with the next index
        data.update({f"lines-{rows + offset}-id": "", f"lines-{rows + offset}-product": "",
                     f"lines-{rows + offset}-kind": "item"})
        _set_line(data, rows + offset, line, codes)
    data["lines-TOTAL_FORMS"] = str(rows + len(plan.added))
    response = client.post(url, data)
    return response.status_code, {"messages": " ".join(m.message for m in get_messages(response.wsgi_request)),
                                  "body": response.content.decode()}


@hsettings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans())
def test_a_saved_edit_leaves_exactly_the_planned_lines(plan: Plan, org: Organization, owner_client: Client,
                                                       make_customer: Callable[..., Customer]) -> None:
    customer = Customer.objects.for_org(org).first() or make_customer(org)
    invoice = create_start(org, customer, plan)
    start_ids = list(invoice.lines.values_list("id", flat=True))
    status, shown = _submit_plan(owner_client, invoice, plan)
    if not plan.expected():  # everything removed, nothing added: refused, nothing lost
        assert status == 400
        assert "An invoice needs at least one line." in shown["body"]
        assert stored(Invoice.objects.get(pk=invoice.pk)) == plan.start
        return
    assert status == 302, shown["body"]
    assert f"Invoice {invoice.number} saved." in shown["messages"]
    assert_left_as_planned(invoice, plan, start_ids)


def test_changing_one_line_of_three_keeps_the_other_two(org: Organization, owner_client: Client,
                                                       make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("1", "100.00"), ("2", "10.00"), ("3", "1.00")])
    ids = list(invoice.lines.values_list("id", flat=True))
    url = reverse("invoicing:invoice_edit", args=[invoice.pk])
    data = form_fields(owner_client.get(url).content.decode())
    data["lines-0-quantity"] = "4"
    assert owner_client.post(url, data).status_code == 302
    invoice.refresh_from_db()
    # Decimal equals int by value; mypy's strict_equality does not know that (comparison-overlap)
    assert list(invoice.lines.values_list("id", "quantity", "amount")) == [  # type: ignore[comparison-overlap]
        (ids[0], 4, 400), (ids[1], 2, 20), (ids[2], 3, 3)]
    assert str(invoice.total) == "423.00"


def test_saving_without_changes_keeps_everything(org: Organization, owner_client: Client,
                                                 make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("1", "100.00"), ("2", "10.00")])
    before = list(invoice.lines.values_list("id", "description", "quantity", "unit_price", "amount", "taxable"))
    url = reverse("invoicing:invoice_edit", args=[invoice.pk])
    response = owner_client.post(url, form_fields(owner_client.get(url).content.decode()), follow=True)
    assert f"Invoice {invoice.number} saved." in response.content.decode()
    after = list(invoice.lines.values_list("id", "description", "quantity", "unit_price", "amount", "taxable"))
    assert after == before
    assert str(Invoice.objects.get(pk=invoice.pk).total) == "120.00"


def test_a_line_of_another_invoice_is_refused(org: Organization, owner_client: Client,
                                              make_invoice: Callable[..., Invoice]) -> None:
    mine, other = make_invoice(org, lines=[("1", "100.00")]), make_invoice(org, lines=[("1", "7.00")])
    url = reverse("invoicing:invoice_edit", args=[mine.pk])
    data = form_fields(owner_client.get(url).content.decode())
    data["lines-0-id"] = str(other.lines.get().pk)
    response = owner_client.post(url, data)
    assert response.status_code == 400
    assert "reload it and make your change again" in response.content.decode()
    assert other.lines.get().amount == 7 and mine.lines.get().amount == 100


def test_a_line_added_by_someone_else_meanwhile_is_not_dropped(org: Organization, owner_client: Client,
                                                              make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("1", "100.00")])
    url = reverse("invoicing:invoice_edit", args=[invoice.pk])
    data = form_fields(owner_client.get(url).content.decode())  # this person opens the page...
    theirs = invoice_update(invoice=invoice, customer=invoice.customer, issue_date=invoice.issue_date,
                            due_date=invoice.due_date, lines=[  # ...someone else adds a line and saves first
                                LineInput("Work", Decimal(1), Decimal("100.00"), id=invoice.lines.get().pk),
                                LineInput("Permit", Decimal(1), Decimal("25.00"))])
    data["lines-0-quantity"] = "2"
    response = owner_client.post(url, data)
    assert response.status_code == 400
    assert "a line was added, removed or listed twice" in response.content.decode()
    # Decimal equals int by value; mypy's strict_equality does not know that (comparison-overlap)
    assert list(theirs.lines.values_list("description", "amount")) == [  # type: ignore[comparison-overlap]
        ("Work", 100), ("Permit", 25)]
