"""Issue 16: Mappings for payment methods and terms. Without a choice a method is sent as QuickBooks'
method of the same name and a number of days as the Term of the same DueDays (as before); the Owner's choice
on the QuickBooks page or through the API wins from then on. Simulator over HTTP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from customers.models import Customer
from integrations.models import ExternalRef, QuickBooksConnection, SyncAttempt
from tests.integrations.conftest import Qbo
from tests.integrations.test_push_books_match import PAGE, _connect
from tests.integrations.test_push_payments_terms import _by_name, _invoice, _pay

pytestmark = pytest.mark.django_db
METHODS = PAGE + "mappings/payment-methods/"
TERMS = PAGE + "mappings/terms/"
API = "/api/v1/integrations/quickbooks/"


@pytest.fixture
def customer(make_customer: Callable[..., Customer], org: Organization) -> Customer:
    return make_customer(org)


@pytest.fixture
def conn(qbo: Qbo, org: Organization) -> QuickBooksConnection:
    return _connect(qbo, org, "us_manual")


def _methods_form(conn: QuickBooksConnection, **chosen: str) -> dict[str, list[str]]:
    """The payment-methods table as the page posts it: every row, with the given choices."""
    rows = [("Check", "Check"), ("Cash", "Cash"), ("Card", ""), ("Bank transfer", ""), ("Other", "")]
    names = {m["name"]: m["id"] for m in conn.qbo_payment_methods}
    picked = [chosen.get(local.replace(" ", "_"), names.get(default, "")) for local, default in rows]
    return {"method": [local for local, _ in rows], "method_qbo": picked}


def _sent_invoice(qbo: Qbo, conn: QuickBooksConnection, invoice_pk: int) -> dict[str, Any]:
    ref = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice_pk)
    return qbo.control.object(conn.realm_id, "Invoice", ref.qbo_id)


def test_owner_maps_payment_methods_and_the_choice_wins_over_the_name(
        qbo: Qbo, conn: QuickBooksConnection, customer: Customer, org: Organization, owner_client: Client,
        client_for: Callable[[Organization, str], Client]) -> None:
    card, cash = _by_name(qbo, conn, "PaymentMethod", "Credit Card"), _by_name(qbo, conn, "PaymentMethod", "Cash")
    page = owner_client.get(PAGE).content.decode()
    assert 'aria-label="QuickBooks payment method for Bank transfer"' in page
    assert page.count("(matched by name)") >= 2  # Check and Cash, before anyone chose

    assert client_for(org, Role.ADMIN).post(METHODS, _methods_form(conn, Card=card)).status_code == 403
    bad = owner_client.post(METHODS, _methods_form(conn, Card=card, Other="99999"), follow=True).content.decode()
    assert "Choose one of the QuickBooks company&#x27;s payment methods for “Other”" in bad
    stale = owner_client.post(METHODS, {"method": ["Check", "Venmo"], "method_qbo": [cash, cash]},
                              follow=True).content.decode()
    assert "No payment method “Venmo” here; reload the page." in stale
    broken = owner_client.post(METHODS, {"method": ["Check"], "method_qbo": [cash, cash]}, follow=True)
    assert "The payment methods form is out of date; reload the page." in broken.content.decode()
    conn.refresh_from_db()
    assert conn.payment_method_map == {}  # nothing of a refused form is kept

    # Card → Credit Card; Check → Cash (over the name); Cash → none (over the name); the rest as matched.
    done = owner_client.post(METHODS, _methods_form(conn, Card=card, Check=cash, Cash=""), follow=True)
    assert "Payment methods saved" in done.content.decode()
    conn.refresh_from_db()
    assert conn.payment_method_map == {"Card": card, "Cash": "", "Check": cash}
    invoice = _invoice(org, customer)
    by_card, _ = _pay(qbo, invoice, method="card", reference="C-1")
    assert by_card["PaymentMethodRef"]["value"] == card
    by_check, _ = _pay(qbo, invoice, method="Check", reference="1043")
    assert by_check["PaymentMethodRef"]["value"] == cash
    by_cash, job = _pay(qbo, _invoice(org, customer), method="Cash", reference="")
    assert "PaymentMethodRef" not in by_cash
    attempt = SyncAttempt.objects.filter(job=job).last()
    assert attempt is not None and "payment method" not in attempt.message  # chosen "none": not a problem

    # Choosing the method of the same name again forgets the choice: it follows the name as before.
    owner_client.post(METHODS, _methods_form(conn, Card=card, Check=_by_name(qbo, conn, "PaymentMethod", "Check"),
                                             Cash=""))
    conn.refresh_from_db()
    assert conn.payment_method_map == {"Card": card, "Cash": ""}


def test_owner_maps_terms_and_the_choice_wins_over_the_days(qbo: Qbo, conn: QuickBooksConnection,
                                                            customer: Customer, org: Organization,
                                                            owner_client: Client) -> None:
    net30, net60 = _by_name(qbo, conn, "Term", "Net 30"), _by_name(qbo, conn, "Term", "Net 60")
    before = _invoice(org, customer, terms_days=15)
    assert _sent_invoice(qbo, conn, before.pk)["SalesTermRef"]["value"] == _by_name(qbo, conn, "Term", "Net 15")
    _invoice(org, customer, terms_days=45)
    page = owner_client.get(PAGE).content.decode()
    assert 'aria-label="QuickBooks term for 45 days"' in page and "(matched by days)" in page
    assert "(no term of that many days)" in page  # 45: QuickBooks has no Net 45

    bad = owner_client.post(TERMS, {"days": ["15", "45"], "term_qbo": [net30, "99999"]}, follow=True)
    assert "Choose one of the QuickBooks company&#x27;s terms for 45 days" in bad.content.decode()
    stale = owner_client.post(TERMS, {"days": ["16"], "term_qbo": [net30]}, follow=True)
    assert "No invoices or default terms of 16 days here; reload the page." in stale.content.decode()
    junk = owner_client.post(TERMS, {"days": ["x"], "term_qbo": [net30]}, follow=True)
    assert "The terms form is out of date" in junk.content.decode()
    conn.refresh_from_db()
    assert conn.term_map == {}

    done = owner_client.post(TERMS, {"days": ["15", "30", "45"], "term_qbo": [net30, net30, net60]}, follow=True)
    assert "Terms saved" in done.content.decode()
    conn.refresh_from_db()
    assert conn.term_map == {"15": net30, "45": net60}  # 30 → Net 30 is the match by days: not a choice
    assert _sent_invoice(qbo, conn, _invoice(org, customer, terms_days=15).pk)["SalesTermRef"]["value"] == net30
    assert _sent_invoice(qbo, conn, _invoice(org, customer, terms_days=45).pk)["SalesTermRef"]["value"] == net60
    # The invoice sent before keeps its term: nothing is re-sent for a mapping.
    assert _sent_invoice(qbo, conn, before.pk)["SalesTermRef"]["value"] == _by_name(qbo, conn, "Term", "Net 15")


def test_api_maps_methods_and_terms_as_the_page_does(qbo: Qbo, conn: QuickBooksConnection, customer: Customer,
                                                     org: Organization,
                                                     api_client_for: Callable[[Organization, str], APIClient]) -> None:
    card = _by_name(qbo, conn, "PaymentMethod", "Credit Card")
    net60 = _by_name(qbo, conn, "Term", "Net 60")
    owner, admin = api_client_for(org, Role.OWNER), api_client_for(org, Role.ADMIN)
    listed = admin.get(API + "payment-methods/").json()
    rows = {r["method"]: r for r in listed["payment_methods"]}
    assert rows["Check"]["matched_by"] == "name" and rows["Check"]["qbo_payment_method_name"] == "Check"
    assert rows["Card"] == {"method": "Card", "qbo_payment_method": "", "qbo_payment_method_name": "",
                            "matched_by": ""}
    assert {m["name"] for m in listed["qbo_payment_methods"]} == {"Cash", "Check", "Credit Card"}

    choice = {"payment_methods": [{"method": "Card", "qbo_payment_method": card}]}
    assert admin.patch(API + "payment-methods/", choice, format="json").status_code == 403
    bad = owner.patch(API + "payment-methods/", {"payment_methods": [
        {"method": "Card", "qbo_payment_method": card}, {"method": "Cash", "qbo_payment_method": "99999"}]},
        format="json")
    assert bad.status_code == 400 and "payment methods for “Cash”" in str(bad.json())
    unknown = owner.patch(API + "payment-methods/", {"payment_methods": [
        {"method": "Venmo", "qbo_payment_method": card}]}, format="json")
    assert unknown.status_code == 400 and "No payment method “Venmo” here" in str(unknown.json())
    assert owner.patch(API + "payment-methods/", {"payment_methods": []}, format="json").status_code == 400
    conn.refresh_from_db()
    assert conn.payment_method_map == {}  # all or nothing
    done = owner.patch(API + "payment-methods/", choice, format="json")
    assert done.status_code == 200
    card_row = next(r for r in done.json()["payment_methods"] if r["method"] == "Card")
    assert card_row == {"method": "Card", "qbo_payment_method": card, "qbo_payment_method_name": "Credit Card",
                        "matched_by": "choice"}
    sent, _ = _pay(qbo, _invoice(org, customer), method="Card", reference="C-9")
    assert sent["PaymentMethodRef"]["value"] == card

    terms = owner.get(API + "terms/").json()
    assert {"days": 30, "qbo_term": _by_name(qbo, conn, "Term", "Net 30"), "qbo_term_name": "Net 30",
            "matched_by": "days"} in terms["terms"]  # the organization's default terms
    assert owner.patch(API + "terms/", {"terms": [{"days": 45, "qbo_term": net60}]},
                       format="json").status_code == 400  # no invoice of 45 days yet
    assert owner.patch(API + "terms/", {"terms": [{"days": -1, "qbo_term": net60}]},
                       format="json").status_code == 400
    assert admin.patch(API + "terms/", {"terms": [{"days": 30, "qbo_term": net60}]},
                       format="json").status_code == 403
    done_terms = owner.patch(API + "terms/", {"terms": [{"days": 30, "qbo_term": net60}]}, format="json")
    assert done_terms.status_code == 200
    assert {"days": 30, "qbo_term": net60, "qbo_term_name": "Net 60", "matched_by": "choice"} in done_terms.json()["terms"]
    assert _sent_invoice(qbo, conn, _invoice(org, customer).pk)["SalesTermRef"]["value"] == net60


def test_a_choice_gone_from_quickbooks_falls_back_to_the_name(qbo: Qbo, conn: QuickBooksConnection,
                                                              org: Organization,
                                                              api_client_for: Callable[[Organization, str], APIClient]
                                                              ) -> None:
    card = _by_name(qbo, conn, "PaymentMethod", "Credit Card")
    owner = api_client_for(org, Role.OWNER)
    owner.patch(API + "payment-methods/", {"payment_methods": [{"method": "Card", "qbo_payment_method": card},
                                                               {"method": "Cash", "qbo_payment_method": ""}]},
                format="json")
    method = qbo.control.object(conn.realm_id, "PaymentMethod", card)
    qbo.control.entities(conn.realm_id, "PaymentMethod", {"Id": card, "SyncToken": method["SyncToken"],
                                                          "Name": "Credit Card", "Active": False})
    assert owner.post(API + "company/").status_code == 200  # re-read
    conn.refresh_from_db()
    assert conn.payment_method_map == {"Cash": ""}  # "none" was a choice of ours and stays


def test_mapping_endpoints_without_a_connection_answer_409(org: Organization,
                                                           api_client_for: Callable[[Organization, str], APIClient]
                                                           ) -> None:
    owner = api_client_for(org, Role.OWNER)
    for path in ("payment-methods/", "terms/"):
        answer = owner.get(API + path)
        assert answer.status_code == 409 and answer.json()["detail"] == "No QuickBooks company is connected."
