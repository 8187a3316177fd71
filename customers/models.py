"""Customers and their projects (jobs)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator
from django.db import models

from accounts.models import MAX_TERMS_DAYS
from accounts.tenancy import OrgOwned


class Customer(OrgOwned):
    display_name = models.CharField(max_length=200)
    company_name = models.CharField(max_length=100, blank=True)
    given_name = models.CharField(max_length=100, blank=True)
    family_name = models.CharField(max_length=100, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    billing_line1 = models.CharField("address line 1", max_length=200, blank=True)
    billing_line2 = models.CharField("address line 2", max_length=200, blank=True)
    billing_city = models.CharField("city", max_length=100, blank=True)
    billing_region = models.CharField("state / region", max_length=50, blank=True)
    billing_postal_code = models.CharField("postal code", max_length=20, blank=True)
    billing_country = models.CharField("country", max_length=60, blank=True)
    notes = models.TextField(blank=True, max_length=2000)
    payment_terms_days = models.PositiveSmallIntegerField(
        "payment terms (days)", null=True, blank=True, validators=[MaxValueValidator(MAX_TERMS_DAYS)],
        help_text="Blank: the organization's default terms. 0 = Due on receipt, 15 = Net 15, 30 = Net 30.")
    is_active = models.BooleanField("active", default=True)

    class Meta:
        ordering = ["display_name", "id"]
        indexes = [models.Index(fields=["organization", "display_name"])]

    def __str__(self) -> str:
        return self.display_name


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    ON_HOLD = "on_hold", "On hold"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class Project(OrgOwned):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=20, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.customer.display_name}: {self.name}"
