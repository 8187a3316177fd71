"""Saving the organization's QuickBooks sync preferences, with an audit row naming what changed."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Organization
from integrations.models import InvoiceTrigger, SyncPreferences
from integrations.selectors import connection_live
from integrations.services.audit import audit_record

TOGGLES = ("sync_customers", "sync_products", "sync_invoices", "sync_projects", "sync_payments")
PREFERENCE_FIELDS = (*TOGGLES, "invoice_trigger")


def _shown(name: str, value: object) -> str:
    if name == "invoice_trigger":
        return "on finalize" if value == InvoiceTrigger.ON_FINALIZE else "on send"
    return "on" if value else "off"


def _validate(changes: Mapping[str, object]) -> None:
    unknown = sorted(set(changes) - set(PREFERENCE_FIELDS))
    if unknown:
        raise ValidationError(f"Unknown preference(s): {', '.join(unknown)}.")
    errors: dict[str, str] = {}
    for name in TOGGLES:
        if name in changes and not isinstance(changes[name], bool):
            errors[name] = "Give true or false."
    if "invoice_trigger" in changes and changes["invoice_trigger"] not in InvoiceTrigger.values:
        errors["invoice_trigger"] = f"Choose one of: {', '.join(InvoiceTrigger.values)}."
    if errors:
        raise ValidationError(errors)


def preferences_update(*, organization: Organization, actor: User,
                       changes: Mapping[str, object]) -> list[str]:
    """Apply `changes` (field -> value) and return the changed fields, e.g. "sync_payments: on → off".
    Nothing is saved or audited when nothing changed; a bad value saves nothing."""
    _validate(changes)
    with transaction.atomic():
        prefs, _ = SyncPreferences.objects.select_for_update().get_or_create(organization=organization)
        changed = []
        for name in PREFERENCE_FIELDS:
            if name in changes and getattr(prefs, name) != changes[name]:
                changed.append(f"{name}: {_shown(name, getattr(prefs, name))} → {_shown(name, changes[name])}")
                setattr(prefs, name, changes[name])
        if changed:
            prefs.save()
            audit_record(organization=organization, connection=connection_live(organization=organization),
                         action="preferences_changed", actor=actor, detail="; ".join(changed))
    return changed
