from __future__ import annotations

from django.db import models


class ObjectType(models.TextChoices):
    CUSTOMER = "customer", "Customer"
    PROJECT = "project", "Project"
    ITEM = "item", "Product / item"
    INVOICE = "invoice", "Invoice"
    PAYMENT = "payment", "Payment"


class ExternalRef(models.Model):
    """The link between one local record and one QBO record, per connection (so per realm)."""

    connection = models.ForeignKey("integrations.QuickBooksConnection", on_delete=models.CASCADE, related_name="refs")
    object_type = models.CharField(max_length=20, choices=ObjectType.choices)
    local_id = models.BigIntegerField()
    qbo_id = models.CharField(max_length=40)
    sync_token = models.CharField(max_length=20, blank=True)
    last_payload_hash = models.CharField(max_length=64, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # US automated sales tax: the TotalTax QBO computed on the last push (an invoice mapping only).
    qbo_total_tax = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    # The number QBO gave the invoice (its DocNumber) when the company numbers invoices itself
    # (CustomTxnNumbers off: ours is not sent); "" when it holds ours (an invoice mapping only).
    qbo_doc_number = models.CharField(max_length=21, blank=True)
    # A customer mapping: the currency QBO holds the customer in (its CurrencyRef) when a multicurrency
    # company's record was read; "" = not known, taken as the home currency.
    qbo_currency = models.CharField(max_length=3, blank=True)
    # Set when QBO says the record is gone (deleted there); we never silently re-create it.
    deleted_in_qbo = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["connection", "object_type", "local_id"], name="uniq_ref_local"),
            models.UniqueConstraint(fields=["connection", "object_type", "qbo_id"], name="uniq_ref_qbo"),
        ]

    def __str__(self) -> str:
        return f"{self.object_type} {self.local_id} ↔ QBO {self.qbo_id}"


class TaxCodeMap(models.Model):
    """A local tax code and the QBO TaxCode it is sent as, per connection. Several local codes may send as
    one QBO code, so this is not an ExternalRef (unique both ways)."""

    connection = models.ForeignKey("integrations.QuickBooksConnection", on_delete=models.CASCADE,
                                   related_name="tax_code_maps")
    tax_code = models.ForeignKey("invoicing.TaxCode", on_delete=models.CASCADE, related_name="+")
    qbo_id = models.CharField(max_length=40)
    # True while the app's guess (same name, or same combined rate) stands; False once a person chose.
    suggested = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "tax_code"], name="uniq_taxcode_map")]

    def __str__(self) -> str:
        return f"tax code {self.tax_code_id} ↔ QBO {self.qbo_id}"


class ProductIncomeAccount(models.Model):
    """One product whose sales post to another QBO Income account than its type's (Mappings: products), per
    connection. A product without a row posts to its type's account (QuickBooksConnection.income_account_by_type)."""

    connection = models.ForeignKey("integrations.QuickBooksConnection", on_delete=models.CASCADE,
                                   related_name="product_income_accounts")
    product = models.ForeignKey("invoicing.Product", on_delete=models.CASCADE, related_name="+")
    account_id = models.CharField(max_length=40)  # a QBO Account Id of AccountType Income
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["connection", "product"], name="uniq_product_income_account")]

    def __str__(self) -> str:
        return f"product {self.product_id} → QBO income account {self.account_id}"
