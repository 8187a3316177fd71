"""Forms of the sign-in and organization-switch pages."""

from __future__ import annotations

from typing import Any, TypeVar

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.backends import LOCKED_ATTR
from accounts.models import Organization, timezone_names

F = TypeVar("F", bound=forms.Field)


def form_field(form: forms.BaseForm, name: str, kind: type[F]) -> F:
    """The form's field `name` as the kind it is (a model's ForeignKey is a ModelChoiceField, ...), so its
    own attributes (queryset, choices) type-check."""
    field = form.fields[name]
    assert isinstance(field, kind), f"{name} is a {type(field).__name__}, not a {kind.__name__}"
    return field


class SignInForm(AuthenticationForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})

    def get_invalid_login_error(self) -> ValidationError:
        locked = getattr(self.request, LOCKED_ATTR, None)
        if locked is None:
            return super().get_invalid_login_error()
        return ValidationError(lockout_message(locked), code="locked_out")


def lockout_message(locked_until: object) -> str:
    minutes = max(1, -(-int((locked_until - timezone.now()).total_seconds()) // 60))  # type: ignore[operator]
    return f"Too many failed sign-ins for this username. Try again in {minutes} minute{'s' if minutes != 1 else ''}."


class OrganizationSwitchForm(forms.Form):
    organization = forms.ModelChoiceField(queryset=Organization.objects.none(), empty_label=None)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only organizations the user belongs to are valid choices, so a forged id is a form error.
        form_field(self, "organization", forms.ModelChoiceField).queryset = Organization.objects.filter(memberships__user=user)


class BusinessDetailsForm(forms.ModelForm):
    """What the organization prints on invoices. Validation is the model's (the API uses the same)."""

    remove_logo = forms.BooleanField(required=False, label="Remove the logo")

    class Meta:
        model = Organization
        fields = ["name", "address_line1", "address_line2", "city", "region", "postal_code", "country", "email",
                  "phone", "logo", "payment_instructions"]
        labels = {"name": "Business name"}
        widgets = {"payment_instructions": forms.Textarea(attrs={"rows": 3}),
                   # A plain file input: the page shows the current logo itself (media files are not served)
                   "logo": forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif"})}


class OrganizationSettingsForm(forms.Form):
    timezone = forms.ChoiceField(label="Time zone", help_text="Every date and time in the app is shown in this zone.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "timezone", forms.ChoiceField).choices = [(name, name.replace("_", " ")) for name in sorted(timezone_names())]
