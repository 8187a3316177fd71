"""Admin for tenant-owned models: staff who are not superusers see and edit only their organizations'."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from accounts.models import Membership


def _org_ids(request: HttpRequest) -> list[int]:
    return list(Membership.objects.filter(user=request.user).values_list("organization_id", flat=True))


class OrgScopedAdmin(admin.ModelAdmin):
    org_path = "organization"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        if request.user.is_superuser:
            return qs
        return qs.filter(**{f"{self.org_path}__in": _org_ids(request)})

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if request.user.is_superuser:
            return field
        model = db_field.related_model
        if model._meta.label == "accounts.Organization":
            field.queryset = field.queryset.filter(pk__in=_org_ids(request))
        elif any(f.name == "organization" for f in model._meta.get_fields()):
            field.queryset = field.queryset.filter(organization__in=_org_ids(request))
        return field
