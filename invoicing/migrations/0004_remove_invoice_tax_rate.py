"""Invoice.tax_rate and tax_percent are replaced by per-line tax codes and InvoiceTaxLine (0003 moved the data)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("invoicing", "0003_tax_rates_become_codes"),
    ]

    operations = [
        migrations.RemoveField(model_name="invoice", name="tax_percent"),
        migrations.RemoveField(model_name="invoice", name="tax_rate"),
    ]
