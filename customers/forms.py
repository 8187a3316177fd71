"""Forms of the customer and project pages."""

from __future__ import annotations

from typing import Any

from django import forms

from customers.models import Customer, Project


class CustomerForm(forms.ModelForm):
    class Meta:
        model = Customer
        fields = [
            "display_name", "company_name", "given_name", "family_name", "email", "phone",
            "billing_line1", "billing_line2", "billing_city", "billing_region", "billing_postal_code",
            "billing_country", "payment_terms_days", "notes", "is_active",
        ]
        labels = {"display_name": "Display name", "given_name": "First name", "family_name": "Last name"}
        widgets = {"notes": forms.Textarea(attrs={"rows": 3}),
                   "payment_terms_days": forms.NumberInput(attrs={"list": "terms-presets", "min": 0, "max": 365})}

    def clean_display_name(self) -> str:
        # A name of spaces would pass `required` and show up as a blank row in every list.
        name = self.cleaned_data["display_name"].strip()
        if not name:
            raise forms.ValidationError("Give the customer a name.")
        return name


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["name", "status", "start_date", "end_date", "description"]
        widgets = {
            "start_date": DateInput(),
            "end_date": DateInput(),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the project a name.")
        return name

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The end date cannot be before the start date.")
        return data
