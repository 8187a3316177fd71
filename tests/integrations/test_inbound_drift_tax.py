"""Issue 16: the drift report compares tax codes too (simulator over HTTP). Outside the US a product's code
against its item's SalesTaxCodeRef and each invoice line's against the QBO line at the same place; in a US
manual company the invoice's one code against TxnTaxCodeRef. In both sides' names, with "push ours" as the
fix, and "not mapped" for a code with no mapping rather than a false difference."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection as db
from django.test.utils import CaptureQueriesContext

from accounts.models import Organization
from customers.models import Customer
from integrations.connection.company import company_reread
from integrations.inbound.drift import drift_execute
from integrations.inbound.services import drift_fix, drift_request
from integrations.models import DriftItem, DriftRun, ExternalRef, QuickBooksConnection, TaxCodeMap
from invoicing import lifecycle
from invoicing.models import Invoice, Product, TaxCode, TaxRate
from invoicing.services import LineInput, invoice_create
from tests.integrations.conftest import Qbo
from tests.integrations.push_helpers import connect_org, drain

pytestmark = pytest.mark.django_db
UK_STANDARD, UK_REDUCED = "10", "11"  # the simulator's UK "20.0% S" and "5.0% R" (qbo_sim/kinds.py)
US_TUCSON = "3"  # the simulator's US manual "Tucson" (7.1 + 2)


def _code(org: Organization, name: str, *rates: str) -> TaxCode:
    code = TaxCode.objects.create(organization=org, name=name)
    for i, rate in enumerate(rates):
        code.rates.add(TaxRate.objects.create(organization=org, name=f"{name} {i}", rate=Decimal(rate)))
    return code


def _connect(qbo: Qbo, org: Organization, kind: str) -> QuickBooksConnection:
    realm = qbo.control.create_company(f"Drift tax {kind}", kind=kind)
    return company_reread(connection=connect_org(qbo.control, org, realm))


def _invoice(org: Organization, customer: Customer, lines: list[tuple[str, str, TaxCode | None]]) -> Invoice:
    invoice = invoice_create(organization=org, customer=customer, issue_date=date(2026, 11, 2), lines=[
        LineInput(description=desc, quantity=Decimal(1), unit_price=Decimal(price), tax_code=code,
                  taxable=code is not None) for desc, price, code in lines])
    lifecycle.invoice_finalize(invoice=invoice)
    drain()
    return invoice


def _qbo_id(conn: QuickBooksConnection, object_type: str, local_id: int) -> str:
    return ExternalRef.objects.get(connection=conn, object_type=object_type, local_id=local_id).qbo_id


def _drift(conn: QuickBooksConnection) -> set[tuple[str, str, str, str]]:
    run = drift_request(connection=conn, actor=None)
    assert drift_execute(run_id=run.pk) == "done"
    return {(i.label, i.field, i.ours, i.theirs) for i in DriftItem.objects.filter(run=run, resolution="")}


def _recode_line(qbo: Qbo, conn: QuickBooksConnection, invoice_id: str, index: int, code: str) -> None:
    """A bookkeeper changes one line's tax code in QuickBooks."""
    entity = qbo.control.object(conn.realm_id, "Invoice", invoice_id)
    lines = [ln for ln in entity["Line"] if ln["DetailType"] != "SubTotalLineDetail"]
    lines[index]["SalesItemLineDetail"]["TaxCodeRef"] = {"value": code}
    qbo.control.entities(conn.realm_id, "Invoice", {"Id": invoice_id, "Line": lines})


