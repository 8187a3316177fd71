"""Organizations (tenants), their people and roles."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


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
