"""Who is calling a QuickBooks view: the organization, role and user of a request, typed.

CurrentOrganizationMiddleware (pages) and OrgAPIMixin (API) set `organization` and `role` on the request
at run time, which the request classes do not declare; org_member_required and HasOrgCapability refuse a
request without an organization before any view here runs. These read the attributes back as what
they are, instead of every view silencing the type checker.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from rest_framework.request import Request

from accounts.models import Organization


def caller_organization(request: HttpRequest | Request) -> Organization:
    """The organization the guarded view acts in."""
    organization = getattr(request, "organization", None)
    assert isinstance(organization, Organization), "a view reached without an organization: is it guarded?"
    return organization


def caller_organization_or_none(request: HttpRequest | Request) -> Organization | None:
    """The organization, for a view that is only signed-in (it answers a person without one itself)."""
    organization = getattr(request, "organization", None)
    return organization if isinstance(organization, Organization) else None


def caller_role(request: HttpRequest | Request) -> str | None:
    """The caller's role in that organization (None without a membership; `can` refuses it everything)."""
    role = getattr(request, "role", None)
    return role if isinstance(role, str) else None


def caller_user(request: HttpRequest | Request) -> User:
    """The signed-in person (every view here requires a sign-in)."""
    user = request.user
    assert isinstance(user, User), "a view reached without a signed-in user: is it guarded?"
    return user
