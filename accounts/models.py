"""Organizations (tenants), their people and roles."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator
from django.db import models
from django.utils import timezone

from accounts.validators import INVOICE_PREFIX_MAX, validate_invoice_number_prefix, validate_logo

LOGO_EXTENSIONS = ["png", "jpg", "jpeg", "gif"]


class Plan(models.TextChoices):
    STARTER = "starter", "Starter"
    PRO = "pro", "Pro"
    ENTERPRISE = "enterprise", "Enterprise"


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    DISPATCHER = "dispatcher", "Dispatcher"
    TECHNICIAN = "technician", "Technician"


# Payment terms offered as presets; any whole number of days from 0 to MAX_TERMS_DAYS is accepted.
TERMS_PRESETS: dict[int, str] = {0: "Due on receipt", 15: "Net 15", 30: "Net 30", 60: "Net 60"}
MAX_TERMS_DAYS = 365


def terms_label(days: int | None) -> str:
    """E.g. "Due on receipt", "Net 30", or "Net 45" for custom days (QuickBooks names its Terms the same way)."""
    if days is None:
        return "Custom due date"
    return TERMS_PRESETS.get(days, f"Net {days}")


class TaxRounding(models.TextChoices):
    # Why two rules: QuickBooks rounds US sales tax once per rate on the taxable subtotal
    # (NetAmountTaxable x TaxPercent) but rounds per line in non-US (VAT/GST) companies; our totals must
    # match the books the invoices are pushed to, to the cent.
    PER_INVOICE = "invoice", "Once per rate on the invoice's taxable subtotal (US sales tax)"
    PER_LINE = "line", "Per line, then summed (VAT / GST: UK, Canada, Australia)"
@cache
def timezone_names() -> frozenset[str]:
    return frozenset(available_timezones())  # reads the tz database once per process


def default_timezone() -> str:
    return settings.TIME_ZONE


def validate_timezone(value: str) -> None:
    if value not in timezone_names():
        raise ValidationError(f"{value!r} is not a time zone name such as America/Chicago.")


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.STARTER)
    # Invoice money settings; each new invoice copies them, so changing one never alters issued invoices.
    prices_include_tax = models.BooleanField(
        "prices include tax", default=False,
        help_text="Tax-inclusive prices (common for VAT/GST): line amounts already contain the tax.")
    tax_after_discount = models.BooleanField(
        "apply tax after the discount", default=True,
        help_text="On: the invoice discount lowers the taxed amount. Off: tax is computed before the discount.")
    tax_rounding = models.CharField(max_length=10, choices=TaxRounding.choices, default=TaxRounding.PER_INVOICE)
    payment_terms_days = models.PositiveSmallIntegerField(
        "default payment terms (days)", default=30, validators=[MaxValueValidator(MAX_TERMS_DAYS)],
        help_text="0 = Due on receipt, 15 = Net 15, 30 = Net 30, or any number of days up to 365.")
    # New invoices are numbered <prefix><counter, 6 digits or more>; a change leaves issued numbers as they are.
    invoice_number_prefix = models.CharField(
        "invoice number prefix", max_length=INVOICE_PREFIX_MAX, blank=True, default="INV-",
        validators=[validate_invoice_number_prefix],
        help_text="Put before the number of each new invoice, e.g. INV- gives INV-000123. Up to 10 letters, "
                  "digits or - _ / . ; issued invoices keep their numbers.")
    # Every time its people see is shown in this zone (activated per request by the middleware).
    timezone = models.CharField("time zone", max_length=64, default=default_timezone,
                                validators=[validate_timezone])
    created_at = models.DateTimeField(auto_now_add=True)
    # The business as its customers see it: the head of every invoice PDF and print view.
    address_line1 = models.CharField("address line 1", max_length=200, blank=True)
    address_line2 = models.CharField("address line 2", max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField("state / region", max_length=50, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=60, blank=True)
    email = models.EmailField("billing email", blank=True, help_text="Replies to invoice emails go here.")
    phone = models.CharField(max_length=30, blank=True)
    logo = models.FileField(upload_to="logos/", blank=True,
                            validators=[FileExtensionValidator(LOGO_EXTENSIONS), validate_logo],
                            help_text="PNG, JPEG or GIF up to 1 MB, shown at the top of invoices.")
    payment_instructions = models.TextField(
        "how to pay", blank=True, max_length=2000,
        help_text="Printed on every invoice, e.g. bank details or the checks' payee.")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_paid_plan(self) -> bool:
        return self.plan in (Plan.PRO, Plan.ENTERPRISE)


class Membership(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organization"], name="uniq_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organization} ({self.get_role_display()})"


class OrgSequence(models.Model):
    """A per-organization counter (invoice numbers), advanced under a row lock."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sequences")
    name = models.CharField(max_length=40)
    next_value = models.PositiveBigIntegerField(default=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="uniq_org_sequence")]


class SignInFailure(models.Model):
    """Failed sign-ins of one username (page and API alike), for the throttle in accounts/throttle.py.
    Keyed by the name typed, existing or not, so the answer does not tell which usernames exist."""

    username = models.CharField(max_length=150, unique=True)
    failures = models.PositiveIntegerField(default=0)
    first_failed_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.username}: {self.failures} failed sign-in(s)"


class ApiToken(models.Model):
    """An API token (`Authorization: Token <key>`), stored as the SHA-256 of its key: the key itself is
    shown once, when issued, and a database dump holds nothing that signs anyone in. It expires, and it
    stops working when its user's password changes (the fingerprint of the password hash it was issued
    under no longer matches). See accounts/api_tokens.py."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="The key's first characters, to tell tokens apart.")
    password_fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
