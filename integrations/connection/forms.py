"""Forms of the QuickBooks settings page."""

from __future__ import annotations

from typing import Any

from django import forms

from integrations.connection.preferences import PREFERENCE_FIELDS
from integrations.models import InvoiceTrigger, SyncPreferences


class SyncPreferencesForm(forms.ModelForm):
    invoice_trigger = forms.ChoiceField(choices=InvoiceTrigger.choices, widget=forms.RadioSelect,
                                        label="Send invoices to QuickBooks")

    class Meta:
        model = SyncPreferences
        fields = list(PREFERENCE_FIELDS)
        labels = {
            "sync_customers": "Customers",
            "sync_products": "Products and services (items)",
            "sync_invoices": "Invoices",
            "sync_projects": "Projects (as sub-customers)",
            "sync_payments": "Payments",
        }

    def __init__(self, *args: Any, read_only: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if read_only:
            for field in self.fields.values():
                field.disabled = True


class DisconnectForm(forms.Form):
    """The confirmation step: a direct POST without it disconnects nothing."""

    confirm = forms.BooleanField(required=True, widget=forms.HiddenInput, initial=True,
                                 error_messages={"required": "Confirm on the disconnect page."})
