"""Attach the signed-in user's current organization and role to every request, and show times in the
organization's time zone."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from accounts.requests import MemberRequest
from accounts.selectors import membership_for_request


class CurrentOrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        membership = membership_for_request(request)
        member = cast(MemberRequest, request)  # it becomes one here: the three lines below set what it declares
        member.membership = membership
        member.organization = membership.organization if membership else None
        member.role = membership.role if membership else None
        if membership is None:
            return self.get_response(request)
        timezone.activate(ZoneInfo(membership.organization.timezone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()  # back to settings.TIME_ZONE: a thread serves many requests
