"""Organizations (tenants), their people and roles."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models


class Plan(models.TextChoices):
    STARTER = "starter", "Starter"
    PRO = "pro", "Pro"
    ENTERPRISE = "enterprise", "Enterprise"


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    DISPATCHER = "dispatcher", "Dispatcher"
    TECHNICIAN = "technician", "Technician"


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
    # Every time its people see is shown in this zone (activated per request by the middleware).
    timezone = models.CharField("time zone", max_length=64, default=default_timezone,
                                validators=[validate_timezone])
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
