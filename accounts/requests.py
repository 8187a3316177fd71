"""Types of a page request once the middleware and the guards have run, so views read
`request.organization` and `request.role` as what they are."""

from __future__ import annotations

from typing import TypeGuard

from django.contrib.auth.models import User
from django.http import HttpRequest

from accounts.models import Membership, Organization


class MemberRequest(HttpRequest):
    """Every request after CurrentOrganizationMiddleware: the user's current membership, if any."""

    membership: Membership | None
    organization: Organization | None
    role: str | None


class UserRequest(HttpRequest):
    """A request inside login_required: a signed-in user."""

    user: User


class OrgRequest(UserRequest):
    """A request inside org_member_required: a signed-in member working in `organization` as `role`."""

    membership: Membership
    organization: Organization
    role: str


def is_org_request(request: HttpRequest) -> TypeGuard[OrgRequest]:
    """True when the middleware found an organization the user is a member of."""
    return getattr(request, "organization", None) is not None
