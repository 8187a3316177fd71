"""`qbo_queue` for the nav badge (and the QBO links of list rows): the live connection's realm and its
open-job counts, in one query, run only when a template actually reads it."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from integrations.push.display import queue_badge


def qbo_queue(request: HttpRequest) -> dict[str, object]:
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    if organization is None or user is None or not user.is_authenticated:
        return {}
    # Lazy: partials and pages without the nav never pay for the query.
    return {"qbo_queue": SimpleLazyObject(lambda: queue_badge(organization=organization))}
