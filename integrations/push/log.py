"""The sync log: every attempt against QBO, filtered the same way on the page and in the API."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TypedDict, cast

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Organization
from integrations.models import ObjectType, SyncAttempt

# What an attempt's outcome says (the runner records the operation done, or the state a failure led to).
OUTCOME_LABELS: dict[str, str] = {
    "create": "Created",
    "update": "Updated",
    "link": "Linked to existing",
    "void": "Voided",
    "skipped": "Skipped",
    "backoff": "Failed · will retry",
    "queued": "Failed · re-queued after an edit",
    "error": "Error",
    "paused": "Paused",
}
OPERATION_LABELS: dict[str, str] = {"upsert": "Create or update", "void": "Void", "import": "Initial sync"}
SUCCEEDED = ("create", "update", "link", "void")
FAILED = ("backoff", "queued", "error", "paused")
_GROUPS = {"succeeded": SUCCEEDED, "failed": FAILED}
OUTCOME_CHOICES = [("", "Any outcome"), ("succeeded", "Succeeded"), ("failed", "Failed"),
                   *OUTCOME_LABELS.items()]
OBJECT_TYPE_CHOICES = [("", "Any object"), *ObjectType.choices]


class SyncLogFilters(TypedDict, total=False):
    """sync_log's filters: the form's fields, by name."""

    outcome: str
    object_type: str
    date_from: date
    date_to: date


class SyncLogFilterForm(forms.Form):
    outcome = forms.ChoiceField(choices=OUTCOME_CHOICES, required=False)
    object_type = forms.ChoiceField(choices=OBJECT_TYPE_CHOICES, required=False, label="Object")
    date_from = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "“To” is before “From”; pick a later date.")
        return cleaned

    def filters(self) -> SyncLogFilters:
        """The valid filters only, so one bad field never hides the others' effect."""
        self.is_valid()  # Django drops invalid fields from cleaned_data
        # cleaned_data holds exactly the fields declared above, cleaned to the types SyncLogFilters names.
        return cast(SyncLogFilters, {name: value for name, value in self.cleaned_data.items() if value})


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def sync_log(*, organization: Organization, outcome: str = "", object_type: str = "",
             date_from: date | None = None, date_to: date | None = None) -> QuerySet[SyncAttempt]:
    """Newest first; dates are whole local days, both ends included. Every connection the organization
    ever had, so the log survives a disconnect."""
    qs = SyncAttempt.objects.filter(connection__organization=organization).select_related("connection")
    if outcome:
        qs = qs.filter(outcome__in=_GROUPS.get(outcome, (outcome,)))
    if object_type:
        qs = qs.filter(object_type=object_type)
    if date_from:
        qs = qs.filter(started_at__gte=_day_start(date_from))
    if date_to:
        qs = qs.filter(started_at__lt=_day_start(date_to + timedelta(days=1)))
    return qs.order_by("-started_at", "-id")


def outcome_tone(outcome: str) -> str:
    if outcome in SUCCEEDED:
        return "ok"
    return "bad" if outcome in FAILED else "neutral"
