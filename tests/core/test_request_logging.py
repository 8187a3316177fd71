"""A refused request is logged as one warning line, without a traceback (make run's output stays readable)."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from django.test import Client

from accounts.models import Organization, Role


def test_a_403_is_one_warning_without_a_traceback(
        org: Organization, client_for: Callable[[Organization, str], Client], caplog: pytest.LogCaptureFixture) -> None:
    technician = client_for(org, Role.TECHNICIAN)
    with caplog.at_level(logging.INFO, logger="django.request"):
        assert technician.post("/settings/integrations/quickbooks/disconnect/").status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.levelno for r in records] == [logging.WARNING]
    assert records[0].getMessage().startswith("Forbidden")
    assert records[0].exc_info is None
    handler = logging.StreamHandler()
    assert "Traceback" not in handler.format(records[0])
