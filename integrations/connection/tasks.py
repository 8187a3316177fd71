"""Scheduled QuickBooks connection upkeep (beat entry "qbo-token-upkeep" in fsm/settings.py)."""

from __future__ import annotations

from celery import shared_task

from integrations.connection.switch import switch_expire_stale
from integrations.connection.upkeep import tokens_refresh_due


@shared_task(name="integrations.connection.tasks.refresh_expiring_tokens")
def refresh_expiring_tokens() -> dict[str, int]:
    result = tokens_refresh_due()
    # A company switch nobody decided on must not keep its grant live at Intuit.
    withdrawn = switch_expire_stale()
    return {"refreshed": len(result.refreshed), "expired": len(result.expired), "failed": len(result.failed),
            "switches_withdrawn": withdrawn}
