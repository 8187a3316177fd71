"""Editing an invoice's lines through the API.

PATCH sends changes: an item with an `id` changes that line (only the fields it gives), `delete` removes
it, an item without an id is a new line, and every line the request does not name stays as it is. PUT
sends the whole invoice: the lines it lists, by id or new, are the invoice's lines.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts.models import Organization
from customers.models import Customer
from invoicing.models import Invoice
from tests.api.conftest import API, invoice_payload
from tests.invoice_edits import Line, Plan, assert_left_as_planned, create_start, plans, stored, tax_codes


def _item(codes: dict[str, int], line: Line, old: Line | None = None) -> dict[str, Any]:
    """The fields of `line` a client sends: all of them for a new line, only what differs for a change."""
    def fields(line: Line) -> dict[str, Any]:
        return {"description": line.description, "quantity": f"{line.quantity:f}",
                "unit_price": f"{line.unit_price:f}", "tax_code": codes.get(line.tax_code or "")}
    if old is None:
        return fields(line)
    before = fields(old)
    return {key: value for key, value in fields(line).items() if before[key] != value}


def _patch_body(plan: Plan, ids: list[int], codes: dict[str, int]) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for line_id, old, (what, new) in zip(ids, plan.start, plan.actions, strict=True):
        if what == "edit":
            assert new is not None  # an edit carries the line it becomes
            items.append({"id": line_id, **_item(codes, new, old)})
        elif what == "delete":
            items.append({"id": line_id, "delete": True})
    return {"lines": items + [_item(codes, line) for line in plan.added]}


def _put_body(plan: Plan, ids: list[int], invoice: Invoice, codes: dict[str, int]) -> dict[str, Any]:
    items: list[dict[str, Any]] = []
    for line_id, old, (what, new) in zip(ids, plan.start, plan.actions, strict=True):
        if what == "keep":
            items.append({"id": line_id})  # named, nothing changed: kept as stored
        elif what == "edit":
            assert new is not None  # an edit carries the line it becomes
            items.append({"id": line_id, **_item(codes, new, old)})
    return invoice_payload(invoice.customer, memo=invoice.memo,
                           lines=items + [_item(codes, line) for line in plan.added])


@hsettings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=plans(), method=st.sampled_from(["patch", "put"]))
def test_an_edit_leaves_exactly_the_planned_lines(plan: Plan, method: str, org: Organization, owner_api: APIClient,
                                                  make_customer: Callable[..., Customer]) -> None:
    customer = Customer.objects.for_org(org).first() or make_customer(org)
    invoice = create_start(org, customer, plan)
    ids = list(invoice.lines.values_list("id", flat=True))
    codes = {name: code.pk for name, code in tax_codes(org).items()}
    body = _patch_body(plan, ids, codes) if method == "patch" else _put_body(plan, ids, invoice, codes)
    response = getattr(owner_api, method)(f"{API}/invoices/{invoice.pk}/", body, format="json")
    if not plan.expected():
        assert response.status_code == 400, response.content
        assert response.json()["lines"] == ["An invoice needs at least one line."]
        assert stored(Invoice.objects.get(pk=invoice.pk)) == plan.start
        return
    assert response.status_code == 200, response.content
    assert_left_as_planned(invoice, plan, ids)
    assert [line["id"] for line in response.json()["lines"]][:len(plan.kept_indexes())] == [
        ids[i] for i in plan.kept_indexes()]


def test_patching_one_line_without_a_description_keeps_the_rest(owner_api: APIClient, org: Organization,
                                                                make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("1", "100.00"), ("2", "10.00"), ("3", "1.00")])
    first, *others = invoice.lines.all()
    response = owner_api.patch(f"{API}/invoices/{invoice.pk}/", {"lines": [{"id": first.pk, "quantity": "4"}]},
                               format="json")
    assert response.status_code == 200, response.content
    assert [(line["id"], line["description"], line["amount"]) for line in response.json()["lines"]] == [
        (first.pk, "Work", "400.00"), (others[0].pk, "Work", "20.00"), (others[1].pk, "Work", "3.00")]
    assert response.json()["total"] == "423.00"


def test_a_new_line_in_a_patch_needs_what_a_new_line_needs(owner_api: APIClient, org: Organization,
                                                           make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, lines=[("1", "100.00")])
    url = f"{API}/invoices/{invoice.pk}/"
    no_description = owner_api.patch(url, {"lines": [{"quantity": "1", "unit_price": "5.00"}]}, format="json")
    assert no_description.status_code == 400
    assert no_description.json()["lines"] == ["Line 2: give a product or a description."]
    no_quantity = owner_api.patch(url, {"lines": [{"description": "Filter", "unit_price": "5.00"}]}, format="json")
    assert no_quantity.status_code == 400
    assert no_quantity.json()["lines"] == {"0": {"quantity": ["A new line needs a quantity."]}}
    assert list(invoice.lines.values_list("amount", flat=True)) == [100]


def test_line_ids_must_be_this_invoices(owner_api: APIClient, org: Organization,
                                        make_invoice: Callable[..., Invoice]) -> None:
    mine, other = make_invoice(org, lines=[("1", "100.00")]), make_invoice(org, lines=[("1", "7.00")])
    theirs = other.lines.get()
    for body in ({"lines": [{"id": theirs.pk, "quantity": "9"}]}, {"lines": [{"id": theirs.pk, "delete": True}]}):
        response = owner_api.patch(f"{API}/invoices/{mine.pk}/", body, format="json")
        assert response.status_code == 400
        assert response.json()["lines"] == {"0": {"id": [f"Line {theirs.pk} is not a line of this invoice."]}}
    assert other.lines.get().amount == 7 and mine.lines.get().amount == 100


def test_patching_one_lines_kind_and_tax_code_keeps_its_id_and_the_others(
        owner_api: APIClient, org: Organization, make_invoice: Callable[..., Invoice]) -> None:
    invoice = make_invoice(org, tax_percent="10", lines=[("1", "100.00"), ("1", "20.00"), ("1", "5.00")])
    ids = list(invoice.lines.values_list("id", flat=True))
    codes = tax_codes(org)
    body = {"lines": [{"id": ids[1], "kind": "credit", "tax_code": codes["High"].pk}]}
    response = owner_api.patch(f"{API}/invoices/{invoice.pk}/", body, format="json")
    assert response.status_code == 200, response.content
    assert [(line["id"], line["kind"], line["amount"], line["tax_code"]) for line in response.json()["lines"]] == [
        (ids[0], "item", "100.00", invoice.lines.get(pk=ids[0]).tax_code_id),
        (ids[1], "credit", "-20.00", codes["High"].pk),
        (ids[2], "item", "5.00", invoice.lines.get(pk=ids[2]).tax_code_id)]
    # 105.00 taxed at the invoice's 10 % code, less a 20.00 credit carrying 10 % of its own.
    assert (response.json()["subtotal"], response.json()["tax_amount"], response.json()["total"]) == (
        "85.00", "8.50", "93.50")
