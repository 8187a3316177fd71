"""Products and services, tax codes and their rates, invoices with lines, payments and refunds."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from accounts.models import MAX_TERMS_DAYS, TaxRounding
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
    # QuickBooks' US Item.Taxable; kept true exactly when the product has a default tax code (set by the
    # forms and API), and by the import for items that come from QuickBooks without a code.
    taxable = models.BooleanField(default=True)
    tax_code = models.ForeignKey("TaxCode", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name="default tax code")
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
    """One component rate with the agency it is paid to (QBO's TaxRate), e.g. a state's 6.25 %."""

    name = models.CharField(max_length=100)
    rate = models.DecimalField("rate (%)", max_digits=6, decimal_places=3)
    agency = models.CharField(max_length=100, blank=True, help_text="Who the tax is paid to.")
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), "organization", name="uniq_taxrate_name_ci")]

    def __str__(self) -> str:
        return f"{self.name} ({self.rate.normalize()}%)"


class TaxCode(OrgOwned):
    """What a line is taxed with (QBO's TaxCode): one or more component rates, or none for exempt sales.

    E.g. "Springfield" = IL state 6.25 % + county 1 % + city 1.625 %; "GST/PST BC" = 5 % + 7 %;
    "20.0% S"; "Exempt" (no rates)."""

    name = models.CharField(max_length=100)
    rates = models.ManyToManyField(TaxRate, blank=True, related_name="codes")
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(Lower("name"), "organization", name="uniq_taxcode_name_ci")]

    def __str__(self) -> str:
        return self.name

    @property
    def total_percent(self) -> Decimal:
        """The rates added up (uses prefetched rates when there are)."""
        return sum((rate.rate for rate in self.rates.all()), Decimal(0))


class DiscountKind(models.TextChoices):
    NONE = "", "No discount"
    PERCENT = "percent", "Percent"
    AMOUNT = "amount", "Amount"


class LineKind(models.TextChoices):
    ITEM = "item", "Item"
    # A credit given on the invoice (e.g. goodwill, a returned part): its own kind of line with a positive
    # price that is subtracted, rather than a negative price on a product line.
    CREDIT = "credit", "Credit"


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
    # The payment terms that set the due date; null when the due date was chosen by hand.
    terms_days = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(MAX_TERMS_DAYS)])
    # Copied from the organization when the invoice is created, so a later change of those settings never
    # changes this invoice's totals, even when it is edited.
    prices_include_tax = models.BooleanField(default=False)
    tax_after_discount = models.BooleanField(default=True)
    tax_rounding = models.CharField(max_length=10, choices=TaxRounding.choices, default=TaxRounding.PER_INVOICE)
    discount_kind = models.CharField(max_length=10, choices=DiscountKind.choices, blank=True, default="")
    discount_value = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO,
                                         help_text="A percentage (10.00 = 10 %) or an amount, as chosen in Discount.")
    # Net of tax for tax-exclusive prices; for tax-inclusive prices the lines minus the tax they contain.
    subtotal = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    discount_amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    tax_amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    amount_paid = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    amount_refunded = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    balance = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    # The message printed for the customer (its API name stays "memo", as before).
    memo = models.TextField("message to the customer", blank=True)
    internal_note = models.TextField(blank=True, max_length=4000,
                                     help_text="For the business only: never printed or e-mailed to the customer; "
                                               "kept as the private note of the invoice in QuickBooks.")
    # A tax figure a person took from elsewhere (e.g. the accounting system's own sales-tax engine) in place
    # of the one the lines give. Only before the invoice is sent (validators.invoice_tax_override_refusal); the
    # totals follow it, and an edit of the lines drops it (the figure belonged to the old lines).
    tax_override = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    tax_override_source = models.CharField(max_length=200, blank=True,
                                           help_text="Where the overriding tax figure came from.")
    tax_override_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                        blank=True, related_name="+")
    tax_override_at = models.DateTimeField(null=True, blank=True)
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
    kind = models.CharField(max_length=10, choices=LineKind.choices, default=LineKind.ITEM)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    # Quantity x unit price in cents; negative for a credit line.
    amount = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    tax_code = models.ForeignKey(TaxCode, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Subject to sales tax (QBO US TAX/NON). A line with a tax code is taxable; a taxable line without one
    # is how invoices written before tax codes (with no tax rate) were stored, and they keep it.
    taxable = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.invoice.number} #{self.position}"


class InvoiceTaxLine(models.Model):
    """Tax per component rate as computed for the invoice, with the name and percent copied, so a later
    edit of a rate or code never changes an issued invoice (QBO's TxnTaxDetail.TaxLine)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="tax_lines")
    position = models.PositiveIntegerField(default=0)
    tax_rate = models.ForeignKey(TaxRate, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    name = models.CharField(max_length=100)
    agency = models.CharField(max_length=100, blank=True)
    percent = models.DecimalField(max_digits=6, decimal_places=3)
    taxable_amount = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.name} {self.percent.normalize()}%: {self.amount}"


class PaymentKind(models.TextChoices):
    PAYMENT = "payment", "Payment"
    REFUND = "refund", "Refund"


# The methods the payment form offers; a payment's method stays free text (the API and QuickBooks may name others).
PAYMENT_METHODS = ("Check", "Cash", "Card", "Bank transfer", "Other")


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
