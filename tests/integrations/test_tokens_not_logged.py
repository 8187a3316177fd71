"""Debug logging never writes an access token, a refresh token or the OAuth code: the redaction filter
sits on the root handlers, so it covers requests_oauthlib, urllib3, intuit-oauth, python-quickbooks and
Django's access log alike."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Organization
from integrations.models import QuickBooksConnection
from integrations.qbo.tokens import access_token_for, client_for
from tests.integrations.conftest import CALLBACK, Qbo, authorize_at_sim, start_connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything the configured root handlers write, at DEBUG for every logger."""
    # The root's handlers, and the access log's own (django.server does not propagate to the root).
    handlers = [h for name in ("", "django.server") for h in logging.getLogger(name).handlers
                if type(h) is logging.StreamHandler]  # ours, not pytest's capture handlers
    assert len(handlers) >= 2, "LOGGING in fsm/settings.py lost its console or django.server handler"
    out = io.StringIO()
    old_streams = [h.setStream(out) for h in handlers]
    old_levels = {name: logging.getLogger(name).level for name in ("", "django", "urllib3", "requests_oauthlib",
                                                                   "oauthlib", "intuitlib", "quickbooks")}
    for name in old_levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield out
    for handler, stream in zip(handlers, old_streams, strict=True):
        handler.setStream(stream)
    for name, level in old_levels.items():
        logging.getLogger(name).setLevel(level)


def test_connect_and_refresh_at_debug_log_no_token_or_code(qbo: Qbo, org: Organization, owner_client: Client,
                                                           captured: io.StringIO) -> None:
    realm = qbo.company("Quiet Logs Ltd")
    params = authorize_at_sim(qbo, start_connect(owner_client), realm_id=realm)
    code = params["code"]
    # What runserver's access log prints for the callback (django.server's own handler).
    logging.getLogger("django.server").info('"GET %s?%s HTTP/1.1" 302 0', CALLBACK, urlencode(params))
    assert owner_client.get(CALLBACK, params).status_code == 302
    conn = QuickBooksConnection.objects.get(organization=org, realm_id=realm)
    first = (conn.access_token, conn.refresh_token)

    QuickBooksConnection.objects.filter(pk=conn.pk).update(access_token_expires_at=timezone.now() - timedelta(hours=1))
    access_token_for(connection_id=conn.pk)  # a refresh
    conn.refresh_from_db()
    client_for(conn).company_info()  # an API call with the Authorization header

    text = captured.getvalue()
    assert "Request headers were" in text or "Adding token" in text or "Obtained token" in text, text[:2000]
    assert "[redacted]" in text
    for secret in (*first, conn.access_token, conn.refresh_token, code):
        assert len(secret) > 8
        assert secret not in text, f"a secret was logged: ...{text[max(0, text.find(secret) - 200):][:400]}"
