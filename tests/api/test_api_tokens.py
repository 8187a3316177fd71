"""API tokens are stored hashed, expire, and stop working when the password changes; tokens DRF's
authtoken stored in clear text move over hashed and their clear-text rows are deleted."""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from datetime import timedelta
from types import SimpleNamespace
from typing import TYPE_CHECKING

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import ApiToken, Membership, Organization, Role
from tests.api.conftest import API
from tests.conftest import PASSWORD

if TYPE_CHECKING:
    # DRF's stubs name the test client's response (Response plus .json()) only privately.
    from rest_framework.response import _MonkeyPatchedResponse

pytestmark = pytest.mark.django_db
migration = importlib.import_module("accounts.migrations.0003_api_tokens_hashed")


def _sign_in(username: str) -> str:
    response = APIClient().post(f"{API}/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 200, response.content
    assert "no-store" in response["Cache-Control"]
    return response.json()["token"]


def _me(key: str) -> _MonkeyPatchedResponse:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client.get(f"{API}/me/")


def test_the_key_is_nowhere_in_the_database(org: Organization,
                                            member: Callable[[Organization, str], Membership]) -> None:
    user = member(org, Role.OWNER).user
    key = _sign_in(user.username)
    assert _me(key).status_code == 200
    dump = io.StringIO()
    call_command("dumpdata", "accounts", "auth", stdout=dump)
    assert key not in dump.getvalue()
    with connection.cursor() as cursor:
        cursor.execute("SELECT key_hash, prefix FROM accounts_apitoken")
        stored = " ".join(" ".join(row) for row in cursor.fetchall())
    assert stored and key not in stored
    # Each sign-in is a new token; the earlier one still works until it expires.
    second = _sign_in(user.username)
    assert second != key and _me(key).status_code == 200 and _me(second).status_code == 200


def test_an_expired_token_is_refused(org: Organization, member: Callable[[Organization, str], Membership]) -> None:
    key = _sign_in(member(org, Role.DISPATCHER).user.username)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = _me(key)
    assert response.status_code == 401 and "expired" in response.json()["detail"]


def test_a_password_change_revokes_every_token(org: Organization,
                                               member: Callable[[Organization, str], Membership]) -> None:
    user = member(org, Role.ADMIN).user
    key = _sign_in(user.username)
    user.set_password("a-brand-new-passphrase-77")
    user.save()
    response = _me(key)
    assert response.status_code == 401 and "password changed" in response.json()["detail"]


def test_legacy_clear_text_tokens_move_over_hashed(org: Organization,
                                                   member: Callable[[Organization, str], Membership]) -> None:
    user = member(org, Role.OWNER).user
    legacy_key = "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"  # DRF authtoken's format: 40 hex digits
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp with time zone, user_id integer)")
        cursor.execute("INSERT INTO authtoken_token VALUES (%s, %s, %s)", [legacy_key, timezone.now(), user.pk])
    migration.move_legacy_tokens(apps, SimpleNamespace(connection=connection))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM authtoken_token")
        assert cursor.fetchone()[0] == 0
        cursor.execute("DROP TABLE authtoken_token")
    assert _me(legacy_key).status_code == 200
