"""Issue 16, books match: the company's kind is read from QBO, local tax codes map to QBO's, and an invoice
pushed to each kind of company (simulator over HTTP, `kind=`) ends with QBO's totals equal to ours."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from accounts.models import Organization, Role
from customers.models import Customer
from integrations.connection.company import company_kind_of, company_reread, tax_code_map_set
from integrations.models import ExternalRef, JobState, QuickBooksConnection, SyncAttempt, SyncJob, TaxCodeMap
from invoicing import lifecycle
from invoicing.models import Invoice, TaxCode, TaxRate
from invoicing.services import InvoiceMoney, LineInput, invoice_create
from tests.integrations.push_helpers import connect_org, drain, drain_batched

pytestmark = pytest.mark.django_db
ISSUED = date(2026, 11, 2)
PAGE = "/settings/integrations/quickbooks/"


def _code(org: Organization, name: str, *rates: str) -> TaxCode:
    code = TaxCode.objects.create(organization=org, name=name)
    for i, rate in enumerate(rates):
        code.rates.add(TaxRate.objects.create(organization=org, name=f"{name} {i}", rate=Decimal(rate)))
    return code


def _connect(qbo: Any, org: Organization, kind: str) -> Any:
    realm = qbo.control.create_company(f"Books {kind}", kind=kind)
    return company_reread(connection=connect_org(qbo.control, org, realm))


def _push(org: Organization, customer: Customer, lines: list[LineInput], **money: Any) -> Invoice:
    invoice = invoice_create(organization=org, customer=customer, issue_date=ISSUED, lines=lines,
                             memo="Thanks!", money=InvoiceMoney(**money))
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    invoice.refresh_from_db()
    return invoice


def _qbo_invoice(qbo: Any, conn: Any, invoice: Invoice) -> dict[str, Any]:
    ref = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    return qbo.control.object(conn.realm_id, "Invoice", ref.qbo_id)


def _assert_match(qbo: Any, conn: Any, invoice: Invoice) -> dict[str, Any]:
    job = SyncJob.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    assert job.state == JobState.DONE, job.last_error
    theirs = _qbo_invoice(qbo, conn, invoice)
    got = {k: Decimal(str(theirs[k])) for k in ("TotalAmt", "Balance")}
    got["TotalTax"] = Decimal(str(theirs.get("TxnTaxDetail", {}).get("TotalTax", 0)))
    assert got == {"TotalAmt": invoice.total, "Balance": invoice.balance, "TotalTax": invoice.tax_amount}
    return theirs


def _line(desc: str, qty: str, price: str, code: TaxCode | None) -> LineInput:
    return LineInput(description=desc, quantity=Decimal(qty), unit_price=Decimal(price), tax_code=code,
                     taxable=code is not None)


def test_kind_follows_section_1_2() -> None:
    assert company_kind_of(country="CA", preferences={"TaxPrefs": {"PartnerTaxEnabled": True}}) == "non_us"
    assert company_kind_of(country="US", preferences={"TaxPrefs": {"PartnerTaxEnabled": True}}) == "us_ast"
    # An absent PartnerTaxEnabled is false (python-quickbooks' TaxPrefs would say True).
    assert company_kind_of(country="US", preferences={"TaxPrefs": {"UsingSalesTax": True}}) == "us_manual"
    assert company_kind_of(country="USA", preferences={"TaxPrefs": {"UsingSalesTax": False}}) == "us_no_tax"


@pytest.mark.parametrize(("kind", "expected"), [("us_manual", "us_manual"), ("us_ast", "us_ast"),
                                                 ("us_no_tax", "us_no_tax"), ("ca", "non_us"), ("uk", "non_us"),
                                                 ("au", "non_us")])
def test_reading_the_company_stores_its_kind(qbo: Any, org: Organization, kind: str, expected: str) -> None:
    conn = _connect(qbo, org, kind)
    conn.refresh_from_db()
    assert conn.company_kind == expected and conn.company_read_at is not None
    assert conn.allow_discount is True


def test_us_manual_one_code_with_a_discount_matches(qbo: Any, org: Organization,
                                                     make_customer: Callable[..., Customer]) -> None:
    california = _code(org, "california", "8")  # same name as QBO's "California", other case
    conn = _connect(qbo, org, "us_manual")
    assert TaxCodeMap.objects.get(connection=conn, tax_code=california).qbo_id == "2"
    invoice = _push(org, make_customer(org), [_line("Tune-up", "2", "95.00", california),
                                              _line("Permit", "1", "29.99", None)],
                    discount_kind="percent", discount_value=Decimal(10))
    assert invoice.discount_amount == Decimal("22.00")
    theirs = _assert_match(qbo, conn, invoice)
    assert theirs["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == "2"
    assert [ln for ln in theirs["Line"] if ln["DetailType"] == "DiscountLineDetail"]
    assert theirs["CustomerMemo"]["value"] == "Thanks!"


def test_us_manual_two_rate_code_tax_before_the_discount_matches(qbo: Any, org: Organization,
                                                                  make_customer: Callable[..., Customer]) -> None:
    org.tax_after_discount = False
    org.save()
    tucson = _code(org, "TUCSON", "7.1", "2")
    conn = _connect(qbo, org, "us_manual")
    invoice = _push(org, make_customer(org), [_line("Tune-up", "3", "33.33", tucson),
                                              _line("Filter", "1", "12.49", tucson),
                                              _line("Permit", "1", "40.00", None)],
                    discount_kind="amount", discount_value=Decimal("15.00"))
    theirs = _assert_match(qbo, conn, invoice)
    assert theirs["TxnTaxDetail"]["TxnTaxCodeRef"]["value"] == "3"
    assert theirs["ApplyTaxAfterDiscount"] is False


def test_us_manual_refuses_two_codes_plainly(qbo: Any, org: Organization,
                                              make_customer: Callable[..., Customer]) -> None:
    california, tucson = _code(org, "California", "8"), _code(org, "Tucson", "7.1", "2")
    conn = _connect(qbo, org, "us_manual")
    invoice = _push(org, make_customer(org), [_line("A", "1", "10.00", california), _line("B", "1", "10.00", tucson)])
    job = SyncJob.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    assert job.state != JobState.DONE
    assert "QuickBooks US allows one sales tax code per invoice" in job.last_error
    assert qbo.control.objects(conn.realm_id, "Invoice") == []


@pytest.mark.parametrize("kind", ["ca"])
def test_ca_mixed_codes_and_a_discount_match(qbo: Any, org: Organization, kind: str,
                                             make_customer: Callable[..., Customer]) -> None:
    org.tax_rounding = "line"
    org.save()
    gst, bc = _code(org, "GST", "5"), _code(org, "GST/PST BC", "5", "7")
    conn = _connect(qbo, org, kind)
    invoice = _push(org, make_customer(org), [_line("Tune-up", "3", "10.03", gst),
                                              _line("Filter", "1", "49.99", bc)],
                    discount_kind="amount", discount_value=Decimal("8.00"))
    theirs = _assert_match(qbo, conn, invoice)
    codes = [ln["SalesItemLineDetail"]["TaxCodeRef"]["value"] for ln in theirs["Line"]
             if ln["DetailType"] == "SalesItemLineDetail"]
    assert codes == ["2", "7"]


@pytest.mark.parametrize(("kind", "standard", "other"), [("uk", "20", "5"), ("au", "10", "0")])
def test_tax_inclusive_vat_and_gst_match(qbo: Any, org: Organization, kind: str, standard: str, other: str,
                                         make_customer: Callable[..., Customer]) -> None:
    org.prices_include_tax, org.tax_rounding = True, "line"
    org.save()
    std, low = _code(org, f"Standard {standard}", standard), _code(org, f"Other {other}", other)
    conn = _connect(qbo, org, kind)
    invoice = _push(org, make_customer(org), [_line("Boiler service", "1", "120.00", std),
                                              _line("Parts", "2", "10.55", low)],
                    discount_kind="percent", discount_value=Decimal(10))
    theirs = _assert_match(qbo, conn, invoice)
    assert theirs["GlobalTaxCalculation"] == "TaxInclusive"


def test_us_ast_records_and_shows_quickbooks_tax(qbo: Any, org: Organization, owner_client: Any,
                                                 make_customer: Callable[..., Customer]) -> None:
    ours = _code(org, "Local 8", "8")
    conn = _connect(qbo, org, "us_ast")
    invoice = _push(org, make_customer(org), [_line("Tune-up", "1", "100.00", ours)])
    assert invoice.tax_amount == Decimal("8.00")
    job = SyncJob.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    assert job.state == JobState.DONE, job.last_error
    theirs = _qbo_invoice(qbo, conn, invoice)
    their_tax = Decimal(str(theirs["TxnTaxDetail"]["TotalTax"]))
    assert their_tax != invoice.tax_amount  # the engine's rate for the company's state is not ours
    ref = ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    assert ref.qbo_total_tax == their_tax
    page = owner_client.get(f"/invoices/{invoice.pk}/").content.decode()
    assert f"QuickBooks computed tax {their_tax}, ours {invoice.tax_amount}" in page


def test_unmapped_code_blocks_with_a_plain_message_then_retry_after_mapping(
        qbo: Any, org: Organization, owner_client: Any, make_customer: Callable[..., Customer]) -> None:
    odd = _code(org, "Mystery levy", "3.3")
    conn = _connect(qbo, org, "ca")
    assert not TaxCodeMap.objects.filter(connection=conn, tax_code=odd).exists()
    invoice = _push(org, make_customer(org), [_line("Tune-up", "1", "100.00", odd)])
    job = SyncJob.objects.get(connection=conn, object_type="invoice", local_id=invoice.pk)
    assert job.state == JobState.ERROR
    assert "“Mystery levy” is not matched to a QuickBooks tax code" in job.last_error
    # Nothing reached QuickBooks, so the message quotes no QuickBooks answer and the hint names the setting.
    assert "QuickBooks said" not in job.last_error and "QuickBooks rejected" not in job.last_error
    assert "Mappings" in job.last_error_hint and "Fix the record here" not in job.last_error_hint
    assert qbo.control.objects(conn.realm_id, "Invoice") == []
    assert drain() == []  # not retried on its own

    # The Owner picks QBO's code in the Mappings section and saves: the invoice that waited goes.
    page = owner_client.get(PAGE).content.decode()
    assert "Mappings: tax codes" in page and "Mystery levy" in page and "HST ON (13 %)" in page
    response = owner_client.post(PAGE + "mappings/tax-codes/", {f"code_{odd.pk}": "6"}, follow=True)
    assert "1 invoice(s) that waited for a mapping are on their way" in response.content.decode()
    assert TaxCodeMap.objects.get(connection=conn, tax_code=odd).qbo_id == "6"
    drain()
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.last_error
    sent = qbo.control.objects(conn.realm_id, "Invoice")[0]
    assert sent["Line"][0]["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "6"


def test_mapping_refuses_a_code_the_company_lacks_and_saves_nothing(
        qbo: Any, org: Organization, owner_client: Any) -> None:
    gst, odd = _code(org, "GST", "5"), _code(org, "Odd", "3.3")
    conn = _connect(qbo, org, "ca")
    response = owner_client.post(PAGE + "mappings/tax-codes/", {f"code_{odd.pk}": "6", f"code_{gst.pk}": "999"},
                                 follow=True)
    assert "Choose one of the QuickBooks company" in response.content.decode()
    assert not TaxCodeMap.objects.filter(connection=conn, tax_code=odd).exists()
    assert TaxCodeMap.objects.get(connection=conn, tax_code=gst).qbo_id == "2"  # the suggestion stands
    with pytest.raises(ValidationError):
        tax_code_map_set(connection=conn, tax_code=gst, qbo_id="TAX")  # a US pseudo code is no choice


def test_reread_button_shows_the_kind_after_quickbooks_changes(qbo: Any, org: Organization, owner_client: Any,
                                                               make_customer: Callable[..., Customer]) -> None:
    conn = _connect(qbo, org, "us_manual")
    assert "US, manual sales tax" in owner_client.get(PAGE).content.decode()
    qbo.control.preferences(conn.realm_id, PartnerTaxEnabled=True)  # switched to AST in QuickBooks
    response = owner_client.post(PAGE + "company/reread/", follow=True)
    assert "US, automated sales tax" in response.content.decode()
    conn.refresh_from_db()
    assert conn.company_kind == "us_ast"


def test_reread_failure_says_so_plainly_with_the_request_id(qbo: Any, org: Organization, owner_client: Any) -> None:
    conn = _connect(qbo, org, "us_manual")
    qbo.control.set_faults(conn.realm_id, error_next=3, error_statuses=[503])
    page = owner_client.post(PAGE + "company/reread/", follow=True).content.decode()
    assert "QuickBooks refused to give the company settings" in page
    assert "QuickBooks reference (intuit_tid):" in page  # Intuit's support asks for it
    assert "{" not in page.split("company settings", 1)[1].split("<", 1)[0]  # no raw QuickBooks JSON
    conn.refresh_from_db()
    assert conn.company_kind == "us_manual"  # what was read before stays


def test_reread_is_owner_only(qbo: Any, org: Organization, client_for: Callable[..., Client]) -> None:
    conn = _connect(qbo, org, "us_manual")
    QuickBooksConnection.objects.filter(pk=conn.pk).update(company_kind="")
    client = client_for(org, Role.ADMIN)
    response = client.post(PAGE + "company/reread/")
    assert response.status_code in (302, 403)
    conn.refresh_from_db()
    assert conn.company_kind == ""
    assert "Re-read company settings" not in client.get(PAGE).content.decode()


API = "/api/v1/integrations/quickbooks/"


def test_api_reads_the_company_and_maps_tax_codes(qbo: Any, org: Organization,
                                                   api_client_for: Callable[..., Any]) -> None:
    gst, odd = _code(org, "gst", "5"), _code(org, "Odd", "3.3")
    realm = qbo.control.create_company("Api Books", kind="ca")
    connect_org(qbo.control, org, realm)
    owner, admin = api_client_for(org, Role.OWNER), api_client_for(org, Role.ADMIN)
    assert owner.get(API + "company/").json()["kind"] == ""
    assert admin.post(API + "company/").status_code == 403
    body = owner.post(API + "company/").json()
    assert body["kind"] == "non_us" and body["country"] == "CA" and body["allow_discount"] is True
    rows = {r["name"]: r for r in owner.get(API + "tax-codes/").json()["tax_codes"]}
    assert rows["gst"]["qbo_tax_code"] == "2" and rows["gst"]["suggested"] is True
    assert rows["Odd"]["qbo_tax_code"] == ""
    bad = owner.patch(API + "tax-codes/", {"mappings": [{"tax_code": odd.pk, "qbo_tax_code": "6"},
                                                       {"tax_code": gst.pk, "qbo_tax_code": "NON"}]}, format="json")
    assert bad.status_code == 400 and "Choose one of the QuickBooks company" in str(bad.json())
    assert admin.patch(API + "tax-codes/", {"mappings": [{"tax_code": odd.pk, "qbo_tax_code": "6"}]},
                       format="json").status_code == 403
    ok = owner.patch(API + "tax-codes/", {"mappings": [{"tax_code": odd.pk, "qbo_tax_code": "6"}]}, format="json")
    assert ok.status_code == 200
    rows = {r["name"]: r for r in ok.json()["tax_codes"]}
    assert rows["Odd"]["qbo_tax_code"] == "6" and rows["Odd"]["suggested"] is False


def test_connecting_reads_the_company_kind(qbo: Any, org: Organization, owner_client: Client,
                                           connect: Callable[..., QuickBooksConnection]) -> None:
    nyc = _code(org, "Standard rated", "20")
    realm = qbo.control.create_company("Connect Books", kind="uk")
    conn = connect(owner_client, org, realm)
    conn.refresh_from_db()
    assert conn.company_kind == "non_us" and conn.company_country == "GB"
    assert TaxCodeMap.objects.get(connection=conn, tax_code=nyc).qbo_id == "10"  # 20.0% S, by rate
    page = owner_client.get(PAGE).content.decode()
    assert "Outside the US" in page and "Re-read company settings" in page
    assert "QuickBooks rounds VAT/GST per line" in page  # the organization still rounds per invoice
    org.tax_rounding = "line"
    org.save()
    assert "QuickBooks rounds VAT/GST per line" not in owner_client.get(PAGE).content.decode()


def test_batched_invoices_keep_quickbooks_ast_tax_too(qbo: Any, org: Organization,
                                                      make_customer: Callable[..., Customer]) -> None:
    ours = _code(org, "Local 8", "8")
    conn = _connect(qbo, org, "us_ast")
    customer = make_customer(org)
    drain_batched()
    invoices = []
    for i in range(4):
        invoice = invoice_create(organization=org, customer=customer, issue_date=ISSUED,
                                 lines=[_line(f"Job {i}", "1", "100.00", ours)])
        lifecycle.invoice_finalize(invoice=invoice)
        invoices.append(invoice)
    drain_batched()
    assert SyncAttempt.objects.filter(object_type="invoice", message="batch").count() == 4
    taxes = {ExternalRef.objects.get(connection=conn, object_type="invoice", local_id=inv.pk).qbo_total_tax
             for inv in invoices}
    assert len(taxes) == 1 and None not in taxes and taxes != {Decimal("8.00")}


def test_api_reread_failure_is_plain_with_the_request_id(qbo: Any, org: Organization,
                                                         api_client_for: Callable[..., Any]) -> None:
    realm = qbo.control.create_company("Api Fault Books", kind="us_manual")
    connect_org(qbo.control, org, realm)
    qbo.control.set_faults(realm, error_next=3, error_statuses=[503])
    answer = api_client_for(org, Role.OWNER).post(API + "company/")
    assert answer.status_code == 409
    detail = answer.json()["detail"]
    assert detail.startswith("QuickBooks refused to give the company settings")
    assert "QuickBooks reference (intuit_tid):" in detail
