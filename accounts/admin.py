from typing import Any

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from accounts.admin_scoping import OrgScopedAdmin
from accounts.models import Membership, Organization, OrgSequence

User = get_user_model()


@admin.register(Organization)
class OrganizationAdmin(OrgScopedAdmin):
    list_display = ["name", "slug", "plan", "created_at"]
    list_filter = ["plan"]
    search_fields = ["name", "slug"]

    # The plan is what the organization pays for: only the operator (a superuser) changes it, and only
    # the operator creates or deletes a tenant.
    def get_readonly_fields(self, request: HttpRequest, obj: Organization | None = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        return fields if request.user.is_superuser else [*fields, "plan"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: Organization | None = None) -> bool:
        return request.user.is_superuser


@admin.register(Membership)
class MembershipAdmin(OrgScopedAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "organization__name"]


@admin.register(OrgSequence)
class OrgSequenceAdmin(OrgScopedAdmin):
    list_display = ["organization", "name", "next_value"]


admin.site.unregister(User)


@admin.register(User)
class OrgScopedUserAdmin(OrgScopedAdmin, UserAdmin):
    """People of the staff member's organizations only; who is staff or superuser is the operator's call."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return fields
        return [*fields, "is_staff", "is_superuser", "groups", "user_permissions"]


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
