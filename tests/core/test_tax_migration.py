"""The data migration: today's one tax percent per invoice becomes a tax code on its taxable lines, and
the tax it showed is kept to the cent as a per-rate tax line."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)
BEFORE = [("invoicing", "0001_initial"), ("accounts", "0001_initial"), ("customers", "0001_initial")]
AFTER = [("invoicing", "0004_remove_invoice_tax_rate"), ("accounts", "0004_invoice_money_settings"),
         ("customers", "0002_customer_payment_terms")]


def _migrate(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_tax_rate_becomes_a_code_and_issued_totals_stay() -> None:
    apps = _migrate(BEFORE)
    org = apps.get_model("accounts", "Organization").objects.create(name="Old Co", slug="old-co")
    customer = apps.get_model("customers", "Customer").objects.create(organization=org, display_name="Ann")
    rate = apps.get_model("invoicing", "TaxRate").objects.create(organization=org, name="NYC", rate=Decimal(9))
    product = apps.get_model("invoicing", "Product").objects.create(organization=org, name="Filter", taxable=True)
    Invoice = apps.get_model("invoicing", "Invoice")
    # Issued when the rate was 8.875 %: 60.00 taxable -> 5.33; the rate was edited to 9 % since.
    taxed = Invoice.objects.create(organization=org, number="INV-1", customer=customer, issue_date=date(2026, 1, 5),
                                   due_date=date(2026, 2, 4), tax_rate=rate, tax_percent=Decimal("8.875"),
                                   subtotal=Decimal("105.50"), tax_amount=Decimal("5.33"), total=Decimal("110.83"),
                                   balance=Decimal("110.83"), memo="Thanks!")
    untaxed = Invoice.objects.create(organization=org, number="INV-2", customer=customer,
                                     issue_date=date(2026, 1, 5), due_date=date(2026, 2, 4),
                                     subtotal=Decimal("10.00"), total=Decimal("10.00"), balance=Decimal("10.00"))
    Line = apps.get_model("invoicing", "InvoiceLine")
    Line.objects.create(invoice=taxed, position=1, description="Work", quantity=2, unit_price=Decimal("30.00"),
                        amount=Decimal("60.00"), taxable=True)
    Line.objects.create(invoice=taxed, position=2, description="Permit", quantity=1, unit_price=Decimal("45.50"),
                        amount=Decimal("45.50"), taxable=False)
    Line.objects.create(invoice=untaxed, position=1, description="Work", quantity=1, unit_price=Decimal("10.00"),
                        amount=Decimal("10.00"), taxable=True)
    try:
        apps = _migrate(AFTER)
        TaxCode = apps.get_model("invoicing", "TaxCode")
        code = TaxCode.objects.get(organization_id=org.pk)
        assert code.name == "NYC" and list(code.rates.values_list("pk", flat=True)) == [rate.pk]
        Invoice = apps.get_model("invoicing", "Invoice")
        migrated = Invoice.objects.get(pk=taxed.pk)
        assert (migrated.subtotal, migrated.tax_amount, migrated.total, migrated.memo) == (
            Decimal("105.50"), Decimal("5.33"), Decimal("110.83"), "Thanks!")
        lines = apps.get_model("invoicing", "InvoiceLine").objects.filter(invoice_id=taxed.pk).order_by("position")
        assert [(ln.tax_code_id, ln.taxable) for ln in lines] == [(code.pk, True), (None, False)]
        tax_line = apps.get_model("invoicing", "InvoiceTaxLine").objects.get(invoice_id=taxed.pk)
        assert (tax_line.name, tax_line.percent, tax_line.taxable_amount, tax_line.amount) == (
            "NYC", Decimal("8.875"), Decimal("60.00"), Decimal("5.33"))
        # No rate: lines keep their taxable flag (the push still says TAX) and get no code.
        untaxed_line = apps.get_model("invoicing", "InvoiceLine").objects.get(invoice_id=untaxed.pk)
        assert (untaxed_line.tax_code_id, untaxed_line.taxable) == (None, True)
        # The only rate of the organization becomes the default code of its taxable products.
        assert apps.get_model("invoicing", "Product").objects.get(pk=product.pk).tax_code_id == code.pk
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