def test_vat_codes_changed_in_quickbooks_are_listed_in_both_names_and_pushing_ours_fixes_them(
        qbo: Qbo, org: Organization, make_customer: Callable[..., Customer]) -> None:
    org.tax_rounding = "line"
    org.save()
    standard, reduced = _code(org, "Standard rated", "20"), _code(org, "Reduced rate", "5")
    conn = _connect(qbo, org, "uk")
    product = Product.objects.create(organization=org, name="Boiler service", unit_price=Decimal("90.00"),
                                     tax_code=reduced)
    invoice = _invoice(org, make_customer(org), [("Boiler service", "90.00", reduced),
                                                 ("Flue check", "40.00", standard)])
    assert _drift(conn) == set()  # as pushed, both sides agree

    item_id, invoice_id = _qbo_id(conn, "item", product.pk), _qbo_id(conn, "invoice", invoice.pk)
    qbo.control.entities(conn.realm_id, "Item", {"Id": item_id, "SalesTaxCodeRef": {"value": UK_STANDARD}})
    _recode_line(qbo, conn, invoice_id, 1, UK_REDUCED)
    found = _drift(conn)
    assert ("Product Boiler service", "Tax code", "Reduced rate (sent as 5.0% R)", "20.0% S") in found
    assert (f"Invoice {invoice.number}", "Tax code, line 2", "Standard rated (sent as 20.0% S)", "5.0% R") in found
    assert not [f for f in found if f[1] == "Tax code, line 1"]  # the line nobody changed

    run = DriftRun.objects.filter(connection=conn).first()
    assert run is not None
    line_item = DriftItem.objects.get(run=run, field="Tax code, line 2")
    with pytest.raises(ValidationError, match="cannot be taken here"):
        drift_fix(item=line_item, direction="theirs", actor=None)  # QBO's code is not taken back
    drift_fix(item=line_item, direction="push", actor=None)
    drift_fix(item=DriftItem.objects.get(run=run, field="Tax code", object_type="item"), direction="push",
              actor=None)
    drain()
    assert qbo.control.object(conn.realm_id, "Item", item_id)["SalesTaxCodeRef"]["value"] == UK_REDUCED
    assert _drift(conn) == set()


def test_a_code_with_no_mapping_is_said_to_be_not_mapped(qbo: Qbo, org: Organization,
                                                        make_customer: Callable[..., Customer]) -> None:
    reduced = _code(org, "Reduced rate", "5")
    conn = _connect(qbo, org, "uk")
    product = Product.objects.create(organization=org, name="Radiator valve", unit_price=Decimal("12.00"),
                                     tax_code=reduced)
    invoice = _invoice(org, make_customer(org), [("Radiator valve", "12.00", reduced)])
    TaxCodeMap.objects.filter(connection=conn, tax_code=reduced).delete()  # the Owner cleared the mapping
    assert _drift(conn) == {
        (f"Product {product.name}", "Tax code", "Reduced rate (not mapped to a QuickBooks code)", "5.0% R"),
        (f"Invoice {invoice.number}", "Tax code, line 1", "Reduced rate (not mapped to a QuickBooks code)", "5.0% R"),
    }


def test_us_manual_invoice_code_is_compared_with_txn_tax_code(qbo: Qbo, org: Organization,
                                                             make_customer: Callable[..., Customer]) -> None:
    california = _code(org, "california", "8")  # suggested: QBO's "California" (2)
    conn = _connect(qbo, org, "us_manual")
    invoice = _invoice(org, make_customer(org), [("Tune-up", "95.00", california), ("Permit", "20.00", None)])
    assert _drift(conn) == set()
    invoice_id = _qbo_id(conn, "invoice", invoice.pk)
    qbo.control.entities(conn.realm_id, "Invoice", {"Id": invoice_id,
                                                   "TxnTaxDetail": {"TxnTaxCodeRef": {"value": US_TUCSON}}})
    found = _drift(conn)
    assert (f"Invoice {invoice.number}", "Tax code", "california (sent as California)", "Tucson") in found
    assert not [f for f in found if f[0].startswith("Product")]  # a US item carries no tax code


def test_the_report_reads_tax_codes_in_the_same_few_queries_for_many_invoices(
        qbo: Qbo, org: Organization, make_customer: Callable[..., Customer]) -> None:
    standard = _code(org, "Standard rated", "20")
    conn = _connect(qbo, org, "uk")
    customer = make_customer(org)

    def counted() -> int:
        with CaptureQueriesContext(db) as queries:
            _drift(conn)
        return len(queries)

    _invoice(org, customer, [("Job 1", "10.00", standard), ("Job 1b", "5.00", standard)])
    one = counted()
    for n in range(2, 6):
        _invoice(org, customer, [(f"Job {n}", "10.00", standard), (f"Job {n}b", "5.00", standard)])
    assert counted() == one  # five invoices cost what one did: nothing is read per record
