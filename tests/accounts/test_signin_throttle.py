"""Repeated wrong passwords lock the username out, on the sign-in page and the API token endpoint alike
(40 wrong passwords then the right one used to sign in); Django's standard password validators apply."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import Membership, Organization, Role, SignInFailure
from tests.conftest import PASSWORD

if TYPE_CHECKING:
    # django-stubs name the test client's response (with .client and .json()) only privately.
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db
TOKEN_URL = "/api/v1/auth/token/"


def _page_sign_in(username: str, password: str) -> _MonkeyPatchedWSGIResponse:
    return Client().post(reverse("login"), {"username": username, "password": password})


def test_forty_wrong_passwords_then_the_right_one_is_refused_on_the_page(
        org: Organization, member: Callable[[Organization, str], Membership]) -> None:
    username = member(org, Role.TECHNICIAN).user.username
    for attempt in range(40):
        response = _page_sign_in(username, f"wrong-{attempt}")
        assert response.status_code == 200  # the form again, never a 500
    refused = _page_sign_in(username, PASSWORD)
    assert refused.status_code == 200 and "_auth_user_id" not in refused.client.session
    assert "Too many failed sign-ins for this username. Try again in 15 minutes." in refused.content.decode()
    # Another person is not affected.
    other = member(org, Role.DISPATCHER).user.username
    assert _page_sign_in(other, PASSWORD).status_code == 302


def test_the_api_token_endpoint_locks_out_too_and_says_when_to_retry(
        org: Organization, member: Callable[[Organization, str], Membership], settings: Settings) -> None:
    username = member(org, Role.OWNER).user.username
    api = APIClient()
    for attempt in range(settings.SIGNIN_MAX_FAILURES):
        assert api.post(TOKEN_URL, {"username": username, "password": f"nope-{attempt}"}).status_code == 400
    refused = api.post(TOKEN_URL, {"username": username, "password": PASSWORD})
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 900
    assert "Too many failed sign-ins" in refused.json()["detail"]
    # The page shares the count: it is locked as well.
    assert "_auth_user_id" not in _page_sign_in(username, PASSWORD).client.session


def test_the_lockout_ends_and_a_right_password_clears_the_count(
        org: Organization, member: Callable[[Organization, str], Membership], settings: Settings) -> None:
    username = member(org, Role.ADMIN).user.username
    for attempt in range(settings.SIGNIN_MAX_FAILURES):
        _page_sign_in(username, f"wrong-{attempt}")
    SignInFailure.objects.filter(username=username).update(
        locked_until=timezone.now() - timedelta(seconds=1), first_failed_at=timezone.now() - timedelta(hours=1))
    assert APIClient().post(TOKEN_URL, {"username": username, "password": PASSWORD}).status_code == 200
    assert not SignInFailure.objects.filter(username=username).exists()


def test_a_few_mistakes_do_not_lock_anyone_out(org: Organization,
                                               member: Callable[[Organization, str], Membership]) -> None:
    username = member(org, Role.OWNER).user.username
    for attempt in range(3):
        _page_sign_in(username, f"typo-{attempt}")
    assert _page_sign_in(username, PASSWORD).status_code == 302


@pytest.mark.parametrize("weak", ["password1", "12345678901", "short1"])
def test_standard_password_validators_refuse_weak_passwords(weak: str) -> None:
    user = get_user_model()(username="pat", email="pat@example.com")
    with pytest.raises(ValidationError):
        validate_password(weak, user)
    validate_password("plum-orchard-kettle-42", user)
