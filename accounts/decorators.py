"""Guards for server-rendered pages: signed in, working in an organization, and allowed by role."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.permissions import can
from accounts.requests import OrgRequest, is_org_request

P = ParamSpec("P")
OrgView = Callable[Concatenate[OrgRequest, P], HttpResponse]
View = Callable[Concatenate[HttpRequest, P], HttpResponse]


def org_member_required(capability: str | None = None) -> Callable[[OrgView[P]], View[P]]:
    """Require a signed-in member of an organization and, if given, a role allowed `capability`.

    The role is checked before the view looks anything up, so a forbidden request is refused (403)
    without revealing whether the object it names exists.
    """
    if capability is not None:
        can(None, capability)  # fail at import time on a misspelt capability, not on the first request

    def decorator(view: OrgView[P]) -> View[P]:
        @wraps(view)
        def guarded(request: HttpRequest, *args: P.args, **kwargs: P.kwargs) -> HttpResponse:
            if not is_org_request(request):
                return render(request, "accounts/no_organization.html", status=403)
            if capability is not None and not can(request.role, capability):
                raise PermissionDenied(f"Your role may not do this ({capability}).")
            return view(request, *args, **kwargs)

        return login_required(guarded)

    return decorator
