from django.contrib import admin

from accounts.admin_scoping import OrgScopedAdmin
from customers.models import Customer, Project


@admin.register(Customer)
class CustomerAdmin(OrgScopedAdmin):
    list_display = ["display_name", "company_name", "email", "phone", "is_active", "organization"]
    list_filter = ["is_active"]
    search_fields = ["display_name", "company_name", "email"]


@admin.register(Project)
class ProjectAdmin(OrgScopedAdmin):
    list_display = ["name", "customer", "status", "start_date", "end_date", "organization"]
    list_filter = ["status"]
    search_fields = ["name", "customer__display_name"]
    list_select_related = ["customer"]
