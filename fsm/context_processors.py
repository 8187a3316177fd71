"""`support_email` for every page (the QuickBooks page and the error pages name it)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def support(request: HttpRequest) -> dict[str, str]:
    return {"support_email": settings.FSM_SUPPORT_EMAIL}
