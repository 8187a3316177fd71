"""Attach the signed-in user's current organization and role to every request, and show times in the
organization's time zone."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.selectors import membership_for_request


class CurrentOrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = membership_for_request(request)
        request.membership = membership  # type: ignore[attr-defined]
        request.organization = membership.organization if membership else None  # type: ignore[attr-defined]
        request.role = membership.role if membership else None  # type: ignore[attr-defined]
        if membership is None:
            return self.get_response(request)
        timezone.activate(ZoneInfo(membership.organization.timezone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # back to settings.TIME_ZONE: a thread serves many requests
