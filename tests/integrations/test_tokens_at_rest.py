"""Tokens are never in clear text at rest: not in the table, not in `dumpdata`, not on a page or in the
API; and they survive a key rotation."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from pytest_django import Settings
from rest_framework.test import APIClient

from accounts.models import Organization, Role
from integrations.fields import SecretUndecryptable
from integrations.models import QuickBooksConnection
from tests.integrations.conftest import Qbo

pytestmark = pytest.mark.django_db
TOKEN_FIELDS = ("access_token", "refresh_token")


def _raw_tokens(pk: int) -> tuple[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token, refresh_token FROM integrations_quickbooksconnection WHERE id = %s", [pk])
        return cursor.fetchone()


@pytest.fixture
def conn(qbo: Qbo, org: Organization, owner_client: Client,
         connect: Callable[..., QuickBooksConnection]) -> QuickBooksConnection:
    return connect(owner_client, org, qbo.company("Secret Keeping LLC"))


def test_table_and_dumpdata_hold_no_clear_token(conn: QuickBooksConnection) -> None:
    secrets = (conn.access_token, conn.refresh_token)
    assert all(len(s) > 20 for s in secrets)

    raw = _raw_tokens(conn.pk)
    out = io.StringIO()
    call_command("dumpdata", "integrations.QuickBooksConnection", stdout=out)
    dump = out.getvalue()

    for secret in secrets:
        assert secret not in " ".join(raw) and secret not in dump
    assert all(value.startswith("gAAAAA") for value in raw)  # Fernet tokens
    assert conn.realm_id in dump  # the dump did include the connection
    # What the dump holds is ciphertext that decrypts back: loaddata round-trips.
    row = next(obj for obj in json.loads(dump) if obj["model"] == "integrations.quickbooksconnection")
    field = QuickBooksConnection._meta.get_field("refresh_token")
    assert field.to_python(row["fields"]["refresh_token"]) == conn.refresh_token


def test_pages_api_and_admin_never_show_a_token(conn: QuickBooksConnection, org: Organization,
                                                api_client_for: Callable[[Organization, str], APIClient]) -> None:
    admin = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123")
    admin_client = Client()
    admin_client.force_login(admin)
    owner_api = api_client_for(org, Role.OWNER)
    bodies = [
        owner_api.get("/api/v1/integrations/quickbooks/").content.decode(),
        admin_client.get(f"/admin/integrations/quickbooksconnection/{conn.pk}/change/").content.decode(),
        admin_client.get("/admin/integrations/quickbooksconnection/").content.decode(),
    ]
    assert "Secret Keeping LLC" in bodies[0] and conn.realm_id in bodies[1]
    for body in bodies:
        for name in TOKEN_FIELDS:
            assert getattr(conn, name) not in body
        assert "gAAAAA" not in body


def _use_keys(settings: Settings, *keys: str) -> None:
    settings.SALT_KEY = list(keys)
    # The field derives its Fernet keys once per process (cached_property); forget them.
    for name in TOKEN_FIELDS:
        field = QuickBooksConnection._meta.get_field(name)
        field.__dict__.pop("keys", None)
        field.__dict__.pop("f", None)


def keys_fixture(settings: Settings) -> Iterator[Callable[..., None]]:
    """keys("new", "old") switches FIELD_ENCRYPTION_KEYS for the test, and back afterwards."""
    original = list(settings.SALT_KEY)
    yield lambda *k: _use_keys(settings, *k)
    _use_keys(settings, *original)


@pytest.fixture
def keys(settings: Settings) -> Iterator[Callable[..., None]]:
    yield from keys_fixture(settings)


def test_tokens_survive_key_rotation(org: Organization, keys: Callable[..., None]) -> None:
    keys("key-A")
    conn = QuickBooksConnection.objects.create(organization=org, realm_id="4620816365", environment="simulator",
                                               access_token="eyJ-access-plain", refresh_token="RT1-111-H0-plain")
    raw_before = _raw_tokens(conn.pk)

    keys("key-B", "key-A")
    call_command("qbo_rotate_token_keys", stdout=io.StringIO())
    assert _raw_tokens(conn.pk) != raw_before

    keys("key-B")
    rotated = QuickBooksConnection.objects.get(pk=conn.pk)
    assert (rotated.access_token, rotated.refresh_token) == ("eyJ-access-plain", "RT1-111-H0-plain")
    keys("key-A")  # the old key alone no longer reads them: they really were re-encrypted
    with pytest.raises(SecretUndecryptable):
        QuickBooksConnection.objects.get(pk=conn.pk).refresh_token  # noqa: B018


def test_rotation_without_the_old_key_refuses_and_loses_nothing(org: Organization,
                                                               keys: Callable[..., None]) -> None:
    keys("key-A")
    conn = QuickBooksConnection.objects.create(organization=org, realm_id="99", environment="simulator",
                                               access_token="eyJ-a", refresh_token="RT1-r")
    raw_before = _raw_tokens(conn.pk)

    keys("key-C")  # someone dropped key-A too early
    with pytest.raises(CommandError, match=f"connection\\(s\\) {conn.pk}"):
        call_command("qbo_rotate_token_keys", stdout=io.StringIO())

    assert _raw_tokens(conn.pk) == raw_before
    keys("key-A")
    assert QuickBooksConnection.objects.get(pk=conn.pk).refresh_token == "RT1-r"


def test_empty_tokens_stay_empty_through_rotation(org: Organization) -> None:
    conn = QuickBooksConnection.objects.create(organization=org, realm_id="5", environment="simulator",
                                               status="disconnected")
    call_command("qbo_rotate_token_keys", stdout=io.StringIO())
    assert _raw_tokens(conn.pk) == ("", "")
