"""Products and services, tax rates, invoices with lines, payments and refunds."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.tenancy import OrgOwned

ZERO = Decimal("0.00")


class ProductType(models.TextChoices):
    SERVICE = "service", "Service"
    NON_INVENTORY = "non_inventory", "Non-inventory"


class Product(OrgOwned):
    name = models.CharField(max_length=100)
    sku = models.CharField("SKU", max_length=100, blank=True)
    type = models.CharField(max_length=20, choices=ProductType.choices, default=ProductType.SERVICE)
    description = models.TextField(blank=True, max_length=4000)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    taxable = models.BooleanField(default=True)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(Lower("name"), "organization", name="uniq_product_name_ci"),
            models.UniqueConstraint(
                fields=["organization", "sku"], condition=~models.Q(sku=""), name="uniq_product_sku_when_set"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TaxRate(OrgOwned):
    name = models.CharField(max_length=100)
    rate = models.DecimalField("rate (%)", max_digits=6, decimal_places=3)
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), "organization", name="uniq_taxrate_name_ci")]

    def __str__(self) -> str:
        return f"{self.name} ({self.rate.normalize()}%)"


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    GENERATED = "generated", "Generated"
    SENT = "sent", "Sent"
    PARTIALLY_PAID = "partially_paid", "Partially paid"
    PAID = "paid", "Paid"
    OVERDUE = "overdue", "Overdue"
    VOID = "void", "Void"
    REFUNDED = "refunded", "Refunded"
    PARTIALLY_REFUNDED = "partially_refunded", "Partially refunded"
    DISPUTED = "disputed", "Disputed"


class Invoice(OrgOwned):
    number = models.CharField(max_length=21)
    customer = models.ForeignKey("customers.Customer", on_delete=models.PROTECT, related_name="invoices")
    project = models.ForeignKey(
        "customers.Project", on_delete=models.PROTECT, related_name="invoices", null=True, blank=True
    )
    status = models.CharField(max_length=20, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT)
    issue_date = models.DateField()
    due_date = models.DateField()
    tax_rate = models.ForeignKey(TaxRate, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The percentage applied, copied from tax_rate when totals are computed, so editing a rate
    # later never changes an invoice already issued.
    tax_percent = models.DecimalField(max_digits=6, decimal_places=3, default=Decimal(0))
    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    amount_paid = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    amount_refunded = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    balance = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    memo = models.TextField(blank=True)
    status_before_dispute = models.CharField(max_length=20, choices=InvoiceStatus.choices, blank=True)
    finalized_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issue_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["organization", "number"], name="uniq_invoice_number")]
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "-issue_date", "-id"]),
        ]

    def __str__(self) -> str:
        return self.number


class InvoiceLine(models.Model):
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    description = models.CharField(max_length=4000, blank=True)
    quantity = models.DecimalField(max_digits=12, decimal_places=3, default=Decimal(1))
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    taxable = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.invoice.number} #{self.position}"


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", "Payment"
    REFUND = "refund", "Refund"


class Payment(OrgOwned):
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(max_length=10, choices=PaymentKind.choices, default=PaymentKind.PAYMENT)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    received_on = models.DateField()
    method = models.CharField(max_length=40, blank=True)
    reference = models.CharField(max_length=100, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["received_on", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} on {self.invoice.number}"


class EmailStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class InvoiceEmail(OrgOwned):
    """One Send (or Send again) of an invoice by email: the log of who was sent what, and how it went.

    The invoice becomes Sent only when the mail server accepted a message (invoicing/emailing.py).
    """

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="emails")
    to = models.EmailField()
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED)
    attempts = models.PositiveIntegerField(default=0)
    # When the next delivery attempt may start; an attempt in progress holds it a few minutes ahead.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    error = models.TextField(blank=True)
    message_id = models.CharField(max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["invoice", "-created_at"]), models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.invoice.number} to {self.to} ({self.get_status_display()})"
