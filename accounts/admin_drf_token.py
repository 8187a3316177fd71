"""The admin of DRF's API tokens, scoped: imported by accounts/admin.py only while DRF's authtoken app is
installed (it registers its own TokenAdmin on import)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from accounts.admin_scoping import OrgScopedAdmin

admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class OwnTokenAdmin(OrgScopedAdmin, TokenAdmin):
    """An API token acts as its user: a staff member who is not a superuser sees and makes only their own."""

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(user=request.user)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "user" and not request.user.is_superuser:
            field.queryset = field.queryset.filter(pk=request.user.pk)
        return field
