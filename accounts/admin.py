from django.contrib import admin

from accounts.admin_scoping import OrgScopedAdmin
from accounts.models import Membership, Organization, OrgSequence


@admin.register(Organization)
class OrganizationAdmin(OrgScopedAdmin):
    org_path = "id"
    list_display = ["name", "slug", "plan", "created_at"]
    list_filter = ["plan"]
    search_fields = ["name", "slug"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "plan"]}),
        ("On invoices", {"fields": ["address_line1", "address_line2", "city", "region", "postal_code", "country",
                                    "email", "phone", "logo", "payment_instructions"]}),
    ]


@admin.register(Membership)
class MembershipAdmin(OrgScopedAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "organization__name"]


@admin.register(OrgSequence)
class OrgSequenceAdmin(OrgScopedAdmin):
    list_display = ["organization", "name", "next_value"]
