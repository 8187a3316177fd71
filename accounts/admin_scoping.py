"""Admin for tenant-owned models: staff who are not superusers see, choose and edit only their organizations'.

One mixin serves ModelAdmin and InlineModelAdmin alike: Django's admin scopes an inline's foreign-key
choices through the inline's own `formfield_for_foreignkey`, not the parent ModelAdmin's, so an unscoped
inline offered every tenant's products (issue 12).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from accounts.models import Membership, Organization

# How deep to follow foreign keys to reach an organization (SyncAttempt → SyncJob → connection → org).
_MAX_HOPS = 3


def org_ids(request: HttpRequest) -> list[int]:
    user_id = request.user.pk
    if user_id is None:  # anonymous: a member of nothing
        return []
    return list(Membership.objects.filter(user_id=user_id).values_list("organization_id", flat=True))


def org_lookup(model: type[Model], hops: int = _MAX_HOPS) -> str | None:
    """The ORM path from `model` to its organization's id, or None for models no organization owns."""
    if model is Organization:
        return "pk"
    if model is get_user_model():
        return "memberships__organization"
    fields = {f.name: f for f in model._meta.get_fields()
              if f.is_relation and f.concrete and (f.many_to_one or f.one_to_one)}
    if "organization" in fields:
        return "organization"
    if hops <= 0:
        return None
    for name, field in fields.items():
        if field.related_model is None:
            continue
        inner = org_lookup(field.related_model, hops - 1)
        if inner is not None:
            return f"{name}__{inner}"
    return None


def scope_to_orgs(queryset: QuerySet, request: HttpRequest) -> QuerySet:
    """Rows of the request's organizations only (superusers see all; unowned models pass unchanged)."""
    if request.user.is_superuser:
        return queryset
    lookup = org_lookup(queryset.model)
    if lookup is None:
        return queryset
    return _filtered(queryset, lookup, request)


def _filtered(queryset: QuerySet, lookup: str, request: HttpRequest) -> QuerySet:
    queryset = queryset.filter(**{f"{lookup}__in": org_ids(request)})
    # A person with memberships in two of the staff member's organizations would be listed twice.
    return queryset.distinct() if "memberships" in lookup else queryset


class OrgScopedMixin:
    """Rows, foreign-key and many-to-many choices limited to the staff member's organizations."""

    org_path: str | None = None  # None: found from the model (org_lookup)

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)  # type: ignore[misc]
        if request.user.is_superuser:
            return qs
        path = self.org_path or org_lookup(qs.model)
        if path is None:
            return qs
        return _filtered(qs, path, request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_to_orgs(field.queryset, request)
        return field

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and hasattr(field, "queryset"):
            field.queryset = scope_to_orgs(field.queryset, request)
        return field


class OrgScopedAdmin(OrgScopedMixin, admin.ModelAdmin):
    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        # A saved row never moves to another tenant: its invoices, numbers and mappings stay behind.
        if obj is not None and obj._meta.model is not Organization and "organization" not in fields and any(
                f.name == "organization" for f in obj._meta.concrete_fields):
            fields.append("organization")
        return fields


class OrgScopedTabularInline(OrgScopedMixin, admin.TabularInline):
    pass
