"""Today's one tax percent per invoice becomes a tax code per line.

Every tax rate becomes a tax code of that one rate (same name). On every invoice that had a rate, its
taxable lines get that code and the tax it showed is kept as one InvoiceTaxLine with the percent that was
applied (tax_percent, which may differ from the rate's value today). Lines, totals and the `taxable` flags
are not recomputed, so issued invoices keep their amounts to the cent. Products marked taxable get the
code when their organization has exactly one tax rate (otherwise which code was meant is unknown).
"""

from collections import defaultdict

from django.db import migrations


def forwards(apps, schema_editor):
    TaxRate = apps.get_model("invoicing", "TaxRate")
    TaxCode = apps.get_model("invoicing", "TaxCode")
    Invoice = apps.get_model("invoicing", "Invoice")
    InvoiceLine = apps.get_model("invoicing", "InvoiceLine")
    InvoiceTaxLine = apps.get_model("invoicing", "InvoiceTaxLine")
    Product = apps.get_model("invoicing", "Product")

    code_of = {}
    rates_per_org = defaultdict(list)
    for rate in TaxRate.objects.order_by("id"):
        code = TaxCode.objects.create(organization_id=rate.organization_id, name=rate.name, is_active=rate.is_active)
        code.rates.add(rate)
        code_of[rate.id] = code
        rates_per_org[rate.organization_id].append(rate.id)

    for invoice in Invoice.objects.exclude(tax_rate=None).iterator():
        code = code_of[invoice.tax_rate_id]
        taxable = InvoiceLine.objects.filter(invoice_id=invoice.id, taxable=True)
        base = sum((line.amount for line in taxable), 0)
        taxable.update(tax_code=code)
        InvoiceTaxLine.objects.create(
            invoice_id=invoice.id, position=1, tax_rate_id=invoice.tax_rate_id, name=code.name,
            percent=invoice.tax_percent, taxable_amount=base, amount=invoice.tax_amount,
        )

    for org_id, rate_ids in rates_per_org.items():
        if len(rate_ids) == 1:
            Product.objects.filter(organization_id=org_id, taxable=True).update(tax_code=code_of[rate_ids[0]])


def backwards(apps, schema_editor):
    Invoice = apps.get_model("invoicing", "Invoice")
    InvoiceTaxLine = apps.get_model("invoicing", "InvoiceTaxLine")
    for tax_line in InvoiceTaxLine.objects.filter(position=1).exclude(tax_rate=None):
        Invoice.objects.filter(pk=tax_line.invoice_id).update(tax_rate_id=tax_line.tax_rate_id,
                                                              tax_percent=tax_line.percent)


class Migration(migrations.Migration):

    dependencies = [
        ("invoicing", "0002_tax_codes_discounts_terms_notes"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
