from importlib import import_module
from typing import Any

from django.apps import apps
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Model
from django.http import HttpRequest

from accounts.admin_scoping import OrgScopedAdmin
from accounts.models import Membership, Organization, OrgSequence

User = get_user_model()


@admin.register(Organization)
class OrganizationAdmin(OrgScopedAdmin):
    list_display = ["name", "slug", "plan", "created_at"]
    list_filter = ["plan"]
    search_fields = ["name", "slug"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "plan"]}),
        ("On invoices", {"fields": ["address_line1", "address_line2", "city", "region", "postal_code", "country",
                                    "email", "phone", "logo", "payment_instructions", "invoice_number_prefix"]}),
    ]

    # The plan is what the organization pays for: only the operator (a superuser) changes it, and only
    # the operator creates or deletes a tenant.
    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> list[str]:
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
    """Shown, not edited, by staff: moving a counter back would hand out an invoice number again."""

    list_display = ["organization", "name", "next_value"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: OrgSequence | None = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: OrgSequence | None = None) -> bool:
        return request.user.is_superuser


admin.site.unregister(User)


@admin.register(User)
class OrgScopedUserAdmin(OrgScopedAdmin, UserAdmin):
    """People of the staff member's organizations only; who is staff or superuser is the operator's call."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = list(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return fields
        return [*fields, "is_staff", "is_superuser", "groups", "user_permissions"]


# DRF's token admin lists every user's key. While DRF's authtoken app is installed, it is scoped too
# (accounts/admin_drf_token.py); importing that module without the app installed would fail.
if apps.is_installed("rest_framework.authtoken"):
    import_module("accounts.admin_drf_token")
