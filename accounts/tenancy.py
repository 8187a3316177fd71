"""Organization scoping shared by every tenant-owned model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db import models

if TYPE_CHECKING:
    from accounts.models import Organization


class OrgQuerySet(models.QuerySet):
    def for_org(self, organization: Organization) -> Self:
        return self.filter(organization=organization)


class OrgOwned(models.Model):
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgQuerySet.as_manager()

    class Meta:
        abstract = True
