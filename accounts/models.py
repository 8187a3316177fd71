"""Organizations (tenants), their people and roles."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.utils import timezone

from accounts.validators import validate_logo

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


class Organization(models.Model):
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    plan = models.CharField(max_length=20, choices=Plan.choices, default=Plan.STARTER)
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
