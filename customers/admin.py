from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from accounts.admin_scoping import OrgScopedAdmin
from customers.models import Customer, Project
from customers.services import project_check_customer_change


class ProjectAdminForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = "__all__"

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        customer = data.get("customer")
        if customer is not None:
            try:  # clean() runs before the form's values reach the instance: it still has the old customer
                project_check_customer_change(project=self.instance, customer=customer)
            except ValidationError as exc:
                self.add_error("customer", exc.messages)
        return data


@admin.register(Customer)
class CustomerAdmin(OrgScopedAdmin):
    list_display = ["display_name", "company_name", "email", "phone", "is_active", "organization"]
    list_filter = ["is_active"]
    search_fields = ["display_name", "company_name", "email"]


@admin.register(Project)
class ProjectAdmin(OrgScopedAdmin):
    form = ProjectAdminForm
    list_display = ["name", "customer", "status", "start_date", "end_date", "organization"]
    list_filter = ["status"]
    search_fields = ["name", "customer__display_name"]
    list_select_related = ["customer"]
