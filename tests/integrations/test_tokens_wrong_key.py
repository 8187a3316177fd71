"""A wrong encryption key fails loudly and sends nothing: the ciphertext used to go to QuickBooks as a
bearer token, then as a refresh token, and the connection was marked Authorization expired."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import Organization
from integrations.connection.upkeep import tokens_refresh_due
from integrations.fields import SecretUndecryptable
from integrations.models import ConnectionStatus, QuickBooksConnection
from integrations.qbo.tokens import access_token_for, client_for
from tests.integrations.conftest import PAGE, Qbo
from tests.integrations.test_tokens_at_rest import keys_fixture

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys(settings: object) -> Iterator[Callable[..., None]]:
    yield from keys_fixture(settings)


@pytest.fixture
def conn(qbo: Qbo, org: Organization, owner_client: Client, connect: Callable) -> QuickBooksConnection:
    return connect(owner_client, org, qbo.company("Wrong Key Plumbing"))


def _sent_to_qbo(qbo: Qbo, realm_id: str) -> tuple[int, int]:
    return qbo.api_calls(realm_id), qbo.refreshes(realm_id)


def test_a_wrong_key_raises_a_clear_error_and_sends_no_token(qbo: Qbo, conn: QuickBooksConnection,
                                                             owner_client: Client,
                                                             keys: Callable[..., None]) -> None:
    before = _sent_to_qbo(qbo, conn.realm_id)
    keys("a-key-these-tokens-were-not-written-with")

    with pytest.raises(SecretUndecryptable, match=r"QuickBooksConnection\.access_token could not be decrypted.*"
                                                  r"FIELD_ENCRYPTION_KEYS"):
        client_for(QuickBooksConnection.objects.get(pk=conn.pk))
    # Due for a refresh: the refresh token is not sent either.
    QuickBooksConnection.objects.filter(pk=conn.pk).update(access_token_expires_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(SecretUndecryptable, match="refresh_token|access_token"):
        access_token_for(connection_id=conn.pk)

    assert _sent_to_qbo(qbo, conn.realm_id) == before  # nothing reached QuickBooks
    assert QuickBooksConnection.objects.get(pk=conn.pk).status == ConnectionStatus.CONNECTED  # not "expired"
    # The settings page still opens (it never reads the tokens).
    assert owner_client.get(PAGE).status_code == 200
    # A dump keeps the ciphertext it cannot read, rather than failing or printing anything else.
    out = io.StringIO()
    call_command("dumpdata", "integrations.QuickBooksConnection", stdout=out)
    assert conn.realm_id in out.getvalue()


def test_scheduled_upkeep_with_a_wrong_key_sends_nothing(qbo: Qbo, conn: QuickBooksConnection,
                                                         keys: Callable[..., None]) -> None:
    QuickBooksConnection.objects.filter(pk=conn.pk).update(last_refreshed_at=timezone.now() - timedelta(days=60))
    before = _sent_to_qbo(qbo, conn.realm_id)
    keys("a-key-these-tokens-were-not-written-with")
    with pytest.raises(SecretUndecryptable):
        tokens_refresh_due()
    assert _sent_to_qbo(qbo, conn.realm_id) == before
    assert QuickBooksConnection.objects.get(pk=conn.pk).status == ConnectionStatus.CONNECTED


def test_the_right_key_back_makes_it_work_again(qbo: Qbo, conn: QuickBooksConnection,
                                                keys: Callable[..., None]) -> None:
    keys("a-key-these-tokens-were-not-written-with", "dev-only-token-key")  # the old key kept after the new
    assert access_token_for(connection_id=conn.pk) == conn.access_token
