"""Intuit's fault messages turned into plain language with a hint of the fix (Intuit's text is kept)."""

from __future__ import annotations

from integrations.qbo.errors import (
    QboAuthError,
    QboDependencyPending,
    QboError,
    QboReauthorizationRequired,
    QboRefusedHere,
    QboThrottled,
    QboTransient,
)

RECONNECT = "The Owner can reconnect in Settings → Integrations → QuickBooks."

_BY_CODE: dict[str, tuple[str, str]] = {
    "6240": ("A customer, vendor or employee in QuickBooks already uses this name.",
             "Rename the customer here, or link it to the QuickBooks record, then Retry."),
    "6140": ("QuickBooks already has a transaction with this invoice number.",
             "Find that number in QuickBooks; void or renumber one of them, then Retry."),
    "610": ("The QuickBooks record this refers to was deleted or made inactive.",
            "Reactivate it in QuickBooks, or re-push this record on purpose."),
    "2500": ("A customer or item this refers to no longer exists in QuickBooks.",
             "Re-sync the customer and products, then Retry."),
    "2020": ("QuickBooks says a required field is missing.", "Complete the record here, then Retry."),
    "2040": ("A name contains characters QuickBooks does not accept.", "Remove ':' tabs or line breaks from names."),
    "2050": ("A value is longer or shorter than QuickBooks allows.", "Shorten the field named below, then Retry."),
    "6000": ("QuickBooks rejected the record.", "Read QuickBooks' reason below, fix the record, then Retry."),
    "5010": ("Someone changed this record in QuickBooks at the same time.", "Retry; we re-read it first."),
}


def plain_message(exc: QboError) -> tuple[str, str]:
    intuit = exc.message + (f" — {exc.detail}" if exc.detail and exc.detail not in exc.message else "")
    if isinstance(exc, QboReauthorizationRequired | QboAuthError):
        return f"QuickBooks authorization expired or was revoked. ({intuit})", RECONNECT
    if isinstance(exc, QboRefusedHere):
        return exc.message, exc.hint  # nothing reached QuickBooks: no "QuickBooks said"
    if isinstance(exc, QboDependencyPending):
        return exc.message, "Nothing to do: it continues once that record is in QuickBooks."
    if isinstance(exc, QboThrottled):
        return "QuickBooks asked us to slow down (rate limit).", "Nothing to do: it retries on its own."
    if isinstance(exc, QboTransient):
        return f"QuickBooks did not answer properly ({intuit}).", "Nothing to do: it retries on its own."
    plain, hint = _BY_CODE.get(exc.code, ("QuickBooks rejected the record.", "Fix the record here, then Retry."))
    return f"{plain} (QuickBooks said: {intuit})", hint
